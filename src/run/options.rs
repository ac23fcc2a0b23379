//! What a run may do and how it judges: the options every part of the engine reads.

use crate::device::Device;
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
    Peer(Device),
}
