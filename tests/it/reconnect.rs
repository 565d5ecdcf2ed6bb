//! Connections: which failures are retried and how, keep-alive pings, and
//! the silence that counts as a lost connection (proven in-process, with
//! short waits).

use crate::support::*;
use serde_json::json;
use std::io::Write;
use std::time::{Duration, Instant};

fn upgrade_answer(status: &'static str) -> Server {
    Server::raw(move |_, mut s| {
        let path = read_head(&mut s).lines().next().unwrap_or_default().to_string();
        // Echo the request line (it holds the token) to prove nothing echoes it back out.
        let body = format!("refused {path}");
        let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    })
}

#[test]
fn rejected_credentials_are_77_and_not_retried() {
    for status in ["401 Unauthorized", "403 Forbidden"] {
        let srv = upgrade_answer(status);
        let run = run_in(&scratch("rejected"), &srv.url(), &["--json"]);
        assert_eq!(run.code, 77, "{run:?}");
        assert_eq!(run.last()["kind"], "rejected");
        assert!(run.last()["message"].as_str().unwrap().contains(&status[..3]));
        assert_eq!(srv.connections(), 1);
    }
}

#[test]
fn unexpected_upgrade_answers_are_protocol_errors() {
    for status in ["500 Internal Server Error", "200 OK", "302 Found"] {
        let srv = upgrade_answer(status);
        let run = run_in(&scratch("protocol"), &srv.url(), &["--json"]);
        assert_eq!((run.code, run.last()["kind"].clone()), (76, json!("protocol")), "{run:?}");
        assert_eq!(srv.connections(), 1);
    }
}

#[test]
fn refused_first_connection_is_retried_three_times_then_75() {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let run = run_in(&scratch("refused"), &format!("http://127.0.0.1:{port}"), &["--json"]);
    assert_eq!(run.code, 75, "{run:?}");
    let names = run.names();
    assert_eq!(names.iter().filter(|n| *n == "connecting").count(), 4, "{names:?}");
    let delays: Vec<_> =
        run.events().iter().filter(|e| e["event"] == "reconnecting").map(|e| e["delay_s"].clone()).collect();
    assert_eq!(delays, [json!(1), json!(2), json!(4)]);
    assert_eq!(run.last()["kind"], "network");
}

#[test]
fn a_dropped_connection_is_reopened_and_numbering_goes_on() {
    let srv = Server::ws(|i, ws| {
        send_qr(ws, &qr_png(i as u64));
        if i == 0 {
            let _ = ws.get_mut().shutdown(std::net::Shutdown::Both);
            return;
        }
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("drop"), &srv.url(), &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(
        run.names(),
        ["connecting", "connected", "qr", "reconnecting", "connecting", "connected", "qr", "authorized"]
    );
    let ev = run.events();
    assert_eq!(
        (ev[3]["delay_s"].clone(), ev[4]["attempt"].clone(), ev[6]["n"].clone()),
        (json!(1), json!(2), json!(2))
    );
}

#[test]
fn lost_connection_not_regained_before_the_deadline_is_75() {
    let srv = Server::raw(|i, mut s| {
        if i > 0 {
            // Never answer the upgrade: however slow the machine, the new
            // connection is not made before the deadline.
            read_head(&mut s);
            std::thread::sleep(Duration::from_secs(5));
        } else if let Some(mut ws) = upgrade(s) {
            send_qr(&mut ws, &qr_png(0));
            let _ = ws.get_mut().shutdown(std::net::Shutdown::Both);
        }
    });
    let run = run_in(&scratch("lost"), &srv.url(), &["--json", "--timeout", "2.5"]);
    assert_eq!((run.code, run.last()["kind"].clone()), (75, json!("network")), "{run:?}");
}

#[test]
fn oversized_message_is_refused_and_the_session_goes_on() {
    let srv = Server::ws(|i, ws| {
        if i == 0 {
            text(ws, &"x".repeat((1 << 20) + 1));
            linger(ws, Duration::from_secs(5));
            return;
        }
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("oversized"), &srv.url(), &["--json"]);
    assert_eq!(run.code, 0, "{run:?}");
    let ev = run.events();
    let reason = ev.iter().find(|e| e["event"] == "reconnecting").unwrap()["reason"].as_str().unwrap().to_string();
    assert!(reason.contains("1 MiB"), "{reason}");
}

#[test]
fn server_pings_are_answered() {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let srv = Server::ws(move |_, ws| {
        let _ = ws.send(tungstenite::Message::Ping(b"hi".to_vec().into()));
        let _ = ws.get_mut().set_read_timeout(Some(Duration::from_secs(3)));
        let got = ws.read();
        let _ = tx.lock().unwrap().send(matches!(got, Ok(tungstenite::Message::Pong(ref p)) if &p[..] == b"hi"));
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let run = run_in(&scratch("ping"), &srv.url(), &["--json"]);
    assert_eq!(run.code, 0);
    assert!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "no pong");
}

#[test]
fn client_pings_after_a_silence_of_ping_after() {
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let srv = Server::ws(move |_, ws| {
        let started = Instant::now();
        let _ = ws.get_mut().set_read_timeout(Some(SHORT.lost_after * 2));
        let got = ws.read();
        let _ = tx.lock().unwrap().send((matches!(got, Ok(tungstenite::Message::Ping(_))), started.elapsed()));
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let dir = scratch("clientping");
    let run = run_inproc(&dir, &srv.url(), &["--json"], SHORT);
    assert_eq!(run.code, 0, "{run:?}");
    let (pinged, after) = rx.recv_timeout(Duration::from_secs(5)).unwrap();
    // The server's clock starts before the client's; the client looks every 250 ms.
    let early = Duration::from_millis(100);
    let ok = pinged && after >= SHORT.ping_after - early && after < SHORT.ping_after + Duration::from_secs(1);
    assert!(ok, "{pinged} {after:?}");
}

#[test]
fn a_silence_of_lost_after_is_a_lost_connection() {
    let srv = Server::ws(|i, ws| {
        if i == 0 {
            // Never read, so the client's pings go unanswered.
            std::thread::sleep(SHORT.lost_after * 3);
            return;
        }
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let started = Instant::now();
    let run = run_inproc(&scratch("silent"), &srv.url(), &["--json"], SHORT);
    assert_eq!(run.code, 0, "{run:?}");
    let took = started.elapsed();
    assert!(took >= SHORT.lost_after && took < SHORT.lost_after + Duration::from_secs(6), "{took:?}");
    let ev = run.events();
    let lost = ev.iter().find(|e| e["event"] == "reconnecting").unwrap();
    assert_eq!(lost["reason"], format!("no frame from the server for {} s", SHORT.lost_after.as_secs()));
}
