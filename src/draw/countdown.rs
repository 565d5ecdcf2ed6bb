//! The line under a drawn QR code: how old it is, and how long a person
//! still has. GREEN-API refreshes the code about every 20 s and closes the
//! scan window 100 s after the first code of a connection.

use std::time::Duration;

/// The countdown for QR `n`, `age` after it arrived and `window` after the
/// first QR code of its connection, for a scan window of `window_length`.
pub fn line(n: u64, age: Duration, window: Duration, window_length: Duration) -> String {
    let age = age.as_secs();
    match window_length.as_secs().checked_sub(window.as_secs()) {
        Some(left) if left > 0 => format!("QR {n}: {age} s old; scan window closes in {left} s"),
        _ => format!("QR {n}: {age} s old; the scan window has closed"),
    }
}

/// `text` cut to fit a line of `cols` columns without wrapping (the cursor
/// stays on that line, so the next redraw replaces it).
pub fn clip(text: &str, cols: usize) -> &str {
    match text.char_indices().nth(cols.saturating_sub(1)) {
        Some((at, _)) => text.get(..at).unwrap_or(text),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const WINDOW: Duration = Duration::from_secs(100);

    #[test]
    fn counts_the_age_up_and_the_window_down_in_whole_seconds() {
        let s = Duration::from_secs;
        assert_eq!(line(1, s(0), s(0), WINDOW), "QR 1: 0 s old; scan window closes in 100 s");
        assert_eq!(line(2, Duration::from_millis(7900), s(27), WINDOW), "QR 2: 7 s old; scan window closes in 73 s");
        assert_eq!(line(5, s(3), Duration::from_millis(99_999), WINDOW), "QR 5: 3 s old; scan window closes in 1 s");
        assert_eq!(line(5, s(4), s(100), WINDOW), "QR 5: 4 s old; the scan window has closed");
        assert_eq!(line(5, s(30), s(130), WINDOW), "QR 5: 30 s old; the scan window has closed");
    }

    #[test]
    fn a_narrow_terminal_gets_a_line_that_does_not_wrap() {
        assert_eq!(clip("QR 1: 0 s old", 80), "QR 1: 0 s old");
        assert_eq!(clip("QR 1: 0 s old", 8), "QR 1: 0");
        assert_eq!(clip("QR 1: 0 s old", 14), "QR 1: 0 s old");
        assert_eq!(clip("QR 1: 0 s old", 13), "QR 1: 0 s ol");
        assert_eq!(clip("QR 1", 0), "");
    }
}
