//! Whether a drawing fits a terminal, and what to tell a person when not.
//!
//! A QR block is redrawn in place by moving the cursor up over it, which
//! only works while all of it is on screen: its status line (`head`), the
//! drawing, and the line the cursor rests on under it (the countdown's).
//! A block taller than that scrolls its top away and cannot be scanned.

use super::Kind;

/// Columns and lines of a terminal, or of what a block needs of one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub cols: usize,
    pub lines: usize,
}

impl Size {
    pub fn holds(self, need: Size) -> bool {
        need.cols <= self.cols && need.lines <= self.lines
    }
}

impl std::fmt::Display for Size {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}x{}", self.cols, self.lines)
    }
}

/// The screen a block of `head` lines and a drawing of a `modules`-wide code needs.
pub fn needs(kind: Kind, modules: usize, head: usize) -> Size {
    let (cols, lines) = kind.cells(modules);
    Size { cols, lines: head + lines + 1 }
}

/// The warning for QR `n` (written to `path`) that does not fit `screen`:
/// both sizes, and the ways out.
pub fn too_small(n: u64, kind: Kind, modules: usize, head: usize, screen: Size, path: &str) -> String {
    let compact = match kind {
        Kind::HalfBlock => format!("run with --compact (it needs {}), ", needs(Kind::Sextant, modules, head)),
        Kind::Sextant => String::new(),
    };
    format!(
        "QR {n} is not drawn: it needs {} (columns x lines), the terminal is {screen}; make the window larger \
         or zoom out (it is drawn as soon as it fits), {compact}or open {path}",
        needs(kind, modules, head)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const TERMINAL_80X24: Size = Size { cols: 80, lines: 24 };

    #[test]
    fn greenapis_code_fits_80x24_only_in_sextants() {
        assert_eq!(needs(Kind::HalfBlock, 61, 1), Size { cols: 65, lines: 35 });
        assert_eq!(needs(Kind::Sextant, 61, 1), Size { cols: 33, lines: 24 });
        let fits = |kind, head, cols, lines| Size { cols, lines }.holds(needs(kind, 61, head));
        assert!(!fits(Kind::HalfBlock, 1, 80, 24));
        assert!(fits(Kind::Sextant, 1, 80, 24));
        assert!(fits(Kind::HalfBlock, 1, 65, 35));
        assert!(!fits(Kind::HalfBlock, 1, 64, 50));
        assert!(!fits(Kind::HalfBlock, 1, 65, 34));
        assert!(!fits(Kind::Sextant, 1, 80, 23));
        // Drawn later, under other lines: no status line of its own above it.
        assert!(fits(Kind::Sextant, 0, 33, 23));
    }

    #[test]
    fn the_warning_names_both_sizes_and_the_ways_out() {
        let text = too_small(2, Kind::HalfBlock, 61, 1, TERMINAL_80X24, "qr.png");
        assert_eq!(
            text,
            "QR 2 is not drawn: it needs 65x35 (columns x lines), the terminal is 80x24; make the window larger \
             or zoom out (it is drawn as soon as it fits), run with --compact (it needs 33x24), or open qr.png"
        );
        let compact = too_small(1, Kind::Sextant, 61, 1, Size { cols: 40, lines: 20 }, "qr-1.png");
        assert!(compact.contains("needs 33x24 (columns x lines), the terminal is 40x20;"), "{compact}");
        assert!(!compact.contains("--compact") && compact.ends_with("or open qr-1.png"));
    }
}
