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
//! 5. run the trials one at a time (cases share the phone); Ctrl-C restores the phone
//!    (ends the run's calls, writes config back) and exits 2;
//! 6. restore, apply waivers and the baseline, print the summary, write the reports.
//!
//! Exit codes: 0 when no case FAILed and none was ERROR; 1 when at least one case FAILed
//! (whatever else happened); 2 when the run could not judge: usage error, bad data file,
//! target unreachable or not a Poly REST API, TLS failure, reports that could not be
//! written, a failed restore, and a run with ERROR cases but no FAIL (a harness problem
//! must not pass as green).

use super::engine::{self, Engine, IncomingSource, RunOptions};
use super::outcome;
use super::target::{self, EmulatorSetup};
use super::trial;
use crate::catalogue::Case;
use crate::cli::RunArgs;
use crate::device::{Device, DeviceConfig, WireRequest};
use crate::exit;
use crate::report::model::{CaseRecord, RunRecord};
use crate::report::redact::Redactor;
use crate::report::{console, json, junit};
use crate::verdict::Verdict;
use clap::Parser as _;
use libtest_mimic::{Arguments, FormatSetting};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub fn run(args: RunArgs) -> ExitCode {
    quiet_broken_pipe();
    let mut harness = match Arguments::try_parse_from(
        std::iter::once("polyconform".to_string()).chain(args.libtest.iter().cloned()),
    ) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return exit::code(if e.use_stderr() {
                exit::CANNOT_JUDGE
            } else {
                exit::OK
            });
        }
    };
    // Cases share one phone's state; libtest would otherwise use every core.
    harness.test_threads = Some(1);

    let catalogue = match crate::catalogue::command::load_or_report(args.target.data.as_deref()) {
        Ok(c) => Arc::new(c),
        Err(code) => return code,
    };
    let profile = match catalogue.profile(&args.target.profile) {
        Ok(p) => p.clone(),
        Err(msg) => {
            eprintln!("error: {msg}");
            return exit::code(exit::CANNOT_JUDGE);
        }
    };
    let cases = catalogue.cases_for(&profile);
    // The opt-in protects a real phone. The built-in emulator is the harness's own phone,
    // started for this run and thrown away after it: nothing can be harmed, and the main
    // job must exercise every endpoint of the profile, reboots and resets included.
    let allow_destructive = args.allow_destructive || args.target.target.is_none();

    if harness.list {
        let _ = libtest_mimic::run(&harness, trial::listing(&cases, allow_destructive));
        return exit::code(exit::OK);
    }

    let waivers = match &args.waivers {
        Some(path) => match crate::report::waivers::Waivers::load(path) {
            Ok(w) => Some(w),
            Err(msg) => {
                eprintln!("error: {msg}");
                return exit::code(exit::CANNOT_JUDGE);
            }
        },
        None => None,
    };
    if let Some(dir) = &args.report_dir
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        eprintln!(
            "error: cannot create --report-dir `{}`: {e} (hint: pick a writable directory)",
            dir.display()
        );
        return exit::code(exit::CANNOT_JUDGE);
    }

    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return exit::code(exit::CANNOT_JUDGE);
        }
    };

    let readings = match crate::emulator::readings::resolve(&catalogue, &profile.id, &args.readings)
    {
        Ok(r) => r,
        Err(msg) => {
            eprintln!("error: --reading: {msg}");
            return exit::code(exit::CANNOT_JUDGE);
        }
    };
    let setup = EmulatorSetup {
        faults: args.emulator_faults.clone(),
        readings,
        control: true,
        latency: Duration::from_millis(args.emulator_latency_ms),
        reboot: args.emulator_reboot_ms.map(Duration::from_millis),
    };
    if args.target.target.is_some()
        && (!args.emulator_faults.is_empty()
            || !args.readings.is_empty()
            || args.emulator_latency_ms > 0
            || args.emulator_reboot_ms.is_some())
    {
        eprintln!(
            "error: --emulator-fault, --reading, --emulator-latency-ms and --emulator-reboot-ms apply to the built-in emulator only (hint: drop --target, or start `polyconform emulate --fault NAME --reading NAME` and point --target at it)"
        );
        return exit::code(exit::CANNOT_JUDGE);
    }
    let target = match runtime.block_on(target::connect_with(&args.target, &profile, setup)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return exit::code(exit::CANNOT_JUDGE);
        }
    };
    let redactor = Redactor::new(&args.target.username, &target.password);

    let incoming = match (&args.peer, target.emulator.is_some()) {
        (Some(url), _) => match peer_device(url, &target.device) {
            Ok(d) => IncomingSource::Peer(d),
            Err(e) => {
                eprintln!("error: --peer: {e}");
                return exit::code(exit::CANNOT_JUDGE);
            }
        },
        (None, true) => IncomingSource::Control,
        // An external polyconform emulator started with --control can ring itself too.
        (None, false) => {
            if runtime.block_on(has_control(&target.device)) {
                IncomingSource::Control
            } else {
                IncomingSource::None
            }
        }
    };
    let options = RunOptions {
        allow_destructive,
        strict: args.strict,
        dial: args.dial.clone(),
        incoming,
        timeout: target.device.config().timeout,
    };
    let engine = Arc::new(
        Engine::new(
            target.device.clone(),
            catalogue.clone(),
            profile.clone(),
            options,
        )
        .with_label(target.label.clone()),
    );

    if let Err(e) = runtime.block_on(engine.preflight()) {
        eprintln!("error: {}", redactor.redact(&e.to_string()));
        stop_emulator(&runtime, target.emulator);
        return exit::code(exit::CANNOT_JUDGE);
    }

    // Ctrl-C: put the phone back before leaving, then exit 2 (the run did not finish).
    let on_interrupt = engine.clone();
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupted: restoring the phone (ending the run's calls, writing config back)...");
            on_interrupt.restore().await;
            std::process::exit(i32::from(exit::CANNOT_JUDGE));
        }
    });

    let started_at = engine::now_rfc3339();
    let started = Instant::now();
    let records: trial::Records = Arc::new(Mutex::new(Vec::new()));
    // On a terminal a bar (case n/N, current case, elapsed) on stderr; elsewhere libtest's
    // own line per case is the plain output, so no second copy is printed.
    let progress = crate::report::progress::Progress::interactive(cases.len()).map(Arc::new);
    let trials = trial::trials(
        &cases,
        engine.clone(),
        runtime.handle().clone(),
        records.clone(),
        redactor.clone(),
        progress.clone(),
    );
    let _conclusion = libtest_mimic::run(&harness, trials);
    if let Some(p) = &progress {
        p.finish();
    }

    let mut notes = Vec::new();
    if let Err(why) = runtime.block_on(engine.restore_checked()) {
        notes.push(format!(
            "RESTORE FAILED at the end of the run, the phone may be left changed: {why}"
        ));
    }
    let ran = std::mem::take(&mut *records.lock().unwrap_or_else(|p| p.into_inner()));
    let mut record = engine::run_record(
        &engine,
        started_at,
        started.elapsed(),
        selected_records(&harness, &cases, allow_destructive, ran),
    );
    record.notes.extend(notes);

    if let Some(w) = &waivers {
        let firmware = record.device.as_ref().and_then(|d| d.firmware.clone());
        crate::report::waivers::apply(w, &profile.id, firmware.as_deref(), &mut record);
    }
    if let Some(name) = &args.baseline {
        let dir = crate::report::baseline::resolve(name);
        match crate::report::baseline::compare_report(&dir, &record) {
            // One line per difference in the notes, and the differences as INFO findings
            // of a `<family>.baseline.<name>` case, so JUnit and the HTML matrix show them.
            Ok(comparison) => {
                record
                    .notes
                    .extend(comparison.diffs.iter().map(|d| d.to_string()));
                let case =
                    crate::report::baseline::as_case(&profile.family, &dir, &record, &comparison);
                record.cases.push(case);
            }
            Err(msg) => record
                .notes
                .push(format!("baseline `{name}` could not be compared: {msg}")),
        }
    }
    record.recount();

    let summary = console::summary(&record, &redactor);
    if matches!(harness.format, Some(FormatSetting::Json)) {
        eprint!("{summary}");
    } else {
        print!("{summary}");
    }

    let mut reports_ok = true;
    if let Some(dir) = &args.report_dir {
        if let Err(e) = write_reports(&record, dir, &redactor) {
            eprintln!(
                "error: cannot write the reports into `{}`: {e}",
                dir.display()
            );
            reports_ok = false;
        } else {
            println!("reports written to {}", dir.display());
        }
    }
    stop_emulator(&runtime, target.emulator);

    let restore_failed = record.notes.iter().any(|n| n.starts_with("RESTORE FAILED"));
    exit::code(exit_code(&record, reports_ok && !restore_failed))
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

