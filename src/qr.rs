//! A luminance grid back to the QR module matrix. Pure: no I/O.
//!
//! GREEN-API hands out each QR code only as a picture, so the module grid is
//! read back out of it:
//!
//! 1. a global threshold (Otsu) splits dark from light, which copes with
//!    anti-aliased and resampled pictures;
//! 2. the three finder patterns are found as 1:1:3:1:1 runs, confirmed
//!    across both axes, and their centres measured to sub-pixel precision;
//! 3. the timing patterns between them give the module count, which must be
//!    17 + 4v; the module pitch comes from the finder centres, so it need not
//!    be a whole number of pixels;
//! 4. every module is sampled at its centre, and the result is checked
//!    against the timing patterns, the format information and (version 7 and
//!    up) the version information before it is accepted.
//!
//! The mapping from module to pixel is affine, so a code turned by 90, 180
//! or 270 degrees is read in its own orientation.

use crate::image::Gray;

/// A square QR module matrix; `true` is a dark module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Modules {
    pub size: usize,
    pub dark: Vec<bool>,
}

impl Modules {
    pub fn get(&self, x: usize, y: usize) -> bool {
        if x >= self.size || y >= self.size {
            return false;
        }
        self.dark.get(y * self.size + x).copied().unwrap_or(false)
    }

    /// The QR version (1 to 40) that this size stands for.
    pub fn version(&self) -> usize {
        self.size.saturating_sub(17) / 4
    }
}

/// The smallest and largest module counts of a QR symbol (versions 1 and 40).
const MIN_SIZE: usize = 21;
const MAX_SIZE: usize = 177;

/// Read the module matrix of the one QR code in `img`.
///
/// The error says why no code could be read, for a person to see.
pub fn read_modules(img: &Gray) -> Result<Modules, String> {
    let w = img.width as usize;
    let h = img.height as usize;
    if img.pixels.len() != w.saturating_mul(h) {
        return Err(format!("image of {}x{} pixels has {} pixel values", img.width, img.height, img.pixels.len()));
    }
    if w < MIN_SIZE || h < MIN_SIZE {
        return Err(format!(
            "image too small: {}x{} pixels, a QR code needs at least {MIN_SIZE}x{MIN_SIZE}",
            img.width, img.height
        ));
    }
    let threshold = threshold(&img.pixels).ok_or("image is blank: no dark and light areas to tell apart")?;
    let bin = Binary::new(img, threshold);
    // A finder's centre band is 3 modules tall, so scanning every few rows
    // still crosses it several times in any code that fills a fair part of
    // the picture. The read is verified either way; only when the quick
    // pass fails is every row scanned (and its error is the one reported).
    let coarse = (w.min(h) / PIXELS_PER_COARSE_STEP).clamp(1, MAX_COARSE_STEP);
    if coarse > 1 {
        if let Ok(m) = read_scanning(img, &bin, coarse) {
            return Ok(m);
        }
    }
    read_scanning(img, &bin, 1)
}

/// The quick finder scan steps one row per this many pixels of image side...
const PIXELS_PER_COARSE_STEP: usize = 88;
/// ...but at most this many rows, so a finder is still crossed a few times.
const MAX_COARSE_STEP: usize = 4;

/// Read the code, looking for finders on every `step`-th row.
fn read_scanning(img: &Gray, bin: &Binary, step: usize) -> Result<Modules, String> {
    let finders = find_finders(bin, step);
    if finders.is_empty() {
        return Err("no QR finder patterns found".into());
    }
    if finders.len() < 3 {
        return Err(format!(
            "only {} QR finder pattern{} found, a QR code has 3",
            finders.len(),
            if finders.len() == 1 { "" } else { "s" }
        ));
    }
    let triples = rank_triples(&finders);
    if triples.is_empty() {
        return Err("QR finder patterns found, but not three that form a QR code's corners".into());
    }
    let mut first_err = None;
    for t in triples.iter().take(MAX_TRIPLES_TRIED) {
        match read_symbol(img, bin, t) {
            Ok(m) => return Ok(m),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or_else(|| "no QR code found".into()))
}

/// How many corner triples are tried, best first, before giving up.
const MAX_TRIPLES_TRIED: usize = 24;

// ---------------------------------------------------------------- threshold

/// The level that splits dark from light: values `<=` it are dark. `None`
/// for an image without two clearly different levels (blank, or nearly so).
///
/// Otsu's method splits the histogram in two; the threshold is then the
/// midpoint between the dark and light extremes of the two sides (the
/// levels reached by 2% of each side's pixels). Otsu's split alone sits too
/// near the light side when there is much background, which thins the light
/// rings of smoothed finder patterns; halfway between full dark and full
/// light is where a blurred edge really is.
fn threshold(pixels: &[u8]) -> Option<u8> {
    let hist = histogram(pixels);
    let lo = hist.iter().position(|&c| c > 0)?;
    let hi = hist.iter().rposition(|&c| c > 0)?;
    if hi < lo + MIN_CONTRAST {
        return None;
    }
    let split = otsu(&hist, hi);
    let dark_side = hist.get(..=split)?;
    let light_side = hist.get(split + 1..)?;
    // The level below which 2% of the dark side lies, and above which 2%
    // of the light side lies.
    let extreme = |side: &[u64], from_top: bool| -> Option<usize> {
        let total: u64 = side.iter().sum();
        let want = (total / 50).max(1);
        let mut acc = 0u64;
        let n = side.len();
        for k in 0..n {
            let i = if from_top { n - 1 - k } else { k };
            acc += side.get(i).copied().unwrap_or(0);
            if acc >= want {
                return Some(i);
            }
        }
        None
    };
    let dark = extreme(dark_side, false)?;
    let light = extreme(light_side, true)? + split + 1;
    u8::try_from((dark + light) / 2).ok()
}

/// Count each level. A QR image is long runs of one value, so a single table
/// would increment the same counter back to back and wait on each store;
/// four tables, one per pixel of a group of four, keep those apart.
fn histogram(pixels: &[u8]) -> [u64; 256] {
    let mut tables = [[0u32; 256]; 4];
    let mut quads = pixels.chunks_exact(4);
    for quad in &mut quads {
        for (table, &p) in tables.iter_mut().zip(quad) {
            table[usize::from(p)] += 1;
        }
    }
    for &p in quads.remainder() {
        tables[0][usize::from(p)] += 1;
    }
    let mut hist = [0u64; 256];
    for (level, total) in hist.iter_mut().enumerate() {
        *total = tables.iter().map(|t| u64::from(t[level])).sum();
    }
    hist
}

/// Otsu's split of a histogram: the level `t` that best separates `<= t`
/// from `> t`. Always below `hi`, the highest level present.
fn otsu(hist: &[u64; 256], hi: usize) -> usize {
    let total: f64 = hist.iter().map(|&c| c as f64).sum();
    let sum_all: f64 = hist.iter().enumerate().map(|(i, &c)| i as f64 * c as f64).sum();
    let (mut w0, mut sum0) = (0f64, 0f64);
    let (mut best, mut best_t) = (-1f64, 0);
    for (t, &c) in hist.iter().enumerate().take(hi) {
        w0 += c as f64;
        sum0 += t as f64 * c as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let m0 = sum0 / w0;
        let m1 = (sum_all - sum0) / w1;
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t;
        }
    }
    best_t
}

