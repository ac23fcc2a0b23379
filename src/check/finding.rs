//! A finding: one rule, judged on one exchange, citing the manual.

use crate::catalogue::case::Family;
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};

/// What one check concluded. Every non-PASS finding carries the requirement with its
/// manual section, every acceptable outcome, and what actually happened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Rule family that judged (`content-type`, `schema`, ...).
    pub family: Family,
    pub verdict: Verdict,
    /// Manual section (`Management.GetConfig`, `Prerequisite Information`).
    pub section: String,
    /// The sentence of the manual enforced.
    pub requirement: String,
    /// Every acceptable outcome, each as one line.
    pub expected: Vec<String>,
    /// What the phone did, one line.
    pub actual: String,
    /// Step of the case the exchange belongs to.
    pub step: String,
    /// Extra detail: schema violations, the errata decision applied...
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// Errata (`E48`) whose decision graded this finding: a phone that took a reading of
    /// the manual the harness does not prefer is told which decision let it pass.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errata: Vec<String>,
}
