//! `scanqr-bench`: scanqr's benchmark, run by `make bench` as
//! `cargo run --release -p scanqr-bench` (`-- --quick` for a smoke run).
//!
//! It builds the release binaries (`scanqr`, `scanqr-emulator`), measures
//! them against the project's performance targets and prints a markdown
//! table (figure, target, scanqr, reference, ratio, pass/fail) with notes.
//! It exits 0 when targets are missed (the table says so: it is a report),
//! 1 when scanqr could not be built or a scanqr measurement failed outright.
//!
//! What is measured, and how:
//!
//! * per-frame CPU and terminal text: in process, over the library functions
//!   the session calls (`message::parse`, `image::decode_png`,
//!   `qr::read_modules`, `files::QrFiles::write`, `draw::render`), on
//!   emulator pictures; medians of per-iteration thread CPU time
//!   (`CLOCK_THREAD_CPUTIME_ID`) and of wall time;
//! * end to end: the release binary against the emulator
//!   (`scanqr_emulator::Server`, run in this process), under a small runner
//!   process that reaps it with `wait4` for CPU (user + system) and peak RSS
//!   (`ru_maxrss`), and times it from spawn to reap (see `measure.rs` for why
//!   a runner); flood frames per second are frames / that wall time;
//! * startup to first byte: from just before the spawn until a listener this
//!   process owns reads the first byte of the upgrade request;
//! * the Python reference (`$SCANQR_REFERENCE`, else
//!   `<repo>/../shared/bench/reference_client.py`, with websocket-client in a
//!   venv under `target/bench-venv`, made with pip if need be) runs through
//!   the same scenarios, measured the same way; its columns are skipped, with
//!   a note, when there is no Python or no script.
//!
//! Options: `--quick` (fewer iterations and runs, a 3 s wait instead of
//! 30 s: a smoke run), `--no-build` (use the binaries already in
//! `target/release`). `SCANQR_BIN` overrides the scanqr binary measured.

mod clients;
mod measure;
mod micro;
mod reference;
mod runner;
mod stats;

use clients::Client;
use scanqr_emulator::{Options, Scenario, Server};
use stats::{group, mib, ms};
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

const USAGE: &str = "\
scanqr-bench: build scanqr in release mode, measure it against its targets
and a Python reference, print a markdown report on stdout.

usage: cargo run --release -p scanqr-bench -- [--quick] [--no-build]
    --quick      fewer iterations and runs, 3 s instead of 30 s of waiting
    --no-build   measure the binaries already in target/release
env: SCANQR_BIN (the scanqr binary), SCANQR_REFERENCE (the Python reference script)
";

const WSS_REFERENCE_NOTE: &str = "wss:// reference: websocket-client given the emulator's CA with \
    WEBSOCKET_CLIENT_CA_BUNDLE (that CA only; scanqr loads the system roots too).";

/// How many of everything: the full run and `--quick`.
struct Plan {
    quick: bool,
    frame_iterations: usize,
    terminal_iterations: usize,
    first_byte_runs: usize,
    flood_frames: usize,
    flood_runs: usize,
    session_runs: usize,
    session_every: Duration,
    wait: Duration,
}

impl Plan {
    fn new(quick: bool) -> Plan {
        if quick {
            Plan {
                quick,
                frame_iterations: 200,
                terminal_iterations: 100,
                first_byte_runs: 3,
                flood_frames: 2000,
                flood_runs: 1,
                session_runs: 1,
                session_every: Duration::from_millis(200),
                wait: Duration::from_secs(3),
            }
        } else {
            Plan {
                quick,
                frame_iterations: 2000,
                terminal_iterations: 1000,
                first_byte_runs: 10,
                flood_frames: 2000,
                flood_runs: 5,
                session_runs: 3,
                session_every: Duration::from_secs(1),
                wait: Duration::from_secs(30),
            }
        }
    }
}

