//! `scanqr-bench`: scanqr's benchmark, run by `make bench` as
//! `cargo run --release -p scanqr-bench` (`-- --quick` for a smoke run).
//!
//! It builds the release binaries (`scanqr`, `scanqr-emulator`), measures
//! them against the project's targets and two reference clients (Python's
//! websocket-client, Node's `ws`), and prints markdown: the table of targets
//! (figure, target, scanqr, python, node, ratios, pass/fail), the per-frame
//! figures for each picture shape the emulator sends, and notes. A missed
//! target is a `fail` in the table and exit 0; exit 1 means a measurement
//! broke (scanqr not built, a client that crashed, an unreadable picture).
//!
//! Where each figure comes from: `figures/` (one module per figure),
//! measured in process over scanqr's library functions (`frame`,
//! `terminal`) or on the release binary under a small runner process
//! (`measure`, `runner`) that reaps it with `wait4` for CPU and peak RSS.
//! The references live in `references/`; `report` prints.
//!
//! Options: `--quick` (fewer iterations and runs, a 3 s wait instead of
//! 30 s), `--no-build` (use the binaries already in `target/release`).
//! `SCANQR_BIN` overrides the scanqr binary measured.
#![deny(unsafe_code)]

mod client;
mod figures;
mod measure;
mod plan;
mod references;
mod report;
mod runner;
mod stats;
mod sys;

use client::{Client, Clients};
use plan::Plan;
use report::Report;
use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, ExitCode};

const USAGE: &str = "\
scanqr-bench: build scanqr in release mode, measure it against its targets
and the Python and Node reference clients, print a markdown report on stdout.

usage: cargo run --release -p scanqr-bench -- [--quick] [--no-build]
    --quick      fewer iterations and runs, 3 s instead of 30 s of waiting
    --no-build   measure the binaries already in target/release
env: SCANQR_BIN (the scanqr binary), SCANQR_REFERENCE (the Python reference
script), SCANQR_NODE_REFERENCE (the Node one)
exit: 0 when every figure was measured (targets met or not), 1 when one broke
";

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
        Ok(report) => {
            report.print(quick);
            let errors = report.errors();
            for e in &errors {
                eprintln!("scanqr-bench: broken measurement: {e}");
            }
            if errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("scanqr-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(plan: &Plan, build: bool) -> Result<Report, String> {
    let repo = plan::repo_root();
    let target = plan::target_dir(&repo);
    if build {
        build_release(&repo)?;
    }
    let scanqr_bin = plan::scanqr_bin(&target);
    if !scanqr_bin.is_file() {
        return Err(format!("no scanqr binary at {} (build it, or drop --no-build)", scanqr_bin.display()));
    }
    let mut report = Report::default();
    if cfg!(debug_assertions) {
        report
            .notes
            .push("This benchmark was built without --release: the in-process figures are not representative.".into());
    }
    let (python, node) = references::prepare(&repo, &target, &mut report.notes);
    let clients = Clients { scanqr: Client::scanqr(scanqr_bin.clone()), python, node };
    let scratch = plan::scratch_dir()?;
    figures::measure_all(
        &figures::Bench { plan, clients: &clients, scratch: &scratch, scanqr_bin: &scanqr_bin },
        &mut report,
    );
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(report)
}

/// Builds what is measured, with OpenSSL compiled in when this benchmark
/// was (its `vendored` feature), so the binaries link what it says they do.
fn build_release(repo: &Path) -> Result<(), String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.arg("build").arg("--release").arg("--manifest-path").arg(repo.join("Cargo.toml"));
    command.args(["-p", "scanqr", "-p", "scanqr-emulator", "--bins"]);
    command.args(["-p", "scanqr-bench", "--bin", measure::RUNNER_BIN]);
    if cfg!(feature = "vendored") {
        command.args(["--features", "scanqr-bench/vendored"]);
    }
    eprintln!("scanqr-bench: building the release binaries");
    let status = command.status().map_err(|e| format!("cannot run cargo: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("cargo build --release failed ({status})"))
    }
}
