//! PNG bytes to a luminance grid. Pure: no I/O.
//!
//! The header is checked against [`MAX_SIDE`] before any pixel data is
//! touched, and the pixels are then decoded row by row straight into the
//! one-byte-per-pixel output: the full RGBA (or RGBA16) frame is never held,
//! so memory stays at the output plus a few rows whatever arrives.

use std::io::Cursor;

/// The largest width or height accepted, checked from the header before decoding.
pub const MAX_SIDE: u32 = 2048;

/// Cap on the decoder's own allocations (row buffers, metadata chunks).
/// The widest legal row (2048 px of RGBA16) needs 16 KiB, so this is generous.
const DECODER_LIMIT_BYTES: usize = 4 * 1024 * 1024;

/// A luminance image, alpha composited over white. Row-major, one byte per pixel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gray {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Gray {
    /// The luminance at (x, y), or white outside the image.
    pub fn get(&self, x: u32, y: u32) -> u8 {
        if x >= self.width || y >= self.height {
            return 255;
        }
        let i = y as usize * self.width as usize + x as usize;
        self.pixels.get(i).copied().unwrap_or(255)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImageError {
    NotPng,
    TooLarge { width: u32, height: u32 },
    Corrupt(String),
}

impl std::fmt::Display for ImageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageError::NotPng => write!(f, "not a PNG image"),
            ImageError::TooLarge { width, height } => {
                write!(f, "PNG of {width}x{height} pixels is over the {MAX_SIDE}x{MAX_SIDE} limit")
            }
            ImageError::Corrupt(why) => write!(f, "PNG could not be decoded: {why}"),
        }
    }
}

impl std::error::Error for ImageError {}

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];

fn corrupt(e: png::DecodingError) -> ImageError {
    ImageError::Corrupt(e.to_string())
}

/// Decode a complete PNG into luminance, alpha composited over white.
///
/// Every PNG colour type and bit depth is accepted (palettes with or without
/// `tRNS`, 16-bit samples, Adam7 interlacing). Images whose header claims a
/// side over [`MAX_SIDE`] are refused before any pixel data is decoded. A
/// truncated file, a bad checksum or a missing `IEND` is an error.
pub fn decode_png(bytes: &[u8]) -> Result<Gray, ImageError> {
    let mut reader = open(bytes)?;
    let (width, height) = (reader.info().width, reader.info().height);
    let (color, depth) = reader.output_color_type();
    if depth != png::BitDepth::Eight {
        return Err(ImageError::Corrupt(format!("unexpected output depth {depth:?}")));
    }
    let channels = match color {
        png::ColorType::Grayscale => 1,
        png::ColorType::GrayscaleAlpha => 2,
        png::ColorType::Rgb => 3,
        png::ColorType::Rgba => 4,
        png::ColorType::Indexed => {
            return Err(ImageError::Corrupt("palette was not expanded".into()));
        }
    };
    let (w, h) = (width as usize, height as usize);
    let pixels = if reader.info().interlaced {
        read_adam7(&mut reader, channels, w, h)?
    } else {
        read_rows(&mut reader, channels, w, h)?
    };
    // Read on to IEND: a file cut after its image data is still incomplete.
    reader.finish().map_err(corrupt)?;
    Ok(Gray { width, height, pixels })
}

type Reader<'a> = png::Reader<Cursor<&'a [u8]>>;

