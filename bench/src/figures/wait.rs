//! CPU used while waiting for a scan: one QR, then silence until the wait is
//! over, then `accountData`. Every client at once (they are idle), then a
//! scanqr session without the wait, to tell startup from waiting.

use super::{cpu, progress, with_server, Bench};
use crate::report::{Check, Goal, Report, Row, Target};
use crate::stats::{self, ms};
use scanqr_emulator::{Options, Scenario, Server};
use std::time::Duration;

pub fn measure(bench: &Bench, report: &mut Report) {
    let wait = bench.plan.wait;
    let wait_s = wait.as_secs();
    progress(&format!("waiting {wait_s} s for a scan (every client at once)"));
    let limit = wait + Duration::from_secs(30);
    let waited = with_server(bench.clients, Scenario::Authorize { qr: 1, every: wait }, false, |server| {
        bench.clients.each_at_once(|c| c.session(server, bench.scratch, 1, limit))
    });
    let base =
        Server::start(Options { scenario: Scenario::Authorize { qr: 1, every: Duration::ZERO }, ..Options::default() })
            .map_err(|e| format!("emulator: {e}"))
            .and_then(|server| {
                let once = || bench.clients.scanqr.session(&server, bench.scratch, 1, Duration::from_secs(30));
                (0..3).map(|_| once()).collect::<Result<Vec<_>, String>>()
            });
    if let (Ok(w), Ok(b)) = (&waited.scanqr, &base) {
        if let Some(b) = stats::median(&b.iter().map(|u| u.cpu()).collect::<Vec<_>>()) {
            report.notes.push(format!(
                "Wait: scanqr's {} is the whole run (start, connect, one QR, {wait_s} s of silence, outcome); \
                 the same session without the silence takes {} (median of 3), so the waiting itself costs about {}.",
                ms(w.cpu()),
                ms(b),
                ms(w.cpu().saturating_sub(b))
            ));
        }
    }
    let quick = if bench.plan.quick { " (--quick)" } else { "" };
    report.rows.push(Row::per_client(
        format!("CPU used while waiting {wait_s} s for a scan{quick}"),
        Target::new("under 30 ms", Goal::Under(0.030), Check::Value),
        waited.map(|u| cpu(std::slice::from_ref(u))),
    ));
}
