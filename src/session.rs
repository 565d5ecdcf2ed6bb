//! The QR login session: one blocking loop over one websocket, reconnecting
//! with backoff until an outcome or the deadline. Also `scanqr ensure`,
//! which runs it only when the instance needs it.

use crate::config::{Config, FIRST_RETRIES};
use crate::files::QrFiles;
use crate::hooks::Hooks;
use crate::message::{self, Message};
use crate::net::{self, Dialer, Stream, TICK};
use crate::outcome::Outcome;
use crate::report::Reporter;
use crate::{image, instance, pairing, qr, signal, Error};
use serde_json::Value;
use std::time::{Duration, Instant};
use tungstenite::WebSocket;

/// How one connection ended.
enum End {
    Outcome(Outcome),
    Lost(String),
}

struct Session<'a> {
    cfg: &'a Config,
    rep: &'a mut Reporter,
    files: QrFiles,
    hooks: Hooks,
    deadline: Instant,
    n: u64,
}

/// `scanqr ensure`: nothing when the instance is authorized, the login when
/// it is not, and a state outcome (temporary or not) for anything else.
pub fn ensure(cfg: &Config, dialer: &Dialer, rep: &mut Reporter) -> Outcome {
    match instance::get_state(cfg, dialer) {
        Ok(state) if state == "notAuthorized" => {
            let human = "state: notAuthorized; logging the instance in";
            rep.event("state", &[("state", Value::from(state))], human, false);
            login(cfg, dialer, rep)
        }
        Ok(state) => ended_early(cfg, Outcome::State(state), rep),
        Err(e) => ended_early(cfg, Outcome::Failed(e), rep),
    }
}

/// An `ensure` that needed no login runs `--on-done` only for a problem: a
/// banned or stuck number is news for the chat the hooks report to; an
/// authorized one, checked every 10 minutes, is not.
fn ended_early(cfg: &Config, outcome: Outcome, rep: &mut Reporter) -> Outcome {
    if outcome.exit_code() != crate::outcome::OK {
        Hooks::new(cfg.hooks.clone(), &cfg.instance, cfg.timing).finish(&outcome, || {}, rep);
    }
    outcome
}

/// The login: a pairing code with `--phone`, otherwise a QR session run to
/// its outcome and cleaned up after.
pub fn login(cfg: &Config, dialer: &Dialer, rep: &mut Reporter) -> Outcome {
    if cfg.phone.is_some() {
        return pairing::login(cfg, dialer, rep);
    }
    let mut s = Session {
        cfg,
        deadline: Instant::now() + cfg.timeout,
        files: QrFiles::new(cfg.out.clone(), cfg.keep),
        hooks: Hooks::new(cfg.hooks.clone(), &cfg.instance, cfg.timing),
        rep,
        n: 0,
    };
    let outcome = s.connect_loop(dialer);
    let files = &mut s.files;
    s.hooks.finish(&outcome, || files.cleanup(), s.rep);
    outcome
}

