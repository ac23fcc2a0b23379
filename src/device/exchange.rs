//! An exchange: what a case meant to send, what went on the wire, what came back.
//!
//! Checks, reports and reproducers are pure functions of these records, so a run can be
//! re-judged offline. Secrets are not stored: the `Authorization` header is recorded as
//! the [`AuthMode`] used, and only rendered (redacted) by `report::redact`.
//!
//! An answer's body may be only its first bytes: the client reads at most `--max-body`
//! bytes of an answer (`device::body_limit`), and a record keeps fewer still
//! (`record::bodies`). [`WireResponse::truncated`] then says how large the whole answer
//! was and hashes what was read; a body that is not whole is never parsed as the answer
//! ([`WireResponse::json`] is `None`), because its first bytes are not what the phone said.

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
    /// The body, or only its first bytes when [`WireResponse::truncated`] is set.
    #[serde(with = "body_text_required")]
    pub body: Vec<u8>,
    /// Set when `body` is not the whole answer (larger than `--max-body`, or cut by a
    /// record); absent when it is, and in reports written before bodies were bounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub truncated: Option<Truncation>,
}

/// What is known of an answer whose body is kept only in part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Truncation {
    /// Bytes the harness read and judged: the first `--max-body` bytes of a larger answer,
    /// or the whole answer when only a record cut it.
    pub read: u64,
    /// The size of the whole answer.
    pub size: BodySize,
    /// SHA-256 (lower-case hex) of the `read` bytes: two runs can tell whether a phone
    /// sent the same oversized answer without either report holding it.
    pub sha256: String,
}

/// The size of a whole answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BodySize {
    /// Known: the harness read it to the end, or the phone announced it (`Content-Length`).
    Exact(u64),
    /// The harness stopped reading after this many bytes and the phone announced no length
    /// (a chunked answer may never end).
    AtLeast(u64),
}

impl BodySize {
    /// `10485760 bytes`, `at least 1049600 bytes`.
    pub fn words(self) -> String {
        match self {
            BodySize::Exact(n) => format!("{n} bytes"),
            BodySize::AtLeast(n) => format!("at least {n} bytes"),
        }
    }
}

impl Truncation {
    /// The harness read the whole answer; only a record keeps less of it.
    pub fn read_whole(&self) -> bool {
        self.size == BodySize::Exact(self.read)
    }
}

/// Levels of nesting serde_json parses before it refuses a document (its recursion limit).
pub const PARSER_DEPTH: usize = 128;

/// SHA-256 of bytes, as lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

impl WireResponse {
    /// A whole answer.
    pub fn new(status: u16, headers: Vec<(String, String)>, body: Vec<u8>) -> WireResponse {
        WireResponse { status, headers, body, truncated: None }
    }

    /// Whether `body` is the whole answer.
    pub fn is_whole(&self) -> bool {
        self.truncated.is_none()
    }

