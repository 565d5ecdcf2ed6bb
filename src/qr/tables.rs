//! The standard's per-version tables (ISO/IEC 18004), kept apart from the
//! code that reads a symbol with them.

/// An error correction level, in the order of [`BLOCKS`]' columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Level {
    L,
    M,
    Q,
    H,
}

impl Level {
    /// The two level bits of the format information.
    pub(super) fn format_bits(self) -> u32 {
        match self {
            Level::L => 1,
            Level::M => 0,
            Level::Q => 3,
            Level::H => 2,
        }
    }

    /// The level that the two level bits of the format information stand for.
    pub(super) fn from_format_bits(bits: u32) -> Level {
        match bits & 3 {
            1 => Level::L,
            0 => Level::M,
            3 => Level::Q,
            _ => Level::H,
        }
    }
}

/// How the codewords of one version at one level are split into
/// Reed-Solomon blocks: `short_blocks` blocks of `short_data` data codewords
/// come first, then `long_blocks` with one data codeword more; every block
/// has `ec_per_block` error correction codewords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct BlockLayout {
    pub ec_per_block: usize,
    pub short_data: usize,
    pub short_blocks: usize,
    pub long_blocks: usize,
}

impl BlockLayout {
    pub(super) fn blocks(&self) -> usize {
        self.short_blocks + self.long_blocks
    }

    /// Data codewords in all blocks together.
    pub(super) fn data_codewords(&self) -> usize {
        self.blocks() * self.short_data + self.long_blocks
    }

    /// Data and error correction codewords in all blocks together.
    pub(super) fn codewords(&self) -> usize {
        self.data_codewords() + self.blocks() * self.ec_per_block
    }
}

/// The block layout of `version` (1 to 40) at `level`.
pub(super) fn block_layout(version: usize, level: Level) -> Option<BlockLayout> {
    BLOCKS.get(version.wrapping_sub(1))?.get(level as usize).copied()
}

/// The centres of the alignment patterns of `version` (1 to 40) along either
/// axis, in modules. Empty for version 1 or an unknown version.
pub(super) fn alignment_centres(version: usize) -> &'static [u8] {
    ALIGNMENT.get(version.wrapping_sub(1)).copied().unwrap_or(&[])
}

/// The largest `ec_per_block` in [`BLOCKS`].
pub(super) const MAX_EC_PER_BLOCK: usize = 30;

/// Every format codeword, by its 5 data bits: BCH(15, 5), masked.
pub(super) const FORMAT_CODEWORDS: [u32; 32] = {
    let mut table = [0u32; 32];
    let mut data = 0;
    while data < 32 {
        let mut remainder = data;
        let mut k = 0;
        while k < 10 {
            remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537);
            k += 1;
        }
        table[data as usize] = ((data << 10) | (remainder & 0x3ff)) ^ 0x5412;
        data += 1;
    }
    table
};

/// The version information codewords of versions 7 to 40: BCH(18, 6).
pub(super) const VERSION_CODEWORDS: [u32; 34] = {
    let mut table = [0u32; 34];
    let mut k = 0;
    while k < 34 {
        let version = k as u32 + 7;
        let mut remainder = version;
        let mut i = 0;
        while i < 12 {
            remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1f25);
            i += 1;
        }
        table[k] = (version << 12) | (remainder & 0xfff);
        k += 1;
    }
    table
};

const fn b(ec_per_block: usize, short_data: usize, short_blocks: usize, long_blocks: usize) -> BlockLayout {
    BlockLayout { ec_per_block, short_data, short_blocks, long_blocks }
}

