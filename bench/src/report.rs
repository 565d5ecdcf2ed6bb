//! The report: rows with a target, checked against scanqr's value or a
//! ratio; extra tables; notes; all printed as markdown.

use crate::client::PerClient;
use crate::sys;

/// A measured value and how to show it.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    pub value: f64,
    pub shown: String,
}

pub fn measured(value: f64, shown: String) -> Measured {
    Measured { value, shown }
}

/// One client's figure, or why it could not be measured.
pub type Got = Result<Measured, String>;

#[derive(Clone, Copy, Debug)]
pub enum Goal {
    Under(f64),
    AtMost(f64),
    Over(f64),
}

impl Goal {
    fn met(self, v: f64) -> bool {
        match self {
            Goal::Under(limit) => v < limit,
            Goal::AtMost(limit) => v <= limit * (1.0 + 1e-9),
            Goal::Over(limit) => v > limit,
        }
    }
}

/// What a row's goal is checked against: scanqr's value, or scanqr's value
/// divided by another column's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Check {
    Value,
    Python,
    Node,
    /// The row's own baseline (the png crate, for the decode figures).
    Baseline,
}

pub struct Target {
    text: String,
    goal: Goal,
    check: Check,
}

impl Target {
    pub fn new(text: &str, goal: Goal, check: Check) -> Target {
        Target { text: text.into(), goal, check }
    }
}

/// A reference's cell.
#[derive(Clone, Debug)]
pub enum Ref {
    /// Not measured for this figure.
    NotApplicable,
    /// The reference could not be prepared (the notes say why).
    Skipped,
    Got(Got),
}

impl Ref {
    fn from(r: Option<Got>) -> Ref {
        r.map_or(Ref::Skipped, Ref::Got)
    }

    fn value(&self) -> Option<f64> {
        match self {
            Ref::Got(Ok(m)) => Some(m.value),
            _ => None,
        }
    }
}

pub struct Row {
    pub figure: String,
    target: Target,
    scanqr: Got,
    python: Ref,
    node: Ref,
    baseline: Option<(&'static str, Got)>,
}

#[derive(Debug, PartialEq)]
pub enum Verdict {
    Pass,
    Fail,
    /// scanqr's figure, or the one it is compared with, could not be measured.
    Error,
    /// The reference it is compared with was not there.
    Skipped(&'static str),
}

impl Row {
    /// A figure of scanqr alone.
    pub fn new(figure: impl Into<String>, target: Target, scanqr: Got) -> Row {
        Row {
            figure: figure.into(),
            target,
            scanqr,
            python: Ref::NotApplicable,
            node: Ref::NotApplicable,
            baseline: None,
        }
    }

    /// A figure measured on every client.
    pub fn per_client(figure: impl Into<String>, target: Target, got: PerClient<Measured>) -> Row {
        Row { python: Ref::from(got.python), node: Ref::from(got.node), ..Row::new(figure, target, got.scanqr) }
    }

    /// Compared with `baseline`, named `name` in the ratio column.
    pub fn against(self, name: &'static str, baseline: Got) -> Row {
        Row { baseline: Some((name, baseline)), ..self }
    }

    fn ratio(&self, to: Check) -> Option<f64> {
        let other = match to {
            Check::Value => return None,
            Check::Python => self.python.value(),
            Check::Node => self.node.value(),
            Check::Baseline => self.baseline.as_ref().and_then(|(_, b)| b.as_ref().ok()).map(|m| m.value),
        }?;
        let own = self.scanqr.as_ref().ok()?.value;
        (other > 0.0).then(|| own / other)
    }

    pub fn verdict(&self) -> Verdict {
        let checked = match self.target.check {
            Check::Value => self.scanqr.as_ref().ok().map(|m| m.value),
            to => self.ratio(to),
        };
        match (checked, self.target.check) {
            (Some(v), _) if self.target.goal.met(v) => Verdict::Pass,
            (Some(_), _) => Verdict::Fail,
            (None, Check::Python) if matches!(self.python, Ref::Skipped) => Verdict::Skipped("python"),
            (None, Check::Node) if matches!(self.node, Ref::Skipped) => Verdict::Skipped("node"),
            (None, _) => Verdict::Error,
        }
    }

    /// Every measurement of this row that failed, with who failed it.
    pub fn errors(&self) -> Vec<String> {
        let mut cells = vec![("scanqr", Some(&self.scanqr))];
        for (who, r) in [("python", &self.python), ("node", &self.node)] {
            cells.push((who, if let Ref::Got(g) = r { Some(g) } else { None }));
        }
        if let Some((who, b)) = &self.baseline {
            cells.push((who, Some(b)));
        }
        cells
            .into_iter()
            .filter_map(|(who, got)| Some(format!("{}, {who}: {}", self.figure, got?.as_ref().err()?)))
            .collect()
    }

