//! The console summary printed after the libtest-style progress lines.
//!
//! libtest-mimic prints one `ok`/`FAILED` line per case; this adds what libtest cannot:
//! a table of the verdicts, and for every FAIL the manual's requirement with its section,
//! every acceptable outcome, what the phone did, and a curl line to reproduce it. ERRORs
//! (the harness could not judge) and NOT-TESTED reasons are listed apart so they are
//! never mistaken for firmware defects. Everything passes through the [`Redactor`].

use super::redact::Redactor;
use crate::check::Finding;
use crate::record::model::{CaseRecord, RunRecord};
use crate::verdict::Verdict;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Longest request body the console prints inside a curl line.
const REPRO_BODY_MAX: usize = 400;

/// The whole summary: header, table, FAIL details, ERRORs, NOT-TESTED reasons.
pub fn summary(record: &RunRecord, redactor: &Redactor) -> String {
    let mut out = String::new();
    let device = record
        .device
        .as_ref()
        .map(|d| {
            format!(
                " ({})",
                [d.model.as_deref(), d.firmware.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" ")
            )
        })
        .filter(|s| s != " ()")
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "\npolyconform {}: profile {} against {}{device}, {} case(s) in {:.1} s{}",
        record.tool_version,
        record.profile,
        record.target,
        record.cases.len(),
        record.duration_ms as f64 / 1000.0,
        if record.strict { ", --strict" } else { "" }
    );
    for v in Verdict::ALL {
        let n = record.count(v);
        let _ = writeln!(out, "  {:<11} {n:>5}", v.label());
    }

    let fails: Vec<&CaseRecord> = record.cases.iter().filter(|c| c.verdict == Verdict::Fail).collect();
    if !fails.is_empty() {
        let _ = writeln!(out, "\nFAIL ({}): the manual is explicit and the phone contradicts it", fails.len());
        for c in fails {
            out.push('\n');
            out.push_str(&case_details(c));
        }
    }

    let errors: Vec<&CaseRecord> = record.cases.iter().filter(|c| c.verdict == Verdict::Error).collect();
    if !errors.is_empty() {
        let _ = writeln!(
            out,
            "\nERROR ({}): the harness could not judge these cases (not a verdict about the phone)",
            errors.len()
        );
        for c in errors {
            let _ = writeln!(out, "  {}: {}", c.id, c.reason.as_deref().unwrap_or("no reason recorded"));
        }
    }

    let non_strict: Vec<&CaseRecord> = record.cases.iter().filter(|c| c.verdict == Verdict::NonStrict).collect();
    if !non_strict.is_empty() {
        let _ = writeln!(
            out,
            "\nNON-STRICT ({}): the manual is ambiguous and the phone took the other reading (--strict makes these FAIL)",
            non_strict.len()
        );
        for c in non_strict {
            let actual = worst(c).map(|f| f.actual.as_str()).unwrap_or("");
            let _ = writeln!(out, "  {}: {actual}", c.id);
        }
    }

    let mut reasons: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for c in record.cases.iter().filter(|c| c.verdict == Verdict::NotTested) {
        reasons.entry(c.reason.as_deref().unwrap_or("no reason recorded")).or_default().push(&c.id);
    }
    if !reasons.is_empty() {
        let _ = writeln!(out, "\nNOT-TESTED ({}):", record.count(Verdict::NotTested));
        for (why, ids) in reasons {
            let shown: Vec<&str> = ids.iter().take(3).copied().collect();
            let more = if ids.len() > 3 { format!(" and {} more", ids.len() - 3) } else { String::new() };
            let _ = writeln!(out, "  {} case(s): {why}\n    {}{more}", ids.len(), shown.join(", "));
        }
    }

    for note in &record.notes {
        let _ = writeln!(out, "\nnote: {note}");
    }
    if let Some(why) = &record.ended_early {
        let _ = writeln!(out, "\nENDED EARLY: {why}");
    }
    redactor.redact(&out)
}

