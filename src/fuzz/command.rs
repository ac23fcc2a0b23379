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

use super::campaign::{Campaign, Settings, Summary};
use super::oracle::Oracle;
use super::progress::Ticker;
use super::replay::{Replayed, replay_one};
use super::repro::{self, Reproducer};
use super::request_schema::SchemaDocs;
use super::restore::Restorer;
use super::shrink::ShrinkBudget;
use crate::catalogue::Catalogue;
use crate::catalogue::case::{Family, ManualRef};
use crate::catalogue::profile::{Endpoint, Profile, Safety};
use crate::check::Finding;
use crate::cli::{FuzzArgs, ReplayArgs, TargetArgs};
use crate::device::Exchange;
use crate::exit;
use crate::report::model::{CaseRecord, RunRecord};
use crate::report::redact::Redactor;
use crate::run::engine::{Engine, IncomingSource, RunOptions};
use crate::run::target::{self, BUILTIN_LABEL, Target};
use crate::verdict::{Level, Verdict};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Defaults when neither `--duration` nor `--cases` is given.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(60);
pub const DEFAULT_CASES: u64 = 500;
/// Routine health check cadence (cases).
const HEALTH_EVERY: u64 = 25;
/// How long a phone that stopped answering gets to come back (a Trio restart is ~30 s).
const RECOVERY: Duration = Duration::from_secs(90);

pub fn fuzz(args: FuzzArgs) -> ExitCode {
    let Connected {
        catalogue,
        profile,
        runtime,
        target,
        engine,
    } = match connect(&args.target, &args.emulator_faults, &args.readings) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let endpoints = match select_endpoints(&profile, &args.endpoint, args.allow_mutating) {
        Ok(e) => e,
        Err(msg) => {
            eprintln!("error: {msg}");
            stop(&runtime, target);
            return exit::code(exit::CANNOT_JUDGE);
        }
    };
    let (max_cases, max_duration) = match (args.cases, args.duration) {
        (None, None) => (Some(DEFAULT_CASES), Some(DEFAULT_DURATION)),
        (cases, secs) => (cases, secs.map(Duration::from_secs)),
    };
    let seed = args.seed.unwrap_or_else(random_seed);
    let out_dir = args
        .out
        .clone()
        .unwrap_or_else(|| default_out_dir(&profile.id));
    let redactor = Redactor::new(&args.target.username, &target.password);
    let campaign = campaign(
        &catalogue,
        &profile,
        &target,
        &args.target,
        endpoints,
        &redactor,
        Settings {
            seed,
            max_cases,
            max_duration,
            out_dir: out_dir.clone(),
            shrink: ShrinkBudget::default(),
            health_every: HEALTH_EVERY,
            recovery: RECOVERY,
        },
    );
    // Ctrl-C ends the run after the current request (restored), with the summary.
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupted: finishing the current request and restoring the phone...");
            super::campaign::INTERRUPTED.store(true, Ordering::Relaxed);
        }
    });

    let bounds = match (max_duration, max_cases) {
        (Some(d), Some(c)) => format!("{} s or {c} cases, whichever comes first", d.as_secs()),
        (Some(d), None) => format!("{} s", d.as_secs()),
        (None, Some(c)) => format!("{c} cases"),
        (None, None) => "no bound".into(),
    };
    let skipped_mutating = profile
        .endpoints
        .iter()
        .filter(|e| e.safety == Safety::Mutating)
        .count();
    println!(
        "fuzz: profile {}, target {}, seed {seed} (repeat with --seed {seed}), budget {bounds}, {} endpoint{}{}",
        profile.id,
        target.label,
        campaign.endpoints.len(),
        if campaign.endpoints.len() == 1 {
            ""
        } else {
            "s"
        },
        if args.allow_mutating || skipped_mutating == 0 {
            String::new()
        } else {
            format!(" ({skipped_mutating} mutating ones left out: add --allow-mutating)")
        },
    );

    let started_at = crate::run::engine::now_rfc3339();
    let started = Instant::now();
    let mut ticker = Ticker::new();
    let (replayed, summary) = runtime.block_on(async {
        let replayed = replay_saved(&campaign, &out_dir, &ticker).await;
        let summary = campaign.run(&mut ticker).await;
        (replayed, summary)
    });
    ticker.finish();

    let still_failing = replayed.iter().filter(|(_, r)| r.is_failure()).count();
    print!(
        "{}",
        redactor.redact(&render_summary(
            &summary,
            seed,
            &campaign.endpoints,
            replayed.len(),
            still_failing
        ))
    );

    let mut errors = summary.errors.clone();
    if let Some(dir) = &args.report_dir {
        let record = run_record(
            &engine,
            &campaign,
            &summary,
            &replayed,
            started_at,
            started.elapsed(),
        );
        match write_reports(&record, dir, &redactor) {
            Ok(()) => println!("reports written to {}", dir.display()),
            Err(e) => errors.push(format!(
                "cannot write the reports into `{}`: {e}",
                dir.display()
            )),
        }
    }
    for e in &errors {
        eprintln!("error: {}", redactor.redact(e));
    }
    stop(&runtime, target);
    if summary.failures() > 0 || still_failing > 0 {
        exit::code(exit::FAILED)
    } else if !errors.is_empty() || summary.stopped.as_deref() == Some("interrupted") {
        // An interrupted run without a finding did not do what it was asked: not green.
        exit::code(exit::CANNOT_JUDGE)
    } else {
        exit::code(exit::OK)
    }
}

