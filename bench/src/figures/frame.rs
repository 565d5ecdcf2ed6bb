//! The work a session does for each QR frame, in process over the library
//! functions it calls (`session.rs`: `Session::qr`), on every picture shape
//! the emulator sends, GREEN-API's first. Both paths: when the terminal
//! draws, parse the JSON and base64, decode the PNG, write it atomically,
//! read the module grid; when it does not (a pipe, cron, systemd), parse,
//! check the PNG whole, write it. The event line and the drawing itself are
//! not included.
//!
//! Beside it, on the same pictures: the png crate's own `next_frame` (what
//! `decode_png` is held to), and the floor of the job: that decode plus the
//! same atomic write.

use super::{progress, shape_name, Bench};
use crate::report::{measured, Check, Goal, Got, Measured, Report, Row, Table, Target};
use crate::stats::{group, ms, Samples};
use crate::sys::thread_cpu;
use base64::Engine as _;
use scanqr::files::QrFiles;
use scanqr::message::{self, Message};
use scanqr::{image, qr};
use scanqr_emulator::Picture;
use std::hint::black_box;
use std::io::Cursor;
use std::path::Path;
use std::time::Duration;

/// Distinct pictures of each shape cycled through, so no branch predictor
/// or cache learns a single image.
const DISTINCT: u64 = 4;

/// The stages of a frame, in the session's order, for the table.
const STAGES: [&str; 5] = ["JSON + base64", "decode_png", "atomic write", "module grid", "check_png"];
/// The stages of each path: drawn on the terminal, and not.
const DRAWN: [usize; 4] = [0, 1, 2, 3];
const NOT_DRAWN: [usize; 3] = [0, 4, 2];

/// One picture shape: its PNGs and what was measured on them.
pub struct Shape {
    pub picture: Picture,
    pub pngs: Vec<Vec<u8>>,
    pub figures: Result<Figures, String>,
}

impl Shape {
    /// One figure of this shape, or why the shape was not measured.
    fn got(&self, figure: fn(&Figures) -> Got) -> Got {
        self.figures.as_ref().map_err(Clone::clone).and_then(figure)
    }
}

pub struct Figures {
    frame: Frame,
    /// `decode_png` and `next_frame`, timed in turns on the same pictures.
    decode: Samples,
    png: Samples,
}

/// The session's work on a frame, and the floor.
struct Frame {
    side: u32,
    modules: Option<usize>,
    /// Thread CPU of a whole frame, drawn and not.
    cpu: Samples,
    cpu_not_drawn: Samples,
    /// Thread CPU per stage, in the order of [`STAGES`].
    stages: [Samples; 5],
    /// The png crate's `next_frame` plus the atomic write.
    floor: Samples,
    /// Frames whose grid could not be read (should be 0).
    unreadable: usize,
}

impl Figures {
    /// A per-frame figure, unless the reader failed on some frame (then the
    /// timings skip work a session does, and the figure is broken).
    fn checked(&self, samples: &Samples) -> Got {
        if self.frame.unreadable > 0 {
            let (failed, all) = (self.frame.unreadable, self.frame.cpu.len());
            return Err(format!("the grid reader failed on {failed} of {all} frames"));
        }
        Ok(median(samples))
    }
}

fn median(s: &Samples) -> Measured {
    measured(s.median().as_secs_f64(), ms(s.median()))
}

