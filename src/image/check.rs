//! Is this a complete, intact PNG? The png crate's own chunk reader and
//! inflater, without rebuilding a pixel.
//!
//! A PNG's pixels are stored filtered: each row starts with a filter type
//! and holds differences from its neighbours. Undoing the filters is half of
//! what decoding costs, and it cannot fail except on a filter type over 4.
//! So the check runs the png crate's `StreamingDecoder` (signature, chunk
//! order, every CRC, the header's fields) and lets it inflate the image
//! data into a small rolling window, where only the filter type of each row
//! is read. The rules are [`decode_png`](super::decode_png)'s, in the same
//! order, so the two accept exactly the same files (tested on every kind of
//! PNG, and by the mutation tests and the `png` fuzz target).

use super::{before_data, corrupt, file, header, ImageError};
use png::{chunk, Decoded, StreamingDecoder, UnfilterRegion};

/// What a checked PNG's header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub width: u32,
    pub height: u32,
}

/// Check that `bytes` are a complete PNG that [`decode_png`](super::decode_png)
/// decodes, without decoding its pixels.
pub fn check_png(bytes: &[u8]) -> Result<Header, ImageError> {
    file(bytes)?;
    let mut options = png::DecodeOptions::default();
    // As `decode_png`: metadata we never use is skipped, so it cannot inflate.
    options.set_ignore_text_chunk(true);
    options.set_ignore_iccp_chunk(true);
    let mut decoder = StreamingDecoder::new_with_options(options);
    let (mut input, mut image, mut stalled) = (bytes, None::<ImageData>, 0);
    loop {
        if input.is_empty() {
            return Err(ImageError::Corrupt("the file ends before its IEND chunk".into()));
        }
        let before = image.as_ref().map_or(0, ImageData::produced);
        let (used, event) = match image.as_mut().filter(|d| !d.complete()) {
            Some(data) => data.inflate(&mut decoder, input)?,
            None => decoder.update(input, None).map_err(corrupt)?,
        };
        input = input.get(used..).unwrap_or_default();
        // Every call but the one that finishes the image data takes input
        // or gives pixels; guard against a decoder that does neither.
        stalled = if used == 0 && image.as_ref().map_or(0, ImageData::produced) == before { stalled + 1 } else { 0 };
        if stalled > MAX_STALLS {
            return Err(ImageError::Corrupt("the image data stopped making progress".into()));
        }
        match event {
            Decoded::ChunkComplete(chunk::IHDR) => {
                let info = decoder.info().ok_or_else(|| ImageError::Corrupt("IHDR was not read".into()))?;
                header(info.width, info.height)?;
                image = Some(ImageData::new(info));
            }
            Decoded::ChunkBegin(_, chunk::IDAT) => {
                if let Some(info) = decoder.info() {
                    before_data(info)?;
                }
            }
            Decoded::ImageDataFlushed if !image.as_ref().is_some_and(ImageData::complete) => {
                return Err(ImageError::Corrupt("the image data ends before its last row".into()));
            }
            Decoded::ChunkComplete(chunk::IEND) => {
                return match image {
                    Some(data) if data.complete() => Ok(data.header),
                    _ => Err(ImageError::Corrupt("IDAT or fdAT chunk is missing.".into())),
                };
            }
            _ => {}
        }
    }
}

/// Calls in a row that may neither take input nor give pixels: a finished
/// image data stream takes one, a full window another.
const MAX_STALLS: u32 = 4;

/// How far back a deflate stream may refer: what the window must keep.
const LOOKBACK: usize = 32 * 1024;
/// How much the window grows by for each call into the inflater.
const STEP: usize = 32 * 1024;

/// The image data, inflated into a window of at most `2 * LOOKBACK + STEP`
/// bytes, and where the next row's filter type falls in it.
struct ImageData {
    header: Header,
    window: Vec<u8>,
    region: UnfilterRegion,
    /// The stream offset of `window[0]`.
    base: usize,
    /// The stream's length as the png crate counts it: by the header, plus
    /// a byte a line for Adam7's passes that have no columns (a picture at
    /// most 4 px wide), which never come; `decode_png` then needs the zlib
    /// stream to end.
    total: usize,
    /// The bytes of all the rows there are.
    rows_total: usize,
    /// The zlib stream has ended.
    ended: bool,
    rows: Rows,
}

