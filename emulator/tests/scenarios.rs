//! Drives the emulator with plain tungstenite / native-tls clients.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use scanqr_emulator::{qr_png, whatsapp_payload, Options, Picture, Scenario, Server};
use serde_json::Value;
use tungstenite::{Message, WebSocket};

const FAST: Duration = Duration::from_millis(40);
const IO_TIMEOUT: Duration = Duration::from_secs(10);

use scanqr_emulator::Conn as Stream;

fn start(scenario: Scenario) -> Server {
    Server::start(Options { scenario, ..Options::default() }).unwrap()
}

fn tcp(server: &Server) -> TcpStream {
    let s = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    s.set_read_timeout(Some(IO_TIMEOUT)).unwrap();
    s.set_write_timeout(Some(IO_TIMEOUT)).unwrap();
    s
}

fn tls_connector(server: &Server) -> native_tls::TlsConnector {
    let pem = std::fs::read(server.ca_pem_path().unwrap()).unwrap();
    native_tls::TlsConnector::builder()
        .add_root_certificate(native_tls::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

fn stream(server: &Server, tls_host: &str) -> Stream {
    let tcp = tcp(server);
    if server.ca_pem_path().is_some() {
        Stream::Tls(Box::new(tls_connector(server).connect(tls_host, tcp).unwrap()))
    } else {
        Stream::Plain(tcp)
    }
}

fn ws_path(instance: &str, token: &str) -> String {
    format!("/waInstance{instance}/scanqrcode/{token}")
}

fn default_path() -> String {
    let o = Options::default();
    ws_path(&o.instance, &o.token)
}

fn try_connect(
    server: &Server,
    path: &str,
) -> Result<WebSocket<Stream>, Box<tungstenite::HandshakeError<tungstenite::ClientHandshake<Stream>>>> {
    let scheme = if server.ca_pem_path().is_some() { "wss" } else { "ws" };
    let url = format!("{scheme}://127.0.0.1:{}{path}", server.port());
    tungstenite::client::client(url, stream(server, "127.0.0.1")).map(|(ws, _)| ws).map_err(Box::new)
}

fn connect(server: &Server) -> WebSocket<Stream> {
    try_connect(server, &default_path()).unwrap()
}

/// What a session delivered.
#[derive(Debug)]
struct Session {
    /// Every text frame, parsed.
    frames: Vec<Value>,
    /// Whether it ended with a close frame (rather than a dropped connection).
    closed_cleanly: bool,
}

impl Session {
    fn qr_count(&self) -> usize {
        self.frames.iter().filter(|f| f["type"] == "qrCode").count()
    }
    fn last_type(&self) -> &str {
        self.frames.last().and_then(|f| f["type"].as_str()).unwrap_or("")
    }
}

fn read_session(ws: &mut WebSocket<Stream>) -> Session {
    let mut frames = Vec::new();
    loop {
        match ws.read() {
            Ok(Message::Text(t)) => frames.push(serde_json::from_str(t.as_str()).unwrap()),
            Ok(Message::Close(_)) => {
                // Drive the close handshake to its end.
                loop {
                    match ws.read() {
                        Ok(_) => continue,
                        Err(tungstenite::Error::ConnectionClosed) => break,
                        Err(e) => panic!("after close: {e}"),
                    }
                }
                return Session { frames, closed_cleanly: true };
            }
            Ok(_) => {}
            Err(tungstenite::Error::Io(e)) if e.kind() == std::io::ErrorKind::WouldBlock => {
                panic!("timed out waiting for frames: {e}")
            }
            Err(_) => return Session { frames, closed_cleanly: false },
        }
    }
}

fn decode_png(bytes: &[u8]) -> (u32, u32) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    (info.width, info.height)
}

/// Checks every qrCode frame holds GREEN-API's 276x276 PNG; returns how many
/// distinct ones there are. (Equal frames are decoded once.)
fn check_qr_frames(session: &Session) -> usize {
    let distinct: std::collections::HashSet<&str> =
        session.frames.iter().filter(|f| f["type"] == "qrCode").map(|f| f["message"].as_str().unwrap()).collect();
    for b64 in &distinct {
        assert_eq!(decode_png(&STANDARD.decode(b64).unwrap()), (276, 276));
    }
    distinct.len()
}

/// A raw HTTP GET; returns status and body.
fn http_get(server: &Server, path: &str) -> (u16, String) {
    let mut s = stream(server, "localhost");
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

fn api_path(method: &str) -> String {
    let o = Options::default();
    format!("/waInstance{}/{method}/{}", o.instance, o.token)
}

#[test]
fn authorize_sends_fresh_qr_codes_then_account_data() {
    let server = start(Scenario::Authorize { qr: 3, every: FAST });
    assert!(server.api_url().starts_with("http://127.0.0.1:"));
    assert!(server.ca_pem_path().is_none());
    let mut ws = connect(&server);
    // A ping mid-session is answered, and does not disturb the scenario.
    ws.send(Message::Ping(vec![1, 2, 3].into())).unwrap();
    let session = read_session(&mut ws);
    assert_eq!(session.qr_count(), 3);
    assert_eq!(check_qr_frames(&session), 3, "each QR is new");
    assert_eq!(session.last_type(), "accountData");
    let last = session.frames.last().unwrap();
    assert_eq!(last["message"]["wid"], "79001234567@c.us");
    assert_eq!(session.frames.len(), 4);
    assert!(session.closed_cleanly);
    assert_eq!(server.connections(), 1);
    // A logged-in instance reports itself authorized.
    let (status, body) = http_get(&server, &api_path("getStateInstance"));
    assert_eq!((status, body.as_str()), (200, r#"{"stateInstance":"authorized"}"#));
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.sessions_finished() < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.sessions_finished(), 1);
}

#[test]
fn timeout_already_and_error_outcomes() {
    let server = start(Scenario::Timeout { qr: 2, every: FAST });
    let session = read_session(&mut connect(&server));
    assert_eq!(session.qr_count(), 2);
    assert_eq!(check_qr_frames(&session), 2);
    assert_eq!(session.last_type(), "timeoutExpired");
    assert!(session.closed_cleanly);

    let server = start(Scenario::Already);
    let session = read_session(&mut connect(&server));
    assert_eq!(session.frames.len(), 1);
    assert_eq!(session.last_type(), "alreadyLogged");
    assert_eq!(session.frames[0]["message"], "instance account already authorized");

    let server = start(Scenario::Error("Instance is not found".into()));
    let session = read_session(&mut connect(&server));
    assert_eq!(session.frames.len(), 1);
    assert_eq!(session.last_type(), "error");
    assert_eq!(session.frames[0]["message"], "Instance is not found");
    assert!(session.closed_cleanly);
}

fn expect_http_error(server: &Server, path: &str, status: u16) {
    match try_connect(server, path).map_err(|e| *e) {
        Err(tungstenite::HandshakeError::Failure(tungstenite::Error::Http(response))) => {
            assert_eq!(response.status().as_u16(), status, "{path}")
        }
        Err(e) => panic!("{path}: unexpected error {e}"),
        Ok(_) => panic!("{path}: upgrade unexpectedly accepted"),
    }
}

#[test]
fn reject_wrong_credentials_and_unknown_paths() {
    let server = start(Scenario::Reject);
    expect_http_error(&server, &default_path(), 401);
    assert_eq!(server.connections(), 0);
    // The HTTP API still answers.
    assert_eq!(http_get(&server, &api_path("getStateInstance")).0, 200);

    let server = start(Scenario::Already);
    let o = Options::default();
    expect_http_error(&server, &ws_path(&o.instance, "wrongtoken"), 401);
    expect_http_error(&server, &ws_path("1101000002", &o.token), 401);
    expect_http_error(&server, "/somewhere/else", 404);
    expect_http_error(&server, &format!("/waInstance{}/nope/{}", o.instance, o.token), 404);
    assert_eq!(server.connections(), 0);
    let wrong = format!("/waInstance{}/getStateInstance/wrongtoken", o.instance);
    assert_eq!(http_get(&server, &wrong).0, 401);
    assert_eq!(http_get(&server, "/").0, 404);
    // Plain GET on the websocket path is a bad request, not a hang.
    assert_eq!(http_get(&server, &default_path()).0, 400);
    // And the right credentials still work.
    assert_eq!(read_session(&mut connect(&server)).last_type(), "alreadyLogged");
    assert_eq!(server.connections(), 1);
}

#[test]
fn state_and_logout_endpoints() {
    let server =
        Server::start(Options { scenario: Scenario::Already, state: "blocked".into(), ..Options::default() }).unwrap();
    let (status, body) = http_get(&server, &api_path("getStateInstance"));
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["stateInstance"], "blocked");
    let (status, body) = http_get(&server, &api_path("logout"));
    assert_eq!(status, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["isLogout"], true);
    let (_, body) = http_get(&server, &api_path("getStateInstance"));
    assert_eq!(body, r#"{"stateInstance":"notAuthorized"}"#);
}

#[test]
fn tls_with_the_generated_ca() {
    let server = Server::start(Options {
        scenario: Scenario::Authorize { qr: 1, every: FAST },
        tls: true,
        ..Options::default()
    })
    .unwrap();
    assert!(server.api_url().starts_with("https://127.0.0.1:"));
    let ca = server.ca_pem_path().unwrap().to_path_buf();
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));

    let session = read_session(&mut connect(&server));
    assert_eq!(session.qr_count(), 1);
    assert_eq!(check_qr_frames(&session), 1);
    assert_eq!(session.last_type(), "accountData");
    assert!(session.closed_cleanly);

    // The certificate is valid for "localhost" too, and serves the HTTP API.
    let (status, body) = http_get(&server, &api_path("getStateInstance"));
    assert_eq!((status, body.as_str()), (200, r#"{"stateInstance":"authorized"}"#));

    // Without the CA the handshake fails (and the server shrugs it off).
    let plain = native_tls::TlsConnector::new().unwrap();
    assert!(plain.connect("127.0.0.1", tcp(&server)).is_err());
    // A plain-text client against the TLS port gets nothing useful, and no hang.
    let mut raw = tcp(&server);
    raw.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let mut sink = Vec::new();
    let _ = raw.read_to_end(&mut sink);
    assert!(!String::from_utf8_lossy(&sink).contains("HTTP/1.1 404"));

    server.stop();
    assert!(!ca.exists(), "the CA file is removed on stop");
    assert!(!ca.parent().unwrap().exists(), "and its directory");
}

#[test]
fn drop_cuts_the_first_connection_then_authorizes() {
    let server = start(Scenario::Drop { qr: 2, every: FAST });
    let first = read_session(&mut connect(&server));
    assert_eq!(first.qr_count(), 1);
    assert_eq!(check_qr_frames(&first), 1);
    assert!(!first.closed_cleanly, "no close frame on the first connection");
    assert_eq!(server.connections(), 1);

    let second = read_session(&mut connect(&server));
    assert_eq!(second.qr_count(), 2);
    assert_eq!(second.last_type(), "accountData");
    assert!(second.closed_cleanly);
    assert_eq!(server.connections(), 2);

    let third = read_session(&mut connect(&server));
    assert_eq!(third.last_type(), "accountData");
    assert_eq!(server.connections(), 3);
}

#[test]
fn flood_sends_n_frames_back_to_back() {
    let server = start(Scenario::Flood(1000));
    let started = Instant::now();
    let session = read_session(&mut connect(&server));
    assert_eq!(session.qr_count(), 1000);
    assert_eq!(session.frames.len(), 1001);
    assert_eq!(session.last_type(), "accountData");
    assert!(session.closed_cleanly);
    let distinct = check_qr_frames(&session);
    assert!((2..=16).contains(&distinct), "{distinct} distinct PNGs");
    assert!(started.elapsed() < Duration::from_secs(20));
}

#[test]
fn stop_is_prompt_with_clients_mid_session() {
    let server = start(Scenario::Authorize { qr: 5, every: Duration::from_secs(30) });
    let mut ws = connect(&server);
    assert!(matches!(ws.read().unwrap(), Message::Text(_)));
    // An idle client that never sends its request head.
    let _idle = tcp(&server);
    // A client that sent half a head.
    let mut half = tcp(&server);
    half.write_all(b"GET /waInstance").unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let started = Instant::now();
    server.stop();
    assert!(started.elapsed() < Duration::from_secs(2), "stop took {:?}", started.elapsed());
    // The websocket client sees its connection end rather than hang.
    assert!(ws.read().is_err());
}

#[test]
fn client_leaving_early_ends_the_session() {
    let server = start(Scenario::Authorize { qr: 100, every: Duration::from_millis(20) });
    let mut ws = connect(&server);
    assert!(matches!(ws.read().unwrap(), Message::Text(_)));
    ws.close(None).unwrap();
    let _ = read_session(&mut ws);
    let deadline = Instant::now() + Duration::from_secs(3);
    while server.sessions_finished() < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.sessions_finished(), 1);
}

#[test]
fn bad_input_is_answered_not_panicked_on() {
    let server = start(Scenario::Already);
    // Garbage request line.
    let mut s = tcp(&server);
    s.write_all(b"\x16\x03\x01garbage\r\n\r\n").unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 400"), "{out:?}");
    // An endless head.
    let mut s = tcp(&server);
    let big = format!("GET / HTTP/1.1\r\nX: {}\r\n", "a".repeat(20_000));
    let _ = s.write_all(big.as_bytes());
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 431"), "{out:?}");
    // Upgrade without a key.
    let mut s = tcp(&server);
    write!(s, "GET {} HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", default_path()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    assert!(out.starts_with("HTTP/1.1 400"), "{out:?}");
    // Still serving.
    assert_eq!(read_session(&mut connect(&server)).last_type(), "alreadyLogged");
}

#[test]
fn payloads_and_pngs() {
    let a = whatsapp_payload(1);
    assert!(a.starts_with("2@") && a.split(',').count() == 4);
    assert_eq!(a.len(), 217);
    assert_ne!(a, whatsapp_payload(2));
    assert_eq!(decode_png(&qr_png(&a)), (276, 276));
}

#[test]
fn default_options() {
    let o = Options::default();
    assert_eq!(o.instance, "1101000001");
    assert!(o.token.len() >= 40 && o.token.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(o.scenario, Scenario::Authorize { qr: 3, every: Duration::from_secs(1) });
    assert!(!o.tls);
    assert_eq!(o.port, 0);
    assert_eq!(o.state, "authorized");
    assert_eq!(o.picture, Picture::GreenApi);
    assert_eq!((o.code, o.code_fails, o.reboot_fails), (None, false, false));
    assert_eq!(o.authorize_after, Duration::from_secs(3));
}

#[test]
fn the_picture_option_chooses_the_frames_picture() {
    let server = Server::start(Options {
        scenario: Scenario::Authorize { qr: 1, every: FAST },
        picture: Picture::Rgb300Bicubic,
        ..Options::default()
    })
    .unwrap();
    let session = read_session(&mut connect(&server));
    let png = STANDARD.decode(session.frames[0]["message"].as_str().unwrap()).unwrap();
    assert_eq!(decode_png(&png), (300, 300));
}

#[test]
fn drop_over_tls_and_concurrent_sessions() {
    let server =
        Server::start(Options { scenario: Scenario::Drop { qr: 1, every: FAST }, tls: true, ..Options::default() })
            .unwrap();
    let first = read_session(&mut connect(&server));
    assert_eq!(first.qr_count(), 1);
    assert!(!first.closed_cleanly);
    // Several clients at once each get their whole session.
    let sessions: Vec<Session> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6).map(|_| scope.spawn(|| read_session(&mut connect(&server)))).collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for session in &sessions {
        assert_eq!(session.qr_count(), 1);
        assert_eq!(session.last_type(), "accountData");
        assert!(session.closed_cleanly);
    }
    assert_eq!(server.connections(), 7);
}
