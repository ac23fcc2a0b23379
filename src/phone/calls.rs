//! Calls: list them (callStatus), dial, hold, resume, reject, end and hang them up.
//!
//! The harness needs these to set up call states a case requires and to end the calls it
//! made. The two versions of callStatus list calls differently (v2: an array; v1: one
//! object, or Status 4007 or an empty object when idle) and write handles differently
//! (v2 `41c2c008`, v1 `0x41c2c008`); [`parse_calls`] and [`normalise_handle`] make them
//! one list of one handle form, so handles from either can be compared.

use super::api::{Api, Phone, Transport, answered_2000};
use super::error::PhoneError;
use crate::device::Exchange;
use serde_json::{Value, json};

pub const CALL_STATUS_V2: Api =
    Api { id: "webcallcontrol.call-status.v2", manual: "/api/v2/webCallControl/callStatus" };
pub const CALL_STATUS: Api = Api { id: "webcallcontrol.call-status", manual: "/api/v1/webCallControl/callStatus" };
pub const DIAL: Api = Api { id: "callctrl.dial", manual: "/api/v1/callctrl/dial" };
pub const HOLD: Api = Api { id: "callctrl.hold-call", manual: "/api/v1/callctrl/holdCall" };
pub const RESUME: Api = Api { id: "callctrl.resume-call", manual: "/api/v1/callctrl/resumeCall" };
pub const REJECT: Api = Api { id: "callctrl.reject-call", manual: "/api/v1/callctrl/rejectCall" };
pub const END: Api = Api { id: "callctrl.end-call", manual: "/api/v1/callctrl/endCall" };

/// One call as the phone lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInfo {
    /// Normalised handle: lower-case hex without `0x` (the v2 form).
    pub handle: String,
    /// `CallState` as the phone writes it (`Connected`, `RingBack`, `Offering`, `Hold`...).
    pub state: String,
}

impl CallInfo {
    pub fn is_held(&self) -> bool {
        self.state.to_ascii_lowercase().contains("hold")
    }

    pub fn is_offering(&self) -> bool {
        let s = self.state.to_ascii_lowercase();
        s.contains("offering") || s.contains("ringing") || s.contains("incoming")
    }
}

/// v1 shows handles as `0x0a1b2c3d`, v2 as `0a1b2c3d`; `Ref` inputs accept either.
pub fn normalise_handle(handle: &str) -> String {
    let h = handle.trim();
    let h = h.strip_prefix("0x").or_else(|| h.strip_prefix("0X")).unwrap_or(h);
    h.to_ascii_lowercase()
}

/// The calls in a callStatus answer (v2: an array, v1: one object or Status 4007).
pub fn parse_calls(exchange: &Exchange) -> Result<Vec<CallInfo>, PhoneError> {
    const OP: &str = "call status";
    let Some(response) = exchange.outcome.response() else {
        return Err(PhoneError::Unanswered { op: OP, summary: exchange.outcome.summary() });
    };
    // An answer larger than --max-body is no unreadable JSON: its summary says how large.
    if !response.is_whole() {
        return Err(PhoneError::Answered { op: OP, summary: exchange.outcome.summary() });
    }
    let Some(body) = response.json() else {
        return Err(PhoneError::NotJson { op: OP, status: response.status });
    };
    match response.api_status().as_deref() {
        // v1 with no call.
        Some("4007") => return Ok(vec![]),
        Some("2000") => {}
        _ => {
            return Err(PhoneError::Answered { op: OP, summary: exchange.outcome.summary() });
        }
    }
    let items: Vec<&Value> = match body.get("data") {
        Some(Value::Array(items)) => items.iter().collect(),
        // v1 with a call; an empty object (v1 idle) lists no handle and so no call.
        Some(obj @ Value::Object(_)) => vec![obj],
        None | Some(Value::Null) => vec![],
        Some(other) => {
            return Err(PhoneError::NotCalls { data: other.to_string() });
        }
    };
    Ok(items.into_iter().filter_map(call_info).collect())
}

/// One listed call; an entry without a handle cannot be acted on, so it is skipped.
fn call_info(c: &Value) -> Option<CallInfo> {
    let handle = c.get("CallHandle")?.as_str()?;
    let state = c.get("CallState").and_then(Value::as_str).unwrap_or("").to_string();
    Some(CallInfo { handle: normalise_handle(handle), state })
}

/// The body of the call-control operations that act on one call.
fn by_ref(handle: &str) -> Value {
    json!({ "data": { "Ref": handle } })
}

