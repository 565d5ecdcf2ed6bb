//! A minimal HTTP/1.1 client for GREEN-API's methods (`state`, `logout`,
//! `reboot`, pairing codes), over the same transport as the websocket (and
//! so through the same proxy). Response parsing is pure.

use super::tcp::{self, Stop};
use super::{transport, Dialer};
use crate::url::Endpoint;
use crate::Error;
use std::time::Instant;

/// Bodies over this are refused.
pub const MAX_BODY: usize = 64 * 1024;
/// Response heads over this are refused (also a proxy's answer to CONNECT).
pub const MAX_HEAD: usize = 16 * 1024;
/// A chunk-size line (with any chunk extensions) over this is refused.
const MAX_CHUNK_LINE: usize = 1024;
/// Chunked framing (size lines and CRLFs) over this in total is refused, so
/// a body of many tiny chunks cannot hold the reader far past [`MAX_BODY`].
const MAX_CHUNK_OVERHEAD: usize = 64 * 1024;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub status: u16,
    pub body: Vec<u8>,
}

/// What the bytes so far amount to.
#[derive(Debug, PartialEq, Eq)]
pub enum Parse {
    Done(Response),
    /// More bytes needed; `at_eof` said whether the peer has closed.
    Incomplete,
}

/// GET `path` (secret: it holds the token) and return the response.
pub fn get(
    ep: &Endpoint,
    dialer: &Dialer,
    path: &str,
    connect_by: Instant,
    deadline: Instant,
) -> Result<Response, Error> {
    let head = request_head("GET", ep, path, "");
    exchange(ep, dialer, head.into_bytes(), connect_by, deadline)
}

/// POST `body` as JSON to `path` (secret: it holds the token) and return the response.
pub fn post_json(
    ep: &Endpoint,
    dialer: &Dialer,
    path: &str,
    body: &str,
    connect_by: Instant,
    deadline: Instant,
) -> Result<Response, Error> {
    let fields = format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len());
    let mut request = request_head("POST", ep, path, &fields).into_bytes();
    request.extend_from_slice(body.as_bytes());
    exchange(ep, dialer, request, connect_by, deadline)
}

fn request_head(method: &str, ep: &Endpoint, path: &str, fields: &str) -> String {
    format!(
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: scanqr/{}\r\nAccept: application/json\r\n{fields}Connection: close\r\n\r\n",
        ep.host_header(),
        env!("CARGO_PKG_VERSION")
    )
}

/// Connect by `connect_by`, send `request`, read the whole response by `deadline`.
fn exchange(
    ep: &Endpoint,
    dialer: &Dialer,
    request: Vec<u8>,
    connect_by: Instant,
    deadline: Instant,
) -> Result<Response, Error> {
    let mut stream = transport(ep, dialer, connect_by.min(deadline))?;
    let host = &ep.host;
    let fail = |stop: Stop| match stop {
        Stop::Deadline => Error::Network(format!("{host} did not answer in time")),
        Stop::Closed => Error::Network(format!("{host} closed the connection mid-response")),
        Stop::Io(e) => Error::Network(format!("connection to {host} lost during the request: {e}")),
        Stop::Interrupted(sig) => Error::Interrupted(sig),
    };
    tcp::write_all_by(&mut stream, &request, deadline).map_err(fail)?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let n = tcp::read_by(&mut stream, &mut buf, deadline).map_err(fail)?;
        raw.extend_from_slice(buf.get(..n).unwrap_or_default());
        match parse(&raw, n == 0) {
            Ok(Parse::Done(r)) => return Ok(r),
            Ok(Parse::Incomplete) if n == 0 => return Err(fail(Stop::Closed)),
            Ok(Parse::Incomplete) => {}
            Err(why) => return Err(Error::Protocol(format!("{host} sent a bad HTTP response: {why}"))),
        }
    }
}

/// A response's status line and framing, and where its body starts.
#[derive(Debug, PartialEq, Eq)]
pub struct Head {
    pub status: u16,
    /// Bytes of the head, its blank line included.
    pub len: usize,
    length: Option<usize>,
    chunked: bool,
}

