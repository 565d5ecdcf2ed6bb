//! Finding the Python reference client and a Python that can run it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The reference script and the interpreter to run it with.
pub struct Reference {
    pub python: PathBuf,
    pub script: PathBuf,
    /// websocket-client's version, for the notes.
    pub version: String,
}

/// `SCANQR_REFERENCE`, else `<repo>/../shared/bench/reference_client.py`.
fn script(repo: &Path) -> Result<PathBuf, String> {
    let path = match std::env::var_os("SCANQR_REFERENCE") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => repo.join("..").join("shared").join("bench").join("reference_client.py"),
    };
    if path.is_file() {
        Ok(path.canonicalize().unwrap_or(path))
    } else {
        Err(format!("no reference script at {} (set SCANQR_REFERENCE)", path.display()))
    }
}

fn quiet(command: &mut Command) -> Result<(), String> {
    let out = command.stdin(Stdio::null()).output().map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(())
    } else {
        let text = String::from_utf8_lossy(&out.stderr);
        let last = text.trim().lines().last().unwrap_or("").to_string();
        Err(format!("{} ({last})", out.status))
    }
}

/// websocket-client's version if `python` can import it.
fn websocket_version(python: &Path) -> Option<String> {
    let out = Command::new(python)
        .args(["-c", "import websocket; print(websocket.__version__)"])
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The reference, with a venv under `<target>/bench-venv` made (and
/// websocket-client installed into it with pip) if need be. The error says
/// why the reference columns are skipped.
pub fn prepare(repo: &Path, target: &Path) -> Result<Reference, String> {
    let script = script(repo)?;
    let venv = target.join("bench-venv");
    let python = venv.join("bin").join("python");
    if !python.exists() {
        eprintln!("scanqr-bench: creating a Python venv in {}", venv.display());
        quiet(Command::new("python3").arg("-m").arg("venv").arg(&venv))
            .map_err(|e| format!("`python3 -m venv` failed: {e}"))?;
    }
    if websocket_version(&python).is_none() {
        eprintln!("scanqr-bench: pip install websocket-client (into {})", venv.display());
        quiet(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            "websocket-client",
        ]))
        .map_err(|e| format!("`pip install websocket-client` failed: {e}"))?;
    }
    let version = websocket_version(&python).ok_or("websocket-client does not import after pip install")?;
    Ok(Reference { python, script, version })
}
