//! `polyconform fuzz` and `polyconform replay`.
//!
//! `fuzz`, in order:
//!
//! 1. load the catalogue and the profile; pick the endpoints: destructive and
//!    session-breaking ones never, mutating ones only with `--allow-mutating`, then the
//!    `--endpoint` patterns (id or path contains the text);
//! 2. connect (`--target`, or the built-in emulator) and run the preflight: one
//!    `GET device/info` that must answer like a Poly REST API, otherwise exit 2 with
//!    what to check (unreachable, TLS, 401, 404, 4010);
//! 3. replay the reproducers already saved for this profile under the output folder
//!    (a defect found yesterday is checked first today);
//! 4. run the campaign until `--duration` or `--cases` (default: 60 s or 500 cases,
//!    whichever comes first; either flag alone sets the only bound);
//! 5. print the summary, write `--report-dir` reports, stop the emulator.
//!
//! Exit codes: 1 when at least one FAIL-level finding was made or replayed as still
//! failing (NON-STRICT findings are printed and saved but do not change it); 2 when the
//! run could not judge (preflight, bad flags, a failed restore, reproducers that could
//! not be written, Ctrl-C) and found nothing; 0 otherwise.
//!
//! `replay FILE|DIR` re-sends each reproducer's minimal request and prints STILL
//! FAILING, FIXED or ERROR; exit 1 if any FAIL-level one still fails, 2 if any ERROR and
//! none fails, 0 otherwise.

use super::bounds;
use super::exit;
use super::target::TargetArgs;
use crate::catalogue::profile::{Endpoint, Safety};
use crate::fuzz::campaign::{Campaign, Settings, Summary};
use crate::fuzz::oracle::Oracle;
use crate::fuzz::progress::Ticker;
use crate::fuzz::setup::{self, Where};
use crate::fuzz::shrink::ShrinkBudget;
use crate::job::{BUILTIN_LABEL, EmulatorSetup, Job, Target};
use crate::run::engine::Engine;
use crate::run::options::{IncomingSource, RunOptions};
use crate::verdict::Verdict;
use clap::Args;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, Args)]
pub struct FuzzArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Seed of the generator: the same seed against the same target sends the same sequence.
    #[arg(long, value_name = "N")]
    pub seed: Option<u64>,
    /// Stop after this many seconds.
    #[arg(long, value_name = "SECS",
          value_parser = clap::value_parser!(u64).range(*bounds::FUZZ_SECS.start()..=*bounds::FUZZ_SECS.end()))]
    pub duration: Option<u64>,
    /// How long to wait for a phone that stopped answering (a crash, a reboot) to come back
    /// before the campaign gives up on it; the wait may outlast --duration, because the
    /// phone must be back to be restored.
    #[arg(long, value_name = "SECS", default_value_t = setup::RECOVERY.as_secs(),
          value_parser = clap::value_parser!(u64).range(*bounds::RECOVERY_SECS.start()..=*bounds::RECOVERY_SECS.end()))]
    pub recovery_secs: u64,
    /// Stop after this many generated cases.
    #[arg(long, value_name = "N",
          value_parser = clap::value_parser!(u64).range(*bounds::FUZZ_CASES.start()..=*bounds::FUZZ_CASES.end()))]
    pub cases: Option<u64>,
    /// Only endpoints whose id or path contains this text (repeatable).
    #[arg(long, value_name = "PATTERN")]
    pub endpoint: Vec<String>,
    /// Also fuzz endpoints that change state (config/set, dial, ...). After each case what
    /// its endpoint can change is put back (new calls ended, config keys and the transfer
    /// type written back), and at the end the phone is compared with how it was found.
    /// UI events (simulate*), a background capture or a mute on a call already there
    /// cannot be undone: use a lab phone (fuzz/README.md).
    #[arg(long)]
    pub allow_mutating: bool,
    /// Where reproducers are saved (default: fuzz/repros/<profile>/).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Write JUnit XML, a JSON report and an HTML report into this directory.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
    /// Built-in emulator only: simulate these faults.
    #[arg(long = "emulator-fault", value_name = "NAME")]
    pub emulator_faults: Vec<String>,
    /// Built-in emulator only: play another documented reading of the manual (repeatable,
    /// or `all-other`); see `polyconform emulate --list-readings`.
    #[arg(long = "reading", value_name = "NAME")]
    pub readings: Vec<String>,
}

