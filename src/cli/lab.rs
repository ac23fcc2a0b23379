//! `polyconform lab run | history | merge`: flags, printing and exit codes.
//!
//! Flag names are a contract with CI jobs, like every other flag of the tool.
//!
//! Exit codes, as everywhere: 0 no FAIL; 1 a phone FAILed (or has a fuzz finding); 2
//! could not judge: an inventory or database error before anything ran, or a phone that
//! was down, busy or reserved, ERROR cases, an unfinished fuzz part, a run that could not
//! be recorded. A nightly job that is green therefore judged every phone it was given.

use super::exit;
use crate::catalogue::error::did_you_mean;
use crate::lab::database::{Database, is_postgres, redact_url};
use crate::lab::fleet::SuiteChoice;
use crate::lab::fleet::{Fleet, FleetOptions, lab_redactor};
use crate::lab::history::{self, LabMeta};
use crate::lab::inventory::{Inventory, default_db_for};
use crate::lab::partition::Partition;
use crate::lab::report::{self, LabRedactor, LabReport};
use crate::lab::reservation::{Reservations, holder_id};
use crate::record::clock::{now_ms, now_rfc3339};
use crate::verdict::{Conclusion, Verdict};
use clap::{Args, Subcommand, ValueEnum};
use std::path::Path;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum HistoryFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
#[command(after_help = "Exit codes: 0 no FAIL; 1 a phone has a FAIL (or a fuzz finding); 2 could not judge \
(inventory error, database unreachable, or a phone that was down, busy or reserved by another run).\n\n\
The database URL may also come from the environment variable POLYCONFORM_LAB_DB, which keeps \
its password out of the process list.")]
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
    let mut total = Duration::ZERO;
    let mut rest = t;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(format!("`{text}` is not a duration (hint: write e.g. `90s`, `10m`, `1h30m`)"));
        }
        let n: u64 = rest[..digits].parse().map_err(|_| format!("`{text}`: number too large"))?;
        rest = &rest[digits..];
        let unit_len = rest.chars().take_while(|c| c.is_ascii_alphabetic()).count();
        let unit = &rest[..unit_len];
        rest = &rest[unit_len..];
        let part = match unit {
            "ms" => Duration::from_millis(n),
            // A bare number is seconds.
            "s" | "" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            _ => {
                return Err(format!("`{text}`: unknown unit `{unit}` (hint: use ms, s, m or h)"));
            }
        };
        total = total.saturating_add(part);
    }
    if total.is_zero() {
        // A campaign of no time tests nothing; a lease of no time frees the phone at once.
        return Err(format!("`{text}` is no time at all (hint: give at least 1s, e.g. `90s` or `10m`)"));
    }
    Ok(total)
}

/// Environment variable holding the database URL (keeps its password out of `ps`).
pub const DB_ENV: &str = "POLYCONFORM_LAB_DB";

pub fn lab(args: LabArgs) -> ExitCode {
    match args.command {
        LabCommand::Run(a) => run(a),
        LabCommand::History(a) => history_command(a),
        LabCommand::Merge(a) => merge(a),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2).clamp(2, 4);
    crate::job::runtime_with(workers).map_err(|e| exit::setup_failed(&e))
}

/// `--db`, else POLYCONFORM_LAB_DB, else the SQLite file next to the inventory.
fn db_spec(flag: Option<&str>, inventory: Option<&Path>) -> Option<String> {
    flag.map(str::to_string)
        .or_else(|| std::env::var(DB_ENV).ok().filter(|s| !s.trim().is_empty()))
        .or_else(|| inventory.map(|p| default_db_for(p).display().to_string()))
}

