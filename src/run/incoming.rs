//! Where the incoming calls of the call-flow cases come from: a `--peer` phone, the
//! built-in emulator's control endpoints, an external polyconform emulator that serves
//! them too, or nowhere (those cases are NOT-TESTED).

use super::options::IncomingSource;
use crate::device::{Device, DeviceConfig, DeviceError, WireRequest};
use crate::job::Target;

/// The source for this target: `--peer` first, then control endpoints if it has them.
pub async fn source(peer: Option<&str>, target: &Target) -> Result<IncomingSource, DeviceError> {
    match (peer, target.emulator.is_some()) {
        (Some(url), _) => peer_device(url, &target.device).map(IncomingSource::Peer),
        (None, true) => Ok(IncomingSource::Control),
        // An external polyconform emulator started with --control can ring itself too.
        (None, false) if has_control(&target.device).await => Ok(IncomingSource::Control),
        (None, false) => Ok(IncomingSource::None),
    }
}

/// The `--peer` phone, with the target's credentials and trust.
fn peer_device(url: &str, target: &Device) -> Result<Device, DeviceError> {
    let config = target.config();
    Device::new(DeviceConfig {
        base_url: url.to_string(),
        credentials: config.credentials.clone(),
        trust: config.trust.clone(),
        timeout: config.timeout,
        pace: config.pace,
    })
}

/// Whether the target serves polyconform's emulator control endpoints.
async fn has_control(device: &Device) -> bool {
    let ex = device.send("probe control endpoints", WireRequest::get("/control/health")).await;
    ex.outcome
        .response()
        .is_some_and(|r| r.status == 200 && r.json().and_then(|j| j.get("ok").and_then(|v| v.as_bool())) == Some(true))
}
