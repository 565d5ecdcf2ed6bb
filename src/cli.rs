//! The command line: one loop, one match, one [`Config`] out. No I/O: the
//! environment comes in as a function, and files are read by `app`.

use crate::config::{Command, Config, HookCommands, Style, Terminal, Timing};
use crate::secret::Token;
use crate::url::{check_instance, Endpoint};
use crate::Error;
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

pub const HELP: &str = include_str!("help.txt");

/// What the command line asked for.
#[derive(Debug)]
pub enum Parsed {
    Run(Box<Config>),
    Help,
    Version,
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
            "-h" | "--help" | "help" if o.command.is_none() || flag != "help" => return Ok(Parsed::Help),
            "-V" | "--version" => return Ok(Parsed::Version),
            "--instance" => o.instance = Some(value()?),
            "--token-file" => o.token_file = Some(value()?.into()),
            "--api-url" => o.api_url = Some(value()?),
            "-o" | "--out" => o.out = Some(value()?.into()),
            "--keep" => o.keep = true,
            "--terminal" => o.terminal = Some(value()?),
            "--compact" => o.compact = true,
            "--invert" => o.invert = true,
            "--json" => o.json = true,
            "-q" | "--quiet" => o.quiet = true,
            "--timeout" => o.timeout = Some(seconds("--timeout", &value()?)?),
            "--connect-timeout" => o.connect_timeout = Some(seconds("--connect-timeout", &value()?)?),
            "--ca-file" => o.ca_file = Some(value()?.into()),
            "--proxy" => o.proxy = Some(value()?),
            "--phone" => o.phone = Some(phone_digits(&value()?)?),
            "--on-qr" => o.hooks.on_qr = Some(value()?),
            "--on-code" => o.hooks.on_code = Some(value()?),
            "--on-done" => o.hooks.on_done = Some(value()?),
            word if o.command.is_none() && command(word).is_some() => o.command = command(word),
            _ => return Err(unknown(&flag, inline.is_some())),
        }
        if inline.is_some() && matches!(flag.as_str(), "--keep" | "--compact" | "--invert" | "--json" | "--quiet") {
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
    proxy: Option<String>,
    phone: Option<String>,
    hooks: HookCommands,
    compact: bool,
    command: Option<Command>,
}

impl Raw {
    fn finish(self, env: &dyn Fn(&str) -> Option<String>) -> Result<Config, Error> {
        // Usage errors first: they are the caller's typo, whatever the environment holds.
        let api_url = self.api_url.or_else(|| env("API_URL").filter(|u| !u.trim().is_empty()));
        let endpoint = Endpoint::parse(api_url.as_deref().unwrap_or("https://api.green-api.com"))?;
        let terminal = match self.terminal.as_deref().unwrap_or("auto") {
            "auto" => Terminal::Auto,
            "always" => Terminal::Always,
            "never" => Terminal::Never,
            other => return Err(Error::Usage(format!("--terminal takes auto, always or never, not {other:?}"))),
        };
        let out = self.out.unwrap_or_else(|| PathBuf::from("qr.png"));
        if out.as_os_str().is_empty() || out.to_string_lossy().ends_with('/') {
            return Err(Error::Usage(format!(
                "--out {:?} must name a file, like {:?}",
                out.display().to_string(),
                out.join("qr.png").display().to_string()
            )));
        }
        // The directory is checked before connecting, so it must be one directory.
        if out.parent().is_some_and(|dir| dir.to_string_lossy().contains("{n}")) {
            return Err(Error::Usage("--out: put {n} in the file name, not in the directory".into()));
        }
        let instance = check_instance(&self.instance.or_else(|| env("ID_INSTANCE")).unwrap_or_default())?;
        // The file is read by `app`; an empty or malformed token in the environment is found here.
        let token = match &self.token_file {
            Some(_) => Token::default(),
            None => Token::new(&env("API_TOKEN_INSTANCE").unwrap_or_default())?,
        };
        let default_timeout = if self.phone.is_some() { 180 } else { 120 };
        Ok(Config {
            command: self.command.unwrap_or(Command::Login),
            instance,
            token,
            token_file: self.token_file,
            endpoint,
            out,
            keep: self.keep,
            terminal,
            compact: self.compact,
            // no-color.org: set and not empty.
            style: Style { color: env("NO_COLOR").is_none_or(|v| v.is_empty()), invert: self.invert },
            json: self.json,
            quiet: self.quiet,
            timeout: self.timeout.unwrap_or(Duration::from_secs(default_timeout)),
            connect_timeout: self.connect_timeout.unwrap_or(Duration::from_secs(10)),
            ca_file: self.ca_file,
            proxy: self.proxy,
            phone: self.phone,
            hooks: self.hooks,
            timing: Timing::STANDARD,
        })
    }
}

