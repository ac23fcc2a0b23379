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

use crate::catalogue::profile::{Endpoint, Profile, Safety};
use crate::device::{Device, Outcome, WireRequest};
use serde_json::{Value, json};
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

    fn path(&self, id: &str) -> Option<String> {
        self.profile.endpoint(id).map(|e| e.path.clone())
    }

    /// Read what `request` to `endpoint` may change. `Err` means the case must not be sent.
    pub async fn before(
        &self,
        endpoint: &Endpoint,
        request: &WireRequest,
    ) -> Result<Snapshot, String> {
        let mut snap = Snapshot::default();
        if endpoint.safety != Safety::Mutating {
            return Ok(snap);
        }
        snap.calls = Some(self.calls().await?);
        if endpoint.id == "mgmt.config-set" {
            let names: Vec<String> = config_names(request)
                .into_iter()
                .filter(|n| !n.starts_with(HARMLESS_PREFIX))
                .collect();
            if !names.is_empty() {
                let values = self.read_config(&names).await?;
                if let Some(missing) = names.iter().find(|n| !values.contains_key(*n)) {
                    return Err(format!(
                        "cannot read config parameter `{missing}` to restore it afterwards"
                    ));
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
    pub async fn after(
        &self,
        endpoint: &Endpoint,
        snap: Snapshot,
        answered_2000: bool,
    ) -> Result<(), String> {
        let mut problems = Vec::new();
        if let Some(before) = &snap.calls {
            let deadline = Instant::now()
                + if answered_2000 && endpoint.id == "callctrl.dial" {
                    CALL_APPEAR
                } else {
                    Duration::ZERO
                };
            loop {
                match self.calls().await {
                    Ok(now) => {
                        let new: Vec<&String> = now.difference(before).collect();
                        if !new.is_empty() || Instant::now() >= deadline {
                            for handle in new {
                                if let Err(e) = self.end_call(handle).await {
                                    problems.push(e);
                                }
                            }
                            break;
                        }
                    }
                    Err(e) => {
                        problems.push(e);
                        break;
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
        if !snap.config.is_empty()
            && let Err(e) = self.write_config(&snap.config).await
        {
            problems.push(e);
        }
        // "Unknown is only ever reported, never set": nothing to write back then.
        if let Some(t) = snap.transfer_type
            && !t.eq_ignore_ascii_case("unknown")
            && self.transfer_type().await.ok().as_deref() != Some(t.as_str())
            && let Err(e) = self.set_transfer_type(&t).await
        {
            problems.push(e);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    async fn send(&self, step: &str, request: WireRequest) -> Result<Value, String> {
        let ex = self.device.send(step, request).await;
        match &ex.outcome {
            Outcome::Answered(r) if r.status == 200 => r
                .json()
                .ok_or_else(|| format!("{step}: answer is not JSON")),
            other => Err(format!("{step}: {}", other.summary())),
        }
    }

    /// Handles of the current calls.
    async fn calls(&self) -> Result<BTreeSet<String>, String> {
        if let Some(path) = self.path("webcallcontrol.call-status.v2") {
            let v = self.send("restore: calls", WireRequest::get(&path)).await?;
            let calls = v
                .get("data")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            return Ok(calls
                .iter()
                .filter_map(|c| c.get("CallHandle").and_then(Value::as_str))
                .map(normalise_handle)
                .collect());
        }
        let path = self
            .path("webcallcontrol.call-status")
            .ok_or("the profile has no callStatus endpoint to find calls")?;
        let v = self.send("restore: calls", WireRequest::get(&path)).await?;
        Ok(v.get("data")
            .and_then(|d| d.get("CallHandle"))
            .and_then(Value::as_str)
            .map(normalise_handle)
            .into_iter()
            .collect())
    }

    async fn end_call(&self, handle: &str) -> Result<(), String> {
        let path = self
            .path("callctrl.end-call")
            .ok_or("the profile has no endCall")?;
        let v = self
            .send(
                "restore: end call",
                WireRequest::post_json(&path, &json!({"data": {"Ref": handle}})),
            )
            .await?;
        match v.get("Status").and_then(Value::as_str) {
            Some("2000") | Some("4007") => Ok(()),
            other => Err(format!("endCall of {handle} answered Status {other:?}")),
        }
    }

    async fn read_config(&self, names: &[String]) -> Result<BTreeMap<String, String>, String> {
        let path = self
            .path("mgmt.config-get")
            .ok_or("the profile has no config/get")?;
        let v = self
            .send(
                "restore: read config",
                WireRequest::post_json(&path, &json!({ "data": names })),
            )
            .await?;
        let data = v.get("data").cloned().unwrap_or(Value::Null);
        Ok(names
            .iter()
            .filter_map(|n| {
                let value = match data.get(n)? {
                    Value::String(s) => s.clone(),
                    Value::Object(o) => o
                        .get("Value")
                        .or_else(|| o.get("value"))?
                        .as_str()?
                        .to_string(),
                    _ => return None,
                };
                Some((n.clone(), value))
            })
            .collect())
    }

    async fn write_config(&self, values: &BTreeMap<String, String>) -> Result<(), String> {
        let path = self
            .path("mgmt.config-set")
            .ok_or("the profile has no config/set")?;
        let v = self
            .send(
                "restore: write config",
                WireRequest::post_json(&path, &json!({ "data": values })),
            )
            .await?;
        match v.get("Status").and_then(Value::as_str) {
            Some("2000") => Ok(()),
            other => Err(format!(
                "config/set writing back {} answered Status {other:?}",
                values.keys().cloned().collect::<Vec<_>>().join(", ")
            )),
        }
    }

    async fn transfer_type(&self) -> Result<String, String> {
        let path = self
            .path("mgmt.transfer-type.get")
            .ok_or("the profile has no transferType/get")?;
        let v = self
            .send("restore: transfer type", WireRequest::get(&path))
            .await?;
        v.get("data")
            .and_then(|d| d.get("Type"))
            .and_then(Value::as_str)
            .map(str::to_string)
            .ok_or_else(|| "transferType/get answered without data.Type".to_string())
    }

    async fn set_transfer_type(&self, t: &str) -> Result<(), String> {
        let path = self
            .path("mgmt.transfer-type.set")
            .ok_or("the profile has no transferType/set")?;
        let v = self
            .send(
                "restore: transfer type",
                WireRequest::post_json(&path, &json!({"data": {"Type": t}})),
            )
            .await?;
        match v.get("Status").and_then(Value::as_str) {
            Some("2000") => Ok(()),
            other => Err(format!(
                "transferType/set back to {t} answered Status {other:?}"
            )),
        }
    }
}

/// v2 handles have no `0x`, v1 ones do; endCall takes either.
fn normalise_handle(h: &str) -> String {
    h.trim_start_matches("0x")
        .trim_start_matches("0X")
        .to_ascii_lowercase()
}

/// The parameter names a config/set body would set (members of `data`), read leniently.
pub fn config_names(request: &WireRequest) -> Vec<String> {
    let Some(value) = request
        .body
        .as_deref()
        .and_then(|b| serde_json::from_slice::<Value>(b).ok())
    else {
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

    #[test]
    fn config_names_come_from_the_data_object() {
        let r = WireRequest::post_json(
            "/api/v1/mgmt/config/set",
            &json!({"data": {"a.b": "1", "polyconform.fuzz.x": "2"}}),
        );
        assert_eq!(
            config_names(&r),
            vec!["a.b".to_string(), "polyconform.fuzz.x".to_string()]
        );
        let mut broken = r.clone();
        broken.body = Some(b"{\"data\":".to_vec().into());
        assert!(config_names(&broken).is_empty());
        assert_eq!(normalise_handle("0x0A1B2C3D"), "0a1b2c3d");
    }
}
