//! Two module rows a text line, drawn with the half blocks `▀ ▄ █` and space.

use super::{ink, lines_of, Kind, Style};
use crate::qr::Modules;

/// How many lines [`render`] prints for `m` (each ends with `\n`), so a
/// caller can move the cursor back up that many lines to redraw in place.
pub fn line_count(m: &Modules) -> usize {
    Kind::HalfBlock.cells(m.size).1
}

/// Draw `m` for a terminal. Every line ends with `\n`.
pub fn render(m: &Modules, style: Style) -> String {
    let (cols, lines) = Kind::HalfBlock.cells(m.size);
    let ink = ink(m, style);
    lines_of(cols, lines, style, |x, line| match (ink(x, 2 * line), ink(x, 2 * line + 1)) {
        (true, true) => '█',
        (true, false) => '▀',
        (false, true) => '▄',
        (false, false) => ' ',
    })
}

#[cfg(test)]
mod tests {
    use super::super::{COLOR_OFF, COLOR_ON};
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
