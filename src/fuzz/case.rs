//! A generated request ([`FuzzCase`]) and what it is meant to test ([`Intent`]).
//!
//! The intent is computed from the concrete request alone ([`classify`]), never from
//! the operator that built it: a shrunk request, a replayed reproducer and a fresh case
//! are judged by the same rule, and a "negative" input that turns out to be valid is
//! judged as valid. That last point is Schemathesis's main source of false findings
//! (anchors.md 1.5): every JSON body is checked with the compiled request schema before
//! it is called invalid.

use super::request_schema::{Node, PathStep, SchemaDocs, pointer_text, types};
use crate::catalogue::SchemaSet;
use crate::catalogue::profile::{Endpoint, Input, Limits};
use crate::device::WireRequest;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One generated request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FuzzCase {
    /// Position in the generated sequence (0-based); with the seed it names the case.
    pub index: u64,
    /// Endpoint id (`mgmt.config-get`).
    pub endpoint: String,
    /// The operators applied, each as `name: detail` (`deep-nesting: /data depth 40`).
    pub mutations: Vec<String>,
    pub request: WireRequest,
}

/// What a request tests, which decides the oracles that apply to its answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Intent {
    /// A request the manual describes: documented method, JSON content type, a body the
    /// request schema accepts (or no body where the input is optional or absent).
    Valid,
    /// JSON the request schema rejects. `mandatory` is the first mandatory member that is
    /// absent (`/data/Dest`), when that is one of the reasons.
    Invalid {
        #[serde(default)]
        mandatory: Option<String>,
    },
    /// A body that is not JSON: truncated, not UTF-8, duplicate keys, a byte order mark.
    Malformed { why: String },
    /// A protocol variation: other method, content type, size, query or a body where none
    /// is expected. Only the robustness oracles apply, with the answers the HTTP RFCs
    /// give each kind (see [`super::oracle`]).
    Protocol { mutation: ProtocolKind, why: String },
}

/// What a protocol-layer variation changes, which decides the HTTP answers the RFCs call
/// correct for it (the table is in [`super::oracle`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolKind {
    /// A method other than the endpoint's: another registered verb (`PUT`) or a token the
    /// server does not know (`get`: method tokens are case-sensitive, RFC 9110 §9.1).
    Method,
    /// A request target a request line cannot carry as it is: whitespace or control
    /// characters, or longer than the 8000 octets RFC 9112 §3 asks servers to take.
    RequestLine,
    /// A header section larger than [`MAX_HEADER_SECTION`].
    HeaderSize,
    /// An HTTP version the server does not speak. The device client sends HTTP/1.1 only,
    /// so no request is classified so today; the oracle knows the answer (505).
    HttpVersion,
    /// A `Content-Type` that is not JSON, or none, on a POST.
    ContentType,
    /// A body over the size the manual's "20 KB" accepts.
    BodySize,
    /// Query parameters.
    Query,
    /// A body on a GET, or on an endpoint that takes no input.
    UnexpectedBody,
}

impl ProtocolKind {
    pub const ALL: [ProtocolKind; 8] = [
        ProtocolKind::Method,
        ProtocolKind::RequestLine,
        ProtocolKind::HeaderSize,
        ProtocolKind::HttpVersion,
        ProtocolKind::ContentType,
        ProtocolKind::BodySize,
        ProtocolKind::Query,
        ProtocolKind::UnexpectedBody,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ProtocolKind::Method => "method",
            ProtocolKind::RequestLine => "request-line",
            ProtocolKind::HeaderSize => "header-size",
            ProtocolKind::HttpVersion => "http-version",
            ProtocolKind::ContentType => "content-type",
            ProtocolKind::BodySize => "body-size",
            ProtocolKind::Query => "query",
            ProtocolKind::UnexpectedBody => "unexpected-body",
        }
    }
}

/// A header section (names, values, `: ` and CRLF) larger than this is the `header-size`
/// variation: 8 KiB is the smallest default of common servers (Apache, nginx's large
/// buffers); RFC 9110 §5.4 leaves the limit to the server and asks for a 4xx past it.
pub const MAX_HEADER_SECTION: usize = 8 * 1024;
/// RFC 9112 §3: "It is RECOMMENDED that all HTTP senders and recipients support, at a
/// minimum, request-line lengths of 8000 octets."
pub const MAX_REQUEST_TARGET: usize = 8000;

impl Intent {
    pub fn label(&self) -> String {
        match self {
            Intent::Valid => "valid".into(),
            Intent::Invalid { mandatory: Some(m) } => format!("invalid (mandatory {m} missing)"),
            Intent::Invalid { mandatory: None } => "invalid".into(),
            Intent::Malformed { why } => format!("malformed ({why})"),
            Intent::Protocol { why, .. } => format!("protocol variation ({why})"),
        }
    }
}

