//! The real `scanqr` binary, run in a scratch directory with the tests'
//! credentials. However a run is read and however it ends, its whole output
//! is checked for the token: [`Running::finish`] does it, and a [`Running`]
//! dropped without it fails the test.

use super::{Run, INSTANCE, TOKEN};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

/// The binary with credentials for the scripted servers, run in `dir`.
/// `SCANQR_WRAPPER` (e.g. `valgrind --error-exitcode=1 -q`) runs the binary under a checker.
pub fn command(dir: &Path, api_url: &str, args: &[&str]) -> Command {
    let wrapper = std::env::var("SCANQR_WRAPPER").unwrap_or_default();
    let mut words = wrapper.split_whitespace();
    let mut cmd = match words.next() {
        Some(program) => {
            let mut c = Command::new(program);
            c.args(words).arg(env!("CARGO_BIN_EXE_scanqr"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_scanqr")),
    };
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ID_INSTANCE", INSTANCE)
        .env("API_TOKEN_INSTANCE", TOKEN)
        .env("API_URL", api_url)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// A started scanqr: read its stdout as it comes, signal it, then [`finish`](Running::finish) it.
pub struct Running {
    child: Child,
    stdout: Option<BufReader<ChildStdout>>,
    /// Stdout lines read so far.
    read: Vec<String>,
    stderr: Option<Receiver<String>>,
    finished: bool,
}

impl Running {
    pub fn new(mut child: Child) -> Running {
        let stdout = child.stdout.take().map(BufReader::new);
        let stderr = child.stderr.take().map(read_aside);
        Running { child, stdout, read: Vec::new(), stderr, finished: false }
    }

    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our own child's pid.
        unsafe { libc::kill(self.pid(), sig) };
    }

    /// The read end of its stdout pipe, to tune it (say, shrink it).
    pub fn stdout_fd(&self) -> std::os::fd::BorrowedFd<'_> {
        use std::os::fd::AsFd;
        self.stdout.as_ref().expect("stdout is piped").get_ref().as_fd()
    }

    /// Read stdout lines until one contains `needle`; returns the lines read.
    pub fn read_until(&mut self, needle: &str) -> Vec<String> {
        let out = self.stdout.as_mut().expect("stdout is piped");
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            if out.read_line(&mut line).unwrap() == 0 {
                panic!("stdout ended before {needle:?}: {lines:?}");
            }
            let found = line.contains(needle);
            self.read.push(line.clone());
            lines.push(line);
            if found {
                return lines;
            }
        }
    }

    /// Wait up to `limit` for it to exit by itself; `None`: still running.
    pub fn exit_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let until = Instant::now() + limit;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            if Instant::now() >= until {
                return None;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Wait for the end (killed, and the test failed, after `limit`), collect
    /// all its output and check the token is nowhere in it.
    pub fn finish(mut self, limit: Duration) -> Run {
        let started = Instant::now();
        let rest = self.stdout.take().map(read_aside);
        let Some(status) = self.exit_within(limit) else {
            panic!("scanqr did not finish within {limit:?}");
        };
        self.finished = true;
        // A hook left running would hold stderr open (it writes there).
        let left = limit.saturating_sub(started.elapsed()).max(Duration::from_secs(2));
        let collect = |rx: Option<Receiver<String>>, what: &str| {
            rx.map(|rx| rx.recv_timeout(left).unwrap_or_else(|_| panic!("{what} still open after scanqr exited")))
        };
        let stdout = self.read.concat() + &collect(rest, "stdout").unwrap_or_default();
        let stderr = collect(self.stderr.take(), "stderr").unwrap_or_default();
        let run = Run { code: status.code().unwrap_or(-1), stdout, stderr };
        run.assert_no_token();
        run
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if !self.finished {
            let _ = self.child.kill();
            let _ = self.child.wait();
            assert!(thread::panicking(), "a Running scanqr was dropped without finish(): its output went unchecked");
        }
    }
}

/// Read a pipe to its end on a thread; the text arrives on the channel.
fn read_aside(mut pipe: impl Read + Send + 'static) -> Receiver<String> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
    });
    rx
}

/// Wait for a child (killing it after `limit`) and check the token is nowhere in its output.
pub fn finish(child: Child, limit: Duration) -> Run {
    Running::new(child).finish(limit)
}

/// Run to the end in `dir`.
pub fn run_in(dir: &Path, api_url: &str, args: &[&str]) -> Run {
    finish(command(dir, api_url, args).spawn().unwrap(), Duration::from_secs(40))
}

/// Start the binary; read its stdout with [`Running::read_until`].
pub fn spawn(dir: &Path, api_url: &str, args: &[&str]) -> Running {
    Running::new(command(dir, api_url, args).spawn().unwrap())
}

#[test]
#[should_panic(expected = "token leaked")]
fn a_token_in_the_output_of_a_spawned_run_fails_the_test() {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", &format!("echo started; echo {TOKEN} >&2")]).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut running = Running::new(cmd.spawn().unwrap());
    running.read_until("started");
    running.finish(Duration::from_secs(10));
}

#[test]
#[should_panic(expected = "dropped without finish()")]
fn a_spawned_run_left_unfinished_fails_the_test() {
    let mut cmd = Command::new("sh");
    cmd.args(["-c", "echo started; sleep 10"]).stdout(Stdio::piped()).stderr(Stdio::piped());
    Running::new(cmd.spawn().unwrap()).read_until("started");
}
