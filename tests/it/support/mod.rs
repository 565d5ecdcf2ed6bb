//! Shared test helpers: scratch directories, scripted servers on 127.0.0.1,
//! and two ways to run scanqr: the real binary ([`binary`]) and the library
//! in-process with short waits ([`inproc`]). Every run's output is checked
//! for the token.

pub mod api;
mod binary;
mod hook_probe;
mod inproc;
pub mod proxy;
pub mod pty;
mod scratch;
mod servers;
pub mod vt;

pub use binary::*;
pub use hook_probe::HookProbe;
pub use inproc::*;
/// The one seeded generator, shared with the emulator's pictures.
pub use scanqr_emulator::Rng;
pub use scratch::*;
pub use servers::*;

use serde_json::Value;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

pub const INSTANCE: &str = "1101000001";
/// Distinctive, so a leak is found wherever it lands.
pub const TOKEN: &str = "Zq7SecretTok3nValue9x";

/// A finished run, of the binary or in-process.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON events on stdout.
    pub fn events(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
            .collect()
    }

    pub fn names(&self) -> Vec<String> {
        self.events().iter().map(|e| e["event"].as_str().unwrap().to_string()).collect()
    }

    pub fn last(&self) -> Value {
        self.events().pop().expect("no events")
    }

    /// The check every run gets, however it was started and read.
    pub fn assert_no_token(&self) {
        assert!(!self.stdout.contains(TOKEN) && !self.stderr.contains(TOKEN), "token leaked: {self:?}");
    }
}

/// A QR PNG as GREEN-API sends one (264x264).
pub fn qr_png(seed: u64) -> Vec<u8> {
    scanqr_emulator::qr_png(&scanqr_emulator::whatsapp_payload(seed))
}

pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The emulator with the tests' credentials.
pub fn emulator(scenario: scanqr_emulator::Scenario, tls: bool) -> scanqr_emulator::Server {
    scanqr_emulator::Server::start(scanqr_emulator::Options {
        instance: INSTANCE.into(),
        token: TOKEN.into(),
        scenario,
        tls,
        ..Default::default()
    })
    .unwrap()
}

pub fn fast_authorize(qr: usize) -> scanqr_emulator::Scenario {
    scanqr_emulator::Scenario::Authorize { qr, every: Duration::from_millis(50) }
}

/// For a test that finds something it needs missing at run time (an
/// `#[ignore]` cannot be decided then): under `CI=true` the test fails;
/// elsewhere a `SKIPPED` line goes to the real stderr, past the harness's
/// capture, and the caller returns.
pub fn cannot_run_here(why: &str) {
    let test = std::thread::current().name().unwrap_or("a test").to_string();
    assert_ne!(std::env::var("CI").as_deref(), Ok("true"), "{test} cannot run here, and CI=true: {why}");
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}
