//! The one integration-test binary: runs the real `scanqr` against local servers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod hostile;
mod session;
mod support;
