//! Which implicit rules apply to which exchange.
//!
//! The manual's per-endpoint rules (JSON syntax, documented `Status`, documented shape)
//! describe answers to *proper* requests. A request a case made malformed on purpose (wrong
//! method, unknown path, no credentials, a text/plain body, an oversized or invalid body)
//! is judged by its explicit outcomes only: holding its answer to the success rules would
//! turn a deliberate probe into a false FAIL. For the same reason answers whose HTTP status
//! is itself the subject of a rule (400, 401, 403, 404, 413) are left to the outcomes.
//!
//! Three rules apply to every exchange regardless: the authentication rules of `auth` (their
//! subject *is* the request without credentials), the parallel rule of `parallel`, and
//! `body_limits` (an answer the harness could not read whole is INFO, whatever was asked).

use super::api_status;
use super::auth;
use super::body_limits;
use super::content_type;
use super::context::Context;
use super::finding::Finding;
use super::observed::Observed;
use super::parallel;
use super::schema;
use crate::catalogue::case::{AuthMode, Step};
use crate::catalogue::profile::{Endpoint, Input};
use crate::device::exchange::Exchange;

/// HTTP statuses that are the subject of a prerequisite rule and never judged implicitly.
pub const EXPLICIT_ONLY: [u16; 5] = [400, 401, 403, 404, 413];

/// Every implicit finding of the step's exchanges, without repeats.
pub fn judge(ctx: &Context, step: &Step, observed: &[Observed]) -> Vec<Finding> {
    let mut out: Vec<Finding> = Vec::new();
    let mut push = |f: Finding| {
        if !out.contains(&f) {
            out.push(f);
        }
    };
    for obs in observed {
        auth::implicit(ctx, &step.name, obs).into_iter().for_each(&mut push);
        body_limits::implicit(ctx, &step.name, obs).into_iter().for_each(&mut push);
        let Some(resp) = obs.response else { continue };
        if EXPLICIT_ONLY.contains(&resp.status) {
            continue;
        }
        let Ok(endpoint) = well_formed(ctx, obs.exchange) else {
            continue;
        };
        content_type::implicit(endpoint, &step.name, obs).into_iter().for_each(&mut push);
        api_status::implicit(ctx, endpoint, &step.name, obs).into_iter().for_each(&mut push);
        schema::implicit(ctx, endpoint, &step.name, obs).into_iter().for_each(&mut push);
    }
    parallel::implicit(ctx, step, observed).into_iter().for_each(&mut push);
    out
}

