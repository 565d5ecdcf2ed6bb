//! Issue 3 through the binary: where the drawing goes and how it looks.

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
    cmd.env("NO_COLOR", "");
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

#[test]
fn on_a_terminal_a_refreshed_qr_is_redrawn_in_place() {
    // `script` gives the binary a pseudo-terminal as stdout.
    let emu = emulator(fast_authorize(2), false);
    let dir = scratch("draw-pty");
    let bin = env!("CARGO_BIN_EXE_scanqr");
    let mut cmd = std::process::Command::new("script");
    cmd.args(["-qefc", bin, "/dev/null"]).current_dir(&dir).env_clear();
    for (k, v) in [("ID_INSTANCE", INSTANCE), ("API_TOKEN_INSTANCE", TOKEN), ("API_URL", &emu.api_url())] {
        cmd.env(k, v);
    }
    cmd.env("PATH", std::env::var("PATH").unwrap_or_default());
    cmd.stdin(std::process::Stdio::null()).stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
    let Ok(child) = cmd.spawn() else {
        println!("skipped: no `script` command to make a pseudo-terminal");
        return;
    };
    let run = finish(child, Duration::from_secs(20));
    assert_eq!(run.code, 0, "{run:?}");
    // Second QR: up over the first block (qr line + 33 drawing lines), clear, draw again.
    assert_eq!(run.stdout.matches("\x1b[34A\x1b[J").count(), 1, "{:?}", run.stdout);
    let after = run.stdout.split("\x1b[34A\x1b[J").nth(1).unwrap();
    assert!(after.trim_start().starts_with("qr 2: "), "{after:?}");
}
