//! The drawing on the terminal a person actually has: the real binary on a
//! pseudo-terminal of a chosen size, its output played on a small VT, and
//! the drawing on that screen read by `rqrr` as a phone would.

use crate::support::pty::{find, Pty};
use crate::support::vt::{self, Vt};
use crate::support::*;
use scanqr::image::decode_png;
use std::path::Path;
use std::time::Duration;

const SLOW: Duration = Duration::from_secs(15);

fn slow_authorize(qr: usize, every_ms: u64) -> scanqr_emulator::Scenario {
    scanqr_emulator::Scenario::Authorize { qr, every: Duration::from_millis(every_ms) }
}

/// What the PNG file of QR `n` holds, read by `rqrr`.
fn file_payload(dir: &Path, n: u64) -> String {
    let gray = decode_png(&std::fs::read(dir.join(format!("qr-{n}.png"))).unwrap()).unwrap();
    let (w, h) = (gray.width as usize, gray.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| gray.pixels[y * w + x]);
    img.detect_grids()[0].decode().unwrap().1
}

/// The `count` lines above QR `n`'s countdown (the last line on screen):
/// its drawing, if it is drawn.
fn drawing_above(screen: &[String], n: u64, count: usize) -> Vec<String> {
    let countdown = format!("QR {n}: ");
    let at = screen.iter().rposition(|l| !l.is_empty()).unwrap();
    assert!(screen[at].starts_with(&countdown), "{screen:#?}");
    screen[at - count..at].to_vec()
}

/// Half blocks or sextants (a blank drawing line is only spaces: not counted).
fn has_drawing(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '▀' | '▄' | '█' | '▌' | '▐' | '\u{1FB00}'..='\u{1FB3B}'))
}

/// The end: the outcome is the last line, and no drawing or countdown is left.
fn check_end(vt: &Vt) {
    let lines = vt.lines();
    let used: Vec<&String> = lines.iter().filter(|l| !l.is_empty()).collect();
    assert!(used.last().unwrap().starts_with("authorized: "), "{}", vt.dump());
    assert!(!has_drawing(&vt.dump()) && !vt.dump().contains(" s old"), "{}", vt.dump());
}

#[test]
fn at_120x50_half_blocks_are_drawn_and_redrawn_in_place() {
    let emu = emulator(slow_authorize(2, 1500), false);
    let dir = scratch("pty-120x50");
    let pty = Pty::spawn(&dir, &emu.api_url(), &["-o", "qr-{n}.png", "--keep"], 120, 50);
    let upto = pty.wait_for("QR 2: 0 s old", SLOW);
    let vt = Vt::show(120, 50, &upto);
    let lines = vt.lines();
    let drawing = drawing_above(&lines, 2, 33);
    assert!(lines[lines.iter().position(|l| l.starts_with("qr 2: ")).unwrap() + 34].starts_with("QR 2: "));
    assert!(drawing.iter().all(|l| l.chars().count() <= 65));
    // In place: QR 1's block was taken away, nothing scrolled.
    assert!(!vt.dump().contains("qr 1: ") && vt.scrolled.is_empty(), "{}", vt.dump());
    assert_eq!(upto.windows(b"\x1b[34A".len()).filter(|w| w == b"\x1b[34A").count(), 1);
    let run = pty.finish(SLOW);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(vt::scan(&drawing, true).unwrap(), file_payload(&dir, 2));
    check_end(&Vt::show(120, 50, &run.output));
}

#[test]
fn at_80x24_the_warning_says_what_is_needed_and_nothing_scrolls() {
    let emu = emulator(slow_authorize(2, 700), false);
    let dir = scratch("pty-80x24");
    let run = Pty::spawn(&dir, &emu.api_url(), &[], 80, 24).finish(SLOW);
    assert_eq!(run.code, 0, "{}", run.text());
    let text = run.text();
    let warning = "scanqr: warning: QR 1 is not drawn: it needs 65x35 (columns x lines), the terminal is 80x24; \
                   make the window larger or zoom out (it is drawn as soon as it fits), run with --compact \
                   (it needs 33x24), or open qr.png";
    // The warning is wrapped at 80 columns on screen; in the output it is one line, once.
    assert_eq!(text.matches(warning).count(), 1, "{text:?}");
    assert_eq!(text.matches("is not drawn").count(), 1, "{text:?}");
    assert!(!has_drawing(&text), "{text:?}");
    let vt = Vt::show(80, 24, &run.output);
    assert!(vt.scrolled.is_empty(), "{:?}", vt.scrolled);
    check_end(&vt);
}