/// Per version, the block layout at levels L, M, Q and H: ISO/IEC 18004
/// Table 9, as (error correction codewords per block, data codewords of a
/// short block, short blocks, long blocks).
#[rustfmt::skip]
const BLOCKS: [[BlockLayout; 4]; 40] = [
    [b(7, 19, 1, 0), b(10, 16, 1, 0), b(13, 13, 1, 0), b(17, 9, 1, 0)], // 1
    [b(10, 34, 1, 0), b(16, 28, 1, 0), b(22, 22, 1, 0), b(28, 16, 1, 0)], // 2
    [b(15, 55, 1, 0), b(26, 44, 1, 0), b(18, 17, 2, 0), b(22, 13, 2, 0)], // 3
    [b(20, 80, 1, 0), b(18, 32, 2, 0), b(26, 24, 2, 0), b(16, 9, 4, 0)], // 4
    [b(26, 108, 1, 0), b(24, 43, 2, 0), b(18, 15, 2, 2), b(22, 11, 2, 2)], // 5
    [b(18, 68, 2, 0), b(16, 27, 4, 0), b(24, 19, 4, 0), b(28, 15, 4, 0)], // 6
    [b(20, 78, 2, 0), b(18, 31, 4, 0), b(18, 14, 2, 4), b(26, 13, 4, 1)], // 7
    [b(24, 97, 2, 0), b(22, 38, 2, 2), b(22, 18, 4, 2), b(26, 14, 4, 2)], // 8
    [b(30, 116, 2, 0), b(22, 36, 3, 2), b(20, 16, 4, 4), b(24, 12, 4, 4)], // 9
    [b(18, 68, 2, 2), b(26, 43, 4, 1), b(24, 19, 6, 2), b(28, 15, 6, 2)], // 10
    [b(20, 81, 4, 0), b(30, 50, 1, 4), b(28, 22, 4, 4), b(24, 12, 3, 8)], // 11
    [b(24, 92, 2, 2), b(22, 36, 6, 2), b(26, 20, 4, 6), b(28, 14, 7, 4)], // 12
    [b(26, 107, 4, 0), b(22, 37, 8, 1), b(24, 20, 8, 4), b(22, 11, 12, 4)], // 13
    [b(30, 115, 3, 1), b(24, 40, 4, 5), b(20, 16, 11, 5), b(24, 12, 11, 5)], // 14
    [b(22, 87, 5, 1), b(24, 41, 5, 5), b(30, 24, 5, 7), b(24, 12, 11, 7)], // 15
    [b(24, 98, 5, 1), b(28, 45, 7, 3), b(24, 19, 15, 2), b(30, 15, 3, 13)], // 16
    [b(28, 107, 1, 5), b(28, 46, 10, 1), b(28, 22, 1, 15), b(28, 14, 2, 17)], // 17
    [b(30, 120, 5, 1), b(26, 43, 9, 4), b(28, 22, 17, 1), b(28, 14, 2, 19)], // 18
    [b(28, 113, 3, 4), b(26, 44, 3, 11), b(26, 21, 17, 4), b(26, 13, 9, 16)], // 19
    [b(28, 107, 3, 5), b(26, 41, 3, 13), b(30, 24, 15, 5), b(28, 15, 15, 10)], // 20
    [b(28, 116, 4, 4), b(26, 42, 17, 0), b(28, 22, 17, 6), b(30, 16, 19, 6)], // 21
    [b(28, 111, 2, 7), b(28, 46, 17, 0), b(30, 24, 7, 16), b(24, 13, 34, 0)], // 22
    [b(30, 121, 4, 5), b(28, 47, 4, 14), b(30, 24, 11, 14), b(30, 15, 16, 14)], // 23
    [b(30, 117, 6, 4), b(28, 45, 6, 14), b(30, 24, 11, 16), b(30, 16, 30, 2)], // 24
    [b(26, 106, 8, 4), b(28, 47, 8, 13), b(30, 24, 7, 22), b(30, 15, 22, 13)], // 25
    [b(28, 114, 10, 2), b(28, 46, 19, 4), b(28, 22, 28, 6), b(30, 16, 33, 4)], // 26
    [b(30, 122, 8, 4), b(28, 45, 22, 3), b(30, 23, 8, 26), b(30, 15, 12, 28)], // 27
    [b(30, 117, 3, 10), b(28, 45, 3, 23), b(30, 24, 4, 31), b(30, 15, 11, 31)], // 28
    [b(30, 116, 7, 7), b(28, 45, 21, 7), b(30, 23, 1, 37), b(30, 15, 19, 26)], // 29
    [b(30, 115, 5, 10), b(28, 47, 19, 10), b(30, 24, 15, 25), b(30, 15, 23, 25)], // 30
    [b(30, 115, 13, 3), b(28, 46, 2, 29), b(30, 24, 42, 1), b(30, 15, 23, 28)], // 31
    [b(30, 115, 17, 0), b(28, 46, 10, 23), b(30, 24, 10, 35), b(30, 15, 19, 35)], // 32
    [b(30, 115, 17, 1), b(28, 46, 14, 21), b(30, 24, 29, 19), b(30, 15, 11, 46)], // 33
    [b(30, 115, 13, 6), b(28, 46, 14, 23), b(30, 24, 44, 7), b(30, 16, 59, 1)], // 34
    [b(30, 121, 12, 7), b(28, 47, 12, 26), b(30, 24, 39, 14), b(30, 15, 22, 41)], // 35
    [b(30, 121, 6, 14), b(28, 47, 6, 34), b(30, 24, 46, 10), b(30, 15, 2, 64)], // 36
    [b(30, 122, 17, 4), b(28, 46, 29, 14), b(30, 24, 49, 10), b(30, 15, 24, 46)], // 37
    [b(30, 122, 4, 18), b(28, 46, 13, 32), b(30, 24, 48, 14), b(30, 15, 42, 32)], // 38
    [b(30, 117, 20, 4), b(28, 47, 40, 7), b(30, 24, 43, 22), b(30, 15, 10, 67)], // 39
    [b(30, 118, 19, 6), b(28, 47, 18, 31), b(30, 24, 34, 34), b(30, 15, 20, 61)], // 40
];

