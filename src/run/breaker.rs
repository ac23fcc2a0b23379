//! The circuit breaker: a phone that stops answering must not cost cases × timeout.
//!
//! A case whose every request got no HTTP answer at all (timeout, reset, refused) is
//! "silent". After [`SILENT_CASES`] silent cases in a row the engine asks the phone once
//! more (device/info); if that is unanswered too, the breaker trips: every later case is
//! NOT-TESTED with "the phone stopped answering at case X", and the run ends in bounded
//! time. A case with any answer (even a 500, or the reboot a case asked for) resets the
//! count, so a phone that hangs on one malformed request but answers the next is judged
//! case by case, as before.

use crate::device::{Exchange, Outcome};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

/// Silent cases in a row before the phone is probed.
pub const SILENT_CASES: u32 = 3;

/// Counts silent cases; remembers why it tripped.
#[derive(Debug, Default)]
pub struct Breaker {
    silent: AtomicU32,
    tripped: Mutex<Option<String>>,
}

impl Breaker {
    /// Why the run stopped sending, once tripped.
    pub fn tripped(&self) -> Option<String> {
        self.tripped.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Count one finished case; true when the phone should be probed now.
    pub fn observe(&self, exchanges: &[Exchange]) -> bool {
        // The harness's own client errors say nothing about the phone either way.
        let answered = exchanges.iter().any(|ex| matches!(ex.outcome, Outcome::Answered(_)));
        let unanswered =
            exchanges.iter().any(|ex| matches!(ex.outcome, Outcome::Reset { .. } | Outcome::Timeout { .. }));
        let silent = unanswered && !answered;
        if !silent {
            self.silent.store(0, Ordering::Relaxed);
            return false;
        }
        self.silent.fetch_add(1, Ordering::Relaxed) + 1 >= SILENT_CASES
    }

    /// The probe was answered: the phone is back, counting starts again.
    pub fn answered(&self) {
        self.silent.store(0, Ordering::Relaxed);
    }

    /// The probe was not answered either: stop sending, for this reason.
    pub fn trip(&self, case: &str, probe: &str) {
        let mut tripped = self.tripped.lock().unwrap_or_else(|p| p.into_inner());
        if tripped.is_none() {
            *tripped = Some(format!(
                "the phone stopped answering at case {case}: {SILENT_CASES} cases in a row got no answer and device/info did not answer either ({probe}); the remaining cases were not sent (hint: check the phone, then run again)"
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{WireRequest, WireResponse};

    fn ex(answered: bool) -> Exchange {
        let outcome = if answered {
            Outcome::Answered(WireResponse::new(500, vec![], vec![]))
        } else {
            Outcome::Timeout { after_ms: 10 }
        };
        Exchange { step: "s".into(), request: WireRequest::get("/x"), outcome, elapsed_ms: 0 }
    }

    #[test]
    fn three_silent_cases_in_a_row_ask_for_a_probe_and_any_answer_resets() {
        let b = Breaker::default();
        assert!(!b.observe(&[ex(false), ex(false)]));
        assert!(!b.observe(&[ex(false)]));
        // An answer in between (even a 500) starts the count again.
        assert!(!b.observe(&[ex(false), ex(true)]));
        assert!(!b.observe(&[ex(false)]));
        assert!(!b.observe(&[ex(false)]));
        assert!(b.observe(&[ex(false)]));
        // A case that sent nothing (refused before any request) or that the harness could
        // not send says nothing about the phone.
        b.answered();
        assert!(!b.observe(&[]));
        let client = Exchange { outcome: Outcome::ClientError { detail: "x".into() }, ..ex(false) };
        for _ in 0..SILENT_CASES {
            assert!(!b.observe(std::slice::from_ref(&client)));
        }
        assert_eq!(b.tripped(), None);
        b.trip("trio.a", "timed out");
        b.trip("trio.b", "refused");
        let why = b.tripped().unwrap();
        assert!(why.starts_with("the phone stopped answering at case trio.a"), "{why}");
    }
}
