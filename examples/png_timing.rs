//! How far `image::decode_png` is from the `png` crate's own decoding, on the
//! pictures users get: `cargo run --release --example png_timing`.
//!
//! For each shape it prints the median time of the crate's `next_frame` alone
//! (a fresh `Decoder`, `read_info`, `next_frame` into a buffer allocated once)
//! and of `decode_png` (which also turns the pixels into luminance and
//! allocates its result), and the median of their ratio run by run. The two
//! are timed alternately so that a busy machine slows both alike.
//!
//! GREEN-API's picture is written here as its encoder writes it (adaptive
//! filters, zlib `78 01` with run-length matches only, a 2-byte IDAT then one
//! large IDAT), with a small fixed-Huffman deflate of our own; the decoding
//! cost depends on that stream, so the crate's encoding is timed beside it.

// A measuring tool over pictures it makes itself: a failure is a bug here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use qrcode::{Color, EcLevel, QrCode, Version};
use scanqr::image::decode_png;
use std::hint::black_box;
use std::io::Cursor;
use std::time::{Duration, Instant};

const ITERATIONS: usize = 3000;

#[derive(Clone, Copy)]
enum Filter {
    Bilinear,
    Bicubic,
}

fn main() {
    let payload = whatsapp_like_payload(217);
    let modules = modules(&payload);
    let shapes: Vec<(&str, Vec<u8>)> = vec![
        ("GREEN-API 276 RGBA two-colour, zlib 78 01 run-length", {
            let px = rgba_two_colour(&modules, 4, 4);
            green_api_png(276, 276, 6, 4, &px)
        }),
        ("the same picture, png crate encoder", {
            let px = rgba_two_colour(&modules, 4, 4);
            crate_png(276, 276, png::ColorType::Rgba, &px)
        }),
        ("RGB 264 bilinear", {
            let f = coverage(&modules, 2, 264, Filter::Bilinear);
            crate_png(264, 264, png::ColorType::Rgb, &f.iter().flat_map(|&l| [l, l, l]).collect::<Vec<_>>())
        }),
        ("RGB 300 bicubic", {
            let f = coverage(&modules, 4, 300, Filter::Bicubic);
            crate_png(300, 300, png::ColorType::Rgb, &f.iter().flat_map(|&l| [l, l, l]).collect::<Vec<_>>())
        }),
        (
            "gray 264 bilinear",
            crate_png(264, 264, png::ColorType::Grayscale, &coverage(&modules, 2, 264, Filter::Bilinear)),
        ),
        ("gray 264 nearest (the emulator's)", scanqr_emulator::qr_png(&scanqr_emulator::whatsapp_payload(1))),
    ];
    // The run-length encoder here is the example's own: check it against the crate's.
    assert_eq!(decode_png(&shapes[0].1).unwrap(), decode_png(&shapes[1].1).unwrap());
    println!("{:<54} {:>10} {:>12} {:>6}", "shape", "next_frame", "decode_png", "ratio");
    for (name, png) in &shapes {
        let (c, o, ratio) = compare(png);
        println!("{name:<54} {:>7.1} us {:>9.1} us {ratio:>6.2}", micros(c), micros(o));
    }
}

