//! Where the modules are: a grid through the finder centres, or fitted to
//! the timing patterns, and the module matrix sampled from it.
//!
//! The mapping from module to pixel is affine, so a code turned by 90, 180
//! or 270 degrees is read in its own orientation, and the module pitch need
//! not be a whole number of pixels.

use super::binarize::Binarized;
use super::finder::Corners;
use super::{Modules, Point};
use crate::image::Gray;

/// One axis of a grid: module boundary `k` lies `offset + pitch * k` pixels
/// from the grid's origin in `direction` (a unit vector).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Axis {
    pub direction: Point,
    pub offset: f32,
    pub pitch: f32,
}

impl Axis {
    /// How far along the axis the centre of module `i` lies.
    fn centre(&self, i: usize) -> f32 {
        self.offset + self.pitch * (i as f32 + 0.5)
    }
}

/// Where the modules are: module (i, j) has its centre at `origin` moved
/// by `across.centre(i)` along `across` and `down.centre(j)` along `down`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Grid {
    /// The top-left finder's centre.
    pub origin: Point,
    pub across: Axis,
    pub down: Axis,
}

impl Grid {
    /// The grid of a `size`-module code whose finder centres (module
    /// coordinate 3.5 from their outer edges) are exactly where measured.
    pub(super) fn from_finders(corners: &Corners, size: usize) -> Grid {
        let span = size.saturating_sub(7).max(1) as f32;
        let axis = |to: Point| {
            let pitch = corners.top_left.distance(to) / span;
            Axis { direction: corners.top_left.direction_to(to), offset: -3.5 * pitch, pitch }
        };
        Grid { origin: corners.top_left, across: axis(corners.top_right), down: axis(corners.bottom_left) }
    }

    /// The grid whose module boundaries are where the timing patterns put
    /// them: `row` measured along the top, `column` down the left.
    pub(super) fn from_timing(corners: &Corners, row: Timing, column: Timing) -> Grid {
        let axis = |to: Point, timing: Timing| Axis {
            direction: corners.top_left.direction_to(to),
            offset: timing.offset,
            pitch: timing.pitch,
        };
        Grid { origin: corners.top_left, across: axis(corners.top_right, row), down: axis(corners.bottom_left, column) }
    }
}

/// A timing pattern measured along a line: the module count it implies, and
/// module boundary `k` fitted to `offset + pitch * k` pixels along the line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Timing {
    pub size: usize,
    pub offset: f32,
    pub pitch: f32,
}

/// The timing patterns of the code whose finders are `corners`: along row 6
/// (from under the top-left finder's centre to under the top-right one's)
/// and down column 6 (likewise to the bottom-left finder).
pub(super) fn timing_patterns(img: &Gray, threshold: u8, corners: &Corners) -> (Option<Timing>, Option<Timing>) {
    let Corners { top_left, top_right, bottom_left, module_size } = *corners;
    let (across, down) = (top_left.direction_to(top_right), top_left.direction_to(bottom_left));
    let edge = 3.0 * module_size;
    let row = measure_timing(img, threshold, top_left.moved(down, edge), across, top_left.distance(top_right));
    let column = measure_timing(img, threshold, top_left.moved(across, edge), down, top_left.distance(bottom_left));
    (row, column)
}

