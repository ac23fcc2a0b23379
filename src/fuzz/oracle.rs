//! What counts as a finding for a generated request.
//!
//! The oracles, each tied to the certainty of its source (FAIL where the manual or the
//! HTTP RFCs are explicit, NON-STRICT where the manual is ambiguous, nothing but a counted
//! observation where it is silent):
//!
//! | oracle | verdict | rule |
//! |---|---|---|
//! | `server-error` | FAIL | an HTTP 5xx that is neither the documented failure answer (a JSON `Status` 4xxx/5000 of the manual's table, E48) nor the RFC answer to a protocol variation (table below): an HTML error page, an empty body, a `Status` 2000 |
//! | `hang` | FAIL | no answer within `--timeout` |
//! | `connection-reset` | FAIL | the connection closed without an answer |
//! | `no-api-status` | FAIL | HTTP 200 to the documented method without a JSON `Status` ("Output Syntax: JSON") |
//! | `undocumented-status` | FAIL | HTTP 200 with a `Status` outside the manual's error table |
//! | `mandatory-field-accepted` | FAIL / NON-STRICT | Status 2000 although a mandatory member is absent; NON-STRICT on endpoints whose input is optional as a whole ("Input is optional" next to "Ref is a mandatory parameter") |
//! | `phone-unhealthy` | FAIL | device/info stops answering after the request |
//!
//! **Protocol-layer variations are judged by the HTTP RFCs.** [`classify`](super::case::classify)
//! names the variation from the request alone; every answer of [`rfc_answers`] is correct,
//! and so is any other 4xx (a refusal, whichever code: which one the manual wants is the
//! conformance suite's business). The only 5xx that are correct are 501 and 505:
//!
//! | variation | RFC-correct answers | an HTTP 5xx |
//! |---|---|---|
//! | `method`: another registered verb (`PUT`, `DELETE`...) or a token the server does not know (lower-case `get`: methods are case-sensitive, RFC 9110 §9.1) | 501 (§9.1, §15.6.2: "unrecognized or not implemented"), 405 (§15.5.6), 400; 404 (E50) | 501 correct, counted; others `server-error` |
//! | `request-line`: a request target with whitespace or control characters, or over 8000 octets (RFC 9112 §3) | 400 (RFC 9112 §3), 414 (§15.5.15), 404 | `server-error` |
//! | `header-size`: a header section over 8 KiB | 431 (RFC 6585 §5), 400 (§5.4: "an appropriate 4xx"); a connection closed while it is sent is counted | `server-error` |
//! | `http-version`: a version the server does not speak (the device client sends HTTP/1.1 only: not generated today) | 505 (§15.6.6), 400 | 505 correct, counted; others `server-error` |
//! | `content-type`: not JSON, or none, on a POST | 415 (§15.5.16), 400 (the manual) | `server-error` |
//! | `body-size`: over the manual's 20 KB | 413 (§15.5.14), 400; a connection closed while it is sent is counted | `server-error` |
//! | `query`: query parameters | the API answer (200, parameters ignored), 400, 404 | `server-error` |
//! | `unexpected-body`: a body on a GET or on an endpoint without input | the API answer (200, body ignored, §9.3.1), 400, 413 | `server-error` |
//!
//! **The HTTP status of an API failure is the phone's choice** (erratum E48: the manual
//! prints the failure body `{"Status": "<4xxx/5xxx>"}` and never its HTTP status). An HTTP
//! 4xx or 5xx whose JSON body carries a `Status` of the manual's table other than 2000 is
//! the documented failure answer: counted, never a finding, and judged like a failure
//! answer on HTTP 200 (endpoint list, valid input refused). A 5xx without such a body is
//! still `server-error`.
//!
//! **A request the harness could not send** ([`Outcome::ClientError`]: its HTTP client
//! refused the method token or a header) says nothing about the phone: counted, never a
//! finding.
//!
//! **An answer the harness cannot read** (larger than `--max-body`, or JSON nested deeper
//! than its parser goes) is counted, never a finding: the bound is the harness's own, and
//! the campaign reports it as one INFO case per endpoint.
//!
//! Not findings, only counted (the manual is silent): unknown members, wrong JSON types,
//! values outside an enum, empty or long strings and malformed JSON answered 2000; a
//! documented `Status` the endpoint's own list does not name; a connection closed while
//! an oversize body or header was still being sent (the 413 rule is the conformance
//! suite's).

