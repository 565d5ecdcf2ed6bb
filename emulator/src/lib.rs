//! A local emulator of GREEN-API's `scanqrcode` websocket, for scanqr's demo,
//! integration tests and benchmark.
//!
//! [`Server::start`] binds `127.0.0.1`, and serves on one port, in background
//! threads:
//!
//! - `GET /waInstance{ID}/scanqrcode/{TOKEN}` as a websocket upgrade, then the
//!   JSON text frames of the chosen [`Scenario`], then a close frame;
//! - `GET /waInstance{ID}/getStateInstance/{TOKEN}` → `{"stateInstance":"…"}`;
//! - `GET /waInstance{ID}/logout/{TOKEN}` → `{"isLogout":true}`;
//!
//! with 401 for a wrong id or token and 404 for any other path. With
//! [`Options::tls`] it makes a throw-away CA and server certificate for
//! 127.0.0.1/localhost and serves TLS; the CA is written to
//! [`Server::ca_pem_path`] for the client's `--ca-file`.
//!
//! Everything is bounded: request heads (16 KiB, 5 s), writes (5 s), the close
//! handshake (2 s); connection threads end when the client goes away, and
//! [`Server::stop`] (or dropping the server) returns promptly.
//!
//! ```no_run
//! use scanqr_emulator::{Options, Scenario, Server};
//! use std::time::Duration;
//!
//! let server = Server::start(Options {
//!     scenario: Scenario::Authorize { qr: 2, every: Duration::from_millis(200) },
//!     ..Options::default()
//! })?;
//! println!("{}", server.api_url()); // http://127.0.0.1:PORT
//! server.stop();
//! # Ok::<(), std::io::Error>(())
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod http;
mod qr;
mod tls;

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::json;
use tungstenite::protocol::frame::coding::CloseCode;
use tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};
use tungstenite::{Message, Utf8Bytes, WebSocket};

pub use qr::{qr_png, whatsapp_payload};

/// The emulator's default instance id.
pub const DEFAULT_INSTANCE: &str = "1101000001";
/// The emulator's default API token: a test value, not a secret.
pub const DEFAULT_TOKEN: &str = "d75b3a66374942c5b3c019c698abc2067e151558acbd412345";

/// How long a client may take to send its request head (and TLS handshake).
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one write may block on a client that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the server waits for the client's reply to its close frame.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);
/// Granularity of waits: how soon a session notices `stop()` or the client leaving.
const TICK: Duration = Duration::from_millis(25);
/// Connections served at once; more are closed at once.
const MAX_LIVE: usize = 512;
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

/// How to start a [`Server`].
#[derive(Debug, Clone)]
pub struct Options {
    /// The instance id expected in paths (`waInstance{ID}`).
    pub instance: String,
    /// The API token expected in paths.
    pub token: String,
    /// What websocket sessions do.
    pub scenario: Scenario,
    /// Serve TLS (`https`/`wss`) with a fresh self-made certificate.
    pub tls: bool,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The initial `stateInstance` for getStateInstance. A logout sets it to
    /// `notAuthorized`; a session that sends `accountData` sets `authorized`.
    pub state: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            instance: DEFAULT_INSTANCE.to_string(),
            token: DEFAULT_TOKEN.to_string(),
            scenario: Scenario::Authorize { qr: 3, every: Duration::from_secs(1) },
            tls: false,
            port: 0,
            state: "authorized".to_string(),
        }
    }
}