/// Measure the timing pattern on the line from `from` (a finder centre
/// moved 3 modules to its outer edge row or column) along unit `direction`
/// for `length` pixels, to the centre of the other finder's edge. Each
/// light/dark edge is found to a fraction of a pixel, and boundary `7 + k`
/// is fitted to the k-th edge. `None` when the line does not look like a
/// timing pattern.
fn measure_timing(img: &Gray, threshold: u8, from: Point, direction: Point, length: f32) -> Option<Timing> {
    const STEP: f32 = 0.25;
    let level = f32::from(threshold) + 0.5;
    let steps = ((length / STEP).ceil() as usize).min(40_000);
    let at = |k: usize| {
        let p = from.moved(direction, k as f32 * STEP);
        bilinear(img, p.x, p.y)
    };
    let mut prev = at(0);
    if prev > level {
        return None;
    }
    let mut edges: Vec<f32> = Vec::new();
    for k in 1..=steps {
        let g = at(k);
        if (g > level) != (prev > level) {
            let fraction = (level - prev) / (g - prev);
            edges.push((k as f32 - 1.0 + fraction) * STEP);
        }
        prev = g;
    }
    if prev > level || edges.len() < 8 || edges.len() % 2 != 0 {
        return None;
    }
    let size = edges.len() + 13;
    // Least squares: edge k is module boundary 7 + k.
    let count = edges.len() as f32;
    let (mut sum_k, mut sum_t, mut sum_kk, mut sum_kt) = (0f32, 0f32, 0f32, 0f32);
    for (k, &t) in edges.iter().enumerate() {
        let k = 7.0 + k as f32;
        sum_k += k;
        sum_t += t;
        sum_kk += k * k;
        sum_kt += k * t;
    }
    let denominator = count * sum_kk - sum_k * sum_k;
    if denominator <= 0.0 {
        return None;
    }
    let pitch = (count * sum_kt - sum_k * sum_t) / denominator;
    let offset = (sum_t - pitch * sum_k) / count;
    if pitch < 0.75 {
        return None;
    }
    let worst = edges.iter().enumerate().map(|(k, &t)| (t - (offset + pitch * (7.0 + k as f32))).abs());
    if worst.fold(0f32, f32::max) > 0.45 * pitch {
        return None;
    }
    Some(Timing { size, offset, pitch })
}

/// Sample a `size`-module grid: each module is the pixel under its centre.
///
/// The centres are added up in fixed point, so that each module costs two
/// integer additions and shifts instead of float-to-integer conversions
/// (the 1/65536 pixel rounding only matters for a centre on a pixel edge,
/// where either pixel is as good).
pub(super) fn sample(bin: &Binarized, grid: &Grid, size: usize) -> Modules {
    let Grid { origin, across, down } = *grid;
    let columns: Vec<(i64, i64)> =
        (0..size).map(|i| origin.moved(across.direction, across.centre(i))).map(|p| (fixed(p.x), fixed(p.y))).collect();
    let (width, height) = (bin.width as u64, bin.height as u64);
    let mut dark = vec![false; size * size];
    for (j, row) in dark.chunks_exact_mut(size.max(1)).enumerate() {
        let t = down.centre(j);
        let (row_x, row_y) = (fixed(t * down.direction.x), fixed(t * down.direction.y));
        for (module, &(column_x, column_y)) in row.iter_mut().zip(&columns) {
            // Negative coordinates wrap to huge ones: one compare per axis.
            let x = ((column_x + row_x) >> FIXED_BITS) as u64;
            let y = ((column_y + row_y) >> FIXED_BITS) as u64;
            // Outside the image is light.
            *module = x < width
                && y < height
                && bin.pixels.get((y * width + x) as usize).is_some_and(|&p| p <= bin.threshold);
        }
    }
    Modules { size, dark }
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
    let &[top_left, top_right] = img.pixels.get(i..i + 2)? else {
        return None;
    };
    let &[bottom_left, bottom_right] = img.pixels.get(i + w..i + w + 2)? else {
        return None;
    };
    let corners = [top_left, top_right, bottom_left, bottom_right].map(f32::from);
    Some(lerp2(corners, fx - x0 as f32, fy - y0 as f32))
}