pub fn replay(args: ReplayArgs) -> ExitCode {
    let files = match repro::load(&args.path) {
        Ok(f) if f.is_empty() => {
            eprintln!("error: no reproducer (*.json) in `{}`", args.path.display());
            return exit::code(exit::CANNOT_JUDGE);
        }
        Ok(f) => f,
        Err(msg) => {
            eprintln!("error: {msg}");
            return exit::code(exit::CANNOT_JUDGE);
        }
    };
    let Connected {
        catalogue,
        profile,
        runtime,
        target,
        engine: _,
    } = match connect(&args.target, &args.emulator_faults, &[]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let redactor = Redactor::new(&args.target.username, &target.password);
    // A replay sends what the user saved, mutating endpoints included (with the restore
    // wrap); destructive ones are refused in `replay_one`.
    let endpoints: Vec<Endpoint> = profile
        .endpoints
        .iter()
        .filter(|e| !e.safety.needs_opt_in())
        .cloned()
        .collect();
    let campaign = campaign(
        &catalogue,
        &profile,
        &target,
        &args.target,
        endpoints,
        &redactor,
        Settings {
            seed: 0,
            max_cases: Some(0),
            max_duration: None,
            out_dir: PathBuf::new(),
            shrink: ShrinkBudget::default(),
            health_every: HEALTH_EVERY,
            recovery: RECOVERY,
        },
    );
    let (mut failing, mut errors, mut fixed) = (0, 0, 0);
    runtime.block_on(async {
        for (path, loaded) in &files {
            let result = match loaded {
                Ok(r) => {
                    let outcome = replay_one(&campaign, r).await;
                    println!(
                        "{}",
                        redactor.redact(&format!("{}  ({})", outcome.line(r), path.display()))
                    );
                    outcome
                }
                Err(e) => {
                    println!("ERROR          {}: {}", e.path.display(), e.message);
                    Replayed::Error(e.message.clone())
                }
            };
            match result {
                r if r.is_failure() => failing += 1,
                Replayed::Error(_) => errors += 1,
                Replayed::Fixed { .. } => fixed += 1,
                Replayed::StillFailing { .. } => {}
            }
        }
    });
    println!(
        "replay: {} reproducer{}: {failing} still failing, {fixed} fixed, {errors} error{}",
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        if errors == 1 { "" } else { "s" }
    );
    stop(&runtime, target);
    if failing > 0 {
        exit::code(exit::FAILED)
    } else if errors > 0 {
        exit::code(exit::CANNOT_JUDGE)
    } else {
        exit::code(exit::OK)
    }
}

/// Where reproducers go by default: `fuzz/repros/<profile>/`.
pub fn default_out_dir(profile: &str) -> PathBuf {
    Path::new("fuzz").join("repros").join(profile)
}

/// The endpoints a campaign may call.
pub fn select_endpoints(
    profile: &Profile,
    patterns: &[String],
    allow_mutating: bool,
) -> Result<Vec<Endpoint>, String> {
    let matches = |e: &Endpoint| {
        patterns.is_empty()
            || patterns.iter().any(|p| {
                e.id.to_ascii_lowercase().contains(&p.to_ascii_lowercase())
                    || e.path
                        .to_ascii_lowercase()
                        .contains(&p.to_ascii_lowercase())
            })
    };
    let wanted: Vec<&Endpoint> = profile.endpoints.iter().filter(|e| matches(e)).collect();
    if wanted.is_empty() {
        return Err(format!(
            "no endpoint of profile `{}` matches {} (hint: `polyconform list --profile {}` shows every id and path)",
            profile.id,
            patterns
                .iter()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", "),
            profile.id
        ));
    }
    let allowed: Vec<Endpoint> = wanted
        .iter()
        .filter(|e| e.safety == Safety::Safe || (allow_mutating && e.safety == Safety::Mutating))
        .map(|e| (*e).clone())
        .collect();
    if allowed.is_empty() {
        let reasons: Vec<String> = wanted
            .iter()
            .map(|e| match e.safety {
                Safety::Mutating => format!("{} is mutating (add --allow-mutating)", e.id),
                s => format!("{} is {}: never fuzzed", e.id, s.label()),
            })
            .collect();
        return Err(format!("nothing to fuzz: {}", reasons.join("; ")));
    }
    Ok(allowed)
}

