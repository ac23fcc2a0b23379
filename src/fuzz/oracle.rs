//! What counts as a finding for a generated request.
//!
//! The oracles, each tied to the manual's certainty (FAIL where it is explicit,
//! NON-STRICT where it is ambiguous, nothing but a counted observation where it is silent):
//!
//! | oracle | verdict | rule |
//! |---|---|---|
//! | `server-error` | FAIL | an HTTP 5xx: API failures ride on HTTP 200 with `Status` 5000 |
//! | `hang` | FAIL | no answer within `--timeout` |
//! | `connection-reset` | FAIL | the connection closed without an answer |
//! | `no-api-status` | FAIL | HTTP 200 to the documented method without a JSON `Status` ("Output Syntax: JSON") |
//! | `undocumented-status` | FAIL | a `Status` outside the manual's error table |
//! | `mandatory-field-accepted` | FAIL / NON-STRICT | Status 2000 although a mandatory member is absent; NON-STRICT on endpoints whose input is optional as a whole ("Input is optional" next to "Ref is a mandatory parameter") |
//! | `phone-unhealthy` | FAIL | device/info stops answering after the request |
//!
//! Not findings, only counted (the manual is silent): unknown members, wrong JSON types,
//! values outside an enum, empty or long strings and malformed JSON answered 2000; a
//! documented `Status` the endpoint's own list does not name; a connection closed while
//! an oversize body was still being sent (the 413 rule is the conformance suite's).

use super::case::Intent;
use crate::device::{Outcome, WireRequest};
use crate::spec::profile::{Endpoint, Input, Profile};
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
    /// The connection closed while an oversize body was sent.
    OversizeClosed,
    /// A request the manual describes answered with an API error (4xxx/5000).
    ValidRefused,
}

impl Observation {
    pub fn label(self) -> &'static str {
        match self {
            Observation::StatusNotListedForEndpoint => "status not in the endpoint's list",
            Observation::InvalidAccepted => "invalid input answered 2000",
            Observation::MalformedAccepted => "malformed body answered 2000",
            Observation::OversizeClosed => "connection closed on an oversize body",
            Observation::ValidRefused => "valid input answered with an API error",
        }
    }
}

/// The judgement of one exchange.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Judgement {
    pub violation: Option<Violation>,
    pub observations: Vec<Observation>,
}

/// Judge one answer to a generated request.
pub fn judge(profile: &Profile, endpoint: &Endpoint, request: &WireRequest, intent: &Intent, outcome: &Outcome) -> Judgement {
    let mut j = Judgement::default();
    let fail = |oracle, requirement: String, actual: String| Some(Violation { oracle, verdict: Verdict::Fail, requirement, actual });
    let response = match outcome {
        Outcome::Timeout { after_ms } => {
            j.violation = fail(Oracle::Hang, "every request gets an answer within the timeout".into(), format!("no answer within {after_ms} ms"));
            return j;
        }
        Outcome::Reset { detail } => {
            let oversize = request.body.as_ref().is_some_and(|b| b.len() > profile.limits.body_bytes_rejected_above);
            if oversize {
                j.observations.push(Observation::OversizeClosed);
            } else {
                j.violation = fail(
                    Oracle::ConnectionReset,
                    "every request gets an HTTP answer; the connection is not closed without one".into(),
                    format!("connection closed without an answer ({detail})"),
                );
            }
            return j;
        }
        // The harness could not send it: no verdict about the phone, and nothing to count.
        Outcome::ClientError { .. } => return j,
        Outcome::Answered(r) => r,
    };
    if response.status >= 500 {
        j.violation = fail(
            Oracle::ServerError,
            "no HTTP 5xx: the manual reports failures in the body (`Status` 5000 \"Failed to process request\") on HTTP 200".into(),
            format!("HTTP {}", response.status),
        );
        return j;
    }
    let documented_method = request.method == endpoint.method.as_str();
    if !documented_method || response.status != 200 {
        return j;
    }
    let Some(status) = response.api_status() else {
        j.violation = fail(
            Oracle::NoApiStatus,
            format!("{}: \"Output Syntax: JSON\" with a `Status` member in every answer", endpoint.section),
            if response.json().is_some() { "HTTP 200, JSON without a `Status` string".into() } else { "HTTP 200, body is not JSON".into() },
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
                    requirement: format!("{}: `{member}` is a mandatory parameter; a request without it is invalid input (4000)", endpoint.section),
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
    use crate::device::WireResponse;
    use crate::spec::profile::{Limits, Method, Safety};
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
            limits: Limits { body_bytes_accepted: 20000, body_bytes_rejected_above: 20480, config_params_max: 20, upload_bg_capture_interval_secs: None },
            status_codes: ["2000", "4000", "4003", "4007", "5000"].iter().map(|c| (c.to_string(), String::new())).collect::<BTreeMap<_, _>>(),
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
            alternates: vec![], response_def: None,
        }
    }

    fn answered(status: u16, body: &str) -> Outcome {
        Outcome::Answered(WireResponse { status, headers: vec![], body: body.as_bytes().to_vec() })
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
            let j = judge(&p, &e, &r, &Intent::Protocol { why: "x".into() }, &outcome);
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
        assert_eq!(judge(&p, &e, &put, &Intent::Protocol { why: "m".into() }, &answered(200, "<html>")).violation, None);
    }

    #[test]
    fn a_reset_while_sending_an_oversize_body_is_not_a_finding() {
        let (p, e) = (profile(), endpoint(Input::Required));
        let mut r = request();
        r.body = Some(vec![b' '; 30000].into());
        let j = judge(&p, &e, &r, &Intent::Protocol { why: "size".into() }, &Outcome::Reset { detail: "broken pipe".into() });
        assert_eq!((j.violation, j.observations), (None, vec![Observation::OversizeClosed]));
    }
}
