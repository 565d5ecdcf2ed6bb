//! The three finder patterns: found as 1:1:3:1:1 runs across rows,
//! confirmed down their column and again along their row, measured to a
//! fraction of a pixel, and sorted into the code's corners.

use super::binarize::{run_edges, Binarized};
use super::Point;

/// A finder pattern seen in the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Finder {
    pub centre: Point,
    /// Estimated module size in pixels.
    pub module_size: f32,
    /// How many scanned rows confirmed it.
    pub hits: u32,
}

/// Upper bound on distinct finder candidates kept (noise protection).
const MAX_CANDIDATES: usize = 64;

/// Scan every `step`-th row for 1:1:3:1:1 runs, confirm each down its
/// column and again along its row, and merge the hits into finder
/// candidates.
pub(super) fn find_finders(bin: &Binarized, step: usize) -> Vec<Finder> {
    let mut found: Vec<Finder> = Vec::new();
    let mut edges: Vec<usize> = Vec::with_capacity(bin.width + 2);
    for y in (step / 2..bin.height).step_by(step.max(1)) {
        let Some(row) = bin.row(y) else {
            continue;
        };
        // Runs alternate in colour, so every other window starts dark.
        let first_dark = run_edges(row, bin.threshold, &mut edges);
        let from_dark = edges.get(usize::from(!first_dark)..).unwrap_or(&[]);
        for window in from_dark.windows(6).step_by(2) {
            let &[e0, e1, e2, e3, e4, e5] = window else {
                continue;
            };
            let runs = [e1 - e0, e2 - e1, e3 - e2, e4 - e3, e5 - e4];
            if let Some((centre, module_size)) = confirm(bin, e2 + (e3 - e2) / 2, y, runs) {
                add_hit(&mut found, centre, module_size);
            }
        }
    }
    found
}

/// Do five run lengths look like 1:1:3:1:1?
fn is_finder_ratio(runs: [usize; 5]) -> bool {
    let total: usize = runs.iter().sum();
    if total < 7 {
        return false;
    }
    // With module m = total / 7: each ring within m / 2 of m, the centre
    // within 3m / 2 of 3m; in whole numbers (times 14), as this runs for
    // every window of every scanned row.
    let total = total as i64;
    let [outer_before, inner_before, centre, inner_after, outer_after] = runs.map(|r| r as i64);
    let ring = |r: i64| (2 * total - 14 * r).abs() <= total;
    ring(outer_before)
        && ring(inner_before)
        && (6 * total - 14 * centre).abs() <= 3 * total
        && ring(inner_after)
        && ring(outer_after)
}

/// A row's 1:1:3:1:1 `runs`, centred on pixel (x, y): confirm them down the
/// column and again along the row through the column's centre. Returns the
/// finder centre and module size.
fn confirm(bin: &Binarized, x: usize, y: usize, runs: [usize; 5]) -> Option<(Point, f32)> {
    if !is_finder_ratio(runs) {
        return None;
    }
    let row_length: usize = runs.iter().sum();
    let (centre_y, column_length) = measure_line(|i| bin.is_dark(x, i), y, bin.height, row_length)?;
    if (column_length as f32 - row_length as f32).abs() > 0.4 * row_length as f32 {
        return None;
    }
    // centre_y is positive, so truncating is taking its floor.
    let row = bin.row(centre_y as usize)?;
    let threshold = bin.threshold;
    let dark = |i: usize| row.get(i).is_some_and(|&p| p <= threshold);
    let (centre_x, row_length) = measure_line(dark, x, bin.width, column_length)?;
    if (row_length as f32 - column_length as f32).abs() > 0.4 * column_length as f32 {
        return None;
    }
    Some((Point { x: centre_x, y: centre_y }, (row_length + column_length) as f32 / 14.0))
}