pub fn run(args: LabRunArgs) -> ExitCode {
    let catalogue = match crate::job::load_catalogue(args.data.as_deref()) {
        Ok(c) => Arc::new(c),
        Err(e) => return exit::setup_failed(&e),
    };
    let profiles: Vec<&str> = catalogue.profiles.iter().map(|p| p.id.as_str()).collect();
    let inventory = match Inventory::load(&args.inventory, &profiles) {
        Ok(i) => Arc::new(i),
        Err(e) => {
            eprintln!("{e}");
            return exit::code(exit::CANNOT_JUDGE);
        }
    };

    let (names, case_partition) = match select(&args, &inventory) {
        Ok(x) => x,
        Err(code) => return code,
    };

    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let history = match open_history(&args, &runtime) {
        Ok(h) => h,
        Err(code) => return code,
    };

    let run_id = args.run_id.clone().unwrap_or_else(|| format!("lab-{}-{}", now_ms(), std::process::id()));
    let meta = LabMeta {
        run_id: run_id.clone(),
        started_at: now_rfc3339(),
        started_ms: now_ms(),
        inventory: Some(args.inventory.display().to_string()),
    };
    let reservations = Reservations::new(inventory.lock_dir(), history.clone(), holder_id(&run_id), args.lease);
    let options = fleet_options(&args, case_partition);
    if let Err(e) = std::fs::create_dir_all(&args.report_dir) {
        eprintln!(
            "error: cannot create --report-dir `{}`: {e} (hint: pick a writable directory)",
            args.report_dir.display()
        );
        return exit::code(exit::CANNOT_JUDGE);
    }
    let fleet = match Fleet::new(catalogue, inventory.clone(), reservations, history.clone(), meta, options) {
        Ok(f) => Arc::new(f),
        Err(e) => {
            eprintln!("error: {e}");
            return exit::code(exit::CANNOT_JUDGE);
        }
    };
    println!(
        "lab run {run_id}: {} phone(s), at most {} at once, history {}",
        names.len(),
        args.max_devices,
        history.as_ref().map(|d| d.location().to_string()).unwrap_or_else(|| "off".into())
    );

    // Ctrl-C: the running phones stop before their next step and are put back and
    // released on the run's own path, the rest are not started, the reports of what ran
    // are written; exit 130 (2 if a phone could not be put back). A second Ctrl-C leaves
    // at once.
    let on_interrupt = fleet.clone();
    crate::job::on_ctrl_c(&runtime, async move {
        on_interrupt.interrupt();
        eprintln!(
            "\ninterrupted: finishing the requests in flight, then putting the running phones back and releasing them (Ctrl-C again to exit at once)..."
        );
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nwarning: exiting at once: phones may be left changed and reserved until their lease ends");
            std::process::exit(i32::from(exit::INTERRUPTED));
        }
    });

    let report = runtime.block_on(fleet.run(&names));
    let mut code = finish(&report, &args.report_dir, &lab_redactor(&inventory));
    if fleet.is_interrupted() {
        let restore_failed = report
            .devices
            .iter()
            .filter_map(|d| d.record.as_ref())
            .any(|r| r.notes.iter().any(|n| n.starts_with("RESTORE FAILED")));
        code = if restore_failed {
            eprintln!("error: interrupted, and a phone could not be put back (see its notes)");
            exit::code(exit::CANNOT_JUDGE)
        } else {
            eprintln!("interrupted: the phones that ran were put back and released");
            exit::code(exit::INTERRUPTED)
        };
    }
    runtime.shutdown_background();
    code
}

/// The history database (`--db`, POLYCONFORM_LAB_DB, or SQLite next to the inventory),
/// unless `--no-history`.
fn open_history(args: &LabRunArgs, runtime: &tokio::runtime::Runtime) -> Result<Option<Database>, ExitCode> {
    if args.no_history {
        return Ok(None);
    }
    let spec = db_spec(args.db.as_deref(), Some(&args.inventory)).unwrap_or_default();
    runtime.block_on(Database::open(&spec)).map(Some).map_err(exit::cannot_judge)
}

