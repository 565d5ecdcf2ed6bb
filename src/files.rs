//! The QR files: written atomically, removed at the end unless `--keep`.
//!
//! Invariant: a viewer polling the target sees either the previous complete
//! PNG or the new complete PNG, never a partial one; no temporary file
//! outlives the process's control.

use crate::Error;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

#[derive(Debug)]
pub struct QrFiles {
    template: PathBuf,
    keep: bool,
    written: Vec<PathBuf>,
}

impl QrFiles {
    pub fn new(template: PathBuf, keep: bool) -> QrFiles {
        QrFiles { template, keep, written: Vec::new() }
    }

    /// The path of QR number `n`: "{n}" in the template is replaced by it.
    pub fn path(&self, n: u64) -> PathBuf {
        let t = self.template.to_string_lossy();
        if t.contains("{n}") {
            PathBuf::from(t.replace("{n}", &n.to_string()))
        } else {
            self.template.clone()
        }
    }

    /// Fail early, before a scan window opens, if the directory cannot take a file.
    pub fn check_writable(&self) -> Result<(), Error> {
        let target = self.path(1);
        if target.is_dir() {
            let source = std::io::Error::new(std::io::ErrorKind::IsADirectory, "it is a directory");
            return Err(Error::File { path: target, source });
        }
        let tmp = temp_path(&target, 0);
        create_new(&tmp).map_err(|source| Error::File { path: target, source })?;
        let _ = fs::remove_file(&tmp);
        Ok(())
    }

    /// Write QR number `n` and return its path once complete on disk.
    pub fn write(&mut self, n: u64, png: &[u8]) -> Result<PathBuf, Error> {
        let target = self.path(n);
        write_atomic(&target, n, png).map_err(|source| Error::File { path: target.clone(), source })?;
        // Paths are either all one (no {n}) or all new: the last one tells.
        if self.written.last() != Some(&target) {
            self.written.push(target.clone());
        }
        Ok(target)
    }

    /// Remove the QR files unless `--keep`. Safe to call more than once.
    pub fn cleanup(&mut self) {
        if !self.keep {
            for path in self.written.drain(..) {
                let _ = fs::remove_file(path);
            }
        }
    }
}

impl Drop for QrFiles {
    fn drop(&mut self) {
        self.cleanup();
    }
}

/// A hidden name beside the target, so the rename stays on one filesystem.
fn temp_path(target: &Path, n: u64) -> PathBuf {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    let pid = PID.get_or_init(std::process::id);
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    // Short enough to stay a valid name however long the target's is.
    let name: String = name.chars().take(64).collect();
    target.with_file_name(format!(".{name}.scanqr-{pid}-{n}.tmp"))
}

/// O_EXCL with mode 0600: never follows a planted symlink, never reuses a file.
fn create_new(path: &Path) -> std::io::Result<fs::File> {
    OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)
}

fn write_atomic(target: &Path, n: u64, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temp_path(target, n);
    let result = create_new(&tmp).and_then(|mut f| f.write_all(bytes)).and_then(|()| replace(&tmp, target));
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Put `tmp` in place of `target`. Where the target exists, swap the two names
/// and unlink the old file: on ext4 a rename over an existing file starts
/// writeback of the new one (auto_da_alloc), which costs more than all the
/// rest of a frame, and a QR code that lives 20 s needs no crash-safety.
fn replace(tmp: &Path, target: &Path) -> std::io::Result<()> {
    // Never swap a directory out of the way: rename refuses it, as it should.
    let replaceable = fs::symlink_metadata(target).is_ok_and(|m| !m.is_dir());
    if replaceable && crate::sys::exchange(tmp, target) {
        return fs::remove_file(tmp);
    }
    fs::rename(tmp, target)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("scanqr-files-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn a_long_target_name_still_gets_a_valid_temporary_name() {
        let dir = scratch("long");
        let mut files = QrFiles::new(dir.join(format!("{}.png", "q".repeat(240))), true);
        files.check_writable().unwrap();
        files.write(1, b"png").unwrap();
    }

    #[test]
    fn numbered_paths() {
        let f = QrFiles::new("out/qr-{n}.png".into(), false);
        assert_eq!(f.path(12), PathBuf::from("out/qr-12.png"));
        assert_eq!(QrFiles::new("qr.png".into(), false).path(3), PathBuf::from("qr.png"));
    }

    #[test]
    fn writes_with_mode_0600_replaces_symlinks_and_cleans_up() {
        use std::os::unix::fs::{symlink, PermissionsExt};
        let dir = scratch("w");
        let victim = dir.join("victim");
        fs::write(&victim, b"keep me").unwrap();
        let target = dir.join("qr.png");
        symlink(&victim, &target).unwrap();
        let mut files = QrFiles::new(target.clone(), false);
        files.check_writable().unwrap();
        assert_eq!(files.write(1, b"one").unwrap(), target);
        assert_eq!(fs::read(&victim).unwrap(), b"keep me");
        assert!(!fs::symlink_metadata(&target).unwrap().file_type().is_symlink());
        assert_eq!(fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o600);
        files.write(2, b"two").unwrap();
        assert_eq!(fs::read(&target).unwrap(), b"two");
        files.cleanup();
        let left: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("victim")]);
    }

    #[test]
    fn a_directory_at_the_target_is_refused_and_left_alone() {
        let dir = scratch("d");
        fs::create_dir(dir.join("qr.png")).unwrap();
        let mut files = QrFiles::new(dir.join("qr.png"), false);
        assert!(matches!(files.check_writable(), Err(Error::File { .. })));
        assert!(files.write(1, b"png").is_err());
        assert!(dir.join("qr.png").is_dir());
        let left: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(left, vec![std::ffi::OsString::from("qr.png")]);
    }

    #[test]
    fn keep_keeps_and_missing_dir_is_named() {
        let dir = scratch("k");
        let mut files = QrFiles::new(dir.join("q-{n}.png"), true);
        files.write(1, b"a").unwrap();
        files.write(2, b"b").unwrap();
        drop(files);
        assert!(dir.join("q-1.png").exists() && dir.join("q-2.png").exists());
        let missing = QrFiles::new(dir.join("nope/qr.png"), false);
        let err = missing.check_writable().unwrap_err();
        assert!(matches!(err, Error::File { .. }));
        assert!(err.to_string().contains("nope/qr.png"), "{err}");
    }
}
