//! The value a comparison of two runs produces: who was compared, and every difference.
//!
//! Field names are stable: `diff.json` is this type, serialised, and
//! `schemas/diff.schema.json` describes it. Side A is the reference (the firmware in the
//! field, the real phone), side B the one held against it (the release candidate, the
//! emulator): "added" means B has something A has not.

use crate::baseline::DiffKind;
use crate::record::model::DeviceIdentity;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Version of the `diff.json` format.
pub const FORMAT_VERSION: u32 = 1;

/// Everything that differs between two runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diff {
    pub format_version: u32,
    /// `polyconform` version that compared the runs.
    pub tool_version: String,
    pub a: Side,
    pub b: Side,
    pub summary: Summary,
    /// Grouped by endpoint (cases without one last), then case, then step.
    pub differences: Vec<Difference>,
}

impl Diff {
    /// Whether the two sides answered alike.
    pub fn is_equal(&self) -> bool {
        self.differences.is_empty()
    }

    /// The differences grouped by endpoint, in order; cases without an endpoint are
    /// under [`NO_ENDPOINT`].
    pub fn by_endpoint(&self) -> Vec<(&str, Vec<&Difference>)> {
        let mut groups: Vec<(&str, Vec<&Difference>)> = Vec::new();
        for d in &self.differences {
            let endpoint = d.endpoint.as_deref().unwrap_or(NO_ENDPOINT);
            match groups.last_mut() {
                Some((e, list)) if *e == endpoint => list.push(d),
                _ => groups.push((endpoint, vec![d])),
            }
        }
        groups
    }
}

/// The group name of differences in cases that name no endpoint.
pub const NO_ENDPOINT: &str = "(no endpoint)";

/// One side of the comparison, as its run record describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Side {
    pub profile: String,
    /// Base URL (no credentials), or `builtin-emulator`.
    pub target: String,
    /// What the phone said it is, when the run read it.
    pub device: Option<DeviceIdentity>,
    pub started_at: String,
    pub duration_ms: u64,
    /// Number of cases the run recorded.
    pub cases: usize,
    /// Cases per verdict label.
    pub verdicts: BTreeMap<String, usize>,
}

/// Counts for the headline.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Cases both runs have (matched by id without the profile prefix).
    pub cases_compared: usize,
    /// Compared cases with at least one difference.
    pub cases_differing: usize,
    pub only_in_a: usize,
    pub only_in_b: usize,
    /// Number of differences per kind (every kind listed, zeros included).
    pub by_kind: BTreeMap<Kind, usize>,
    pub differences: usize,
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    /// The case id without the profile prefix (`callctrl.dial.places-call`): the key the
    /// two runs are matched by.
    pub case: String,
    /// The full ids on each side (`trio.callctrl.dial.places-call`), where present.
    pub case_a: Option<String>,
    pub case_b: Option<String>,
    /// Endpoint id the case is about.
    pub endpoint: Option<String>,
    pub kind: Kind,
    /// The case's step (`request`, `dial`...), for differences in what a step sent back.
    pub step: Option<String>,
    /// `GET /api/v1/mgmt/device/info`: the step's request, query values masked.
    pub request: Option<String>,
    /// For `shape`: added, removed, retyped or new-value (of B against A).
    pub change: Option<DiffKind>,
    /// For `shape`: where in the answer, as a JSON pointer (`[]`: every array element).
    pub pointer: Option<String>,
    /// What side A shows (`PASS`, `HTTP 200, Status "2000"`, `string`, `3 ms`, `absent`...).
    pub a: String,
    /// What side B shows.
    pub b: String,
    /// Context that is not compared (each side's reason or decisive finding for a verdict
    /// change), volatile values masked.
    pub detail: Option<String>,
}

/// What kind of difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// A case only run A has (an endpoint or rule only A's profile has).
    OnlyInA,
    /// A case only run B has.
    OnlyInB,
    /// The case's verdict changed.
    Verdict,
    /// A step was answered on one side and not on the other (reset, timeout, not sent).
    Outcome,
    /// Same step, another HTTP status.
    HttpStatus,
    /// Same step and HTTP status, another API `Status`.
    ApiStatus,
    /// Same step and status, another answer shape (member added, removed, retyped).
    Shape,
    /// One side answered a step at least 5x slower (and 50 ms later) than the other.
    Timing,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::OnlyInA,
        Kind::OnlyInB,
        Kind::Verdict,
        Kind::Outcome,
        Kind::HttpStatus,
        Kind::ApiStatus,
        Kind::Shape,
        Kind::Timing,
    ];

    /// The label reports show.
    pub fn label(self) -> &'static str {
        match self {
            Kind::OnlyInA => "only in A",
            Kind::OnlyInB => "only in B",
            Kind::Verdict => "verdict",
            Kind::Outcome => "outcome",
            Kind::HttpStatus => "HTTP status",
            Kind::ApiStatus => "API Status",
            Kind::Shape => "shape",
            Kind::Timing => "timing",
        }
    }
}
