//! Issue 6: hooks, `scanqr state`, `scanqr logout`.

use crate::support::*;
use scanqr_emulator::Scenario;
use serde_json::json;
use std::time::{Duration, Instant};

#[test]
fn on_qr_gets_the_file_and_never_the_token() {
    let emu = emulator(fast_authorize(2), false);
    let dir = scratch("onqr");
    let hook = r#"cp "$SCANQR_FILE" "copy-$SCANQR_N.png"; env > "env-$SCANQR_N.txt""#;
    let run = run_in(&dir, &emu.api_url(), &["--json", "--on-qr", hook]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(files_in(&dir), ["copy-1.png", "copy-2.png", "env-1.txt", "env-2.txt"]);
    let env = std::fs::read_to_string(dir.join("env-2.txt")).unwrap();
    assert!(env.contains(&format!("SCANQR_INSTANCE={INSTANCE}\n")) && env.contains("SCANQR_N=2\n"), "{env}");
    assert!(env.contains("SCANQR_FILE=qr.png\n"), "{env}");
    assert!(!env.contains(TOKEN), "token handed to a hook");
    let png = std::fs::read(dir.join("copy-1.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
}

#[test]
fn a_slow_hook_does_not_block_the_session_and_is_killed_at_the_end() {
    let emu = emulator(fast_authorize(1), false);
    let dir = scratch("slowhook");
    let started = Instant::now();
    // The hook's children share its process group: all of it must go.
    let run = run_in(&dir, &emu.api_url(), &["--json", "--on-qr", "sleep 60 & sleep 60; touch survived"]);
    assert_eq!(run.code, 0, "{run:?}");
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(5) && took < Duration::from_secs(9), "{took:?}");
    let names = run.names();
    assert_eq!(names[names.len() - 2], "warning");
    assert!(run.events()[names.len() - 2]["message"].as_str().unwrap().contains("still running"));
    std::thread::sleep(Duration::from_millis(200));
    let out = std::process::Command::new("pgrep").args(["-f", "sleep 60 & sleep 60"]).output();
    if let Ok(out) = out {
        assert!(out.stdout.is_empty(), "hook left behind: {}", String::from_utf8_lossy(&out.stdout));
    }
    assert!(!dir.join("survived").exists());
}

#[test]
fn a_failing_hook_is_a_warning() {
    let emu = emulator(fast_authorize(1), false);
    let run = run_in(&scratch("failhook"), &emu.api_url(), &["--json", "--on-qr", "echo hook-output; exit 3"]);
    assert_eq!(run.code, 0);
    let warnings: Vec<_> = run.events().into_iter().filter(|e| e["event"] == "warning").collect();
    assert_eq!(warnings.len(), 1, "{run:?}");
    assert!(warnings[0]["message"].as_str().unwrap().contains("exit status: 3"), "{warnings:?}");
    assert!(run.stderr.contains("hook-output"), "hook output goes to stderr, stdout stays JSON");
}

#[test]
fn on_done_gets_the_outcome() {
    for (scenario, outcome, code) in [
        (fast_authorize(1), "authorized", 0),
        (Scenario::Timeout { qr: 1, every: Duration::from_millis(50) }, "timeout", 1),
        (Scenario::Error("instance is blocked".into()), "api_error", 69),
    ] {
        let emu = emulator(scenario, false);
        let dir = scratch(&format!("ondone-{code}"));
        let run =
            run_in(&dir, &emu.api_url(), &["--json", "--on-done", "echo $SCANQR_OUTCOME $SCANQR_EXIT > done.txt"]);
        assert_eq!(run.code, code, "{run:?}");
        assert_eq!(std::fs::read_to_string(dir.join("done.txt")).unwrap(), format!("{outcome} {code}\n"));
        assert_eq!(run.last()["event"], outcome, "the outcome stays the last line");
    }
}

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
    let mut cmd = command(&scratch("state-401"), &emu.api_url(), &["state", "--json", "--ca-file", &ca]);
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
        let mut buf = [0u8; 2048];
        let _ = std::io::Read::read(&mut s, &mut buf);
        let _ = std::io::Write::write_all(&mut s, b"HTTP/1.1 500 Oops\r\nContent-Length: 2\r\n\r\nno");
    });
    let run = run_in(&scratch("state-500"), &srv.url(), &["state", "--json"]);
    assert_eq!((run.code, run.last()["kind"].clone()), (76, json!("protocol")), "{run:?}");
    let srv = Server::raw(|_, mut s| {
        let mut buf = [0u8; 2048];
        let _ = std::io::Read::read(&mut s, &mut buf);
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

#[test]
fn a_hook_over_30_seconds_is_killed_with_a_warning() {
    // The session outlives the hook: the emulator sends the outcome after 33 s.
    let emu = emulator(Scenario::Authorize { qr: 1, every: Duration::from_secs(33) }, false);
    let dir = scratch("hook30");
    let started = Instant::now();
    let run = run_in(&dir, &emu.api_url(), &["--json", "--on-qr", "sleep 45; touch survived"]);
    assert_eq!(run.code, 0, "{run:?}");
    let warnings: Vec<_> = run.events().into_iter().filter(|e| e["event"] == "warning").collect();
    assert_eq!(warnings.len(), 1, "{run:?}");
    assert!(warnings[0]["message"].as_str().unwrap().contains("ran over 30 s; killed"), "{warnings:?}");
    assert!(started.elapsed() < Duration::from_secs(40));
    assert!(!dir.join("survived").exists());
}

#[test]
fn a_signal_does_not_wait_for_hooks() {
    let emu = emulator(Scenario::Authorize { qr: 1, every: Duration::from_secs(30) }, false);
    let dir = scratch("hook-signal");
    let args = ["--json", "--on-qr", "sleep 20", "--on-done", "echo $SCANQR_OUTCOME > done.txt; sleep 20"];
    let (child, mut out) = spawn(&dir, &emu.api_url(), &args);
    read_until(&mut out, "\"qr\"");
    let started = Instant::now();
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let mut child = child;
    let status = child.wait().unwrap();
    let took = started.elapsed();
    assert_eq!(status.code(), Some(143));
    // --on-qr killed at once, --on-done given 5 s.
    assert!(took < Duration::from_secs(7), "{took:?}");
    assert_eq!(std::fs::read_to_string(dir.join("done.txt")).unwrap(), "failed\n");
    assert_eq!(files_in(&dir), ["done.txt"]);
}
