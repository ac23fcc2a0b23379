//! An exchange: what a case meant to send, what went on the wire, what came back.
//!
//! Checks, reports and reproducers are pure functions of these records, so a run can be
//! re-judged offline. Secrets are not stored: the `Authorization` header is recorded as
//! the [`AuthMode`] used, and only rendered (redacted) by `report::redact`.

use crate::catalogue::case::AuthMode;
use bytes::Bytes;
use serde::{Deserialize, Serialize};

/// A request as it goes on the wire (the "fact" twin of `catalogue::RequestSpec`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireRequest {
    pub method: String,
    /// Path and query, e.g. `/api/v2/webCallControl/callStatus?line=1`.
    pub path: String,
    /// Headers other than `Authorization` and `Host`.
    pub headers: Vec<(String, String)>,
    /// Body bytes; `None` sends no body at all. Shared, not copied, by the clones a
    /// request goes through (the copies of a concurrency burst, the wire log, the client).
    #[serde(with = "body_text", default)]
    pub body: Option<Bytes>,
    pub auth: AuthMode,
}

impl WireRequest {
    pub fn get(path: &str) -> WireRequest {
        WireRequest { method: "GET".into(), path: path.into(), headers: vec![], body: None, auth: AuthMode::Valid }
    }

    pub fn post_json(path: &str, body: &serde_json::Value) -> WireRequest {
        WireRequest {
            method: "POST".into(),
            path: path.into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some(serde_json::to_vec(body).unwrap_or_default().into()),
            auth: AuthMode::Valid,
        }
    }

    /// Value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// An HTTP answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WireResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    #[serde(with = "body_text_required")]
    pub body: Vec<u8>,
}

impl WireResponse {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The API `Status` of the body, as the phone wrote it (string, or a number shown as text).
    pub fn api_status(&self) -> Option<String> {
        match self.json()?.get("Status")? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// What happened to one request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Outcome {
    /// An HTTP answer arrived.
    Answered(WireResponse),
    /// Refused, reset or closed without an answer (a device behaviour, judged).
    Reset { detail: String },
    /// No answer within the timeout (judged; when the phone is still busy, the harness's
    /// patience ran out and the run says so instead).
    Timeout { after_ms: u64 },
    /// The harness could not send the request at all (a header value or method token its
    /// HTTP client refuses to put on the wire): never a verdict about the phone.
    ClientError { detail: String },
}

impl Outcome {
    pub fn response(&self) -> Option<&WireResponse> {
        match self {
            Outcome::Answered(r) => Some(r),
            _ => None,
        }
    }

    /// One line for reports: `HTTP 200, Status "2000"`, `connection reset`, `timeout after 10000 ms`.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Answered(r) => match r.api_status() {
                Some(s) => format!("HTTP {}, Status \"{}\"", r.status, s),
                None => format!("HTTP {}", r.status),
            },
            Outcome::Reset { detail } => format!("connection reset or refused ({detail})"),
            Outcome::Timeout { after_ms } => format!("no answer within {after_ms} ms"),
            Outcome::ClientError { detail } => {
                format!("not sent: the harness's HTTP client refused the request ({detail})")
            }
        }
    }
}

/// One request and its outcome, with timing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Exchange {
    /// Step name within the case (`request`, `dial`, `hold`...).
    pub step: String,
    pub request: WireRequest,
    pub outcome: Outcome,
    /// Milliseconds from sending to the end of the answer.
    pub elapsed_ms: u64,
}

/// Bodies are stored as text when they are UTF-8 and as base64 otherwise, so JSON
/// reports stay readable and byte-exact.
mod body_text {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(body: &Option<bytes::Bytes>, s: S) -> Result<S::Ok, S::Error> {
        body.as_ref().map(|b| super::BodyRepr::from_bytes(b)).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bytes::Bytes>, D::Error> {
        Ok(Option::<super::BodyRepr>::deserialize(d)?.map(|r| r.into_bytes().into()))
    }
}

mod body_text_required {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
        super::BodyRepr::from_bytes(body).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        Ok(super::BodyRepr::deserialize(d)?.into_bytes())
    }
}

/// A body as JSON text: the text itself when it is UTF-8, else base64. Serialising
/// borrows the body (wire logs of 20 KB bodies are written for every phone of a fleet).
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum BodyRepr<'a> {
    Text(#[serde(borrow)] std::borrow::Cow<'a, str>),
    Binary { base64: String },
}

impl<'a> BodyRepr<'a> {
    fn from_bytes(b: &'a [u8]) -> BodyRepr<'a> {
        use base64::Engine;
        match std::str::from_utf8(b) {
            Ok(s) => BodyRepr::Text(std::borrow::Cow::Borrowed(s)),
            Err(_) => BodyRepr::Binary { base64: base64::engine::general_purpose::STANDARD.encode(b) },
        }
    }

    fn into_bytes(self) -> Vec<u8> {
        use base64::Engine;
        match self {
            BodyRepr::Text(s) => s.into_owned().into_bytes(),
            BodyRepr::Binary { base64 } => base64::engine::general_purpose::STANDARD.decode(base64).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_bodies_round_trip_through_json() {
        let ex = WireRequest {
            method: "POST".into(),
            path: "/x".into(),
            headers: vec![],
            body: Some(vec![0xff, 0x00, b'a'].into()),
            auth: AuthMode::Valid,
        };
        let text = serde_json::to_string(&ex).unwrap();
        assert!(text.contains("base64"), "{text}");
        let back: WireRequest = serde_json::from_str(&text).unwrap();
        assert_eq!(back, ex);
    }

    #[test]
    fn api_status_reads_strings_and_numbers() {
        let r = WireResponse { status: 200, headers: vec![], body: br#"{"Status":"4007"}"#.to_vec() };
        assert_eq!(r.api_status().as_deref(), Some("4007"));
        let r = WireResponse { status: 200, headers: vec![], body: br#"{"Status":2000}"#.to_vec() };
        assert_eq!(r.api_status().as_deref(), Some("2000"));
        let r = WireResponse { status: 200, headers: vec![], body: b"<html>".to_vec() };
        assert_eq!(r.api_status(), None);
    }
}
