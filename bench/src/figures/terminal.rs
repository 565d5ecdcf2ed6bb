//! A QR picture to terminal text (decode, read the modules, draw with
//! colour, as on a terminal), wall time, on each picture shape; the target
//! is on GREEN-API's.

use super::frame::Shape;
use super::{progress, shape_name, Bench};
use crate::report::{measured, Check, Goal, Got, Report, Row, Target};
use crate::stats::{ms, Samples};
use scanqr::draw::{self, Style};
use scanqr::{image, qr};
use scanqr_emulator::Picture;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Adds the row (GREEN-API's picture, what users get) and returns each
/// shape's median, for the per-shape table.
pub fn measure(bench: &Bench, shapes: &[Shape], report: &mut Report) -> Vec<Got> {
    progress("QR picture to terminal text, each shape (in process)");
    let iterations = bench.plan.terminal_iterations;
    let each: Vec<Got> =
        shapes.iter().map(|s| text(&s.pngs, iterations).map(|d| measured(d.as_secs_f64(), ms(d)))).collect();
    let green_api = shapes.iter().zip(&each).find(|(s, _)| s.picture == Picture::GreenApi);
    report.rows.push(Row::new(
        format!("time to read a QR into modules and terminal text, {}, median", shape_name(Picture::GreenApi)),
        Target::new("under 1 ms", Goal::Under(0.001), Check::Value),
        green_api.map_or_else(|| Err("no GREEN-API picture measured".into()), |(_, got)| got.clone()),
    ));
    each
}

/// The median wall time from PNG to text, over `pngs` in turn.
fn text(pngs: &[Vec<u8>], iterations: usize) -> Result<Duration, String> {
    let style = Style { color: true, invert: false };
    let warmup = (iterations / 20).max(8);
    let mut wall = Vec::with_capacity(iterations);
    for i in 0..warmup + iterations {
        let start = Instant::now();
        let gray = image::decode_png(black_box(&pngs[i % pngs.len()])).map_err(|e| e.to_string())?;
        let modules = qr::read_modules(&gray).map_err(|e| format!("grid not read: {e}"))?;
        black_box(draw::render(&modules, style));
        if i >= warmup {
            wall.push(start.elapsed());
        }
    }
    Ok(Samples::new(wall).median())
}