/// What the fleet does on each phone, from the flags.
fn fleet_options(args: &LabRunArgs, case_partition: Option<Partition>) -> FleetOptions {
    FleetOptions {
        suite: args.suite,
        fuzz_duration: args.duration,
        max_devices: args.max_devices as usize,
        partition: args.partition,
        case_partition,
        filters: args.filter.clone(),
        skips: args.skip.clone(),
        report_dir: args.report_dir.clone(),
        progress: Some(print_line),
    }
}

/// The phones of this run: those carrying every `--tags` tag, then this shard's share
/// (for a single phone, its cases are split instead).
fn select(args: &LabRunArgs, inventory: &Inventory) -> Result<(Vec<String>, Option<Partition>), ExitCode> {
    let tagged = inventory.with_tags(&args.tags);
    if tagged.is_empty() {
        let known: std::collections::BTreeSet<&str> =
            inventory.devices.iter().flat_map(|d| d.tags.iter().map(String::as_str)).collect();
        eprintln!(
            "error: no phone of `{}` carries every tag of `{}` (hint: tags in the inventory: {})",
            args.inventory.display(),
            args.tags.join(","),
            if known.is_empty() { "none".to_string() } else { known.into_iter().collect::<Vec<_>>().join(", ") }
        );
        return Err(exit::code(exit::CANNOT_JUDGE));
    }
    // One phone and several shards: split its cases; otherwise split the phones.
    let (names, case_partition): (Vec<String>, _) = match args.partition {
        Some(p) if tagged.len() == 1 => (vec![tagged[0].name.clone()], Some(p)),
        Some(p) => (tagged.iter().filter(|d| p.contains(&d.name)).map(|d| d.name.clone()).collect(), None),
        None => (tagged.iter().map(|d| d.name.clone()).collect(), None),
    };
    if let Some(p) = args.partition {
        match case_partition {
            Some(_) => println!("shard {p}: a single phone, its cases split by {p}"),
            None => println!("shard {p}: {} of {} phone(s)", names.len(), tagged.len()),
        }
    }

    Ok((names, case_partition))
}

/// Write the combined report, print the summary, pick the exit code.
fn finish(report: &LabReport, dir: &Path, redactor: &LabRedactor) -> ExitCode {
    print!("{}", redactor.redact(&summary(report)));
    match report.write(dir, redactor) {
        Ok(()) => {
            println!("combined report: {}", dir.join(report::HTML_FILE).display());
            exit::code(exit::of(report.conclusion()))
        }
        Err(e) => {
            eprintln!("error: cannot write the combined report into `{}`: {e}", dir.display());
            exit::code(if report.conclusion() == Conclusion::Failed { exit::FAILED } else { exit::CANNOT_JUDGE })
        }
    }
}

/// The closing lines: phones per state, verdict totals, phones with FAILs, notes.
pub fn summary(report: &LabReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let states: Vec<String> = report.states().iter().map(|(s, n)| format!("{n} {}", s.label())).collect();
    let _ = writeln!(
        out,
        "\nlab run {}: {} phone(s) ({}) in {:.1} s",
        report.run_id,
        report.devices.len(),
        states.join(", "),
        report.duration_ms as f64 / 1000.0
    );
    let totals: Vec<String> = Verdict::ALL
        .iter()
        .map(|v| (v, report.devices.iter().map(|d| d.count(*v)).sum::<usize>()))
        .filter(|(_, n)| *n > 0)
        .map(|(v, n)| format!("{n} {}", v.label()))
        .collect();
    if !totals.is_empty() {
        let _ = writeln!(out, "  cases: {}", totals.join(", "));
    }
    for d in report.devices.iter().filter(|d| d.failed()) {
        let fuzz = d
            .fuzz
            .as_ref()
            .filter(|f| f.findings > 0)
            .map(|f| format!(", {} fuzz finding(s)", f.findings))
            .unwrap_or_default();
        let _ = writeln!(out, "  FAIL  {}: {} case(s) failed{fuzz}", d.name, d.count(Verdict::Fail));
    }
    for d in report.devices.iter().filter(|d| d.state != crate::lab::report::DeviceState::Completed) {
        let _ = writeln!(out, "  {:<12} {}: {}", d.state.label(), d.name, d.reason.as_deref().unwrap_or(""));
    }
    for n in &report.notes {
        let _ = writeln!(out, "  note: {n}");
    }
    out
}

