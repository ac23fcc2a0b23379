//! The answer's shape: the `schema` condition of an outcome, and the implicit rule that an
//! HTTP 200 answer is JSON valid against the endpoint's schema.
//!
//! `Status` "2000" selects the endpoint's `$defs/response` (the manual's "Success
//! Response"); any other code selects `common.json#/$defs/failure` (its "Failure
//! Response"). Two readings are judged elsewhere and not again here: a numeric `Status`
//! (NON-STRICT in `api_status`) is validated as its string, and a missing `Status` (FAIL in
//! `api_status`) is not reported a second time as a schema violation.

use super::context::Context;
use super::finding::Finding;
use super::observed::Observed;
use crate::catalogue::case::{Family, SchemaPart};
use crate::catalogue::profile::Endpoint;
use crate::catalogue::schema::SchemaViolation;
use crate::verdict::Verdict;
use serde_json::Value;

/// Where the failure envelope lives under `schemas/`.
pub const FAILURE_SCHEMA: (&str, &str) = ("common.json", "failure");

/// Longest violation message shown.
const VIOLATION_SNIPPET: usize = 200;

/// The schema a part names for this endpoint: (file, definition).
pub fn location(part: SchemaPart, endpoint: Option<&Endpoint>) -> Option<(&str, &str)> {
    match part {
        SchemaPart::Response => endpoint.map(|e| (e.schema.as_str(), e.response_def())),
        SchemaPart::Failure => Some(FAILURE_SCHEMA),
    }
}

/// `schemas/v1/mgmt/device/info.json#/$defs/response`.
pub fn shown(rel: &str, def: &str) -> String {
    format!("schemas/{rel}#/$defs/{def}")
}

/// Validate the answer against `rel#/$defs/def`. `Err` when the harness cannot judge (no
/// such schema); `Ok` with the violations, each `pointer: message`.
pub fn violations(ctx: &Context, rel: &str, def: &str, json: &Value) -> Result<Vec<String>, String> {
    let instance = normalised(json);
    let missing_status = json.get("Status").is_none();
    let found =
        ctx.schemas.validate(rel, def, &instance).ok_or_else(|| format!("{} is not loaded", shown(rel, def)))?;
    Ok(found.into_iter().filter(|v| !(missing_status && is_status_required(v))).map(|v| violation_line(&v)).collect())
}

/// Compare the `schema` condition; `Err` when the harness cannot judge.
pub fn match_schema(ctx: &Context, part: SchemaPart, obs: &Observed, reasons: &mut Vec<String>) -> Result<(), String> {
    if obs.response.is_none() {
        return Ok(());
    }
    let Some((rel, def)) = location(part, ctx.endpoint) else {
        return Err("the step calls no known endpoint, so it has no success schema".into());
    };
    let Some(json) = obs.json.as_ref() else {
        reasons.push(match &obs.unread {
            Some(why) => {
                format!("the body was not read whole ({}), so it cannot be held to {}", why.words(), shown(rel, def))
            }
            None => format!("the body is not JSON, so it cannot match {}", shown(rel, def)),
        });
        return Ok(());
    };
    let found = violations(ctx, rel, def, json)?;
    if let Some(first) = found.first() {
        let more = if found.len() > 1 { format!(" (and {} more)", found.len() - 1) } else { String::new() };
        reasons.push(format!("not valid against {}: {first}{more}", shown(rel, def)));
    }
    Ok(())
}

/// The condition in words.
pub fn describe(part: Option<SchemaPart>, parts: &mut Vec<String>) {
    match part {
        Some(SchemaPart::Response) => {
            parts.push("body valid against the endpoint's success schema ($defs/response)".into())
        }
        Some(SchemaPart::Failure) => {
            parts.push("body valid against the failure envelope (common.json $defs/failure)".into())
        }
        None => {}
    }
}

