//! Answers beyond what the harness reads: larger than `--max-body`, or JSON nested deeper
//! than its parser goes.
//!
//! The manual sets no bound on the size or depth of an answer, so neither is a defect by
//! itself: each is one INFO finding that says what was seen (for a truncated answer, the
//! bytes kept, the whole size and the SHA-256 of what was read), in family `size` for the
//! size and `schema` for the depth. The rules that read the body (`api_status`, `schema`,
//! the `[[expect]]` conditions on Status, schema and values) do not judge such a body: its
//! first bytes are not what the phone said, and a FAIL there would be the harness's limit
//! blamed on the phone. A schema or case that demands more than the harness can read is
//! still judged on what it can see (the HTTP status).

use super::context::Context;
use super::finding::Finding;
use super::observed::{Observed, PARSER_DEPTH, Unread};
use crate::catalogue::case::Family;
use crate::verdict::Verdict;

/// The INFO finding of an answer the harness could not read whole or parse, if it is one.
/// A body only a record cut (re-judging a report) was read whole when it was judged: no
/// finding.
pub fn implicit(ctx: &Context, step: &str, obs: &Observed) -> Vec<Finding> {
    let Some(unread) = &obs.unread else {
        return vec![];
    };
    let section = ctx.endpoint.map(|e| e.section.clone()).unwrap_or_else(|| ctx.case.spec.manual.section.clone());
    let (family, requirement, expected) = match unread {
        Unread::Truncated(t) if t.read_whole() => return vec![],
        Unread::Truncated(t) => (
            Family::Size,
            "The manual sets no bound on the size of an answer; the harness reads at most --max-body bytes of one (its own limit, not the phone's)".to_string(),
            format!("an answer of at most {} bytes, which the harness reads whole (raise --max-body to read more)", t.read),
        ),
        Unread::TooDeep => (
            Family::Schema,
            "Input and Output Syntax: JSON (the manual sets no bound on nesting; the harness's JSON parser stops at 128 levels)".to_string(),
            format!("JSON nested at most {PARSER_DEPTH} levels deep, which the harness can parse"),
        ),
    };
    let status = obs.response.map(|r| r.status).unwrap_or_default();
    vec![Finding {
        family,
        verdict: Verdict::Info,
        section,
        requirement,
        expected: vec![expected],
        actual: format!("HTTP {status}, {}", unread.words()),
        step: step.to_string(),
        details: vec![
            "the rules that read the body (its Status, its schema, the case's values) did not judge it: that is the harness's limit, not a defect of the phone".into(),
        ],
        errata: vec![],
    }]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testkit::*;
    use crate::device::exchange::{BodySize, Outcome, Truncation};

    fn cut(ex: &mut crate::device::Exchange, size: BodySize) {
        if let Outcome::Answered(r) = &mut ex.outcome {
            r.truncated = Some(Truncation { read: r.body.len() as u64, size, sha256: "c0ffee".into() });
        }
    }

    #[test]
    fn a_truncated_answer_is_one_info_finding_naming_size_and_hash() {
        let w = World::new();
        let mut ex = answered(200, &[("Content-Type", "application/json")], r#"{"Status":"2000","data":{"#);
        cut(&mut ex, BodySize::AtLeast(10_000_000));
        let f = implicit(&w.ctx(), "request", &Observed::new(&ex));
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].family, f[0].verdict), (Family::Size, Verdict::Info));
        assert_eq!(
            f[0].actual,
            "HTTP 200, answer larger than 25 bytes, truncated (first 25 bytes kept, size at least 10000000 bytes, sha256 c0ffee)"
        );
    }

    #[test]
    fn deep_json_is_info_and_whole_answers_get_nothing() {
        let w = World::new();
        let deep = format!("{}{}", "{\"a\":".repeat(100_000), "}".repeat(100_000)).replace("{\"a\":}", "{\"a\":1}");
        let ex = answered(200, &[], &deep);
        let f = implicit(&w.ctx(), "request", &Observed::new(&ex));
        assert_eq!((f.len(), f[0].family, f[0].verdict), (1, Family::Schema, Verdict::Info), "{f:?}");
        assert!(f[0].actual.contains("nested deeper than the 128 levels"), "{}", f[0].actual);
        assert!(implicit(&w.ctx(), "request", &Observed::new(&answered(200, &[], "{}"))).is_empty());
        assert!(implicit(&w.ctx(), "request", &Observed::new(&answered(200, &[], "<html"))).is_empty());
        let mut record_cut = answered(200, &[], "{\"Status\":");
        cut(&mut record_cut, BodySize::Exact(10));
        assert!(implicit(&w.ctx(), "request", &Observed::new(&record_cut)).is_empty(), "judged whole at the time");
    }
}