/// Interpolate between the corners `[top left, top right, bottom left,
/// bottom right]` at fractions (tx, ty).
fn lerp2([p00, p10, p01, p11]: [f32; 4], tx: f32, ty: f32) -> f32 {
    let top = p00 * (1.0 - tx) + p10 * tx;
    let bottom = p01 * (1.0 - tx) + p11 * tx;
    top * (1.0 - ty) + bottom * ty
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::test_image;

    /// GREEN-API's picture: border 4, 4 px a module, so finder centres
    /// 7.5 modules in from the edges.
    fn green_api_corners() -> Corners {
        let (near, far) = (30.0, 246.0);
        Corners {
            top_left: Point { x: near, y: near },
            top_right: Point { x: far, y: near },
            bottom_left: Point { x: near, y: far },
            module_size: 4.0,
        }
    }

    #[test]
    fn grid_from_finders_puts_module_centres_on_the_modules() {
        let grid = Grid::from_finders(&green_api_corners(), 61);
        assert_eq!(grid.across.pitch, 4.0);
        // Module 0 spans pixels 16..20 (after the 4-module border).
        assert_eq!(grid.origin.moved(grid.across.direction, grid.across.centre(0)), Point { x: 18.0, y: 30.0 });
        // Module 60 spans pixels 256..260, 226..230 from the finder centre.
        assert_eq!(grid.down.centre(60), 228.0);
    }

    #[test]
    fn timing_patterns_of_green_apis_picture_count_61_modules() {
        let (img, _) = test_image::green_api(2);
        let (row, column) = timing_patterns(&img, 127, &green_api_corners());
        for timing in [row.unwrap(), column.unwrap()] {
            assert_eq!(timing.size, 61);
            assert!((timing.pitch - 4.0).abs() < 0.01, "{timing:?}");
            assert!((timing.offset + 14.0).abs() < 0.1, "{timing:?}");
        }
        let grid = Grid::from_timing(&green_api_corners(), row.unwrap(), column.unwrap());
        let bin = Binarized::new(&img, 127);
        assert_eq!(sample(&bin, &grid, 61), sample(&bin, &Grid::from_finders(&green_api_corners(), 61), 61));
        // A line across plain white is no timing pattern.
        let white = Gray { width: 100, height: 100, pixels: vec![255; 10_000] };
        assert_eq!(timing_patterns(&white, 127, &green_api_corners()), (None, None));
    }

    #[test]
    fn sample_reads_green_apis_modules_bit_for_bit() {
        let (img, modules) = test_image::green_api(4);
        let bin = Binarized::new(&img, 127);
        assert_eq!(sample(&bin, &Grid::from_finders(&green_api_corners(), 61), 61), modules);
    }

    #[test]
    fn sample_reads_outside_the_picture_as_light() {
        let img = Gray { width: 4, height: 4, pixels: vec![0; 16] };
        let bin = Binarized::new(&img, 127);
        let axis = |direction| Axis { direction, offset: -2.0, pitch: 1.0 };
        let grid = Grid {
            origin: Point { x: 0.5, y: 0.5 },
            across: axis(Point { x: 1.0, y: 0.0 }),
            down: axis(Point { x: 0.0, y: 1.0 }),
        };
        let m = sample(&bin, &grid, 6);
        // Module i is centred on pixel i - 1: the first and the last are outside.
        let inside = |i: usize| (1..5).contains(&i);
        assert!((0..6).all(|j| (0..6).all(|i| m.get(i, j) == (inside(i) && inside(j)))));
        assert_eq!(fixed(f32::NAN), fixed(1e9));
        assert!(fixed(1e9) < 0);
    }

    #[test]
    fn bilinear_interpolates_between_pixel_centres_and_clamps_outside() {
        let img = Gray { width: 2, height: 2, pixels: vec![0, 100, 200, 100] };
        assert_eq!(bilinear(&img, 0.5, 0.5), 0.0);
        assert_eq!(bilinear(&img, 1.0, 0.5), 50.0);
        assert_eq!(bilinear(&img, 1.0, 1.0), 100.0);
        assert_eq!(bilinear(&img, -5.0, 1.5), 200.0);
    }
}
