//! A websocket text frame to a GREEN-API message. Pure: no I/O.

use base64::Engine;
use serde_json::{Map, Value};

/// The account fields reported on `accountData`, in this order.
pub const ACCOUNT_FIELDS: [&str; 4] = ["wid", "pushname", "proxy", "webhookUrl"];

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// `qrCode`: the decoded PNG bytes (not yet validated as a PNG).
    Qr(Vec<u8>),
    /// `accountData`: the fields of [`ACCOUNT_FIELDS`] that were present.
    Account(Map<String, Value>),
    /// `alreadyLogged`, with GREEN-API's text.
    AlreadyLogged(String),
    /// `timeoutExpired` or `timeout`.
    Timeout,
    /// `error`, with GREEN-API's text.
    Error(String),
}

/// Why a frame was skipped; printed in a `warning` event.
pub type Skip = String;

/// Parse one text frame.
pub fn parse(text: &str) -> Result<Message, Skip> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("frame is not JSON ({e}); skipped"))?;
    let Value::Object(obj) = value else {
        return Err("frame is JSON but not an object; skipped".into());
    };
    let kind = match obj.get("type") {
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err("frame has a non-string \"type\"; skipped".into()),
        None => return Err("frame has no \"type\"; skipped".into()),
    };
    let message = obj.get("message");
    match kind {
        "qrCode" => match message {
            Some(Value::String(b64)) => decode_base64(b64).map(Message::Qr),
            _ => Err("qrCode frame has no base64 string in \"message\"; skipped".into()),
        },
        "accountData" => Ok(Message::Account(account_fields(&obj))),
        "alreadyLogged" => Ok(Message::AlreadyLogged(text_of(message, "instance account already authorized"))),
        "timeoutExpired" | "timeout" => Ok(Message::Timeout),
        "error" => Ok(Message::Error(text_of(message, "GREEN-API reported an error without text"))),
        // Echo a type only whole, so the reporter can mask a token in it; never a cut one.
        other if other.chars().count() <= 40 => Err(format!("unknown message type {other:?}; skipped")),
        other => Err(format!("unknown message type of {} characters; skipped", other.chars().count())),
    }
}

/// Fields may sit beside `type` or inside `message`; inside wins.
fn account_fields(obj: &Map<String, Value>) -> Map<String, Value> {
    let inner = obj.get("message").and_then(Value::as_object);
    ACCOUNT_FIELDS
        .iter()
        .filter_map(|&k| {
            let v = inner.and_then(|m| m.get(k)).or_else(|| obj.get(k))?;
            (!v.is_null()).then(|| (k.to_string(), v.clone()))
        })
        .collect()
}

fn text_of(message: Option<&Value>, default: &str) -> String {
    match message {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::Null) | None => default.to_string(),
        Some(Value::String(_)) => default.to_string(),
        Some(other) => other.to_string(),
    }
}

/// Base64 as GREEN-API sends it, leniently: an optional `data:image/png;base64,`
/// prefix, ASCII whitespace anywhere, padding optional.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, Skip> {
    let body = text.trim_start();
    let body = match body.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("data:") => match body.split_once(',') {
            Some((head, rest)) if head.to_ascii_lowercase().ends_with(";base64") => rest,
            _ => return Err("qrCode data: URL is not base64; skipped".into()),
        },
        _ => body,
    };
    let compact: Vec<u8> = body.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let unpadded = compact.strip_suffix(b"==").or_else(|| compact.strip_suffix(b"=")).unwrap_or(&compact);
    if unpadded.is_empty() {
        return Err("qrCode frame has an empty image; skipped".into());
    }
    base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(unpadded)
        .map_err(|e| format!("qrCode image is not valid base64 ({e}); skipped"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn qr_code_variants_decode_alike() {
        for text in [
            r#"{"type":"qrCode","message":"aGVsbG8="}"#,
            r#"{"type":"qrCode","message":"aGVsbG8"}"#,
            r#"{"type":"qrCode","message":"data:image/png;base64,aGVsbG8="}"#,
            r#"{"type":"qrCode","message":" aGVs\nbG8=\r\n"}"#,
            r#"{"type":"qrCode","message":"DATA:image/png;BASE64,aG Vs bG8"}"#,
        ] {
            assert_eq!(parse(text), Ok(Message::Qr(b"hello".to_vec())), "{text}");
        }
    }

    #[test]
    fn account_data_beside_or_inside() {
        let inside =
            parse(r#"{"type":"accountData","message":{"wid":"7@c.us","pushname":"Ann","proxy":null,"other":1}}"#);
        let beside = parse(r#"{"type":"accountData","wid":"7@c.us","pushname":"Ann","message":"ok"}"#);
        let mut want = Map::new();
        want.insert("wid".into(), json!("7@c.us"));
        want.insert("pushname".into(), json!("Ann"));
        assert_eq!(inside, Ok(Message::Account(want.clone())));
        assert_eq!(beside, Ok(Message::Account(want)));
        assert_eq!(parse(r#"{"type":"accountData"}"#), Ok(Message::Account(Map::new())));
    }

    #[test]
    fn outcomes() {
        assert_eq!(parse(r#"{"type":"timeoutExpired"}"#), Ok(Message::Timeout));
        assert_eq!(parse(r#"{"type":"timeout","message":"x"}"#), Ok(Message::Timeout));
        assert_eq!(
            parse(r#"{"type":"error","message":"instance is blocked"}"#),
            Ok(Message::Error("instance is blocked".into()))
        );
        assert_eq!(parse(r#"{"type":"error","message":{"code":5}}"#), Ok(Message::Error(r#"{"code":5}"#.into())));
        assert!(matches!(parse(r#"{"type":"error"}"#), Ok(Message::Error(t)) if !t.is_empty()));
        assert!(matches!(parse(r#"{"type":"alreadyLogged"}"#), Ok(Message::AlreadyLogged(t)) if t.contains("already")));
    }

    #[test]
    fn bad_frames_are_skipped_with_a_reason() {
        for (text, why) in [
            ("not json", "not JSON"),
            ("[1,2]", "not an object"),
            (r#"{"message":"x"}"#, "no \"type\""),
            (r#"{"type":5}"#, "non-string"),
            (r#"{"type":"somethingNew"}"#, "unknown message type"),
            (r#"{"type":"qrCode"}"#, "no base64"),
            (r#"{"type":"qrCode","message":7}"#, "no base64"),
            (r#"{"type":"qrCode","message":"@@@@"}"#, "not valid base64"),
            (r#"{"type":"qrCode","message":"  "}"#, "empty"),
            (r#"{"type":"qrCode","message":"data:text/plain,hi"}"#, "data: URL"),
        ] {
            let err = parse(text).err().unwrap_or_default();
            assert!(err.contains(why), "{text}: {err}");
        }
        let long = format!(r#"{{"type":"{}"}}"#, "é".repeat(100));
        assert!(parse(&long).err().unwrap_or_default().len() < 120);
    }
}
