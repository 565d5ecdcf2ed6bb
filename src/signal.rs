//! SIGINT and SIGTERM become a flag the session loop polls, so it can close
//! the websocket and remove its files before exiting with 130 or 143.
//! SIGWINCH becomes a flag too, so a drawing can be fitted to the new size.

use crate::sys;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};

static PENDING: AtomicI32 = AtomicI32::new(0);
static RESIZED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_stop(sig: i32) {
    PENDING.store(sig, Ordering::SeqCst);
}

extern "C" fn on_resize(_: i32) {
    RESIZED.store(true, Ordering::SeqCst);
}

/// Install the handlers. Without SA_RESTART, so a blocking call returns early.
pub fn install() -> std::io::Result<()> {
    sys::on_signal(sys::SIGINT, on_stop)?;
    sys::on_signal(sys::SIGTERM, on_stop)?;
    sys::on_signal(sys::SIGWINCH, on_resize)
}

/// The stopping signal received since [`install`], if any.
pub fn pending() -> Option<i32> {
    match PENDING.load(Ordering::SeqCst) {
        0 => None,
        sig => Some(sig),
    }
}

/// Whether the terminal was resized since the last call.
pub fn take_resize() -> bool {
    RESIZED.swap(false, Ordering::SeqCst)
}

/// The signal's name, for messages.
pub fn name(sig: i32) -> &'static str {
    match sig {
        sys::SIGINT => "SIGINT",
        sys::SIGTERM => "SIGTERM",
        _ => "a signal",
    }
}