/// Levels closer than this are not told apart (a blank or washed-out image).
const MIN_CONTRAST: usize = 48;

/// The image seen through the threshold. Pixels are compared on the fly
/// rather than copied into a second image: most are never looked at.
struct Binary<'a> {
    w: usize,
    h: usize,
    pixels: &'a [u8],
    threshold: u8,
}

impl<'a> Binary<'a> {
    fn new(img: &'a Gray, threshold: u8) -> Self {
        Binary { w: img.width as usize, h: img.height as usize, pixels: &img.pixels, threshold }
    }

    fn row(&self, y: usize) -> Option<&'a [u8]> {
        self.pixels.get(y.checked_mul(self.w)?..)?.get(..self.w)
    }
}

// ---------------------------------------------------------------- finders

/// A finder pattern centre in pixel coordinates (pixel (0,0) spans [0,1)).
#[derive(Debug, Clone, Copy)]
struct Finder {
    x: f32,
    y: f32,
    /// Estimated module size in pixels.
    module: f32,
    /// How many scan lines confirmed it.
    count: u32,
}

/// Upper bound on distinct finder candidates kept (noise protection).
const MAX_CANDIDATES: usize = 64;

/// Do five run lengths look like 1:1:3:1:1?
fn is_finder_ratio(runs: [usize; 5]) -> bool {
    let total: usize = runs.iter().sum();
    if total < 7 {
        return false;
    }
    // With module m = total / 7: each ring within m / 2 of m, the centre
    // within 3m / 2 of 3m; in whole numbers (times 14), as this runs for
    // every window of every scanned row.
    let t = total as i64;
    let [a, b, c, d, e] = runs.map(|r| r as i64);
    let ring = |r: i64| (2 * t - 14 * r).abs() <= t;
    ring(a) && ring(b) && (6 * t - 14 * c).abs() <= 3 * t && ring(d) && ring(e)
}

/// Walk from the dark pixel (x, y) both ways along the row or column and
/// measure a 1:1:3:1:1 pattern. Returns the pattern centre along the axis
/// (continuous coordinate) and its total length in pixels.
fn cross_check(bin: &Binary, x: usize, y: usize, horizontal: bool, max_total: usize) -> Option<(f32, usize)> {
    let t = bin.threshold;
    if horizontal {
        let row = bin.row(y)?;
        measure_cross(|i| row.get(i).is_some_and(|&p| p <= t), x, bin.w, max_total)
    } else {
        let (px, w) = (bin.pixels, bin.w);
        measure_cross(|i| i < bin.h && px.get(i * w + x).is_some_and(|&p| p <= t), y, bin.h, max_total)
    }
}

/// [`cross_check`] along a line of `len` pixels where `dark(i)` reads pixel `i`.
fn measure_cross(dark: impl Fn(usize) -> bool, pos0: usize, len: usize, limit: usize) -> Option<(f32, usize)> {
    if !dark(pos0) {
        return None;
    }
    // Runs met going each way: centre (dark), inner ring (light), outer ring (dark).
    let mut p = pos0;
    let mut back = [0usize; 3];
    for (run, want_dark) in back.iter_mut().zip([true, false, true]) {
        while p > 0 && pos0 - p < limit && dark(p - 1) == want_dark {
            p -= 1;
            *run += 1;
        }
    }
    let mut q = pos0;
    let mut fwd = [0usize; 3];
    for (run, want_dark) in fwd.iter_mut().zip([true, false, true]) {
        while q + 1 < len && q - pos0 < limit && dark(q + 1) == want_dark {
            q += 1;
            *run += 1;
        }
    }
    let [b_centre, b_light, b_outer] = back;
    let [f_centre, f_light, f_outer] = fwd;
    let runs = [b_outer, b_light, b_centre + 1 + f_centre, f_light, f_outer];
    if runs.contains(&0) || !is_finder_ratio(runs) {
        return None;
    }
    Some(((p + q + 1) as f32 / 2.0, q - p + 1))
}

/// Scan every `step`-th row for 1:1:3:1:1 runs, confirm each across the
/// column and again across its row, and cluster the hits into finder
/// candidates.
fn find_finders(bin: &Binary, step: usize) -> Vec<Finder> {
    let mut found: Vec<Finder> = Vec::new();
    let mut edges: Vec<usize> = Vec::with_capacity(bin.w + 2);
    for y in (step / 2..bin.h).step_by(step.max(1)) {
        let Some(row) = bin.row(y) else {
            continue;
        };
        // Runs alternate in colour, so every other window starts dark.
        let first_dark = row_edges(row, bin.threshold, &mut edges);
        let from_dark = edges.get(usize::from(!first_dark)..).unwrap_or(&[]);
        for win in from_dark.windows(6).step_by(2) {
            let &[e0, e1, e2, e3, e4, e5] = win else {
                continue;
            };
            let lens = [e1 - e0, e2 - e1, e3 - e2, e4 - e3, e5 - e4];
            if let Some((x, y, module)) = confirm(bin, e2 + (e3 - e2) / 2, y, lens) {
                add_candidate(&mut found, x, y, module);
            }
        }
    }
    found
}

