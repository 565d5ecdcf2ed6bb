//! `scanqr state` and `scanqr logout`: one HTTP request each, its exit code,
//! and what network and protocol failures make of it.

use crate::support::*;
use scanqr_emulator::Scenario;
use serde_json::json;
use std::time::Duration;

fn state_run(state: &str, args: &[&str]) -> Run {
    let emu = scanqr_emulator::Server::start(scanqr_emulator::Options {
        instance: INSTANCE.into(),
        token: TOKEN.into(),
        state: state.into(),
        ..Default::default()
    })
    .unwrap();
    run_in(&scratch(&format!("state-{state}")), &emu.api_url(), args)
}

#[test]
fn state_exit_codes() {
    for (state, code) in [
        ("authorized", 0),
        ("notAuthorized", 1),
        ("blocked", 69),
        ("sleepMode", 75),
        ("starting", 75),
        ("yellowCard", 69),
    ] {
        let run = state_run(state, &["state", "--json"]);
        assert_eq!(run.code, code, "{state}: {run:?}");
        assert_eq!(run.events(), [json!({"event":"state","state":state,"exit_code":code})]);
    }
    let run = state_run("authorized", &["state", "-q"]);
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""));
    let run = state_run("notAuthorized", &["state"]);
    assert!(run.stderr.contains("state: notAuthorized"), "{run:?}");
}

#[test]
fn state_over_tls_and_rejected_credentials() {
    let emu = emulator(fast_authorize(1), true);
    let ca = emu.ca_pem_path().unwrap().to_str().unwrap().to_string();
    let run = run_in(&scratch("state-tls"), &emu.api_url(), &["state", "--json", "--ca-file", &ca]);
    assert_eq!(run.code, 0, "{run:?}");
    let dir = scratch("state-401");
    let mut cmd = command(&dir, &emu.api_url(), &["state", "--json", "--ca-file", &ca]);
    cmd.env("API_TOKEN_INSTANCE", "wrong0token");
    let run = finish(cmd.spawn().unwrap(), Duration::from_secs(20));
    assert_eq!((run.code, run.last()["kind"].clone()), (77, json!("rejected")), "{run:?}");
}

#[test]
fn state_network_and_protocol_failures() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let run = run_in(&scratch("state-refused"), &format!("http://127.0.0.1:{port}"), &["state", "--json"]);
    assert_eq!((run.code, run.last()["kind"].clone()), (75, json!("network")), "{run:?}");
    let srv = Server::raw(|_, mut s| {
        read_head(&mut s);
        let _ = std::io::Write::write_all(&mut s, b"HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\nno");
    });
    let run = run_in(&scratch("state-500"), &srv.url(), &["state", "--json"]);
    assert_eq!((run.code, run.last()["kind"].clone()), (76, json!("protocol")), "{run:?}");
    let srv = Server::raw(|_, mut s| {
        read_head(&mut s);
        let body = r#"{"stateInstance":"notAuthorized"}"#;
        let chunked =
            format!("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{body}\r\n0\r\n\r\n", body.len());
        for b in chunked.as_bytes() {
            let _ = std::io::Write::write_all(&mut s, &[*b]);
        }
    });
    let run = run_in(&scratch("state-chunked"), &srv.url(), &["state", "--json"]);
    assert_eq!(run.code, 1, "{run:?}");
}

#[test]
fn logout_then_state_is_not_authorized() {
    let emu = emulator(Scenario::Already, false);
    let run = run_in(&scratch("logout"), &emu.api_url(), &["logout", "--json"]);
    assert_eq!(run.events(), [json!({"event":"logout","logged_out":true,"exit_code":0})]);
    let run = run_in(&scratch("logout-state"), &emu.api_url(), &["state", "--json"]);
    assert_eq!(run.code, 1, "{run:?}");
}
