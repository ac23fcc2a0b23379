//! The ledger: what the run changed on the phone and must put back.
//!
//! Setup enters what a case will change before it changes it (config values, the
//! transfer type) and every call the run makes as it appears; cleanup settles the
//! entries (see `safety.rs`). It only records: nothing here talks to the phone.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// What the run changed and must put back.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Calls the run made (normalised handles); the harness ends only these.
    pub calls: BTreeSet<String>,
    /// Set just before the `--peer` is asked to dial (the intent is recorded first, so a
    /// dial whose answer never came is still cleaned up): the calls the peer already had,
    /// which are not the run's. Cleanup ends every other call on the peer, then clears it.
    pub peer_dialled: Option<BTreeSet<String>>,
    /// Config values to write back: parameter -> value before the case.
    pub config: BTreeMap<String, String>,
    /// Set just before the run sends a dial (its own, or a case step's): the calls the
    /// phone had then. Until cleanup settles it, every other call on the phone is one the
    /// run could have made, and cleanup ends it (a dial interrupted between request and
    /// answer leaves no handle to remember).
    pub dialling: Option<BTreeSet<String>>,
    /// The transfer type before the case.
    pub transfer_type: Option<String>,
    /// When a case step's destructive request was last accepted (reboot under way).
    pub destructive_accepted: Option<Instant>,
}

impl Ledger {
    /// Record the intent to dial, with the calls the phone has now (`known`). A second
    /// dial before cleanup keeps the first list: calls made since are the run's too.
    pub fn may_have_dialled(&mut self, known: BTreeSet<String>) {
        self.dialling.get_or_insert(known);
    }
}
