//! The shipped files in dist/: the systemd units pass `systemd-analyze verify`
//! and their ExecStart logs an instance in; the cron lines, run as cron runs
//! them, log an instance in and hand the QR picture or pairing code to the
//! hooks, which keep the bot token off every command line.

use crate::support::api::{ok, state, Api, Reply};
use crate::support::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

const BOT_TOKEN: &str = "4242:BotTok3nNeverOnArgv";

fn dist(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("dist").join(path)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(dist(path)).unwrap()
}

/// A check that cannot run here: fails under CI=true, says SKIPPED elsewhere.
fn skipped(what: &str) {
    crate::support::cannot_run_here(what);
}

/// One call of a stub `curl` or `mail`: its argv, stdin, and copies of the files it was given.
#[derive(Debug)]
struct Call {
    tool: String,
    argv: Vec<String>,
    stdin: String,
    files: Vec<Vec<u8>>,
}

/// A sandbox standing in for the machine: `etc/` (/etc/scanqr), `var/` (/var/lib/scanqr),
/// `stubs/` (curl and mail that record each call into `calls/`).
struct Sandbox {
    dir: crate::support::Scratch,
}

impl Sandbox {
    fn new(name: &str) -> Sandbox {
        let dir = scratch(name);
        for sub in ["etc", "var", "stubs", "calls", "creds", "run/scanqr-1101000001"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        write_secret(&dir.join(format!("etc/{INSTANCE}.token")), &format!("{TOKEN}\n"));
        write_secret(&dir.join("etc/telegram.token"), &format!("{BOT_TOKEN}\n"));
        let stub = format!(
            r#"#!/bin/sh
# Records one call: argv (a line each), stdin, and a copy of every file argv names.
rec={}/$(basename "$0")-$$
mkdir "$rec"
: >"$rec/argv"
i=0
for a in "$@"; do
    i=$((i + 1))
    printf '%s\n' "$a" >>"$rec/argv"
    for f in "$a" "${{a#*=@}}"; do
        if [ -f "$f" ]; then cp "$f" "$rec/file$i"; fi
    done
done
cat >"$rec/stdin"
"#,
            dir.join("calls").display()
        );
        for tool in ["curl", "mail"] {
            let path = dir.join("stubs").join(tool);
            std::fs::write(&path, &stub).unwrap();
            std::process::Command::new("chmod").arg("755").arg(&path).status().unwrap();
        }
        Sandbox { dir }
    }

    fn path(&self, sub: &str) -> String {
        self.dir.join(sub).display().to_string()
    }

    /// The PATH cron gives a job, with the stubs in front.
    fn cron_path(&self) -> String {
        format!("PATH={}:/usr/bin:/bin", self.path("stubs"))
    }

    fn calls(&self) -> Vec<Call> {
        let mut calls: Vec<Call> = std::fs::read_dir(self.dir.join("calls"))
            .unwrap()
            .map(|e| {
                let rec = e.unwrap().path();
                let name = rec.file_name().unwrap().to_string_lossy().to_string();
                let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(&rec)
                    .unwrap()
                    .map(|f| f.unwrap())
                    .filter(|f| f.file_name().to_string_lossy().starts_with("file"))
                    .map(|f| (f.file_name().to_string_lossy().to_string(), std::fs::read(f.path()).unwrap()))
                    .collect();
                files.sort();
                Call {
                    tool: name.split('-').next().unwrap().to_string(),
                    argv: std::fs::read_to_string(rec.join("argv")).unwrap().lines().map(String::from).collect(),
                    stdin: std::fs::read_to_string(rec.join("stdin")).unwrap_or_default(),
                    files: files.into_iter().map(|(_, bytes)| bytes).collect(),
                }
            })
            .collect();
        calls.sort_by_key(|c| c.argv.join(" "));
        // Neither token reaches a command line (ps shows those to every user), nor the API token anywhere.
        for c in &calls {
            assert!(!c.argv.iter().any(|a| a.contains(BOT_TOKEN) || a.contains(TOKEN)), "token on argv: {c:?}");
            assert!(!c.stdin.contains(TOKEN), "API token handed to a hook's tool: {c:?}");
        }
        calls
    }
}

/// A job line of the crontab: `(active, command)`.
fn cron_jobs(crontab: &str) -> Vec<(bool, String)> {
    let schedule = "*/10 * * * * ";
    crontab
        .lines()
        .filter_map(|l| match l.strip_prefix('#') {
            Some(rest) => rest.strip_prefix(schedule).map(|c| (false, c.to_string())),
            None => l.strip_prefix(schedule).map(|c| (true, c.to_string())),
        })
        .collect()
}

/// The crontab's `KEY=value` lines, `API_URL` pointed at the test's server.
fn cron_env(crontab: &str, sandbox: &Sandbox, api_url: &str) -> Vec<String> {
    crontab
        .lines()
        .filter(|l| !l.starts_with('#') && !l.starts_with('*') && l.contains('='))
        .map(|l| if l.starts_with("API_URL=") { format!("API_URL={api_url}") } else { on_the_sandbox(l, sandbox) })
        .collect()
}

/// Point the absolute paths of a shipped line at the sandbox; nothing else changes.
fn on_the_sandbox(line: &str, sandbox: &Sandbox) -> String {
    line.replace("/usr/local/bin/scanqr", env!("CARGO_BIN_EXE_scanqr"))
        .replace("/usr/bin/scanqr", env!("CARGO_BIN_EXE_scanqr"))
        .replace("/usr/local/share/scanqr/hooks/", &format!("{}/", dist("hooks").display()))
        .replace("/usr/share/scanqr/hooks/", &format!("{}/", dist("hooks").display()))
        .replace("/etc/scanqr/", &format!("{}/", sandbox.path("etc")))
        .replace("/var/lib/scanqr/", &format!("{}/", sandbox.path("var")))
}

/// Run a crontab job as cron does: `/bin/sh -c`, an empty environment but PATH and the crontab's lines.
fn run_cron_job(job: &str, crontab: &str, sandbox: &Sandbox, api_url: &str) -> Run {
    let child = Command::new("/usr/bin/env")
        .arg("-i")
        .arg(sandbox.cron_path())
        .args(cron_env(crontab, sandbox, api_url))
        .args(["/bin/sh", "-c", &on_the_sandbox(job, sandbox)])
        .current_dir(&sandbox.dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    finish(child, Duration::from_secs(40))
}

fn not_authorized_emulator() -> scanqr_emulator::Server {
    scanqr_emulator::Server::start(scanqr_emulator::Options {
        instance: INSTANCE.into(),
        token: TOKEN.into(),
        scenario: scanqr_emulator::Scenario::Authorize { qr: 1, every: Duration::from_millis(300) },
        state: "notAuthorized".into(),
        ..Default::default()
    })
    .unwrap()
}

/// A token file as the instructions have it: mode 600.
fn write_secret(path: &Path, text: &str) {
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).unwrap();
    f.write_all(text.as_bytes()).unwrap();
}

fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
}

