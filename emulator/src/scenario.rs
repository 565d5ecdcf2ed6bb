//! What a websocket session sends: the scenarios, and how each one ends.

use std::io;
use std::net::Shutdown;
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::CloseFrame;
use tungstenite::{Message, Utf8Bytes, WebSocket};

use crate::picture;
use crate::random::whatsapp_payload;
use crate::server::{Conn, Shared};

/// How long the server waits for the client's reply to its close frame.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Granularity of waits: how soon a session notices `stop()` or the client leaving.
const TICK: Duration = Duration::from_millis(25);
/// Distinct pre-rendered QR frames the Flood scenario cycles through.
const FLOOD_DISTINCT: usize = 8;

/// What the websocket does after the upgrade.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    /// `qr` QR codes, `every` apart, then (after `every` more) `accountData`.
    Authorize { qr: usize, every: Duration },
    /// `alreadyLogged` at once.
    Already,
    /// `qr` QR codes, `every` apart, then (after `every` more) `timeoutExpired`.
    Timeout { qr: usize, every: Duration },
    /// `error` with this text at once.
    Error(String),
    /// HTTP 401 on the websocket upgrade (the HTTP endpoints still answer).
    Reject,
    /// The first websocket connection gets one QR code and then its TCP
    /// connection is closed abruptly (no close frame); later connections
    /// behave like `Authorize { qr, every }`.
    Drop { qr: usize, every: Duration },
    /// This many QR frames back to back (cycling through a few pre-rendered
    /// PNGs), then `accountData`.
    Flood(usize),
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum End {
    /// The outcome message and a close frame were sent.
    Outcome,
    /// The client closed or the connection failed.
    Gone,
    /// The server is stopping.
    Stopped,
    /// Deliberately dropped (the Drop scenario's first connection).
    Dropped,
}

type Ws = WebSocket<Conn>;

/// Work done before the first client: Flood's frames are rendered once.
pub(crate) fn prepare(shared: &Shared) {
    if matches!(shared.options.scenario, Scenario::Flood(_)) {
        flood_frames(shared);
    }
}

/// Plays the scenario on the `index`th websocket connection (0 for the first).
pub(crate) fn run(ws: &mut Ws, shared: &Shared, index: usize) -> End {
    let end = match &shared.options.scenario {
        Scenario::Authorize { qr, every } => qr_then(ws, shared, *qr, *every, account_data()),
        Scenario::Timeout { qr, every } => qr_then(ws, shared, *qr, *every, timeout_expired()),
        Scenario::Already => {
            outcome(ws, json!({"type": "alreadyLogged", "message": "instance account already authorized"}))
        }
        Scenario::Error(text) => outcome(ws, json!({"type": "error", "message": text})),
        Scenario::Reject => End::Gone, // answered with 401 before the upgrade
        Scenario::Drop { .. } if index == 0 => drop_abruptly(ws, shared),
        Scenario::Drop { qr, every } => qr_then(ws, shared, *qr, *every, account_data()),
        Scenario::Flood(n) => match flood(ws, shared, *n) {
            ControlFlow::Continue(()) => outcome(ws, account_data()),
            ControlFlow::Break(end) => end,
        },
    };
    let logs_in =
        matches!(shared.options.scenario, Scenario::Authorize { .. } | Scenario::Drop { .. } | Scenario::Flood(_));
    if end == End::Outcome && logs_in {
        shared.with_instance(|i| i.set_state("authorized"));
    }
    end
}

fn account_data() -> Value {
    json!({
        "type": "accountData",
        "message": {
            "wid": "79001234567@c.us",
            "pushname": "GREEN-API emulator",
            "proxy": "",
            "webhookUrl": ""
        }
    })
}

fn timeout_expired() -> Value {
    json!({
        "type": "timeoutExpired",
        "message": "QR code scanning time has expired, request a new QR code"
    })
}

/// A `qrCode` frame of a fresh pairing string.
fn qr_frame(shared: &Shared) -> Utf8Bytes {
    let png = picture::png_base64(shared.options.picture, &whatsapp_payload(shared.next_seed()));
    Utf8Bytes::from(json!({"type": "qrCode", "message": png}).to_string())
}

