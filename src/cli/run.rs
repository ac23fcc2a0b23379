//! `polyconform run`: every case of a profile against a phone or the built-in emulator.
//!
//! The order of things, and why:
//!
//! 1. parse the libtest arguments after `--` (a usage error there is exit 2);
//! 2. load the catalogue (a bad data file is exit 2, with `file:line:col`);
//! 3. `--list`: print the trials and stop, before any network or emulator;
//! 4. connect (`--target`, or the built-in emulator with its control endpoints on) and
//!    run the preflight: one `GET device/info` that must answer like a Poly REST API
//!    with these credentials, otherwise exit 2 with what to check;
//! 5. run the trials one at a time (cases share the phone); Ctrl-C stops the case under
//!    way before its next step, cleans it up and skips the rest;
//! 6. restore, apply waivers and the baseline, print the summary, write the reports.
//!
//! Exit codes: 0 when no case FAILed and none was ERROR; 1 when at least one case FAILed
//! (whatever else happened); 2 when the run could not judge: usage error, bad data file,
//! target unreachable or not a Poly REST API, TLS failure, reports that could not be
//! written, a failed restore, and a run with ERROR cases but no FAIL (a harness problem
//! must not pass as green, nor a run the circuit breaker ended because the phone
//! stopped answering); 130 when interrupted by Ctrl-C (the case under way is cleaned
//! up, the phone put back, the reports of what ran written; 2 if it could not be put
//! back; a second Ctrl-C exits at once without restoring).

use super::bounds;
use super::exit;
use super::peer::PeerArgs;
use super::target::TargetArgs;
use crate::catalogue::Case;
use crate::job::{EmulatorSetup, Job};
use crate::record::RunRecord;
use crate::report::console;
use crate::run::engine::{self, Engine};
use crate::run::incoming::PeerRequest;
use crate::run::options::{IncomingSource, RunOptions};
use crate::run::{incoming, selection, trial};
use clap::{Args, Parser as _};
use libtest_mimic::{Arguments, FormatSetting};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Args)]
#[command(after_help = "Arguments after `--` go to the test harness, as with `cargo test`: \
a name filter, --skip PATTERN, --exact, --list [--format terse], --ignored, --nocapture.\n\n\
Exit codes: 1 at least one FAIL (even with ERROR cases), else 2 when a case is ERROR or the \
run could not judge (also when the phone stopped answering: after 3 silent cases in a row and an \
unanswered device/info the rest is NOT-TESTED), else 0. Ctrl-C: the case under way stops before \
its next step and is cleaned up, the phone is put back, the reports of what ran are written \
(marked interrupted), exit 130 (2 if the phone could not be put back); a second Ctrl-C exits at \
once.\n\n\
Examples:\n  polyconform run\n  polyconform run -- --list\n  polyconform run -- auth. --skip wrong-password\n  \
POLYCONFORM_PASSWORD=... polyconform run --target https://10.0.0.5 --insecure --report-dir out")]
pub struct RunArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Also run destructive and session-breaking endpoints (reboot, resets, sign-in) on a
    /// --target. Always on for the built-in emulator, which is thrown away after the run.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Judge every ambiguity against the device: NON-STRICT becomes FAIL.
    #[arg(long)]
    pub strict: bool,
    /// Write JUnit XML, a JSON report and an HTML report into this directory.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Compare answers with the baseline snapshots/NAME/ and report every difference.
    #[arg(long, value_name = "NAME")]
    pub baseline: Option<String>,
    /// Known deviations: case ids (or patterns) expected to FAIL on this profile.
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    #[command(flatten)]
    pub peer: PeerArgs,
    /// Number the run dials for call-flow cases (must answer automatically on a real phone).
    #[arg(long, value_name = "NUMBER", default_value = "1000")]
    pub dial: String,
    /// Built-in emulator only: simulate these faults (see `polyconform emulate --list-faults`).
    #[arg(long = "emulator-fault", value_name = "NAME")]
    pub emulator_faults: Vec<String>,
    /// Built-in emulator only: play another documented reading of the manual instead of the
    /// preferred one (repeatable; `all-other` plays every reading of the profile at once).
    /// No reading may earn a FAIL: this is how a misreading of ours shows. See
    /// `polyconform emulate --list-readings`.
    #[arg(long = "reading", value_name = "NAME")]
    pub readings: Vec<String>,
    /// Built-in emulator only: added latency per request.
    #[arg(long = "emulator-latency-ms", value_name = "MS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(*bounds::LATENCY_MS.start()..=*bounds::LATENCY_MS.end()))]
    pub emulator_latency_ms: u64,
    /// Built-in emulator only: how long a reboot or reset takes the phone away
    /// (default 2000, as `polyconform emulate --reboot-ms`).
    #[arg(long = "emulator-reboot-ms", value_name = "MS",
          value_parser = clap::value_parser!(u64).range(*bounds::REBOOT_MS.start()..=*bounds::REBOOT_MS.end()))]
    pub emulator_reboot_ms: Option<u64>,
    /// Arguments for the libtest-compatible harness (filters, --list, --exact, --skip).
    #[arg(last = true, value_name = "LIBTEST-ARGS")]
    pub libtest: Vec<String>,
}