impl Session<'_> {
    fn connect_loop(&mut self, dialer: &Dialer) -> Outcome {
        if let Err(e) = self.files.check_writable() {
            return Outcome::Failed(e);
        }
        let url = self.cfg.endpoint.redacted("scanqrcode", &self.cfg.instance);
        let proxy = dialer.proxy().map(|p| p.shown());
        let (mut attempt, mut failures, mut connected_once, mut backoff) = (0, 0, false, 1);
        loop {
            attempt += 1;
            self.rep.connecting(&url, attempt, proxy.as_deref());
            let connect_deadline = self.deadline.min(Instant::now() + self.cfg.connect_timeout);
            let reason =
                match net::open(&self.cfg.endpoint, dialer, &self.cfg.instance, &self.cfg.token, connect_deadline) {
                    Ok(ws) => {
                        connected_once = true;
                        backoff = 1;
                        self.rep.connected();
                        match self.serve(ws) {
                            End::Outcome(o) => return o,
                            End::Lost(reason) => reason,
                        }
                    }
                    Err(e) if !e.is_retriable() => return Outcome::Failed(e),
                    Err(e) => {
                        failures += 1;
                        if !connected_once && failures > FIRST_RETRIES {
                            return Outcome::Failed(e);
                        }
                        e.to_string()
                    }
                };
            if Instant::now() + Duration::from_secs(backoff) >= self.deadline {
                return Outcome::Failed(Error::Network(format!(
                    "{reason}; not reconnected before the --timeout deadline"
                )));
            }
            self.rep.reconnecting(&reason, backoff);
            if let Err(e) = sleep(Duration::from_secs(backoff)) {
                return Outcome::Failed(e);
            }
            backoff = (backoff * 2).min(self.cfg.timing.max_backoff.as_secs().max(1));
        }
    }

    /// Read frames until an outcome, the deadline, a signal or a lost connection.
    fn serve(&mut self, mut ws: WebSocket<Stream>) -> End {
        let (mut last_frame, mut last_ping) = (Instant::now(), Instant::now());
        loop {
            if let Some(sig) = signal::pending() {
                return close(ws, End::Outcome(Outcome::Failed(Error::Interrupted(sig))));
            }
            if Instant::now() >= self.deadline {
                return close(ws, End::Outcome(Outcome::Timeout { server: false }));
            }
            self.hooks.poll(self.rep);
            self.rep.tick();
            match ws.read() {
                Ok(msg) => {
                    last_frame = Instant::now();
                    if let Some(end) = self.frame(msg) {
                        return close(ws, end);
                    }
                }
                // A tick of the read timeout, or a signal interrupting the read.
                Err(tungstenite::Error::Io(e)) if net::is_tick(&e) => {
                    let (silent, timing) = (last_frame.elapsed(), self.cfg.timing);
                    if silent >= timing.lost_after {
                        return End::Lost(format!("no frame from the server for {} s", timing.lost_after.as_secs()));
                    }
                    if silent >= timing.ping_after && last_ping.elapsed() >= timing.ping_after {
                        last_ping = Instant::now();
                        let _ = ws.send(tungstenite::Message::Ping(Vec::new().into()));
                    }
                }
                Err(e) => return End::Lost(lost_reason(e)),
            }
        }
    }

    /// Handle one websocket message; `Some` ends the connection.
    fn frame(&mut self, msg: tungstenite::Message) -> Option<End> {
        use tungstenite::Message as M;
        match msg {
            M::Text(text) => match message::parse(text.as_str()) {
                Ok(m) => self.message(m).map(End::Outcome),
                Err(skip) => {
                    self.rep.warning(&skip);
                    None
                }
            },
            M::Binary(b) => {
                self.rep.warning(&format!("binary frame of {} bytes; GREEN-API sends text; skipped", b.len()));
                None
            }
            M::Close(_) => Some(End::Lost("the server closed the connection".into())),
            M::Ping(_) | M::Pong(_) | M::Frame(_) => None,
        }
    }

    fn message(&mut self, m: Message) -> Option<Outcome> {
        match m {
            Message::Qr(png) => self.qr(&png).err().map(Outcome::Failed),
            Message::Account(fields) => Some(Outcome::Authorized(fields)),
            Message::AlreadyLogged(text) => Some(Outcome::AlreadyAuthorized(text)),
            Message::Timeout => Some(Outcome::Timeout { server: true }),
            Message::Error(text) => Some(Outcome::ApiError(text)),
        }
    }

    /// A picture is checked whole before its file is written: decoded when
    /// the terminal draws it (the drawing needs its pixels), checked without
    /// rebuilding a pixel otherwise. The two accept the same files.
    fn qr(&mut self, png: &[u8]) -> Result<(), Error> {
        let picture = match self.rep.draws() {
            true => image::decode_png(png).map(|gray| (gray.header(), Some(gray))),
            false => image::check_png(png).map(|header| (header, None)),
        };
        let (header, gray) = match picture {
            Ok(p) => p,
            Err(e) => {
                self.rep.warning(&format!("qrCode image skipped: {e}"));
                return Ok(());
            }
        };
        self.n += 1;
        let path = self.files.write(self.n, png)?;
        self.rep.qr(self.n, &path, header, gray.map(|g| qr::read_modules(&g)));
        self.hooks.qr(self.n, &path, self.rep);
        Ok(())
    }
}

fn lost_reason(e: tungstenite::Error) -> String {
    use tungstenite::Error as E;
    match e {
        E::ConnectionClosed | E::AlreadyClosed => "the server closed the connection".into(),
        E::Protocol(tungstenite::error::ProtocolError::ResetWithoutClosingHandshake) => {
            "the server hung up without a close frame".into()
        }
        E::Io(io) => format!("connection lost: {io}"),
        E::Capacity(c) => format!(
            "the server sent a message over the {} MiB limit ({c}); dropped the connection",
            net::MAX_MESSAGE >> 20
        ),
        E::Utf8(_) => "the server sent a text frame that is not UTF-8; dropped the connection".into(),
        E::Protocol(p) => format!("websocket protocol violation ({p}); dropped the connection"),
        other => format!("connection failed: {other}"),
    }
}

/// Send a close frame without waiting long for a server that stopped reading.
fn close(mut ws: WebSocket<Stream>, end: End) -> End {
    let _ = ws.close(None);
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        match ws.flush() {
            Err(tungstenite::Error::Io(e)) if net::is_tick(&e) => continue,
            _ => break,
        }
    }
    end
}

/// Sleep, waking early for a signal.
fn sleep(total: Duration) -> Result<(), Error> {
    let until = Instant::now() + total;
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if let Some(sig) = signal::pending() {
            return Err(Error::Interrupted(sig));
        }
        std::thread::sleep(left.min(TICK / 5));
    }
    Ok(())
}
