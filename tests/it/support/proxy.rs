//! Proxies for the tests: a scripted one (HTTP CONNECT or SOCKS5, well
//! behaved or hostile) and a real one (tinyproxy). Both only ever connect to
//! 127.0.0.1.

use super::Server;
use base64::Engine;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

/// The name the scripted SOCKS5 proxy resolves (to 127.0.0.1) and nothing else does:
/// `.test` is reserved (RFC 2606), so a client that resolves it itself fails.
pub const PROXY_ONLY_NAME: &str = "green-api.test";

/// What the scripted proxy does with each connection.
#[derive(Debug, Clone, Copy)]
pub enum Script {
    /// HTTP CONNECT; with `auth`, 407 unless `Proxy-Authorization: Basic` holds `user:password`.
    Connect { auth: Option<(&'static str, &'static str)> },
    /// Answers CONNECT with this status, then closes.
    Status(u16),
    /// Reads, never answers.
    Stall,
    /// Answers CONNECT a byte every 50 ms, never ending the head.
    Dribble,
    /// Answers CONNECT with megabytes of header lines.
    HugeHead,
    /// SOCKS5; with `auth`, RFC 1929 username/password, failing any other.
    Socks5 { auth: Option<(&'static str, &'static str)> },
    /// SOCKS5 whose connect request is answered with this reply code.
    SocksReply(u8),
}

/// A scripted proxy on 127.0.0.1, and what it was asked.
pub struct ScriptedProxy {
    server: Server,
    seen: Arc<Mutex<Vec<String>>>,
}

impl ScriptedProxy {
    pub fn start(script: Script) -> ScriptedProxy {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let server = Server::raw(move |_, client| {
            let _ = client.set_read_timeout(Some(Duration::from_secs(30)));
            let mut say = |line: String| log.lock().unwrap().push(line);
            match script {
                Script::Socks5 { auth } => socks5(client, auth, 0, &mut say),
                Script::SocksReply(code) => socks5(client, None, code, &mut say),
                _ => http_connect(client, script, &mut say),
            }
        });
        ScriptedProxy { server, seen }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.server.port)
    }

    /// What each connection asked for: `CONNECT host:port`, `Proxy-Authorization: ...`,
    /// `socks5 user:password`, `socks5 connect name:port` or `socks5 connect ip:port`.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }

    pub fn connections(&self) -> usize {
        self.server.connections()
    }
}

/// Read a request head, a byte at a time, so nothing past it is taken from the tunnel.
fn read_head(client: &mut TcpStream) -> Option<Vec<String>> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if client.read(&mut byte).ok()? == 0 || head.len() > 64 * 1024 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).lines().filter(|l| !l.is_empty()).map(String::from).collect())
}

fn http_connect(mut client: TcpStream, script: Script, say: &mut dyn FnMut(String)) {
    let Some(head) = read_head(&mut client) else { return };
    let target = head[0].strip_prefix("CONNECT ").and_then(|r| r.split(' ').next()).unwrap_or("").to_string();
    say(format!("CONNECT {target}"));
    let authorization = head.iter().find_map(|l| l.strip_prefix("Proxy-Authorization: ")).map(String::from);
    if let Some(a) = &authorization {
        say(format!("Proxy-Authorization: {a}"));
    }
    let answer = |client: &mut TcpStream, status: &str| {
        let body = "<html>proxy says no</html>";
        let _ = write!(
            client,
            "HTTP/1.1 {status}\r\nContent-Length: {}\r\nProxy-Agent: scripted\r\n\r\n{body}",
            body.len()
        );
    };
    match script {
        Script::Connect { auth } => {
            let want = auth.map(|(u, p)| {
                format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}")))
            });
            if want.is_some() && authorization != want {
                return answer(
                    &mut client,
                    "407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"t\"",
                );
            }
            match dial(&target) {
                Some(upstream) => {
                    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    relay(client, upstream);
                }
                None => answer(&mut client, "502 Bad Gateway"),
            }
        }
        Script::Status(status) => answer(&mut client, &format!("{status} Scripted")),
        Script::Stall => {
            let _ = client.read(&mut [0u8; 1]);
        }
        Script::Dribble => {
            let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\nX-Slow: ");
            let until = Instant::now() + Duration::from_secs(30);
            while Instant::now() < until && client.write_all(b"a").is_ok() {
                thread::sleep(Duration::from_millis(50));
            }
        }
        Script::HugeHead => {
            let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n");
            let line = format!("X-Pad: {}\r\n", "a".repeat(1000));
            for _ in 0..4096 {
                if client.write_all(line.as_bytes()).is_err() {
                    return;
                }
            }
        }
        Script::Socks5 { .. } | Script::SocksReply(_) => {}
    }
}

/// Connect to `host:port` if host is this machine; the tests reach nothing else.
fn dial(target: &str) -> Option<TcpStream> {
    let (host, port) = target.rsplit_once(':')?;
    let local = ["127.0.0.1", "localhost", PROXY_ONLY_NAME].contains(&host);
    if !local {
        return None;
    }
    TcpStream::connect(("127.0.0.1", port.parse::<u16>().ok()?)).ok()
}

