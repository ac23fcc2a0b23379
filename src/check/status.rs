//! HTTP status and transport: the `http`, `http_not` and `transport` conditions of an
//! outcome, and the one-line account of what the phone did.
//!
//! A reset or a timeout is a device behaviour like any answer (a phone that drops the
//! connection on a parallel request is judged), so it is matched, not raised as an error.

use super::api_status::{self, ApiStatus};
use super::observed::Observed;
use crate::catalogue::case::{Expect, Transport};
use crate::device::exchange::Outcome;

/// Longest body excerpt shown in a finding.
pub const BODY_SNIPPET: usize = 200;

/// Transport of an outcome.
pub fn transport_of(outcome: &Outcome) -> Transport {
    match outcome {
        Outcome::Answered(_) => Transport::Answered,
        // A request the harness never sent has no transport of its own; `evaluate` turns
        // it into "cannot judge" before any transport condition is compared.
        Outcome::Reset { .. } | Outcome::ClientError { .. } => Transport::Reset,
        Outcome::Timeout { .. } => Transport::Timeout,
    }
}

/// What the transport condition decided.
#[derive(Debug, PartialEq, Eq)]
pub enum TransportMatch {
    /// The expected transport is `reset`/`timeout` and it happened: nothing else to compare.
    Settled,
    /// An answer was expected and arrived: compare the other conditions.
    Answered,
    /// The wrong transport, with the reason.
    Mismatch(String),
}

/// Compare the `transport` condition (default `answered`).
pub fn match_transport(expect: &Expect, obs: &Observed) -> TransportMatch {
    let want = expect.transport.unwrap_or(Transport::Answered);
    let got = transport_of(&obs.exchange.outcome);
    match (want == got, want) {
        (true, Transport::Answered) => TransportMatch::Answered,
        (true, _) => TransportMatch::Settled,
        (false, _) => TransportMatch::Mismatch(format!("expected {}, got {}", transport_words(want), obs.actual())),
    }
}

/// Compare `http` and `http_not`; pushes one reason per failed condition.
pub fn match_http(expect: &Expect, obs: &Observed, reasons: &mut Vec<String>) {
    let Some(resp) = obs.response else { return };
    if !expect.http.is_empty() && !expect.http.contains(&resp.status) {
        reasons.push(format!("HTTP {} is not {}", resp.status, or_list(&expect.http)));
    }
    if expect.http_not.contains(&resp.status) {
        reasons.push(format!("HTTP {} is excluded ({})", resp.status, not_list(&expect.http_not)));
    }
}

/// The status and transport conditions in words (`HTTP 200 or 403`, `HTTP not 413`).
pub fn describe(expect: &Expect, parts: &mut Vec<String>) {
    match expect.transport {
        Some(Transport::Reset) => parts.push(transport_words(Transport::Reset).into()),
        Some(Transport::Timeout) => parts.push(transport_words(Transport::Timeout).into()),
        _ => {}
    }
    if !expect.http.is_empty() {
        parts.push(format!("HTTP {}", or_list(&expect.http)));
    }
    if !expect.http_not.is_empty() {
        parts.push(format!("HTTP {}", not_list(&expect.http_not)));
    }
}

pub fn transport_words(t: Transport) -> &'static str {
    match t {
        Transport::Answered => "an HTTP answer",
        Transport::Reset => "connection reset or closed",
        Transport::Timeout => "no answer (timeout)",
    }
}

/// `200 or 403`; runs of three or more codes read as ranges (`200-206 or 401`).
fn or_list(codes: &[u16]) -> String {
    runs(codes).join(" or ")
}

/// `not 413`, `none of 200-206, 401`.
fn not_list(codes: &[u16]) -> String {
    match runs(codes).as_slice() {
        [one] if !one.contains('-') => format!("not {one}"),
        many => format!("none of {}", many.join(", ")),
    }
}

fn runs(codes: &[u16]) -> Vec<String> {
    let mut sorted = codes.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut out = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let mut j = i;
        while j + 1 < sorted.len() && sorted[j + 1] == sorted[j] + 1 {
            j += 1;
        }
        if j - i >= 2 {
            out.push(format!("{}-{}", sorted[i], sorted[j]));
        } else {
            out.extend(sorted[i..=j].iter().map(|c| c.to_string()));
        }
        i = j + 1;
    }
    out
}

