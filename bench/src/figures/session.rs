//! Peak RSS of a whole `authorize 3 S` session, over ws:// and wss://.

use super::{progress, sessions, with_server, Bench};
use crate::measure::Usage;
use crate::report::{measured, Check, Goal, Got, Report, Row, Target};
use crate::stats::mib;
use scanqr_emulator::Scenario;
use std::time::Duration;

const MIB: f64 = 1024.0 * 1024.0;

pub fn measure(bench: &Bench, report: &mut Report) {
    let plan = bench.plan;
    let label = format!("`authorize 3 {}`", plan.session_every.as_secs_f64());
    let scenario = Scenario::Authorize { qr: 3, every: plan.session_every };
    let rss = |tls: bool| {
        let scheme = if tls { "wss://" } else { "ws://" };
        progress(&format!("{label} over {scheme} ({} run(s) each)", plan.session_runs));
        let runs = with_server(bench.clients, scenario.clone(), tls, |server| {
            sessions(bench, server, plan.session_runs, 3, Duration::from_secs(60))
        });
        runs.map(|r| peak(r))
    };
    let (ws, wss) = (rss(false), rss(true));
    let row = |what: &str, target: Target, got| Row::per_client(format!("peak RSS of {what}"), target, got);
    report.rows.extend([
        row(
            &format!("a whole {label} session over ws://, GREEN-API picture"),
            Target::new("under 6 MiB", Goal::Under(6.0 * MIB), Check::Value),
            ws.clone(),
        ),
        row(
            &format!("an {label} session over ws://, scanqr ÷ Python"),
            Target::new("at most 1/4", Goal::AtMost(0.25), Check::Python),
            ws.clone(),
        ),
        row(
            &format!("an {label} session over ws://, scanqr ÷ Node"),
            Target::new("at most 1/8", Goal::AtMost(0.125), Check::Node),
            ws,
        ),
        row(
            &format!("a whole {label} session over wss:// (system roots loaded)"),
            Target::new("under 12 MiB", Goal::Under(12.0 * MIB), Check::Value),
            wss,
        ),
    ]);
    report.notes.push(
        "wss:// references: given the emulator's CA with WEBSOCKET_CLIENT_CA_BUNDLE (Python: that CA only) and \
         NODE_EXTRA_CA_CERTS (Node: besides its built-in roots); scanqr loads the system roots too."
            .into(),
    );
}

fn peak(runs: &[Usage]) -> Got {
    let peak = runs.iter().map(|u| u.maxrss).max().ok_or("no runs")?;
    Ok(measured(peak as f64, mib(peak)))
}
