//! The API `Status` code in the body: the `api_status` condition of an outcome, and the
//! implicit rules every answer obeys.
//!
//! Implicit rules, with the manual's certainty:
//! - a `Status` in none of the profile's tables (the manual's "Error Codes" table, plus the
//!   codes the per-endpoint lists name) is FAIL: the manual lists every code;
//! - a code of the table that the endpoint's "Applicable return codes" leave out is
//!   NON-STRICT: those lists are visibly incomplete (blank entries like "4003, , 4007");
//! - a number instead of a string is NON-STRICT: the manual prints both (errata decision);
//! - a 200 JSON answer without `Status` is FAIL: every endpoint's Output shows one.

use super::context::Context;
use super::finding::Finding;
use super::observed::Observed;
use crate::catalogue::case::{Expect, Family};
use crate::catalogue::profile::Endpoint;
use crate::verdict::Verdict;
use serde_json::Value;

/// The `Status` member as the phone wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiStatus {
    /// No JSON object body, or no `Status` member.
    Absent,
    /// A JSON string, the form every real device uses (`"2000"`).
    Text(String),
    /// A JSON number, shown as text (`2000`).
    Number(String),
    /// Anything else (`null`, `true`, an object), as JSON text.
    Other(String),
}

impl ApiStatus {
    /// The code, when it is a string or a number.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiStatus::Text(s) | ApiStatus::Number(s) => Some(s),
            _ => None,
        }
    }

    /// `Status "4007"`, `Status 4007 (a number)`, `no Status`.
    pub fn words(&self) -> String {
        match self {
            ApiStatus::Absent => "no Status".into(),
            ApiStatus::Text(s) => format!("Status \"{s}\""),
            ApiStatus::Number(s) => format!("Status {s} (a number)"),
            ApiStatus::Other(s) => format!("Status {s}"),
        }
    }
}

/// Read `Status` from a parsed body.
pub fn read(json: Option<&Value>) -> ApiStatus {
    match json.and_then(|v| v.get("Status")) {
        None => ApiStatus::Absent,
        Some(Value::String(s)) => ApiStatus::Text(s.clone()),
        Some(Value::Number(n)) => ApiStatus::Number(n.to_string()),
        Some(other) => ApiStatus::Other(super::observed::snippet(&other.to_string(), 60)),
    }
}

/// Compare the `api_status` condition. A number matches its string: the type is judged
/// once, by the implicit rule, not again by every outcome.
pub fn match_api_status(expect: &Expect, obs: &Observed, reasons: &mut Vec<String>) {
    if expect.api_status.is_empty() || obs.response.is_none() {
        return;
    }
    let status = read(obs.json.as_ref());
    let ok = status.code().is_some_and(|c| expect.api_status.iter().any(|want| want == c));
    if !ok {
        let got = if obs.json.is_none() { "the body is not JSON".to_string() } else { status.words() };
        reasons.push(format!("{got}, expected {}", quoted_or_list(&expect.api_status)));
    }
}

/// The condition in words (`Status "4007" or "2000"`).
pub fn describe(expect: &Expect, parts: &mut Vec<String>) {
    if !expect.api_status.is_empty() {
        parts.push(format!("Status {}", quoted_or_list(&expect.api_status)));
    }
}

/// `"4007" or "2000"`; longer lists read `one of "4000", "4001", ...`.
fn quoted_or_list(codes: &[String]) -> String {
    let quoted: Vec<String> = codes.iter().map(|c| format!("\"{c}\"")).collect();
    if quoted.len() > 3 { format!("one of {}", quoted.join(", ")) } else { quoted.join(" or ") }
}

/// Implicit rules for one answer to a well-formed request at `endpoint`.
///
/// Kept whole as one decision table read top to bottom: the form of `Status` first
/// (absent, not a code, a number), then the code against the table and the section's list.
pub fn implicit(ctx: &Context, endpoint: &Endpoint, step: &str, obs: &Observed) -> Vec<Finding> {
    let (Some(resp), Some(json)) = (obs.response, obs.json.as_ref()) else {
        return vec![];
    };
    let status = read(Some(json));
    let finding =
        |verdict, section: &str, requirement: String, expected: Vec<String>, details: Vec<String>, errata: &[&str]| {
            Finding {
                family: Family::ApiStatus,
                verdict,
                section: section.to_string(),
                requirement,
                expected,
                actual: obs.actual(),
                step: step.to_string(),
                details,
                errata: errata.iter().map(|e| e.to_string()).collect(),
            }
        };
    let applicable = format!("Applicable return codes: {}", endpoint.codes.join(", "));
    let mut out = Vec::new();
    match &status {
        ApiStatus::Absent => {
            if resp.status == 200 {
                out.push(finding(
                    Verdict::Fail,
                    &endpoint.section,
                    "Output: Success Response: { \"Status\": \"2000\" ... } Failure Response: { \"Status\": \"<4xxx/5xxx>\" }".into(),
                    vec![format!("a `Status` member, one of {}", endpoint.codes.join(", "))],
                    vec!["the JSON answer has no `Status` member, so a client cannot tell success from failure".into()],
                    &[],
                ));
            }
            return out;
        }
        ApiStatus::Other(_) => {
            out.push(finding(
                Verdict::Fail,
                "Error Codes",
                error_table(ctx),
                vec![format!("`Status` is one of the codes {}", endpoint.codes.join(", "))],
                vec!["`Status` is neither a string nor a number, so it is no code of the Error Codes table".into()],
                &[],
            ));
            return out;
        }
        ApiStatus::Number(n) => out.push(finding(
            Verdict::NonStrict,
            &endpoint.section,
            "Output: Success Response: { \"Status\": \"2000\" }".into(),
            vec![format!("`\"Status\": \"{n}\"` (a JSON string)")],
            vec![
                "erratum E07: the manual prints `\"Status\": \"2000\"` in most examples and a bare number in some POST examples; \
                 every capture from a real phone has a string, so a number is the reading we do not prefer (NON-STRICT, FAIL with --strict)"
                    .into(),
            ],
            &["E07"],
        )),
        ApiStatus::Text(_) => {}
    }
    let Some(code) = status.code() else {
        return out;
    };
    if !ctx.profile.is_known_code(code) {
        out.push(finding(
            Verdict::Fail,
            "Error Codes",
            error_table(ctx),
            vec![format!("`Status` is one of the documented codes {}", endpoint.codes.join(", "))],
            vec![format!("erratum E25: \"{code}\" is in no table of the {} manual, so it is FAIL", ctx.profile.id)],
            &[],
        ));
    } else if !endpoint.codes.iter().any(|c| c == code) {
        let meaning = ctx.profile.status_codes.get(code).map(String::as_str).unwrap_or("");
        out.push(finding(
            Verdict::NonStrict,
            &endpoint.section,
            applicable,
            vec![format!("`Status` is one of {}", endpoint.codes.join(", "))],
            vec![format!(
                "erratum E25: \"{code}\" ({meaning}) is in the Error Codes table but not in this endpoint's list; the manual does not \
                 say the lists are exhaustive and they are visibly incomplete (blank entries such as \"4003, , 4007\"): NON-STRICT, not FAIL"
            )],
            &["E25"],
        ));
    }
    out
}

