//! JUnit XML for CI: one `<testcase>` per case, named by its stable id.
//!
//! FAIL is a `<failure>`, ERROR an `<error>` (the harness could not judge, kept apart so
//! a dead lab never looks like a firmware defect), NOT-TESTED and WAIVED are `<skipped>`
//! with the reason. PASS, INFO and NON-STRICT are successes; their verdict and findings
//! are in `<system-out>` so nothing the run observed is lost. Text goes through the
//! [`Redactor`].

use super::console::case_details;
use super::redact::Redactor;
use crate::record::model::{CaseRecord, RunRecord};
use crate::verdict::Verdict;
use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};
use std::path::Path;
use std::time::Duration;

/// The JUnit XML of a run.
pub fn to_string(record: &RunRecord, redactor: &Redactor) -> Result<String, quick_junit::SerializeError> {
    let mut report = Report::new("polyconform");
    let mut suite = TestSuite::new(format!("{} @ {}", record.profile, record.target));
    suite.set_time(Duration::from_millis(record.duration_ms));
    suite.add_property(Property::new("profile", record.profile.as_str()));
    suite.add_property(Property::new("target", record.target.as_str()));
    suite.add_property(Property::new("strict", record.strict.to_string()));
    if let Some(d) = &record.device {
        for (k, v) in [("model", &d.model), ("firmware", &d.firmware)] {
            if let Some(v) = v {
                suite.add_property(Property::new(k, v.as_str()));
            }
        }
    }
    for c in &record.cases {
        suite.add_test_case(test_case(c, redactor));
    }
    report.add_test_suite(suite);
    report.set_time(Duration::from_millis(record.duration_ms));
    Ok(redactor.redact(&report.to_string()?))
}

/// Write `junit.xml` into `dir`.
pub fn write(record: &RunRecord, dir: &Path, redactor: &Redactor) -> std::io::Result<()> {
    let xml = to_string(record, redactor).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("junit.xml"), xml)
}

/// How a case ends in JUnit terms, whoever writes the XML (this report, the lab's
/// streamed one): FAIL is a failure, ERROR an error, NOT-TESTED and WAIVED skipped, PASS,
/// INFO and NON-STRICT successes. The message is not yet redacted.
#[derive(Debug, Clone, PartialEq)]
pub enum CaseOutcome {
    Success,
    Failure { kind: String, message: String },
    Error { kind: String, message: String },
    Skipped { kind: String, message: String },
}

/// The JUnit outcome of one case, with its headline (the deciding finding, else the
/// reason, else the verdict).
pub fn case_outcome(c: &CaseRecord) -> CaseOutcome {
    let headline = || {
        c.findings
            .iter()
            .find(|f| f.verdict == c.verdict)
            .map(|f| format!("{}: {}", f.requirement, f.actual))
            .or_else(|| c.reason.clone())
            .unwrap_or_else(|| c.verdict.label().to_string())
    };
    match c.verdict {
        Verdict::Fail => CaseOutcome::Failure { kind: "FAIL".into(), message: headline() },
        Verdict::Error => CaseOutcome::Error { kind: "ERROR".into(), message: headline() },
        Verdict::NotTested | Verdict::Waived => CaseOutcome::Skipped {
            kind: c.verdict.label().into(),
            message: c.reason.clone().unwrap_or_else(|| c.verdict.label().into()),
        },
        Verdict::Pass | Verdict::Info | Verdict::NonStrict => CaseOutcome::Success,
    }
}

fn test_case(c: &CaseRecord, redactor: &Redactor) -> TestCase {
    let status = match case_outcome(c) {
        CaseOutcome::Failure { kind, message } => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
            s.set_type(kind).set_message(redactor.redact(&message));
            s
        }
        CaseOutcome::Error { kind, message } => {
            let mut s = TestCaseStatus::non_success(NonSuccessKind::Error);
            s.set_type(kind).set_message(redactor.redact(&message));
            s
        }
        CaseOutcome::Skipped { kind, message } => {
            let mut s = TestCaseStatus::skipped();
            s.set_type(kind).set_message(redactor.redact(&message));
            s
        }
        CaseOutcome::Success => TestCaseStatus::success(),
    };
    let mut tc = TestCase::new(c.id.as_str(), status);
    tc.set_classname(format!("{}.{}", c.family.label(), c.endpoint.as_deref().unwrap_or("general")));
    tc.set_time(Duration::from_millis(c.duration_ms));
    tc.add_property(Property::new("verdict", c.verdict.label()));
    tc.set_system_out(redactor.redact(&case_details(c)));
    tc
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::case::Family;
    use crate::record::model::sample;

    fn case(id: &str, verdict: Verdict) -> CaseRecord {
        let mut c = sample::case(id, Family::Auth, verdict);
        c.endpoint = Some("mgmt.device-info".into());
        c.reason = Some("why".into());
        c.findings[0].actual = "HTTP 200 pw=hunter22".into();
        c
    }

    #[test]
    fn verdicts_map_to_failure_error_skipped_and_success() {
        let record = sample::record(vec![
            case("c.fail", Verdict::Fail),
            case("c.error", Verdict::Error),
            case("c.nt", Verdict::NotTested),
            case("c.pass", Verdict::Pass),
            case("c.info", Verdict::Info),
        ]);
        let xml = to_string(&record, &Redactor::new("Polycom", "hunter22")).unwrap();
        assert!(xml.contains("<failure") && xml.contains("<error") && xml.contains("<skipped"), "{xml}");
        assert_eq!(xml.matches("<testcase").count(), 5, "{xml}");
        assert!(!xml.contains("hunter22"), "{xml}");
        let back = quick_junit::Report::deserialize_from_str(&xml);
        assert!(back.is_ok(), "{back:?}");
    }
}
