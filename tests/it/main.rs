//! The one integration-test binary: runs the real `scanqr` against local servers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod compact_drawing;
mod cron;
mod hostile;
mod mutate;
mod qr;
mod qr_fixtures;
mod regressions;
mod session;
mod soak;
mod support;
mod terminal;
mod terminal_size;
mod tls;
