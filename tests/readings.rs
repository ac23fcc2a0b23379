//! Every erratum is executable, and no documented reading earns a FAIL.
//!
//! Our emulator plays the readings our suites prefer, so a clean run against it cannot show
//! a rule that only our emulator satisfies. Here the emulator plays, one at a time, the
//! reading each `ambiguous` or `silent` erratum did *not* pick (`--reading NAME`), on every
//! profile the erratum is about, and the cases that reading can touch are run against it:
//!
//! - no case may FAIL or be ERROR (exit 0): the reading is the manual's, not a defect;
//! - at least one case must be NON-STRICT or INFO with a finding citing the erratum: the
//!   harness noticed the reading and says which decision let it pass.
//!
//! Each `must` erratum names the fault that contradicts it; with that fault the same cases
//! must give at least one FAIL. A full run with `--reading all-other` (every reading at once)
//! must exit 0 on both profiles.
//!
//! The runs go through the library (an emulator, an engine, the cases) so that dozens of
//! them fit the CI budget: several at once, 200 ms reboots, a 2 s timeout (so the
//! `queue-slowly` reading outlasts it), and only the cases the erratum touches.

use polyconform::catalogue::case::{Cleanup, Precondition};
use polyconform::catalogue::{Case, Catalogue, Erratum};
use polyconform::device::tls::Trust;
use polyconform::device::{Credentials, Device, DeviceConfig};
use polyconform::emulator::{Emulator, EmulatorConfig};
use polyconform::record::model::RunRecord;
use polyconform::run::{Engine, IncomingSource, RunOptions, run_all};
use polyconform::verdict::{Level, Verdict};
use std::collections::BTreeSet;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// How many emulated runs go at once: a run is mostly waiting (polls, settling delays,
/// emulated reboots), a few seconds of CPU for dozens of runs.
const AT_ONCE: usize = 16;

/// A case that waits this long on purpose (uploadBgCapture's 10 s rule) is left out of the
/// runs of readings that touch every endpoint; the `all-other` full run still has it.
const SLOW_CASE_MS: u64 = 5_000;

/// The endpoints a case can call: its own and its steps', and those its preconditions and
/// cleanup use (a held-call case holds a call, every call case reads v2 callStatus).
fn endpoints_of(case: &Case) -> BTreeSet<String> {
    let mut out: BTreeSet<String> = case.endpoint.iter().map(|e| e.id.clone()).collect();
    out.extend(case.steps.iter().filter_map(|s| s.endpoint.clone()));
    let calls = [
        "webcallcontrol.call-status.v2",
        "webcallcontrol.call-status",
        "callctrl.end-call",
        "callctrl.reject-call",
        "callctrl.resume-call",
    ];
    for pre in &case.spec.requires {
        let more: &[&str] = match pre {
            Precondition::NoCall | Precondition::IncomingCall => &calls,
            Precondition::ActiveCall => &["callctrl.dial"],
            Precondition::HeldCall => &["callctrl.dial", "callctrl.hold-call"],
            Precondition::PcapEnabled => &["mgmt.config-get", "mgmt.config-set"],
            Precondition::AllowDestructive => &[],
        };
        out.extend(more.iter().map(|s| s.to_string()));
        if matches!(pre, Precondition::ActiveCall | Precondition::HeldCall) {
            out.extend(calls.iter().map(|s| s.to_string()));
        }
    }
    for c in &case.spec.cleanup {
        let more: &[&str] = match c {
            Cleanup::EndCalls => &calls,
            Cleanup::RestoreTransferType => &["mgmt.transfer-type.get", "mgmt.transfer-type.set"],
            Cleanup::WaitReady => &["mgmt.device-info", "mgmt.device-info.v2"],
        };
        out.extend(more.iter().map(|s| s.to_string()));
    }
    if !case.spec.restore_config.is_empty() {
        out.extend(["mgmt.config-get".to_string(), "mgmt.config-set".to_string()]);
    }
    out
}

