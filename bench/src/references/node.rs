//! The Node reference: `reference_client.js` with `ws` 8, installed with npm
//! into `<target>/bench-node/node_modules` and found through `NODE_PATH` (the
//! script lives outside this repository, so `require` would not look there).

use super::{quiet, script, stdout_of};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Node {
    pub node: PathBuf,
    pub script: PathBuf,
    /// The `node_modules` folder that holds `ws`.
    pub modules: PathBuf,
    /// `ws`'s version and node's, for the notes.
    pub version: String,
    pub node_version: String,
}

/// `ws`'s version if `node` can load it from `modules`.
fn ws_version(modules: &Path) -> Option<String> {
    stdout_of(Command::new("node").env("NODE_PATH", modules).args(["-p", "require('ws/package.json').version"]))
}

/// The reference, with `ws` installed by npm if need be. The error says why
/// the Node columns are skipped.
pub fn prepare(repo: &Path, target: &Path) -> Result<Node, String> {
    let script = script(repo, "SCANQR_NODE_REFERENCE", "reference_client.js")?;
    let node_version = stdout_of(Command::new("node").arg("--version")).ok_or("no `node` on PATH")?;
    let prefix = target.join("bench-node");
    let modules = prefix.join("node_modules");
    if ws_version(&modules).is_none() {
        stdout_of(Command::new("npm").arg("--version")).ok_or("no `npm` on PATH to install `ws` with")?;
        eprintln!("scanqr-bench: npm install ws@8 (into {})", prefix.display());
        let npm = ["install", "--no-audit", "--no-fund", "--silent", "--prefix"];
        quiet(Command::new("npm").args(npm).arg(&prefix).arg("ws@8"))
            .map_err(|e| format!("`npm install ws@8` failed: {e}"))?;
    }
    let version = ws_version(&modules).ok_or("`ws` does not load after npm install")?;
    Ok(Node { node: PathBuf::from("node"), script, modules, version, node_version })
}
