//! Dark and light: the level that splits them, and the picture seen through
//! it one row of runs at a time.

use crate::image::Gray;

/// The level that splits dark from light: values `<=` it are dark. `None`
/// for an image without two clearly different levels (blank, or nearly so).
///
/// Otsu's method splits the histogram in two; the threshold is then the
/// midpoint between the dark and light extremes of the two sides (the
/// levels reached by 2% of each side's pixels). Otsu's split alone sits too
/// near the light side when there is much background, which thins the light
/// rings of smoothed finder patterns; halfway between full dark and full
/// light is where a blurred edge really is.
pub(super) fn threshold(img: &Gray) -> Option<u8> {
    let hist = histogram(img);
    let lo = hist.iter().position(|&c| c > 0)?;
    let hi = hist.iter().rposition(|&c| c > 0)?;
    if hi < lo + MIN_CONTRAST {
        return None;
    }
    let split = otsu(&hist, hi);
    let dark_side = hist.get(..=split)?;
    let light_side = hist.get(split + 1..)?;
    let dark = extreme(dark_side.iter())?;
    let light = dark_side.len() + light_side.len() - 1 - extreme(light_side.iter().rev())?;
    u8::try_from((dark + light) / 2).ok()
}

/// Levels closer than this are not told apart (a blank or washed-out image).
const MIN_CONTRAST: usize = 48;

/// How many levels in from the start of `counts` 2% of its total lies.
fn extreme<'a>(counts: impl Iterator<Item = &'a u32> + Clone) -> Option<usize> {
    let total: u64 = counts.clone().map(|&c| u64::from(c)).sum();
    let want = (total / 50).max(1);
    let mut seen = 0u64;
    counts.map(|&c| u64::from(c)).position(|c| {
        seen += c;
        seen >= want
    })
}

/// Count each level, on every row of a small picture and on every
/// [`HISTOGRAM_ROW_STEP`]-th row of a larger one: a QR code's levels are
/// the same on every row of its modules, and counting every pixel of
/// GREEN-API's picture took a quarter of the whole read.
///
/// A QR picture is long runs of one value: eight equal pixels are counted
/// at once, and otherwise four tables, one per pixel of a group of four,
/// keep back-to-back increments of one counter apart (each would wait on
/// the store before it).
fn histogram(img: &Gray) -> [u32; 256] {
    let width = (img.width as usize).max(1);
    let step = (img.height as usize / HISTOGRAM_FULL_ROWS).clamp(1, HISTOGRAM_ROW_STEP);
    let [mut t0, mut t1, mut t2, mut t3] = [[0u32; 256]; 4];
    for row in img.pixels.chunks_exact(width).step_by(step) {
        let mut eights = row.chunks_exact(8);
        for eight in &mut eights {
            let Ok(eight) = <[u8; 8]>::try_from(eight) else {
                continue;
            };
            let [a, b, c, d, e, f, g, h] = eight;
            if u64::from_le_bytes(eight) == u64::from(a) * 0x0101_0101_0101_0101 {
                t0[usize::from(a)] += 8;
                continue;
            }
            for [w, x, y, z] in [[a, b, c, d], [e, f, g, h]] {
                t0[usize::from(w)] += 1;
                t1[usize::from(x)] += 1;
                t2[usize::from(y)] += 1;
                t3[usize::from(z)] += 1;
            }
        }
        for &p in eights.remainder() {
            t0[usize::from(p)] += 1;
        }
    }
    // read_modules refuses pictures of 2^32 pixels or more, so no count overflows.
    std::array::from_fn(|level| t0[level] + t1[level] + t2[level] + t3[level])
}

/// Pictures up to this many rows tall have every row counted...
const HISTOGRAM_FULL_ROWS: usize = 32;
/// ...and taller ones at most every this many rows, so that a small code in
/// a large picture still has rows through it counted.
const HISTOGRAM_ROW_STEP: usize = 8;