/// The cases of a profile an erratum's reading (or fault) can touch.
fn touched(cases: &[Case], e: &Erratum) -> Vec<Case> {
    if e.touches.iter().any(|t| t == "*") {
        let slow = |c: &Case| c.steps.iter().any(|s| s.delay_ms.max(s.quiet_ms).unwrap_or(0) >= SLOW_CASE_MS);
        return cases.iter().filter(|c| !slow(c)).cloned().collect();
    }
    cases
        .iter()
        .filter(|c| c.spec.errata.contains(&e.id) || endpoints_of(c).iter().any(|ep| e.touches.contains(ep)))
        .cloned()
        .collect()
}

/// One emulated run: the profile's emulator playing `readings` and `faults`, these cases.
async fn run(
    catalogue: Arc<Catalogue>,
    profile: &str,
    readings: Vec<String>,
    faults: Vec<String>,
    cases: Vec<Case>,
) -> Result<RunRecord, String> {
    let profile = catalogue.profile(profile)?.clone();
    let mut config = EmulatorConfig::new(profile.clone());
    config.password = "readings-pw".into();
    config.readings = readings;
    config.faults = faults;
    config.control = true;
    config.reboot = Duration::from_millis(200);
    let emulator = Emulator::start(config).await.map_err(|e| e.to_string())?;
    let device = Device::new(DeviceConfig {
        base_url: emulator.url(),
        credentials: Credentials { username: "Polycom".into(), password: "readings-pw".into() },
        trust: Trust::System,
        timeout: Duration::from_secs(2),
        pace: Duration::ZERO,
        max_body: polyconform::device::body_limit::DEFAULT_MAX_BODY,
    })
    .map_err(|e| e.to_string())?;
    let options = RunOptions {
        allow_destructive: true,
        strict: false,
        dial: "1000".into(),
        incoming: IncomingSource::Control,
        timeout: Duration::from_secs(2),
    };
    let engine = Engine::new(device, catalogue, profile, options);
    engine.preflight().await.map_err(|e| e.to_string())?;
    let record = run_all(&engine, &cases).await;
    emulator.stop().await;
    Ok(record)
}

/// A case's verdict and why, one line, for a failure message.
fn explain(record: &RunRecord, verdicts: &[Verdict]) -> Vec<String> {
    record
        .cases
        .iter()
        .filter(|c| verdicts.contains(&c.verdict))
        .map(|c| {
            let f = c.findings.iter().find(|f| verdicts.contains(&f.verdict));
            let why = f
                .map(|f| format!("{}: {} (expected {})", f.step, f.actual, f.expected.join(" | ")))
                .or_else(|| c.reason.clone())
                .unwrap_or_default();
            format!("    {} {}: {why}", c.verdict, c.id)
        })
        .collect()
}

/// Whether some case was graded NON-STRICT or INFO by a finding citing `erratum`.
fn cites(record: &RunRecord, erratum: &str) -> bool {
    let mild = [Verdict::NonStrict, Verdict::Info];
    record.cases.iter().any(|c| {
        mild.contains(&c.verdict)
            && c.findings.iter().any(|f| mild.contains(&f.verdict) && f.errata.iter().any(|e| e == erratum))
    })
}

struct Job {
    profile: String,
    erratum: Erratum,
    cases: Vec<Case>,
}

/// Every (profile, erratum) pair of this level class, with the cases it touches.
/// `POLYCONFORM_ERRATA=E01,E35` narrows the run while working on some readings.
fn jobs(catalogue: &Catalogue, must: bool) -> Vec<Job> {
    let only: Option<Vec<String>> = std::env::var("POLYCONFORM_ERRATA")
        .ok()
        .map(|v| v.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect());
    let mut out = Vec::new();
    for profile in &catalogue.profiles {
        let cases = catalogue.cases_for(profile);
        for e in catalogue.errata.iter().filter(|e| (e.verdict == Level::Must) == must && e.applies_to(&profile.id)) {
            if only.as_ref().is_some_and(|o| !o.contains(&e.id)) {
                continue;
            }
            out.push(Job { profile: profile.id.clone(), erratum: e.clone(), cases: touched(&cases, e) });
        }
    }
    out
}

