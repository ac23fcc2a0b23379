//! From what a step asks for ([`RequestSpec`]) to what goes on the wire ([`WireRequest`]).
//!
//! Everything defaults from the endpoint (method, path); `{{name}}` captures are filled in
//! the path, query, headers and every string of the body. The generated bodies live here
//! too: `body_size` (valid JSON of exactly N bytes) and `body_params` (a config/get or
//! config/set body naming N distinct real parameters). A body is sent in the charset its
//! `content_type` declares (ISO-8859-1 is encoded byte per character; that is how a suite
//! sends a body that is not UTF-8), UTF-8 otherwise. Building is pure: values the
//! phone must be asked first (the current config values for a config/set body) are read
//! by the engine and passed in.

use crate::catalogue::Endpoint;
use crate::catalogue::case::RequestSpec;
use crate::catalogue::load::fill_template;
use crate::device::WireRequest;
use serde_json::Value;
use std::collections::BTreeMap;

/// Real UC Software configuration parameters, harmless to read and to write back with
/// their own value. `body_params` takes the first N, for config/get and config/set alike;
/// the list is longer than any limit the manuals set (20) so "one over the limit" uses
/// real names too. Left out on purpose, because a config/set body writes every name:
/// - the REST API's own parameters, `apps.restapi.enabled` and `log.level.change.restapi`
///   (Configuration Options: "editable by using the configuration file and Web UI only");
/// - every `device.*` parameter: writing one may reboot the phone (research: vvxme), and
///   they need `device.set` besides;
/// - provisioning, registration credentials and the web server switches, whose rewrite
///   could cut the harness off if a phone mishandled it.
///
/// Writing a value back moves it to the web layer on a real phone (the value is the same;
/// its source becomes `web`).
pub const REAL_PARAMETERS: &[&str] = &[
    "up.backlight.idleIntensity",
    "up.backlight.onIntensity",
    "voice.volume.persist.handset",
    "ptt.volume",
    "video.callRate",
    "video.enable",
    "log.level.change.sip",
    "log.render.level",
    "diags.dumpcore.enabled",
    "tcpIpApp.sntp.address",
    "tcpIpApp.sntp.gmtOffset",
    "lcl.ml.lang",
    "up.screenCapture.enabled",
    "feature.presence.enabled",
    "call.autoAnswer.SIP",
    "call.donotdisturb.perReg",
    "dir.local.readonly",
    "reg.1.label",
    "reg.1.displayName",
    "reg.1.server.1.port",
    "reg.1.fwd.busy.contact",
    "reg.1.fwd.noanswer.contact",
    "sec.srtp.enable",
    "msg.mwi.1.subscribe",
    "call.DefaultTransferType",
];

/// The parameter every generated `body_size` body reads: always present, never secret.
const SIZE_PARAMETER: &str = "apps.restapi.enabled";

/// Why a request could not be built. The suite is at fault, not the phone.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RequestError {
    #[error(
        "the step names no endpoint and gives no method (hint: set `endpoint` on the case or step, or `request.method`)"
    )]
    NoMethod,
    #[error(
        "the step names no endpoint and gives no path (hint: set `endpoint` on the case or step, or `request.path`)"
    )]
    NoPath,
    #[error("`body_params = {asked}` but only {known} real parameter names are known to the harness")]
    TooManyParams { asked: usize, known: usize },
    #[error("no current value of `{0}` was read, so a config/set body cannot write it back unchanged")]
    MissingValue(String),
    #[error("`{0}` cannot go in an HTTP header")]
    BadHeader(String),
    #[error("the body holds `{0}`, which the declared charset ISO-8859-1 cannot encode")]
    NotLatin1(char),
}

/// Charsets a body is encoded in before sending, when the content type declares one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// ISO-8859-1 (also for `latin1`): one byte per character up to U+00FF.
    Latin1,
}

/// The charset a `Content-Type` declares, when it is one the body must be encoded in
/// (UTF-8, the default of JSON, needs nothing).
fn declared_charset(content_type: &str) -> Option<Charset> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        let value = value.trim().trim_matches('"').to_ascii_lowercase();
        (name.trim().eq_ignore_ascii_case("charset")
            && matches!(value.as_str(), "iso-8859-1" | "latin1" | "latin-1" | "iso8859-1"))
        .then_some(Charset::Latin1)
    })
}

