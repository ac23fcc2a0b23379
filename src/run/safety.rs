//! Safety: leave the phone as the run found it.
//!
//! Before a case changes anything, what it will change is read (`restore_config`
//! parameters, the transfer type) and entered in the [`Ledger`]; calls the run makes are
//! entered as they appear. After the case, always, even when it failed, the ledger is
//! settled: wait for a rebooting phone to come back (`wait-ready`, polled, never a fixed
//! sleep), end the run's calls, write the config values back and read them again, put
//! the transfer type back. `Engine::restore` settles the same ledger at the end of the
//! run and on Ctrl-C. A restore that fails is a harness ERROR, reported loudly: the
//! phone may be left changed and the lab must know.

use super::engine::{CLEANUP, Engine, POLL_INTERVAL, Poll, READY_TIMEOUT, SETUP};
use super::precondition::{SetupError, answered_2000};
use crate::catalogue::Case;
use crate::catalogue::case::Cleanup;
use crate::catalogue::profile::Safety;
use crate::device::{Exchange, Outcome, WireRequest};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

/// What the run changed and must put back.
#[derive(Debug, Clone, Default)]
pub struct Ledger {
    /// Calls the run made (normalised handles); the harness ends only these.
    pub calls: BTreeSet<String>,
    /// Config values to write back: parameter -> value before the case.
    pub config: BTreeMap<String, String>,
    /// The transfer type before the case.
    pub transfer_type: Option<String>,
    /// When a case step's destructive request was last accepted (reboot under way).
    pub destructive_accepted: Option<Instant>,
}

/// A rebooting phone may still answer for a moment after accepting the reboot; a phone
/// that answers "ready" this long without having been seen down is taken as ready.
const SETTLE: Duration = Duration::from_secs(3);

/// The value of one parameter in a config/get answer (`Value` on real phones, `value`
/// in the manual's example, or a bare string).
fn config_value(data: &Value, name: &str) -> Option<String> {
    match data.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o
            .get("Value")
            .or_else(|| o.get("value"))
            .and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            }),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The uptime a device/info answer reports: v2 `UpTime {Days, Hours, Minutes,
/// Seconds}` or v1 `UpTimeSinceLastReboot` (`"0 Day 6:16:10"`, `"20 Days 16:11:42"`).
pub fn uptime(answer: &Value) -> Option<Duration> {
    let data = answer.get("data")?;
    let num = |v: Option<&Value>| -> Option<u64> {
        match v? {
            Value::String(s) => s.trim().parse().ok(),
            Value::Number(n) => n.as_u64(),
            _ => None,
        }
    };
    if let Some(up) = data.get("UpTime").filter(|u| u.is_object()) {
        let secs = num(up.get("Days"))? * 86_400
            + num(up.get("Hours"))? * 3600
            + num(up.get("Minutes"))? * 60
            + num(up.get("Seconds"))?;
        return Some(Duration::from_secs(secs));
    }
    let text = data.get("UpTimeSinceLastReboot")?.as_str()?;
    let mut words = text.split_whitespace();
    let days: u64 = words.next()?.parse().ok()?;
    let _day_word = words.next()?;
    let clock: Vec<u64> = words
        .next()?
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<Vec<u64>>>()?;
    let [h, m, s] = clock[..] else { return None };
    Some(Duration::from_secs(days * 86_400 + h * 3600 + m * 60 + s))
}

/// Whether the phone refused a request (so it cannot have acted on it): an HTTP 4xx, or
/// an API Status other than 2000.
fn refused(ex: &Exchange) -> bool {
    match &ex.outcome {
        Outcome::Answered(r) => {
            (400..500).contains(&r.status) || r.api_status().is_some_and(|s| s != "2000")
        }
        _ => false,
    }
}

