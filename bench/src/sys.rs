//! Every libc call of the benchmark, each with its SAFETY comment; the rest
//! of the crate is `#![deny(unsafe_code)]`. (scanqr's own `scanqr::sys` has
//! none of these: it neither reaps children nor reads CPU clocks.)
#![allow(unsafe_code)]

use std::io;
use std::time::Duration;

/// CPU time of the calling thread.
pub fn thread_cpu() -> Duration {
    // SAFETY: timespec is plain old data; all-zero is a valid value.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a local, which the call only writes.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(u64::try_from(ts.tv_sec).unwrap_or(0), u32::try_from(ts.tv_nsec).unwrap_or(0))
}

/// What `wait4` says of a reaped child.
pub struct Reaped {
    pub user: Duration,
    pub sys: Duration,
    pub maxrss_kib: u64,
    /// The exit code, or 128 + the signal number.
    pub code: i32,
}

/// Reaps the child `pid` (blocking, retried on EINTR), with its resource usage.
pub fn wait4(pid: u32) -> io::Result<Reaped> {
    let pid = libc::pid_t::try_from(pid).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))?;
    let mut status: libc::c_int = 0;
    // SAFETY: rusage is plain old data; all-zero is a valid value.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: valid pointers to locals, which the call only writes.
        if unsafe { libc::wait4(pid, &mut status, 0, &mut ru) } == pid {
            break;
        }
        let e = io::Error::last_os_error();
        if e.kind() != io::ErrorKind::Interrupted {
            return Err(e);
        }
    }
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else if libc::WIFSIGNALED(status) {
        128 + libc::WTERMSIG(status)
    } else {
        -1
    };
    let time = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    Ok(Reaped {
        user: time(ru.ru_utime),
        sys: time(ru.ru_stime),
        maxrss_kib: u64::try_from(ru.ru_maxrss).unwrap_or(0),
        code,
    })
}

/// SIGKILL the process `pid`.
pub fn kill(pid: u32) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: kill(2) only sends a signal. The caller passes its own
        // unreaped child, whose pid cannot have been reused.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// `YYYY-MM-DD HH:MM UTC`.
pub fn utc_now() -> String {
    // SAFETY: time(NULL) only returns the time.
    let t = unsafe { libc::time(std::ptr::null_mut()) };
    // SAFETY: tm is plain old data; all-zero is a valid value.
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers to locals; gmtime_r keeps neither.
    if unsafe { libc::gmtime_r(&t, &mut tm) }.is_null() {
        return "(unknown date)".into();
    }
    format!("{:04}-{:02}-{:02} {:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min)
}

/// `Linux 6.1.0 x86_64`.
pub fn system() -> String {
    // SAFETY: utsname is plain old data; all-zero is a valid value.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: a valid pointer to a local, which uname only fills.
    if unsafe { libc::uname(&mut u) } != 0 {
        return "(unknown system)".into();
    }
    let field = |f: &[libc::c_char]| -> String {
        let bytes: Vec<u8> = f.iter().take_while(|&&c| c != 0).map(|&c| c as u8).collect();
        String::from_utf8_lossy(&bytes).into_owned()
    };
    format!("{} {} {}", field(&u.sysname), field(&u.release), field(&u.machine))
}