/// The head of a response, or `None` while incomplete; at most [`MAX_HEAD`]
/// bytes are ever looked at for its end.
pub fn head(raw: &[u8]) -> Result<Option<Head>, String> {
    let Some(head_end) = find(raw, b"\r\n\r\n") else {
        // The header may still end in the last 3 bytes: only past that is it
        // certainly over the limit (as it would be found when whole).
        return if raw.len() > MAX_HEAD + 3 { Err("header over 16 KiB".into()) } else { Ok(None) };
    };
    if head_end > MAX_HEAD {
        return Err("header over 16 KiB".into());
    }
    let text = std::str::from_utf8(raw.get(..head_end).unwrap_or_default()).map_err(|_| "header is not text")?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let (version, code) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
    if !version.starts_with("HTTP/1.") {
        return Err("not an HTTP/1.x status line".into());
    }
    let status = code.parse::<u16>().ok().filter(|s| (100..1000).contains(s)).ok_or("bad status code")?;
    let (mut length, mut chunked) = (None, false);
    for line in lines {
        let (name, value) = line.split_once(':').ok_or("header line without a colon")?;
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse::<usize>().map_err(|_| "bad Content-Length")?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.to_ascii_lowercase().contains("chunked");
        }
    }
    Ok(Some(Head { status, len: head_end + 4, length, chunked }))
}

/// Parse a response from the bytes read so far: `Content-Length`, chunked, or
/// to the end of the stream. Errors name what is wrong.
///
/// What the caller keeps before an answer is bounded (a header of at most
/// 16 KiB, a body of at most 64 KiB, as much again of chunked framing), and
/// more bytes never turn an error into a response: a prefix of any input that
/// parses to `Done` parses to `Incomplete` or to the same `Done`.
pub fn parse(raw: &[u8], at_eof: bool) -> Result<Parse, String> {
    let Some(Head { status, len, length, chunked }) = head(raw)? else { return Ok(Parse::Incomplete) };
    let rest = raw.get(len..).unwrap_or_default();
    let body = if chunked {
        match dechunk(rest)? {
            Some(body) => body,
            None => return Ok(Parse::Incomplete),
        }
    } else if let Some(n) = length {
        if n > MAX_BODY {
            return Err(format!("body of {n} bytes is over the 64 KiB limit"));
        }
        match rest.get(..n) {
            Some(body) => body.to_vec(),
            None => return Ok(Parse::Incomplete),
        }
    } else if at_eof {
        rest.to_vec()
    } else {
        return if rest.len() > MAX_BODY { Err("body over the 64 KiB limit".into()) } else { Ok(Parse::Incomplete) };
    };
    if body.len() > MAX_BODY {
        return Err("body over the 64 KiB limit".into());
    }
    Ok(Parse::Done(Response { status, body }))
}