/// The implicit rule for an HTTP 200 answer to a well-formed request at `endpoint`.
pub fn implicit(ctx: &Context, endpoint: &Endpoint, step: &str, obs: &Observed) -> Vec<Finding> {
    let Some(resp) = obs.response else {
        return vec![];
    };
    if resp.status != 200 {
        return vec![];
    }
    let finding = |verdict, requirement: String, expected: Vec<String>, actual: String, details: Vec<String>| Finding {
        family: Family::Schema,
        verdict,
        section: endpoint.section.clone(),
        requirement,
        expected,
        actual,
        step: step.to_string(),
        details,
        errata: vec![],
    };
    let Some(json) = obs.json.as_ref() else {
        // A body the harness could not read whole: `body_limits` says so, at INFO.
        if obs.unread.is_some() {
            return vec![];
        }
        let actual = if resp.body.is_empty() { "HTTP 200 with an empty body".to_string() } else { obs.actual() };
        return vec![finding(
            Verdict::Fail,
            "Input and Output Syntax: JSON".into(),
            vec!["a JSON body".into()],
            actual,
            vec![],
        )];
    };
    let success = json.get("Status").map(|s| s == "2000" || s == 2000).unwrap_or_else(|| json.get("data").is_some());
    let ((rel, def), requirement) = if success {
        (
            (endpoint.schema.as_str(), endpoint.response_def()),
            "Output: Success Response (the endpoint's documented `data` members)".to_string(),
        )
    } else {
        (FAILURE_SCHEMA, "Output: Failure Response: { \"Status\": \"<4xxx/5xxx>\" }".to_string())
    };
    let expected = vec![format!("body valid against {}", shown(rel, def))];
    match violations(ctx, rel, def, json) {
        Err(why) => vec![finding(
            Verdict::Error,
            requirement,
            expected,
            obs.actual(),
            vec![format!("cannot judge the answer's shape: {why} (a data problem of the harness, not of the device)")],
        )],
        Ok(found) if found.is_empty() => {
            if success {
                preferred(ctx, endpoint, step, obs, json)
            } else {
                vec![]
            }
        }
        Ok(found) => {
            let summary = match found.len() {
                1 => format!("{}; {}", obs.actual(), found[0]),
                n => format!("{}; {} (and {} more schema violations)", obs.actual(), found[0], n - 1),
            };
            let mut details = found;
            if let Some(d) = ctx.schemas.description(rel) {
                details.push(format!(
                    "schema: {} ({})",
                    shown(rel, def),
                    super::observed::snippet(d, VIOLATION_SNIPPET)
                ));
            }
            vec![finding(Verdict::Fail, requirement, expected, summary, details)]
        }
    }
}

/// The preferred readings of a valid success answer: each `$defs/preferred-<erratum>` of
/// the endpoint's schema describes what the erratum's decision prefers where the manual
/// allows more (E03: the key without its printed trailing space; E53: the shapes real phones
/// send where the example is illegible). An answer outside one took the other reading:
/// graded by that erratum's level (NON-STRICT or INFO), never FAIL. Only the errata of the
/// profile's manual apply.
fn preferred(ctx: &Context, endpoint: &Endpoint, step: &str, obs: &Observed, json: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    for def in ctx.schemas.defs(&endpoint.schema) {
        let Some(erratum) = def.strip_prefix(crate::catalogue::load::PREFERRED_PREFIX) else {
            continue;
        };
        let Some(e) = ctx.errata.iter().find(|e| e.id == erratum) else {
            continue;
        };
        if !e.applies_to(&ctx.profile.id) {
            continue;
        }
        let Ok(found) = violations(ctx, &endpoint.schema, def, json) else {
            continue;
        };
        let Some(first) = found.first() else { continue };
        let more = if found.len() > 1 { format!(" (and {} more)", found.len() - 1) } else { String::new() };
        out.push(Finding {
            family: Family::Schema,
            verdict: e.verdict.miss(),
            section: endpoint.section.clone(),
            requirement: e.text.clone(),
            expected: vec![format!(
                "body valid against {} (the reading {} prefers)",
                shown(&endpoint.schema, def),
                e.id
            )],
            actual: format!("{}; {first}{more}", obs.actual()),
            step: step.to_string(),
            details: found
                .iter()
                .skip(1)
                .cloned()
                .chain(std::iter::once(format!(
                    "{}: {}",
                    e.id,
                    super::observed::snippet(&e.decision, VIOLATION_SNIPPET)
                )))
                .collect(),
            errata: vec![e.id.clone()],
        });
    }
    out
}