/// The endpoint, when the request was a proper call of it; else why not.
pub fn well_formed<'a>(ctx: &Context<'a>, ex: &Exchange) -> Result<&'a Endpoint, &'static str> {
    let endpoint = ctx.endpoint.ok_or("no known endpoint")?;
    let req = &ex.request;
    if !req.method.eq_ignore_ascii_case(endpoint.method.as_str()) {
        return Err("not the documented method");
    }
    let path = req.path.split(['?', '#']).next().unwrap_or("");
    if path != endpoint.path {
        return Err("not the documented path");
    }
    if req.auth != AuthMode::Valid {
        return Err("not the run's credentials");
    }
    let body = req.body.as_deref().unwrap_or(&[]);
    let has_body = !body.is_empty();
    let media = content_type::classify(req.header("Content-Type"));
    let json_media = media == content_type::MediaKind::Json;
    if (endpoint.method == crate::catalogue::profile::Method::POST || has_body) && !json_media {
        return Err("no application/json content type");
    }
    if media != content_type::MediaKind::Missing && !json_media {
        return Err("a non-JSON content type");
    }
    if body.len() > ctx.profile.limits.body_bytes_accepted {
        return Err("a body over the size the manual guarantees");
    }
    if !has_body {
        return if endpoint.input == Input::Required {
            Err("no body for an endpoint that requires input")
        } else {
            Ok(endpoint)
        };
    }
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Err("a body that is not JSON");
    };
    // A body outside the documented request shape (a missing field, 21 parameters) is a
    // probe of the input rules; its answer is the outcomes' business.
    match ctx.schemas.validate(&endpoint.schema, "request", &value) {
        Some(v) if !v.is_empty() => Err("a body outside the request schema"),
        _ => Ok(endpoint),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testkit::*;
    use crate::device::exchange::WireRequest;
    use crate::verdict::Verdict;

    fn with_request(req: WireRequest, status: u16, headers: &[(&str, &str)], body: &str) -> Exchange {
        Exchange { request: req, ..answered(status, headers, body) }
    }

    #[test]
    fn documented_get_with_valid_auth_is_well_formed() {
        let w = World::new();
        let ctx = w.ctx();
        assert!(well_formed(&ctx, &answered(200, &[], "{}")).is_ok());
        let with_query = with_request(WireRequest::get("/api/v1/mgmt/device/info?x=1"), 200, &[], "{}");
        assert!(well_formed(&ctx, &with_query).is_ok());
    }

    #[test]
    fn probes_are_not_well_formed() {
        let w = World::new();
        let ctx = w.ctx();
        let post =
            with_request(WireRequest::post_json("/api/v1/mgmt/device/info", &serde_json::json!({})), 200, &[], "{}");
        assert_eq!(well_formed(&ctx, &post).unwrap_err(), "not the documented method");
        let other = with_request(WireRequest::get("/api/v1/mgmt/nothing"), 200, &[], "{}");
        assert_eq!(well_formed(&ctx, &other).unwrap_err(), "not the documented path");
        let mut no_auth = WireRequest::get("/api/v1/mgmt/device/info");
        no_auth.auth = AuthMode::None;
        assert_eq!(well_formed(&ctx, &with_request(no_auth, 200, &[], "{}")).unwrap_err(), "not the run's credentials");
        let mut text = WireRequest::get("/api/v1/mgmt/device/info");
        text.headers.push(("Content-Type".into(), "text/plain".into()));
        assert_eq!(well_formed(&ctx, &with_request(text, 200, &[], "{}")).unwrap_err(), "a non-JSON content type");
    }

    #[test]
    fn post_bodies_must_be_json_within_the_request_schema() {
        let w = World::post();
        let ctx = w.ctx();
        let ok = WireRequest::post_json("/api/v1/mgmt/config/get", &serde_json::json!({"data": ["a.b"]}));
        assert!(well_formed(&ctx, &with_request(ok.clone(), 200, &[], "{}")).is_ok());
        let empty = WireRequest::post_json("/api/v1/mgmt/config/get", &serde_json::json!({"data": []}));
        assert_eq!(
            well_formed(&ctx, &with_request(empty, 200, &[], "{}")).unwrap_err(),
            "a body outside the request schema"
        );
        let mut raw = ok.clone();
        raw.body = Some(b"{not json".to_vec().into());
        assert_eq!(well_formed(&ctx, &with_request(raw, 200, &[], "{}")).unwrap_err(), "a body that is not JSON");
        let mut no_type = ok.clone();
        no_type.headers.clear();
        assert_eq!(
            well_formed(&ctx, &with_request(no_type, 200, &[], "{}")).unwrap_err(),
            "no application/json content type"
        );
        let mut charset = ok.clone();
        charset.headers = vec![("content-type".into(), "Application/JSON; charset=utf-8".into())];
        assert!(well_formed(&ctx, &with_request(charset, 200, &[], "{}")).is_ok());
        let mut big = ok;
        big.body = Some(format!(r#"{{"data":["{}"]}}"#, "a".repeat(30000)).into_bytes().into());
        assert_eq!(
            well_formed(&ctx, &with_request(big, 200, &[], "{}")).unwrap_err(),
            "a body over the size the manual guarantees"
        );
    }

    #[test]
    fn deliberate_probes_never_get_implicit_fails() {
        let w = World::new();
        let ctx = w.ctx();
        let step = step_with(vec![expect_http(&[404])]);
        // Unknown path answered with HTML and a made-up Status: only the outcomes judge it.
        let probe = with_request(
            WireRequest::get("/api/v1/mgmt/nothing"),
            200,
            &[("Content-Type", "text/html")],
            r#"{"Status":"4999"}"#,
        );
        assert!(judge(&ctx, &step, &[Observed::new(&probe)]).is_empty());
        // A 404 or 413 answer to a proper request is the outcomes' business too.
        let not_found = answered(404, &[("Content-Type", "text/html")], r#"{"Status":"4999"}"#);
        assert!(judge(&ctx, &step, &[Observed::new(&not_found)]).is_empty());
    }

    #[test]
    fn proper_request_gets_every_implicit_rule() {
        let w = World::new();
        let ctx = w.ctx();
        let step = step_with(vec![expect_http(&[200])]);
        let bad = answered(200, &[("Content-Type", "text/html")], r#"{"Status":"4999"}"#);
        let f = judge(&ctx, &step, &[Observed::new(&bad)]);
        let families: Vec<&str> = f.iter().map(|f| f.family.label()).collect();
        assert_eq!(families, vec!["content-type", "api-status"], "{f:?}");
        assert_eq!(
            f.iter().map(|f| f.verdict).collect::<Vec<_>>(),
            vec![Verdict::NonStrict, Verdict::Fail],
            "the label is never FAIL; a Status in no table is"
        );
        let good = answered(
            200,
            &[("Content-Type", "application/json")],
            r#"{"Status":"2000","data":{"ModelNumber":"x","FirmwareRelease":"y"}}"#,
        );
        assert!(judge(&ctx, &step, &[Observed::new(&good)]).is_empty());
    }
}
