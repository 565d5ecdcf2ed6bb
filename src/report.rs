//! Events to lines: human status lines or JSON objects, one per event.
//!
//! Invariant: every byte printed passes through [`Reporter::line`], which
//! replaces the token with `***` whatever code built the text.

use crate::signal;
use crate::Error;
use serde_json::{Map, Value};
use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;
use std::path::Path;

/// What ended a session.
#[derive(Debug)]
pub enum Outcome {
    Authorized(Map<String, Value>),
    AlreadyAuthorized(String),
    /// `true`: the server said so; `false`: `--timeout` ran out.
    Timeout {
        server: bool,
    },
    ApiError(String),
    Failed(Error),
}

impl Outcome {
    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::Authorized(_) | Outcome::AlreadyAuthorized(_) => 0,
            Outcome::Timeout { .. } => 1,
            Outcome::ApiError(_) => 69,
            Outcome::Failed(e) => e.exit_code(),
        }
    }

    /// The event name, also given to `--on-done` as SCANQR_OUTCOME.
    pub fn event(&self) -> &'static str {
        match self {
            Outcome::Authorized(_) => "authorized",
            Outcome::AlreadyAuthorized(_) => "already_authorized",
            Outcome::Timeout { .. } => "timeout",
            Outcome::ApiError(_) => "api_error",
            Outcome::Failed(_) => "failed",
        }
    }
}

/// Where a QR drawing goes and what is on screen from the last one.
#[derive(Debug)]
struct Drawing {
    to_stderr: bool,
    /// Redraw in place: the drawing stream is a terminal.
    in_place: bool,
    /// Lines of the last QR block (its status line when on the same stream, and the drawing).
    block: usize,
    /// Lines printed to a terminal since that block; redraw only when 0.
    since: usize,
}

#[derive(Debug)]
pub struct Reporter {
    json: bool,
    quiet: bool,
    secret: String,
    drawing: Option<Drawing>,
    stdout: Out,
    stderr: Out,
}

/// One output stream, written a line at a time through a duplicate of its
/// descriptor: std's own stdout retries a write interrupted by a signal
/// forever, so a reader that stopped reading would keep SIGTERM from us.
#[derive(Debug)]
struct Out {
    /// `None` once the stream is closed, or stalled after a signal.
    file: Option<std::fs::File>,
    tty: bool,
}

impl Out {
    fn new(fd: std::os::fd::BorrowedFd<'_>) -> Out {
        Out { tty: fd.is_terminal(), file: fd.try_clone_to_owned().ok().map(std::fs::File::from) }
    }

    /// Write all of `bytes`, unless the stream is closed, or a signal is
    /// pending and the reader does not make room within a moment.
    fn write(&mut self, bytes: &[u8]) {
        let Some(file) = &mut self.file else { return };
        let mut rest = bytes;
        while !rest.is_empty() {
            if signal::pending().is_some() && !writable_soon(file) {
                break;
            }
            match file.write(rest) {
                Ok(n) if n > 0 => rest = rest.get(n..).unwrap_or_default(),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                _ => break,
            }
        }
        if !rest.is_empty() {
            self.file = None;
        }
    }
}

fn writable_soon(file: &std::fs::File) -> bool {
    use std::os::fd::AsRawFd;
    let mut fd = libc::pollfd { fd: file.as_raw_fd(), events: libc::POLLOUT, revents: 0 };
    // SAFETY: one valid pollfd, owned by this frame, for the duration of the call.
    unsafe { libc::poll(&mut fd, 1, 200) > 0 }
}

impl Reporter {
    /// `draw`: draw QR codes in the terminal (the caller resolved `--terminal`).
    pub fn new(json: bool, quiet: bool, draw: bool, secret: &str) -> Reporter {
        let stdout = Out::new(std::io::stdout().as_fd());
        let stderr = Out::new(std::io::stderr().as_fd());
        let drawing = draw.then_some(Drawing {
            to_stderr: json,
            in_place: if json { stderr.tty } else { stdout.tty },
            block: 0,
            since: 0,
        });
        Reporter { json, quiet, secret: secret.to_string(), drawing, stdout, stderr }
    }

    pub fn connecting(&mut self, url: &str, attempt: u32) {
        let human = format!("connecting to {url} (attempt {attempt})");
        self.event("connecting", &[("url", url.into()), ("attempt", attempt.into())], &human, false);
    }

    pub fn connected(&mut self) {
        self.event("connected", &[], "connected; waiting for a QR code", false);
    }

