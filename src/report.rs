//! Events to lines: human status lines or JSON objects, one per event; on a
//! terminal also the QR drawing and its countdown (`screen`).
//!
//! Invariant: once a run has a Reporter, every byte it prints passes through
//! `Lines::emit`, which masks every secret (`secret::Secrets::mask`)
//! whatever code built the text. Before that, `app` masks its one line the
//! same way.

use crate::config::Style;
use crate::draw::fit::Size;
use crate::image::Header;
use crate::outcome::{self, Outcome};
use crate::qr::Modules;
use crate::secret::Secrets;
use crate::{signal, sys};
use screen::{Erase, Screen};
use serde_json::Value;
use std::io::{IsTerminal, Write};
use std::os::fd::AsFd;
use std::path::Path;

mod screen;

/// Events to the two streams; QR codes also to the screen.
#[derive(Debug)]
pub struct Reporter {
    lines: Lines,
    screen: Option<Screen>,
}

/// The writing half of a [`Reporter`]: events as lines, and the status line
/// a terminal shows under them until the next line replaces it.
#[derive(Debug)]
struct Lines {
    json: bool,
    quiet: bool,
    secrets: Secrets,
    stdout: Out,
    stderr: Out,
    /// Lines written to terminals so far: whatever is on screen below a
    /// drawing that ended at another count was not printed by it.
    tty_lines: usize,
    /// The status line at the cursor (on stderr?, its text), without a newline.
    status: Option<(bool, String)>,
}

/// How events are printed.
#[derive(Debug, Clone, Copy)]
pub struct ReportOptions {
    /// JSON lines instead of human lines.
    pub json: bool,
    /// Only problems (and, in JSON, the outcome's problems).
    pub quiet: bool,
    /// Draw QR codes in the terminal (`--terminal` resolved by the caller).
    pub draw: bool,
    /// Draw with sextants instead of half blocks.
    pub compact: bool,
    pub style: Style,
}

/// Where output goes: the process's stdout and stderr, or files a test reads.
#[derive(Debug)]
pub struct Streams {
    pub stdout: std::fs::File,
    pub stderr: std::fs::File,
}

