//! HTTP routing: `/waInstance{ID}/{method}/{TOKEN}`, the credentials check,
//! and the answers of the API methods the emulator knows.

use std::io::Write;
use std::sync::atomic::Ordering;
use std::time::Instant;

use serde_json::{json, Value};
use tungstenite::protocol::{Role, WebSocketConfig};
use tungstenite::WebSocket;

use crate::http::{self, BodyError, Request};
use crate::random::{authorization_code, Rng};
use crate::scenario::{self, End, Scenario};
use crate::server::{Conn, Shared};

/// The API methods this emulator knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Method {
    ScanQrCode,
    GetStateInstance,
    Logout,
    GetAuthorizationCode,
    GetWaSettings,
    Reboot,
}

/// Each method's name in the path (matched ignoring case) and its HTTP verb.
const METHODS: [(&str, Method, &str); 6] = [
    ("scanqrcode", Method::ScanQrCode, "GET"),
    ("getStateInstance", Method::GetStateInstance, "GET"),
    ("logout", Method::Logout, "GET"),
    ("getAuthorizationCode", Method::GetAuthorizationCode, "POST"),
    ("getWaSettings", Method::GetWaSettings, "GET"),
    ("reboot", Method::Reboot, "GET"),
];

/// Answer a request refused from its head, once its body is read: closing
/// with the body unread would reset the connection, and a client still
/// sending it could lose the answer.
fn refuse(mut conn: Conn, request: &Request, rest: Vec<u8>, answer: impl FnOnce(&mut Conn) -> std::io::Result<()>) {
    let _ = http::read_body(&mut conn, request, rest);
    let _ = answer(&mut conn);
}

/// `(instance id, method, verb, token)` of an API path.
fn parse_path(path: &str) -> Option<(&str, Method, &'static str, &str)> {
    let segments: Vec<&str> = path.trim_start_matches('/').trim_end_matches('/').split('/').collect();
    let [instance, name, token] = segments.as_slice() else { return None };
    let id = instance.strip_prefix("waInstance")?;
    let &(_, method, verb) = METHODS.iter().find(|(n, _, _)| n.eq_ignore_ascii_case(name))?;
    Some((id, method, verb, token))
}

