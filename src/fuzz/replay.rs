//! Re-sending saved reproducers: STILL FAILING, FIXED or ERROR.
//!
//! A replay sends the reproducer's *minimal* request and judges the answer with the same
//! oracles as the campaign that found it. It is STILL FAILING when an oracle breaks
//! (noting it when a different one breaks than before), FIXED when none does, ERROR when
//! it cannot be judged: the file does not parse, it belongs to another profile, its
//! endpoint is not in the profile, or the request could not be sent (safely, or at all:
//! the HTTP client refused it).

use super::campaign::Campaign;
use super::oracle::{Oracle, Violation};
use super::repro::Reproducer;
use crate::catalogue::Safety;
use crate::device::Outcome;
use crate::verdict::Verdict;

/// The result of replaying one reproducer.
#[derive(Debug, Clone, PartialEq)]
pub enum Replayed {
    /// An oracle still breaks; `changed` when it is not the one saved.
    StillFailing { violation: Violation, changed: bool },
    /// The answer passes every oracle now.
    Fixed { answer: String },
    /// Could not judge.
    Error(String),
}

impl Replayed {
    pub fn label(&self) -> &'static str {
        match self {
            Replayed::StillFailing { .. } => "STILL FAILING",
            Replayed::Fixed { .. } => "FIXED",
            Replayed::Error(_) => "ERROR",
        }
    }

    /// Whether this replay makes the exit code 1 (a FAIL-level finding still fails).
    pub fn is_failure(&self) -> bool {
        matches!(self, Replayed::StillFailing { violation, .. } if violation.verdict == Verdict::Fail)
    }

    /// One line: `STILL FAILING  mgmt.config-get  server-error: HTTP 500`.
    pub fn line(&self, r: &Reproducer) -> String {
        match self {
            Replayed::StillFailing { violation, changed } => {
                let verdict = if violation.verdict == Verdict::Fail {
                    String::new()
                } else {
                    format!(" ({})", violation.verdict.label())
                };
                let was = if *changed { format!(" (was {})", r.oracle.label()) } else { String::new() };
                format!(
                    "STILL FAILING{verdict}  {}  {}{was}: {}",
                    r.endpoint,
                    violation.oracle.label(),
                    violation.actual
                )
            }
            Replayed::Fixed { answer } => {
                format!("FIXED          {}  {} no longer: {answer}", r.endpoint, r.oracle.label())
            }
            Replayed::Error(why) => format!("ERROR          {}  {why}", r.endpoint),
        }
    }
}

/// Replay one reproducer through `campaign` (its device, profile and restore wrap).
pub async fn replay_one(campaign: &Campaign<'_>, r: &Reproducer) -> Replayed {
    if r.profile != campaign.profile.id {
        return Replayed::Error(format!(
            "the reproducer is for profile `{}`, this replay judges `{}` (hint: add --profile {})",
            r.profile, campaign.profile.id, r.profile
        ));
    }
    let Some(endpoint) = campaign.profile.endpoint(&r.endpoint).cloned() else {
        return Replayed::Error(format!("endpoint `{}` is not in profile `{}`", r.endpoint, r.profile));
    };
    if endpoint.safety.needs_opt_in() {
        return Replayed::Error(format!(
            "`{}` is {}: the fuzzer never sends to it, and a replay does not either",
            endpoint.id,
            endpoint.safety.label()
        ));
    }
    if endpoint.safety == Safety::Mutating && !campaign.endpoints.iter().any(|e| e.id == endpoint.id) {
        return Replayed::Error(format!(
            "`{}` is mutating and was not selected (hint: add --allow-mutating)",
            endpoint.id
        ));
    }
    let request = &r.minimal.request;
    let mut errors = Vec::new();
    let ex = match campaign.send(&endpoint, request, &mut errors).await {
        Ok(ex) => ex,
        Err(why) => return Replayed::Error(format!("not sent: {why}")),
    };
    // The harness's client refused the request: neither fixed nor failing.
    if let Outcome::ClientError { detail } = &ex.outcome {
        return Replayed::Error(format!("not sent: the HTTP client refused the request ({detail})"));
    }
    if let Some(e) = errors.first() {
        return Replayed::Error(e.clone());
    }
    if r.oracle == Oracle::PhoneUnhealthy {
        if campaign.healthy().await {
            return Replayed::Fixed { answer: format!("{}, and device/info still answers", ex.outcome.summary()) };
        }
        campaign.wait_for_recovery().await;
        let violation = Violation {
            oracle: Oracle::PhoneUnhealthy,
            verdict: Verdict::Fail,
            requirement: r.requirement.clone(),
            actual: "device/info stopped answering after this request".into(),
        };
        return Replayed::StillFailing { violation, changed: false };
    }
    let (_, judgement) = campaign.judge(&endpoint, request, &ex.outcome);
    match judgement.violation {
        Some(v) => {
            let changed = v.oracle != r.oracle;
            Replayed::StillFailing { violation: v, changed }
        }
        None => Replayed::Fixed { answer: summary(&ex.outcome) },
    }
}

fn summary(o: &Outcome) -> String {
    o.summary()
}