struct Connected {
    catalogue: Arc<Catalogue>,
    profile: Profile,
    runtime: tokio::runtime::Runtime,
    target: Target,
    engine: Engine,
}

/// Catalogue, profile, target and preflight; any failure prints why and gives exit 2.
fn connect(
    args: &TargetArgs,
    faults: &[String],
    readings: &[String],
) -> Result<Connected, ExitCode> {
    let catalogue = Arc::new(crate::catalogue::command::load_or_report(
        args.data.as_deref(),
    )?);
    let profile = catalogue
        .profile(&args.profile)
        .map_err(|msg| {
            eprintln!("error: {msg}");
            exit::code(exit::CANNOT_JUDGE)
        })?
        .clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: cannot start the async runtime: {e}");
            exit::code(exit::CANNOT_JUDGE)
        })?;
    let resolved =
        crate::emulator::readings::resolve(&catalogue, &profile.id, readings).map_err(|msg| {
            eprintln!("error: --reading: {msg}");
            exit::code(exit::CANNOT_JUDGE)
        })?;
    let setup = target::EmulatorSetup {
        faults: faults.to_vec(),
        readings: resolved,
        ..target::EmulatorSetup::default()
    };
    let target = match runtime.block_on(target::connect_with(args, &profile, setup)) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            return Err(exit::code(exit::CANNOT_JUDGE));
        }
    };
    if target.emulator.is_none() && (!faults.is_empty() || !readings.is_empty()) {
        eprintln!(
            "warning: --emulator-fault and --reading apply to the built-in emulator only; ignored with --target"
        );
    }
    let options = RunOptions {
        allow_destructive: false,
        strict: false,
        dial: "1000".into(),
        incoming: IncomingSource::None,
        timeout: target.device.config().timeout,
    };
    let engine = Engine::new(
        target.device.clone(),
        catalogue.clone(),
        profile.clone(),
        options,
    )
    .with_label(target.label.clone());
    if let Err(e) = runtime.block_on(engine.preflight()) {
        let redactor = Redactor::new(&args.username, &target.password);
        eprintln!("error: {}", redactor.redact(&e.to_string()));
        stop(&runtime, target);
        return Err(exit::code(exit::CANNOT_JUDGE));
    }
    Ok(Connected {
        catalogue,
        profile,
        runtime,
        target,
        engine,
    })
}

fn campaign<'a>(
    catalogue: &'a Catalogue,
    profile: &'a Profile,
    target: &Target,
    args: &TargetArgs,
    endpoints: Vec<Endpoint>,
    redactor: &Redactor,
    settings: Settings,
) -> Campaign<'a> {
    // The built-in emulator's port dies with the run: the curl line names a placeholder.
    let curl_base = if target.label == BUILTIN_LABEL {
        "http://127.0.0.1:PORT".to_string()
    } else {
        target.device.base_url().to_string()
    };
    Campaign {
        device: target.device.clone(),
        profile,
        schemas: &catalogue.schemas,
        docs: SchemaDocs::from_set(&catalogue.schemas),
        endpoints,
        restorer: Restorer::new(target.device.clone(), profile.clone()),
        label: target.label.clone(),
        curl_base,
        insecure: args.insecure || args.pin_sha256.is_some(),
        username: args.username.clone(),
        redactor: redactor.clone(),
        settings,
    }
}

