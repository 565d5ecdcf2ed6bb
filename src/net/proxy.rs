//! Which proxy, if any: `--proxy`, else the environment as curl reads it,
//! and `no_proxy`. Pure: the environment comes in as a function.
//!
//! Invariant: a proxy's password leaves this file only for the wire (in
//! `tunnel`) and for [`Proxy::secrets`], which `app` hands to the mask; no
//! message here echoes a proxy URL's user information.

use crate::url::{split_host_port, Endpoint};
use crate::Error;
use std::fmt;
use std::net::IpAddr;

/// Every variable that can name a proxy; hooks do not inherit the ones that carry credentials.
pub const ENV_VARS: [&str; 6] = ["http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"];

/// A proxy's port when its URL names none: 1080, as curl has it.
const DEFAULT_PORT: u16 = 1080;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// HTTP CONNECT (RFC 9110).
    Http,
    /// SOCKS5 (RFC 1928); `remote_dns`: `socks5h://`, the proxy resolves GREEN-API's name.
    Socks5 { remote_dns: bool },
}

#[derive(Clone, PartialEq, Eq)]
pub struct Auth {
    pub user: String,
    pub password: String,
    /// The password as written in the URL (percent-encoded), masked too.
    written: String,
}

#[derive(Clone, PartialEq, Eq)]
pub struct Proxy {
    pub kind: Kind,
    /// Host name or IP address, without IPv6 brackets.
    pub host: String,
    pub port: u16,
    /// Where it was set: `--proxy` or the variable's name, for messages.
    pub setting: &'static str,
    pub auth: Option<Auth>,
}

impl fmt::Debug for Proxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let auth = if self.auth.is_some() { "***" } else { "none" };
        write!(f, "Proxy({:?} {} from {}, auth {auth})", self.kind, self.shown(), self.setting)
    }
}

impl Proxy {
    /// `host:port`: how the proxy is named in events and messages.
    pub fn shown(&self) -> String {
        super::tcp::host_port(&self.host, self.port)
    }

    /// What must never be printed: the password, as given and as decoded.
    pub fn secrets(&self) -> Vec<&str> {
        self.auth.iter().flat_map(|a| [a.password.as_str(), a.written.as_str()]).collect()
    }

    /// `[scheme://][user[:password]@]host[:port][/]`; a missing scheme is
    /// `http://`, a missing port 1080. Errors never echo the user information.
    pub fn parse(raw: &str, setting: &'static str) -> Result<Proxy, String> {
        let raw = raw.trim();
        let (scheme, rest) = match raw.split_once("://") {
            Some((s, rest)) if !s.contains('@') => (s.to_ascii_lowercase(), rest),
            _ => ("http".to_string(), raw),
        };
        let kind = match scheme.as_str() {
            "http" => Kind::Http,
            "socks5" => Kind::Socks5 { remote_dns: false },
            "socks5h" => Kind::Socks5 { remote_dns: true },
            s if s.len() <= 10 && s.bytes().all(|b| b.is_ascii_alphanumeric()) => {
                return Err(format!("scheme {s}:// is not supported; use http://, socks5:// or socks5h://"))
            }
            _ => return Err("not a proxy URL; use http://, socks5:// or socks5h://HOST:PORT".into()),
        };
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let (userinfo, host_port) = match authority.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, authority),
        };
        // With an `@` anywhere, what looks like the host may be the end of a
        // password holding a `/` or `#`: then it is not echoed.
        let shown = if raw.contains('@') { String::new() } else { format!("{:?} ", printable(host_port)) };
        let (host, port) = split_host_port(host_port, DEFAULT_PORT)
            .ok_or_else(|| format!("{shown}is not a valid proxy host[:port]"))?;
        let auth = userinfo.map(|u| auth(u, kind)).transpose()?.flatten();
        Ok(Proxy { kind, host, port, setting, auth })
    }
}

fn auth(userinfo: &str, kind: Kind) -> Result<Option<Auth>, String> {
    let (user, written) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let decode = |s: &str| percent_decode(s).ok_or("the user or password is not valid percent-encoded UTF-8");
    let auth = Auth { user: decode(user)?, password: decode(written)?, written: written.to_string() };
    if auth.user.is_empty() && auth.password.is_empty() {
        return Ok(None);
    }
    if kind != Kind::Http && (auth.user.len() > 255 || auth.password.len() > 255) {
        return Err("a SOCKS5 user or password is at most 255 bytes".into());
    }
    Ok(Some(auth))
}

