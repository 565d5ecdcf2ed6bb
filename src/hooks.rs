//! `--on-qr`, `--on-code` and `--on-done`: shell commands run for each QR
//! code, for a pairing code, and at the end.
//!
//! Invariant: hooks never see the token (API_TOKEN_INSTANCE is removed from
//! their environment) nor a proxy's password (proxy variables that carry
//! credentials are removed too), never block the session loop, and none outlives the
//! process: each runs in its own process group, killed at the hook limit
//! (30 s) or at the end.

use crate::config::{HookCommands, Timing};
use crate::net::proxy;
use crate::outcome::Outcome;
use crate::report::Reporter;
use crate::Error;
use std::os::fd::AsFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug)]
struct Running {
    child: Child,
    what: String,
    started: Instant,
}

#[derive(Debug)]
pub struct Hooks {
    commands: HookCommands,
    instance: String,
    timing: Timing,
    running: Vec<Running>,
}

impl Hooks {
    pub fn new(commands: HookCommands, instance: &str, timing: Timing) -> Hooks {
        Hooks { commands, instance: instance.to_string(), timing, running: Vec::new() }
    }

    /// Start `--on-qr` for QR `n` without waiting for it.
    pub fn qr(&mut self, n: u64, path: &Path, rep: &mut Reporter) {
        let Some(cmd) = &self.commands.on_qr else { return };
        let mut command = self.command(cmd);
        command.env("SCANQR_FILE", path).env("SCANQR_N", n.to_string());
        self.start(command, format!("--on-qr hook for QR {n}"), rep);
    }

    /// Start `--on-code` for a pairing code without waiting for it.
    pub fn code(&mut self, code: &str, rep: &mut Reporter) {
        let Some(cmd) = &self.commands.on_code else { return };
        let mut command = self.command(cmd);
        command.env("SCANQR_CODE", code);
        self.start(command, "--on-code hook".into(), rep);
    }

    fn start(&mut self, mut command: Command, what: String, rep: &mut Reporter) {
        match command.spawn() {
            Ok(child) => self.running.push(Running { child, what, started: Instant::now() }),
            Err(e) => rep.warning(&format!("{what} could not start: {e}")),
        }
    }

    /// Reap finished hooks and kill those over the hook limit, with a warning for each failure.
    pub fn poll(&mut self, rep: &mut Reporter) {
        let limit = self.timing.hook_limit;
        self.running.retain_mut(|r| !reap(r, limit, rep));
    }

    /// The end of a run: hooks copying a QR file get their chance before the
    /// files go (none after a signal: whoever stopped us is waiting), then
    /// `cleanup` runs, then `--on-done` to its end.
    pub fn finish(&mut self, outcome: &Outcome, cleanup: impl FnOnce(), rep: &mut Reporter) {
        let interrupted = matches!(outcome, Outcome::Failed(Error::Interrupted(_)));
        let (grace, limit) = if interrupted {
            (Duration::ZERO, self.timing.done_after_signal)
        } else {
            (self.timing.hook_drain, self.timing.hook_limit)
        };
        self.drain(grace, rep);
        cleanup();
        self.done(outcome.event(), outcome.exit_code(), limit, rep);
    }

    /// Wait up to `grace` for running hooks, then kill the rest.
    fn drain(&mut self, grace: Duration, rep: &mut Reporter) {
        let until = Instant::now() + grace;
        while !self.running.is_empty() && Instant::now() < until {
            self.poll(rep);
            std::thread::sleep(Duration::from_millis(20));
        }
        for mut r in self.running.drain(..) {
            kill(&mut r.child);
            rep.warning(&format!("{} was still running at the end of the session; killed", r.what));
        }
    }

    /// Run `--on-done` to its end, killed after `limit`.
    fn done(&mut self, outcome: &str, exit_code: i32, limit: Duration, rep: &mut Reporter) {
        let Some(cmd) = &self.commands.on_done else { return };
        let mut command = self.command(cmd);
        command.env("SCANQR_OUTCOME", outcome).env("SCANQR_EXIT", exit_code.to_string());
        let what = "--on-done hook".to_string();
        let mut r = match command.spawn() {
            Ok(child) => Running { child, what, started: Instant::now() },
            Err(e) => return rep.warning(&format!("{what} could not start: {e}")),
        };
        while !reap(&mut r, limit, rep) {
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn command(&self, cmd: &str) -> Command {
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(cmd).env_remove("API_TOKEN_INSTANCE").env("SCANQR_INSTANCE", &self.instance);
        for name in proxy::ENV_VARS {
            if std::env::var_os(name).is_some_and(|v| proxy::has_credentials(&v.to_string_lossy())) {
                c.env_remove(name);
            }
        }
        // A hook's output goes to stderr, so stdout stays ours (pure JSON with --json).
        let stdout = std::io::stderr().as_fd().try_clone_to_owned().map(Stdio::from).unwrap_or_else(|_| Stdio::null());
        c.stdin(Stdio::null()).stdout(stdout).process_group(0);
        c
    }
}

impl Drop for Hooks {
    fn drop(&mut self) {
        for mut r in self.running.drain(..) {
            kill(&mut r.child);
        }
    }
}

/// `true` when the hook is over: finished (warned about if it failed) or killed for running too long.
fn reap(r: &mut Running, limit: Duration, rep: &mut Reporter) -> bool {
    match r.child.try_wait() {
        Ok(Some(status)) if status.success() => true,
        Ok(Some(status)) => {
            rep.warning(&format!("{} failed ({status})", r.what));
            true
        }
        Ok(None) if r.started.elapsed() >= limit => {
            kill(&mut r.child);
            rep.warning(&format!("{} ran over {} s; killed", r.what, limit.as_secs()));
            true
        }
        Ok(None) => false,
        Err(e) => {
            rep.warning(&format!("{} could not be waited for: {e}", r.what));
            true
        }
    }
}

/// Kill the hook's whole process group, so `sh -c "a; b"` leaves nothing behind.
fn kill(child: &mut Child) {
    crate::sys::kill_group(child.id());
    let _ = child.wait();
}
