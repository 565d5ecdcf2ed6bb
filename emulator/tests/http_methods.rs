//! The HTTP methods around a login: getAuthorizationCode, getStateInstance,
//! getWaSettings, reboot and logout, over real sockets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use scanqr_emulator::{Options, Scenario, Server, DEFAULT_PHONE};
use serde_json::{json, Value};

fn start(options: Options) -> Server {
    Server::start(Options { scenario: Scenario::Already, ..options }).unwrap()
}

fn path(server_options: &Options, method: &str) -> String {
    format!("/waInstance{}/{method}/{}", server_options.instance, server_options.token)
}

/// One request; the status and the body (parsed as JSON when it is JSON).
fn request(server: &Server, verb: &str, path: &str, body: Option<&str>) -> (u16, Value) {
    let mut s = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = format!("{verb} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
    if let Some(body) = body {
        head.push_str(&format!("Content-Type: application/json\r\nContent-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    // The body apart from the head, as clients that write twice send it.
    if let Some(body) = body {
        std::thread::sleep(Duration::from_millis(5));
        s.write_all(body.as_bytes()).unwrap();
    }
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8(raw).unwrap();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap();
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    (status, serde_json::from_str(body).unwrap_or(Value::String(body.to_string())))
}

fn get(server: &Server, options: &Options, method: &str) -> (u16, Value) {
    request(server, "GET", &path(options, method), None)
}

fn ask_code(server: &Server, options: &Options, body: &str) -> (u16, Value) {
    request(server, "POST", &path(options, "getAuthorizationCode"), Some(body))
}

fn state(server: &Server, options: &Options) -> Value {
    get(server, options, "getStateInstance").1["stateInstance"].clone()
}

#[test]
fn a_pairing_code_authorizes_the_instance_after_the_delay() {
    let options =
        Options { state: "notAuthorized".into(), authorize_after: Duration::from_millis(300), ..Options::default() };
    let server = start(options.clone());
    let asked = Instant::now();
    let (status, answer) = ask_code(&server, &options, r#"{"phoneNumber": 79001112233}"#);
    assert_eq!(status, 200);
    assert_eq!(answer["status"], true);
    let code = answer["code"].as_str().unwrap();
    assert_eq!(code.len(), 8);
    assert!(code.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()), "{code}");
    assert_eq!(server.authorization_code_requests(), 1);
    let (_, settings) = get(&server, &options, "getWaSettings");
    assert_eq!(settings["phone"], "79001112233", "the number the code was asked for");
    if asked.elapsed() < Duration::from_millis(250) {
        assert_eq!(state(&server, &options), "notAuthorized");
        assert_eq!(settings["stateInstance"], "notAuthorized");
    }
    std::thread::sleep(Duration::from_millis(350));
    assert_eq!(state(&server, &options), "authorized");
    assert_eq!(server.state(), "authorized");
    // A second request gets a new code.
    let (_, again) = ask_code(&server, &options, r#"{"phoneNumber":79001112233}"#);
    assert_ne!(again["code"], answer["code"]);
    assert_eq!(server.authorization_code_requests(), 2);
}

#[test]
fn a_fixed_code_and_a_failing_code() {
    let options = Options { code: Some("ABCD1234".into()), ..Options::default() };
    let server = start(options.clone());
    let (status, answer) = ask_code(&server, &options, r#"{"phoneNumber":79001234567}"#);
    assert_eq!((status, answer), (200, json!({"status": true, "code": "ABCD1234"})));

    let options = Options { code_fails: true, state: "notAuthorized".into(), ..Options::default() };
    let options = Options { authorize_after: Duration::ZERO, ..options };
    let server = start(options.clone());
    let (status, answer) = ask_code(&server, &options, r#"{"phoneNumber":79001234567}"#);
    assert_eq!((status, answer), (200, json!({"status": false})));
    assert_eq!(state(&server, &options), "notAuthorized", "a failed code authorizes nothing");
    assert_eq!(server.authorization_code_requests(), 1);
}

#[test]
fn a_phone_number_must_be_a_json_number() {
    let options = Options { state: "notAuthorized".into(), authorize_after: Duration::ZERO, ..Options::default() };
    let server = start(options.clone());
    for body in [r#"{"phoneNumber":"79001234567"}"#, r#"{}"#, "", "[1", r#"{"phoneNumber":1.5}"#] {
        let (status, answer) = ask_code(&server, &options, body);
        assert_eq!(status, 400, "{body}");
        assert!(answer["error"].as_str().is_some_and(|e| e.contains("phoneNumber") || e.contains("JSON")), "{answer}");
    }
    assert_eq!(server.authorization_code_requests(), 5);
    assert_eq!(state(&server, &options), "notAuthorized");
    // GET is the wrong method; the wrong token is 401 and is not counted.
    let (status, _) = get(&server, &options, "getAuthorizationCode");
    assert_eq!(status, 405);
    let wrong = format!("/waInstance{}/getAuthorizationCode/wrong", options.instance);
    assert_eq!(request(&server, "POST", &wrong, Some(r#"{"phoneNumber":1}"#)).0, 401);
    assert_eq!(server.authorization_code_requests(), 5);
    // A body bigger than the emulator reads is refused at once, not waited for.
    let mut s = TcpStream::connect(("127.0.0.1", server.port())).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let post = path(&options, "getAuthorizationCode");
    write!(s, "POST {post} HTTP/1.1\r\nContent-Length: 1000000\r\n\r\n").unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
    assert_eq!(server.authorization_code_requests(), 6);
}

#[test]
fn wa_settings_report_the_current_state() {
    let options = Options { state: "yellowCard".into(), ..Options::default() };
    let server = start(options.clone());
    let (status, settings) = get(&server, &options, "getWaSettings");
    assert_eq!(status, 200);
    assert_eq!(settings["avatar"], "");
    assert_eq!(settings["phone"], DEFAULT_PHONE);
    assert_eq!(settings["stateInstance"], "yellowCard");
    assert!(settings["deviceId"].as_str().is_some_and(|d| !d.is_empty()));
    get(&server, &options, "logout");
    assert_eq!(get(&server, &options, "getWaSettings").1["stateInstance"], "notAuthorized");
}

#[test]
fn reboot_answers_true_or_false_and_is_counted() {
    let options = Options::default();
    let server = start(options.clone());
    assert_eq!(get(&server, &options, "reboot"), (200, json!({"isReboot": true})));
    assert_eq!(get(&server, &options, "reboot").0, 200);
    assert_eq!(server.reboots(), 2);
    assert_eq!(request(&server, "POST", &path(&options, "reboot"), Some("{}")).0, 405);
    assert_eq!(server.reboots(), 2);

    let options = Options { reboot_fails: true, ..Options::default() };
    let server = start(options.clone());
    assert_eq!(get(&server, &options, "reboot"), (200, json!({"isReboot": false})));
    assert_eq!(server.reboots(), 1);
}

#[test]
fn any_state_is_reported_and_logout_cancels_a_pending_code() {
    for given in ["authorized", "notAuthorized", "blocked", "sleepMode", "starting", "yellowCard", "someFutureState"] {
        let options = Options { state: given.into(), ..Options::default() };
        let server = start(options.clone());
        assert_eq!(get(&server, &options, "getStateInstance"), (200, json!({"stateInstance": given})));
    }
    let options =
        Options { state: "notAuthorized".into(), authorize_after: Duration::from_millis(100), ..Options::default() };
    let server = start(options.clone());
    assert_eq!(ask_code(&server, &options, r#"{"phoneNumber":79001234567}"#).0, 200);
    assert_eq!(get(&server, &options, "logout"), (200, json!({"isLogout": true})));
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(state(&server, &options), "notAuthorized");
}

#[test]
fn wrong_credentials_get_401_on_every_method() {
    let options = Options::default();
    let server = start(options.clone());
    for method in ["getStateInstance", "getWaSettings", "reboot", "logout"] {
        let wrong = format!("/waInstance{}/{method}/wrongtoken", options.instance);
        assert_eq!(request(&server, "GET", &wrong, None).0, 401, "{method}");
        let wrong = format!("/waInstance9/{method}/{}", options.token);
        assert_eq!(request(&server, "GET", &wrong, None).0, 401, "{method}");
    }
    assert_eq!(server.reboots(), 0);
    assert_eq!(state(&server, &options), "authorized", "the 401 logout changed nothing");
}
