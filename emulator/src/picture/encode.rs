//! PNG files: the one GREEN-API sends, byte layout and all, and plain ones
//! from the png crate for the other pictures.

use super::deflate::{zlib_rle, ZLIB_HEADER};

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
const RGBA: u8 = 6;
const BYTES_PER_PIXEL: usize = 4;

/// 8-bit RGBA, not interlaced, each row filtered the way pngjs picks (the
/// filter with the smallest sum of absolute differences), a `Z_RLE` zlib
/// stream split as Node's zlib hands it over: a 2-byte IDAT with the zlib
/// header, then one IDAT with the rest.
pub(crate) fn pngjs_rgba(width: u32, height: u32, rgba: &[u8]) -> Vec<u8> {
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend(width.to_be_bytes());
    ihdr.extend(height.to_be_bytes());
    ihdr.extend([8, RGBA, 0, 0, 0]); // depth, colour type, compression, filter, interlace
    let stream = zlib_rle(&filter_rows(rgba, width as usize * BYTES_PER_PIXEL));
    let (header, rest) = stream.split_at(ZLIB_HEADER.len());
    let mut out = SIGNATURE.to_vec();
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", header);
    chunk(&mut out, b"IDAT", rest);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// Each row prefixed with its filter type and filtered (pngjs's adaptive choice).
fn filter_rows(pixels: &[u8], stride: usize) -> Vec<u8> {
    let stride = stride.max(1);
    let mut out = Vec::with_capacity(pixels.len() + pixels.len() / stride);
    let zeros = vec![0u8; stride];
    let mut up: &[u8] = &zeros;
    for row in pixels.chunks_exact(stride) {
        // A repeated row that is not all zeros: Up and Paeth both sum to 0 and
        // no other type can, so pngjs picks Up. (A shortcut: most rows repeat.)
        if row == up && row.iter().any(|&b| b != 0) {
            out.push(2);
            out.resize(out.len() + row.len(), 0);
        } else {
            let kind = best_filter(row, up);
            out.push(kind as u8);
            out.extend((0..row.len()).map(|i| row[i].wrapping_sub(predictions(row, up, i)[kind] as u8)));
        }
        up = row;
    }
    out
}

/// The filter type pngjs picks: the smallest sum of plain (not wrapped)
/// differences; ties go to the lower type.
fn best_filter(row: &[u8], up: &[u8]) -> usize {
    let mut sums = [0u32; 5];
    for i in 0..row.len() {
        let (x, predictions) = (i32::from(row[i]), predictions(row, up, i));
        for (sum, predicted) in sums.iter_mut().zip(predictions) {
            *sum += (x - predicted).unsigned_abs();
        }
    }
    (0..5).min_by_key(|&k| sums[k]).unwrap_or(0)
}

/// What filter types 0 to 4 predict for byte `i` of `row`, below `up`.
fn predictions(row: &[u8], up: &[u8], i: usize) -> [i32; 5] {
    let (a, c) = match i.checked_sub(BYTES_PER_PIXEL) {
        Some(left) => (i32::from(row[left]), i32::from(up[left])),
        None => (0, 0),
    };
    let b = i32::from(up[i]);
    [0, a, b, (a + b) / 2, paeth(a, b, c)]
}

fn paeth(a: i32, b: i32, c: i32) -> i32 {
    let p = a + b - c;
    let (pa, pb, pc) = ((p - a).abs(), (p - b).abs(), (p - c).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend((data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend(kind);
    out.extend(data);
    let crc = crc32(&out[start..]);
    out.extend(crc.to_be_bytes());
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// An 8-bit PNG from the png crate; an (impossible in practice) encoder
/// failure gives an empty vector rather than a panic.
pub(crate) fn plain(width: u32, height: u32, color: png::ColorType, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let result = (|| -> Result<(), png::EncodingError> {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header()?;
        writer.write_image_data(pixels)?;
        writer.finish()
    })();
    match result {
        Ok(()) => out,
        Err(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_pick_what_pngjs_picks() {
        let stride = 8;
        let white = [255u8; 8];
        let mixed = [0, 0, 0, 255, 255, 255, 255, 255];
        let rows: Vec<u8> = [white, mixed, mixed].concat();
        let out = filter_rows(&rows, stride);
        // A white first row: Sub (only the first pixel differs) beats None; a
        // row like the one above: Up (all zeros).
        assert_eq!(out[0], 1);
        assert_eq!(out[2 * (stride + 1)], 2);
        assert!(out[2 * (stride + 1) + 1..].iter().all(|&b| b == 0));
        assert_eq!(crc32(b"IEND"), 0xAE42_6082);
    }

    #[test]
    fn the_repeated_row_shortcut_agrees_with_the_full_choice() {
        let mut rng = crate::Rng::new(1);
        for _ in 0..200 {
            let row: Vec<u8> = (0..12).map(|_| [0, 255, rng.byte()][rng.below(3)]).collect();
            if row.iter().any(|&b| b != 0) {
                assert_eq!(best_filter(&row, &row), 2, "{row:?}");
            }
        }
    }

    #[test]
    fn decodes_with_the_png_crate() {
        let (w, h) = (13u32, 7u32);
        let rgba: Vec<u8> = (0..w * h).flat_map(|i| if i % 3 == 0 { [0, 0, 0, 255] } else { [255; 4] }).collect();
        let png_bytes = pngjs_rgba(w, h, &rgba);
        let mut reader = png::Decoder::new(std::io::Cursor::new(&png_bytes)).read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height, info.color_type), (w, h, png::ColorType::Rgba));
        assert_eq!(buf, rgba);
    }
}
