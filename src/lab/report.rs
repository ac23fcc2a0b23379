//! The combined report of a lab run: one [`LabReport`] holding every phone's outcome,
//! written as JSON (`lab-report.json`, what `lab merge` reads), JUnit (`lab-junit.xml`,
//! one `<testsuite>` per phone) and HTML (`lab-report.html`, see `lab::matrix`).
//!
//! A phone that could not be judged (down, busy, reserved) is one row with its state and
//! reason, never hundreds of failed cases: BUSY is `<skipped>` in JUnit and INCONCLUSIVE
//! an `<error>`, so a dead lab never looks like a firmware defect. The per-case records
//! in the combined report carry verdicts and findings but not the wire log; each phone's
//! own `report.json` keeps every exchange. All text passes through [`LabRedactor`].
//!
//! The data itself (`LabReport`, `DeviceRun`, ...) is `lab::record` and the masking
//! `lab::redaction`, re-exported here; this file reads, writes and merges reports and
//! calls `lab::junit` and `lab::matrix` for their formats.

pub use super::record::{DeviceRun, DeviceState, FuzzOutcome, KIND, LabReport};
pub use super::redaction::LabRedactor;
use crate::record::model::RunRecord;
use crate::verdict::Conclusion;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

/// File names inside a report directory.
pub const JSON_FILE: &str = "lab-report.json";
pub const JUNIT_FILE: &str = "lab-junit.xml";
pub const HTML_FILE: &str = "lab-report.html";

impl LabReport {
    /// FAILed when a phone FAILed; else could not judge when anything was not judged.
    pub fn conclusion(&self) -> Conclusion {
        if self.devices.iter().any(DeviceRun::failed) {
            Conclusion::Failed
        } else if self.devices.iter().any(DeviceRun::unjudged) || !self.notes.is_empty() {
            Conclusion::CannotJudge
        } else {
            Conclusion::Clean
        }
    }

    /// Read a `lab-report.json`, or the one inside a directory.
    pub fn read(path: &Path) -> Result<LabReport, String> {
        let file: PathBuf = if path.is_dir() { path.join(JSON_FILE) } else { path.to_path_buf() };
        let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read `{}`: {e}", file.display()))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| format!("`{}` is not JSON: {e}", file.display()))?;
        if value.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
            return Err(format!(
                "`{}` is not a lab report (hint: merge the `{JSON_FILE}` of each shard, not a phone's own report.json)",
                file.display()
            ));
        }
        serde_json::from_value(value)
            .map_err(|e| format!("`{}`: {e} (hint: was it written by another polyconform version?)", file.display()))
    }

    /// Write JSON, JUnit and HTML into `dir`.
    ///
    /// JSON and JUnit are streamed a phone at a time: the combined report of hundreds of
    /// phones is never one string in memory (nor one parsed tree).
    pub fn write(&self, dir: &Path, redactor: &LabRedactor) -> std::io::Result<()> {
        std::fs::create_dir_all(dir)?;
        let mut json = std::io::BufWriter::new(std::fs::File::create(dir.join(JSON_FILE))?);
        self.write_json(&mut json, redactor)?;
        json.flush()?;
        let mut xml = std::io::BufWriter::new(std::fs::File::create(dir.join(JUNIT_FILE))?);
        super::junit::write(self, &mut xml, redactor)?;
        xml.flush()?;
        std::fs::write(dir.join(HTML_FILE), redactor.redact(&super::matrix::render(self)))?;
        Ok(())
    }

    /// The JSON report, one phone at a time, each part masked and checked to still be JSON.
    pub fn write_json(&self, out: &mut impl Write, redactor: &LabRedactor) -> std::io::Result<()> {
        let head = LabReport { devices: Vec::new(), ..self.head() };
        let serde_json::Value::Object(fields) = serde_json::to_value(&head).map_err(std::io::Error::other)? else {
            return Err(std::io::Error::other("a lab report serialises to an object"));
        };
        let part = |value: &dyn erased::Json| -> std::io::Result<String> {
            let text = redactor.redact(&value.pretty()?);
            // Masking replaced text inside strings only; prove it before writing.
            serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(std::io::Error::other)?;
            Ok(text)
        };
        out.write_all(b"{")?;
        for (i, (key, value)) in fields.iter().enumerate() {
            out.write_all(if i == 0 { b"\n  " } else { b",\n  " })?;
            out.write_all(serde_json::to_string(key).map_err(std::io::Error::other)?.as_bytes())?;
            out.write_all(b": ")?;
            if key == "devices" {
                out.write_all(b"[")?;
                for (j, d) in self.devices.iter().enumerate() {
                    out.write_all(if j == 0 { b"\n" } else { b",\n" })?;
                    out.write_all(part(d)?.as_bytes())?;
                }
                out.write_all(b"\n  ]")?;
            } else {
                out.write_all(part(value)?.as_bytes())?;
            }
        }
        out.write_all(b"\n}\n")
    }

    /// Everything but the phones.
    fn head(&self) -> LabReport {
        LabReport {
            format_version: self.format_version,
            kind: self.kind.clone(),
            tool_version: self.tool_version.clone(),
            run_id: self.run_id.clone(),
            started_at: self.started_at.clone(),
            duration_ms: self.duration_ms,
            shards: self.shards.clone(),
            suite: self.suite.clone(),
            devices: Vec::new(),
            notes: self.notes.clone(),
        }
    }

    /// JUnit XML as one string (tests and small reports; `write` streams it).
    pub fn junit(&self) -> std::io::Result<String> {
        let mut out = Vec::new();
        super::junit::write(self, &mut out, &LabRedactor::new(std::iter::empty()))?;
        String::from_utf8(out).map_err(std::io::Error::other)
    }
}

