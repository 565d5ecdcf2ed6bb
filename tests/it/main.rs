//! The one integration-test binary: runs the real `scanqr` against local servers.
