//! Parallel requests: "Parallel processing is not allowed. If one API is being processed and
//! another API is received by the phone, the second request will receive an HTTP 403 error
//! or will be queued for later processing."
//!
//! The manual names exactly two acceptable fates for the second request, so a 5xx, a reset
//! connection or no answer at all among N simultaneous requests is FAIL whatever the case's
//! level. Each answer is otherwise judged on its own by the step's outcomes.

use super::context::Context;
use super::finding::Finding;
use super::observed::Observed;
use super::outcome;
use crate::catalogue::case::{Family, Step};
use crate::device::exchange::Outcome;
use crate::verdict::Verdict;

pub const SECTION: &str = "Prerequisite Information";
pub const REQUIREMENT: &str = "Parallel processing is not allowed. If one API is being processed and another API is received by the phone, \
     the second request will receive an HTTP 403 error or will be queued for later processing.";

/// Whether the step sent its requests at the same moment.
pub fn is_parallel(step: &Step, observed: &[Observed]) -> bool {
    observed.len() > 1 || step.request.concurrency.is_some_and(|n| n > 1)
}

/// Whether this fate of a parallel request contradicts the manual.
fn forbidden(outcome: &Outcome) -> bool {
    match outcome {
        Outcome::Answered(r) => r.status >= 500,
        Outcome::Reset { .. } | Outcome::Timeout { .. } => true,
        // The harness's own failure says nothing about the phone.
        Outcome::ClientError { .. } => false,
    }
}

/// The parallel rule over all exchanges of a concurrent step: one finding naming every
/// forbidden fate.
pub fn implicit(_ctx: &Context, step: &Step, observed: &[Observed]) -> Vec<Finding> {
    if !is_parallel(step, observed) {
        return vec![];
    }
    let n = observed.len();
    let bad: Vec<(usize, String)> = observed
        .iter()
        .enumerate()
        .filter(|(_, o)| forbidden(&o.exchange.outcome))
        .map(|(i, o)| (i + 1, o.actual()))
        .collect();
    if bad.is_empty() {
        return vec![];
    }
    vec![Finding {
        family: Family::Parallel,
        verdict: Verdict::Fail,
        section: SECTION.into(),
        requirement: REQUIREMENT.into(),
        expected: vec!["every request answered normally, or HTTP 403, or queued and answered later".into()],
        actual: format!("{} of {n} parallel requests: {}", bad.len(), outcome::tally(bad.iter().map(|(_, a)| a.as_str()))),
        step: step.name.clone(),
        details: bad
            .iter()
            .map(|(i, a)| format!("request {i} of {n}: {a}"))
            .chain(std::iter::once("erratum E09: HTTP 403 and queueing both pass; a 5xx, a dropped connection or a timeout is neither reading".to_string()))
            .collect(),
        errata: vec!["E09".into()],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testkit::*;

    fn parallel_step() -> Step {
        let mut s = step_with(vec![expect_http(&[200, 403])]);
        s.request.concurrency = Some(3);
        s
    }

    #[test]
    fn answers_and_403s_pass() {
        let w = World::new();
        let ok = answered(200, &[], r#"{"Status":"2000"}"#);
        let busy = answered(403, &[], "");
        let obs = [Observed::new(&ok), Observed::new(&busy), Observed::new(&busy)];
        assert!(implicit(&w.ctx(), &parallel_step(), &obs).is_empty());
    }

    #[test]
    fn a_500_or_a_reset_among_them_fails_citing_the_prerequisite() {
        let w = World::with_level(crate::verdict::Level::Ambiguous);
        let ok = answered(200, &[], r#"{"Status":"2000"}"#);
        let err = answered(500, &[], "");
        let dropped = reset("");
        let obs = [Observed::new(&ok), Observed::new(&err), Observed::new(&dropped)];
        let f = implicit(&w.ctx(), &parallel_step(), &obs);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict, Verdict::Fail, "the manual names the two acceptable fates: explicit");
        assert_eq!(f[0].section, "Prerequisite Information");
        assert_eq!(f[0].actual, "2 of 3 parallel requests: HTTP 500; connection reset");
        assert_eq!(f[0].details[..2], ["request 2 of 3: HTTP 500", "request 3 of 3: connection reset"]);
        assert!(f[0].details[2].starts_with("erratum E09"));
    }

    #[test]
    fn a_single_request_is_not_judged_by_this_rule() {
        let w = World::new();
        let err = answered(500, &[], "");
        assert!(implicit(&w.ctx(), &step_with(vec![expect_http(&[200])]), &[Observed::new(&err)]).is_empty());
    }
}
