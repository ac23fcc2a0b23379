//! Is the phone free? The lab's call-state probe, asked before a run.
//!
//! A lab phone may be in a call a person placed: running the suites then would end that
//! call and judge the phone on a state the run did not set up. v2 callStatus `"2000"`
//! with an empty `data` array is idle (research/real-devices.md §1.4); any call listed
//! makes the phone busy. When v2 does not tell, v1 is asked: `"4007"` (call does not
//! exist) is idle, `"2000"` with a call object is busy (§1.3). Unlike [`Phone::calls`],
//! which only needs handles, this reads the answer strictly (HTTP 200) and describes the
//! calls so a person can tell whose call it is, without naming the far end.

use super::api::{Phone, Transport};
use super::calls::{CALL_STATUS, CALL_STATUS_V2};
use crate::device::WireResponse;

/// What the phone said about calls before the run.
#[derive(Debug, Clone, PartialEq)]
pub enum CallState {
    Idle,
    /// In a call; the text describes it without numbers or names of the far end.
    InCall(String),
    /// The phone did not tell; why.
    Unknown(String),
}

impl<T: Transport> Phone<'_, T> {
    /// Ask v2 callStatus, then v1 when v2 does not tell.
    pub async fn call_state(&mut self) -> CallState {
        let v2 = self.get("health: call status v2", CALL_STATUS_V2).await;
        if let Some(state) = v2.outcome.response().and_then(from_v2) {
            return state;
        }
        let v1 = self.get("health: call status v1", CALL_STATUS).await;
        if let Some(state) = v1.outcome.response().and_then(from_v1) {
            return state;
        }
        CallState::Unknown(format!(
            "call status not readable (v2: {}; v1: {})",
            v2.outcome.summary(),
            v1.outcome.summary()
        ))
    }
}

/// Read a v2 answer: `{"data": [...], "Status": "2000"}`.
pub fn from_v2(r: &WireResponse) -> Option<CallState> {
    if r.status != 200 || r.api_status().as_deref() != Some("2000") {
        return None;
    }
    match r.json()?.get("data")? {
        serde_json::Value::Array(calls) if calls.is_empty() => Some(CallState::Idle),
        serde_json::Value::Array(calls) => Some(CallState::InCall(describe(calls))),
        serde_json::Value::Object(call) if call.is_empty() => Some(CallState::Idle),
        call @ serde_json::Value::Object(_) => Some(CallState::InCall(describe(std::slice::from_ref(call)))),
        _ => None,
    }
}

/// Read a v1 answer: `"4007"` without a call, `"2000"` with one call object.
pub fn from_v1(r: &WireResponse) -> Option<CallState> {
    if r.status != 200 {
        return None;
    }
    match r.api_status()?.as_str() {
        "4007" => Some(CallState::Idle),
        "2000" => match r.json()?.get("data") {
            Some(call @ serde_json::Value::Object(o)) if !o.is_empty() => {
                Some(CallState::InCall(describe(std::slice::from_ref(call))))
            }
            Some(serde_json::Value::Array(calls)) if !calls.is_empty() => Some(CallState::InCall(describe(calls))),
            _ => Some(CallState::Idle),
        },
        _ => None,
    }
}

/// `1 call (Connected, Incoming)`: enough to tell a person's call, nothing about who.
fn describe(calls: &[serde_json::Value]) -> String {
    let states: Vec<String> = calls
        .iter()
        .map(|c| {
            let field = |k: &str| c.get(k).and_then(|v| v.as_str()).unwrap_or("?").to_string();
            format!("{}, {}", field("CallState"), field("Type"))
        })
        .collect();
    format!("{} call(s) ({})", calls.len(), states.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::testkit::response as answer;

    #[test]
    fn v2_idle_is_an_empty_array_and_any_call_is_busy() {
        assert_eq!(from_v2(&answer(200, r#"{"data": [], "Status": "2000"}"#)), Some(CallState::Idle));
        let busy = from_v2(&answer(
            200,
            r#"{"data": [{"CallState": "Connected", "Type": "Incoming", "RemotePartyNumber": "hdx9000"}], "Status": "2000"}"#,
        ));
        match busy {
            Some(CallState::InCall(text)) => {
                assert_eq!(text, "1 call(s) (Connected, Incoming)");
                assert!(!text.contains("hdx9000"), "the far end is not named");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(from_v2(&answer(404, "")), None);
        assert_eq!(from_v2(&answer(200, r#"{"Status": "4000"}"#)), None);
        assert_eq!(from_v2(&answer(200, "<html>")), None);
    }

    #[test]
    fn v1_idle_is_4007_or_an_empty_object_and_a_call_object_is_busy() {
        assert_eq!(from_v1(&answer(200, r#"{"Status": "4007"}"#)), Some(CallState::Idle));
        assert_eq!(from_v1(&answer(200, r#"{"data": {}, "Status": "2000"}"#)), Some(CallState::Idle));
        assert!(matches!(
            from_v1(&answer(200, r#"{"data": {"CallState": "Connected", "Type": "Outgoing"}, "Status": "2000"}"#)),
            Some(CallState::InCall(_))
        ));
        assert_eq!(from_v1(&answer(200, r#"{"Status": "5000"}"#)), None);
    }
}
