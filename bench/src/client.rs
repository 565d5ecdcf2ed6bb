//! The clients under test, scanqr and the reference clients (Python, Node),
//! run the same way against the same emulator.

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

/// How a client is run.
enum Kind {
    Scanqr,
    /// `python script API_URL OUT`.
    Python {
        script: PathBuf,
    },
    /// `node script API_URL OUT`, with `ws` found through `NODE_PATH`.
    Node {
        script: PathBuf,
        modules: PathBuf,
    },
}

pub struct Client {
    pub name: &'static str,
    program: PathBuf,
    kind: Kind,
}

impl Client {
    pub fn scanqr(binary: PathBuf) -> Client {
        Client { name: "scanqr", program: binary, kind: Kind::Scanqr }
    }

    pub fn python(python: PathBuf, script: PathBuf) -> Client {
        Client { name: "python", program: python, kind: Kind::Python { script } }
    }

    pub fn node(node: PathBuf, script: PathBuf, modules: PathBuf) -> Client {
        Client { name: "node", program: node, kind: Kind::Node { script, modules } }
    }

    /// Arguments and environment for a session against `api_url`.
    fn invocation(&self, api_url: &str, out: &Path, ca: Option<&Path>) -> (Vec<OsString>, Vec<(String, String)>) {
        let mut env = vec![
            ("ID_INSTANCE".to_string(), scanqr_emulator::DEFAULT_INSTANCE.to_string()),
            ("API_TOKEN_INSTANCE".to_string(), scanqr_emulator::DEFAULT_TOKEN.to_string()),
        ];
        let ca = ca.map(|p| p.to_string_lossy().into_owned());
        let mut args: Vec<OsString> = Vec::new();
        match &self.kind {
            Kind::Scanqr => {
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
            Kind::Python { script } => {
                args.extend([script.into(), api_url.into(), out.into()]);
                env.push(("PYTHONDONTWRITEBYTECODE".to_string(), "1".to_string()));
                // websocket-client's own variable: trust this CA (only).
                env.extend(ca.map(|ca| ("WEBSOCKET_CLIENT_CA_BUNDLE".to_string(), ca)));
            }
            Kind::Node { script, modules } => {
                args.extend([script.into(), api_url.into(), out.into()]);
                env.push(("NODE_PATH".to_string(), modules.to_string_lossy().into_owned()));
                // Node's own variable: this CA besides its built-in roots.
                env.extend(ca.map(|ca| ("NODE_EXTRA_CA_CERTS".to_string(), ca)));
            }
        }
        (args, env)
    }

    /// One whole session against `server`, measured; it must end with exit 0
    /// after `qr` QR events.
    pub fn session(&self, server: &Server, scratch: &Path, qr: usize, limit: Duration) -> Result<Usage, String> {
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
        if qr_events != qr {
            return Err(format!("{} printed {qr_events} qr events, expected {qr}", self.name));
        }
        Ok(usage)
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

/// scanqr and the references that could be prepared.
pub struct Clients {
    pub scanqr: Client,
    pub python: Option<Client>,
    pub node: Option<Client>,
}

/// One result per client; a reference that could not be prepared is `None`.
#[derive(Clone)]
pub struct PerClient<T> {
    pub scanqr: Result<T, String>,
    pub python: Option<Result<T, String>>,
    pub node: Option<Result<T, String>>,
}

impl Clients {
    /// `f` on each client, one after the other.
    pub fn each<T>(&self, f: impl Fn(&Client) -> Result<T, String>) -> PerClient<T> {
        PerClient { scanqr: f(&self.scanqr), python: self.python.as_ref().map(&f), node: self.node.as_ref().map(&f) }
    }

    /// `f` on each client, all at once (for figures that mostly wait).
    pub fn each_at_once<T: Send>(&self, f: impl Fn(&Client) -> Result<T, String> + Sync) -> PerClient<T> {
        std::thread::scope(|scope| {
            let f = &f;
            let python = self.python.as_ref().map(|c| scope.spawn(move || f(c)));
            let node = self.node.as_ref().map(|c| scope.spawn(move || f(c)));
            let scanqr = f(&self.scanqr);
            let join = |h: std::thread::ScopedJoinHandle<'_, Result<T, String>>| {
                h.join().unwrap_or_else(|_| Err("measuring thread panicked".into()))
            };
            PerClient { scanqr, python: python.map(join), node: node.map(join) }
        })
    }

    /// `rounds` rounds of `f` on each client in turn, so a change in the
    /// machine's load falls on all of them. A client's first error ends its runs.
    pub fn rounds<T>(&self, rounds: usize, f: impl Fn(&Client) -> Result<T, String>) -> PerClient<Vec<T>> {
        let mut all = self.each(|_| Ok(Vec::with_capacity(rounds)));
        for _ in 0..rounds {
            step(&mut all.scanqr, &self.scanqr, &f);
            for (acc, client) in [(&mut all.python, &self.python), (&mut all.node, &self.node)] {
                if let (Some(acc), Some(client)) = (acc, client) {
                    step(acc, client, &f);
                }
            }
        }
        all
    }
}

fn step<T>(acc: &mut Result<Vec<T>, String>, client: &Client, f: impl Fn(&Client) -> Result<T, String>) {
    if let Ok(done) = acc {
        match f(client) {
            Ok(one) => done.push(one),
            Err(e) => *acc = Err(e),
        }
    }
}

impl<T> PerClient<T> {
    /// `f` on each client's result; errors and skipped references stay as they are.
    pub fn map<U>(&self, f: impl Fn(&T) -> Result<U, String>) -> PerClient<U> {
        let apply = |r: &Result<T, String>| r.as_ref().map_err(Clone::clone).and_then(&f);
        PerClient {
            scanqr: apply(&self.scanqr),
            python: self.python.as_ref().map(apply),
            node: self.node.as_ref().map(apply),
        }
    }

    /// Each client's result with its name, scanqr first.
    pub fn named(&self) -> Vec<(&'static str, &Result<T, String>)> {
        let refs = [("python", &self.python), ("node", &self.node)];
        let mut out = vec![("scanqr", &self.scanqr)];
        out.extend(refs.into_iter().filter_map(|(name, r)| Some((name, r.as_ref()?))));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::Cell;

    #[test]
    fn node_gets_its_modules_and_the_emulator_ca() {
        let node = Client::node("node".into(), "/s/ref.js".into(), "/t/bench-node/node_modules".into());
        let (args, env) = node.invocation("https://127.0.0.1:1", Path::new("/o/qr.png"), Some(Path::new("/ca.pem")));
        assert_eq!(args, ["/s/ref.js", "https://127.0.0.1:1", "/o/qr.png"].map(OsString::from));
        assert!(env.contains(&("NODE_PATH".into(), "/t/bench-node/node_modules".into())));
        assert!(env.contains(&("NODE_EXTRA_CA_CERTS".into(), "/ca.pem".into())));
    }

    #[test]
    fn rounds_take_turns_and_keep_a_clients_first_error() {
        let clients = Clients {
            scanqr: Client::scanqr("scanqr".into()),
            python: None,
            node: Some(Client::node("node".into(), "s".into(), "m".into())),
        };
        let calls = Cell::new(0);
        let got = clients.rounds(3, |c| {
            calls.set(calls.get() + 1);
            match (c.name, calls.get()) {
                ("node", 4) => Err("crashed in round 2".to_string()),
                (name, n) => Ok(format!("{name} {n}")),
            }
        });
        assert_eq!(got.scanqr, Ok(vec!["scanqr 1".to_string(), "scanqr 3".into(), "scanqr 5".into()]));
        assert_eq!(got.node, Some(Err("crashed in round 2".to_string())));
        assert!(got.python.is_none());
        assert_eq!(calls.get(), 5, "node is not run again after its error");
    }
}
