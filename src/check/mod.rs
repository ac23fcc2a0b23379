//! The judges: one file per rule family, pure functions over recorded exchanges.
//!
//! Checks never send a request and never sleep: given what a step asked for and what came
//! back, they return [`Finding`]s that cite the manual. Two kinds of finding come out of
//! [`judge_step`]:
//!
//! 1. **Explicit**: the step's `[[expect]]` outcomes (see [`outcome`]). One finding per
//!    step, in the case's family, citing the case's manual sentence.
//! 2. **Implicit**: rules the manual states for every endpoint, checked on every answer to a
//!    well-formed request without a suite author having to write them (see [`implicit`]):
//!    the answer is JSON with a JSON media type, carries a documented `Status`, and matches
//!    the endpoint's schema; parallel requests are never answered with 5xx or a reset;
//!    credentials are never optional.
//!
//! The verdict of each finding follows the manual's certainty: FAIL only where the manual
//! is explicit, NON-STRICT where it is ambiguous, INFO where it is silent. `--strict` is
//! the runner's business (it maps NON-STRICT to FAIL via [`Verdict::strict`]).

pub mod api_status;
pub mod auth;
pub mod content_type;
pub mod finding;
pub mod implicit;
pub mod json;
pub mod outcome;
pub mod parallel;
pub mod schema;
pub mod status;

pub use finding::Finding;

use crate::device::exchange::{Exchange, WireResponse};
use crate::spec::case::{Expect, Step};
use crate::spec::catalogue::Case;
use crate::spec::profile::{Endpoint, Profile};
use crate::spec::schema::SchemaSet;
use crate::verdict::Verdict;
use serde_json::Value;
use std::collections::BTreeMap;

/// Everything a judge may read besides the exchanges themselves.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    pub profile: &'a Profile,
    pub schemas: &'a SchemaSet,
    pub case: &'a Case,
    /// Endpoint of this step (step.endpoint, else the case's endpoint); None for unknown paths.
    pub endpoint: Option<&'a Endpoint>,
    /// Captured values (`{{call_ref}}`...) for JsonAssert pointers/values.
    pub vars: &'a BTreeMap<String, String>,
}

/// Judge one step: `exchanges` has one element, or N for a `concurrency = N` step (each
/// judged on its own). Returns the finding of the explicit outcomes followed by the
/// implicit findings of each answered exchange. Never panics on any input.
pub fn judge_step(ctx: &Context, step: &Step, exchanges: &[Exchange]) -> Vec<Finding> {
    if exchanges.is_empty() {
        return vec![Finding {
            family: ctx.case.spec.family,
            verdict: Verdict::Error,
            section: ctx.case.spec.manual.section.clone(),
            requirement: ctx.case.spec.manual.quote.clone(),
            expected: expected_lines(ctx, step),
            actual: "no request was recorded for this step".into(),
            step: step.name.clone(),
            details: vec!["the harness sent nothing, so the device cannot be judged".into()],
        }];
    }
    let observed: Vec<Observed> = exchanges.iter().map(Observed::new).collect();
    let explicit = outcome::judge(ctx, step, &observed);
    let mut findings = implicit::judge(ctx, step, &observed);
    // One defect, one FAIL: when the suite's own outcome already fails in the same family
    // (say an auth case answered 200 without credentials), the generic rule would only
    // repeat it.
    if explicit.verdict == Verdict::Fail {
        findings.retain(|f| f.family != explicit.family);
    }
    findings.insert(0, explicit);
    findings
}

/// Whether an outcome with verdict Pass matched every exchange (used by the runner to poll
/// `poll_ms` steps).
pub fn step_passes(ctx: &Context, step: &Step, exchanges: &[Exchange]) -> bool {
    !exchanges.is_empty()
        && exchanges.iter().all(|ex| {
            let obs = Observed::new(ex);
            step.expect.iter().filter(|x| x.verdict == Verdict::Pass).any(|x| matches!(outcome::evaluate(ctx, x, &obs), outcome::Evaluation::Match))
        })
}

/// The case verdict: the worst finding (Pass when none).
pub fn verdict_of(findings: &[Finding]) -> Verdict {
    findings.iter().fold(Verdict::Pass, |acc, f| acc.worst(f.verdict))
}

/// Describe an outcome in one line for reports: `HTTP 200 and Status "4009"`, `HTTP not 413`, ...
pub fn describe(expect: &Expect) -> String {
    outcome::describe_with(expect, &BTreeMap::new())
}

/// Every outcome of the step in words, graded ones marked with the verdict they earn.
fn expected_lines(ctx: &Context, step: &Step) -> Vec<String> {
    step.expect.iter().map(|x| outcome::expected_line(x, ctx.vars)).collect()
}

/// One exchange with its body parsed once, shared by every judge.
#[derive(Debug)]
pub struct Observed<'a> {
    pub exchange: &'a Exchange,
    /// The HTTP answer, when one arrived.
    pub response: Option<&'a WireResponse>,
    /// The answer's body as JSON, when it is JSON.
    pub json: Option<Value>,
}

impl<'a> Observed<'a> {
    pub fn new(exchange: &'a Exchange) -> Observed<'a> {
        let response = exchange.outcome.response();
        let json = response.and_then(|r| serde_json::from_slice::<Value>(&r.body).ok());
        Observed { exchange, response, json }
    }

    /// What happened, one line: `HTTP 200, Status "2000"`, `HTTP 401`, `connection reset`,
    /// `no answer within 10000 ms`, `HTTP 200, body is not JSON: <html>...`.
    pub fn actual(&self) -> String {
        status::observed_line(self)
    }
}

/// At most `max` characters of a body or message, on one line, for reports.
pub(crate) fn snippet(text: &str, max: usize) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let trimmed = one_line.trim();
    let mut out: String = trimmed.chars().take(max).collect();
    if trimmed.chars().count() > max {
        out.push_str("...");
    }
    out
}

#[cfg(test)]
pub(crate) mod testkit;