use super::case::{Intent, ProtocolKind};
use crate::catalogue::profile::{Endpoint, Input, Profile};
use crate::device::{Outcome, WireRequest, WireResponse};
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};

/// Which oracle a finding broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Oracle {
    ServerError,
    Hang,
    ConnectionReset,
    NoApiStatus,
    UndocumentedStatus,
    MandatoryFieldAccepted,
    PhoneUnhealthy,
}

impl Oracle {
    pub fn label(self) -> &'static str {
        match self {
            Oracle::ServerError => "server-error",
            Oracle::Hang => "hang",
            Oracle::ConnectionReset => "connection-reset",
            Oracle::NoApiStatus => "no-api-status",
            Oracle::UndocumentedStatus => "undocumented-status",
            Oracle::MandatoryFieldAccepted => "mandatory-field-accepted",
            Oracle::PhoneUnhealthy => "phone-unhealthy",
        }
    }
}

/// A broken oracle: the finding's substance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub oracle: Oracle,
    pub verdict: Verdict,
    /// The rule, with the manual's words where it has them.
    pub requirement: String,
    /// What the phone did, one line.
    pub actual: String,
}

/// Observations the manual does not judge, counted in the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Observation {
    /// A documented `Status` that the endpoint's own list does not name.
    StatusNotListedForEndpoint,
    /// Schema-invalid input (no mandatory member missing) answered 2000.
    InvalidAccepted,
    /// A body that is not JSON answered 2000.
    MalformedAccepted,
    /// The connection closed while an oversize body or header section was sent.
    OversizeClosed,
    /// A request the manual describes answered with an API error (4xxx/5000).
    ValidRefused,
    /// A documented failure `Status` on an HTTP 4xx/5xx (E48's other reading).
    FailureOnHttpError,
    /// A protocol variation answered with the 5xx its RFC names (501, 505).
    RfcServerStatus,
    /// The harness's HTTP client refused to send the request.
    NotSent,
    /// An answer larger than `--max-body`: only its first bytes were read, not judged.
    AnswerTruncated,
    /// JSON nested deeper than the harness's parser goes: not judged.
    AnswerTooDeep,
}

impl Observation {
    pub fn label(self) -> &'static str {
        match self {
            Observation::StatusNotListedForEndpoint => "status not in the endpoint's list",
            Observation::InvalidAccepted => "invalid input answered 2000",
            Observation::MalformedAccepted => "malformed body answered 2000",
            Observation::OversizeClosed => "connection closed on an oversize body or header",
            Observation::ValidRefused => "valid input answered with an API error",
            Observation::FailureOnHttpError => "API failure Status on an HTTP 4xx/5xx (E48)",
            Observation::RfcServerStatus => "protocol variation answered 501/505 as the RFCs allow",
            Observation::NotSent => "not sent: the harness's HTTP client refused the request",
            Observation::AnswerTruncated => "answer larger than --max-body, truncated: not judged",
            Observation::AnswerTooDeep => "answer nested deeper than the harness parses: not judged",
        }
    }
}

/// The judgement of one exchange.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Judgement {
    pub violation: Option<Violation>,
    pub observations: Vec<Observation>,
}

/// The answers the HTTP RFCs call correct for a protocol variation (module doc). Any
/// other 4xx is a refusal too and never a finding; of the 5xx only the ones listed here
/// are correct.
pub fn rfc_answers(kind: ProtocolKind) -> &'static [u16] {
    match kind {
        ProtocolKind::Method => &[501, 405, 400, 404],
        ProtocolKind::RequestLine => &[400, 414, 404],
        ProtocolKind::HeaderSize => &[431, 400],
        ProtocolKind::HttpVersion => &[505, 400],
        ProtocolKind::ContentType => &[415, 400],
        ProtocolKind::BodySize => &[413, 400],
        ProtocolKind::Query => &[200, 400, 404],
        ProtocolKind::UnexpectedBody => &[200, 400, 413],
    }
}