/// Pretty JSON of either a phone's record or a header value, behind one signature.
mod erased {
    pub trait Json {
        fn pretty(&self) -> std::io::Result<String>;
    }

    impl<T: serde::Serialize> Json for T {
        fn pretty(&self) -> std::io::Result<String> {
            serde_json::to_string_pretty(self).map_err(std::io::Error::other)
        }
    }
}

/// Combine shard reports: phones from every shard; a phone split over shards by case
/// gets its cases joined into one record.
pub fn merge(reports: Vec<LabReport>) -> LabReport {
    let mut notes = Vec::new();
    let run_ids: std::collections::BTreeSet<&str> = reports.iter().map(|r| r.run_id.as_str()).collect();
    if run_ids.len() > 1 {
        notes.push(format!(
            "merged reports of different runs ({}): history groups shards by --run-id; give every shard the same one",
            run_ids.iter().copied().collect::<Vec<_>>().join(", ")
        ));
    }
    let run_id = run_ids.iter().next().map(|s| s.to_string()).unwrap_or_default();
    let started_at = reports.iter().map(|r| r.started_at.clone()).min().unwrap_or_default();
    let duration_ms = reports.iter().map(|r| r.duration_ms).max().unwrap_or(0);
    let mut shards: Vec<String> = reports.iter().flat_map(|r| r.shards.iter().cloned()).collect();
    shards.sort();
    shards.dedup();
    let suites: std::collections::BTreeSet<&str> = reports.iter().map(|r| r.suite.as_str()).collect();
    let suite = suites.into_iter().collect::<Vec<_>>().join("+");

    let mut order: Vec<String> = Vec::new();
    let mut by_name: BTreeMap<String, Vec<DeviceRun>> = BTreeMap::new();
    for r in &reports {
        notes.extend(r.notes.iter().cloned());
        for d in &r.devices {
            if !by_name.contains_key(&d.name) {
                order.push(d.name.clone());
            }
            by_name.entry(d.name.clone()).or_default().push(d.clone());
        }
    }
    let mut devices = Vec::with_capacity(order.len());
    for name in order {
        let parts = by_name.remove(&name).unwrap_or_default();
        let (d, conflict) = merge_device(parts);
        notes.extend(conflict);
        devices.push(d);
    }
    notes.sort();
    notes.dedup();
    LabReport {
        format_version: 1,
        kind: KIND.into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        run_id,
        started_at,
        duration_ms,
        shards,
        suite,
        devices,
        notes,
    }
}

