//! `lab-junit.xml`: one `<testsuite>` per phone, written a phone at a time.
//!
//! The mapping is the one of `report::junit` for a single run: FAIL is `<failure>`,
//! ERROR `<error>`, NOT-TESTED and WAIVED `<skipped>`, PASS / INFO / NON-STRICT
//! successes with the verdict as a property. A phone that was not judged is one
//! `lab.health` testcase: `<skipped>` when BUSY, `<error>` when INCONCLUSIVE, so a dead
//! lab never reads as a firmware defect. A fuzz part is one `lab.fuzz` testcase.
//!
//! The XML is written here rather than through quick-junit's in-memory tree because a
//! nightly run of hundreds of phones has tens of thousands of testcases; each phone's
//! part is built, masked and written before the next.

use super::record::{DeviceRun, DeviceState, LabReport};
use super::redaction::LabRedactor;
use crate::report::junit::{CaseOutcome, case_outcome};
use crate::report::markup;
use std::fmt::Write as _;
use std::io::Write;

/// How one testcase ended: the single run's mapping, shared.
type Status = CaseOutcome;

struct Testcase {
    name: String,
    classname: String,
    time_ms: u64,
    verdict: Option<&'static str>,
    status: Status,
}

fn testcases(d: &DeviceRun) -> Vec<Testcase> {
    let mut out = Vec::new();
    if d.state != DeviceState::Completed {
        let message = format!("{}: {}", d.state.label(), d.reason.as_deref().unwrap_or(""));
        let kind = d.state.label().to_string();
        out.push(Testcase {
            name: "lab.health".into(),
            classname: format!("lab.{}", d.name),
            time_ms: 0,
            verdict: None,
            status: if d.state == DeviceState::Busy {
                Status::Skipped { kind, message }
            } else {
                Status::Error { kind, message }
            },
        });
    }
    for c in d.record.iter().flat_map(|r| &r.cases) {
        let status = case_outcome(c);
        out.push(Testcase {
            name: c.id.clone(),
            classname: format!("{}.{}", d.name, c.family.label()),
            time_ms: c.duration_ms,
            verdict: Some(c.verdict.label()),
            status,
        });
    }
    if let Some(f) = &d.fuzz {
        let status = if !f.finished {
            Status::Skipped {
                kind: "UNFINISHED".into(),
                message: f.note.clone().unwrap_or_else(|| "the fuzz part did not run".into()),
            }
        } else if f.findings > 0 {
            Status::Failure {
                kind: "FUZZ".into(),
                message: format!("{} fuzz finding(s) in {} case(s)", f.findings, f.cases),
            }
        } else {
            Status::Success
        };
        out.push(Testcase {
            name: "lab.fuzz".into(),
            classname: format!("lab.{}", d.name),
            time_ms: 0,
            verdict: None,
            status,
        });
    }
    out
}

#[derive(Default, Clone, Copy)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
}

fn counts(cases: &[Testcase]) -> Counts {
    let mut c = Counts { tests: cases.len(), ..Counts::default() };
    for t in cases {
        match t.status {
            Status::Failure { .. } => c.failures += 1,
            Status::Error { .. } => c.errors += 1,
            Status::Skipped { .. } => c.skipped += 1,
            Status::Success => {}
        }
    }
    c
}

/// Write the whole document.
pub fn write(report: &LabReport, out: &mut impl Write, redactor: &LabRedactor) -> std::io::Result<()> {
    let mut total = Counts::default();
    for d in &report.devices {
        let c = counts(&testcases(d));
        total.tests += c.tests;
        total.failures += c.failures;
        total.errors += c.errors;
        total.skipped += c.skipped;
    }
    writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
    writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{}\">",
        markup::attribute(&redactor.redact(&format!("polyconform lab {}", report.run_id))),
        total.tests,
        total.failures,
        total.errors,
        seconds(report.duration_ms)
    )?;
    for d in &report.devices {
        out.write_all(redactor.redact(&suite(d)).as_bytes())?;
    }
    writeln!(out, "</testsuites>")
}