/// A numeric `Status` validated as its string: its type is the `api_status` rule's to judge.
fn normalised(json: &Value) -> Value {
    let mut v = json.clone();
    if let Some(obj) = v.as_object_mut()
        && let Some(Value::Number(n)) = obj.get("Status")
    {
        let text = n.to_string();
        obj.insert("Status".into(), Value::String(text));
    }
    v
}

fn is_status_required(v: &SchemaViolation) -> bool {
    v.pointer.is_empty() && v.message.contains("\"Status\"") && v.message.contains("required")
}

fn violation_line(v: &SchemaViolation) -> String {
    let at = if v.pointer.is_empty() { "/" } else { v.pointer.as_str() };
    format!("{at}: {}", super::observed::snippet(&v.message, VIOLATION_SNIPPET))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testkit::*;

    fn run(body: &str) -> Vec<Finding> {
        let w = World::new();
        let ctx = w.ctx();
        let ex = answered(200, &[("Content-Type", "application/json")], body);
        implicit(&ctx, ctx.endpoint.unwrap(), "request", &Observed::new(&ex))
    }

    #[test]
    fn valid_success_and_failure_answers_pass() {
        assert!(run(r#"{"Status":"2000","data":{"ModelNumber":"Trio 8800","FirmwareRelease":"5.9.1"}}"#).is_empty());
        assert!(run(r#"{"Status":"5000"}"#).is_empty());
    }

    #[test]
    fn missing_member_fails_with_its_pointer() {
        let f = run(r#"{"Status":"2000","data":{"FirmwareRelease":"5.9.1"}}"#);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict, Verdict::Fail);
        assert_eq!(f[0].family, Family::Schema);
        assert!(f[0].details[0].starts_with("/data: "), "{:?}", f[0].details);
        assert!(f[0].details[0].contains("ModelNumber"), "{:?}", f[0].details);
        assert!(f[0].actual.contains("ModelNumber"), "{}", f[0].actual);
    }

    #[test]
    fn non_json_200_fails_with_the_body_excerpt() {
        let f = run("<html><body>Network</body></html>");
        assert_eq!(f[0].verdict, Verdict::Fail);
        assert_eq!(f[0].actual, "HTTP 200, body is not JSON: <html><body>Network</body></html>");
        assert_eq!(run("")[0].actual, "HTTP 200 with an empty body");
    }

    #[test]
    fn numeric_status_and_missing_status_are_not_judged_twice() {
        assert!(run(r#"{"Status":2000,"data":{"ModelNumber":"x","FirmwareRelease":"y"}}"#).is_empty());
        assert!(run(r#"{"data":{"ModelNumber":"x","FirmwareRelease":"y"}}"#).is_empty());
    }

    #[test]
    fn failure_envelope_with_wrong_type_fails() {
        let f = run(r#"{"Status":"4007","data":7}"#);
        assert_eq!(f.len(), 1, "{f:?}");
        assert!(f[0].expected[0].contains("common.json#/$defs/failure"));
    }

    #[test]
    fn explicit_schema_condition() {
        let w = World::new();
        let ctx = w.ctx();
        let ex = answered(200, &[], r#"{"Status":"2000","data":{"ModelNumber":"x","FirmwareRelease":"y"}}"#);
        let mut reasons = vec![];
        assert!(match_schema(&ctx, SchemaPart::Response, &Observed::new(&ex), &mut reasons).is_ok());
        assert!(reasons.is_empty(), "{reasons:?}");
        assert!(match_schema(&ctx, SchemaPart::Failure, &Observed::new(&ex), &mut reasons).is_ok());
        assert_eq!(reasons.len(), 1, "{reasons:?}");
        let no_endpoint = Context { endpoint: None, ..ctx };
        assert!(match_schema(&no_endpoint, SchemaPart::Response, &Observed::new(&ex), &mut reasons).is_err());
    }
}