/// The bytes of a body text in the declared charset (UTF-8 when none): a suite can send
/// a body that is not UTF-8 by declaring `charset=ISO-8859-1` and writing `é`.
fn encode_text(text: &str, charset: Option<Charset>) -> Result<Vec<u8>, RequestError> {
    match charset {
        None => Ok(text.as_bytes().to_vec()),
        Some(Charset::Latin1) => {
            text.chars().map(|c| u8::try_from(u32::from(c)).map_err(|_| RequestError::NotLatin1(c))).collect()
        }
    }
}

/// What kind of body `body_params` generates, decided by the endpoint's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamsBody {
    /// `{"data": {"name": "value", ...}}` (config/set): values must be read first.
    Set,
    /// `{"data": ["name", ...]}` (config/get and any other endpoint).
    List,
}

/// Which `body_params` shape a step needs, if any.
pub fn params_body(spec: &RequestSpec, endpoint: Option<&Endpoint>) -> Option<(ParamsBody, usize)> {
    let n = spec.body_params?;
    let path = spec.path.as_deref().or(endpoint.map(|e| e.path.as_str())).unwrap_or("");
    let kind =
        if path.trim_end_matches('/').ends_with("/mgmt/config/set") { ParamsBody::Set } else { ParamsBody::List };
    Some((kind, n))
}

/// The first `n` parameter names of [`REAL_PARAMETERS`]: none of them is one the manual
/// keeps from the API or one whose write may reboot the phone.
pub fn parameter_names(n: usize) -> Result<Vec<&'static str>, RequestError> {
    if n > REAL_PARAMETERS.len() {
        return Err(RequestError::TooManyParams { asked: n, known: REAL_PARAMETERS.len() });
    }
    Ok(REAL_PARAMETERS[..n].to_vec())
}

/// Build the wire request of one step.
///
/// `current` holds the phone's current config values, needed only for a config/set
/// `body_params` body (so writing it changes nothing).
pub fn build(
    spec: &RequestSpec,
    endpoint: Option<&Endpoint>,
    vars: &BTreeMap<String, String>,
    current: &BTreeMap<String, String>,
) -> Result<WireRequest, RequestError> {
    let method = match (&spec.method, endpoint) {
        (Some(m), _) => m.trim().to_string(),
        (None, Some(e)) => e.method.as_str().to_string(),
        (None, None) => return Err(RequestError::NoMethod),
    };
    let mut path = match (&spec.path, endpoint) {
        (Some(p), _) => fill_template(p, vars),
        (None, Some(e)) => e.path.clone(),
        (None, None) => return Err(RequestError::NoPath),
    };
    if !spec.query.is_empty() {
        let query: Vec<String> = spec
            .query
            .iter()
            .map(|(k, v)| format!("{}={}", encode(&fill_template(k, vars)), encode(&fill_template(v, vars))))
            .collect();
        path.push(if path.contains('?') { '&' } else { '?' });
        path.push_str(&query.join("&"));
    }

    let body = body_of(spec, endpoint, vars, current)?;
    let headers = headers_of(spec, vars, &method, body.is_some())?;
    Ok(WireRequest { method, path, headers, body: body.map(Into::into), auth: spec.auth })
}

/// The body a request spec asks for: raw text, JSON, a sized body, or a generated
/// parameter list (a config/set one writes back the `current` values).
fn body_of(
    spec: &RequestSpec,
    endpoint: Option<&Endpoint>,
    vars: &BTreeMap<String, String>,
    current: &BTreeMap<String, String>,
) -> Result<Option<Vec<u8>>, RequestError> {
    let charset = spec.content_type.as_deref().and_then(declared_charset);
    let body: Option<Vec<u8>> = if let Some(raw) = &spec.body_raw {
        Some(encode_text(&fill_template(raw, vars), charset)?)
    } else if let Some(json) = &spec.body {
        Some(encode_text(&serde_json::to_string(&fill_json(json, vars)).unwrap_or_default(), charset)?)
    } else if let Some(n) = spec.body_size {
        Some(sized_body(n).into_bytes())
    } else if let Some((kind, n)) = params_body(spec, endpoint) {
        let names = parameter_names(n)?;
        let value = match kind {
            ParamsBody::List => serde_json::json!({ "data": names }),
            ParamsBody::Set => {
                let mut data = serde_json::Map::new();
                for name in names {
                    let v = current.get(name).ok_or_else(|| RequestError::MissingValue(name.to_string()))?;
                    data.insert(name.to_string(), Value::String(v.clone()));
                }
                serde_json::json!({ "data": data })
            }
        };
        Some(serde_json::to_vec(&value).unwrap_or_default())
    } else {
        None
    };
    Ok(body)
}

