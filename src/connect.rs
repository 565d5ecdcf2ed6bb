//! TCP, TLS and the websocket upgrade, each bounded by one deadline.
//!
//! TLS is done here with native-tls rather than by tungstenite, so a stalled
//! handshake is a timeout we report, not a panic, and so no library error
//! ever carries the URL (which holds the token).

use crate::secret::Token;
use crate::url::Endpoint;
use crate::{signal, Error};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};
use tungstenite::handshake::client::Response;
use tungstenite::handshake::HandshakeError;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::WebSocket;

/// Websocket messages (and frames) over this size are refused unread.
pub const MAX_MESSAGE: usize = 1 << 20;
/// How long one blocking read or handshake step may wait before we look at
/// the deadline and the signal flag again.
pub const TICK: Duration = Duration::from_millis(250);

pub enum Stream {
    Plain(Socket),
    Tls(Box<native_tls::TlsStream<Socket>>),
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.write(buf),
            Stream::Tls(s) => s.write(buf),
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.flush(),
            Stream::Tls(s) => s.flush(),
        }
    }
}

/// The TCP socket under TLS and the websocket.
///
/// OpenSSL's handshake and tungstenite's handshake and frame reader each loop
/// on reads until they have what they need; a server trickling bytes just
/// inside the read timeout would keep them there forever, past every
/// deadline. So a read hands control back, as `WouldBlock`, once [`TICK`] has
/// passed since it last did, and a read or write cut short by a signal
/// (EINTR) is a `WouldBlock` too. All the layers above resume after a
/// `WouldBlock`, so the loops above us see the deadline and the signal flag
/// at least every two ticks, and lose no byte.
#[derive(Debug)]
pub struct Socket {
    tcp: TcpStream,
    yielded: Instant,
}

impl Socket {
    fn new(tcp: TcpStream) -> Socket {
        Socket { tcp, yielded: Instant::now() }
    }

    fn yield_now<T>(&mut self) -> io::Result<T> {
        self.yielded = Instant::now();
        Err(io::ErrorKind::WouldBlock.into())
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.yielded.elapsed() >= TICK {
            return self.yield_now();
        }
        match self.tcp.read(buf) {
            Err(e) if timed_out(&e) || e.kind() == io::ErrorKind::Interrupted => self.yield_now(),
            other => other,
        }
    }
}

impl Write for Socket {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self.tcp.write(buf) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Err(io::ErrorKind::WouldBlock.into()),
            other => other,
        }
    }
    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// How to reach the endpoint: what a connection needs besides its address.
pub struct Dialer {
    /// `None` for `http://`/`ws://` endpoints.
    tls: Option<native_tls::TlsConnector>,
}

impl Dialer {
    /// Load the trust store once, and only when the endpoint needs TLS.
    pub fn new(endpoint: &Endpoint, ca_file: Option<&std::path::Path>) -> Result<Dialer, Error> {
        if !endpoint.tls {
            return Ok(Dialer { tls: None });
        }
        let mut builder = native_tls::TlsConnector::builder();
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .map_err(|e| Error::Config(format!("cannot read --ca-file {}: {e}", path.display())))?;
            let cert = native_tls::Certificate::from_pem(&pem)
                .map_err(|e| Error::Config(format!("--ca-file {} is not a PEM certificate: {e}", path.display())))?;
            builder.add_root_certificate(cert);
        }
        let connector = builder.build().map_err(|e| Error::Protocol(format!("cannot set up TLS: {e}")))?;
        Ok(Dialer { tls: Some(connector) })
    }
}

fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// A read or write that only paused: the socket timeout ticked, or a signal
/// interrupted the call (handlers are installed without SA_RESTART).
pub fn is_tick(e: &io::Error) -> bool {
    timed_out(e) || e.kind() == io::ErrorKind::Interrupted
}

fn remaining(deadline: Instant) -> Option<Duration> {
    deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
}

fn interrupted() -> Result<(), Error> {
    signal::pending().map_or(Ok(()), |sig| Err(Error::Interrupted(sig)))
}

/// Resolve the host and try each address until one connects.
pub fn tcp(ep: &Endpoint, deadline: Instant) -> Result<TcpStream, Error> {
    let (host, port) = (ep.host.clone(), ep.port);
    let resolved = off_thread(deadline, move || (host.as_str(), port).to_socket_addrs().map(Vec::from_iter))?;
    let addrs = match resolved {
        Some(Ok(addrs)) => addrs,
        Some(Err(e)) => {
            return Err(Error::Network(format!("cannot resolve {}: {e}; check --api-url and DNS", ep.host)))
        }
        None => return Err(Error::Network(format!("resolving {} timed out; check DNS", ep.host))),
    };
    let mut last = None;
    for &addr in &addrs {
        let Some(left) = remaining(deadline) else {
            break;
        };
        match off_thread(deadline, move || TcpStream::connect_timeout(&addr, left))? {
            Some(Ok(s)) => {
                let _ = s.set_nodelay(true);
                return Ok(s);
            }
            Some(Err(e)) => last = Some(e),
            None => break,
        }
    }
    Err(Error::Network(match last {
        Some(e) if !timed_out(&e) => format!("cannot connect to {}:{}: {e}", ep.host, ep.port),
        None if addrs.is_empty() => format!("{} resolved to no address", ep.host),
        _ => format!("connecting to {}:{} timed out", ep.host, ep.port),
    }))
}