pub fn fuzz(args: FuzzArgs) -> ExitCode {
    let (job, engine) = match connect(&args.target, &args.emulator_faults, &args.readings) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Job { catalogue, profile, runtime, target, redactor } = &job;
    let endpoints = match setup::select_endpoints(profile, &args.endpoint, args.allow_mutating) {
        Ok(e) => e,
        Err(msg) => {
            eprintln!("error: {msg}");
            job.stop();
            return exit::code(exit::CANNOT_JUDGE);
        }
    };
    let settings = settings(&args, &profile.id);
    let out_dir = settings.out_dir.clone();
    let campaign = setup::campaign(catalogue, profile, at(target), endpoints, redactor, settings);
    // Ctrl-C ends the run after the current request (restored), with the summary.
    job.on_ctrl_c(async {
        eprintln!("\ninterrupted: finishing the current request and restoring the phone...");
        crate::fuzz::campaign::INTERRUPTED.store(true, Ordering::Relaxed);
    });

    println!("{}", headline(&args, &campaign));

    let started_at = crate::record::clock::now_rfc3339();
    let started = Instant::now();
    let mut ticker = Ticker::new();
    let (replayed, summary) = runtime.block_on(async {
        let replayed = setup::replay_saved(&campaign, &out_dir, &ticker).await;
        let summary = campaign.run(&mut ticker).await;
        (replayed, summary)
    });
    ticker.finish();

    let still_failing = replayed.iter().filter(|(_, r)| r.is_failure()).count();
    print!(
        "{}",
        redactor.redact(&render_summary(
            &summary,
            campaign.settings.seed,
            &campaign.endpoints,
            replayed.len(),
            still_failing
        ))
    );

    let mut errors = summary.errors.clone();
    let interrupted = summary.stopped.as_deref() == Some("interrupted");
    if let Some(why) = tested_nothing(&summary, &campaign.endpoints).filter(|_| !interrupted) {
        errors.push(why);
    }
    if let Some(dir) = &args.report_dir {
        let record =
            crate::fuzz::record::run_record(&engine, &campaign, &summary, &replayed, started_at, started.elapsed());
        match crate::report::write_all(&record, dir, redactor) {
            Ok(()) => println!("reports written to {}", dir.display()),
            Err(e) => errors.push(format!("cannot write the reports into `{}`: {e}", dir.display())),
        }
    }
    for e in &errors {
        eprintln!("error: {}", redactor.redact(e));
    }
    let finding = summary.failures() > 0 || still_failing > 0;
    let unfinished = !errors.is_empty();
    drop(campaign);
    job.stop();
    exit::code(if interrupted {
        // As `run`: 130 when the phone was put back and the reports written, else 2.
        if unfinished { exit::CANNOT_JUDGE } else { exit::INTERRUPTED }
    } else if finding {
        exit::FAILED
    } else if unfinished {
        exit::CANNOT_JUDGE
    } else {
        exit::OK
    })
}

/// The campaign's settings from the flags: without `--duration` and `--cases`, 60 s or
/// 500 cases, whichever comes first; either flag alone sets the only bound.
fn settings(args: &FuzzArgs, profile: &str) -> Settings {
    let (max_cases, max_duration) = match (args.cases, args.duration) {
        (None, None) => (Some(setup::DEFAULT_CASES), Some(setup::DEFAULT_DURATION)),
        (cases, secs) => (cases, secs.map(Duration::from_secs)),
    };
    Settings {
        seed: args.seed.unwrap_or_else(random_seed),
        max_cases,
        max_duration,
        out_dir: args.out.clone().unwrap_or_else(|| setup::default_out_dir(profile)),
        shrink: ShrinkBudget::default(),
        health_every: setup::HEALTH_EVERY,
        recovery: Duration::from_secs(args.recovery_secs),
    }
}