/// Replay what earlier runs saved for this profile, before generating anything new.
async fn replay_saved(
    campaign: &Campaign<'_>,
    dir: &Path,
    ticker: &Ticker,
) -> Vec<(Reproducer, Replayed)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    let Ok(files) = repro::load(dir) else {
        return Vec::new();
    };
    let saved: Vec<Reproducer> = files
        .into_iter()
        .filter_map(|(_, r)| r.ok())
        .filter(|r| r.profile == campaign.profile.id)
        .collect();
    if saved.is_empty() {
        return Vec::new();
    }
    ticker.println(&format!(
        "replaying {} saved reproducer{} from {}",
        saved.len(),
        if saved.len() == 1 { "" } else { "s" },
        dir.display()
    ));
    let mut out = Vec::new();
    for r in saved {
        let result = replay_one(campaign, &r).await;
        ticker.println(&campaign.redactor.redact(&format!("  {}", result.line(&r))));
        out.push((r, result));
    }
    out
}

fn render_summary(
    s: &Summary,
    seed: u64,
    endpoints: &[Endpoint],
    replayed: usize,
    still_failing: usize,
) -> String {
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
    out.push_str(&format!("  requests:     {}\n", intents.join(", ")));
    let touched = endpoints
        .iter()
        .filter(|e| s.per_endpoint.contains_key(&e.id))
        .count();
    out.push_str(&format!(
        "  endpoints:    {touched} of {} reached\n",
        endpoints.len()
    ));
    if replayed > 0 {
        out.push_str(&format!(
            "  replayed:     {replayed} saved reproducer{}, {still_failing} still failing\n",
            if replayed == 1 { "" } else { "s" }
        ));
    }
    let non_strict = s
        .findings
        .iter()
        .filter(|f| f.reproducer.verdict == Verdict::NonStrict)
        .count();
    out.push_str(&format!(
        "  findings:     {} FAIL, {non_strict} NON-STRICT\n",
        s.failures()
    ));
    for f in &s.findings {
        let saved = f
            .path
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "not saved".into());
        let also = match f.reproducer.also_on.len() {
            0 => String::new(),
            n => format!(
                " (also on {n} other endpoint{})",
                if n == 1 { "" } else { "s" }
            ),
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
    let plural = |n: u64, endpoints: usize| {
        (
            if n == 1 { "" } else { "s" },
            if endpoints == 1 { "" } else { "s" },
        )
    };
    for (oracle, (n, endpoints)) in per_oracle(&s.repeats) {
        let (times, eps) = plural(n, endpoints);
        out.push_str(&format!("    repeated   {} {n} more time{times} on {endpoints} endpoint{eps} (the same minimal request)\n", oracle.label()));
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
        out.push_str(&format!("  skipped:      {} generated cases not sent (retired endpoint or state that could not be saved)\n", s.skipped));
    }
    for r in &s.retired {
        out.push_str(&format!("  retired:      {r}\n"));
    }
    if let Some(why) = &s.stopped {
        out.push_str(&format!("  stopped early: {why}\n"));
    }
    out
}

/// The run as the reports see it: one case per finding (and per still-failing replay),
/// one PASS case per endpoint fuzzed without a finding.
fn run_record(
    engine: &Engine,
    campaign: &Campaign<'_>,
    s: &Summary,
    replayed: &[(Reproducer, Replayed)],
    started_at: String,
    elapsed: Duration,
) -> RunRecord {
    let family = &campaign.profile.family;
    let mut cases = Vec::new();
    let mut record_of = |r: &Reproducer, verdict: Verdict, actual: String| {
        let ex = |step: &str, saved: &repro::SavedRequest| Exchange {
            step: step.into(),
            request: saved.request.clone(),
            outcome: saved.outcome.clone(),
            elapsed_ms: 0,
        };
        cases.push(CaseRecord {
            id: format!("{family}.fuzz.{}.{}", r.endpoint, r.oracle.label()),
            title: format!("fuzz {}: {}", r.endpoint, r.oracle.label()),
            family: Family::Input,
            level: if verdict == Verdict::Fail {
                Level::Must
            } else {
                Level::Ambiguous
            },
            manual: ManualRef {
                section: r.section.clone(),
                quote: r.requirement.clone(),
            },
            endpoint: Some(r.endpoint.clone()),
            suite: "fuzz".into(),
            verdict,
            reason: None,
            findings: vec![Finding {
                family: Family::Input,
                verdict,
                section: r.section.clone(),
                requirement: r.requirement.clone(),
                expected: vec![
                    "an HTTP answer below 500 within the timeout, JSON with a documented Status"
                        .into(),
                ],
                actual,
                step: "fuzz".into(),
                details: r.mutations.clone(),
                errata: vec![],
            }],
            exchanges: vec![
                ex("first failing request", &r.original),
                ex("minimal request", &r.minimal),
            ],
            reproducer: Some(r.curl.clone()),
            duration_ms: 0,
        });
    };
    for f in &s.findings {
        record_of(
            &f.reproducer,
            f.reproducer.verdict,
            f.reproducer.minimal.answer.clone(),
        );
    }
    for (r, result) in replayed {
        if let Replayed::StillFailing { violation, .. } = result
            && !s.findings.iter().any(|f| f.reproducer.id == r.id)
        {
            record_of(
                r,
                violation.verdict,
                format!("replayed: {}", violation.actual),
            );
        }
    }
    for e in &campaign.endpoints {
        let n = s.per_endpoint.get(&e.id).copied().unwrap_or(0);
        if n == 0 || cases.iter().any(|c| c.endpoint.as_deref() == Some(&e.id)) {
            continue;
        }
        cases.push(CaseRecord {
            id: format!("{family}.fuzz.{}", e.id),
            title: format!("fuzz {}: {n} generated requests", e.id),
            family: Family::Input,
            level: Level::Must,
            manual: ManualRef { section: e.section.clone(), quote: "no HTTP 5xx, no hang, no reset, a documented Status, mandatory parameters enforced".into() },
            endpoint: Some(e.id.clone()),
            suite: "fuzz".into(),
            verdict: Verdict::Pass,
            reason: None,
            findings: Vec::new(),
            exchanges: Vec::new(),
            reproducer: None,
            duration_ms: 0,
        });
    }
    let mut record = crate::run::engine::run_record(engine, started_at, elapsed, cases);
    record.notes.push(format!(
        "fuzz campaign: seed {}, {} cases, {} findings",
        campaign.settings.seed,
        s.cases,
        s.findings.len()
    ));
    record.notes.extend(s.errors.iter().cloned());
    record
}

fn write_reports(record: &RunRecord, dir: &Path, redactor: &Redactor) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    crate::report::junit::write(record, dir, redactor)?;
    crate::report::json::write(record, dir, redactor)?;
    let redact = |s: &str| redactor.redact(s);
    crate::report::html::write_redacted(record, dir, &redact)
}

