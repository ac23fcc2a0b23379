//! `polyconform lab run | history | merge`.
//!
//! Exit codes, as everywhere: 0 no FAIL; 1 a phone FAILed (or has a fuzz finding); 2
//! could not judge: an inventory or database error before anything ran, or a phone that
//! was down, busy or reserved, ERROR cases, an unfinished fuzz part, a run that could not
//! be recorded. A nightly job that is green therefore judged every phone it was given.

use super::cli::{HistoryFormat, LabArgs, LabCommand, LabHistoryArgs, LabMergeArgs, LabRunArgs};
use super::clock::{now_ms, now_rfc3339};
use super::database::{Database, is_postgres, redact_url};
use super::fleet::{Fleet, FleetOptions, lab_redactor};
use super::history::{self, LabMeta};
use super::inventory::{Inventory, default_db_for};
use super::report::{self, LabRedactor, LabReport};
use super::reservation::{Reservations, holder_id};
use crate::catalogue::error::did_you_mean;
use crate::exit;
use crate::verdict::Verdict;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

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
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(2, 4);
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            exit::code(exit::CANNOT_JUDGE)
        })
}

/// `--db`, else POLYCONFORM_LAB_DB, else the SQLite file next to the inventory.
fn db_spec(flag: Option<&str>, inventory: Option<&Path>) -> Option<String> {
    flag.map(str::to_string)
        .or_else(|| std::env::var(DB_ENV).ok().filter(|s| !s.trim().is_empty()))
        .or_else(|| inventory.map(|p| default_db_for(p).display().to_string()))
}

pub fn run(args: LabRunArgs) -> ExitCode {
    let catalogue = match crate::catalogue::command::load_or_report(args.data.as_deref()) {
        Ok(c) => Arc::new(c),
        Err(code) => return code,
    };
    let profiles: Vec<&str> = catalogue.profiles.iter().map(|p| p.id.as_str()).collect();
    let inventory = match Inventory::load(&args.inventory, &profiles) {
        Ok(i) => Arc::new(i),
        Err(e) => {
            eprintln!("{e}");
            return exit::code(exit::CANNOT_JUDGE);
        }
    };

    let tagged = inventory.with_tags(&args.tags);
    if tagged.is_empty() {
        let known: std::collections::BTreeSet<&str> = inventory
            .devices
            .iter()
            .flat_map(|d| d.tags.iter().map(String::as_str))
            .collect();
        eprintln!(
            "error: no phone of `{}` carries every tag of `{}` (hint: tags in the inventory: {})",
            args.inventory.display(),
            args.tags.join(","),
            if known.is_empty() {
                "none".to_string()
            } else {
                known.into_iter().collect::<Vec<_>>().join(", ")
            }
        );
        return exit::code(exit::CANNOT_JUDGE);
    }
    // One phone and several shards: split its cases; otherwise split the phones.
    let (names, case_partition): (Vec<String>, _) = match args.partition {
        Some(p) if tagged.len() == 1 => (vec![tagged[0].name.clone()], Some(p)),
        Some(p) => (
            tagged
                .iter()
                .filter(|d| p.contains(&d.name))
                .map(|d| d.name.clone())
                .collect(),
            None,
        ),
        None => (tagged.iter().map(|d| d.name.clone()).collect(), None),
    };
    if let Some(p) = args.partition {
        match case_partition {
            Some(_) => println!("shard {p}: a single phone, its cases split by {p}"),
            None => println!("shard {p}: {} of {} phone(s)", names.len(), tagged.len()),
        }
    }

    let runtime = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let history = if args.no_history {
        None
    } else {
        let spec = db_spec(args.db.as_deref(), Some(&args.inventory)).unwrap_or_default();
        match runtime.block_on(Database::open(&spec)) {
            Ok(db) => Some(db),
            Err(e) => {
                eprintln!("error: {e}");
                return exit::code(exit::CANNOT_JUDGE);
            }
        }
    };

    let run_id = args
        .run_id
        .clone()
        .unwrap_or_else(|| format!("lab-{}-{}", now_ms(), std::process::id()));
    let meta = LabMeta {
        run_id: run_id.clone(),
        started_at: now_rfc3339(),
        started_ms: now_ms(),
        inventory: Some(args.inventory.display().to_string()),
    };
    let reservations = Reservations::new(
        inventory.lock_dir(),
        history.clone(),
        holder_id(&run_id),
        args.lease,
    );
    let options = FleetOptions {
        suite: args.suite,
        fuzz_duration: args.duration,
        max_devices: args.max_devices as usize,
        partition: args.partition,
        case_partition,
        filters: args.filter.clone(),
        skips: args.skip.clone(),
        report_dir: args.report_dir.clone(),
        progress: true,
    };
    if let Err(e) = std::fs::create_dir_all(&args.report_dir) {
        eprintln!(
            "error: cannot create --report-dir `{}`: {e} (hint: pick a writable directory)",
            args.report_dir.display()
        );
        return exit::code(exit::CANNOT_JUDGE);
    }
    let fleet = match Fleet::new(
        catalogue,
        inventory.clone(),
        reservations,
        history.clone(),
        meta,
        options,
    ) {
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
        history
            .as_ref()
            .map(|d| d.location().to_string())
            .unwrap_or_else(|| "off".into())
    );

    // Ctrl-C: put every running phone back and free its reservation before leaving.
    let on_interrupt = fleet.clone();
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupted: restoring the phones that are running and releasing their reservations...");
            on_interrupt.interrupt().await;
            std::process::exit(i32::from(exit::CANNOT_JUDGE));
        }
    });

    let report = runtime.block_on(fleet.run(&names));
    let code = finish(&report, &args.report_dir, &lab_redactor(&inventory));
    runtime.shutdown_background();
    code
}