/// Walk from the dark pixel `start` both ways along a line of `len` pixels,
/// where `dark(i)` reads pixel `i`, and measure a 1:1:3:1:1 pattern around
/// it of about `expected` pixels. Returns the pattern's centre along the
/// line (a continuous coordinate) and its length in pixels.
///
/// A walk stops as soon as a run is longer than any run of a pattern
/// within 40% of `expected` (which [`confirm`] asks for) can be: most
/// candidates fail this way, after a few pixels.
fn measure_line(dark: impl Fn(usize) -> bool, start: usize, len: usize, expected: usize) -> Option<(f32, usize)> {
    if !dark(start) {
        return None;
    }
    let longest = expected + expected * 2 / 5 + 1;
    // Runs met going each way: centre (dark), inner ring (light), outer ring (dark).
    let runs = [(true, longest * 9 / 14 + 1), (false, longest * 3 / 14 + 1), (true, longest * 3 / 14 + 1)];
    let mut first = start;
    let mut before = [0usize; 3];
    for (run, (want_dark, cap)) in before.iter_mut().zip(runs) {
        while first > 0 && dark(first - 1) == want_dark {
            if *run >= cap {
                return None;
            }
            first -= 1;
            *run += 1;
        }
    }
    let mut last = start;
    let mut after = [0usize; 3];
    for (run, (want_dark, cap)) in after.iter_mut().zip(runs) {
        while last + 1 < len && dark(last + 1) == want_dark {
            if *run >= cap {
                return None;
            }
            last += 1;
            *run += 1;
        }
    }
    let [centre_before, inner_before, outer_before] = before;
    let [centre_after, inner_after, outer_after] = after;
    let runs = [outer_before, inner_before, centre_before + 1 + centre_after, inner_after, outer_after];
    if runs.contains(&0) || !is_finder_ratio(runs) {
        return None;
    }
    Some(((first + last + 1) as f32 / 2.0, last - first + 1))
}

/// Count a confirmed hit towards the candidate it is near (averaging its
/// centre and module size in), or start a new candidate.
fn add_hit(found: &mut Vec<Finder>, centre: Point, module_size: f32) {
    for f in found.iter_mut() {
        let larger = f.module_size.max(module_size);
        let near = (f.centre.x - centre.x).abs() <= larger * 1.5 && (f.centre.y - centre.y).abs() <= larger * 1.5;
        let similar = (f.module_size - module_size).abs() <= larger * 0.5;
        if near && similar {
            let n = f.hits as f32;
            f.centre.x = (f.centre.x * n + centre.x) / (n + 1.0);
            f.centre.y = (f.centre.y * n + centre.y) / (n + 1.0);
            f.module_size = (f.module_size * n + module_size) / (n + 1.0);
            f.hits += 1;
            return;
        }
    }
    if found.len() < MAX_CANDIDATES {
        found.push(Finder { centre, module_size, hits: 1 });
    }
}

/// Three finders' centres as the code's top-left, top-right and bottom-left
/// corners, and their mean module size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Corners {
    pub top_left: Point,
    pub top_right: Point,
    pub bottom_left: Point,
    pub module_size: f32,
}

/// How many of the most often confirmed candidates are matched up.
const MAX_MATCHED: usize = 16;

