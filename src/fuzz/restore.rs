//! Putting the phone back after a fuzz case to a mutating endpoint.
//!
//! Mutating endpoints are fuzzed only with `--allow-mutating`, and then every case is
//! wrapped: before it, read what it may change; after it, put that back.
//!
//! - **Calls**: the calls present before (v2 callStatus, or v1 when the profile has no
//!   v2); afterwards every call that was not there is ended with endCall. A dial answered
//!   2000 is polled for a little while: on a real phone the call appears asynchronously.
//! - **Config** (config/set): the names in the body are read with config/get first and
//!   written back after. Generated names start with `polyconform` and cannot exist
//!   on a phone, so they need no snapshot; a body naming anything else whose value cannot
//!   be read is not sent at all.
//! - **Transfer type** (transferType/set): read before, written back when it changed.
//!
//! What cannot be put back is documented in fuzz/README.md (UI events of simulate*,
//! a started background capture, a call that was muted or held).
//!
//! The requests themselves are the phone module's ([`crate::phone`]), sent straight
//! through the gated device (a fuzz case has no wire log of bookkeeping to keep).

use crate::catalogue::profile::{Endpoint, Profile, Safety};
use crate::device::{Device, WireRequest};
use crate::phone::Phone;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// Every member name the generator invents starts with this; no phone has such a
/// parameter, so setting one changes nothing that needs restoring.
pub const HARMLESS_PREFIX: &str = "polyconform";

/// How long a call started by a fuzzed dial may take to show up in callStatus.
const CALL_APPEAR: Duration = Duration::from_secs(2);

/// What one case may change, read before it.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Handles of the calls present before the case (None: not a mutating case).
    calls: Option<BTreeSet<String>>,
    /// Config values to write back.
    config: BTreeMap<String, String>,
    transfer_type: Option<String>,
}

/// Reads and restores state through the gated device.
#[derive(Debug, Clone)]
pub struct Restorer {
    device: Device,
    profile: Profile,
}

impl Restorer {
    pub fn new(device: Device, profile: Profile) -> Restorer {
        Restorer { device, profile }
    }

    /// The phone's API, straight through the device, with this profile's paths.
    fn phone(&self) -> Phone<'_, &Device> {
        Phone::new(&self.device, &self.profile)
    }

    /// Read what `request` to `endpoint` may change. `Err` means the case must not be sent.
    pub async fn before(&self, endpoint: &Endpoint, request: &WireRequest) -> Result<Snapshot, String> {
        let mut snap = Snapshot::default();
        if endpoint.safety != Safety::Mutating {
            return Ok(snap);
        }
        snap.calls = Some(self.calls().await?);
        if endpoint.id == "mgmt.config-set" {
            let names: Vec<String> =
                config_names(request).into_iter().filter(|n| !n.starts_with(HARMLESS_PREFIX)).collect();
            if !names.is_empty() {
                let values =
                    self.phone().read_config("restore: read config", &names).await.map_err(|e| e.to_string())?;
                if let Some(missing) = names.iter().find(|n| !values.contains_key(*n)) {
                    return Err(format!("cannot read config parameter `{missing}` to restore it afterwards"));
                }
                snap.config = values;
            }
        }
        if endpoint.id == "mgmt.transfer-type.set" {
            snap.transfer_type = Some(self.transfer_type().await?);
        }
        Ok(snap)
    }

    /// Put back what `before` recorded. `answered_2000` says whether the case succeeded
    /// (a successful dial is given time to show its call).
    pub async fn after(&self, endpoint: &Endpoint, snap: Snapshot, answered_2000: bool) -> Result<(), String> {
        let mut problems = Vec::new();
        if let Some(before) = &snap.calls {
            let appear = if answered_2000 && endpoint.id == "callctrl.dial" { CALL_APPEAR } else { Duration::ZERO };
            self.end_new_calls(before, appear, &mut problems).await;
        }
        if !snap.config.is_empty()
            && let Err(e) = self.phone().write_config("restore: write config", &snap.config).await
        {
            let names: Vec<String> = snap.config.keys().cloned().collect();
            problems.push(format!("writing back {}: {e}", names.join(", ")));
        }
        // "Unknown is only ever reported, never set": nothing to write back then.
        if let Some(t) = snap.transfer_type
            && !t.eq_ignore_ascii_case("unknown")
            && self.transfer_type().await.ok().as_deref() != Some(t.as_str())
            && let Err(e) = self.phone().set_transfer_type("restore: transfer type", &t).await
        {
            problems.push(format!("writing back transfer type `{t}`: {e}"));
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }

    /// End every call that was not there `before`, waiting up to `appear` for a call the
    /// case started to show (a real phone lists it asynchronously).
    async fn end_new_calls(&self, before: &BTreeSet<String>, appear: Duration, problems: &mut Vec<String>) {
        let deadline = Instant::now() + appear;
        loop {
            match self.calls().await {
                Ok(now) => {
                    let new: Vec<&String> = now.difference(before).collect();
                    if !new.is_empty() || Instant::now() >= deadline {
                        for handle in new {
                            if let Err(e) = self.phone().end_call("restore: end call", handle).await {
                                problems.push(format!("ending call {handle}: {e}"));
                            }
                        }
                        return;
                    }
                }
                Err(e) => {
                    problems.push(e);
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Handles of the current calls.
    async fn calls(&self) -> Result<BTreeSet<String>, String> {
        let calls = self.phone().calls("restore: calls").await.map_err(|e| e.to_string())?;
        Ok(calls.into_iter().map(|c| c.handle).collect())
    }

    async fn transfer_type(&self) -> Result<String, String> {
        self.phone().transfer_type("restore: transfer type").await.map_err(|e| e.to_string())
    }
}

/// The parameter names a config/set body would set (members of `data`), read leniently.
pub fn config_names(request: &WireRequest) -> Vec<String> {
    let Some(value) = request.body.as_deref().and_then(|b| serde_json::from_slice::<Value>(b).ok()) else {
        return Vec::new();
    };
    match value.get("data") {
        Some(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn config_names_come_from_the_data_object() {
        let r = WireRequest::post_json(
            "/api/v1/mgmt/config/set",
            &json!({"data": {"a.b": "1", "polyconform.fuzz.x": "2"}}),
        );
        assert_eq!(config_names(&r), vec!["a.b".to_string(), "polyconform.fuzz.x".to_string()]);
        let mut broken = r.clone();
        broken.body = Some(b"{\"data\":".to_vec().into());
        assert!(config_names(&broken).is_empty());
    }
}
