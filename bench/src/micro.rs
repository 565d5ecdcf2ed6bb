//! In-process figures: the per-frame work of a session, and reading a QR
//! picture into terminal text, timed over the library functions the binary
//! uses.

use crate::measure::thread_cpu;
use crate::stats::Samples;
use base64::Engine as _;
use scanqr::draw::{self, Style};
use scanqr::files::QrFiles;
use scanqr::message::{self, Message};
use scanqr::{image, qr};
use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};

/// Distinct emulator pictures cycled through, so no branch predictor or
/// cache learns a single image.
const DISTINCT: u64 = 4;

/// What a micro benchmark measured.
pub struct Micro {
    /// Per-iteration thread CPU time.
    pub cpu: Samples,
    /// Per-iteration wall time.
    pub wall: Samples,
    /// Iterations whose QR could not be read (should be 0).
    pub unreadable: usize,
    /// The module count read, for the notes.
    pub size: Option<usize>,
    /// Per-stage thread CPU time, in the order of [`STAGES`] (frame only).
    pub stages: Vec<Samples>,
}

/// The stages of [`frame`], for the notes.
pub const STAGES: [&str; 4] = ["JSON + base64", "PNG decode", "atomic write", "module grid"];

/// `qrCode` frames as the emulator sends them: JSON text around a base64
/// 264x264 grayscale PNG of a WhatsApp-style pairing string.
fn frames() -> Vec<String> {
    (0..DISTINCT)
        .map(|i| {
            let payload = scanqr_emulator::whatsapp_payload(0xBE_0000 + i);
            let png = scanqr_emulator::picture_png(scanqr_emulator::Picture::Gray, &payload);
            let b64 = base64::engine::general_purpose::STANDARD.encode(png);
            format!(r#"{{"type":"qrCode","message":"{b64}"}}"#)
        })
        .collect()
}

/// One QR frame as the session handles it (see `session.rs`): parse the JSON
/// and base64, decode the PNG, write it atomically, read the module grid.
/// The JSON event line and terminal drawing are not included (`--json` does
/// not draw; the line is a few hundred bytes to stdout).
pub fn frame(dir: &Path, iterations: usize) -> Result<Micro, String> {
    let frames = frames();
    let mut files = QrFiles::new(dir.join("qr.png"), false);
    files.check_writable().map_err(|e| e.to_string())?;
    let warmup = (iterations / 20).max(8);
    let (mut cpu, mut wall) = (Vec::with_capacity(iterations), Vec::with_capacity(iterations));
    let mut stages: [Vec<Duration>; 4] = Default::default();
    let (mut unreadable, mut size) = (0, None);
    for i in 0..warmup + iterations {
        let text = &frames[i % frames.len()];
        // In the session's order (session.rs: Session::qr).
        let (c0, w0) = (thread_cpu(), Instant::now());
        let png = match message::parse(black_box(text)) {
            Ok(Message::Qr(png)) => png,
            Ok(other) => return Err(format!("parsed as {other:?}, not a QR frame")),
            Err(e) => return Err(e),
        };
        let t1 = thread_cpu();
        let gray = image::decode_png(&png).map_err(|e| e.to_string())?;
        let t2 = thread_cpu();
        let path = files.write(i as u64 + 1, &png).map_err(|e| e.to_string())?;
        let t3 = thread_cpu();
        let modules = qr::read_modules(&gray);
        let (c1, w1) = (thread_cpu(), Instant::now());
        black_box((&path, &modules));
        if i >= warmup {
            cpu.push(c1.saturating_sub(c0));
            wall.push(w1 - w0);
            for (stage, (a, b)) in stages.iter_mut().zip([(c0, t1), (t1, t2), (t2, t3), (t3, c1)]) {
                stage.push(b.saturating_sub(a));
            }
            match modules {
                Ok(m) => size = Some(m.size),
                Err(_) => unreadable += 1,
            }
        }
    }
    files.cleanup();
    let stages = stages.into_iter().map(Samples::new).collect();
    Ok(Micro { cpu: Samples::new(cpu), wall: Samples::new(wall), unreadable, size, stages })
}

/// The emulator's grayscale PNG re-encoded as 8-bit RGB, 264x264.
fn rgb_png(seed: u64) -> Result<Vec<u8>, String> {
    let payload = scanqr_emulator::whatsapp_payload(seed);
    let gray_png = scanqr_emulator::picture_png(scanqr_emulator::Picture::Gray, &payload);
    let gray = image::decode_png(&gray_png).map_err(|e| e.to_string())?;
    let rgb: Vec<u8> = gray.pixels.iter().flat_map(|&l| [l, l, l]).collect();
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, gray.width, gray.height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
        writer.write_image_data(&rgb).map_err(|e| e.to_string())?;
        writer.finish().map_err(|e| e.to_string())?;
    }
    Ok(out)
}

/// A 264x264 RGB PNG to terminal text: decode, read the modules, draw (with
/// colour, as on a terminal).
pub fn terminal_text(iterations: usize) -> Result<Micro, String> {
    let pngs: Vec<Vec<u8>> = (0..DISTINCT).map(|i| rgb_png(0x7E_0000 + i)).collect::<Result<_, _>>()?;
    let style = Style { color: true, invert: false };
    let warmup = (iterations / 20).max(8);
    let (mut cpu, mut wall) = (Vec::with_capacity(iterations), Vec::with_capacity(iterations));
    let (mut unreadable, mut size) = (0, None);
    for i in 0..warmup + iterations {
        let png = &pngs[i % pngs.len()];
        let (c0, w0) = (thread_cpu(), Instant::now());
        let gray = image::decode_png(black_box(png)).map_err(|e| e.to_string())?;
        let text = qr::read_modules(&gray).map(|m| {
            let t = draw::render(&m, style);
            (m.size, t)
        });
        let (c1, w1) = (thread_cpu(), Instant::now());
        black_box(&text);
        if i >= warmup {
            cpu.push(c1.saturating_sub(c0));
            wall.push(w1 - w0);
            match text {
                Ok((s, _)) => size = Some(s),
                Err(_) => unreadable += 1,
            }
        }
    }
    Ok(Micro { cpu: Samples::new(cpu), wall: Samples::new(wall), unreadable, size, stages: Vec::new() })
}
