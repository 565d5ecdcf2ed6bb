//! `--on-qr` and `--on-done`: what a hook is given (never the token), that
//! it never blocks the session, and that no part of it outlives its limit,
//! the end of the run or a signal. The waits are proven in-process, with
//! short ones.

use crate::support::*;
use scanqr_emulator::Scenario;
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
    let probe = HookProbe::new("slowhook");
    let started = Instant::now();
    let run = run_inproc(&dir, &emu.api_url(), &["--json", "--on-qr", &probe.command()], SHORT);
    assert_eq!(run.code, 0, "{run:?}");
    let took = started.elapsed();
    assert!(took >= SHORT.hook_drain && took < SHORT.hook_drain + Duration::from_secs(4), "{took:?}");
    let names = run.names();
    assert_eq!(names[names.len() - 2], "warning");
    assert!(run.events()[names.len() - 2]["message"].as_str().unwrap().contains("still running"));
    // The hook's children share its process group: all of it must go.
    probe.assert_started_and_gone();
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

#[test]
fn a_hook_over_the_limit_is_killed_with_a_warning() {
    // The session outlives the hook limit: the emulator sends the outcome later.
    let session = SHORT.hook_limit + Duration::from_millis(1500);
    let emu = emulator(Scenario::Authorize { qr: 1, every: session }, false);
    let dir = scratch("hooklimit");
    let probe = HookProbe::new("hooklimit");
    let started = Instant::now();
    let run = run_inproc(&dir, &emu.api_url(), &["--json", "--on-qr", &probe.command()], SHORT);
    assert_eq!(run.code, 0, "{run:?}");
    let warnings: Vec<_> = run.events().into_iter().filter(|e| e["event"] == "warning").collect();
    assert_eq!(warnings.len(), 1, "{run:?}");
    let killed = format!("ran over {} s; killed", SHORT.hook_limit.as_secs());
    assert!(warnings[0]["message"].as_str().unwrap().contains(&killed), "{warnings:?}");
    assert!(started.elapsed() < session + Duration::from_secs(3), "{:?}", started.elapsed());
    probe.assert_started_and_gone();
}

#[test]
fn a_signal_does_not_wait_for_hooks() {
    let emu = emulator(Scenario::Authorize { qr: 1, every: Duration::from_secs(30) }, false);
    let dir = scratch("hook-signal");
    let (on_qr, on_done) = (HookProbe::new("signal-qr"), HookProbe::new("signal-done"));
    let done = format!("echo $SCANQR_OUTCOME > done.txt; {}", on_done.command());
    let args = ["--json", "--on-qr", &on_qr.command(), "--on-done", &done];
    let mut scanqr = spawn(&dir, &emu.api_url(), &args);
    scanqr.read_until("\"qr\"");
    on_qr.wait_started();
    let started = Instant::now();
    scanqr.signal(libc::SIGTERM);
    let run = scanqr.finish(Duration::from_secs(20));
    let took = started.elapsed();
    assert_eq!(run.code, 143, "{run:?}");
    // --on-qr killed at once, --on-done given 5 s (the binary's waits).
    assert!(took >= Duration::from_secs(5) && took < Duration::from_secs(7), "{took:?}");
    assert_eq!(std::fs::read_to_string(dir.join("done.txt")).unwrap(), "failed\n");
    assert_eq!(files_in(&dir), ["done.txt"]);
    on_qr.assert_started_and_gone();
    on_done.assert_started_and_gone();
}
