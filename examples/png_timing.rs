//! How far `image::decode_png` is from the `png` crate's own decoding, on the
//! pictures users get: `cargo run --release --example png_timing`.
//!
//! For each shape it prints the median time of the crate's `next_frame` alone
//! (a fresh `Decoder`, `read_info`, `next_frame` into a buffer allocated once)
//! and of `decode_png` (which also turns the pixels into luminance and
//! allocates its result), and the median of their ratio run by run. The two
//! are timed alternately so that a busy machine slows both alike.
//!
//! The pictures are the emulator's (`scanqr_emulator::Picture`): GREEN-API's
//! own shape first (RGBA, two colours, zlib `78 01` run-length, a 2-byte IDAT
//! then one large IDAT), then the smoothed RGB and gray shapes.

// A measuring tool over pictures it makes itself: a failure is a bug here.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use scanqr::image::decode_png;
use std::hint::black_box;
use std::io::Cursor;
use std::time::{Duration, Instant};

const ITERATIONS: usize = 3000;

fn main() {
    let payload = scanqr_emulator::whatsapp_payload(1);
    println!("{:<54} {:>10} {:>12} {:>6}", "shape", "next_frame", "decode_png", "ratio");
    for picture in scanqr_emulator::Picture::ALL {
        let png = scanqr_emulator::picture_png(picture, &payload);
        let (c, o, ratio) = compare(&png);
        println!("{:<54} {:>7.1} us {:>9.1} us {ratio:>6.2}", picture.name(), micros(c), micros(o));
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
