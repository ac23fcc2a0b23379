//! What a run may do and how it judges: the options every part of the engine reads.

use super::peer::Peer;
use std::sync::Arc;
use std::time::Duration;

/// What a run may do and how it judges.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Run destructive and session-breaking cases.
    pub allow_destructive: bool,
    /// NON-STRICT becomes FAIL.
    pub strict: bool,
    /// Number dialled for `active-call` (must answer automatically on a real phone).
    pub dial: String,
    /// Where a ringing incoming call comes from.
    pub incoming: IncomingSource,
    /// Per-request timeout; also how long the harness waits for a call to connect.
    pub timeout: Duration,
}

/// Where an `incoming-call` precondition gets its ringing call from.
#[derive(Debug, Clone)]
pub enum IncomingSource {
    /// Nowhere: such cases are NOT-TESTED.
    None,
    /// The target's emulator control endpoint (`POST /control/incoming`).
    Control,
    /// A second phone that calls the target (`--peer`).
    Peer(Arc<Peer>),
    /// A source was asked for but cannot be used (a lab peer that is busy or down, a
    /// target whose own number cannot be read): such cases are NOT-TESTED with this reason.
    Unavailable(String),
}

impl IncomingSource {
    /// The peer, when calls come from one (its calls are ended in cleanup too).
    pub fn peer(&self) -> Option<&Peer> {
        match self {
            IncomingSource::Peer(p) => Some(p),
            _ => None,
        }
    }
}
