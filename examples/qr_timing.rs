//! How long reading a QR picture takes, on the pictures that matter:
//! `cargo run --release --example qr_timing [RUNS]`.
//!
//! Prints the median thread CPU time per call (the machine may be busy with
//! other work, so wall time would say more about the neighbours) of
//! `read_modules` on each of the emulator's picture shapes, GREEN-API's
//! first, and of the whole PNG to terminal text path on GREEN-API's.

use scanqr::draw::{qr_text, Style};
use scanqr::image::{decode_png, Gray};
use scanqr::qr::read_modules;
use scanqr_emulator::{picture_png, whatsapp_payload, Picture};
use std::hint::black_box;
use std::time::Duration;

/// Distinct pictures cycled through, so no branch predictor learns one.
const DISTINCT: u64 = 4;

fn main() -> Result<(), String> {
    let runs: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|_| format!("RUNS must be a number, not {arg:?}"))?,
        None => 3000,
    };
    let pngs = |picture| (0..DISTINCT).map(|seed| picture_png(picture, &whatsapp_payload(seed))).collect::<Vec<_>>();
    let grays = |pngs: &[Vec<u8>]| pngs.iter().map(|p| decode_png(p)).collect::<Result<Vec<Gray>, _>>();
    let read = |images: &[Gray]| median(runs, images.len(), |i| read_modules(black_box(&images[i])).is_ok());
    println!("median thread CPU time per call, {runs} calls each:");
    for picture in Picture::ALL {
        let images = grays(&pngs(picture)).map_err(|e| e.to_string())?;
        println!("  read_modules, {} ({}x{}): {:?}", picture.name(), images[0].width, images[0].height, read(&images)?);
    }
    let pngs = pngs(Picture::GreenApi);
    let style = Style { color: true, invert: false };
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
