//! Everything scanqr sends goes through here: TCP (`tcp`), a proxy's tunnel
//! (`proxy` decides which proxy, `tunnel` talks to it), TLS (`tls`), then
//! the websocket upgrade (`ws`) or one HTTP request (`http`). One deadline
//! bounds all the steps of a connection.

pub mod http;
pub mod proxy;
pub mod tcp;
pub mod tls;
pub mod tunnel;
pub mod ws;

pub use proxy::Proxy;
pub use tcp::{is_tick, Socket, TICK};
pub use ws::{open, upgrade, MAX_MESSAGE};

use crate::url::Endpoint;
use crate::Error;
use std::io::{self, Read, Write};
use std::time::Instant;

pub enum Stream {
    Plain(Socket),
    Tls(Box<tls::TlsStream>),
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

/// How to reach the endpoint: what a connection needs besides its address.
pub struct Dialer {
    /// `None` for `http://`/`ws://` endpoints.
    tls: Option<native_tls::TlsConnector>,
    proxy: Option<Proxy>,
}

impl Dialer {
    /// Load the trust store once, and only when the endpoint needs TLS.
    /// `proxy`: what [`proxy::resolve`] chose for this endpoint.
    pub fn new(endpoint: &Endpoint, ca_file: Option<&std::path::Path>, proxy: Option<Proxy>) -> Result<Dialer, Error> {
        let tls = if endpoint.tls { Some(tls::connector(ca_file)?) } else { None };
        Ok(Dialer { tls, proxy })
    }

    /// The proxy every connection goes through, if any.
    pub fn proxy(&self) -> Option<&Proxy> {
        self.proxy.as_ref()
    }
}

/// TCP to the endpoint, or a tunnel through the proxy to it, then TLS when
/// the endpoint wants it, all by `deadline`. Reads and writes tick every [`TICK`].
pub fn transport(ep: &Endpoint, dialer: &Dialer, deadline: Instant) -> Result<Stream, Error> {
    let sock = match &dialer.proxy {
        Some(proxy) => tunnel::open(proxy, ep, deadline)?,
        None => Socket::connect(tcp::Peer { host: &ep.host, port: ep.port, proxy: None }, deadline)?,
    };
    match &dialer.tls {
        Some(connector) => Ok(Stream::Tls(Box::new(tls::handshake(connector, &ep.host, ep.port, sock, deadline)?))),
        None => Ok(Stream::Plain(sock)),
    }
}
