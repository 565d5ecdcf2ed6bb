//! Installing like a Unix tool: `make install` / `make uninstall`, `make deb`,
//! and the help text, man page, README and shell completions naming exactly
//! the same commands and options.

use crate::support::finish;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const HELP: &str = include_str!("../../src/help.txt");
/// Long options the docs may name that scanqr lacks: `--token` is named to say
/// there is none; `--now` is systemctl's.
const FOREIGN: [&str; 2] = ["--token", "--now"];

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// A directory of its own for one test, removed when the test ends, pass or fail.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("scanqr-pkg-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Whether `tool` is installed. When it is not, the test fails under
/// CI=true (`.ci/run` installs every tool) and says SKIPPED elsewhere.
fn have(tool: &str, test: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        crate::support::cannot_run_here(&format!("packaging::{test}: {tool} is not installed"));
    }
    found
}

fn tool(program: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(program);
    cmd.args(args);
    cmd
}

fn ok(cmd: &mut Command) -> Output {
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{cmd:?}: {}\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// `make` in the repository, as a user runs it (not as a sub-make of `make test`).
fn make(args: &[&str]) -> String {
    let mut cmd = Command::new("make");
    cmd.current_dir(repo()).args(["--no-print-directory"]).args(args);
    for var in ["MAKEFLAGS", "MFLAGS", "MAKELEVEL", "DESTDIR", "PREFIX"] {
        cmd.env_remove(var);
    }
    String::from_utf8(ok(&mut cmd).stdout).unwrap()
}

/// Every regular file under `root`, as paths relative to it.
fn files_under(root: &Path) -> BTreeSet<String> {
    fn walk(dir: &Path, root: &Path, out: &mut BTreeSet<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, root, out);
            } else {
                out.insert(path.strip_prefix(root).unwrap().to_string_lossy().into_owned());
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(root, root, &mut out);
    out
}

/// What an install puts under PREFIX besides the binary, man page and completions.
fn shipped(prefix: &str) -> Vec<String> {
    let files = [
        "lib/systemd/system/scanqr@.service",
        "lib/systemd/system/scanqr@.timer",
        "share/scanqr/hooks/telegram",
        "share/scanqr/hooks/mail",
        "share/scanqr/examples/scanqr.cron",
        "share/scanqr/examples/example.env",
        "share/scanqr/examples/telegram.conf",
    ];
    files.iter().map(|f| format!("{prefix}/{f}")).collect()
}

/// Installed files name where the install put scanqr and its hooks.
fn check_relocated(root: &Path, prefix: &str) {
    let unit = std::fs::read_to_string(root.join(prefix).join("lib/systemd/system/scanqr@.service")).unwrap();
    assert!(unit.contains(&format!("ExecStart=/{prefix}/bin/scanqr ensure")), "{unit}");
    let cron = std::fs::read_to_string(root.join(prefix).join("share/scanqr/examples/scanqr.cron")).unwrap();
    assert!(cron.contains(&format!(" /{prefix}/bin/scanqr ensure ")), "{cron}");
    assert!(cron.contains(&format!("--on-qr /{prefix}/share/scanqr/hooks/telegram")), "{cron}");
    let other = if prefix == "usr" { "/usr/local/" } else { "/usr/bin/" };
    assert!(!cron.contains(other) && !unit.contains(other), "{other} left in an installed file");
    assert_eq!(mode(&root.join(prefix).join("share/scanqr/hooks/telegram")), 0o755);
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

/// The installed binary answers `--version` and `--help` with every option.
fn check_runs(bin: &Path) {
    let version = String::from_utf8(ok(Command::new(bin).arg("--version")).stdout).unwrap();
    assert!(version.starts_with("scanqr "), "{version:?}");
    let help = String::from_utf8(ok(Command::new(bin).arg("--help")).stdout).unwrap();
    for option in help_options() {
        assert!(help.contains(&option), "{bin:?} --help lacks {option}");
    }
}

#[test]
fn make_install_puts_exactly_these_files_and_uninstall_removes_them() {
    let dest = TempDir::new("install");
    let destdir = format!("DESTDIR={}", dest.0.display());
    make(&["install", &destdir]);
    let mut want = set(&[
        "usr/local/bin/scanqr",
        "usr/local/share/man/man1/scanqr.1",
        "usr/local/share/bash-completion/completions/scanqr",
        "usr/local/share/zsh/site-functions/_scanqr",
        "usr/local/share/fish/vendor_completions.d/scanqr.fish",
    ]);
    want.extend(shipped("usr/local"));
    assert_eq!(files_under(&dest.0), want);
    check_relocated(&dest.0, "usr/local");
    let bin = dest.0.join("usr/local/bin/scanqr");
    assert_eq!(mode(&bin), 0o755);
    let man = dest.0.join("usr/local/share/man/man1/scanqr.1");
    assert_eq!((mode(&man), std::fs::read_to_string(&man).unwrap()), (0o644, read("doc/scanqr.1")));
    check_runs(&bin);

    make(&["uninstall", &destdir]);
    assert_eq!(files_under(&dest.0), BTreeSet::new());
}

#[test]
fn make_deb_builds_a_package_whose_scanqr_runs() {
    if !have("dpkg-deb", "make_deb_builds_a_package_whose_scanqr_runs") {
        return;
    }
    let tmp = TempDir::new("deb");
    let out = make(&["deb", &format!("DEBDIR={}", tmp.0.join("out").display())]);
    let deb = PathBuf::from(out.lines().last().unwrap());
    let arch = String::from_utf8(ok(&mut tool("dpkg", &["--print-architecture"])).stdout).unwrap();
    let name = format!("scanqr_{}_{}.deb", env!("CARGO_PKG_VERSION"), arch.trim());
    assert_eq!(deb, tmp.0.join("out").join(name));

    let listing = String::from_utf8(ok(&mut tool("dpkg-deb", &["-c", deb.to_str().unwrap()])).stdout).unwrap();
    let files: BTreeSet<String> = listing
        .lines()
        .filter(|l| !l.ends_with('/'))
        .map(|l| {
            assert!(l.contains(" root/root "), "{l}");
            l.rsplit(' ').next().unwrap().trim_start_matches("./").to_string()
        })
        .collect();
    let mut want = set(&[
        "usr/bin/scanqr",
        "usr/share/man/man1/scanqr.1.gz",
        "usr/share/bash-completion/completions/scanqr",
        "usr/share/zsh/vendor-completions/_scanqr",
        "usr/share/fish/vendor_completions.d/scanqr.fish",
        "usr/share/doc/scanqr/README.md.gz",
        "usr/share/doc/scanqr/changelog.gz",
        "usr/share/doc/scanqr/copyright",
    ]);
    want.extend(shipped("usr"));
    assert_eq!(files, want);

    let field = |name: &str| {
        let out = ok(&mut tool("dpkg-deb", &["-f", deb.to_str().unwrap(), name])).stdout;
        String::from_utf8(out).unwrap().trim().to_string()
    };
    assert_eq!((field("Package"), field("Version")), ("scanqr".into(), env!("CARGO_PKG_VERSION").into()));
    assert_eq!(field("Architecture"), arch.trim());
    let depends = field("Depends");
    assert!(depends.starts_with("libc6 (>= 2."), "{depends}");
    for dep in depends.split(", ") {
        let (name, version) = dep.split_once(" (>= ").unwrap_or((dep, "0)"));
        assert!(name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"+-.".contains(&b)), "{dep}");
        assert!(version.ends_with(')') && version.as_bytes()[0].is_ascii_digit(), "{dep}");
    }
    let root = tmp.0.join("root");
    ok(&mut tool("dpkg", &["-x", deb.to_str().unwrap(), root.to_str().unwrap()]));
    check_runs(&root.join("usr/bin/scanqr"));
    check_relocated(&root, "usr");
    if have("dpkg-shlibdeps", "make_deb_builds_a_package_whose_scanqr_runs (Depends cross-check)") {
        assert_eq!(depends, shlibdeps(&tmp.0, &root.join("usr/bin/scanqr")));
    }
    let man = ok(&mut tool("gzip", &["-dc", root.join("usr/share/man/man1/scanqr.1.gz").to_str().unwrap()]));
    assert_eq!(String::from_utf8(man.stdout).unwrap(), read("doc/scanqr.1"));
}

/// What Debian's own tool computes for the binary (it wants a debian/ directory).
fn shlibdeps(tmp: &Path, bin: &Path) -> String {
    std::fs::create_dir_all(tmp.join("debian")).unwrap();
    std::fs::write(tmp.join("debian/control"), "Source: scanqr\n").unwrap();
    let mut cmd = tool("dpkg-shlibdeps", &["-O", bin.to_str().unwrap()]);
    cmd.current_dir(tmp);
    let out = String::from_utf8(ok(&mut cmd).stdout).unwrap();
    out.trim().strip_prefix("shlibs:Depends=").unwrap().to_string()
}

// ---- the same commands and options everywhere ----

/// `--name` tokens, not inside a longer word.
fn long_options(text: &str) -> BTreeSet<String> {
    let b = text.as_bytes();
    let mut found = BTreeSet::new();
    let mut i = 0;
    while let Some(at) = text[i..].find("--").map(|p| p + i) {
        let name = text[at + 2..].bytes().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
        let len = name.count();
        let free = at == 0 || !(b[at - 1].is_ascii_alphanumeric() || b"-_".contains(&b[at - 1]));
        if free && len > 0 && b[at + 2].is_ascii_lowercase() {
            found.insert(text[at..at + 2 + len].trim_end_matches('-').to_string());
        }
        i = at + 2 + len;
    }
    found
}

/// `-x` tokens: a letter after `-`, between separators (`before` and `after`).
fn short_options(text: &str, before: &[u8], after: &[u8]) -> BTreeSet<String> {
    let b = text.as_bytes();
    (0..b.len().saturating_sub(1))
        .filter(|&i| b[i] == b'-' && b[i + 1].is_ascii_alphabetic())
        .filter(|&i| i == 0 || before.contains(&b[i - 1]))
        .filter(|&i| b.get(i + 2).is_none_or(|c| after.contains(c)))
        .map(|i| text[i..i + 2].to_string())
        .collect()
}

fn options_in(text: &str) -> BTreeSet<String> {
    let mut all = long_options(text);
    all.extend(short_options(text, b" ,`(", b" ,`="));
    all
}

/// The options `--help` defines: lines `  -o, --out PATH   text` or `      --keep   text`.
fn help_options() -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for line in HELP.lines() {
        let text = line.trim_start();
        let indent = line.len() - text.len();
        if indent <= 6 && text.starts_with('-') {
            let head = text.split("  ").next().unwrap();
            found.extend(head.split(", ").map(|spec| spec.split(' ').next().unwrap().to_string()));
        }
    }
    found
}

