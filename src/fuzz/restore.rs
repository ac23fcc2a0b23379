//! Putting the phone back after a fuzz case to a mutating endpoint, and checking at the
//! end of the campaign that it was.
//!
//! Mutating endpoints are fuzzed only with `--allow-mutating`. Each is restored by what
//! its class can change ([`reach`]), and nothing else:
//!
//! - **Calls** (dial, transferCall, the simulate* UI events, and any mutating endpoint
//!   this module does not know): the calls present before; afterwards every call that
//!   was not there is ended with endCall. A dial answered 2000 is polled for a little
//!   while: on a real phone the call appears asynchronously.
//! - **Config** (config/set): the names in the body are read with config/get first and
//!   written back after. Generated names start with `polyconform` and cannot exist on a
//!   phone, so they need no snapshot; a body naming anything else whose value cannot be
//!   read is not sent at all.
//! - **Transfer type** (transferType/set): read before, written back when it changed.
//! - **Nothing readable** (endCall, mute, sendDTMF, hold, resume, answer, ignore, reject
//!   act on a call that exists; uploadBgCapture, config/export): no request around them.
//!
//! **Snapshots are taken once per batch.** After a restore the phone is as the snapshot
//! said, so the next case reuses it instead of reading it again, for [`BATCH`] after it
//! was read; the reading after a case is never skipped (a fuzzed dial on a real phone
//! rings a real number until it is ended). The first value the campaign reads of each
//! thing is kept as the phone **as found**, and [`Restorer::verify`] compares the phone
//! with it at the end: what differs is put back and reported.
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
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Every member name the generator invents starts with this; no phone has such a
/// parameter, so setting one changes nothing that needs restoring.
pub const HARMLESS_PREFIX: &str = "polyconform";

/// How long a call started by a fuzzed dial may take to show up in callStatus.
const CALL_APPEAR: Duration = Duration::from_secs(2);

/// How long a snapshot is reused by the next cases before it is read again: short
/// enough that a call a person starts meanwhile is rarely taken for the fuzzer's, long
/// enough that a batch of cases shares one read.
pub const BATCH: Duration = Duration::from_secs(2);

/// What a mutating endpoint can change that the harness can read back and restore.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Reach {
    pub calls: bool,
    pub config: bool,
    pub transfer_type: bool,
}

impl Reach {
    pub fn any(self) -> bool {
        self.calls || self.config || self.transfer_type
    }
}

/// What `endpoint` can change, by its class (module doc). A safe endpoint changes
/// nothing; a mutating one this table does not name is assumed to start calls, the
/// cautious guess.
pub fn reach(endpoint: &Endpoint) -> Reach {
    if endpoint.safety != Safety::Mutating {
        return Reach::default();
    }
    match endpoint.id.as_str() {
        "mgmt.config-set" => Reach { config: true, ..Reach::default() },
        "mgmt.transfer-type.set" => Reach { transfer_type: true, ..Reach::default() },
        // They act on a call that already exists (the handle is in the request): none
        // of them adds one. A background capture and an export change nothing the API
        // can read back.
        "callctrl.end-call"
        | "callctrl.mute"
        | "callctrl.send-dtmf"
        | "callctrl.hold-call"
        | "callctrl.resume-call"
        | "callctrl.answer-call"
        | "callctrl.ignore-call"
        | "callctrl.reject-call"
        | "mgmt.network.upload-bg-capture"
        | "mgmt.config-export" => Reach::default(),
        // dial; transferCall (a blind transfer dials); simulateKeyEvent, simulateTouch
        // and simulateTextInput (a key or a touch can place a call); anything unknown.
        _ => Reach { calls: true, ..Reach::default() },
    }
}

/// What one case may change, read before it.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    /// Handles of the calls present before the case (None: the case cannot add one).
    calls: Option<BTreeSet<String>>,
    /// Config values to write back.
    config: BTreeMap<String, String>,
    transfer_type: Option<String>,
}

/// A value read from the phone, and when.
#[derive(Debug, Clone)]
struct Fresh<T> {
    value: T,
    read: Instant,
}

impl<T: Clone> Fresh<T> {
    fn now(value: T) -> Fresh<T> {
        Fresh { value, read: Instant::now() }
    }

    /// The value, if it was read less than [`BATCH`] ago.
    fn recent(&self) -> Option<T> {
        (self.read.elapsed() < BATCH).then(|| self.value.clone())
    }
}

