//! The one integration-test binary: runs the real `scanqr` against local servers.

mod qr;
mod qr_fixtures;