/// One phone's parts (one per shard that saw it) as one outcome, and a note when two
/// shards reported the same case.
fn merge_device(mut parts: Vec<DeviceRun>) -> (DeviceRun, Option<String>) {
    if parts.len() == 1 {
        return (parts.remove(0), None);
    }
    parts.sort_by(|a, b| a.case_shard.cmp(&b.case_shard));
    let mut out = parts[0].clone();
    let mut conflict = None;
    out.case_shard = None;
    out.duration_ms = parts.iter().map(|p| p.duration_ms).sum();
    out.started_at = parts.iter().map(|p| p.started_at.clone()).min().unwrap_or_default();
    // The worst state wins: a phone judged in one shard but down in another was only partly judged.
    out.state = parts.iter().map(|p| p.state).max().unwrap_or(DeviceState::Completed);
    let reasons: Vec<String> = parts
        .iter()
        .filter_map(|p| p.reason.as_ref().map(|r| format!("{}: {r}", p.case_shard.as_deref().unwrap_or("shard"))))
        .collect();
    out.reason = if reasons.is_empty() { None } else { Some(reasons.join("; ")) };
    out.identity = parts.iter().find_map(|p| p.identity.clone());
    out.notes = parts.iter().flat_map(|p| p.notes.iter().cloned()).collect();
    let mut seen = std::collections::BTreeSet::new();
    let mut record: Option<RunRecord> = None;
    for p in &parts {
        let Some(r) = &p.record else { continue };
        match &mut record {
            None => {
                seen.extend(r.cases.iter().map(|c| c.id.clone()));
                record = Some(r.clone());
            }
            Some(acc) => {
                for c in &r.cases {
                    if seen.insert(c.id.clone()) {
                        acc.cases.push(c.clone());
                    } else {
                        conflict = Some(format!(
                            "phone `{}`: case `{}` is in more than one shard report; the first was kept",
                            out.name, c.id
                        ));
                    }
                }
                acc.duration_ms += r.duration_ms;
                acc.started_at = acc.started_at.clone().min(r.started_at.clone());
                acc.notes.extend(r.notes.iter().cloned());
            }
        }
    }
    if let Some(r) = &mut record {
        r.recount();
    }
    out.record = record;
    out.fuzz = parts.iter().filter_map(|p| p.fuzz.clone()).reduce(|a, b| FuzzOutcome {
        finished: a.finished && b.finished,
        cases: a.cases + b.cases,
        findings: a.findings + b.findings,
        note: a.note.or(b.note),
    });
    (out, conflict)
}

#[cfg(test)]
pub(crate) mod tests {
    pub use super::super::record::sample::{device, report};
    use super::*;
    use crate::catalogue::case::Family;
    use crate::device::Credentials;
    pub use crate::record::model::sample::{case, record};
    use crate::verdict::Verdict;

    #[test]
    fn exit_codes_put_fail_first_then_anything_unjudged() {
        let pass = device("a", DeviceState::Completed, Some(record(vec![case("c1", Family::Auth, Verdict::Pass)])));
        let fail = device("b", DeviceState::Completed, Some(record(vec![case("c1", Family::Auth, Verdict::Fail)])));
        let busy = device("c", DeviceState::Busy, None);
        assert_eq!(report(vec![pass.clone()]).conclusion(), Conclusion::Clean);
        assert_eq!(report(vec![pass.clone(), busy.clone()]).conclusion(), Conclusion::CannotJudge);
        assert_eq!(report(vec![pass.clone(), busy, fail]).conclusion(), Conclusion::Failed);
        let mut unfinished = pass.clone();
        unfinished.fuzz = Some(FuzzOutcome { finished: false, cases: 0, findings: 0, note: Some("not built".into()) });
        assert_eq!(report(vec![unfinished]).conclusion(), Conclusion::CannotJudge);
        let mut noted = report(vec![pass]);
        noted.notes.push("history database unreachable".into());
        assert_eq!(noted.conclusion(), Conclusion::CannotJudge);
    }