/// What the restorer knows of the phone.
#[derive(Debug, Default)]
struct Known {
    /// The latest snapshots, reused for [`BATCH`].
    calls: Option<Fresh<BTreeSet<String>>>,
    transfer_type: Option<Fresh<String>>,
    config: BTreeMap<String, Fresh<String>>,
    /// The first value read of each: the phone as the campaign found it.
    found_calls: Option<BTreeSet<String>>,
    found_transfer_type: Option<String>,
    found_config: BTreeMap<String, String>,
}

/// What [`Restorer::verify`] compared and did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verification {
    /// What was compared with the phone as found (`calls`, `transfer type`, `2 config parameters`).
    pub checked: Vec<String>,
    /// What differed and was put back.
    pub put_back: Vec<String>,
    /// What differed, or could not be read, and could not be put back.
    pub problems: Vec<String>,
}

/// Reads and restores state through the gated device. Clones share what they know.
#[derive(Debug, Clone)]
pub struct Restorer {
    device: Device,
    profile: Profile,
    known: Arc<Mutex<Known>>,
}

impl Restorer {
    pub fn new(device: Device, profile: Profile) -> Restorer {
        Restorer { device, profile, known: Arc::default() }
    }

    /// The phone's API, straight through the device, with this profile's paths.
    fn phone(&self) -> Phone<'_, &Device> {
        Phone::new(&self.device, &self.profile)
    }

    fn known(&self) -> MutexGuard<'_, Known> {
        // A panic while the lock was held left plain data behind: still usable.
        self.known.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Read what `request` to `endpoint` may change. `Err` means the case must not be sent.
    pub async fn before(&self, endpoint: &Endpoint, request: &WireRequest) -> Result<Snapshot, String> {
        let mut snap = Snapshot::default();
        let reach = reach(endpoint);
        if reach.calls {
            let recent = self.known().calls.as_ref().and_then(Fresh::recent);
            snap.calls = Some(match recent {
                Some(calls) => calls,
                None => self.calls().await?,
            });
        }
        if reach.config {
            let names: Vec<String> =
                config_names(request).into_iter().filter(|n| !n.starts_with(HARMLESS_PREFIX)).collect();
            let mut values = BTreeMap::new();
            let mut unknown = Vec::new();
            {
                let known = self.known();
                for name in &names {
                    match known.config.get(name).and_then(Fresh::recent) {
                        Some(v) => {
                            values.insert(name.clone(), v);
                        }
                        None => unknown.push(name.clone()),
                    }
                }
            }
            if !unknown.is_empty() {
                let read = self.read_config(&unknown).await?;
                if let Some(missing) = unknown.iter().find(|n| !read.contains_key(*n)) {
                    return Err(format!("cannot read config parameter `{missing}` to restore it afterwards"));
                }
                values.extend(read);
            }
            snap.config = values;
        }
        if reach.transfer_type {
            let recent = self.known().transfer_type.as_ref().and_then(Fresh::recent);
            snap.transfer_type = Some(match recent {
                Some(t) => t,
                None => self.transfer_type().await?,
            });
        }
        Ok(snap)
    }

    /// Put back what `before` recorded. `answered_2000` says whether the case succeeded
    /// (a successful dial is given time to show its call).
    pub async fn after(&self, endpoint: &Endpoint, snap: Snapshot, answered_2000: bool) -> Result<(), String> {
        let mut problems = Vec::new();
        if let Some(before) = snap.calls {
            let appear = if answered_2000 && endpoint.id == "callctrl.dial" { CALL_APPEAR } else { Duration::ZERO };
            let ended_all = self.end_new_calls(&before, appear, &mut problems).await;
            // Put back as the snapshot said: it holds for the next cases of the batch. After
            // a call that could not be ended the next case reads again, and the check at
            // the end of the campaign tries once more to end it.
            self.known().calls = ended_all.then(|| Fresh::now(before));
        }
        if !snap.config.is_empty() {
            match self.phone().write_config("restore: write config", &snap.config).await {
                Ok(()) => {
                    let mut known = self.known();
                    for (name, value) in snap.config {
                        known.config.insert(name, Fresh::now(value));
                    }
                }
                Err(e) => {
                    let mut known = self.known();
                    for name in snap.config.keys() {
                        known.config.remove(name);
                    }
                    let names: Vec<String> = snap.config.into_keys().collect();
                    problems.push(format!("writing back {}: {e}", names.join(", ")));
                }
            }
        }
        if let Some(t) = snap.transfer_type {
            match self.put_back_transfer_type(&t).await {
                Ok(_) => self.known().transfer_type = Some(Fresh::now(t)),
                Err(e) => {
                    self.known().transfer_type = None;
                    problems.push(e);
                }
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(problems.join("; ")) }
    }

    /// Compare the phone with what the campaign first read of it, and put back what
    /// differs. Only what some case could have changed was read, so only that is checked.
    pub async fn verify(&self) -> Verification {
        let (calls, transfer_type, config) = {
            let known = self.known();
            (known.found_calls.clone(), known.found_transfer_type.clone(), known.found_config.clone())
        };
        let mut v = Verification::default();
        if let Some(found) = calls {
            v.checked.push("calls".into());
            let mut problems = Vec::new();
            let now = match self.calls().await {
                Ok(now) => now,
                Err(e) => {
                    v.problems.push(e);
                    found.clone()
                }
            };
            for handle in now.difference(&found) {
                match self.phone().end_call("restore: end call", handle).await {
                    Ok(()) => v.put_back.push(format!("call {handle} was still up: ended")),
                    Err(e) => problems.push(format!("call {handle} is still up and could not be ended: {e}")),
                }
            }
            v.problems.append(&mut problems);
        }
        if let Some(t) = transfer_type {
            v.checked.push("transfer type".into());
            match self.put_back_transfer_type(&t).await {
                Ok(Some(was)) => v.put_back.push(format!("transfer type was `{was}`: set back to `{t}`")),
                Ok(None) => {}
                Err(e) => v.problems.push(e),
            }
        }
        if !config.is_empty() {
            v.checked.push(format!("{} config parameter{}", config.len(), if config.len() == 1 { "" } else { "s" }));
            let names: Vec<String> = config.keys().cloned().collect();
            match self.read_config(&names).await {
                Ok(now) => {
                    let differ: BTreeMap<String, String> =
                        config.into_iter().filter(|(n, value)| now.get(n) != Some(value)).collect();
                    if !differ.is_empty() {
                        let list = differ.keys().cloned().collect::<Vec<_>>().join(", ");
                        match self.phone().write_config("restore: write config", &differ).await {
                            Ok(()) => v.put_back.push(format!("config {list} differed: written back")),
                            Err(e) => {
                                v.problems.push(format!("config {list} differ and could not be written back: {e}"))
                            }
                        }
                    }
                }
                Err(e) => v.problems.push(e),
            }
        }
        v
    }

    /// End every call that was not there `before`, waiting up to `appear` for a call the
    /// case started to show (a real phone lists it asynchronously). Whether every new
    /// call was ended (and the calls could be read).
    async fn end_new_calls(&self, before: &BTreeSet<String>, appear: Duration, problems: &mut Vec<String>) -> bool {
        let deadline = Instant::now() + appear;
        loop {
            match self.calls().await {
                Ok(now) => {
                    let new: Vec<&String> = now.difference(before).collect();
                    if !new.is_empty() || Instant::now() >= deadline {
                        let mut all = true;
                        for handle in new {
                            if let Err(e) = self.phone().end_call("restore: end call", handle).await {
                                problems.push(format!("ending call {handle}: {e}"));
                                all = false;
                            }
                        }
                        return all;
                    }
                }
                Err(e) => {
                    problems.push(e);
                    return false;
                }
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Write `t` back if the phone now has another transfer type; the one it had, if so.
    async fn put_back_transfer_type(&self, t: &str) -> Result<Option<String>, String> {
        // "Unknown is only ever reported, never set": nothing to write back then.
        if t.eq_ignore_ascii_case("unknown") {
            return Ok(None);
        }
        let now = self.transfer_type().await?;
        if now == t {
            return Ok(None);
        }
        self.phone()
            .set_transfer_type("restore: transfer type", t)
            .await
            .map_err(|e| format!("writing back transfer type `{t}`: {e}"))?;
        Ok(Some(now))
    }

    /// Handles of the current calls (the first reading is the phone as found).
    async fn calls(&self) -> Result<BTreeSet<String>, String> {
        let calls = self.phone().calls("restore: calls").await.map_err(|e| e.to_string())?;
        let calls: BTreeSet<String> = calls.into_iter().map(|c| c.handle).collect();
        self.known().found_calls.get_or_insert_with(|| calls.clone());
        Ok(calls)
    }

    async fn transfer_type(&self) -> Result<String, String> {
        let t = self.phone().transfer_type("restore: transfer type").await.map_err(|e| e.to_string())?;
        self.known().found_transfer_type.get_or_insert_with(|| t.clone());
        Ok(t)
    }

    async fn read_config(&self, names: &[String]) -> Result<BTreeMap<String, String>, String> {
        let values = self.phone().read_config("restore: read config", names).await.map_err(|e| e.to_string())?;
        let mut known = self.known();
        for (name, value) in &values {
            known.found_config.entry(name.clone()).or_insert_with(|| value.clone());
        }
        Ok(values)
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
