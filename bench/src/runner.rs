//! The measuring runner: spawns one command, reaps it with `wait4`, prints
//! its usage on one line. Built into the tiny `scanqr-bench-runner` binary
//! (std and libc only, so its own RSS, the floor of every peak-RSS figure,
//! stays small) and into `scanqr-bench` as a fallback (`__measure`).

use crate::sys;
use std::ffi::OsString;
use std::fs::File;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// `LIMIT_MS STDOUT STDERR -- PROGRAM ARGS...`. Prints
/// `user_us sys_us maxrss_kib wall_us code` on one line.
pub fn runner_main(args: &[OsString]) -> i32 {
    match runner(args) {
        Ok(line) => {
            println!("{line}");
            0
        }
        Err(e) => {
            println!("error: {e}");
            1
        }
    }
}

fn runner(args: &[OsString]) -> Result<String, String> {
    let [limit, out, err, dashes, program, rest @ ..] = args else {
        return Err("usage: LIMIT_MS STDOUT STDERR -- PROGRAM ARGS...".into());
    };
    if dashes != "--" {
        return Err("expected --".into());
    }
    let limit_ms: u64 = limit.to_str().and_then(|s| s.parse().ok()).ok_or("bad LIMIT_MS")?;
    let out = File::create(out).map_err(|e| format!("stdout file: {e}"))?;
    let err = File::create(err).map_err(|e| format!("stderr file: {e}"))?;

    let start = Instant::now();
    let child = Command::new(program)
        .args(rest)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", program.to_string_lossy()))?;
    let pid = child.id();

    // Watchdog: a hung child must not hang the benchmark.
    let done = Arc::new(AtomicBool::new(false));
    let done_w = Arc::clone(&done);
    std::thread::spawn(move || {
        let until = Instant::now() + Duration::from_millis(limit_ms);
        while Instant::now() < until {
            if done_w.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if !done_w.load(Ordering::SeqCst) {
            // Still unreaped (`done` is set right after the reap), so still ours.
            sys::kill(pid);
        }
    });

    let reaped = sys::wait4(pid).map_err(|e| format!("wait4: {e}"))?;
    let wall = start.elapsed();
    done.store(true, Ordering::SeqCst);
    drop(child); // already reaped; dropping a Child does not wait

    Ok(format!(
        "{} {} {} {} {}",
        reaped.user.as_micros(),
        reaped.sys.as_micros(),
        reaped.maxrss_kib,
        wall.as_micros(),
        reaped.code
    ))
}
