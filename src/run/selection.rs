//! Which cases a run reports: the ones libtest ran, and a NOT-TESTED record for each trial
//! the filters ignored (libtest never calls those, but the report must say why).

use super::{outcome, trial};
use crate::catalogue::Case;
use crate::record::CaseRecord;
use libtest_mimic::Arguments;
use std::collections::BTreeMap;

/// The records of the cases the libtest arguments selected, in catalogue order: the
/// ones that ran, and a NOT-TESTED record for each ignored trial (libtest never calls
/// those, but the report must say why they did not run).
pub fn selected_records(
    harness: &Arguments,
    cases: &[Case],
    allow_destructive: bool,
    ran: Vec<CaseRecord>,
) -> Vec<CaseRecord> {
    let mut by_id: BTreeMap<String, CaseRecord> = ran.into_iter().map(|r| (r.id.clone(), r)).collect();
    let probes = trial::listing(cases, allow_destructive);
    let mut out = Vec::new();
    for (case, probe) in cases.iter().zip(&probes) {
        if harness.is_filtered_out(probe) {
            continue;
        }
        match by_id.remove(&case.id) {
            Some(r) => out.push(r),
            None if harness.is_ignored(probe) => {
                let why = outcome::refusal(case, allow_destructive).unwrap_or_else(|| "ignored trial".to_string());
                out.push(outcome::not_tested_record(case, why));
            }
            None => {}
        }
    }
    out
}
