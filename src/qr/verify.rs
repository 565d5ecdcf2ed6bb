//! Does a sampled grid hold a QR symbol? Its fixed patterns, its format
//! information, its version information (version 7 and up) and every
//! Reed-Solomon block must all check, so that a grid sampled a module off,
//! or with one module read wrong, is never taken.

use super::codewords::check_blocks;
use super::patterns::{format_positions, version_positions};
use super::tables::{Level, FORMAT_CODEWORDS, VERSION_CODEWORDS};
use super::Modules;

/// Check a sampled grid, cheapest checks first (most wrong grids fail on
/// the timing patterns), and say what its format information holds.
pub(super) fn verify(m: &Modules) -> Result<Format, String> {
    check_fixed_patterns(m)?;
    let format = read_format(m)?;
    check_version(m)?;
    check_blocks(m, format)?;
    Ok(format)
}

/// The timing patterns, the finders and the dark module beside the
/// bottom-left finder: the same in every symbol.
fn check_fixed_patterns(m: &Modules) -> Result<(), String> {
    let n = m.size;
    let mut timing_errors = 0;
    for k in 8..n.saturating_sub(8) {
        let want = k % 2 == 0;
        timing_errors += usize::from(m.get(k, 6) != want) + usize::from(m.get(6, k) != want);
    }
    if timing_errors > 0 {
        return Err(format!("sampled {n}x{n} grid does not fit: {timing_errors} timing pattern module(s) wrong"));
    }
    let far = n.saturating_sub(7);
    for (left, top) in [(0, 0), (far, 0), (0, far)] {
        for y in 0..7 {
            for x in 0..7 {
                let ring = x.min(y).min(6 - x).min(6 - y);
                if m.get(left + x, top + y) != (ring != 1) {
                    return Err(format!("sampled {n}x{n} grid does not fit: finder pattern module wrong"));
                }
            }
        }
    }
    if !m.get(8, n.saturating_sub(8)) {
        return Err(format!("sampled {n}x{n} grid does not fit: dark module missing"));
    }
    Ok(())
}

/// What the format information says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Format {
    pub level: Level,
    /// The mask pattern, 0 to 7.
    pub mask: u8,
}

impl Format {
    /// The five data bits of the format information.
    pub(super) fn bits(self) -> u32 {
        self.level.format_bits() << 3 | u32::from(self.mask & 7)
    }
}

/// The format information: of both copies, the one nearer a valid format
/// codeword, corrected to it. An error when neither is within 3 bits of one.
pub(super) fn read_format(m: &Modules) -> Result<Format, String> {
    let (near_top_left, split) = format_copies(m);
    let distance = |codeword: u32| (codeword ^ near_top_left).count_ones().min((codeword ^ split).count_ones());
    let (data, nearest) = (0u32..)
        .zip(FORMAT_CODEWORDS)
        .min_by_key(|&(_, codeword)| distance(codeword))
        .ok_or("format information unreadable")?;
    if distance(nearest) > 3 {
        return Err("format information unreadable".into());
    }
    Ok(Format { level: Level::from_format_bits(data >> 3), mask: (data & 7) as u8 })
}

/// The two 15-bit copies of the format information, bit 0 first placed.
fn format_copies(m: &Modules) -> (u32, u32) {
    let [near_top_left, split] = format_positions(m.size).map(|copy| read_bits(m, &copy));
    (near_top_left, split)
}

/// The modules at `positions` as bits, the first the lowest.
fn read_bits(m: &Modules, positions: &[(usize, usize)]) -> u32 {
    positions.iter().enumerate().fold(0, |bits, (i, &(x, y))| bits | u32::from(m.get(x, y)) << i)
}

/// From version 7 up, either copy of the version information must be within
/// 3 bits of the codeword of the version the module count means, and nearer
/// it than any other.
fn check_version(m: &Modules) -> Result<(), String> {
    let (n, version) = (m.size, m.version());
    if version < 7 {
        return Ok(());
    }
    let (above_bottom_left, left_of_top_right) = version_copies(m);
    let best = [above_bottom_left, left_of_top_right].into_iter().filter_map(nearest_version).min_by_key(|&(_, d)| d);
    match best {
        Some((v, _)) if v == version => Ok(()),
        Some((v, _)) => {
            Err(format!("version information says version {v} but the module count {n} means version {version}"))
        }
        None => Err("version information unreadable".into()),
    }
}