/// Measures every shape, adds the rows with a target, returns the shapes
/// for the terminal figure and the per-shape table.
pub fn measure(bench: &Bench, report: &mut Report) -> Vec<Shape> {
    let iterations = bench.plan.frame_iterations;
    let shapes: Vec<Shape> = Picture::ALL
        .into_iter()
        .map(|picture| {
            progress(&format!("per-frame CPU, {} (in process)", shape_name(picture)));
            let (pngs, texts) = frames(picture);
            let figures = per_frame(bench.scratch, &texts, iterations).and_then(|frame| {
                let (decode, png) = decoders(&pngs, iterations)?;
                Ok(Figures { frame, decode, png })
            });
            Shape { picture, pngs, figures }
        })
        .collect();
    for shape in &shapes {
        let name = shape_name(shape.picture);
        let cpu_row = |target| Row::new(format!("CPU per frame, {name}, median{FRAME_WORK}"), target, shape.got(cpu));
        match shape.picture {
            Picture::GreenApi => report.rows.extend([
                cpu_row(Target::new("under 0.30 ms", Goal::Under(0.30e-3), Check::Value)),
                Row::new(
                    format!("CPU per frame not drawn, {name}, median{FRAME_WORK_NOT_DRAWN}"),
                    Target::new("under 1× the floor", Goal::Under(1.0), Check::Baseline),
                    shape.got(|f| f.checked(&f.frame.cpu_not_drawn)),
                )
                .against("floor", shape.got(|f| Ok(median(&f.frame.floor)))),
                Row::new(
                    format!("module grid, {name}, median"),
                    Target::new("under 0.08 ms", Goal::Under(0.08e-3), Check::Value),
                    shape.got(|f| f.checked(&f.frame.stages[3])),
                ),
            ]),
            Picture::Gray => {
                report.rows.push(cpu_row(Target::new("under 0.25 ms", Goal::Under(0.25e-3), Check::Value)))
            }
            _ => {}
        }
    }
    for shape in &shapes {
        report.rows.push(
            Row::new(
                format!("`decode_png` ÷ png's `next_frame`, {}, medians", shape_name(shape.picture)),
                Target::new("at most 1.15×", Goal::AtMost(1.15), Check::Baseline),
                shape.got(|f| Ok(median(&f.decode))),
            )
            .against("png", shape.got(|f| Ok(median(&f.png)))),
        );
    }
    report.notes.push(format!(
        "Per frame: {iterations} frames of each shape ({DISTINCT} distinct pictures), thread CPU time \
         (`CLOCK_THREAD_CPUTIME_ID`) per stage. `decode_png` ÷ png: both decoders on the same pictures, in turns, \
         {iterations} times each. The floor is the least any client does with a frame: the png crate's \
         `next_frame` and the same atomic write."
    ));
    shapes
}

const FRAME_WORK: &str = " (parse, base64, PNG decode, grid, atomic write: drawn in the terminal)";
const FRAME_WORK_NOT_DRAWN: &str = " (parse, base64, PNG check, atomic write)";

fn cpu(f: &Figures) -> Got {
    f.checked(&f.frame.cpu)
}

/// The per-shape table; `terminal` is the terminal-text figure of each shape.
pub fn table(shapes: &[Shape], terminal: &[Got]) -> Table {
    let header = [
        "picture",
        "PNG bytes",
        STAGES[0],
        STAGES[4],
        STAGES[1],
        "png `next_frame`",
        "÷ png",
        STAGES[3],
        STAGES[2],
        "not drawn: CPU per frame (p90)",
        "drawn: CPU per frame (p90)",
        "floor: png + write",
        "÷ floor, not drawn / drawn",
        "terminal text (wall)",
    ];
    let lines = shapes
        .iter()
        .zip(terminal)
        .map(|(shape, text)| {
            let text = text.as_ref().map_or_else(|e| format!("error: {e}"), |m| m.shown.clone());
            let mut line = vec![shape_name(shape.picture).to_string(), group(shape.pngs[0].len() as u64)];
            match &shape.figures {
                Ok(f) => line.extend(cells(f)),
                Err(e) => {
                    line.extend(vec!["—".to_string(); header.len() - 4]);
                    line.push(format!("error: {e}"));
                }
            }
            line.push(text);
            line
        })
        .collect();
    Table {
        title: "Per frame, by picture shape (medians of thread CPU time; a module grid of `?` was not read):".into(),
        header: header.into_iter().map(String::from).collect(),
        lines,
    }
}

fn cells(f: &Figures) -> Vec<String> {
    let times = |a: &Samples, b: &Samples| format!("{:.2}×", ratio(a.median(), b.median()));
    let with_p90 = |s: &Samples| format!("{} ({})", ms(s.median()), ms(s.quantile(0.9)));
    let frame = &f.frame;
    let modules = frame.modules.map_or("?".into(), |m| format!("{m} modules"));
    vec![
        ms(frame.stages[0].median()),
        ms(frame.stages[4].median()),
        ms(f.decode.median()),
        ms(f.png.median()),
        times(&f.decode, &f.png),
        format!("{} ({modules}, {} px)", ms(frame.stages[3].median()), frame.side),
        ms(frame.stages[2].median()),
        with_p90(&frame.cpu_not_drawn),
        with_p90(&frame.cpu),
        ms(frame.floor.median()),
        format!("{} / {}", times(&frame.cpu_not_drawn, &frame.floor), times(&frame.cpu, &frame.floor)),
    ]
}

fn ratio(a: Duration, b: Duration) -> f64 {
    a.as_secs_f64() / b.as_secs_f64().max(1e-12)
}

