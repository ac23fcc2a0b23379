//! Step labels of the harness's own requests.
//!
//! Every request the engine sends for a case is kept in the case's wire log; requests of
//! the harness's own bookkeeping carry a step name starting with [`SETUP`] or [`CLEANUP`]
//! so readers (reports, reproducers, the destructive-request watch) can tell them from
//! the case's steps.

use crate::device::Exchange;

/// Step-name prefix of requests the harness sends to set a case up.
pub const SETUP: &str = "setup: ";
/// Step-name prefix of requests the harness sends to put the phone back.
pub const CLEANUP: &str = "cleanup: ";

/// Whether an exchange belongs to one of the case's own steps (not setup or cleanup).
pub fn is_case_step(ex: &Exchange) -> bool {
    !ex.step.starts_with(SETUP) && !ex.step.starts_with(CLEANUP)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Outcome, WireRequest};

    #[test]
    fn setup_and_cleanup_requests_are_told_apart_from_steps() {
        let mut ex = Exchange {
            step: "s".into(),
            request: WireRequest::get("/"),
            outcome: Outcome::Timeout { after_ms: 1 },
            elapsed_ms: 1,
        };
        assert!(is_case_step(&ex));
        ex.step = format!("{SETUP}no-call");
        assert!(!is_case_step(&ex));
        ex.step = format!("{CLEANUP}end calls");
        assert!(!is_case_step(&ex));
    }
}