pub fn run(args: RunArgs) -> ExitCode {
    quiet_broken_pipe();
    let mut harness =
        match Arguments::try_parse_from(std::iter::once("polyconform".to_string()).chain(args.libtest.iter().cloned()))
        {
            Ok(a) => a,
            Err(e) => return exit::usage(&e),
        };
    // Cases share one phone's state; libtest would otherwise use every core.
    harness.test_threads = Some(1);
    // The opt-in protects a real phone. The built-in emulator is the harness's own phone,
    // started for this run and thrown away after it: nothing can be harmed, and the main
    // job must exercise every endpoint of the profile, reboots and resets included.
    let allow_destructive = args.allow_destructive || args.target.target.is_none();

    if harness.list {
        let catalogue = match crate::job::load_catalogue(args.target.data.as_deref()) {
            Ok(c) => c,
            Err(e) => return exit::setup_failed(&e),
        };
        let profile = match catalogue.profile(&args.target.profile) {
            Ok(p) => p,
            Err(msg) => return exit::cannot_judge(msg),
        };
        let cases = catalogue.cases_for(profile);
        let _ = libtest_mimic::run(&harness, trial::listing(&cases, allow_destructive));
        return exit::code(exit::OK);
    }
    if let Err(msg) = check_flags(&args) {
        return exit::cannot_judge(msg);
    }
    let waivers = match &args.waivers {
        Some(path) => match crate::record::waivers::Waivers::load(path) {
            Ok(w) => Some(w),
            Err(msg) => return exit::cannot_judge(msg),
        },
        None => None,
    };
    let mut job = match Job::open(args.target.job(emulator_setup(&args))) {
        Ok(j) => j,
        Err(e) => return exit::setup_failed(&e),
    };
    if let Some(w) = &waivers
        && let Err(msg) = w.check_known(&job.catalogue.case_ids())
    {
        job.stop();
        return exit::cannot_judge(msg);
    }
    let peer = match args.peer.request(&job.catalogue, &args.target.profile, &args.target.options(), &job.target) {
        Ok(p) => p,
        Err(msg) => {
            job.stop();
            return exit::cannot_judge(msg);
        }
    };
    if let Some(p) = &peer
        && let Some(password) = &p.options.password
    {
        // The peer's exchanges are in the case logs: its password is masked as well.
        job.redactor = job.redactor.clone().also(&p.options.username, password);
    }
    let engine = match start_engine(&args, &job, peer.as_ref(), allow_destructive) {
        Ok(e) => e,
        Err(code) => {
            job.stop();
            return code;
        }
    };
    let cases = job.catalogue.cases_for(&job.profile);
    let mut record = run_cases(&harness, &job, &engine, &cases, allow_destructive);
    if let Some(w) = &waivers {
        let firmware = record.device.as_ref().and_then(|d| d.firmware.clone());
        crate::record::waivers::apply(w, &job.profile.id, firmware.as_deref(), &mut record);
    }
    if let Some(name) = &args.baseline {
        crate::baseline::attach(name, &job.profile.family, &mut record);
    }
    record.recount();
    finish(&args, &harness, &record, job)
}

/// Flags that contradict each other, refused before anything starts.
fn check_flags(args: &RunArgs) -> Result<(), String> {
    if let Some(dir) = &args.report_dir
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return Err(format!("cannot create --report-dir `{}`: {e} (hint: pick a writable directory)", dir.display()));
    }
    if args.target.target.is_some()
        && (!args.emulator_faults.is_empty()
            || !args.readings.is_empty()
            || args.emulator_latency_ms > 0
            || args.emulator_reboot_ms.is_some())
    {
        return Err("--emulator-fault, --reading, --emulator-latency-ms and --emulator-reboot-ms apply to the built-in emulator only (hint: drop --target, or start `polyconform emulate --fault NAME --reading NAME` and point --target at it)".into());
    }
    Ok(())
}

/// The built-in emulator as the run's flags set it up (control endpoints on: the
/// call-flow cases ring it).
fn emulator_setup(args: &RunArgs) -> EmulatorSetup {
    EmulatorSetup {
        faults: args.emulator_faults.clone(),
        readings: args.readings.clone(),
        control: true,
        latency: Duration::from_millis(args.emulator_latency_ms),
        reboot: args.emulator_reboot_ms.map(Duration::from_millis),
    }
}

