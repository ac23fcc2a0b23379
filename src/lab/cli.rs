//! The `polyconform lab` command line: `lab run`, `lab history`, `lab merge`.
//!
//! Only arguments live here (as in `crate::cli`); behaviour is in `lab::command`.
//! Flag names are a contract with CI jobs, like every other flag of the tool.

use super::partition::Partition;
use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Clone, Args)]
#[command(
    about = "Nightly lab runs: many phones at once, history in a database, CI shards",
    long_about = "Nightly lab runs over an inventory of phones: every phone runs concurrently \
(one request in flight per phone), after a health probe and a reservation; every run is recorded \
in a history database (SQLite next to the inventory, or PostgreSQL with --db postgres://...).\n\n\
Examples:\n  polyconform lab run --inventory lab.toml --report-dir out\n  \
polyconform lab run --inventory lab.toml --tags rack:r1 --partition hash:1/3 --run-id nightly-42\n  \
polyconform lab history --inventory lab.toml --device trio-a\n  \
polyconform lab merge shard-*/lab-report.json --out combined"
)]
pub struct LabArgs {
    #[command(subcommand)]
    pub command: LabCommand,
}

#[derive(Debug, Clone, Subcommand)]
pub enum LabCommand {
    /// Run the suites (and/or the fuzzer) on every selected phone of an inventory.
    Run(LabRunArgs),
    /// Per phone: cases whose verdict changed since the previous run and firmware, flaky cases, run time.
    History(LabHistoryArgs),
    /// Combine the JSON reports of several shards into one report (JSON, JUnit, HTML).
    Merge(LabMergeArgs),
}

/// What a lab run does on each phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum SuiteChoice {
    /// The conformance suites.
    #[default]
    Run,
    /// The fuzzer, for --duration per phone.
    Fuzz,
    /// The conformance suites, then the fuzzer.
    Both,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum HistoryFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
#[command(
    after_help = "Exit codes: 0 no FAIL; 1 a phone has a FAIL (or a fuzz finding); 2 could not judge \
(inventory error, database unreachable, or a phone that was down, busy or reserved by another run).\n\n\
The database URL may also come from the environment variable POLYCONFORM_LAB_DB, which keeps \
its password out of the process list."
)]
pub struct LabRunArgs {
    /// The inventory of phones (TOML); see README.md, "Nightly lab runs".
    #[arg(long, value_name = "FILE")]
    pub inventory: PathBuf,
    /// Only phones carrying every one of these tags (comma-separated, e.g. `room:lab-2,rack:r1`).
    #[arg(long, value_name = "TAG,...", value_delimiter = ',')]
    pub tags: Vec<String>,
    /// Conformance suites, fuzzer, or both.
    #[arg(long, value_enum, default_value_t = SuiteChoice::Run)]
    pub suite: SuiteChoice,
    /// How long the fuzzer runs on each phone (`90s`, `10m`, `1h`; a bare number is seconds).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "5m")]
    pub duration: Duration,
    /// Per-phone reports go to DIR/<phone>/, the combined report to DIR/lab-report.{json,html} and DIR/lab-junit.xml.
    #[arg(long, value_name = "DIR", default_value = "lab-report")]
    pub report_dir: PathBuf,
    /// History database: `postgres://user@host/db`, or a SQLite file (default: <inventory>.history.sqlite next to the inventory).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// At most this many phones run at the same time.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_devices: u32,
    /// Run only this CI shard: phones are split by a hash of their name (for a single phone, its cases are).
    #[arg(long, value_name = "hash:I/N")]
    pub partition: Option<Partition>,
    /// Only cases whose id contains this text (repeatable; as a libtest filter).
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,
    /// Leave out cases whose id contains this text (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub skip: Vec<String>,
    /// Id shared by the shards of one nightly run (e.g. the CI run id), so history groups them.
    #[arg(long, value_name = "ID")]
    pub run_id: Option<String>,
    /// How long a reservation in the database lasts without renewal (a crashed run frees the phone after this).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, default_value = "10m")]
    pub lease: Duration,
    /// Read schemas/ and suites/ from this directory instead of the built-in copy.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Do not write to the history database (reservations still use lock files).
    #[arg(long)]
    pub no_history: bool,
}

#[derive(Debug, Clone, Args)]
pub struct LabHistoryArgs {
    /// Use the default database next to this inventory (needed unless --db or POLYCONFORM_LAB_DB is given).
    #[arg(long, value_name = "FILE")]
    pub inventory: Option<PathBuf>,
    /// History database URL or SQLite file (also POLYCONFORM_LAB_DB).
    #[arg(long, value_name = "URL")]
    pub db: Option<String>,
    /// Only this phone.
    #[arg(long, value_name = "NAME")]
    pub device: Option<String>,
    /// How many recent runs per phone are looked at (flaky cases and the run-time trend).
    #[arg(long, value_name = "N", default_value_t = 10, value_parser = clap::value_parser!(u32).range(2..))]
    pub runs: u32,
    #[arg(long, value_enum, default_value_t = HistoryFormat::Text)]
    pub format: HistoryFormat,
}

#[derive(Debug, Clone, Args)]
pub struct LabMergeArgs {
    /// Shard reports: `lab-report.json` files, or directories holding one.
    #[arg(value_name = "FILES", required = true)]
    pub files: Vec<PathBuf>,
    /// Where the combined report is written.
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// `90`, `90s`, `1500ms`, `10m`, `1h30m`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("empty duration (hint: write e.g. `90s`, `10m` or `1h`)".into());
    }
    if let Ok(secs) = t.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(format!(
                "`{text}` is not a duration (hint: write e.g. `90s`, `10m`, `1h30m`)"
            ));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| format!("`{text}`: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            _ => {
                return Err(format!(
                    "`{text}`: unknown unit `{unit}` (hint: use ms, s, m or h)"
                ));
            }
        };
        total = total.saturating_add(part);
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_bare_seconds_and_units() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(
            parse_duration("1500ms").unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("ten").unwrap_err().contains("hint"));
        assert!(
            parse_duration("5d")
                .unwrap_err()
                .contains("unknown unit `d`")
        );
        assert!(parse_duration("").is_err());
    }

    #[test]
    fn the_lab_command_line_parses() {
        use clap::Parser;
        #[derive(Parser)]
        struct Top {
            #[command(subcommand)]
            lab: LabCommand,
        }
        let top = Top::try_parse_from([
            "x",
            "run",
            "--inventory",
            "lab.toml",
            "--tags",
            "room:a,rack:1",
            "--partition",
            "hash:2/3",
            "--suite",
            "both",
            "--filter",
            "auth",
        ])
        .unwrap();
        match top.lab {
            LabCommand::Run(a) => {
                assert_eq!(a.tags, vec!["room:a", "rack:1"]);
                assert_eq!(a.partition, Some(Partition { index: 2, count: 3 }));
                assert_eq!(a.suite, SuiteChoice::Both);
                assert_eq!(a.filter, vec!["auth"]);
                assert_eq!(a.max_devices, 64);
            }
            other => panic!("parsed as {other:?}"),
        }
        assert!(
            Top::try_parse_from([
                "x",
                "run",
                "--inventory",
                "l.toml",
                "--partition",
                "hash:4/3"
            ])
            .is_err()
        );
    }
}
