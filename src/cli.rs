//! The command line: one loop, one match, one [`Config`] out.

use crate::connect::Tls;
use crate::report::Reporter;
use crate::terminal::Style;
use crate::url::{check_instance, Endpoint, Token};
use crate::{instance, session, signal, Error};
use std::ffi::OsString;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::time::Duration;

pub const HELP: &str = include_str!("help.txt");

/// Everything a run needs, validated.
#[derive(Debug)]
pub struct Config {
    pub command: Command,
    pub instance: String,
    pub token: Token,
    pub endpoint: Endpoint,
    pub out: PathBuf,
    pub keep: bool,
    /// Draw QR codes in the terminal (`--terminal` resolved).
    pub terminal: bool,
    pub style: Style,
    pub json: bool,
    pub quiet: bool,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub ca_file: Option<PathBuf>,
    pub on_qr: Option<String>,
    pub on_done: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// The QR login session (no subcommand).
    Session,
    /// `scanqr state`: print stateInstance.
    State,
    /// `scanqr logout`.
    Logout,
}

/// What the command line asked for.
#[derive(Debug)]
pub enum Parsed {
    Run(Box<Config>),
    Help,
    Version,
}

/// The process entry point; returns the exit code.
pub fn main() -> i32 {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let env = |k: &str| std::env::var(k).ok();
    match parse(args, &env) {
        Ok(Parsed::Help) => say(false, HELP),
        Ok(Parsed::Version) => say(false, &format!("scanqr {}\n", env!("CARGO_PKG_VERSION"))),
        Ok(Parsed::Run(cfg)) => {
            let tls = match Tls::new(&cfg.endpoint, cfg.ca_file.as_deref()) {
                Ok(tls) => tls,
                Err(e) => return fail(&e, cfg.token.secret()),
            };
            signal::install();
            keep_heap();
            let mut rep = Reporter::new(cfg.json, cfg.quiet, cfg.terminal, cfg.token.secret());
            match cfg.command {
                Command::Session => session::run(&cfg, &tls, &mut rep),
                Command::State => instance::state(&cfg, &tls, &mut rep),
                Command::Logout => instance::logout(&cfg, &tls, &mut rep),
            }
        }
        Err(e) => fail(&e, &env("API_TOKEN_INSTANCE").unwrap_or_default()),
    }
}

/// Each QR frame allocates and frees the same few hundred KiB; by default
/// glibc hands that back to the kernel and faults it in again every frame.
fn keep_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only tunes the allocator; called before any other thread exists.
    unsafe {
        libc::mallopt(libc::M_TRIM_THRESHOLD, 8 << 20);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
    }
}

/// Print without panicking on a closed pipe (`scanqr --help | head -1`).
fn say(to_stderr: bool, text: &str) -> i32 {
    use std::io::Write;
    let _ = if to_stderr {
        std::io::stderr().write_all(text.as_bytes())
    } else {
        std::io::stdout().write_all(text.as_bytes())
    };
    0
}

/// An error before any session: one line on stderr, and its exit code. Like
/// every line scanqr prints, it never shows the token, whatever the user typed.
fn fail(e: &Error, token: &str) -> i32 {
    let line = format!("scanqr: {e}\n");
    let token = token.trim();
    say(true, &if token.len() >= 8 { line.replace(token, "***") } else { line });
    e.exit_code()
}

/// Parse arguments, reading the environment through `env` (a flag wins over it).
pub fn parse(args: Vec<OsString>, env: &dyn Fn(&str) -> Option<String>) -> Result<Parsed, Error> {
    let mut o = Raw::default();
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let arg = arg.into_string().map_err(|a| Error::Usage(format!("argument {a:?} is not UTF-8")))?;
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || -> Result<String, Error> {
            match inline.clone() {
                Some(v) => Ok(v),
                None => args
                    .next()
                    .and_then(|v| v.into_string().ok())
                    .ok_or_else(|| Error::Usage(format!("{flag} needs a value"))),
            }
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--instance" => o.instance = Some(value()?),
            "--token-file" => o.token_file = Some(value()?.into()),
            "--api-url" => o.api_url = Some(value()?),
            "-o" | "--out" => o.out = Some(value()?.into()),
            "--keep" => o.keep = true,
            "--terminal" => o.terminal = Some(value()?),
            "--invert" => o.invert = true,
            "--json" => o.json = true,
            "-q" | "--quiet" => o.quiet = true,
            "--timeout" => o.timeout = Some(seconds("--timeout", &value()?)?),
            "--connect-timeout" => o.connect_timeout = Some(seconds("--connect-timeout", &value()?)?),
            "--ca-file" => o.ca_file = Some(value()?.into()),
            "--on-qr" => o.on_qr = Some(value()?),
            "--on-done" => o.on_done = Some(value()?),
            "state" if o.command.is_none() => o.command = Some(Command::State),
            "logout" if o.command.is_none() => o.command = Some(Command::Logout),
            _ if inline.is_none() && !flag.starts_with('-') => {
                return Err(Error::Usage(format!("unexpected argument {flag:?}")));
            }
            _ => return Err(Error::Usage(format!("unknown option {flag}"))),
        }
        if inline.is_some() && matches!(flag.as_str(), "--keep" | "--invert" | "--json" | "--quiet") {
            return Err(Error::Usage(format!("{flag} takes no value")));
        }
    }
    o.finish(env).map(|c| Parsed::Run(Box::new(c)))
}

