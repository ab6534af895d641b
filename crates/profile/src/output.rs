//! Deployable configs: `<output_model_repository_path>/<model>_config_<n>/`
//! with `config.pbtxt` and the model's version folders. The user's
//! repository is only read.
//!
//! Which configs ([`configs_to_write`]): as Model Analyzer, every measured
//! variant (`tritium_output_configs: all`, the default), or only the top
//! ones and the default (`tritium_output_configs: top`). Deviation: Model
//! Analyzer writes each variant before loading it, so a variant Triton
//! refused to load, or whose every measurement failed, is in its output
//! repository too; tritium writes only variants that loaded and measured
//! successfully (a failed config is never deployable), so every config
//! there loads and served requests.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::OutputConfigs;
use crate::results::{ConfigRecord, ModelResults};
use tritium_model::pbtxt;
use tritium_triton::error::{Error, Result};

/// The configs of `m` written to the output repository, in the model's
/// config order, each only when it loaded and has a successful measurement.
/// `All`: every such variant, as Model Analyzer writes every measured
/// variant. `Top`: the model's top configs and its default config (the
/// configs across models, `num_top_model_configs`, are added by the caller).
pub fn configs_to_write(m: &ModelResults, which: OutputConfigs) -> Vec<&ConfigRecord> {
    m.configs
        .iter()
        .filter(|c| c.error.is_none() && m.has_result(&c.name))
        .filter(|c| match which {
            OutputConfigs::All => true,
            OutputConfigs::Top => m.top.contains(&c.name) || c.name == m.default_config,
        })
        .collect()
}

/// Fails when `out` exists with content and overriding was not allowed —
/// checked before any measurement so a long run cannot end in this error.
pub fn check_output_repository(out: &Path, override_existing: bool) -> Result<()> {
    let non_empty = std::fs::read_dir(out).map(|mut d| d.next().is_some()).unwrap_or(false);
    if non_empty && !override_existing {
        return Err(Error::InvalidArgument(format!(
            "output_model_repository_path {} exists and is not empty; remove it or set override_output_model_repository: true (--override-output-model-repository true)",
            out.display()
        )));
    }
    Ok(())
}

/// What a path is, for messages ("a regular file", "a FIFO", ...).
fn kind_of(m: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = m.file_type();
    if t.is_file() {
        "a regular file"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else {
        "not a directory"
    }
}

/// Checks, before any work, that `dir` (the value of config key `key`) can
/// hold tritium's output: an existing directory (a symbolic link to one is
/// followed) or one that can be created, in which a file can be created and
/// removed. A FIFO, file or dangling link where a directory is needed is
/// refused. Directories created for the check are removed again; nothing is
/// left behind.
pub fn check_output_dir(dir: &Path, key: &str) -> Result<()> {
    let bad = |msg: String| Err(Error::InvalidArgument(format!("{key} {}: {msg}", dir.display())));
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(m) => return bad(format!("is {}, not a directory; give a directory (or a path where one can be created)", kind_of(&m))),
        Err(_) if std::fs::symlink_metadata(dir).is_ok() => return bad("is a symbolic link to a missing target; fix the link or give a directory".to_string()),
        Err(_) => {}
    }
    // Create what is missing, remembering it to remove it afterwards.
    let mut created: Vec<PathBuf> = Vec::new();
    let mut missing: Vec<&Path> = Vec::new();
    let mut p = Some(dir);
    while let Some(x) = p {
        if x.as_os_str().is_empty() || std::fs::symlink_metadata(x).is_ok() {
            if let Ok(m) = std::fs::metadata(x) {
                if !m.is_dir() {
                    return bad(format!("cannot be created: {} is {}, not a directory", x.display(), kind_of(&m)));
                }
            }
            break;
        }
        missing.push(x);
        p = x.parent();
    }
    let cleanup = |created: &[PathBuf]| {
        for d in created.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    };
    for d in missing.iter().rev() {
        if let Err(e) = std::fs::create_dir(d) {
            if !d.is_dir() {
                cleanup(&created);
                return bad(format!("cannot be created ({}: {e}); choose a writable location", d.display()));
            }
        } else {
            created.push(d.to_path_buf());
        }
    }
    let probe = dir.join(format!(".tritium-write-probe-{}", std::process::id()));
    let r = std::fs::OpenOptions::new().write(true).create_new(true).open(&probe).and_then(|_| std::fs::remove_file(&probe));
    cleanup(&created);
    if let Err(e) = r {
        let _ = std::fs::remove_file(&probe);
        return bad(format!("is not writable ({e}); choose a writable directory"));
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to).map_err(|e| Error::io(to, e))?;
    for e in std::fs::read_dir(from).map_err(|e| Error::io(from, e))? {
        let e = e.map_err(|e| Error::io(from, e))?;
        let p = e.path();
        let name = e.file_name();
        if name == "__pycache__" {
            continue;
        }
        let dst = to.join(&name);
        if p.is_dir() {
            copy_tree(&p, &dst)?;
        } else {
            std::fs::copy(&p, &dst).map_err(|e| Error::io(&p, e))?;
        }
    }
    Ok(())
}