/// The first line: profile, target, seed (to repeat the run), budget, endpoints.
fn headline(args: &FuzzArgs, campaign: &Campaign<'_>) -> String {
    let Settings { seed, max_cases, max_duration, .. } = &campaign.settings;
    let (seed, max_cases, max_duration) = (*seed, *max_cases, *max_duration);
    let bounds = match (max_duration, max_cases) {
        (Some(d), Some(c)) => format!("{} s or {c} cases, whichever comes first", d.as_secs()),
        (Some(d), None) => format!("{} s", d.as_secs()),
        (None, Some(c)) => format!("{c} cases"),
        (None, None) => "no bound".into(),
    };
    let skipped_mutating = campaign.profile.endpoints.iter().filter(|e| e.safety == Safety::Mutating).count();
    let n = campaign.endpoints.len();
    format!(
        "fuzz: profile {}, target {}, seed {seed} (repeat with --seed {seed}), budget {bounds}, {n} endpoint{}{}",
        campaign.profile.id,
        campaign.label,
        if n == 1 { "" } else { "s" },
        if args.allow_mutating || skipped_mutating == 0 {
            String::new()
        } else {
            format!(" ({skipped_mutating} mutating ones left out: add --allow-mutating)")
        },
    )
}

/// Catalogue, profile, target and preflight; any failure prints why and gives exit 2.
/// The engine is the run's (its preflight and device identity serve the reports).
pub fn connect(args: &TargetArgs, faults: &[String], readings: &[String]) -> Result<(Job, Engine), ExitCode> {
    let spec =
        args.job(EmulatorSetup { faults: faults.to_vec(), readings: readings.to_vec(), ..EmulatorSetup::default() });
    let job = crate::job::runtime_one_thread()
        .and_then(|runtime| Job::open_on(spec, runtime))
        .map_err(|e| exit::setup_failed(&e))?;
    if job.target.emulator.is_none() && (!faults.is_empty() || !readings.is_empty()) {
        eprintln!("warning: --emulator-fault and --reading apply to the built-in emulator only; ignored with --target");
    }
    let options = RunOptions {
        allow_destructive: false,
        strict: false,
        dial: "1000".into(),
        incoming: IncomingSource::None,
        timeout: job.target.device.config().timeout,
    };
    let engine = Engine::new(job.target.device.clone(), job.catalogue.clone(), job.profile.clone(), options)
        .with_label(job.target.label.clone());
    if let Err(e) = job.runtime.block_on(engine.preflight()) {
        eprintln!("error: {}", job.redactor.redact(&e.to_string()));
        job.stop();
        return Err(exit::code(exit::CANNOT_JUDGE));
    }
    Ok((job, engine))
}

/// Where the campaign runs, named for reports; the built-in emulator's port dies with the
/// run, so curl lines name a placeholder.
pub fn at(target: &Target) -> Where {
    let curl_base = if target.label == BUILTIN_LABEL {
        "http://127.0.0.1:PORT".to_string()
    } else {
        target.device.base_url().to_string()
    };
    Where { device: target.device.clone(), label: target.label.clone(), curl_base }
}

/// Why a campaign did not test anything, if it did not: a green exit after zero cases
/// would tell a nightly job that the firmware survived a fuzzer that never reached it.
fn tested_nothing(s: &Summary, endpoints: &[Endpoint]) -> Option<String> {
    let touched = endpoints.iter().filter(|e| s.per_endpoint.contains_key(&e.id)).count();
    let why = s.stopped.as_deref().map(|w| format!(" (stopped early: {w})")).unwrap_or_default();
    if s.cases == 0 {
        Some(format!(
            "the campaign executed no case{why}: nothing was tested (hint: check that the phone still answers after the preflight, and the --endpoint filter)"
        ))
    } else if touched == 0 {
        Some(format!("the campaign reached none of the {} endpoints{why}: nothing was tested", endpoints.len()))
    } else {
        None
    }
}

