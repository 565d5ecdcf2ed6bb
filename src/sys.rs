//! Every call into libc, each with its SAFETY comment. The rest of the crate
//! is `#![deny(unsafe_code)]`.
#![allow(unsafe_code)]

use std::ffi::CStr;
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd};
use std::path::Path;

pub use libc::{SIGINT, SIGTERM, SIGWINCH};

/// Install `handler` for `sig` without SA_RESTART, so a blocking call
/// returns early with EINTR. The handler must only touch atomics.
pub fn on_signal(sig: i32, handler: extern "C" fn(libc::c_int)) -> io::Result<()> {
    // SAFETY: the sigaction struct is zeroed then filled; the handler is a
    // plain `extern "C" fn` that the caller promises is async-signal-safe.
    let rc = unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = handler as libc::sighandler_t;
        libc::sigemptyset(&mut action.sa_mask);
        libc::sigaction(sig, &action, std::ptr::null_mut())
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// SIGKILL a whole process group (a hook started with `process_group(0)`).
pub fn kill_group(pgid: u32) {
    if let Ok(pid) = i32::try_from(pgid) {
        // SAFETY: kill(2) with a negative pid only sends a signal to that group.
        unsafe { libc::kill(-pid, libc::SIGKILL) };
    }
}

/// Swap two paths atomically (Linux `renameat2(RENAME_EXCHANGE)`); `false`
/// where the call or the platform does not have it.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn exchange(a: &Path, b: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let (Ok(a), Ok(b)) =
        (std::ffi::CString::new(a.as_os_str().as_bytes()), std::ffi::CString::new(b.as_os_str().as_bytes()))
    else {
        return false;
    };
    // SAFETY: two NUL-terminated paths that outlive the call; renameat2 does not keep them.
    unsafe { libc::renameat2(libc::AT_FDCWD, a.as_ptr(), libc::AT_FDCWD, b.as_ptr(), libc::RENAME_EXCHANGE) == 0 }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// Whether `fd` can take a write within `ms` milliseconds.
pub fn writable_within(fd: BorrowedFd<'_>, ms: i32) -> bool {
    let mut p = libc::pollfd { fd: fd.as_raw_fd(), events: libc::POLLOUT, revents: 0 };
    // SAFETY: one valid pollfd, owned by this frame, for the duration of the call.
    unsafe { libc::poll(&mut p, 1, ms) > 0 }
}

/// The terminal's size as (columns, rows), when `fd` is a terminal that knows it.
pub fn terminal_size(fd: BorrowedFd<'_>) -> Option<(u16, u16)> {
    // SAFETY: TIOCGWINSZ writes one winsize into the struct we own; a
    // non-terminal fd makes it fail, which we check.
    let mut ws: libc::winsize = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::ioctl(fd.as_raw_fd(), libc::TIOCGWINSZ, &mut ws) };
    (rc == 0 && ws.ws_col > 0 && ws.ws_row > 0).then_some((ws.ws_col, ws.ws_row))
}

/// Each QR frame allocates and frees the same few hundred KiB; by default
/// glibc hands that back to the kernel and faults it in again every frame.
pub fn keep_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 8 << 20);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}

/// The OpenSSL that native-tls linked, as it names itself ("OpenSSL 3.0.17 1 Jul 2025").
#[cfg(all(unix, not(target_os = "macos")))]
pub fn tls_library() -> String {
    extern "C" {
        fn OpenSSL_version(t: libc::c_int) -> *const libc::c_char;
    }
    // SAFETY: OpenSSL_version(OPENSSL_VERSION = 0) returns a pointer to a
    // static NUL-terminated string owned by libcrypto, which native-tls links.
    let text = unsafe { OpenSSL_version(0) };
    if text.is_null() {
        return "OpenSSL (version unknown)".into();
    }
    // SAFETY: non-null, NUL-terminated, static (see above).
    unsafe { CStr::from_ptr(text) }.to_string_lossy().into_owned()
}

#[cfg(not(all(unix, not(target_os = "macos"))))]
pub fn tls_library() -> String {
    "the platform's TLS library".into()
}