/// Whether a `Content-Type` value names JSON (`application/json`, any case, any parameters).
pub fn is_json_content_type(value: &str) -> bool {
    value.split(';').next().is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// The intent of a concrete request to `endpoint`.
pub fn classify(
    endpoint: &Endpoint,
    limits: &Limits,
    schemas: &SchemaSet,
    docs: &SchemaDocs,
    request: &WireRequest,
) -> Intent {
    let protocol = |mutation, why: String| Intent::Protocol { mutation, why };
    if !request.method.eq(endpoint.method.as_str()) {
        let unknown = !STANDARD_METHODS.contains(&request.method.as_str());
        return protocol(
            ProtocolKind::Method,
            format!("method {}{}", request.method, if unknown { " (not a registered method token)" } else { "" }),
        );
    }
    if request.path.len() > MAX_REQUEST_TARGET || request.path.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return protocol(
            ProtocolKind::RequestLine,
            format!(
                "request target of {} bytes{}",
                request.path.len(),
                if request.path.len() > MAX_REQUEST_TARGET { "" } else { " with whitespace or control characters" }
            ),
        );
    }
    let header_bytes = header_section_size(request);
    if header_bytes > MAX_HEADER_SECTION {
        return protocol(ProtocolKind::HeaderSize, format!("headers of {header_bytes} bytes"));
    }
    let body = request.body.as_deref().filter(|b| !b.is_empty());
    if endpoint.method == crate::catalogue::Method::GET {
        if body.is_some() {
            return protocol(ProtocolKind::UnexpectedBody, "body on a GET".into());
        }
        if request.path.contains('?') {
            return protocol(ProtocolKind::Query, "query parameters".into());
        }
        return Intent::Valid;
    }
    match request.header("content-type") {
        Some(ct) if is_json_content_type(ct) => {}
        Some(ct) => return protocol(ProtocolKind::ContentType, format!("Content-Type `{ct}`")),
        None => return protocol(ProtocolKind::ContentType, "no Content-Type".into()),
    }
    if request.path.contains('?') {
        return protocol(ProtocolKind::Query, "query parameters".into());
    }
    if body.is_some_and(|b| b.len() > limits.body_bytes_accepted) {
        return protocol(ProtocolKind::BodySize, format!("body of {} bytes", body.map_or(0, <[u8]>::len)));
    }
    let request_def = docs.def(&endpoint.schema, "request");
    let Some(body) = body else {
        return match (endpoint.input, request_def) {
            (Input::Required, Some(root)) => {
                match missing_mandatory(docs, root, &Value::Object(Map::new()), &mut Vec::new()) {
                    Some(m) => Intent::Invalid { mandatory: Some(m) },
                    None => Intent::Valid,
                }
            }
            _ => Intent::Valid,
        };
    };
    if endpoint.input == Input::None {
        return protocol(ProtocolKind::UnexpectedBody, "body on an endpoint without input".into());
    }
    let value = match parse_strict(body) {
        Ok(v) => v,
        Err(why) => return Intent::Malformed { why },
    };
    let Some(root) = request_def else {
        return Intent::Valid;
    };
    match schemas.validate(&endpoint.schema, "request", &value) {
        Some(violations) if !violations.is_empty() => {
            Intent::Invalid { mandatory: missing_mandatory(docs, root, &value, &mut Vec::new()) }
        }
        _ => Intent::Valid,
    }
}

/// The methods of the HTTP method registry a phone's server may implement (RFC 9110 §9,
/// RFC 5789): anything else, `get` included, is a token the server does not know.
pub const STANDARD_METHODS: [&str; 9] =
    ["GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"];

/// Size of the header section the client writes for `request`: its own headers plus
/// `Authorization` and `Host`, which the client adds (counted as 100 bytes).
pub fn header_section_size(request: &WireRequest) -> usize {
    100 + request.headers.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>()
}

/// The first mandatory member absent from `value`, following the declared properties
/// (`required` lists) from the root down. A value that should be an object with
/// mandatory members but is something else (`"data": null`) misses them all.
pub fn missing_mandatory(docs: &SchemaDocs, node: Node<'_>, value: &Value, path: &mut Vec<PathStep>) -> Option<String> {
    let node = docs.deref(node);
    let view = docs.object_view(node);
    let wants_object = types(node.schema).contains(&"object") || !view.required.is_empty();
    match value {
        Value::Object(map) => {
            for r in &view.required {
                if !map.contains_key(r) {
                    path.push(PathStep::Key(r.clone()));
                    return Some(pointer_text(path));
                }
            }
            for (key, child) in &view.properties {
                if let Some(v) = map.get(key) {
                    path.push(PathStep::Key(key.clone()));
                    if let Some(found) = missing_mandatory(docs, *child, v, path) {
                        return Some(found);
                    }
                    path.pop();
                }
            }
            None
        }
        _ if wants_object => view.required.first().map(|r| {
            path.push(PathStep::Key(r.clone()));
            pointer_text(path)
        }),
        _ => None,
    }
}

/// Parse JSON as a strict reader would: UTF-8, no byte order mark, no duplicate keys.
pub fn parse_strict(body: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("not UTF-8 at byte {}", e.valid_up_to()))?;
    if text.starts_with('\u{feff}') {
        return Err("byte order mark".into());
    }
    serde_json::from_str::<Strict>(text).map(|s| s.0).map_err(|e| {
        let msg = e.to_string();
        if msg.contains("duplicate key") {
            "duplicate key".into()
        } else if e.is_eof() {
            "truncated".into()
        } else {
            format!("not JSON: {msg}")
        }
    })
}

