//! A fuzz campaign as the reports see it: one case per finding (and per still-failing
//! replay), one PASS case per endpoint fuzzed without a finding, and one INFO case per
//! endpoint whose answers the harness could not read whole (`--max-body`, nesting).

use super::campaign::{Campaign, Summary};
use super::replay::Replayed;
use super::repro::{self, Reproducer};
use crate::catalogue::case::{Family, ManualRef};
use crate::catalogue::profile::Endpoint;
use crate::check::Finding;
use crate::check::observed::Unread;
use crate::device::Exchange;
use crate::record::{CaseRecord, RunRecord};
use crate::run::engine::Engine;
use crate::verdict::{Level, Verdict};
use std::time::Duration;

/// The run as the reports see it: one case per finding (and per still-failing replay),
/// one PASS case per endpoint fuzzed without a finding.
pub fn run_record(
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
        cases.push(finding_case(family, r, verdict, actual));
    };
    for f in &s.findings {
        record_of(&f.reproducer, f.reproducer.verdict, f.reproducer.minimal.answer.clone());
    }
    for (r, result) in replayed {
        if let Replayed::StillFailing { violation, .. } = result
            && !s.findings.iter().any(|f| f.reproducer.id == r.id)
        {
            record_of(r, violation.verdict, format!("replayed: {}", violation.actual));
        }
    }
    for e in &campaign.endpoints {
        if let Some((n, unread)) = s.unread.get(&e.id) {
            cases.push(unread_case(family, e, *n, s.per_endpoint.get(&e.id).copied().unwrap_or(0), unread));
        }
    }
    for e in &campaign.endpoints {
        let n = s.per_endpoint.get(&e.id).copied().unwrap_or(0);
        if n == 0 || cases.iter().any(|c| c.endpoint.as_deref() == Some(&e.id)) {
            continue;
        }
        cases.push(fuzzed_case(family, e, n));
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

/// The case of one finding (or of one saved reproducer that still fails).
fn finding_case(family: &str, r: &Reproducer, verdict: Verdict, actual: String) -> CaseRecord {
    let ex = |step: &str, saved: &repro::SavedRequest| Exchange {
        step: step.into(),
        request: saved.request.clone(),
        outcome: saved.outcome.clone(),
        elapsed_ms: 0,
    };
    CaseRecord {
        id: format!("{family}.fuzz.{}.{}", r.endpoint, r.oracle.label()),
        title: format!("fuzz {}: {}", r.endpoint, r.oracle.label()),
        family: Family::Input,
        level: if verdict == Verdict::Fail { Level::Must } else { Level::Ambiguous },
        manual: ManualRef { section: r.section.clone(), quote: r.requirement.clone() },
        endpoint: Some(r.endpoint.clone()),
        suite: "fuzz".into(),
        verdict,
        reason: None,
        findings: vec![Finding {
            family: Family::Input,
            verdict,
            section: r.section.clone(),
            requirement: r.requirement.clone(),
            expected: vec!["an HTTP answer below 500 within the timeout, JSON with a documented Status".into()],
            actual,
            step: "fuzz".into(),
            details: r.mutations.clone(),
            errata: vec![],
        }],
        exchanges: vec![ex("first failing request", &r.original), ex("minimal request", &r.minimal)],
        reproducer: Some(r.curl.clone()),
        duration_ms: 0,
    }
}

/// The INFO case of an endpoint that gave `n` of its `total` answers beyond what the
/// harness reads; `first` is the first of them. Never FAIL: the bound is the harness's.
fn unread_case(family: &str, e: &Endpoint, n: u64, total: u64, first: &Unread) -> CaseRecord {
    let requirement = "The manual sets no bound on the size or nesting of an answer; the harness reads at most --max-body bytes of one and parses JSON 128 levels deep (its own limits, not the phone's)";
    CaseRecord {
        id: format!("{family}.fuzz.{}.answer-not-read", e.id),
        title: format!("fuzz {}: answers the harness could not read whole", e.id),
        family: Family::Size,
        level: Level::Silent,
        manual: ManualRef { section: e.section.clone(), quote: requirement.into() },
        endpoint: Some(e.id.clone()),
        suite: "fuzz".into(),
        verdict: Verdict::Info,
        reason: None,
        findings: vec![Finding {
            family: Family::Size,
            verdict: Verdict::Info,
            section: e.section.clone(),
            requirement: requirement.into(),
            expected: vec!["an answer the harness reads whole (raise --max-body to read more)".into()],
            actual: format!("{n} of {total} answers not judged; the first: {}", first.words()),
            step: "fuzz".into(),
            details: vec!["those answers were counted, not judged: no oracle can see past what was read".into()],
            errata: vec![],
        }],
        exchanges: Vec::new(),
        reproducer: None,
        duration_ms: 0,
    }
}

/// The PASS case of an endpoint fuzzed `n` times without a finding.
fn fuzzed_case(family: &str, e: &Endpoint, n: u64) -> CaseRecord {
    CaseRecord {
        id: format!("{family}.fuzz.{}", e.id),
        title: format!("fuzz {}: {n} generated requests", e.id),
        family: Family::Input,
        level: Level::Must,
        manual: ManualRef {
            section: e.section.clone(),
            quote: "no HTTP 5xx, no hang, no reset, a documented Status, mandatory parameters enforced".into(),
        },
        endpoint: Some(e.id.clone()),
        suite: "fuzz".into(),
        verdict: Verdict::Pass,
        reason: None,
        findings: Vec::new(),
        exchanges: Vec::new(),
        reproducer: None,
        duration_ms: 0,
    }
}