#[derive(Default)]
struct Raw {
    instance: Option<String>,
    token_file: Option<PathBuf>,
    api_url: Option<String>,
    out: Option<PathBuf>,
    keep: bool,
    terminal: Option<String>,
    invert: bool,
    json: bool,
    quiet: bool,
    timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    ca_file: Option<PathBuf>,
    on_qr: Option<String>,
    on_done: Option<String>,
    command: Option<Command>,
}

impl Raw {
    fn finish(self, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, Error> {
        // Usage errors first: they are the caller's typo, whatever the environment holds.
        let api_url = self.api_url.or_else(|| env("API_URL").filter(|u| !u.trim().is_empty()));
        let endpoint = Endpoint::parse(api_url.as_deref().unwrap_or("https://api.green-api.com"))?;
        let terminal = match self.terminal.as_deref().unwrap_or("auto") {
            "auto" => std::io::stdout().is_terminal() && !self.json && !self.quiet,
            "always" => true,
            "never" => false,
            other => return Err(Error::Usage(format!("--terminal takes auto, always or never, not {other:?}"))),
        };
        let out = self.out.unwrap_or_else(|| PathBuf::from("qr.png"));
        if out.as_os_str().is_empty() || out.to_string_lossy().ends_with('/') {
            return Err(Error::Usage(format!("--out {:?} must name a file", out.display().to_string())));
        }
        // The directory is checked before connecting, so it must be one directory.
        if out.parent().is_some_and(|dir| dir.to_string_lossy().contains("{n}")) {
            return Err(Error::Usage("--out: put {n} in the file name, not in the directory".into()));
        }
        let instance = check_instance(&self.instance.or_else(|| env("ID_INSTANCE")).unwrap_or_default())?;
        let token = match &self.token_file {
            Some(path) => Token::new(
                &std::fs::read_to_string(path)
                    .map_err(|e| Error::Config(format!("cannot read --token-file {}: {e}", path.display())))?,
            )?,
            None => Token::new(&env("API_TOKEN_INSTANCE").unwrap_or_default())?,
        };
        let color = env("NO_COLOR").is_none();
        Ok(Config {
            command: self.command.unwrap_or(Command::Session),
            instance,
            token,
            endpoint,
            out,
            keep: self.keep,
            terminal,
            style: Style { color, invert: self.invert },
            json: self.json,
            quiet: self.quiet,
            timeout: self.timeout.unwrap_or(Duration::from_secs(120)),
            connect_timeout: self.connect_timeout.unwrap_or(Duration::from_secs(10)),
            ca_file: self.ca_file,
            on_qr: self.on_qr,
            on_done: self.on_done,
        })
    }
}

/// A positive number of seconds, fractions allowed, at most a day.
fn seconds(flag: &str, text: &str) -> Result<Duration, Error> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(Error::Usage(format!("{flag} takes a number of seconds between 0 and 86400, not {text:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], env: &[(&str, &str)]) -> Result<Config, Error> {
        let env: Vec<(String, String)> = env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let lookup = move |k: &str| env.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone());
        match parse(args.iter().map(OsString::from).collect(), &lookup)? {
            Parsed::Run(cfg) => Ok(*cfg),
            other => panic!("{other:?}"),
        }
    }

    const CREDS: [(&str, &str); 2] = [("ID_INSTANCE", "1101"), ("API_TOKEN_INSTANCE", "abc123")];

    #[test]
    fn defaults_and_environment() {
        let cfg = run(&[], &CREDS).unwrap();
        assert_eq!((cfg.command, cfg.instance.as_str(), cfg.out.to_str()), (Command::Session, "1101", Some("qr.png")));
        assert_eq!((cfg.timeout, cfg.connect_timeout), (Duration::from_secs(120), Duration::from_secs(10)));
        assert_eq!(cfg.endpoint.host, "api.green-api.com");
        assert!(cfg.style.color && !cfg.keep && !cfg.json);
    }

    #[test]
    fn flags_win_over_the_environment_in_both_spellings() {
        let env =
            [("ID_INSTANCE", "1"), ("API_TOKEN_INSTANCE", "abc"), ("API_URL", "https://a.example"), ("NO_COLOR", "")];
        let cfg = run(&["--instance=22", "--api-url", "http://127.0.0.1:9", "--timeout=1.5", "-o", "x-{n}.png"], &env)
            .unwrap();
        assert_eq!((cfg.instance.as_str(), cfg.endpoint.port, cfg.timeout), ("22", 9, Duration::from_millis(1500)));
        assert!(!cfg.style.color, "NO_COLOR set, even empty");
        assert_eq!(run(&["state"], &CREDS).unwrap().command, Command::State);
        assert_eq!(run(&["logout", "--json"], &CREDS).unwrap().command, Command::Logout);
    }

    #[test]
    fn usage_errors() {
        for args in [
            &["--keep=yes"][..],
            &["--timeout", "0"],
            &["--timeout", "-3"],
            &["--connect-timeout", "NaN"],
            &["--out"],
            &["-o", "dir/"],
            &["-o", "qr-{n}/qr.png"],
            &["state", "state"],
            &["extra"],
            &["-x"],
        ] {
            assert_eq!(run(args, &CREDS).map(|_| ()).map_err(|e| e.exit_code()), Err(64), "{args:?}");
        }
        assert!(matches!(parse(vec!["--help".into()], &|_| None), Ok(Parsed::Help)));
    }
}