/// The commands `--help` lists: `  scanqr NAME   text` in "Commands:".
fn help_commands() -> BTreeSet<String> {
    let block = HELP.split("\nCommands:\n").nth(1).unwrap().split("\n\n").next().unwrap();
    block
        .lines()
        .filter_map(|l| l.strip_prefix("  scanqr ").filter(|rest| !rest.starts_with(' ')))
        .map(|rest| rest.split(' ').next().unwrap().to_string())
        .collect()
}

#[test]
fn help_defines_each_option_it_names_and_fits_80_columns() {
    let defined = help_options();
    assert!(defined.len() >= 20, "{defined:?}");
    assert!(defined.contains("-o") && defined.contains("--out") && defined.contains("--on-code"), "{defined:?}");
    let mut named = long_options(HELP);
    named.retain(|o| !FOREIGN.contains(&o.as_str()));
    assert!(named.is_subset(&defined), "named but not defined: {:?}", named.difference(&defined));
    assert_eq!(help_commands(), set(&["ensure", "state", "logout", "reboot", "help"]));
    for line in HELP.lines() {
        assert!(line.chars().count() <= 80, "over 80 columns: {line:?}");
    }
}

/// The man page's text with roff escapes undone: `\-` is `-`, fonts and `\%` go.
fn unroff(text: &str) -> String {
    let mut s = text.replace("\\-", "-").replace("\\%", "");
    for font in ["\\fB", "\\fI", "\\fR", "\\fP"] {
        s = s.replace(font, "");
    }
    s.replace('"', "")
}

