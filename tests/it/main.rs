//! The one integration-test binary: runs the real `scanqr` (and, where a
//! rule is about long waits, the library in-process with short ones) against
//! servers on 127.0.0.1. `support/` holds the servers and the runners.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod commands;
mod compact_drawing;
mod dist;
mod ensure;
mod files;
mod hooks;
mod hostile;
mod mutate;
mod packaging;
mod pairing;
mod proxy;
mod qr;
mod qr_fixtures;
mod recipes;
mod reconnect;
mod regressions;
mod session;
mod signals;
mod soak;
mod support;
mod terminal;
mod terminal_size;
mod tls;
mod usage;
