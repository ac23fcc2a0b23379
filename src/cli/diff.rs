//! `polyconform diff`: run every case on two phones at once (or read two recorded
//! `report.json`s) and report every way their answers differ.
//!
//! The order of things:
//!
//! 1. resolve the two sides: `--report FILE`s first, then `--target`s, the built-in
//!    emulator for a side not given (so `polyconform diff` alone compares two emulators);
//! 2. read the reports; open the live sides on one catalogue and runtime (`job::open_lane`,
//!    the per-phone half of the setup every command shares), each with its preflight;
//! 3. run both lanes at once, each one request in flight on its phone, through the
//!    run engine (`run::Engine`, restore included); Ctrl-C stops both lanes before
//!    their next step, puts both phones back and exits 130 (2 if one could not be put
//!    back), comparing nothing;
//! 4. compare the two records (`diff::compare`), print the summary, write the outputs.
//!
//! Exit codes: 0 no difference; 1 at least one difference; 2 not comparable (usage
//! error, setup failure, unreadable report, target unreachable or not a Poly REST API,
//! outputs not written, or a case the harness could not judge (ERROR) on one side only:
//! an ERROR is never about the phone, so such a difference is the harness's).

use super::exit;
use super::target::PatienceArgs;
use crate::catalogue::{Case, Catalogue};
use crate::diff::{self, Diff, Kind};
use crate::job::{self, EmulatorSetup, JobSpec, Lane, TargetOptions};
use crate::record::RunRecord;
use crate::report::redact::Redactor;
use crate::run::engine::{self, Engine};
use crate::run::incoming;
use crate::run::options::RunOptions;
use crate::verdict::Verdict;
use clap::Args;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Environment variable read for side B's password when `--password-file-b` is not given
/// (default: side A's, from `--password-file` or POLYCONFORM_PASSWORD).
pub const PASSWORD_B_ENV: &str = "POLYCONFORM_PASSWORD_B";

/// What `diff --help` says first: what is compared, what is not, who the sides are.
/// (Set on the subcommand in `cli/mod.rs`: its doc line would otherwise win.)
pub const LONG_ABOUT: &str = "Run every case on two phones at once, or read two recorded runs, and report every \
difference: firmware QA compares a release candidate with the firmware in the field, a vendor \
its emulator with a real phone.\n\n\
The two sides: A is the reference, B is held against it (\"added\" means B has it, A not). \
`--report FILE`s come first, then `--target`s; a side not given is the built-in emulator, so \
`polyconform diff` alone compares two built-in emulators and `--target URL` compares a phone \
(A) with the emulator (B). `--target -` names the built-in emulator explicitly.\n\n\
What is compared, per case matched by its id without the profile prefix \
(trio.callctrl.dial.places-call ~ vvx.callctrl.dial.places-call): the verdict; for each of \
the case's own steps, the outcome (answered, reset, timeout), the HTTP status, the API \
`Status` and the shape of the answer (members added, removed or retyped; the vocabulary of \
enum fields such as CallState); and timing: an answer at least 5x slower than the other \
side's and at least 50 ms later (the floor keeps an emulator's microsecond noise out). A case \
only one run has (an endpoint only one profile has) is reported as \"only in A/B\", not as a \
failure.\n\n\
What is not compared: values. Call handles, times, counters, MAC and IP addresses, ports and \
uptime differ between any two phones; answers are reduced to status and shape, requests are \
shown with query values masked. The harness's own setup and cleanup requests are left out (a \
setup that failed shows as a verdict change). A step that sent several requests (a burst of \
concurrent copies, a poll) sees a mix of outcomes that depends on timing (which copy found the \
phone busy): it is reported only when the sides have no outcome in common, else its case's \
verdict speaks for it.\n\n\
Credentials and trust: flags without a suffix apply to both sides; a `-b` flag gives side B \
its own. The password comes from --password-file, else POLYCONFORM_PASSWORD; side B's from \
--password-file-b, else POLYCONFORM_PASSWORD_B, else side A's. Secrets are never printed nor \
written.";