/// `n` QR codes `every` apart, then after `every` more the outcome.
fn qr_then(ws: &mut Ws, shared: &Shared, n: usize, every: Duration, last: Value) -> End {
    let codes = (0..n).try_for_each(|_| {
        send(ws, Message::Text(qr_frame(shared)))?;
        wait(ws, shared, every)
    });
    match codes {
        ControlFlow::Continue(()) => outcome(ws, last),
        ControlFlow::Break(end) => end,
    }
}

/// The Drop scenario's first connection: one QR, then the TCP connection is
/// shut down without a close frame.
fn drop_abruptly(ws: &mut Ws, shared: &Shared) -> End {
    if let ControlFlow::Break(end) = send(ws, Message::Text(qr_frame(shared))) {
        return end;
    }
    let _ = ws.get_ref().tcp().shutdown(Shutdown::Both);
    End::Dropped
}

fn flood(ws: &mut Ws, shared: &Shared, n: usize) -> ControlFlow<End> {
    let frames = flood_frames(shared);
    for (i, frame) in frames.iter().cycle().take(n).enumerate() {
        if i % 64 == 0 && shared.stopping() {
            return ControlFlow::Break(End::Stopped);
        }
        gone_on_error(ws.write(Message::Text(frame.clone())))?;
    }
    gone_on_error(ws.flush())
}

/// The Flood scenario's few distinct QR frames, rendered once.
fn flood_frames(shared: &Shared) -> &[Utf8Bytes] {
    shared.flood_frames.get_or_init(|| (0..FLOOD_DISTINCT).map(|_| qr_frame(shared)).collect())
}

fn gone_on_error<E>(result: Result<(), E>) -> ControlFlow<End> {
    match result {
        Ok(()) => ControlFlow::Continue(()),
        Err(_) => ControlFlow::Break(End::Gone),
    }
}

fn send(ws: &mut Ws, message: Message) -> ControlFlow<End> {
    gone_on_error(ws.send(message))
}

/// Sends the outcome, then a close frame, and waits (bounded) for the client's
/// close reply.
fn outcome(ws: &mut Ws, message: Value) -> End {
    if let ControlFlow::Break(end) = send(ws, Message::text(message.to_string())) {
        return end;
    }
    let frame = CloseFrame { code: CloseCode::Normal, reason: Utf8Bytes::from_static("") };
    if ws.close(Some(frame)).is_err() {
        return End::Outcome;
    }
    let deadline = Instant::now() + CLOSE_TIMEOUT;
    while Instant::now() < deadline {
        if ws.get_ref().tcp().set_read_timeout(Some(TICK)).is_err() {
            break;
        }
        match ws.read() {
            Ok(_) => continue,
            Err(tungstenite::Error::Io(e)) if is_timeout(&e) => continue,
            Err(_) => break,
        }
    }
    if let Conn::Tls(tls) = ws.get_mut() {
        let _ = tls.shutdown();
    }
    End::Outcome
}

/// Waits `duration` while answering pings and noticing the client's close
/// frame, a dead connection, or `stop()`.
fn wait(ws: &mut Ws, shared: &Shared, duration: Duration) -> ControlFlow<End> {
    let deadline = Instant::now() + duration;
    loop {
        if shared.stopping() {
            return ControlFlow::Break(End::Stopped);
        }
        let now = Instant::now();
        if now >= deadline {
            return ControlFlow::Continue(());
        }
        let slice = (deadline - now).min(TICK).max(Duration::from_millis(1));
        if ws.get_ref().tcp().set_read_timeout(Some(slice)).is_err() {
            return ControlFlow::Break(End::Gone);
        }
        match ws.read() {
            Ok(Message::Close(_)) => {
                // tungstenite queued the reply; send it and finish.
                let _ = ws.flush();
                return ControlFlow::Break(End::Gone);
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if is_timeout(&e) => {}
            Err(_) => return ControlFlow::Break(End::Gone),
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}
