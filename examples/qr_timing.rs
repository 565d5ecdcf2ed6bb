//! How long reading a QR picture takes, on the pictures that matter:
//! `cargo run --release --example qr_timing [RUNS]`.
//!
//! Prints the median thread CPU time per call (the machine may be busy with
//! other work, so wall time would say more about the neighbours) of
//! `read_modules` on GREEN-API's real picture shape, on the emulator's older
//! grayscale shape and on a resampled (blurred) picture, and of the whole PNG
//! to terminal text path on the GREEN-API shape.

use qrcode::{Color, EcLevel, QrCode, Version};
use scanqr::draw::{qr_text, Style};
use scanqr::image::{decode_png, Gray};
use scanqr::qr::read_modules;
use std::hint::black_box;
use std::time::Duration;

/// Distinct pictures cycled through, so no branch predictor learns one.
const DISTINCT: u64 = 4;

fn main() -> Result<(), String> {
    let runs: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|_| format!("RUNS must be a number, not {arg:?}"))?,
        None => 3000,
    };
    let green: Vec<Gray> = (0..DISTINCT).map(green_api_gray).collect::<Result<_, _>>()?;
    let pngs: Vec<Vec<u8>> = green.iter().map(rgba_png).collect::<Result<_, _>>()?;
    let emulator: Vec<Gray> = (0..DISTINCT)
        .map(|seed| decode_png(&scanqr_emulator::qr_png(&scanqr_emulator::whatsapp_payload(seed))))
        .collect::<Result<_, _>>()
        .map_err(|e| e.to_string())?;
    let blurred: Vec<Gray> = green.iter().map(|g| resample(g, 264)).collect();

    let read = |images: &[Gray]| median(runs, images.len(), |i| read_modules(black_box(&images[i])).is_ok());
    let style = Style { color: true, invert: false };
    println!("median thread CPU time per call, {runs} calls each:");
    println!("  read_modules, GREEN-API shape (276x276, 4 px/module, v11-M): {:?}", read(&green)?);
    println!("  read_modules, old emulator shape (264x264 gray, quiet zone 2): {:?}", read(&emulator)?);
    println!("  read_modules, GREEN-API shape resampled to 264x264 (bilinear): {:?}", read(&blurred)?);
    let decode = median(runs, pngs.len(), |i| decode_png(black_box(&pngs[i])).is_ok())?;
    println!("  decode_png, GREEN-API RGBA PNG of {} bytes: {decode:?}", pngs[0].len());
    let text = median(runs, pngs.len(), |i| qr_text(black_box(&pngs[i]), style).is_ok())?;
    println!("  qr_text (decode, read, draw), same PNG: {text:?}");
    Ok(())
}

/// The median CPU time of `f(i % count)` over `runs` calls, after a warm-up;
/// an error if any call fails.
fn median(runs: usize, count: usize, f: impl Fn(usize) -> bool) -> Result<Duration, String> {
    for i in 0..runs / 10 + 1 {
        black_box(f(i % count));
    }
    let mut times = Vec::with_capacity(runs);
    for i in 0..runs.max(1) {
        let start = cpu_time();
        let ok = f(i % count);
        times.push(cpu_time().saturating_sub(start));
        if !ok {
            return Err(format!("picture {} could not be read", i % count));
        }
    }
    times.sort_unstable();
    Ok(times[times.len() / 2])
}

/// This thread's CPU time.
fn cpu_time() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime only writes into the timespec passed to it.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// GREEN-API's picture as luminance: a pairing string of their length
/// (`2@` + reference + three base64 keys, 217 characters) as version 11 at
/// level M, 4 pixels per module, a 4-module border: 276x276, black on white.
fn green_api_gray(seed: u64) -> Result<Gray, String> {
    let payload = pairing_string(seed);
    let code = QrCode::with_version(payload.as_bytes(), Version::Normal(11), EcLevel::M).map_err(|e| e.to_string())?;
    let (width, border, scale) = (code.width(), 4, 4);
    let colors = code.to_colors();
    let side = (width + 2 * border) * scale;
    let mut pixels = vec![255u8; side * side];
    for (i, px) in pixels.iter_mut().enumerate() {
        let (x, y) = ((i % side / scale).wrapping_sub(border), (i / side / scale).wrapping_sub(border));
        if x < width && y < width && colors[y * width + x] == Color::Dark {
            *px = 0;
        }
    }
    Ok(Gray { width: side as u32, height: side as u32, pixels })
}

/// `2@`, an 80-character reference and three 44-character base64 keys.
fn pairing_string(seed: u64) -> String {
    const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut state = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
    let mut text = |n: usize| -> String {
        (0..n)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                char::from(B64[(state % 64) as usize])
            })
            .collect()
    };
    let reference = text(80);
    let keys: Vec<String> = (0..3).map(|_| text(43) + "=").collect();
    format!("2@{reference},{}", keys.join(","))
}

/// `gray` as an 8-bit RGBA PNG, the colour type GREEN-API sends.
fn rgba_png(gray: &Gray) -> Result<Vec<u8>, String> {
    let rgba: Vec<u8> = gray.pixels.iter().flat_map(|&l| [l, l, l, 255]).collect();
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, gray.width, gray.height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    writer.write_image_data(&rgba).map_err(|e| e.to_string())?;
    writer.finish().map_err(|e| e.to_string())?;
    Ok(out)
}

/// `gray` scaled to `side` x `side` pixels with bilinear interpolation, as
/// a screenshot or a resized picture would be.
fn resample(gray: &Gray, side: u32) -> Gray {
    let scale = gray.width as f32 / side as f32;
    let mut pixels = Vec::with_capacity((side * side) as usize);
    for y in 0..side {
        for x in 0..side {
            let (fx, fy) = ((x as f32 + 0.5) * scale - 0.5, (y as f32 + 0.5) * scale - 0.5);
            let (x0, y0) = (fx.max(0.0) as u32, fy.max(0.0) as u32);
            let (tx, ty) = ((fx - x0 as f32).clamp(0.0, 1.0), (fy - y0 as f32).clamp(0.0, 1.0));
            let p =
                |dx: u32, dy: u32| f32::from(gray.get((x0 + dx).min(gray.width - 1), (y0 + dy).min(gray.height - 1)));
            let top = p(0, 0) * (1.0 - tx) + p(1, 0) * tx;
            let bottom = p(0, 1) * (1.0 - tx) + p(1, 1) * tx;
            pixels.push((top * (1.0 - ty) + bottom * ty).round() as u8);
        }
    }
    Gray { width: side, height: side, pixels }
}
