//! The phone's own number: what a second phone dials to ring it.
//!
//! `--peer` rings the target through the peer's REST API, so the harness must know the
//! target's address. Line 1's `SIPAddress` in lineInfo (v1, both manuals) is what a
//! caller on the same call server dials: a bare extension (`6000`, as a Trio 5.5 capture
//! shows) or `user@server`. Phones of 5.7 wrote `Username` instead, and v2 lineInfo has
//! `Username` too (research/real-devices.md §1.5), so those are read when `SIPAddress`
//! is missing or empty. `--target-number` overrides all of it.

use super::api::{Api, Phone, Transport, answered_2000};
use super::error::PhoneError;
use serde_json::Value;

pub const LINE_INFO: Api = Api { id: "mgmt.line-info", manual: "/api/v1/mgmt/lineInfo" };
pub const LINE_INFO_V2: Api = Api { id: "mgmt.line-info.v2", manual: "/api/v2/mgmt/lineInfo" };

/// The members that may hold line 1's address, most specific first.
const ADDRESS_MEMBERS: [&str; 3] = ["SIPAddress", "Username", "UserID"];

/// Line 1's address in a lineInfo answer (v1 or v2), if it gives one.
pub fn own_number(answer: &Value) -> Option<String> {
    let first = match answer.get("data")? {
        Value::Array(lines) => lines.first()?,
        line @ Value::Object(_) => line,
        _ => return None,
    };
    ADDRESS_MEMBERS
        .iter()
        .filter_map(|m| first.get(*m).and_then(Value::as_str))
        .map(str::trim)
        .find(|a| !a.is_empty())
        .map(str::to_string)
}

impl<T: Transport> Phone<'_, T> {
    /// The number another phone dials to ring this one: lineInfo v1, else v2.
    pub async fn own_number(&mut self, step: &str) -> Result<String, PhoneError> {
        let mut last = None;
        for api in [LINE_INFO, LINE_INFO_V2] {
            let ex = self.get(step, api).await;
            if answered_2000(&ex)
                && let Some(number) = ex.outcome.response().and_then(|r| r.json()).as_ref().and_then(own_number)
            {
                return Ok(number);
            }
            last = Some(ex);
        }
        let summary = last.map(|ex| ex.outcome.summary()).unwrap_or_default();
        Err(PhoneError::Answered { op: "lineInfo (line 1 address)", summary })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phone::testkit::Script;
    use serde_json::json;

    #[test]
    fn line_one_address_from_v1_v2_and_the_older_member_names() {
        let v1 = json!({"data": [{"LineNumber": "1", "SIPAddress": "1001@pbx.lab"}, {"SIPAddress": "2"}]});
        assert_eq!(own_number(&v1).as_deref(), Some("1001@pbx.lab"));
        let bare = json!({"data": [{"SIPAddress": " 6000 "}]});
        assert_eq!(own_number(&bare).as_deref(), Some("6000"));
        let v2 = json!({"data": [{"ID": "1", "Username": "1002"}]});
        assert_eq!(own_number(&v2).as_deref(), Some("1002"));
        let empty = json!({"data": [{"SIPAddress": "", "UserID": "6001"}]});
        assert_eq!(own_number(&empty).as_deref(), Some("6001"));
        assert_eq!(own_number(&json!({"data": []})), None);
        assert_eq!(own_number(&json!({"Status": "2000"})), None);
    }

    #[tokio::test]
    async fn v2_is_asked_when_v1_gives_no_address() {
        let mut script = Script::new(&[(404, ""), (200, r#"{"data":[{"ID":"1","Username":"1002"}],"Status":"2000"}"#)]);
        let number = Phone::manual(&mut script).own_number("number").await.unwrap();
        assert_eq!(number, "1002");
        assert_eq!(script.sent[1].1.path, "/api/v2/mgmt/lineInfo");
        let mut none = Script::new(&[(200, r#"{"Status":"4000"}"#), (200, r#"{"Status":"4000"}"#)]);
        let err = Phone::manual(&mut none).own_number("number").await.unwrap_err();
        assert!(err.to_string().contains("Status \"4000\""), "{err}");
    }
}