fn percent_decode(s: &str) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).ok()
}

/// A host[:port] as it may be echoed: printable ASCII only, and short.
fn printable(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_graphic()).take(80).collect()
}

/// The proxy for `endpoint`: `--proxy` (`""`: none), else `https_proxy` /
/// `HTTPS_PROXY` for TLS endpoints and `http_proxy` (lowercase only, as curl:
/// a CGI request can set `HTTP_PROXY`) for plain ones, then `all_proxy` /
/// `ALL_PROXY`. A variable set empty counts as unset. `no_proxy` (else
/// `NO_PROXY`) bypasses any of them, `--proxy` too, as in curl.
pub fn resolve(
    flag: Option<&str>,
    endpoint: &Endpoint,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Proxy>, Error> {
    if flag.is_some_and(|f| f.trim().is_empty()) {
        return Ok(None);
    }
    let no_proxy = env("no_proxy").or_else(|| env("NO_PROXY"));
    if no_proxy.is_some_and(|list| bypasses(&list, &endpoint.host, endpoint.port)) {
        return Ok(None);
    }
    if let Some(raw) = flag {
        return Proxy::parse(raw, "--proxy").map(Some).map_err(|why| Error::Usage(format!("--proxy: {why}")));
    }
    let names: &[&'static str] = if endpoint.tls {
        &["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"]
    } else {
        &["http_proxy", "all_proxy", "ALL_PROXY"]
    };
    for &name in names {
        if let Some(raw) = env(name).filter(|v| !v.trim().is_empty()) {
            return Proxy::parse(&raw, name).map(Some).map_err(|why| {
                Error::Config(format!("{name} in the environment: {why} (or run with --proxy '' to use no proxy)"))
            });
        }
    }
    Ok(None)
}

/// Whether a `no_proxy` list names `host` (port `port`): `*`; a name, which
/// also covers its subdomains, with or without a leading `.` or `*.`; an IP
/// address or a CIDR block (`10.0.0.0/8`); each with an optional `:port`.
/// Entries are separated by commas (and blanks); case and a trailing dot
/// do not matter.
pub fn bypasses(list: &str, host: &str, port: u16) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let ip = host.parse::<IpAddr>().ok();
    list.split(|c: char| c == ',' || c.is_ascii_whitespace()).filter(|e| !e.is_empty()).any(|entry| {
        let (pattern, entry_port) = split_entry_port(entry);
        if entry_port.is_some_and(|p| p != port) {
            return false;
        }
        if pattern == "*" {
            return true;
        }
        match ip {
            Some(ip) => ip_matches(ip, pattern),
            None => {
                let name = pattern.trim_start_matches('*').trim_start_matches('.').trim_end_matches('.');
                let name = name.to_ascii_lowercase();
                !name.is_empty()
                    && (host == name || host.strip_suffix(name.as_str()).is_some_and(|sub| sub.ends_with('.')))
            }
        }
    })
}

/// `host:port`, `[v6]:port`, or no port (a bare IPv6 address has several colons).
fn split_entry_port(entry: &str) -> (&str, Option<u16>) {
    if let Some(rest) = entry.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((ip, after)) => (ip, after.strip_prefix(':').and_then(|p| p.parse().ok())),
            None => (entry, None),
        };
    }
    match entry.split_once(':') {
        Some((name, p)) if !p.contains(':') => match p.parse() {
            Ok(port) => (name, Some(port)),
            // Not a port: an entry that can match nothing rather than every port.
            Err(_) => ("", None),
        },
        _ => (entry, None),
    }
}

fn ip_matches(ip: IpAddr, pattern: &str) -> bool {
    let (addr, bits) = match pattern.split_once('/') {
        Some((a, b)) => match b.parse::<u32>() {
            Ok(bits) => (a, Some(bits)),
            Err(_) => return false,
        },
        None => (pattern, None),
    };
    match (ip, addr.parse::<IpAddr>()) {
        (IpAddr::V4(ip), Ok(IpAddr::V4(net))) => same_prefix(ip.to_bits().into(), net.to_bits().into(), 32, bits),
        (IpAddr::V6(ip), Ok(IpAddr::V6(net))) => same_prefix(ip.to_bits(), net.to_bits(), 128, bits),
        _ => false,
    }
}

fn same_prefix(a: u128, b: u128, width: u32, bits: Option<u32>) -> bool {
    match bits.unwrap_or(width) {
        0 => true,
        bits if bits <= width => (a ^ b) >> (width - bits) == 0,
        _ => false,
    }
}