/// A chunked body, or `None` while incomplete.
fn dechunk(mut rest: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let mut body = Vec::new();
    let mut overhead = 0usize;
    loop {
        // Look for the line's CRLF only as far as the longest line allowed:
        // a window that full without one is an over-long line.
        let window = rest.get(..MAX_CHUNK_LINE + 2).unwrap_or(rest);
        let Some(line_end) = find(window, b"\r\n") else {
            return if window.len() > MAX_CHUNK_LINE + 1 { Err("chunk-size line over 1 KiB".into()) } else { Ok(None) };
        };
        overhead += line_end + 4;
        if overhead > MAX_CHUNK_OVERHEAD {
            return Err("chunked framing over 64 KiB".into());
        }
        let line = std::str::from_utf8(rest.get(..line_end).unwrap_or_default()).map_err(|_| "bad chunk size")?;
        let size_text = line.split(';').next().unwrap_or_default().trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| "bad chunk size")?;
        if body.len().saturating_add(size) > MAX_BODY {
            return Err("body over the 64 KiB limit".into());
        }
        rest = rest.get(line_end + 2..).unwrap_or_default();
        if size == 0 {
            return Ok(Some(body));
        }
        let Some(chunk) = rest.get(..size) else { return Ok(None) };
        body.extend_from_slice(chunk);
        match rest.get(size..size + 2) {
            Some(b"\r\n") => rest = rest.get(size + 2..).unwrap_or_default(),
            Some(_) => return Err("chunk not followed by CRLF".into()),
            None => return Ok(None),
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn done(raw: &str, eof: bool) -> Response {
        match parse(raw.as_bytes(), eof) {
            Ok(Parse::Done(r)) => r,
            other => panic!("{raw:?}: {other:?}"),
        }
    }

    #[test]
    fn request_heads_name_the_host_and_close() {
        let ep = Endpoint::parse("http://h:1").unwrap_or_else(|e| unreachable!("{e}"));
        let get = request_head("GET", &ep, "/p", "");
        assert!(get.starts_with("GET /p HTTP/1.1\r\nHost: h:1\r\n") && get.ends_with("Connection: close\r\n\r\n"));
        assert!(!get.contains("Content-"));
        let post = request_head("POST", &ep, "/p", "Content-Length: 2\r\n");
        assert!(post.starts_with("POST /p HTTP/1.1\r\n") && post.contains("\r\nContent-Length: 2\r\n"), "{post}");
    }

    #[test]
    fn content_length_chunked_and_eof_bodies() {
        let r = done("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", false);
        assert_eq!((r.status, r.body.as_slice()), (200, &b"hello"[..]));
        let r =
            done("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n", false);
        assert_eq!(r.body, b"hello");
        assert_eq!(done("HTTP/1.0 401 Unauthorized\r\n\r\nno", true).status, 401);
    }

    #[test]
    fn incomplete_until_whole() {
        let full = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n";
        for cut in 0..full.len() - 2 {
            assert_eq!(parse(&full.as_bytes()[..cut], false), Ok(Parse::Incomplete), "cut at {cut}");
        }
        assert_eq!(parse(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nshort", false), Ok(Parse::Incomplete));
    }

    #[test]
    fn malformed_and_oversized_are_errors() {
        for bad in [
            "SMTP 220 hi\r\n\r\n",
            "HTTP/1.1 abc OK\r\n\r\n",
            "HTTP/1.1 200 OK\r\nbroken\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 65537\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10001\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n",
        ] {
            assert!(parse(bad.as_bytes(), true).is_err(), "{bad:?}");
        }
        assert!(parse(&vec![b'a'; MAX_HEAD + 4], false).is_err());
        assert_eq!(parse(&vec![b'a'; MAX_HEAD + 3], false), Ok(Parse::Incomplete));
    }

    #[test]
    fn limits_hold_whether_read_whole_or_in_pieces() {
        // A header over the limit is refused even when its end is in view.
        let long_head = format!("HTTP/1.1 200 OK\r\nX: {}\r\nContent-Length: 0\r\n\r\n", "a".repeat(MAX_HEAD));
        assert!(parse(long_head.as_bytes(), true).is_err());
        let at_limit = format!("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX: {}\r\n\r\n", "a".repeat(MAX_HEAD - 39));
        assert_eq!(at_limit.len(), MAX_HEAD + 4);
        assert!(matches!(parse(at_limit.as_bytes(), false), Ok(Parse::Done(_))));
        for cut in (0..at_limit.len()).step_by(257).chain(at_limit.len() - 8..at_limit.len()) {
            assert_eq!(parse(&at_limit.as_bytes()[..cut], false), Ok(Parse::Incomplete), "cut at {cut}");
        }
        // An endless chunk-size line, or endless framing around tiny chunks.
        let chunked = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
        let endless_line = format!("{chunked}1;{}", "x".repeat(MAX_CHUNK_LINE));
        assert!(parse(endless_line.as_bytes(), false).is_err());
        let ok_line = format!("{chunked}1;{}\r\na\r\n0\r\n\r\n", "x".repeat(MAX_CHUNK_LINE - 2));
        assert!(matches!(parse(ok_line.as_bytes(), false), Ok(Parse::Done(r)) if r.body == b"a"));
        let tiny = format!("{chunked}{}", "1;padding-padding-padding\r\na\r\n".repeat(4096));
        assert!(parse(tiny.as_bytes(), false).is_err());
    }
}
