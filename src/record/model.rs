//! The record of a finished run: the plain data every reporter reads.
//!
//! The runner fills it; console, JUnit, JSON and HTML only read it. Field names are
//! stable (the JSON report is this type, serialised, and `schemas/report.schema.json`
//! describes it). Exchanges hold no secret: auth is recorded as a mode, not a header.

use crate::catalogue::case::{Family, ManualRef};
use crate::check::Finding;
use crate::device::Exchange;
use crate::verdict::{Level, Verdict};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One run of `polyconform run` (or the conformance part of a lab run).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RunRecord {
    /// Version of the report format.
    pub format_version: u32,
    /// `polyconform` version that produced it.
    pub tool_version: String,
    pub profile: String,
    /// The target base URL (no credentials), or `builtin-emulator`.
    pub target: String,
    /// What the phone says it is (device/info), when the preflight read it.
    #[serde(default)]
    pub device: Option<DeviceIdentity>,
    /// RFC 3339 start time.
    pub started_at: String,
    pub duration_ms: u64,
    /// `--strict` was given.
    pub strict: bool,
    /// Count of cases per verdict label (`PASS`, `FAIL`, ...).
    pub summary: BTreeMap<String, usize>,
    pub cases: Vec<CaseRecord>,
    /// Baseline differences and stale waivers, reported outside any case.
    #[serde(default)]
    pub notes: Vec<String>,
    /// Why the run ended before its cases did (Ctrl-C, a phone that stopped answering):
    /// such a run is never green, whatever its cases say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_early: Option<String>,
}

/// What the phone reported about itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Default)]
pub struct DeviceIdentity {
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub mac: Option<String>,
}

/// The outcome of one case.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CaseRecord {
    /// Stable id, the same in every report and in the trial name.
    pub id: String,
    pub title: String,
    pub family: Family,
    pub level: Level,
    pub manual: ManualRef,
    /// Endpoint id the case is about, if any.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Suite file the case comes from.
    pub suite: String,
    pub verdict: Verdict,
    /// Why NOT-TESTED, ERROR or WAIVED.
    #[serde(default)]
    pub reason: Option<String>,
    /// Every finding, PASS ones included (they show which outcome matched).
    pub findings: Vec<Finding>,
    /// Every request sent for this case, in order, with its outcome.
    pub exchanges: Vec<Exchange>,
    /// curl command reproducing the decisive request (password redacted).
    #[serde(default)]
    pub reproducer: Option<String>,
    pub duration_ms: u64,
}

impl RunRecord {
    /// Recount `summary` from the cases.
    pub fn recount(&mut self) {
        self.summary = BTreeMap::new();
        for v in Verdict::ALL {
            self.summary.insert(v.label().to_string(), 0);
        }
        for c in &self.cases {
            *self.summary.entry(c.verdict.label().to_string()).or_default() += 1;
        }
    }

    /// What the run concluded: FAILed when any case FAILed; otherwise could not judge
    /// when a case is ERROR, the restore failed, the run ended early, or
    /// `finished_cleanly` is false (reports not written, ...); otherwise clean.
    pub fn conclusion(&self, finished_cleanly: bool) -> crate::verdict::Conclusion {
        use crate::verdict::Conclusion;
        let restore_failed = self.notes.iter().any(|n| n.starts_with("RESTORE FAILED"));
        if self.count(Verdict::Fail) > 0 {
            Conclusion::Failed
        } else if self.count(Verdict::Error) > 0 || restore_failed || !finished_cleanly || self.ended_early.is_some() {
            Conclusion::CannotJudge
        } else {
            Conclusion::Clean
        }
    }

    pub fn count(&self, v: Verdict) -> usize {
        self.cases.iter().filter(|c| c.verdict == v).count()
    }
}

/// Records for the unit tests of the report writers and the lab.
#[cfg(test)]
pub(crate) mod sample {
    use super::*;

    pub fn case(id: &str, family: Family, verdict: Verdict) -> CaseRecord {
        CaseRecord {
            id: id.into(),
            title: format!("title of {id}"),
            family,
            level: Level::Must,
            manual: ManualRef { section: "S".into(), quote: "q".into() },
            endpoint: None,
            suite: "suites/x.toml".into(),
            verdict,
            reason: (verdict == Verdict::NotTested).then(|| "no peer".into()),
            findings: vec![Finding {
                family,
                verdict,
                section: "S".into(),
                requirement: "r".into(),
                expected: vec!["HTTP 400".into()],
                actual: "HTTP 200".into(),
                step: "request".into(),
                details: vec![],
                errata: vec![],
            }],
            exchanges: vec![],
            reproducer: None,
            duration_ms: 3,
        }
    }

    pub fn record(cases: Vec<CaseRecord>) -> RunRecord {
        let mut r = RunRecord {
            format_version: 1,
            tool_version: "0".into(),
            profile: "trio-5.9.1".into(),
            target: "http://127.0.0.1:1".into(),
            device: Some(DeviceIdentity {
                model: Some("Trio8800".into()),
                firmware: Some("5.9.1.0001".into()),
                mac: None,
            }),
            started_at: "2026-01-01T00:00:00Z".into(),
            duration_ms: 10,
            strict: false,
            summary: BTreeMap::new(),
            cases,
            notes: vec![],
            ended_early: None,
        };
        r.recount();
        r
    }
}
