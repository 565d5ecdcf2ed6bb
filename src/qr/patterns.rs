//! The function patterns: which modules they take, where the format and
//! version information sit, and what every one of them holds once the
//! version and format are known.

use super::tables::{alignment_centres, FORMAT_CODEWORDS, VERSION_CODEWORDS};
use super::verify::Format;
use super::Modules;

/// Which modules of an `n`-module symbol of `version` are function
/// patterns (not data), row-major.
pub(super) fn function_modules(n: usize, version: usize) -> Vec<bool> {
    let mut function = vec![false; n * n];
    // Mark the modules x0..x1 by y0..y1, a row slice at a time.
    let mut fill = |x0: usize, y0: usize, x1: usize, y1: usize| {
        for y in y0..y1 {
            if let Some(row) = function.get_mut(y * n + x0..y * n + x1) {
                row.fill(true);
            }
        }
    };
    let far = n.saturating_sub(8);
    // Finders with their separators and the format information.
    fill(0, 0, 9, 9);
    fill(far, 0, n, 9);
    fill(0, far, 9, n);
    // Timing patterns.
    fill(6, 0, 7, n);
    fill(0, 6, n, 7);
    if version >= 7 {
        // Version information.
        fill(far.saturating_sub(3), 0, far, 6);
        fill(0, far.saturating_sub(3), 6, far);
    }
    for (x, y) in alignment_patterns(version) {
        fill(x - 2, y - 2, x + 3, y + 3);
    }
    function
}

/// The centres (x, y) of the alignment patterns of `version`: every pair of
/// the table's coordinates but where a finder is.
fn alignment_patterns(version: usize) -> impl Iterator<Item = (usize, usize)> {
    let centres = alignment_centres(version);
    let last = centres.len().saturating_sub(1);
    let finder = move |a: usize, b: usize| (a == 0 && (b == 0 || b == last)) || (a == last && b == 0);
    centres.iter().enumerate().flat_map(move |(a, &y)| {
        centres
            .iter()
            .enumerate()
            .filter(move |&(b, _)| !finder(a, b))
            .map(move |(_, &x)| (usize::from(x), usize::from(y)))
    })
}

/// Where the bits of the two copies of the format information sit, as
/// (x, y), bit 0 first: around the top-left finder, and split between the
/// other two.
pub(super) fn format_positions(n: usize) -> [[(usize, usize); 15]; 2] {
    let near_top_left = std::array::from_fn(|i| match i {
        0..=5 => (8, i),
        6 => (8, 7),
        7 => (8, 8),
        8 => (7, 8),
        _ => (14 - i, 8),
    });
    let split = std::array::from_fn(|i| if i < 8 { (n.wrapping_sub(1 + i), 8) } else { (8, (n + i).wrapping_sub(15)) });
    [near_top_left, split]
}

/// Where the bits of the two copies of the version information sit (version
/// 7 and up), as (x, y), bit 0 first: above the bottom-left finder, and left
/// of the top-right one.
pub(super) fn version_positions(n: usize) -> [[(usize, usize); 18]; 2] {
    let long = |i: usize| (n + i % 3).wrapping_sub(11);
    [std::array::from_fn(|i| (i / 3, long(i))), std::array::from_fn(|i| (long(i), i / 3))]
}

/// Draw every function pattern of `m` as the standard has it for its
/// version and `format`: finders with their separators, timing patterns,
/// alignment patterns, the dark module, and the format and version
/// information.
///
/// Only the data modules are then left as sampled, and every one of those
/// was checked by its Reed-Solomon block; so the matrix is the code's, even
/// where the picture blurred a module no check covers (an alignment
/// pattern's, or a format bit the format information corrected).
pub(super) fn redraw(m: &mut Modules, format: Format) {
    let (n, version) = (m.size, m.version());
    let mut set = |x: usize, y: usize, dark: bool| {
        if x < n && y < n {
            if let Some(module) = m.dark.get_mut(y * n + x) {
                *module = dark;
            }
        }
    };
    for (left, top) in [(0, 0), (n.saturating_sub(7), 0), (0, n.saturating_sub(7))] {
        // The finder, and its light separator wherever that is inside the symbol.
        for y in 0..9 {
            for x in 0..9 {
                let (dx, dy) = (x as isize - 1, y as isize - 1);
                let ring = dx.min(dy).min(6 - dx).min(6 - dy);
                if let (Some(x), Some(y)) = ((left + x).checked_sub(1), (top + y).checked_sub(1)) {
                    set(x, y, ring >= 0 && ring != 1);
                }
            }
        }
    }
    for k in 8..n.saturating_sub(8) {
        set(k, 6, k % 2 == 0);
        set(6, k, k % 2 == 0);
    }
    for (cx, cy) in alignment_patterns(version) {
        for (x, y) in (0..5).flat_map(|y| (0..5).map(move |x| (x, y))) {
            let ring = x.min(y).min(4 - x).min(4 - y);
            set(cx + x - 2, cy + y - 2, ring != 1);
        }
    }
    set(8, n.saturating_sub(8), true);
    let format_codeword = FORMAT_CODEWORDS.get(format.bits() as usize).copied().unwrap_or(0);
    for (i, (x, y)) in format_positions(n).into_iter().flat_map(|copy| copy.into_iter().enumerate()) {
        set(x, y, format_codeword >> i & 1 == 1);
    }
    if let Some(&version_codeword) = version.checked_sub(7).and_then(|k| VERSION_CODEWORDS.get(k)) {
        for (i, (x, y)) in version_positions(n).into_iter().flat_map(|copy| copy.into_iter().enumerate()) {
            set(x, y, version_codeword >> i & 1 == 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::tables::Level;
    use crate::qr::test_image;
    use qrcode::EcLevel;

    #[test]
    fn redraw_gives_back_every_function_module_the_encoder_drew() {
        let levels = [(EcLevel::L, Level::L), (EcLevel::M, Level::M), (EcLevel::Q, Level::Q), (EcLevel::H, Level::H)];
        for (k, version) in [1, 2, 6, 7, 11, 14, 21, 32, 40].into_iter().enumerate() {
            let (qr_level, level) = levels[k % 4];
            let mask = (k * 3 % 8) as u8;
            let code = test_image::encode("2@ABC", version, qr_level, mask).modules;
            let n = code.size;
            let function = function_modules(n, usize::from(version as u8));
            // Every function module scrambled, then redrawn.
            let mut m = code.clone();
            for (at, module) in m.dark.iter_mut().enumerate() {
                if function[at] {
                    *module = (at * 7919) % 3 == 0;
                }
            }
            redraw(&mut m, Format { level, mask });
            assert_eq!(m, code, "version {version}");
        }
    }

    #[test]
    fn information_positions_are_function_modules_and_distinct() {
        for version in [1, 7, 40] {
            let n = 17 + 4 * version;
            let function = function_modules(n, version);
            let mut positions: Vec<(usize, usize)> = format_positions(n).concat();
            if version >= 7 {
                positions.extend(version_positions(n).concat());
            }
            assert!(positions.iter().all(|&(x, y)| function[y * n + x]), "version {version}");
            let count = positions.len();
            positions.sort_unstable();
            positions.dedup();
            assert_eq!(positions.len(), count, "version {version}");
        }
    }
}
