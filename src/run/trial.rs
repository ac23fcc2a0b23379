//! Cases as libtest-mimic trials, so `polyconform run -- ARGS` behaves like `cargo test`.
//!
//! A trial's name is the case id, so filters, `--skip`, `--exact`, `--list` (and
//! `--list --format terse` for nextest) work on ids. Destructive and session-breaking
//! cases are *ignored* trials unless the run has `--allow-destructive`; `--ignored`
//! selects them, and they still refuse to run without the opt-in (NOT-TESTED).
//!
//! libtest's own `ok`/`FAILED` line is a coarse view of our verdicts: PASS, INFO,
//! NON-STRICT and NOT-TESTED are `ok`, FAIL and ERROR are `FAILED`. The verdicts
//! themselves go into a shared list of [`CaseRecord`]s; the command prints its own
//! summary and decides the exit code from them, not from libtest's conclusion.

use super::engine::Engine;
use super::outcome::needs_opt_in;
use crate::catalogue::Case;
use crate::record::model::CaseRecord;
use crate::report::redact::Redactor;
use crate::verdict::Verdict;
use libtest_mimic::{Failed, Trial};
use std::sync::{Arc, Mutex};

/// Where trials drop their records (in the order they ran).
pub type Records = Arc<Mutex<Vec<CaseRecord>>>;

/// Trials that do nothing: for `--list`, which must touch neither network nor emulator.
pub fn listing(cases: &[Case], allow_destructive: bool) -> Vec<Trial> {
    cases
        .iter()
        .map(|c| Trial::test(c.id.clone(), || Ok(())).with_ignored_flag(ignored(c, allow_destructive)))
        .collect()
}

/// Trials that run each case on `engine`, blocking on `runtime` (one at a time: the
/// command forces `--test-threads 1` because cases share the phone's state).
/// libtest prints the failure line itself, so it is redacted here.
pub fn trials(
    cases: &[Case],
    engine: Arc<Engine>,
    runtime: tokio::runtime::Handle,
    records: Records,
    redactor: Redactor,
    progress: Option<Arc<crate::report::progress::Progress>>,
) -> Vec<Trial> {
    let allow = engine.options().allow_destructive;
    cases
        .iter()
        .map(|case| {
            let (case, engine, runtime, records, redactor, progress) =
                (case.clone(), engine.clone(), runtime.clone(), records.clone(), redactor.clone(), progress.clone());
            let is_ignored = ignored(&case, allow);
            Trial::test(case.id.clone(), move || {
                if let Some(p) = &progress {
                    p.start_case(&case.id);
                }
                let record = runtime.block_on(engine.run_case(&case));
                let verdict = record.verdict;
                if let Some(p) = &progress {
                    p.finish_case(&case.id, verdict);
                }
                let line = redactor.redact(&headline(&record));
                if let Ok(mut all) = records.lock() {
                    all.push(record);
                }
                match verdict {
                    Verdict::Fail | Verdict::Error => Err(Failed::from(line)),
                    _ => Ok(()),
                }
            })
            .with_ignored_flag(is_ignored)
        })
        .collect()
}

/// Whether a case is an ignored trial in a run with (or without) `--allow-destructive`.
pub fn ignored(case: &Case, allow_destructive: bool) -> bool {
    !allow_destructive && needs_opt_in(case)
}

/// One line for libtest's failure list; the full story is in the summary below it.
fn headline(record: &CaseRecord) -> String {
    let worst = record.findings.iter().filter(|f| f.verdict == record.verdict).map(|f| f.actual.as_str()).next();
    match (record.verdict, worst, &record.reason) {
        (v, Some(actual), _) => format!("{v} [{}]: {actual} (details in the summary below)", record.family.label()),
        (v, None, Some(reason)) => format!("{v}: {reason}"),
        (v, None, None) => v.label().to_string(),
    }
}
