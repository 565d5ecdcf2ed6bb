//! The Python reference: `reference_client.py` with websocket-client, in a
//! venv under `<target>/bench-venv`.

use super::{quiet, script, stdout_of};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Python {
    pub python: PathBuf,
    pub script: PathBuf,
    /// websocket-client's version, for the notes.
    pub version: String,
}

/// websocket-client's version if `python` can import it.
fn websocket_version(python: &Path) -> Option<String> {
    stdout_of(Command::new(python).args(["-c", "import websocket; print(websocket.__version__)"]))
}

/// The reference, with the venv made (and websocket-client installed into it
/// with pip) if need be. The error says why the Python columns are skipped.
pub fn prepare(repo: &Path, target: &Path) -> Result<Python, String> {
    let script = script(repo, "SCANQR_REFERENCE", "reference_client.py")?;
    let venv = target.join("bench-venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        eprintln!("scanqr-bench: creating a Python venv in {}", venv.display());
        quiet(Command::new("python3").arg("-m").arg("venv").arg(&venv))
            .map_err(|e| format!("`python3 -m venv` failed: {e}"))?;
    }
    if websocket_version(&python).is_none() {
        eprintln!("scanqr-bench: pip install websocket-client (into {})", venv.display());
        let pip = ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "websocket-client"];
        quiet(Command::new(&python).args(pip)).map_err(|e| format!("`pip install websocket-client` failed: {e}"))?;
    }
    let version = websocket_version(&python).ok_or("websocket-client does not import after pip install")?;
    Ok(Python { python, script, version })
}
