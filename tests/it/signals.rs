//! SIGINT and SIGTERM during a session: a close frame, clean files, 130 or 143.

use crate::support::*;
use serde_json::json;
use std::net::TcpStream;
use std::time::Duration;
use tungstenite::WebSocket;

fn signal_ends_the_session(sig: i32, code: i32) {
    let dir = scratch(&format!("signal-{sig}"));
    let (tx, rx) = std::sync::mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let srv = Server::ws(move |_, ws: &mut WebSocket<TcpStream>| {
        send_qr(ws, &qr_png(0));
        let _ = ws.get_mut().set_read_timeout(Some(Duration::from_secs(10)));
        let got = ws.read();
        let _ = tx.lock().unwrap().send(matches!(got, Ok(tungstenite::Message::Close(_))));
    });
    let mut scanqr = spawn(&dir, &srv.url(), &["--json", "--timeout", "20"]);
    scanqr.read_until("\"qr\"");
    assert_eq!(files_in(&dir), ["qr.png"]);
    scanqr.signal(sig);
    let run = scanqr.finish(Duration::from_secs(20));
    assert_eq!(run.code, code, "{run:?}");
    let last = run.last();
    assert_eq!(
        (last["event"].clone(), last["kind"].clone(), last["exit_code"].clone()),
        (json!("failed"), json!("interrupted"), json!(code))
    );
    assert!(rx.recv_timeout(Duration::from_secs(5)).unwrap(), "no close frame");
    assert_eq!(files_in(&dir), Vec::<String>::new());
}

#[test]
fn sigint_is_130_and_cleans_up() {
    signal_ends_the_session(libc::SIGINT, 130);
}

#[test]
fn sigterm_is_143_and_cleans_up() {
    signal_ends_the_session(libc::SIGTERM, 143);
}
