//! The one error type. Each variant knows its exit code and, for failures
//! during a session, the `kind` reported in the `failed` event.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A bad command line: unknown flag, bad value, unsupported URL scheme.
    Usage(String),
    /// Missing or empty credentials, unreadable token file.
    Config(String),
    /// The QR file (or its directory) could not be written.
    File { path: PathBuf, source: std::io::Error },
    /// DNS, refused, reset, timed out, lost and not regained.
    Network(String),
    /// TLS or certificate failure, an unexpected upgrade answer, a broken frame stream.
    Protocol(String),
    /// The upgrade was answered 401 or 403.
    Rejected(u16),
    /// SIGINT or SIGTERM.
    Interrupted(i32),
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Usage(_) => 64,
            Error::Config(_) => 78,
            Error::File { .. } => 73,
            Error::Network(_) => 75,
            Error::Protocol(_) => 76,
            Error::Rejected(_) => 77,
            Error::Interrupted(sig) => 128 + sig,
        }
    }

    /// The `kind` field of a `failed` event.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Usage(_) | Error::Config(_) => "config",
            Error::File { .. } => "io",
            Error::Network(_) => "network",
            Error::Protocol(_) => "protocol",
            Error::Rejected(_) => "rejected",
            Error::Interrupted(_) => "interrupted",
        }
    }

    /// Whether reconnecting could help.
    pub fn is_retriable(&self) -> bool {
        matches!(self, Error::Network(_))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Usage(m) => write!(f, "{m} (see scanqr --help)"),
            Error::Config(m) | Error::Network(m) | Error::Protocol(m) => f.write_str(m),
            Error::File { path, source } => write!(
                f,
                "cannot write the QR file {}: {source}; check that the directory exists and is writable, or choose another with --out",
                path.display()
            ),
            Error::Rejected(status) => write!(
                f,
                "GREEN-API rejected the credentials (HTTP {status}): check the instance id and the token in the GREEN-API console"
            ),
            Error::Interrupted(sig) => {
                let name = if *sig == libc::SIGINT { "SIGINT" } else { "SIGTERM" };
                write!(f, "interrupted by {name}")
            }
        }
    }
}

impl std::error::Error for Error {}