    /// Keep only the first `max` bytes of the body (fewer, to end on a whole UTF-8
    /// character), recording the whole answer's size and hash when this is the first cut.
    pub fn keep_first(&mut self, max: usize) {
        if self.body.len() <= max {
            return;
        }
        if self.truncated.is_none() {
            let read = self.body.len() as u64;
            self.truncated = Some(Truncation { read, size: BodySize::Exact(read), sha256: sha256_hex(&self.body) });
        }
        let cut = char_boundary(&self.body, max);
        // A fresh allocation, not the large one shrunk in place: kept for the whole run,
        // a shrunk block would pin the heap around it and every answer read after would
        // need new memory (a run against a streaming phone grew to 275 MB that way).
        self.body = self.body[..cut].to_vec();
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body parsed as JSON, if it is JSON and the whole answer (the first bytes of a
    /// larger answer are not what the phone said, even when they happen to parse).
    pub fn json(&self) -> Option<serde_json::Value> {
        if !self.is_whole() {
            return None;
        }
        serde_json::from_slice(&self.body).ok()
    }

    /// Whether the body is valid JSON that the parser refuses only for its depth (serde_json
    /// stops at 128 levels to keep its stack): the harness cannot read it, which says
    /// nothing about the phone. Checked without recursion, so any depth is safe.
    pub fn nested_too_deep(&self) -> bool {
        // Depth needs an opening bracket per level: a body with fewer than the parser's
        // limit (most of them) is answered by one pass over its bytes, without parsing.
        let openings = self.body.iter().filter(|&&b| b == b'[' || b == b'{').count();
        self.is_whole()
            && openings >= PARSER_DEPTH
            && serde_json::from_slice::<serde_json::Value>(&self.body)
                .is_err_and(|e| e.to_string().starts_with("recursion limit exceeded"))
            && serde_json::from_slice::<serde::de::IgnoredAny>(&self.body).is_ok()
    }

    /// The API `Status` of the body, as the phone wrote it (string, or a number shown as text).
    ///
    /// Read without building the rest of the document (the fuzzer asks this of every
    /// answer), with the same result as `json()?.get("Status")`: `None` for a body that
    /// is not whole, not JSON, not an object or nested too deep; a repeated member's last
    /// value.
    pub fn api_status(&self) -> Option<String> {
        if !self.is_whole() || self.nested_too_deep() {
            return None;
        }
        match serde_json::from_slice::<StatusMember>(&self.body).ok()?.0? {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// The `Status` member of a JSON document; every other member is checked for syntax and
/// skipped without being built.
struct StatusMember(Option<serde_json::Value>);

impl<'de> Deserialize<'de> for StatusMember {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<StatusMember, D::Error> {
        use serde::de::{IgnoredAny, MapAccess, SeqAccess, Visitor};
        struct Members;
        impl<'de> Visitor<'de> for Members {
            type Value = StatusMember;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a JSON document")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<StatusMember, A::Error> {
                let mut status = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "Status" {
                        status = Some(map.next_value::<serde_json::Value>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                Ok(StatusMember(status))
            }
            // Any other document has no `Status` member.
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<StatusMember, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(StatusMember(None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<StatusMember, E> {
                Ok(StatusMember(None))
            }
            fn visit_i64<E>(self, _: i64) -> Result<StatusMember, E> {
                Ok(StatusMember(None))
            }
            fn visit_u64<E>(self, _: u64) -> Result<StatusMember, E> {
                Ok(StatusMember(None))
            }
            fn visit_f64<E>(self, _: f64) -> Result<StatusMember, E> {
                Ok(StatusMember(None))
            }
            fn visit_str<E>(self, _: &str) -> Result<StatusMember, E> {
                Ok(StatusMember(None))
            }
            fn visit_unit<E>(self) -> Result<StatusMember, E> {
                Ok(StatusMember(None))
            }
        }
        deserializer.deserialize_any(Members)
    }
}

/// `max`, or a little less so that a text body cut there does not end inside a
/// character (a cut body stays text in the reports instead of turning into base64).
fn char_boundary(body: &[u8], max: usize) -> usize {
    match std::str::from_utf8(&body[..max]) {
        // Only an incomplete last character moves the cut; binary bodies are cut at `max`.
        Err(e) if e.error_len().is_none() => e.valid_up_to(),
        _ => max,
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

    /// One line for reports: `HTTP 200, Status "2000"`, `connection reset`, `timeout after 10000 ms`,
    /// `HTTP 200, an answer of at least 1049600 bytes cut after its first 1048576 bytes`.
    pub fn summary(&self) -> String {
        match self {
            Outcome::Answered(r) => {
                let mut line = match r.api_status() {
                    Some(s) => format!("HTTP {}, Status \"{}\"", r.status, s),
                    None => format!("HTTP {}", r.status),
                };
                if let Some(t) = r.truncated.as_ref().filter(|t| !t.read_whole()) {
                    line.push_str(&format!(", an answer of {} cut after its first {} bytes", t.size.words(), t.read));
                }
                line
            }
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
    use proptest::prelude::*;

    /// The definition `api_status` keeps to, with the whole document built.
    fn status_by_value(r: &WireResponse) -> Option<String> {
        match r.json()?.get("Status")? {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    #[test]
    fn the_status_is_read_as_from_the_whole_document() {
        let deep = format!("{{\"Status\":\"2000\",\"x\":{}1{}}}", "[".repeat(200), "]".repeat(200));
        for body in [
            r#"{"Status":"2000","data":{"a":[1,2,{"b":null}]}}"#,
            r#"{"data":{"Status":"4000"},"Status":"2000"}"#,
            r#"{"Status":"4000","Status":"2000"}"#,
            r#"{"St\u0061tus":"4007"}"#,
            r#"{"Status":4000}"#,
            r#"{"Status":4000.5}"#,
            r#"{"Status":null}"#,
            r#"{"Status":["2000"]}"#,
            r#"{"data":{}}"#,
            r#"["Status","2000"]"#,
            r#""Status""#,
            "2000",
            "null",
            r#"{"Status":"2000"} trailing"#,
            r#"{"Status":"2000""#,
            "<html>500</html>",
            "",
            &deep,
        ] {
            let r = WireResponse::new(200, vec![], body.as_bytes().to_vec());
            assert_eq!(r.api_status(), status_by_value(&r), "{body}");
        }
        let mut cut = WireResponse::new(200, vec![], br#"{"Status":"2000"}"#.to_vec());
        cut.keep_first(5);
        assert_eq!(cut.api_status(), None, "the first bytes of an answer are not the answer");
    }

    proptest! {
        #[test]
        fn the_status_agrees_with_the_document_for_any_token_soup(
            tokens in proptest::collection::vec(
                proptest::sample::select(vec![
                    "{", "}", "[", "]", ",", ":", "\"Status\"", "\"data\"", "\"2000\"", "4000", "null", "true", " ", "\"", "x",
                ]),
                0..24,
            )
        ) {
            let r = WireResponse::new(200, vec![], tokens.concat().into_bytes());
            prop_assert_eq!(r.api_status(), status_by_value(&r));
        }
    }

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
        let r = WireResponse::new(200, vec![], br#"{"Status":"4007"}"#.to_vec());
        assert_eq!(r.api_status().as_deref(), Some("4007"));
        let r = WireResponse::new(200, vec![], br#"{"Status":2000}"#.to_vec());
        assert_eq!(r.api_status().as_deref(), Some("2000"));
        let r = WireResponse::new(200, vec![], b"<html>".to_vec());
        assert_eq!(r.api_status(), None);
    }

    #[test]
    fn a_cut_body_keeps_size_and_hash_and_is_never_parsed() {
        let whole = br#"{"Status":"2000"}    "#.to_vec();
        let mut r = WireResponse::new(200, vec![], whole.clone());
        r.keep_first(17);
        assert_eq!(r.body, br#"{"Status":"2000"}"#, "the first bytes are kept");
        let t = r.truncated.clone().expect("the cut is recorded");
        assert_eq!((t.read, t.size), (21, BodySize::Exact(21)));
        assert_eq!(t.sha256, sha256_hex(&whole));
        assert!(t.read_whole());
        assert_eq!(r.json(), None, "the first bytes parse, but they are not the whole answer");
        assert_eq!(r.api_status(), None);
        r.keep_first(5);
        assert_eq!(r.truncated, Some(t), "a second cut keeps what the first one recorded");
        r.keep_first(1000);
        assert_eq!(r.body.len(), 5, "nothing to cut");
    }

    #[test]
    fn json_deeper_than_the_parser_goes_is_told_apart_from_broken_json() {
        let deep = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let r = WireResponse::new(200, vec![], deep.into_bytes());
        assert_eq!(r.json(), None);
        assert!(r.nested_too_deep(), "valid, only too deep");
        let broken = format!("{}1{}", "[".repeat(200), "]".repeat(199));
        assert!(!WireResponse::new(200, vec![], broken.into_bytes()).nested_too_deep(), "not JSON at all");
        assert!(!WireResponse::new(200, vec![], b"[[1]]".to_vec()).nested_too_deep());
    }

    #[test]
    fn a_cut_never_splits_a_character() {
        let mut r = WireResponse::new(200, vec![], "aé".repeat(3).into_bytes());
        r.keep_first(2);
        assert_eq!(r.body, b"a", "the cut backs off before the two-byte character");
        let mut bin = WireResponse::new(200, vec![], vec![0xff; 10]);
        bin.keep_first(4);
        assert_eq!(bin.body.len(), 4, "binary bodies are cut where asked");
    }

    #[test]
    fn older_reports_without_truncation_still_load() {
        let r: WireResponse = serde_json::from_str(r#"{"status":200,"headers":[],"body":"{}"}"#).unwrap();
        assert!(r.is_whole());
        let mut cut = r.clone();
        cut.body = vec![b'x'; 10];
        cut.keep_first(4);
        let text = serde_json::to_string(&cut).unwrap();
        assert!(text.contains(r#""size":{"exact":10}"#), "{text}");
        assert_eq!(serde_json::from_str::<WireResponse>(&text).unwrap(), cut);
        assert!(!serde_json::to_string(&r).unwrap().contains("truncated"), "whole answers write no field");
    }
}
