//! Where the incoming calls of the call-flow cases come from: a `--peer` phone, the
//! built-in emulator's control endpoints, an external polyconform emulator that serves
//! them too, or nowhere (those cases are NOT-TESTED).
//!
//! A peer that cannot be used (down, refusing our credentials, a target whose own number
//! cannot be read) is not an error of the run: the cases that need it are NOT-TESTED
//! with the reason ([`IncomingSource::Unavailable`]). Only flags that cannot work at all
//! (a `--peer` URL with credentials in it, an unreadable CA file) stop the run.

use super::options::IncomingSource;
use super::peer::Peer;
use crate::catalogue::Profile;
use crate::device::{Device, WireRequest};
use crate::job::Target;
use crate::job::target::{TargetError, TargetOptions, connect};
use crate::phone::Phone;
use std::sync::Arc;

/// What the command line says about the `--peer`.
#[derive(Debug, Clone)]
pub struct PeerRequest {
    /// The peer's URL, credentials (already resolved: the peer's own, else the
    /// target's) and trust; the per-request timeout is the target's.
    pub options: TargetOptions,
    pub profile: Profile,
    /// What the peer dials; `None` reads the target's line 1 address.
    pub target_number: Option<String>,
}

/// The source for this target: `--peer` first, then control endpoints if it has them.
pub async fn source(
    peer: Option<&PeerRequest>,
    target: &Target,
    target_profile: &Profile,
) -> Result<IncomingSource, TargetError> {
    if let Some(request) = peer {
        let connected = connect(&request.options, &request.profile, &[], false).await?;
        let name = request.options.url.clone().unwrap_or_default();
        return Ok(peer_source(
            name,
            connected.device,
            request.profile.clone(),
            request.target_number.clone(),
            &target.device,
            target_profile,
        )
        .await);
    }
    Ok(match target.emulator.is_some() {
        true => IncomingSource::Control,
        // An external polyconform emulator started with --control can ring itself too.
        false if has_control(&target.device).await => IncomingSource::Control,
        false => IncomingSource::None,
    })
}

/// A peer ready to ring the target, or why it cannot: the peer must answer its call
/// status with our credentials, and the number it dials must be known.
pub async fn peer_source(
    name: String,
    device: Device,
    profile: Profile,
    target_number: Option<String>,
    target: &Device,
    target_profile: &Profile,
) -> IncomingSource {
    if let Err(e) = Phone::new(&device, &profile).calls("peer: calls").await {
        return IncomingSource::Unavailable(format!(
            "the peer {name} cannot be used: {e} (hint: check that it is up, that its REST API is enabled and that the credentials are right: --peer-username, POLYCONFORM_PEER_PASSWORD or --peer-password-file)"
        ));
    }
    let number = match target_number {
        Some(n) => n,
        None => match Phone::new(target, target_profile).own_number("peer: the target's number").await {
            Ok(n) => n,
            Err(e) => {
                return IncomingSource::Unavailable(format!(
                    "the target's own number could not be read, so the peer {name} has nothing to dial: {e} (hint: give it with --target-number)"
                ));
            }
        },
    };
    IncomingSource::Peer(Arc::new(Peer { name, device, profile, number }))
}

/// Whether the target serves polyconform's emulator control endpoints.
async fn has_control(device: &Device) -> bool {
    let ex = device.send("probe control endpoints", WireRequest::get("/control/health")).await;
    ex.outcome
        .response()
        .is_some_and(|r| r.status == 200 && r.json().and_then(|j| j.get("ok").and_then(|v| v.as_bool())) == Some(true))
}
