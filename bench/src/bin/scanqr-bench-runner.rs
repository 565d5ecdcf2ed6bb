//! `scanqr-bench-runner LIMIT_MS STDOUT STDERR -- PROGRAM ARGS...`: runs
//! PROGRAM and prints `user_us sys_us maxrss_kib wall_us code`. Used by
//! `scanqr-bench`; see `runner.rs`.
#![deny(unsafe_code)]

#[path = "../runner.rs"]
mod runner;
// Only the child-reaping part of it is used here.
#[allow(dead_code)]
#[path = "../sys.rs"]
mod sys;

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    std::process::exit(runner::runner_main(&args));
}