/// Median times of the crate alone and of `decode_png`, and the median of
/// their ratio within each pair of runs (which cancels slow drifts in the
/// machine's load). Which runs first alternates.
fn compare(png: &[u8]) -> (Duration, Duration, f64) {
    let mut buf = Vec::new();
    let (mut crate_times, mut ours, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..ITERATIONS + ITERATIONS / 10 {
        let time_crate = |buf: &mut Vec<u8>| {
            let t = Instant::now();
            crate_next_frame(black_box(png), buf);
            t.elapsed()
        };
        let time_ours = || {
            let t = Instant::now();
            black_box(decode_png(black_box(png)).unwrap());
            t.elapsed()
        };
        let (c, o) = if i % 2 == 0 {
            let c = time_crate(&mut buf);
            (c, time_ours())
        } else {
            let o = time_ours();
            (time_crate(&mut buf), o)
        };
        if i >= ITERATIONS / 10 {
            crate_times.push(c);
            ours.push(o);
            ratios.push(o.as_secs_f64() / c.as_secs_f64());
        }
    }
    ratios.sort_unstable_by(f64::total_cmp);
    (median(&mut crate_times), median(&mut ours), ratios[ratios.len() / 2])
}

/// The crate's decoding alone, with its default (identity) transformations.
fn crate_next_frame(png: &[u8], buf: &mut Vec<u8>) {
    let mut reader = png::Decoder::new(Cursor::new(png)).read_info().unwrap();
    buf.resize(reader.output_buffer_size().unwrap(), 0);
    reader.next_frame(buf).unwrap();
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort_unstable();
    v[v.len() / 2]
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

/// `2@` and base64 characters, like WhatsApp's linking string.
fn whatsapp_like_payload(len: usize) -> String {
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let body: String = (2..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            alphabet[(x % 64) as usize] as char
        })
        .collect();
    format!("2@{body}")
}

/// The version 11, level M module matrix (61x61), `true` dark.
fn modules(payload: &str) -> (usize, Vec<bool>) {
    let code = QrCode::with_version(payload.as_bytes(), Version::Normal(11), EcLevel::M).unwrap();
    (code.width(), code.to_colors().into_iter().map(|c| c == Color::Dark).collect())
}

/// GREEN-API's picture: `scale` px per module, `border` modules, opaque
/// black on opaque white.
fn rgba_two_colour((size, dark): &(usize, Vec<bool>), scale: usize, border: usize) -> Vec<u8> {
    let side = (size + 2 * border) * scale;
    let mut out = Vec::with_capacity(side * side * 4);
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = ((x / scale).wrapping_sub(border), (y / scale).wrapping_sub(border));
            let ink = mx < *size && my < *size && dark[my * size + mx];
            out.extend_from_slice(if ink { &[0, 0, 0, 255] } else { &[255, 255, 255, 255] });
        }
    }
    out
}

/// The code with `border` modules resampled onto a `side` px canvas: luminance.
fn coverage((size, dark): &(usize, Vec<bool>), border: usize, side: usize, filter: Filter) -> Vec<u8> {
    let grid = size + 2 * border;
    let ink = |x: isize, y: isize| -> f32 {
        let (x, y) = (x.clamp(0, grid as isize - 1) as usize, y.clamp(0, grid as isize - 1) as usize);
        let (mx, my) = (x.wrapping_sub(border), y.wrapping_sub(border));
        f32::from(u8::from(mx < *size && my < *size && dark[my * size + mx]))
    };
    let taps: Vec<Vec<(isize, f32)>> = (0..side)
        .map(|i| {
            let p = (i as f32 + 0.5) * grid as f32 / side as f32 - 0.5;
            let (p0, t) = (p.floor(), p - p.floor());
            match filter {
                Filter::Bilinear => vec![(p0 as isize, 1.0 - t), (p0 as isize + 1, t)],
                Filter::Bicubic => (-1..=2).map(|k| (p0 as isize + k, catmull_rom(k as f32 - t))).collect(),
            }
        })
        .collect();
    let mut out = Vec::with_capacity(side * side);
    for ty in &taps {
        for tx in &taps {
            let v: f32 = ty.iter().flat_map(|&(sy, wy)| tx.iter().map(move |&(sx, wx)| wx * wy * ink(sx, sy))).sum();
            out.push((255.0 * (1.0 - v.clamp(0.0, 1.0))).round() as u8);
        }
    }
    out
}

fn catmull_rom(x: f32) -> f32 {
    let x = x.abs();
    if x < 1.0 {
        1.5 * x * x * x - 2.5 * x * x + 1.0
    } else if x < 2.0 {
        -0.5 * x * x * x + 2.5 * x * x - 4.0 * x + 2.0
    } else {
        0.0
    }
}

/// 8-bit pixels written by the `png` crate with its default settings.
fn crate_png(w: u32, h: u32, color: png::ColorType, pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(color);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().unwrap();
    writer.write_image_data(pixels).unwrap();
    writer.finish().unwrap();
    out
}