/// A running emulator. Stops on [`Server::stop`] or when dropped.
pub struct Server {
    port: u16,
    tls: bool,
    instance: String,
    token: String,
    ca_dir: Option<PathBuf>,
    ca_path: Option<PathBuf>,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

/// What the accept loop and the connection threads share.
struct Shared {
    instance: String,
    token: String,
    scenario: Scenario,
    state: Mutex<String>,
    acceptor: Option<native_tls::TlsAcceptor>,
    stop: AtomicBool,
    /// Websocket upgrades accepted.
    connections: AtomicUsize,
    /// Websocket requests fully answered (see `Server::sessions_finished`).
    finished: AtomicUsize,
    /// Seeds for fresh pairing strings.
    seed: AtomicU64,
    /// Clones of the live sockets, so `stop()` can shut them down.
    live: Mutex<HashMap<u64, TcpStream>>,
    next_id: AtomicU64,
    threads: Mutex<Vec<JoinHandle<()>>>,
    flood_frames: OnceLock<Vec<Utf8Bytes>>,
}

impl Server {
    /// Binds `127.0.0.1:opts.port`, starts serving in background threads and
    /// returns once listening. With `opts.tls` it first makes a certificate
    /// and writes its CA to a fresh temporary directory.
    pub fn start(opts: Options) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", opts.port))?;
        let port = listener.local_addr()?.port();

        let (acceptor, ca_dir, ca_path) = if opts.tls {
            let material = tls::generate()?;
            let acceptor = tls::acceptor(&material)?;
            let dir = make_temp_dir()?;
            let path = dir.join("ca.pem");
            if let Err(e) = std::fs::write(&path, &material.ca_pem) {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
            (Some(acceptor), Some(dir), Some(path))
        } else {
            (None, None, None)
        };

        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let shared = Arc::new(Shared {
            instance: opts.instance.clone(),
            token: opts.token.clone(),
            scenario: opts.scenario,
            state: Mutex::new(opts.state),
            acceptor,
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            seed: AtomicU64::new(nanos ^ (u64::from(port) << 48)),
            live: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            threads: Mutex::new(Vec::new()),
            flood_frames: OnceLock::new(),
        });

        if matches!(shared.scenario, Scenario::Flood(_)) {
            // Rendered before the first client, so a benchmark does not time it.
            flood_frames(&shared);
        }

        let for_thread = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("scanqr-emulator-accept".into())
            .spawn(move || accept_loop(listener, for_thread));
        let accept_thread = match spawned {
            Ok(handle) => handle,
            Err(e) => {
                if let Some(dir) = &ca_dir {
                    let _ = std::fs::remove_dir_all(dir);
                }
                return Err(e);
            }
        };

        Ok(Server {
            port,
            tls: opts.tls,
            instance: opts.instance,
            token: opts.token,
            ca_dir,
            ca_path,
            shared,
            accept_thread: Some(accept_thread),
        })
    }

    /// `http://127.0.0.1:PORT`, or `https://…` with TLS: the client's `--api-url`.
    pub fn api_url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The full websocket URL of the scanqrcode endpoint (`ws://` or `wss://`).
    pub fn ws_url(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        format!("{scheme}://127.0.0.1:{}/waInstance{}/scanqrcode/{}", self.port, self.instance, self.token)
    }

    /// The port listened on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// With TLS: the PEM file of the CA that signed the server's certificate,
    /// for the client's `--ca-file`. Removed when the server stops.
    pub fn ca_pem_path(&self) -> Option<&Path> {
        self.ca_path.as_deref()
    }

    /// How many websocket upgrades were accepted so far.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// How many websocket requests have been fully answered so far: sessions
    /// that ended (outcome sent, client gone, or server stopping) and, with
    /// [`Scenario::Reject`], upgrades refused with 401. Drop's deliberate first
    /// drop is not counted. (The binary's `--once` waits for this.)
    pub fn sessions_finished(&self) -> usize {
        self.shared.finished.load(Ordering::SeqCst)
    }

    /// Stops accepting, closes every connection, waits for the threads and
    /// removes the temporary files. Dropping the server does the same.
    pub fn stop(self) {
        drop(self);
    }

