//! Issue 2's contract: every event, every exit code, the behaviour bullets.

use crate::support::*;
use serde_json::json;
use std::io::Write;
use std::net::TcpStream;

use std::time::Duration;
use tungstenite::WebSocket;

fn authorize(qrs: u64) -> Server {
    Server::ws(move |_, ws| {
        for i in 0..qrs {
            send_qr(ws, &qr_png(i));
        }
        account(ws);
        linger(ws, Duration::from_secs(5));
    })
}

#[test]
fn authorized_reports_each_qr_and_the_account_then_removes_the_file() {
    let dir = scratch("authorized");
    let srv = authorize(2);
    let run = run_in(&dir, &srv.url(), &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.names(), ["connecting", "connected", "qr", "qr", "authorized"]);
    let ev = run.events();
    assert_eq!(ev[0]["url"], format!("ws://127.0.0.1:{}/waInstance{INSTANCE}/scanqrcode/***", srv.port));
    assert_eq!(ev[0]["attempt"], 1);
    assert_eq!((ev[2]["n"].clone(), ev[3]["n"].clone()), (json!(1), json!(2)));
    assert_eq!(
        (ev[2]["path"].clone(), ev[2]["width"].clone(), ev[2]["height"].clone()),
        (json!("qr.png"), json!(276), json!(276))
    );
    assert_eq!(
        ev[4],
        json!({"event":"authorized","wid":"79001234567@c.us","pushname":"Ann","proxy":"","webhookUrl":"https://h/x","exit_code":0})
    );
    assert_eq!(files_in(&dir), Vec::<String>::new(), "qr.png removed, no temp file");
}

