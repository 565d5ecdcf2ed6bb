//! The server's life: binding, the accept loop, one thread per connection,
//! the registry of live sockets, and a stop that returns promptly.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::Duration;

use tungstenite::Utf8Bytes;

use crate::instance::Instance;
use crate::{http, routes, scenario, tls, Options};

/// How long a client may take to send its request head, body and TLS handshake.
const HEAD_TIMEOUT: Duration = Duration::from_secs(5);
/// How long one write may block on a client that does not read.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more are closed at once.
const MAX_LIVE: usize = 512;

/// A running emulator. Stops on [`Server::stop`] or when dropped.
pub struct Server {
    port: u16,
    ca_dir: Option<PathBuf>,
    ca_path: Option<PathBuf>,
    shared: Arc<Shared>,
    accept_thread: Option<JoinHandle<()>>,
}

/// What the accept loop and the connection threads share.
pub(crate) struct Shared {
    pub options: Options,
    pub instance: Mutex<Instance>,
    pub stop: AtomicBool,
    /// Websocket upgrades accepted.
    pub connections: AtomicUsize,
    /// Websocket requests fully answered (see `Server::sessions_finished`).
    pub finished: AtomicUsize,
    pub code_requests: AtomicUsize,
    pub reboots: AtomicUsize,
    /// Seeds for fresh pairing strings and codes.
    seed: AtomicU64,
    pub flood_frames: OnceLock<Vec<Utf8Bytes>>,
    acceptor: Option<native_tls::TlsAcceptor>,
    live: Registry,
    threads: Mutex<Vec<JoinHandle<()>>>,
}

impl Shared {
    pub fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }

    pub fn next_seed(&self) -> u64 {
        self.seed.fetch_add(1, Ordering::SeqCst)
    }

    /// Runs `f` on the instance; `None` only if a thread panicked holding it.
    pub fn with_instance<R>(&self, f: impl FnOnce(&mut Instance) -> R) -> Option<R> {
        self.instance.lock().ok().map(|mut instance| f(&mut instance))
    }
}

impl Server {
    /// Binds `127.0.0.1:opts.port`, starts serving in background threads and
    /// returns once listening. With `opts.tls` it first makes a certificate
    /// and writes its CA to a fresh temporary directory.
    pub fn start(opts: Options) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", opts.port))?;
        let port = listener.local_addr()?.port();
        let (acceptor, ca_dir) = if opts.tls { tls_setup().map(|(a, d)| (Some(a), Some(d)))? } else { (None, None) };
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0);
        let shared = Arc::new(Shared {
            instance: Mutex::new(Instance::new(opts.state.clone())),
            options: opts,
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
            finished: AtomicUsize::new(0),
            code_requests: AtomicUsize::new(0),
            reboots: AtomicUsize::new(0),
            seed: AtomicU64::new(nanos ^ (u64::from(port) << 48)),
            flood_frames: OnceLock::new(),
            acceptor,
            live: Registry::default(),
            threads: Mutex::new(Vec::new()),
        });
        // Before the first client, so a benchmark does not time it.
        scenario::prepare(&shared);

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
        let ca_path = ca_dir.as_ref().map(|dir| dir.join("ca.pem"));
        Ok(Server { port, ca_dir, ca_path, shared, accept_thread: Some(accept_thread) })
    }

    /// `http://127.0.0.1:PORT`, or `https://…` with TLS: the client's `--api-url`.
    pub fn api_url(&self) -> String {
        let scheme = if self.shared.options.tls { "https" } else { "http" };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// The full websocket URL of the scanqrcode endpoint (`ws://` or `wss://`).
    pub fn ws_url(&self) -> String {
        let scheme = if self.shared.options.tls { "wss" } else { "ws" };
        let Options { instance, token, .. } = &self.shared.options;
        format!("{scheme}://127.0.0.1:{}/waInstance{instance}/scanqrcode/{token}", self.port)
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
    /// [`Scenario::Reject`](crate::Scenario::Reject), upgrades refused with
    /// 401. Drop's deliberate first drop is not counted. (The binary's
    /// `--once` waits for this.)
    pub fn sessions_finished(&self) -> usize {
        self.shared.finished.load(Ordering::SeqCst)
    }

    /// How many getAuthorizationCode requests came with the right id, token
    /// and method, whatever their body.
    pub fn authorization_code_requests(&self) -> usize {
        self.shared.code_requests.load(Ordering::SeqCst)
    }

    /// How many reboot requests came with the right id and token.
    pub fn reboots(&self) -> usize {
        self.shared.reboots.load(Ordering::SeqCst)
    }

    /// The `stateInstance` getStateInstance would answer now.
    pub fn state(&self) -> String {
        let now = std::time::Instant::now();
        self.shared.with_instance(|i| i.state(now).to_string()).unwrap_or_default()
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
        self.shared.live.shut_all();
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

/// A fresh certificate, its acceptor, and the temporary directory its CA
/// is written to (as `ca.pem`).
fn tls_setup() -> io::Result<(native_tls::TlsAcceptor, PathBuf)> {
    let material = tls::generate()?;
    let acceptor = tls::acceptor(&material)?;
    let dir = make_temp_dir()?;
    if let Err(e) = std::fs::write(dir.join("ca.pem"), &material.ca_pem) {
        let _ = std::fs::remove_dir_all(&dir);
        return Err(e);
    }
    Ok((acceptor, dir))
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
        if shared.stopping() {
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

/// Clones of the live sockets, so `stop()` can shut them down.
#[derive(Default)]
struct Registry {
    sockets: Mutex<HashMap<u64, TcpStream>>,
    next_id: AtomicU64,
}

impl Registry {
    /// Keeps a clone of `tcp` until the returned guard is dropped.
    fn register(&self, tcp: &TcpStream) -> Option<Registered<'_>> {
        let clone = tcp.try_clone().ok()?;
        let id = self.next_id.fetch_add(1, Ordering::SeqCst);
        self.sockets.lock().ok()?.insert(id, clone);
        Some(Registered { registry: self, id })
    }

    fn shut_all(&self) {
        if let Ok(sockets) = self.sockets.lock() {
            for stream in sockets.values() {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }
}

/// Unregisters a live socket when its connection thread ends.
struct Registered<'a> {
    registry: &'a Registry,
    id: u64,
}

impl Drop for Registered<'_> {
    fn drop(&mut self) {
        if let Ok(mut sockets) = self.registry.sockets.lock() {
            sockets.remove(&self.id);
        }
    }
}

/// A connection, plain or TLS: the server's side of each client, and the
/// client side in tests.
pub enum Conn {
    Plain(TcpStream),
    Tls(Box<native_tls::TlsStream<TcpStream>>),
}

impl Conn {
    /// The TCP socket under it.
    pub fn tcp(&self) -> &TcpStream {
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
    let Some(_registered) = shared.live.register(&tcp) else { return };
    // Registered before this check, so `stop()` either sees the socket or we see the flag.
    if shared.stopping() {
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
    routes::route(conn, &request, rest, shared);
}
