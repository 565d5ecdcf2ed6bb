//! `scanqr-emulator`: serve GREEN-API's scanqrcode websocket and the HTTP
//! methods around a login locally. Run `scanqr-emulator --help` for usage.

use std::io::Write;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use scanqr_emulator::{Options, Picture, Scenario, Server, DEFAULT_TOKEN};

const HELP: &str = include_str!("help.txt");

struct Args {
    options: Options,
    once: bool,
    /// The scenario as typed, for the hint line.
    label: String,
}

enum Parsed {
    Run(Args),
    Help,
}

fn value<'a>(
    name: &str,
    inline: Option<&'a str>,
    rest: &mut impl Iterator<Item = &'a String>,
) -> Result<&'a str, String> {
    match inline {
        Some(v) => Ok(v),
        None => rest.next().map(String::as_str).ok_or_else(|| format!("{name} needs a value")),
    }
}

fn parse_count(what: &str, text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|&n| n <= 10_000_000)
        .ok_or_else(|| format!("{what}: expected a whole number, got {text:?}"))
}

fn parse_seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && (0.0..=86_400.0).contains(s))
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("seconds: expected a number from 0 to 86400, got {text:?}"))
}

fn parse_code(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > 64 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("--code: expected 1 to 64 printable characters without spaces, got {text:?}"));
    }
    Ok(text.to_string())
}

fn parse_path_part(name: &str, text: &str) -> Result<String, String> {
    if text.is_empty() || text.contains(['/', '?', '#', ' ']) {
        return Err(format!("{name}: must be non-empty, without '/', '?', '#' or spaces"));
    }
    Ok(text.to_string())
}

fn parse_args(argv: &[String]) -> Result<Parsed, String> {
    let mut options = Options::default();
    let mut once = false;
    let mut positional: Vec<&str> = Vec::new();
    let mut rest = argv.iter();
    let mut options_done = false;
    while let Some(arg) = rest.next() {
        if options_done || !arg.starts_with('-') || arg == "-" {
            positional.push(arg);
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (arg.as_str(), None),
        };
        match name {
            "-h" | "--help" => return Ok(Parsed::Help),
            "--" => options_done = true,
            "--tls" => options.tls = true,
            "--once" => once = true,
            "--port" => {
                let v = value(name, inline, &mut rest)?;
                options.port = v.parse().map_err(|_| format!("--port: expected 0 to 65535, got {v:?}"))?;
            }
            "--instance" => options.instance = parse_path_part("--instance", value(name, inline, &mut rest)?)?,
            "--token" => options.token = parse_path_part("--token", value(name, inline, &mut rest)?)?,
            "--state" => {
                let v = value(name, inline, &mut rest)?;
                if v.is_empty() {
                    return Err("--state: expected a state such as authorized or notAuthorized".to_string());
                }
                options.state = v.to_string();
            }
            "--picture" => {
                let v = value(name, inline, &mut rest)?;
                options.picture = Picture::from_name(v).ok_or_else(|| {
                    let names: Vec<&str> = Picture::ALL.iter().map(|p| p.name()).collect();
                    format!("--picture: expected one of {}, got {v:?}", names.join(", "))
                })?;
            }
            "--code" => options.code = Some(parse_code(value(name, inline, &mut rest)?)?),
            "--code-fails" => options.code_fails = true,
            "--authorize-after" => options.authorize_after = parse_seconds(value(name, inline, &mut rest)?)?,
            "--reboot-fails" => options.reboot_fails = true,
            _ => return Err(format!("unknown option {arg:?}")),
        }
    }
    let Some((&name, args)) = positional.split_first() else {
        return Err("no SCENARIO given".to_string());
    };
    let qr_and_every = |args: &[&str]| -> Result<(usize, Duration), String> {
        if args.len() > 2 {
            return Err(format!("{name} takes at most N and S, got {args:?}"));
        }
        let qr = match args.first() {
            Some(n) => parse_count("N", n)?,
            None => 3,
        };
        let every = match args.get(1) {
            Some(s) => parse_seconds(s)?,
            None => Duration::from_secs(1),
        };
        Ok((qr, every))
    };
    let no_args = |args: &[&str]| -> Result<(), String> {
        if args.is_empty() {
            Ok(())
        } else {
            Err(format!("{name} takes no arguments, got {args:?}"))
        }
    };
    options.scenario = match name {
        "authorize" => {
            let (qr, every) = qr_and_every(args)?;
            Scenario::Authorize { qr, every }
        }
        "timeout" => {
            let (qr, every) = qr_and_every(args)?;
            Scenario::Timeout { qr, every }
        }
        "drop" => {
            let (qr, every) = qr_and_every(args)?;
            Scenario::Drop { qr, every }
        }
        "already" => {
            no_args(args)?;
            Scenario::Already
        }
        "reject" => {
            no_args(args)?;
            Scenario::Reject
        }
        "error" => match args {
            [text] => Scenario::Error((*text).to_string()),
            [] => return Err("error needs TEXT".to_string()),
            _ => return Err("error takes one TEXT (quote it)".to_string()),
        },
        "flood" => match args {
            [n] => Scenario::Flood(parse_count("N", n)?),
            _ => return Err("flood needs N, the number of QR frames".to_string()),
        },
        other => return Err(format!("unknown SCENARIO {other:?}")),
    };
    Ok(Parsed::Run(Args { options, once, label: positional.join(" ") }))
}