fn command(word: &str) -> Option<Command> {
    match word {
        "ensure" => Some(Command::Ensure),
        "state" => Some(Command::State),
        "logout" => Some(Command::Logout),
        "reboot" => Some(Command::Reboot),
        _ => None,
    }
}

/// The error for an argument nothing matched, pointing at what was meant.
fn unknown(arg: &str, has_value: bool) -> Error {
    Error::Usage(match arg {
        "--token" | "-t" => "there is no --token on purpose: a token on the command line is visible to every user \
             in `ps`; put it in API_TOKEN_INSTANCE, or in a file named by --token-file"
            .into(),
        "-help" | "-h=" | "--h" => format!("unknown option {arg}; did you mean --help?"),
        _ if has_value || arg.starts_with('-') => format!("unknown option {arg}"),
        _ if command(arg).is_some() || arg == "help" => format!("{arg:?} given twice, or after another command"),
        _ => format!("unexpected argument {arg:?}; the commands are ensure, state, logout, reboot and help"),
    })
}

/// `--phone`: the digits of an international number. `+`, spaces, dashes,
/// dots and parentheses are dropped; a leading `00` is refused, since
/// GREEN-API wants the country code itself.
pub fn phone_digits(raw: &str) -> Result<String, Error> {
    let kept: String = raw.chars().filter(|c| !matches!(c, '+' | ' ' | '-' | '.' | '(' | ')')).collect();
    let why = if !kept.chars().all(|c| c.is_ascii_digit()) {
        "has characters other than digits, +, spaces, dashes and parentheses"
    } else if kept.starts_with("00") {
        "starts with 00: give the country code without it, like +7 900 123-45-67"
    } else if !(8..=15).contains(&kept.len()) {
        "must have 8 to 15 digits: the country code and the number, like +7 900 123-45-67"
    } else {
        return Ok(kept);
    };
    Err(Error::Usage(format!("--phone {raw:?} {why}")))
}