/// A reader positioned at the first pixel row, once the header, the size
/// limit and the palette have been checked.
fn open(bytes: &[u8]) -> Result<Reader<'_>, ImageError> {
    if bytes.len() < SIGNATURE.len() || bytes.get(..SIGNATURE.len()) != Some(&SIGNATURE[..]) {
        return Err(ImageError::NotPng);
    }
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: DECODER_LIMIT_BYTES });
    // Metadata we never use: skip it, so compressed text cannot inflate.
    decoder.set_ignore_text_chunk(true);
    decoder.set_ignore_iccp_chunk(true);
    let (width, height) = {
        let info = decoder.read_header_info().map_err(corrupt)?;
        (info.width, info.height)
    };
    if width > MAX_SIDE || height > MAX_SIDE {
        return Err(ImageError::TooLarge { width, height });
    }
    if width == 0 || height == 0 {
        return Err(ImageError::Corrupt("image has no pixels".into()));
    }
    // Every output sample is 8 bits, whatever the file holds; for 8-bit
    // gray, RGB and RGBA without tRNS this is the crate's plain row copy.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let reader = decoder.read_info().map_err(corrupt)?;
    // The png crate panics expanding a palette of partial entries (found by fuzzing).
    if reader.info().palette.as_ref().is_some_and(|p| p.len() % 3 != 0) {
        return Err(ImageError::Corrupt("palette length is not a multiple of 3".into()));
    }
    Ok(reader)
}

/// Row by row through reused row buffers, each converted while it is in
/// cache. The crate's `read_row` writes into our buffer, where
/// `next_interlaced_row` would copy through a buffer of its own. A row equal
/// to the one before (three in four rows of a QR picture drawn at 4 px per
/// module) is not converted again. The output grows by whole rows rather
/// than being zeroed first.
fn read_rows(reader: &mut Reader<'_>, channels: usize, w: usize, h: usize) -> Result<Vec<u8>, ImageError> {
    if reader.output_line_size(reader.info().width) != Some(w * channels) {
        return Err(ImageError::Corrupt("row of the wrong length".into()));
    }
    let (mut line, mut prev) = (vec![0u8; w * channels], Vec::new());
    let mut luma = vec![0u8; w];
    let mut pixels = Vec::with_capacity(w * h);
    for _ in 0..h {
        if reader.read_row(&mut line).map_err(corrupt)?.is_none() {
            return Err(ImageError::Corrupt("fewer rows than the header says".into()));
        }
        if channels == 1 {
            pixels.extend_from_slice(&line);
            continue;
        }
        if line != prev {
            to_luma(&line, channels, &mut luma);
            std::mem::swap(&mut line, &mut prev);
            line.resize(w * channels, 0);
        }
        pixels.extend_from_slice(&luma);
    }
    Ok(pixels)
}

/// Adam7 passes: each reduced row converted, then spread over the image.
fn read_adam7(reader: &mut Reader<'_>, channels: usize, w: usize, h: usize) -> Result<Vec<u8>, ImageError> {
    let mut pixels = vec![0u8; w * h];
    let mut line = Vec::with_capacity(w);
    while let Some(row) = reader.next_interlaced_row().map_err(corrupt)? {
        let png::InterlaceInfo::Adam7(info) = row.interlace() else {
            return Err(ImageError::Corrupt("row outside the Adam7 passes".into()));
        };
        line.resize(row.data().len() / channels, 0);
        to_luma(row.data(), channels, &mut line);
        png::expand_interlaced_row(&mut pixels, w, &line, info, 8);
    }
    Ok(pixels)
}