/// 1 on any FAIL; otherwise 2 on any ERROR or when `ok` is false; otherwise 0.
pub fn exit_code(record: &RunRecord, ok: bool) -> u8 {
    if record.count(Verdict::Fail) > 0 {
        exit::FAILED
    } else if record.count(Verdict::Error) > 0 || !ok {
        exit::CANNOT_JUDGE
    } else {
        exit::OK
    }
}

/// The records of the cases the libtest arguments selected, in catalogue order: the
/// ones that ran, and a NOT-TESTED record for each ignored trial (libtest never calls
/// those, but the report must say why they did not run).
fn selected_records(
    harness: &Arguments,
    cases: &[Case],
    allow_destructive: bool,
    ran: Vec<CaseRecord>,
) -> Vec<CaseRecord> {
    let mut by_id: BTreeMap<String, CaseRecord> =
        ran.into_iter().map(|r| (r.id.clone(), r)).collect();
    let probes = trial::listing(cases, allow_destructive);
    let mut out = Vec::new();
    for (case, probe) in cases.iter().zip(&probes) {
        if harness.is_filtered_out(probe) {
            continue;
        }
        match by_id.remove(&case.id) {
            Some(r) => out.push(r),
            None if harness.is_ignored(probe) => {
                let why = outcome::refusal(case, allow_destructive)
                    .unwrap_or_else(|| "ignored trial".to_string());
                out.push(outcome::not_tested_record(case, why));
            }
            None => {}
        }
    }
    out
}