/// Every plausible (top-left, top-right, bottom-left) triple, best first.
pub(super) fn rank_corners(finders: &[Finder]) -> Vec<Corners> {
    let mut sorted: Vec<Finder> = finders.to_vec();
    sorted.sort_by_key(|f| std::cmp::Reverse(f.hits));
    sorted.truncate(MAX_MATCHED);
    let mut scored: Vec<(f32, Corners)> = Vec::new();
    for (i, &a) in sorted.iter().enumerate() {
        for (j, &b) in sorted.iter().enumerate().skip(i + 1) {
            for &c in sorted.iter().skip(j + 1) {
                scored.extend(score_corners(a, b, c));
            }
        }
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    scored.into_iter().map(|(_, corners)| corners).collect()
}

/// Label three finders as corners and score how much they look like a QR
/// code's (lower is better); `None` when they cannot be one.
fn score_corners(a: Finder, b: Finder, c: Finder) -> Option<(f32, Corners)> {
    let (ab, bc, ca) = (a.centre.distance(b.centre), b.centre.distance(c.centre), c.centre.distance(a.centre));
    // The top-left is opposite the longest side.
    let (top_left, p, q) = if bc >= ab && bc >= ca {
        (a.centre, b.centre, c.centre)
    } else if ca >= ab && ca >= bc {
        (b.centre, c.centre, a.centre)
    } else {
        (c.centre, a.centre, b.centre)
    };
    let cross = (p.x - top_left.x) * (q.y - top_left.y) - (p.y - top_left.y) * (q.x - top_left.x);
    // In picture coordinates (y down) top-right x bottom-left is positive.
    let (top_right, bottom_left) = if cross > 0.0 { (p, q) } else { (q, p) };
    let across = top_left.distance(top_right);
    let down = top_left.distance(bottom_left);
    if across <= 0.0 || down <= 0.0 {
        return None;
    }
    let cos = ((top_right.x - top_left.x) * (bottom_left.x - top_left.x)
        + (top_right.y - top_left.y) * (bottom_left.y - top_left.y))
        / (across * down);
    let sides = (across - down).abs() / across.max(down);
    let sizes = [a.module_size, b.module_size, c.module_size];
    let largest = sizes.iter().copied().fold(f32::MIN, f32::max);
    let smallest = sizes.iter().copied().fold(f32::MAX, f32::min);
    if smallest <= 0.0 || largest / smallest > 1.5 || cos.abs() > 0.2 || sides > 0.2 {
        return None;
    }
    let module_size = sizes.iter().sum::<f32>() / 3.0;
    let span = (across + down) / 2.0 / module_size;
    // Finder centres are size - 7 modules apart: 14 (v1) to 170 (v40).
    if !(10.0..=190.0).contains(&span) {
        return None;
    }
    let rarely_seen = 1.0 / (1.0 + (a.hits + b.hits + c.hits) as f32);
    let score = cos.abs() + sides + (largest / smallest - 1.0) + rarely_seen;
    Some((score, Corners { top_left, top_right, bottom_left, module_size }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::binarize::threshold;
    use crate::qr::test_image;

    #[test]
    fn finder_ratio() {
        assert!(is_finder_ratio([1, 1, 3, 1, 1]));
        assert!(is_finder_ratio([5, 4, 13, 4, 5]));
        assert!(!is_finder_ratio([2, 1, 3, 1, 1]));
        assert!(!is_finder_ratio([1, 1, 1, 1, 1]));
        assert!(!is_finder_ratio([1, 1, 2, 1, 1]), "too short to hold 7 modules");
    }

    #[test]
    fn measure_line_finds_the_pattern_around_its_centre() {
        // 2 light, then 1:1:3:1:1 at 3 px a module, then 2 light.
        let line: Vec<bool> = [(false, 2), (true, 3), (false, 3), (true, 9), (false, 3), (true, 3), (false, 2)]
            .iter()
            .flat_map(|&(dark, n)| std::iter::repeat_n(dark, n))
            .collect();
        let dark = |i: usize| line.get(i).copied().unwrap_or(false);
        assert_eq!(measure_line(dark, 12, line.len(), 21), Some((12.5, 21)));
        assert_eq!(measure_line(dark, 12, line.len(), 16), Some((12.5, 21)));
        assert_eq!(measure_line(dark, 6, line.len(), 21), None, "starts on light");
        assert_eq!(measure_line(dark, 12, line.len(), 5), None, "far longer than expected");
    }

    #[test]
    fn green_apis_finders_are_found_where_they_are() {
        let (img, _) = test_image::green_api(3);
        let bin = Binarized::new(&img, threshold(&img).unwrap());
        // Border 4 and 4 px a module: centres 7.5 modules in from the edges.
        let (near, far) = (7.5 * 4.0, 276.0 - 7.5 * 4.0);
        for step in [1, 4, 8] {
            // The three most often confirmed; data modules may look like a finder here and there.
            let mut finders = find_finders(&bin, step);
            finders.sort_by_key(|f| std::cmp::Reverse(f.hits));
            let mut real = finders[..3].to_vec();
            real.sort_by(|a, b| (a.centre.y, a.centre.x).partial_cmp(&(b.centre.y, b.centre.x)).unwrap());
            let centres: Vec<(f32, f32)> = real.iter().map(|f| (f.centre.x, f.centre.y)).collect();
            assert_eq!(centres, [(near, near), (far, near), (near, far)], "every {step} rows");
            // The centre band is 12 rows tall.
            assert!(real.iter().all(|f| f.module_size == 4.0 && f.hits >= 12 / step as u32));
            let corners = rank_corners(&finders);
            let want = Corners {
                top_left: Point { x: near, y: near },
                top_right: Point { x: far, y: near },
                bottom_left: Point { x: near, y: far },
                module_size: 4.0,
            };
            assert_eq!(corners.first(), Some(&want));
        }
    }

    #[test]
    fn corners_are_labelled_in_any_orientation() {
        let finder = |x, y| Finder { centre: Point { x, y }, module_size: 4.0, hits: 3 };
        let (tl, tr, bl) = (finder(30.0, 30.0), finder(246.0, 30.0), finder(30.0, 246.0));
        let want = score_corners(tl, tr, bl).unwrap().1;
        for (a, b, c) in [(tl, tr, bl), (tr, bl, tl), (bl, tl, tr), (bl, tr, tl)] {
            assert_eq!(score_corners(a, b, c).unwrap().1, want);
        }
        // Turned half a turn: the top-left is the finder at the bottom right.
        let turned = score_corners(finder(246.0, 246.0), finder(30.0, 246.0), finder(246.0, 30.0)).unwrap().1;
        assert_eq!((turned.top_left, turned.top_right), (Point { x: 246.0, y: 246.0 }, Point { x: 30.0, y: 246.0 }));
        // Not a right angle, or too near together for the module size.
        assert!(score_corners(tl, tr, finder(200.0, 120.0)).is_none());
        assert!(score_corners(tl, finder(60.0, 30.0), finder(30.0, 60.0)).is_none());
    }
}
