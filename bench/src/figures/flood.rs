//! `flood N`: N QR frames back to back over ws://, GREEN-API's picture:
//! frames per second end to end, and CPU against each reference.

use super::{cpu, progress, sessions, with_server, Bench};
use crate::measure::Usage;
use crate::report::{measured, Check, Goal, Got, Report, Row, Target};
use crate::stats::{self, group, ms};
use scanqr_emulator::Scenario;
use std::time::Duration;

pub fn measure(bench: &Bench, report: &mut Report) {
    let (frames, plan) = (bench.plan.flood_frames, bench.plan);
    progress(&format!("flood {frames} ({} run(s) each)", plan.flood_runs));
    let limit = Duration::from_secs(120);
    let runs = with_server(bench.clients, Scenario::Flood(frames), false, |server| {
        sessions(bench, server, plan.flood_runs, frames, limit)
    });
    for (who, runs) in runs.named() {
        if let Ok(runs) = runs {
            report.notes.push(note(who, runs, frames));
        }
    }
    let fps = |runs: &Vec<Usage>| -> Got {
        let v: Vec<f64> = runs.iter().map(|u| frames as f64 / u.wall.as_secs_f64().max(1e-9)).collect();
        let f = stats::median(&v).ok_or("no runs")?;
        Ok(measured(f, format!("{} fps", group(f.round() as u64))))
    };
    let label = format!("`flood {frames}`");
    report.rows.extend([
        Row::per_client(
            format!("{label} end to end, QR frames per second, GREEN-API picture"),
            Target::new("over 3,000", Goal::Over(3000.0), Check::Value),
            runs.map(fps),
        ),
        Row::per_client(
            format!("{label} CPU (user+sys), scanqr ÷ Python"),
            Target::new("at most 1/4", Goal::AtMost(0.25), Check::Python),
            runs.map(|r| cpu(r)),
        ),
        Row::per_client(
            format!("{label} CPU (user+sys), scanqr ÷ Node"),
            Target::new("under 1/1.1", Goal::Under(1.0 / 1.1), Check::Node),
            runs.map(|r| cpu(r)),
        ),
    ]);
}

fn note(who: &str, runs: &[Usage], frames: usize) -> String {
    let list = |f: fn(&Usage) -> Duration| runs.iter().map(|u| ms(f(u))).collect::<Vec<_>>().join(", ");
    let cpu = stats::median(&runs.iter().map(Usage::cpu).collect::<Vec<_>>()).unwrap_or_default();
    let best = runs.iter().map(|u| u.wall).min().unwrap_or_default();
    let per_s = |d: Duration| group((frames as f64 / d.as_secs_f64().max(1e-9)).round() as u64);
    format!(
        "Flood, {who}: wall {} (best run {} fps); CPU {}. Per frame {} of CPU, so even with a core to itself \
         it could not pass {} fps.",
        list(|u| u.wall),
        per_s(best),
        list(Usage::cpu),
        ms(cpu / frames.max(1) as u32),
        per_s(cpu)
    )
}