/// The engine on the job's phone, after the preflight; Ctrl-C restores the phone and
/// exits 2 (the run did not finish).
fn start_engine(
    args: &RunArgs,
    job: &Job,
    peer: Option<&PeerRequest>,
    allow_destructive: bool,
) -> Result<Arc<Engine>, ExitCode> {
    let incoming = match job.runtime.block_on(incoming::source(peer, &job.target, &job.profile)) {
        Ok(source) => source,
        Err(e) => return Err(exit::cannot_judge(job.redactor.redact(&format!("--peer: {e}")))),
    };
    if let IncomingSource::Unavailable(why) = &incoming {
        eprintln!("warning: {} (the incoming-call cases are NOT-TESTED)", job.redactor.redact(why));
    }
    let options = RunOptions {
        allow_destructive,
        strict: args.strict,
        dial: args.dial.clone(),
        incoming,
        timeout: job.target.device.config().timeout,
    };
    let engine = Arc::new(
        Engine::new(job.target.device.clone(), job.catalogue.clone(), job.profile.clone(), options)
            .with_label(job.target.label.clone()),
    );
    if let Err(e) = job.runtime.block_on(engine.preflight()) {
        return Err(exit::cannot_judge(job.redactor.redact(&e.to_string())));
    }
    let on_interrupt = engine.clone();
    // The first Ctrl-C only asks the engine to stop: the case under way ends before its
    // next step and is cleaned up, then the run restores and writes its reports as usual
    // (see `finish`). Restoring here, while the case still runs, would let the case write
    // again after the restore. A second Ctrl-C leaves at once.
    job.on_ctrl_c(async move {
        on_interrupt.interrupt();
        eprintln!(
            "\ninterrupted: finishing the request in flight, then ending the run's calls and writing config back (Ctrl-C again to exit at once, leaving the phone as it is)..."
        );
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nwarning: exiting at once: the phone may be left changed (calls up, config not written back)");
            std::process::exit(i32::from(exit::INTERRUPTED));
        }
    });
    Ok(engine)
}

/// Run the selected cases through libtest, restore the phone, and record it all.
fn run_cases(
    harness: &Arguments,
    job: &Job,
    engine: &Arc<Engine>,
    cases: &[Case],
    allow_destructive: bool,
) -> RunRecord {
    let started_at = crate::record::clock::now_rfc3339();
    let started = Instant::now();
    let records: trial::Records = Arc::new(Mutex::new(Vec::new()));
    // On a terminal a bar (case n/N, current case, elapsed) on stderr; elsewhere libtest's
    // own line per case is the plain output, so no second copy is printed.
    let progress = crate::report::progress::Progress::interactive(cases.len()).map(Arc::new);
    let trials = trial::trials(
        cases,
        engine.clone(),
        job.runtime.handle().clone(),
        records.clone(),
        job.redactor.clone(),
        progress.clone(),
    );
    let _conclusion = libtest_mimic::run(harness, trials);
    if let Some(p) = &progress {
        p.finish();
    }
    let ran = std::mem::take(&mut *records.lock().unwrap_or_else(|p| p.into_inner()));
    let selected = selection::selected_records(harness, cases, allow_destructive, ran);
    job.runtime.block_on(engine::restore_and_record(engine, started_at, started.elapsed(), selected))
}

/// Print the summary, write the reports, stop the emulator, pick the exit code.
fn finish(args: &RunArgs, harness: &Arguments, record: &RunRecord, job: Job) -> ExitCode {
    let summary = console::summary(record, &job.redactor);
    if matches!(harness.format, Some(FormatSetting::Json)) {
        eprint!("{summary}");
    } else {
        print!("{summary}");
    }
    let mut reports_ok = true;
    if let Some(dir) = &args.report_dir {
        if let Err(e) = crate::report::write_all(record, dir, &job.redactor) {
            eprintln!("error: cannot write the reports into `{}`: {e}", dir.display());
            reports_ok = false;
        } else {
            println!("reports written to {}", dir.display());
        }
    }
    job.stop();
    let restore_failed = record.notes.iter().any(|n| n.starts_with("RESTORE FAILED"));
    if record.ended_early.as_deref() == Some(engine::INTERRUPTED) {
        if restore_failed {
            eprintln!("error: interrupted, and the phone could not be put back (see the note above)");
            return exit::code(exit::CANNOT_JUDGE);
        }
        eprintln!("interrupted: the phone was put back (the run's calls ended, config and transfer type written back)");
        return exit::code(exit::INTERRUPTED);
    }
    exit::code(exit::of(record.conclusion(reports_ok)))
}

/// `polyconform run -- --list | head` closes stdout early; libtest then panics on its
/// write. That is the reader leaving, not a harness bug: exit quietly instead of printing
/// a backtrace (with 2 during a run, whose results were not all delivered).
fn quiet_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let msg = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if msg.contains("Broken pipe") || msg.contains("os error 32") {
            std::process::exit(i32::from(exit::CANNOT_JUDGE));
        }
        default(info);
    }));
}
