//! The data of a lab run's combined report: [`LabReport`] (every phone of one run, or of
//! several shards merged), [`DeviceRun`] (one phone's outcome), its [`DeviceState`] and
//! [`FuzzOutcome`]. Plain serialisable data, read by `junit`, `matrix`, `history` and
//! `fleet`; writing, reading and merging reports is `lab::report`.

use crate::record::model::{DeviceIdentity, RunRecord};
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What `kind` holds, so `lab merge` refuses a per-phone `report.json` with a hint.
pub const KIND: &str = "polyconform-lab-report";

/// Every phone of one lab run (or of several shards, merged).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct LabReport {
    pub format_version: u32,
    pub kind: String,
    pub tool_version: String,
    /// Shared by the shards of one nightly run (`--run-id`).
    pub run_id: String,
    pub started_at: String,
    pub duration_ms: u64,
    /// Shards this report covers (`hash:1/3`), or `all`.
    pub shards: Vec<String>,
    /// `run`, `fuzz` or `both`.
    pub suite: String,
    pub devices: Vec<DeviceRun>,
    /// Problems outside any phone (history database, merge conflicts).
    #[serde(default)]
    pub notes: Vec<String>,
}

/// Whether a phone was judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceState {
    /// The suites ran (their verdicts say how the phone did).
    Completed,
    /// In use: reserved by another run, or in a call a person placed. Not judged.
    Busy,
    /// Down, unreachable, refusing the credentials, not a Poly API. Not judged.
    Inconclusive,
}

impl DeviceState {
    pub fn label(self) -> &'static str {
        match self {
            DeviceState::Completed => "COMPLETED",
            DeviceState::Busy => "BUSY",
            DeviceState::Inconclusive => "INCONCLUSIVE",
        }
    }
}

/// One phone's outcome in a lab run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DeviceRun {
    /// Inventory name.
    pub name: String,
    pub target: String,
    pub profile: String,
    #[serde(default)]
    pub tags: Vec<String>,
    pub state: DeviceState,
    /// Why BUSY or INCONCLUSIVE.
    #[serde(default)]
    pub reason: Option<String>,
    /// What the phone said it is (model, firmware).
    #[serde(default)]
    pub identity: Option<DeviceIdentity>,
    /// For a single phone split over CI shards: which share of its cases this is.
    #[serde(default)]
    pub case_shard: Option<String>,
    pub started_at: String,
    pub duration_ms: u64,
    /// The conformance run, wire logs left out (they are in the phone's own report.json).
    #[serde(default)]
    pub record: Option<RunRecord>,
    #[serde(default)]
    pub fuzz: Option<FuzzOutcome>,
    /// The phone's own report directory, relative to the combined report.
    #[serde(default)]
    pub report_dir: Option<String>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// The fuzz part of a phone's run.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FuzzOutcome {
    /// False when the fuzz part could not be done (then `note` says why).
    pub finished: bool,
    pub cases: u64,
    pub findings: usize,
    #[serde(default)]
    pub note: Option<String>,
}

impl DeviceRun {
    /// A phone that was not judged.
    pub fn not_judged(
        name: &str,
        target: &str,
        profile: &str,
        tags: &[String],
        state: DeviceState,
        reason: String,
    ) -> DeviceRun {
        DeviceRun {
            name: name.into(),
            target: target.into(),
            profile: profile.into(),
            tags: tags.to_vec(),
            state,
            reason: Some(reason),
            identity: None,
            case_shard: None,
            started_at: crate::record::clock::now_rfc3339(),
            duration_ms: 0,
            record: None,
            fuzz: None,
            report_dir: None,
            notes: Vec::new(),
        }
    }

    pub fn count(&self, v: Verdict) -> usize {
        self.record.as_ref().map(|r| r.count(v)).unwrap_or(0)
    }

    /// Findings that are not PASS, over every case (what the history counts).
    pub fn findings(&self) -> usize {
        self.record
            .as_ref()
            .map(|r| r.cases.iter().flat_map(|c| &c.findings).filter(|f| f.verdict != Verdict::Pass).count())
            .unwrap_or(0)
    }

    /// Whether the phone has a FAIL or a fuzz finding.
    pub fn failed(&self) -> bool {
        self.count(Verdict::Fail) > 0 || self.fuzz.as_ref().is_some_and(|f| f.findings > 0)
    }

    /// Whether something about this phone was not judged (state, ERROR cases, unfinished fuzz).
    pub fn unjudged(&self) -> bool {
        self.state != DeviceState::Completed
            || self.count(Verdict::Error) > 0
            || self.fuzz.as_ref().is_some_and(|f| !f.finished)
    }
}

impl LabReport {
    /// Count of phones per state.
    pub fn states(&self) -> BTreeMap<DeviceState, usize> {
        let mut m = BTreeMap::new();
        for d in &self.devices {
            *m.entry(d.state).or_default() += 1;
        }
        m
    }
}

/// Phones and reports to test with.
#[cfg(test)]
pub(crate) mod sample {
    use super::*;

    pub fn device(name: &str, state: DeviceState, record: Option<RunRecord>) -> DeviceRun {
        let mut d = DeviceRun::not_judged(name, "http://127.0.0.1:1", "trio-5.9.1", &[], state, "why".into());
        if state == DeviceState::Completed {
            d.reason = None;
        }
        d.identity = record.as_ref().and_then(|r| r.device.clone());
        d.record = record;
        d.duration_ms = 10;
        d
    }

    pub fn report(devices: Vec<DeviceRun>) -> LabReport {
        LabReport {
            format_version: 1,
            kind: KIND.into(),
            tool_version: "0".into(),
            run_id: "nightly-1".into(),
            started_at: "2026-01-01T00:00:00Z".into(),
            duration_ms: 20,
            shards: vec!["all".into()],
            suite: "run".into(),
            devices,
            notes: vec![],
        }
    }
}