/// Per version, the alignment pattern centres: ISO/IEC 18004 Annex E.
#[rustfmt::skip]
const ALIGNMENT: [&[u8]; 40] = [
    &[], // 1
    &[6, 18], // 2
    &[6, 22], // 3
    &[6, 26], // 4
    &[6, 30], // 5
    &[6, 34], // 6
    &[6, 22, 38], // 7
    &[6, 24, 42], // 8
    &[6, 26, 46], // 9
    &[6, 28, 50], // 10
    &[6, 30, 54], // 11
    &[6, 32, 58], // 12
    &[6, 34, 62], // 13
    &[6, 26, 46, 66], // 14
    &[6, 26, 48, 70], // 15
    &[6, 26, 50, 74], // 16
    &[6, 30, 54, 78], // 17
    &[6, 30, 56, 82], // 18
    &[6, 30, 58, 86], // 19
    &[6, 34, 62, 90], // 20
    &[6, 28, 50, 72, 94], // 21
    &[6, 26, 50, 74, 98], // 22
    &[6, 30, 54, 78, 102], // 23
    &[6, 28, 54, 80, 106], // 24
    &[6, 32, 58, 84, 110], // 25
    &[6, 30, 58, 86, 114], // 26
    &[6, 34, 62, 90, 118], // 27
    &[6, 26, 50, 74, 98, 122], // 28
    &[6, 30, 54, 78, 102, 126], // 29
    &[6, 26, 52, 78, 104, 130], // 30
    &[6, 30, 56, 82, 108, 134], // 31
    &[6, 34, 60, 86, 112, 138], // 32
    &[6, 30, 58, 86, 114, 142], // 33
    &[6, 34, 62, 90, 118, 146], // 34
    &[6, 30, 54, 78, 102, 126, 150], // 35
    &[6, 24, 50, 76, 102, 128, 154], // 36
    &[6, 28, 54, 80, 106, 132, 158], // 37
    &[6, 32, 58, 84, 110, 136, 162], // 38
    &[6, 26, 54, 82, 110, 138, 166], // 39
    &[6, 30, 58, 86, 114, 142, 170], // 40
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_layouts_hold_the_standards_codeword_counts() {
        // ISO/IEC 18004 Table 1: total codewords of each version.
        let totals = [
            26, 44, 70, 100, 134, 172, 196, 242, 292, 346, 404, 466, 532, 581, 655, 733, 815, 901, 991, 1085, 1156,
            1258, 1364, 1474, 1588, 1706, 1828, 1921, 2051, 2185, 2323, 2465, 2611, 2761, 2876, 3034, 3196, 3362, 3532,
            3706,
        ];
        for (version, total) in (1..=40).zip(totals) {
            for level in [Level::L, Level::M, Level::Q, Level::H] {
                let layout = block_layout(version, level).unwrap();
                assert_eq!(layout.codewords(), total, "version {version} {level:?}");
                assert!(layout.ec_per_block <= MAX_EC_PER_BLOCK);
            }
        }
        // Version 11-M, GREEN-API's: one block of 50 data codewords, four of 51.
        let v11m = block_layout(11, Level::M).unwrap();
        assert_eq!((v11m.blocks(), v11m.data_codewords(), v11m.ec_per_block), (5, 254, 30));
        assert_eq!(block_layout(0, Level::L), None);
        assert_eq!(block_layout(41, Level::H), None);
    }

    #[test]
    fn alignment_centres_match_the_standard() {
        assert!(alignment_centres(1).is_empty());
        assert_eq!(alignment_centres(2), [6, 18]);
        assert_eq!(alignment_centres(7), [6, 22, 38]);
        assert_eq!(alignment_centres(32), [6, 34, 60, 86, 112, 138]);
        assert_eq!(alignment_centres(40), [6, 30, 58, 86, 114, 142, 170]);
        for version in 2..=40 {
            // The last centre is 7 modules from the far edge, as a finder's.
            let centres = alignment_centres(version);
            assert_eq!(centres.last().map(|&c| usize::from(c)), Some(17 + 4 * version - 7), "version {version}");
            assert_eq!(centres.len(), version / 7 + 2);
        }
        assert!(alignment_centres(0).is_empty() && alignment_centres(41).is_empty());
    }

    #[test]
    fn level_from_format_bits() {
        let levels = [0b01, 0b00, 0b11, 0b10].map(Level::from_format_bits);
        assert_eq!(levels, [Level::L, Level::M, Level::Q, Level::H]);
        assert_eq!(levels.map(Level::format_bits), [0b01, 0b00, 0b11, 0b10]);
    }

    #[test]
    fn information_codewords_match_the_standard() {
        // ISO/IEC 18004 Annex C and D examples.
        assert_eq!(FORMAT_CODEWORDS[0b00101], 0b100000011001110);
        assert_eq!(VERSION_CODEWORDS[0], 0x07c94);
        // Any two codewords differ in at least 7 (format) or 8 (version) bits.
        for (table, least) in [(&FORMAT_CODEWORDS[..], 7), (&VERSION_CODEWORDS[..], 8)] {
            for (i, a) in table.iter().enumerate() {
                assert!(table[i + 1..].iter().all(|b| (a ^ b).count_ones() >= least));
            }
        }
    }
}