fn render_summary(s: &Summary, seed: u64, endpoints: &[Endpoint], replayed: usize, still_failing: usize) -> String {
    let secs = s.elapsed.as_secs_f64().max(1e-3);
    let mut out = format!(
        "\nfuzz summary: {} cases in {:.1} s ({:.0} cases/s), seed {seed}\n",
        s.cases,
        secs,
        s.cases as f64 / secs
    );
    let intents: Vec<String> = ["valid", "invalid", "malformed", "protocol"]
        .iter()
        .map(|k| format!("{k} {}", s.intents.get(k).copied().unwrap_or(0)))
        .collect();
    out.push_str(&format!("  cases:        {}\n", intents.join(", ")));
    out.push_str(&format!(
        "  on the wire:  {} requests, {:.2} per case: {} cases, {} snapshots and restores, {} health checks, {} other (confirming, shrinking, the check at the end)\n",
        s.requests,
        s.requests as f64 / s.cases.max(1) as f64,
        s.cases,
        s.restore_requests,
        s.health_checks,
        s.requests.saturating_sub(s.cases + s.restore_requests + s.health_checks)
    ));
    let touched = endpoints.iter().filter(|e| s.per_endpoint.contains_key(&e.id)).count();
    out.push_str(&format!("  endpoints:    {touched} of {} reached\n", endpoints.len()));
    if let Some(v) = &s.verification {
        let state = if !v.problems.is_empty() {
            "NOT as found (see the errors below)"
        } else if v.put_back.is_empty() {
            "as found"
        } else {
            "put back at the end (see the notes above)"
        };
        out.push_str(&format!("  phone state:  {state}; compared: {}\n", v.checked.join(", ")));
    }
    if replayed > 0 {
        out.push_str(&format!(
            "  replayed:     {replayed} saved reproducer{}, {still_failing} still failing\n",
            if replayed == 1 { "" } else { "s" }
        ));
    }
    let non_strict = s.findings.iter().filter(|f| f.reproducer.verdict == Verdict::NonStrict).count();
    out.push_str(&format!("  findings:     {} FAIL, {non_strict} NON-STRICT\n", s.failures()));
    for f in &s.findings {
        let saved = f.path.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "not saved".into());
        let also = match f.reproducer.also_on.len() {
            0 => String::new(),
            n => format!(" (also on {n} other endpoint{})", if n == 1 { "" } else { "s" }),
        };
        out.push_str(&format!(
            "    {:<10} {} {}{also}  -> {saved}\n",
            f.reproducer.verdict.label(),
            f.reproducer.endpoint,
            f.reproducer.oracle.label()
        ));
    }
    let per_oracle = |counts: &BTreeMap<(String, Oracle), u64>| {
        let mut out: BTreeMap<Oracle, (u64, usize)> = BTreeMap::new();
        for ((_, oracle), n) in counts {
            let e = out.entry(*oracle).or_default();
            e.0 += n;
            e.1 += 1;
        }
        out
    };
    let plural = |n: u64, endpoints: usize| (if n == 1 { "" } else { "s" }, if endpoints == 1 { "" } else { "s" });
    for (oracle, (n, endpoints)) in per_oracle(&s.repeats) {
        let (times, eps) = plural(n, endpoints);
        out.push_str(&format!(
            "    repeated   {} {n} more time{times} on {endpoints} endpoint{eps} (the same minimal request)\n",
            oracle.label()
        ));
    }
    for (oracle, (n, endpoints)) in per_oracle(&s.not_shrunk) {
        let (times, eps) = plural(n, endpoints);
        out.push_str(&format!("    not shrunk {} {n} more time{times} on {endpoints} endpoint{eps} already found (hang again, flaky, or back-off)\n", oracle.label()));
    }
    if !s.observations.is_empty() {
        out.push_str("  observations (counted, not findings):\n");
        for (o, n) in &s.observations {
            out.push_str(&format!("    {n:>6}  {}\n", o.label()));
        }
    }
    if s.skipped > 0 {
        out.push_str(&format!(
            "  skipped:      {} generated cases not sent (retired endpoint or state that could not be saved)\n",
            s.skipped
        ));
    }
    for r in &s.retired {
        out.push_str(&format!("  retired:      {r}\n"));
    }
    if let Some(why) = &s.stopped {
        out.push_str(&format!("  stopped early: {why}\n"));
    }
    out
}

/// A seed for a run without `--seed` (printed, so the run can be repeated).
fn random_seed() -> u64 {
    let nanos =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(0);
    (nanos ^ (u64::from(std::process::id()) << 32)) % 1_000_000_000
}
