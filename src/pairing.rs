//! The pairing-code login (`--phone`): ask GREEN-API for one code, show it,
//! and poll getStateInstance until the code is entered or `--timeout` runs
//! out. No websocket is opened and no QR file written.
//!
//! One code a run, never more: GREEN-API documents that repeated requests
//! can leave the instance stuck in `starting`. So the request is not retried,
//! and once a code is out a failing poll is only a warning: the person may be
//! typing it in.

use crate::config::{Config, PAIRING_CODE_VALID};
use crate::hooks::Hooks;
use crate::net::{http, Dialer, TICK};
use crate::outcome::Outcome;
use crate::report::Reporter;
use crate::{instance, signal, Error};
use serde_json::{Map, Value};
use std::time::Instant;

/// Log in with a pairing code for `cfg.phone`, running the hooks as the QR session does.
pub fn login(cfg: &Config, dialer: &Dialer, rep: &mut Reporter) -> Outcome {
    let mut hooks = Hooks::new(cfg.hooks.clone(), &cfg.instance, cfg.timing);
    let deadline = Instant::now() + cfg.timeout;
    let outcome = match request_code(cfg, dialer, deadline) {
        Ok(code) => {
            rep.pairing_code(&code, PAIRING_CODE_VALID.as_secs());
            hooks.code(&code, rep);
            wait_for_entry(cfg, dialer, deadline, &mut hooks, rep)
        }
        Err(outcome) => outcome,
    };
    hooks.finish(&outcome, || {}, rep);
    outcome
}

/// POST getAuthorizationCode once; the code, or the outcome that ends the run.
fn request_code(cfg: &Config, dialer: &Dialer, deadline: Instant) -> Result<String, Outcome> {
    let method = "getAuthorizationCode";
    let body = phone_body(cfg.phone.as_deref().unwrap_or_default()).map_err(Outcome::Failed)?;
    let path = cfg.endpoint.path(method, &cfg.instance, &cfg.token);
    let connect_by = Instant::now() + cfg.connect_timeout;
    let answer = http::post_json(&cfg.endpoint, dialer, &path, &body, connect_by, deadline)
        .and_then(|resp| instance::answer(cfg, method, resp))
        .map_err(Outcome::Failed)?;
    code_in(&answer)
}

/// `{"phoneNumber": 79001234567}`: GREEN-API wants a JSON number, not a string.
fn phone_body(digits: &str) -> Result<String, Error> {
    let number: u64 = digits
        .parse()
        .map_err(|_| Error::Usage(format!("--phone {digits:?} must be the digits of an international number")))?;
    Ok(serde_json::json!({ "phoneNumber": number }).to_string())
}

/// The code in an answer to getAuthorizationCode, or the outcome for an answer without one.
fn code_in(answer: &Value) -> Result<String, Outcome> {
    let code = answer.get("code").and_then(Value::as_str).filter(|c| !c.is_empty());
    match (answer.get("status").and_then(Value::as_bool), code) {
        (Some(true), Some(code))
            if code.len() <= 32 && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            Ok(code.to_string())
        }
        (Some(true), Some(_)) => Err(Outcome::Failed(Error::Protocol(
            "GREEN-API's pairing code is not letters and digits; not shown".into(),
        ))),
        _ => {
            let said: String = answer.to_string().chars().take(200).collect();
            Err(Outcome::ApiError(format!("getAuthorizationCode gave no pairing code (it answered {said})")))
        }
    }
}

/// Poll the state every `state_poll` until `authorized`, the deadline or a signal.
fn wait_for_entry(cfg: &Config, dialer: &Dialer, deadline: Instant, hooks: &mut Hooks, rep: &mut Reporter) -> Outcome {
    loop {
        if let Err(e) = pause((Instant::now() + cfg.timing.state_poll).min(deadline), hooks, rep) {
            return Outcome::Failed(e);
        }
        if Instant::now() >= deadline {
            return Outcome::CodeNotEntered;
        }
        // One poll may not outlast --connect-timeout, so a stalled server costs one poll, not the run.
        let poll_by = deadline.min(Instant::now() + cfg.connect_timeout);
        match instance::request_until(cfg, dialer, "getStateInstance", poll_by).and_then(|a| instance::state_in(&a)) {
            Ok(state) if state == "authorized" => return authorized(cfg, dialer, rep),
            Ok(_) => {}
            Err(e @ (Error::Rejected(_) | Error::Interrupted(_))) => return Outcome::Failed(e),
            Err(e) => rep.warning(&format!("cannot ask whether the code was entered ({e}); asking again")),
        }
    }
}

/// The `authorized` outcome, with the account's `phone` from getWaSettings when it answers.
fn authorized(cfg: &Config, dialer: &Dialer, rep: &mut Reporter) -> Outcome {
    let mut fields = Map::new();
    match instance::request_until(cfg, dialer, "getWaSettings", Instant::now() + cfg.connect_timeout) {
        Ok(settings) => {
            if let Some(phone) = settings.get("phone").filter(|p| p.is_string()) {
                fields.insert("phone".into(), phone.clone());
            }
        }
        Err(e @ (Error::Rejected(_) | Error::Interrupted(_))) => return Outcome::Failed(e),
        Err(e) => rep.warning(&format!("logged in, but getWaSettings did not say which phone ({e})")),
    }
    Outcome::Authorized(fields)
}

/// Wait until `until`, reaping hooks, waking early for a signal.
fn pause(until: Instant, hooks: &mut Hooks, rep: &mut Reporter) -> Result<(), Error> {
    while let Some(left) = until.checked_duration_since(Instant::now()) {
        if let Some(sig) = signal::pending() {
            return Err(Error::Interrupted(sig));
        }
        hooks.poll(rep);
        std::thread::sleep(left.min(TICK / 5));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_phone_goes_as_a_json_number() {
        assert_eq!(phone_body("79001234567").unwrap(), r#"{"phoneNumber":79001234567}"#);
        assert_eq!(phone_body("999999999999999").unwrap(), r#"{"phoneNumber":999999999999999}"#);
        assert!(phone_body("").is_err());
    }

    #[test]
    fn a_code_only_with_status_true() {
        assert_eq!(code_in(&json!({"status": true, "code": "ABCD1234"})).ok().as_deref(), Some("ABCD1234"));
        for no_code in [
            json!({"status": false}),
            json!({"status": false, "code": "ABCD1234"}),
            json!({"status": true}),
            json!({"status": true, "code": ""}),
            json!({"status": true, "code": 12345678}),
            json!({"code": "ABCD1234"}),
            json!([]),
        ] {
            assert!(matches!(code_in(&no_code), Err(Outcome::ApiError(_))), "{no_code}");
        }
        for odd in ["AB\u{1b}[2J", "ABCD 1234", &"A".repeat(33)] {
            let answer = json!({"status": true, "code": odd});
            assert!(matches!(code_in(&answer), Err(Outcome::Failed(Error::Protocol(_)))), "{odd:?}");
        }
    }
}
