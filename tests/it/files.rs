//! QR files: complete before their event, numbered or replaced, never a
//! partial file, never through a symlink, and removed at the end.

use crate::support::*;
use std::time::Duration;

#[test]
fn keep_and_numbered_files_stay_complete() {
    let dir = scratch("keep");
    let srv = authorize(3);
    let run = run_in(&dir, &srv.url(), &["--json", "--keep", "-o", "qr-{n}.png"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(files_in(&dir), ["qr-1.png", "qr-2.png", "qr-3.png"]);
    for (i, name) in files_in(&dir).iter().enumerate() {
        assert_eq!(std::fs::read(dir.join(name)).unwrap(), qr_png(i as u64));
        let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(dir.join(name)).unwrap().permissions());
        assert_eq!(mode & 0o777, 0o600);
    }
}

#[test]
fn a_polling_reader_never_sees_a_partial_file() {
    let dir = scratch("atomic");
    let pngs: Vec<Vec<u8>> = (0..4).map(qr_png).collect();
    let served = pngs.clone();
    let srv = Server::ws(move |_, ws| {
        for i in 0..200 {
            send_qr(ws, &served[i % 4]);
        }
        account(ws);
        linger(ws, Duration::from_secs(5));
    });
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let (path, flag) = (dir.join("qr.png"), stop.clone());
    let reader = std::thread::spawn(move || {
        let mut seen = 0;
        while !flag.load(std::sync::atomic::Ordering::SeqCst) {
            if let Ok(bytes) = std::fs::read(&path) {
                assert!(pngs.contains(&bytes), "partial or foreign file of {} bytes", bytes.len());
                seen += 1;
            }
        }
        seen
    });
    let run = run_in(&dir, &srv.url(), &["--json", "--keep"]);
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    assert!(reader.join().unwrap() > 0);
    assert_eq!(run.code, 0);
    assert_eq!(run.names().iter().filter(|n| *n == "qr").count(), 200);
    assert_eq!(files_in(&dir), ["qr.png"]);
}

#[test]
fn a_symlink_at_the_target_is_replaced_not_followed() {
    let dir = scratch("symlink");
    std::fs::write(dir.join("victim"), "precious").unwrap();
    std::os::unix::fs::symlink(dir.join("victim"), dir.join("qr.png")).unwrap();
    let srv = authorize(1);
    let run = run_in(&dir, &srv.url(), &["--json", "--keep"]);
    assert_eq!(run.code, 0);
    assert_eq!(std::fs::read_to_string(dir.join("victim")).unwrap(), "precious");
    assert!(!std::fs::symlink_metadata(dir.join("qr.png")).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read(dir.join("qr.png")).unwrap(), qr_png(0));
}

#[test]
fn an_unwritable_target_is_73_and_named() {
    let dir = scratch("unwritable");
    std::fs::write(dir.join("afile"), "").unwrap();
    let srv = authorize(1);
    std::fs::create_dir(dir.join("adir")).unwrap();
    for out in ["missing/qr.png", "afile/qr.png", "adir"] {
        let run = run_in(&dir, &srv.url(), &["--json", "-o", out]);
        assert_eq!(run.code, 73, "{run:?}");
        assert_eq!(run.last()["kind"], "io");
        assert!(run.last()["message"].as_str().unwrap().contains(out));
    }
    assert_eq!(srv.connections(), 0, "fails before opening a scan window");
}