/// The headers of a request: the content type (generated unless the spec names one, or
/// `none`), then the spec's own headers, which replace generated ones of the same name.
fn headers_of(
    spec: &RequestSpec,
    vars: &BTreeMap<String, String>,
    method: &str,
    has_body: bool,
) -> Result<Vec<(String, String)>, RequestError> {
    let mut headers: Vec<(String, String)> = Vec::new();
    let content_type = match spec.content_type.as_deref() {
        Some(ct) if ct.eq_ignore_ascii_case("none") => None,
        Some(ct) => Some(fill_template(ct, vars)),
        None if has_body || method.eq_ignore_ascii_case("POST") => Some("application/json".to_string()),
        None => None,
    };
    if let Some(ct) = content_type {
        headers.push(("Content-Type".into(), ct));
    }
    for (k, v) in &spec.headers {
        let (k, v) = (fill_template(k, vars), fill_template(v, vars));
        if reqwest::header::HeaderName::from_bytes(k.as_bytes()).is_err() {
            return Err(RequestError::BadHeader(k));
        }
        if reqwest::header::HeaderValue::from_str(&v).is_err() {
            return Err(RequestError::BadHeader(v));
        }
        // An explicit header replaces the generated one of the same name.
        headers.retain(|(name, _)| !name.eq_ignore_ascii_case(&k));
        headers.push((k, v));
    }
    Ok(headers)
}

/// Fill `{{name}}` in every string (and object key) of a JSON value.
pub fn fill_json(value: &Value, vars: &BTreeMap<String, String>) -> Value {
    match value {
        Value::String(s) => Value::String(fill_template(s, vars)),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill_json(v, vars)).collect()),
        Value::Object(map) => {
            Value::Object(map.iter().map(|(k, v)| (fill_template(k, vars), fill_json(v, vars))).collect())
        }
        other => other.clone(),
    }
}

/// Valid JSON of exactly `n` bytes: a config/get body padded with short strings.
///
/// The padding is an array of strings of at most 100 characters, so the size rule is
/// tested on its own and not mixed up with how a phone treats one very long string.
/// Below the size of that document, smaller valid JSON is used (`{"pad":[...]}`, `[...]`,
/// a number); `0` gives an empty body.
pub fn sized_body(n: usize) -> String {
    let frames: [(&str, &str); 3] = [("{\"data\":[\"", "\"],\"pad\":["), ("{\"pad\":[", ""), ("[", "")];
    let full_head = format!("{}{}{}", frames[0].0, SIZE_PARAMETER, frames[0].1);
    let candidates = [(full_head, "]}"), (frames[1].0.to_string(), "]}"), (frames[2].0.to_string(), "]")];
    for (head, tail) in candidates {
        let base = head.len() + tail.len();
        if n >= base {
            return format!("{head}{}{tail}", padding(n - base));
        }
    }
    // Fewer bytes than `[]`: one digit, or nothing.
    if n == 1 { "0".into() } else { String::new() }
}

/// Array contents (between `[` and `]`) of exactly `r` bytes.
fn padding(mut r: usize) -> String {
    const MAX_ITEM: usize = 100;
    let mut out = String::with_capacity(r);
    let mut first = true;
    while r > 0 {
        let sep = if first { 0 } else { 1 };
        let avail = r - sep;
        if !first {
            out.push(',');
        }
        if avail <= MAX_ITEM {
            push_item(&mut out, avail);
            r = 0;
        } else {
            // Never leave a remainder of one byte: a lone comma cannot carry an item.
            let cost = if avail - MAX_ITEM == 1 { MAX_ITEM - 1 } else { MAX_ITEM };
            push_item(&mut out, cost);
            r = avail - cost;
        }
        first = false;
    }
    out
}

