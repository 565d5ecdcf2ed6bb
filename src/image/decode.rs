//! The whole picture to luminance, row by row, through the png crate's reader.

use super::luma::to_luma;
use super::{before_data, corrupt, file, header, Gray, ImageError, DECODER_LIMIT_BYTES};
use std::io::Cursor;

/// Decode a complete PNG into luminance, alpha composited over white.
///
/// Every PNG colour type and bit depth is accepted (palettes with or without
/// `tRNS`, 16-bit samples, Adam7 interlacing). Images whose header claims a
/// side over [`MAX_SIDE`](super::MAX_SIDE) are refused before any pixel data is decoded. A
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
pub(super) fn open(bytes: &[u8]) -> Result<Reader<'_>, ImageError> {
    file(bytes)?;
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: DECODER_LIMIT_BYTES });
    // Metadata we never use: skip it, so compressed text cannot inflate.
    decoder.set_ignore_text_chunk(true);
    decoder.set_ignore_iccp_chunk(true);
    let (width, height) = {
        let info = decoder.read_header_info().map_err(corrupt)?;
        (info.width, info.height)
    };
    header(width, height)?;
    // Every output sample is 8 bits, whatever the file holds; for 8-bit
    // gray, RGB and RGBA without tRNS this is the crate's plain row copy.
    decoder.set_transformations(png::Transformations::EXPAND | png::Transformations::STRIP_16);
    let reader = decoder.read_info().map_err(corrupt)?;
    before_data(reader.info())?;
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

#[cfg(test)]
mod tests {
    use super::super::luma::to_luma_exact;
    use super::super::test_png::{shapes, ENCODINGS};
    use super::super::SIGNATURE;
    use super::*;

    #[test]
    fn short_input_is_not_png() {
        assert_eq!(decode_png(b""), Err(ImageError::NotPng));
        assert_eq!(decode_png(&SIGNATURE[..7]), Err(ImageError::NotPng));
        assert!(matches!(decode_png(&SIGNATURE), Err(ImageError::Corrupt(_))));
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
}