static STOP: AtomicBool = AtomicBool::new(false);

#[cfg(unix)]
mod signals {
    use super::STOP;
    use std::sync::atomic::Ordering;

    extern "C" fn on_signal(_: libc::c_int) {
        // Only an atomic store: async-signal-safe.
        STOP.store(true, Ordering::SeqCst);
    }

    /// Turns SIGINT and SIGTERM into a clean stop (temporary files removed).
    pub fn install() -> std::io::Result<()> {
        // SAFETY: an all-zero sigaction is a valid value of the C struct, the
        // mask is initialised by sigemptyset before use, and `on_signal` only
        // stores to an atomic, which is async-signal-safe.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            action.sa_flags = libc::SA_RESTART;
            if libc::sigemptyset(&mut action.sa_mask) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            for signal in [libc::SIGINT, libc::SIGTERM] {
                if libc::sigaction(signal, &action, std::ptr::null_mut()) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
        }
        Ok(())
    }
}

#[cfg(not(unix))]
mod signals {
    pub fn install() -> std::io::Result<()> {
        Ok(())
    }
}

fn describe(scenario: &Scenario) -> String {
    match scenario {
        Scenario::Authorize { qr, every } => {
            format!("{qr} QR code(s) {}s apart, then accountData", every.as_secs_f64())
        }
        Scenario::Timeout { qr, every } => {
            format!("{qr} QR code(s) {}s apart, then timeoutExpired", every.as_secs_f64())
        }
        Scenario::Drop { qr, every } => format!(
            "first connection cut after one QR code; then {qr} QR code(s) {}s apart, then accountData",
            every.as_secs_f64()
        ),
        Scenario::Already => "alreadyLogged".to_string(),
        Scenario::Error(text) => format!("error {text:?}"),
        Scenario::Reject => "HTTP 401 on the websocket upgrade".to_string(),
        Scenario::Flood(n) => format!("{n} QR codes back to back, then accountData"),
    }
}

