//! How one case ends: judged by the checks, not tested (with the reason), or stopped by
//! a harness fault, and the [`CaseRecord`] each of those becomes.
//!
//! A device that resets, hangs or answers nonsense is *judged* (its findings decide the
//! verdict); only the harness failing at its own job is a [`HarnessFault`], which makes
//! the case ERROR. The two never convert into each other: a [`HarnessFault`] is not a
//! finding, and a finding is never an ERROR.

use crate::catalogue::Case;
use crate::check::Finding;
use crate::device::Exchange;
use crate::record::model::CaseRecord;
use crate::verdict::Verdict;

/// The harness could not do its part of a case. Never a statement about the device.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum HarnessFault {
    /// The request of a step could not be built from the suite (e.g. no endpoint and no path).
    #[error("cannot build the request of step `{step}`: {detail}")]
    Request { step: String, detail: String },
    /// A step passed but the value it must capture for later steps is not in the answer.
    #[error(
        "step `{step}` passed but its answer has nothing at `{pointer}` to capture as `{name}` (hint: the suite should assert that the value exists)"
    )]
    Capture { step: String, name: String, pointer: String },
    /// The checks produced no finding for a step: nothing was judged.
    #[error("the checks produced no finding for step `{step}` (hint: every step needs at least one `[[case.expect]]`)")]
    Unjudged { step: String },
    /// Putting the phone back as it was failed; the phone may be left changed.
    #[error("RESTORE FAILED, the phone may be left changed: {0}")]
    Restore(String),
}

/// Why a case could not be set up.
#[derive(Debug, Clone, PartialEq)]
pub enum SetupError {
    /// The phone or the lab cannot provide the state: NOT-TESTED with this reason.
    NotTested(String),
    /// The harness failed at its own job: ERROR.
    Fault(HarnessFault),
}

/// Why a case ran no (or not all of its) steps, in words a lab engineer can act on.
#[derive(Debug, Clone, PartialEq)]
pub struct NotTested(pub String);

/// What running one case produced, before it becomes a record.
#[derive(Debug, Clone, Default)]
pub struct CaseRun {
    pub findings: Vec<Finding>,
    pub exchanges: Vec<Exchange>,
    pub not_tested: Option<NotTested>,
    pub faults: Vec<HarnessFault>,
    /// Extra words for the reason line (steps skipped after a failing step...).
    pub notes: Vec<String>,
}

impl CaseRun {
    /// The case's verdict: ERROR for a harness fault, NOT-TESTED when it could not run,
    /// otherwise the worst finding (with `--strict` reading NON-STRICT as FAIL).
    pub fn verdict(&self, strict: bool) -> Verdict {
        if !self.faults.is_empty() {
            return Verdict::Error;
        }
        if self.findings.is_empty() {
            // Nothing was judged: the case is NOT-TESTED (with its reason) or, when it
            // ran no step at all without saying why, the harness failed.
            return if self.not_tested.is_some() { Verdict::NotTested } else { Verdict::Error };
        }
        let judged = crate::check::verdict_of(&self.findings).strict(strict);
        // A later step that could not be set up never hides an earlier FAIL.
        if self.not_tested.is_some() { judged.worst(Verdict::NotTested) } else { judged }
    }
}

/// Turn a finished run of a case into its record.
pub fn record(case: &Case, mut run: CaseRun, strict: bool, reproducer: Option<String>, duration_ms: u64) -> CaseRecord {
    let verdict = run.verdict(strict);
    if strict {
        for f in &mut run.findings {
            f.verdict = f.verdict.strict(true);
        }
    }
    let mut reasons: Vec<String> = run.faults.iter().map(|f| f.to_string()).collect();
    if let Some(NotTested(why)) = &run.not_tested {
        reasons.push(why.clone());
    }
    reasons.extend(run.notes.iter().cloned());
    // Judged already: from here on the record keeps only the first bytes of large answers.
    crate::record::bodies::keep_all(&mut run.exchanges);
    CaseRecord {
        id: case.id.clone(),
        title: case.spec.title.clone(),
        family: case.spec.family,
        level: case.spec.level,
        manual: case.spec.manual.clone(),
        endpoint: case.endpoint.as_ref().map(|e| e.id.clone()),
        suite: case.suite.display().to_string(),
        verdict,
        reason: if reasons.is_empty() { None } else { Some(reasons.join("; ")) },
        findings: run.findings,
        exchanges: run.exchanges,
        reproducer,
        duration_ms,
    }
}

/// The record of a case that was never started (not opted in, declared NOT-TESTED).
pub fn not_tested_record(case: &Case, reason: impl Into<String>) -> CaseRecord {
    let run = CaseRun { not_tested: Some(NotTested(reason.into())), ..CaseRun::default() };
    record(case, run, false, None, 0)
}

/// Why a case may not be started at all, checked before any request: the suite declares
/// it NOT-TESTED, or it calls a destructive endpoint the run was not opted in to.
pub fn refusal(case: &Case, allow_destructive: bool) -> Option<String> {
    if let Some(why) = &case.spec.not_tested {
        return Some(why.clone());
    }
    if !allow_destructive && needs_opt_in(case) {
        return Some(NEEDS_OPT_IN.to_string());
    }
    None
}

/// The NOT-TESTED reason of a destructive case in a run without `--allow-destructive`.
pub const NEEDS_OPT_IN: &str = "needs --allow-destructive (the case reboots, resets or signs the phone in or out)";

/// Whether the case calls a destructive or session-breaking endpoint, or asks for the opt-in.
pub fn needs_opt_in(case: &Case) -> bool {
    case.safety.needs_opt_in() || case.spec.requires.contains(&crate::catalogue::case::Precondition::AllowDestructive)
}
