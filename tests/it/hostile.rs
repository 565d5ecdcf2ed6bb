//! Hostile servers: whatever the server does, scanqr must not panic, hang past
//! its deadline, leak the token, leave a partial or temporary file, or grow
//! without bound. Each test checks the exit code, the last event, the scratch
//! directory and (through `finish`) that the token is nowhere in the output.

use crate::qr_fixtures::deflated_png;
use crate::support::*;
use serde_json::json;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::os::unix::io::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::thread::sleep;
use std::time::{Duration, Instant};
use tungstenite::protocol::frame::coding::{Data, OpCode};
use tungstenite::protocol::frame::Frame;
use tungstenite::Message;

const ALREADY: &str = r#"{"type":"alreadyLogged","message":"instance account already authorized"}"#;
/// No run in this file may take longer than this.
const LIMIT: Duration = Duration::from_secs(15);

/// Run to the end (killed after [`LIMIT`]); also returns how long it took.
fn timed(dir: &Path, api_url: &str, args: &[&str]) -> (Run, Duration) {
    let started = Instant::now();
    let run = finish(command(dir, api_url, args).spawn().unwrap(), LIMIT);
    (run, started.elapsed())
}

fn assert_no_files(dir: &Path, run: &Run) {
    assert_eq!(files_in(dir), Vec::<String>::new(), "no QR or temp file left: {run:?}");
}