fn suite(d: &DeviceRun) -> String {
    let cases = testcases(d);
    let c = counts(&cases);
    let mut s = String::new();
    let _ = writeln!(
        s,
        "    <testsuite name=\"{}\" tests=\"{}\" disabled=\"0\" errors=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{}\">",
        markup::attribute(&d.name),
        c.tests,
        c.errors,
        c.failures,
        c.skipped,
        seconds(d.duration_ms)
    );
    s.push_str("        <properties>\n");
    let mut props =
        vec![("target", d.target.clone()), ("profile", d.profile.clone()), ("state", d.state.label().to_string())];
    if let Some(id) = &d.identity {
        props.extend(id.model.clone().map(|m| ("model", m)));
        props.extend(id.firmware.clone().map(|f| ("firmware", f)));
    }
    for (k, v) in props {
        let _ = writeln!(s, "            <property name=\"{k}\" value=\"{}\"/>", markup::attribute(&v));
    }
    s.push_str("        </properties>\n");
    for t in &cases {
        let _ = write!(
            s,
            "        <testcase name=\"{}\" classname=\"{}\" time=\"{}\">",
            markup::attribute(&t.name),
            markup::attribute(&t.classname),
            seconds(t.time_ms)
        );
        if let Some(v) = t.verdict {
            let _ = write!(s, "<properties><property name=\"verdict\" value=\"{v}\"/></properties>");
        }
        match &t.status {
            Status::Success => {}
            Status::Failure { kind, message } => {
                let _ = write!(
                    s,
                    "<failure type=\"{}\" message=\"{}\"/>",
                    markup::attribute(kind),
                    markup::attribute(message)
                );
            }
            Status::Error { kind, message } => {
                let _ = write!(
                    s,
                    "<error type=\"{}\" message=\"{}\"/>",
                    markup::attribute(kind),
                    markup::attribute(message)
                );
            }
            Status::Skipped { kind, message } => {
                let _ = write!(
                    s,
                    "<skipped type=\"{}\" message=\"{}\"/>",
                    markup::attribute(kind),
                    markup::attribute(message)
                );
            }
        }
        s.push_str("</testcase>\n");
    }
    s.push_str("    </testsuite>\n");
    s
}

fn seconds(ms: u64) -> String {
    format!("{:.3}", ms as f64 / 1000.0)
}

#[cfg(test)]
mod tests {
    use super::super::record::sample::{device, report};
    use super::*;
    use crate::catalogue::case::Family;
    use crate::record::model::sample::{case, record};
    use crate::verdict::Verdict;

    #[test]
    fn attributes_escape_markup_quotes_newlines_and_control_characters() {
        assert_eq!(markup::attribute("a<b & \"c\"\n\u{1}'"), "a&lt;b &amp; &quot;c&quot;&#10;\u{FFFD}&apos;");
    }

    #[test]
    fn the_document_reads_back_with_counts_per_phone() {
        let mut weird = case("c<3>", Family::Auth, Verdict::Fail);
        weird.findings[0].actual = "HTTP 200 \"quoted\"\n\u{7}".into();
        let a = device(
            "trio-a",
            DeviceState::Completed,
            Some(record(vec![
                weird,
                case("ok", Family::Size, Verdict::Pass),
                case("nt", Family::Flow, Verdict::NotTested),
            ])),
        );
        let xml = report(vec![a, device("down", DeviceState::Inconclusive, None)]).junit().unwrap();
        let back = quick_junit::Report::deserialize_from_str(&xml).unwrap_or_else(|e| panic!("{e:?}\n{xml}"));
        assert_eq!(back.test_suites.len(), 2);
        assert_eq!((back.tests, back.failures, back.errors), (4, 1, 1));
        let a = &back.test_suites[0];
        assert_eq!((a.tests, a.failures, a.errors), (3, 1, 0));
        assert!(xml.contains("skipped=\"1\""), "{xml}");
        assert_eq!(a.test_cases[0].name.as_str(), "c<3>");
    }
}
