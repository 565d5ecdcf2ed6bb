//! How much of everything to measure (the full run, `--quick`), and where
//! the programs and scratch files are.

use std::path::{Path, PathBuf};
use std::time::Duration;

pub struct Plan {
    pub quick: bool,
    /// Per picture shape, for the in-process figures.
    pub frame_iterations: usize,
    pub terminal_iterations: usize,
    pub first_byte_runs: usize,
    pub flood_frames: usize,
    pub flood_runs: usize,
    pub session_runs: usize,
    pub session_every: Duration,
    pub wait: Duration,
}

impl Plan {
    pub fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                quick,
                frame_iterations: 200,
                terminal_iterations: 100,
                first_byte_runs: 3,
                flood_frames: 2000,
                flood_runs: 1,
                session_runs: 1,
                session_every: Duration::from_millis(200),
                wait: Duration::from_secs(3),
            }
        } else {
            Plan {
                quick,
                frame_iterations: 2000,
                terminal_iterations: 1000,
                first_byte_runs: 10,
                flood_frames: 2000,
                flood_runs: 5,
                session_runs: 3,
                session_every: Duration::from_secs(1),
                wait: Duration::from_secs(30),
            }
        }
    }
}

/// The workspace root (this crate's parent).
pub fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cargo target directory: `$CARGO_TARGET_DIR`, else the one holding this executable.
pub fn target_dir(repo: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() { dir } else { repo.join(dir) };
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| repo.join("target"))
}

/// The scanqr binary measured: `$SCANQR_BIN`, else the release build.
pub fn scanqr_bin(target: &Path) -> PathBuf {
    match std::env::var_os("SCANQR_BIN").filter(|b| !b.is_empty()) {
        Some(b) => PathBuf::from(b),
        None => target.join("release").join("scanqr"),
    }
}

/// A fresh scratch directory under the system's temporary directory.
pub fn scratch_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("scanqr-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}