fn write_reports(record: &RunRecord, dir: &Path, redactor: &Redactor) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    junit::write(record, dir, redactor)?;
    json::write(record, dir, redactor)?;
    let redact = |s: &str| redactor.redact(s);
    crate::report::html::write_redacted(record, dir, &redact)?;
    Ok(())
}

fn stop_emulator(runtime: &tokio::runtime::Runtime, emulator: Option<crate::emulator::Emulator>) {
    if let Some(e) = emulator {
        runtime.block_on(e.stop());
    }
}

/// The `--peer` phone, with the target's credentials and trust.
fn peer_device(url: &str, target: &Device) -> Result<Device, crate::device::DeviceError> {
    let config = target.config();
    Device::new(DeviceConfig {
        base_url: url.to_string(),
        credentials: config.credentials.clone(),
        trust: config.trust.clone(),
        timeout: config.timeout,
        pace: config.pace,
    })
}

/// Whether the target serves polyconform's emulator control endpoints.
async fn has_control(device: &Device) -> bool {
    let ex = device
        .send(
            "probe control endpoints",
            WireRequest::get("/control/health"),
        )
        .await;
    ex.outcome.response().is_some_and(|r| {
        r.status == 200
            && r.json().and_then(|j| j.get("ok").and_then(|v| v.as_bool())) == Some(true)
    })
}
