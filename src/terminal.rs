//! A module matrix to text for a terminal. Pure: no I/O.
//!
//! Two module rows share one text line, drawn with the half blocks `▀ ▄ █`
//! and space, with a quiet zone of [`QUIET`] modules all round.
//!
//! * With colour, every line sets black on white explicitly
//!   (`ESC[30;47m`, reset with `ESC[0m` at the end of the line): dark
//!   modules are drawn, light ones are the white background, so the code
//!   reads on dark and light terminals alike.
//! * Without colour (`NO_COLOR`), no escape codes at all: as `qrencode -t
//!   UTF8` does, light modules are drawn as blocks and dark ones left blank,
//!   which suits a dark-background terminal; `invert` draws the dark modules
//!   instead, for a light background.

use crate::image::decode_png;
use crate::qr::{read_modules, Modules};

pub use crate::config::Style;

/// Modules of quiet zone drawn around the code.
pub const QUIET: usize = 2;

/// Black text on a white background, set at the start of each coloured line.
pub const COLOR_ON: &str = "\x1b[30;47m";
/// Back to the terminal's own colours, at the end of each coloured line.
pub const COLOR_OFF: &str = "\x1b[0m";

/// How many lines [`render`] prints for `m` (each ends with `\n`), so a
/// caller can move the cursor back up that many lines to redraw in place.
pub fn line_count(m: &Modules) -> usize {
    (m.size + 2 * QUIET).div_ceil(2)
}

/// Draw `m` for a terminal. Every line ends with `\n`.
pub fn render(m: &Modules, style: Style) -> String {
    let side = m.size + 2 * QUIET;
    // Is the module at (x, y) of the quiet-zoned square dark? Beyond the
    // square (the half line under an odd count) counts as light.
    let dark = |x: usize, y: usize| -> bool { x >= QUIET && y >= QUIET && m.get(x - QUIET, y - QUIET) };
    // Which modules get ink: dark ones in colour (black on white) and
    // inverted; light ones otherwise (qrencode's UTF8 convention).
    let ink_is_dark = style.color || style.invert;
    let lines = line_count(m);
    let mut out = String::with_capacity(lines * (side * 3 + 16));
    for line in 0..lines {
        let (top_y, bottom_y) = (2 * line, 2 * line + 1);
        if style.color {
            out.push_str(COLOR_ON);
        }
        for x in 0..side {
            let top = dark(x, top_y) == ink_is_dark;
            let bottom = if bottom_y < side {
                dark(x, bottom_y) == ink_is_dark
            } else {
                // Under the last row (the count is odd): no ink, so the
                // quiet zone is QUIET modules on every side.
                false
            };
            out.push(match (top, bottom) {
                (true, true) => '█',
                (true, false) => '▀',
                (false, true) => '▄',
                (false, false) => ' ',
            });
        }
        if style.color {
            out.push_str(COLOR_OFF);
        }
        out.push('\n');
    }
    out
}

/// PNG bytes to terminal text: decode, read the modules, draw them.
pub fn qr_text(png: &[u8], style: Style) -> Result<(Modules, String), String> {
    let gray = decode_png(png).map_err(|e| e.to_string())?;
    let modules = read_modules(&gray)?;
    let text = render(&modules, style);
    Ok((modules, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiny() -> Modules {
        // 1x1 "code": one dark module.
        Modules { size: 1, dark: vec![true] }
    }

    #[test]
    fn plain_draws_light_modules() {
        let s = render(&tiny(), Style { color: false, invert: false });
        // side 5 -> 3 lines; the dark module is at (2, 2): top half of line 1.
        assert_eq!(s, "█████\n██▄██\n▀▀▀▀▀\n");
        assert_eq!(s.lines().count(), line_count(&tiny()));
    }

    #[test]
    fn inverted_draws_dark_modules() {
        let s = render(&tiny(), Style { color: false, invert: true });
        assert_eq!(s, "     \n  ▀  \n     \n");
    }

    #[test]
    fn colour_sets_and_resets_every_line() {
        let s = render(&tiny(), Style { color: true, invert: false });
        for line in s.lines() {
            assert!(line.starts_with(COLOR_ON) && line.ends_with(COLOR_OFF));
        }
        assert!(s.contains('▀'));
        assert!(s.ends_with('\n'));
    }
}
