//! The command line: configuration and usage errors (no events, one line on
//! stderr), `--token-file`, `--help` and `--version`.

use crate::support::*;
use std::time::Duration;

#[test]
fn configuration_and_usage_errors_print_no_events() {
    let dir = scratch("config");
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], i32, &'a str);
    let cases: &[Case] = &[
        (&["--frobnicate"], &[], 64, "unknown option --frobnicate"),
        (&["--instance", "12a"], &[], 78, "digits only"),
        (&["--api-url", "ftp://h"], &[], 64, "not supported"),
        (&["--timeout", "soon"], &[], 64, "--timeout"),
        (&["--terminal", "maybe"], &[], 64, "auto, always or never"),
        (&[], &[("ID_INSTANCE", "")], 78, "no instance id"),
        (&[], &[("API_TOKEN_INSTANCE", "")], 78, "token is empty"),
        (&[], &[("API_TOKEN_INSTANCE", "a/b")], 78, "letters and digits"),
        (&["--token-file", "/nonexistent/token"], &[], 78, "/nonexistent/token"),
    ];
    for (args, env, code, needle) in cases {
        let mut cmd = command(&dir, "http://127.0.0.1:9", args);
        for (k, v) in *env {
            cmd.env(k, v);
        }
        let run = finish(cmd.spawn().unwrap(), Duration::from_secs(10));
        assert_eq!(run.code, *code, "{args:?} {run:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn token_file_is_read_and_wins_over_the_environment() {
    let dir = scratch("tokenfile");
    std::fs::write(dir.join("token"), format!("{TOKEN}\n")).unwrap();
    let srv = authorize(0);
    let mut cmd = command(&dir, &srv.url(), &["--json", "--token-file", "token"]);
    cmd.env("API_TOKEN_INSTANCE", "wrongtoken");
    let run = finish(cmd.spawn().unwrap(), Duration::from_secs(20));
    assert_eq!(run.code, 0, "{run:?}");
}

#[test]
fn help_and_version() {
    let dir = scratch("help");
    let run = finish(command(&dir, "", &["--help"]).spawn().unwrap(), Duration::from_secs(10));
    assert_eq!(run.code, 0);
    for needle in ["--token-file", "--terminal WHEN", "Exit codes", "API_TOKEN_INSTANCE", "{n}"] {
        assert!(run.stdout.contains(needle), "{needle}");
    }
    let run = finish(command(&dir, "", &["-V"]).spawn().unwrap(), Duration::from_secs(10));
    assert!(run.stdout.starts_with("scanqr "));
}
