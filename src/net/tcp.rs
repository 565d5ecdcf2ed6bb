//! DNS and TCP, and reads and writes that never wait past a deadline.
//!
//! Every blocking call here wakes at least every [`TICK`] to look at the
//! deadline and the signal flag: a peer that stalls or trickles bytes costs
//! at most the deadline, never more.

use crate::{signal, Error};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// How long one blocking read or handshake step may wait before we look at
/// the deadline and the signal flag again.
pub const TICK: Duration = Duration::from_millis(250);

/// Who is at the other end, for messages: GREEN-API or a proxy.
#[derive(Debug, Clone, Copy)]
pub struct Peer<'a> {
    pub host: &'a str,
    pub port: u16,
    /// `Some(setting)` for a proxy: where it was set (`--proxy`, `https_proxy`, ...).
    pub proxy: Option<&'a str>,
}

impl Peer<'_> {
    /// `host:port`, or `the proxy host:port`.
    pub fn label(&self) -> String {
        let who = if self.proxy.is_some() { "the proxy " } else { "" };
        format!("{who}{}", host_port(self.host, self.port))
    }

    fn setting(&self) -> &str {
        self.proxy.unwrap_or("--api-url")
    }
}

/// `host:port`, with an IPv6 address in brackets.
pub fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
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
    /// While a TLS handshake waits for the server's first bytes: those seen so far.
    tls_hello: Option<Vec<u8>>,
}

/// What the server's first bytes say about a TLS handshake (see [`Socket::expect_tls`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsHello {
    /// `HTTP/`: a plain HTTP server answering the hello as a bad request.
    PlainHttp,
    /// The connection closed before a byte came back.
    Unanswered,
}

impl std::fmt::Display for TlsHello {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TlsHello::PlainHttp => "the server answered the TLS hello in plain HTTP",
            TlsHello::Unanswered => "the server closed the connection without answering the TLS hello",
        })
    }
}

impl std::error::Error for TlsHello {}

impl Socket {
    fn new(tcp: TcpStream) -> Result<Socket, Error> {
        let setup = |e: io::Error| Error::Network(format!("socket setup failed: {e}"));
        tcp.set_read_timeout(Some(TICK)).map_err(setup)?;
        tcp.set_write_timeout(Some(TICK)).map_err(setup)?;
        let _ = tcp.set_nodelay(true);
        Ok(Socket { tcp, yielded: Instant::now(), tls_hello: None })
    }

    /// Resolve `peer` and connect to the first address that answers, by `deadline`.
    pub fn connect(peer: Peer<'_>, deadline: Instant) -> Result<Socket, Error> {
        let addrs = resolve(peer, deadline)?;
        let mut last = None;
        for &addr in &addrs {
            let Some(left) = remaining(deadline) else { break };
            match off_thread(deadline, move || TcpStream::connect_timeout(&addr, left))? {
                Some(Ok(s)) => return Socket::new(s),
                Some(Err(e)) => last = Some(e),
                None => break,
            }
        }
        Err(Error::Network(match last {
            Some(e) if !timed_out(&e) => format!("cannot connect to {}: {e}", peer.label()),
            None if addrs.is_empty() => format!("{} resolved to no address", peer.label()),
            _ => format!("connecting to {} timed out", peer.label()),
        }))
    }

    /// From now until the server's first 5 bytes, a read that finds them to
    /// be `HTTP/` fails with [`TlsHello::PlainHttp`] (a TLS library would take
    /// them for a broken record), and the end of the stream before any byte
    /// with [`TlsHello::Unanswered`]: either way the message can say why.
    pub fn expect_tls(&mut self) {
        self.tls_hello = Some(Vec::new());
    }

    fn yield_now<T>(&mut self) -> io::Result<T> {
        self.yielded = Instant::now();
        Err(io::ErrorKind::WouldBlock.into())
    }

    fn watch_tls_hello(&mut self, bytes: &[u8]) -> io::Result<()> {
        const HTTP: &[u8] = b"HTTP/";
        let Some(seen) = &mut self.tls_hello else { return Ok(()) };
        if bytes.is_empty() {
            self.tls_hello = None;
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, TlsHello::Unanswered));
        }
        seen.extend(bytes.iter().take(HTTP.len() - seen.len()));
        if seen.as_slice() == HTTP {
            self.tls_hello = None;
            return Err(io::Error::new(io::ErrorKind::InvalidData, TlsHello::PlainHttp));
        }
        if seen.len() == HTTP.len() || !HTTP.starts_with(seen) {
            self.tls_hello = None;
        }
        Ok(())
    }
}

