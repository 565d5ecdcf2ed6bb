//! The websocket upgrade over an open transport, within the same deadline.

use super::tcp::{self, is_tick};
use super::{transport, Dialer, Stream};
use crate::secret::Token;
use crate::url::Endpoint;
use crate::Error;
use std::time::Instant;
use tungstenite::handshake::client::Response;
use tungstenite::handshake::HandshakeError;
use tungstenite::protocol::WebSocketConfig;
use tungstenite::WebSocket;

/// Websocket messages (and frames) over this size are refused unread.
pub const MAX_MESSAGE: usize = 1 << 20;

/// How much tungstenite reads at a time. Its default, 128 KiB, is zeroed
/// before every read and stays resident; a QR message is about 7 KiB, and a
/// larger one is still read whole (the buffer grows to the frame).
const READ_BUFFER: usize = 16 * 1024;

/// Open the websocket: TCP (through the proxy, if any), TLS, upgrade, all within `deadline`.
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

/// The websocket upgrade over an open transport.
pub fn upgrade(stream: Stream, url: &str, host: &str, deadline: Instant) -> Result<WebSocket<Stream>, Error> {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE))
        .max_frame_size(Some(MAX_MESSAGE))
        .read_buffer_size(READ_BUFFER);
    let mut step = tungstenite::client::client_with_config(url, stream, Some(config));
    loop {
        match step {
            Ok((ws, _)) => return Ok(ws),
            Err(HandshakeError::Interrupted(mid)) => {
                tcp::interrupted()?;
                if tcp::remaining(deadline).is_none() {
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
        E::Io(io) if is_tick(&io) => Error::Network(format!("{host} did not answer the websocket upgrade in time")),
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
