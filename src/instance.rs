//! `scanqr state`, `logout` and `reboot`: one HTTP request each, no scan window.

use crate::config::Config;
use crate::net::http;
use crate::net::Dialer;
use crate::outcome::Outcome;
use crate::Error;
use serde_json::Value;
use std::time::Instant;

/// The instance's `stateInstance`.
pub fn state(cfg: &Config, dialer: &Dialer) -> Outcome {
    match get_state(cfg, dialer) {
        Ok(s) => Outcome::State(s),
        Err(e) => Outcome::Failed(e),
    }
}

/// Log the instance out, so the next session shows a fresh QR code.
pub fn logout(cfg: &Config, dialer: &Dialer) -> Outcome {
    match request(cfg, dialer, "logout") {
        Ok(answer) => Outcome::LoggedOut(answer.get("isLogout").and_then(Value::as_bool) == Some(true)),
        Err(e) => Outcome::Failed(e),
    }
}

/// Reboot the instance: GREEN-API's remedy for one stuck in `starting`.
pub fn reboot(cfg: &Config, dialer: &Dialer) -> Outcome {
    match request(cfg, dialer, "reboot") {
        Ok(answer) => Outcome::Rebooted(answer.get("isReboot").and_then(Value::as_bool) == Some(true)),
        Err(e) => Outcome::Failed(e),
    }
}

/// `getStateInstance`'s `stateInstance`.
pub fn get_state(cfg: &Config, dialer: &Dialer) -> Result<String, Error> {
    state_in(&request(cfg, dialer, "getStateInstance")?)
}

/// The `stateInstance` of an answer to getStateInstance.
pub fn state_in(answer: &Value) -> Result<String, Error> {
    match answer.get("stateInstance") {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(Error::Protocol("GREEN-API's answer to getStateInstance has no stateInstance".into())),
    }
}

/// GET a method and parse its JSON answer, within `--timeout`.
pub fn request(cfg: &Config, dialer: &Dialer, method: &str) -> Result<Value, Error> {
    request_until(cfg, dialer, method, Instant::now() + cfg.timeout)
}

/// GET a method and parse its JSON answer, connected within `--connect-timeout`
/// and answered by `deadline`.
pub fn request_until(cfg: &Config, dialer: &Dialer, method: &str, deadline: Instant) -> Result<Value, Error> {
    let path = cfg.endpoint.path(method, &cfg.instance, &cfg.token);
    let resp = http::get(&cfg.endpoint, dialer, &path, Instant::now() + cfg.connect_timeout, deadline)?;
    answer(cfg, method, resp)
}

/// A response's JSON, or the error its status means.
pub fn answer(cfg: &Config, method: &str, resp: http::Response) -> Result<Value, Error> {
    match resp.status {
        200 => serde_json::from_slice(&resp.body)
            .map_err(|_| Error::Protocol(format!("GREEN-API's answer to {method} is not JSON"))),
        401 | 403 => Err(Error::Rejected(resp.status)),
        s => Err(Error::Protocol(format!(
            "{} answered {method} with HTTP {s}: check --api-url and the instance in the GREEN-API console",
            cfg.endpoint.host
        ))),
    }
}