/// The documented failure `Status` an answer carries: a JSON `Status` of the manual's
/// table other than 2000 and the informational 3xxx (a 4xxx or 5000).
pub fn documented_failure(profile: &Profile, response: &WireResponse) -> Option<String> {
    let status = response.api_status()?;
    (profile.is_known_code(&status) && (status.starts_with('4') || status.starts_with('5'))).then_some(status)
}

/// What a body is, for a one-line `actual`: `empty body`, `HTML page`, `Status "2000"`.
fn body_kind(profile: &Profile, response: &WireResponse) -> String {
    if response.body.iter().all(u8::is_ascii_whitespace) {
        return "empty body".into();
    }
    match (response.json(), response.api_status()) {
        (_, Some(s)) if profile.is_known_code(&s) => {
            format!("Status \"{s}\" (not a failure Status)")
        }
        (_, Some(s)) => format!("Status \"{s}\" (not in the manual's table)"),
        (Some(_), None) => "JSON without a `Status`".into(),
        (None, None) => {
            let text = String::from_utf8_lossy(&response.body[..response.body.len().min(512)]).to_ascii_lowercase();
            if text.contains("<html") || text.contains("<!doctype") {
                "HTML page".into()
            } else {
                "body is not JSON".into()
            }
        }
    }
}

/// A FAIL-level violation.
fn fail(oracle: Oracle, requirement: String, actual: String) -> Option<Violation> {
    Some(Violation { oracle, verdict: Verdict::Fail, requirement, actual })
}

/// Judge one answer to a generated request.
pub fn judge(
    profile: &Profile,
    endpoint: &Endpoint,
    request: &WireRequest,
    intent: &Intent,
    outcome: &Outcome,
) -> Judgement {
    let protocol = match intent {
        Intent::Protocol { mutation, .. } => Some(*mutation),
        _ => None,
    };
    let Outcome::Answered(response) = outcome else {
        return judge_no_answer(profile, request, protocol, outcome);
    };
    // What lies past `--max-body` (or the parser's depth) is unknown: a documented failure
    // Status or its absence cannot be seen, and the manual bounds neither. Counted only.
    if !response.is_whole() {
        return Judgement { violation: None, observations: vec![Observation::AnswerTruncated] };
    }
    if response.nested_too_deep() {
        return Judgement { violation: None, observations: vec![Observation::AnswerTooDeep] };
    }
    let documented_method = request.method == endpoint.method.as_str();
    if response.status >= 400 {
        return judge_http_error(profile, endpoint, intent, protocol, response, documented_method);
    }
    if !documented_method || response.status != 200 {
        return Judgement::default();
    }
    judge_api_answer(profile, endpoint, intent, response)
}

/// A request that got no HTTP answer: a hang, a closed connection (expected only for an
/// oversized request), or the harness's own failure to send (no verdict).
fn judge_no_answer(
    profile: &Profile,
    request: &WireRequest,
    protocol: Option<ProtocolKind>,
    outcome: &Outcome,
) -> Judgement {
    let mut j = Judgement::default();
    match outcome {
        Outcome::Timeout { after_ms } => {
            j.violation = fail(
                Oracle::Hang,
                "every request gets an answer within the timeout".into(),
                format!("no answer within {after_ms} ms"),
            );
        }
        Outcome::Reset { detail } => {
            let oversize_body =
                request.body.as_ref().is_some_and(|b| b.len() > profile.limits.body_bytes_rejected_above);
            if oversize_body || protocol == Some(ProtocolKind::HeaderSize) {
                j.observations.push(Observation::OversizeClosed);
            } else {
                j.violation = fail(
                    Oracle::ConnectionReset,
                    "every request gets an HTTP answer; the connection is not closed without one".into(),
                    format!("connection closed without an answer ({detail})"),
                );
            }
        }
        // The harness could not send it: no verdict about the phone.
        Outcome::ClientError { .. } => {
            j.observations.push(Observation::NotSent);
        }
        Outcome::Answered(_) => {}
    }
    j
}

