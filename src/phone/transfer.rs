//! The transfer type (`Blind`, `Consultative`): read it with transferType/get and write
//! it with transferType/set.
//!
//! Cases that change the transfer type have it put back afterwards; a value the phone
//! reports but transferType/set does not document would only be refused when written
//! back, so [`settable`] tells the caller whether writing it back makes sense.

use super::api::{Api, Phone, Transport, answered_2000};
use super::error::PhoneError;
use crate::catalogue::Profile;
use crate::catalogue::schema::SchemaSet;
use serde_json::{Value, json};

pub const TRANSFER_TYPE_GET: Api = Api { id: "mgmt.transfer-type.get", manual: "/api/v1/mgmt/transferType/get" };
pub const TRANSFER_TYPE_SET: Api = Api { id: "mgmt.transfer-type.set", manual: "/api/v1/mgmt/transferType/set" };

/// The body transferType/set takes.
fn set_body(t: &str) -> Value {
    json!({ "data": { "Type": t } })
}

/// Whether transferType/set documents this value (its request schema says so). False
/// when the profile has no transferType/set.
pub fn settable(profile: &Profile, schemas: &SchemaSet, t: &str) -> bool {
    let Some(set) = profile.endpoint(TRANSFER_TYPE_SET.id) else {
        return false;
    };
    schemas.validate(&set.schema, "request", &set_body(t)).is_some_and(|v| v.is_empty())
}

impl<T: Transport> Phone<'_, T> {
    /// The current transfer type (`data.Type`, trimmed).
    pub async fn transfer_type(&mut self, step: &str) -> Result<String, PhoneError> {
        const OP: &str = "transferType/get";
        let ex = self.get(step, TRANSFER_TYPE_GET).await;
        if !answered_2000(&ex) {
            return Err(PhoneError::Answered { op: OP, summary: ex.outcome.summary() });
        }
        ex.outcome
            .response()
            .and_then(|r| r.json())
            .and_then(|j| j.pointer("/data/Type").and_then(Value::as_str).map(|s| s.trim().to_string()))
            .ok_or(PhoneError::Missing { op: OP, member: "data.Type" })
    }

    /// Set the transfer type.
    pub async fn set_transfer_type(&mut self, step: &str, t: &str) -> Result<(), PhoneError> {
        let ex = self.post(step, TRANSFER_TYPE_SET, &set_body(t)).await;
        if answered_2000(&ex) {
            Ok(())
        } else {
            Err(PhoneError::Answered { op: "transferType/set", summary: ex.outcome.summary() })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transfer_type_errors_print_as_they_always_have() {
        assert_eq!(
            PhoneError::Missing { op: "transferType/get", member: "data.Type" }.to_string(),
            "transferType/get has no `data.Type`"
        );
        assert_eq!(
            PhoneError::Answered { op: "transferType/set", summary: "HTTP 404".into() }.to_string(),
            "transferType/set answered HTTP 404"
        );
    }
}
