//! Six modules a character cell (2 wide, 3 high), drawn with the sextants of
//! Unicode 13's "Symbols for Legacy Computing" (U+1FB00..U+1FB3B): a third
//! of the half-block drawing's area, so GREEN-API's code fits 80x24.

use super::{ink, lines_of, Kind, Style};
use crate::qr::Modules;

/// Draw `m` for a terminal. Every line ends with `\n`.
pub fn render(m: &Modules, style: Style) -> String {
    let (cols, lines) = Kind::Sextant.cells(m.size);
    let ink = ink(m, style);
    lines_of(cols, lines, style, |col, line| {
        let (x, y) = (2 * col, 3 * line);
        let mut pattern = 0;
        for (bit, (dx, dy)) in [(0, 0), (1, 0), (0, 1), (1, 1), (0, 2), (1, 2)].into_iter().enumerate() {
            if ink(x + dx, y + dy) {
                pattern |= 1 << bit;
            }
        }
        glyph(pattern)
    })
}

/// The character whose inked sixths are the bits of `pattern`: bit 0 top
/// left, 1 top right, 2 middle left, 3 middle right, 4 bottom left, 5 bottom
/// right (Unicode's sextant numbers 1 to 6, less one). Bits above 5 are ignored.
pub fn glyph(pattern: u8) -> char {
    GLYPHS[usize::from(pattern & 63)]
}

/// The block is in pattern order, leaving out the four patterns that had a
/// character before it: empty, the left and right halves, and full.
const GLYPHS: [char; 64] = {
    let mut table = [' '; 64];
    let mut p = 1;
    while p < 63 {
        let skipped = (p > 21) as u32 + (p > 42) as u32;
        if let Some(c) = char::from_u32(0x1FB00 + p as u32 - 1 - skipped) {
            table[p] = c;
        }
        p += 1;
    }
    table[21] = '▌';
    table[42] = '▐';
    table[63] = '█';
    table
};

#[cfg(test)]
mod tests {
    use super::super::COLOR_ON;
    use super::*;

    /// U+1FB00..U+1FB3B in order, as the suffixes of their names in
    /// UnicodeData.txt (`BLOCK SEXTANT-1`, `BLOCK SEXTANT-2`, `BLOCK SEXTANT-12`, ...).
    const NAMES: [&str; 60] = [
        "1", "2", "12", "3", "13", "23", "123", "4", "14", "24", "124", "34", "134", "234", "1234", "5", "15", "25",
        "125", "35", "235", "1235", "45", "145", "245", "1245", "345", "1345", "2345", "12345", "6", "16", "26", "126",
        "36", "136", "236", "1236", "46", "146", "1246", "346", "1346", "2346", "12346", "56", "156", "256", "1256",
        "356", "1356", "2356", "12356", "456", "1456", "2456", "12456", "3456", "13456", "23456",
    ];

    #[test]
    fn every_pattern_maps_to_the_unicode_character_named_for_it() {
        let mut seen = [false; 64];
        for (i, name) in NAMES.iter().enumerate() {
            let pattern = name.bytes().fold(0u8, |p, d| p | 1 << (d - b'1'));
            let c = char::from_u32(0x1FB00 + i as u32).unwrap();
            assert_eq!(glyph(pattern), c, "BLOCK SEXTANT-{name} is U+{:X}", 0x1FB00 + i);
            seen[usize::from(pattern)] = true;
        }
        // The four the block leaves out: the characters that already drew them.
        for (pattern, c) in [(0, ' '), (0b010101, '▌'), (0b101010, '▐'), (63, '█')] {
            assert!(!seen[pattern]);
            assert_eq!(glyph(pattern as u8), c);
            seen[pattern] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn a_cell_covers_two_columns_and_three_rows() {
        // One dark module: (2, 2) of the quiet-zoned 5x5 square, so the
        // bottom left sixth of cell 1 of line 0. The 3x2 cells reach one
        // column and one row past the square: never inked.
        let m = Modules { size: 1, dark: vec![true] };
        let inverted = render(&m, Style { color: false, invert: true });
        assert_eq!(inverted, format!(" {} \n   \n", glyph(0b010000)));
        let plain = render(&m, Style { color: false, invert: false });
        let want = format!("█{}▌\n{}{}{}\n", glyph(0b101111), glyph(0b1111), glyph(0b1111), glyph(0b0101));
        assert_eq!(plain, want);
    }

    #[test]
    fn colour_draws_dark_modules_black_on_white() {
        let m = Modules { size: 1, dark: vec![true] };
        let colour = render(&m, Style { color: true, invert: false });
        assert!(colour.starts_with(COLOR_ON));
        assert_eq!(
            colour.replace(COLOR_ON, "").replace("\x1b[0m", ""),
            render(&m, Style { color: false, invert: true })
        );
    }
}