/// The two 18-bit copies of the version information.
fn version_copies(m: &Modules) -> (u32, u32) {
    let [above_bottom_left, left_of_top_right] = version_positions(m.size).map(|copy| read_bits(m, &copy));
    (above_bottom_left, left_of_top_right)
}

/// The version whose codeword is within 3 bits of `bits`, with the distance.
fn nearest_version(bits: u32) -> Option<(usize, u32)> {
    (7..)
        .zip(VERSION_CODEWORDS)
        .map(|(v, codeword)| (v, (codeword ^ bits).count_ones()))
        .filter(|&(_, d)| d <= 3)
        .min_by_key(|&(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::test_image;
    use qrcode::EcLevel;

    #[test]
    fn nearest_version_corrects_up_to_3_bits() {
        assert_eq!(nearest_version(VERSION_CODEWORDS[12 - 7] ^ 1), Some((12, 1)));
        assert_eq!(nearest_version(VERSION_CODEWORDS[12 - 7] ^ 0b1111), None);
    }

    #[test]
    fn format_is_read_under_every_level_and_mask() {
        let payload = "2@ABC";
        for (qr_level, level) in
            [(EcLevel::L, Level::L), (EcLevel::M, Level::M), (EcLevel::Q, Level::Q), (EcLevel::H, Level::H)]
        {
            for mask in 0..8 {
                let code = test_image::encode(payload, 7, qr_level, mask);
                assert_eq!(read_format(&code.modules), Ok(Format { level, mask }));
                assert_eq!(verify(&code.modules), Ok(Format { level, mask }));
                assert_eq!(
                    Format { level, mask }.bits() as usize,
                    FORMAT_CODEWORDS.iter().position(|&c| c == format_copies(&code.modules).0).unwrap()
                );
            }
        }
    }

    #[test]
    fn format_survives_three_wrong_bits_but_not_four_in_both_copies() {
        let mut m = test_image::encode("2@ABC", 2, EcLevel::M, 5).modules;
        let want = Ok(Format { level: Level::M, mask: 5 });
        // Three bits of the copy around the top-left finder, and every bit of the other.
        for (x, y) in [(8, 0), (8, 1), (8, 2)] {
            m.dark[y * 25 + x] ^= true;
        }
        for x in 17..25 {
            m.dark[8 * 25 + x] ^= true;
        }
        assert_eq!(read_format(&m), want);
        m.dark[3 * 25 + 8] ^= true;
        assert_eq!(read_format(&m), Err("format information unreadable".into()));
    }

    #[test]
    fn version_information_must_match_the_module_count() {
        let mut m = test_image::encode("2@ABC", 7, EcLevel::M, 0).modules;
        assert_eq!(check_version(&m), Ok(()));
        // Version 8's codeword in both copies of a version 7 grid.
        let (n, eight) = (45, VERSION_CODEWORDS[1]);
        for i in 0..18 {
            let (long, short) = (n - 11 + i % 3, i / 3);
            m.dark[long * n + short] = eight >> i & 1 == 1;
            m.dark[short * n + long] = eight >> i & 1 == 1;
        }
        assert_eq!(version_copies(&m), (eight, eight));
        let e = check_version(&m).unwrap_err();
        assert!(e.contains("says version 8"), "{e}");
    }

    #[test]
    fn fixed_patterns_are_checked() {
        let good = test_image::encode("2@ABC", 1, EcLevel::M, 2).modules;
        assert_eq!(check_fixed_patterns(&good), Ok(()));
        for (x, y, why) in
            [(10, 6, "timing"), (6, 10, "timing"), (3, 3, "finder"), (16, 1, "finder"), (8, 13, "dark module")]
        {
            let mut m = good.clone();
            m.dark[y * 21 + x] ^= true;
            let e = check_fixed_patterns(&m).unwrap_err();
            assert!(e.contains(why), "({x}, {y}): {e}");
        }
    }
}