#[derive(Debug, Clone, Args)]
#[command(after_help = "Exit codes: 0 no difference; 1 at least one difference; 2 not comparable (usage \
error, setup failure, unreadable report, a target unreachable or not a Poly REST API, outputs not \
written, or a case ERROR on one side only).\n\n\
Examples:\n  polyconform diff\n  polyconform diff --profile-a trio-5.9.1 --profile-b vvx-5.9.0\n  \
POLYCONFORM_PASSWORD=... polyconform diff --target https://10.0.0.5 --target https://10.0.0.6 --insecure --report-dir out\n  \
polyconform diff --report field/report.json --report candidate/report.json --html diff.html")]
pub struct DiffArgs {
    /// A live side: the phone's base URL, or `-` for the built-in emulator. Give it twice
    /// (first A, then B); a side not given is the built-in emulator.
    #[arg(long = "target", value_name = "URL|-")]
    pub targets: Vec<String>,
    /// A recorded side: a report.json of `polyconform run --report-dir` (or of a diff's
    /// --report-dir). Reports come before targets: with one --report and one --target, the
    /// report is A.
    #[arg(long = "report", value_name = "FILE")]
    pub reports: Vec<PathBuf>,
    /// Firmware profile of both live sides (see `polyconform list`).
    #[arg(long, value_name = "PROFILE", default_value = "trio-5.9.1")]
    pub profile: String,
    /// Profile of side A, when the sides differ.
    #[arg(long, value_name = "PROFILE")]
    pub profile_a: Option<String>,
    /// Profile of side B, when the sides differ.
    #[arg(long, value_name = "PROFILE")]
    pub profile_b: Option<String>,
    /// REST user name (the phone's admin account).
    #[arg(long, value_name = "NAME", default_value = "Polycom")]
    pub username: String,
    /// Side B's user name.
    #[arg(long, value_name = "NAME")]
    pub username_b: Option<String>,
    /// Read the password from the first line of this file (default: POLYCONFORM_PASSWORD).
    #[arg(long, value_name = "PATH")]
    pub password_file: Option<PathBuf>,
    /// Side B's password file (default: POLYCONFORM_PASSWORD_B, else side A's password).
    #[arg(long, value_name = "PATH")]
    pub password_file_b: Option<PathBuf>,
    /// Accept any TLS certificate (phones ship certificates for MAC-based names).
    #[arg(long, conflicts_with_all = ["pin_sha256", "ca_cert"])]
    pub insecure: bool,
    /// Side B: accept any TLS certificate.
    #[arg(long, conflicts_with_all = ["pin_sha256_b", "ca_cert_b"])]
    pub insecure_b: bool,
    /// Accept only the certificate with this SHA-256 fingerprint (give side B its own with
    /// --pin-sha256-b: two phones do not share a certificate).
    #[arg(long, value_name = "HEX", conflicts_with = "ca_cert")]
    pub pin_sha256: Option<String>,
    /// Side B's certificate fingerprint.
    #[arg(long, value_name = "HEX", conflicts_with = "ca_cert_b")]
    pub pin_sha256_b: Option<String>,
    /// Trust certificates issued by this CA (PEM file).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Side B's CA file.
    #[arg(long, value_name = "PATH")]
    pub ca_cert_b: Option<PathBuf>,
    /// Timeout, pace and answer size, both sides.
    #[command(flatten)]
    pub patience: PatienceArgs,
    /// Read schemas/ and suites/ from this directory instead of the built-in copy.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// Also run destructive and session-breaking endpoints on live --targets. Implied when
    /// no live side is a phone (built-in emulators only); otherwise such cases are
    /// NOT-TESTED on both live sides, so the opt-in never makes a difference by itself.
    #[arg(long)]
    pub allow_destructive: bool,
    /// Judge every ambiguity against the device on both sides: NON-STRICT becomes FAIL.
    #[arg(long)]
    pub strict: bool,
    /// Number the call-flow cases dial (must answer automatically on a real phone).
    #[arg(long, value_name = "NUMBER", default_value = "1000")]
    pub dial: String,
    /// Only cases whose id contains this text (repeatable; as a libtest filter).
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,
    /// Leave out cases whose id contains this text (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub skip: Vec<String>,
    /// Write the differences as JSON (described by schemas/diff.schema.json).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write the differences as one self-contained HTML page, grouped by endpoint.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write diff.json and diff.html into this directory, and each live side's run
    /// reports (report.json, junit.xml, index.html) into DIR/a/ and DIR/b/, so the two
    /// runs can be compared again later with --report.
    #[arg(long, value_name = "DIR")]
    pub report_dir: Option<PathBuf>,
}

