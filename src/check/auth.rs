//! Authentication beyond the 401 itself.
//!
//! - Every endpoint's "Access Level: Admin" is explicit: an answer that performs the call
//!   or returns data to a request without the right credentials is FAIL.
//! - The manual is silent on the challenge; HTTP (RFC 9110 section 15.5.2) requires a 401 to
//!   carry `WWW-Authenticate`, and clients need it to know Basic is expected: its absence is
//!   INFO.

use super::api_status;
use super::context::Context;
use super::finding::Finding;
use super::observed::Observed;
use crate::catalogue::case::{AuthMode, Family};
use crate::verdict::Verdict;

/// Auth rules for one exchange, whatever else made the request unusual.
pub fn implicit(ctx: &Context, step: &str, obs: &Observed) -> Vec<Finding> {
    let Some(resp) = obs.response else {
        return vec![];
    };
    let mut out = Vec::new();
    if resp.status == 401 && resp.header("WWW-Authenticate").is_none_or(|v| v.trim().is_empty()) {
        out.push(Finding {
            family: Family::Auth,
            verdict: Verdict::Info,
            section: "HTTP authentication (the manual is silent; RFC 9110 section 15.5.2)".into(),
            requirement: "The server generating a 401 response MUST send a WWW-Authenticate header field containing at least one challenge.".into(),
            expected: vec!["HTTP 401 with WWW-Authenticate: Basic realm=\"...\"".into()],
            actual: "HTTP 401 without WWW-Authenticate".into(),
            step: step.to_string(),
            details: vec!["real phones answer `WWW-Authenticate: Basic realm=\"API Authentication\"`".into()],
            errata: vec![],
        });
    }
    let performed = (200..300).contains(&resp.status)
        && obs
            .json
            .as_ref()
            .is_some_and(|j| j.get("data").is_some() || api_status::read(Some(j)).code() == Some("2000"));
    if obs.exchange.request.auth != AuthMode::Valid && performed {
        let how = match obs.exchange.request.auth {
            AuthMode::None => "without credentials",
            AuthMode::WrongPassword => "with a wrong password",
            AuthMode::WrongUser => "with a wrong user name",
            AuthMode::Valid => "",
        };
        let section = ctx.endpoint.map(|e| e.section.clone()).unwrap_or_else(|| "REST API Commands".into());
        out.push(Finding {
            family: Family::Auth,
            verdict: Verdict::Fail,
            section,
            requirement: "Access Level: Admin".into(),
            expected: vec!["HTTP 401".into()],
            actual: format!("{}: data returned or action performed {how}", obs.actual()),
            step: step.to_string(),
            details: vec![],
            errata: vec![],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testkit::*;
    use crate::device::exchange::Exchange;

    fn with_auth(auth: AuthMode, status: u16, headers: &[(&str, &str)], body: &str) -> Exchange {
        let mut ex = answered(status, headers, body);
        ex.request.auth = auth;
        ex
    }

    #[test]
    fn challenge_present_passes_and_missing_is_only_info() {
        let w = World::new();
        let ok =
            with_auth(AuthMode::None, 401, &[("WWW-Authenticate", "Basic realm=\"API Authentication\"")], "<html>");
        assert!(implicit(&w.ctx(), "request", &Observed::new(&ok)).is_empty());
        let bare = with_auth(AuthMode::None, 401, &[], "");
        let f = implicit(&w.ctx(), "request", &Observed::new(&bare));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict, Verdict::Info, "the manual is silent on the challenge");
    }

    #[test]
    fn data_without_credentials_fails() {
        let w = World::new();
        let served = with_auth(AuthMode::None, 200, &[], r#"{"Status":"2000","data":{"ModelNumber":"x"}}"#);
        let f = implicit(&w.ctx(), "request", &Observed::new(&served));
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].verdict, Verdict::Fail);
        assert_eq!(f[0].requirement, "Access Level: Admin");
        assert!(f[0].actual.ends_with("data returned or action performed without credentials"), "{}", f[0].actual);
        let wrong = with_auth(AuthMode::WrongPassword, 200, &[], r#"{"Status":"2000"}"#);
        assert!(implicit(&w.ctx(), "request", &Observed::new(&wrong))[0].actual.contains("wrong password"));
    }

    #[test]
    fn refusals_and_valid_requests_pass() {
        let w = World::new();
        let refused = with_auth(AuthMode::WrongUser, 200, &[], r#"{"Status":"4003"}"#);
        assert!(implicit(&w.ctx(), "request", &Observed::new(&refused)).is_empty());
        let valid = answered(200, &[], r#"{"Status":"2000","data":{}}"#);
        assert!(implicit(&w.ctx(), "request", &Observed::new(&valid)).is_empty());
    }
}