/// Where each run of `row` starts, then the row's end, into `edges`; and
/// whether the first run is dark.
///
/// Eight pixels are classified at once (a byte-wise compare within one
/// u64), and only the changes between dark and light are visited: most of
/// the finder scan's time went on looking at single pixels.
fn row_edges(row: &[u8], threshold: u8, edges: &mut Vec<usize>) -> bool {
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

/// A row's 1:1:3:1:1 run lengths `lens`, centred on (cx, y): confirm them
/// down the column and again along the row through the column's centre.
/// Returns the finder centre and module size.
fn confirm(bin: &Binary, cx: usize, y: usize, lens: [usize; 5]) -> Option<(f32, f32, f32)> {
    if !is_finder_ratio(lens) {
        return None;
    }
    let h_total: usize = lens.iter().sum();
    let max_total = h_total * 2;
    let (cy, v_total) = cross_check(bin, cx, y, false, max_total)?;
    if (v_total as f32 - h_total as f32).abs() > 0.4 * h_total as f32 {
        return None;
    }
    // cy is positive, so truncating is taking its floor.
    let (cx2, h_total2) = cross_check(bin, cx, cy as usize, true, max_total)?;
    if (h_total2 as f32 - v_total as f32).abs() > 0.4 * v_total as f32 {
        return None;
    }
    Some((cx2, cy, (h_total2 + v_total) as f32 / 14.0))
}

fn add_candidate(found: &mut Vec<Finder>, x: f32, y: f32, module: f32) {
    for f in found.iter_mut() {
        let near = (f.x - x).abs() <= f.module.max(module) * 1.5 && (f.y - y).abs() <= f.module.max(module) * 1.5;
        let similar = (f.module - module).abs() <= f.module.max(module) * 0.5;
        if near && similar {
            let n = f.count as f32;
            f.x = (f.x * n + x) / (n + 1.0);
            f.y = (f.y * n + y) / (n + 1.0);
            f.module = (f.module * n + module) / (n + 1.0);
            f.count += 1;
            return;
        }
    }
    if found.len() < MAX_CANDIDATES {
        found.push(Finder { x, y, module, count: 1 });
    }
}

// ---------------------------------------------------------------- corners

/// Three finders labelled as the code's top-left, top-right and bottom-left.
#[derive(Debug, Clone, Copy)]
struct Corners {
    tl: Finder,
    tr: Finder,
    bl: Finder,
    module: f32,
}

/// Every plausible (top-left, top-right, bottom-left) triple, best first.
fn rank_triples(finders: &[Finder]) -> Vec<Corners> {
    let mut sorted: Vec<Finder> = finders.to_vec();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.count));
    sorted.truncate(16);
    let mut out: Vec<(f32, Corners)> = Vec::new();
    let n = sorted.len();
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                let (Some(a), Some(b), Some(c)) = (sorted.get(i), sorted.get(j), sorted.get(k)) else {
                    continue;
                };
                if let Some(scored) = score_triple(*a, *b, *c) {
                    out.push(scored);
                }
            }
        }
    }
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out.into_iter().map(|(_, c)| c).collect()
}

fn dist2(a: Finder, b: Finder) -> f32 {
    (a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y)
}

/// Label a triple and score how much it looks like a QR code's corners
/// (lower is better); `None` when it cannot be one.
fn score_triple(a: Finder, b: Finder, c: Finder) -> Option<(f32, Corners)> {
    let (ab, bc, ca) = (dist2(a, b), dist2(b, c), dist2(c, a));
    // The top-left is opposite the longest side.
    let (tl, p, q) = if bc >= ab && bc >= ca {
        (a, b, c)
    } else if ca >= ab && ca >= bc {
        (b, c, a)
    } else {
        (c, a, b)
    };
    let (ux, uy) = (p.x - tl.x, p.y - tl.y);
    let (vx, vy) = (q.x - tl.x, q.y - tl.y);
    let cross = ux * vy - uy * vx;
    // In image coordinates (y down) top-right x bottom-left is positive.
    let (tr, bl) = if cross > 0.0 { (p, q) } else { (q, p) };
    let lu = dist2(tl, tr).sqrt();
    let lv = dist2(tl, bl).sqrt();
    if lu <= 0.0 || lv <= 0.0 {
        return None;
    }
    let cos = ((tr.x - tl.x) * (bl.x - tl.x) + (tr.y - tl.y) * (bl.y - tl.y)) / (lu * lv);
    let sides = (lu - lv).abs() / lu.max(lv);
    let modules = [a.module, b.module, c.module];
    let mmax = modules.iter().copied().fold(f32::MIN, f32::max);
    let mmin = modules.iter().copied().fold(f32::MAX, f32::min);
    if mmin <= 0.0 || mmax / mmin > 1.5 || cos.abs() > 0.2 || sides > 0.2 {
        return None;
    }
    let module = (a.module + b.module + c.module) / 3.0;
    let span = (lu + lv) / 2.0 / module;
    // Finder centres are size - 7 modules apart: 14 (v1) to 170 (v40).
    if !(10.0..=190.0).contains(&span) {
        return None;
    }
    let count_bonus = 1.0 / (1.0 + (a.count + b.count + c.count) as f32);
    let score = cos.abs() + sides + (mmax / mmin - 1.0) + count_bonus;
    Some((score, Corners { tl, tr, bl, module }))
}

// ---------------------------------------------------------------- sampling

/// Where the modules are: module (i, j) has its centre at
/// `origin + (a + b * (i + 0.5)) * ux + (c + d * (j + 0.5)) * uy`.
#[derive(Debug, Clone, Copy)]
struct Grid {
    origin: (f32, f32),
    ux: (f32, f32),
    uy: (f32, f32),
    a: f32,
    b: f32,
    c: f32,
    d: f32,
}

impl Grid {
    /// The grid an `n`-module code has if its finder centres (module
    /// coordinate 3.5 from their outer edges) are exactly where measured.
    fn from_finders(k: &Corners, n: usize) -> Grid {
        let span = (n - 7) as f32;
        let (lu, lv) = (dist2(k.tl, k.tr).sqrt(), dist2(k.tl, k.bl).sqrt());
        let (b, d) = (lu / span, lv / span);
        Grid { origin: (k.tl.x, k.tl.y), ux: unit(k.tl, k.tr), uy: unit(k.tl, k.bl), a: -3.5 * b, b, c: -3.5 * d, d }
    }

    /// The centre of module (i, j) is `column(i) + row(j)`, summed in that
    /// order; the parts are computed once per column and row.
    fn column(&self, i: usize) -> (f32, f32) {
        let s = self.a + self.b * (i as f32 + 0.5);
        (self.origin.0 + s * self.ux.0, self.origin.1 + s * self.ux.1)
    }

    fn row(&self, j: usize) -> (f32, f32) {
        let t = self.c + self.d * (j as f32 + 0.5);
        (t * self.uy.0, t * self.uy.1)
    }
}

fn unit(from: Finder, to: Finder) -> (f32, f32) {
    let l = dist2(from, to).sqrt().max(f32::MIN_POSITIVE);
    ((to.x - from.x) / l, (to.y - from.y) / l)
}

/// A timing pattern measured along a line: the module count it implies and
/// the fitted position of module boundary `x` along the line, `a + b * x`.
#[derive(Debug, Clone, Copy)]
struct Timing {
    n: usize,
    a: f32,
    b: f32,
}

