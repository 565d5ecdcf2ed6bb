//! The codewords of a sampled grid: read out of the data modules in
//! placement order with the mask undone, split back into their
//! Reed-Solomon blocks, and every block checked.

use super::patterns::function_modules;
use super::reed_solomon::{is_codeword, Generator};
use super::tables::block_layout;
use super::verify::Format;
use super::Modules;

/// Check that every Reed-Solomon block of the grid's codewords is a
/// codeword (all syndromes zero): then every data and error correction
/// module was read exactly, not merely well enough for a decoder to repair.
pub(super) fn check_blocks(m: &Modules, format: Format) -> Result<(), String> {
    let n = m.size;
    let layout = block_layout(m.version(), format.level).ok_or("no block structure for this version")?;
    let codewords =
        read_codewords(m, format.mask, layout.codewords()).ok_or("fewer data modules than the version needs")?;
    let (data, ec) = codewords.split_at(layout.data_codewords().min(codewords.len()));
    // Undo the interleaving: the data codewords take turns block by block,
    // the long blocks' last ones coming after all the others; then the
    // error correction codewords likewise.
    let blocks = layout.blocks();
    let generator = Generator::new(layout.ec_per_block);
    let mut block_data = Vec::with_capacity(layout.short_data + 1);
    let mut block_ec = Vec::with_capacity(layout.ec_per_block);
    for b in 0..blocks {
        block_data.clear();
        block_data.extend((0..layout.short_data).filter_map(|k| data.get(k * blocks + b)));
        if let Some(long) = b.checked_sub(layout.short_blocks) {
            block_data.extend(data.get(layout.short_data * blocks + long));
        }
        block_ec.clear();
        block_ec.extend((0..layout.ec_per_block).filter_map(|k| ec.get(k * blocks + b)));
        if !is_codeword(&block_data, &block_ec, &generator) {
            return Err(format!(
                "sampled {n}x{n} grid does not fit: error correction block {} of {blocks} does not check",
                b + 1
            ));
        }
    }
    Ok(())
}

/// The first `count` codewords of the grid with mask pattern `mask` undone,
/// read from two-module columns right to left, zigzagging up and down,
/// skipping the timing column. `None` when the grid has fewer data modules
/// than they need.
///
/// The bits gather in a 64-bit word, and a function module is skipped by a
/// select rather than a jump, so that no jump depends on the data.
fn read_codewords(m: &Modules, mask: u8, count: usize) -> Option<Vec<u8>> {
    let n = m.size;
    let tile = MASK_TILES.get(usize::from(mask))?;
    let function = function_modules(n, m.version());
    let mut codewords = Vec::with_capacity(count + 8);
    let (mut word, mut bits) = (0u64, 0u32);
    let mut right = n.checked_sub(1)?;
    while codewords.len() < count {
        if right == 6 {
            right = 5;
        }
        let left = right.checked_sub(1)?;
        let upward = (right + 1) & 2 == 0;
        for step in 0..n {
            let y = if upward { n - 1 - step } else { step };
            let tile_row = tile[y % MASK_TILE];
            for x in [right, left] {
                let at = y * n + x;
                let is_data = function.get(at) == Some(&false);
                let bit = m.dark.get(at) == Some(&true);
                let bit = u64::from(bit != (tile_row >> (x % MASK_TILE) & 1 == 1));
                word = if is_data { word << 1 | bit } else { word };
                bits += u32::from(is_data);
            }
            if bits >= 62 {
                move_bytes(&mut word, &mut bits, &mut codewords);
            }
        }
        if right < 2 {
            break;
        }
        right -= 2;
    }
    move_bytes(&mut word, &mut bits, &mut codewords);
    (codewords.len() >= count).then(|| {
        codewords.truncate(count);
        codewords
    })
}

/// Move the whole bytes among the low `bits` (at most 63) bits of `word`,
/// the highest first, to `out`; the rest stay at the bottom of `word`.
fn move_bytes(word: &mut u64, bits: &mut u32, out: &mut Vec<u8>) {
    let spare = *bits % 8;
    let whole = *bits - spare;
    if whole > 0 && whole < 64 {
        let bytes = (*word >> spare << (64 - whole)).to_be_bytes();
        out.extend_from_slice(bytes.get(..(whole / 8) as usize).unwrap_or(&[]));
    }
    *word &= (1 << spare) - 1;
    *bits = spare;
}

/// Every mask pattern repeats every 12 modules across and down.
const MASK_TILE: usize = 12;

/// Per mask pattern, one 12 by 12 tile of it: bit x of row y is set where
/// the pattern flips the module, looked up rather than worked out per
/// module.
const MASK_TILES: [[u16; MASK_TILE]; 8] = {
    let mut tiles = [[0u16; MASK_TILE]; 8];
    let mut mask = 0;
    while mask < 8 {
        let mut y = 0;
        while y < MASK_TILE {
            let mut x = 0;
            while x < MASK_TILE {
                if is_masked(mask as u8, x, y) {
                    tiles[mask][y] |= 1 << x;
                }
                x += 1;
            }
            y += 1;
        }
        mask += 1;
    }
    tiles
};

