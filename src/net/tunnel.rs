//! Through a proxy to GREEN-API: HTTP CONNECT (RFC 9110 9.3.6) or SOCKS5
//! (RFC 1928, with RFC 1929 username/password). What comes back is a socket
//! that reaches GREEN-API, for TLS and the upgrade to run inside as usual.
//!
//! Every message names the proxy (`the proxy host:port`), so a user can tell
//! a proxy's failure from GREEN-API's. Exit codes: the proxy unreachable or
//! unable to reach GREEN-API is a network error (75, retried); credentials
//! refused (or wanted) is 77; any other refusal or a malformed answer is 76.

use super::http;
use super::proxy::{Auth, Kind, Proxy};
use super::tcp::{self, host_port, Peer, Socket, Stop};
use crate::url::Endpoint;
use crate::Error;
use base64::Engine;
use std::net::IpAddr;
use std::time::Instant;

/// Connect to the proxy and open a tunnel to `ep`, by `deadline`.
pub fn open(proxy: &Proxy, ep: &Endpoint, deadline: Instant) -> Result<Socket, Error> {
    let mut sock = Socket::connect(Peer { host: &proxy.host, port: proxy.port, proxy: Some(proxy.setting) }, deadline)?;
    match proxy.kind {
        Kind::Http => http_connect(&mut sock, proxy, ep, deadline)?,
        Kind::Socks5 { remote_dns } => socks5(&mut sock, proxy, ep, remote_dns, deadline)?,
    }
    Ok(sock)
}

fn who(proxy: &Proxy) -> String {
    format!("the proxy {}", proxy.shown())
}

fn stalled(proxy: &Proxy, phase: &str, stop: Stop) -> Error {
    let who = who(proxy);
    match stop {
        Stop::Deadline => Error::Network(format!("{who} did not complete {phase} within --connect-timeout")),
        Stop::Closed => Error::Network(format!("{who} closed the connection during {phase}")),
        Stop::Io(e) => Error::Network(format!("connection to {who} lost during {phase}: {e}")),
        Stop::Interrupted(sig) => Error::Interrupted(sig),
    }
}

/// The CONNECT request: secret when it carries credentials.
pub fn connect_request(proxy: &Proxy, ep: &Endpoint) -> String {
    let target = host_port(&ep.host, ep.port);
    let mut request =
        format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\nUser-Agent: scanqr/{}\r\n", env!("CARGO_PKG_VERSION"));
    if let Some(Auth { user, password, .. }) = &proxy.auth {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
        request.push_str(&format!("Proxy-Authorization: Basic {basic}\r\n"));
    }
    request.push_str("\r\n");
    request
}

fn http_connect(sock: &mut Socket, proxy: &Proxy, ep: &Endpoint, deadline: Instant) -> Result<(), Error> {
    let phase = "its answer to CONNECT";
    tcp::write_all_by(sock, connect_request(proxy, ep).as_bytes(), deadline).map_err(|s| stalled(proxy, phase, s))?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tcp::read_by(sock, &mut buf, deadline).map_err(|s| stalled(proxy, phase, s))? {
            0 => return Err(stalled(proxy, phase, Stop::Closed)),
            n => raw.extend_from_slice(buf.get(..n).unwrap_or_default()),
        }
        match http::head(&raw) {
            Ok(None) => {}
            // GREEN-API speaks only after we do: bytes past a 2xx head are the proxy's, and wrong.
            Ok(Some(head)) if raw.len() > head.len && (200..300).contains(&head.status) => {
                return Err(Error::Protocol(format!("{} sent more than a head in answer to CONNECT", who(proxy))))
            }
            Ok(Some(head)) => return connect_answer(head.status, proxy, ep),
            Err(why) => return Err(Error::Protocol(format!("{} answered CONNECT wrongly: {why}", who(proxy)))),
        }
    }
}

/// What a proxy's status in answer to CONNECT means.
pub fn connect_answer(status: u16, proxy: &Proxy, ep: &Endpoint) -> Result<(), Error> {
    let (who, target, setting) = (who(proxy), host_port(&ep.host, ep.port), proxy.setting);
    Err(match status {
        200..=299 => return Ok(()),
        // 407 is the standard answer; tinyproxy, for one, answers CONNECT with 401.
        401 | 407 if proxy.auth.is_some() => Error::ProxyRejected(format!(
            "{who} rejected its credentials (HTTP {status}): check the user and password in {setting}"
        )),
        401 | 407 => Error::ProxyRejected(format!(
            "{who} rejected the connection: it wants credentials (HTTP {status}); put user:password@ in {setting}"
        )),
        502..=504 => Error::Network(format!("{who} could not reach GREEN-API at {target} (HTTP {status})")),
        _ => Error::Protocol(format!(
            "{who} refused the tunnel to {target} with HTTP {status}: check that it allows CONNECT to port {}",
            ep.port
        )),
    })
}