pub fn history_command(args: LabHistoryArgs) -> ExitCode {
    let Some(spec) = db_spec(args.db.as_deref(), args.inventory.as_deref()) else {
        eprintln!(
            "error: no history database given (hint: --inventory FILE uses the one next to the inventory; or --db URL, or POLYCONFORM_LAB_DB)"
        );
        return exit::code(exit::CANNOT_JUDGE);
    };
    if !is_postgres(&spec) {
        let path = Path::new(spec.strip_prefix("sqlite://").unwrap_or(&spec));
        if !path.exists() {
            eprintln!(
                "error: no history at `{}` (hint: `polyconform lab run --inventory ...` records every run there; or give --db)",
                path.display()
            );
            return exit::code(exit::CANNOT_JUDGE);
        }
    }
    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let result = runtime.block_on(async {
        let db = Database::open(&spec).await?;
        let mut names = history::devices(&db).await?;
        if let Some(one) = &args.device {
            if !names.contains(one) {
                let hint = match did_you_mean(one, names.iter().map(String::as_str)) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => format!(
                        "phones with history: {}",
                        if names.is_empty() { "none".into() } else { names.join(", ") }
                    ),
                };
                return Ok(Err(format!("no run of phone `{one}` is recorded in {} (hint: {hint})", db.location())));
            }
            names = vec![one.clone()];
        }
        let mut views = Vec::with_capacity(names.len());
        for n in &names {
            views.push(history::view(&history::load(&db, n, args.runs as usize).await?));
        }
        Ok::<_, crate::lab::database::DbError>(Ok(views))
    });
    match result {
        Ok(Ok(views)) => {
            match args.format {
                HistoryFormat::Text => print!("{}", history::render(&views)),
                HistoryFormat::Json => match serde_json::to_string_pretty(&views) {
                    Ok(s) => println!("{s}"),
                    Err(e) => {
                        eprintln!("error: {e}");
                        return exit::code(exit::CANNOT_JUDGE);
                    }
                },
            }
            exit::code(exit::OK)
        }
        Ok(Err(msg)) => {
            eprintln!("error: {msg}");
            exit::code(exit::CANNOT_JUDGE)
        }
        Err(e) => {
            eprintln!("error: {}", e.to_string().replace(&spec, &redact_url(&spec)));
            exit::code(exit::CANNOT_JUDGE)
        }
    }
}

pub fn merge(args: LabMergeArgs) -> ExitCode {
    let mut reports = Vec::with_capacity(args.files.len());
    let mut failed = false;
    for f in &args.files {
        match LabReport::read(f) {
            Ok(r) => reports.push(r),
            Err(e) => {
                eprintln!("error: {e}");
                failed = true;
            }
        }
    }
    if failed {
        return exit::code(exit::CANNOT_JUDGE);
    }
    let merged = report::merge(reports);
    // The shard reports were redacted when written; masking headers again costs nothing.
    finish(&merged, &args.out, &LabRedactor::new(std::iter::empty()))
}

/// A phone's progress line, as it finishes.
fn print_line(line: &str) {
    println!("{line}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_bare_seconds_and_units() {
        assert_eq!(parse_duration("90").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("1500ms").unwrap(), Duration::from_millis(1500));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h30m").unwrap(), Duration::from_secs(5400));
        assert!(parse_duration("ten").unwrap_err().contains("hint"));
        assert!(parse_duration("5d").unwrap_err().contains("unknown unit `d`"));
        assert!(parse_duration("").is_err());
        for zero in ["0", "0s", "0m0s"] {
            assert!(parse_duration(zero).unwrap_err().contains("no time at all"), "{zero}");
        }
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
        assert!(Top::try_parse_from(["x", "run", "--inventory", "l.toml", "--partition", "hash:4/3"]).is_err());
    }
}
