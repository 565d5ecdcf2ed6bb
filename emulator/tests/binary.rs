//! Runs the `scanqr-emulator` binary: help, argument errors, stdout format,
//! `--once`, and clean exit on SIGTERM.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use tungstenite::Message;

const BIN: &str = env!("CARGO_BIN_EXE_scanqr-emulator");

/// Kills the child if a test fails before it exits.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Running {
    fn wait_timeout(&mut self, limit: Duration) -> ExitStatus {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = self.0.try_wait().unwrap() {
                return status;
            }
            assert!(Instant::now() < deadline, "the emulator did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Starts the binary and reads its `key=value` stdout lines (up to `keys` of them).
fn spawn(args: &[&str], keys: usize) -> (Running, HashMap<String, String>) {
    let mut child =
        Command::new(BIN).args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let running = Running(child);
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut values = HashMap::new();
    while values.len() < keys {
        let line = rx.recv_timeout(Duration::from_secs(10)).unwrap();
        let (k, v) = line.split_once('=').unwrap();
        assert!(values.insert(k.to_string(), v.to_string()).is_none(), "{k} twice");
    }
    (running, values)
}

#[test]
fn help_teaches_and_bad_arguments_fail() {
    let out = Command::new(BIN).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for word in [
        "USAGE",
        "authorize",
        "flood",
        "--tls",
        "--once",
        "api_url=",
        "--picture",
        "greenapi",
        "--code",
        "--code-fails",
        "--authorize-after",
        "--reboot-fails",
        "getAuthorizationCode",
        "getWaSettings",
        "reboot",
    ] {
        assert!(help.contains(word), "help lacks {word}");
    }
    for bad in [&[][..], &["nonsense"], &["authorize", "x"], &["--port"], &["--picture", "jpeg", "already"]] {
        let out = Command::new(BIN).args(bad).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--help"));
    }
}

#[test]
fn once_serves_one_session_then_exits() {
    let (mut child, values) = spawn(&["--once", "authorize", "2", "0.05"], 3);
    let api_url = &values["api_url"];
    assert!(api_url.starts_with("http://127.0.0.1:"), "{api_url}");
    assert_eq!(values["instance"], "1101000001");
    let token = &values["token"];
    assert!(!token.is_empty());
    let port: u16 = api_url.rsplit(':').next().unwrap().parse().unwrap();

    let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let url = format!("ws://127.0.0.1:{port}/waInstance{}/scanqrcode/{token}", values["instance"]);
    let (mut ws, _) = tungstenite::client::client(url, tcp).unwrap();
    let mut types = Vec::new();
    loop {
        match ws.read() {
            Ok(Message::Text(t)) => {
                let v: serde_json::Value = serde_json::from_str(t.as_str()).unwrap();
                types.push(v["type"].as_str().unwrap().to_string());
            }
            Ok(_) => {}
            Err(_) => break,
        }
    }
    assert_eq!(types, ["qrCode", "qrCode", "accountData"]);
    assert!(child.wait_timeout(Duration::from_secs(5)).success());
}

#[cfg(unix)]
#[test]
fn tls_prints_ca_file_and_sigterm_cleans_up() {
    let (mut child, values) = spawn(&["--tls", "--instance", "42", "already"], 4);
    assert!(values["api_url"].starts_with("https://127.0.0.1:"));
    assert_eq!(values["instance"], "42");
    let ca = std::path::PathBuf::from(&values["ca_file"]);
    assert!(ca.exists());
    let status = Command::new("kill").args(["-TERM", &child.0.id().to_string()]).status().unwrap();
    assert!(status.success());
    assert!(child.wait_timeout(Duration::from_secs(5)).success());
    assert!(!ca.exists(), "ca_file removed on SIGTERM");
}