/// Where a SOCKS5 proxy is asked to connect.
#[derive(Debug, PartialEq, Eq)]
pub enum Address<'a> {
    Ip(IpAddr),
    /// For the proxy to resolve (`socks5h://`).
    Name(&'a str),
}

/// The methods offered: no authentication, and username/password when we have them.
pub fn socks_greeting(auth: bool) -> Vec<u8> {
    if auth {
        vec![5, 2, 0, 2]
    } else {
        vec![5, 1, 0]
    }
}

/// RFC 1929's request: secret. `Proxy::parse` refuses fields over 255 bytes.
pub fn socks_auth(auth: &Auth) -> Vec<u8> {
    [&[1][..], &field(&auth.user), &field(&auth.password)].concat()
}

/// A length byte, then the bytes (at most 255).
fn field(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let bytes = bytes.get(..255).unwrap_or(bytes);
    [&[bytes.len() as u8][..], bytes].concat()
}

/// CONNECT to `address`:`port`.
pub fn socks_request(address: &Address<'_>, port: u16) -> Vec<u8> {
    let mut out = vec![5, 1, 0];
    match address {
        Address::Ip(IpAddr::V4(ip)) => {
            out.push(1);
            out.extend_from_slice(&ip.octets());
        }
        Address::Ip(IpAddr::V6(ip)) => {
            out.push(4);
            out.extend_from_slice(&ip.octets());
        }
        Address::Name(name) => {
            out.push(3);
            out.extend_from_slice(&field(name));
        }
    }
    out.extend_from_slice(&port.to_be_bytes());
    out
}

/// What a SOCKS5 reply code other than success means.
pub fn socks_refusal(code: u8, proxy: &Proxy, ep: &Endpoint) -> Error {
    let (who, target) = (who(proxy), host_port(&ep.host, ep.port));
    let unreachable =
        |why: &str| Error::Network(format!("{who} could not reach GREEN-API at {target} (SOCKS5: {why})"));
    let refused = |why: &str| Error::Protocol(format!("{who} refused the tunnel to {target} (SOCKS5: {why})"));
    match code {
        1 => unreachable("general failure"),
        2 => refused("not allowed by its rules"),
        3 => unreachable("network unreachable"),
        4 => unreachable("host unreachable"),
        5 => unreachable("connection refused"),
        6 => unreachable("TTL expired"),
        7 => refused("command not supported"),
        8 => refused("address type not supported; try socks5:// instead of socks5h://, or the reverse"),
        other => refused(&format!("unknown reply code {other}")),
    }
}

