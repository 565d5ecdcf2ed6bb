//! A local emulator of GREEN-API's `scanqrcode` websocket and of the HTTP
//! methods around a login, for scanqr's demo, integration tests and benchmark.
//!
//! [`Server::start`] binds `127.0.0.1`, and serves on one port, in background
//! threads (`{ID}` and `{TOKEN}` are [`Options::instance`] and [`Options::token`]):
//!
//! - `GET /waInstance{ID}/scanqrcode/{TOKEN}` as a websocket upgrade, then the
//!   JSON text frames of the chosen [`Scenario`], then a close frame; the
//!   `qrCode` frames carry [`Options::picture`] of a fresh pairing string;
//! - `GET …/getStateInstance/…` → `{"stateInstance":"…"}`;
//! - `POST …/getAuthorizationCode/…` with `{"phoneNumber":79001234567}` →
//!   `{"status":true,"code":"ABCD1234"}`, and the instance is `authorized`
//!   [`Options::authorize_after`] later;
//! - `GET …/getWaSettings/…` → `{"avatar":"","phone":"…","stateInstance":"…","deviceId":"…"}`;
//! - `GET …/reboot/…` → `{"isReboot":true}`;
//! - `GET …/logout/…` → `{"isLogout":true}`;
//!
//! with 401 for a wrong id or token, 405 for the wrong HTTP method and 404 for
//! any other path. With [`Options::tls`] it makes a throw-away CA and server
//! certificate for 127.0.0.1/localhost and serves TLS; the CA is written to
//! [`Server::ca_pem_path`] for the client's `--ca-file`.
//!
//! Everything is bounded: request heads and bodies (16 KiB, 5 s), writes
//! (5 s), the close handshake (2 s); connection threads end when the client
//! goes away, and [`Server::stop`] (or dropping the server) returns promptly.
//!
//! ```no_run
//! use scanqr_emulator::{Options, Scenario, Server};
//! use std::time::Duration;
//!
//! let server = Server::start(Options {
//!     scenario: Scenario::Authorize { qr: 2, every: Duration::from_millis(200) },
//!     ..Options::default()
//! })?;
//! println!("{}", server.api_url()); // http://127.0.0.1:PORT
//! server.stop();
//! # Ok::<(), std::io::Error>(())
//! ```
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod http;
mod instance;
mod picture;
mod random;
mod routes;
mod scenario;
mod server;
mod tls;

use std::time::Duration;

pub use instance::DEFAULT_PHONE;
pub use picture::{picture_png, qr_png, Picture};
pub use random::{pairing_string, whatsapp_payload, Rng, REF_BYTES};
pub use scenario::Scenario;
pub use server::{Conn, Server};

/// The emulator's default instance id.
pub const DEFAULT_INSTANCE: &str = "1101000001";
/// The emulator's default API token: a test value, not a secret.
pub const DEFAULT_TOKEN: &str = "d75b3a66374942c5b3c019c698abc2067e151558acbd412345";

/// How to start a [`Server`].
#[derive(Debug, Clone)]
pub struct Options {
    /// The instance id expected in paths (`waInstance{ID}`).
    pub instance: String,
    /// The API token expected in paths.
    pub token: String,
    /// What websocket sessions do.
    pub scenario: Scenario,
    /// What picture `qrCode` frames carry.
    pub picture: Picture,
    /// Serve TLS (`https`/`wss`) with a fresh self-made certificate.
    pub tls: bool,
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The initial `stateInstance` (any text). A logout sets `notAuthorized`;
    /// a session that sends `accountData`, or a pairing code's delay running
    /// out, sets `authorized`.
    pub state: String,
    /// The code getAuthorizationCode gives; `None`: a random one of 8 `A-Z0-9`.
    pub code: Option<String>,
    /// getAuthorizationCode answers `{"status":false}` (and authorizes nothing).
    pub code_fails: bool,
    /// How long after getAuthorizationCode the instance becomes `authorized`.
    pub authorize_after: Duration,
    /// reboot answers `{"isReboot":false}`.
    pub reboot_fails: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            instance: DEFAULT_INSTANCE.to_string(),
            token: DEFAULT_TOKEN.to_string(),
            scenario: Scenario::Authorize { qr: 3, every: Duration::from_secs(1) },
            picture: Picture::GreenApi,
            tls: false,
            port: 0,
            state: "authorized".to_string(),
            code: None,
            code_fails: false,
            authorize_after: Duration::from_secs(3),
            reboot_fails: false,
        }
    }
}
