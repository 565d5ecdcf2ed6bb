//! Scripted servers on 127.0.0.1. A script runs on its own thread, where a
//! failed assertion would be lost: every panic there is recorded, and the
//! test fails when the [`Server`] is dropped (or at [`Server::check`]).

use super::{INSTANCE, TOKEN};
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

/// A server on 127.0.0.1 that runs `script` for each accepted TCP connection
/// (the argument is the connection's number, from 0).
pub struct Server {
    pub port: u16,
    accepted: Arc<AtomicUsize>,
    failures: Failures,
    stop: Arc<AtomicBool>,
}

/// What went wrong on the server's threads, one line a failure.
type Failures = Arc<Mutex<Vec<String>>>;

impl Server {
    pub fn raw(script: impl Fn(usize, TcpStream) + Send + Sync + 'static) -> Server {
        Server::raw_on(TcpListener::bind("127.0.0.1:0").unwrap(), script)
    }

    /// Like [`Server::raw`], on a listener the caller set up (socket options, say).
    pub fn raw_on(listener: TcpListener, script: impl Fn(usize, TcpStream) + Send + Sync + 'static) -> Server {
        Server::start(listener, Failures::default(), script)
    }

    fn start(
        listener: TcpListener,
        failures: Failures,
        script: impl Fn(usize, TcpStream) + Send + Sync + 'static,
    ) -> Server {
        let port = listener.local_addr().unwrap().port();
        let (accepted, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let (count, failed, stopped) = (accepted.clone(), failures.clone(), stop.clone());
        let script = Arc::new(script);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if stopped.load(Ordering::SeqCst) {
                    return;
                }
                let i = count.fetch_add(1, Ordering::SeqCst);
                let (script, failed) = (script.clone(), failed.clone());
                thread::spawn(move || {
                    // Held until the failure is recorded: the client sees no
                    // hang-up, and the test no end, before it is.
                    let _open = stream.try_clone();
                    if let Err(p) = std::panic::catch_unwind(AssertUnwindSafe(|| script(i, stream))) {
                        failed.lock().unwrap().push(format!("connection {i}: {}", panic_message(&*p)));
                    }
                });
            }
        });
        Server { port, accepted, failures, stop }
    }

    /// A websocket server: accepts the upgrade when the path holds the
    /// instance and token (else answers 400 and fails the test), then runs
    /// `script` on the socket.
    pub fn ws(script: impl Fn(usize, &mut WebSocket<TcpStream>) + Send + Sync + 'static) -> Server {
        let failures = Failures::default();
        let failed = failures.clone();
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        Server::start(listener, failures, move |i, stream| {
            let want = format!("/waInstance{INSTANCE}/scanqrcode/{TOKEN}");
            #[allow(clippy::result_large_err)] // tungstenite's callback signature
            let check = |req: &tungstenite::handshake::server::Request, resp| {
                let path = req.uri().path();
                if path == want {
                    return Ok(resp);
                }
                // Recorded before the client has its answer, so before the run can end.
                failed.lock().unwrap().push(format!("connection {i}: wrong request path {path:?}, want {want:?}"));
                Err(tungstenite::http::Response::builder().status(400).body(Some("wrong path".into())).unwrap())
            };
            if let Ok(mut ws) = tungstenite::accept_hdr(stream, check) {
                script(i, &mut ws);
            }
        })
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// Fail the test if a script panicked (an assertion in a script, a wrong request path).
    pub fn check(&self) {
        let failures = self.failures.lock().unwrap();
        assert!(failures.is_empty(), "the server on port {} failed: {failures:#?}", self.port);
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Wake the accept loop so it sees `stop` and lets the port go.
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if !thread::panicking() {
            self.check();
        }
    }
}

fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    match (p.downcast_ref::<&str>(), p.downcast_ref::<String>()) {
        (Some(s), _) => s.to_string(),
        (_, Some(s)) => s.clone(),
        _ => "a panic without a message".into(),
    }
}

/// The websocket upgrade, in a [`Server::raw`] script that upgrades only
/// some connections; a wrong path fails the test (before any answer).
pub fn upgrade(stream: TcpStream) -> Option<WebSocket<TcpStream>> {
    let want = format!("/waInstance{INSTANCE}/scanqrcode/{TOKEN}");
    #[allow(clippy::result_large_err)] // tungstenite's callback signature
    let check = |req: &tungstenite::handshake::server::Request, resp| {
        assert_eq!(req.uri().path(), want, "wrong request path");
        Ok(resp)
    };
    tungstenite::accept_hdr(stream, check).ok()
}

/// A websocket server that sends `qrs` QR codes, then the account: a login.
pub fn authorize(qrs: u64) -> Server {
    Server::ws(move |_, ws| {
        for i in 0..qrs {
            send_qr(ws, &super::qr_png(i));
        }
        account(ws);
        linger(ws, Duration::from_secs(5));
    })
}

pub fn text(ws: &mut WebSocket<TcpStream>, s: &str) {
    let _ = ws.send(Message::text(s));
}

pub fn send_qr(ws: &mut WebSocket<TcpStream>, png: &[u8]) {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(png);
    text(ws, &format!(r#"{{"type":"qrCode","message":"{b64}"}}"#));
}

pub fn account(ws: &mut WebSocket<TcpStream>) {
    text(
        ws,
        r#"{"type":"accountData","message":{"wid":"79001234567@c.us","pushname":"Ann","proxy":"","webhookUrl":"https://h/x"}}"#,
    );
}

/// Keep the socket open, answering pings, until the client goes away or `max` passes.
pub fn linger(ws: &mut WebSocket<TcpStream>, max: Duration) {
    let _ = ws.get_mut().set_read_timeout(Some(Duration::from_millis(100)));
    let until = Instant::now() + max;
    while Instant::now() < until {
        match ws.read() {
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {}
            Err(_) => return,
        }
    }
}

/// Read an HTTP request head (up to the blank line, 5 s at most) from a raw socket.
pub fn read_head(s: &mut TcpStream) -> String {
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let mut head = Vec::new();
    let mut buf = [0u8; 2048];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[test]
#[should_panic(expected = "wrong request path")]
fn a_wrong_request_path_fails_the_test() {
    let srv = Server::ws(|_, ws| linger(ws, Duration::from_secs(5)));
    let dir = super::scratch("wrong-path");
    let mut cmd = super::command(&dir, &srv.url(), &["--json"]);
    cmd.env("API_TOKEN_INSTANCE", "anotherToken1");
    let run = super::finish(cmd.spawn().unwrap(), Duration::from_secs(20));
    // The client sees the refusal too.
    assert_eq!(run.code, 76, "{run:?}");
}

#[test]
#[should_panic(expected = "connection 0: a script's assertion")]
fn a_failed_assertion_in_a_script_fails_the_test() {
    let srv = Server::raw(|_, _| panic!("a script's assertion"));
    // The server hangs up only once the failure is recorded.
    let _ = TcpStream::connect(("127.0.0.1", srv.port)).unwrap().read(&mut [0u8; 1]);
}