impl ImageData {
    fn new(info: &png::Info) -> ImageData {
        let rows = Rows::of(info);
        let (rows_total, total) = (rows.total(), rows.total() + rows.empty_lines);
        let region = UnfilterRegion { available: 0, filled: 0 };
        let header = Header { width: info.width, height: info.height };
        ImageData { header, window: Vec::new(), region, base: 0, total, rows_total, ended: false, rows }
    }

    fn produced(&self) -> usize {
        self.base + self.region.filled
    }

    /// All that `decode_png` waits for has come: the stream's whole length,
    /// or every row and the end of the zlib stream.
    fn complete(&self) -> bool {
        self.produced() >= self.total || (self.ended && self.produced() >= self.rows_total)
    }

    /// One call into the decoder with room for more image data, then the
    /// filter types of the rows it completed.
    fn inflate(&mut self, decoder: &mut StreamingDecoder, input: &[u8]) -> Result<(usize, Decoded), ImageError> {
        self.make_room();
        let got = decoder.update(input, Some(&mut self.region.as_buf(&mut self.window))).map_err(corrupt)?;
        // The crate marks the whole window free to reuse once the stream has ended.
        let UnfilterRegion { available, filled } = self.region;
        self.ended |= filled > 0 && available == filled;
        self.check_rows()?;
        Ok(got)
    }

    /// Drop what the inflater may no longer refer to once the window is
    /// full enough, then make room for the next step, but never past the
    /// stream's end: the inflater writes up to the window's end, and
    /// anything after the last row is not read (as `decode_png` reads it).
    fn make_room(&mut self) {
        let UnfilterRegion { available, filled } = self.region;
        if filled >= 2 * LOOKBACK && available > 0 {
            self.window.copy_within(available..filled, 0);
            self.base += available;
            self.region = UnfilterRegion { available: 0, filled: filled - available };
        }
        let filled = self.region.filled;
        let room = STEP.min(self.total.saturating_sub(self.produced()));
        self.window.resize(filled + room, 0);
    }

    /// Each row whose first byte has been inflated: its filter type must be
    /// one of the five.
    fn check_rows(&mut self) -> Result<(), ImageError> {
        while let Some(at) = self.rows.next.filter(|&at| at < self.produced()) {
            let kind = at.checked_sub(self.base).and_then(|i| self.window.get(i)).copied();
            match kind {
                Some(kind) if kind <= 4 => self.rows.advance(),
                Some(kind) => return Err(ImageError::Corrupt(format!("unknown filter method {kind}"))),
                None => return Err(ImageError::Corrupt("a row's filter type was lost".into())),
            }
        }
        Ok(())
    }
}

/// The rows of the image data in order, as runs of equal length (one run,
/// or one for each non-empty Adam7 pass).
struct Rows {
    /// (bytes a row, filter type included; rows)
    runs: Vec<(usize, usize)>,
    /// Where the next unchecked row starts, if any is left.
    next: Option<usize>,
    /// Lines of Adam7 passes without columns: no bytes in the stream.
    empty_lines: usize,
    run: usize,
    left: usize,
}

impl Rows {
    fn of(info: &png::Info) -> Rows {
        let (w, h) = (info.width as usize, info.height as usize);
        let bits = info.color_type.samples() * info.bit_depth as usize;
        let row = |width: usize| 1 + (width * bits).div_ceil(8);
        let passes: Vec<(usize, usize)> = match info.interlaced {
            true => ADAM7
                .iter()
                .map(|&(x0, dx, y0, dy)| (w.saturating_sub(x0).div_ceil(dx), h.saturating_sub(y0).div_ceil(dy)))
                .collect(),
            false => vec![(w, h)],
        };
        let empty_lines = passes.iter().filter(|&&(pw, _)| pw == 0).map(|&(_, ph)| ph).sum();
        let runs: Vec<(usize, usize)> =
            passes.into_iter().filter(|&(pw, ph)| pw > 0 && ph > 0).map(|(pw, ph)| (row(pw), ph)).collect();
        let left = runs.first().map_or(0, |&(_, n)| n);
        Rows { next: (left > 0).then_some(0), empty_lines, runs, run: 0, left }
    }

    fn total(&self) -> usize {
        self.runs.iter().map(|&(len, n)| len * n).sum()
    }