/// A positive number of seconds, fractions allowed, at most a day.
fn seconds(flag: &str, text: &str) -> Result<Duration, Error> {
    match text.trim().parse::<f64>() {
        Ok(s) if s > 0.0 && s <= 86_400.0 => Ok(Duration::from_secs_f64(s)),
        _ => Err(Error::Usage(format!(
            "{flag} takes a number of seconds greater than 0 and at most 86400 (fractions allowed), not {text:?}"
        ))),
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
        assert_eq!((cfg.command, cfg.instance.as_str(), cfg.out.to_str()), (Command::Login, "1101", Some("qr.png")));
        assert_eq!((cfg.timeout, cfg.connect_timeout), (Duration::from_secs(120), Duration::from_secs(10)));
        assert_eq!(
            (cfg.endpoint.host.as_str(), cfg.terminal, cfg.timing),
            ("api.green-api.com", Terminal::Auto, Timing::STANDARD)
        );
        assert!(cfg.style.color && !cfg.keep && !cfg.json && !cfg.compact);
        assert_eq!(cfg.token.reveal(), "abc123");
    }

    #[test]
    fn flags_win_over_the_environment_in_both_spellings() {
        let env =
            [("ID_INSTANCE", "1"), ("API_TOKEN_INSTANCE", "abc"), ("API_URL", "https://a.example"), ("NO_COLOR", "1")];
        let cfg = run(&["--instance=22", "--api-url", "http://127.0.0.1:9", "--timeout=1.5", "-o", "x-{n}.png"], &env)
            .unwrap();
        assert_eq!((cfg.instance.as_str(), cfg.endpoint.port, cfg.timeout), ("22", 9, Duration::from_millis(1500)));
        assert!(!cfg.style.color, "NO_COLOR set");
        let empty = [("ID_INSTANCE", "1"), ("API_TOKEN_INSTANCE", "abc"), ("NO_COLOR", "")];
        assert!(run(&["--api-url", "http://127.0.0.1:9"], &empty).unwrap().style.color, "NO_COLOR empty: colour");
        for (word, command) in [
            ("state", Command::State),
            ("logout", Command::Logout),
            ("ensure", Command::Ensure),
            ("reboot", Command::Reboot),
        ] {
            assert_eq!(run(&[word, "--json"], &CREDS).unwrap().command, command);
        }
    }

    #[test]
    fn the_token_file_is_left_to_the_wiring() {
        let cfg = run(&["--token-file", "/nonexistent/token"], &[("ID_INSTANCE", "1")]).unwrap();
        assert_eq!(cfg.token_file.as_deref(), Some(std::path::Path::new("/nonexistent/token")));
        assert_eq!(cfg.token.reveal(), "");
    }

    #[test]
    fn phone_numbers_keep_their_digits() {
        let cfg = run(&["--phone", "+7 (900) 123-45-67"], &CREDS).unwrap();
        assert_eq!((cfg.phone.as_deref(), cfg.timeout), (Some("79001234567"), Duration::from_secs(180)));
        assert_eq!(run(&["--phone=79001234567", "--timeout", "30"], &CREDS).unwrap().timeout, Duration::from_secs(30));
        for bad in ["0079001234567", "1234567", "1234567890123456", "+7 900 CALL-ME", ""] {
            assert!(matches!(phone_digits(bad), Err(Error::Usage(_))), "{bad:?}");
        }
        assert_eq!(phone_digits("12345678").ok().as_deref(), Some("12345678"));
    }

    #[test]
    fn usage_errors() {
        for args in [
            &["--keep=yes"][..],
            &["--compact=1"],
            &["--timeout", "0"],
            &["--timeout", "-3"],
            &["--connect-timeout", "NaN"],
            &["--out"],
            &["-o", "dir/"],
            &["-o", "qr-{n}/qr.png"],
            &["state", "state"],
            &["state", "ensure"],
            &["extra"],
            &["-x"],
            &["--token", "abc"],
            &["-help"],
            &["--terminal", "sometimes"],
            &["--phone", "00123456789"],
        ] {
            assert!(matches!(run(args, &CREDS), Err(Error::Usage(_))), "{args:?}");
        }
    }

    #[test]
    fn errors_point_at_the_fix() {
        let msg = |args: &[&str]| run(args, &CREDS).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            msg(&["--token", "x"]).contains("API_TOKEN_INSTANCE") && msg(&["--token", "x"]).contains("--token-file")
        );
        assert!(msg(&["-help"]).contains("--help"));
        assert!(msg(&["--timeout", "0"]).contains("greater than 0"));
        assert!(msg(&["-o", "dir/"]).contains("dir/qr.png"));
    }

    #[test]
    fn help_in_every_spelling() {
        for args in [&["--help"][..], &["-h"], &["help"], &["--json", "help"]] {
            let parsed = parse(args.iter().map(OsString::from).collect(), &|_| None);
            assert!(matches!(parsed, Ok(Parsed::Help)), "{args:?}");
        }
        assert!(matches!(parse(vec!["-V".into()], &|_| None), Ok(Parsed::Version)));
    }

    #[test]
    fn credentials_errors_are_configuration() {
        assert!(matches!(run(&["--instance", "12a"], &CREDS), Err(Error::Config(_))));
        assert!(matches!(run(&[], &[("ID_INSTANCE", "1")]), Err(Error::Config(_))));
        assert!(matches!(run(&[], &[("API_TOKEN_INSTANCE", "abc")]), Err(Error::Config(_))));
    }
}
