//! What a run was asked to do, validated: a leaf that every command reads.

use crate::secret::Token;
use crate::url::Endpoint;
use std::path::PathBuf;
use std::time::Duration;

/// Everything a run needs. Built by `cli::parse` without I/O; `app` then
/// reads `--token-file` into `token`.
#[derive(Debug)]
pub struct Config {
    pub command: Command,
    pub instance: String,
    /// Empty until `app` has read `token_file`, when one is named.
    pub token: Token,
    pub token_file: Option<PathBuf>,
    pub endpoint: Endpoint,
    pub out: PathBuf,
    pub keep: bool,
    pub terminal: Terminal,
    /// Draw with sextants (2 x 3 modules a cell) instead of half blocks.
    pub compact: bool,
    pub style: Style,
    pub json: bool,
    pub quiet: bool,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub ca_file: Option<PathBuf>,
    /// `--proxy` as given (`Some("")`: no proxy); `None`: the environment decides.
    pub proxy: Option<String>,
    /// `--phone`, digits only: log in with a pairing code instead of a QR code.
    pub phone: Option<String>,
    pub hooks: HookCommands,
    pub timing: Timing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// The login: a QR session, or a pairing code with `--phone` (no subcommand).
    Login,
    /// `scanqr ensure`: log in only when the instance is not authorized.
    Ensure,
    /// `scanqr state`: print stateInstance.
    State,
    /// `scanqr logout`.
    Logout,
    /// `scanqr reboot`.
    Reboot,
}

/// `--terminal`: whether to draw QR codes in the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Terminal {
    /// When stdout is a terminal and neither `--json` nor `--quiet` is given.
    Auto,
    Always,
    Never,
}

/// How a QR code is drawn in the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// Explicit ANSI colours (black on white); off when NO_COLOR is set and not empty.
    pub color: bool,
    /// For light-background terminals without colour: swap dark and light glyphs.
    pub invert: bool,
}

/// Shell commands run on events (`--on-qr`, `--on-code`, `--on-done`).
#[derive(Debug, Clone, Default)]
pub struct HookCommands {
    pub on_qr: Option<String>,
    pub on_code: Option<String>,
    pub on_done: Option<String>,
}

/// The waits a run is built on. The binary uses [`Timing::STANDARD`]; tests
/// build a short one, so proving a 60 s rule does not take 60 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timing {
    /// Silence after which the client pings.
    pub ping_after: Duration,
    /// Silence after which the connection counts as lost.
    pub lost_after: Duration,
    /// A hook running longer than this is killed and reported.
    pub hook_limit: Duration,
    /// At the end of a session, `--on-qr` hooks still running get this long.
    pub hook_drain: Duration,
    /// After SIGINT/SIGTERM, `--on-done` gets this long: whoever stops us is waiting.
    pub done_after_signal: Duration,
    /// The longest wait between two connection attempts.
    pub max_backoff: Duration,
    /// How often the pairing-code login asks whether the code was entered.
    pub state_poll: Duration,
}

impl Timing {
    pub const STANDARD: Timing = Timing {
        ping_after: Duration::from_secs(20),
        lost_after: Duration::from_secs(60),
        hook_limit: Duration::from_secs(30),
        hook_drain: Duration::from_secs(5),
        done_after_signal: Duration::from_secs(5),
        max_backoff: Duration::from_secs(8),
        state_poll: Duration::from_secs(2),
    };
}

/// A first connection that fails is retried this many times in a row.
pub const FIRST_RETRIES: u32 = 3;
/// GREEN-API's scan window, from the first QR code of a connection.
pub const SCAN_WINDOW: Duration = Duration::from_secs(100);
/// How long a pairing code is valid, as GREEN-API documents it.
pub const PAIRING_CODE_VALID: Duration = Duration::from_secs(150);