    pub fn qr(&mut self, n: u64, path: &Path, width: u32, height: u32, modules: Option<usize>) {
        let p = path.display().to_string();
        let mut fields =
            vec![("n", n.into()), ("path", p.clone().into()), ("width", width.into()), ("height", height.into())];
        if let Some(m) = modules {
            fields.push(("modules", m.into()));
        }
        let human = format!("qr {n}: {p} ({width}x{height}); scan it in WhatsApp > Linked devices > Link a device");
        self.erase_last_drawing();
        self.event("qr", &fields, &human, false);
    }

    /// A QR drawing, printed right after its `qr` line.
    pub fn drawing(&mut self, text: &str) {
        let Some(d) = &self.drawing else { return };
        let to_stderr = d.to_stderr;
        let lines = text.lines().count();
        self.write(to_stderr, text);
        if let Some(d) = &mut self.drawing {
            d.block = lines + usize::from(!to_stderr && !self.json && !self.quiet);
            d.since = 0;
        }
    }

    pub fn draws(&self) -> bool {
        self.drawing.is_some()
    }

    pub fn warning(&mut self, message: &str) {
        self.event("warning", &[("message", message.into())], &format!("warning: {message}"), true);
    }

    pub fn reconnecting(&mut self, reason: &str, delay_s: u64) {
        let human = format!("reconnecting in {delay_s} s: {reason}");
        self.event("reconnecting", &[("reason", reason.into()), ("delay_s", delay_s.into())], &human, false);
    }

    /// The last line of a session; returns the exit code.
    pub fn outcome(&mut self, o: &Outcome) -> i32 {
        let code = o.exit_code();
        let (mut fields, human): (Vec<(&str, Value)>, String) = match o {
            Outcome::Authorized(acc) => {
                let who = acc.get("wid").map(plain).unwrap_or_else(|| "the account".into());
                let name = acc.get("pushname").map(|p| format!(" ({})", plain(p))).unwrap_or_default();
                (
                    acc.iter().map(|(k, v)| (k.as_str(), v.clone())).collect(),
                    format!("authorized: logged in as {who}{name}"),
                )
            }
            Outcome::AlreadyAuthorized(m) => (vec![("message", m.as_str().into())], format!("already authorized: {m}")),
            Outcome::Timeout { server } => {
                let (source, why) = if *server {
                    ("server", "GREEN-API closed the scan window before the QR code was scanned")
                } else {
                    ("deadline", "--timeout ran out before the QR code was scanned")
                };
                (vec![("source", source.into())], format!("timeout: {why}"))
            }
            Outcome::ApiError(m) => (vec![("message", m.as_str().into())], format!("api error: GREEN-API said: {m}")),
            Outcome::Failed(e) => (
                vec![("kind", e.kind().into()), ("message", e.to_string().into())],
                format!("failed ({}): {e}", e.kind()),
            ),
        };
        fields.push(("exit_code", code.into()));
        self.event(o.event(), &fields, &human, code != 0);
        code
    }

    /// Print an event. `problem`: goes to stderr in human mode and survives `--quiet`.
    pub fn event(&mut self, name: &str, fields: &[(&str, Value)], human: &str, problem: bool) {
        if self.quiet && !problem {
            return;
        }
        if self.json {
            let mut line = format!("{{\"event\":{}", Value::from(name));
            for (k, v) in fields {
                line.push_str(&format!(",{}:{v}", Value::from(*k)));
            }
            line.push_str("}\n");
            self.write(false, &line);
        } else if problem {
            self.write(true, &format!("scanqr: {human}\n"));
        } else {
            self.write(false, &format!("{human}\n"));
        }
    }

    fn erase_last_drawing(&mut self) {
        if let Some(d) = &mut self.drawing {
            if d.in_place && d.block > 0 && d.since == 0 {
                let up = format!("\x1b[{}A\x1b[J", d.block);
                let to_stderr = d.to_stderr;
                d.block = 0;
                self.write(to_stderr, &up);
            }
        }
    }

    /// The one place output is written. A closed pipe is ignored, never a panic.
    fn write(&mut self, to_stderr: bool, text: &str) {
        let text = if self.secret.is_empty() { text.to_string() } else { text.replace(&self.secret, "***") };
        let out = if to_stderr { &mut self.stderr } else { &mut self.stdout };
        out.write(text.as_bytes());
        if let Some(d) = &mut self.drawing {
            if out.tty {
                d.since += text.matches('\n').count();
            }
        }
    }
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
