//! Config parameters: read them with config/get and write them with config/set.
//!
//! The harness reads values before a case changes them and writes them back after. Both
//! operations take at most the profile's `config_params_max` names per request (a phone
//! refuses more with 4009), so longer lists are sent in chunks.

use super::api::{Api, Phone, Transport, answered_2000};
use super::error::PhoneError;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub const CONFIG_GET: Api = Api { id: "mgmt.config-get", manual: "/api/v1/mgmt/config/get" };
pub const CONFIG_SET: Api = Api { id: "mgmt.config-set", manual: "/api/v1/mgmt/config/set" };

/// The value of one parameter in a config/get answer (`Value` on real phones, `value`
/// in the manual's example, or a bare string).
pub fn config_value(data: &Value, name: &str) -> Option<String> {
    match data.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("Value").or_else(|| o.get("value")).and_then(|v| match v {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl<T: Transport> Phone<'_, T> {
    /// How many parameters one request may carry: the profile's limit; without a profile
    /// the caller's list is sent as it is.
    fn config_chunk(&self) -> usize {
        self.profile().map_or(usize::MAX, |p| p.limits.config_params_max).max(1)
    }

    /// The values of `names`, each of which the phone must report.
    pub async fn read_config(&mut self, step: &str, names: &[String]) -> Result<BTreeMap<String, String>, PhoneError> {
        let mut out = BTreeMap::new();
        for chunk in names.chunks(self.config_chunk()) {
            let ex = self.post(step, CONFIG_GET, &json!({ "data": chunk })).await;
            if !answered_2000(&ex) {
                return Err(PhoneError::Answered { op: "config/get", summary: ex.outcome.summary() });
            }
            let data = ex
                .outcome
                .response()
                .and_then(|r| r.json())
                .and_then(|j| j.get("data").cloned())
                .unwrap_or(Value::Null);
            for name in chunk {
                let value = config_value(&data, name).ok_or_else(|| PhoneError::NoValue { name: name.clone() })?;
                out.insert(name.clone(), value);
            }
        }
        Ok(out)
    }

    /// Set `values` (parameter -> value).
    pub async fn write_config(&mut self, step: &str, values: &BTreeMap<String, String>) -> Result<(), PhoneError> {
        let pairs: Vec<(&String, &String)> = values.iter().collect();
        for chunk in pairs.chunks(self.config_chunk()) {
            let data: serde_json::Map<String, Value> =
                chunk.iter().map(|(k, v)| ((*k).clone(), Value::String((*v).clone()))).collect();
            let ex = self.post(step, CONFIG_SET, &json!({ "data": data })).await;
            if !answered_2000(&ex) {
                return Err(PhoneError::Answered { op: "config/set", summary: ex.outcome.summary() });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_values_read_every_spelling() {
        let data = json!({
            "a": {"Value": "1", "Source": "default"},
            "b": {"value": "2", "source": "web"},
            "c": "3",
            "d": {"Source": "default"},
            "f": {"Value": 4}
        });
        assert_eq!(config_value(&data, "a").as_deref(), Some("1"));
        assert_eq!(config_value(&data, "b").as_deref(), Some("2"));
        assert_eq!(config_value(&data, "c").as_deref(), Some("3"));
        assert_eq!(config_value(&data, "d"), None);
        assert_eq!(config_value(&data, "e"), None);
        assert_eq!(config_value(&data, "f").as_deref(), Some("4"));
    }

    #[test]
    fn config_errors_print_as_they_always_have() {
        assert_eq!(PhoneError::NoValue { name: "a.b".into() }.to_string(), "config/get gave no value for `a.b`");
        assert_eq!(
            PhoneError::Answered { op: "config/set", summary: r#"HTTP 200, Status "4000""#.into() }.to_string(),
            r#"config/set answered HTTP 200, Status "4000""#
        );
    }
}
