//! From just before the spawn until a listener we own reads the first byte
//! of the client's upgrade request.

use super::{progress, Bench};
use crate::report::{measured, Check, Goal, Report, Row, Target};
use crate::stats::ms;

pub fn measure(bench: &Bench, report: &mut Report) {
    let runs = bench.plan.first_byte_runs;
    progress(&format!("startup to first byte ({runs} run(s) each)"));
    let got = bench.clients.each(|c| {
        let s = c.first_byte(bench.scratch, runs)?;
        Ok(measured(s.median().as_secs_f64(), ms(s.median())))
    });
    report.rows.push(Row::per_client(
        format!("startup to first byte on the socket (median of {runs})"),
        Target::new("under 20 ms", Goal::Under(0.020), Check::Value),
        got,
    ));
}
