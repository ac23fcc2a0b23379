//! Media types: the answer's `Content-Type` rule, and the reading of the request's one
//! (which decides whether a request was well-formed).
//!
//! Every endpoint states "Input and Output Syntax: JSON" (Management.Restart: "Input /
//! Output Format: JSON"): that is about the body, which is JSON here. The manual says
//! nothing about response headers, so the label is never a FAIL: a JSON answer labelled as
//! another media type (`text/html`) is NON-STRICT (the label contradicts the syntax the
//! section names, and clients that honour it cannot parse the answer); a missing header or
//! a legacy JSON label like `text/json` is INFO. Names and values compare
//! case-insensitively and parameters (`; charset=utf-8`) are fine.

use super::finding::Finding;
use super::observed::Observed;
use crate::catalogue::case::Family;
use crate::catalogue::profile::Endpoint;
use crate::verdict::Verdict;

/// How a `Content-Type` value reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MediaKind {
    /// `application/json` or `application/<something>+json`, any case, any parameters.
    Json,
    /// `text/json`, `application/x-json`...: JSON by custom, not by registration.
    JsonLike(String),
    /// No header, or an empty one.
    Missing,
    /// Anything else, as sent.
    Other(String),
}

/// Classify a header value.
pub fn classify(value: Option<&str>) -> MediaKind {
    let Some(value) = value else {
        return MediaKind::Missing;
    };
    let essence = value.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if essence.is_empty() {
        return MediaKind::Missing;
    }
    if essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json")) {
        return MediaKind::Json;
    }
    if matches!(
        essence.as_str(),
        "text/json" | "text/x-json" | "application/x-json" | "text/javascript" | "application/javascript"
    ) {
        return MediaKind::JsonLike(value.trim().to_string());
    }
    MediaKind::Other(value.trim().to_string())
}

/// The implicit rule for one answer to a well-formed request: a JSON body carries a JSON
/// media type.
pub fn implicit(endpoint: &Endpoint, step: &str, obs: &Observed) -> Vec<Finding> {
    let (Some(resp), Some(_)) = (obs.response, obs.json.as_ref()) else {
        return vec![];
    };
    let (verdict, shown, why) = match classify(resp.header("Content-Type")) {
        MediaKind::Json => return vec![],
        MediaKind::Missing => (
            Verdict::Info,
            "no Content-Type header".to_string(),
            "the body is JSON but unlabelled; the manual names the syntax, not the header".to_string(),
        ),
        MediaKind::JsonLike(v) => (
            Verdict::Info,
            format!("Content-Type {v}"),
            "a legacy label for JSON; clients that check for application/json reject it".to_string(),
        ),
        MediaKind::Other(v) => (
            Verdict::NonStrict,
            format!("Content-Type {v}"),
            "the body is JSON but labelled as another media type; clients that honour the header cannot parse it (the manual names the syntax, not the header: NON-STRICT, FAIL with --strict)".to_string(),
        ),
    };
    vec![Finding {
        family: Family::ContentType,
        verdict,
        section: endpoint.section.clone(),
        requirement: "Input and Output Syntax: JSON".into(),
        expected: vec!["Content-Type application/json (parameters such as charset allowed)".into()],
        actual: format!("{}, {shown}", obs.actual()),
        step: step.to_string(),
        details: vec![why],
        errata: vec![],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testkit::*;

    fn run(headers: &[(&str, &str)], body: &str) -> Vec<Finding> {
        let w = World::new();
        let ex = answered(200, headers, body);
        implicit(w.ctx().endpoint.unwrap(), "request", &Observed::new(&ex))
    }

    #[test]
    fn json_labels_pass_in_any_case_with_parameters() {
        assert_eq!(classify(Some("application/json")), MediaKind::Json);
        assert_eq!(classify(Some("Application/JSON; charset=UTF-8")), MediaKind::Json);
        assert_eq!(classify(Some("application/problem+json")), MediaKind::Json);
        assert!(run(&[("content-type", "application/json; charset=utf-8")], r#"{"Status":"2000"}"#).is_empty());
        assert!(run(&[("Content-type", "application/json")], r#"{"Status":"2000"}"#).is_empty());
    }

    #[test]
    fn html_label_on_a_json_body_is_non_strict_the_manual_says_nothing_of_headers() {
        let f = run(&[("Content-Type", "text/html")], r#"{"Status":"2000"}"#);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict, Verdict::NonStrict);
        assert_eq!(f[0].family, Family::ContentType);
        assert_eq!(f[0].actual, r#"HTTP 200, Status "2000", Content-Type text/html"#);
        assert_eq!(run(&[("Content-Type", "text/plain; charset=utf-8")], "{}")[0].verdict, Verdict::NonStrict);
    }

    #[test]
    fn missing_or_legacy_label_is_info() {
        let f = run(&[], r#"{"Status":"2000"}"#);
        assert_eq!(f[0].verdict, Verdict::Info);
        let f = run(&[("Content-Type", "")], r#"{"Status":"2000"}"#);
        assert_eq!(f[0].verdict, Verdict::Info);
        let f = run(&[("Content-Type", "text/json")], r#"{"Status":"2000"}"#);
        assert_eq!(f[0].verdict, Verdict::Info);
    }

    #[test]
    fn non_json_bodies_are_left_to_the_schema_rule() {
        assert!(run(&[("Content-Type", "text/html")], "<html></html>").is_empty());
    }
}