fn run(args: Args) -> Result<(), String> {
    // Before anything is printed: whoever reads `ca_file=` may signal at once.
    signals::install().map_err(|e| format!("cannot handle SIGINT and SIGTERM: {e}"))?;
    let Args { options, once, label } = args;
    let custom_token = options.token != DEFAULT_TOKEN;
    let token = options.token.clone();
    let instance = options.instance.clone();
    let what = format!("{}; {} pictures", describe(&options.scenario), options.picture.name());
    let server = Server::start(options).map_err(|e| format!("cannot start: {e}"))?;

    let mut lines = format!("api_url={}\ninstance={instance}\ntoken={token}\n", server.api_url());
    if let Some(ca) = server.ca_pem_path() {
        lines.push_str(&format!("ca_file={}\n", ca.display()));
    }
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(lines.as_bytes()).and_then(|()| stdout.flush()).map_err(|e| format!("writing to stdout: {e}"))?;
    drop(stdout);

    let shown_token = if custom_token { "<your --token>" } else { DEFAULT_TOKEN };
    let ca_flag = server.ca_pem_path().map(|p| format!(" --ca-file {}", p.display())).unwrap_or_default();
    let until = if once { "until the first session ends" } else { "until Ctrl-C" };
    eprintln!(
        "scanqr-emulator: `{label}` ({what}) on {} {until}. Try:\n  ID_INSTANCE={instance} API_TOKEN_INSTANCE={shown_token} scanqr --api-url {}{ca_flag}",
        server.api_url(),
        server.api_url()
    );

    while !STOP.load(Ordering::SeqCst) {
        if once && server.sessions_finished() >= 1 {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    server.stop();
    Ok(())
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&argv) {
        Ok(Parsed::Help) => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Ok(Parsed::Run(args)) => match run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("scanqr-emulator: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("scanqr-emulator: {e}\nRun `scanqr-emulator --help` for usage.");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Parsed, String> {
        let argv: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse_args(&argv)
    }

    fn run_args(args: &[&str]) -> Args {
        match parse(args) {
            Ok(Parsed::Run(a)) => a,
            Ok(Parsed::Help) => panic!("help"),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn scenarios_and_defaults() {
        let a = run_args(&["authorize"]);
        assert_eq!(a.options.scenario, Scenario::Authorize { qr: 3, every: Duration::from_secs(1) });
        assert!(!a.once && !a.options.tls && a.options.port == 0);
        let a = run_args(&["--tls", "--port=8080", "timeout", "2", "0.25", "--once"]);
        assert_eq!(a.options.scenario, Scenario::Timeout { qr: 2, every: Duration::from_millis(250) });
        assert!(a.once && a.options.tls && a.options.port == 8080);
        let a = run_args(&["error", "Instance is not found", "--token", "abc", "--instance", "7"]);
        assert_eq!(a.options.scenario, Scenario::Error("Instance is not found".into()));
        assert_eq!((a.options.token.as_str(), a.options.instance.as_str()), ("abc", "7"));
        assert_eq!(run_args(&["flood", "100"]).options.scenario, Scenario::Flood(100));
        assert_eq!(run_args(&["reject"]).options.scenario, Scenario::Reject);
        assert_eq!(run_args(&["already"]).options.scenario, Scenario::Already);
        assert!(matches!(run_args(&["drop"]).options.scenario, Scenario::Drop { qr: 3, .. }));
        assert_eq!(run_args(&["--state", "blocked", "already"]).options.state, "blocked");
        assert_eq!(run_args(&["--state", "someNewState", "already"]).options.state, "someNewState");
        assert_eq!(a.options.picture, Picture::GreenApi);
        let a = run_args(&["--picture", "rgb300", "--code=ABCD1234", "--authorize-after", "0.5", "already"]);
        assert_eq!(a.options.picture, Picture::Rgb300Bicubic);
        assert_eq!(a.options.code.as_deref(), Some("ABCD1234"));
        assert_eq!(a.options.authorize_after, Duration::from_millis(500));
        assert!(!a.options.code_fails && !a.options.reboot_fails);
        let a = run_args(&["--code-fails", "--reboot-fails", "--picture", "gray", "already"]);
        assert!(a.options.code_fails && a.options.reboot_fails);
        assert_eq!(a.options.picture, Picture::Gray);
        assert_eq!(run_args(&["--picture", "rgb264", "already"]).options.picture, Picture::Rgb264Bilinear);
        assert_eq!(run_args(&["--picture", "greenapi", "already"]).options.picture, Picture::GreenApi);
        assert!(matches!(parse(&["--help"]), Ok(Parsed::Help)));
    }

    #[test]
    fn bad_arguments_are_errors() {
        for bad in [
            &[][..],
            &["nope"],
            &["authorize", "x"],
            &["authorize", "1", "-1"],
            &["authorize", "1", "nan"],
            &["authorize", "1", "2", "3"],
            &["already", "1"],
            &["error"],
            &["flood"],
            &["--port", "70000", "already"],
            &["--port"],
            &["--state", "", "already"],
            &["--picture", "jpeg", "already"],
            &["--code", "", "already"],
            &["--code", "AB CD", "already"],
            &["--authorize-after", "-1", "already"],
            &["--code"],
            &["--token", "a/b", "already"],
            &["--bogus", "already"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should fail");
        }
    }
}