#[test]
fn the_crontab_has_one_active_job_and_two_alternatives_cron_can_run() {
    let crontab = read("cron/scanqr.cron");
    let jobs = cron_jobs(&crontab);
    assert_eq!(jobs.iter().map(|(active, _)| *active).collect::<Vec<_>>(), [true, false, false]);
    for (_, job) in &jobs {
        assert!(!job.contains('%'), "cron turns % into a newline: {job}");
        assert!(job.starts_with("/usr/local/bin/scanqr ensure -q --terminal never --instance 1101000001 "), "{job}");
        assert!(job.contains("--token-file /etc/scanqr/1101000001.token") && !job.contains('$'), "{job}");
        assert!(!job.contains(" . ") && !job.contains("source"), "no sourcing: {job}");
    }
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    assert!(readme.contains(&format!("*/10 * * * * {}\n", jobs[0].1)), "README shows the shipped line");
    for line in crontab.lines().filter(|l| !l.starts_with('#') && l.contains('=')) {
        assert!(!line.starts_with("export") && !line.contains('"'), "plain KEY=value: {line}");
    }
}

#[test]
fn the_cron_job_logs_in_by_qr_and_sends_the_picture_and_the_outcome_to_the_chat() {
    let crontab = read("cron/scanqr.cron");
    let job = &cron_jobs(&crontab)[0].1;
    let sandbox = Sandbox::new("dist-cron-telegram");
    let emu = not_authorized_emulator();
    let run = run_cron_job(job, &crontab, &sandbox, &emu.api_url());
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""), "silent on success");
    let calls = sandbox.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let (message, photo) = (&calls[0], &calls[1]);
    assert_eq!(photo.tool, "curl");
    assert!(photo.stdin.contains(&format!("/bot{BOT_TOKEN}/sendPhoto\"")), "{photo:?}");
    assert!(photo.argv.contains(&format!("photo=@{}/1101000001-qr.png", sandbox.path("var"))), "{photo:?}");
    assert!(photo.argv.contains(&"chat_id=123456789".to_string()), "{photo:?}");
    assert_eq!(photo.files.len(), 1, "{photo:?}");
    assert!(is_png(&photo.files[0]), "the QR picture was sent");
    assert!(message.stdin.contains("/sendMessage\"") && message.argv.iter().any(|a| a.contains("is logged in")));
    assert!(files_in(&sandbox.dir.join("var")).is_empty(), "QR file removed after the session");
}