/// Where one side's record comes from.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Report(PathBuf),
    /// A phone's URL, or the built-in emulator (`None`).
    Live(Option<String>),
}

/// The side names, in order.
const SIDES: [&str; 2] = ["A", "B"];

/// `polyconform diff`.
pub fn diff(args: DiffArgs) -> ExitCode {
    let sources = match sources(&args) {
        Ok(s) => s,
        Err(msg) => return exit::cannot_judge(msg),
    };
    if let Some(dir) = &args.report_dir
        && let Err(e) = std::fs::create_dir_all(dir)
    {
        return exit::cannot_judge(format!(
            "cannot create --report-dir `{}`: {e} (hint: pick a writable directory)",
            dir.display()
        ));
    }
    let sides = match records(&args, &sources) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let [(a, redact_a), (b, redact_b)] = sides;
    let redactor = |s: &str| redact_b.redact(&redact_a.redact(s));
    let result = diff::compare(&a, &b);
    print!("{}", redactor(&diff::console::summary(&result)));
    let mut ok = write_outputs(&args, &result, &redactor);
    if let Some(dir) = &args.report_dir {
        for ((source, record), (name, redact)) in sources.iter().zip([&a, &b]).zip([("a", &redact_a), ("b", &redact_b)])
        {
            if matches!(source, Source::Live(_))
                && let Err(e) = crate::report::write_all(record, &dir.join(name), redact)
            {
                eprintln!("error: cannot write side {name}'s run reports into `{}`: {e}", dir.join(name).display());
                ok = false;
            }
        }
    }
    for (name, record) in SIDES.iter().zip([&a, &b]) {
        for note in record.notes.iter().filter(|n| n.starts_with("RESTORE FAILED")) {
            eprintln!("warning: side {name}: {}", redactor(note));
        }
    }
    let one_sided_errors: Vec<&str> = result
        .differences
        .iter()
        .filter(|d| d.kind == Kind::Verdict && (d.a == Verdict::Error.label() || d.b == Verdict::Error.label()))
        .map(|d| d.case.as_str())
        .collect();
    if !one_sided_errors.is_empty() {
        eprintln!(
            "error: not comparable: the harness could not judge {} case(s) on one side only (ERROR is never about the phone): {}",
            one_sided_errors.len(),
            one_sided_errors.join(", ")
        );
        return exit::code(exit::CANNOT_JUDGE);
    }
    if !ok {
        return exit::code(exit::CANNOT_JUDGE);
    }
    exit::code(if result.is_equal() { exit::OK } else { exit::DIFFERS })
}

/// The two sides, in order: reports, then targets, then the built-in emulator.
fn sources(args: &DiffArgs) -> Result<[Source; 2], String> {
    let mut all: Vec<Source> = args.reports.iter().cloned().map(Source::Report).collect();
    all.extend(args.targets.iter().map(|t| Source::Live((t.trim() != "-").then(|| t.clone()))));
    if all.len() > 2 {
        return Err(format!(
            "{} sides given ({} --report, {} --target): a diff compares two (hint: give --report and --target at most twice in all)",
            all.len(),
            args.reports.len(),
            args.targets.len()
        ));
    }
    while all.len() < 2 {
        all.push(Source::Live(None));
    }
    for (name, source, profile) in [("a", &all[0], &args.profile_a), ("b", &all[1], &args.profile_b)] {
        if let (Source::Report(path), Some(_)) = (source, profile) {
            return Err(format!(
                "--profile-{name} applies to a live side, but side {} is the recorded run `{}` (hint: its profile is in the report; drop --profile-{name})",
                name.to_uppercase(),
                path.display()
            ));
        }
    }
    Ok([all[0].clone(), all[1].clone()])
}