    fn advance(&mut self) {
        let (Some(at), Some(&(len, _))) = (self.next, self.runs.get(self.run)) else { return };
        self.left -= 1;
        while self.left == 0 {
            self.run += 1;
            match self.runs.get(self.run) {
                Some(&(_, n)) => self.left = n,
                None => {
                    self.next = None;
                    return;
                }
            }
        }
        self.next = Some(at + len);
    }
}

/// Adam7's passes: (first column, column step, first row, row step).
const ADAM7: [(usize, usize, usize, usize); 7] =
    [(0, 8, 0, 8), (4, 8, 0, 8), (0, 4, 4, 8), (2, 4, 0, 4), (0, 2, 2, 4), (1, 2, 0, 2), (0, 1, 1, 2)];

#[cfg(test)]
mod tests {
    use super::super::test_png::{chunk, shapes, ENCODINGS};
    use super::super::{decode_png, MAX_FILE, SIGNATURE};
    use super::*;

    /// `check_png` accepts `png`, as `decode_png` does, with the same header.
    fn agree(png: &[u8], what: &str) {
        let decoded = decode_png(png).map(|g| Header { width: g.width, height: g.height });
        assert!(decoded.is_ok(), "{what}: {decoded:?}");
        assert_eq!(check_png(png).ok(), decoded.ok(), "{what}");
    }

    #[test]
    fn accepts_every_kind_of_png_decode_png_accepts() {
        for (s, shape) in shapes().iter().enumerate() {
            for encoding in ENCODINGS {
                for interlaced in [false, true].into_iter().take(if s % 2 == 1 { 2 } else { 1 }) {
                    let png = shape.encode(encoding, interlaced);
                    agree(&png, &format!("{} {encoding:?} adam7={interlaced}", shape.name));
                }
            }
        }
    }

    #[test]
    fn green_api_pictures_pass() {
        for seed in 0..4 {
            let png = scanqr_emulator::qr_png(&scanqr_emulator::whatsapp_payload(seed));
            assert_eq!(check_png(&png), Ok(Header { width: 276, height: 276 }));
        }
    }

    /// Cut anywhere in the header and chunk boundaries, and all through the image data.
    #[test]
    fn every_cut_is_refused_as_decode_png_refuses_it() {
        let png = scanqr_emulator::qr_png(&scanqr_emulator::whatsapp_payload(7));
        let mut ends: Vec<usize> = (0..80).chain((80..png.len()).step_by(23)).collect();
        let mut at = 8usize;
        for (_, data) in chunks(&png) {
            ends.extend(at.saturating_sub(2)..(at + 10).min(png.len()));
            at += 12 + data.len();
        }
        ends.extend(png.len() - 14..png.len());
        for end in ends {
            let cut = &png[..end];
            assert!(check_png(cut).is_err() && decode_png(cut).is_err(), "cut at {end}");
        }
    }

    #[test]
    fn a_bad_filter_type_is_refused_in_any_row() {
        let shape = &shapes()[1];
        for interlaced in [false, true] {
            let png = shape.encode((0, 8, false), interlaced);
            let (good, rows) = raw_rows(&png);
            for &row in rows.iter().step_by(7).chain(rows.last()) {
                let mut raw = good.clone();
                raw[row] = 5;
                let bad = with_image_data(&png, &raw);
                assert!(check_png(&bad).is_err(), "row at {row}, adam7={interlaced}");
                assert!(decode_png(&bad).is_err(), "row at {row}, adam7={interlaced}");
            }
        }
    }

    #[test]
    fn image_data_split_over_many_chunks_passes() {
        let png = scanqr_emulator::qr_png(&scanqr_emulator::whatsapp_payload(3));
        let (raw, _) = raw_rows(&png);
        for size in [1, 7, 4096] {
            let split = with_image_data_in(&png, &raw, size);
            assert_eq!(check_png(&split), Ok(Header { width: 276, height: 276 }), "IDATs of {size}");
        }
    }

    #[test]
    fn data_past_the_last_row_is_not_read_as_decode_png_does_not() {
        let png = shapes()[0].encode((0, 8, false), false);
        let (mut raw, _) = raw_rows(&png);
        raw.extend_from_slice(&[9; 100]);
        agree(&with_image_data(&png, &raw), "trailing bytes");
    }