/// `qrCode` frames as the emulator sends them, and their PNGs.
fn frames(picture: Picture) -> (Vec<Vec<u8>>, Vec<String>) {
    let pngs: Vec<Vec<u8>> = (0..DISTINCT)
        .map(|i| scanqr_emulator::picture_png(picture, &scanqr_emulator::whatsapp_payload(0xBE_0000 + i)))
        .collect();
    let texts = pngs
        .iter()
        .map(|png| {
            let b64 = base64::engine::general_purpose::STANDARD.encode(png);
            format!(r#"{{"type":"qrCode","message":"{b64}"}}"#)
        })
        .collect();
    (pngs, texts)
}

/// `f()` and the thread CPU time it took.
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = thread_cpu();
    let out = f();
    (out, thread_cpu().saturating_sub(start))
}

fn warmup(iterations: usize) -> usize {
    (iterations / 20).max(8)
}

/// What the png crate alone does: decode the whole frame into its buffer.
fn png_next_frame(bytes: &[u8]) -> Result<usize, String> {
    let mut reader = png::Decoder::new(Cursor::new(bytes)).read_info().map_err(|e| e.to_string())?;
    let mut buf = vec![0; reader.output_buffer_size().ok_or("picture too large")?];
    let info = reader.next_frame(&mut buf).map_err(|e| e.to_string())?;
    black_box(&buf);
    Ok(info.buffer_size())
}

/// The session's work on each frame, stage by stage, then the floor.
fn per_frame(dir: &Path, texts: &[String], iterations: usize) -> Result<Frame, String> {
    let mut files = QrFiles::new(dir.join("qr.png"), false);
    let mut floor_files = QrFiles::new(dir.join("floor.png"), false);
    files.check_writable().map_err(|e| e.to_string())?;
    let mut stages: [Vec<Duration>; 5] = Default::default();
    let mut floor = Vec::with_capacity(iterations);
    let (mut unreadable, mut modules_seen, mut side) = (0, None, 0);
    for i in 0..warmup(iterations) + iterations {
        let n = i as u64 + 1;
        let (parsed, t_parse) = timed(|| message::parse(black_box(&texts[i % texts.len()])));
        let png = match parsed? {
            Message::Qr(png) => png,
            other => return Err(format!("parsed as {other:?}, not a QR frame")),
        };
        let (gray, t_decode) = timed(|| image::decode_png(&png));
        let gray = gray.map_err(|e| e.to_string())?;
        let (path, t_write) = timed(|| files.write(n, &png));
        let path = path.map_err(|e| e.to_string())?;
        let (modules, t_grid) = timed(|| qr::read_modules(&gray));
        black_box((&path, &modules));
        let (checked, t_check) = timed(|| image::check_png(&png));
        checked.map_err(|e| e.to_string())?;
        let (decoded, t_png) = timed(|| png_next_frame(&png));
        let (written, t_floor_write) = timed(|| floor_files.write(n, &png));
        decoded?;
        written.map_err(|e| e.to_string())?;
        if i < warmup(iterations) {
            continue;
        }
        for (stage, t) in stages.iter_mut().zip([t_parse, t_decode, t_write, t_grid, t_check]) {
            stage.push(t);
        }
        floor.push(t_png + t_floor_write);
        side = gray.width;
        match modules {
            Ok(m) => modules_seen = Some(m.size),
            Err(_) => unreadable += 1,
        }
    }
    files.cleanup();
    floor_files.cleanup();
    let path = |stages_of: &[usize]| -> Samples {
        Samples::new((0..floor.len()).map(|i| stages_of.iter().map(|&s| stages[s][i]).sum()).collect())
    };
    Ok(Frame {
        side,
        modules: modules_seen,
        cpu: path(&DRAWN),
        cpu_not_drawn: path(&NOT_DRAWN),
        stages: stages.map(Samples::new),
        floor: Samples::new(floor),
        unreadable,
    })
}

/// `decode_png` and the png crate's `next_frame` on the same pictures, in
/// turns and each first every other time, so neither gets the warmer cache.
fn decoders(pngs: &[Vec<u8>], iterations: usize) -> Result<(Samples, Samples), String> {
    let (mut ours, mut theirs) = (Vec::with_capacity(iterations), Vec::with_capacity(iterations));
    for i in 0..warmup(iterations) + iterations {
        let png = black_box(&pngs[i % pngs.len()]);
        let ours_first = i % 2 == 0;
        let (mut a, mut b) = (Duration::ZERO, Duration::ZERO);
        for turn in [ours_first, !ours_first] {
            if turn {
                let (gray, t) = timed(|| image::decode_png(png));
                black_box(gray.map_err(|e| e.to_string())?);
                a = t;
            } else {
                let (decoded, t) = timed(|| png_next_frame(png));
                decoded?;
                b = t;
            }
        }
        if i >= warmup(iterations) {
            ours.push(a);
            theirs.push(b);
        }
    }
    Ok((Samples::new(ours), Samples::new(theirs)))
}