impl Streams {
    /// Duplicates of descriptors 1 and 2: std's own stdout retries a write
    /// interrupted by a signal forever, so a reader that stopped reading
    /// would keep SIGTERM from us. `/dev/null` stands in for a closed one.
    pub fn standard() -> Streams {
        let dup = |fd: std::os::fd::BorrowedFd<'_>| {
            fd.try_clone_to_owned()
                .map(std::fs::File::from)
                .or_else(|_| std::fs::OpenOptions::new().write(true).open("/dev/null"))
        };
        match (dup(std::io::stdout().as_fd()), dup(std::io::stderr().as_fd())) {
            (Ok(stdout), Ok(stderr)) => Streams { stdout, stderr },
            // No descriptors left at all: nothing can be printed anyway.
            _ => Streams::closed(),
        }
    }

    fn closed() -> Streams {
        let null = || std::fs::File::open("/dev/null");
        match (null(), null()) {
            (Ok(stdout), Ok(stderr)) => Streams { stdout, stderr },
            _ => std::process::exit(outcome::CANT_CREATE),
        }
    }

    pub fn stdout_is_terminal(&self) -> bool {
        self.stdout.is_terminal()
    }
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
    fn new(file: std::fs::File) -> Out {
        Out { tty: file.is_terminal(), file: Some(file) }
    }

    /// Write all of `bytes`, unless the stream is closed, or a signal is
    /// pending and the reader does not make room within a moment.
    fn write(&mut self, bytes: &[u8]) {
        let Some(file) = &mut self.file else { return };
        let mut rest = bytes;
        while !rest.is_empty() {
            if signal::pending().is_some() && !sys::writable_within(file.as_fd(), 200) {
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

impl Reporter {
    pub fn new(opts: ReportOptions, secrets: Secrets, streams: Streams) -> Reporter {
        let (stdout, stderr) = (Out::new(streams.stdout), Out::new(streams.stderr));
        let screen = opts.draw.then(|| Screen::new(&opts, if opts.json { stderr.tty } else { stdout.tty }));
        let lines = Lines { json: opts.json, quiet: opts.quiet, secrets, stdout, stderr, tty_lines: 0, status: None };
        Reporter { lines, screen }
    }

    /// `proxy`: `host:port` of the proxy the connection goes through, if any.
    pub fn connecting(&mut self, url: &str, attempt: u32, proxy: Option<&str>) {
        let via = proxy.map(|p| format!(" via proxy {p}")).unwrap_or_default();
        let human = format!("connecting to {url}{via} (attempt {attempt})");
        let mut fields = vec![("url", url.into()), ("attempt", attempt.into())];
        if let Some(p) = proxy {
            fields.push(("proxy", p.into()));
        }
        self.event("connecting", &fields, &human, false);
    }

    /// A new connection: a new scan window, and no QR code yet.
    pub fn connected(&mut self) {
        if let Some(screen) = &mut self.screen {
            screen.connected();
        }
        self.event("connected", &[], "connected; waiting for a QR code", false);
    }

    /// Whether QR codes are drawn on the terminal: only then are their
    /// modules read (see [`Reporter::qr`]).
    pub fn draws(&self) -> bool {
        self.screen.is_some()
    }

    /// QR `n`, written to `path`: its line, then, when the terminal draws,
    /// its `modules` (their count goes in the line) in place of the last
    /// code (when they fit), or why not.
    pub fn qr(&mut self, n: u64, path: &Path, header: Header, modules: Option<Result<Modules, String>>) {
        let p = path.display().to_string();
        let Header { width, height } = header;
        let mut fields =
            vec![("n", n.into()), ("path", p.clone().into()), ("width", width.into()), ("height", height.into())];
        if let Some(Ok(m)) = &modules {
            fields.push(("modules", m.size.into()));
        }
        let human = format!("qr {n}: {p} ({width}x{height}); scan it in WhatsApp > Linked devices > Link a device");
        if let Some(screen) = &mut self.screen {
            screen.erase(&mut self.lines, Erase::Block);
        }
        let before = self.lines.tty_lines;
        self.event("qr", &fields, &human, false);
        let head = self.lines.tty_lines - before;
        let (Some(screen), Some(modules)) = (&mut self.screen, modules) else { return };
        match modules {
            Ok(m) => screen.qr(&mut self.lines, n, p, m, head),
            Err(why) => {
                screen.void(&mut self.lines);
                self.warning(&format!("cannot draw QR {n} in the terminal ({why}); the file {p} is complete"));
            }
        }
    }

    /// A tick of the session loop: fit the drawing to a resized terminal,
    /// and move the countdown on.
    pub fn tick(&mut self) {
        if let Some(screen) = &mut self.screen {
            screen.tick(&mut self.lines);
        }
    }

    /// A pairing code to enter on the phone, shown grouped as WhatsApp shows it (`ABCD-1234`).
    pub fn pairing_code(&mut self, code: &str, valid_s: u64) {
        let human = format!(
            "pairing code: {} (valid {valid_s} s); enter it in WhatsApp > Linked devices > Link a device > \
             Link with phone number instead",
            grouped(code)
        );
        self.event("pairing_code", &[("code", code.into()), ("valid_s", valid_s.into())], &human, false);
    }

    pub fn warning(&mut self, message: &str) {
        self.lines.warning(message);
    }

    pub fn reconnecting(&mut self, reason: &str, delay_s: u64) {
        if let Some(screen) = &mut self.screen {
            screen.void(&mut self.lines);
        }
        let human = format!("reconnecting in {delay_s} s: {reason}");
        self.event("reconnecting", &[("reason", reason.into()), ("delay_s", delay_s.into())], &human, false);
    }

    /// The last line of a run; returns the exit code.
    pub fn outcome(&mut self, o: &Outcome) -> i32 {
        if let Some(screen) = &mut self.screen {
            screen.void(&mut self.lines);
        }
        let code = o.exit_code();
        let (mut fields, human): (Vec<(&str, Value)>, String) = match o {
            Outcome::Authorized(acc) => {
                // A pairing-code login learns only the phone number (getWaSettings).
                let who =
                    acc.get("wid").or_else(|| acc.get("phone")).map(plain).unwrap_or_else(|| "the account".into());
                let name = acc.get("pushname").map(|p| format!(" ({})", plain(p))).unwrap_or_default();
                (
                    acc.iter().map(|(k, v)| (k.as_str(), v.clone())).collect(),
                    format!("authorized: logged in as {who}{name}"),
                )
            }
            Outcome::AlreadyAuthorized(m) => (
                vec![("message", m.as_str().into())],
                "already authorized: the instance is logged in; nothing to scan".into(),
            ),
            Outcome::Timeout { server } => {
                let (source, why) = if *server {
                    ("server", "GREEN-API closed the scan window before the QR code was scanned")
                } else {
                    ("deadline", "--timeout ran out before the QR code was scanned")
                };
                (vec![("source", source.into())], format!("timeout: {why}"))
            }
            Outcome::CodeNotEntered => (
                vec![("source", "deadline".into())],
                "timeout: the pairing code was not entered in WhatsApp before --timeout ran out".into(),
            ),
            Outcome::ApiError(m) => (vec![("message", m.as_str().into())], format!("api error: GREEN-API said: {m}")),
            Outcome::Failed(e) => (
                vec![("kind", e.kind().into()), ("message", e.to_string().into())],
                format!("failed ({}): {e}", e.kind()),
            ),
            Outcome::State(state) => {
                (vec![("state", state.as_str().into())], format!("state: {state}{}", outcome::state_hint(state)))
            }
            Outcome::LoggedOut(done) => (
                vec![("logged_out", (*done).into())],
                if *done {
                    "logout: the instance is logged out; run scanqr to log it in again".into()
                } else {
                    "logout: GREEN-API did not log the instance out; see the instance in the GREEN-API console".into()
                },
            ),
            Outcome::Rebooted(done) => (
                vec![("rebooted", (*done).into())],
                if *done {
                    "reboot: GREEN-API is rebooting the instance; check it with scanqr state in a minute".into()
                } else {
                    "reboot: GREEN-API did not reboot the instance; see the instance in the GREEN-API console".into()
                },
            ),
        };
        fields.push(("exit_code", code.into()));
        self.event(o.event(), &fields, &human, code != 0);
        code
    }

    /// Print an event. `problem`: goes to stderr in human mode and survives `--quiet`.
    pub fn event(&mut self, name: &str, fields: &[(&str, Value)], human: &str, problem: bool) {
        self.lines.event(name, fields, human, problem);
    }
}

impl Lines {
    fn event(&mut self, name: &str, fields: &[(&str, Value)], human: &str, problem: bool) {
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

    fn warning(&mut self, message: &str) {
        self.event("warning", &[("message", message.into())], &format!("warning: {message}"), true);
    }

    /// Everything but the status line is written here. On a terminal the
    /// status line goes first, so the text takes its place.
    fn write(&mut self, to_stderr: bool, text: &str) {
        if self.out(to_stderr).tty {
            self.clear_status();
            self.tty_lines += text.matches('\n').count();
        }
        self.emit(to_stderr, text);
    }

    /// Show `text` at the cursor, in place of the last status line, until the next write.
    fn status(&mut self, to_stderr: bool, text: &str) {
        if self.status.as_ref().is_some_and(|(on, shown)| *on == to_stderr && shown == text) {
            return;
        }
        self.emit(to_stderr, &format!("\r\x1b[K{text}"));
        self.status = Some((to_stderr, text.to_string()));
    }

    fn clear_status(&mut self) {
        if let Some((to_stderr, _)) = self.status.take() {
            self.emit(to_stderr, "\r\x1b[K");
        }
    }

    /// The size of the terminal a stream goes to.
    fn size(&self, to_stderr: bool) -> Option<Size> {
        let file = self.out(to_stderr).file.as_ref()?;
        let (cols, lines) = sys::terminal_size(file.as_fd())?;
        Some(Size { cols: cols.into(), lines: lines.into() })
    }

    fn out(&self, to_stderr: bool) -> &Out {
        if to_stderr {
            &self.stderr
        } else {
            &self.stdout
        }
    }

    /// The one place bytes are written, every secret masked. A closed pipe
    /// is ignored, never a panic.
    fn emit(&mut self, to_stderr: bool, text: &str) {
        let text = self.secrets.mask(text);
        let out = if to_stderr { &mut self.stderr } else { &mut self.stdout };
        out.write(text.as_bytes());
    }
}

/// `ABCD1234` as `ABCD-1234`: groups of four, as the phone shows the code.
fn grouped(code: &str) -> String {
    let chars: Vec<char> = code.chars().collect();
    chars.chunks(4).map(|g| g.iter().collect::<String>()).collect::<Vec<_>>().join("-")
}

fn plain(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::grouped;

    #[test]
    fn codes_are_grouped_by_four() {
        assert_eq!(grouped("ABCD1234"), "ABCD-1234");
        assert_eq!(grouped("ABC"), "ABC");
        assert_eq!(grouped("ABCD12345"), "ABCD-1234-5");
        assert_eq!(grouped(""), "");
    }
}
