//! The two clients under test, scanqr and the Python reference, run the same
//! way against the same emulator.

use crate::measure::{self, Job, Usage};
use crate::stats::Samples;
use scanqr_emulator::Server;
use std::ffi::OsString;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Deadline given to scanqr (`--timeout`), in seconds; longer than any scenario.
const SESSION_TIMEOUT_S: u64 = 60;

pub struct Client {
    pub name: &'static str,
    program: PathBuf,
    /// Arguments before the per-run ones (the script, for Python).
    script: Option<PathBuf>,
}

/// What one session run produced.
pub struct Run {
    pub usage: Usage,
    /// `qr` events printed.
    pub qr_events: usize,
}

impl Client {
    pub fn scanqr(binary: PathBuf) -> Client {
        Client { name: "scanqr", program: binary, script: None }
    }

    pub fn reference(python: PathBuf, script: PathBuf) -> Client {
        Client { name: "reference", program: python, script: Some(script) }
    }

    /// Arguments and environment for a session against `api_url`.
    fn invocation(&self, api_url: &str, out: &Path, ca: Option<&Path>) -> (Vec<OsString>, Vec<(String, String)>) {
        let mut env = vec![
            ("ID_INSTANCE".to_string(), scanqr_emulator::DEFAULT_INSTANCE.to_string()),
            ("API_TOKEN_INSTANCE".to_string(), scanqr_emulator::DEFAULT_TOKEN.to_string()),
        ];
        let mut args: Vec<OsString> = Vec::new();
        match &self.script {
            None => {
                env.push(("API_URL".to_string(), api_url.to_string()));
                args.extend(["--json", "--timeout"].map(OsString::from));
                args.push(SESSION_TIMEOUT_S.to_string().into());
                args.push("-o".into());
                args.push(out.into());
                if let Some(ca) = ca {
                    args.push("--ca-file".into());
                    args.push(ca.into());
                }
            }
            Some(script) => {
                args.push(script.into());
                args.push(api_url.into());
                args.push(out.into());
                if let Some(ca) = ca {
                    // websocket-client's own variable: trust this CA (only).
                    env.push(("WEBSOCKET_CLIENT_CA_BUNDLE".to_string(), ca.to_string_lossy().into_owned()));
                }
                env.push(("PYTHONDONTWRITEBYTECODE".to_string(), "1".to_string()));
            }
        }
        (args, env)
    }

    /// One whole session against `server`, measured; it must end with exit 0.
    pub fn session(&self, server: &Server, scratch: &Path, limit: Duration) -> Result<Run, String> {
        static RUN: AtomicU64 = AtomicU64::new(0);
        let dir = scratch.join(format!("{}-{}", self.name, RUN.fetch_add(1, Ordering::SeqCst)));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let (args, env) = self.invocation(&server.api_url(), &dir.join("qr.png"), server.ca_pem_path());
        let job = Job {
            program: &self.program,
            args,
            env,
            cwd: &dir,
            stdout: dir.join("stdout"),
            stderr: dir.join("stderr"),
            limit,
        };
        let usage = measure::run(&job)?;
        let stdout = std::fs::read_to_string(&job.stdout).unwrap_or_default();
        if usage.code != 0 {
            let stderr = std::fs::read_to_string(&job.stderr).unwrap_or_default();
            return Err(format!(
                "{} exited with {}: {}",
                self.name,
                usage.code,
                tail(if stderr.trim().is_empty() { &stdout } else { &stderr })
            ));
        }
        let qr_events = stdout.lines().filter(|l| l.replace(' ', "").contains(r#""event":"qr""#)).count();
        let _ = std::fs::remove_dir_all(&dir);
        Ok(Run { usage, qr_events })
    }

    /// Time from just before the spawn until the first byte of the client's
    /// request reaches a listener we own; `runs` times.
    pub fn first_byte(&self, scratch: &Path, runs: usize) -> Result<Samples, String> {
        let mut samples = Vec::with_capacity(runs);
        for _ in 0..runs {
            samples.push(self.first_byte_once(scratch)?);
        }
        Ok(Samples::new(samples))
    }

    fn first_byte_once(&self, scratch: &Path) -> Result<Duration, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        listener.set_nonblocking(true).map_err(|e| e.to_string())?;
        let dir = scratch.join(format!("{}-first-byte", self.name));
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let (args, env) = self.invocation(&format!("http://127.0.0.1:{port}"), &dir.join("qr.png"), None);
        let mut command = Command::new(&self.program);
        command.args(args).envs(env).current_dir(&dir).stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null());

        let start = Instant::now();
        let mut child = command.spawn().map_err(|e| format!("cannot start {}: {e}", self.program.display()))?;
        let result = (|| {
            let deadline = start + Duration::from_secs(10);
            let mut stream = loop {
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        if Instant::now() >= deadline {
                            return Err("no connection within 10 s".to_string());
                        }
                        if let Ok(Some(status)) = child.try_wait() {
                            return Err(format!("{} exited ({status}) before connecting", self.name));
                        }
                        // Short naps: this polling granularity is part of the figure.
                        std::thread::sleep(Duration::from_micros(100));
                    }
                    Err(e) => return Err(format!("accept: {e}")),
                }
            };
            stream.set_nonblocking(false).map_err(|e| e.to_string())?;
            stream.set_read_timeout(Some(Duration::from_secs(10))).map_err(|e| e.to_string())?;
            let mut byte = [0u8; 1];
            match stream.read(&mut byte) {
                Ok(1) => Ok(start.elapsed()),
                Ok(_) => Err("connection closed before the first byte".to_string()),
                Err(e) => Err(format!("read: {e}")),
            }
        })();
        let _ = child.kill();
        let _ = child.wait();
        result
    }
}

/// The last few lines of a child's output, for an error message.
fn tail(text: &str) -> String {
    let lines: Vec<&str> = text.trim().lines().collect();
    lines[lines.len().saturating_sub(3)..].join(" | ")
}
