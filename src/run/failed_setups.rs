//! Preconditions that could not be set up, remembered for the rest of the run.
//!
//! A phone whose dial never creates a call fails `active-call` the same way for every
//! case that needs it, each after waiting `--timeout` for the call: a run against such a
//! phone took 566 s instead of 31. The first failure is remembered; later cases needing
//! the same precondition are NOT-TESTED at once, with that first failure as the reason.
//! A failure that says something passing about the lab (a person's call on the phone) is
//! not remembered: it may be gone by the next case.

use crate::catalogue::case::Precondition;
use std::collections::HashMap;
use std::sync::Mutex;

/// Words of a reason that describe a passing state, never remembered.
const PASSING: [&str; 2] = ["placed by a person", "is busy with a call"];

/// The first failure of each precondition in this run.
#[derive(Debug, Default)]
pub struct FailedSetups(Mutex<HashMap<Precondition, String>>);

impl FailedSetups {
    /// Why `pre` is not tried again, when it failed earlier in the run.
    pub fn earlier(&self, pre: Precondition) -> Option<String> {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).get(&pre).cloned()
    }

    /// Remember that `pre` failed in `case` for `why` (the first failure wins).
    pub fn remember(&self, pre: Precondition, case: &str, why: &str) {
        let lasting = matches!(
            pre,
            Precondition::ActiveCall | Precondition::HeldCall | Precondition::IncomingCall | Precondition::PcapEnabled
        );
        if !lasting || PASSING.iter().any(|w| why.contains(w)) {
            return;
        }
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(pre)
            .or_insert_with(|| format!("not tried again after it failed in {case}: {why}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_lasting_failure_is_remembered_passing_ones_are_not() {
        let f = FailedSetups::default();
        f.remember(Precondition::ActiveCall, "trio.a", "dial 1000 answered 2000 but no call appeared");
        f.remember(Precondition::ActiveCall, "trio.b", "another reason");
        let why = f.earlier(Precondition::ActiveCall).unwrap();
        assert_eq!(why, "not tried again after it failed in trio.a: dial 1000 answered 2000 but no call appeared");
        f.remember(Precondition::HeldCall, "trio.c", "phone busy with a call placed by a person");
        assert_eq!(f.earlier(Precondition::HeldCall), None);
        f.remember(Precondition::NoCall, "trio.d", "cannot list calls");
        assert_eq!(f.earlier(Precondition::NoCall), None);
    }
}