/// Whether a proxy variable's value holds credentials (`user:password@`), so hooks must not inherit it.
pub fn has_credentials(value: &str) -> bool {
    value.contains('@')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Proxy {
        Proxy::parse(raw, "--proxy").unwrap_or_else(|e| unreachable!("{raw}: {e}"))
    }

    fn ep(url: &str) -> Endpoint {
        Endpoint::parse(url).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn urls_give_kind_host_port_and_credentials() {
        let p = parse("http://proxy.corp:3128/");
        assert_eq!((p.kind, p.host.as_str(), p.port, p.auth.is_none()), (Kind::Http, "proxy.corp", 3128, true));
        assert_eq!(parse("proxy.corp").port, 1080);
        assert_eq!(parse("proxy.corp").kind, Kind::Http);
        assert_eq!(parse("SOCKS5://[::1]:9050").kind, Kind::Socks5 { remote_dns: false });
        assert_eq!(parse("socks5h://h").kind, Kind::Socks5 { remote_dns: true });
        assert_eq!(parse("[::1]:9050").shown(), "[::1]:9050");
        let p = parse("http://ann%40corp:p%3Ass%2Fw@h:8080");
        let auth = p.auth.clone().unwrap_or_else(|| unreachable!());
        assert_eq!((auth.user.as_str(), auth.password.as_str()), ("ann@corp", "p:ss/w"));
        assert_eq!(p.secrets(), ["p:ss/w", "p%3Ass%2Fw"]);
        assert_eq!(parse("user@h").auth.map(|a| a.password), Some(String::new()));
        assert!(parse("http://:@h").auth.is_none());
    }

    #[test]
    fn bad_proxy_urls_are_refused_without_echoing_credentials() {
        for (bad, needle) in [
            ("https://h:443", "scheme https://"),
            ("socks4://h", "scheme socks4://"),
            ("http://ann:Secr3t@", "not a valid proxy host"),
            ("http://ann:Secr3t@h:0", "not a valid proxy host"),
            ("http://ann:Secr3t@h:x", "not a valid proxy host"),
            ("http://ann:%zzSecr3t@h", "percent-encoded"),
            ("ann:Secr3t@h://x", "not a valid proxy host"),
            ("http://ann:Secr/3t@h", "not a valid proxy host"),
        ] {
            let err = Proxy::parse(bad, "--proxy").err().unwrap_or_else(|| unreachable!("{bad} parsed"));
            assert!(err.contains(needle) && !err.contains("Secr3t") && !err.contains("ann"), "{bad}: {err}");
        }
        let long = format!("socks5://u:{}@h", "x".repeat(256));
        assert!(Proxy::parse(&long, "--proxy").is_err());
        assert!(Proxy::parse(&long.replacen("socks5", "http", 1), "--proxy").is_ok());
        assert_eq!(format!("{:?}", parse("http://u:Secr3t@h:1")), "Proxy(Http h:1 from --proxy, auth ***)");
    }

    fn env_of(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: Vec<(String, String)> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |k| vars.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone())
    }

    fn chosen(flag: Option<&str>, url: &str, vars: &[(&str, &str)]) -> Option<(String, &'static str)> {
        match resolve(flag, &ep(url), &env_of(vars)) {
            Ok(p) => p.map(|p| (p.shown(), p.setting)),
            Err(e) => unreachable!("{e}"),
        }
    }

    #[test]
    fn the_environment_is_read_as_curl_reads_it() {
        let all = [
            ("https_proxy", "s:1"),
            ("HTTPS_PROXY", "S:2"),
            ("http_proxy", "h:3"),
            ("HTTP_PROXY", "H:4"),
            ("all_proxy", "a:5"),
            ("ALL_PROXY", "A:6"),
        ];
        let from = |url: &str, skip: &[&str]| {
            let vars: Vec<_> = all.iter().copied().filter(|(k, _)| !skip.contains(k)).collect();
            chosen(None, url, &vars).map(|(shown, _)| shown)
        };
        assert_eq!(from("https://api", &[]).as_deref(), Some("s:1"));
        assert_eq!(from("wss://api", &["https_proxy"]).as_deref(), Some("S:2"));
        assert_eq!(from("https://api", &["https_proxy", "HTTPS_PROXY"]).as_deref(), Some("a:5"));
        assert_eq!(from("http://api", &[]).as_deref(), Some("h:3"));
        assert_eq!(from("ws://api", &["http_proxy"]).as_deref(), Some("a:5"), "HTTP_PROXY is never read");
        assert_eq!(from("http://api", &["http_proxy", "all_proxy"]).as_deref(), Some("A:6"));
        assert_eq!(chosen(None, "http://api", &[("HTTP_PROXY", "H:4")]), None);
        assert_eq!(
            chosen(None, "https://api", &[("https_proxy", " "), ("ALL_PROXY", "A:6")]).map(|c| c.1),
            Some("ALL_PROXY")
        );
        assert_eq!(chosen(None, "https://api", &[]), None);
    }

    #[test]
    fn the_flag_wins_and_empty_means_none() {
        let vars = [("https_proxy", "s:1")];
        assert_eq!(chosen(Some("socks5://f:9"), "https://api", &vars), Some(("f:9".into(), "--proxy")));
        assert_eq!(chosen(Some(""), "https://api", &vars), None);
        let bypassed = [("https_proxy", "s:1"), ("no_proxy", "api")];
        assert_eq!(chosen(Some("f:9"), "https://api", &bypassed), None, "no_proxy applies to --proxy, as in curl");
    }

    #[test]
    fn bad_settings_name_where_they_came_from() {
        let flag = resolve(Some("ftp://h"), &ep("https://api"), &env_of(&[]));
        assert!(matches!(flag, Err(Error::Usage(m)) if m.starts_with("--proxy: scheme ftp://")));
        let var = resolve(None, &ep("https://api"), &env_of(&[("HTTPS_PROXY", "https://u:Secr3t@h")]));
        assert!(
            matches!(&var, Err(Error::Config(m)) if m.starts_with("HTTPS_PROXY in the environment") && !m.contains("Secr3t")),
            "{var:?}"
        );
        // A bad variable that no_proxy bypasses, or that another one shadows, is no error.
        let vars = [("https_proxy", "ftp://h"), ("no_proxy", "*")];
        assert!(matches!(resolve(None, &ep("https://api"), &env_of(&vars)), Ok(None)));
        assert!(matches!(resolve(None, &ep("http://api"), &env_of(&vars[..1])), Ok(None)));
    }

    #[test]
    fn no_proxy_lowercase_wins_over_uppercase() {
        let vars = [("https_proxy", "s:1"), ("no_proxy", "other"), ("NO_PROXY", "api")];
        assert!(chosen(None, "https://api", &vars).is_some());
        assert!(chosen(None, "https://api", &vars[..1].iter().chain(&vars[2..]).copied().collect::<Vec<_>>()).is_none());
    }

    #[test]
    fn no_proxy_matches_names_suffixes_addresses_and_ports() {
        for (list, host, port, want) in [
            ("*", "anything", 443, true),
            ("a.b, *", "x", 1, true),
            ("green-api.com", "green-api.com", 443, true),
            ("green-api.com", "7105.api.GREEN-API.com.", 443, true),
            (".green-api.com", "green-api.com", 443, true),
            (".green-api.com", "api.green-api.com", 443, true),
            ("*.green-api.com", "api.green-api.com", 443, true),
            ("green-api.com", "notgreen-api.com", 443, false),
            ("green-api.com", "green-api.com.evil", 443, false),
            ("api.green-api.com", "green-api.com", 443, false),
            ("localhost,127.0.0.1", "127.0.0.1", 80, true),
            ("127.0.0.1", "127.0.0.10", 80, false),
            ("10.0.0.0/8", "10.20.30.40", 80, true),
            ("10.0.0.0/8", "11.0.0.1", 80, false),
            ("0.0.0.0/0", "8.8.8.8", 80, true),
            ("::1", "::1", 80, true),
            ("[::1]:80", "::1", 80, true),
            ("[::1]:81", "::1", 80, false),
            ("fd00::/8", "fd12::1", 80, true),
            ("127.0.0.1", "::1", 80, false),
            ("localhost", "127.0.0.1", 80, false),
            ("api:443", "api", 443, true),
            ("api:443", "api", 8443, false),
            ("127.0.0.1:8080", "127.0.0.1", 8080, true),
            ("api:x", "api", 443, false),
            ("", "api", 443, false),
            (" , ,", "api", 443, false),
            (".", "api", 443, false),
            ("api\tother", "other", 1, true),
        ] {
            assert_eq!(bypasses(list, host, port), want, "{list:?} vs {host}:{port}");
        }
    }

    #[test]
    fn variables_with_credentials_are_recognised() {
        assert!(has_credentials("http://u:p@h:1"));
        assert!(!has_credentials("http://h:1"));
    }
}
