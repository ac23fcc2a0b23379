//! Device info: whether the phone is up and ready, and how long since it booted.
//!
//! After a reboot or reset a case caused, the harness waits for the phone to come back
//! before it does anything else; v2 device/info says so in `ReadyToUse`, v1 only by
//! answering. The uptime tells a phone that already rebooted from one that has not gone
//! away yet.

use super::api::{Api, Phone, Transport, answered_2000};
use super::error::PhoneError;
use super::poll::POLL_INTERVAL;
use crate::device::Exchange;
use serde_json::Value;
use std::time::{Duration, Instant};

pub const DEVICE_INFO: Api = Api { id: "mgmt.device-info", manual: "/api/v1/mgmt/device/info" };
pub const DEVICE_INFO_V2: Api = Api { id: "mgmt.device-info.v2", manual: "/api/v2/mgmt/device/info" };

/// How long `wait-ready` waits for a phone to come back after a reboot or reset.
pub const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// A rebooting phone may still answer for a moment after accepting the reboot; a phone
/// that answers "ready" this long without having been seen down is taken as ready.
const SETTLE: Duration = Duration::from_secs(3);

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
    let clock: Vec<u64> = words.next()?.split(':').map(|p| p.parse().ok()).collect::<Option<Vec<u64>>>()?;
    let [h, m, s] = clock[..] else { return None };
    Some(Duration::from_secs(days * 86_400 + h * 3600 + m * 60 + s))
}

/// Whether a device/info answer says ready: Status 2000, and for v2 `ReadyToUse` not
/// `false` (an answer without it is believed).
pub fn is_ready(ex: &Exchange, v2: bool) -> bool {
    answered_2000(ex)
        && (!v2
            || ex
                .outcome
                .response()
                .and_then(|r| r.json())
                .and_then(|j| {
                    j.pointer("/data/ReadyToUse").and_then(Value::as_str).map(|s| s.eq_ignore_ascii_case("true"))
                })
                .unwrap_or(true))
}

/// Whether the answer's uptime is shorter than the time since `outage` began: the phone
/// has rebooted since.
fn rebooted_since(ex: &Exchange, outage: Option<Instant>) -> bool {
    outage.is_some_and(|at| {
        ex.outcome.response().and_then(|r| r.json()).and_then(|j| uptime(&j)).is_some_and(|up| up < at.elapsed())
    })
}

impl<T: Transport> Phone<'_, T> {
    /// Poll device/info (v2 when the profile has it: it says `ReadyToUse`) until the
    /// phone answers ready, up to [`READY_TIMEOUT`].
    ///
    /// `outage`: when the phone accepted a reboot. A phone that answers ready is then
    /// only believed once it was seen down, or its uptime is shorter than the time since
    /// (it rebooted already), or it kept answering for [`SETTLE`] (a real phone answers
    /// the reboot request and goes away a moment later).
    pub async fn wait_ready(&mut self, step: &str, outage: Option<Instant>) -> Result<(), PhoneError> {
        let v2 = self.documents(DEVICE_INFO_V2);
        let api = if v2 { DEVICE_INFO_V2 } else { DEVICE_INFO };
        let started = Instant::now();
        let mut seen_down = false;
        let mut last = String::from("no answer yet");
        loop {
            let ex = self.get(step, api).await;
            let ready = is_ready(&ex, v2);
            let believed = outage.is_none() || seen_down || rebooted_since(&ex, outage) || started.elapsed() >= SETTLE;
            if ready && believed {
                return Ok(());
            }
            if !ready {
                seen_down = true;
                last = ex.outcome.summary();
            }
            if started.elapsed() + POLL_INTERVAL > READY_TIMEOUT {
                return Err(PhoneError::NotReady { secs: READY_TIMEOUT.as_secs(), last });
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::testkit::answer;
    use serde_json::json;

    #[test]
    fn uptime_reads_v2_objects_and_v1_text() {
        let v2 = json!({"data": {"UpTime": {"Days": "1", "Hours": "1", "Minutes": "41", "Seconds": "28"}}});
        assert_eq!(uptime(&v2), Some(Duration::from_secs(86_400 + 3600 + 41 * 60 + 28)));
        let v1 = json!({"data": {"UpTimeSinceLastReboot": "20 Days 16:11:42"}});
        assert_eq!(uptime(&v1), Some(Duration::from_secs(20 * 86_400 + 16 * 3600 + 11 * 60 + 42)));
        assert_eq!(uptime(&json!({"data": {"UpTimeSinceLastReboot": "3.02:24:46"}})), None);
        assert_eq!(uptime(&json!({"Status": "2000"})), None);
    }

    #[test]
    fn ready_means_2000_and_for_v2_not_ready_to_use_false() {
        let yes = answer(200, r#"{"data":{"ReadyToUse":"True"},"Status":"2000"}"#);
        let no = answer(200, r#"{"data":{"ReadyToUse":"false"},"Status":"2000"}"#);
        let silent = answer(200, r#"{"data":{},"Status":"2000"}"#);
        assert!(is_ready(&yes, true));
        assert!(!is_ready(&no, true));
        assert!(is_ready(&no, false), "v1 says ready by answering");
        assert!(is_ready(&silent, true));
        assert!(!is_ready(&answer(503, r#"{"Status":"2000"}"#), false));
    }

    #[test]
    fn not_ready_prints_as_it_always_has() {
        assert_eq!(
            PhoneError::NotReady { secs: 120, last: "HTTP 503".into() }.to_string(),
            "the phone was not ready again within 120 s (last: HTTP 503)"
        );
    }
}
