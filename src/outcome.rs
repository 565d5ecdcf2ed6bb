//! What ends a run, and the one place an outcome becomes an exit code.
//!
//! The codes follow sysexits.h, so scripts can tell "try again later" (75)
//! from "fix the configuration" (64, 77, 78) from "ask a person" (1, 69).

use crate::Error;
use serde_json::{Map, Value};

pub const OK: i32 = 0;
/// Not scanned (or the pairing code not entered) in time; `state`: notAuthorized.
pub const NOT_LOGGED_IN: i32 = 1;
pub const USAGE: i32 = 64;
/// GREEN-API said no: `error`, a state a person must look at, a refused request.
pub const UNAVAILABLE: i32 = 69;
pub const CANT_CREATE: i32 = 73;
/// Temporary: the network, or an instance that is starting or asleep.
pub const TEMPORARY: i32 = 75;
pub const PROTOCOL: i32 = 76;
pub const NO_PERMISSION: i32 = 77;
pub const CONFIG: i32 = 78;

/// What ended a run.
#[derive(Debug)]
pub enum Outcome {
    /// `accountData`, or a pairing code that was entered: the account's fields.
    Authorized(Map<String, Value>),
    /// `alreadyLogged`, with GREEN-API's text.
    AlreadyAuthorized(String),
    /// `server`: GREEN-API closed the scan window; otherwise `--timeout` ran out.
    Timeout {
        server: bool,
    },
    /// `--phone`: `--timeout` ran out before the pairing code was entered.
    CodeNotEntered,
    /// GREEN-API answered `error`, or refused a request, with its text.
    ApiError(String),
    Failed(Error),
    /// `stateInstance` as GREEN-API gave it.
    State(String),
    /// `logout`: whether GREEN-API logged the instance out.
    LoggedOut(bool),
    /// `reboot`: whether GREEN-API rebooted the instance.
    Rebooted(bool),
}

impl Outcome {
    /// The process's exit code for this outcome: the only place one is decided.
    pub fn exit_code(&self) -> i32 {
        match self {
            Outcome::Authorized(_) | Outcome::AlreadyAuthorized(_) => OK,
            Outcome::Timeout { .. } | Outcome::CodeNotEntered => NOT_LOGGED_IN,
            Outcome::ApiError(_) => UNAVAILABLE,
            Outcome::Failed(e) => error_code(e),
            Outcome::State(s) => state_code(s),
            Outcome::LoggedOut(done) | Outcome::Rebooted(done) => {
                if *done {
                    OK
                } else {
                    UNAVAILABLE
                }
            }
        }
    }

    /// The event name, also given to `--on-done` as SCANQR_OUTCOME.
    pub fn event(&self) -> &'static str {
        match self {
            Outcome::Authorized(_) => "authorized",
            Outcome::AlreadyAuthorized(_) => "already_authorized",
            Outcome::Timeout { .. } | Outcome::CodeNotEntered => "timeout",
            Outcome::ApiError(_) => "api_error",
            Outcome::Failed(_) => "failed",
            Outcome::State(_) => "state",
            Outcome::LoggedOut(_) => "logout",
            Outcome::Rebooted(_) => "reboot",
        }
    }
}

fn error_code(e: &Error) -> i32 {
    match e {
        Error::Usage(_) => USAGE,
        Error::Config(_) => CONFIG,
        Error::File { .. } => CANT_CREATE,
        Error::Network(_) => TEMPORARY,
        Error::Protocol(_) => PROTOCOL,
        Error::Rejected(_) | Error::ProxyRejected(_) => NO_PERMISSION,
        Error::Interrupted(sig) => 128 + sig,
    }
}

fn state_code(state: &str) -> i32 {
    match state {
        "authorized" => OK,
        "notAuthorized" => NOT_LOGGED_IN,
        "starting" | "sleepMode" => TEMPORARY,
        _ => UNAVAILABLE,
    }
}

/// What a state means for a person, after `state: NAME`.
pub fn state_hint(state: &str) -> &'static str {
    match state {
        "authorized" => "",
        "notAuthorized" => ": the instance needs a login; run scanqr (or scanqr ensure) to log it in",
        "starting" | "sleepMode" => {
            ": temporary (GREEN-API: up to 5 minutes); try again later, or run scanqr reboot if it stays so"
        }
        "blocked" => ": WhatsApp banned this number; see the instance in the GREEN-API console",
        "yellowCard" => {
            ": WhatsApp suspended sending from this number for a while; see the instance in the GREEN-API console"
        }
        _ => ": not a state scanqr knows; see the instance in the GREEN-API console",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_map_to_the_documented_codes() {
        for (state, code) in [
            ("authorized", 0),
            ("notAuthorized", 1),
            ("starting", 75),
            ("sleepMode", 75),
            ("blocked", 69),
            ("yellowCard", 69),
            ("whatever", 69),
        ] {
            assert_eq!(Outcome::State(state.into()).exit_code(), code, "{state}");
        }
    }

    #[test]
    fn errors_map_to_sysexits() {
        let io = || std::io::Error::other("x");
        for (e, code) in [
            (Error::Usage(String::new()), 64),
            (Error::Config(String::new()), 78),
            (Error::File { path: "p".into(), source: io() }, 73),
            (Error::Network(String::new()), 75),
            (Error::Protocol(String::new()), 76),
            (Error::Rejected(401), 77),
            (Error::ProxyRejected(String::new()), 77),
            (Error::Interrupted(15), 143),
        ] {
            assert_eq!(Outcome::Failed(e).exit_code(), code);
        }
        assert_eq!((Outcome::Rebooted(false).exit_code(), Outcome::LoggedOut(true).exit_code()), (69, 0));
    }
}