/// A measured value and how to show it.
#[derive(Clone)]
struct Measured {
    value: f64,
    shown: String,
}

fn measured(value: f64, shown: String) -> Measured {
    Measured { value, shown }
}

#[derive(Clone, Copy)]
enum Goal {
    Under(f64),
    Over(f64),
}

impl Goal {
    fn met(self, v: f64) -> bool {
        match self {
            Goal::Under(limit) => v < limit,
            Goal::Over(limit) => v > limit,
        }
    }
}

/// What the goal is checked against.
#[derive(Clone, Copy, PartialEq)]
enum Check {
    /// scanqr's value.
    Value,
    /// scanqr's value / the reference's.
    Ratio,
}

/// The reference column of a row.
enum RefCell {
    /// Not measured for this figure.
    NotApplicable,
    /// The whole reference is unavailable.
    Skipped,
    Got(Result<Measured, String>),
}

struct Row {
    figure: String,
    target: String,
    goal: Goal,
    check: Check,
    scanqr: Result<Measured, String>,
    reference: RefCell,
}

impl Row {
    fn ratio(&self) -> Option<f64> {
        match (&self.scanqr, &self.reference) {
            (Ok(s), RefCell::Got(Ok(r))) if r.value > 0.0 => Some(s.value / r.value),
            _ => None,
        }
    }

    /// (cell text, is this a miss or error)
    fn verdict(&self) -> (String, bool) {
        let value = match self.check {
            Check::Value => self.scanqr.as_ref().ok().map(|m| m.value),
            Check::Ratio => self.ratio(),
        };
        match (value, &self.scanqr, &self.reference) {
            (Some(v), _, _) if self.goal.met(v) => ("pass".into(), false),
            (Some(_), _, _) => ("**FAIL**".into(), true),
            (None, Err(_), _) => ("**ERROR**".into(), true),
            (None, _, RefCell::Skipped) => ("skipped (no reference)".into(), false),
            (None, _, _) => ("**not measured** (reference failed)".into(), true),
        }
    }

    fn cells(&self) -> [String; 6] {
        let scanqr = match &self.scanqr {
            Ok(m) => m.shown.clone(),
            Err(_) => "error".into(),
        };
        let reference = match &self.reference {
            RefCell::NotApplicable => "—".into(),
            RefCell::Skipped => "skipped".into(),
            RefCell::Got(Ok(m)) => m.shown.clone(),
            RefCell::Got(Err(_)) => "error".into(),
        };
        let ratio = self.ratio().map(|r| format!("{r:.2}×")).unwrap_or_else(|| "—".into());
        [self.figure.clone(), self.target.clone(), scanqr, reference, ratio, self.verdict().0]
    }
}

