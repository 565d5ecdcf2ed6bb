//! The trust store and the TLS handshake, driven by hand.
//!
//! TLS is done here with native-tls rather than by tungstenite, so a stalled
//! handshake is a timeout we report, not a panic, and so no library error
//! ever carries the URL (which holds the token).

use super::tcp::{self, Socket, TlsHello};
use crate::Error;
use std::io;
use std::path::Path;
use std::time::Instant;

pub type TlsStream = native_tls::TlsStream<Socket>;

/// The connector: the system's roots, and `--ca-file` when given.
pub fn connector(ca_file: Option<&Path>) -> Result<native_tls::TlsConnector, Error> {
    let mut builder = native_tls::TlsConnector::builder();
    if let Some(path) = ca_file {
        let pem =
            std::fs::read(path).map_err(|e| Error::Config(format!("cannot read --ca-file {}: {e}", path.display())))?;
        let cert = native_tls::Certificate::from_pem(&pem)
            .map_err(|e| Error::Config(format!("--ca-file {} is not a PEM certificate: {e}", path.display())))?;
        builder.add_root_certificate(cert);
    }
    builder.build().map_err(|e| Error::Protocol(format!("cannot set up TLS: {e}")))
}

/// The handshake with `host` (its name is the SNI and the name the
/// certificate must hold), over a socket that may be a proxy's tunnel.
pub fn handshake(
    connector: &native_tls::TlsConnector,
    host: &str,
    port: u16,
    mut sock: Socket,
    deadline: Instant,
) -> Result<TlsStream, Error> {
    sock.expect_tls();
    let mut step = connector.connect(host, sock);
    loop {
        match step {
            Ok(s) => return Ok(s),
            Err(native_tls::HandshakeError::WouldBlock(mid)) => {
                tcp::interrupted()?;
                if tcp::remaining(deadline).is_none() {
                    return Err(Error::Network(format!("TLS handshake with {host} timed out")));
                }
                step = mid.handshake();
            }
            Err(native_tls::HandshakeError::Failure(e)) => return Err(failure(&e, host, port)),
        }
    }
}

fn failure(e: &native_tls::Error, host: &str, port: u16) -> Error {
    let hello = io_cause(e).and_then(|io| io.get_ref()).and_then(|inner| inner.downcast_ref::<TlsHello>());
    match hello {
        Some(TlsHello::PlainHttp) => {
            return Error::Protocol(format!(
                "{} answered the TLS handshake in plain HTTP: it does not speak TLS on that port; \
                 use http:// in --api-url (or the port that serves https)",
                tcp::host_port(host, port)
            ))
        }
        // Retried: a TLS server may drop a connection when busy; but a plain HTTP
        // server waiting for the end of a request head does this too.
        Some(TlsHello::Unanswered) => {
            return Error::Network(format!(
                "{} closed the connection without answering the TLS handshake; \
                 if it serves plain HTTP, use http:// in --api-url",
                tcp::host_port(host, port)
            ))
        }
        None => {}
    }
    match io_cause(e) {
        Some(io) if connection_lost(io) => {
            Error::Network(format!("connection to {host} lost during the TLS handshake: {e}"))
        }
        // OpenSSL reports a peer that hung up mid-handshake as its own error, not an io::Error.
        _ if e.to_string().to_ascii_lowercase().contains("unexpected eof") => {
            Error::Network(format!("connection to {host} lost during the TLS handshake: {e}"))
        }
        _ => Error::Protocol(format!(
            "TLS handshake with {host} failed: {e}; if the server uses a private CA, pass it with --ca-file"
        )),
    }
}

/// The io::Error under a failed handshake, if the socket failed rather than TLS.
fn io_cause(e: &native_tls::Error) -> Option<&io::Error> {
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(io) = s.downcast_ref::<io::Error>() {
            return Some(io);
        }
        source = s.source();
    }
    None
}

/// Whether the connection dropped (reset, hung up) rather than TLS itself
/// failing: the former is a network error, retried.
fn connection_lost(io: &io::Error) -> bool {
    use io::ErrorKind as K;
    matches!(io.kind(), K::ConnectionReset | K::ConnectionAborted | K::BrokenPipe | K::UnexpectedEof)
}