/// Everything a reader needs about one case: the failing findings with requirement,
/// expected outcomes and actual, then the reproducer. Used by the console and JUnit.
pub fn case_details(c: &CaseRecord) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} {}  [{}]  {}", c.verdict.label(), c.id, c.family.label(), c.suite);
    let _ = writeln!(out, "  title        {}", c.title);
    if let Some(reason) = &c.reason {
        let _ = writeln!(out, "  reason       {reason}");
    }
    let shown: Vec<&Finding> = c.findings.iter().filter(|f| f.verdict == c.verdict).collect();
    let shown =
        if shown.is_empty() { c.findings.iter().filter(|f| f.verdict != Verdict::Pass).collect() } else { shown };
    for f in shown {
        let _ = writeln!(out, "  finding      {} [{}] in step `{}`", f.verdict.label(), f.family.label(), f.step);
        let _ = writeln!(out, "  requirement  {}: \"{}\"", f.section, f.requirement);
        match f.expected.len() {
            0 => {}
            1 => {
                let _ = writeln!(out, "  expected     {}", f.expected[0]);
            }
            _ => {
                let _ = writeln!(out, "  expected     one of:");
                for e in &f.expected {
                    let _ = writeln!(out, "                 - {e}");
                }
            }
        }
        let _ = writeln!(out, "  actual       {}", f.actual);
        for d in &f.details {
            let _ = writeln!(out, "  detail       {d}");
        }
    }
    if let Some(repro) = &c.reproducer {
        let _ = writeln!(out, "  reproduce    {}", super::curl::abbreviate(repro, REPRO_BODY_MAX));
    }
    out
}

/// The finding that decided the case.
fn worst(c: &CaseRecord) -> Option<&Finding> {
    c.findings.iter().max_by_key(|f| f.verdict.severity())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::case::{Family, ManualRef};
    use crate::record::model::CaseRecord;
    use crate::record::model::sample;
    use crate::verdict::Level;

    fn case(id: &str, verdict: Verdict, actual: &str) -> CaseRecord {
        CaseRecord {
            id: id.into(),
            title: "t".into(),
            family: Family::Size,
            level: Level::Must,
            manual: ManualRef { section: "Prerequisite Information".into(), quote: "q".into() },
            endpoint: None,
            suite: "suites/size.toml".into(),
            verdict,
            reason: if verdict == Verdict::NotTested { Some("needs --allow-destructive".into()) } else { None },
            findings: vec![Finding {
                family: Family::Size,
                verdict,
                section: "Prerequisite Information".into(),
                requirement: "bodies over 20 KB get 413".into(),
                expected: vec!["HTTP 413".into(), "no answer".into()],
                actual: actual.into(),
                step: "request".into(),
                details: vec![],
                errata: vec![],
            }],
            exchanges: vec![],
            reproducer: Some("curl -u \"Polycom:$POLYCONFORM_PASSWORD\" http://x".into()),
            duration_ms: 3,
        }
    }

    #[test]
    fn fails_show_requirement_every_expected_outcome_actual_and_reproducer() {
        let record = sample::record(vec![
            case("a.pass", Verdict::Pass, "HTTP 413"),
            case("a.fail", Verdict::Fail, "HTTP 200, Status \"2000\" secret"),
            case("a.nt", Verdict::NotTested, ""),
        ]);
        let text = summary(&record, &Redactor::new("Polycom", "secret"));
        assert!(text.contains("FAIL a.fail"), "{text}");
        assert!(text.contains("Prerequisite Information: \"bodies over 20 KB get 413\""), "{text}");
        assert!(text.contains("- HTTP 413") && text.contains("- no answer"), "{text}");
        assert!(text.contains("actual       HTTP 200, Status \"2000\" [REDACTED]"), "{text}");
        assert!(text.contains("reproduce    curl"), "{text}");
        assert!(text.contains("1 case(s): needs --allow-destructive"), "{text}");
        assert!(!text.contains("FAIL a.pass"), "{text}");
        assert!(!text.contains("secret"), "{text}");
    }
}
