//! One module per figure of the report. Each measures, then adds its rows,
//! tables and notes to the [`Report`].

mod first_byte;
mod flood;
mod frame;
mod session;
mod size;
mod terminal;
mod wait;

use crate::client::{Client, Clients, PerClient};
use crate::measure::{self, Usage};
use crate::plan::Plan;
use crate::report::{measured, Got, Report};
use crate::stats::{self, mib, ms};
use scanqr_emulator::{Options, Picture, Scenario, Server};
use std::path::Path;
use std::time::Duration;

/// What every figure needs.
pub struct Bench<'a> {
    pub plan: &'a Plan,
    pub clients: &'a Clients,
    pub scratch: &'a Path,
    pub scanqr_bin: &'a Path,
}

pub fn measure_all(bench: &Bench, report: &mut Report) {
    if let Some(floor) = measure::floor(bench.scratch) {
        report.notes.push(format!(
            "Peak RSS is `ru_maxrss` from `wait4`; it includes the measuring runner's own {} (a run of `true` \
             under it), the floor of every RSS figure{}.",
            mib(floor),
            if measure::small_runner() { "" } else { " (no small runner binary: this floor is the benchmark's own)" }
        ));
    }
    let shapes = frame::measure(bench, report);
    let texts = terminal::measure(bench, &shapes, report);
    report.tables.push(frame::table(&shapes, &texts));
    flood::measure(bench, report);
    session::measure(bench, report);
    wait::measure(bench, report);
    size::measure(bench, report);
    first_byte::measure(bench, report);
}

fn progress(what: &str) {
    eprintln!("scanqr-bench: {what}");
}

/// How the emulator's pictures are named in the report.
fn shape_name(picture: Picture) -> &'static str {
    match picture {
        Picture::GreenApi => "GREEN-API 276x276 RGBA",
        Picture::Gray => "grey 264x264",
        Picture::Rgb264Bilinear => "RGB 264x264 bilinear",
        Picture::Rgb300Bicubic => "RGB 300x300 bicubic",
    }
}

/// Runs `f` against an emulator playing `scenario` with GREEN-API's picture
/// (its default); an emulator that does not start fails every client.
fn with_server<T>(
    clients: &Clients,
    scenario: Scenario,
    tls: bool,
    f: impl FnOnce(&Server) -> PerClient<T>,
) -> PerClient<T> {
    match Server::start(Options { scenario, tls, ..Options::default() }) {
        Ok(server) => f(&server),
        Err(e) => clients.each(|_| Err(format!("emulator: {e}"))),
    }
}

/// `runs` sessions of each client in turn, each ending after `qr` QR codes.
fn sessions(bench: &Bench, server: &Server, runs: usize, qr: usize, limit: Duration) -> PerClient<Vec<Usage>> {
    bench.clients.rounds(runs, |c: &Client| c.session(server, bench.scratch, qr, limit))
}

/// The median CPU (user + sys) of some runs.
fn cpu(runs: &[Usage]) -> Got {
    let c = stats::median(&runs.iter().map(Usage::cpu).collect::<Vec<_>>()).ok_or("no runs")?;
    Ok(measured(c.as_secs_f64(), ms(c)))
}
