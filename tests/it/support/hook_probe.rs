//! A hook whose survival shows at once. It records its shell's pid and its
//! children's, and one child appends to a file every 100 ms; then it waits
//! for ever. Once scanqr has killed it, every recorded process must be gone
//! and the file must stop growing. (A hook that `touch`es a file after a
//! long sleep shows nothing until the sleep is over, long after the test.)

use super::Scratch;
use std::time::{Duration, Instant};

pub struct HookProbe {
    dir: Scratch,
}

impl HookProbe {
    pub fn new(name: &str) -> HookProbe {
        HookProbe { dir: Scratch::new(&format!("probe-{name}")) }
    }

    /// The shell command to give as a hook (after anything the test needs first).
    pub fn command(&self) -> String {
        let (pids, beat) = (self.dir.join("pids").display().to_string(), self.dir.join("beat").display().to_string());
        format!(
            "echo $$ >> '{pids}'; (while :; do echo . >> '{beat}'; sleep 0.1; done) & echo $! >> '{pids}'; \
             sleep 600 & echo $! >> '{pids}'; wait"
        )
    }

    fn pids(&self) -> Vec<i32> {
        let text = std::fs::read_to_string(self.dir.join("pids")).unwrap_or_default();
        text.lines().map(|l| l.trim().parse().unwrap()).collect()
    }

    fn beats(&self) -> u64 {
        std::fs::metadata(self.dir.join("beat")).map(|m| m.len()).unwrap_or(0)
    }

    /// Wait (up to 10 s) until the hook runs: all its processes started and beating.
    pub fn wait_started(&self) {
        let until = Instant::now() + Duration::from_secs(10);
        while self.pids().len() < 3 || self.beats() == 0 {
            assert!(Instant::now() < until, "the hook never started: pids {:?}", self.pids());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The hook ran, and nothing of it is left: no recorded process alive
    /// (within 2 s of this call), no beat for 500 ms after that.
    pub fn assert_started_and_gone(&self) {
        let pids = self.pids();
        assert_eq!(pids.len(), 3, "the hook never started fully: pids {pids:?}");
        assert!(self.beats() > 0, "the hook never beat");
        let until = Instant::now() + Duration::from_secs(2);
        loop {
            let alive: Vec<_> = pids.iter().filter(|p| alive(**p)).map(|p| describe(*p)).collect();
            if alive.is_empty() {
                break;
            }
            assert!(Instant::now() < until, "hook processes outlived their kill: {alive:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
        let beats = self.beats();
        std::thread::sleep(Duration::from_millis(500));
        assert_eq!(self.beats(), beats, "something of the hook is still writing");
    }
}

impl Drop for HookProbe {
    /// Pass or fail, nothing of the hook outlives the test (a survivor would
    /// also hold the test's stderr open, and a pipe reading it).
    fn drop(&mut self) {
        let ours = self.dir.display().to_string();
        for pid in self.pids() {
            let cmdline = describe(pid);
            if alive(pid) && (cmdline.contains(&ours) || cmdline.ends_with(" sleep 600")) {
                // SAFETY: kill(2) on a live process of this probe's hook.
                unsafe { libc::kill(pid, libc::SIGKILL) };
            }
        }
    }
}

/// Whether `pid` runs: it exists and is not a zombie waiting to be reaped.
fn alive(pid: i32) -> bool {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else { return false };
    // "pid (comm) S ...": the state follows the last ')'.
    let state = stat.rsplit_once(')').and_then(|(_, rest)| rest.trim_start().chars().next());
    !matches!(state, Some('Z' | 'X') | None)
}

fn describe(pid: i32) -> String {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    format!("{pid} {}", String::from_utf8_lossy(&cmdline).replace('\0', " ").trim())
}

#[test]
fn a_probe_sees_a_surviving_hook() {
    let probe = HookProbe::new("self-test");
    let mut hook = std::process::Command::new("/bin/sh").args(["-c", &probe.command()]).spawn().unwrap();
    probe.wait_started();
    let survived = std::panic::catch_unwind(|| probe.assert_started_and_gone());
    // Only the shell is killed: its children live on, as they would if a hook's group were not killed.
    let _ = hook.kill();
    let _ = hook.wait();
    assert!(std::panic::catch_unwind(|| probe.assert_started_and_gone()).is_err(), "children of a killed shell");
    assert!(survived.is_err(), "a running hook");
    let pids = probe.pids();
    drop(probe);
    std::thread::sleep(Duration::from_millis(200));
    assert!(!pids.iter().any(|p| alive(*p)), "the probe's drop kills what is left of the hook");
}
