//! Atomic file writes: results are never left half-written, and nothing that
//! is not a regular file is ever replaced.

use std::io::{self, Write};
use std::path::{Path, PathBuf};


/// An OS error's text without the path a library may have added (tempfile
/// names its temporary file; the user knows only their own path).
fn os_text(e: &io::Error) -> String {
    match e.raw_os_error() {
        Some(code) => io::Error::from_raw_os_error(code).to_string(),
        None => e.kind().to_string(),
    }
}

/// An I/O error about the user's `path`: `<path>: <what>: <OS reason>`.
fn path_error(path: &Path, what: &str, e: &io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {what}: {}", path.display(), os_text(e)))
}

/// What kind of file system object `m` is, for messages; `None` for a regular file.
fn not_regular(m: &std::fs::Metadata) -> Option<&'static str> {
    let t = m.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_socket() {
            return Some("a socket");
        }
        if t.is_char_device() || t.is_block_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// The file an output path finally names: symlinks followed (relative links
/// resolve against their own directory), at most 40 of them. The target may
/// not exist yet.
pub fn resolve_output_path(path: &Path) -> io::Result<PathBuf> {
    let mut p = path.to_path_buf();
    for _ in 0..40 {
        match std::fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => {
                let target = std::fs::read_link(&p).map_err(|e| path_error(path, "cannot read the symbolic link", &e))?;
                p = match p.parent() {
                    Some(dir) if target.is_relative() => dir.join(target),
                    _ => target,
                };
            }
            _ => return Ok(p),
        }
    }
    Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{}: too many levels of symbolic links", path.display())))
}

/// Checks, before any work, that `path` can receive an output file the way
/// [`write_atomic`] writes it: symlinks are followed; the target must not be a
/// directory, FIFO, socket or device; its directory must exist and accept a
/// new file (checked by creating and removing one). Errors name `path`.
pub fn check_output_target(path: &Path) -> io::Result<()> {
    if path.as_os_str().is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "an empty path is not an output file"));
    }
    let target = resolve_output_path(path)?;
    let shown = |what: &str| {
        if target == path {
            format!("{}: {what}", path.display())
        } else {
            format!("{} (a link to {}): {what}", path.display(), target.display())
        }
    };
    match std::fs::metadata(&target) {
        Ok(m) => {
            if let Some(kind) = not_regular(&m) {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, shown(&format!("is {kind}, not a file tritium can replace; give a file path"))));
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(io::Error::new(e.kind(), shown(&format!("cannot be inspected: {}", os_text(&e))))),
    }
    let dir = parent_dir(&target);
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(io::Error::new(io::ErrorKind::InvalidInput, shown(&format!("{} is not a directory", dir.display())))),
        Err(e) => return Err(io::Error::new(e.kind(), shown(&format!("its directory {} does not exist or cannot be read ({}); create it first", dir.display(), os_text(&e))))),
    }
    tempfile::Builder::new()
        .prefix(".tritium-check-")
        .tempfile_in(dir)
        .map(drop)
        .map_err(|e| io::Error::new(e.kind(), shown(&format!("cannot create a file in {} ({})", dir.display(), os_text(&e)))))
}