fn main() -> ExitCode {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    if args.first().is_some_and(|a| a == measure::RUNNER_ARG) {
        return ExitCode::from(runner::runner_main(&args[1..]) as u8);
    }
    let (mut quick, mut build) = (false, true);
    for arg in &args {
        match arg.to_str() {
            Some("--quick") => quick = true,
            Some("--no-build") => build = false,
            Some("-h" | "--help") => {
                print!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprint!("scanqr-bench: unknown argument {arg:?}\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match run(&Plan::new(quick), build) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("scanqr-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root (this crate's parent).
fn repo_root() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().unwrap_or(manifest).to_path_buf()
}

/// The cargo target directory: `$CARGO_TARGET_DIR`, else the one holding this executable.
fn target_dir(repo: &Path) -> PathBuf {
    if let Some(dir) = std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        let dir = PathBuf::from(dir);
        return if dir.is_absolute() { dir } else { repo.join(dir) };
    }
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent()?.parent().map(Path::to_path_buf))
        .unwrap_or_else(|| repo.join("target"))
}

fn build_release(repo: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.arg("build").arg("--release").arg("--manifest-path").arg(repo.join("Cargo.toml"));
    command.args(["-p", "scanqr", "-p", "scanqr-emulator", "--bins"]);
    command.args(["-p", "scanqr-bench", "--bin", measure::RUNNER_BIN]);
    if openssl_vendored() {
        command.args(["--features", "scanqr/vendored,scanqr-emulator/vendored"]);
    }
    eprintln!("scanqr-bench: building the release binaries");
    let status = command.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo build --release failed ({status})"))
    }
}

/// Whether this benchmark was built with OpenSSL compiled in, so the
/// binaries it builds should be too: its own `vendored` feature, or
/// `--features scanqr/vendored` (as the Makefile passes), which it can only
/// see as the absence of a dynamically loaded libssl.
fn openssl_vendored() -> bool {
    if cfg!(feature = "vendored") {
        return true;
    }
    match std::fs::read_to_string("/proc/self/maps") {
        Ok(maps) => !maps.contains("libssl.so"),
        Err(_) => false,
    }
}

/// A fresh scratch directory under the system's temporary directory.
fn scratch_dir() -> Result<PathBuf, String> {
    let dir = std::env::temp_dir().join(format!("scanqr-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

fn progress(what: &str) {
    eprintln!("scanqr-bench: {what}");
}

/// Runs everything, prints the report; `Ok(false)` when a scanqr measurement failed.
fn run(plan: &Plan, build: bool) -> Result<bool, String> {
    let repo = repo_root();
    let target = target_dir(&repo);
    if build {
        build_release(&repo)?;
    }
    let scanqr_bin = match std::env::var_os("SCANQR_BIN").filter(|b| !b.is_empty()) {
        Some(b) => PathBuf::from(b),
        None => target.join("release").join("scanqr"),
    };
    if !scanqr_bin.is_file() {
        return Err(format!("no scanqr binary at {} (build it, or drop --no-build)", scanqr_bin.display()));
    }
    let scratch = scratch_dir()?;
    let result = measure_all(plan, &repo, &target, &scanqr_bin, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let (rows, notes) = result?;
    print_report(plan, &rows, &notes);
    Ok(rows.iter().all(|r| r.scanqr.is_ok()))
}

fn server(scenario: Scenario, tls: bool) -> Result<Server, String> {
    Server::start(Options { scenario, tls, ..Options::default() }).map_err(|e| format!("emulator: {e}"))
}

/// Runs `runs` sessions of `client` against `server`, checking the QR count.
fn sessions(
    client: &Client,
    server: &Server,
    scratch: &Path,
    runs: usize,
    qr: usize,
    limit: Duration,
) -> Result<Vec<measure::Usage>, String> {
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        let run = client.session(server, scratch, limit)?;
        if run.qr_events != qr {
            return Err(format!("{} printed {} qr events, expected {qr}", client.name, run.qr_events));
        }
        out.push(run.usage);
    }
    Ok(out)
}

fn session_rss(usages: &Result<Vec<measure::Usage>, String>) -> Result<Measured, String> {
    let usages = usages.as_ref().map_err(Clone::clone)?;
    let peak = usages.iter().map(|u| u.maxrss).max().ok_or("no runs")?;
    Ok(measured(peak as f64, mib(peak)))
}

fn reference_cell(reference: &Option<Client>, f: impl FnOnce(&Client) -> Result<Measured, String>) -> RefCell {
    match reference {
        None => RefCell::Skipped,
        Some(client) => RefCell::Got(f(client)),
    }
}

fn measure_all(
    plan: &Plan,
    repo: &Path,
    target: &Path,
    scanqr_bin: &Path,
    scratch: &Path,
) -> Result<(Vec<Row>, Vec<String>), String> {
    let mut notes: Vec<String> = Vec::new();
    let mut rows: Vec<Row> = Vec::new();
    let scanqr = Client::scanqr(scanqr_bin.to_path_buf());

    let reference = match reference::prepare(repo, target) {
        Ok(r) => {
            notes.push(format!(
                "Reference: `{}` (Python websocket-client {}), run with {}; it validates nothing and draws nothing.",
                r.script.display(),
                r.version,
                r.python.display()
            ));
            Some(Client::reference(r.python, r.script))
        }
        Err(why) => {
            notes.push(format!("Reference columns skipped: {why}."));
            None
        }
    };
    if cfg!(debug_assertions) {
        notes.push("This benchmark was built without --release: the in-process figures are not representative.".into());
    }
    if let Some(floor) = measure::floor(scratch) {
        notes.push(format!(
            "Peak RSS is `ru_maxrss` from `wait4`; it includes the measuring runner's own {} (a run of `true` \
             under it), the floor of every RSS figure{}.",
            mib(floor),
            if measure::small_runner() { "" } else { " (no small runner binary: this floor is the benchmark's own)" }
        ));
    }

    // 1. Per-frame CPU.
    progress("per-frame CPU (in process)");
    let frame = micro::frame(scratch, plan.frame_iterations);
    if let Ok(m) = &frame {
        notes.push(format!(
            "Per frame: {} iterations over 4 emulator PNGs ({} modules): CPU median {}, p90 {}; wall median {}. \
             CPU medians by stage: {}.{}",
            m.cpu.len(),
            m.size.map_or("?".to_string(), |s| s.to_string()),
            ms(m.cpu.median()),
            ms(m.cpu.quantile(0.9)),
            ms(m.wall.median()),
            micro::STAGES
                .iter()
                .zip(&m.stages)
                .map(|(name, s)| format!("{name} {}", ms(s.median())))
                .collect::<Vec<_>>()
                .join(", "),
            unreadable_note(m.unreadable)
        ));
    }
    rows.push(Row {
        figure: "CPU to handle one 264x264 QR frame (parse, base64, PNG decode, grid, atomic write), median".into(),
        target: "under 0.25 ms".into(),
        goal: Goal::Under(0.25e-3),
        check: Check::Value,
        scanqr: frame.map(|m| measured(m.cpu.median().as_secs_f64(), ms(m.cpu.median()))),
        reference: RefCell::NotApplicable,
    });

    // 2. Flood.
    progress(&format!("flood {} ({} run(s) each)", plan.flood_frames, plan.flood_runs));
    let flood_server = server(Scenario::Flood(plan.flood_frames), false)?;
    let limit = Duration::from_secs(120);
    let (mut s_runs, mut r_runs) = (Ok(Vec::new()), Ok(Vec::new()));
    for _ in 0..plan.flood_runs {
        push_run(&mut s_runs, || sessions(&scanqr, &flood_server, scratch, 1, plan.flood_frames, limit));
        if let Some(r) = &reference {
            push_run(&mut r_runs, || sessions(r, &flood_server, scratch, 1, plan.flood_frames, limit));
        }
    }
    drop(flood_server);
    let n = plan.flood_frames as f64;
    let fps = |runs: &Result<Vec<measure::Usage>, String>| -> Result<Measured, String> {
        let runs = runs.as_ref().map_err(Clone::clone)?;
        let v: Vec<f64> = runs.iter().map(|u| n / u.wall.as_secs_f64()).collect();
        let f = stats::median(&v).ok_or("no runs")?;
        Ok(measured(f, format!("{} fps", group(f.round() as u64))))
    };
    let cpu = |runs: &Result<Vec<measure::Usage>, String>| -> Result<Measured, String> {
        let runs = runs.as_ref().map_err(Clone::clone)?;
        let v: Vec<Duration> = runs.iter().map(|u| u.cpu()).collect();
        let c = stats::median(&v).ok_or("no runs")?;
        Ok(measured(c.as_secs_f64(), ms(c)))
    };
    for (who, runs) in [("scanqr", &s_runs), ("reference", &r_runs)] {
        if let Ok(runs) = runs {
            if !runs.is_empty() {
                let walls: Vec<String> = runs.iter().map(|u| ms(u.wall)).collect();
                let cpus: Vec<String> = runs.iter().map(|u| ms(u.cpu())).collect();
                let cpu_median = stats::median(&runs.iter().map(|u| u.cpu()).collect::<Vec<_>>()).unwrap_or_default();
                let best = runs.iter().map(|u| u.wall).min().unwrap_or_default();
                notes.push(format!(
                    "Flood, {who}: wall {} (best run {} fps); CPU {}. Per frame {} of CPU, so even with a core \
                     to itself it could not pass {} fps.",
                    walls.join(", "),
                    group((n / best.as_secs_f64().max(1e-9)).round() as u64),
                    cpus.join(", "),
                    ms(cpu_median / plan.flood_frames.max(1) as u32),
                    group((n / cpu_median.as_secs_f64().max(1e-9)).round() as u64)
                ));
            }
        }
    }
    rows.push(Row {
        figure: format!("`flood {}` end to end, QR frames per second", plan.flood_frames),
        target: "over 3,000".into(),
        goal: Goal::Over(3000.0),
        check: Check::Value,
        scanqr: fps(&s_runs),
        reference: reference_cell(&reference, |_| fps(&r_runs)),
    });
    rows.push(Row {
        figure: format!("`flood {}` CPU (user+sys), scanqr ÷ reference", plan.flood_frames),
        target: "at most 1/3".into(),
        goal: Goal::Under(1.0 / 3.0 + 1e-9),
        check: Check::Ratio,
        scanqr: cpu(&s_runs),
        reference: reference_cell(&reference, |_| cpu(&r_runs)),
    });

    // 3. Authorize sessions, ws:// and wss://.
    let scenario = Scenario::Authorize { qr: 3, every: plan.session_every };
    let label = format!("`authorize 3 {}`", plan.session_every.as_secs_f64());
    let limit = Duration::from_secs(60);
    for tls in [false, true] {
        let scheme = if tls { "wss://" } else { "ws://" };
        progress(&format!("{label} over {scheme} ({} run(s) each)", plan.session_runs));
        let srv = server(scenario.clone(), tls)?;
        let s = sessions(&scanqr, &srv, scratch, plan.session_runs, 3, limit);
        let r = reference.as_ref().map(|r| sessions(r, &srv, scratch, plan.session_runs, 3, limit));
        drop(srv);
        let s_rss = session_rss(&s);
        let r_cell = || match &r {
            None => RefCell::Skipped,
            Some(r) => RefCell::Got(session_rss(r)),
        };
        if tls {
            rows.push(Row {
                figure: format!("peak RSS of a whole {label} session over wss:// (system roots loaded)"),
                target: "under 12 MiB".into(),
                goal: Goal::Under(12.0 * 1024.0 * 1024.0),
                check: Check::Value,
                scanqr: s_rss,
                reference: r_cell(),
            });
            if reference.is_some() {
                notes.push(WSS_REFERENCE_NOTE.into());
            }
        } else {
            rows.push(Row {
                figure: format!("peak RSS of a whole {label} session over ws://"),
                target: "under 6 MiB".into(),
                goal: Goal::Under(6.0 * 1024.0 * 1024.0),
                check: Check::Value,
                scanqr: s_rss.clone(),
                reference: r_cell(),
            });
            rows.push(Row {
                figure: format!("peak RSS of an {label} session over ws://, scanqr ÷ reference"),
                target: "at most 1/4".into(),
                goal: Goal::Under(0.25 + 1e-9),
                check: Check::Ratio,
                scanqr: s_rss,
                reference: r_cell(),
            });
        }
    }

    // 4. Waiting for a scan: one QR, then silence until `wait` is over, then
    //    accountData. Both clients at once (they are idle), plus a baseline
    //    session without the wait to tell startup from waiting.
    let wait_s = plan.wait.as_secs();
    progress(&format!("waiting {wait_s} s for a scan (both clients at once)"));
    let wait_server = server(Scenario::Authorize { qr: 1, every: plan.wait }, false)?;
    let limit = plan.wait + Duration::from_secs(30);
    let (s_wait, r_wait) = std::thread::scope(|scope| {
        let r = reference.as_ref().map(|r| scope.spawn(|| sessions(r, &wait_server, scratch, 1, 1, limit)));
        let s = sessions(&scanqr, &wait_server, scratch, 1, 1, limit);
        let r = r.map(|h| h.join().unwrap_or_else(|_| Err("reference thread panicked".into())));
        (s, r)
    });
    drop(wait_server);
    let base_server = server(Scenario::Authorize { qr: 1, every: Duration::ZERO }, false)?;
    let base = sessions(&scanqr, &base_server, scratch, 3, 1, Duration::from_secs(30));
    drop(base_server);
    let wait_cpu = |runs: &Result<Vec<measure::Usage>, String>| -> Result<Measured, String> {
        let u = runs.as_ref().map_err(Clone::clone)?.first().copied().ok_or("no runs")?;
        Ok(measured(u.cpu().as_secs_f64(), ms(u.cpu())))
    };
    if let (Ok(s), Ok(b)) = (&s_wait, &base) {
        if let (Some(w), Some(b)) = (s.first(), stats::median(&b.iter().map(|u| u.cpu()).collect::<Vec<_>>())) {
            notes.push(format!(
                "Wait: scanqr's {} is the whole run (start, connect, one QR, {wait_s} s of silence, outcome); \
                 the same session without the silence takes {} (median of 3), so the waiting itself costs about {}.",
                ms(w.cpu()),
                ms(b),
                ms(w.cpu().saturating_sub(b))
            ));
        }
    }
    rows.push(Row {
        figure: format!("CPU used while waiting {wait_s} s for a scan{}", if plan.quick { " (--quick)" } else { "" }),
        target: "under 30 ms".into(),
        goal: Goal::Under(0.030),
        check: Check::Value,
        scanqr: wait_cpu(&s_wait),
        reference: match &r_wait {
            None => RefCell::Skipped,
            Some(r) => RefCell::Got(wait_cpu(r)),
        },
    });

    // 5. Binary size.
    let size = std::fs::metadata(scanqr_bin).map(|m| m.len()).map_err(|e| format!("{}: {e}", scanqr_bin.display()));
    if let Ok(bytes) = std::fs::read(scanqr_bin) {
        if bytes.windows(b"libssl.so".len()).any(|w| w == b"libssl.so") {
            notes.push(
                "Binary size: scanqr links the system's OpenSSL (libssl, libcrypto) dynamically; those are not \
                 counted. Built with `--features vendored` (OpenSSL compiled in) it is several MiB larger."
                    .into(),
            );
        } else {
            notes.push("Binary size: no dynamic libssl; OpenSSL is compiled in (`vendored`).".into());
        }
    }
    rows.push(Row {
        figure: "release binary size, stripped".into(),
        target: "under 3 MiB".into(),
        goal: Goal::Under(3.0 * 1024.0 * 1024.0),
        check: Check::Value,
        scanqr: size.map(|b| measured(b as f64, format!("{} ({} bytes)", mib(b), group(b)))),
        reference: RefCell::NotApplicable,
    });

    // 6. Startup to first byte.
    progress(&format!("startup to first byte ({} run(s) each)", plan.first_byte_runs));
    let first = |c: &Client| -> Result<Measured, String> {
        let s = c.first_byte(scratch, plan.first_byte_runs)?;
        Ok(measured(s.median().as_secs_f64(), ms(s.median())))
    };
    rows.push(Row {
        figure: format!("startup to first byte on the socket (median of {})", plan.first_byte_runs),
        target: "under 20 ms".into(),
        goal: Goal::Under(0.020),
        check: Check::Value,
        scanqr: first(&scanqr),
        reference: reference_cell(&reference, first),
    });

    // 7. Terminal text.
    progress("264x264 RGB QR to terminal text (in process)");
    let term = micro::terminal_text(plan.terminal_iterations);
    if let Ok(m) = &term {
        notes.push(format!(
            "Terminal text: {} iterations over 4 RGB PNGs: wall median {}, p90 {}; CPU median {}.{}",
            m.wall.len(),
            ms(m.wall.median()),
            ms(m.wall.quantile(0.9)),
            ms(m.cpu.median()),
            unreadable_note(m.unreadable)
        ));
    }
    rows.push(Row {
        figure: "time to read a 264x264 RGB QR into modules and terminal text (median)".into(),
        target: "under 1 ms".into(),
        goal: Goal::Under(0.001),
        check: Check::Value,
        scanqr: term.map(|m| measured(m.wall.median().as_secs_f64(), ms(m.wall.median()))),
        reference: RefCell::NotApplicable,
    });

    for row in &rows {
        if let Err(e) = &row.scanqr {
            notes.push(format!("ERROR, {}: {e}", row.figure));
        }
        if let RefCell::Got(Err(e)) = &row.reference {
            notes.push(format!("Reference error, {}: {e}", row.figure));
        }
    }
    Ok((rows, notes))
}

/// Appends one run's usages to `acc`, or keeps the first error.
fn push_run(acc: &mut Result<Vec<measure::Usage>, String>, run: impl FnOnce() -> Result<Vec<measure::Usage>, String>) {
    if let Ok(v) = acc {
        match run() {
            Ok(mut more) => v.append(&mut more),
            Err(e) => *acc = Err(e),
        }
    }
}

fn unreadable_note(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" **The reader failed on {n} iterations: those timings skip the reading and drawing.**")
    }
}

fn print_report(plan: &Plan, rows: &[Row], notes: &[String]) {
    let mode = if plan.quick { ", `--quick` (a smoke run: fewer iterations, a short wait)" } else { "" };
    println!("## scanqr benchmark\n");
    println!(
        "{} on {}, nproc {}, load average at the start {}{mode}.",
        utc_now(),
        system(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        loadavg()
    );
    println!(
        "These numbers are from one machine and one run; other work on the machine shows up in them, \
         the wall-time figures most.\n"
    );
    println!("| figure | target | scanqr | reference (python) | ratio | pass/fail |");
    println!("|---|---|---|---|---|---|");
    for row in rows {
        println!("| {} |", row.cells().join(" | "));
    }
    let misses: Vec<&str> = rows.iter().filter(|r| r.verdict().1).map(|r| r.figure.as_str()).collect();
    println!();
    if misses.is_empty() {
        println!("All targets met.");
    } else {
        println!("**{} of {} figures missed their target or failed to measure.**", misses.len(), rows.len());
    }
    println!("\nRatio = scanqr ÷ reference.\n");
    for note in notes {
        println!("- {note}");
    }
}

/// `YYYY-MM-DD HH:MM UTC`.
fn utc_now() -> String {
    // SAFETY: time(NULL) and gmtime_r with valid pointers to locals.
    unsafe {
        let t = libc::time(std::ptr::null_mut());
        let mut tm: libc::tm = std::mem::zeroed();
        if libc::gmtime_r(&t, &mut tm).is_null() {
            return "(unknown date)".into();
        }
        format!(
            "{:04}-{:02}-{:02} {:02}:{:02} UTC",
            tm.tm_year + 1900,
            tm.tm_mon + 1,
            tm.tm_mday,
            tm.tm_hour,
            tm.tm_min
        )
    }
}

/// `Linux 6.1.0 x86_64`.
fn system() -> String {
    // SAFETY: utsname is plain old data; uname fills it.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointer to a local.
    if unsafe { libc::uname(&mut u) } != 0 {
        return "(unknown system)".into();
    }
    let field = |f: &[libc::c_char]| -> String {
        let bytes: Vec<u8> = f.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!("{} {} {}", field(&u.sysname), field(&u.release), field(&u.machine))
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}
