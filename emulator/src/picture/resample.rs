//! Scaling a module grid (one luminance byte per module) to a square canvas
//! whose side is not a whole multiple of the grid: the pictures other
//! services and older GREEN-API builds sent.

/// A square grid of luminance values, one per module, border included.
pub(crate) struct Grid {
    pub side: usize,
    pub luma: Vec<u8>,
}

impl Grid {
    fn at(&self, x: isize, y: isize) -> f32 {
        let clamp = |v: isize| v.clamp(0, self.side as isize - 1) as usize;
        f32::from(self.luma[clamp(y) * self.side + clamp(x)])
    }
}

/// Each pixel takes the module under its centre: crisp edges, uneven widths.
pub(crate) fn nearest(grid: &Grid, side: usize) -> Vec<u8> {
    let module_of: Vec<usize> = (0..side).map(|p| ((2 * p + 1) * grid.side) / (2 * side)).collect();
    let mut out = Vec::with_capacity(side * side);
    for &my in &module_of {
        out.extend(module_of.iter().map(|&mx| grid.luma[my * grid.side + mx]));
    }
    out
}

/// Linear interpolation between module centres: edges a pixel or two of grey.
pub(crate) fn bilinear(grid: &Grid, side: usize) -> Vec<u8> {
    separable(grid, side, 1, |t| (1.0 - t.abs()).max(0.0))
}

/// Catmull-Rom cubic interpolation: softer edges with a little over- and undershoot (clamped).
pub(crate) fn bicubic(grid: &Grid, side: usize) -> Vec<u8> {
    separable(grid, side, 2, |t| {
        let t = t.abs();
        if t < 1.0 {
            1.5 * t * t * t - 2.5 * t * t + 1.0
        } else if t < 2.0 {
            -0.5 * t * t * t + 2.5 * t * t - 4.0 * t + 2.0
        } else {
            0.0
        }
    })
}

/// Samples `grid` at each pixel centre with `kernel`, `reach` modules each way.
fn separable(grid: &Grid, side: usize, reach: isize, kernel: impl Fn(f32) -> f32) -> Vec<u8> {
    let scale = grid.side as f32 / side as f32;
    // For each pixel column (and row): the first module it reads and the weights.
    let taps: Vec<(isize, Vec<f32>)> = (0..side)
        .map(|p| {
            let u = (p as f32 + 0.5) * scale - 0.5;
            let first = u.floor() as isize - reach + 1;
            let weights: Vec<f32> = (0..2 * reach).map(|k| kernel(u - (first + k) as f32)).collect();
            let sum: f32 = weights.iter().sum();
            (first, weights.into_iter().map(|w| w / sum).collect())
        })
        .collect();
    let mut out = Vec::with_capacity(side * side);
    for (y0, wy) in &taps {
        for (x0, wx) in &taps {
            let mut value = 0.0;
            for (j, wj) in wy.iter().enumerate() {
                for (i, wi) in wx.iter().enumerate() {
                    value += wj * wi * grid.at(x0 + i as isize, y0 + j as isize);
                }
            }
            out.push(value.round().clamp(0.0, 255.0) as u8);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checker() -> Grid {
        let side = 5;
        Grid { side, luma: (0..side * side).map(|i| if (i % side + i / side) % 2 == 0 { 0 } else { 255 }).collect() }
    }

    #[test]
    fn module_centres_keep_their_value() {
        let grid = checker();
        // At 3 px per module the middle pixel of each module sits on its centre.
        for scaled in [nearest(&grid, 15), bilinear(&grid, 15), bicubic(&grid, 15)] {
            for my in 0..5 {
                for mx in 0..5 {
                    assert_eq!(scaled[(3 * my + 1) * 15 + 3 * mx + 1], grid.luma[my * 5 + mx]);
                }
            }
        }
    }

    #[test]
    fn smoothing_makes_grey_edges_and_a_flat_grid_stays_flat() {
        let grey = |pixels: &[u8]| pixels.iter().filter(|&&p| p != 0 && p != 255).count();
        assert_eq!(grey(&nearest(&checker(), 17)), 0);
        assert!(grey(&bilinear(&checker(), 17)) > 100);
        assert!(grey(&bicubic(&checker(), 17)) > 100);
        let flat = Grid { side: 4, luma: vec![200; 16] };
        assert!(bicubic(&flat, 9).iter().all(|&p| p == 200));
    }
}