/// Writes config `name` (ModelConfig JSON `config`) of the model in
/// `model_dir` under `out/name`, with every version folder and other files
/// of the model except its config.pbtxt. Replaces an existing `out/name` only
/// when `override_existing`.
pub fn write_model_config(out: &Path, name: &str, config: &Value, model_dir: &Path, override_existing: bool) -> Result<PathBuf> {
    // A name is one directory under `out`, never a path out of it.
    super::config::check_model_name(name).map_err(|e| Error::InvalidArgument(format!("config {e}; not written")))?;
    let dst = out.join(name);
    if dst.exists() && !override_existing {
        return Err(Error::InvalidArgument(format!("{} exists; set override_output_model_repository: true to replace it", dst.display())));
    }
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let mut cfg = config.clone();
    if let Some(o) = cfg.as_object_mut() {
        o.insert("name".into(), Value::String(name.to_string()));
    }
    let msg = pbtxt::from_json(&cfg).map_err(|e| Error::InvalidArgument(format!("config {name}: {e}")))?;
    let text = pbtxt::to_text(&msg);
    // Build next to the destination, then swap it in.
    let tmp = out.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    for e in std::fs::read_dir(model_dir).map_err(|e| Error::io(model_dir, e))? {
        let e = e.map_err(|e| Error::io(model_dir, e))?;
        let fname = e.file_name();
        if fname == "config.pbtxt" || fname == "__pycache__" {
            continue;
        }
        if e.path().is_dir() {
            copy_tree(&e.path(), &tmp.join(&fname))?;
        } else {
            std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
            std::fs::copy(e.path(), tmp.join(&fname)).map_err(|er| Error::io(e.path(), er))?;
        }
    }
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    std::fs::write(tmp.join("config.pbtxt"), text).map_err(|e| Error::io(tmp.join("config.pbtxt"), e))?;
    if dst.exists() {
        std::fs::remove_dir_all(&dst).map_err(|e| Error::io(&dst, e))?;
    }
    std::fs::rename(&tmp, &dst).map_err(|e| Error::io(&dst, e))?;
    Ok(dst)
}

