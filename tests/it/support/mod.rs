//! Shared test helpers: scripted servers on 127.0.0.1 and a runner for the real binary.

pub mod api;
pub mod proxy;
pub mod pty;
pub mod vt;

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};
use tungstenite::{Message, WebSocket};

pub const INSTANCE: &str = "1101000001";
/// Distinctive, so a leak is found wherever it lands.
pub const TOKEN: &str = "Zq7SecretTok3nValue9x";

/// A server on 127.0.0.1 that runs `script` for each accepted TCP connection
/// (the argument is the connection's number, from 0).
pub struct Server {
    pub port: u16,
    pub accepted: Arc<AtomicUsize>,
}

impl Server {
    pub fn raw(script: impl Fn(usize, TcpStream) + Send + Sync + 'static) -> Server {
        Server::raw_on(TcpListener::bind("127.0.0.1:0").unwrap(), script)
    }

    /// Like [`Server::raw`], on a listener the caller set up (socket options, say).
    pub fn raw_on(listener: TcpListener, script: impl Fn(usize, TcpStream) + Send + Sync + 'static) -> Server {
        let port = listener.local_addr().unwrap().port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let count = accepted.clone();
        let script = Arc::new(script);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let i = count.fetch_add(1, Ordering::SeqCst);
                let script = script.clone();
                thread::spawn(move || script(i, stream));
            }
        });
        Server { port, accepted }
    }

    /// A websocket server: accepts the upgrade (checking the path holds the
    /// instance and token), then runs `script` on the socket.
    pub fn ws(script: impl Fn(usize, &mut WebSocket<TcpStream>) + Send + Sync + 'static) -> Server {
        Server::raw(move |i, stream| {
            let want = format!("/waInstance{INSTANCE}/scanqrcode/{TOKEN}");
            let seen = std::sync::Mutex::new(String::new());
            #[allow(clippy::result_large_err)] // tungstenite's callback signature
            let check = |req: &tungstenite::handshake::server::Request, resp| {
                *seen.lock().unwrap() = req.uri().path().to_string();
                Ok(resp)
            };
            let accepted = tungstenite::accept_hdr(stream, check);
            assert_eq!(*seen.lock().unwrap(), want);
            if let Ok(mut ws) = accepted {
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

/// A QR PNG as GREEN-API sends one (276x276 RGBA, version 11).
pub fn qr_png(seed: u64) -> Vec<u8> {
    scanqr_emulator::qr_png(&scanqr_emulator::whatsapp_payload(seed))
}

/// A fresh empty directory for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("scanqr-it-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The finished run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The JSON events on stdout.
    pub fn events(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}")))
            .collect()
    }

    pub fn names(&self) -> Vec<String> {
        self.events().iter().map(|e| e["event"].as_str().unwrap().to_string()).collect()
    }

    pub fn last(&self) -> Value {
        self.events().pop().expect("no events")
    }
}

/// The binary with credentials for the scripted servers, run in `dir`.
/// `SCANQR_WRAPPER` (e.g. `valgrind --error-exitcode=1 -q`) runs the binary under a checker.
pub fn command(dir: &Path, api_url: &str, args: &[&str]) -> Command {
    let wrapper = std::env::var("SCANQR_WRAPPER").unwrap_or_default();
    let mut words = wrapper.split_whitespace();
    let mut cmd = match words.next() {
        Some(program) => {
            let mut c = Command::new(program);
            c.args(words).arg(env!("CARGO_BIN_EXE_scanqr"));
            c
        }
        None => Command::new(env!("CARGO_BIN_EXE_scanqr")),
    };
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("ID_INSTANCE", INSTANCE)
        .env("API_TOKEN_INSTANCE", TOKEN)
        .env("API_URL", api_url)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    cmd
}

/// Wait for a child (killing it after `limit`) and check the token is nowhere in its output.
pub fn finish(mut child: Child, limit: Duration) -> Run {
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let o = thread::spawn(move || {
        let mut s = String::new();
        let _ = out.read_to_string(&mut s);
        s
    });
    let e = thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let until = Instant::now() + limit;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > until {
            let _ = child.kill();
            panic!("scanqr did not finish within {limit:?}");
        }
        thread::sleep(Duration::from_millis(20));
    };
    let run = Run { code: status.code().unwrap_or(-1), stdout: o.join().unwrap(), stderr: e.join().unwrap() };
    assert!(!run.stdout.contains(TOKEN) && !run.stderr.contains(TOKEN), "token leaked: {run:?}");
    run
}

/// Run to the end in `dir` with `--json` unless `human`.
pub fn run_in(dir: &Path, api_url: &str, args: &[&str]) -> Run {
    finish(command(dir, api_url, args).spawn().unwrap(), Duration::from_secs(40))
}

/// Spawn and return the child with a line reader on its stdout.
pub fn spawn(dir: &Path, api_url: &str, args: &[&str]) -> (Child, BufReader<std::process::ChildStdout>) {
    let mut child = command(dir, api_url, args).spawn().unwrap();
    let out = BufReader::new(child.stdout.take().unwrap());
    (child, out)
}

/// Read stdout lines until one contains `needle`; returns the lines read.
pub fn read_until(out: &mut impl BufRead, needle: &str) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let mut line = String::new();
        if out.read_line(&mut line).unwrap() == 0 {
            panic!("stdout ended before {needle:?}: {lines:?}");
        }
        let found = line.contains(needle);
        lines.push(line);
        if found {
            return lines;
        }
    }
}

/// The emulator with the tests' credentials.
pub fn emulator(scenario: scanqr_emulator::Scenario, tls: bool) -> scanqr_emulator::Server {
    scanqr_emulator::Server::start(scanqr_emulator::Options {
        instance: INSTANCE.into(),
        token: TOKEN.into(),
        scenario,
        tls,
        ..Default::default()
    })
    .unwrap()
}

pub fn fast_authorize(qr: usize) -> scanqr_emulator::Scenario {
    scanqr_emulator::Scenario::Authorize { qr, every: Duration::from_millis(50) }
}