/// Whether a case passes `--filter` and `--skip`.
fn selected(args: &DiffArgs, id: &str) -> bool {
    (args.filter.is_empty() || args.filter.iter().any(|f| id.contains(f.as_str())))
        && !args.skip.iter().any(|s| id.contains(s.as_str()))
}

/// Each side's record and the redactor of its password (none for a report: it is
/// written redacted).
fn records(args: &DiffArgs, sources: &[Source; 2]) -> Result<[(RunRecord, Redactor); 2], ExitCode> {
    let mut recorded: [Option<RunRecord>; 2] = [None, None];
    for (i, source) in sources.iter().enumerate() {
        if let Source::Report(path) = source {
            let mut record = read_report(path).map_err(exit::cannot_judge)?;
            record.cases.retain(|c| selected(args, &c.id));
            record.recount();
            recorded[i] = Some(record);
        }
    }
    let live: Vec<usize> = (0..2).filter(|i| recorded[*i].is_none()).collect();
    let mut redactors = [Redactor::headers_only(), Redactor::headers_only()];
    if !live.is_empty() {
        for (i, (record, redactor)) in run_live(args, sources, &live)? {
            recorded[i] = Some(record);
            redactors[i] = redactor;
        }
    }
    let [Some(a), Some(b)] = recorded else {
        return Err(exit::cannot_judge("internal: a side has no record"));
    };
    let [ra, rb] = redactors;
    Ok([(a, ra), (b, rb)])
}

fn read_report(path: &Path) -> Result<RunRecord, String> {
    crate::report::json::read(path).map_err(|e| {
        format!(
            "cannot read --report `{}`: {e} (hint: give a report.json written by `polyconform run --report-dir DIR` or `polyconform diff --report-dir DIR`)",
            path.display()
        )
    })
}

/// The target options of side `i` (0 = A, 1 = B): the shared flags, with B's own where given.
fn target_options(args: &DiffArgs, i: usize, url: &Option<String>) -> TargetOptions {
    let mut o = TargetOptions {
        url: url.clone(),
        username: args.username.clone(),
        password: None,
        password_file: args.password_file.clone(),
        insecure: args.insecure,
        pin_sha256: args.pin_sha256.clone(),
        ca_cert: args.ca_cert.clone(),
        timeout: args.patience.timeout,
        pace_ms: args.patience.pace_ms,
        max_body: args.patience.max_body,
    };
    if i == 1 {
        if let Some(u) = &args.username_b {
            o.username = u.clone();
        }
        if let Some(f) = &args.password_file_b {
            o.password_file = Some(f.clone());
        } else if let Some(pw) = std::env::var(PASSWORD_B_ENV).ok().filter(|p| !p.is_empty()) {
            // Held in memory like any password; never on the command line.
            o.password = Some(pw);
            o.password_file = None;
        }
        if args.insecure_b || args.pin_sha256_b.is_some() || args.ca_cert_b.is_some() {
            o.insecure = args.insecure_b;
            o.pin_sha256 = args.pin_sha256_b.clone();
            o.ca_cert = args.ca_cert_b.clone();
        }
    }
    if url.is_none() {
        // Trust flags are for phones; the built-in emulator serves plain HTTP.
        o.insecure = false;
        o.pin_sha256 = None;
        o.ca_cert = None;
    }
    o
}

/// A side's run, with the redactor of its password.
type Recorded = (RunRecord, Redactor);

/// One live side, ready to run.
struct Ready {
    index: usize,
    lane: Lane,
    engine: Arc<Engine>,
    cases: Vec<Case>,
}