/// Writes config `name` of `model` (from `repo`): a plain model, or for an
/// ensemble (`{"ensemble", "composing"}` JSON) the ensemble under `name` with
/// its steps pointing at composing copies written as `<composing>_<name>`.
pub fn write_config(out: &Path, repo: &Path, model: &str, name: &str, config: &Value, override_existing: bool) -> Result<Vec<PathBuf>> {
    let (Some(ens), Some(comp)) = (config.get("ensemble"), config.get("composing").and_then(Value::as_object)) else {
        return Ok(vec![write_model_config(out, name, config, &repo.join(model), override_existing)?]);
    };
    let mut written = Vec::new();
    let mut ens = ens.clone();
    for (c, cj) in comp {
        let copy = format!("{c}_{name}");
        written.push(write_model_config(out, &copy, cj, &repo.join(c), override_existing)?);
        if let Some(steps) = ens.pointer_mut("/ensemble_scheduling/step").and_then(Value::as_array_mut) {
            for s in steps.iter_mut().filter(|s| s.get("model_name").and_then(Value::as_str) == Some(c.as_str())) {
                s["model_name"] = Value::String(copy.clone());
            }
        }
    }
    written.push(write_model_config(out, name, &ens, &repo.join(model), override_existing)?);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_config_and_versions_and_respects_override() {
        let d = tempfile::tempdir().unwrap();
        let model = d.path().join("repo/m");
        std::fs::create_dir_all(model.join("1/__pycache__")).unwrap();
        std::fs::write(model.join("1/model.py"), "x = 1\n").unwrap();
        std::fs::write(model.join("config.pbtxt"), "name: \"m\"\n").unwrap();
        let out = d.path().join("out");
        let cfg = serde_json::json!({"name": "m", "backend": "python", "max_batch_size": 4, "instance_group": [{"kind": "KIND_CPU", "count": 2}]});
        let p = write_model_config(&out, "m_config_0", &cfg, &model, false).unwrap();
        let text = std::fs::read_to_string(p.join("config.pbtxt")).unwrap();
        assert!(text.contains("m_config_0") && text.contains("max_batch_size: 4") && text.contains("KIND_CPU"), "{text}");
        assert_eq!(std::fs::read_to_string(p.join("1/model.py")).unwrap(), "x = 1\n");
        assert!(!p.join("1/__pycache__").exists());
        // The user's model is untouched.
        assert_eq!(std::fs::read_to_string(model.join("config.pbtxt")).unwrap(), "name: \"m\"\n");
        // No clobbering without override.
        assert!(write_model_config(&out, "m_config_0", &cfg, &model, false).is_err());
        assert!(write_model_config(&out, "m_config_0", &cfg, &model, true).is_ok());
        assert!(check_output_repository(&out, false).is_err());
        assert!(check_output_repository(&out, true).is_ok());
        assert!(check_output_repository(&d.path().join("absent"), false).is_ok());
        // A name is never a path out of `out`.
        for bad in ["../escape", "/abs", ".hidden"] {
            assert!(write_model_config(&out, bad, &cfg, &model, true).is_err(), "{bad}");
        }
        assert!(!d.path().join("escape").exists());
    }

    #[test]
    fn every_measured_variant_is_written_unless_top_is_asked() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/results/intervals.json");
        let r = crate::results::ProfileResults::read(&path).unwrap();
        let mut m = r.models[0].clone();
        let names = |v: Vec<&ConfigRecord>| v.into_iter().map(|c| c.name.clone()).collect::<Vec<_>>();
        let all: Vec<String> = m.configs.iter().map(|c| c.name.clone()).collect();
        assert_eq!(names(configs_to_write(&m, OutputConfigs::All)), all, "Model Analyzer: every variant");
        // Top: the model's top configs and its default only.
        m.top = vec!["sleep_fixed_config_1".into()];
        assert_eq!(names(configs_to_write(&m, OutputConfigs::Top)), ["sleep_fixed_config_default", "sleep_fixed_config_1"]);
        // A variant that failed to load, was never measured, or whose every measurement
        // failed is never deployable, in either mode.
        let mut unmeasured = m.configs[2].clone();
        unmeasured.name = "sleep_fixed_config_9".into();
        m.configs.push(unmeasured);
        assert_eq!(names(configs_to_write(&m, OutputConfigs::All)), all, "{all:?}");
        m.configs[1].error = Some("load failed".into());
        for r in m.measurements.iter_mut().filter(|r| r.config == "sleep_fixed_config_1") {
            r.error = Some("every request failed".into());
        }
        assert_eq!(names(configs_to_write(&m, OutputConfigs::All)), ["sleep_fixed_config_default"]);
        assert_eq!(names(configs_to_write(&m, OutputConfigs::Top)), ["sleep_fixed_config_default"]);
    }

    #[test]
    fn output_dirs_are_checked_before_any_work() {
        let d = tempfile::tempdir().unwrap();
        // Missing: creatable, and nothing is left behind by the check.
        let fresh = d.path().join("a/b/c");
        check_output_dir(&fresh, "export_path").unwrap();
        assert!(!d.path().join("a").exists(), "the check removes what it created");
        // A symbolic link to a directory is followed.
        let target = d.path().join("real");
        std::fs::create_dir(&target).unwrap();
        let link = d.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        check_output_dir(&link, "export_path").unwrap();
        check_output_dir(&link.join("sub"), "export_path").unwrap();
        // A dangling link, a file, a FIFO, a path under a file: refused with the key and path.
        let dangling = d.path().join("dangling");
        std::os::unix::fs::symlink(d.path().join("nowhere"), &dangling).unwrap();
        let file = d.path().join("afile");
        std::fs::write(&file, "x").unwrap();
        let fifo = d.path().join("fifo");
        assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
        for (p, what) in [(dangling, "missing target"), (file.clone(), "a regular file"), (fifo, "a FIFO"), (file.join("sub"), "cannot be created")] {
            let e = check_output_dir(&p, "checkpoint_directory").unwrap_err().to_string();
            assert!(e.contains("checkpoint_directory") && e.contains(&p.display().to_string()) && e.contains(what), "{e}");
        }
        // /proc is not writable, even for root.
        let e = check_output_dir(Path::new("/proc/tritium-test-out"), "output_model_repository_path").unwrap_err().to_string();
        assert!(e.contains("output_model_repository_path"), "{e}");
    }
}
