//! `--phone`: one pairing code, shown and handed to `--on-code`, then the state
//! polled every 2 s until it is entered, `--timeout`, or a signal.

use crate::support::api::{ok, state, Api, Reply};
use crate::support::*;
use serde_json::json;
use std::time::{Duration, Instant};

const CODE: &str = r#"{"status":true,"code":"ABCD1234"}"#;
const SETTINGS: &str = r#"{"avatar":"","phone":"79001234567","stateInstance":"authorized","deviceId":"d1"}"#;

/// GREEN-API where the code is entered after `polls` polls answered notAuthorized.
fn entered_after(polls: usize) -> Api {
    Api::start(move |call, n| match call {
        "getAuthorizationCode" => ok(CODE),
        "getStateInstance" if n >= polls => state("authorized"),
        "getStateInstance" => state("notAuthorized"),
        "getWaSettings" => ok(SETTINGS),
        _ => Reply::Json(404, "{}".into()),
    })
}

#[test]
fn one_code_is_asked_for_shown_and_handed_to_the_hook_then_the_login_ends_authorized() {
    let api = entered_after(1);
    let dir = scratch("pair-ok");
    let args = [
        "--json",
        "--phone",
        "+7 (900) 123-45-67",
        "--on-code",
        "env > code.env",
        "--on-done",
        "echo $SCANQR_OUTCOME $SCANQR_EXIT > done.txt",
    ];
    let run = run_in(&dir, &api.url(), &args);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.events(),
        [
            json!({"event":"pairing_code","code":"ABCD1234","valid_s":150}),
            json!({"event":"authorized","phone":"79001234567","exit_code":0}),
        ]
    );
    let asked: Vec<_> = api.requests().into_iter().filter(|r| r.call == "getAuthorizationCode").collect();
    assert_eq!(asked.len(), 1, "one code a run: {:?}", api.requests());
    assert_eq!(asked[0].verb, "POST");
    assert!(asked[0].head.contains("\r\ncontent-type: application/json"), "{:?}", asked[0].head);
    let body: serde_json::Value = serde_json::from_str(&asked[0].body).unwrap();
    assert_eq!(body, json!({"phoneNumber": 79001234567u64}));
    assert!(body["phoneNumber"].is_u64(), "a JSON number, not a string");
    assert_eq!(api.calls("getStateInstance"), 2);
    // No websocket, no QR file: only the hooks' files are in the directory.
    assert!(api.requests().iter().all(|r| r.call != "scanqrcode"), "{:?}", api.requests());
    assert_eq!(files_in(&dir), ["code.env", "done.txt"]);
    let env = std::fs::read_to_string(dir.join("code.env")).unwrap();
    assert!(env.contains("SCANQR_CODE=ABCD1234\n") && env.contains(&format!("SCANQR_INSTANCE={INSTANCE}\n")), "{env}");
    assert!(!env.contains(TOKEN), "token handed to --on-code");
    assert_eq!(std::fs::read_to_string(dir.join("done.txt")).unwrap(), "authorized 0\n");
}

