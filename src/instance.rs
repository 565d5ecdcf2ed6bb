//! `scanqr state` and `scanqr logout`: one HTTP request each, no scan window.

use crate::cli::Config;
use crate::connect::Tls;
use crate::report::{Outcome, Reporter};
use crate::{http, Error};
use serde_json::Value;
use std::time::Instant;

/// Print the instance's `stateInstance`; 0 authorized, 1 notAuthorized, 69 anything else.
pub fn state(cfg: &Config, tls: &Tls, rep: &mut Reporter) -> i32 {
    let answer = request(cfg, tls, "getStateInstance").and_then(|v| match v.get("stateInstance") {
        Some(Value::String(s)) => Ok(s.clone()),
        _ => Err(Error::Protocol("GREEN-API's answer to getStateInstance has no stateInstance".into())),
    });
    let state = match answer {
        Ok(s) => s,
        Err(e) => return rep.outcome(&Outcome::Failed(e)),
    };
    let (code, hint) = match state.as_str() {
        "authorized" => (0, ""),
        "notAuthorized" => (1, ": the instance needs a QR scan; run scanqr to log it in"),
        "starting" | "sleepMode" => (69, ": not ready; try again in a few minutes"),
        _ => (69, ": see the instance in the GREEN-API console"),
    };
    let fields = [("state", Value::from(state.as_str())), ("exit_code", code.into())];
    rep.event("state", &fields, &format!("state: {state}{hint}"), code != 0);
    code
}

/// Log the instance out, so the next session shows a fresh QR code.
pub fn logout(cfg: &Config, tls: &Tls, rep: &mut Reporter) -> i32 {
    let answer = match request(cfg, tls, "logout") {
        Ok(v) => v,
        Err(e) => return rep.outcome(&Outcome::Failed(e)),
    };
    let done = answer.get("isLogout").and_then(Value::as_bool) == Some(true);
    let code = if done { 0 } else { 69 };
    let human = if done {
        "logout: the instance is logged out; run scanqr to log it in again".to_string()
    } else {
        format!("logout: GREEN-API did not log the instance out (answer: {answer})")
    };
    rep.event("logout", &[("logged_out", done.into()), ("exit_code", code.into())], &human, !done);
    code
}

fn request(cfg: &Config, tls: &Tls, method: &str) -> Result<Value, Error> {
    let now = Instant::now();
    let path = cfg.endpoint.path(method, &cfg.instance, &cfg.token);
    let resp = http::get(&cfg.endpoint, tls, &path, now + cfg.connect_timeout, now + cfg.timeout)?;
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
