//! Where the drawing goes and how it looks, through the binary (on a
//! terminal of a given size: `terminal_size`).

use crate::support::*;
use std::time::Duration;

fn drawing_lines(text: &str) -> Vec<&str> {
    text.lines()
        .filter(|l| l.starts_with("\x1b[30;47m") || l.contains('█') || l.contains('▀') || l.contains('▄'))
        .collect()
}

#[test]
fn always_draws_after_the_qr_line_in_colour() {
    let emu = emulator(fast_authorize(1), false);
    let run = run_in(&scratch("draw-colour"), &emu.api_url(), &["--terminal", "always"]);
    assert_eq!(run.code, 0, "{run:?}");
    let lines: Vec<_> = run.stdout.lines().collect();
    let qr_at = lines.iter().position(|l| l.starts_with("qr 1: ")).unwrap();
    let drawing = drawing_lines(&run.stdout);
    // 61 modules + 2 x 2 quiet: 33 text lines, black on white.
    assert_eq!(drawing.len(), 33, "{}", run.stdout);
    assert!(lines[qr_at + 1].starts_with("\x1b[30;47m"), "{:?}", lines[qr_at + 1]);
    assert!(drawing.iter().all(|l| l.ends_with("\x1b[0m")));
    assert!(lines.last().unwrap().starts_with("authorized: "));
    // Not a terminal: drawn once, never moved over, no countdown.
    assert!(!run.stdout.contains("\x1b[J") && !run.stdout.contains(" s old"), "{:?}", run.stdout);
}

#[test]
fn compact_draws_sextants_into_a_pipe_too() {
    let emu = emulator(fast_authorize(1), false);
    let run = run_in(&scratch("draw-compact"), &emu.api_url(), &["--terminal", "always", "--compact"]);
    assert_eq!(run.code, 0, "{run:?}");
    let drawing: Vec<_> = run.stdout.lines().filter(|l| l.starts_with("\x1b[30;47m")).collect();
    // 61 + 2 x 2 modules: 33 cells of 2 x 3 modules, 22 lines.
    assert_eq!(drawing.len(), 22, "{}", run.stdout);
    assert!(drawing.iter().any(|l| l.chars().any(|c| ('\u{1FB00}'..='\u{1FB3B}').contains(&c))));
}

#[test]
fn no_color_and_invert_use_plain_glyphs() {
    let emu = emulator(fast_authorize(1), false);
    let plain_dir = scratch("draw-plain");
    let mut cmd = command(&plain_dir, &emu.api_url(), &["--terminal", "always"]);
    cmd.env("NO_COLOR", "1");
    let plain = finish(cmd.spawn().unwrap(), Duration::from_secs(20));
    assert!(!plain.stdout.contains('\x1b'), "{:?}", plain.stdout);
    let emu = emulator(fast_authorize(1), false);
    let invert_dir = scratch("draw-invert");
    let mut cmd = command(&invert_dir, &emu.api_url(), &["--terminal", "always", "--invert"]);
    cmd.env("NO_COLOR", "yes");
    let inverted = finish(cmd.spawn().unwrap(), Duration::from_secs(20));
    assert!(!inverted.stdout.contains('\x1b'));
    // The quiet zone is light: drawn as a full block in plain mode, blank when inverted.
    let top = |run: &Run| drawing_lines(&run.stdout).first().map(|l| l.to_string()).unwrap_or_default();
    assert!(top(&plain).starts_with("██"), "{:?}", top(&plain));
    assert!(top(&inverted).starts_with("  "), "{:?}", top(&inverted));
}

#[test]
fn with_json_the_drawing_goes_to_stderr() {
    let emu = emulator(fast_authorize(2), false);
    let run = run_in(&scratch("draw-json"), &emu.api_url(), &["--json", "--terminal", "always"]);
    assert_eq!(run.code, 0, "{run:?}");
    assert_eq!(run.names(), ["connecting", "connected", "qr", "qr", "authorized"]);
    assert_eq!(run.events()[2]["modules"], 61);
    assert_eq!(drawing_lines(&run.stderr).len(), 66);
}

#[test]
fn auto_and_never_do_not_draw_into_a_pipe() {
    for args in [&[][..], &["--terminal", "never"][..]] {
        let emu = emulator(fast_authorize(1), false);
        let run = run_in(&scratch("draw-auto"), &emu.api_url(), args);
        assert_eq!(run.code, 0);
        assert!(drawing_lines(&run.stdout).is_empty() && drawing_lines(&run.stderr).is_empty(), "{args:?}");
    }
}