/// Measure the timing pattern on the line from `from` (a finder centre
/// moved 3 modules to its outer edge row/column) along unit `dir` for `len`
/// pixels, to the centre of the other finder's edge. Each light/dark edge
/// is found to a fraction of a pixel, and boundary `7 + k` is fitted to the
/// k-th edge. `None` when the line does not look like a timing pattern.
fn measure_timing(img: &Gray, threshold: u8, from: (f32, f32), dir: (f32, f32), len: f32) -> Option<Timing> {
    const STEP: f32 = 0.25;
    let thr = f32::from(threshold) + 0.5;
    let steps = ((len / STEP).ceil() as usize).min(40_000);
    let at = |k: usize| {
        let t = k as f32 * STEP;
        bilinear(img, from.0 + dir.0 * t, from.1 + dir.1 * t)
    };
    let mut prev = at(0);
    if prev > thr {
        return None;
    }
    let mut edges: Vec<f32> = Vec::new();
    for k in 1..=steps {
        let g = at(k);
        if (g > thr) != (prev > thr) {
            let frac = (thr - prev) / (g - prev);
            edges.push((k as f32 - 1.0 + frac) * STEP);
        }
        prev = g;
    }
    if prev > thr || edges.len() < 8 || edges.len() % 2 != 0 {
        return None;
    }
    let n = edges.len() + 13;
    // Least squares: edge k is module boundary 7 + k.
    let cnt = edges.len() as f32;
    let (mut sx, mut sy, mut sxx, mut sxy) = (0f32, 0f32, 0f32, 0f32);
    for (k, &t) in edges.iter().enumerate() {
        let x = 7.0 + k as f32;
        sx += x;
        sy += t;
        sxx += x * x;
        sxy += x * t;
    }
    let den = cnt * sxx - sx * sx;
    if den <= 0.0 {
        return None;
    }
    let b = (cnt * sxy - sx * sy) / den;
    let a = (sy - b * sx) / cnt;
    if b < 0.75 {
        return None;
    }
    let worst = edges.iter().enumerate().map(|(k, &t)| (t - (a + b * (7.0 + k as f32))).abs()).fold(0f32, f32::max);
    if worst > 0.45 * b {
        return None;
    }
    Some(Timing { n, a, b })
}