/// Otsu's split of a histogram: the level `t` that best separates `<= t`
/// from `> t`. Always below `hi`, the highest level present.
fn otsu(hist: &[u32; 256], hi: usize) -> usize {
    let total: f64 = hist.iter().map(|&c| f64::from(c)).sum();
    let sum_all: f64 = (0u32..).zip(hist).map(|(i, &c)| f64::from(i) * f64::from(c)).sum();
    let (mut weight_below, mut sum_below) = (0f64, 0f64);
    let (mut best, mut best_split) = (-1f64, 0);
    for (t, &c) in (0u32..).zip(hist).take(hi) {
        weight_below += f64::from(c);
        sum_below += f64::from(t) * f64::from(c);
        let weight_above = total - weight_below;
        if weight_below == 0.0 || weight_above == 0.0 {
            continue;
        }
        let mean_below = sum_below / weight_below;
        let mean_above = (sum_all - sum_below) / weight_above;
        let between = weight_below * weight_above * (mean_below - mean_above) * (mean_below - mean_above);
        if between > best {
            best = between;
            best_split = t as usize;
        }
    }
    best_split
}

/// The picture seen through the threshold. Pixels are compared on the fly
/// rather than copied into a second image: most are never looked at.
pub(super) struct Binarized<'a> {
    pub width: usize,
    pub height: usize,
    pub pixels: &'a [u8],
    /// Levels `<=` this are dark.
    pub threshold: u8,
}

impl<'a> Binarized<'a> {
    pub(super) fn new(img: &'a Gray, threshold: u8) -> Self {
        Binarized { width: img.width as usize, height: img.height as usize, pixels: &img.pixels, threshold }
    }

    pub(super) fn row(&self, y: usize) -> Option<&'a [u8]> {
        self.pixels.get(y.checked_mul(self.width)?..)?.get(..self.width)
    }

    /// Is pixel (x, y) dark? Outside the picture is light.
    pub(super) fn is_dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.height && self.pixels.get(y * self.width + x).is_some_and(|&p| p <= self.threshold)
    }
}

/// Where each run of `row` starts, then the row's end, into `edges`; and
/// whether the first run is dark.
///
/// Eight pixels are classified at once (a byte-wise compare within one
/// u64), and only the changes between dark and light are visited: most of
/// the finder scan's time went on looking at single pixels.
pub(super) fn run_edges(row: &[u8], threshold: u8, edges: &mut Vec<usize>) -> bool {
    edges.clear();
    edges.push(0);
    let first_dark = row.first().is_some_and(|&p| p <= threshold);
    let mut prev_dark = first_dark;
    let chunks = row.chunks_exact(8);
    let tail = chunks.remainder();
    for (k, chunk) in chunks.enumerate() {
        let dark = dark_bits(<[u8; 8]>::try_from(chunk).map_or(0, u64::from_le_bytes), threshold);
        // Bit i: pixel i differs from the one before it.
        let mut changes = (dark ^ ((dark << 1) | u32::from(prev_dark))) & 0xff;
        while changes != 0 {
            edges.push(k * 8 + changes.trailing_zeros() as usize);
            changes &= changes - 1;
        }
        prev_dark = dark & 0x80 != 0;
    }
    for (x, &p) in (row.len() - tail.len()..).zip(tail) {
        if (p <= threshold) != prev_dark {
            prev_dark = !prev_dark;
            edges.push(x);
        }
    }
    edges.push(row.len());
    first_dark
}

