//! The one error type. Each variant carries what the user needs to fix it;
//! `outcome.rs` decides its exit code.

use std::fmt;
use std::path::PathBuf;

#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A bad command line: unknown flag, bad value, unsupported URL scheme.
    Usage(String),
    /// Missing or malformed credentials, unreadable token or CA file.
    Config(String),
    /// The QR file (or its directory) could not be written.
    File { path: PathBuf, source: std::io::Error },
    /// DNS, refused, reset, timed out, lost and not regained.
    Network(String),
    /// TLS or certificate failure, an unexpected answer, a broken frame stream.
    Protocol(String),
    /// GREEN-API answered 401 or 403.
    Rejected(u16),
    /// A proxy refused its credentials (407, or SOCKS5 authentication); names the proxy.
    ProxyRejected(String),
    /// SIGINT or SIGTERM.
    Interrupted(i32),
}

impl Error {
    /// The `kind` field of a `failed` event.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Usage(_) | Error::Config(_) => "config",
            Error::File { .. } => "io",
            Error::Network(_) => "network",
            Error::Protocol(_) => "protocol",
            Error::Rejected(_) | Error::ProxyRejected(_) => "rejected",
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
            Error::Config(m) | Error::Network(m) | Error::Protocol(m) | Error::ProxyRejected(m) => f.write_str(m),
            Error::File { path, source } if source.kind() == std::io::ErrorKind::IsADirectory || path.is_dir() => {
                write!(
                    f,
                    "cannot write the QR file {}: it is a directory; give a file name inside it, like --out {}",
                    path.display(),
                    path.join("qr.png").display()
                )
            }
            Error::File { path, source } => write!(
                f,
                "cannot write the QR file {}: {source}; check that the directory exists and is writable, or choose another with --out",
                path.display()
            ),
            Error::Rejected(status) => write!(
                f,
                "GREEN-API rejected the credentials (HTTP {status}): check the instance id and the token in the GREEN-API console"
            ),
            Error::Interrupted(sig) => write!(f, "interrupted by {}", crate::signal::name(*sig)),
        }
    }
}

impl std::error::Error for Error {}
