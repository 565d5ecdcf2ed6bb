//! Where to connect, and the one place the token is put into a URL.
//!
//! Invariant: the token goes into a URL only here, in [`Endpoint::path`] and
//! [`Endpoint::ws_url`], whose results go on the wire and nowhere else.
//! Everything printable uses [`Endpoint::redacted`].

use crate::secret::Token;
use crate::Error;

/// The idInstance: digits only.
pub fn check_instance(raw: &str) -> Result<String, Error> {
    let id = raw.trim();
    if id.is_empty() {
        return Err(Error::Config("no instance id: set ID_INSTANCE or pass --instance".into()));
    }
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        // Not echoed: a token pasted here by mistake would go to cron mail.
        return Err(Error::Config(format!(
            "the instance id must be digits only (idInstance in the GREEN-API console), not {} characters of other text: check ID_INSTANCE or --instance (swapped with the token?)",
            id.chars().count()
        )));
    }
    Ok(id.to_string())
}

/// A GREEN-API host to talk to, parsed from the instance's apiUrl.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub tls: bool,
    /// Host name or IP address, without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// Path prefix from the apiUrl, without a trailing slash ("" usually).
    pub prefix: String,
}

impl Endpoint {
    /// `https://` and `wss://` mean TLS, `http://` and `ws://` plain.
    pub fn parse(api_url: &str) -> Result<Endpoint, Error> {
        let raw = api_url.trim();
        let shown = printable(raw);
        let (scheme, rest) = raw.split_once("://").ok_or_else(|| {
            Error::Usage(format!(
                "--api-url {shown:?} has no scheme: use https://HOST as the GREEN-API console shows it"
            ))
        })?;
        let tls = match scheme.to_ascii_lowercase().as_str() {
            "https" | "wss" => true,
            "http" | "ws" => false,
            other => {
                return Err(Error::Usage(format!(
                    "--api-url scheme {other:?} is not supported: use https:// (or http:// for a local emulator)"
                )))
            }
        };
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        if authority.contains('@') || path.contains(['?', '#']) {
            return Err(Error::Usage(format!(
                "--api-url {shown:?} must be scheme://host[:port][/path], without user, query or fragment"
            )));
        }
        let (host, port) = split_host_port(authority, if tls { 443 } else { 80 })
            .ok_or_else(|| Error::Usage(format!("--api-url {shown:?} has no valid host[:port]")))?;
        Ok(Endpoint { tls, host, port, prefix: path.trim_end_matches('/').to_string() })
    }

    fn base(&self) -> String {
        let scheme = if self.tls { "wss" } else { "ws" };
        let default = if self.tls { 443 } else { 80 };
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.port == default {
            format!("{scheme}://{host}{}", self.prefix)
        } else {
            format!("{scheme}://{host}:{}{}", self.port, self.prefix)
        }
    }

    /// The request path for `method` (`scanqrcode`, `getStateInstance`, `logout`): secret.
    pub fn path(&self, method: &str, instance: &str, token: &Token) -> String {
        format!("{}/waInstance{instance}/{method}/{}", self.prefix, token.reveal())
    }

    /// The full websocket URL for the handshake: secret.
    pub fn ws_url(&self, instance: &str, token: &Token) -> String {
        format!("{}/waInstance{instance}/scanqrcode/{}", self.base(), token.reveal())
    }

    /// The URL as it may be printed, the token shown as `***`.
    pub fn redacted(&self, method: &str, instance: &str) -> String {
        let base = self.base();
        let base = if method == "scanqrcode" { base } else { base.replacen("ws", "http", 1) };
        format!("{base}/waInstance{instance}/{method}/***")
    }

    /// `host:port` for the Host header.
    pub fn host_header(&self) -> String {
        let host = if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.port == if self.tls { 443 } else { 80 } {
            host
        } else {
            format!("{host}:{}", self.port)
        }
    }
}

/// An apiUrl as it may be echoed in an error: a pasted method URL
/// (`.../waInstance1/getStateInstance/TOKEN`) is cut before its token.
fn printable(raw: &str) -> String {
    match raw.find("/waInstance") {
        Some(i) => format!("{}/...", raw.get(..i).unwrap_or_default()),
        None => raw.to_string(),
    }
}

pub(crate) fn split_host_port(authority: &str, default: u16) -> Option<(String, u16)> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (authority, None),
        }
    };
    let host_ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:_".contains(&b));
    if !host_ok {
        return None;
    }
    let port = match port {
        Some(p) => p.parse::<u16>().ok().filter(|p| *p != 0)?,
        None => default,
    };
    Some((host.to_string(), port))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(s: &str) -> Endpoint {
        Endpoint::parse(s).unwrap_or_else(|e| unreachable!("{s}: {e}"))
    }

    #[test]
    fn schemes_map_to_websocket() {
        let t = Token::new("abc123").unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(
            ep("https://api.green-api.com").ws_url("1101", &t),
            "wss://api.green-api.com/waInstance1101/scanqrcode/abc123"
        );
        assert_eq!(
            ep("https://7105.api.greenapi.com/").ws_url("1", &t),
            "wss://7105.api.greenapi.com/waInstance1/scanqrcode/abc123"
        );
        assert_eq!(ep("http://127.0.0.1:8080").ws_url("1", &t), "ws://127.0.0.1:8080/waInstance1/scanqrcode/abc123");
        assert_eq!(ep("ws://h:80/").ws_url("1", &t), "ws://h/waInstance1/scanqrcode/abc123");
        assert_eq!(ep("WSS://h:8443/proxy/").ws_url("1", &t), "wss://h:8443/proxy/waInstance1/scanqrcode/abc123");
        assert_eq!(ep("http://[::1]:9000").ws_url("1", &t), "ws://[::1]:9000/waInstance1/scanqrcode/abc123");
    }

    #[test]
    fn endpoint_fields() {
        let e = ep("https://[::1]:9000/x/");
        assert_eq!((e.tls, e.host.as_str(), e.port, e.prefix.as_str()), (true, "::1", 9000, "/x"));
        assert_eq!(e.host_header(), "[::1]:9000");
        assert_eq!(ep("https://a.b").host_header(), "a.b");
        assert_eq!(
            ep("https://a.b").path("logout", "7", &Token::new("t1").unwrap_or_else(|e| unreachable!("{e}"))),
            "/waInstance7/logout/t1"
        );
    }

    #[test]
    fn redacted_hides_the_token() {
        let e = ep("https://api.green-api.com");
        assert_eq!(e.redacted("scanqrcode", "1101"), "wss://api.green-api.com/waInstance1101/scanqrcode/***");
        assert_eq!(
            e.redacted("getStateInstance", "1101"),
            "https://api.green-api.com/waInstance1101/getStateInstance/***"
        );
    }

    #[test]
    fn bad_urls_are_usage_errors() {
        for bad in [
            "ftp://h",
            "api.green-api.com",
            "https://",
            "https://h:0",
            "https://h:99999",
            "https://u@h",
            "https://h/?q",
            "https://h h",
            "http://[::1",
        ] {
            let err = Endpoint::parse(bad).err().unwrap_or_else(|| unreachable!("{bad} parsed"));
            assert!(matches!(err, Error::Usage(_)), "{bad}");
        }
    }

    #[test]
    fn credentials_are_checked() {
        assert_eq!(check_instance(" 1101 ").ok().as_deref(), Some("1101"));
        assert!(matches!(check_instance("11a"), Err(Error::Config(_))));
        assert!(matches!(check_instance(""), Err(Error::Config(_))));
    }
}
