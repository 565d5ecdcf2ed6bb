//! Behind a proxy: HTTP CONNECT and SOCKS5 (scripted, and tinyproxy), the
//! environment as curl reads it, failures named and mapped to exit codes,
//! and the proxy's password kept out of every byte of output.

use crate::support::proxy::{Script, ScriptedProxy, Tinyproxy, PROXY_ONLY_NAME};
use crate::support::*;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

const USER: &str = "ann";
/// The password as it is written in a proxy URL, and as it goes on the wire.
const PASSWORD_WRITTEN: &str = "Pr0xy%40Passw0rdQ7";
const PASSWORD: &str = "Pr0xy@Passw0rdQ7";
/// tinyproxy's configuration takes no `@` in a password.
const TINY_PASSWORD_WRITTEN: &str = "T1ny%2EPassw0rd-Q7";
const TINY_PASSWORD: &str = "T1ny.Passw0rd-Q7";

/// Run to the end with extra environment; the token (checked by `finish`)
/// and the proxy password must be nowhere in the output.
fn run_env(dir: &Path, api_url: &str, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut cmd = command(dir, api_url, args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let run = finish(cmd.spawn().unwrap(), Duration::from_secs(40));
    for secret in [PASSWORD, PASSWORD_WRITTEN, TINY_PASSWORD, TINY_PASSWORD_WRITTEN] {
        assert!(!run.stdout.contains(secret) && !run.stderr.contains(secret), "proxy password leaked: {run:?}");
    }
    run
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn count(run: &Run, event: &str) -> usize {
    run.names().iter().filter(|n| *n == event).count()
}

fn message(run: &Run) -> String {
    run.last()["message"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_session_goes_through_an_http_connect_proxy() {
    let emu = emulator(fast_authorize(1), false);
    let proxy = ScriptedProxy::start(Script::Connect { auth: None });
    let url = format!("http://{}", proxy.addr());
    let run = run_env(&scratch("proxy-connect"), &emu.api_url(), &["--json", "--proxy", &url], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.names(), ["connecting", "connected", "qr", "authorized"]);
    assert_eq!(run.events()[0]["proxy"], proxy.addr().as_str());
    assert_eq!(proxy.seen(), [format!("CONNECT 127.0.0.1:{}", emu.port())]);
}

#[test]
fn basic_credentials_from_https_proxy_reach_the_proxy_and_nowhere_else() {
    let emu = emulator(fast_authorize(1), true);
    let ca = emu.ca_pem_path().unwrap().to_str().unwrap().to_string();
    let proxy = ScriptedProxy::start(Script::Connect { auth: Some((USER, PASSWORD)) });
    let env_proxy = format!("http://{USER}:{PASSWORD_WRITTEN}@{}", proxy.addr());
    // The hook prints its whole environment to our stderr, which is checked for the password.
    let args = ["--ca-file", &ca, "--terminal", "never", "--on-done", "env; echo hook ran"];
    let run = run_env(&scratch("proxy-basic"), &emu.api_url(), &args, &[("https_proxy", &env_proxy)]);
    assert_eq!(run.code, 0, "{run:?}");
    let first = run.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        format!(
            "connecting to wss://127.0.0.1:{}/waInstance{INSTANCE}/scanqrcode/*** via proxy {} (attempt 1)",
            emu.port(),
            proxy.addr()
        )
    );
    assert!(run.stderr.contains("hook ran") && run.stderr.contains("SCANQR_OUTCOME=authorized"), "{run:?}");
    assert!(!run.stderr.contains("https_proxy"), "{run:?}");
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASSWORD}"));
    assert!(proxy.seen().contains(&format!("Proxy-Authorization: Basic {basic}")), "{:?}", proxy.seen());
}

#[test]
fn a_proxy_refusing_the_credentials_is_77_and_not_retried() {
    let emu = emulator(fast_authorize(1), false);
    let proxy = ScriptedProxy::start(Script::Connect { auth: Some((USER, "another")) });
    let url = format!("http://{USER}:{PASSWORD_WRITTEN}@{}", proxy.addr());
    let dir = scratch("proxy-407");
    let run = run_env(&dir, &emu.api_url(), &["--json", "--proxy", &url], &[]);
    assert_eq!((run.code, count(&run, "connecting")), (77, 1), "{run:?}");
    assert_eq!(run.last()["kind"], "rejected");
    let want = format!("the proxy {} rejected its credentials (HTTP 407)", proxy.addr());
    assert!(message(&run).contains(&want), "{run:?}");
    assert!(run.events()[0]["message"].as_str().unwrap().starts_with("--proxy holds credentials"), "{run:?}");
    let state = run_env(&dir, &emu.api_url(), &["state", "--json", "--proxy", &url], &[]);
    assert_eq!(state.code, 77, "{state:?}");
    assert_eq!(emu.connections(), 0);
}

#[test]
fn a_proxy_that_cannot_reach_green_api_is_75_and_retried() {
    let emu = emulator(fast_authorize(1), false);
    let proxy = ScriptedProxy::start(Script::Status(502));
    let url = format!("http://{}", proxy.addr());
    let run = run_env(&scratch("proxy-502"), &emu.api_url(), &["--json", "--proxy", &url], &[]);
    assert_eq!((run.code, count(&run, "connecting")), (75, 4), "{run:?}");
    let want = format!("the proxy {} could not reach GREEN-API at 127.0.0.1:{} (HTTP 502)", proxy.addr(), emu.port());
    assert!(message(&run).contains(&want), "{run:?}");
    assert_eq!(proxy.connections(), 4);
}

#[test]
fn other_refusals_and_malformed_answers_are_76() {
    let emu = emulator(fast_authorize(1), false);
    let dir = scratch("proxy-76");
    for (script, needle) in [
        (Script::Status(403), "refused the tunnel to 127.0.0.1"),
        (Script::HugeHead, "answered CONNECT wrongly: header over 16 KiB"),
        (Script::SocksReply(2), "refused the tunnel to 127.0.0.1"),
    ] {
        let proxy = ScriptedProxy::start(script);
        let scheme = if matches!(script, Script::SocksReply(_)) { "socks5" } else { "http" };
        let url = format!("{scheme}://{}", proxy.addr());
        let start = Instant::now();
        let run = run_env(&dir, &emu.api_url(), &["--json", "--proxy", &url], &[]);
        assert_eq!((run.code, count(&run, "connecting")), (76, 1), "{script:?}: {run:?}");
        assert!(message(&run).contains(&format!("the proxy {} {needle}", proxy.addr())), "{script:?}: {run:?}");
        assert!(start.elapsed() < Duration::from_secs(5), "{script:?}: {:?}", start.elapsed());
    }
}

#[test]
fn a_proxy_that_stalls_or_dribbles_ends_within_the_connect_timeout() {
    let emu = emulator(fast_authorize(1), false);
    let dir = scratch("proxy-stall");
    for script in [Script::Stall, Script::Dribble] {
        let proxy = ScriptedProxy::start(script);
        let url = format!("http://{}", proxy.addr());
        let start = Instant::now();
        let run = run_env(&dir, &emu.api_url(), &["state", "--json", "--connect-timeout", "1", "--proxy", &url], &[]);
        let took = start.elapsed();
        assert_eq!(run.code, 75, "{script:?}: {run:?}");
        let want =
            format!("the proxy {} did not complete its answer to CONNECT within --connect-timeout", proxy.addr());
        assert!(message(&run).contains(&want), "{script:?}: {run:?}");
        assert!(took < Duration::from_millis(2500), "{script:?} took {took:?}");
    }
    // A session's attempts are each bounded the same way.
    let proxy = ScriptedProxy::start(Script::Stall);
    let url = format!("http://{}", proxy.addr());
    let start = Instant::now();
    let args = ["--json", "--connect-timeout", "1", "--timeout", "3", "--proxy", &url];
    let run = run_env(&dir, &emu.api_url(), &args, &[]);
    assert_eq!(run.code, 75, "{run:?}");
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
}

#[test]
fn a_proxy_that_is_not_there_is_75_and_named() {
    let emu = emulator(fast_authorize(1), false);
    let port = closed_port();
    let url = format!("http://127.0.0.1:{port}");
    let run = run_env(&scratch("proxy-closed"), &emu.api_url(), &["state", "--json", "--proxy", &url], &[]);
    assert_eq!(run.code, 75, "{run:?}");
    assert!(message(&run).starts_with(&format!("cannot connect to the proxy 127.0.0.1:{port}: ")), "{run:?}");
}

#[test]
fn socks5_with_and_without_credentials() {
    let emu = emulator(fast_authorize(1), false);
    let dir = scratch("socks5");
    // socks5:// resolves GREEN-API's name here and sends the address.
    let open = ScriptedProxy::start(Script::Socks5 { auth: None });
    let api = format!("http://localhost:{}", emu.port());
    let run = run_env(&dir, &api, &["--json", "--proxy", &format!("socks5://{}", open.addr())], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.events()[0]["proxy"], open.addr().as_str());
    assert_eq!(open.seen(), [format!("socks5 connect 127.0.0.1:{}", emu.port())]);

    let tls = emulator(fast_authorize(1), true);
    let ca = tls.ca_pem_path().unwrap().to_str().unwrap().to_string();
    let authed = ScriptedProxy::start(Script::Socks5 { auth: Some((USER, PASSWORD)) });
    let all_proxy = format!("socks5://{USER}:{PASSWORD_WRITTEN}@{}", authed.addr());
    let run = run_env(&dir, &tls.api_url(), &["--json", "--ca-file", &ca], &[("ALL_PROXY", &all_proxy)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        authed.seen(),
        [format!("socks5 {USER}:{PASSWORD}"), format!("socks5 connect 127.0.0.1:{}", tls.port())]
    );
}

#[test]
fn socks5h_lets_the_proxy_resolve_the_name() {
    let emu = emulator(fast_authorize(1), false);
    let proxy = ScriptedProxy::start(Script::Socks5 { auth: None });
    let dir = scratch("socks5h");
    let url = format!("socks5h://{}", proxy.addr());
    // A name only the proxy knows: resolving it here would fail.
    let api = format!("http://{PROXY_ONLY_NAME}:{}", emu.port());
    let run = run_env(&dir, &api, &["--json", "--proxy", &url], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(proxy.seen(), [format!("socks5 connect {PROXY_ONLY_NAME}:{}", emu.port())]);

    // TLS inside the tunnel checks the certificate against the name GREEN-API was asked by.
    let tls = emulator(fast_authorize(1), true);
    let ca = tls.ca_pem_path().unwrap().to_str().unwrap().to_string();
    let api = format!("https://localhost:{}", tls.port());
    let run = run_env(&dir, &api, &["--json", "--proxy", &url, "--ca-file", &ca], &[]);
    assert_eq!(run.code, 0, "{run:?}");
    assert!(proxy.seen().contains(&format!("socks5 connect localhost:{}", tls.port())), "{:?}", proxy.seen());
    let untrusted = run_env(&dir, &api, &["--json", "--proxy", &url], &[]);
    assert_eq!((untrusted.code, count(&untrusted, "connecting")), (76, 1), "{untrusted:?}");
    assert!(message(&untrusted).contains("--ca-file"), "{untrusted:?}");
}

#[test]
fn a_socks5_authentication_failure_is_77_and_not_retried() {
    let emu = emulator(fast_authorize(1), false);
    let proxy = ScriptedProxy::start(Script::Socks5 { auth: Some((USER, "another")) });
    let dir = scratch("socks5-auth");
    let url = format!("socks5://{USER}:{PASSWORD_WRITTEN}@{}", proxy.addr());
    let run = run_env(&dir, &emu.api_url(), &["--json", "--proxy", &url], &[]);
    assert_eq!((run.code, count(&run, "connecting")), (77, 1), "{run:?}");
    assert!(message(&run).contains(&format!("the proxy {} rejected its credentials", proxy.addr())), "{run:?}");
    // Without credentials, a proxy that wants them says so.
    let url = format!("socks5://{}", proxy.addr());
    let run = run_env(&dir, &emu.api_url(), &["state", "--json", "--proxy", &url], &[]);
    assert_eq!(run.code, 77, "{run:?}");
    assert!(message(&run).contains("wants credentials (SOCKS5); put user:password@ in --proxy"), "{run:?}");
}

#[test]
fn a_socks5_proxy_that_cannot_reach_green_api_is_75() {
    let emu = emulator(fast_authorize(1), false);
    let proxy = ScriptedProxy::start(Script::SocksReply(5));
    let url = format!("socks5h://{}", proxy.addr());
    let run = run_env(&scratch("socks5-refused"), &emu.api_url(), &["state", "--json", "--proxy", &url], &[]);
    assert_eq!(run.code, 75, "{run:?}");
    let want = format!(
        "the proxy {} could not reach GREEN-API at 127.0.0.1:{} (SOCKS5: connection refused)",
        proxy.addr(),
        emu.port()
    );
    assert!(message(&run).contains(&want), "{run:?}");
}

#[test]
fn state_and_logout_go_through_the_proxy() {
    let emu = emulator(fast_authorize(1), false);
    let proxy = ScriptedProxy::start(Script::Connect { auth: None });
    let dir = scratch("proxy-state");
    let env = [("http_proxy", proxy.addr())];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let state = run_env(&dir, &emu.api_url(), &["state", "--json"], &env);
    assert_eq!((state.code, state.last()["state"].as_str()), (0, Some("authorized")), "{state:?}");
    let logout = run_env(&dir, &emu.api_url(), &["logout", "--json"], &env);
    assert_eq!(logout.code, 0, "{logout:?}");
    assert_eq!(proxy.seen(), vec![format!("CONNECT 127.0.0.1:{}", emu.port()); 2]);
}

#[test]
fn http_proxy_is_read_lowercase_only_and_no_proxy_bypasses_it() {
    let emu = emulator(fast_authorize(1), false);
    let proxy = ScriptedProxy::start(Script::Connect { auth: None });
    let dir = scratch("proxy-env");
    let closed = format!("http://127.0.0.1:{}", closed_port());
    let no_field = |run: &Run| run.events()[0].get("proxy").is_none();

    // A URL without a scheme is http://, as in curl.
    let run = run_env(&dir, &emu.api_url(), &["--json"], &[("http_proxy", &proxy.addr())]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.events()[0]["proxy"], proxy.addr().as_str());
    assert_eq!(proxy.connections(), 1);

    for (why, env) in [
        ("HTTP_PROXY can be set by a CGI request", vec![("HTTP_PROXY", closed.as_str())]),
        ("https_proxy is for https://", vec![("https_proxy", closed.as_str())]),
        ("no_proxy", vec![("http_proxy", closed.as_str()), ("no_proxy", "127.0.0.1")]),
        (
            "NO_PROXY with a port",
            vec![("all_proxy", closed.as_str()), ("NO_PROXY", &format!("x,127.0.0.1:{}", emu.port()))],
        ),
        ("no_proxy=*", vec![("ALL_PROXY", closed.as_str()), ("no_proxy", "*")]),
    ] {
        let run = run_env(&dir, &emu.api_url(), &["--json"], &env);
        assert_eq!(run.code, 0, "{why}: {run:?}");
        assert!(no_field(&run), "{why}: {run:?}");
    }
    let run = run_env(&dir, &emu.api_url(), &["--json", "--proxy", ""], &[("http_proxy", &closed)]);
    assert!(run.code == 0 && no_field(&run), "--proxy '': {run:?}");
    // And a proxy that no_proxy does not name is used: here a closed one.
    let run =
        run_env(&dir, &emu.api_url(), &["state", "--json"], &[("http_proxy", &closed), ("no_proxy", "localhost")]);
    assert_eq!(run.code, 75, "{run:?}");
    assert!(message(&run).contains("the proxy 127.0.0.1:"), "{run:?}");
}

#[test]
fn bad_proxy_settings_name_the_flag_or_the_variable() {
    let emu = emulator(fast_authorize(1), false);
    let dir = scratch("proxy-bad");
    let run = run_env(&dir, &emu.api_url(), &["--json", "--proxy", "ftp://h:21"], &[]);
    assert_eq!((run.code, run.stdout.as_str()), (64, ""), "{run:?}");
    assert!(run.stderr.contains("--proxy: scheme ftp:// is not supported"), "{run:?}");
    let bad = format!("socks4://{USER}:{PASSWORD_WRITTEN}@h");
    let run = run_env(&dir, &emu.api_url(), &["--json"], &[("http_proxy", &bad)]);
    assert_eq!((run.code, run.stdout.as_str()), (78, ""), "{run:?}");
    assert!(run.stderr.contains("http_proxy in the environment: scheme socks4:// is not supported"), "{run:?}");
    assert_eq!(emu.connections(), 0);
}

#[test]
fn post_json_goes_through_the_proxy() {
    use std::io::{Read, Write};
    use std::sync::{Arc, Mutex};
    let got = Arc::new(Mutex::new(Vec::new()));
    let seen = got.clone();
    let server = Server::raw(move |_, mut s| {
        let mut raw = Vec::new();
        let mut buf = [0u8; 1024];
        while !String::from_utf8_lossy(&raw).ends_with(r#"{"phoneNumber":79001234567}"#) {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => raw.extend_from_slice(&buf[..n]),
            }
        }
        *seen.lock().unwrap() = raw;
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"ok\":true}");
    });
    let proxy = ScriptedProxy::start(Script::Connect { auth: None });
    let ep = scanqr::url::Endpoint::parse(&server.url()).unwrap();
    let via = scanqr::net::Proxy::parse(&proxy.addr(), "--proxy").unwrap();
    let dialer = scanqr::net::Dialer::new(&ep, None, Some(via)).unwrap();
    let by = Instant::now() + Duration::from_secs(10);
    let body = r#"{"phoneNumber":79001234567}"#;
    let resp = scanqr::net::http::post_json(&ep, &dialer, "/waInstance1/getAuthorizationCode/t", body, by, by).unwrap();
    assert_eq!((resp.status, resp.body.as_slice()), (200, &b"{\"ok\":true}"[..]));
    let request = String::from_utf8(got.lock().unwrap().clone()).unwrap();
    assert!(request.starts_with("POST /waInstance1/getAuthorizationCode/t HTTP/1.1\r\n"), "{request}");
    assert!(request.contains("\r\nContent-Type: application/json\r\n"), "{request}");
    assert!(
        request.ends_with(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())),
        "{request}"
    );
    assert_eq!(proxy.seen(), [format!("CONNECT 127.0.0.1:{}", server.port)]);
}

#[test]
fn tinyproxy_carries_sessions_and_state_and_refuses_a_wrong_password() {
    let (ws, wss) = (emulator(fast_authorize(1), false), emulator(fast_authorize(1), true));
    let dir = scratch("tinyproxy");
    let tiny = Tinyproxy::start(&dir, &[ws.port(), wss.port()], Some((USER, TINY_PASSWORD)));
    let good = format!("http://{USER}:{TINY_PASSWORD_WRITTEN}@127.0.0.1:{}", tiny.port);
    let ca = wss.ca_pem_path().unwrap().to_str().unwrap().to_string();

    let run = run_env(&dir, &ws.api_url(), &["--json"], &[("http_proxy", &good)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.events()[0]["proxy"], format!("127.0.0.1:{}", tiny.port).as_str());
    let run = run_env(&dir, &wss.api_url(), &["--json", "--ca-file", &ca], &[("https_proxy", &good)]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!((ws.connections(), wss.connections()), (1, 1));
    let state = run_env(&dir, &wss.api_url(), &["state", "--json", "--ca-file", &ca, "--proxy", &good], &[]);
    assert_eq!((state.code, state.last()["state"].as_str()), (0, Some("authorized")), "{state:?}");

    // tinyproxy answers a CONNECT with bad or no credentials 401, not 407.
    let wrong = format!("http://{USER}:wrong@127.0.0.1:{}", tiny.port);
    let run = run_env(&dir, &ws.api_url(), &["--json", "--proxy", &wrong], &[]);
    assert_eq!((run.code, count(&run, "connecting")), (77, 1), "{run:?}");
    assert!(message(&run).contains(&format!("the proxy 127.0.0.1:{} rejected its credentials", tiny.port)), "{run:?}");
    let none = format!("http://127.0.0.1:{}", tiny.port);
    let run = run_env(&dir, &ws.api_url(), &["state", "--json", "--proxy", &none], &[]);
    assert_eq!(run.code, 77, "{run:?}");
    assert!(message(&run).contains("wants credentials"), "{run:?}");
}