/// Open the live sides, run them at once, put the phones back, stop the emulators.
fn run_live(args: &DiffArgs, sources: &[Source; 2], live: &[usize]) -> Result<Vec<(usize, Recorded)>, ExitCode> {
    let catalogue = Arc::new(job::load_catalogue(args.data.as_deref()).map_err(|e| exit::setup_failed(&e))?);
    let runtime = job::runtime().map_err(|e| exit::setup_failed(&e))?;
    // The built-in emulator cannot be harmed: with no phone among the live sides, every case runs.
    let no_phone = live.iter().all(|&i| sources[i] == Source::Live(None));
    let allow_destructive = args.allow_destructive || no_phone;
    let specs: Vec<(usize, JobSpec)> = live
        .iter()
        .map(|&i| {
            let Source::Live(url) = &sources[i] else { unreachable!("live sides are live") };
            let profile = [&args.profile_a, &args.profile_b][i].clone().unwrap_or_else(|| args.profile.clone());
            let emulator = EmulatorSetup { control: true, ..EmulatorSetup::default() };
            (i, JobSpec { data: args.data.clone(), profile, target: target_options(args, i, url), emulator })
        })
        .collect();
    // An unknown profile is a usage error: say so before any emulator starts.
    for (i, spec) in &specs {
        if let Err(why) = catalogue.profile(&spec.profile) {
            return Err(exit::cannot_judge(format!("side {}: {why}", SIDES[*i])));
        }
    }
    // Both phones are set up at once: an emulator side starts while the other's preflight runs.
    let opened = runtime.block_on(async {
        let handles: Vec<_> = specs
            .into_iter()
            .map(|(i, spec)| {
                let catalogue = catalogue.clone();
                (i, tokio::spawn(async move { job::open_lane(&catalogue, spec).await }))
            })
            .collect();
        let mut out = Vec::new();
        for (i, h) in handles {
            out.push((i, h.await));
        }
        out
    });
    let mut ready = Vec::new();
    let mut failure: Option<String> = None;
    for (i, lane) in opened {
        match lane {
            Ok(Ok(lane)) => match runtime.block_on(start(args, &catalogue, lane, i, allow_destructive)) {
                Ok(r) => ready.push(r),
                Err((lane, why)) => {
                    failure.get_or_insert(format!("side {}: {why}", SIDES[i]));
                    stop(&runtime, lane);
                }
            },
            Ok(Err(e)) => {
                failure.get_or_insert(format!("side {}: {e}", SIDES[i]));
            }
            Err(e) => {
                failure.get_or_insert(format!("side {}: the setup stopped: {e}", SIDES[i]));
            }
        }
    }
    if let Some(why) = failure {
        for r in ready {
            stop(&runtime, r.lane);
        }
        return Err(exit::cannot_judge(why));
    }
    // As `run`: the first Ctrl-C stops both engines before their next step; each lane then
    // cleans up its case and restores its phone (never while a case still runs); a second
    // Ctrl-C leaves at once.
    let engines: Vec<Arc<Engine>> = ready.iter().map(|r| r.engine.clone()).collect();
    let interrupted = engines.clone();
    crate::job::on_ctrl_c(&runtime, async move {
        for e in &engines {
            e.interrupt();
        }
        eprintln!(
            "\ninterrupted: finishing the requests in flight, then putting both phones back (Ctrl-C again to exit at once)..."
        );
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\nwarning: exiting at once: a phone may be left changed");
            std::process::exit(i32::from(exit::INTERRUPTED));
        }
    });
    let records = runtime.block_on(run_lanes(&ready));
    if interrupted.iter().any(|e| e.is_interrupted()) {
        // Half-run sides are not compared: the difference would be where each stopped.
        let mut restore_failed = false;
        for (r, record) in ready.iter().zip(&records) {
            for note in record.iter().flat_map(|rec| &rec.notes).filter(|n| n.starts_with("RESTORE FAILED")) {
                eprintln!("error: side {}: {}", SIDES[r.index], r.lane.redactor.redact(note));
                restore_failed = true;
            }
        }
        for r in ready {
            stop(&runtime, r.lane);
        }
        if restore_failed {
            return Err(exit::cannot_judge("interrupted, and a phone could not be put back"));
        }
        eprintln!("interrupted: both phones were put back; nothing was compared");
        return Err(exit::code(exit::INTERRUPTED));
    }
    let mut out = Vec::new();
    for (r, record) in ready.into_iter().zip(records) {
        match record {
            Ok(record) => out.push((r.index, (record, r.lane.redactor.clone()))),
            Err(why) => {
                failure.get_or_insert(format!("side {}: the run stopped: {why}", SIDES[r.index]));
            }
        }
        stop(&runtime, r.lane);
    }
    match failure {
        Some(why) => Err(exit::cannot_judge(why)),
        None => Ok(out),
    }
}