impl Engine {
    /// Read what the case will change, before it changes it.
    pub(super) async fn snapshot(
        &self,
        case: &Case,
        log: &mut Vec<Exchange>,
    ) -> Result<(), SetupError> {
        if !case.spec.restore_config.is_empty() {
            self.remember_config(&case.spec.restore_config, log)
                .await
                .map_err(|e| {
                    SetupError::NotTested(format!(
                        "cannot read the values of {} to restore them afterwards: {e}",
                        case.spec.restore_config.join(", ")
                    ))
                })?;
        }
        if case.spec.cleanup.contains(&Cleanup::RestoreTransferType)
            && self.ledger.lock().await.transfer_type.is_none()
        {
            let t = self.transfer_type(log).await.map_err(|e| {
                SetupError::NotTested(format!(
                    "cannot read the transfer type to restore it afterwards: {e}"
                ))
            })?;
            if self.settable_transfer_type(&t) {
                self.ledger.lock().await.transfer_type = Some(t);
            } else {
                // The value is the get case's defect to report; writing it back would only
                // be refused and poison every later case with a failed restore.
                self.warn_once(format!(
                    "the phone reported transfer type `{t}`, which transferType/set does not accept (\"<consultative blind safe>\"): it is not written back after the cases that change it"
                ));
            }
        }
        Ok(())
    }

    /// Enter the current values of `names` in the ledger (first value wins: a value
    /// already pending is the one from before the run touched it).
    pub(super) async fn remember_config(
        &self,
        names: &[String],
        log: &mut Vec<Exchange>,
    ) -> Result<(), String> {
        let pending: BTreeSet<String> = self.ledger.lock().await.config.keys().cloned().collect();
        let missing: Vec<String> = names
            .iter()
            .filter(|n| !pending.contains(*n))
            .cloned()
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        let values = self
            .read_config(&missing, log, &format!("{SETUP}read config to restore"))
            .await?;
        let mut ledger = self.ledger.lock().await;
        for (k, v) in values {
            ledger.config.entry(k).or_insert(v);
        }
        Ok(())
    }

    /// Read config values with config/get, at most the profile's limit per request.
    pub(super) async fn read_config(
        &self,
        names: &[String],
        log: &mut Vec<Exchange>,
        step: &str,
    ) -> Result<BTreeMap<String, String>, String> {
        let path = self.path_of("mgmt.config-get", "/api/v1/mgmt/config/get");
        let mut out = BTreeMap::new();
        for chunk in names.chunks(self.profile.limits.config_params_max.max(1)) {
            let ex = self
                .send_logged(
                    log,
                    step,
                    WireRequest::post_json(&path, &json!({ "data": chunk })),
                )
                .await;
            if !answered_2000(&ex) {
                return Err(format!("config/get answered {}", ex.outcome.summary()));
            }
            let data = ex
                .outcome
                .response()
                .and_then(|r| r.json())
                .and_then(|j| j.get("data").cloned())
                .unwrap_or(Value::Null);
            for name in chunk {
                let value = config_value(&data, name)
                    .ok_or_else(|| format!("config/get gave no value for `{name}`"))?;
                out.insert(name.clone(), value);
            }
        }
        Ok(out)
    }

    /// Write config values with config/set, at most the profile's limit per request.
    pub(super) async fn write_config(
        &self,
        values: &BTreeMap<String, String>,
        log: &mut Vec<Exchange>,
        step: &str,
    ) -> Result<(), String> {
        let path = self.path_of("mgmt.config-set", "/api/v1/mgmt/config/set");
        let pairs: Vec<(&String, &String)> = values.iter().collect();
        for chunk in pairs.chunks(self.profile.limits.config_params_max.max(1)) {
            let data: serde_json::Map<String, Value> = chunk
                .iter()
                .map(|(k, v)| ((*k).clone(), Value::String((*v).clone())))
                .collect();
            let ex = self
                .send_logged(
                    log,
                    step,
                    WireRequest::post_json(&path, &json!({ "data": data })),
                )
                .await;
            if !answered_2000(&ex) {
                return Err(format!("config/set answered {}", ex.outcome.summary()));
            }
        }
        Ok(())
    }