    #[test]
    fn junit_has_one_suite_per_phone_and_busy_phones_are_skipped_not_failed() {
        let fail = device(
            "trio-a",
            DeviceState::Completed,
            Some(record(vec![case("c1", Family::Auth, Verdict::Fail), case("c2", Family::Size, Verdict::Pass)])),
        );
        let busy = device("trio-b", DeviceState::Busy, None);
        let down = device("trio-c", DeviceState::Inconclusive, None);
        let xml = report(vec![fail, busy, down]).junit().unwrap();
        assert_eq!(xml.matches("<testsuite ").count(), 3, "{xml}");
        assert_eq!(xml.matches("<failure").count(), 1, "{xml}");
        assert_eq!(xml.matches("<skipped").count(), 1, "{xml}");
        assert_eq!(xml.matches("<error").count(), 1, "{xml}");
        assert!(xml.contains("BUSY: why"), "{xml}");
        assert!(quick_junit::Report::deserialize_from_str(&xml).is_ok());
    }

    #[test]
    fn merging_joins_phones_and_the_case_shards_of_one_phone() {
        let mut a1 =
            device("solo", DeviceState::Completed, Some(record(vec![case("c1", Family::Auth, Verdict::Pass)])));
        a1.case_shard = Some("hash:1/2".into());
        let mut a2 =
            device("solo", DeviceState::Completed, Some(record(vec![case("c2", Family::Size, Verdict::Fail)])));
        a2.case_shard = Some("hash:2/2".into());
        let mut r1 = report(vec![a1, device("other", DeviceState::Busy, None)]);
        r1.shards = vec!["hash:1/2".into()];
        let mut r2 = report(vec![a2]);
        r2.shards = vec!["hash:2/2".into()];
        let merged = merge(vec![r1, r2]);
        assert_eq!(merged.shards, vec!["hash:1/2", "hash:2/2"]);
        assert_eq!(merged.devices.len(), 2);
        let solo = &merged.devices[0];
        assert_eq!(solo.name, "solo");
        assert_eq!(solo.case_shard, None);
        let ids: Vec<&str> = solo.record.as_ref().unwrap().cases.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, vec!["c1", "c2"]);
        assert_eq!(solo.record.as_ref().unwrap().summary["FAIL"], 1);
        assert_eq!(solo.duration_ms, 20);
        assert_eq!(merged.conclusion(), Conclusion::Failed);
        assert!(merged.notes.is_empty(), "{:?}", merged.notes);
    }

    #[test]
    fn merging_reports_of_different_runs_or_duplicate_cases_leaves_a_note() {
        let a = report(vec![device(
            "p",
            DeviceState::Completed,
            Some(record(vec![case("c1", Family::Auth, Verdict::Pass)])),
        )]);
        let mut b = a.clone();
        b.run_id = "nightly-2".into();
        let merged = merge(vec![a, b]);
        assert_eq!(merged.notes.len(), 2, "{:?}", merged.notes);
        assert!(merged.notes.iter().any(|n| n.contains("different runs")));
        assert!(merged.notes.iter().any(|n| n.contains("more than one shard")));
        assert_eq!(merged.devices[0].record.as_ref().unwrap().cases.len(), 1);
    }

    #[test]
    fn reports_round_trip_through_files_and_other_json_is_refused_with_a_hint() {
        let dir = std::env::temp_dir().join(format!("polyconform-labreport-{}", std::process::id()));
        let r = report(vec![device(
            "p",
            DeviceState::Completed,
            Some(record(vec![case("c1", Family::Auth, Verdict::Pass)])),
        )]);
        let creds = Credentials { username: "Polycom".into(), password: "pw-that-leaks".into() };
        let mut leaky = r.clone();
        leaky.devices[0].notes.push("the phone echoed pw-that-leaks".into());
        leaky.write(&dir, &LabRedactor::new([&creds])).unwrap();
        for f in [JSON_FILE, JUNIT_FILE, HTML_FILE] {
            let text = std::fs::read_to_string(dir.join(f)).unwrap();
            assert!(!text.contains("pw-that-leaks"), "{f}: {text}");
        }
        let back = LabReport::read(&dir).unwrap();
        assert_eq!(back.devices[0].record, r.devices[0].record);
        std::fs::write(dir.join("report.json"), "{\"format_version\":1}").unwrap();
        let e = LabReport::read(&dir.join("report.json")).unwrap_err();
        assert!(e.contains("hint: merge the `lab-report.json`"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