/// The manual's table, as the requirement of a code outside it.
fn error_table(ctx: &Context) -> String {
    let codes: Vec<&str> = ctx.profile.status_codes.keys().map(String::as_str).collect();
    format!("Error Code and Descriptions: {}", codes.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testkit::*;

    fn run(body: &str, status: u16) -> Vec<Finding> {
        let w = World::new();
        let ctx = w.ctx();
        let ex = answered(status, &[("Content-Type", "application/json")], body);
        implicit(&ctx, ctx.endpoint.unwrap(), "request", &Observed::new(&ex))
    }

    #[test]
    fn documented_string_status_passes_silently() {
        assert!(run(r#"{"Status":"2000","data":{}}"#, 200).is_empty());
        assert!(run(r#"{"Status":"5000"}"#, 200).is_empty());
    }

    #[test]
    fn numeric_status_is_non_strict_citing_the_errata_decision() {
        let f = run(r#"{"Status":2000,"data":{}}"#, 200);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict, Verdict::NonStrict);
        assert_eq!(f[0].family, Family::ApiStatus);
        assert!(f[0].details[0].starts_with("erratum E07"));
        assert_eq!(f[0].actual, "HTTP 200, Status 2000 (a number)");
    }

    #[test]
    fn undocumented_status_fails_against_the_error_table() {
        let f = run(r#"{"Status":"4999"}"#, 200);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict, Verdict::Fail);
        assert_eq!(f[0].section, "Error Codes");
        assert_eq!(f[0].requirement, "Error Code and Descriptions: 2000, 4000, 4001, 4003, 4007, 4009, 5000");
    }

    #[test]
    fn table_code_missing_from_the_endpoint_list_is_only_non_strict() {
        let f = run(r#"{"Status":"4001"}"#, 200);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict, Verdict::NonStrict, "the per-endpoint lists are incomplete: never FAIL");
        assert_eq!(f[0].requirement, "Applicable return codes: 2000, 5000");
        assert_eq!(f[0].section, "Management.DeviceInfo");
    }

    #[test]
    fn missing_status_on_200_fails_but_not_on_other_codes() {
        let f = run(r#"{"data":{"ModelNumber":"Trio 8800"}}"#, 200);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict, Verdict::Fail);
        assert!(run(r#"{"error":"x"}"#, 500).is_empty());
    }

    #[test]
    fn null_status_fails() {
        let f = run(r#"{"Status":null}"#, 200);
        assert_eq!(f[0].verdict, Verdict::Fail);
        assert_eq!(f[0].actual, "HTTP 200, Status null");
    }

    #[test]
    fn explicit_condition_accepts_a_number_for_its_string() {
        let ex = answered(200, &[], r#"{"Status":4007}"#);
        let mut reasons = vec![];
        match_api_status(
            &Expect { api_status: vec!["4007".into()], ..expect_http(&[]) },
            &Observed::new(&ex),
            &mut reasons,
        );
        assert!(reasons.is_empty(), "{reasons:?}");
        let ex = answered(200, &[], r#"{"Status":"2000"}"#);
        match_api_status(
            &Expect { api_status: vec!["4007".into(), "4003".into()], ..expect_http(&[]) },
            &Observed::new(&ex),
            &mut reasons,
        );
        assert_eq!(reasons, vec![r#"Status "2000", expected "4007" or "4003""#]);
        let ex = answered(200, &[], "<html>");
        let mut reasons = vec![];
        match_api_status(
            &Expect { api_status: vec!["4007".into()], ..expect_http(&[]) },
            &Observed::new(&ex),
            &mut reasons,
        );
        assert_eq!(reasons, vec![r#"the body is not JSON, expected "4007""#]);
        let mut parts = vec![];
        describe(
            &Expect { api_status: ["4000", "4001", "4003", "5000"].map(String::from).to_vec(), ..expect_http(&[]) },
            &mut parts,
        );
        assert_eq!(parts, vec![r#"Status one of "4000", "4001", "4003", "5000""#]);
    }
}