fn socks5(sock: &mut Socket, proxy: &Proxy, ep: &Endpoint, remote_dns: bool, deadline: Instant) -> Result<(), Error> {
    let address = match ep.host.parse::<IpAddr>() {
        Ok(ip) => Address::Ip(ip),
        Err(_) if remote_dns && ep.host.len() <= 255 => Address::Name(&ep.host),
        Err(_) => {
            let addrs = tcp::resolve(Peer { host: &ep.host, port: ep.port, proxy: None }, deadline)?;
            let first = addrs.first().ok_or_else(|| Error::Network(format!("{} resolved to no address", ep.host)))?;
            Address::Ip(first.ip())
        }
    };
    let who = who(proxy);
    let mut talk = |phase: &str, send: &[u8], answer: &mut [u8]| {
        tcp::write_all_by(sock, send, deadline)
            .and_then(|()| tcp::read_exact_by(sock, answer, deadline))
            .map_err(|s| stalled(proxy, phase, s))
    };
    let mut reply = [0u8; 2];
    talk("the SOCKS5 greeting", &socks_greeting(proxy.auth.is_some()), &mut reply)?;
    match (reply, &proxy.auth) {
        ([5, 0], _) => {}
        ([5, 2], Some(auth)) => {
            talk("SOCKS5 authentication", &socks_auth(auth), &mut reply)?;
            if reply[1] != 0 {
                return Err(Error::ProxyRejected(format!(
                    "{who} rejected its credentials (SOCKS5 authentication failed): check the user and password in {}",
                    proxy.setting
                )));
            }
        }
        ([5, 0xff], auth) => {
            let setting = proxy.setting;
            return Err(Error::ProxyRejected(if auth.is_some() {
                format!("{who} rejected its credentials: it takes no username/password authentication (SOCKS5); check {setting}")
            } else {
                format!("{who} rejected the connection: it wants credentials (SOCKS5); put user:password@ in {setting}")
            }));
        }
        ([5, _], _) => return Err(Error::Protocol(format!("{who} chose a SOCKS5 method scanqr did not offer"))),
        _ => {
            return Err(Error::Protocol(format!("{who} is not a SOCKS5 proxy (check the scheme in {})", proxy.setting)))
        }
    }
    let mut head = [0u8; 4];
    talk("the SOCKS5 connect request", &socks_request(&address, ep.port), &mut head)?;
    match head {
        [5, 0, _, _] => {}
        [5, code, _, _] => return Err(socks_refusal(code, proxy, ep)),
        _ => return Err(Error::Protocol(format!("{who} answered the SOCKS5 connect request wrongly"))),
    }
    // The address the proxy bound: read past it; it says nothing we need.
    let bound = match head[3] {
        1 => 4 + 2,
        4 => 16 + 2,
        3 => {
            let mut len = [0u8; 1];
            talk("the SOCKS5 connect request", &[], &mut len)?;
            usize::from(len[0]) + 2
        }
        _ => return Err(Error::Protocol(format!("{who} answered the SOCKS5 connect request wrongly"))),
    };
    talk("the SOCKS5 connect request", &[], &mut vec![0u8; bound])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxy(url: &str) -> Proxy {
        Proxy::parse(url, "https_proxy").unwrap_or_else(|e| unreachable!("{e}"))
    }

    fn ep() -> Endpoint {
        Endpoint::parse("https://7105.api.greenapi.com").unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn connect_requests_name_the_target_and_carry_basic_credentials() {
        assert_eq!(
            connect_request(&proxy("h:1"), &ep()),
            format!(
                "CONNECT 7105.api.greenapi.com:443 HTTP/1.1\r\nHost: 7105.api.greenapi.com:443\r\nUser-Agent: scanqr/{}\r\n\r\n",
                env!("CARGO_PKG_VERSION")
            )
        );
        let with_auth = connect_request(&proxy("http://Aladdin:open%20sesame@h:1"), &ep());
        assert!(
            with_auth.contains("\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n"),
            "{with_auth}"
        );
        let v6 = Endpoint::parse("http://[::1]:8080").unwrap_or_else(|e| unreachable!("{e}"));
        assert!(connect_request(&proxy("h:1"), &v6).starts_with("CONNECT [::1]:8080 HTTP/1.1\r\nHost: [::1]:8080\r\n"));
    }

    #[test]
    fn connect_answers_map_to_exit_codes_and_name_the_proxy() {
        let (plain, authed) = (proxy("p:3128"), proxy("u:pw@p:3128"));
        let code = |status, p: &Proxy| match connect_answer(status, p, &ep()) {
            Ok(()) => (0, String::new()),
            Err(e) => {
                let message = e.to_string();
                (crate::outcome::Outcome::Failed(e).exit_code(), message)
            }
        };
        assert_eq!(code(200, &plain).0, 0);
        assert_eq!(code(204, &plain).0, 0);
        for (status, p, want, needle) in [
            (407, &authed, 77, "rejected its credentials (HTTP 407)"),
            (407, &plain, 77, "put user:password@ in https_proxy"),
            (401, &authed, 77, "rejected its credentials (HTTP 401)"),
            (502, &plain, 75, "could not reach GREEN-API at 7105.api.greenapi.com:443 (HTTP 502)"),
            (503, &plain, 75, "HTTP 503"),
            (504, &plain, 75, "HTTP 504"),
            (403, &plain, 76, "refused the tunnel"),
            (101, &plain, 76, "HTTP 101"),
            (500, &plain, 76, "HTTP 500"),
        ] {
            let (got, message) = code(status, p);
            assert_eq!(got, want, "{status}: {message}");
            assert!(message.contains("the proxy p:3128") && message.contains(needle), "{status}: {message}");
        }
    }

    #[test]
    fn socks5_messages_are_laid_out_as_rfc_1928_and_1929_say() {
        assert_eq!(socks_greeting(false), [5, 1, 0]);
        assert_eq!(socks_greeting(true), [5, 2, 0, 2]);
        let p = proxy("socks5://ann:pw@h");
        let auth = p.auth.as_ref().unwrap_or_else(|| unreachable!());
        assert_eq!(socks_auth(auth), [1, 3, b'a', b'n', b'n', 2, b'p', b'w']);
        let v4 = Address::Ip("127.0.0.1".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(socks_request(&v4, 443), [5, 1, 0, 1, 127, 0, 0, 1, 1, 187]);
        let v6 = Address::Ip("::1".parse().unwrap_or_else(|_| unreachable!()));
        assert_eq!(socks_request(&v6, 80), [&[5, 1, 0, 4][..], &[0; 15], &[1, 0, 80]].concat());
        assert_eq!(socks_request(&Address::Name("ab.c"), 8080), [5, 1, 0, 3, 4, b'a', b'b', b'.', b'c', 0x1f, 0x90]);
    }

    #[test]
    fn socks5_refusals_tell_unreachable_from_refused() {
        let p = proxy("socks5://p:1080");
        for (code, retried) in
            [(1, true), (2, false), (3, true), (4, true), (5, true), (6, true), (7, false), (8, false), (9, false)]
        {
            let e = socks_refusal(code, &p, &ep());
            assert_eq!(e.is_retriable(), retried, "{code}: {e}");
            assert!(e.to_string().starts_with("the proxy p:1080 "), "{e}");
        }
    }
}
