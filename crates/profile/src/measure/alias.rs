//! The aliases a preload loads the next config under
//! (`tritium_model_switch: preload`): a model repository of tritium's own, in
//! a temporary folder, holding one link per profiled model,
//! `<model>__tritium_next` → the model's folder in the user's repository
//! (read, never written). The embedded server serves it beside the user's
//! repository ([`ServerOptions::also_model_repository`]), so Triton can hold
//! two configs of one model at once: the one measured, under one name, and
//! the next, under the other. The folder and its links go when the
//! [`AliasRepository`] is dropped (after the server stops); folders that a
//! killed tritium left behind (SIGKILL, a second Ctrl-C) are removed by the
//! next run that creates one ([`remove_stale`]).
//!
//! [`ServerOptions::also_model_repository`]: tritium_triton::ServerOptions::also_model_repository

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What the alias of a model adds to its name.
pub const ALIAS_SUFFIX: &str = "__tritium_next";

/// How an alias folder's name starts: then the pid of the tritium that made it, `-`, a random part.
const ALIAS_DIR_PREFIX: &str = "tritium-aliases-";

/// Removes the alias folders under `tmp` whose tritium no longer runs
/// (symlinks only: removing them never touches what they point at). A
/// folder of a running process, or one that cannot be read, is left.
/// Returns how many were removed.
pub fn remove_stale(tmp: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(tmp) else { return 0 };
    let mut removed = 0;
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(pid) = name.to_str().and_then(|n| n.strip_prefix(ALIAS_DIR_PREFIX)).and_then(|r| r.split_once('-')).and_then(|(p, _)| p.parse::<u32>().ok()) else {
            continue;
        };
        if pid == std::process::id() || tritium_util::procfs::is_running(pid) {
            continue;
        }
        let path = e.path();
        let links_only = std::fs::read_dir(&path).is_ok_and(|d| d.flatten().all(|x| x.file_type().is_ok_and(|t| t.is_symlink())));
        if e.file_type().is_ok_and(|t| t.is_dir()) && links_only && std::fs::remove_dir_all(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// tritium's repository of model aliases.
#[derive(Debug)]
pub struct AliasRepository {
    dir: tempfile::TempDir,
    aliases: BTreeMap<String, String>,
}

impl AliasRepository {
    /// A repository with an alias for each of `models` that is a folder of
    /// `repository` (and whose alias is not a model of `repository`).
    pub fn create(repository: &Path, models: &[String]) -> std::io::Result<AliasRepository> {
        remove_stale(&std::env::temp_dir());
        let dir = tempfile::Builder::new().prefix(&format!("{ALIAS_DIR_PREFIX}{}-", std::process::id())).tempdir()?;
        let mut aliases = BTreeMap::new();
        for m in models {
            let target = repository.join(m);
            let alias = format!("{m}{ALIAS_SUFFIX}");
            if !target.is_dir() || repository.join(&alias).exists() || aliases.contains_key(m) {
                continue;
            }
            let target = std::fs::canonicalize(&target)?;
            std::os::unix::fs::symlink(&target, dir.path().join(&alias))?;
            aliases.insert(m.clone(), alias);
        }
        Ok(AliasRepository { dir, aliases })
    }

    /// The repository's folder (for the server's options).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// The alias of `model`, if it has one.
    pub fn alias(&self, model: &str) -> Option<&str> {
        self.aliases.get(model).map(String::as_str)
    }

    /// Where the alias of `model` points.
    pub fn target(&self, model: &str) -> Option<PathBuf> {
        std::fs::read_link(self.dir.path().join(self.alias(model)?)).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_of_tritiums_that_no_longer_run_are_removed() {
        let tmp = tempfile::tempdir().unwrap();
        let target = tempfile::tempdir().unwrap();
        std::fs::write(target.path().join("model.py"), "x").unwrap();
        // A pid that cannot run (above the kernel's pid_max limit of 2^22), this process's, and a foreign folder.
        let dead = tmp.path().join(format!("{ALIAS_DIR_PREFIX}4999999-abc"));
        let mine = tmp.path().join(format!("{ALIAS_DIR_PREFIX}{}-abc", std::process::id()));
        let foreign = tmp.path().join(format!("{ALIAS_DIR_PREFIX}4999998-abc"));
        for d in [&dead, &mine, &foreign] {
            std::fs::create_dir(d).unwrap();
        }
        std::os::unix::fs::symlink(target.path(), dead.join("m__tritium_next")).unwrap();
        std::os::unix::fs::symlink(target.path(), mine.join("m__tritium_next")).unwrap();
        std::fs::write(foreign.join("a_file"), "not ours").unwrap();
        assert_eq!(remove_stale(tmp.path()), 1);
        assert!(!dead.exists() && mine.exists() && foreign.exists(), "only the dead tritium's links go; a folder holding a file is left");
        assert!(target.path().join("model.py").exists(), "what a link pointed at is untouched");
    }

    #[test]
    fn each_model_folder_gets_an_alias_linking_to_it_and_nothing_is_written_to_the_repository() {
        let repo = tempfile::tempdir().unwrap();
        for m in ["a", "b"] {
            std::fs::create_dir_all(repo.path().join(m).join("1")).unwrap();
        }
        // A model whose alias name is taken in the repository gets none (the names would clash).
        std::fs::create_dir_all(repo.path().join("c")).unwrap();
        std::fs::create_dir_all(repo.path().join(format!("c{ALIAS_SUFFIX}"))).unwrap();
        let before: Vec<_> = std::fs::read_dir(repo.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        let names: Vec<String> = ["a", "b", "c", "missing"].iter().map(|s| s.to_string()).collect();
        let r = AliasRepository::create(repo.path(), &names).unwrap();
        assert_eq!(r.alias("a"), Some("a__tritium_next"));
        assert_eq!(r.alias("b"), Some("b__tritium_next"));
        assert_eq!(r.alias("c"), None);
        assert_eq!(r.alias("missing"), None);
        assert_eq!(r.target("a").unwrap(), std::fs::canonicalize(repo.path().join("a")).unwrap());
        assert!(r.path().join("a__tritium_next/1").is_dir(), "the link resolves to the model's folder");
        let after: Vec<_> = std::fs::read_dir(repo.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(before.len(), after.len(), "the user's repository is untouched");
        let dir = r.path().to_path_buf();
        drop(r);
        assert!(!dir.exists(), "the alias folder goes with the value");
        assert!(repo.path().join("a/1").is_dir(), "dropping the links leaves the models");
    }
}