fn reconnect_reasons(run: &Run) -> Vec<String> {
    run.events()
        .iter()
        .filter(|e| e["event"] == "reconnecting")
        .map(|e| e["reason"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Do the websocket upgrade by hand; `false` if the client left first. A
/// request that is not the upgrade scanqr should send fails the test.
fn accept_upgrade(s: &mut TcpStream) -> bool {
    let head = read_head(s);
    if head.is_empty() {
        return false;
    }
    let want = format!("GET /waInstance{INSTANCE}/scanqrcode/{TOKEN} HTTP/1.1");
    assert!(head.starts_with(&want), "not the upgrade scanqr sends: {head:?}");
    let key = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case("sec-websocket-key").then(|| v.trim().to_string())
    });
    let key = key.unwrap_or_else(|| panic!("no Sec-WebSocket-Key: {head:?}"));
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let answer = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    s.write_all(answer.as_bytes()).is_ok()
}

/// One websocket frame as bytes on the wire, built by hand so it can be wrong.
fn frame(first: u8, mask: Option<[u8; 4]>, payload: &[u8]) -> Vec<u8> {
    let mut f = vec![first];
    let m = if mask.is_some() { 0x80 } else { 0 };
    match payload.len() {
        n if n < 126 => f.push(m | n as u8),
        n if n <= 0xffff => {
            f.push(m | 126);
            f.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            f.push(m | 127);
            f.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    match mask {
        Some(k) => {
            f.extend_from_slice(&k);
            f.extend(payload.iter().enumerate().map(|(i, b)| b ^ k[i % 4]));
        }
        None => f.extend_from_slice(payload),
    }
    f
}

/// FIN + opcode.
const TEXT: u8 = 0x81;

/// Keep a raw socket open, discarding what arrives, until the client goes away or `max` passes.
fn hold(s: &mut TcpStream, max: Duration) {
    let _ = s.set_read_timeout(Some(Duration::from_millis(100)));
    let until = Instant::now() + max;
    let mut buf = [0u8; 4096];
    while Instant::now() < until {
        match s.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => {}
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(_) => return,
        }
    }
}

/// Upgrade by hand; the first connection gets `first` (raw bytes), later ones `alreadyLogged`.
fn bad_then_good(first: Vec<u8>) -> Server {
    Server::raw(move |i, mut s| {
        if !accept_upgrade(&mut s) {
            return;
        }
        let bytes = if i == 0 { first.clone() } else { frame(TEXT, None, ALREADY.as_bytes()) };
        let _ = s.write_all(&bytes);
        hold(&mut s, Duration::from_secs(8));
    })
}

/// The run dropped the first connection for a reason containing `needle`, then ended 0 on the second.
fn assert_dropped_then_good(srv: &Server, run: &Run, dir: &Path, needle: &str) {
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.names(),
        ["connecting", "connected", "reconnecting", "connecting", "connected", "already_authorized"],
        "{run:?}"
    );
    let reasons = reconnect_reasons(run);
    assert!(reasons[0].contains(needle), "reason {:?} lacks {needle:?}", reasons[0]);
    assert_eq!(srv.connections(), 2);
    assert_no_files(dir, run);
}

// ---------------------------------------------------------------- connecting

/// A server that accepts TCP and then says nothing at all.
fn silent() -> Server {
    Server::raw(|_, mut s| hold(&mut s, Duration::from_secs(12)))
}

/// Stalled attempts end at --connect-timeout each; the backoff (1 s, then 2 s)
/// runs into --timeout 5 after the second attempt, at about 3 s: 75.
fn assert_two_stalled_attempts(srv: &Server, run: &Run, took: Duration, needle: &str) {
    assert_eq!(run.code, 75, "{run:?}");
    assert_eq!(run.names(), ["connecting", "reconnecting", "connecting", "failed"], "{run:?}");
    let last = run.last();
    assert_eq!(last["kind"], "network");
    let message = last["message"].as_str().unwrap();
    assert!(message.contains(needle) && message.contains("--timeout"), "{message}");
    assert_eq!(srv.connections(), 2);
    assert!(took >= Duration::from_millis(2900) && took < Duration::from_millis(5000), "{took:?}");
}

#[test]
fn a_tls_handshake_never_answered_is_bounded_by_connect_timeout() {
    let dir = scratch("h-tls-silent");
    let srv = silent();
    let url = format!("https://127.0.0.1:{}", srv.port);
    let (run, took) = timed(&dir, &url, &["--json", "--connect-timeout", "1", "--timeout", "5"]);
    assert_two_stalled_attempts(&srv, &run, took, "TLS handshake");
    assert_no_files(&dir, &run);
}

#[test]
fn an_upgrade_never_answered_is_bounded_by_connect_timeout() {
    let dir = scratch("h-upgrade-silent");
    let srv = silent();
    let (run, took) = timed(&dir, &srv.url(), &["--json", "--connect-timeout", "1", "--timeout", "5"]);
    assert_two_stalled_attempts(&srv, &run, took, "did not answer the websocket upgrade");
    assert_no_files(&dir, &run);
}

/// A trickle of bytes, each in time for the client's read tick, must not keep
/// a handshake alive past --connect-timeout.
#[test]
fn a_dribbled_tls_handshake_is_bounded_by_connect_timeout() {
    let dir = scratch("h-tls-dribble");
    let srv = Server::raw(|_, mut s| {
        let _ = s.set_nodelay(true);
        // A handshake record header announcing 16 KiB, then its body one byte at a time.
        let _ = s.write_all(&[0x16, 0x03, 0x03, 0x40, 0x00]);
        let until = Instant::now() + Duration::from_secs(12);
        while Instant::now() < until && s.write_all(&[0]).is_ok() {
            sleep(Duration::from_millis(100));
        }
    });
    let url = format!("https://127.0.0.1:{}", srv.port);
    let (run, took) = timed(&dir, &url, &["--json", "--connect-timeout", "1", "--timeout", "5"]);
    assert_two_stalled_attempts(&srv, &run, took, "TLS handshake");
    assert_no_files(&dir, &run);
}

#[test]
fn a_dribbled_upgrade_answer_is_bounded_by_connect_timeout() {
    let dir = scratch("h-upgrade-dribble");
    let srv = Server::raw(|_, mut s| {
        let _ = s.set_nodelay(true);
        read_head(&mut s);
        let _ = s.write_all(b"HTTP/1.1 101 Switching Protocols\r\nX-Slow: ");
        // 200-byte pieces every 150 ms: under tungstenite's own flood limit for 49 s.
        let until = Instant::now() + Duration::from_secs(12);
        while Instant::now() < until && s.write_all(&[b'a'; 200]).is_ok() {
            sleep(Duration::from_millis(150));
        }
    });
    let (run, took) = timed(&dir, &srv.url(), &["--json", "--connect-timeout", "1", "--timeout", "5"]);
    assert_two_stalled_attempts(&srv, &run, took, "did not answer the websocket upgrade");
    assert_no_files(&dir, &run);
}

/// A TLS server that hangs up (or resets) mid-handshake lost the connection:
/// a network error, retried like a refused connection, not a TLS failure.
#[test]
fn a_connection_lost_during_the_tls_handshake_is_75_and_retried() {
    for reset in [false, true] {
        let dir = scratch("h-tls-hangup");
        let srv = Server::raw(move |_, mut s| {
            let mut hello = [0u8; 4096];
            let _ = s.read(&mut hello); // the ClientHello, then hang up
            if reset {
                let off = libc::linger { l_onoff: 1, l_linger: 0 };
                // SAFETY: a valid socket and a linger struct of the right size.
                unsafe {
                    libc::setsockopt(
                        s.as_raw_fd(),
                        libc::SOL_SOCKET,
                        libc::SO_LINGER,
                        std::ptr::addr_of!(off).cast(),
                        std::mem::size_of::<libc::linger>() as libc::socklen_t,
                    );
                }
            }
        });
        let url = format!("https://127.0.0.1:{}", srv.port);
        let (run, _) = timed(&dir, &url, &["--json", "--connect-timeout", "1", "--timeout", "5"]);
        assert_eq!((run.code, run.last()["kind"].clone()), (75, json!("network")), "reset {reset}: {run:?}");
        assert!(srv.connections() >= 2, "retried: {run:?}");
        assert_no_files(&dir, &run);
    }
}

#[test]
fn wrong_upgrade_answers_are_76_and_not_retried() {
    let cases: [(&str, &[u8], bool); 7] = [
        ("garbage", b"\x00\xff\xfeSSH-2.0-nope\r\n\x01\x02 garbage\r\n\r\n", false),
        ("garbage, hung up", b"\x16\x03\x01 not http at all", true),
        ("301", b"HTTP/1.1 301 Moved Permanently\r\nLocation: http://127.0.0.1:9/elsewhere\r\nContent-Length: 0\r\n\r\n", false),
        ("302", b"HTTP/1.1 302 Found\r\nLocation: https://example.invalid/\r\nContent-Length: 0\r\n\r\n", false),
        ("200", b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello", false),
        (
            "101 with a wrong accept key",
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n",
            false,
        ),
        ("101 without upgrade headers", b"HTTP/1.1 101 Switching Protocols\r\n\r\n", false),
    ];
    for (name, answer, hang_up) in cases {
        let dir = scratch("h-wrong-upgrade");
        let srv = Server::raw(move |_, mut s| {
            read_head(&mut s);
            let _ = s.write_all(answer);
            if !hang_up {
                hold(&mut s, Duration::from_secs(8));
            }
        });
        let (run, took) = timed(&dir, &srv.url(), &["--json", "--timeout", "20"]);
        assert_eq!((run.code, run.last()["kind"].clone()), (76, json!("protocol")), "{name}: {run:?}");
        assert_eq!(run.names(), ["connecting", "failed"], "{name}");
        assert_eq!(srv.connections(), 1, "{name}: not retried");
        assert!(took < Duration::from_secs(3), "{name}: {took:?}");
        assert_no_files(&dir, &run);
    }
}

// ---------------------------------------------------------------- framing

#[test]
fn a_frame_in_one_byte_writes_slower_than_the_read_tick_arrives_whole() {
    let dir = scratch("h-bytewise");
    let srv = Server::raw(|_, mut s| {
        let _ = s.set_nodelay(true);
        if !accept_upgrade(&mut s) {
            return;
        }
        for (k, b) in frame(TEXT, None, ALREADY.as_bytes()).iter().enumerate() {
            if s.write_all(&[*b]).is_err() {
                return;
            }
            // 300 ms (over the client's 250 ms tick) inside the header and every 10 bytes.
            sleep(Duration::from_millis(if k < 2 || k % 10 == 0 { 300 } else { 10 }));
        }
        hold(&mut s, Duration::from_secs(5));
    });
    let (run, took) = timed(&dir, &srv.url(), &["--json", "--timeout", "20"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.names(), ["connecting", "connected", "already_authorized"], "{run:?}");
    assert_eq!(run.last()["message"], "instance account already authorized");
    assert_eq!(srv.connections(), 1);
    assert!(took < Duration::from_secs(8), "{took:?}");
    assert_no_files(&dir, &run);
}

fn bad_frame(name: &str, first: Vec<u8>, needle: &str) {
    let dir = scratch(&format!("h-frame-{name}"));
    let srv = bad_then_good(first);
    let (run, _) = timed(&dir, &srv.url(), &["--json", "--timeout", "20"]);
    assert_dropped_then_good(&srv, &run, &dir, needle);
}

#[test]
fn invalid_utf8_in_a_text_frame_drops_the_connection() {
    bad_frame("utf8", frame(TEXT, None, b"{\"type\":\"\xff\xfe\xc0\"}"), "not UTF-8");
}

#[test]
fn a_reserved_opcode_drops_the_connection() {
    bad_frame("opcode", frame(0x83, None, b"{}"), "protocol violation (Encountered invalid opcode: 3)");
}

#[test]
fn a_ping_over_125_bytes_drops_the_connection() {
    bad_frame("bigping", frame(0x89, None, &[b'p'; 126]), "protocol violation (Control frame too big");
}

#[test]
fn a_masked_frame_from_the_server_drops_the_connection() {
    bad_frame("masked", frame(TEXT, Some([1, 2, 3, 4]), ALREADY.as_bytes()), "masked frame from server");
}

#[test]
fn reserved_bits_and_orphan_or_fragmented_control_frames_drop_the_connection() {
    // RSV1 without an extension; a continuation with nothing to continue; a fragmented ping.
    for (name, bytes, why) in [
        ("rsv", frame(0xC1, None, ALREADY.as_bytes()), "Reserved bits"),
        ("orphan", frame(0x80, None, b"{}"), "Continue frame but nothing"),
        ("fragping", frame(0x09, None, b"p"), "Fragmented control frame"),
    ] {
        bad_frame(name, bytes, &format!("protocol violation ({why}"));
    }
}

#[test]
fn a_close_frame_with_or_without_a_code_then_vanishing_is_a_reconnect() {
    for (name, payload) in [("code", b"\x0f\xa0going away".to_vec()), ("nocode", Vec::new())] {
        let dir = scratch(&format!("h-close-{name}"));
        let srv = Server::raw(move |i, mut s| {
            if !accept_upgrade(&mut s) {
                return;
            }
            if i == 0 {
                let _ = s.write_all(&frame(0x88, None, &payload));
                return; // vanish: no close handshake, no linger
            }
            let _ = s.write_all(&frame(TEXT, None, ALREADY.as_bytes()));
            hold(&mut s, Duration::from_secs(8));
        });
        let (run, _) = timed(&dir, &srv.url(), &["--json", "--timeout", "20"]);
        assert_dropped_then_good(&srv, &run, &dir, "closed the connection");
    }
}

// ---------------------------------------------------------------- deadlines

/// A server that never reads, with a tiny receive buffer, while flooding pings
/// whose pongs fill the client's send path: closing at the deadline must not hang.
#[test]
fn a_server_that_stops_reading_does_not_hang_the_close() {
    let dir = scratch("h-noread");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let small: libc::c_int = 1024;
    // SAFETY: a valid socket and a c_int option value of the right size.
    let set = unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_RCVBUF,
            std::ptr::addr_of!(small).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    assert_eq!(set, 0);
    let srv = Server::raw_on(listener, |_, mut s| {
        if !accept_upgrade(&mut s) {
            return;
        }
        let _ = s.write_all(&frame(TEXT, None, br#"{"type":"somethingNew"}"#));
        let ping = frame(0x89, None, &[b'p'; 125]);
        let _ = s.set_write_timeout(Some(Duration::from_secs(10)));
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until && s.write_all(&ping).is_ok() {}
        // Never read; stay open until the client is gone.
    });
    let (run, took) = timed(&dir, &srv.url(), &["--json", "--timeout", "2"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.last(), json!({"event":"timeout","source":"deadline","exit_code":1}));
    assert!(took < Duration::from_secs(6), "{took:?}");
    assert_no_files(&dir, &run);
}

#[test]
fn pings_without_data_end_at_the_deadline() {
    let dir = scratch("h-pings");
    let srv = Server::ws(|_, ws| {
        let until = Instant::now() + Duration::from_secs(8);
        while Instant::now() < until && ws.send(Message::Ping(b"still here".to_vec().into())).is_ok() {
            sleep(Duration::from_millis(100));
        }
    });
    let (run, took) = timed(&dir, &srv.url(), &["--json", "--timeout", "3"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert_eq!(run.names(), ["connecting", "connected", "timeout"]);
    assert_eq!(run.last(), json!({"event":"timeout","source":"deadline","exit_code":1}));
    assert!(took >= Duration::from_millis(2900) && took < Duration::from_millis(4800), "{took:?}");
    assert_no_files(&dir, &run);
}

/// What a raw server does after the upgrade.
type Script = fn(&mut TcpStream);

/// Data that never completes a message (here: a frame's payload a byte at a
/// time, and endless empty continuations) must not keep the client past --timeout.
#[test]
fn an_endless_incomplete_message_ends_at_the_deadline() {
    let dribble = |s: &mut TcpStream| {
        let _ = s.write_all(&[TEXT, 126, 0x03, 0xe8]); // a 1000-byte text frame...
        let until = Instant::now() + Duration::from_secs(12);
        while Instant::now() < until && s.write_all(b" ").is_ok() {
            sleep(Duration::from_millis(50)); // ...arriving at 20 bytes a second
        }
    };
    let continuations = |s: &mut TcpStream| {
        let _ = s.write_all(&frame(0x01, None, b"{"));
        let empty = frame(0x00, None, b"");
        let until = Instant::now() + Duration::from_secs(12);
        while Instant::now() < until && s.write_all(&empty).is_ok() {
            sleep(Duration::from_millis(5));
        }
    };
    let scripts: [(&str, Script); 2] = [("dribble", dribble), ("continuations", continuations)];
    for (name, script) in scripts {
        let dir = scratch(&format!("h-endless-{name}"));
        let srv = Server::raw(move |_, mut s| {
            let _ = s.set_nodelay(true);
            if accept_upgrade(&mut s) {
                script(&mut s);
            }
        });
        let (run, took) = timed(&dir, &srv.url(), &["--json", "--timeout", "2"]);
        assert_eq!(run.code, 1, "{name}: {run:?}");
        assert_eq!(run.last(), json!({"event":"timeout","source":"deadline","exit_code":1}), "{name}");
        assert!(took < Duration::from_millis(4500), "{name}: {took:?}");
        assert_no_files(&dir, &run);
    }
}

// ---------------------------------------------------------------- volume

#[test]
fn ten_thousand_tiny_frames_are_each_warned_about() {
    let dir = scratch("h-burst");
    let srv = Server::ws(|_, ws| {
        for _ in 0..10_000 {
            if ws.write(Message::text(r#"{"type":"somethingNew"}"#)).is_err() {
                return;
            }
        }
        text(ws, ALREADY);
        linger(ws, Duration::from_secs(10));
    });
    let (run, took) = timed(&dir, &srv.url(), &["--json", "--timeout", "30"]);
    assert_eq!(run.code, 0, "{run:?}");
    let names = run.names();
    assert_eq!(names.len(), 10_003);
    assert_eq!(names.iter().filter(|n| *n == "warning").count(), 10_000);
    assert_eq!(run.last()["event"], "already_authorized");
    assert!(took < Duration::from_secs(12), "{took:?}");
    assert_no_files(&dir, &run);
}

fn refused_then_good(name: &str, first: impl Fn(&mut tungstenite::WebSocket<TcpStream>) + Send + Sync + 'static) {
    let dir = scratch(&format!("h-big-{name}"));
    let srv = Server::ws(move |i, ws| {
        if i == 0 {
            first(ws);
        } else {
            text(ws, ALREADY);
        }
        linger(ws, Duration::from_secs(8));
    });
    let (run, _) = timed(&dir, &srv.url(), &["--json", "--timeout", "20"]);
    assert_dropped_then_good(&srv, &run, &dir, "1 MiB");
}

#[test]
fn a_message_of_1_mib_and_a_byte_is_refused() {
    refused_then_good("single", |ws| text(ws, &" ".repeat((1 << 20) + 1)));
}

#[test]
fn fragments_adding_up_to_over_1_mib_are_refused() {
    refused_then_good("fragmented", |ws| {
        let piece = vec![b' '; 300_000];
        let _ = ws.write(Message::Frame(Frame::message(piece.clone(), OpCode::Data(Data::Text), false)));
        for k in 0..3 {
            let _ = ws.write(Message::Frame(Frame::message(piece.clone(), OpCode::Data(Data::Continue), k == 2)));
        }
        let _ = ws.flush();
    });
}

#[test]
fn a_frame_header_announcing_exabytes_is_refused_unread() {
    let mut header = vec![TEXT, 127];
    header.extend_from_slice(&(u64::MAX >> 1).to_be_bytes());
    let dir = scratch("h-big-header");
    let srv = bad_then_good(header);
    let (run, _) = timed(&dir, &srv.url(), &["--json", "--timeout", "20"]);
    assert_dropped_then_good(&srv, &run, &dir, "1 MiB");
}

/// The largest pictures allowed (2048x2048 RGBA16, plain and Adam7: 32 MiB
/// of pixels each) and a 16x16 one followed by 64 MiB of image data: checked,
/// and decoded to be drawn, in well under 32 MiB.
#[test]
fn the_largest_pictures_are_checked_and_decoded_in_under_32_mib() {
    let side = scanqr::image::MAX_SIDE;
    let white_row = [&[0u8][..], &vec![0xff; side as usize * 8]].concat();
    let white = white_row.repeat(side as usize);
    let adam7 = adam7_white(side as usize);
    let extra = vec![0u8; 64 << 20];
    let pictures = [
        deflated_png(side, side, 16, 6, 0, &white),
        deflated_png(side, side, 16, 6, 1, &adam7),
        deflated_png(16, 16, 8, 0, 0, &extra),
    ];
    let srv = Server::ws(move |_, ws| {
        for png in &pictures {
            send_qr(ws, png);
        }
        linger(ws, LIMIT);
    });
    for args in [&["--json"][..], &["--json", "--terminal", "always"]] {
        let dir = scratch("h-largest");
        let mut scanqr = spawn(&dir, &srv.url(), args);
        let lines = scanqr.read_until(r#""n":3"#);
        // Its own high-water mark (wait4's would count the test process it was spawned from).
        let status = std::fs::read_to_string(format!("/proc/{}/status", scanqr.pid())).unwrap();
        let peak_kib: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .unwrap()
            .trim()
            .trim_end_matches(" kB")
            .parse()
            .unwrap();
        scanqr.signal(libc::SIGTERM);
        let run = scanqr.finish(LIMIT);
        assert_eq!(run.code, 143, "{args:?}: {run:?}");
        let widths: Vec<_> = run.events().iter().filter(|e| e["event"] == "qr").map(|e| e["width"].clone()).collect();
        assert_eq!(widths, [json!(side), json!(side), json!(16)], "{args:?}: {lines:?}");
        eprintln!("{args:?}: peak RSS {peak_kib} KiB");
        assert!(peak_kib > 0 && peak_kib < 32 * 1024, "{args:?}: peak RSS {peak_kib} KiB");
    }
}

/// Image data of `side`x`side` RGBA16 white, in Adam7's passes.
fn adam7_white(side: usize) -> Vec<u8> {
    let passes = [(0, 8, 0, 8), (4, 8, 0, 8), (0, 4, 4, 8), (2, 4, 0, 4), (0, 2, 2, 4), (1, 2, 0, 2), (0, 1, 1, 2)];
    let mut raw = Vec::new();
    for (x0, dx, y0, dy) in passes {
        let (w, h) = ((side - x0).div_ceil(dx), (side - y0).div_ceil(dy));
        for _ in 0..h {
            raw.push(0);
            raw.resize(raw.len() + w * 8, 0xff);
        }
    }
    raw
}

// ---------------------------------------------------------------- files

/// A PNG of noise (incompressible: about 40 KB), valid for any real decoder.
fn noise_png() -> Vec<u8> {
    let (w, h) = (200u32, 200u32);
    let pixels = scanqr_emulator::Rng::new(0x2545_f491).bytes((w * h) as usize);
    let mut out = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        enc.set_depth(png::BitDepth::Eight);
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(&pixels).unwrap();
    }
    out
}

/// A server that sends one QR image (the noise PNG), then lingers.
fn one_image() -> Server {
    let png = noise_png();
    Server::ws(move |_, ws| {
        send_qr(ws, &png);
        linger(ws, Duration::from_secs(8));
    })
}

fn assert_write_failed(run: &Run, dir: &Path, out: &str) {
    assert_eq!(run.code, 73, "{run:?}");
    let last = run.last();
    assert_eq!((last["event"].clone(), last["kind"].clone()), (json!("failed"), json!("io")), "{run:?}");
    assert!(last["message"].as_str().unwrap().contains(out), "{last}");
    assert!(!run.names().contains(&"qr".to_string()), "no qr event for a file never written");
    assert_no_files(dir, run);
}

#[test]
fn a_file_size_limit_hit_mid_write_is_73_and_leaves_nothing() {
    let dir = scratch("h-fsize");
    let srv = one_image();
    let mut cmd = command(&dir, &srv.url(), &["--json", "--timeout", "10"]);
    // SAFETY: only async-signal-safe calls (setrlimit, signal) between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit { rlim_cur: 4096, rlim_max: 4096 };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            Ok(())
        });
    }
    let run = finish(cmd.spawn().unwrap(), LIMIT);
    assert_write_failed(&run, &dir, "qr.png");
    assert!(run.last()["message"].as_str().unwrap().contains("too large"), "EFBIG named: {}", run.last());
}

/// Unmounts on drop, so a failed assertion leaves no mount behind.
struct Mounted<'a>(&'a Path);

impl Drop for Mounted<'_> {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(self.0).status();
    }
}

#[test]
fn a_full_disk_is_73_and_leaves_nothing() {
    let dir = scratch("h-tmpfs");
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=16k,mode=0700", "tmpfs"])
        .arg(dir.path())
        .stderr(std::process::Stdio::piped())
        .output();
    match mounted {
        Ok(o) if o.status.success() => {}
        other => return cannot_run_here(&format!("cannot mount a tmpfs (needs root): {other:?}")),
    }
    let _guard = Mounted(&dir);
    let srv = one_image();
    let (run, _) = timed(&dir, &srv.url(), &["--json", "--timeout", "10"]);
    assert_write_failed(&run, &dir, "qr.png");
    assert!(run.last()["message"].as_str().unwrap().contains("No space left"), "ENOSPC named: {}", run.last());
}

#[test]
fn a_read_only_filesystem_is_73_before_connecting() {
    let dir = scratch("h-rofs");
    let srv = one_image();
    for out in ["/proc/qr.png", "/sys/qr.png"] {
        let (run, _) = timed(&dir, &srv.url(), &["--json", "-o", out]);
        assert_write_failed(&run, &dir, out);
        assert_eq!(run.names(), ["failed"], "{run:?}");
    }
    assert_eq!(srv.connections(), 0, "fails before opening a scan window");
}

// ---------------------------------------------------------------- the token

/// Every value of a JSON event and every line, searched for the token and for the path that holds it.
fn assert_no_secret(run: &Run) {
    let path = format!("scanqrcode/{TOKEN}");
    for text in [&run.stdout, &run.stderr] {
        assert!(!text.contains(TOKEN) && !text.contains(&path), "{run:?}");
    }
}

#[test]
fn a_server_echoing_the_request_path_never_makes_the_token_appear() {
    let srv = Server::raw(|_, mut s| {
        let head = read_head(&mut s);
        let line = head.lines().next().unwrap_or_default().to_string();
        assert!(line.contains(TOKEN), "the request carries the token: {line}");
        let body = format!("bad request: {head}");
        let answer = format!(
            "HTTP/1.1 400 {line}\r\nX-Echo: {line}\r\nX-{TOKEN}: 1\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let _ = s.write_all(answer.as_bytes());
        hold(&mut s, Duration::from_secs(5));
    });
    for args in [&["--json"][..], &[][..]] {
        let dir = scratch("h-echo-400");
        let (run, _) = timed(&dir, &srv.url(), args);
        assert_eq!(run.code, 76, "{run:?}");
        assert!(run.stdout.contains("HTTP 400") || run.stderr.contains("HTTP 400"), "{run:?}");
        assert_no_secret(&run);
        assert_no_files(&dir, &run);
    }
}

#[test]
fn close_reasons_errors_and_warnings_echoing_the_token_are_scrubbed() {
    let srv = Server::ws(|i, ws| {
        let path = format!("/waInstance{INSTANCE}/scanqrcode/{TOKEN}");
        if i == 0 {
            text(ws, &format!(r#"{{"type":"{TOKEN}"}}"#));
            let reason = format!("bad token {TOKEN}");
            let close = tungstenite::protocol::CloseFrame {
                code: tungstenite::protocol::frame::coding::CloseCode::Policy,
                reason: reason.into(),
            };
            let _ = ws.close(Some(close));
            linger(ws, Duration::from_secs(3));
            return;
        }
        text(ws, &format!(r#"{{"type":"error","message":"GET {path} refused for token {TOKEN}"}}"#));
        linger(ws, Duration::from_secs(5));
    });
    for args in [&["--json"][..], &[][..]] {
        let dir = scratch("h-echo-close");
        let (run, _) = timed(&dir, &srv.url(), args);
        assert_eq!(run.code, 69, "{run:?}");
        assert_no_secret(&run);
        let all = format!("{}{}", run.stdout, run.stderr);
        assert!(all.contains("refused for token ***"), "{run:?}");
        assert_no_files(&dir, &run);
    }
}

// ---------------------------------------------------------------- signals

/// Wait for a stdout line containing `needle`, then send `sig`; returns the finished run.
fn signal_after(dir: &Path, url: &str, args: &[&str], needle: &str, sig: i32) -> Run {
    let mut scanqr = Running::new(command(dir, url, args).spawn().unwrap());
    scanqr.read_until(needle);
    sleep(Duration::from_millis(400)); // well inside a blocking read
    scanqr.signal(sig);
    let started = Instant::now();
    let run = scanqr.finish(LIMIT);
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
    assert_no_secret(&run);
    run
}

fn assert_interrupted(run: &Run, code: i32) {
    assert_eq!(run.code, code, "{run:?}");
    let last = run.last();
    assert_eq!((last["event"].clone(), last["kind"].clone()), (json!("failed"), json!("interrupted")), "{run:?}");
    assert!(!run.names().contains(&"reconnecting".to_string()), "a signal is not a lost connection: {run:?}");
}

#[test]
fn sigterm_during_a_stalled_tls_handshake_is_143() {
    let dir = scratch("h-sig-tls");
    let srv = silent();
    let url = format!("https://127.0.0.1:{}", srv.port);
    let run = signal_after(
        &dir,
        &url,
        &["--json", "--connect-timeout", "10", "--timeout", "20"],
        "connecting",
        libc::SIGTERM,
    );
    assert_interrupted(&run, 143);
    assert_no_files(&dir, &run);
}

#[test]
fn sigint_during_a_stalled_tcp_connect_is_130_at_once() {
    // A listener whose accept queue is full: further SYNs go unanswered.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    while let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
        held.push(s);
        if held.len() > 4096 {
            return cannot_run_here("the accept queue never filled");
        }
    }
    let dir = scratch("h-sig-tcp");
    let url = format!("http://{addr}");
    let run =
        signal_after(&dir, &url, &["--json", "--connect-timeout", "20", "--timeout", "40"], "connecting", libc::SIGINT);
    assert_interrupted(&run, 130);
    assert_no_files(&dir, &run);
    drop(listener);
}

#[test]
fn sigint_while_waiting_for_frames_closes_cleanly_with_130() {
    let dir = scratch("h-sig-wait");
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let srv = Server::ws(move |_, ws| {
        let _ = ws.get_mut().set_read_timeout(Some(Duration::from_secs(10)));
        let got = ws.read();
        let _ = tx.lock().unwrap().send(matches!(got, Ok(Message::Close(_))));
    });
    let run = signal_after(&dir, &srv.url(), &["--json", "--timeout", "20"], "\"connected\"", libc::SIGINT);
    assert_interrupted(&run, 130);
    assert!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "no close frame");
    assert_no_files(&dir, &run);
}

/// A long unknown `type` is cut to 40 characters before the reporter scrubs
/// the token, so a token straddling the cut leaks its first part.
#[test]
fn a_token_straddling_the_truncation_of_an_unknown_type_does_not_leak_in_part() {
    let srv = Server::ws(|_, ws| {
        text(ws, &format!(r#"{{"type":"{}{TOKEN}"}}"#, "x".repeat(30)));
        text(ws, ALREADY);
        linger(ws, Duration::from_secs(5));
    });
    let dir = scratch("h-echo-cut");
    let (run, _) = timed(&dir, &srv.url(), &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let all = format!("{}{}", run.stdout, run.stderr);
    for piece in TOKEN.as_bytes().windows(8) {
        let piece = std::str::from_utf8(piece).unwrap();
        assert!(!all.contains(piece), "{piece:?} of the token leaked: {run:?}");
    }
}

#[test]
fn configuration_errors_never_echo_the_token() {
    let dir = scratch("h-config-token");
    for (k, v, code) in [
        ("ID_INSTANCE", TOKEN.to_string(), 78),
        ("API_URL", format!("7105.api.greenapi.com/waInstance1/getStateInstance/{TOKEN}"), 64),
        ("API_URL", format!("https://h/?t={TOKEN}"), 64),
    ] {
        let mut cmd = command(&dir, "", &["--json"]);
        cmd.env(k, &v);
        let run = finish(cmd.spawn().unwrap(), LIMIT);
        assert_eq!((run.code, run.stdout.as_str()), (code, ""), "{k}: {run:?}");
        assert!(run.stderr.starts_with("scanqr: ") && !run.stderr.contains("Zq7S"), "{k}: {run:?}");
    }
}

#[test]
fn a_reader_that_stops_reading_stdout_does_not_keep_sigterm_out() {
    // Only how fast frames come matters here: scanqr handles the small
    // grayscale picture in about half the time of GREEN-API's RGBA one (debug
    // build), so the pipe fills well within the limit on a busy machine.
    let emu = scanqr_emulator::Server::start(scanqr_emulator::Options {
        instance: INSTANCE.into(),
        token: TOKEN.into(),
        scenario: scanqr_emulator::Scenario::Flood(5000),
        picture: scanqr_emulator::Picture::Gray,
        ..Default::default()
    })
    .unwrap();
    let dir = scratch("h-stalled-stdout");
    // stdout is piped and never read: the pipe fills and scanqr blocks writing.
    let mut scanqr = Running::new(command(&dir, &emu.api_url(), &["--json", "--timeout", "60"]).spawn().unwrap());
    // A one-page pipe fills after a few dozen events, not a few hundred QR codes.
    // SAFETY: fcntl(2) on the pipe's read end, which `scanqr` owns for the call.
    unsafe { libc::fcntl(scanqr.stdout_fd().as_raw_fd(), libc::F_SETPIPE_SZ, 4096) };
    let wchan = format!("/proc/{}/wchan", scanqr.pid());
    let until = Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&wchan).unwrap_or_default().contains("pipe_write") {
        assert!(scanqr.exit_within(Duration::ZERO).is_none(), "ended before the pipe filled");
        assert!(Instant::now() < until, "never blocked on its stdout");
        sleep(Duration::from_millis(50));
    }
    scanqr.signal(libc::SIGTERM);
    let status = scanqr.exit_within(Duration::from_secs(5));
    assert!(status.is_some(), "scanqr stayed blocked on its stdout after SIGTERM");
    // Then what it printed is read, and checked for the token.
    let run = scanqr.finish(LIMIT);
    assert_eq!(run.code, 143);
    assert_eq!(files_in(&dir), Vec::<String>::new());
}
