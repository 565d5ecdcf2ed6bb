//! A luminance grid back to the QR module matrix. Pure: no I/O.
//!
//! GREEN-API hands out each QR code only as a picture, so the module grid is
//! read back out of it, one step per file:
//!
//! 1. `binarize`: a global threshold (Otsu, then halfway between the dark
//!    and light extremes) splits dark from light, which copes with
//!    anti-aliased and resampled pictures;
//! 2. `finder`: the three finder patterns are found as 1:1:3:1:1 runs,
//!    confirmed across both axes, measured to a fraction of a pixel, and
//!    sorted into the code's corners;
//! 3. `grid`: the modules are sampled at their centres on the grid through
//!    the finder centres, or, when that does not read, on one fitted to the
//!    timing patterns;
//! 4. `verify`, `codewords`, `reed_solomon`: the sampled grid is accepted
//!    only if its fixed patterns, format information, version information
//!    and every Reed-Solomon block check;
//! 5. `patterns`: every function pattern is then drawn as the version and
//!    format say, so the data modules (each checked by its block) are all
//!    that comes from the picture, and a wrong matrix is never returned.
//!
//! `tables` holds the standard's per-version tables.

mod binarize;
mod codewords;
mod finder;
mod grid;
mod patterns;
mod reed_solomon;
mod tables;
#[cfg(test)]
mod test_image;
mod verify;

use crate::image::Gray;
use binarize::{threshold, Binarized};
use finder::{find_finders, rank_corners, Corners};
use grid::{sample, timing_patterns, Grid};
use verify::verify;

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
    let (width, height) = (img.width as usize, img.height as usize);
    if img.pixels.len() != width.saturating_mul(height) {
        return Err(format!("image of {}x{} pixels has {} pixel values", img.width, img.height, img.pixels.len()));
    }
    if u32::try_from(img.pixels.len()).is_err() {
        return Err(format!("image too large: {}x{} pixels", img.width, img.height));
    }
    if width < MIN_SIZE || height < MIN_SIZE {
        return Err(format!(
            "image too small: {}x{} pixels, a QR code needs at least {MIN_SIZE}x{MIN_SIZE}",
            img.width, img.height
        ));
    }
    let threshold = threshold(img).ok_or("image is blank: no dark and light areas to tell apart")?;
    let bin = Binarized::new(img, threshold);
    // A finder's centre band is 3 modules tall, so scanning every few rows
    // still crosses it in any code that fills a fair part of the picture:
    // once or twice on every eighth row of GREEN-API's picture, a few times
    // on every fourth. The read is verified either way; only when the quick
    // passes fail is every row scanned (and its error is the one reported).
    let side = width.min(height);
    let quickest = (side / PIXELS_PER_QUICKEST_STEP).clamp(1, 2 * MAX_QUICK_STEP);
    let quick = (side / PIXELS_PER_QUICK_STEP).clamp(1, MAX_QUICK_STEP);
    // Never the same scan twice: whenever the quick step is above 1, the
    // quickest is at least twice as long.
    for step in [quickest, quick] {
        if step > 1 {
            if let Ok(m) = read_scanning(img, &bin, step) {
                return Ok(m);
            }
        }
    }
    read_scanning(img, &bin, 1)
}

/// The quickest finder scan steps one row per this many pixels of image
/// side, the next one per twice as many...
const PIXELS_PER_QUICKEST_STEP: usize = 32;
const PIXELS_PER_QUICK_STEP: usize = 2 * PIXELS_PER_QUICKEST_STEP;
/// ...but at most twice this many and this many rows, so that a finder in
/// a small code is still crossed.
const MAX_QUICK_STEP: usize = 4;