impl<T: Transport> Phone<'_, T> {
    /// The calls on the phone, from v2 callStatus (v1 when the profile has no v2).
    pub async fn calls(&mut self, step: &str) -> Result<Vec<CallInfo>, PhoneError> {
        let api = if self.documents(CALL_STATUS_V2) { CALL_STATUS_V2 } else { CALL_STATUS };
        let ex = self.get(step, api).await;
        parse_calls(&ex)
    }

    /// Dial `dest` on line 1. Success is the phone accepting the dial, not the call
    /// connecting: that shows in [`Phone::calls`] later.
    pub async fn dial(&mut self, step: &str, dest: &str) -> Result<(), PhoneError> {
        let body = json!({ "data": { "Dest": dest, "Line": "1" } });
        let ex = self.post(step, DIAL, &body).await;
        if answered_2000(&ex) {
            Ok(())
        } else {
            Err(PhoneError::Dial { dest: dest.to_string(), summary: ex.outcome.summary() })
        }
    }

    /// Put a call on hold (the phone shows it held a moment later).
    pub async fn hold(&mut self, step: &str, handle: &str) -> Result<(), PhoneError> {
        let ex = self.post(step, HOLD, &by_ref(handle)).await;
        success(&ex, "holdCall")
    }

    /// Resume a held call.
    pub async fn resume(&mut self, step: &str, handle: &str) -> Result<(), PhoneError> {
        let ex = self.post(step, RESUME, &by_ref(handle)).await;
        success(&ex, "resumeCall")
    }

    /// Reject a ringing incoming call.
    pub async fn reject(&mut self, step: &str, handle: &str) -> Result<(), PhoneError> {
        let ex = self.post(step, REJECT, &by_ref(handle)).await;
        success(&ex, "rejectCall")
    }

    /// End a call. A call that no longer exists (Status 4007) is what ending it was for.
    pub async fn end_call(&mut self, step: &str, handle: &str) -> Result<(), PhoneError> {
        let ex = self.post(step, END, &by_ref(handle)).await;
        let gone = ex.outcome.response().and_then(|r| r.api_status()).is_some_and(|s| s == "4007");
        if gone {
            return Ok(());
        }
        success(&ex, "endCall")
    }

    /// Hang up one call whatever its state: reject it while it rings, resume it first when
    /// held (a held call cannot be ended, 4003), then end it. Whether the phone did shows
    /// in the next call listing, so the answers are not judged here.
    pub async fn hang_up(&mut self, step: &str, call: &CallInfo) {
        if call.is_offering() && self.reject(step, &call.handle).await.is_ok() {
            return;
        }
        if call.is_held() {
            let _ = self.resume(step, &call.handle).await;
        }
        let _ = self.end_call(step, &call.handle).await;
    }
}

/// Ok when the phone did it (HTTP 2xx, Status 2000), else what it answered.
fn success(ex: &Exchange, op: &'static str) -> Result<(), PhoneError> {
    if answered_2000(ex) { Ok(()) } else { Err(PhoneError::Answered { op, summary: ex.outcome.summary() }) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Outcome, WireRequest};
    use crate::phone::testkit::answer;

    fn call(handle: &str, state: &str) -> CallInfo {
        CallInfo { handle: handle.into(), state: state.into() }
    }

    #[test]
    fn v1_and_v2_call_status_give_the_same_normalised_calls() {
        let v2 = answer(200, r#"{"data":[{"CallHandle":"41C2C008","CallState":"Connected"}],"Status":"2000"}"#);
        let v1 = answer(200, r#"{"data":{"CallHandle":"0x41c2c008","CallState":"Connected"},"Status":"2000"}"#);
        let want = vec![call("41c2c008", "Connected")];
        assert_eq!(parse_calls(&v2).unwrap(), want);
        assert_eq!(parse_calls(&v1).unwrap(), want);
    }

    #[test]
    fn every_idle_shape_is_no_call() {
        for idle in [
            r#"{"Status":"4007"}"#,
            r#"{"data":[],"Status":"2000"}"#,
            r#"{"data":{},"Status":"2000"}"#,
            r#"{"Status":"2000"}"#,
            r#"{"data":null,"Status":"2000"}"#,
        ] {
            assert_eq!(parse_calls(&answer(200, idle)).unwrap(), vec![], "{idle}");
        }
    }

    #[test]
    fn a_busy_v2_list_keeps_every_call_with_a_handle() {
        let busy = answer(
            200,
            r#"{"data":[{"CallHandle":"0A","CallState":"Hold"},{"CallState":"Offering"},{"CallHandle":"0x0b"}],"Status":"2000"}"#,
        );
        assert_eq!(parse_calls(&busy).unwrap(), vec![call("0a", "Hold"), call("0b", "")]);
    }

    #[test]
    fn handles_are_normalised_to_the_v2_form() {
        assert_eq!(normalise_handle("0x0A1B2C3D"), "0a1b2c3d");
        assert_eq!(normalise_handle(" 0X41c2 "), "41c2");
        assert_eq!(normalise_handle("41C2C008"), "41c2c008");
    }

    #[test]
    fn unreadable_call_status_is_an_explained_error() {
        assert_eq!(
            parse_calls(&answer(200, "<html>")).unwrap_err().to_string(),
            "call status answered HTTP 200 without JSON"
        );
        assert_eq!(
            parse_calls(&answer(501, r#"{"Status":"4004"}"#)).unwrap_err().to_string(),
            r#"call status answered HTTP 501, Status "4004""#
        );
        assert_eq!(
            parse_calls(&answer(200, r#"{"data":"x","Status":"2000"}"#)).unwrap_err(),
            PhoneError::NotCalls { data: r#""x""#.into() }
        );
        let reset = Exchange {
            step: "s".into(),
            request: WireRequest::get("/x"),
            outcome: Outcome::Reset { detail: "refused".into() },
            elapsed_ms: 0,
        };
        let err = parse_calls(&reset).unwrap_err();
        assert!(matches!(err, PhoneError::Unanswered { op: "call status", .. }));
        assert!(err.to_string().starts_with("call status: "));
        assert!(err.to_string().contains("refused"));
    }

    #[test]
    fn held_and_offering_states_are_recognised() {
        assert!(call("a", "Hold").is_held());
        assert!(call("a", "Offering").is_offering());
        assert!(!call("a", "Connected").is_held());
        assert!(!call("a", "Connected").is_offering());
    }
}
