//! Is the phone free? The call-status half of the health probe (the other half is the
//! engine's preflight: reachable, credentials accepted, a Poly REST API).
//!
//! A lab phone may be in a call a person placed: running the suites then would end that
//! call (the engine clears calls before call-flow cases) and judge the phone on a state
//! the run did not set up. The probe itself (v2 callStatus, then v1, read strictly) is
//! the phone module's ([`crate::phone::call_probe`]); when neither version tells, the run
//! goes ahead with a note: a phone that does not report calls cannot be in one the
//! harness could see.

use crate::device::Device;
use crate::phone::Phone;

pub use crate::phone::call_probe::{CallState, from_v1, from_v2};

/// Ask the phone (through its gate: one request in flight). The lab probes before it
/// knows the phone's profile, so the manual's paths are used.
pub async fn call_state(device: &Device) -> CallState {
    Phone::manual(device).call_state().await
}