#[test]
fn keep_and_numbered_files_stay_complete() {
    let dir = scratch("keep");
    let srv = authorize(3);
    let run = run_in(&dir, &srv.url(), &["--json", "--keep", "-o", "qr-{n}.png"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(files_in(&dir), ["qr-1.png", "qr-2.png", "qr-3.png"]);
    for (i, name) in files_in(&dir).iter().enumerate() {
        assert_eq!(std::fs::read(dir.join(name)).unwrap(), qr_png(i as u64));
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(dir.join(name)).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn account_fields_beside_type_are_reported() {
    let srv = Server::ws(|_, ws| {
        text(ws, r#"{"type":"accountData","wid":"7@c.us","pushname":"Bo","message":"ok"}"#);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("beside"), &srv.url(), &["--json"]);
    assert_eq!(run.last(), json!({"event":"authorized","wid":"7@c.us","pushname":"Bo","exit_code":0}));
}

fn outcome_of(frame: &'static str, args: &[&str]) -> Run {
    let srv = Server::ws(move |_, ws| {
        text(ws, frame);
        linger(ws, Duration::from_secs(5));
    });
    run_in(&scratch(&format!("outcome-{}", frame.len())), &srv.url(), args)
}

#[test]
fn outcomes_and_their_exit_codes() {
    let run = outcome_of(r#"{"type":"alreadyLogged","message":"instance account already authorized"}"#, &["--json"]);
    assert_eq!(
        run.last(),
        json!({"event":"already_authorized","message":"instance account already authorized","exit_code":0})
    );
    let run = outcome_of(r#"{"type":"timeoutExpired","message":"x"}"#, &["--json"]);
    assert_eq!(run.last(), json!({"event":"timeout","source":"server","exit_code":1}));
    assert_eq!(run.code, 1);
    let run = outcome_of(r#"{"type":"timeout"}"#, &["--json"]);
    assert_eq!((run.code, run.last()["source"].clone()), (1, json!("server")));
    let run = outcome_of(r#"{"type":"error","message":"Instance is not authorized yet"}"#, &["--json"]);
    assert_eq!(run.last(), json!({"event":"api_error","message":"Instance is not authorized yet","exit_code":69}));
    assert_eq!(run.code, 69);
}

#[test]
fn deadline_ends_a_silent_session_with_timeout() {
    let srv = Server::ws(|_, ws| linger(ws, Duration::from_secs(10)));
    let started = std::time::Instant::now();
    let run = run_in(&scratch("deadline"), &srv.url(), &["--json", "--timeout", "1.5"]);
    assert_eq!(run.last(), json!({"event":"timeout","source":"deadline","exit_code":1}));
    assert!(started.elapsed() < Duration::from_secs(4), "{:?}", started.elapsed());
}

fn upgrade_answer(status: &'static str) -> Server {
    Server::raw(move |_, mut s| {
        let mut buf = [0u8; 4096];
        let _ = std::io::Read::read(&mut s, &mut buf);
        let path = String::from_utf8_lossy(&buf).lines().next().unwrap_or_default().to_string();
        // Echo the request line (it holds the token) to prove nothing echoes it back out.
        let body = format!("refused {path}");
        let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    })
}

#[test]
fn rejected_credentials_are_77_and_not_retried() {
    for status in ["401 Unauthorized", "403 Forbidden"] {
        let srv = upgrade_answer(status);
        let run = run_in(&scratch("rejected"), &srv.url(), &["--json"]);
        assert_eq!(run.code, 77, "{run:?}");
        assert_eq!(run.last()["kind"], "rejected");
        assert!(run.last()["message"].as_str().unwrap().contains(&status[..3]));
        assert_eq!(srv.connections(), 1);
    }
}

#[test]
fn unexpected_upgrade_answers_are_protocol_errors() {
    for status in ["500 Internal Server Error", "200 OK", "302 Found"] {
        let srv = upgrade_answer(status);
        let run = run_in(&scratch("protocol"), &srv.url(), &["--json"]);
        assert_eq!((run.code, run.last()["kind"].clone()), (76, json!("protocol")), "{run:?}");
        assert_eq!(srv.connections(), 1);
    }
}

#[test]
fn refused_first_connection_is_retried_three_times_then_75() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let run = run_in(&scratch("refused"), &format!("http://127.0.0.1:{port}"), &["--json"]);
    assert_eq!(run.code, 75, "{run:?}");
    let names = run.names();
    assert_eq!(names.iter().filter(|n| *n == "connecting").count(), 4, "{names:?}");
    let delays: Vec<_> =
        run.events().iter().filter(|e| e["event"] == "reconnecting").map(|e| e["delay_s"].clone()).collect();
    assert_eq!(delays, [json!(1), json!(2), json!(4)]);
    assert_eq!(run.last()["kind"], "network");
}

#[test]
fn a_dropped_connection_is_reopened_and_numbering_goes_on() {
    let srv = Server::ws(|i, ws| {
        send_qr(ws, &qr_png(i as u64));
        if i == 0 {
            let _ = ws.get_mut().shutdown(std::net::Shutdown::Both);
            return;
        }
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("drop"), &srv.url(), &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.names(),
        ["connecting", "connected", "qr", "reconnecting", "connecting", "connected", "qr", "authorized"]
    );
    let ev = run.events();
    assert_eq!(
        (ev[3]["delay_s"].clone(), ev[4]["attempt"].clone(), ev[6]["n"].clone()),
        (json!(1), json!(2), json!(2))
    );
}

#[test]
fn lost_connection_not_regained_before_the_deadline_is_75() {
    let srv = Server::ws(|i, ws| {
        if i == 0 {
            send_qr(ws, &qr_png(0));
            let _ = ws.get_mut().shutdown(std::net::Shutdown::Both);
        }
    });
    let run = run_in(&scratch("lost"), &srv.url(), &["--json", "--timeout", "2.5"]);
    assert_eq!((run.code, run.last()["kind"].clone()), (75, json!("network")), "{run:?}");
}

#[test]
fn bad_frames_are_warned_about_and_skipped() {
    let srv = Server::ws(|_, ws| {
        for frame in [
            "not json",
            "[1,2]",
            r#"{"message":"x"}"#,
            r#"{"type":7}"#,
            r#"{"type":"somethingNew"}"#,
            r#"{"type":"qrCode","message":"@@@"}"#,
            r#"{"type":"qrCode","message":"aGVsbG8="}"#,
        ] {
            text(ws, frame);
        }
        let png = qr_png(1);
        send_qr(ws, &png[..png.len() / 2]);
        let _ = ws.send(tungstenite::Message::binary(vec![1u8, 2, 3]));
        send_qr(ws, &png);
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("bad"), &srv.url(), &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let names = run.names();
    assert_eq!(names.iter().filter(|n| *n == "warning").count(), 9, "{names:?}");
    let qrs: Vec<_> = run.events().into_iter().filter(|e| e["event"] == "qr").collect();
    assert_eq!(qrs.len(), 1);
    assert_eq!(qrs[0]["n"], 1);
}

#[test]
fn lenient_base64_forms_are_accepted() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(qr_png(3));
    let wrapped: String = b64.as_bytes().chunks(76).map(|c| String::from_utf8_lossy(c) + "\r\n").collect();
    let srv = Server::ws(move |_, ws| {
        text(ws, &format!(r#"{{"type":"qrCode","message":"data:image/png;base64,{b64}"}}"#));
        text(ws, &format!(r#"{{"type":"qrCode","message":"{}"}}"#, b64.trim_end_matches('=')));
        text(ws, &format!(r#"{{"type":"qrCode","message":{}}}"#, serde_json::to_string(&wrapped).unwrap()));
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("lenient"), &srv.url(), &["--json"]);
    assert_eq!(run.names(), ["connecting", "connected", "qr", "qr", "qr", "authorized"], "{run:?}");
}

#[test]
fn oversized_message_is_refused_and_the_session_goes_on() {
    let srv = Server::ws(|i, ws| {
        if i == 0 {
            text(ws, &"x".repeat((1 << 20) + 1));
            linger(ws, Duration::from_secs(5));
            return;
        }
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("oversized"), &srv.url(), &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let ev = run.events();
    let reason = ev.iter().find(|e| e["event"] == "reconnecting").unwrap()["reason"].as_str().unwrap().to_string();
    assert!(reason.contains("1 MiB"), "{reason}");
}

#[test]
fn huge_png_header_is_refused_before_decoding() {
    // A valid PNG signature and IHDR claiming 4096x4096, then nothing.
    let mut png = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
    png.extend_from_slice(&4096u32.to_be_bytes());
    png.extend_from_slice(&4096u32.to_be_bytes());
    png.extend_from_slice(&[8, 0, 0, 0, 0]);
    let crc = crate::qr_fixtures::crc32(&png[12..]);
    png.extend_from_slice(&crc.to_be_bytes());
    let srv = Server::ws(move |_, ws| {
        send_qr(ws, &png);
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("hugepng"), &srv.url(), &["--json"]);
    assert_eq!(run.names(), ["connecting", "connected", "warning", "authorized"], "{run:?}");
    assert!(run.events()[2]["message"].as_str().unwrap().contains("4096x4096"));
}

#[test]
fn server_pings_are_answered() {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let srv = Server::ws(move |_, ws| {
        let _ = ws.send(tungstenite::Message::Ping(b"hi".to_vec().into()));
        let _ = ws.get_mut().set_read_timeout(Some(Duration::from_secs(3)));
        let got = ws.read();
        let _ = tx.lock().unwrap().send(matches!(got, Ok(tungstenite::Message::Pong(ref p)) if &p[..] == b"hi"));
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("ping"), &srv.url(), &["--json"]);
    assert_eq!(run.code, 0);
    assert!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "no pong");
}

#[test]
fn client_pings_after_20_seconds_of_silence() {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let srv = Server::ws(move |_, ws| {
        let started = std::time::Instant::now();
        let _ = ws.get_mut().set_read_timeout(Some(Duration::from_secs(30)));
        let got = ws.read();
        let _ = tx.lock().unwrap().send((matches!(got, Ok(tungstenite::Message::Ping(_))), started.elapsed()));
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("clientping"), &srv.url(), &["--json"]);
    assert_eq!(run.code, 0);
    let (pinged, after) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(pinged && after >= Duration::from_secs(19) && after < Duration::from_secs(23), "{pinged} {after:?}");
}

#[test]
fn a_polling_reader_never_sees_a_partial_file() {
    let dir = scratch("atomic");
    let pngs: Vec<Vec<u8>> = (0..4).map(qr_png).collect();
    let served = pngs.clone();
    let srv = Server::ws(move |_, ws| {
        for i in 0..200 {
            send_qr(ws, &served[i % 4]);
        }
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (path, flag) = (dir.join("qr.png"), stop.clone());
    let reader = std::thread::spawn(move || {
        let mut seen = 0;
        while !flag.load(std::sync::atomic::Ordering::SeqCst) {
            if let Ok(bytes) = std::fs::read(&path) {
                assert!(pngs.contains(&bytes), "partial or foreign file of {} bytes", bytes.len());
                seen += 1;
            }
        }
        seen
    });
    let run = run_in(&dir, &srv.url(), &["--json", "--keep"]);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(reader.join().unwrap() > 0);
    assert_eq!(run.code, 0);
    assert_eq!(run.names().iter().filter(|n| *n == "qr").count(), 200);
    assert_eq!(files_in(&dir), ["qr.png"]);
}

#[test]
fn a_symlink_at_the_target_is_replaced_not_followed() {
    let dir = scratch("symlink");
    std::fs::write(dir.join("victim"), "precious").unwrap();
    std::os::unix::fs::symlink(dir.join("victim"), dir.join("qr.png")).unwrap();
    let srv = authorize(1);
    let run = run_in(&dir, &srv.url(), &["--json", "--keep"]);
    assert_eq!(run.code, 0);
    assert_eq!(std::fs::read_to_string(dir.join("victim")).unwrap(), "precious");
    assert!(!std::fs::symlink_metadata(dir.join("qr.png")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read(dir.join("qr.png")).unwrap(), qr_png(0));
}

#[test]
fn an_unwritable_target_is_73_and_named() {
    let dir = scratch("unwritable");
    std::fs::write(dir.join("afile"), "").unwrap();
    let srv = authorize(1);
    std::fs::create_dir(dir.join("adir")).unwrap();
    for out in ["missing/qr.png", "afile/qr.png", "adir"] {
        let run = run_in(&dir, &srv.url(), &["--json", "-o", out]);
        assert_eq!(run.code, 73, "{run:?}");
        assert_eq!(run.last()["kind"], "io");
        assert!(run.last()["message"].as_str().unwrap().contains(out));
    }
    assert_eq!(srv.connections(), 0, "fails before opening a scan window");
}

fn signal_ends_the_session(sig: i32, code: i32) {
    let dir = scratch(&format!("signal-{sig}"));
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let srv = Server::ws(move |_, ws: &mut WebSocket<TcpStream>| {
        send_qr(ws, &qr_png(0));
        let _ = ws.get_mut().set_read_timeout(Some(Duration::from_secs(10)));
        let got = ws.read();
        let _ = tx.lock().unwrap().send(matches!(got, Ok(tungstenite::Message::Close(_))));
    });
    let (child, mut out) = spawn(&dir, &srv.url(), &["--json", "--timeout", "20"]);
    read_until(&mut out, "\"qr\"");
    assert_eq!(files_in(&dir), ["qr.png"]);
    unsafe { libc::kill(child.id() as i32, sig) };
    let mut rest = String::new();
    let _ = std::io::Read::read_to_string(&mut out, &mut rest);
    let mut child = child;
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(code));
    let last: serde_json::Value = serde_json::from_str(rest.lines().last().unwrap()).unwrap();
    assert_eq!(
        (last["event"].clone(), last["kind"].clone(), last["exit_code"].clone()),
        (json!("failed"), json!("interrupted"), json!(code))
    );
    assert!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "no close frame");
    assert_eq!(files_in(&dir), Vec::<String>::new());
}

#[test]
fn sigint_is_130_and_cleans_up() {
    signal_ends_the_session(libc::SIGINT, 130);
}

#[test]
fn sigterm_is_143_and_cleans_up() {
    signal_ends_the_session(libc::SIGTERM, 143);
}

#[test]
fn human_lines_and_quiet() {
    let srv = authorize(1);
    let run = run_in(&scratch("human"), &srv.url(), &[]);
    assert_eq!(run.code, 0);
    let lines: Vec<_> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{run:?}");
    assert!(lines[0].starts_with("connecting to ws://127.0.0.1:") && lines[0].ends_with("/scanqrcode/*** (attempt 1)"));
    assert!(lines[2].starts_with("qr 1: qr.png (276x276)"));
    assert_eq!(lines[3], "authorized: logged in as 79001234567@c.us (Ann)");
    assert_eq!(run.stderr, "");
    let run = run_in(&scratch("quiet"), &authorize(1).url(), &["-q"]);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));
    let run = outcome_of(r#"{"type":"timeoutExpired"}"#, &["--quiet"]);
    assert_eq!((run.code, run.stdout.as_str()), (1, ""));
    assert!(run.stderr.starts_with("scanqr: timeout: "), "{run:?}");
}

#[test]
fn configuration_and_usage_errors_print_no_events() {
    let dir = scratch("config");
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], i32, &'a str);
    let cases: &[Case] = &[
        (&["--frobnicate"], &[], 64, "unknown option --frobnicate"),
        (&["--instance", "12a"], &[], 78, "digits only"),
        (&["--api-url", "ftp://h"], &[], 64, "not supported"),
        (&["--timeout", "soon"], &[], 64, "--timeout"),
        (&["--terminal", "maybe"], &[], 64, "auto, always or never"),
        (&[], &[("ID_INSTANCE", "")], 78, "no instance id"),
        (&[], &[("API_TOKEN_INSTANCE", "")], 78, "token is empty"),
        (&[], &[("API_TOKEN_INSTANCE", "a/b")], 78, "letters and digits"),
        (&["--token-file", "/nonexistent/token"], &[], 78, "/nonexistent/token"),
    ];
    for (args, env, code, needle) in cases {
        let mut cmd = command(&dir, "http://127.0.0.1:9", args);
        for (k, v) in *env {
            cmd.env(k, v);
        }
        let run = finish(cmd.spawn().unwrap(), Duration::from_secs(10));
        assert_eq!(run.code, *code, "{args:?} {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn token_file_is_read_and_wins_over_the_environment() {
    let dir = scratch("tokenfile");
    std::fs::write(dir.join("token"), format!("{TOKEN}\n")).unwrap();
    let srv = authorize(0);
    let mut cmd = command(&dir, &srv.url(), &["--json", "--token-file", "token"]);
    cmd.env("API_TOKEN_INSTANCE", "wrongtoken");
    let run = finish(cmd.spawn().unwrap(), Duration::from_secs(20));
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn help_and_version() {
    let dir = scratch("help");
    let run = finish(command(&dir, "", &["--help"]).spawn().unwrap(), Duration::from_secs(10));
    assert_eq!(run.code, 0);
    for needle in ["--token-file", "--terminal WHEN", "Exit codes", "API_TOKEN_INSTANCE", "{n}"] {
        assert!(run.stdout.contains(needle), "{needle}");
    }
    let run = finish(command(&dir, "", &["-V"]).spawn().unwrap(), Duration::from_secs(10));
    assert!(run.stdout.starts_with("scanqr "));
}

#[test]
fn sixty_seconds_without_a_frame_is_a_lost_connection() {
    let srv = Server::ws(|i, ws| {
        if i == 0 {
            // Never read, so the client's pings go unanswered.
            std::thread::sleep(Duration::from_secs(75));
            return;
        }
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let started = std::time::Instant::now();
    let run = finish(command(&scratch("silent60"), &srv.url(), &["--json"]).spawn().unwrap(), Duration::from_secs(80));
    assert_eq!(run.code, 0, "{run:?}");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(60) && took < Duration::from_secs(66), "{took:?}");
    let ev = run.events();
    let lost = ev.iter().find(|e| e["event"] == "reconnecting").unwrap();
    assert_eq!(lost["reason"], "no frame from the server for 60 s");
}
