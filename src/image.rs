//! PNG bytes to a luminance grid. Pure: no I/O.
//!
//! The header is checked against [`MAX_SIDE`] before any pixel data is
//! touched, and the pixels are then decoded row by row straight into the
//! one-byte-per-pixel output: the full RGBA (or RGBA16) frame is never held.

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
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let mut reader = decoder.read_info().map_err(corrupt)?;
    // The png crate panics expanding a palette of partial entries (found by fuzzing).
    if reader.info().palette.as_ref().is_some_and(|p| p.len() % 3 != 0) {
        return Err(ImageError::Corrupt("palette length is not a multiple of 3".into()));
    }
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
    let w = width as usize;
    let h = height as usize;
    let mut pixels = vec![255u8; w * h];
    let mut line = Vec::with_capacity(w);
    let mut y = 0usize;
    while let Some(row) = reader.next_interlaced_row().map_err(corrupt)? {
        line.clear();
        to_luma(row.data(), channels, &mut line);
        match row.interlace() {
            png::InterlaceInfo::Null(_) => {
                let start = y * w;
                let dst = pixels
                    .get_mut(start..start + w)
                    .ok_or_else(|| ImageError::Corrupt("more rows than the header says".into()))?;
                if line.len() != w {
                    return Err(ImageError::Corrupt("row of the wrong length".into()));
                }
                dst.copy_from_slice(&line);
                y += 1;
            }
            png::InterlaceInfo::Adam7(info) => {
                png::expand_interlaced_row(&mut pixels, w, &line, info, 8);
            }
        }
    }
    // Read on to IEND: a file cut after its image data is still incomplete.
    reader.finish().map_err(corrupt)?;
    Ok(Gray { width, height, pixels })
}

/// Append the luminance of each pixel of an 8-bit row, alpha over white.
fn to_luma(row: &[u8], channels: usize, out: &mut Vec<u8>) {
    match channels {
        1 => out.extend_from_slice(row),
        2 => out.extend(row.chunks_exact(2).map(|p| match p {
            [l, a] => over_white(*l, *a),
            _ => 255,
        })),
        3 => out.extend(row.chunks_exact(3).map(|p| match p {
            [r, g, b] => luma(*r, *g, *b),
            _ => 255,
        })),
        _ => out.extend(row.chunks_exact(4).map(|p| match p {
            [r, g, b, a] => over_white(luma(*r, *g, *b), *a),
            _ => 255,
        })),
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
}
