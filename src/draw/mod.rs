//! A module matrix to text for a terminal, and what fits on a screen. Pure: no I/O.
//!
//! Two drawings, both with a quiet zone of [`QUIET`] modules all round:
//! [`half_block`] (1 x 2 modules a character cell, the default) and
//! [`sextant`] (2 x 3 modules a cell, `--compact`). [`fit`] says which fits a
//! terminal; [`countdown`] is the line under the drawing.
//!
//! * With colour, every line sets black on white explicitly
//!   (`ESC[30;47m`, reset with `ESC[0m` at the end of the line): dark
//!   modules are drawn, light ones are the white background, so the code
//!   reads on dark and light terminals alike.
//! * Without colour (`NO_COLOR`), no escape codes at all: as `qrencode -t
//!   UTF8` does, light modules are drawn and dark ones left blank, which
//!   suits a dark-background terminal; `invert` draws the dark modules
//!   instead, for a light background.

pub mod countdown;
pub mod fit;
pub mod half_block;
pub mod sextant;

use crate::image::decode_png;
use crate::qr::{read_modules, Modules};

pub use crate::config::Style;
pub use half_block::{line_count, render};

/// Modules of quiet zone drawn around the code.
pub const QUIET: usize = 2;

/// Black text on a white background, set at the start of each coloured line.
pub const COLOR_ON: &str = "\x1b[30;47m";
/// Back to the terminal's own colours, at the end of each coloured line.
pub const COLOR_OFF: &str = "\x1b[0m";

/// Which characters a drawing is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `▀ ▄ █`: 1 x 2 modules a cell; every terminal font has them.
    HalfBlock,
    /// Unicode 13 sextants: 2 x 3 modules a cell, a third of the area.
    Sextant,
}

impl Kind {
    /// Columns and lines of the drawing of a code `size` modules a side.
    pub fn cells(self, size: usize) -> (usize, usize) {
        let side = size + 2 * QUIET;
        match self {
            Kind::HalfBlock => (side, side.div_ceil(2)),
            Kind::Sextant => (side.div_ceil(2), side.div_ceil(3)),
        }
    }
}

/// Draw `m` as `kind`. Every line ends with `\n`.
pub fn draw(m: &Modules, kind: Kind, style: Style) -> String {
    match kind {
        Kind::HalfBlock => half_block::render(m, style),
        Kind::Sextant => sextant::render(m, style),
    }
}

/// PNG bytes to terminal text: decode, read the modules, draw them with half blocks.
pub fn qr_text(png: &[u8], style: Style) -> Result<(Modules, String), String> {
    let gray = decode_png(png).map_err(|e| e.to_string())?;
    let modules = read_modules(&gray)?;
    let text = render(&modules, style);
    Ok((modules, text))
}

/// Whether the module at (x, y) of the quiet-zoned square gets ink: dark
/// modules in colour (black on white) and inverted; light ones otherwise
/// (qrencode's UTF8 convention). Beyond the square (the part of a cell past
/// an odd side) never does, so the quiet zone is QUIET modules on every side.
fn ink(m: &Modules, style: Style) -> impl Fn(usize, usize) -> bool + '_ {
    let side = m.size + 2 * QUIET;
    let ink_is_dark = style.color || style.invert;
    move |x, y| {
        if x >= side || y >= side {
            return false;
        }
        let dark = x >= QUIET && y >= QUIET && m.get(x - QUIET, y - QUIET);
        dark == ink_is_dark
    }
}

/// `lines` lines of `cols` cells each, in colour when `style` says so.
fn lines_of(cols: usize, lines: usize, style: Style, cell: impl Fn(usize, usize) -> char) -> String {
    let mut out = String::with_capacity(lines * (cols * 4 + 16));
    for line in 0..lines {
        if style.color {
            out.push_str(COLOR_ON);
        }
        out.extend((0..cols).map(|col| cell(col, line)));
        if style.color {
            out.push_str(COLOR_OFF);
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greenapis_code_needs_65x33_in_half_blocks_and_33x22_in_sextants() {
        assert_eq!(Kind::HalfBlock.cells(61), (65, 33));
        assert_eq!(Kind::Sextant.cells(61), (33, 22));
        assert_eq!(Kind::HalfBlock.cells(21), (25, 13));
        assert_eq!(Kind::Sextant.cells(21), (13, 9));
    }

    #[test]
    fn every_drawing_has_the_size_it_claims() {
        let m = Modules { size: 21, dark: (0..441).map(|i| i % 3 == 0).collect() };
        for kind in [Kind::HalfBlock, Kind::Sextant] {
            for color in [false, true] {
                let text = draw(&m, kind, Style { color, invert: false });
                let (cols, lines) = kind.cells(m.size);
                assert_eq!(text.lines().count(), lines);
                let plain = text.replace(COLOR_ON, "").replace(COLOR_OFF, "");
                assert!(plain.lines().all(|l| l.chars().count() == cols), "{kind:?}");
            }
        }
    }
}