fn stop(runtime: &tokio::runtime::Runtime, target: Target) {
    if let Some(e) = target.emulator {
        runtime.block_on(e.stop());
    }
}

/// A seed for a run without `--seed` (printed, so the run can be repeated).
fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    (nanos ^ (u64::from(std::process::id()) << 32)) % 1_000_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        let catalogue = Catalogue::embedded().expect("the built-in catalogue loads");
        catalogue.profile("trio-5.9.1").unwrap().clone()
    }

    #[test]
    fn destructive_and_session_breaking_endpoints_are_never_selected() {
        let p = profile();
        let all = select_endpoints(&p, &[], true).unwrap();
        assert!(
            all.iter()
                .all(|e| matches!(e.safety, Safety::Safe | Safety::Mutating))
        );
        assert!(all.iter().any(|e| e.id == "callctrl.dial"));
        let safe = select_endpoints(&p, &[], false).unwrap();
        assert!(safe.iter().all(|e| e.safety == Safety::Safe));
        assert!(safe.iter().any(|e| e.id == "mgmt.config-get"));
    }

    #[test]
    fn patterns_explain_why_nothing_is_left() {
        let p = profile();
        let err = select_endpoints(&p, &["callctrl/dial".into()], false).unwrap_err();
        assert!(err.contains("--allow-mutating"), "{err}");
        let err = select_endpoints(&p, &["factoryReset".into()], true).unwrap_err();
        assert!(err.contains("never fuzzed"), "{err}");
        let err = select_endpoints(&p, &["nothing-like-this".into()], true).unwrap_err();
        assert!(err.contains("polyconform list"), "{err}");
        assert_eq!(
            select_endpoints(&p, &["config/get".into()], false)
                .unwrap()
                .len(),
            1
        );
    }
}
