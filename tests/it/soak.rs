//! `make soak`: 500 consecutive sessions with mixed scenarios (not in CI).

use crate::support::*;
use scanqr_emulator::Scenario;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").map(|d| d.count()).unwrap_or(0)
}

/// Peak RSS in KiB and the exit code of a finished child, via wait4. The
/// figure counts the test process too (a spawned child runs on its memory
/// until exec), so it only shows growth; `hostile.rs` checks scanqr's own
/// high-water mark against a limit.
fn wait_rusage(child: &std::process::Child) -> (i32, i64) {
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let pid = child.id() as i32;
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid);
    let code = if libc::WIFEXITED(status) { libc::WEXITSTATUS(status) } else { -1 };
    (code, usage.ru_maxrss)
}

#[test]
#[ignore = "soak: run with make soak"]
fn five_hundred_sessions() {
    let sessions: usize = std::env::var("SOAK_SESSIONS").ok().and_then(|s| s.parse().ok()).unwrap_or(500);
    let fast = Duration::from_millis(5);
    let scenarios: Vec<(&str, Scenario, i32)> = vec![
        ("authorize", Scenario::Authorize { qr: 2, every: fast }, 0),
        ("already", Scenario::Already, 0),
        ("timeout", Scenario::Timeout { qr: 1, every: fast }, 1),
        ("error", Scenario::Error("instance is blocked".into()), 69),
        ("reject", Scenario::Reject, 77),
        ("drop", Scenario::Drop { qr: 1, every: fast }, 0),
        ("flood", Scenario::Flood(50), 0),
    ];
    let servers: Vec<_> = scenarios.iter().map(|(_, s, _)| emulator(s.clone(), false)).collect();
    let dir = scratch("soak");
    let fds_before = open_fds();
    let started = Instant::now();
    let mut counts: BTreeMap<(&str, i32), usize> = BTreeMap::new();
    let (mut rss_first, mut rss_max) = (0, 0);
    for i in 0..sessions {
        let k = i % scenarios.len();
        let (name, _, want) = &scenarios[k];
        let mut cmd = command(&dir, &servers[k].api_url(), &["--json", "--terminal", "always", "-o", "qr-{n}.png"]);
        cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        #[allow(clippy::zombie_processes)] // reaped by wait4 in wait_rusage
        let child = cmd.spawn().unwrap();
        let (code, rss) = wait_rusage(&child);
        assert_eq!(code, *want, "session {i} ({name})");
        assert_eq!(files_in(&dir), Vec::<String>::new(), "session {i} ({name}) left files");
        if i < scenarios.len() {
            rss_first = rss_first.max(rss);
        }
        rss_max = rss_max.max(rss);
        *counts.entry((name, code)).or_default() += 1;
    }
    let fds_after = open_fds();
    println!("soak: {sessions} sessions in {:.1} s", started.elapsed().as_secs_f64());
    for ((name, code), n) in &counts {
        println!("  {name:<10} exit {code:<3} x{n}");
    }
    println!("  peak RSS (wait4, with the test process): first round {rss_first} KiB, whole run {rss_max} KiB; open fds {fds_before} -> {fds_after}");
    assert!(fds_after <= fds_before + 2, "fd growth {fds_before} -> {fds_after}");
    assert!(rss_max <= rss_first + 1024, "RSS grew: {rss_first} -> {rss_max} KiB");
}
