//! 8-bit rows of 1 to 4 samples a pixel to luminance, alpha over white.

/// The luminance of an 8-bit row of `channels` samples a pixel, alpha over
/// white. Rows whose pixels are all gray and opaque (every QR picture seen
/// so far: black and white, or smoothed grays) are their own luminance, which
/// a vectorised copy finds; only other rows pay for the arithmetic.
pub(super) fn to_luma(row: &[u8], channels: usize, out: &mut [u8]) {
    let plain = match channels {
        1 => copy_gray(row, out),
        2 => opaque_gray_alpha(row, out),
        3 => gray_rgb(row, out),
        _ => opaque_gray_rgba(row, out),
    };
    if !plain {
        to_luma_exact(row, channels, out);
    }
}

fn copy_gray(row: &[u8], out: &mut [u8]) -> bool {
    for (o, &l) in out.iter_mut().zip(row) {
        *o = l;
    }
    true
}

/// Pixels per block in the fast paths below: loops over fixed-size arrays
/// are what the compiler turns into vector instructions (SSE2 included).
const BLOCK: usize = 16;

/// Takes the gray level of each pixel; true if every alpha is 255, where
/// [`over_white`] is the identity.
fn opaque_gray_alpha(row: &[u8], out: &mut [u8]) -> bool {
    // Lane-wise AND of the little-endian (gray, alpha) words.
    let mut common = [!0u16; BLOCK];
    let mut outs = out.chunks_exact_mut(BLOCK);
    let mut ins = row.chunks_exact(2 * BLOCK);
    for (o, p) in (&mut outs).zip(&mut ins) {
        let (Ok(o), Ok(p)) = (<&mut [u8; BLOCK]>::try_from(o), <&[u8; 2 * BLOCK]>::try_from(p)) else {
            continue;
        };
        let mut words = [0u16; BLOCK];
        for (w, p) in words.iter_mut().zip(p.chunks_exact(2)) {
            if let [l, a] = *p {
                *w = u16::from_le_bytes([l, a]);
            }
        }
        for (o, w) in o.iter_mut().zip(&words) {
            *o = *w as u8;
        }
        for (c, w) in common.iter_mut().zip(&words) {
            *c &= w;
        }
    }
    let mut alpha = common.iter().fold(0xff, |all, c| all & (c >> 8));
    for (o, p) in outs.into_remainder().iter_mut().zip(ins.remainder().chunks_exact(2)) {
        if let [l, a] = *p {
            *o = l;
            alpha &= u16::from(a);
        }
    }
    alpha == 0xff
}

/// Takes the red of each pixel; true if every pixel has r = g = b, where
/// [`luma`] is the identity.
fn gray_rgb(row: &[u8], out: &mut [u8]) -> bool {
    // r = g = b in every pixel when each byte equals the next one, except
    // for the last byte of a pixel. XOR with the row shifted by one byte, in
    // blocks of whole pixels so that a lane is always the same channel.
    let mut differ = [0u8; 3 * BLOCK];
    let next = row.get(1..).unwrap_or_default();
    let mut checked = 0;
    for (p, q) in row.chunks_exact(3 * BLOCK).zip(next.chunks_exact(3 * BLOCK)) {
        checked += 3 * BLOCK;
        let (Ok(p), Ok(q)) = (<&[u8; 3 * BLOCK]>::try_from(p), <&[u8; 3 * BLOCK]>::try_from(q)) else {
            continue;
        };
        for ((d, a), b) in differ.iter_mut().zip(p).zip(q) {
            *d |= a ^ b;
        }
    }
    let mut odd = differ.chunks_exact(3).fold(0, |any, d| match *d {
        [r_g, g_b, _] => any | r_g | g_b,
        _ => any,
    });
    for p in row.get(checked..).unwrap_or_default().chunks_exact(3) {
        if let [r, g, b] = *p {
            odd |= (r ^ g) | (g ^ b);
        }
    }
    let mut outs = out.chunks_exact_mut(BLOCK);
    let mut ins = row.chunks_exact(3 * BLOCK);
    for (o, p) in (&mut outs).zip(&mut ins) {
        let (Ok(o), Ok(p)) = (<&mut [u8; BLOCK]>::try_from(o), <&[u8; 3 * BLOCK]>::try_from(p)) else {
            continue;
        };
        for (o, p) in o.iter_mut().zip(p.chunks_exact(3)) {
            if let [r, ..] = *p {
                *o = r;
            }
        }
    }
    for (o, p) in outs.into_remainder().iter_mut().zip(ins.remainder().chunks_exact(3)) {
        if let [r, ..] = *p {
            *o = r;
        }
    }
    odd == 0
}

