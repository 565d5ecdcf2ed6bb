//! The real binary on a pseudo-terminal of a chosen size, as a person's
//! terminal would run it; everything it prints is collected for [`super::vt`].
#![allow(unsafe_code)]

use std::fs::File;
use std::io::Read;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

pub struct Pty {
    master: File,
    child: Child,
    output: Arc<Mutex<Vec<u8>>>,
    reader: Option<JoinHandle<()>>,
}

/// What the run printed to its terminal, and how it ended.
#[derive(Debug)]
pub struct PtyRun {
    pub code: i32,
    pub output: Vec<u8>,
}

impl PtyRun {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.output).into_owned()
    }
}

impl Pty {
    /// `scanqr ARGS` in `dir` with stdout and stderr on a `cols` x `rows` terminal.
    pub fn spawn(dir: &Path, api_url: &str, args: &[&str], cols: u16, rows: u16) -> Pty {
        let (master, slave) = open(cols, rows);
        let mut cmd = super::command(dir, api_url, args);
        cmd.stdout(Stdio::from(slave.try_clone().unwrap())).stderr(Stdio::from(slave));
        let child = cmd.spawn().unwrap();
        // Our copies of the terminal end are gone with `cmd`: the master
        // reads end of file once the child has exited.
        drop(cmd);
        let output = Arc::new(Mutex::new(Vec::new()));
        let (mut from, sink) = (master.try_clone().unwrap(), output.clone());
        let reader = thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n @ 1..) = from.read(&mut buf) {
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        Pty { master, child, output, reader: Some(reader) }
    }

    /// Resize the terminal, as a window manager does: the new size, then SIGWINCH.
    pub fn resize(&self, cols: u16, rows: u16) {
        set_size(&self.master, cols, rows);
        let pid = i32::try_from(self.child.id()).unwrap();
        // SAFETY: kill(2) sends a signal to our own child.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGWINCH) }, 0);
    }

    /// Everything printed so far.
    pub fn output(&self) -> Vec<u8> {
        self.output.lock().unwrap().clone()
    }

    /// Wait until the output holds `needle`; the output up to its end.
    pub fn wait_for(&self, needle: &str, limit: Duration) -> Vec<u8> {
        let out = self.wait_until(limit, |out| find(out, needle.as_bytes(), 0).is_some());
        let end = find(&out, needle.as_bytes(), 0).map_or(0, |at| at + needle.len());
        out[..end].to_vec()
    }

    /// Wait until the output so far passes `done`; that output.
    pub fn wait_until(&self, limit: Duration, done: impl Fn(&[u8]) -> bool) -> Vec<u8> {
        let until = Instant::now() + limit;
        loop {
            let out = self.output();
            if done(&out) {
                return out;
            }
            assert!(Instant::now() < until, "not there within {limit:?}: {:?}", String::from_utf8_lossy(&out));
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Wait for the exit (killing the child after `limit`) and all output.
    pub fn finish(mut self, limit: Duration) -> PtyRun {
        let until = Instant::now() + limit;
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            if Instant::now() > until {
                let _ = self.child.kill();
                panic!("scanqr did not finish within {limit:?}: {:?}", String::from_utf8_lossy(&self.output()));
            }
            thread::sleep(Duration::from_millis(20));
        };
        if let Some(reader) = self.reader.take() {
            reader.join().unwrap();
        }
        let run = PtyRun { code: status.code().unwrap_or(-1), output: self.output() };
        assert!(!run.text().contains(super::TOKEN), "token leaked: {run:?}");
        run
    }
}

/// A failed test does not leave its child running.
impl Drop for Pty {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where `needle` occurs in `hay` at or after `from`.
pub fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|at| at + from)
}

/// A new pseudo-terminal pair (master, terminal end) of the given size.
fn open(cols: u16, rows: u16) -> (File, OwnedFd) {
    // SAFETY: plain libc calls on a descriptor we own; ptsname_r writes a
    // NUL-terminated name into our buffer, which outlives the calls.
    unsafe {
        let master = libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        assert!(master >= 0, "posix_openpt: {}", std::io::Error::last_os_error());
        let master = File::from_raw_fd(master);
        assert_eq!(libc::grantpt(master.as_raw_fd()), 0);
        assert_eq!(libc::unlockpt(master.as_raw_fd()), 0);
        let mut name = [0 as libc::c_char; 128];
        assert_eq!(libc::ptsname_r(master.as_raw_fd(), name.as_mut_ptr(), name.len()), 0);
        let slave = libc::open(name.as_ptr(), libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC);
        assert!(slave >= 0, "open the terminal end: {}", std::io::Error::last_os_error());
        set_size(&master, cols, rows);
        (master, OwnedFd::from_raw_fd(slave))
    }
}

fn set_size(master: &File, cols: u16, rows: u16) {
    let ws = libc::winsize { ws_row: rows, ws_col: cols, ws_xpixel: 0, ws_ypixel: 0 };
    // SAFETY: TIOCSWINSZ reads one winsize that we own for the call.
    assert_eq!(unsafe { libc::ioctl(master.as_raw_fd(), libc::TIOCSWINSZ, &ws) }, 0);
}