/// The tags (`.TP` then the tag line) of a man page section.
fn man_tags(man: &str, section: &str) -> Vec<String> {
    let body = man.split(&format!("\n.SH {section}\n")).nth(1).unwrap().split("\n.SH ").next().unwrap();
    let lines: Vec<&str> = body.lines().collect();
    lines.windows(2).filter(|w| w[0] == ".TP").map(|w| unroff(w[1])).collect()
}

#[test]
fn man_page_documents_exactly_the_help_options_and_is_clean() {
    let man = read("doc/scanqr.1");
    let defined: BTreeSet<String> = man_tags(&man, "OPTIONS").iter().flat_map(|t| options_in(t)).collect();
    assert_eq!(defined, help_options());
    let commands: BTreeSet<String> =
        man_tags(&man, "COMMANDS").iter().filter_map(|t| t.strip_prefix(".B ")).map(String::from).collect();
    let mut want = help_commands();
    want.insert("(none)".into());
    assert_eq!(commands, want);
    let mut named = long_options(&unroff(&man));
    named.retain(|o| !FOREIGN.contains(&o.as_str()));
    assert!(named.is_subset(&help_options()), "not in --help: {:?}", named.difference(&help_options()));
    let title = man.lines().find(|l| l.starts_with(".TH ")).unwrap();
    assert!(title.contains(&format!("\"scanqr {}\"", env!("CARGO_PKG_VERSION"))), "{title}");

    let page = repo().join("doc/scanqr.1");
    if have("groff", "man_page_documents_exactly_the_help_options_and_is_clean (groff)") {
        let out = ok(&mut tool("groff", &["-man", "-ww", "-z", page.to_str().unwrap()]));
        assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    }
    if have("mandoc", "man_page_documents_exactly_the_help_options_and_is_clean (mandoc)") {
        let out = ok(&mut tool("mandoc", &["-T", "lint", "-W", "all", page.to_str().unwrap()]));
        assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    }
}