/// One array item of exactly `cost` bytes (`cost >= 1`): a string, or the number 0.
fn push_item(out: &mut String, cost: usize) {
    if cost >= 2 {
        out.push('"');
        out.extend(std::iter::repeat_n('x', cost - 2));
        out.push('"');
    } else {
        out.push('0');
    }
}

/// Percent-encode a query component (RFC 3986 unreserved characters stay).
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::case::AuthMode;
    use crate::catalogue::profile::{Input, Method, Safety};

    fn endpoint(method: Method, path: &str) -> Endpoint {
        Endpoint {
            id: "x".into(),
            title: "X".into(),
            section: "X".into(),
            method,
            path: path.into(),
            input: Input::Required,
            query: vec![],
            codes: vec!["2000".into()],
            safety: Safety::Safe,
            schema: "v1/x.json".into(),
            errata: vec![],
            not_tested: None,
            certainty: None,
            alternates: vec![],
            response_def: None,
        }
    }

    #[test]
    fn sized_bodies_are_valid_json_of_exactly_n_bytes() {
        for n in (1..300).chain([1000, 10_000, 20_000, 20_001, 20_480, 20_481, 30_000]) {
            let body = sized_body(n);
            assert_eq!(body.len(), n, "n = {n}: {body}");
            assert!(serde_json::from_str::<Value>(&body).is_ok(), "n = {n} is not JSON: {body}");
        }
        assert_eq!(sized_body(0), "");
        let big: Value = serde_json::from_str(&sized_body(20_000)).unwrap();
        assert_eq!(big["data"][0], SIZE_PARAMETER);
        assert!(big["pad"].as_array().unwrap().iter().all(|s| s.as_str().is_none_or(|s| s.len() <= 100)));
    }

    #[test]
    fn defaults_come_from_the_endpoint_and_post_gets_json_content_type() {
        let ep = endpoint(Method::POST, "/api/v1/mgmt/safeRestart");
        let req = build(&RequestSpec::default(), Some(&ep), &BTreeMap::new(), &BTreeMap::new()).unwrap();
        assert_eq!((req.method.as_str(), req.path.as_str()), ("POST", "/api/v1/mgmt/safeRestart"));
        assert_eq!(req.header("content-type"), Some("application/json"));
        assert_eq!(req.body, None);

        let get = endpoint(Method::GET, "/api/v1/mgmt/device/info");
        let req = build(&RequestSpec::default(), Some(&get), &BTreeMap::new(), &BTreeMap::new()).unwrap();
        assert_eq!(req.header("content-type"), None);

        let spec = RequestSpec {
            content_type: Some("none".into()),
            body: Some(serde_json::json!({"data": {}})),
            ..Default::default()
        };
        let req = build(&spec, Some(&ep), &BTreeMap::new(), &BTreeMap::new()).unwrap();
        assert_eq!(req.header("content-type"), None);
        assert!(req.body.is_some());
    }

    #[test]
    fn templates_fill_path_query_headers_and_body_strings() {
        let ep = endpoint(Method::GET, "/api/v2/webCallControl/callStatus");
        let vars = BTreeMap::from([("call_ref".to_string(), "0a1b2c3d".to_string())]);
        let spec = RequestSpec {
            query: vec![("handle".into(), "{{call_ref}}".into()), ("q".into(), "a b&c".into())],
            headers: BTreeMap::from([("X-Ref".to_string(), "{{call_ref}}".to_string())]),
            body: Some(serde_json::json!({"data": {"Ref": "{{call_ref}}", "n": 1}})),
            auth: AuthMode::None,
            ..Default::default()
        };
        let req = build(&spec, Some(&ep), &vars, &BTreeMap::new()).unwrap();
        assert_eq!(req.path, "/api/v2/webCallControl/callStatus?handle=0a1b2c3d&q=a%20b%26c");
        assert_eq!(req.header("x-ref"), Some("0a1b2c3d"));
        let body: Value = serde_json::from_slice(req.body.as_ref().unwrap()).unwrap();
        assert_eq!(body, serde_json::json!({"data": {"Ref": "0a1b2c3d", "n": 1}}));
        assert_eq!(req.auth, AuthMode::None);
    }

    #[test]
    fn generated_parameters_never_touch_the_rest_api_or_reboot_the_phone() {
        let names = parameter_names(21).unwrap();
        for n in &names {
            assert!(!n.starts_with("device."), "`{n}`: a device.* write may reboot the phone");
            assert!(!n.contains("restapi"), "`{n}`: editable by configuration file and Web UI only");
        }
        assert!(REAL_PARAMETERS.len() > 21, "one over the limit needs real names too");
    }

    #[test]
    fn params_bodies_list_names_or_write_back_current_values() {
        let get = endpoint(Method::POST, "/api/v1/mgmt/config/get");
        let spec = RequestSpec { body_params: Some(21), ..Default::default() };
        let req = build(&spec, Some(&get), &BTreeMap::new(), &BTreeMap::new()).unwrap();
        let body: Value = serde_json::from_slice(req.body.as_ref().unwrap()).unwrap();
        let names = body["data"].as_array().unwrap();
        assert_eq!(names.len(), 21);
        let distinct: std::collections::BTreeSet<&str> = names.iter().filter_map(|n| n.as_str()).collect();
        assert_eq!(distinct.len(), 21);

        let set = endpoint(Method::POST, "/api/v1/mgmt/config/set");
        let spec = RequestSpec { body_params: Some(2), ..Default::default() };
        assert_eq!(params_body(&spec, Some(&set)), Some((ParamsBody::Set, 2)));
        let missing = build(&spec, Some(&set), &BTreeMap::new(), &BTreeMap::new()).unwrap_err();
        assert!(matches!(missing, RequestError::MissingValue(_)));
        let current: BTreeMap<String, String> =
            REAL_PARAMETERS[..2].iter().map(|n| (n.to_string(), "7".to_string())).collect();
        let req = build(&spec, Some(&set), &BTreeMap::new(), &current).unwrap();
        let body: Value = serde_json::from_slice(req.body.as_ref().unwrap()).unwrap();
        assert_eq!(body["data"][REAL_PARAMETERS[0]], "7");

        let zero = RequestSpec { body_params: Some(0), ..Default::default() };
        let req = build(&zero, Some(&set), &BTreeMap::new(), &BTreeMap::new()).unwrap();
        assert_eq!(req.body.as_deref(), Some(&br#"{"data":{}}"#[..]));
    }

    #[test]
    fn a_declared_latin1_charset_encodes_the_body_in_latin1() {
        let ep = endpoint(Method::POST, "/api/v1/mgmt/config/get");
        let spec = RequestSpec {
            content_type: Some("application/json; charset=ISO-8859-1".into()),
            body_raw: Some("{\"data\":[\"caf\u{e9}\"]}".into()),
            ..Default::default()
        };
        let req = build(&spec, Some(&ep), &BTreeMap::new(), &BTreeMap::new()).unwrap();
        let body = req.body.unwrap();
        assert!(std::str::from_utf8(&body).is_err());
        assert_eq!(body[body.len() - 4], 0xe9);
        let spec = RequestSpec { body_raw: Some("\u{20ac}".into()), ..spec };
        assert_eq!(
            build(&spec, Some(&ep), &BTreeMap::new(), &BTreeMap::new()),
            Err(RequestError::NotLatin1('\u{20ac}'))
        );
        let utf8 = RequestSpec {
            content_type: Some("application/json; charset=utf-8".into()),
            body_raw: Some("\u{e9}".into()),
            ..Default::default()
        };
        assert_eq!(
            build(&utf8, Some(&ep), &BTreeMap::new(), &BTreeMap::new()).unwrap().body.unwrap(),
            "\u{e9}".as_bytes()
        );
    }

    #[test]
    fn a_step_without_endpoint_method_or_path_is_a_suite_error() {
        assert_eq!(
            build(&RequestSpec::default(), None, &BTreeMap::new(), &BTreeMap::new()),
            Err(RequestError::NoMethod)
        );
        let spec = RequestSpec { method: Some("GET".into()), ..Default::default() };
        assert_eq!(build(&spec, None, &BTreeMap::new(), &BTreeMap::new()), Err(RequestError::NoPath));
    }
}