/// Run a call that takes no timeout of its own (getaddrinfo) or does not stop
/// for a signal (std's connect retries on EINTR) on a thread of its own, and
/// wait for it a tick at a time. `None`: the deadline came first. On the
/// deadline or a signal the thread is left to finish alone; it holds nothing
/// but its own result.
fn off_thread<T: Send + 'static>(
    deadline: Instant,
    call: impl FnOnce() -> T + Send + 'static,
) -> Result<Option<T>, Error> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .spawn(move || {
            let _ = tx.send(call());
        })
        .map_err(|e| Error::Network(format!("cannot start a thread to connect: {e}")))?;
    loop {
        interrupted()?;
        let Some(left) = remaining(deadline) else {
            return Ok(None);
        };
        match rx.recv_timeout(left.min(TICK)) {
            Ok(v) => return Ok(Some(v)),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(None),
        }
    }
}

/// TCP, then TLS when the endpoint wants it. Reads and writes tick every [`TICK`].
pub fn transport(ep: &Endpoint, dialer: &Dialer, deadline: Instant) -> Result<Stream, Error> {
    let tcp = tcp(ep, deadline)?;
    tcp.set_read_timeout(Some(TICK)).map_err(|e| Error::Network(format!("socket setup failed: {e}")))?;
    tcp.set_write_timeout(Some(TICK)).map_err(|e| Error::Network(format!("socket setup failed: {e}")))?;
    let sock = Socket::new(tcp);
    let Some(connector) = &dialer.tls else { return Ok(Stream::Plain(sock)) };
    let mut step = connector.connect(&ep.host, sock);
    loop {
        match step {
            Ok(s) => return Ok(Stream::Tls(Box::new(s))),
            Err(native_tls::HandshakeError::WouldBlock(mid)) => {
                interrupted()?;
                if remaining(deadline).is_none() {
                    return Err(Error::Network(format!("TLS handshake with {} timed out", ep.host)));
                }
                step = mid.handshake();
            }
            Err(native_tls::HandshakeError::Failure(e)) if connection_lost(&e) => {
                return Err(Error::Network(format!("connection to {} lost during the TLS handshake: {e}", ep.host)))
            }
            Err(native_tls::HandshakeError::Failure(e)) => {
                return Err(Error::Protocol(format!(
                    "TLS handshake with {} failed: {e}; if the server uses a private CA, pass it with --ca-file",
                    ep.host
                )))
            }
        }
    }
}

/// Whether a failed TLS handshake is the connection dropping (reset, hung up)
/// rather than TLS itself failing: the former is a network error, retried.
fn connection_lost(e: &native_tls::Error) -> bool {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            use io::ErrorKind as K;
            return matches!(io.kind(), K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof);
        }
        source = s.source();
    }
    // OpenSSL reports a peer that hung up mid-handshake as its own error, not an io::Error.
    e.to_string().to_ascii_lowercase().contains("unexpected eof")
}

/// The websocket upgrade over an open transport.
pub fn upgrade(stream: Stream, url: &str, host: &str, deadline: Instant) -> Result<WebSocket<Stream>, Error> {
    let config = WebSocketConfig::default().max_message_size(Some(MAX_MESSAGE)).max_frame_size(Some(MAX_MESSAGE));
    let mut step = tungstenite::client::client_with_config(url, stream, Some(config));
    loop {
        match step {
            Ok((ws, _)) => return Ok(ws),
            Err(HandshakeError::Interrupted(mid)) => {
                interrupted()?;
                if remaining(deadline).is_none() {
                    return Err(Error::Network(format!("{host} did not answer the websocket upgrade in time")));
                }
                step = mid.handshake();
            }
            Err(HandshakeError::Failure(e)) => return Err(upgrade_error(e, host)),
        }
    }
}

fn upgrade_error(e: tungstenite::Error, host: &str) -> Error {
    use tungstenite::Error as E;
    match e {
        E::Http(resp) => status_error(&resp, host),
        E::Io(io) if timed_out(&io) => Error::Network(format!("{host} did not answer the websocket upgrade in time")),
        E::Io(io) => Error::Network(format!("connection to {host} lost during the websocket upgrade: {io}")),
        E::ConnectionClosed | E::AlreadyClosed => {
            Error::Network(format!("{host} closed the connection during the websocket upgrade"))
        }
        E::HttpFormat(_) | E::Url(_) => {
            Error::Protocol(format!("the websocket upgrade to {host} could not be made: bad request"))
        }
        other => Error::Protocol(format!("{host} answered the websocket upgrade wrongly: {other}")),
    }
}

fn status_error(resp: &Response, host: &str) -> Error {
    let status = resp.status().as_u16();
    match status {
        401 | 403 => Error::Rejected(status),
        _ => Error::Protocol(format!(
            "{host} answered the websocket upgrade with HTTP {status}, not 101: check --api-url (use the apiUrl the GREEN-API console shows for this instance)"
        )),
    }
}

/// Open the websocket: TCP, TLS, upgrade, all within `deadline`.
pub fn open(
    ep: &Endpoint,
    dialer: &Dialer,
    instance: &str,
    token: &Token,
    deadline: Instant,
) -> Result<WebSocket<Stream>, Error> {
    let stream = transport(ep, dialer, deadline)?;
    upgrade(stream, &ep.ws_url(instance, token), &ep.host, deadline)
}