    fn shutdown(&mut self) {
        let Some(accept_thread) = self.accept_thread.take() else {
            return;
        };
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop up: it sees the flag and returns.
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let _ = TcpStream::connect_timeout(&addr, Duration::from_secs(1));
        let _ = accept_thread.join();
        if let Ok(live) = self.shared.live.lock() {
            for stream in live.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
        let threads = match self.shared.threads.lock() {
            Ok(mut threads) => std::mem::take(&mut *threads),
            Err(_) => Vec::new(),
        };
        for thread in threads {
            let _ = thread.join();
        }
        if let Some(dir) = self.ca_dir.take() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A new, empty directory under the system's temporary directory.
fn make_temp_dir() -> io::Result<PathBuf> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let base = std::env::temp_dir();
    for _ in 0..100 {
        let nanos =
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
        let dir = base.join(format!(
            "scanqr-emulator-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("could not create a temporary directory"))
}

fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    for incoming in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let stream = match incoming {
            Ok(stream) => stream,
            Err(_) => {
                // Out of descriptors or the like: back off a little.
                std::thread::sleep(Duration::from_millis(10));
                continue;
            }
        };
        let Ok(mut threads) = shared.threads.lock() else {
            break;
        };
        threads.retain(|t| !t.is_finished());
        if threads.len() >= MAX_LIVE {
            continue; // dropping `stream` closes it
        }
        let for_thread = Arc::clone(&shared);
        let spawned = std::thread::Builder::new()
            .name("scanqr-emulator-conn".into())
            .spawn(move || serve_connection(stream, &for_thread));
        if let Ok(handle) = spawned {
            threads.push(handle);
        }
    }
}

/// Unregisters a live socket when its connection thread ends.
struct LiveGuard<'a> {
    shared: &'a Shared,
    id: u64,
}

impl Drop for LiveGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut live) = self.shared.live.lock() {
            live.remove(&self.id);
        }
    }
}

/// A client connection, plain or TLS.
enum Conn {
    Plain(TcpStream),
    Tls(Box<native_tls::TlsStream<TcpStream>>),
}

impl Conn {
    fn tcp(&self) -> &TcpStream {
        match self {
            Conn::Plain(s) => s,
            Conn::Tls(s) => s.get_ref(),
        }
    }
}

impl Read for Conn {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf),
            Conn::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Conn {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Conn::Plain(s) => s.write(buf),
            Conn::Tls(s) => s.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Conn::Plain(s) => s.flush(),
            Conn::Tls(s) => s.flush(),
        }
    }
}

