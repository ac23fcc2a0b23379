//! When two findings are one defect: their minimal reproducers are the same request.
//!
//! A finding is attributed to one made earlier only by comparing the two *minimal*
//! requests, each shrunk on its own endpoint. Whether the earlier finding's request also
//! fails on the new endpoint proves nothing: a phone that answers `DELETE` with a 500 fails
//! that request everywhere, and would swallow every other crash of the run (issue 11).
//!
//! "The same request" leaves out what the endpoint itself dictates, so that one parser
//! defect shown on several endpoints stays one finding with an `also_on` list:
//!
//! - the path (the query string is kept and compared);
//! - the method, when each request uses its own endpoint's documented method (`GET` with a
//!   deep body on device/info and `POST` with the same body on config/get); otherwise the
//!   method tokens must be equal;
//! - the harness's own `Content-Type: application/json`, which a POST needs to reach the
//!   parser at all (every other header, content type variants included, is compared).
//!
//! The body bytes and the authentication mode are compared as they are.

use crate::catalogue::profile::Endpoint;
use crate::device::WireRequest;

/// Whether minimal request `a` (to `a_endpoint`) and minimal request `b` (to
/// `b_endpoint`) are the same request apart from the endpoint (module doc).
pub fn same_request(a_endpoint: &Endpoint, a: &WireRequest, b_endpoint: &Endpoint, b: &WireRequest) -> bool {
    let documented = |e: &Endpoint, r: &WireRequest| r.method == e.method.as_str();
    let method = a.method == b.method || (documented(a_endpoint, a) && documented(b_endpoint, b));
    method
        && query(a_endpoint, a) == query(b_endpoint, b)
        && headers(a) == headers(b)
        && body(a) == body(b)
        && a.auth == b.auth
}

/// The request target without the endpoint's path: the query, or what is left of a path
/// that is not the endpoint's.
fn query<'r>(endpoint: &Endpoint, r: &'r WireRequest) -> &'r str {
    r.path.strip_prefix(endpoint.path.as_str()).unwrap_or(&r.path)
}

/// Headers in a comparable order, names in lower case, without the harness's own JSON
/// content type.
fn headers(r: &WireRequest) -> Vec<(String, &str)> {
    let mut out: Vec<(String, &str)> = r
        .headers
        .iter()
        .filter(|(k, v)| !(k.eq_ignore_ascii_case("content-type") && v == "application/json"))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.as_str()))
        .collect();
    out.sort();
    out
}

fn body(r: &WireRequest) -> &[u8] {
    r.body.as_deref().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use serde_json::json;

    fn endpoints() -> (Endpoint, Endpoint, Endpoint) {
        let catalogue = Catalogue::embedded().unwrap();
        let p = catalogue.profile("trio-5.9.1").unwrap();
        let e = |id: &str| p.endpoint(id).unwrap().clone();
        (e("mgmt.device-info"), e("mgmt.config-get"), e("callctrl.dial"))
    }

    fn with_body(mut r: WireRequest, body: &[u8]) -> WireRequest {
        r.body = Some(body.to_vec().into());
        r
    }

    #[test]
    fn one_parser_defect_on_two_endpoints_is_one_finding() {
        let (info, config, _) = endpoints();
        let deep = format!("{}{}", "[".repeat(17), "]".repeat(17));
        // GET with the body on device/info, POST with the same body and the JSON type on config/get.
        let a = with_body(WireRequest::get(&info.path), deep.as_bytes());
        let b = with_body(WireRequest::post_json(&config.path, &json!(null)), deep.as_bytes());
        assert!(same_request(&info, &a, &config, &b));
        assert!(same_request(&config, &b, &info, &a), "symmetric");
        assert!(same_request(&config, &b, &config, &b.clone()), "the same request on the same endpoint");
    }

    #[test]
    fn different_minimal_requests_are_different_defects() {
        let (info, config, dial) = endpoints();
        // Issue 11: the 501 to DELETE "failed" on dial too, and swallowed a real crash there.
        let delete = WireRequest { method: "DELETE".into(), ..WireRequest::get("/api/v1/mgmt/pollForStatus") };
        let poll = Endpoint { path: "/api/v1/mgmt/pollForStatus".into(), ..info.clone() };
        let long_dest = WireRequest::post_json(&dial.path, &json!({"data": {"Dest": "1".repeat(300)}}));
        assert!(!same_request(&poll, &delete, &dial, &long_dest));
        // Two crashes of one endpoint with different minimal bodies.
        let null = WireRequest::post_json(&config.path, &json!({"data": null}));
        let deep = with_body(
            WireRequest::post_json(&config.path, &json!(null)),
            format!("{}{}", "[".repeat(17), "]".repeat(17)).as_bytes(),
        );
        assert!(!same_request(&config, &null, &config, &deep));
        // The same body with another content type, another method token, a query, no auth.
        let text = WireRequest { headers: vec![("Content-Type".into(), "text/plain".into())], ..null.clone() };
        assert!(!same_request(&config, &null, &config, &text));
        let lower = WireRequest { method: "post".into(), ..null.clone() };
        assert!(!same_request(&config, &null, &config, &lower));
        let queried = WireRequest { path: format!("{}?line=1", config.path), ..null.clone() };
        assert!(!same_request(&config, &null, &config, &queried));
        let anonymous = WireRequest { auth: crate::catalogue::case::AuthMode::None, ..null.clone() };
        assert!(!same_request(&config, &null, &config, &anonymous));
        // The same other method on two endpoints is the same request.
        let delete_dial = WireRequest { method: "DELETE".into(), ..WireRequest::get(&dial.path) };
        assert!(same_request(&poll, &delete, &dial, &delete_dial));
        // Equal method tokens: documented on device/info, a variation on config/get.
        assert!(
            same_request(&info, &WireRequest::get(&info.path), &config, &WireRequest::get(&config.path)),
            "same method token, no body"
        );
        let get_with_type = WireRequest {
            headers: vec![("Content-Type".into(), "application/json".into())],
            ..WireRequest::get(&config.path)
        };
        assert!(
            same_request(&info, &WireRequest::get(&info.path), &config, &get_with_type),
            "the harness's JSON type is not part of the defect"
        );
    }
}