    #[test]
    fn missing_image_data_short_data_and_animation_are_refused() {
        let png = shapes()[0].encode((0, 8, false), false);
        let (raw, _) = raw_rows(&png);
        let short = with_image_data(&png, &raw[..raw.len() - 1]);
        let no_data: Vec<u8> = without(&png, b"IDAT");
        let mut animated = png[..33].to_vec();
        chunk(&mut animated, b"acTL", &[0, 0, 0, 1, 0, 0, 0, 0]);
        animated.extend_from_slice(&png[33..]);
        for (bad, what) in [(short, "short"), (no_data, "no IDAT"), (animated, "acTL")] {
            assert!(check_png(&bad).is_err() && decode_png(&bad).is_err(), "{what}");
        }
    }

    #[test]
    fn not_png_and_too_large() {
        assert_eq!(check_png(b"GIF89a"), Err(ImageError::NotPng));
        // Larger than a websocket message can carry: refused both ways before anything is read.
        let mut padded = scanqr_emulator::qr_png(&scanqr_emulator::whatsapp_payload(5));
        padded.resize(MAX_FILE + 1, 0);
        for got in [check_png(&padded).err(), decode_png(&padded).err()] {
            assert_eq!(got, Some(ImageError::FileTooLarge { bytes: MAX_FILE + 1 }));
        }
        let mut huge = SIGNATURE.to_vec();
        let ihdr = [&4096u32.to_be_bytes()[..], &16u32.to_be_bytes(), &[8, 0, 0, 0, 0]].concat();
        chunk(&mut huge, b"IHDR", &ihdr);
        assert_eq!(check_png(&huge), Err(ImageError::TooLarge { width: 4096, height: 16 }));
    }

    /// Odd layouts: both ways must give the same answer (most of these are refused).
    #[test]
    fn odd_layouts_get_the_same_answer_both_ways() {
        let ihdr = |w: u32, h: u32, depth: u8, color: u8, interlace: u8| {
            [&w.to_be_bytes()[..], &h.to_be_bytes(), &[depth, color, 0, 0, interlace]].concat()
        };
        let zlib = |raw: &[u8]| miniz_oxide::deflate::compress_to_vec_zlib(raw, 6);
        let file = |parts: &[(&[u8; 4], Vec<u8>)]| {
            let mut out = SIGNATURE.to_vec();
            for (kind, data) in parts {
                chunk(&mut out, kind, data);
            }
            out
        };
        let gray_rows = |w: usize, h: usize| [&[0u8][..], &vec![128; w]].concat().repeat(h);
        let adam7 = |w: usize, h: usize| {
            let mut raw = Vec::new();
            for (x0, dx, y0, dy) in ADAM7 {
                let (pw, ph) = (w.saturating_sub(x0).div_ceil(dx), h.saturating_sub(y0).div_ceil(dy));
                if pw > 0 && ph > 0 {
                    raw.extend([&[0u8][..], &vec![77; pw]].concat().repeat(ph));
                }
            }
            raw
        };
        let one = zlib(&gray_rows(3, 2));
        let (head, tail) = one.split_at(3);
        let mut bad_crc =
            file(&[(b"IHDR", ihdr(3, 2, 8, 0, 0)), (b"IDAT", head.to_vec()), (b"tEXt", b"a\0b".to_vec())]);
        let at = bad_crc.len() - 1;
        bad_crc[at] ^= 1;
        let mut cases: Vec<(String, Vec<u8>)> = Vec::new();
        for (w, h) in [(1, 1), (2, 2), (3, 1), (1, 3), (4, 9), (1, 300), (5, 9), (9, 5)] {
            let stream = zlib(&adam7(w as usize, h as usize));
            let unended = stream[..stream.len() - 4].to_vec();
            for (how, data) in [("", stream), (", no adler32", unended)] {
                let png = file(&[(b"IHDR", ihdr(w, h, 8, 0, 1)), (b"IDAT", data), (b"IEND", vec![])]);
                cases.push((format!("adam7 {w}x{h}{how}"), png));
            }
        }
        cases.extend([
            (
                "empty IDATs around the data".into(),
                file(&[
                    (b"IHDR", ihdr(3, 2, 8, 0, 0)),
                    (b"IDAT", vec![]),
                    (b"IDAT", one.clone()),
                    (b"IDAT", vec![]),
                    (b"IEND", vec![]),
                ]),
            ),
            (
                "a chunk between IDATs".into(),
                file(&[
                    (b"IHDR", ihdr(3, 2, 8, 0, 0)),
                    (b"IDAT", head.to_vec()),
                    (b"tEXt", b"a\0b".to_vec()),
                    (b"IDAT", tail.to_vec()),
                    (b"IEND", vec![]),
                ]),
            ),
            (
                "two IHDR".into(),
                file(&[
                    (b"IHDR", ihdr(3, 2, 8, 0, 0)),
                    (b"IHDR", ihdr(3, 2, 8, 0, 0)),
                    (b"IDAT", one.clone()),
                    (b"IEND", vec![]),
                ]),
            ),
            (
                "IDAT after IEND".into(),
                file(&[(b"IHDR", ihdr(3, 2, 8, 0, 0)), (b"IEND", vec![]), (b"IDAT", one.clone())]),
            ),
            (
                "a zlib stream cut short".into(),
                file(&[(b"IHDR", ihdr(3, 2, 8, 0, 0)), (b"IDAT", head.to_vec()), (b"IEND", vec![])]),
            ),
            (
                "no adler32".into(),
                file(&[(b"IHDR", ihdr(3, 2, 8, 0, 0)), (b"IDAT", one[..one.len() - 4].to_vec()), (b"IEND", vec![])]),
            ),
            (
                "a palette image without PLTE".into(),
                file(&[(b"IHDR", ihdr(3, 2, 8, 3, 0)), (b"IDAT", one.clone()), (b"IEND", vec![])]),
            ),
            (
                "a bad ancillary CRC, then the rest".into(),
                [bad_crc, file(&[(b"IDAT", tail.to_vec()), (b"IEND", vec![])])[8..].to_vec()].concat(),
            ),
        ]);
        for (what, png) in cases {
            let decoded = decode_png(&png).map(|g| g.header());
            assert_eq!(check_png(&png).ok(), decoded.as_ref().ok().copied(), "{what}: decode_png says {decoded:?}");
        }
    }

