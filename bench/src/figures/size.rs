//! The release binary's size, and which OpenSSL it links.

use super::Bench;
use crate::report::{measured, Check, Goal, Report, Row, Target};
use crate::stats::{group, mib};

pub fn measure(bench: &Bench, report: &mut Report) {
    let bin = bench.scanqr_bin;
    let size = std::fs::metadata(bin).map(|m| m.len()).map_err(|e| format!("{}: {e}", bin.display()));
    // The benchmark links scanqr as the binary it built does, so its own
    // feature and TLS library say what the measured binary has.
    let tls = scanqr::sys::tls_library();
    report.notes.push(if cfg!(feature = "vendored") {
        format!("Binary size: {tls} is compiled in (`--features vendored`).")
    } else {
        format!(
            "Binary size: scanqr links the system's {tls} (libssl, libcrypto) dynamically; those are not counted. \
             Built with `--features vendored` (OpenSSL compiled in) it is several MiB larger."
        )
    });
    if std::env::var_os("SCANQR_BIN").is_some() {
        report.notes.push("SCANQR_BIN is set: the OpenSSL note above is about the build here, not that binary.".into());
    }
    report.rows.push(Row::new(
        "release binary size, stripped",
        Target::new("under 3 MiB", Goal::Under(3.0 * 1024.0 * 1024.0), Check::Value),
        size.map(|b| measured(b as f64, format!("{} ({} bytes)", mib(b), group(b)))),
    ));
}
