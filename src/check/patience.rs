//! The harness's patience: no answer within `--timeout` from a phone that is still busy.
//!
//! The manual sets no bound on how long a request may take ("will be queued for later
//! processing", E52), so a request that outlasts the run's timeout is not a defect by
//! itself. The runner then asks the phone once more (device/info). If that probe is refused
//! as busy (HTTP 403), unanswered, or slow, the phone is still at work: this judge records
//! INFO with the advice to raise `--timeout`. If the probe is answered at once, the phone is
//! idle and never answered the request: the runner judges the timeout as the case says
//! (one request at a time means a phone that serves the probe is not still working on it).

use super::context::Context;
use super::context::erratum_level;
use super::finding::Finding;
use crate::device::Exchange;

/// An answer to the probe within this is "at once": the phone is idle.
pub const PROMPT: std::time::Duration = std::time::Duration::from_secs(1);

/// Whether the probe shows a phone still at work: refused as busy, unanswered or slow.
pub fn still_busy(probe: &Exchange) -> bool {
    match probe.outcome.response() {
        Some(r) => r.status == 403 || u128::from(probe.elapsed_ms) > PROMPT.as_millis(),
        None => true,
    }
}

/// The INFO finding for the requests of a step that outlasted the run's patience.
pub fn finding(ctx: &Context, step: &str, erratum: &str, timed_out: &[&Exchange], probe: &Exchange) -> Finding {
    let after = timed_out
        .iter()
        .map(|e| match e.outcome {
            crate::device::Outcome::Timeout { after_ms } => after_ms,
            _ => e.elapsed_ms,
        })
        .max()
        .unwrap_or(0);
    let n = timed_out.len();
    let what = if n == 1 { "no answer".to_string() } else { format!("{n} requests without an answer") };
    Finding {
        family: ctx.case.spec.family,
        verdict: erratum_level(ctx, erratum).miss(),
        section: "Prerequisite Information".into(),
        requirement: ctx.errata.iter().find(|e| e.id == erratum).map(|e| e.text.clone()).unwrap_or_default(),
        expected: vec!["an answer within the run's --timeout".into()],
        actual: format!(
            "{what} within {after} ms; the phone was still busy (device/info probe: {})",
            probe.outcome.summary()
        ),
        step: step.to_string(),
        details: vec![format!(
            "{erratum}: the manual sets no bound on how long a request may take; raise --timeout to see the answer"
        )],
        errata: vec![erratum.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testkit::*;
    use crate::verdict::Verdict;

    #[test]
    fn a_busy_probe_makes_the_wait_info_an_idle_one_does_not() {
        let mut busy = answered(403, &[], "");
        assert!(still_busy(&busy));
        busy = timeout(2000);
        assert!(still_busy(&busy));
        let mut slow = answered(200, &[], r#"{"Status":"2000"}"#);
        slow.elapsed_ms = 2500;
        assert!(still_busy(&slow), "queued behind the request: still at work");
        let mut idle = answered(200, &[], r#"{"Status":"2000"}"#);
        idle.elapsed_ms = 20;
        assert!(!still_busy(&idle), "answered at once: the request was dropped");

        let w = World::new();
        let t = timeout(2000);
        let f = finding(&w.ctx(), "request", "E48", &[&t], &busy);
        assert_eq!(f.verdict, Verdict::Info);
        assert!(f.actual.starts_with("no answer within 2000 ms; the phone was still busy"), "{}", f.actual);
        assert!(f.details[0].contains("raise --timeout"));
    }
}