    /// The inflated image data of `png`, and where each row starts.
    fn raw_rows(png: &[u8]) -> (Vec<u8>, Vec<usize>) {
        let idat: Vec<u8> = chunks(png).into_iter().filter(|(k, _)| k == b"IDAT").flat_map(|(_, d)| d).collect();
        let raw = miniz_oxide::inflate::decompress_to_vec_zlib(&idat).unwrap();
        let mut decoder = StreamingDecoder::new();
        let mut rest = png;
        while decoder.info().is_none() {
            let (n, _) = decoder.update(rest, None).unwrap();
            rest = &rest[n..];
        }
        let mut rows = Rows::of(decoder.info().unwrap());
        let mut starts = Vec::new();
        while let Some(at) = rows.next {
            starts.push(at);
            rows.advance();
        }
        assert_eq!(rows.total(), raw.len());
        (raw, starts)
    }

    fn chunks(png: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
        let mut out = Vec::new();
        let mut at = 8;
        while at + 12 <= png.len() {
            let len = u32::from_be_bytes(png[at..at + 4].try_into().unwrap()) as usize;
            out.push((png[at + 4..at + 8].try_into().unwrap(), png[at + 8..at + 8 + len].to_vec()));
            at += 12 + len;
        }
        out
    }

    fn without(png: &[u8], kind: &[u8; 4]) -> Vec<u8> {
        let mut out = SIGNATURE.to_vec();
        for (k, data) in chunks(png).into_iter().filter(|(k, _)| k != kind) {
            chunk(&mut out, &k, &data);
        }
        out
    }

    fn with_image_data(png: &[u8], raw: &[u8]) -> Vec<u8> {
        with_image_data_in(png, raw, usize::MAX)
    }

    /// `png` with its image data replaced by `raw`, compressed, in IDATs of `size` bytes.
    fn with_image_data_in(png: &[u8], raw: &[u8], size: usize) -> Vec<u8> {
        let stream = miniz_oxide::deflate::compress_to_vec_zlib(raw, 6);
        let mut out = SIGNATURE.to_vec();
        let mut data_written = false;
        for (k, data) in chunks(png) {
            if &k != b"IDAT" {
                chunk(&mut out, &k, &data);
            } else if !std::mem::replace(&mut data_written, true) {
                stream.chunks(size.min(stream.len())).for_each(|part| chunk(&mut out, b"IDAT", part));
            }
        }
        out
    }
}
