//! `scanqr-bench-runner LIMIT_MS STDOUT STDERR -- PROGRAM ARGS...`: runs
//! PROGRAM and prints `user_us sys_us maxrss_kib wall_us code`. Used by
//! `scanqr-bench`; see `runner.rs`.

#[path = "../runner.rs"]
mod runner;

fn main() {
    let args: Vec<std::ffi::OsString> = std::env::args_os().skip(1).collect();
    std::process::exit(runner::runner_main(&args));
}