#[test]
fn the_human_lines_show_the_code_grouped_and_where_to_enter_it() {
    let api = entered_after(0);
    let run = run_in(&scratch("pair-human"), &api.url(), &["--phone", "79001234567"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{run:?}");
    assert!(lines[0].contains("ABCD-1234") && lines[0].contains("valid 150 s"), "{}", lines[0]);
    assert!(lines[0].contains("WhatsApp > Linked devices > Link a device > Link with phone number instead"));
    assert_eq!(lines[1], "authorized: logged in as 79001234567");
    assert_eq!(run.stderr, "");
}

#[test]
fn no_code_is_an_api_error_and_no_second_request() {
    for answer in [r#"{"status":false}"#, r#"{"status":true}"#, r#"{"status":false,"code":"ABCD1234"}"#] {
        let api = Api::start(move |call, _| match call {
            "getAuthorizationCode" => ok(answer),
            _ => state("notAuthorized"),
        });
        let dir = scratch("pair-nocode");
        let run = run_in(&dir, &api.url(), &["--json", "--phone", "79001234567", "--on-code", "touch ran"]);
        assert_eq!((run.code, run.names()), (69, vec!["api_error".to_string()]), "{answer}: {run:?}");
        assert!(run.last()["message"].as_str().unwrap().contains("getAuthorizationCode"), "{run:?}");
        assert_eq!(api.requests().len(), 1, "{answer}: {:?}", api.requests());
        assert!(files_in(&dir).is_empty(), "no --on-code without a code");
    }
}

#[test]
fn a_code_not_entered_before_the_timeout_ends_in_timeout() {
    let api = entered_after(usize::MAX);
    let dir = scratch("pair-timeout");
    let started = Instant::now();
    let args =
        ["--phone", "79001234567", "--timeout", "3", "--on-done", "echo $SCANQR_OUTCOME $SCANQR_EXIT > done.txt"];
    let run = run_in(&dir, &api.url(), &args);
    let took = started.elapsed();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("timeout: the pairing code was not entered"), "{run:?}");
    assert!(took >= Duration::from_secs(3) && took < Duration::from_secs(5), "{took:?}");
    assert_eq!(api.calls("getAuthorizationCode"), 1);
    assert_eq!(api.calls("getStateInstance"), 1, "polled at 2 s; the deadline came before 4 s");
    assert_eq!(std::fs::read_to_string(dir.join("done.txt")).unwrap(), "timeout 1\n");
}

#[test]
fn a_failing_poll_is_a_warning_and_the_poll_goes_on() {
    let api = Api::start(|call, n| match (call, n) {
        ("getAuthorizationCode", _) => ok(CODE),
        ("getStateInstance", 0) => Reply::Drop,
        ("getStateInstance", 1) => Reply::Json(502, "{}".into()),
        ("getStateInstance", _) => state("authorized"),
        // Logged in, but which phone is unknown: still authorized.
        _ => Reply::Drop,
    });
    let run = run_in(&scratch("pair-blip"), &api.url(), &["--json", "--phone", "79001234567"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.names(), ["pairing_code", "warning", "warning", "warning", "authorized"], "{run:?}");
    assert_eq!(run.last(), json!({"event":"authorized","exit_code":0}));
    assert_eq!(api.calls("getAuthorizationCode"), 1);
    assert_eq!((api.calls("getStateInstance"), api.calls("getWaSettings")), (3, 1));
}

#[test]
fn rejected_credentials_at_any_step_end_77() {
    for rejected_at in ["getAuthorizationCode", "getStateInstance", "getWaSettings"] {
        let api = Api::start(move |call, _| match call {
            c if c == rejected_at => Reply::Json(if c == "getWaSettings" { 403 } else { 401 }, "{}".into()),
            "getAuthorizationCode" => ok(CODE),
            "getStateInstance" => state("authorized"),
            _ => ok(SETTINGS),
        });
        let run = run_in(&scratch("pair-401"), &api.url(), &["--json", "--phone", "79001234567"]);
        assert_eq!((run.code, run.last()["kind"].clone()), (77, json!("rejected")), "{rejected_at}: {run:?}");
        assert_eq!(api.calls("getAuthorizationCode"), 1);
        assert_eq!(api.requests().last().unwrap().call, rejected_at);
    }
}

#[test]
fn a_signal_while_polling_ends_the_run_at_once() {
    for (sig, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let api = entered_after(usize::MAX);
        let dir = scratch(&format!("pair-signal-{code}"));
        let args = ["--json", "--phone", "79001234567", "--on-done", "echo $SCANQR_OUTCOME $SCANQR_EXIT > done.txt"];
        let mut running = spawn(&dir, &api.url(), &args);
        running.read_until("pairing_code");
        std::thread::sleep(Duration::from_millis(300));
        let started = Instant::now();
        running.signal(sig);
        let run = running.finish(Duration::from_secs(5));
        assert_eq!(run.code, code);
        assert!(started.elapsed() < Duration::from_millis(800), "{:?}", started.elapsed());
        assert_eq!(std::fs::read_to_string(dir.join("done.txt")).unwrap(), format!("failed {code}\n"));
    }
}

#[test]
fn help_names_the_pairing_code_options() {
    let run = finish(command(&scratch("pair-help"), "", &["--help"]).spawn().unwrap(), Duration::from_secs(10));
    for needle in ["--phone NUMBER", "--on-code CMD", "SCANQR_CODE", "scanqr ensure", "scanqr reboot"] {
        assert!(run.stdout.contains(needle), "{needle}");
    }
}