/// A JSON value read with duplicate keys refused.
struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("JSON")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map(Value::Number).unwrap_or(Value::Null))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut out = Vec::new();
        while let Some(Strict(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let Strict(v) = map.next_value()?;
            if out.contains_key(&key) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::request_schema::tests::sample_docs;
    use serde_json::json;

    #[test]
    fn strict_parsing_names_what_is_wrong() {
        assert_eq!(parse_strict(br#"{"a":1}"#).unwrap(), json!({"a": 1}));
        assert_eq!(parse_strict(br#"{"a":1,"a":2}"#).unwrap_err(), "duplicate key");
        assert_eq!(parse_strict(br#"{"a":"#).unwrap_err(), "truncated");
        assert!(parse_strict(b"{\"a\":\"\xff\"}").unwrap_err().starts_with("not UTF-8"));
        assert_eq!(parse_strict("\u{feff}{}".as_bytes()).unwrap_err(), "byte order mark");
    }

    #[test]
    fn mandatory_members_are_found_through_null_and_missing_objects() {
        let docs = sample_docs();
        let root = docs.def("v1/callctrl/dial.json", "request").unwrap();
        let m = |v: Value| missing_mandatory(&docs, root, &v, &mut Vec::new());
        assert_eq!(m(json!({})), Some("/data".into()));
        assert_eq!(m(json!({"data": null})), Some("/data/Dest".into()));
        assert_eq!(m(json!({"data": {"Line": "1"}})), Some("/data/Dest".into()));
        assert_eq!(m(json!({"data": {"Dest": 5}})), None, "a retyped member is present, not missing");
        assert_eq!(m(json!({"data": {"Dest": "100"}})), None);
    }

    #[test]
    fn protocol_variations_are_named_from_the_request_alone() {
        let catalogue = crate::catalogue::Catalogue::embedded().unwrap();
        let profile = catalogue.profile("trio-5.9.1").unwrap();
        let docs = SchemaDocs::from_set(&catalogue.schemas);
        let kind = |id: &str, r: &WireRequest| match classify(
            profile.endpoint(id).unwrap(),
            &profile.limits,
            &catalogue.schemas,
            &docs,
            r,
        ) {
            Intent::Protocol { mutation, .. } => Some(mutation),
            _ => None,
        };
        let info = "/api/v1/mgmt/device/info";
        let get = WireRequest::get(info);
        assert_eq!(kind("mgmt.device-info", &get), None);
        for method in ["get", "PUT", "DELETE", "post", "BREW"] {
            assert_eq!(
                kind("mgmt.device-info", &WireRequest { method: method.into(), ..get.clone() }),
                Some(ProtocolKind::Method),
                "{method}"
            );
        }
        assert_eq!(
            kind("mgmt.device-info", &WireRequest::get(&format!("{info}?line= 1"))),
            Some(ProtocolKind::RequestLine)
        );
        assert_eq!(
            kind("mgmt.device-info", &WireRequest::get(&format!("{info}?line={}", "1".repeat(8000)))),
            Some(ProtocolKind::RequestLine)
        );
        assert_eq!(kind("mgmt.device-info", &WireRequest::get(&format!("{info}?line=1"))), Some(ProtocolKind::Query));
        let big =
            WireRequest { headers: vec![("X-Polyconform".into(), "a".repeat(MAX_HEADER_SECTION))], ..get.clone() };
        assert_eq!(kind("mgmt.device-info", &big), Some(ProtocolKind::HeaderSize));
        assert_eq!(
            kind("mgmt.device-info", &WireRequest { body: Some(b"{}".to_vec().into()), ..get }),
            Some(ProtocolKind::UnexpectedBody)
        );
        let config =
            WireRequest::post_json("/api/v1/mgmt/config/get", &serde_json::json!({"data": ["device.prov.serverName"]}));
        assert!(matches!(
            classify(profile.endpoint("mgmt.config-get").unwrap(), &profile.limits, &catalogue.schemas, &docs, &config),
            Intent::Valid
        ));
        let text = WireRequest { headers: vec![("Content-Type".into(), "text/plain".into())], ..config.clone() };
        assert_eq!(kind("mgmt.config-get", &text), Some(ProtocolKind::ContentType));
        let padded = WireRequest {
            body: Some(super::super::mutate::pad_to(config.body.as_deref().unwrap(), 20_001).into()),
            ..config
        };
        assert_eq!(kind("mgmt.config-get", &padded), Some(ProtocolKind::BodySize));
    }

    #[test]
    fn json_content_types_ignore_case_and_parameters() {
        assert!(is_json_content_type("application/json"));
        assert!(is_json_content_type("Application/JSON; charset=utf-8"));
        assert!(!is_json_content_type("application/jsonx"));
        assert!(!is_json_content_type("text/plain"));
    }
}