fn parent_dir(p: &Path) -> &Path {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Writes `bytes` to `path` atomically: a temporary file in the same
/// directory is written, fsynced and renamed over `path` (then the directory
/// is fsynced, best effort). Readers see the old file or the new one, never
/// a partial one; on error the temporary file is removed.
///
/// A symbolic link is followed: the file it points to is replaced (the
/// temporary file is made in that file's directory) and the link stays. A
/// target that is a directory, FIFO, socket or device is refused, never
/// replaced. Errors name `path` (not the temporary file).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let target = resolve_output_path(path)?;
    let existing = match std::fs::metadata(&target) {
        Ok(m) => {
            if let Some(kind) = not_regular(&m) {
                return Err(io::Error::new(io::ErrorKind::InvalidInput, format!("{}: is {kind}; refusing to replace it with a file", path.display())));
            }
            Some(m)
        }
        Err(_) => None,
    };
    let dir = parent_dir(&target);
    let mut tmp = tempfile::Builder::new()
        .prefix(".tritium-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| path_error(path, &format!("cannot create a file in {}", dir.display()), &e))?;
    let io_err = |e: io::Error| path_error(path, "write failed", &e);
    tmp.write_all(bytes).map_err(io_err)?;
    tmp.flush().map_err(io_err)?;
    // tempfile creates the file 0600; give the result the permissions of the
    // file it replaces, or ordinary 0644.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let perms = existing.map(|m| m.permissions()).unwrap_or_else(|| std::fs::Permissions::from_mode(0o644));
        tmp.as_file().set_permissions(perms).map_err(io_err)?;
    }
    #[cfg(not(unix))]
    let _ = existing;
    tmp.as_file().sync_all().map_err(io_err)?;
    tmp.persist(&target).map_err(|e| path_error(path, "cannot replace the file", &e.error))?;
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn only_file(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        names
    }

    #[test]
    fn atomic_write_leaves_no_temp_file() {
        let dir = tempfile::tempdir().unwrap();
        let json = dir.path().join("r.json");
        let csv = dir.path().join("r.csv");
        write_atomic(&json, b"{}").unwrap();
        write_atomic(&csv, b"a,b\n").unwrap();
        assert_eq!(only_file(dir.path()), vec!["r.csv", "r.json"]);
        // Failure (target is a directory) also leaves nothing behind.
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        std::fs::write(sub.join("keep"), b"x").unwrap();
        assert!(write_atomic(&sub, b"{}").is_err());
        assert_eq!(only_file(dir.path()), vec!["r.csv", "r.json", "sub"]);
        // Missing directory is an error, not a panic.
        assert!(write_atomic(&dir.path().join("no/such/r.json"), b"{}").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_gives_normal_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("r.json");
        write_atomic(&p, b"{}").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o644);
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_follows_symlinks_and_keeps_them() {
        let dir = tempfile::tempdir().unwrap();
        let real_dir = dir.path().join("real");
        std::fs::create_dir(&real_dir).unwrap();
        let real = real_dir.join("r.json");
        std::fs::write(&real, b"old").unwrap();
        // A relative link in another directory, and a link to a link.
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink("real/r.json", &link).unwrap();
        let link2 = dir.path().join("link2.json");
        std::os::unix::fs::symlink(&link, &link2).unwrap();
        write_atomic(&link2, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert!(std::fs::symlink_metadata(&link2).unwrap().file_type().is_symlink());
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        // The temporary file was made beside the target, and is gone.
        assert_eq!(only_file(&real_dir), vec!["r.json"]);
        assert_eq!(only_file(dir.path()), vec!["link.json", "link2.json", "real"]);
        // A dangling link creates the file it names.
        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink("real/new.json", &dangling).unwrap();
        check_output_target(&dangling).unwrap();
        write_atomic(&dangling, b"x").unwrap();
        assert_eq!(std::fs::read(real_dir.join("new.json")).unwrap(), b"x");
        // A link loop is an error naming the user's path.
        let a = dir.path().join("a");
        let b = dir.path().join("b");
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let e = write_atomic(&a, b"x").unwrap_err().to_string();
        assert!(e.contains("symbolic links") && e.contains(&*a.to_string_lossy()), "{e}");
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_refuses_fifos_directories_and_devices() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo(1) runs");
        assert!(made.success(), "mkfifo {}", fifo.display());
        let e = write_atomic(&fifo, b"x").unwrap_err().to_string();
        assert!(e.contains("FIFO") && e.contains(&*fifo.to_string_lossy()), "{e}");
        {
            use std::os::unix::fs::FileTypeExt;
            assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO is left alone");
        }
        let e = check_output_target(&fifo).unwrap_err().to_string();
        assert!(e.contains("FIFO"), "{e}");
        // Through a symlink too.
        let link = dir.path().join("to_pipe");
        std::os::unix::fs::symlink(&fifo, &link).unwrap();
        let e = write_atomic(&link, b"x").unwrap_err().to_string();
        assert!(e.contains("FIFO") && e.contains("to_pipe"), "{e}");
        assert!(std::fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        let e = check_output_target(&link).unwrap_err().to_string();
        assert!(e.contains("a link to") && e.contains("FIFO"), "{e}");
        // A device and a directory.
        let e = write_atomic(Path::new("/dev/null"), b"x").unwrap_err().to_string();
        assert!(e.contains("device") && e.contains("/dev/null"), "{e}");
        assert!(check_output_target(Path::new("/dev/null")).unwrap_err().to_string().contains("device"));
        let e = check_output_target(dir.path()).unwrap_err().to_string();
        assert!(e.contains("directory"), "{e}");
        // Missing directory / a file as directory: the user's path, no temporary name.
        for bad in [dir.path().join("no/such/r.json"), dir.path().join("pipe/r.json")] {
            let e = check_output_target(&bad).unwrap_err().to_string();
            assert!(e.contains(&*bad.to_string_lossy()) && !e.contains(".tritium-"), "{e}");
            let e = write_atomic(&bad, b"x").unwrap_err().to_string();
            assert!(e.contains(&*bad.to_string_lossy()) && !e.contains(".tritium-"), "{e}");
        }
        // A writable new path is fine and the check leaves nothing behind.
        check_output_target(&dir.path().join("ok.json")).unwrap();
        assert_eq!(only_file(dir.path()), vec!["pipe", "to_pipe"]);
    }
}