// ------------------------------------------------- GREEN-API's encoding

/// 8-bit pixels written the way GREEN-API's encoder does: each row's filter
/// chosen by the smallest sum of absolute (signed) bytes, zlib with header
/// `78 01` and run-length matches only (distance 1), the two header bytes in
/// an IDAT of their own and the rest in one large IDAT.
fn green_api_png(w: u32, h: u32, color: u8, bpp: usize, pixels: &[u8]) -> Vec<u8> {
    let stride = w as usize * bpp;
    let mut raw = Vec::with_capacity((stride + 1) * h as usize);
    let zero = vec![0u8; stride];
    for y in 0..h as usize {
        let row = &pixels[y * stride..][..stride];
        let prev = if y == 0 { &zero[..] } else { &pixels[(y - 1) * stride..][..stride] };
        let (kind, filtered) = (0..5u8)
            .map(|k| (k, filter_row(k, row, prev, bpp)))
            .min_by_key(|(_, f)| f.iter().map(|&b| u32::from((b as i8).unsigned_abs())).sum::<u32>())
            .unwrap();
        raw.push(kind);
        raw.extend(filtered);
    }
    let mut zlib = rle_deflate(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, color, 0, 0, 0]);
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a];
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &[0x78, 0x01]);
    chunk(&mut out, b"IDAT", &zlib);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn filter_row(kind: u8, row: &[u8], prev: &[u8], bpp: usize) -> Vec<u8> {
    (0..row.len())
        .map(|i| {
            let a = if i >= bpp { row[i - bpp] } else { 0 };
            let (b, c) = (prev[i], if i >= bpp { prev[i - bpp] } else { 0 });
            let predicted = match kind {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                _ => paeth(a, b, c),
            };
            row[i].wrapping_sub(predicted)
        })
        .collect()
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = ((p - i16::from(a)).abs(), (p - i16::from(b)).abs(), (p - i16::from(c)).abs());
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

/// Deflate (no zlib header) in one fixed-Huffman block whose only matches
/// repeat the previous byte, as zlib's `Z_RLE` strategy emits them.
fn rle_deflate(data: &[u8]) -> Vec<u8> {
    let mut bits = Bits::default();
    bits.put(1, 1); // final block
    bits.put(1, 2); // fixed Huffman codes
    let mut i = 0;
    while i < data.len() {
        let run = if i == 0 { 0 } else { data[i..].iter().take(258).take_while(|&&b| b == data[i - 1]).count() };
        if run >= 3 {
            length_code(&mut bits, run);
            bits.put_code(0, 5); // distance 1
            i += run;
        } else {
            literal(&mut bits, u16::from(data[i]));
            i += 1;
        }
    }
    literal(&mut bits, 256);
    bits.finish()
}

/// A literal/length symbol in the fixed code.
fn literal(bits: &mut Bits, sym: u16) {
    match sym {
        0..=143 => bits.put_code(0x30 + u32::from(sym), 8),
        144..=255 => bits.put_code(0x190 + u32::from(sym - 144), 9),
        256..=279 => bits.put_code(u32::from(sym - 256), 7),
        _ => bits.put_code(0xc0 + u32::from(sym - 280), 8),
    }
}

fn length_code(bits: &mut Bits, len: usize) {
    const BASE: [u16; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ];
    const EXTRA: [u8; 29] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
    let len = len as u16;
    let k = BASE.iter().rposition(|&b| b <= len).unwrap();
    literal(bits, 257 + k as u16);
    bits.put(u32::from(len - BASE[k]), EXTRA[k]);
}

#[derive(Default)]
struct Bits {
    out: Vec<u8>,
    acc: u64,
    n: u8,
}

impl Bits {
    /// Extra bits and header fields: least significant bit first.
    fn put(&mut self, v: u32, n: u8) {
        self.acc |= u64::from(v) << self.n;
        self.n += n;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    /// Huffman codes: most significant bit first.
    fn put_code(&mut self, code: u32, n: u8) {
        self.put(code.reverse_bits() >> (32 - n), n);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}
