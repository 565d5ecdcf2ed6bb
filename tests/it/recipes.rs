//! The README's scripts, run as they stand against the emulator.

use crate::support::{emulator, fast_authorize, scratch, INSTANCE, TOKEN};
use scanqr_emulator::Scenario;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// The fenced block after `<!-- recipe: NAME -->` in README.md.
fn recipe(name: &str) -> String {
    let readme = include_str!("../../README.md");
    let marker = format!("<!-- recipe: {name} -->");
    let after = readme.split_once(&marker).map(|(_, rest)| rest).unwrap_or_else(|| panic!("no {marker}"));
    let body = after.split_once("```bash\n").and_then(|(_, b)| b.split_once("\n```")).map(|(b, _)| b);
    body.unwrap_or_else(|| panic!("no bash block after {marker}")).to_string()
}

/// Run a recipe with bash, scanqr on PATH and the emulator's credentials.
fn run_recipe(name: &str, api_url: &str, www: &Path) -> (i32, String, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_scanqr")).parent().unwrap();
    let out = Command::new("bash")
        .arg("-c")
        .arg(recipe(name))
        .env_clear()
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("ID_INSTANCE", INSTANCE)
        .env("API_TOKEN_INSTANCE", TOKEN)
        .env("API_URL", api_url)
        .env("WWW", www)
        .output()
        .expect("bash runs");
    let (stdout, stderr) = (String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN), "token leaked");
    (out.status.code().unwrap_or(-1), stdout.into_owned(), stderr.into_owned())
}

#[test]
fn the_jq_recipe_keeps_the_exit_code_and_says_why() {
    assert!(Command::new("jq").arg("--version").output().is_ok(), "jq is needed: apt-get install jq");
    let www = scratch("recipe-jq-timeout");
    let emu = emulator(Scenario::Timeout { qr: 2, every: Duration::from_millis(100) }, false);
    let (code, stdout, stderr) = run_recipe("jq", &emu.api_url(), &www);
    assert_eq!(code, 1, "scanqr's timeout code, not the loop's 0: {stdout} {stderr}");
    assert_eq!(stderr.trim(), "not scanned in time");
    assert_eq!(stdout, "QR 1 is on the page\nQR 2 is on the page\n");
    assert!(crate::support::files_in(&www).is_empty(), "the page's QR is removed at the end, no temporary file left");
    let _ = std::fs::remove_dir_all(&www);
}

#[test]
fn the_jq_recipe_reports_success_and_failure() {
    let www = scratch("recipe-jq-ok");
    let emu = emulator(fast_authorize(1), false);
    let (code, stdout, _) = run_recipe("jq", &emu.api_url(), &www);
    assert!(code == 0 && stdout.ends_with("logged in as 79001234567@c.us\n"), "{code} {stdout}");
    let emu = emulator(Scenario::Error("instance is blocked".into()), false);
    let (code, _, stderr) = run_recipe("jq", &emu.api_url(), &www);
    assert_eq!((code, stderr.trim()), (69, "api_error: instance is blocked"));
    let _ = std::fs::remove_dir_all(&www);
}
