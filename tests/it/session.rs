//! A QR session through the binary: every event and outcome, with its exit
//! code; frames that are odd but survivable; human lines and `--quiet`.

use crate::support::*;
use scanqr::cli::Parsed;
use scanqr::config::Timing;
use serde_json::json;
use std::time::Duration;

fn outcome_of(frame: &'static str, args: &[&str]) -> Run {
    let srv = Server::ws(move |_, ws| {
        text(ws, frame);
        linger(ws, Duration::from_secs(5));
    });
    run_in(&scratch(&format!("outcome-{}", frame.len())), &srv.url(), args)
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
fn account_fields_beside_type_are_reported() {
    let srv = Server::ws(|_, ws| {
        text(ws, r#"{"type":"accountData","wid":"7@c.us","pushname":"Bo","message":"ok"}"#);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("beside"), &srv.url(), &["--json"]);
    assert_eq!(run.last(), json!({"event":"authorized","wid":"7@c.us","pushname":"Bo","exit_code":0}));
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
fn huge_png_header_is_refused_before_decoding() {
    // A valid PNG signature and IHDR claiming 4096x4096, then nothing.
    let mut png = crate::qr_fixtures::SIGNATURE.to_vec();
    png.extend(crate::qr_fixtures::ihdr(4096, 4096, 8, 0, 0));
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

/// In-process tests prove the rules about waits with `support::SHORT`; the
/// binary waits `Timing::STANDARD`, which is what `--help` and the README say.
#[test]
fn the_binary_waits_as_documented() {
    let env = |k: &str| ["ID_INSTANCE", "API_TOKEN_INSTANCE"].contains(&k).then(|| "1101".to_string());
    let Ok(Parsed::Run(cfg)) = scanqr::cli::parse(Vec::new(), &env) else { panic!("no run") };
    assert_eq!(cfg.timing, Timing::STANDARD);
    let t = Timing::STANDARD;
    let secs = [t.ping_after, t.lost_after, t.hook_limit, t.hook_drain, t.done_after_signal].map(|d| d.as_secs());
    assert_eq!(secs, [20, 60, 30, 5, 5], "ping, lost, hook limit, drain, --on-done after a signal");
    let dir = scratch("waits");
    let help = finish(command(&dir, "", &["--help"]).spawn().unwrap(), Duration::from_secs(10)).stdout;
    let limit = t.hook_limit.as_secs();
    for promise in [
        format!("running over {limit} s is a warning (killed at {limit} s)"),
        format!("hooks get {} s to finish", t.hook_drain.as_secs()),
        format!("--on-done then gets {} s", t.done_after_signal.as_secs()),
    ] {
        assert!(help.contains(&promise), "--help lacks {promise:?}");
    }
}