impl Read for Socket {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.yielded.elapsed() >= TICK {
            return self.yield_now();
        }
        match self.tcp.read(buf) {
            Err(e) if timed_out(&e) || e.kind() == io::ErrorKind::Interrupted => self.yield_now(),
            Ok(n) => {
                self.watch_tls_hello(buf.get(..n).unwrap_or_default())?;
                Ok(n)
            }
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

fn timed_out(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}

/// A read or write that only paused: the socket timeout ticked, or a signal
/// interrupted the call (handlers are installed without SA_RESTART).
pub fn is_tick(e: &io::Error) -> bool {
    timed_out(e) || e.kind() == io::ErrorKind::Interrupted
}

pub fn remaining(deadline: Instant) -> Option<Duration> {
    deadline.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
}

pub fn interrupted() -> Result<(), Error> {
    signal::pending().map_or(Ok(()), |sig| Err(Error::Interrupted(sig)))
}

/// The addresses of `peer`, by `deadline`.
pub fn resolve(peer: Peer<'_>, deadline: Instant) -> Result<Vec<SocketAddr>, Error> {
    let (host, port) = (peer.host.to_string(), peer.port);
    match off_thread(deadline, move || (host.as_str(), port).to_socket_addrs().map(Vec::from_iter))? {
        Some(Ok(addrs)) => Ok(addrs),
        Some(Err(e)) => {
            Err(Error::Network(format!("cannot resolve {}: {e}; check {} and DNS", peer.label(), peer.setting())))
        }
        None => Err(Error::Network(format!("resolving {} timed out; check DNS", peer.label()))),
    }
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

/// Why an exchange stopped before it was done.
#[derive(Debug)]
pub enum Stop {
    Deadline,
    /// The peer closed the connection.
    Closed,
    Io(io::Error),
    /// A signal is pending: `Error::Interrupted`, whatever the exchange.
    Interrupted(i32),
}

fn check(deadline: Instant) -> Result<(), Stop> {
    if let Some(sig) = signal::pending() {
        return Err(Stop::Interrupted(sig));
    }
    if remaining(deadline).is_none() {
        return Err(Stop::Deadline);
    }
    Ok(())
}

/// Read what is there (at least one byte; 0 at the end of the stream) by `deadline`.
pub fn read_by(r: &mut impl Read, buf: &mut [u8], deadline: Instant) -> Result<usize, Stop> {
    loop {
        check(deadline)?;
        match r.read(buf) {
            Ok(n) => return Ok(n),
            Err(e) if is_tick(&e) => {}
            Err(e) => return Err(Stop::Io(e)),
        }
    }
}

/// Fill `buf` by `deadline`; the stream ending first is [`Stop::Closed`].
pub fn read_exact_by(r: &mut impl Read, mut buf: &mut [u8], deadline: Instant) -> Result<(), Stop> {
    while !buf.is_empty() {
        match read_by(r, buf, deadline)? {
            0 => return Err(Stop::Closed),
            n => buf = buf.get_mut(n..).unwrap_or_default(),
        }
    }
    Ok(())
}

/// Write all of `bytes` and flush, by `deadline`.
pub fn write_all_by(w: &mut impl Write, mut bytes: &[u8], deadline: Instant) -> Result<(), Stop> {
    while !bytes.is_empty() {
        check(deadline)?;
        match w.write(bytes) {
            Ok(0) => return Err(Stop::Io(io::ErrorKind::WriteZero.into())),
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
            Err(e) if is_tick(&e) => {}
            Err(e) => return Err(Stop::Io(e)),
        }
    }
    loop {
        check(deadline)?;
        match w.flush() {
            Err(e) if is_tick(&e) => {}
            Err(e) => return Err(Stop::Io(e)),
            Ok(()) => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn peers_are_named_for_messages() {
        let api = Peer { host: "api.green-api.com", port: 443, proxy: None };
        let proxy = Peer { host: "::1", port: 3128, proxy: Some("https_proxy") };
        assert_eq!((api.label(), api.setting()), ("api.green-api.com:443".into(), "--api-url"));
        assert_eq!((proxy.label(), proxy.setting()), ("the proxy [::1]:3128".into(), "https_proxy"));
    }

    #[test]
    fn reads_and_writes_end_at_the_deadline() {
        struct Stalled;
        impl Read for Stalled {
            fn read(&mut self, _: &mut [u8]) -> io::Result<usize> {
                std::thread::sleep(Duration::from_millis(5));
                Err(io::ErrorKind::WouldBlock.into())
            }
        }
        impl Write for Stalled {
            fn write(&mut self, _: &[u8]) -> io::Result<usize> {
                self.read(&mut [])
            }
            fn flush(&mut self) -> io::Result<()> {
                Ok(())
            }
        }
        let start = Instant::now();
        let by = start + Duration::from_millis(60);
        assert!(matches!(read_exact_by(&mut Stalled, &mut [0; 4], by), Err(Stop::Deadline)));
        assert!(matches!(write_all_by(&mut Stalled, b"x", by + Duration::from_millis(60)), Err(Stop::Deadline)));
        assert!(start.elapsed() < Duration::from_secs(2));
        let mut short: &[u8] = b"ab";
        assert!(matches!(read_exact_by(&mut short, &mut [0; 4], by + TICK), Err(Stop::Closed)));
    }
}
