//! The one integration-test binary: runs the real `scanqr` against local servers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod compact_drawing;
mod cron;
mod dist;
mod ensure;
mod hostile;
mod mutate;
mod packaging;
mod pairing;
mod proxy;
mod qr;
mod qr_fixtures;
mod recipes;
mod regressions;
mod session;
mod soak;
mod support;
mod terminal;
mod terminal_size;
mod tls;