/// The luminance of an 8-bit row of `channels` samples a pixel, alpha over
/// white. Rows whose pixels are all gray and opaque (every QR picture seen
/// so far: black and white, or smoothed grays) are their own luminance, which
/// a vectorised copy finds; only other rows pay for the arithmetic.
fn to_luma(row: &[u8], channels: usize, out: &mut [u8]) {
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
fn to_luma_exact(row: &[u8], channels: usize, out: &mut [u8]) {
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
fn luma(r: u8, g: u8, b: u8) -> u8 {
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
    use qrcode::{Color, EcLevel, QrCode, Version};

    #[test]
    fn luma_and_alpha() {
        assert_eq!(luma(0, 0, 0), 0);
        assert_eq!(luma(255, 255, 255), 255);
        assert_eq!(over_white(0, 0), 255);
        assert_eq!(over_white(0, 255), 0);
        assert_eq!(over_white(0, 128), 127);
    }

    #[test]
    fn short_input_is_not_png() {
        assert_eq!(decode_png(b""), Err(ImageError::NotPng));
        assert_eq!(decode_png(&SIGNATURE[..7]), Err(ImageError::NotPng));
        assert!(matches!(decode_png(&SIGNATURE), Err(ImageError::Corrupt(_))));
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

    /// `decode_png` against the general path (the crate's own row iterator
    /// and the formulas for every pixel) on the shapes QR pictures come in,
    /// in every colour type and bit depth, with and without Adam7.
    #[test]
    fn decoding_equals_the_general_path() {
        let shapes = shapes();
        for (s, shape) in shapes.iter().enumerate() {
            for encoding in ENCODINGS {
                // Interlacing on two of the shapes keeps the test quick.
                for interlaced in [false, true].into_iter().take(if s % 2 == 1 { 2 } else { 1 }) {
                    let png = shape.encode(encoding, interlaced);
                    let what = format!("{} {encoding:?}{}", shape.name, if interlaced { " adam7" } else { "" });
                    let got = decode_png(&png).unwrap_or_else(|e| panic!("{what}: {e}"));
                    assert_eq!(got, decode_general(&png), "{what}");
                }
            }
        }
    }

    /// And against the picture itself where the encoding holds it exactly.
    #[test]
    fn green_api_picture_decodes_to_its_pixels() {
        let shape = &shapes()[0];
        let want: Vec<u8> = (0..shape.side * shape.side).map(|i| shape.rgba(i)[0]).collect();
        assert!(want.iter().all(|&l| l == 0 || l == 255) && want.contains(&0));
        for encoding in [(6, 8, false), (2, 8, false), (0, 8, false), (0, 1, false), (3, 1, false)] {
            let gray = decode_png(&shape.encode(encoding, false)).unwrap();
            assert_eq!((gray.width as usize, gray.height as usize), (shape.side, shape.side));
            assert!(gray.pixels == want, "{encoding:?}");
        }
    }

    /// The path the fast ones must equal.
    fn decode_general(bytes: &[u8]) -> Gray {
        let mut reader = open(bytes).unwrap();
        let (width, height) = (reader.info().width, reader.info().height);
        let w = width as usize;
        let channels = reader.output_color_type().0.samples();
        let mut pixels = vec![255u8; w * height as usize];
        let mut y = 0;
        while let Some(row) = reader.next_interlaced_row().unwrap() {
            let mut line = vec![0; row.data().len() / channels];
            to_luma_exact(row.data(), channels, &mut line);
            match row.interlace() {
                png::InterlaceInfo::Null(_) => {
                    pixels[y * w..][..w].copy_from_slice(&line);
                    y += 1;
                }
                png::InterlaceInfo::Adam7(info) => png::expand_interlaced_row(&mut pixels, w, &line, info, 8),
            }
        }
        reader.finish().unwrap();
        Gray { width, height, pixels }
    }

    /// (colour type, bit depth, tRNS): every kind of PNG.
    const ENCODINGS: [(u8, u8, bool); 21] = [
        (0, 1, false),
        (0, 2, false),
        (0, 4, false),
        (0, 8, false),
        (0, 16, false),
        (0, 8, true),
        (0, 16, true),
        (4, 8, false),
        (4, 16, false),
        (2, 8, false),
        (2, 16, false),
        (2, 8, true),
        (6, 8, false),
        (6, 16, false),
        (3, 1, false),
        (3, 2, false),
        (3, 4, false),
        (3, 8, false),
        (3, 1, true),
        (3, 4, true),
        (3, 8, true),
    ];

    /// A QR picture: how much ink covers each pixel, and the colours of ink
    /// and paper (RGBA).
    struct Shape {
        name: &'static str,
        side: usize,
        ink: Vec<f32>,
        dark: [u8; 4],
        light: [u8; 4],
    }

    fn shapes() -> Vec<Shape> {
        let (side, sharp) = qr(4, 4);
        let (small, blurred) = {
            let (side, ink) = qr(4, 2);
            (side, blur(&ink, side))
        };
        let (black, white) = ([0, 0, 0, 255], [255, 255, 255, 255]);
        vec![
            // GREEN-API's: 276x276, 4 px per module, 4 modules of border.
            Shape { name: "two-colour", side, ink: sharp, dark: black, light: white },
            Shape { name: "smoothed gray", side: small, ink: blurred.clone(), dark: black, light: white },
            Shape {
                name: "coloured",
                side: small,
                ink: blurred.clone(),
                dark: [20, 30, 110, 255],
                light: [255, 250, 205, 255],
            },
            Shape { name: "ink over transparency", side: small, ink: blurred, dark: black, light: [0, 0, 0, 0] },
        ]
    }

    /// A version 11, level M code of a 217-character payload.
    fn qr(scale: usize, border: usize) -> (usize, Vec<f32>) {
        let payload: String = (0..217u32).map(|i| char::from(b'A' + (i * 7 % 26) as u8)).collect();
        let code = QrCode::with_version(payload.as_bytes(), Version::Normal(11), EcLevel::M).unwrap();
        let (size, colors) = (code.width(), code.to_colors());
        let side = (size + 2 * border) * scale;
        let ink = (0..side * side)
            .map(|i| {
                let (mx, my) = ((i % side / scale).wrapping_sub(border), (i / side / scale).wrapping_sub(border));
                f32::from(u8::from(mx < size && my < size && colors[my * size + mx] == Color::Dark))
            })
            .collect();
        (side, ink)
    }

    /// 3x3 box blur: gray edges, as a resampled picture has.
    fn blur(ink: &[f32], side: usize) -> Vec<f32> {
        let at = |x: usize, y: usize| ink[y.min(side - 1) * side + x.min(side - 1)];
        (0..side * side)
            .map(|i| {
                let (x, y) = (i % side + 1, i / side + 1);
                (0..9).map(|k| at(x + k % 3 - 1, y + k / 3 - 1)).sum::<f32>() / 9.0
            })
            .collect()
    }

    impl Shape {
        fn rgba(&self, i: usize) -> [u8; 4] {
            let t = self.ink[i];
            [0, 1, 2, 3].map(|c| (f32::from(self.light[c]) * (1.0 - t) + f32::from(self.dark[c]) * t).round() as u8)
        }

        fn encode(&self, (color, depth, trns): (u8, u8, bool), interlaced: bool) -> Vec<u8> {
            let scale = |v: u8| -> u16 {
                match depth {
                    16 => u16::from(v) * 257,
                    d => u16::from(v >> (8 - d)),
                }
            };
            let levels = 1usize << depth.min(8);
            let palette: Vec<[u8; 4]> = (0..levels)
                .map(|k| {
                    let t = k as f32 / (levels - 1) as f32;
                    [0, 1, 2, 3].map(|c| (f32::from(self.light[c]) * (1.0 - t) + f32::from(self.dark[c]) * t) as u8)
                })
                .collect();
            let gray_of = |p: [u8; 4]| luma(p[0], p[1], p[2]);
            let light = self.light;
            let samples = |i: usize| -> Vec<u16> {
                let p = self.rgba(i);
                match color {
                    0 => vec![scale(gray_of(p))],
                    4 => vec![scale(gray_of(p)), scale(p[3])],
                    2 => vec![scale(p[0]), scale(p[1]), scale(p[2])],
                    6 => p.iter().map(|&c| scale(c)).collect(),
                    _ => vec![(self.ink[i] * (levels - 1) as f32).round() as u16],
                }
            };
            let (plte, trns) = match (color, trns) {
                (3, with) => (
                    Some(palette.iter().flat_map(|p| [p[0], p[1], p[2]]).collect::<Vec<u8>>()),
                    with.then(|| palette.iter().map(|p| p[3]).collect()),
                ),
                (0, true) => (None, Some(scale(gray_of(light)).to_be_bytes().to_vec())),
                (2, true) => (None, Some(light[..3].iter().flat_map(|&c| scale(c).to_be_bytes()).collect())),
                _ => (None, None),
            };
            png_file(self.side, color, depth, plte.as_deref(), trns.as_deref(), interlaced, &samples)
        }
    }

    /// A PNG from samples, written plainly: filter type 0, stored deflate.
    fn png_file(
        side: usize,
        color: u8,
        depth: u8,
        plte: Option<&[u8]>,
        trns: Option<&[u8]>,
        interlaced: bool,
        samples: &dyn Fn(usize) -> Vec<u16>,
    ) -> Vec<u8> {
        let passes: &[(usize, usize, usize, usize)] = if interlaced {
            &[(0, 8, 0, 8), (4, 8, 0, 8), (0, 4, 4, 8), (2, 4, 0, 4), (0, 2, 2, 4), (1, 2, 0, 2), (0, 1, 1, 2)]
        } else {
            &[(0, 1, 0, 1)]
        };
        let mut raw = Vec::new();
        for &(x0, dx, y0, dy) in passes {
            if x0 >= side || y0 >= side {
                continue;
            }
            for y in (y0..side).step_by(dy) {
                raw.push(0);
                let row: Vec<u16> = (x0..side).step_by(dx).flat_map(|x| samples(y * side + x)).collect();
                raw.extend(pack(&row, depth));
            }
        }
        let mut ihdr = Vec::new();
        ihdr.extend_from_slice(&(side as u32).to_be_bytes());
        ihdr.extend_from_slice(&(side as u32).to_be_bytes());
        ihdr.extend_from_slice(&[depth, color, 0, 0, u8::from(interlaced)]);
        let mut out = SIGNATURE.to_vec();
        chunk(&mut out, b"IHDR", &ihdr);
        if let Some(p) = plte {
            chunk(&mut out, b"PLTE", p);
        }
        if let Some(t) = trns {
            chunk(&mut out, b"tRNS", t);
        }
        chunk(&mut out, b"IDAT", &zlib_stored(&raw));
        chunk(&mut out, b"IEND", &[]);
        out
    }

    fn pack(samples: &[u16], depth: u8) -> Vec<u8> {
        match depth {
            16 => samples.iter().flat_map(|s| s.to_be_bytes()).collect(),
            8 => samples.iter().map(|&s| s as u8).collect(),
            d => samples
                .chunks(8 / d as usize)
                .map(|c| c.iter().enumerate().fold(0u8, |b, (i, &s)| b | (s as u8) << (8 - d as usize * (i + 1))))
                .collect(),
        }
    }

    fn zlib_stored(data: &[u8]) -> Vec<u8> {
        let mut out = vec![0x78, 0x01];
        let blocks: Vec<&[u8]> = data.chunks(65535).collect();
        for (i, b) in blocks.iter().enumerate() {
            out.push(u8::from(i + 1 == blocks.len()));
            out.extend_from_slice(&(b.len() as u16).to_le_bytes());
            out.extend_from_slice(&(!(b.len() as u16)).to_le_bytes());
            out.extend_from_slice(b);
        }
        let (a, b) =
            data.iter().fold((1u32, 0u32), |(a, b), &x| ((a + u32::from(x)) % 65521, (b + a + u32::from(x)) % 65521));
        out.extend_from_slice(&((b << 16) | a).to_be_bytes());
        out
    }

    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let start = out.len();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let crc = !out[start..].iter().fold(!0u32, |crc, &byte| {
            (0..8).fold(crc ^ u32::from(byte), |c, _| if c & 1 != 0 { (c >> 1) ^ 0xedb8_8320 } else { c >> 1 })
        });
        out.extend_from_slice(&crc.to_be_bytes());
    }
}