/// Does mask pattern `mask` flip the data module at (x, y)? ISO/IEC 18004
/// Table 10, where i is the row and j the column.
const fn is_masked(mask: u8, x: usize, y: usize) -> bool {
    let (i, j) = (y, x);
    match mask {
        0 => (i + j) % 2 == 0,
        1 => i % 2 == 0,
        2 => j % 3 == 0,
        3 => (i + j) % 3 == 0,
        4 => (i / 2 + j / 3) % 2 == 0,
        5 => (i * j) % 2 + (i * j) % 3 == 0,
        6 => ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        _ => ((i + j) % 2 + (i * j) % 3) % 2 == 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::tables::Level;
    use crate::qr::test_image;
    use qrcode::EcLevel;

    #[test]
    fn every_version_has_the_data_modules_its_blocks_need() {
        // ISO/IEC 18004 Table 1: data modules less remainder bits.
        for version in 1..=40 {
            let n = 17 + 4 * version;
            let data_modules = function_modules(n, version).iter().filter(|&&f| !f).count();
            let remainder = match version {
                2..=6 => 7,
                14..=20 | 28..=34 => 3,
                21..=27 => 4,
                _ => 0,
            };
            let layout = block_layout(version, Level::L).unwrap();
            assert_eq!(data_modules, layout.codewords() * 8 + remainder, "version {version}");
        }
    }

    #[test]
    fn codewords_are_read_back_under_every_mask() {
        let payload = test_image::pairing_string(6);
        for mask in 0..8 {
            let code = test_image::encode(&payload, 11, EcLevel::M, mask);
            assert_eq!(read_codewords(&code.modules, mask, 404), Some(code.codewords.clone()), "mask {mask}");
            assert_eq!(read_codewords(&code.modules, mask, 405), None, "one codeword more than the grid holds");
            assert_eq!(check_blocks(&code.modules, Format { level: Level::M, mask }), Ok(()));
            let other_mask = Format { level: Level::M, mask: (mask + 1) % 8 };
            assert!(check_blocks(&code.modules, other_mask).is_err());
            assert!(check_blocks(&code.modules, Format { level: Level::L, mask }).is_err());
        }
        // The first block starts with byte mode (0100) and the 16-bit length
        // of the 217-character pairing string; its codewords are every fifth.
        let code = test_image::encode(&payload, 11, EcLevel::M, 0);
        let first_block: Vec<u16> = code.codewords.iter().step_by(5).map(|&c| u16::from(c)).collect();
        assert_eq!(first_block[0] >> 4, 0b0100);
        let length = (first_block[0] & 0xf) << 12 | first_block[1] << 4 | first_block[2] >> 4;
        assert_eq!(usize::from(length), payload.len());
    }

    #[test]
    fn one_wrong_data_module_fails_its_block() {
        let mut modules = test_image::encode(&test_image::pairing_string(5), 11, EcLevel::M, 3).modules;
        let format = Format { level: Level::M, mask: 3 };
        let function = function_modules(61, 11);
        // Every seventh data module flipped in turn.
        for at in (0..61 * 61).filter(|&at| !function[at]).step_by(7) {
            modules.dark[at] = !modules.dark[at];
            let e = check_blocks(&modules, format).unwrap_err();
            assert!(e.contains("error correction block"), "{e}");
            modules.dark[at] = !modules.dark[at];
        }
        assert_eq!(check_blocks(&modules, format), Ok(()));
    }

    #[test]
    fn mask_tiles_repeat_every_pattern() {
        for mask in 0..8 {
            for (x, y) in (0..177).flat_map(|y| (0..177).map(move |x| (x, y))) {
                let tiled = MASK_TILES[usize::from(mask)][y % MASK_TILE] >> (x % MASK_TILE) & 1 == 1;
                assert_eq!(tiled, is_masked(mask, x, y), "mask {mask} at ({x}, {y})");
            }
        }
        // Table 10 at row 2, column 3.
        let flipped = [0, 1, 2, 3, 4, 5, 6, 7].map(|mask| is_masked(mask, 3, 2));
        assert_eq!(flipped, [false, true, true, false, true, true, true, false]);
    }

    #[test]
    fn function_modules_of_small_and_large_versions() {
        // Version 1: 26 codewords, no remainder, nothing else but data.
        let v1 = function_modules(21, 1);
        assert_eq!(v1.iter().filter(|&&f| !f).count(), 26 * 8);
        // Version 7 and up carry version information beside two finders.
        let v7 = function_modules(45, 7);
        assert!(v7[45 * 5 + 34] && v7[45 * 34 + 5] && !v7[45 * 5 + 33]);
    }
}