#[test]
fn the_cron_job_mails_only_a_problem() {
    let crontab = read("cron/scanqr.cron");
    let sandbox = Sandbox::new("dist-cron-starting");
    let api = Api::start(|_, _| state("starting"));
    let run = run_cron_job(&cron_jobs(&crontab)[0].1, &crontab, &sandbox, &api.url());
    assert_eq!((run.code, run.stdout.as_str()), (75, ""));
    assert_eq!(run.stderr.lines().count(), 1, "one line for cron to mail: {run:?}");
    assert!(run.stderr.contains("state: starting"), "{run:?}");
    let calls = sandbox.calls();
    assert_eq!(calls.len(), 1, "one message for the chat: {calls:?}");
    assert!(calls[0].stdin.contains("/sendMessage\"") && calls[0].argv.iter().any(|a| a.contains("exit 75")));
}

#[test]
fn the_pairing_code_job_sends_the_code_to_the_chat() {
    let crontab = read("cron/scanqr.cron");
    let job = &cron_jobs(&crontab)[1].1;
    assert!(job.contains("--phone 79001234567 --on-code"), "{job}");
    let sandbox = Sandbox::new("dist-cron-code");
    let api = Api::start(|call, n| match (call, n) {
        ("getStateInstance", 0) => state("notAuthorized"),
        ("getStateInstance", _) => state("authorized"),
        ("getAuthorizationCode", _) => ok(r#"{"status":true,"code":"ABCD1234"}"#),
        ("getWaSettings", _) => ok(r#"{"phone":"79001234567"}"#),
        _ => Reply::Json(404, "{}".into()),
    });
    let run = run_cron_job(job, &crontab, &sandbox, &api.url());
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""), "{run:?}");
    let calls = sandbox.calls();
    let texts: Vec<String> = calls.iter().map(|c| c.argv.join(" ")).collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls.iter().all(|c| c.stdin.contains(&format!("/bot{BOT_TOKEN}/sendMessage\""))), "{calls:?}");
    assert!(texts.iter().any(|t| t.contains("ABCD1234") && t.contains("Link with phone number instead")), "{texts:?}");
    assert!(texts.iter().any(|t| t.contains("is logged in")), "{texts:?}");
}

#[test]
fn the_mail_job_attaches_the_qr_picture_and_mails_the_outcome() {
    let crontab = read("cron/scanqr.cron");
    let job = &cron_jobs(&crontab)[2].1;
    let sandbox = Sandbox::new("dist-cron-mail");
    let emu = not_authorized_emulator();
    let run = run_cron_job(job, &crontab, &sandbox, &emu.api_url());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    let mails: Vec<Call> = sandbox.calls().into_iter().filter(|c| c.argv != ["--version"]).collect();
    assert_eq!(mails.len(), 2, "{mails:?}");
    let (qr, done): (Vec<&Call>, Vec<&Call>) = mails.iter().partition(|c| !c.files.is_empty());
    let (qr, done) = (qr[0], done[0]);
    assert_eq!(qr.tool, "mail");
    let file = format!("{}/1101000001-qr.png", sandbox.path("var"));
    let at = qr.argv.iter().position(|a| *a == file).expect("the QR file attached");
    assert_eq!((qr.argv[at - 1].as_str(), qr.argv.last().unwrap().as_str()), ("-a", "ops@example.com"));
    assert!(is_png(&qr.files[0]) && qr.stdin.contains("Scan the attached QR code"), "{qr:?}");
    assert!(done.stdin.contains("is logged in") && done.argv.contains(&"ops@example.com".into()), "{done:?}");
}

/// The unit's ExecStart as systemd would run it, on the sandbox: specifiers,
/// the credentials directory and `$SCANQR_OPTIONS` (from example.env) expanded.
fn exec_start(sandbox: &Sandbox, env: &[(String, String)]) -> Vec<String> {
    let unit = read("systemd/scanqr@.service");
    let line = unit.lines().find_map(|l| l.strip_prefix("ExecStart=")).unwrap();
    assert!(!line.contains('"') && !line.contains('\''), "split at spaces below as systemd would: {line}");
    let options = env.iter().find(|(k, _)| k == "SCANQR_OPTIONS").map(|(_, v)| v.clone()).unwrap_or_default();
    let line = line
        .replace("%i", INSTANCE)
        .replace("%t", &sandbox.path("run"))
        .replace("${CREDENTIALS_DIRECTORY}", &sandbox.path("creds"))
        .replace("$SCANQR_OPTIONS", &options);
    on_the_sandbox(&line, sandbox).split_whitespace().map(String::from).collect()
}