/// Read the code, looking for finders on every `step`-th row.
fn read_scanning(img: &Gray, bin: &Binarized, step: usize) -> Result<Modules, String> {
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
    let ranked = rank_corners(&finders);
    if ranked.is_empty() {
        return Err("QR finder patterns found, but not three that form a QR code's corners".into());
    }
    let mut first_error = None;
    for corners in ranked.iter().take(MAX_CORNERS_TRIED) {
        match read_symbol(img, bin, corners) {
            Ok(m) => return Ok(m),
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    Err(first_error.unwrap_or_else(|| "no QR code found".into()))
}

/// How many sets of corners are tried, best first, before giving up.
const MAX_CORNERS_TRIED: usize = 24;

/// Read the symbol whose finders are `corners`: sample and verify each grid
/// it may have until one checks.
///
/// The grid through the finder centres, at the size nearest their spacing,
/// comes first: it needs no more measuring, and it reads sharp pictures
/// such as GREEN-API's. Then the grids from the timing patterns, most trusted first,
/// and the sizes either side of the spacing's. The error reported is that
/// of the most trusted grid.
fn read_symbol(img: &Gray, bin: &Binarized, corners: &Corners) -> Result<Modules, String> {
    let Corners { top_left, top_right, bottom_left, module_size } = *corners;
    let spacing = (top_left.distance(top_right) + top_left.distance(bottom_left)) / 2.0 / module_size + 7.0;
    let nearest_version = ((spacing - 17.0) / 4.0).round() as isize;
    let size_of = |version: isize| usize::try_from(version).ok().filter(|&v| v >= 1).map(|v| 17 + 4 * v);
    // Every grid tried, keyed by its size and whether the timing patterns
    // made it, with its error.
    let mut errors: Vec<((usize, bool), String)> = Vec::new();
    let mut attempt = |size: usize, grid: Option<Grid>| -> Option<Modules> {
        let key = (size, grid.is_some());
        if errors.iter().any(|(tried, _)| *tried == key) {
            return None;
        }
        read_grid(bin, corners, spacing, size, grid).map_err(|e| errors.push((key, e))).ok()
    };
    if let Some(size) = size_of(nearest_version) {
        if let Some(m) = attempt(size, None) {
            return Ok(m);
        }
    }
    let mut grids: Vec<(usize, Option<Grid>)> = Vec::new();
    let (row, column) = timing_patterns(img, bin.threshold, corners);
    if let (Some(row), Some(column)) = (row, column) {
        if row.size == column.size {
            grids.push((row.size, Some(Grid::from_timing(corners, row, column))));
        }
    }
    grids.extend([row, column].into_iter().flatten().map(|timing| (timing.size, None)));
    let versions = [nearest_version, nearest_version - 1, nearest_version + 1];
    grids.extend(versions.into_iter().filter_map(size_of).map(|size| (size, None)));
    for &(size, grid) in &grids {
        if let Some(m) = attempt(size, grid) {
            return Ok(m);
        }
    }
    let most_trusted = grids.first().map(|&(size, grid)| (size, grid.is_some()));
    let error = errors.into_iter().find(|(key, _)| Some(*key) == most_trusted).map(|(_, e)| e);
    Err(error.unwrap_or_else(|| "no QR code size fits the finder patterns".into()))
}

/// Sample the grid of a `size`-module symbol (through the finder centres
/// when `grid` is `None`) and verify it.
fn read_grid(
    bin: &Binarized,
    corners: &Corners,
    spacing: f32,
    size: usize,
    grid: Option<Grid>,
) -> Result<Modules, String> {
    if !is_symbol_size(size) {
        return Err(format!("module count {size} is not 17+4v for a version v from 1 to 40"));
    }
    // Keep the size only if it agrees with the finder spacing.
    if (size as f32 - spacing).abs() > (spacing * 0.1).max(3.0) {
        return Err(format!("timing patterns count {size} modules but the finder spacing says about {spacing:.0}"));
    }
    let grid = grid.unwrap_or_else(|| Grid::from_finders(corners, size));
    let mut modules = sample(bin, &grid, size);
    let format = verify(&modules)?;
    patterns::redraw(&mut modules, format);
    Ok(modules)
}

fn is_symbol_size(n: usize) -> bool {
    (MIN_SIZE..=MAX_SIZE).contains(&n) && (n - MIN_SIZE) % 4 == 0
}

/// A position in the picture in pixels (pixel (0, 0) spans [0, 1) on both
/// axes), or a direction.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Point {
    x: f32,
    y: f32,
}

impl Point {
    fn distance(self, to: Point) -> f32 {
        ((self.x - to.x) * (self.x - to.x) + (self.y - to.y) * (self.y - to.y)).sqrt()
    }

    /// The unit vector from here towards `to`.
    fn direction_to(self, to: Point) -> Point {
        let length = self.distance(to).max(f32::MIN_POSITIVE);
        Point { x: (to.x - self.x) / length, y: (to.y - self.y) / length }
    }

    /// This point moved `by` pixels in unit `direction`.
    fn moved(self, direction: Point, by: f32) -> Point {
        Point { x: self.x + direction.x * by, y: self.y + direction.y * by }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn green_apis_picture_is_read_bit_for_bit() {
        for seed in 0..4 {
            let (img, modules) = test_image::green_api(seed);
            assert_eq!((img.width, img.height, modules.size), (276, 276, 61));
            assert_eq!(read_modules(&img), Ok(modules), "seed {seed}");
        }
    }

    #[test]
    fn a_damaged_picture_gives_the_codes_matrix_or_none() {
        // One module of the picture flipped at a time. A data module fails
        // its Reed-Solomon block; any other either fails a check or is
        // redrawn from the version and format: never a matrix that is not
        // the code's.
        let (_, modules) = test_image::green_api(9);
        let function = patterns::function_modules(61, 11);
        let (mut read, mut refused) = (0, 0);
        for at in (0..61 * 61).step_by(5) {
            let mut damaged = modules.clone();
            damaged.dark[at] = !damaged.dark[at];
            match read_modules(&test_image::picture(&damaged, 4, 4)) {
                Ok(m) => {
                    assert!(m == modules && function[at], "module {at}");
                    read += 1;
                }
                Err(_) => refused += 1,
            }
        }
        // Among the modules the checks do not cover: alignment patterns,
        // separators, and bits the format and version information correct.
        assert!(read > 20 && refused > 61 * 61 / 5 * 9 / 10, "{read} read, {refused} refused");
    }

    #[test]
    fn sizes_are_those_of_versions_1_to_40() {
        let sizes: Vec<usize> = (0..200).filter(|&n| is_symbol_size(n)).collect();
        assert_eq!(sizes, (1..=40).map(|v| 17 + 4 * v).collect::<Vec<_>>());
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

    #[test]
    fn point_geometry() {
        let (a, b) = (Point { x: 1.0, y: 2.0 }, Point { x: 4.0, y: 6.0 });
        assert_eq!(a.distance(b), 5.0);
        assert_eq!(a.direction_to(b), Point { x: 0.6, y: 0.8 });
        assert!(a.moved(a.direction_to(b), 5.0).distance(b) < 1e-5);
        assert!(a.direction_to(a).distance(Point { x: 0.0, y: 0.0 }) == 0.0);
    }
}