/// The engine on side `i`'s phone, after its preflight.
async fn start(
    args: &DiffArgs,
    catalogue: &Arc<Catalogue>,
    lane: Lane,
    index: usize,
    allow_destructive: bool,
) -> Result<Ready, (Lane, String)> {
    let incoming = match incoming::source(None, &lane.target, &lane.profile).await {
        Ok(source) => source,
        Err(e) => return Err((lane, format!("incoming calls: {e}"))),
    };
    let options = RunOptions {
        allow_destructive,
        strict: args.strict,
        dial: args.dial.clone(),
        incoming,
        timeout: lane.target.device.config().timeout,
    };
    let engine = Engine::new(lane.target.device.clone(), catalogue.clone(), lane.profile.clone(), options)
        .with_label(lane.target.label.clone());
    if let Err(e) = engine.preflight().await {
        let why = lane.redactor.redact(&e.to_string());
        return Err((lane, why));
    }
    let cases = catalogue.cases_for(&lane.profile).into_iter().filter(|c| selected(args, &c.id)).collect();
    Ok(Ready { index, lane, engine: Arc::new(engine), cases })
}

/// Both lanes at once (each on its own task, so they share the runtime's workers), each
/// one case at a time on its own phone; a progress line on a terminal.
async fn run_lanes(ready: &[Ready]) -> Vec<Result<RunRecord, tokio::task::JoinError>> {
    let done: Vec<Arc<AtomicUsize>> = ready.iter().map(|_| Arc::new(AtomicUsize::new(0))).collect();
    let lanes: Vec<String> = ready
        .iter()
        .map(|r| {
            format!(
                "{} case(s) on {} ({} on {})",
                r.cases.len(),
                SIDES[r.index],
                r.lane.profile.id,
                r.lane.target.label
            )
        })
        .collect();
    eprintln!("diff: running {} at once", lanes.join(" and "));
    let handles: Vec<_> = ready
        .iter()
        .zip(&done)
        .map(|(r, n)| tokio::spawn(run_lane(r.engine.clone(), r.cases.clone(), n.clone())))
        .collect();
    let ticker = tokio::spawn(progress(ready.iter().map(|r| (r.index, r.cases.len())).collect(), done));
    let mut out = Vec::new();
    for h in handles {
        out.push(h.await);
    }
    let _ = ticker.await;
    out
}

/// One lane: every case on its engine, then restore and record (as `run::run_all`,
/// counting as it goes).
async fn run_lane(engine: Arc<Engine>, cases: Vec<Case>, done: Arc<AtomicUsize>) -> RunRecord {
    let started_at = crate::record::clock::now_rfc3339();
    let started = Instant::now();
    let mut records = Vec::with_capacity(cases.len());
    for case in &cases {
        records.push(engine.run_case(case).await);
        done.fetch_add(1, Ordering::Relaxed);
    }
    engine::restore_and_record(&engine, started_at, started.elapsed(), records).await
}