/// An answer with an HTTP error status: a documented failure riding on it (E48), the
/// RFC answer to a protocol variation, a 5xx crash, or a plain refusal.
fn judge_http_error(
    profile: &Profile,
    endpoint: &Endpoint,
    intent: &Intent,
    protocol: Option<ProtocolKind>,
    response: &WireResponse,
    documented_method: bool,
) -> Judgement {
    let mut j = Judgement::default();
    // E48: the manual never prints the HTTP status of a failure answer.
    if let Some(status) = documented_failure(profile, response) {
        j.observations.push(Observation::FailureOnHttpError);
        if documented_method {
            if !endpoint.codes.contains(&status) {
                j.observations.push(Observation::StatusNotListedForEndpoint);
            }
            if *intent == Intent::Valid {
                j.observations.push(Observation::ValidRefused);
            }
        }
        return j;
    }
    if response.status >= 500 {
        if protocol.is_some_and(|k| rfc_answers(k).contains(&response.status)) {
            j.observations.push(Observation::RfcServerStatus);
            return j;
        }
        j.violation = fail(
            Oracle::ServerError,
            "no HTTP 5xx other than a failure answer with a documented `Status` (5000 \"Failed to process request\", E48) \
             or the RFC answer to a protocol variation (501 to a method the server does not implement, 505 to an HTTP version)"
                .into(),
            format!("HTTP {}, {}", response.status, body_kind(profile, response)),
        );
    }
    // Any other 4xx refuses the request: which code the manual wants is the conformance suite's business.
    j
}

/// An HTTP 200 answer to the documented method: a `Status` from the table, then what
/// accepting the request means for its intent.
fn judge_api_answer(profile: &Profile, endpoint: &Endpoint, intent: &Intent, response: &WireResponse) -> Judgement {
    let mut j = Judgement::default();
    let Some(status) = response.api_status() else {
        j.violation = fail(
            Oracle::NoApiStatus,
            format!("{}: \"Output Syntax: JSON\" with a `Status` member in every answer", endpoint.section),
            if response.json().is_some() {
                "HTTP 200, JSON without a `Status` string".into()
            } else {
                "HTTP 200, body is not JSON".into()
            },
        );
        return j;
    };
    if !profile.is_known_code(&status) {
        j.violation = fail(
            Oracle::UndocumentedStatus,
            "`Status` is one of the codes of the manual's \"Error Code and Descriptions\" table".into(),
            format!("HTTP 200, Status \"{status}\" (not in the table)"),
        );
        return j;
    }
    if !endpoint.codes.contains(&status) {
        j.observations.push(Observation::StatusNotListedForEndpoint);
    }
    if status != "2000" {
        if *intent == Intent::Valid {
            j.observations.push(Observation::ValidRefused);
        }
        return j;
    }
    match intent {
        Intent::Invalid { mandatory: Some(member) } => match endpoint.input {
            Input::Required => {
                j.violation = Some(Violation {
                    oracle: Oracle::MandatoryFieldAccepted,
                    verdict: Verdict::Fail,
                    requirement: format!(
                        "{}: `{member}` is a mandatory parameter; a request without it is invalid input (4000)",
                        endpoint.section
                    ),
                    actual: format!("HTTP 200, Status \"2000\" without `{member}`"),
                })
            }
            // "Input is optional" for the whole body, yet the member is "mandatory":
            // absent input is fine, input without the member is the ambiguous reading.
            Input::Optional if member.matches('/').count() > 1 => {
                j.violation = Some(Violation {
                    oracle: Oracle::MandatoryFieldAccepted,
                    verdict: Verdict::NonStrict,
                    requirement: format!(
                        "{}: \"Input is optional\" but `{member}` is called mandatory; input given without it is read here as invalid (4000)",
                        endpoint.section
                    ),
                    actual: format!("HTTP 200, Status \"2000\" without `{member}`"),
                })
            }
            _ => j.observations.push(Observation::InvalidAccepted),
        },
        Intent::Invalid { mandatory: None } => j.observations.push(Observation::InvalidAccepted),
        Intent::Malformed { .. } => j.observations.push(Observation::MalformedAccepted),
        Intent::Valid | Intent::Protocol { .. } => {}
    }
    j
}

