//! A scripted GREEN-API: every request is logged, and a script answers it by
//! the method called and how many times that method was called before.

use super::{Server, INSTANCE, TOKEN};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET` or `POST`.
    pub verb: String,
    /// The API method (`getStateInstance`, `scanqrcode`, ...), or the whole path when it is not one.
    pub call: String,
    /// The header lines, lower-cased.
    pub head: String,
    pub body: String,
}

/// How the script answers.
pub enum Reply {
    Json(u16, String),
    /// Close the connection without an answer.
    Drop,
    /// Accept the websocket upgrade, send these text frames, then wait for the client to leave.
    Ws(Vec<String>),
}

pub fn ok(body: &str) -> Reply {
    Reply::Json(200, body.to_string())
}

pub fn state(s: &str) -> Reply {
    ok(&format!(r#"{{"stateInstance":"{s}"}}"#))
}

pub struct Api {
    pub server: Server,
    log: Arc<Mutex<Vec<Request>>>,
}

impl Api {
    pub fn start(script: impl Fn(&str, usize) -> Reply + Send + Sync + 'static) -> Api {
        let log = Arc::new(Mutex::new(Vec::new()));
        let seen = log.clone();
        let server = Server::raw(move |_, stream| serve(stream, &seen, &script));
        Api { server, log }
    }

    pub fn url(&self) -> String {
        self.server.url()
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    pub fn calls(&self, call: &str) -> usize {
        self.requests().iter().filter(|r| r.call == call).count()
    }
}

fn serve(mut stream: TcpStream, log: &Mutex<Vec<Request>>, script: &dyn Fn(&str, usize) -> Reply) {
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // Peek at the request line: a websocket upgrade is left whole for tungstenite.
    let mut first = [0u8; 1024];
    let n = stream.peek(&mut first).unwrap_or(0);
    let line = String::from_utf8_lossy(&first[..n]).to_string();
    let request = if line.contains("/scanqrcode/") {
        Request { verb: "GET".into(), call: call_of(line.split(' ').nth(1).unwrap_or("")), head: line, body: "".into() }
    } else {
        match read_request(&mut stream) {
            Some(r) => r,
            None => return,
        }
    };
    let n = {
        let mut log = log.lock().unwrap();
        let n = log.iter().filter(|r| r.call == request.call).count();
        log.push(request.clone());
        n
    };
    match script(&request.call, n) {
        Reply::Json(status, body) => {
            let answer = format!(
                "HTTP/1.1 {status} Scripted\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
        Reply::Drop => {}
        Reply::Ws(frames) => {
            if let Ok(mut ws) = tungstenite::accept(stream) {
                for f in frames {
                    super::text(&mut ws, &f);
                }
                super::linger(&mut ws, Duration::from_secs(10));
            }
        }
    }
}

/// `/waInstance{ID}/{call}/{TOKEN}` to `call`; any other path as it is.
fn call_of(path: &str) -> String {
    let parts: Vec<&str> = path.split('/').collect();
    match parts[..] {
        ["", id, call, token] if id == format!("waInstance{INSTANCE}") && token == TOKEN => call.to_string(),
        _ => path.to_string(),
    }
}

fn read_request(stream: &mut TcpStream) -> Option<Request> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut buf).ok().filter(|&n| n > 0)?;
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..head_end]).to_string();
    let length = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap()))
        .unwrap_or(0);
    while raw.len() < head_end + 4 + length {
        let n = stream.read(&mut buf).ok().filter(|&n| n > 0)?;
        raw.extend_from_slice(&buf[..n]);
    }
    let mut words = head.split(' ');
    let (verb, path) = (words.next()?.to_string(), words.next()?.to_string());
    let body = String::from_utf8_lossy(&raw[head_end + 4..head_end + 4 + length]).to_string();
    Some(Request { verb, call: call_of(&path), head: head.to_ascii_lowercase(), body })
}