/// Which of the eight pixels packed little-endian in `word` are dark
/// (`<= threshold`): bit i for byte i.
fn dark_bits(word: u64, threshold: u8) -> u32 {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = LOW * 0x80;
    let Some(light_from) = threshold.checked_add(1) else {
        return 0xff;
    };
    // Bit 7 of each byte: its low seven bits are at least those of
    // `light_from`. Each byte computes 128 + a - b with a, b < 128, so no
    // borrow crosses into the next byte.
    let low_ge = ((word | HIGH) - LOW * u64::from(light_from & 0x7f)) & HIGH;
    let light = if light_from & 0x80 == 0 { (word & HIGH) | low_ge } else { word & HIGH & low_ge };
    // Gather the eight flags into one byte (byte i to bit i).
    let light = ((light >> 7).wrapping_mul(0x0102_0408_1020_4080) >> 56) as u32;
    !light & 0xff
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::test_image;

    fn one_row(pixels: Vec<u8>) -> Gray {
        Gray { width: pixels.len() as u32, height: 1, pixels }
    }

    #[test]
    fn threshold_is_halfway_between_the_extremes() {
        let mut px = vec![20u8; 100];
        px.extend(vec![230u8; 100]);
        assert_eq!(threshold(&one_row(px.clone())), Some(125));
        // No flat areas (a smooth ramp): halfway between the extremes.
        let ramp: Vec<u8> = (0..=255).collect();
        assert!(matches!(threshold(&one_row(ramp)), Some(120..=135)));
        // Much more background than code: still the midpoint of the levels.
        px.extend(vec![255u8; 1000]);
        px.extend(vec![128u8; 10]);
        assert_eq!(threshold(&one_row(px)), Some(137));
        assert_eq!(threshold(&one_row(vec![255u8; 50])), None);
        assert_eq!(threshold(&one_row(vec![100, 140])), None, "too little contrast");
        assert_eq!(threshold(&Gray { width: 0, height: 0, pixels: Vec::new() }), None);
    }

    #[test]
    fn threshold_of_green_apis_picture_splits_black_from_white() {
        assert_eq!(threshold(&test_image::green_api(1).0), Some(127));
    }

    #[test]
    fn histogram_counts_every_row_of_small_pictures_and_some_of_large_ones() {
        let small = Gray { width: 3, height: 32, pixels: vec![7; 3 * 32] };
        assert_eq!(histogram(&small)[7], 3 * 32);
        // 300 rows, row y at level y % 4: every eighth row counted, all at level 0.
        let tall = Gray { width: 5, height: 300, pixels: (0..1500).map(|i| (i / 5 % 4) as u8).collect() };
        let hist = histogram(&tall);
        assert_eq!(hist[0], 38 * 5);
        // Runs and changes, across and within groups of eight: every pixel counted once.
        let pixels: Vec<u8> = (0..45u32).map(|x| [9, 9, 200, 9][(x * x / 11 % 4) as usize]).collect();
        let row = histogram(&Gray { width: 45, height: 1, pixels: pixels.clone() });
        for level in [9u8, 200] {
            assert_eq!(row[usize::from(level)], pixels.iter().filter(|&&p| p == level).count() as u32);
        }
        assert_eq!(hist[1..4], [0, 0, 0]);
    }

    #[test]
    fn dark_bits_match_a_plain_compare() {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        for threshold in 0..=255u8 {
            for _ in 0..64 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let bytes = state.to_le_bytes();
                let want = bytes.iter().enumerate().fold(0, |m, (i, &b)| m | (u32::from(b <= threshold) << i));
                assert_eq!(dark_bits(state, threshold), want, "{bytes:?} at {threshold}");
                // Bytes at and around the threshold.
                let near =
                    u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7].map(|k| threshold.wrapping_add(k).wrapping_sub(3)));
                let want =
                    near.to_le_bytes().iter().enumerate().fold(0, |m, (i, &b)| m | (u32::from(b <= threshold) << i));
                assert_eq!(dark_bits(near, threshold), want);
            }
        }
    }

    #[test]
    fn run_edges_find_every_change() {
        let row: Vec<u8> = (0..53u32).map(|x| if (x * x / 7) % 3 == 0 { 10 } else { 240 }).collect();
        for len in [0, 1, 7, 8, 9, 16, 30, 53] {
            let row = &row[..len];
            let mut edges = Vec::new();
            let first = run_edges(row, 128, &mut edges);
            let mut want = vec![0];
            want.extend((1..len).filter(|&x| (row[x] <= 128) != (row[x - 1] <= 128)));
            want.push(len);
            assert_eq!(edges, want, "length {len}");
            assert_eq!(first, row.first().is_some_and(|&p| p <= 128));
        }
    }

    #[test]
    fn binarized_reads_outside_as_light() {
        let img = Gray { width: 2, height: 2, pixels: vec![0, 255, 255, 0] };
        let bin = Binarized::new(&img, 127);
        assert!(bin.is_dark(0, 0) && !bin.is_dark(1, 0) && bin.is_dark(1, 1));
        assert!(!bin.is_dark(2, 0) && !bin.is_dark(0, 2) && !bin.is_dark(usize::MAX, 0));
        assert_eq!(bin.row(1), Some(&[255, 0][..]));
        assert_eq!(bin.row(2), None);
    }
}