/// Whether `outcome` reproduces `violation` (same oracle): the shrinker's and the
/// replayer's test.
pub fn reproduces(violation: &Violation, judgement: &Judgement) -> bool {
    judgement.violation.as_ref().is_some_and(|v| v.oracle == violation.oracle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::profile::{Limits, Method, Safety};
    use crate::device::WireResponse;
    use std::collections::BTreeMap;

    fn profile() -> Profile {
        Profile {
            id: "p".into(),
            family: "p".into(),
            product: "p".into(),
            firmware: "1".into(),
            manual: "m".into(),
            manual_file: None,
            models: vec![],
            default_username: "Polycom".into(),
            factory_password: "456".into(),
            limits: Limits {
                body_bytes_accepted: 20000,
                body_bytes_rejected_above: 20480,
                config_params_max: 20,
                upload_bg_capture_interval_secs: None,
            },
            status_codes: ["2000", "3000", "4000", "4003", "4004", "4007", "5000"]
                .iter()
                .map(|c| (c.to_string(), String::new()))
                .collect::<BTreeMap<_, _>>(),
            endpoints: vec![],
            failure_response: None,
            patience: None,
        }
    }

    fn endpoint(input: Input) -> Endpoint {
        Endpoint {
            id: "callctrl.dial".into(),
            title: "WebCallControl.Dial".into(),
            section: "WebCallControl.Dial".into(),
            method: Method::POST,
            path: "/api/v1/callctrl/dial".into(),
            input,
            query: vec![],
            codes: vec!["2000".into(), "4000".into(), "5000".into()],
            safety: Safety::Mutating,
            schema: "v1/callctrl/dial.json".into(),
            errata: vec![],
            not_tested: None,
            certainty: None,
            alternates: vec![],
            response_def: None,
        }
    }

    fn answered(status: u16, body: &str) -> Outcome {
        Outcome::Answered(WireResponse::new(status, vec![], body.as_bytes().to_vec()))
    }

    fn request() -> WireRequest {
        WireRequest::post_json("/api/v1/callctrl/dial", &serde_json::json!({"data": {}}))
    }

    #[test]
    fn crashes_hangs_and_resets_fail_whatever_the_intent() {
        let (p, e, r) = (profile(), endpoint(Input::Required), request());
        for (outcome, oracle) in [
            (answered(500, ""), Oracle::ServerError),
            (Outcome::Timeout { after_ms: 2000 }, Oracle::Hang),
            (Outcome::Reset { detail: "closed".into() }, Oracle::ConnectionReset),
        ] {
            let j = judge(&p, &e, &r, &protocol(ProtocolKind::ContentType), &outcome);
            assert_eq!(j.violation.map(|v| (v.oracle, v.verdict)), Some((oracle, Verdict::Fail)));
        }
    }

    #[test]
    fn a_missing_mandatory_member_accepted_fails_and_optional_input_is_non_strict() {
        let (p, r) = (profile(), request());
        let ok = answered(200, r#"{"Status":"2000"}"#);
        let intent = Intent::Invalid { mandatory: Some("/data/Dest".into()) };
        let v = judge(&p, &endpoint(Input::Required), &r, &intent, &ok).violation.unwrap();
        assert_eq!((v.oracle, v.verdict), (Oracle::MandatoryFieldAccepted, Verdict::Fail));
        let v = judge(&p, &endpoint(Input::Optional), &r, &intent, &ok).violation.unwrap();
        assert_eq!(v.verdict, Verdict::NonStrict);
        // Absent input on an optional endpoint is what "Input is optional" allows.
        let whole = Intent::Invalid { mandatory: Some("/data".into()) };
        assert_eq!(judge(&p, &endpoint(Input::Optional), &r, &whole, &ok).violation, None);
        // Refused properly: nothing to report.
        let refused = answered(200, r#"{"Status":"4000"}"#);
        assert_eq!(judge(&p, &endpoint(Input::Required), &r, &intent, &refused).violation, None);
    }

    #[test]
    fn silent_rules_are_observations_not_findings() {
        let (p, e, r) = (profile(), endpoint(Input::Required), request());
        let ok = answered(200, r#"{"Status":"2000"}"#);
        let j = judge(&p, &e, &r, &Intent::Invalid { mandatory: None }, &ok);
        assert_eq!((j.violation, j.observations), (None, vec![Observation::InvalidAccepted]));
        let j = judge(&p, &e, &r, &Intent::Valid, &answered(200, r#"{"Status":"4007"}"#));
        assert_eq!(j.violation, None);
        assert!(j.observations.contains(&Observation::StatusNotListedForEndpoint));
        // HTTP errors other than 5xx are the conformance suite's business.
        assert_eq!(judge(&p, &e, &r, &Intent::Valid, &answered(413, "")).violation, None);
    }

    #[test]
    fn answers_must_carry_a_documented_status() {
        let (p, e, r) = (profile(), endpoint(Input::Required), request());
        let v = judge(&p, &e, &r, &Intent::Valid, &answered(200, "<html>")).violation.unwrap();
        assert_eq!(v.oracle, Oracle::NoApiStatus);
        let v = judge(&p, &e, &r, &Intent::Valid, &answered(200, r#"{"Status":"4999"}"#)).violation.unwrap();
        assert_eq!(v.oracle, Oracle::UndocumentedStatus);
        // Another method: not the endpoint the manual describes, so no body rule.
        let mut put = r.clone();
        put.method = "PUT".into();
        assert_eq!(judge(&p, &e, &put, &protocol(ProtocolKind::Method), &answered(200, "<html>")).violation, None);
    }

    #[test]
    fn a_reset_while_sending_an_oversize_body_is_not_a_finding() {
        let (p, e) = (profile(), endpoint(Input::Required));
        let mut r = request();
        r.body = Some(vec![b' '; 30000].into());
        let j = judge(&p, &e, &r, &protocol(ProtocolKind::BodySize), &Outcome::Reset { detail: "broken pipe".into() });
        assert_eq!((j.violation, j.observations), (None, vec![Observation::OversizeClosed]));
        // Likewise a header section too large to read; a reset on a small request is not.
        let small = request();
        let j = judge(
            &p,
            &e,
            &small,
            &protocol(ProtocolKind::HeaderSize),
            &Outcome::Reset { detail: "broken pipe".into() },
        );
        assert_eq!((j.violation, j.observations), (None, vec![Observation::OversizeClosed]));
        let j = judge(
            &p,
            &e,
            &small,
            &protocol(ProtocolKind::ContentType),
            &Outcome::Reset { detail: "broken pipe".into() },
        );
        assert_eq!(j.violation.map(|v| v.oracle), Some(Oracle::ConnectionReset));
    }

    fn protocol(mutation: ProtocolKind) -> Intent {
        Intent::Protocol { mutation, why: mutation.label().into() }
    }

    /// The request a variation of `kind` is made of (the oracle reads only its method,
    /// its body size and the intent).
    fn variation(kind: ProtocolKind) -> WireRequest {
        let mut r = request();
        if kind == ProtocolKind::Method {
            r.method = "get".into();
        }
        r
    }

    const HTML: &str = "<!DOCTYPE html><html><body><h1>Error</h1></body></html>";

    #[test]
    fn every_protocol_variation_answered_as_its_rfc_says_is_no_finding() {
        let (p, e) = (profile(), endpoint(Input::Required));
        for kind in ProtocolKind::ALL {
            let answers = rfc_answers(kind);
            assert!(!answers.is_empty(), "{kind:?}");
            // Every RFC answer, and any other refusal (4xx), whatever the body.
            for &status in answers.iter().chain(&[401, 403, 409, 422]) {
                let body = if status == 200 { r#"{"Status":"2000"}"# } else { HTML };
                let j = judge(&p, &e, &variation(kind), &protocol(kind), &answered(status, body));
                assert_eq!(j.violation, None, "{} answered {status}", kind.label());
                assert_eq!(
                    j.observations.contains(&Observation::RfcServerStatus),
                    status >= 500,
                    "{} answered {status}",
                    kind.label()
                );
            }
        }
        // The two 5xx the RFCs name: an unknown method token gets 501, a version 505.
        assert!(rfc_answers(ProtocolKind::Method).contains(&501));
        assert!(rfc_answers(ProtocolKind::HttpVersion).contains(&505));
    }

    #[test]
    fn a_5xx_html_page_is_a_server_error_for_every_variation_and_every_intent() {
        let (p, e) = (profile(), endpoint(Input::Required));
        for kind in ProtocolKind::ALL {
            for status in [500u16, 501, 502, 503, 504, 505] {
                if rfc_answers(kind).contains(&status) {
                    continue;
                }
                for body in [HTML, "", "{}"] {
                    let v = judge(&p, &e, &variation(kind), &protocol(kind), &answered(status, body)).violation;
                    assert_eq!(
                        v.as_ref().map(|v| (v.oracle, v.verdict)),
                        Some((Oracle::ServerError, Verdict::Fail)),
                        "{} answered {status} {body:?}",
                        kind.label()
                    );
                }
            }
        }
        let v = judge(&p, &e, &variation(ProtocolKind::Method), &protocol(ProtocolKind::Method), &answered(500, HTML))
            .violation
            .unwrap();
        assert_eq!(v.actual, "HTTP 500, HTML page");
        // 501 is the answer to a method, not to a request the manual describes.
        for intent in
            [Intent::Valid, Intent::Invalid { mandatory: None }, Intent::Malformed { why: "truncated".into() }]
        {
            let v = judge(&p, &e, &request(), &intent, &answered(501, "")).violation.unwrap();
            assert_eq!((v.oracle, v.actual.as_str()), (Oracle::ServerError, "HTTP 501, empty body"));
        }
    }

    #[test]
    fn a_documented_failure_status_on_an_http_error_is_the_failure_answer() {
        let (p, e, r) = (profile(), endpoint(Input::Required), request());
        // E48: the manual prints the failure body, never its HTTP status.
        let j = judge(&p, &e, &r, &Intent::Valid, &answered(500, r#"{"Status":"5000"}"#));
        assert_eq!(j.violation, None);
        assert_eq!(j.observations, vec![Observation::FailureOnHttpError, Observation::ValidRefused]);
        let j = judge(
            &p,
            &e,
            &r,
            &Intent::Invalid { mandatory: Some("/data/Dest".into()) },
            &answered(400, r#"{"Status":"4000"}"#),
        );
        assert_eq!((j.violation, j.observations), (None, vec![Observation::FailureOnHttpError]));
        let j = judge(&p, &e, &r, &Intent::Valid, &answered(501, r#"{"Status": "4004"}"#));
        assert_eq!(j.violation, None);
        assert!(j.observations.contains(&Observation::StatusNotListedForEndpoint), "4004 is not in dial's list");
        let j = judge(
            &p,
            &e,
            &variation(ProtocolKind::ContentType),
            &protocol(ProtocolKind::ContentType),
            &answered(503, r#"{"Status":"5000"}"#),
        );
        assert_eq!((j.violation, j.observations), (None, vec![Observation::FailureOnHttpError]));
        // A 5xx without a documented failure Status is still a crash.
        for (body, actual) in [
            ("", "HTTP 500, empty body"),
            (HTML, "HTTP 500, HTML page"),
            ("Internal error", "HTTP 500, body is not JSON"),
            (r#"{"error":"x"}"#, "HTTP 500, JSON without a `Status`"),
            (r#"{"Status":"2000"}"#, "HTTP 500, Status \"2000\" (not a failure Status)"),
            (r#"{"Status":"3000"}"#, "HTTP 500, Status \"3000\" (not a failure Status)"),
            (r#"{"Status":"5500"}"#, "HTTP 500, Status \"5500\" (not in the manual's table)"),
        ] {
            let v = judge(&p, &e, &r, &Intent::Valid, &answered(500, body)).violation.unwrap();
            assert_eq!((v.oracle, v.actual.as_str()), (Oracle::ServerError, actual));
        }
    }

    #[test]
    fn a_request_the_harness_could_not_send_is_never_a_finding() {
        let (p, e) = (profile(), endpoint(Input::Required));
        let outcome = Outcome::ClientError { detail: "invalid HTTP method".into() };
        for intent in
            [Intent::Valid, protocol(ProtocolKind::Method), Intent::Invalid { mandatory: Some("/data/Dest".into()) }]
        {
            let j = judge(&p, &e, &variation(ProtocolKind::Method), &intent, &outcome);
            assert_eq!((j.violation, j.observations), (None, vec![Observation::NotSent]));
        }
    }
}