fn serve_connection(tcp: TcpStream, shared: &Shared) {
    let id = shared.next_id.fetch_add(1, Ordering::SeqCst);
    let Ok(clone) = tcp.try_clone() else { return };
    match shared.live.lock() {
        Ok(mut live) => {
            live.insert(id, clone);
        }
        Err(_) => return,
    }
    let _guard = LiveGuard { shared, id };
    // Registered before this check, so `stop()` either sees the socket or we see the flag.
    if shared.stop.load(Ordering::SeqCst) {
        return;
    }
    let _ = tcp.set_nodelay(true);
    if tcp.set_read_timeout(Some(HEAD_TIMEOUT)).is_err() || tcp.set_write_timeout(Some(WRITE_TIMEOUT)).is_err() {
        return;
    }
    let mut conn = match &shared.acceptor {
        None => Conn::Plain(tcp),
        Some(acceptor) => match acceptor.accept(tcp) {
            Ok(tls) => Conn::Tls(Box::new(tls)),
            Err(_) => return,
        },
    };
    let (request, rest) = match http::read_head(&mut conn) {
        Ok(parts) => parts,
        Err(http::HeadError::Io) => return,
        Err(http::HeadError::TooLarge) => {
            let _ = http::respond(&mut conn, 431, r#"{"error":"request head too large"}"#);
            return;
        }
        Err(http::HeadError::Malformed) => {
            let _ = http::respond(&mut conn, 400, r#"{"error":"malformed request"}"#);
            return;
        }
    };
    route(conn, &request, rest, shared);
}

/// The API methods this emulator knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Method {
    ScanQrCode,
    GetStateInstance,
    Logout,
}

fn route(mut conn: Conn, request: &http::Request, rest: Vec<u8>, shared: &Shared) {
    let segments: Vec<&str> = request.path.trim_start_matches('/').trim_end_matches('/').split('/').collect();
    let parsed = match segments.as_slice() {
        [instance, method, token] => instance.strip_prefix("waInstance").and_then(|id| {
            let method = if method.eq_ignore_ascii_case("scanqrcode") {
                Method::ScanQrCode
            } else if method.eq_ignore_ascii_case("getStateInstance") {
                Method::GetStateInstance
            } else if method.eq_ignore_ascii_case("logout") {
                Method::Logout
            } else {
                return None;
            };
            Some((id, method, *token))
        }),
        _ => None,
    };
    let Some((id, method, token)) = parsed else {
        let _ = http::respond(&mut conn, 404, r#"{"error":"not found"}"#);
        return;
    };
    if id != shared.instance || token != shared.token {
        let _ = http::respond(&mut conn, 401, r#"{"error":"Unauthorized: wrong idInstance or apiTokenInstance"}"#);
        return;
    }
    if request.method != "GET" {
        let _ = http::respond(&mut conn, 405, r#"{"error":"method not allowed"}"#);
        return;
    }
    match method {
        Method::GetStateInstance => {
            let state = match shared.state.lock() {
                Ok(state) => state.clone(),
                Err(_) => "starting".to_string(),
            };
            let body = json!({ "stateInstance": state }).to_string();
            let _ = http::respond(&mut conn, 200, &body);
        }
        Method::Logout => {
            set_state(shared, "notAuthorized");
            let _ = http::respond(&mut conn, 200, r#"{"isLogout":true}"#);
        }
        Method::ScanQrCode => upgrade(conn, request, rest, shared),
    }
}

fn set_state(shared: &Shared, state: &str) {
    if let Ok(mut current) = shared.state.lock() {
        *current = state.to_string();
    }
}

fn upgrade(mut conn: Conn, request: &http::Request, rest: Vec<u8>, shared: &Shared) {
    let key = request.header("sec-websocket-key");
    let (Some(key), true) = (key, request.header_has_token("upgrade", "websocket")) else {
        let _ = http::respond(&mut conn, 400, r#"{"error":"expected a websocket upgrade"}"#);
        return;
    };
    if shared.scenario == Scenario::Reject {
        let _ = http::respond(&mut conn, 401, r#"{"error":"Unauthorized"}"#);
        shared.finished.fetch_add(1, Ordering::SeqCst);
        return;
    }
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    if conn.write_all(response.as_bytes()).and_then(|()| conn.flush()).is_err() {
        return;
    }
    let index = shared.connections.fetch_add(1, Ordering::SeqCst);
    // The client sends nothing but control frames: keep what it may send small.
    let config = WebSocketConfig::default().max_message_size(Some(64 * 1024)).max_frame_size(Some(64 * 1024));
    let mut ws = WebSocket::from_partially_read(conn, rest, Role::Server, Some(config));
    let end = run_session(&mut ws, shared, index);
    if end != End::Dropped {
        shared.finished.fetch_add(1, Ordering::SeqCst);
    }
}

/// How a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
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

fn run_session(ws: &mut Ws, shared: &Shared, index: usize) -> End {
    let result = match &shared.scenario {
        Scenario::Authorize { qr, every } => qr_then(ws, shared, *qr, *every, account_data),
        Scenario::Timeout { qr, every } => qr_then(ws, shared, *qr, *every, timeout_expired),
        Scenario::Already => {
            outcome(ws, json!({"type": "alreadyLogged", "message": "instance account already authorized"}))
        }
        Scenario::Error(text) => outcome(ws, json!({"type": "error", "message": text})),
        Scenario::Reject => Err(End::Gone), // answered with 401 before the upgrade
        Scenario::Drop { qr, every } => {
            if index == 0 {
                drop_abruptly(ws, shared)
            } else {
                qr_then(ws, shared, *qr, *every, account_data)
            }
        }
        Scenario::Flood(n) => flood(ws, shared, *n),
    };
    match result {
        Ok(()) => {
            if matches!(shared.scenario, Scenario::Authorize { .. } | Scenario::Drop { .. } | Scenario::Flood(_)) {
                set_state(shared, "authorized");
            }
            End::Outcome
        }
        Err(end) => end,
    }
}

fn account_data() -> serde_json::Value {
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

fn timeout_expired() -> serde_json::Value {
    json!({
        "type": "timeoutExpired",
        "message": "QR code scanning time has expired, request a new QR code"
    })
}

fn qr_frame(shared: &Shared) -> Message {
    let seed = shared.seed.fetch_add(1, Ordering::SeqCst);
    let png = qr::qr_png_base64(&whatsapp_payload(seed));
    Message::text(json!({"type": "qrCode", "message": png}).to_string())
}

/// `n` QR codes `every` apart, then after `every` more the outcome.
fn qr_then(
    ws: &mut Ws,
    shared: &Shared,
    n: usize,
    every: Duration,
    last: fn() -> serde_json::Value,
) -> Result<(), End> {
    for _ in 0..n {
        send(ws, qr_frame(shared))?;
        wait(ws, shared, every)?;
    }
    outcome(ws, last())
}

/// The Drop scenario's first connection: one QR, then the TCP connection is
/// shut down without a close frame.
fn drop_abruptly(ws: &mut Ws, shared: &Shared) -> Result<(), End> {
    send(ws, qr_frame(shared))?;
    let _ = ws.get_ref().tcp().shutdown(Shutdown::Both);
    Err(End::Dropped)
}

fn flood(ws: &mut Ws, shared: &Shared, n: usize) -> Result<(), End> {
    let frames = flood_frames(shared);
    for (i, frame) in frames.iter().cycle().take(n).enumerate() {
        if i % 64 == 0 && shared.stop.load(Ordering::SeqCst) {
            return Err(End::Stopped);
        }
        ws.write(Message::Text(frame.clone())).map_err(|_| End::Gone)?;
    }
    ws.flush().map_err(|_| End::Gone)?;
    outcome(ws, account_data())
}

/// The Flood scenario's few distinct QR frames, rendered once.
fn flood_frames(shared: &Shared) -> &[Utf8Bytes] {
    shared.flood_frames.get_or_init(|| {
        (0..FLOOD_DISTINCT)
            .map(|_| {
                let seed = shared.seed.fetch_add(1, Ordering::SeqCst);
                let png = qr::qr_png_base64(&whatsapp_payload(seed));
                Utf8Bytes::from(json!({"type": "qrCode", "message": png}).to_string())
            })
            .collect()
    })
}

fn send(ws: &mut Ws, message: Message) -> Result<(), End> {
    ws.send(message).map_err(|_| End::Gone)
}

/// Sends the outcome, then a close frame, and waits (bounded) for the client's
/// close reply.
fn outcome(ws: &mut Ws, message: serde_json::Value) -> Result<(), End> {
    send(ws, Message::text(message.to_string()))?;
    let frame = CloseFrame { code: CloseCode::Normal, reason: Utf8Bytes::from_static("") };
    if ws.close(Some(frame)).is_err() {
        return Ok(());
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
    Ok(())
}

/// Waits `duration` while answering pings and noticing the client's close
/// frame, a dead connection, or `stop()`.
fn wait(ws: &mut Ws, shared: &Shared, duration: Duration) -> Result<(), End> {
    let deadline = Instant::now() + duration;
    loop {
        if shared.stop.load(Ordering::SeqCst) {
            return Err(End::Stopped);
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(());
        }
        let slice = (deadline - now).min(TICK).max(Duration::from_millis(1));
        if ws.get_ref().tcp().set_read_timeout(Some(slice)).is_err() {
            return Err(End::Gone);
        }
        match ws.read() {
            Ok(Message::Close(_)) => {
                // tungstenite queued the reply; send it and finish.
                let _ = ws.flush();
                return Err(End::Gone);
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if is_timeout(&e) => {}
            Err(_) => return Err(End::Gone),
        }
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}
