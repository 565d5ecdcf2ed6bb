//! wss:// against the emulator's throw-away CA.

use crate::support::*;

#[test]
fn wss_session_with_ca_file() {
    let emu = emulator(fast_authorize(2), true);
    let ca = emu.ca_pem_path().unwrap().to_str().unwrap().to_string();
    let run = run_in(&scratch("wss"), &emu.api_url(), &["--json", "--ca-file", &ca]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.names(), ["connecting", "connected", "qr", "qr", "authorized"]);
    assert!(run.events()[0]["url"].as_str().unwrap().starts_with("wss://127.0.0.1:"));
}

#[test]
fn an_untrusted_certificate_is_76_and_not_retried() {
    let emu = emulator(fast_authorize(1), true);
    let run = run_in(&scratch("untrusted"), &emu.api_url(), &["--json"]);
    assert_eq!(run.code, 76, "{run:?}");
    let last = run.last();
    assert_eq!(last["kind"], "protocol");
    assert!(last["message"].as_str().unwrap().contains("--ca-file"), "{last}");
    assert_eq!(run.names().iter().filter(|n| *n == "connecting").count(), 1);
}

#[test]
fn an_unreadable_ca_file_is_a_configuration_error() {
    let emu = emulator(fast_authorize(1), true);
    let dir = scratch("badca");
    std::fs::write(dir.join("ca.pem"), "not a certificate").unwrap();
    for (ca, needle) in [("missing.pem", "cannot read --ca-file"), ("ca.pem", "not a PEM certificate")] {
        let run = run_in(&dir, &emu.api_url(), &["--json", "--ca-file", ca]);
        assert_eq!((run.code, run.stdout.as_str()), (78, ""), "{run:?}");
        assert!(run.stderr.contains(needle), "{run:?}");
    }
}

#[test]
fn ssl_cert_file_is_honoured() {
    let emu = emulator(fast_authorize(1), true);
    let dir = scratch("sslcertfile");
    let mut cmd = command(&dir, &emu.api_url(), &["--json"]);
    cmd.env("SSL_CERT_FILE", emu.ca_pem_path().unwrap());
    let run = finish(cmd.spawn().unwrap(), std::time::Duration::from_secs(30));
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn https_against_a_plain_http_server_says_so_at_once() {
    use std::io::{Read, Write};
    // As nginx does: a TLS hello is a bad request, answered in plain HTTP.
    let server = Server::raw(|_, mut s| {
        let _ = s.read(&mut [0u8; 4096]);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        std::thread::sleep(std::time::Duration::from_secs(3));
    });
    let api = format!("https://127.0.0.1:{}", server.port);
    let start = std::time::Instant::now();
    let run = run_in(&scratch("plain-http"), &api, &["--json"]);
    assert_eq!((run.code, run.names().len()), (76, 2), "{run:?}");
    let message = run.last()["message"].as_str().unwrap().to_string();
    assert!(message.contains("answered the TLS handshake in plain HTTP"), "{message}");
    assert!(message.contains("use http:// in --api-url"), "{message}");
    assert!(start.elapsed() < std::time::Duration::from_secs(2), "{:?}", start.elapsed());
    assert_eq!(server.connections(), 1);
}

#[test]
fn a_server_closing_without_answering_the_tls_hello_is_retried_with_a_hint() {
    use std::io::Read;
    // As the emulator without --tls does: waits for a request head that never ends, then hangs up.
    let server = Server::raw(|_, mut s| {
        let _ = s.read(&mut [0u8; 4096]);
    });
    let api = format!("https://127.0.0.1:{}", server.port);
    let run = run_in(&scratch("tls-unanswered"), &api, &["state", "--json"]);
    assert_eq!(run.code, 75, "{run:?}");
    let message = run.last()["message"].as_str().unwrap().to_string();
    assert!(message.contains("closed the connection without answering the TLS handshake"), "{message}");
    assert!(message.contains("if it serves plain HTTP, use http:// in --api-url"), "{message}");
}