#[test]
fn readme_usage_tables_list_exactly_the_help_commands_and_options() {
    let readme = read("README.md");
    let usage = readme.split("\n## Usage\n").nth(1).unwrap().split("\n## ").next().unwrap();
    let (mut options, mut commands) = (BTreeSet::new(), BTreeSet::new());
    for row in usage.lines().filter(|l| l.starts_with("| `")) {
        let cell = row[1..].replace("\\|", "/");
        let cell = cell.split('|').next().unwrap().trim();
        match cell.strip_prefix("`scanqr") {
            Some(rest) => commands.extend(rest.trim_end_matches('`').split_whitespace().map(String::from)),
            None => options.extend(options_in(cell)),
        }
    }
    assert_eq!(options, help_options());
    assert_eq!(commands, help_commands());
}

/// What `shell` offers to complete `line` with, run for real.
fn complete(shell: &str, line: &str, cwd: &Path) -> BTreeSet<String> {
    let completions = repo().join("dist/completions");
    let mut cmd = match shell {
        "bash" => {
            let script = format!(
                "source {}/scanqr.bash; read -ra COMP_WORDS <<<\"$LINE\"; [[ $LINE == *' ' ]] && COMP_WORDS+=(''); \
                 COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); _scanqr; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
                completions.display()
            );
            tool("bash", &["--norc", "-c", &script])
        }
        "zsh" => {
            let driver = repo().join("tests/it/support/complete.zsh");
            tool("zsh", &["-f", driver.to_str().unwrap(), completions.to_str().unwrap(), line])
        }
        _ => {
            let script = format!("source {}/scanqr.fish; complete -C \"$LINE\"", completions.display());
            tool("fish", &["-c", &script])
        }
    };
    cmd.current_dir(cwd)
        .env("LINE", line)
        .env("HOME", cwd)
        .env("XDG_CONFIG_HOME", cwd)
        .env("XDG_DATA_HOME", cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let run = finish(cmd.spawn().unwrap(), Duration::from_secs(20));
    assert_eq!(run.code, 0, "{shell} {line:?}: {run:?}");
    // fish prints `match<TAB>description`.
    run.stdout
        .lines()
        .map(|l| l.split('\t').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// The same questions to each shell: commands, options, values, file names.
fn check_completion(shell: &str) {
    let dir = TempDir::new(&format!("complete-{shell}"));
    std::fs::write(dir.0.join("token.txt"), "").unwrap();
    std::fs::write(dir.0.join("ca.pem"), "").unwrap();
    let mut words = help_commands();
    assert_eq!(complete(shell, "scanqr ", &dir.0).intersection(&words).cloned().collect::<BTreeSet<_>>(), words);
    assert_eq!(complete(shell, "scanqr -", &dir.0), help_options());
    words.extend(help_options());
    assert!(complete(shell, "scanqr state -", &dir.0).is_subset(&words));
    for line in ["scanqr --terminal ", "scanqr --json --terminal "] {
        assert_eq!(complete(shell, line, &dir.0), set(&["auto", "always", "never"]), "{line:?}");
    }
    for flag in ["-o", "--out", "--token-file", "--ca-file"] {
        assert_eq!(complete(shell, &format!("scanqr {flag} to"), &dir.0), set(&["token.txt"]), "{flag}");
    }
}

#[test]
fn bash_completion_offers_exactly_the_help_commands_and_options() {
    let file = read("dist/completions/scanqr.bash");
    assert!(long_options(&file).is_subset(&help_options()), "{:?}", long_options(&file));
    check_completion("bash");
}

#[test]
fn zsh_completion_offers_exactly_the_help_commands_and_options() {
    let file = read("dist/completions/_scanqr");
    let mut options = long_options(&file);
    options.extend(short_options(&file, b"{,'", b"+,[=}'"));
    assert_eq!(options, help_options());
    let list = file.split("commands=(\n").nth(1).unwrap().split("\n)").next().unwrap();
    let commands: BTreeSet<String> =
        list.lines().filter_map(|l| l.trim().strip_prefix('\'')?.split_once(':')).map(|(c, _)| c.into()).collect();
    assert_eq!(commands, help_commands());
    if have("zsh", "zsh_completion_offers_exactly_the_help_commands_and_options") {
        ok(&mut tool("zsh", &["-n", repo().join("dist/completions/_scanqr").to_str().unwrap()]));
        check_completion("zsh");
    }
}

#[test]
fn fish_completion_offers_exactly_the_help_commands_and_options() {
    let file = read("dist/completions/scanqr.fish");
    let (mut options, mut commands) = (BTreeSet::new(), BTreeSet::new());
    for line in file.lines().filter(|l| l.starts_with("complete -c scanqr")) {
        let words: Vec<&str> = line.split_whitespace().collect();
        for pair in words.windows(2) {
            match pair[0] {
                "-l" => options.insert(format!("--{}", pair[1])),
                "-s" => options.insert(format!("-{}", pair[1])),
                "-a" if line.contains("__fish_seen_subcommand_from") => commands.insert(pair[1].to_string()),
                _ => false,
            };
        }
    }
    assert_eq!(options, help_options());
    assert_eq!(commands, help_commands());
    if have("fish", "fish_completion_offers_exactly_the_help_commands_and_options") {
        ok(&mut tool("fish", &["-n", repo().join("dist/completions/scanqr.fish").to_str().unwrap()]));
        check_completion("fish");
    }
}