#[test]
fn at_80x24_compact_draws_a_block_that_fits_and_scans() {
    let emu = emulator(slow_authorize(1, 1500), false);
    let dir = scratch("pty-compact");
    let pty = Pty::spawn(&dir, &emu.api_url(), &["--compact", "-o", "qr-{n}.png", "--keep"], 80, 24);
    let upto = pty.wait_for("QR 1: 0 s old", SLOW);
    let vt = Vt::show(80, 24, &upto);
    let lines = vt.lines();
    let drawing = drawing_above(&lines, 1, 22);
    assert!(drawing.iter().all(|l| l.chars().count() <= 33));
    // The block is on screen whole: status line, drawing, countdown = 24 lines.
    assert!(lines[0].starts_with("qr 1: ") && lines[23].starts_with("QR 1: 0 s old"), "{}", vt.dump());
    assert!(!vt.scrolled.iter().any(|l| has_drawing(l)));
    let run = pty.finish(SLOW);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(vt::scan(&drawing, true).unwrap(), file_payload(&dir, 1));
    check_end(&Vt::show(80, 24, &run.output));
}

#[test]
fn a_code_that_did_not_fit_is_drawn_when_the_window_grows() {
    let emu = emulator(slow_authorize(1, 2500), false);
    let dir = scratch("pty-resize");
    let pty = Pty::spawn(&dir, &emu.api_url(), &["-o", "qr-{n}.png", "--keep"], 80, 24);
    pty.wait_for("is not drawn", SLOW);
    let mark = pty.output().len();
    pty.resize(120, 50);
    // Drawn, and the countdown back under it.
    let out = pty.wait_until(SLOW, |out| {
        let drawn = out.windows(4).rposition(|w| w == b"\x1b[0m").filter(|&at| at > mark);
        drawn.is_some_and(|at| find(out, b"QR 1: ", at).is_some())
    });
    let mut vt = Vt::show(80, 24, &out[..mark]);
    vt.resize(120, 50);
    vt.feed(&out[mark..]);
    let lines = vt.lines();
    let drawing = drawing_above(&lines, 1, 33);
    // Right under the warning (its last words end a line on screen), and nothing else since.
    let above = lines.iter().rposition(|l| l.ends_with("or open qr-1.png")).unwrap();
    let countdown = lines.iter().rposition(|l| !l.is_empty()).unwrap();
    assert_eq!(countdown - above, 34, "{}", vt.dump());
    let run = pty.finish(SLOW);
    assert_eq!(run.code, 0, "{}", run.text());
    assert_eq!(vt::scan(&drawing, true).unwrap(), file_payload(&dir, 1));
    vt.feed(&run.output[out.len()..]);
    check_end(&vt);
}

#[test]
fn a_drawing_the_window_shrinks_under_is_cleared_and_not_redrawn_in_place() {
    let emu = emulator(slow_authorize(2, 2000), false);
    let dir = scratch("pty-shrink");
    let pty = Pty::spawn(&dir, &emu.api_url(), &[], 120, 50);
    pty.wait_for("QR 1: 0 s old", SLOW);
    let mark = pty.output().len();
    pty.resize(80, 24);
    let run = pty.finish(SLOW);
    assert_eq!(run.code, 0, "{}", run.text());
    let after = String::from_utf8_lossy(&run.output[mark..]).into_owned();
    // Drawn again it would go under the warning, without its status line: 65x34.
    assert!(after.contains("QR 1 is not drawn: it needs 65x34 (columns x lines), the terminal is 80x24"), "{after:?}");
    assert_eq!(after.matches("is not drawn").count(), 1, "{after:?}");
    // QR 2 is neither drawn nor moved over the old block.
    assert!(!has_drawing(&after) && !after.contains("\x1b[34A"), "{after:?}");
    let mut vt = Vt::show(120, 50, &run.output[..mark]);
    vt.resize(80, 24);
    vt.feed(&run.output[mark..]);
    check_end(&vt);
}

#[test]
fn the_countdown_moves_on_every_second() {
    let emu = emulator(slow_authorize(1, 2600), false);
    let run = Pty::spawn(&scratch("pty-countdown"), &emu.api_url(), &[], 120, 50).finish(SLOW);
    assert_eq!(run.code, 0, "{}", run.text());
    let text = run.text();
    let shown: Vec<&str> = text.split("\r\x1b[K").filter_map(|s| s.split(['\r', '\x1b']).next()).collect();
    let countdown: Vec<&str> = shown.into_iter().filter(|s| s.starts_with("QR ")).collect();
    // Every second once, from 0 until the login (2.6 s), none skipped.
    assert!(countdown.len() >= 3, "{text:?}");
    for (age, shown) in countdown.iter().enumerate() {
        assert_eq!(*shown, format!("QR 1: {age} s old; scan window closes in {} s", 100 - age), "{text:?}");
    }
    check_end(&Vt::show(120, 50, &run.output));
}

#[test]
fn json_on_a_terminal_gets_no_drawing_and_no_countdown() {
    let emu = emulator(slow_authorize(1, 1200), false);
    let run = Pty::spawn(&scratch("pty-json"), &emu.api_url(), &["--json"], 120, 50).finish(SLOW);
    assert_eq!(run.code, 0, "{}", run.text());
    let text = run.text();
    assert!(text.split("\r\n").filter(|l| !l.is_empty()).all(|l| l.starts_with("{\"event\":")), "{text:?}");
    assert!(!text.contains(" s old") && !has_drawing(&text), "{text:?}");
}