    fn cells(&self) -> [String; 7] {
        let shown = |g: &Got| g.as_ref().map_or_else(|_| "error".into(), |m| m.shown.clone());
        let reference = |r: &Ref| match r {
            Ref::NotApplicable => "—".into(),
            Ref::Skipped => "skipped".into(),
            Ref::Got(g) => shown(g),
        };
        let mut scanqr = shown(&self.scanqr);
        if let Some((name, b)) = &self.baseline {
            scanqr = format!("{scanqr} ({name} {})", shown(b));
        }
        let names = [(Check::Python, "python"), (Check::Node, "node"), (Check::Baseline, "")];
        let ratios: Vec<String> = names
            .into_iter()
            .filter_map(|(to, name)| {
                let name = if to == Check::Baseline { self.baseline.as_ref()?.0 } else { name };
                Some(format!("{:.2}× {name}", self.ratio(to)?))
            })
            .collect();
        let verdict = match self.verdict() {
            Verdict::Pass => "pass".into(),
            Verdict::Fail => "**fail**".into(),
            Verdict::Error => "**error**".into(),
            Verdict::Skipped(who) => format!("skipped (no {who})"),
        };
        let ratios = if ratios.is_empty() { "—".into() } else { ratios.join(", ") };
        [
            self.figure.clone(),
            self.target.text.clone(),
            scanqr,
            reference(&self.python),
            reference(&self.node),
            ratios,
            verdict,
        ]
    }
}

/// A table of figures without targets (the per-picture breakdown).
pub struct Table {
    pub title: String,
    pub header: Vec<String>,
    pub lines: Vec<Vec<String>>,
}

#[derive(Default)]
pub struct Report {
    pub rows: Vec<Row>,
    pub tables: Vec<Table>,
    pub notes: Vec<String>,
}

impl Report {
    /// Every failed measurement: a broken run, unlike a missed target.
    pub fn errors(&self) -> Vec<String> {
        self.rows.iter().flat_map(Row::errors).collect()
    }

    pub fn print(&self, quick: bool) {
        let mode = if quick { ", `--quick` (a smoke run: fewer iterations, a short wait)" } else { "" };
        println!("## scanqr benchmark\n");
        println!(
            "{} on {}, nproc {}, load average at the start {}{mode}.",
            sys::utc_now(),
            sys::system(),
            std::thread::available_parallelism().map_or(0, |n| n.get()),
            loadavg()
        );
        println!(
            "These numbers are from one machine and one run; other work on the machine shows up in them, \
             the wall-time figures most.\n"
        );
        let header = ["figure", "target", "scanqr", "python", "node", "ratio(s)", "pass/fail"];
        print_table(&header.map(String::from), self.rows.iter().map(|r| r.cells().to_vec()));
        let misses = self.rows.iter().filter(|r| matches!(r.verdict(), Verdict::Fail | Verdict::Error)).count();
        println!();
        if misses == 0 {
            println!("All targets met.");
        } else {
            println!("**{misses} of {} figures missed their target or failed to measure.**", self.rows.len());
        }
        println!("\nRatios are scanqr ÷ the named column.");
        for table in &self.tables {
            println!("\n{}\n", table.title);
            print_table(&table.header, table.lines.iter().cloned());
        }
        println!();
        for note in &self.notes {
            println!("- {note}");
        }
        for error in self.errors() {
            println!("- **ERROR**, {error}");
        }
    }
}

fn print_table(header: &[String], lines: impl Iterator<Item = Vec<String>>) {
    println!("| {} |", header.join(" | "));
    println!("|{}", "---|".repeat(header.len()));
    for line in lines {
        println!("| {} |", line.join(" | "));
    }
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|| "?".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(v: f64) -> Got {
        Ok(measured(v, format!("{v}")))
    }

    fn flood(python: Option<Got>, node: Option<Got>, check: Check, limit: f64) -> Row {
        let got = PerClient { scanqr: ok(1.0), python, node };
        Row::per_client("flood", Target::new("t", Goal::AtMost(limit), check), got)
    }

    #[test]
    fn a_ratio_row_checks_the_named_reference() {
        let row = flood(Some(ok(4.0)), Some(ok(1.5)), Check::Python, 0.25);
        assert_eq!(row.verdict(), Verdict::Pass);
        assert_eq!(row.cells()[5], "0.25× python, 0.67× node");
        assert_eq!(flood(Some(ok(4.0)), Some(ok(1.5)), Check::Node, 0.25).verdict(), Verdict::Fail);
    }

    #[test]
    fn a_missing_reference_is_skipped_and_a_failed_one_is_an_error() {
        let skipped = flood(None, None, Check::Node, 0.9);
        assert_eq!(skipped.verdict(), Verdict::Skipped("node"));
        assert!(skipped.errors().is_empty());
        let failed = flood(None, Some(Err("crashed".into())), Check::Node, 0.9);
        assert_eq!(failed.verdict(), Verdict::Error);
        assert_eq!(failed.errors(), ["flood, node: crashed"]);
    }

    #[test]
    fn a_miss_is_a_fail_not_an_error() {
        let row = Row::new("cpu", Target::new("under 1", Goal::Under(1.0), Check::Value), ok(1.0));
        assert_eq!(row.verdict(), Verdict::Fail);
        assert!(row.errors().is_empty());
        let report = Report { rows: vec![row], ..Report::default() };
        assert!(report.errors().is_empty());
    }

    #[test]
    fn a_baseline_row_checks_the_ratio_to_it() {
        let target = Target::new("at most 1.15×", Goal::AtMost(1.15), Check::Baseline);
        let row = Row::new("decode", target, ok(1.1)).against("png", ok(1.0));
        assert_eq!(row.verdict(), Verdict::Pass);
        let cells = row.cells();
        assert_eq!((cells[2].as_str(), cells[5].as_str()), ("1.1 (png 1)", "1.10× png"));
        let broken = Row::new("decode", Target::new("t", Goal::AtMost(1.15), Check::Baseline), ok(1.0))
            .against("png", Err("bad".into()));
        assert_eq!(broken.verdict(), Verdict::Error);
        assert_eq!(broken.errors().len(), 1);
    }
}