    /// Whether transferType/set documents this value (its request schema says so).
    fn settable_transfer_type(&self, t: &str) -> bool {
        let Some(set) = self.profile.endpoint("mgmt.transfer-type.set") else {
            return false;
        };
        let body = json!({ "data": { "Type": t } });
        self.catalogue
            .schemas
            .validate(&set.schema, "request", &body)
            .is_some_and(|v| v.is_empty())
    }

    /// The current transfer type (`data.Type`).
    async fn transfer_type(&self, log: &mut Vec<Exchange>) -> Result<String, String> {
        let path = self.path_of("mgmt.transfer-type.get", "/api/v1/mgmt/transferType/get");
        let ex = self
            .send_logged(
                log,
                &format!("{SETUP}read transfer type"),
                WireRequest::get(&path),
            )
            .await;
        if !answered_2000(&ex) {
            return Err(format!(
                "transferType/get answered {}",
                ex.outcome.summary()
            ));
        }
        ex.outcome
            .response()
            .and_then(|r| r.json())
            .and_then(|j| {
                j.pointer("/data/Type")
                    .and_then(Value::as_str)
                    .map(|s| s.trim().to_string())
            })
            .ok_or_else(|| "transferType/get has no `data.Type`".to_string())
    }

    /// Settle after one case: wait-ready, end calls, config, transfer type.
    pub(super) async fn clean_up(
        &self,
        case: &Case,
        log: &mut Vec<Exchange>,
    ) -> Result<(), String> {
        let mut problems = Vec::new();
        // A destructive request the phone did not refuse may have sent it away, even if
        // the suite forgot `wait-ready`. One the phone refused (401, 4xx, a 4xxx Status)
        // did nothing: then `wait-ready` only checks once that the phone answers, instead
        // of watching it for a reboot that is not coming.
        // Session-breaking endpoints (sign-in, sign-out) do not reboot: nothing to watch.
        let destructive: Vec<&Exchange> = log
            .iter()
            .filter(|ex| super::engine::is_case_step(ex) && self.is_destructive(&ex.request))
            .collect();
        let may_be_away = destructive.iter().any(|ex| !refused(ex));
        let accepted_at = self.ledger.lock().await.destructive_accepted.take();
        if may_be_away || case.spec.cleanup.contains(&Cleanup::WaitReady) {
            let outage = if may_be_away {
                Some(accepted_at.unwrap_or_else(Instant::now))
            } else {
                None
            };
            if let Err(e) = self.wait_ready(log, outage).await {
                problems.push(e);
            }
        }
        if let Err(e) = self
            .restore_into(log, case.spec.cleanup.contains(&Cleanup::EndCalls))
            .await
        {
            problems.push(e);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Whether a request goes to a destructive endpoint (reboot, reset, re-provision).
    pub(super) fn is_destructive(&self, request: &WireRequest) -> bool {
        let path = request.path.split('?').next().unwrap_or("");
        self.profile.endpoints.iter().any(|e| {
            e.safety == Safety::Destructive
                && e.path == path
                && e.method.as_str().eq_ignore_ascii_case(&request.method)
        })
    }

    /// Note that a case step sent a destructive request the phone did not refuse: from
    /// then on, an uptime shorter than the time since proves the phone rebooted.
    pub(super) async fn note_destructive(&self, judged: &[Exchange]) {
        if judged
            .iter()
            .any(|ex| self.is_destructive(&ex.request) && !refused(ex))
        {
            self.ledger.lock().await.destructive_accepted = Some(Instant::now());
        }
    }

    /// Settle the whole ledger (end of run, Ctrl-C).
    pub(super) async fn restore_all(&self, log: &mut Vec<Exchange>) -> Result<(), String> {
        self.restore_into(log, false).await
    }

    async fn restore_into(&self, log: &mut Vec<Exchange>, check_calls: bool) -> Result<(), String> {
        let mut problems = Vec::new();
        let has_calls = !self.ledger.lock().await.calls.is_empty();
        if (has_calls || check_calls)
            && let Err(e) = self.end_run_calls(log, CLEANUP).await
        {
            problems.push(e);
        }
        let config = self.ledger.lock().await.config.clone();
        if !config.is_empty() {
            match self.restore_config(&config, log).await {
                Ok(()) => self.ledger.lock().await.config.clear(),
                Err(e) => problems.push(e),
            }
        }
        let transfer = self.ledger.lock().await.transfer_type.clone();
        if let Some(t) = transfer {
            let path = self.path_of("mgmt.transfer-type.set", "/api/v1/mgmt/transferType/set");
            let ex = self
                .send_logged(
                    log,
                    &format!("{CLEANUP}restore transfer type"),
                    WireRequest::post_json(&path, &json!({ "data": { "Type": t } })),
                )
                .await;
            // Cleared either way: a value the phone refuses now it will refuse after every
            // later case too, and one failed restore must not make every later case ERROR.
            self.ledger.lock().await.transfer_type = None;
            if !answered_2000(&ex) {
                problems.push(format!(
                    "writing back transfer type `{t}`: transferType/set answered {}",
                    ex.outcome.summary()
                ));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// Write config values back and read them again to be sure.
    async fn restore_config(
        &self,
        config: &BTreeMap<String, String>,
        log: &mut Vec<Exchange>,
    ) -> Result<(), String> {
        let names: Vec<String> = config.keys().cloned().collect();
        self.write_config(config, log, &format!("{CLEANUP}restore config"))
            .await
            .map_err(|e| format!("writing back {}: {e}", names.join(", ")))?;
        let now = self
            .read_config(&names, log, &format!("{CLEANUP}verify restored config"))
            .await
            .map_err(|e| format!("verifying {}: {e}", names.join(", ")))?;
        let wrong: Vec<String> = config
            .iter()
            .filter(|(k, v)| now.get(*k) != Some(*v))
            .map(|(k, v)| {
                format!(
                    "`{k}` is `{}`, was `{v}`",
                    now.get(k).map(String::as_str).unwrap_or("?")
                )
            })
            .collect();
        if wrong.is_empty() {
            Ok(())
        } else {
            Err(format!("config not restored: {}", wrong.join(", ")))
        }
    }

    /// End every call the run made (resume held ones first, reject ringing ones) and
    /// wait until they are gone. Calls a person made are never touched.
    pub(super) async fn end_run_calls(
        &self,
        log: &mut Vec<Exchange>,
        prefix: &str,
    ) -> Result<(), String> {
        let step = format!("{prefix}end the run's calls");
        let calls = self.calls(log, &step).await?;
        let ours = self.ledger.lock().await.calls.clone();
        let present: Vec<_> = calls
            .into_iter()
            .filter(|c| ours.contains(&c.handle))
            .collect();
        let end_path = self.path_of("callctrl.end-call", "/api/v1/callctrl/endCall");
        for call in &present {
            let body = json!({ "data": { "Ref": call.handle } });
            if call.is_offering() {
                let path = self.path_of("callctrl.reject-call", "/api/v1/callctrl/rejectCall");
                let ex = self
                    .send_logged(log, &step, WireRequest::post_json(&path, &body))
                    .await;
                if answered_2000(&ex) {
                    continue;
                }
            }
            if call.is_held() {
                let path = self.path_of("callctrl.resume-call", "/api/v1/callctrl/resumeCall");
                self.send_logged(log, &step, WireRequest::post_json(&path, &body))
                    .await;
            }
            self.send_logged(log, &step, WireRequest::post_json(&end_path, &body))
                .await;
        }
        let mut poll = Poll::until(self.options.timeout);
        loop {
            let calls = self
                .calls(log, &format!("{prefix}wait for the run's calls to end"))
                .await?;
            let left: BTreeSet<String> = calls
                .into_iter()
                .map(|c| c.handle)
                .filter(|h| ours.contains(h))
                .collect();
            if left.is_empty() {
                self.ledger.lock().await.calls.retain(|h| !ours.contains(h));
                return Ok(());
            }
            if !poll.more() {
                self.ledger
                    .lock()
                    .await
                    .calls
                    .retain(|h| left.contains(h) || !ours.contains(h));
                return Err(format!(
                    "calls made by the run are still up after endCall: {}",
                    left.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
            poll.pause().await;
        }
    }

    /// Poll device/info (v2 when the profile has it: it says `ReadyToUse`) until the
    /// phone answers ready, up to [`READY_TIMEOUT`].
    ///
    /// `outage`: when the phone accepted a reboot. A phone that answers ready is then
    /// only believed once it was seen down, or its uptime is shorter than the time since
    /// (it rebooted already), or it kept answering for [`SETTLE`] (a real phone answers
    /// the reboot request and goes away a moment later).
    pub(super) async fn wait_ready(
        &self,
        log: &mut Vec<Exchange>,
        outage: Option<Instant>,
    ) -> Result<(), String> {
        let expect_outage = outage.is_some();
        let (path, v2) = match self.profile.endpoint("mgmt.device-info.v2") {
            Some(e) => (e.path.clone(), true),
            None => (
                self.path_of("mgmt.device-info", "/api/v1/mgmt/device/info"),
                false,
            ),
        };
        let started = Instant::now();
        let mut seen_down = false;
        let mut last = String::from("no answer yet");
        loop {
            let ex = self
                .send_logged(
                    log,
                    &format!("{CLEANUP}wait until ready"),
                    WireRequest::get(&path),
                )
                .await;
            let ready = answered_2000(&ex)
                && (!v2
                    || ex
                        .outcome
                        .response()
                        .and_then(|r| r.json())
                        .and_then(|j| {
                            j.pointer("/data/ReadyToUse")
                                .and_then(Value::as_str)
                                .map(|s| s.eq_ignore_ascii_case("true"))
                        })
                        .unwrap_or(true));
            let rebooted = outage.is_some_and(|at| {
                ex.outcome
                    .response()
                    .and_then(|r| r.json())
                    .and_then(|j| uptime(&j))
                    .is_some_and(|up| up < at.elapsed())
            });
            if ready && (!expect_outage || seen_down || rebooted || started.elapsed() >= SETTLE) {
                return Ok(());
            }
            if !ready {
                seen_down = true;
                last = match &ex.outcome {
                    Outcome::Answered(_) => ex.outcome.summary(),
                    other => other.summary(),
                };
            }
            if started.elapsed() + POLL_INTERVAL > READY_TIMEOUT {
                return Err(format!(
                    "the phone was not ready again within {} s (last: {last})",
                    READY_TIMEOUT.as_secs()
                ));
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uptime_reads_v2_objects_and_v1_text() {
        let v2 = json!({"data": {"UpTime": {"Days": "1", "Hours": "1", "Minutes": "41", "Seconds": "28"}}});
        assert_eq!(
            uptime(&v2),
            Some(Duration::from_secs(86_400 + 3600 + 41 * 60 + 28))
        );
        let v1 = json!({"data": {"UpTimeSinceLastReboot": "20 Days 16:11:42"}});
        assert_eq!(
            uptime(&v1),
            Some(Duration::from_secs(20 * 86_400 + 16 * 3600 + 11 * 60 + 42))
        );
        assert_eq!(
            uptime(&json!({"data": {"UpTimeSinceLastReboot": "3.02:24:46"}})),
            None
        );
        assert_eq!(uptime(&json!({"Status": "2000"})), None);
    }

    #[test]
    fn config_values_read_every_spelling() {
        let data = json!({
            "a": {"Value": "1", "Source": "default"},
            "b": {"value": "2", "source": "web"},
            "c": "3",
            "d": {"Source": "default"}
        });
        assert_eq!(config_value(&data, "a").as_deref(), Some("1"));
        assert_eq!(config_value(&data, "b").as_deref(), Some("2"));
        assert_eq!(config_value(&data, "c").as_deref(), Some("3"));
        assert_eq!(config_value(&data, "d"), None);
        assert_eq!(config_value(&data, "e"), None);
    }
}