/// As [`gray_rgb`], and every alpha 255 too.
fn opaque_gray_rgba(row: &[u8], out: &mut [u8]) -> bool {
    // Lane-wise: in the little-endian words, bits 0..16 of `w ^ (w >> 8)`
    // are r ^ g and g ^ b; the top byte of the AND of all words is the
    // AND of all alphas.
    let (mut differ, mut common) = ([0u32; BLOCK], [!0u32; BLOCK]);
    let mut outs = out.chunks_exact_mut(BLOCK);
    let mut ins = row.chunks_exact(4 * BLOCK);
    for (o, p) in (&mut outs).zip(&mut ins) {
        let (Ok(o), Ok(p)) = (<&mut [u8; BLOCK]>::try_from(o), <&[u8; 4 * BLOCK]>::try_from(p)) else {
            continue;
        };
        let mut words = [0u32; BLOCK];
        for (w, p) in words.iter_mut().zip(p.chunks_exact(4)) {
            if let [r, g, b, a] = *p {
                *w = u32::from_le_bytes([r, g, b, a]);
            }
        }
        for (o, w) in o.iter_mut().zip(&words) {
            *o = *w as u8;
        }
        for (d, w) in differ.iter_mut().zip(&words) {
            *d |= w ^ (w >> 8);
        }
        for (c, w) in common.iter_mut().zip(&words) {
            *c &= w;
        }
    }
    let mut odd = differ.iter().fold(0, |any, d| any | d);
    let mut all = common.iter().fold(!0, |all, c| all & c);
    for (o, p) in outs.into_remainder().iter_mut().zip(ins.remainder().chunks_exact(4)) {
        if let [r, g, b, a] = *p {
            let w = u32::from_le_bytes([r, g, b, a]);
            *o = r;
            odd |= w ^ (w >> 8);
            all &= w;
        }
    }
    odd & 0xffff == 0 && all >> 24 == 0xff
}

/// The luminance of every pixel by the formulas: the reference the fast
/// paths of [`to_luma`] must equal.
pub(super) fn to_luma_exact(row: &[u8], channels: usize, out: &mut [u8]) {
    let pixels = out.iter_mut().zip(row.chunks_exact(channels));
    match channels {
        1 => pixels.for_each(|(o, p)| *o = p.first().copied().unwrap_or(255)),
        2 => pixels.for_each(|(o, p)| {
            if let [l, a] = *p {
                *o = over_white(l, a);
            }
        }),
        3 => pixels.for_each(|(o, p)| {
            if let [r, g, b] = *p {
                *o = luma(r, g, b);
            }
        }),
        _ => pixels.for_each(|(o, p)| {
            if let [r, g, b, a] = *p {
                *o = over_white(luma(r, g, b), a);
            }
        }),
    }
}

/// Rec. 601 luma, rounded.
pub(super) fn luma(r: u8, g: u8, b: u8) -> u8 {
    let y = (299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) + 500) / 1000;
    y.min(255) as u8
}

/// Composite a luminance with alpha over a white background, rounded.
fn over_white(l: u8, a: u8) -> u8 {
    let a = u32::from(a);
    let v = (u32::from(l) * a + 255 * (255 - a) + 127) / 255;
    v.min(255) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luma_and_alpha() {
        assert_eq!(luma(0, 0, 0), 0);
        assert_eq!(luma(255, 255, 255), 255);
        assert_eq!(over_white(0, 0), 255);
        assert_eq!(over_white(0, 255), 0);
        assert_eq!(over_white(0, 128), 127);
    }

    /// What the fast paths rest on.
    #[test]
    fn gray_opaque_pixels_are_their_own_luminance() {
        for v in 0..=255u8 {
            assert_eq!(luma(v, v, v), v);
            assert_eq!(over_white(v, 255), v);
        }
    }

    /// Each fast row converter against the formulas, on gray opaque rows of
    /// every length up to three blocks and a tail, then with each sample of
    /// each pixel changed in turn: the fast path must notice exactly when
    /// the pixel is no longer gray and opaque, and the luminance must not
    /// change.
    #[test]
    fn fast_rows_equal_the_formulas() {
        for channels in 1..=4 {
            for n in 0..=3 * BLOCK + 5 {
                let gray: Vec<u8> = (0..n).flat_map(|x| gray_pixel((x * 37 % 256) as u8, channels)).collect();
                check_row(&gray, channels, true);
                for at in 0..gray.len() {
                    let mut row = gray.clone();
                    row[at] ^= 0x10;
                    let still_gray = channels == 1 || (channels == 2 && at % 2 == 0);
                    check_row(&row, channels, still_gray);
                }
            }
        }
    }

    fn gray_pixel(l: u8, channels: usize) -> Vec<u8> {
        match channels {
            1 => vec![l],
            2 => vec![l, 255],
            3 => vec![l, l, l],
            _ => vec![l, l, l, 255],
        }
    }

    fn check_row(row: &[u8], channels: usize, gray_opaque: bool) {
        let n = row.len() / channels;
        let (mut fast, mut exact) = (vec![7; n], vec![9; n]);
        let fast_path = match channels {
            1 => copy_gray,
            2 => opaque_gray_alpha,
            3 => gray_rgb,
            _ => opaque_gray_rgba,
        };
        assert_eq!(fast_path(row, &mut fast), gray_opaque, "{channels} channels: {row:?}");
        to_luma(row, channels, &mut fast);
        to_luma_exact(row, channels, &mut exact);
        assert_eq!(fast, exact, "{channels} channels: {row:?}");
    }
}