/// On a terminal, `A 120/416 · B 118/409` on stderr every second until both lanes end.
async fn progress(lanes: Vec<(usize, usize)>, done: Vec<Arc<AtomicUsize>>) {
    if !std::io::stderr().is_terminal() {
        return;
    }
    loop {
        let line: Vec<String> = lanes
            .iter()
            .zip(&done)
            .map(|((side, total), n)| format!("{} {}/{total}", SIDES[*side], n.load(Ordering::Relaxed).min(*total)))
            .collect();
        eprint!("\r{}  ", line.join(" · "));
        if lanes.iter().zip(&done).all(|((_, total), n)| n.load(Ordering::Relaxed) >= *total) {
            eprintln!();
            return;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

fn stop(runtime: &tokio::runtime::Runtime, lane: Lane) {
    if let Some(e) = lane.target.emulator {
        runtime.block_on(e.stop());
    }
}

/// `--json`, `--html` and the diff files of `--report-dir`; false when one could not be written.
fn write_outputs(args: &DiffArgs, result: &Diff, redact: &dyn Fn(&str) -> String) -> bool {
    let mut targets: Vec<(PathBuf, bool)> = Vec::new();
    if let Some(p) = &args.json {
        targets.push((p.clone(), true));
    }
    if let Some(p) = &args.html {
        targets.push((p.clone(), false));
    }
    if let Some(dir) = &args.report_dir {
        targets.push((dir.join(diff::json::FILE_NAME), true));
        targets.push((dir.join(diff::html::FILE_NAME), false));
    }
    let mut ok = true;
    for (path, is_json) in targets {
        let written =
            if is_json { diff::json::write(result, &path, redact) } else { diff::html::write(result, &path, redact) };
        match written {
            Ok(()) => println!("wrote {}", path.display()),
            Err(e) => {
                eprintln!("error: cannot write `{}`: {e} (hint: pick a writable path)", path.display());
                ok = false;
            }
        }
    }
    ok
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Wrap {
        #[command(flatten)]
        args: DiffArgs,
    }

    fn parse(argv: &[&str]) -> DiffArgs {
        Wrap::try_parse_from(std::iter::once("diff").chain(argv.iter().copied())).unwrap().args
    }

    #[test]
    fn sides_are_reports_then_targets_then_the_builtin_emulator() {
        let s = sources(&parse(&[])).unwrap();
        assert_eq!(s, [Source::Live(None), Source::Live(None)]);
        let s = sources(&parse(&["--target", "http://x", "--target", "-"])).unwrap();
        assert_eq!(s, [Source::Live(Some("http://x".into())), Source::Live(None)]);
        let s = sources(&parse(&["--target", "http://x", "--report", "r.json"])).unwrap();
        assert_eq!(s, [Source::Report("r.json".into()), Source::Live(Some("http://x".into()))]);
        assert!(sources(&parse(&["--report", "a", "--report", "b", "--target", "-"])).is_err());
        let e = sources(&parse(&["--report", "a", "--profile-a", "vvx-5.9.0"])).unwrap_err();
        assert!(e.contains("--profile-a"), "{e}");
    }

    #[test]
    fn side_b_takes_its_own_flags_and_emulators_no_trust() {
        let args = parse(&["--username-b", "admin", "--pin-sha256", "aa", "--pin-sha256-b", "bb"]);
        let url = Some("https://p".to_string());
        let a = target_options(&args, 0, &url);
        let b = target_options(&args, 1, &url);
        assert_eq!((a.username.as_str(), a.pin_sha256.as_deref(), a.insecure), ("Polycom", Some("aa"), false));
        assert_eq!((b.username.as_str(), b.pin_sha256.as_deref(), b.insecure), ("admin", Some("bb"), false));
        let b = target_options(&parse(&["--pin-sha256", "aa", "--insecure-b"]), 1, &url);
        assert_eq!((b.pin_sha256, b.insecure), (None, true));
        let emulated = target_options(&args, 0, &None);
        assert_eq!((emulated.pin_sha256, emulated.insecure), (None, false));
    }
}