/// example.env's `KEY=value` lines.
fn example_env() -> Vec<(String, String)> {
    read("systemd/example.env")
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            assert!(!l.starts_with("export") && !l.contains('"'), "plain KEY=value: {l}");
            let (k, v) = l.split_once('=').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

fn run_unit(sandbox: &Sandbox, api_url: &str) -> Run {
    // systemd makes credentials 0400, owned by the unit's user.
    write_secret(&sandbox.dir.join("creds/token"), TOKEN);
    write_secret(&sandbox.dir.join("creds/telegram.token"), BOT_TOKEN);
    let env = example_env();
    let argv = exec_start(sandbox, &env);
    let mut cmd = Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .env_clear()
        .env("PATH", sandbox.cron_path().trim_start_matches("PATH="))
        .env("CREDENTIALS_DIRECTORY", sandbox.path("creds"))
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env("API_URL", api_url)
        .current_dir("/")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    finish(cmd.spawn().unwrap(), Duration::from_secs(40))
}

#[test]
fn the_units_exec_start_logs_in_with_the_token_credential_and_ends_failed_otherwise() {
    let sandbox = Sandbox::new("dist-unit");
    let emu = not_authorized_emulator();
    let run = run_unit(&sandbox, &emu.api_url());
    assert_eq!((run.code, run.stdout.as_str(), run.stderr.as_str()), (0, "", ""), "{run:?}");
    let calls = sandbox.calls();
    assert_eq!(calls.len(), 2, "QR picture and outcome to the chat: {calls:?}");
    assert!(calls.iter().all(|c| c.stdin.contains(&format!("/bot{BOT_TOKEN}/"))), "bot token from the credential");
    assert!(files_in(&sandbox.dir.join("run/scanqr-1101000001")).is_empty());
    let api = Api::start(|_, _| state("starting"));
    assert_eq!(run_unit(&Sandbox::new("dist-unit-starting"), &api.url()).code, 75, "non-zero: the unit fails");

    let unit = read("systemd/scanqr@.service");
    for line in [
        "LoadCredential=token:/etc/scanqr/%i.token",
        "EnvironmentFile=-/etc/scanqr/%i.env",
        "RuntimeDirectory=scanqr-%i",
        "DynamicUser=yes",
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
    ] {
        assert!(unit.lines().any(|l| l == line), "{line} missing");
    }
    assert!(!unit.contains("API_TOKEN_INSTANCE"), "the token is a credential, not an environment variable");
    assert!(read("systemd/scanqr@.timer").lines().any(|l| l == "OnUnitActiveSec=10min"));
}

#[test]
fn the_systemd_units_pass_systemd_analyze_verify() {
    let analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].into_iter().find(|p| Path::new(p).exists());
    let Some(analyze) = analyze else {
        // Under CI=true too: a machine without systemd cannot verify units, which is not a defect of the units.
        skipped("dist::the_systemd_units_pass_systemd_analyze_verify: systemd-analyze is not installed");
        return;
    };
    let units = ["/usr/lib/systemd/system", "/lib/systemd/system"].into_iter().find(|p| Path::new(p).is_dir());
    let Some(units) = units else {
        skipped("dist::the_systemd_units_pass_systemd_analyze_verify: no /usr/lib/systemd/system to verify against");
        return;
    };
    // A root with the binary at /usr/bin/scanqr and the system's units, so the shipped files verify unchanged.
    let root = scratch("dist-verify");
    let system = root.join("etc/systemd/system");
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    std::fs::create_dir_all(root.join("usr/lib/systemd")).unwrap();
    std::fs::create_dir_all(system.join("scanqr@.service.d")).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_scanqr"), root.join("usr/bin/scanqr")).unwrap();
    let copied = Command::new("cp").arg("-a").arg(units).arg(root.join("usr/lib/systemd/")).status().unwrap();
    assert!(copied.success());
    for file in ["scanqr@.service", "scanqr@.timer", "scanqr@.service.d/telegram.conf"] {
        std::fs::copy(dist(&format!("systemd/{file}")), system.join(file)).unwrap();
    }
    let verify = || {
        let out = Command::new(analyze)
            .arg("verify")
            .arg(format!("--root={}", root.display()))
            .args(["--man=no", "scanqr@1101000001.service", "scanqr@1101000001.timer"])
            .output()
            .unwrap();
        (out.status.success(), String::from_utf8_lossy(&out.stderr).to_string())
    };
    // systemd-analyze only warns about unknown keys and bad values: any output is a failure.
    assert_eq!(verify(), (true, String::new()));
    // And it does read these files: a misspelt key in the drop-in is caught.
    std::fs::write(system.join("scanqr@.service.d/telegram.conf"), "[Service]\nLoadCredentail=x:/y\n").unwrap();
    let (_, complaint) = verify();
    assert!(complaint.contains("LoadCredentail"), "{complaint}");
}