/// Read the symbol whose finders are `k`.
fn read_symbol(img: &Gray, bin: &Binary, k: &Corners) -> Result<Modules, String> {
    let lu = dist2(k.tl, k.tr).sqrt();
    let lv = dist2(k.tl, k.bl).sqrt();
    let (ux, uy) = (unit(k.tl, k.tr), unit(k.tl, k.bl));
    let m = k.module;
    // Row 6 runs from under the top-left finder's centre to under the
    // top-right one's; column 6 likewise to the bottom-left finder.
    let row6 = measure_timing(img, bin.threshold, (k.tl.x + 3.0 * m * uy.0, k.tl.y + 3.0 * m * uy.1), ux, lu);
    let col6 = measure_timing(img, bin.threshold, (k.tl.x + 3.0 * m * ux.0, k.tl.y + 3.0 * m * ux.1), uy, lv);
    let from_span = (lu + lv) / 2.0 / m + 7.0;

    // Candidate (size, grid) pairs, most trusted first.
    let mut tries: Vec<(usize, Option<Grid>)> = Vec::new();
    if let (Some(h), Some(v)) = (row6, col6) {
        if h.n == v.n {
            tries.push((h.n, Some(Grid { origin: (k.tl.x, k.tl.y), ux, uy, a: h.a, b: h.b, c: v.a, d: v.b })));
        }
    }
    for t in [row6, col6].into_iter().flatten() {
        tries.push((t.n, None));
    }
    // Sizes of the form 17 + 4v nearest the finder-distance estimate, in
    // case smoothing blurred a timing pattern.
    let v_est = ((from_span - 17.0) / 4.0).round() as isize;
    for v in [v_est, v_est - 1, v_est + 1] {
        if v >= 1 {
            tries.push((17 + 4 * v as usize, None));
        }
    }
    let mut seen: Vec<(usize, bool)> = Vec::new();
    let mut first_err: Option<String> = None;
    for (n, grid) in tries {
        if seen.contains(&(n, grid.is_some())) {
            continue;
        }
        seen.push((n, grid.is_some()));
        if !valid_size(n) {
            first_err.get_or_insert_with(|| format!("module count {n} is not 17+4v for a version v from 1 to 40"));
            continue;
        }
        // Keep the size only if it agrees with the finder spacing.
        if (n as f32 - from_span).abs() > (from_span * 0.1).max(3.0) {
            first_err.get_or_insert_with(|| {
                format!("timing patterns count {n} modules but the finder spacing says about {from_span:.0}")
            });
            continue;
        }
        let grid = grid.unwrap_or_else(|| Grid::from_finders(k, n));
        let modules = sample(bin, &grid, n);
        match check(&modules) {
            Ok(()) => return Ok(modules),
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or_else(|| "no QR code size fits the finder patterns".into()))
}

fn valid_size(n: usize) -> bool {
    (MIN_SIZE..=MAX_SIZE).contains(&n) && (n - MIN_SIZE) % 4 == 0
}

/// Sample an `n`-module grid: each module is the pixel under its centre.
///
/// The centres are added up in fixed point, so that each module costs two
/// integer additions and shifts instead of float-to-integer conversions
/// (the 1/65536 pixel rounding only matters for a centre on a pixel edge,
/// where either pixel is as good).
fn sample(bin: &Binary, grid: &Grid, n: usize) -> Modules {
    let columns: Vec<(i64, i64)> = (0..n).map(|i| grid.column(i)).map(|(x, y)| (fixed(x), fixed(y))).collect();
    let (w, h) = (bin.w as u64, bin.h as u64);
    let mut dark = Vec::with_capacity(n * n);
    for j in 0..n {
        let (rx, ry) = grid.row(j);
        let (rx, ry) = (fixed(rx), fixed(ry));
        dark.extend(columns.iter().map(|&(cx, cy)| {
            // Negative coordinates wrap to huge ones: one compare per axis.
            let (x, y) = (((cx + rx) >> FIXED_BITS) as u64, ((cy + ry) >> FIXED_BITS) as u64);
            // Outside the image is light.
            x < w && y < h && bin.pixels.get((y * w + x) as usize).is_some_and(|&p| p <= bin.threshold)
        }));
    }
    Modules { size: n, dark }
}

/// Fraction bits of the fixed-point pixel coordinates in [`sample`].
const FIXED_BITS: u32 = 16;

/// `v` in fixed point. Anything not within a million pixels (or NaN) becomes
/// far outside any image, and sums of two stay well inside `i64`.
fn fixed(v: f32) -> i64 {
    if v.is_nan() || v.abs() >= 1e6 {
        return -(1 << 40);
    }
    (v * (1 << FIXED_BITS) as f32).floor() as i64
}

/// The luminance at continuous point (x, y), interpolated between pixel
/// centres; outside the image the edge pixels are repeated.
#[inline]
fn bilinear(img: &Gray, x: f32, y: f32) -> f32 {
    let fx = x - 0.5;
    let fy = y - 0.5;
    bilinear_inside(img, fx, fy).unwrap_or_else(|| bilinear_clamped(img, fx, fy))
}

/// [`bilinear`] at pixel coordinates (fx, fy) near or past the image edge.
#[cold]
fn bilinear_clamped(img: &Gray, fx: f32, fy: f32) -> f32 {
    let x0 = fx.floor();
    let y0 = fy.floor();
    let px = |dx: f32, dy: f32| -> f32 {
        let cx = (x0 + dx).max(0.0).min(img.width as f32 - 1.0);
        let cy = (y0 + dy).max(0.0).min(img.height as f32 - 1.0);
        f32::from(img.get(cx as u32, cy as u32))
    };
    lerp2([px(0.0, 0.0), px(1.0, 0.0), px(0.0, 1.0), px(1.0, 1.0)], fx - x0, fy - y0)
}

/// [`bilinear`] at pixel coordinates (fx, fy) when the four pixels around
/// are all inside the image: the common case, read without clamping, and
/// with the floor taken by truncation (the coordinates are not negative).
#[inline]
fn bilinear_inside(img: &Gray, fx: f32, fy: f32) -> Option<f32> {
    // Compared as floats first, so a huge or NaN coordinate is left out.
    if !(fx >= 0.0 && fy >= 0.0 && fx + 1.0 < img.width as f32 && fy + 1.0 < img.height as f32) {
        return None;
    }
    // Within the image, so within u32 (a cheaper conversion than to usize).
    let (x0, y0) = (fx as u32, fy as u32);
    let w = img.width as usize;
    let i = y0 as usize * w + x0 as usize;
    let &[a, b] = img.pixels.get(i..i + 2)? else {
        return None;
    };
    let &[c, d] = img.pixels.get(i + w..i + w + 2)? else {
        return None;
    };
    Some(lerp2([a, b, c, d].map(f32::from), fx - x0 as f32, fy - y0 as f32))
}

/// Interpolate between the corners `[top left, top right, bottom left,
/// bottom right]` at fractions (tx, ty).
fn lerp2([p00, p10, p01, p11]: [f32; 4], tx: f32, ty: f32) -> f32 {
    let top = p00 * (1.0 - tx) + p10 * tx;
    let bot = p01 * (1.0 - tx) + p11 * tx;
    top * (1.0 - ty) + bot * ty
}

// ---------------------------------------------------------------- checks

/// Check a sampled grid against the fixed parts of every QR symbol.
fn check(m: &Modules) -> Result<(), String> {
    let n = m.size;
    let mut timing_errors = 0;
    for k in 8..n - 8 {
        let want = k % 2 == 0;
        timing_errors += usize::from(m.get(k, 6) != want) + usize::from(m.get(6, k) != want);
    }
    if timing_errors > 0 {
        return Err(format!("sampled {n}x{n} grid does not fit: {timing_errors} timing pattern module(s) wrong"));
    }
    for (fx, fy) in [(0, 0), (n - 7, 0), (0, n - 7)] {
        for y in 0..7 {
            for x in 0..7 {
                let ring = x.min(y).min(6 - x).min(6 - y);
                let want = ring != 1;
                if m.get(fx + x, fy + y) != want {
                    return Err(format!("sampled {n}x{n} grid does not fit: finder pattern module wrong"));
                }
            }
        }
    }
    if !m.get(8, n - 8) {
        return Err(format!("sampled {n}x{n} grid does not fit: dark module missing"));
    }
    let (f1, f2) = read_format_bits(m);
    let d = format_distance(f1).min(format_distance(f2));
    if d > 3 {
        return Err("format information unreadable".into());
    }
    let version = m.version();
    if version >= 7 {
        let (v1, v2) = read_version_bits(m);
        let best = [v1, v2].into_iter().filter_map(nearest_version).min_by_key(|&(_, dist)| dist);
        match best {
            Some((v, _)) if v == version => {}
            Some((v, _)) => {
                return Err(format!(
                    "version information says version {v} but the module count {n} means version {version}"
                ));
            }
            None => return Err("version information unreadable".into()),
        }
    }
    codewords_ok(m)
}

fn bit(m: &Modules, x: usize, y: usize) -> u32 {
    u32::from(m.get(x, y))
}

/// The two 15-bit copies of the format information, bit 0 first placed.
fn read_format_bits(m: &Modules) -> (u32, u32) {
    let n = m.size;
    let mut a = 0u32;
    for i in 0..6 {
        a |= bit(m, 8, i) << i;
    }
    a |= bit(m, 8, 7) << 6;
    a |= bit(m, 8, 8) << 7;
    a |= bit(m, 7, 8) << 8;
    for i in 9..15 {
        a |= bit(m, 14 - i, 8) << i;
    }
    let mut b = 0u32;
    for i in 0..8 {
        b |= bit(m, n - 1 - i, 8) << i;
    }
    for i in 8..15 {
        b |= bit(m, 8, n - 15 + i) << i;
    }
    (a, b)
}

fn format_codeword(data: u32) -> u32 {
    let mut rem = data;
    for _ in 0..10 {
        rem = (rem << 1) ^ ((rem >> 9) * 0x537);
    }
    ((data << 10) | (rem & 0x3ff)) ^ 0x5412
}

/// Hamming distance to the nearest valid format codeword.
fn format_distance(bits: u32) -> u32 {
    (0..32).map(|d| (format_codeword(d) ^ bits).count_ones()).min().unwrap_or(u32::MAX)
}

/// The two 18-bit copies of the version information.
fn read_version_bits(m: &Modules) -> (u32, u32) {
    let n = m.size;
    let (mut a, mut b) = (0u32, 0u32);
    for i in 0..18 {
        let p = n - 11 + i % 3;
        let q = i / 3;
        a |= bit(m, p, q) << i;
        b |= bit(m, q, p) << i;
    }
    (a, b)
}

fn version_codeword(version: u32) -> u32 {
    let mut rem = version;
    for _ in 0..12 {
        rem = (rem << 1) ^ ((rem >> 11) * 0x1f25);
    }
    (version << 12) | (rem & 0xfff)
}

/// The version whose codeword is within 3 bits of `bits`, with the distance.
fn nearest_version(bits: u32) -> Option<(usize, u32)> {
    (7u32..=40)
        .map(|v| (v as usize, (version_codeword(v) ^ bits).count_ones()))
        .filter(|&(_, d)| d <= 3)
        .min_by_key(|&(_, d)| d)
}

// ---------------------------------------------------------------- error correction

/// Check that every Reed-Solomon block of the sampled data is a codeword
/// (all syndromes zero): then every data and error correction module was
/// read exactly, not merely well enough for a decoder to repair.
fn codewords_ok(m: &Modules) -> Result<(), String> {
    let n = m.size;
    let version = m.version();
    let (f1, f2) = read_format_bits(m);
    let format = (0u32..32)
        .min_by_key(|&d| (format_codeword(d) ^ f1).count_ones().min((format_codeword(d) ^ f2).count_ones()))
        .unwrap_or(0);
    let level = match format >> 3 {
        1 => 0, // L
        0 => 1, // M
        3 => 2, // Q
        _ => 3, // H
    };
    let mask = format & 7;
    let &(ec, short_len, short_count, long_count) = BLOCKS
        .get(version.wrapping_sub(1))
        .and_then(|row| row.get(level))
        .ok_or("no block structure for this version")?;
    let (ec, short_len) = (usize::from(ec), usize::from(short_len));
    let (short_count, long_count) = (usize::from(short_count), usize::from(long_count));
    let blocks = short_count + long_count;
    let total = short_count * (short_len + ec) + long_count * (short_len + 1 + ec);
    let bytes = match mask {
        0 => read_codewords::<0>(m, version, total),
        1 => read_codewords::<1>(m, version, total),
        2 => read_codewords::<2>(m, version, total),
        3 => read_codewords::<3>(m, version, total),
        4 => read_codewords::<4>(m, version, total),
        5 => read_codewords::<5>(m, version, total),
        6 => read_codewords::<6>(m, version, total),
        _ => read_codewords::<7>(m, version, total),
    }
    .ok_or("fewer data modules than the version needs")?;

    // Undo the interleaving: data codewords block by block, then the error
    // correction codewords block by block.
    let data_total = short_count * short_len + long_count * (short_len + 1);
    let generator = generator(ec);
    let mut block = Vec::with_capacity(short_len + 1 + ec);
    for b in 0..blocks {
        block.clear();
        block.extend((0..short_len).map(|k| k * blocks + b));
        if b >= short_count {
            block.push(short_len * blocks + b - short_count);
        }
        block.extend((0..ec).map(|k| data_total + k * blocks + b));
        let codeword = |i: usize| block.get(i).and_then(|&at| bytes.get(at)).copied().unwrap_or(0);
        let data_len = block.len() - ec;
        if !is_codeword((0..data_len).map(codeword), (data_len..block.len()).map(codeword), &generator) {
            return Err(format!(
                "sampled {n}x{n} grid does not fit: error correction block {} of {blocks} does not check",
                b + 1
            ));
        }
    }
    Ok(())
}

/// The codewords in placement order: two-module columns from the right,
/// zigzagging up and down, skipping the timing column. `MASK` is a const
/// parameter so that the mask pattern is not chosen again per module.
/// `None` when the symbol has fewer data modules than `total` bytes need.
fn read_codewords<const MASK: u32>(m: &Modules, version: usize, total: usize) -> Option<Vec<u8>> {
    let n = m.size;
    let function = function_modules(n, version);
    let mut bytes = vec![0u8; total];
    let mut i = 0usize;
    let mut right = n - 1;
    while right >= 1 && i < total * 8 {
        if right == 6 {
            right = 5;
        }
        let upward = (right + 1) & 2 == 0;
        for vert in 0..n {
            let y = if upward { n - 1 - vert } else { vert };
            for x in [right, right - 1] {
                let at = y * n + x;
                if function.get(at) != Some(&false) || i >= total * 8 {
                    continue;
                }
                if m.dark.get(at).copied().unwrap_or(false) != mask_bit::<MASK>(x, y) {
                    if let Some(b) = bytes.get_mut(i >> 3) {
                        *b |= 0x80 >> (i & 7);
                    }
                }
                i += 1;
            }
        }
        if right < 2 {
            break;
        }
        right -= 2;
    }
    (i >= total * 8).then_some(bytes)
}

/// Is the data module at (x, y) flipped by mask pattern `MASK`?
fn mask_bit<const MASK: u32>(x: usize, y: usize) -> bool {
    let (i, j) = (y, x);
    match MASK {
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

/// Centres of the alignment patterns along each axis.
fn alignment_positions(version: usize, n: usize) -> Vec<usize> {
    if version < 2 {
        return Vec::new();
    }
    let count = version / 7 + 2;
    let step = if version == 32 { 26 } else { (version * 4 + count * 2 + 1) / (count * 2 - 2) * 2 };
    let mut out = vec![6];
    let mut pos = n - 7;
    for _ in 0..count - 1 {
        out.insert(1, pos);
        pos = pos.saturating_sub(step);
    }
    out
}

/// Which modules are function patterns (not data), row-major.
fn function_modules(n: usize, version: usize) -> Vec<bool> {
    let mut f = vec![false; n * n];
    // Mark the modules x0..x1 by y0..y1, a row slice at a time.
    let mut fill = |x0: usize, y0: usize, x1: usize, y1: usize| {
        for y in y0..y1 {
            if let Some(row) = f.get_mut(y * n + x0..y * n + x1) {
                row.fill(true);
            }
        }
    };
    // Finders with their separators and the format information.
    fill(0, 0, 9, 9);
    fill(n - 8, 0, n, 9);
    fill(0, n - 8, 9, n);
    // Timing patterns.
    fill(6, 0, 7, n);
    fill(0, 6, n, 7);
    if version >= 7 {
        fill(n - 11, 0, n - 8, 6);
        fill(0, n - 11, 6, n - 8);
    }
    let pos = alignment_positions(version, n);
    let last = pos.len().saturating_sub(1);
    for (a, &cy) in pos.iter().enumerate() {
        for (b, &cx) in pos.iter().enumerate() {
            if (a == 0 && (b == 0 || b == last)) || (a == last && b == 0) {
                continue;
            }
            fill(cx - 2, cy - 2, cx + 3, cy + 3);
        }
    }
    f
}

/// GF(256) with the QR code's polynomial x^8 + x^4 + x^3 + x^2 + 1:
/// powers of the generator 2, twice over so that a sum of two logarithms
/// needs no reduction, and the logarithms. Built at compile time.
const GF_EXP: [u8; 512] = gf_exp_table();
const GF_LOG: [u8; 256] = gf_log_table();

const fn gf_exp_table() -> [u8; 512] {
    let mut t = [0u8; 512];
    let mut x = 1u16;
    let mut i = 0;
    // The powers repeat with period 255, so the second copy comes for free.
    while i < 512 {
        t[i] = x as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= 0x11d;
        }
        i += 1;
    }
    t
}

const fn gf_log_table() -> [u8; 256] {
    let exp = gf_exp_table();
    let mut t = [0u8; 256];
    let mut i = 0;
    while i < 255 {
        t[exp[i] as usize] = i as u8;
        i += 1;
    }
    t
}

/// Logarithm of a non-zero field element; zero maps past the end of
/// [`GF_EXP`], so that any product with it reads as zero in [`gf_exp`].
fn gf_log(a: u8) -> usize {
    if a == 0 {
        return GF_EXP.len();
    }
    usize::from(GF_LOG.get(usize::from(a)).copied().unwrap_or(0))
}

fn gf_exp(i: usize) -> u8 {
    GF_EXP.get(i).copied().unwrap_or(0)
}

/// The most error correction codewords a block has.
const MAX_EC: usize = 30;

/// Logarithms of the coefficients of the Reed-Solomon generator polynomial
/// for `ec` error correction codewords, (x - 2^0)(x - 2^1)...(x - 2^(ec-1)),
/// highest power first with its leading 1 left out.
fn generator(ec: usize) -> Vec<usize> {
    let mut g = [0u8; MAX_EC + 1];
    g[0] = 1;
    for r in 0..ec.min(MAX_EC) {
        // Multiply by (x + 2^r), from the lowest power up to reuse g in place.
        for k in (1..=r + 1).rev() {
            let (Some(&hi), Some(&lo)) = (g.get(k - 1), g.get(k)) else {
                continue;
            };
            if let Some(c) = g.get_mut(k) {
                *c = lo ^ gf_exp(gf_log(hi) + r);
            }
        }
    }
    g.iter().skip(1).take(ec).map(|&c| gf_log(c)).collect()
}

/// Is `data` followed by `check` a Reed-Solomon codeword? Divides by the
/// generator (logarithms from [`generator`]) and compares the remainder
/// with `check`: equivalent to every syndrome being zero, for about half
/// the work, as only the data codewords are divided through.
fn is_codeword(data: impl Iterator<Item = u8>, check: impl Iterator<Item = u8>, generator: &[usize]) -> bool {
    // One spare zero at the end, shifted in as the remainder moves up.
    let mut rem = [0u8; MAX_EC + 1];
    let ec = generator.len().min(MAX_EC);
    for d in data {
        let lead = d ^ rem[0];
        rem.copy_within(1.., 0);
        if lead == 0 {
            continue;
        }
        let factor = gf_log(lead);
        for (r, &g) in rem.iter_mut().zip(generator) {
            *r ^= gf_exp(factor + g);
        }
    }
    rem.iter().take(ec).copied().eq(check)
}

/// Per version (1 to 40) and level (L, M, Q, H): error correction
/// codewords per block, then data codewords and count of the short blocks
/// and of the long blocks (one data codeword more). ISO/IEC 18004 Table 9.
const BLOCKS: [[(u8, u8, u8, u8); 4]; 40] = [
    [(7, 19, 1, 0), (10, 16, 1, 0), (13, 13, 1, 0), (17, 9, 1, 0)], // 1
    [(10, 34, 1, 0), (16, 28, 1, 0), (22, 22, 1, 0), (28, 16, 1, 0)], // 2
    [(15, 55, 1, 0), (26, 44, 1, 0), (18, 17, 2, 0), (22, 13, 2, 0)], // 3
    [(20, 80, 1, 0), (18, 32, 2, 0), (26, 24, 2, 0), (16, 9, 4, 0)], // 4
    [(26, 108, 1, 0), (24, 43, 2, 0), (18, 15, 2, 2), (22, 11, 2, 2)], // 5
    [(18, 68, 2, 0), (16, 27, 4, 0), (24, 19, 4, 0), (28, 15, 4, 0)], // 6
    [(20, 78, 2, 0), (18, 31, 4, 0), (18, 14, 2, 4), (26, 13, 4, 1)], // 7
    [(24, 97, 2, 0), (22, 38, 2, 2), (22, 18, 4, 2), (26, 14, 4, 2)], // 8
    [(30, 116, 2, 0), (22, 36, 3, 2), (20, 16, 4, 4), (24, 12, 4, 4)], // 9
    [(18, 68, 2, 2), (26, 43, 4, 1), (24, 19, 6, 2), (28, 15, 6, 2)], // 10
    [(20, 81, 4, 0), (30, 50, 1, 4), (28, 22, 4, 4), (24, 12, 3, 8)], // 11
    [(24, 92, 2, 2), (22, 36, 6, 2), (26, 20, 4, 6), (28, 14, 7, 4)], // 12
    [(26, 107, 4, 0), (22, 37, 8, 1), (24, 20, 8, 4), (22, 11, 12, 4)], // 13
    [(30, 115, 3, 1), (24, 40, 4, 5), (20, 16, 11, 5), (24, 12, 11, 5)], // 14
    [(22, 87, 5, 1), (24, 41, 5, 5), (30, 24, 5, 7), (24, 12, 11, 7)], // 15
    [(24, 98, 5, 1), (28, 45, 7, 3), (24, 19, 15, 2), (30, 15, 3, 13)], // 16
    [(28, 107, 1, 5), (28, 46, 10, 1), (28, 22, 1, 15), (28, 14, 2, 17)], // 17
    [(30, 120, 5, 1), (26, 43, 9, 4), (28, 22, 17, 1), (28, 14, 2, 19)], // 18
    [(28, 113, 3, 4), (26, 44, 3, 11), (26, 21, 17, 4), (26, 13, 9, 16)], // 19
    [(28, 107, 3, 5), (26, 41, 3, 13), (30, 24, 15, 5), (28, 15, 15, 10)], // 20
    [(28, 116, 4, 4), (26, 42, 17, 0), (28, 22, 17, 6), (30, 16, 19, 6)], // 21
    [(28, 111, 2, 7), (28, 46, 17, 0), (30, 24, 7, 16), (24, 13, 34, 0)], // 22
    [(30, 121, 4, 5), (28, 47, 4, 14), (30, 24, 11, 14), (30, 15, 16, 14)], // 23
    [(30, 117, 6, 4), (28, 45, 6, 14), (30, 24, 11, 16), (30, 16, 30, 2)], // 24
    [(26, 106, 8, 4), (28, 47, 8, 13), (30, 24, 7, 22), (30, 15, 22, 13)], // 25
    [(28, 114, 10, 2), (28, 46, 19, 4), (28, 22, 28, 6), (30, 16, 33, 4)], // 26
    [(30, 122, 8, 4), (28, 45, 22, 3), (30, 23, 8, 26), (30, 15, 12, 28)], // 27
    [(30, 117, 3, 10), (28, 45, 3, 23), (30, 24, 4, 31), (30, 15, 11, 31)], // 28
    [(30, 116, 7, 7), (28, 45, 21, 7), (30, 23, 1, 37), (30, 15, 19, 26)], // 29
    [(30, 115, 5, 10), (28, 47, 19, 10), (30, 24, 15, 25), (30, 15, 23, 25)], // 30
    [(30, 115, 13, 3), (28, 46, 2, 29), (30, 24, 42, 1), (30, 15, 23, 28)], // 31
    [(30, 115, 17, 0), (28, 46, 10, 23), (30, 24, 10, 35), (30, 15, 19, 35)], // 32
    [(30, 115, 17, 1), (28, 46, 14, 21), (30, 24, 29, 19), (30, 15, 11, 46)], // 33
    [(30, 115, 13, 6), (28, 46, 14, 23), (30, 24, 44, 7), (30, 16, 59, 1)], // 34
    [(30, 121, 12, 7), (28, 47, 12, 26), (30, 24, 39, 14), (30, 15, 22, 41)], // 35
    [(30, 121, 6, 14), (28, 47, 6, 34), (30, 24, 46, 10), (30, 15, 2, 64)], // 36
    [(30, 122, 17, 4), (28, 46, 29, 14), (30, 24, 49, 10), (30, 15, 24, 46)], // 37
    [(30, 122, 4, 18), (28, 46, 13, 32), (30, 24, 48, 14), (30, 15, 42, 32)], // 38
    [(30, 117, 20, 4), (28, 47, 40, 7), (30, 24, 43, 22), (30, 15, 10, 67)], // 39
    [(30, 118, 19, 6), (28, 47, 18, 31), (30, 24, 34, 34), (30, 15, 20, 61)], // 40
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codewords_match_the_standard() {
        // ISO/IEC 18004 Annex C/D examples.
        assert_eq!(format_codeword(0b00101), 0b100000011001110);
        assert_eq!(version_codeword(7), 0x07c94);
        assert_eq!(format_distance(format_codeword(3) ^ 0b101), 2);
        assert_eq!(nearest_version(version_codeword(12) ^ 1), Some((12, 1)));
    }

    #[test]
    fn alignment_positions_match_the_standard() {
        assert!(alignment_positions(1, 21).is_empty());
        assert_eq!(alignment_positions(2, 25), vec![6, 18]);
        assert_eq!(alignment_positions(7, 45), vec![6, 22, 38]);
        assert_eq!(alignment_positions(32, 145), vec![6, 34, 60, 86, 112, 138]);
        assert_eq!(alignment_positions(40, 177), vec![6, 30, 58, 86, 114, 142, 170]);
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
    fn row_edges_find_every_change() {
        let row: Vec<u8> = (0..53u32).map(|x| if (x * x / 7) % 3 == 0 { 10 } else { 240 }).collect();
        for len in [0, 1, 7, 8, 9, 16, 30, 53] {
            let row = &row[..len];
            let mut edges = Vec::new();
            let first = row_edges(row, 128, &mut edges);
            let mut want = vec![0];
            want.extend((1..len).filter(|&x| (row[x] <= 128) != (row[x - 1] <= 128)));
            want.push(len);
            assert_eq!(edges, want, "length {len}");
            assert_eq!(first, row.first().is_some_and(|&p| p <= 128));
        }
    }

    #[test]
    fn reed_solomon_matches_the_standard() {
        // ISO/IEC 18004 Annex A: the generator for 10 codewords, as powers of 2.
        assert_eq!(generator(10), vec![251, 67, 46, 61, 118, 70, 64, 94, 32, 45]);
        // Annex I: "01234567" as version 1-M.
        let data = [0x10, 0x20, 0x0c, 0x56, 0x61, 0x80, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11, 0xec, 0x11];
        let ec = [0xa5, 0x24, 0xd4, 0xc1, 0xed, 0x36, 0xc7, 0x87, 0x2c, 0x55];
        let g = generator(10);
        assert!(is_codeword(data.into_iter(), ec.into_iter(), &g));
        for i in 0..data.len() {
            let mut bad = data;
            bad[i] ^= 1 << (i % 8);
            assert!(!is_codeword(bad.into_iter(), ec.into_iter(), &g), "data byte {i} flipped");
        }
        let mut bad = ec;
        bad[9] ^= 0x80;
        assert!(!is_codeword(data.into_iter(), bad.into_iter(), &g));
    }

    #[test]
    fn finder_ratio() {
        assert!(is_finder_ratio([1, 1, 3, 1, 1]));
        assert!(is_finder_ratio([5, 4, 13, 4, 5]));
        assert!(!is_finder_ratio([2, 1, 3, 1, 1]));
        assert!(!is_finder_ratio([1, 1, 1, 1, 1]));
    }

    #[test]
    fn otsu_splits_two_levels() {
        let mut px = vec![20u8; 100];
        px.extend(vec![230u8; 100]);
        let t = threshold(&px);
        assert_eq!(t, Some(125));
        // No flat areas (a smooth ramp): halfway between the extremes.
        let ramp: Vec<u8> = (0..=255).collect();
        assert!(matches!(threshold(&ramp), Some(120..=135)));
        // Much more background than code: still the midpoint of the levels.
        px.extend(vec![255u8; 1000]);
        px.extend(vec![128u8; 10]);
        assert_eq!(threshold(&px), Some(137));
        assert_eq!(threshold(&[255u8; 50]), None);
    }

    #[test]
    fn never_panics_on_odd_images() {
        for (w, h) in [(0, 0), (1, 1), (21, 21), (100, 3), (3, 100)] {
            let img = Gray { width: w, height: h, pixels: (0..w * h).map(|i| ((i * 7919) % 256) as u8).collect() };
            assert!(read_modules(&img).is_err());
        }
        let bad = Gray { width: 30, height: 30, pixels: vec![0; 10] };
        assert!(read_modules(&bad).is_err());
    }
}