/// Write the combined report, print the summary, pick the exit code.
fn finish(report: &LabReport, dir: &Path, redactor: &LabRedactor) -> ExitCode {
    print!("{}", redactor.redact(&summary(report)));
    match report.write(dir, redactor) {
        Ok(()) => {
            println!("combined report: {}", dir.join(report::HTML_FILE).display());
            exit::code(report.exit_code())
        }
        Err(e) => {
            eprintln!(
                "error: cannot write the combined report into `{}`: {e}",
                dir.display()
            );
            exit::code(if report.exit_code() == exit::FAILED {
                exit::FAILED
            } else {
                exit::CANNOT_JUDGE
            })
        }
    }
}

/// The closing lines: phones per state, verdict totals, phones with FAILs, notes.
pub fn summary(report: &LabReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let states: Vec<String> = report
        .states()
        .iter()
        .map(|(s, n)| format!("{n} {}", s.label()))
        .collect();
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
        let _ = writeln!(
            out,
            "  FAIL  {}: {} case(s) failed{fuzz}",
            d.name,
            d.count(Verdict::Fail)
        );
    }
    for d in report
        .devices
        .iter()
        .filter(|d| d.state != super::report::DeviceState::Completed)
    {
        let _ = writeln!(
            out,
            "  {:<12} {}: {}",
            d.state.label(),
            d.name,
            d.reason.as_deref().unwrap_or("")
        );
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
                        if names.is_empty() {
                            "none".into()
                        } else {
                            names.join(", ")
                        }
                    ),
                };
                return Ok(Err(format!(
                    "no run of phone `{one}` is recorded in {} (hint: {hint})",
                    db.location()
                )));
            }
            names = vec![one.clone()];
        }
        let mut views = Vec::with_capacity(names.len());
        for n in &names {
            views.push(history::view(
                &history::load(&db, n, args.runs as usize).await?,
            ));
        }
        Ok::<_, super::database::DbError>(Ok(views))
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
            eprintln!(
                "error: {}",
                e.to_string().replace(&spec, &redact_url(&spec))
            );
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
