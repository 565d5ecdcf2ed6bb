//! The reference clients: what a user would write instead of scanqr, in
//! Python (websocket-client) and Node (`ws`), each installed under the
//! cargo target directory. A reference that cannot be prepared is skipped,
//! and the report says why.

mod node;
mod python;

use crate::client::Client;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The Python and Node clients, each `None` (with a note saying why) when it
/// cannot be prepared.
pub fn prepare(repo: &Path, target: &Path, notes: &mut Vec<String>) -> (Option<Client>, Option<Client>) {
    let python = match python::prepare(repo, target) {
        Ok(r) => {
            notes.push(format!(
                "Python reference: `{}` (websocket-client {}), run with {}.",
                r.script.display(),
                r.version,
                r.python.display()
            ));
            Some(Client::python(r.python, r.script))
        }
        Err(why) => skipped(notes, "Python", why),
    };
    let node = match node::prepare(repo, target) {
        Ok(r) => {
            notes.push(format!(
                "Node reference: `{}` (ws {}, node {}), `ws` from {}.",
                r.script.display(),
                r.version,
                r.node_version,
                r.modules.display()
            ));
            Some(Client::node(r.node, r.script, r.modules))
        }
        Err(why) => skipped(notes, "Node", why),
    };
    if python.is_some() || node.is_some() {
        notes.push(
            "The references validate nothing and draw nothing; scanqr checks every PNG whole before writing it \
             (and, on a terminal, decodes it and reads its grid to draw it)."
                .into(),
        );
    }
    (python, node)
}

fn skipped(notes: &mut Vec<String>, what: &str, why: String) -> Option<Client> {
    eprintln!("scanqr-bench: {what} reference skipped: {why}");
    notes.push(format!("{what} reference columns skipped: {why}."));
    None
}

/// `$var`, else `<repo>/../shared/bench/<file>`, if it is a file.
fn script(repo: &Path, var: &str, file: &str) -> Result<PathBuf, String> {
    let path = match std::env::var_os(var) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => repo.join("..").join("shared").join("bench").join(file),
    };
    if path.is_file() {
        Ok(path.canonicalize().unwrap_or(path))
    } else {
        Err(format!("no reference script at {} (set {var})", path.display()))
    }
}

/// Runs `command` with its output kept; the error has stderr's last line.
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

/// The trimmed stdout of `command` when it succeeds.
fn stdout_of(command: &mut Command) -> Option<String> {
    let out = command.stdin(Stdio::null()).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}