pub(crate) fn route(mut conn: Conn, request: &Request, rest: Vec<u8>, shared: &Shared) {
    let Some((id, method, verb, token)) = parse_path(&request.path) else {
        return refuse(conn, request, rest, |c| http::respond(c, 404, r#"{"error":"not found"}"#));
    };
    if id != shared.options.instance || token != shared.options.token {
        let unauthorized = r#"{"error":"Unauthorized: wrong idInstance or apiTokenInstance"}"#;
        return refuse(conn, request, rest, |c| http::respond(c, 401, unauthorized));
    }
    if request.method != verb {
        return refuse(conn, request, rest, |c| http::method_not_allowed(c, verb));
    }
    let (status, body) = match method {
        Method::ScanQrCode => return upgrade(conn, request, rest, shared),
        Method::GetAuthorizationCode => {
            shared.code_requests.fetch_add(1, Ordering::SeqCst);
            match http::read_body(&mut conn, request, rest) {
                Ok(body) => pairing_code(&body, shared),
                Err(BodyError::Io) => return,
                Err(BodyError::TooLarge) => (413, object(&[("error", json!("request body too large"))])),
                Err(BodyError::BadLength) => (400, object(&[("error", json!("bad Content-Length"))])),
            }
        }
        Method::GetStateInstance => (200, object(&[("stateInstance", json!(current_state(shared)))])),
        Method::GetWaSettings => (200, wa_settings(shared)),
        Method::Logout => {
            shared.with_instance(|i| i.set_state("notAuthorized"));
            (200, object(&[("isLogout", json!(true))]))
        }
        Method::Reboot => {
            shared.reboots.fetch_add(1, Ordering::SeqCst);
            (200, object(&[("isReboot", json!(!shared.options.reboot_fails))]))
        }
    };
    let _ = http::respond(&mut conn, status, &body);
}

/// A JSON object with its fields in GREEN-API's order (serde_json's map
/// would sort them).
fn object(fields: &[(&str, Value)]) -> String {
    let fields: Vec<String> = fields.iter().map(|(name, value)| format!("{}:{value}", json!(name))).collect();
    format!("{{{}}}", fields.join(","))
}

fn current_state(shared: &Shared) -> String {
    let now = Instant::now();
    shared.with_instance(|i| i.state(now).to_string()).unwrap_or_else(|| "starting".to_string())
}

fn wa_settings(shared: &Shared) -> String {
    let phone = shared.with_instance(|i| i.phone().to_string()).unwrap_or_default();
    object(&[
        ("avatar", json!("")),
        ("phone", json!(phone)),
        ("stateInstance", json!(current_state(shared))),
        ("deviceId", json!(format!("emulator-{}", shared.options.instance))),
    ])
}

/// The phone number of a getAuthorizationCode body: `{"phoneNumber": 79001234567}`,
/// a JSON number (a string will not do, as with GREEN-API).
fn phone_number(body: &[u8]) -> Result<u64, &'static str> {
    let value: Value = serde_json::from_slice(body).map_err(|_| "the body must be a JSON object")?;
    match value.get("phoneNumber") {
        None => Err("phoneNumber is required"),
        Some(number) => number.as_u64().filter(|&n| n > 0).ok_or("phoneNumber must be a positive whole number"),
    }
}

/// getAuthorizationCode: a code now, and the instance authorized a while later.
fn pairing_code(body: &[u8], shared: &Shared) -> (u16, String) {
    let phone = match phone_number(body) {
        Ok(phone) => phone,
        Err(why) => return (400, object(&[("error", json!(why))])),
    };
    let options = &shared.options;
    if options.code_fails {
        return (200, object(&[("status", json!(false))]));
    }
    let code = match &options.code {
        Some(code) => code.clone(),
        None => authorization_code(&mut Rng::new(shared.next_seed())),
    };
    shared.with_instance(|i| i.pair(phone, Instant::now(), options.authorize_after));
    (200, object(&[("status", json!(true)), ("code", json!(code))]))
}

fn upgrade(mut conn: Conn, request: &Request, rest: Vec<u8>, shared: &Shared) {
    let key = request.header("sec-websocket-key");
    let (Some(key), true) = (key, request.header_has_token("upgrade", "websocket")) else {
        let _ = http::respond(&mut conn, 400, r#"{"error":"expected a websocket upgrade"}"#);
        return;
    };
    if shared.options.scenario == Scenario::Reject {
        let _ = http::respond(&mut conn, 401, r#"{"error":"Unauthorized"}"#);
        shared.finished.fetch_add(1, Ordering::SeqCst);
        return;
    }
    let accept = tungstenite::handshake::derive_accept_key(key.as_bytes());
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n\r\n"
    );
    if conn.write_all(response.as_bytes()).and_then(|()| conn.flush()).is_err() {
        return;
    }
    let index = shared.connections.fetch_add(1, Ordering::SeqCst);
    // The client sends nothing but control frames: keep what it may send small.
    let config = WebSocketConfig::default().max_message_size(Some(64 * 1024)).max_frame_size(Some(64 * 1024));
    let mut ws = WebSocket::from_partially_read(conn, rest, Role::Server, Some(config));
    if scenario::run(&mut ws, shared, index) != End::Dropped {
        shared.finished.fetch_add(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_instance_method_and_token() {
        assert_eq!(
            parse_path("/waInstance7/getStateInstance/tok"),
            Some(("7", Method::GetStateInstance, "GET", "tok"))
        );
        assert_eq!(parse_path("/waInstance7/SCANQRCODE/tok/"), Some(("7", Method::ScanQrCode, "GET", "tok")));
        assert_eq!(
            parse_path("/waInstance7/getAuthorizationCode/tok"),
            Some(("7", Method::GetAuthorizationCode, "POST", "tok"))
        );
        for bad in ["/", "/waInstance7/nope/tok", "/instance7/reboot/tok", "/waInstance7/reboot", "/a/b/c/d"] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }

    #[test]
    fn objects_keep_their_field_order() {
        let text = object(&[("status", json!(true)), ("code", json!("A\"B"))]);
        assert_eq!(text, r#"{"status":true,"code":"A\"B"}"#);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap()["code"], "A\"B");
    }

    #[test]
    fn phone_numbers_must_be_json_numbers() {
        assert_eq!(phone_number(br#"{"phoneNumber": 79001234567}"#), Ok(79_001_234_567));
        for bad in [
            &br#"{"phoneNumber": "79001234567"}"#[..],
            br#"{"phoneNumber": 7.9e10}"#,
            br#"{"phoneNumber": -1}"#,
            br#"{"phoneNumber": null}"#,
            br#"{}"#,
            b"",
            b"not json",
        ] {
            assert!(phone_number(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }
}
