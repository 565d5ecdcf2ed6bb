//! `scanqr ensure`: one getStateInstance, then the login only for notAuthorized;
//! every other state is the outcome, with its exit code.

use crate::support::api::{ok, state, Api, Reply};
use crate::support::*;
use serde_json::json;

const ACCOUNT: &str = r#"{"type":"accountData","message":{"wid":"79001234567@c.us"}}"#;

/// GREEN-API in `initial` state whose websocket sends `frames`, with a pairing code entered at once.
fn green(initial: &'static str, frames: Vec<String>) -> Api {
    Api::start(move |call, _| match call {
        "getStateInstance" => state(initial),
        "scanqrcode" => Reply::Ws(frames.clone()),
        "getAuthorizationCode" => ok(r#"{"status":true,"code":"WXYZ9876"}"#),
        "getWaSettings" => ok(r#"{"phone":"79001234567"}"#),
        _ => Reply::Json(404, "{}".into()),
    })
}

#[test]
fn a_state_other_than_not_authorized_is_the_outcome_and_nothing_else_is_done() {
    for (s, code) in [
        ("authorized", 0),
        ("starting", 75),
        ("sleepMode", 75),
        ("blocked", 69),
        ("yellowCard", 69),
        ("aStateFromTheFuture", 69),
    ] {
        let api = green(s, vec![ACCOUNT.into()]);
        let run = run_in(&scratch("ensure-state"), &api.url(), &["ensure", "--json", "--phone", "79001234567"]);
        assert_eq!(run.events(), [json!({"event":"state","state":s,"exit_code":code})], "{s}: {run:?}");
        let calls: Vec<String> = api.requests().into_iter().map(|r| r.call).collect();
        assert_eq!(calls, ["getStateInstance"], "{s}");
    }
}

#[test]
fn authorized_is_silent_with_quiet_and_other_states_are_not() {
    let api = green("authorized", vec![]);
    let run = run_in(&scratch("ensure-quiet"), &api.url(), &["ensure", "-q"]);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));
    let api = green("starting", vec![]);
    let run = run_in(&scratch("ensure-quiet-starting"), &api.url(), &["ensure", "-q"]);
    assert_eq!((run.code, run.stdout.as_str()), (75, ""));
    assert!(run.stderr.contains("state: starting: temporary") && run.stderr.contains("scanqr reboot"), "{run:?}");
}

#[test]
fn not_authorized_runs_the_qr_login() {
    let qr = {
        use base64::Engine;
        format!(r#"{{"type":"qrCode","message":"{}"}}"#, base64::engine::general_purpose::STANDARD.encode(qr_png(1)))
    };
    for (frames, outcome, code) in [
        (vec![qr.clone(), ACCOUNT.to_string()], "authorized", 0),
        (vec![qr, r#"{"type":"timeoutExpired"}"#.to_string()], "timeout", 1),
    ] {
        let api = green("notAuthorized", frames);
        let dir = scratch("ensure-qr");
        let run = run_in(&dir, &api.url(), &["ensure", "--json"]);
        assert_eq!(run.code, code, "{run:?}");
        assert_eq!(run.names(), ["state", "connecting", "connected", "qr", outcome], "{run:?}");
        assert_eq!(run.events()[0], json!({"event":"state","state":"notAuthorized"}), "not an outcome: no exit_code");
        assert_eq!(api.calls("getAuthorizationCode"), 0);
        assert!(files_in(&dir).is_empty(), "QR file removed at the end");
    }
}

#[test]
fn not_authorized_with_a_phone_runs_the_pairing_login() {
    // getStateInstance answers notAuthorized to ensure, then authorized to the poll.
    let api = Api::start(|call, n| match (call, n) {
        ("getStateInstance", 0) => state("notAuthorized"),
        ("getStateInstance", _) => state("authorized"),
        ("getAuthorizationCode", _) => ok(r#"{"status":true,"code":"WXYZ9876"}"#),
        _ => ok(r#"{"phone":"79001234567"}"#),
    });
    let run = run_in(&scratch("ensure-phone"), &api.url(), &["ensure", "--json", "--phone", "79001234567"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.names(), ["state", "pairing_code", "authorized"], "{run:?}");
    assert_eq!(run.last(), json!({"event":"authorized","phone":"79001234567","exit_code":0}));
    let calls: Vec<String> = api.requests().into_iter().map(|r| r.call).collect();
    assert_eq!(calls, ["getStateInstance", "getAuthorizationCode", "getStateInstance", "getWaSettings"]);
}

#[test]
fn a_state_that_cannot_be_read_is_a_failure_with_its_code() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let refused = format!("http://127.0.0.1:{port}");
    let rejected = Api::start(|_, _| Reply::Json(401, "{}".into()));
    let broken = Api::start(|_, _| Reply::Json(500, "{}".into()));
    let no_state = Api::start(|_, _| ok(r#"{"state":"authorized"}"#));
    for (url, kind, code) in [
        (refused, "network", 75),
        (rejected.url(), "rejected", 77),
        (broken.url(), "protocol", 76),
        (no_state.url(), "protocol", 76),
    ] {
        let run = run_in(&scratch("ensure-fail"), &url, &["ensure", "--json"]);
        assert_eq!((run.code, run.names()), (code, vec!["failed".to_string()]), "{kind}: {run:?}");
        assert_eq!(run.last()["kind"], kind);
    }
}

#[test]
fn on_done_runs_when_ensure_needed_no_login() {
    let api = green("blocked", vec![ACCOUNT.into()]);
    let dir = scratch("ensure-done");
    let run =
        run_in(&dir, &api.url(), &["ensure", "--json", "--on-done", "echo $SCANQR_OUTCOME $SCANQR_EXIT > done.txt"]);
    assert_eq!(run.code, 69, "{run:?}");
    assert_eq!(std::fs::read_to_string(dir.join("done.txt")).unwrap(), "state 69\n");
    let api = green("authorized", vec![ACCOUNT.into()]);
    let dir = scratch("ensure-done-ok");
    let run = run_in(&dir, &api.url(), &["ensure", "--json", "--on-done", "echo $SCANQR_OUTCOME > done.txt"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(!dir.join("done.txt").exists(), "no --on-done for an instance that is fine");
}