/// Copy both ways until either side closes.
fn relay(client: TcpStream, upstream: TcpStream) {
    let _ = client.set_read_timeout(None);
    let (mut c_read, mut u_write) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
    let up = thread::spawn(move || {
        let _ = std::io::copy(&mut c_read, &mut u_write);
        let _ = u_write.shutdown(Shutdown::Write);
    });
    let (mut u_read, mut c_write) = (upstream, client);
    let _ = std::io::copy(&mut u_read, &mut c_write);
    let _ = c_write.shutdown(Shutdown::Both);
    let _ = u_read.shutdown(Shutdown::Both);
    let _ = up.join();
}

fn read_n(client: &mut TcpStream, n: usize) -> Option<Vec<u8>> {
    let mut buf = vec![0u8; n];
    client.read_exact(&mut buf).ok()?;
    Some(buf)
}

fn socks5(mut client: TcpStream, auth: Option<(&str, &str)>, reply: u8, say: &mut dyn FnMut(String)) {
    let Some(hello) = read_n(&mut client, 2) else { return };
    let Some(methods) = read_n(&mut client, usize::from(hello[1])) else { return };
    let method = if auth.is_some() { 2 } else { 0 };
    if hello[0] != 5 || !methods.contains(&method) {
        let _ = client.write_all(&[5, 0xff]);
        return;
    }
    let _ = client.write_all(&[5, method]);
    if let Some((user, password)) = auth {
        let Some(head) = read_n(&mut client, 2) else { return };
        let Some(u) = read_n(&mut client, usize::from(head[1])) else { return };
        let Some(plen) = read_n(&mut client, 1) else { return };
        let Some(p) = read_n(&mut client, usize::from(plen[0])) else { return };
        let (u, p) = (String::from_utf8_lossy(&u).into_owned(), String::from_utf8_lossy(&p).into_owned());
        say(format!("socks5 {u}:{p}"));
        if u != user || p != password {
            let _ = client.write_all(&[1, 1]);
            return;
        }
        let _ = client.write_all(&[1, 0]);
    }
    let Some(request) = read_n(&mut client, 4) else { return };
    let host = match request[3] {
        1 => read_n(&mut client, 4).map(|a| format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])),
        3 => read_n(&mut client, 1)
            .and_then(|len| read_n(&mut client, usize::from(len[0])))
            .map(|n| String::from_utf8_lossy(&n).into_owned()),
        _ => None,
    };
    let (Some(host), Some(port)) = (host, read_n(&mut client, 2)) else { return };
    let target = format!("{host}:{}", u16::from_be_bytes([port[0], port[1]]));
    say(format!("socks5 connect {target}"));
    let upstream = if reply == 0 { dial(&target) } else { None };
    let code = match (&upstream, reply) {
        (Some(_), _) => 0,
        (None, 0) => 4,
        (None, code) => code,
    };
    // A domain-name bound address, so the client must read past a variable-length field.
    let _ = client.write_all(&[5, code, 0, 3, 9, b'l', b'o', b'c', b'a', b'l', b'h', b'o', b's', b't', 0x04, 0x38]);
    if let Some(upstream) = upstream {
        relay(client, upstream);
    }
}

/// tinyproxy, started for one test, listening on 127.0.0.1 and allowing
/// CONNECT to `connect_ports`; with `auth`, it wants Basic credentials.
pub struct Tinyproxy {
    child: Child,
    pub port: u16,
}

impl Tinyproxy {
    pub fn start(dir: &Path, connect_ports: &[u16], auth: Option<(&str, &str)>) -> Tinyproxy {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let basic = auth.map(|(u, p)| format!("BasicAuth {u} {p}\n")).unwrap_or_default();
        let ports: String = connect_ports.iter().map(|p| format!("ConnectPort {p}\n")).collect();
        let conf = dir.join("tinyproxy.conf");
        std::fs::write(
            &conf,
            format!(
                "Port {port}\nListen 127.0.0.1\nTimeout 30\nAllow 127.0.0.1\n{ports}MaxClients 20\nLogLevel Info\n{basic}"
            ),
        )
        .unwrap();
        let spawned = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(c) => c,
            Err(e) => panic!(
                "cannot start tinyproxy ({e}): these tests need a real proxy; install it with \
                 `apt-get install tinyproxy` (Debian/Ubuntu), `dnf install tinyproxy` or `brew install tinyproxy`"
            ),
        };
        let until = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Some(status) = child.try_wait().unwrap() {
                let mut log = String::new();
                let _ = BufReader::new(child.stderr.take().unwrap()).read_to_string(&mut log);
                panic!("tinyproxy exited ({status}) before listening on {port}:\n{log}");
            }
            assert!(Instant::now() < until, "tinyproxy did not listen on {port} within 10 s");
            thread::sleep(Duration::from_millis(20));
        }
        // Its log goes on being read, so it never blocks on a full pipe.
        let log = BufReader::new(child.stderr.take().unwrap());
        thread::spawn(move || log.lines().map_while(Result::ok).for_each(drop));
        Tinyproxy { child, port }
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
