//! The wiring: arguments in, exit code out. Reads the token file, builds
//! the TLS setup and the Reporter, installs the signal handlers, and hands
//! the run to a command. `main.rs` calls [`main`]; tests call [`run`].

use crate::cli::{self, Parsed};
use crate::config::{Command, Config, Terminal};
use crate::net::{proxy, Dialer};
use crate::outcome::Outcome;
use crate::report::{ReportOptions, Reporter, Streams};
use crate::secret::{Secrets, Token};
use crate::{instance, session, signal, sys, Error};
use std::io::Write;

/// The process: parse, run, return the exit code.
pub fn main() -> i32 {
    let args = std::env::args_os().skip(1).collect();
    let env = |k: &str| std::env::var(k).ok();
    match cli::parse(args, &env) {
        Ok(Parsed::Help) => print(cli::HELP),
        Ok(Parsed::Version) => print(&version()),
        Ok(Parsed::Run(cfg)) => run(*cfg, Streams::standard()),
        Err(e) => {
            // Whatever went wrong, a token in the environment is not echoed.
            let mut secrets = Secrets::default();
            secrets.add(&env("API_TOKEN_INSTANCE").unwrap_or_default());
            early_failure(e, &secrets, Streams::standard())
        }
    }
}

/// Run a parsed command to its outcome, writing events to `streams`.
pub fn run(mut cfg: Config, streams: Streams) -> i32 {
    let mut secrets = Secrets::default();
    secrets.add(cfg.token.reveal());
    if let Err(e) = load_token(&mut cfg) {
        return early_failure(e, &secrets, streams);
    }
    secrets.add(cfg.token.reveal());
    let env = |k: &str| std::env::var(k).ok();
    let proxy = match proxy::resolve(cfg.proxy.as_deref(), &cfg.endpoint, &env) {
        Ok(p) => p,
        Err(e) => return early_failure(e, &secrets, streams),
    };
    for secret in proxy.iter().flat_map(|p| p.secrets()) {
        secrets.add(secret);
    }
    let dialer = match Dialer::new(&cfg.endpoint, cfg.ca_file.as_deref(), proxy) {
        Ok(d) => d,
        Err(e) => return early_failure(e, &secrets, streams),
    };
    let signals = signal::install();
    sys::keep_heap();
    let draw = match cfg.terminal {
        Terminal::Auto => streams.stdout_is_terminal() && !cfg.json && !cfg.quiet,
        Terminal::Always => true,
        Terminal::Never => false,
    };
    let opts = ReportOptions { json: cfg.json, quiet: cfg.quiet, draw, compact: cfg.compact, style: cfg.style };
    let mut rep = Reporter::new(opts, secrets, streams);
    if let Err(e) = signals {
        rep.warning(&format!("cannot install the signal handlers ({e}); SIGINT/SIGTERM will end scanqr at once"));
    }
    warn_about_settings(&cfg, draw, &mut rep);
    if dialer.proxy().is_some_and(|p| p.setting == "--proxy" && p.auth.is_some()) {
        rep.warning(
            "--proxy holds credentials, which every user on this machine can see in ps; \
             put the proxy URL in https_proxy (http_proxy for http://) instead",
        );
    }
    let outcome = match cfg.command {
        Command::Login => session::login(&cfg, &dialer, &mut rep),
        Command::Ensure => session::ensure(&cfg, &dialer, &mut rep),
        Command::State => instance::state(&cfg, &dialer),
        Command::Logout => instance::logout(&cfg, &dialer),
        Command::Reboot => instance::reboot(&cfg, &dialer),
    };
    rep.outcome(&outcome)
}

/// `--token-file`: read it, and warn (as ssh does for keys) when others may read it too.
fn load_token(cfg: &mut Config) -> Result<(), Error> {
    let Some(path) = &cfg.token_file else { return Ok(()) };
    let text = std::fs::read_to_string(path)
        .map_err(|e| Error::Config(format!("cannot read --token-file {}: {e}", path.display())))?;
    cfg.token = Token::new(&text)?;
    Ok(())
}

fn warn_about_settings(cfg: &Config, draw: bool, rep: &mut Reporter) {
    if let Some(path) = &cfg.token_file {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::metadata(path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                rep.warning(&format!(
                    "--token-file {} can be read by other users (mode {mode:04o}); chmod 600 {}",
                    path.display(),
                    path.display()
                ));
            }
        }
    }
    if cfg.style.invert && cfg.style.color && draw {
        rep.warning(
            "--invert changes only the drawing without colour (NO_COLOR set); in colour the code is drawn \
             black on white, which reads on any background",
        );
    }
}

/// An error before any event: one line on stderr, masked like all output, and its exit code.
fn early_failure(e: Error, secrets: &Secrets, streams: Streams) -> i32 {
    let mut stderr = streams.stderr;
    let _ = stderr.write_all(secrets.mask(&format!("scanqr: {e}\n")).as_bytes());
    Outcome::Failed(e).exit_code()
}

/// Print without panicking on a closed pipe (`scanqr --help | head -1`).
fn print(text: &str) -> i32 {
    let _ = std::io::stdout().write_all(text.as_bytes());
    0
}

/// `--version`: what a bug report needs.
pub fn version() -> String {
    let commit = option_env!("SCANQR_COMMIT").filter(|c| !c.is_empty()).unwrap_or("unknown commit");
    format!("scanqr {} ({commit})\nTLS: {} (native-tls)\n", env!("CARGO_PKG_VERSION"), sys::tls_library())
}
