//! Measuring a child process: CPU and peak RSS from `wait4`, wall time from
//! just before the spawn to the reap.
//!
//! The child is not spawned by the benchmark process itself but by a small
//! runner (`scanqr-bench-runner`, see `runner.rs`). Linux folds the RSS
//! high-water mark of the address space an `exec` replaces into the new
//! program's `ru_maxrss`; spawned straight from the benchmark (which holds
//! an emulator, its threads, OpenSSL and the decoded test images) every
//! child would inherit the benchmark's peak. The runner is freshly exec'd
//! and links only std and libc, so what it adds is a small floor, which
//! [`floor`] measures and the report prints. Without the runner binary,
//! this executable re-runs itself as `scanqr-bench __measure ...` instead,
//! with a higher floor.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The first argument that turns `scanqr-bench` itself into the runner.
pub const RUNNER_ARG: &str = "__measure";
/// The runner binary, beside `scanqr-bench`.
pub const RUNNER_BIN: &str = "scanqr-bench-runner";

/// The runner to use: the small binary beside this one, else this one.
fn runner_command() -> Result<Command, String> {
    let exe = std::env::current_exe().map_err(|e| format!("cannot find the benchmark's own executable: {e}"))?;
    let small = exe.with_file_name(RUNNER_BIN);
    Ok(if small.is_file() {
        Command::new(small)
    } else {
        let mut c = Command::new(exe);
        c.arg(RUNNER_ARG);
        c
    })
}

/// Whether the small runner binary is there (else the floor is higher).
pub fn small_runner() -> bool {
    std::env::current_exe().is_ok_and(|exe| exe.with_file_name(RUNNER_BIN).is_file())
}

/// What one child run cost.
#[derive(Debug, Clone, Copy)]
pub struct Usage {
    pub user: Duration,
    pub sys: Duration,
    /// Peak resident set, bytes.
    pub maxrss: u64,
    /// From just before the spawn until the child was reaped.
    pub wall: Duration,
    /// The exit code, or 128 + the signal number.
    pub code: i32,
}

impl Usage {
    pub fn cpu(&self) -> Duration {
        self.user + self.sys
    }
}

/// A command to measure.
pub struct Job<'a> {
    pub program: &'a Path,
    pub args: Vec<OsString>,
    pub env: Vec<(String, String)>,
    pub cwd: &'a Path,
    /// The child's stdout and stderr go to these files.
    pub stdout: PathBuf,
    pub stderr: PathBuf,
    /// Killed (SIGKILL) after this long.
    pub limit: Duration,
}

/// Runs `job` under the runner and returns its usage.
pub fn run(job: &Job) -> Result<Usage, String> {
    let output = runner_command()?
        .arg(job.limit.as_millis().to_string())
        .arg(&job.stdout)
        .arg(&job.stderr)
        .arg("--")
        .arg(job.program)
        .args(&job.args)
        .envs(job.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .current_dir(job.cwd)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start the runner: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("runner failed ({}): {}", output.status, text.trim()));
    }
    parse_line(text.trim()).ok_or_else(|| format!("runner printed {:?}", text.trim()))
}

fn parse_line(line: &str) -> Option<Usage> {
    let v: Vec<i64> = line.split_whitespace().map(|w| w.parse().ok()).collect::<Option<_>>()?;
    let [user_us, sys_us, maxrss_kib, wall_us, code] = v[..] else {
        return None;
    };
    Some(Usage {
        user: Duration::from_micros(user_us.try_into().ok()?),
        sys: Duration::from_micros(sys_us.try_into().ok()?),
        maxrss: u64::try_from(maxrss_kib).ok()? * 1024,
        wall: Duration::from_micros(wall_us.try_into().ok()?),
        code: code.try_into().ok()?,
    })
}

/// The peak RSS the runner itself contributes: a run of `true`.
pub fn floor(scratch: &Path) -> Option<u64> {
    let program = ["/bin/true", "/usr/bin/true"].into_iter().map(Path::new).find(|p| p.exists())?;
    let job = Job {
        program,
        args: Vec::new(),
        env: Vec::new(),
        cwd: scratch,
        stdout: scratch.join("true.out"),
        stderr: scratch.join("true.err"),
        limit: Duration::from_secs(10),
    };
    run(&job).ok().map(|u| u.maxrss)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_runner_line() {
        let u = parse_line("1500 250 4096 2000000 0").unwrap();
        assert_eq!(u.cpu(), Duration::from_micros(1750));
        assert_eq!(u.maxrss, 4 << 20);
        assert_eq!(u.wall, Duration::from_secs(2));
        assert_eq!(u.code, 0);
        assert!(parse_line("error: nope").is_none());
        assert!(parse_line("1 2 3 4").is_none());
    }
}