/// Run the jobs, `AT_ONCE` at a time; each result is checked by `judge`, which returns the
/// problems it found. Panics with every problem at the end.
fn run_jobs(
    jobs: Vec<Job>,
    setup: fn(&Erratum) -> (Vec<String>, Vec<String>),
    judge: fn(&Job, &RunRecord) -> Vec<String>,
) {
    let catalogue = Arc::new(Catalogue::embedded().expect("embedded catalogue"));
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let problems: Vec<String> = runtime.block_on(async {
        let limit = Arc::new(tokio::sync::Semaphore::new(AT_ONCE));
        let mut set = tokio::task::JoinSet::new();
        for job in jobs {
            let (catalogue, limit) = (catalogue.clone(), limit.clone());
            set.spawn(async move {
                let _permit = limit.acquire_owned().await.expect("semaphore");
                let (readings, faults) = setup(&job.erratum);
                let label = format!(
                    "{} {} ({})",
                    job.profile,
                    job.erratum.id,
                    readings.iter().chain(&faults).cloned().collect::<Vec<_>>().join(", ")
                );
                if job.cases.is_empty() {
                    return vec![format!("{label}: no case touches {:?}", job.erratum.touches)];
                }
                match run(catalogue, &job.profile, readings, faults, job.cases.clone()).await {
                    Ok(record) => judge(&job, &record).into_iter().map(|p| format!("{label}: {p}")).collect(),
                    Err(e) => vec![format!("{label}: the run could not start: {e}")],
                }
            });
        }
        let mut problems = Vec::new();
        while let Some(done) = set.join_next().await {
            problems.extend(done.expect("a job panicked"));
        }
        problems
    });
    assert!(problems.is_empty(), "{} problem(s):\n{}", problems.len(), problems.join("\n"));
}

#[test]
fn no_documented_reading_earns_a_fail_and_each_is_seen() {
    let catalogue = Catalogue::embedded().expect("embedded catalogue");
    let jobs = jobs(&catalogue, false);
    if std::env::var("POLYCONFORM_ERRATA").is_err() {
        assert!(jobs.len() >= 80, "both profiles, every reading: {}", jobs.len());
    }
    run_jobs(
        jobs,
        |e| (vec![e.reading.clone().expect("lint: every ambiguous or silent erratum names a reading")], vec![]),
        |job, record| {
            let mut problems = Vec::new();
            let bad = explain(record, &[Verdict::Fail, Verdict::Error]);
            if !bad.is_empty() {
                problems.push(format!(
                    "{} case(s) FAIL or ERROR against a documented reading:\n{}",
                    bad.len(),
                    bad.join("\n")
                ));
            }
            if !cites(record, &job.erratum.id) {
                problems.push(format!(
                    "no NON-STRICT or INFO finding cites {} in {} cases: the harness does not see the reading",
                    job.erratum.id,
                    record.cases.len()
                ));
            }
            problems
        },
    );
}

#[test]
fn every_must_decision_fails_when_its_fault_contradicts_it() {
    let catalogue = Catalogue::embedded().expect("embedded catalogue");
    let jobs = jobs(&catalogue, true);
    assert!(!jobs.is_empty());
    run_jobs(
        jobs,
        |e| (vec![], vec![e.fault.clone().expect("lint: every must erratum names a fault")]),
        |_, record| {
            if record.count(Verdict::Fail) == 0 {
                vec![format!("no FAIL in {} cases", record.cases.len())]
            } else {
                vec![]
            }
        },
    );
}

#[test]
fn every_other_reading_at_once_passes_a_full_run_on_both_profiles() {
    let run = |profile: &str| {
        Command::new(env!("CARGO_BIN_EXE_polyconform"))
            .args(["run", "--profile", profile, "--reading", "all-other", "--emulator-reboot-ms", "300"])
            .env("POLYCONFORM_PASSWORD", "all-other-pw")
            .output()
            .expect("polyconform runs")
    };
    let (trio, vvx) = std::thread::scope(|s| {
        let trio = s.spawn(|| run("trio-5.9.1"));
        let vvx = s.spawn(|| run("vvx-5.9.0"));
        (trio.join().expect("trio run"), vvx.join().expect("vvx run"))
    });
    for (profile, out) in [("trio-5.9.1", trio), ("vvx-5.9.0", vvx)] {
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{profile} with every other reading:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(stdout.contains("FAIL (0)") || !stdout.contains("FAIL ("), "{stdout}");
    }
}