/// `HTTP 200, Status "2000"`, `HTTP 200, Status 2000 (a number)`, `HTTP 401`,
/// `HTTP 200, body is not JSON: <html>...`, `connection reset (...)`, `no answer within 10000 ms`.
pub fn observed_line(obs: &Observed) -> String {
    match &obs.exchange.outcome {
        Outcome::Answered(resp) => {
            let mut line = format!("HTTP {}", resp.status);
            match api_status::read(obs.json.as_ref()) {
                ApiStatus::Text(s) => line.push_str(&format!(", Status \"{s}\"")),
                ApiStatus::Number(s) => line.push_str(&format!(", Status {s} (a number)")),
                ApiStatus::Other(s) => line.push_str(&format!(", Status {s}")),
                ApiStatus::Absent => {}
            }
            // An HTML error page on a 4xx/5xx is normal and shown in the wire log; on a 2xx
            // it is the defect itself, so the reader sees it here. A body the harness could
            // not read whole is no defect: it says why instead.
            if let Some(unread) = &obs.unread {
                line.push_str(&format!(", {}", unread.words()));
            } else if obs.json.is_none() && !resp.body.is_empty() && (200..300).contains(&resp.status) {
                // A few characters are shown: decode no more of a large body than that.
                let head = &resp.body[..resp.body.len().min(BODY_SNIPPET * 4 + 4)];
                line.push_str(&format!(
                    ", body is not JSON: {}",
                    super::observed::snippet(&String::from_utf8_lossy(head), BODY_SNIPPET)
                ));
            }
            line
        }
        Outcome::Reset { detail } if detail.trim().is_empty() => "connection reset".into(),
        Outcome::Reset { detail } => {
            format!("connection reset ({})", super::observed::snippet(innermost(detail), BODY_SNIPPET))
        }
        Outcome::Timeout { after_ms } => format!("no answer within {after_ms} ms"),
        Outcome::ClientError { detail } => {
            format!("not sent: {}", super::observed::snippet(detail, BODY_SNIPPET))
        }
    }
}

/// The innermost cause of a client error chain: `error sending request for url (...):
/// client error (SendRequest): connection closed before message completed` reads as
/// `connection closed before message completed`.
fn innermost(detail: &str) -> &str {
    let cause = detail.rsplit("): ").next().unwrap_or(detail).trim();
    if cause.is_empty() { detail.trim() } else { cause }
}

impl Observed<'_> {
    /// What happened, one line: `HTTP 200, Status "2000"`, `HTTP 401`, `connection reset`,
    /// `no answer within 10000 ms`, `HTTP 200, body is not JSON: <html>...`.
    pub fn actual(&self) -> String {
        observed_line(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testkit::*;

    #[test]
    fn http_lists_match_and_exclude() {
        let ex = answered(200, &[], r#"{"Status":"2000"}"#);
        let obs = Observed::new(&ex);
        let mut reasons = vec![];
        match_http(&expect_http(&[200, 403]), &obs, &mut reasons);
        assert!(reasons.is_empty());
        let x = Expect { http_not: vec![200], ..expect_http(&[]) };
        match_http(&x, &obs, &mut reasons);
        assert_eq!(reasons, vec!["HTTP 200 is excluded (not 200)"]);
    }

    #[test]
    fn reset_expected_settles_and_answer_expected_mismatches_on_reset() {
        let ex = reset("connection closed before message completed");
        let obs = Observed::new(&ex);
        let x = Expect { transport: Some(Transport::Reset), ..expect_http(&[]) };
        assert_eq!(match_transport(&x, &obs), TransportMatch::Settled);
        match match_transport(&expect_http(&[200]), &obs) {
            TransportMatch::Mismatch(r) => assert_eq!(
                r,
                "expected an HTTP answer, got connection reset (connection closed before message completed)"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn observed_lines_read_like_a_qa_report() {
        assert_eq!(Observed::new(&answered(200, &[], r#"{"Status":"2000"}"#)).actual(), r#"HTTP 200, Status "2000""#);
        assert_eq!(
            Observed::new(&answered(200, &[], r#"{"Status":2000}"#)).actual(),
            "HTTP 200, Status 2000 (a number)"
        );
        assert_eq!(Observed::new(&answered(401, &[], "<html>401</html>")).actual(), "HTTP 401");
        assert_eq!(Observed::new(&answered(404, &[], "<html>Not Found</html>")).actual(), "HTTP 404");
        assert_eq!(Observed::new(&timeout(10000)).actual(), "no answer within 10000 ms");
        let long = format!("<html>{}</html>", "x".repeat(500));
        let line = Observed::new(&answered(200, &[], &long)).actual();
        assert!(line.starts_with("HTTP 200, body is not JSON: <html>xxx"), "{line}");
        assert!(line.ends_with("..."), "{line}");
        assert!(line.len() < 260, "{line}");
    }

    #[test]
    fn reset_shows_the_innermost_cause() {
        let ex = reset(
            "error sending request for url (http://127.0.0.1:1/api/v1/mgmt/device/info): client error (SendRequest): connection closed before message completed",
        );
        assert_eq!(Observed::new(&ex).actual(), "connection reset (connection closed before message completed)");
        assert_eq!(Observed::new(&reset("refused")).actual(), "connection reset (refused)");
    }

    #[test]
    fn describe_names_every_status_condition() {
        let x = Expect { http_not: vec![413], ..expect_http(&[]) };
        let mut parts = vec![];
        describe(&x, &mut parts);
        assert_eq!(parts, vec!["HTTP not 413"]);
        let mut parts = vec![];
        describe(&expect_http(&[200, 403]), &mut parts);
        assert_eq!(parts, vec!["HTTP 200 or 403"]);
        let x = Expect { http_not: vec![401, 200, 201, 202, 203, 204, 205, 206], ..expect_http(&[]) };
        let mut parts = vec![];
        describe(&x, &mut parts);
        assert_eq!(parts, vec!["HTTP none of 200-206, 401"]);
        assert_eq!(or_list(&[200, 201, 403, 404]), "200 or 201 or 403 or 404");
    }
}
