//! Just enough HTTP/1.1 to read one request head and write one small response.

use std::io::{self, Read, Write};

/// The most a request head may take; more is answered with 431 and dropped.
pub(crate) const MAX_HEAD: usize = 16 * 1024;

/// One parsed request head.
#[derive(Debug)]
pub(crate) struct Request {
    pub method: String,
    /// The path, without query string or fragment.
    pub path: String,
    /// Header names in lower case, values trimmed.
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    /// Whether header `name` holds `token` in its comma-separated list (case-insensitive).
    pub fn header_has_token(&self, name: &str, token: &str) -> bool {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    }
}

/// Why no request could be read.
#[derive(Debug)]
pub(crate) enum HeadError {
    /// The connection ended, failed or timed out: nothing to answer.
    Io,
    /// The head grew past [`MAX_HEAD`].
    TooLarge,
    /// Not a request we can parse.
    Malformed,
}

/// Reads one request head; returns it with whatever bytes came after it.
pub(crate) fn read_head<S: Read>(stream: &mut S) -> Result<(Request, Vec<u8>), HeadError> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        let n = match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return Err(HeadError::Io),
            Ok(n) => n,
        };
        let searched_from = buf.len().saturating_sub(3);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(pos) = find(&buf[searched_from..], b"\r\n\r\n") {
            let end = searched_from + pos + 4;
            let rest = buf.split_off(end);
            let request = parse(&buf).ok_or(HeadError::Malformed)?;
            return Ok((request, rest));
        }
        if buf.len() > MAX_HEAD {
            return Err(HeadError::TooLarge);
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse(head: &[u8]) -> Option<Request> {
    let text = std::str::from_utf8(head).ok()?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let target = first.next()?;
    let version = first.next()?;
    if method.is_empty() || !version.starts_with("HTTP/1.") || first.next().is_some() {
        return None;
    }
    let path = target.split(['?', '#']).next().unwrap_or("").to_string();
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
    }
    Some(Request { method, path, headers })
}

/// The most a request body may take; more is answered with 413.
pub(crate) const MAX_BODY: usize = 16 * 1024;

/// Why no request body could be read.
#[derive(Debug)]
pub(crate) enum BodyError {
    /// The connection ended, failed or timed out before the body was complete.
    Io,
    /// Content-Length is over [`MAX_BODY`].
    TooLarge,
    /// Content-Length is not a number.
    BadLength,
}

/// Reads the body announced by Content-Length (none: empty), starting with
/// `rest`, the bytes read along with the head.
pub(crate) fn read_body<S: Read>(stream: &mut S, request: &Request, mut rest: Vec<u8>) -> Result<Vec<u8>, BodyError> {
    let length = match request.header("content-length") {
        None => 0,
        Some(v) => v.parse::<usize>().map_err(|_| BodyError::BadLength)?,
    };
    if length > MAX_BODY {
        return Err(BodyError::TooLarge);
    }
    rest.truncate(length);
    let missing = (length - rest.len()) as u64;
    stream.by_ref().take(missing).read_to_end(&mut rest).map_err(|_| BodyError::Io)?;
    if rest.len() < length {
        return Err(BodyError::Io);
    }
    Ok(rest)
}

/// The reason phrase for the statuses this server uses.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        _ => "Error",
    }
}

/// Writes a complete response with a JSON body and `Connection: close`.
pub(crate) fn respond<S: Write>(stream: &mut S, status: u16, body: &str) -> io::Result<()> {
    write_response(stream, status, "", body)
}

/// 405, naming the one method `allow`ed.
pub(crate) fn method_not_allowed<S: Write>(stream: &mut S, allow: &str) -> io::Result<()> {
    write_response(stream, 405, &format!("Allow: {allow}\r\n"), r#"{"error":"method not allowed"}"#)
}

fn write_response<S: Write>(stream: &mut S, status: u16, extra_headers: &str, body: &str) -> io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra_headers}Connection: close\r\n\r\n",
        reason(status),
        body.len()
    );
    let mut out = head.into_bytes();
    out.extend_from_slice(body.as_bytes());
    stream.write_all(&out)?;
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_head_and_keeps_the_rest() {
        let raw =
            b"GET /a/b?x=1 HTTP/1.1\r\nHost: h\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n\r\nXYZ";
        let (req, rest) = read_head(&mut &raw[..]).unwrap();
        assert_eq!(req.method, "GET");
        assert_eq!(req.path, "/a/b");
        assert_eq!(req.header("host"), Some("h"));
        assert!(req.header_has_token("connection", "upgrade"));
        assert!(req.header_has_token("upgrade", "websocket"));
        assert_eq!(rest, b"XYZ");
    }

    #[test]
    fn rejects_garbage_and_huge_heads() {
        assert!(matches!(read_head(&mut &b"\x00\x01\r\n\r\n"[..]), Err(HeadError::Malformed)));
        assert!(matches!(read_head(&mut &b"GET / HTTP/1.1\r\n"[..]), Err(HeadError::Io)));
        let huge = vec![b'a'; MAX_HEAD + 10];
        assert!(matches!(read_head(&mut &huge[..]), Err(HeadError::TooLarge)));
    }

    fn request(content_length: Option<&str>) -> Request {
        let headers = content_length.map(|v| ("content-length".to_string(), v.to_string())).into_iter().collect();
        Request { method: "POST".into(), path: "/".into(), headers }
    }

    #[test]
    fn reads_a_body_by_its_length() {
        let body = read_body(&mut &b"lo, and more"[..], &request(Some("5")), b"hel".to_vec()).unwrap();
        assert_eq!(body, b"hello");
        assert_eq!(read_body(&mut &b"x"[..], &request(Some("2")), b"abc".to_vec()).unwrap(), b"ab");
        assert_eq!(read_body(&mut &b"x"[..], &request(None), Vec::new()).unwrap(), b"");
        assert!(matches!(read_body(&mut &b"ab"[..], &request(Some("5")), Vec::new()), Err(BodyError::Io)));
        assert!(matches!(read_body(&mut &b""[..], &request(Some("-1")), Vec::new()), Err(BodyError::BadLength)));
        let huge = (MAX_BODY + 1).to_string();
        assert!(matches!(read_body(&mut &b""[..], &request(Some(&huge)), Vec::new()), Err(BodyError::TooLarge)));
    }
}
