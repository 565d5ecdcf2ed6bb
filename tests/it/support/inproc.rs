//! The library in-process: `scanqr::app::run` on a parsed command line with
//! waits of the test's choosing, so a rule about 20, 30 or 60 s is proven in
//! a second or two. The binary's own waits are `Timing::STANDARD`
//! (`session::the_binary_waits_as_documented` holds it to the documentation).
//!
//! The test process has one working directory for all tests: a relative
//! `--out` is taken from `dir`, and hooks run in the test's working directory
//! (give them absolute paths). Hook output goes to the test's stderr, not to
//! the run's; a test about what a hook prints runs the binary.

use super::{Run, Scratch, INSTANCE, TOKEN};
use scanqr::app;
use scanqr::cli::{self, Parsed};
use scanqr::config::Timing;
use scanqr::report::Streams;
use std::path::Path;
use std::sync::{mpsc, Mutex};
use std::time::Duration;

/// Short waits for in-process runs. Whole seconds where a message names them.
pub const SHORT: Timing = Timing {
    ping_after: Duration::from_secs(1),
    lost_after: Duration::from_secs(2),
    hook_limit: Duration::from_secs(2),
    hook_drain: Duration::from_secs(1),
    done_after_signal: Duration::from_secs(1),
    ..Timing::STANDARD
};

/// No in-process run may take longer than this.
const LIMIT: Duration = Duration::from_secs(40);

/// Parse `args` as the binary would (with the tests' credentials and
/// `api_url` in the environment), run it with `timing`, and check the token
/// is nowhere in its output.
pub fn run_inproc(dir: &Path, api_url: &str, args: &[&str], timing: Timing) -> Run {
    let env = |k: &str| match k {
        "ID_INSTANCE" => Some(INSTANCE.to_string()),
        "API_TOKEN_INSTANCE" => Some(TOKEN.to_string()),
        "API_URL" => Some(api_url.to_string()),
        _ => None,
    };
    let Parsed::Run(mut cfg) = cli::parse(args.iter().map(Into::into).collect(), &env).unwrap() else {
        panic!("{args:?} is not a run");
    };
    cfg.timing = timing;
    cfg.out = dir.join(&cfg.out);
    let streams = Scratch::new("inproc-streams");
    let (stdout, stderr) = (streams.join("stdout"), streams.join("stderr"));
    let files =
        Streams { stdout: std::fs::File::create(&stdout).unwrap(), stderr: std::fs::File::create(&stderr).unwrap() };
    let _handlers = SignalHandlers::enter();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(app::run(*cfg, files));
    });
    let code = rx.recv_timeout(LIMIT).unwrap_or_else(|_| panic!("app::run did not return within {LIMIT:?}"));
    let read = |path| std::fs::read_to_string(path).unwrap();
    let run = Run { code, stdout: read(&stdout), stderr: read(&stderr) };
    run.assert_no_token();
    run
}

/// `app::run` installs SIGINT/SIGTERM handlers in the test process; once no
/// in-process run is left, the defaults come back, so Ctrl-C stops the tests.
struct SignalHandlers;

static RUNNING: Mutex<usize> = Mutex::new(0);

impl SignalHandlers {
    fn enter() -> SignalHandlers {
        *RUNNING.lock().unwrap() += 1;
        SignalHandlers
    }
}

impl Drop for SignalHandlers {
    fn drop(&mut self) {
        let mut running = RUNNING.lock().unwrap_or_else(|e| e.into_inner());
        *running -= 1;
        if *running == 0 {
            for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGWINCH] {
                // SAFETY: restores the default disposition; no handler code runs.
                unsafe { libc::signal(sig, libc::SIG_DFL) };
            }
        }
    }
}
