//! Explicit outcomes: which `[[expect]]` of a step an exchange matches, and the one
//! finding that says so.
//!
//! Each outcome's conditions are judged by the file of their rule family (`status`,
//! `api_status`, `schema`, `json`); this file only combines them. The verdict of an
//! exchange is PASS when a `pass` outcome matched, else the mildest verdict among the
//! graded outcomes that matched, else the case level's miss verdict (FAIL for `must`,
//! NON-STRICT for `ambiguous`, INFO for `silent`). A step of N parallel requests gets one
//! finding whose verdict is the worst of its N exchanges.

use super::api_status;
use super::context::Context;
use super::finding::Finding;
use super::json;
use super::observed::{Observed, Unread};
use super::schema;
use super::status;
use crate::catalogue::case::{Expect, Step};
use crate::verdict::Verdict;
use std::collections::BTreeMap;

/// How one outcome compares with one exchange.
#[derive(Debug, Clone, PartialEq)]
pub enum Evaluation {
    Match,
    /// Every condition holds except one that a reading of the manual explains: acceptable,
    /// graded by that reading's erratum (a failure Status on HTTP 404 instead of 200, E48).
    Graded {
        verdict: Verdict,
        note: String,
        errata: Vec<String>,
    },
    /// Every condition the harness can see holds, but the body's cannot be judged: the
    /// harness could not read it whole (`body_limits`). Whatever the outcome earns, this is
    /// INFO: a verdict the body would decide is not given on a body nobody read.
    NotJudged {
        note: String,
    },
    /// The conditions that did not hold.
    Mismatch(Mismatch),
    /// The harness cannot tell (a schema that is not loaded, no endpoint to take one from).
    CannotJudge(String),
}

/// Why an outcome did not match.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Mismatch {
    /// Transport, HTTP status and API status conditions.
    pub reasons: Vec<String>,
    /// Schema and JSON value conditions: these say something the one-line summary of the
    /// answer does not, so they are shown next to it.
    pub about_values: Vec<String>,
}

impl Mismatch {
    fn count(&self) -> usize {
        self.reasons.len() + self.about_values.len()
    }

    fn all(&self) -> Vec<String> {
        self.reasons.iter().chain(&self.about_values).cloned().collect()
    }
}

/// Compare one outcome with one exchange.
pub fn evaluate(ctx: &Context, expect: &Expect, obs: &Observed) -> Evaluation {
    if let crate::device::exchange::Outcome::ClientError { detail } = &obs.exchange.outcome {
        return Evaluation::CannotJudge(format!("the harness could not send the request: {detail}"));
    }
    match status::match_transport(expect, obs) {
        status::TransportMatch::Settled => return Evaluation::Match,
        status::TransportMatch::Mismatch(r) => {
            return Evaluation::Mismatch(Mismatch { reasons: vec![r], about_values: vec![] });
        }
        status::TransportMatch::Answered => {}
    }
    let mut m = Mismatch::default();
    status::match_http(expect, obs, &mut m.reasons);
    let http_mismatch = !m.reasons.is_empty();
    // Status, schema and values all read the body: when it is not JSON, say so once.
    let reads_body = !expect.api_status.is_empty() || expect.schema.is_some() || !expect.json.is_empty();
    if reads_body && obs.response.is_some() && obs.json.is_none() {
        if let Some(unread) = &obs.unread {
            return unread_body(ctx, expect, obs, unread, m);
        }
        m.reasons.push("the body is not JSON".into());
        return Evaluation::Mismatch(m);
    }
    api_status::match_api_status(expect, obs, &mut m.reasons);
    if let Some(part) = expect.schema
        && let Err(why) = schema::match_schema(ctx, part, obs, &mut m.about_values)
    {
        return Evaluation::CannotJudge(why);
    }
    json::match_json(&expect.json, obs, ctx.vars, &mut m.about_values);
    if m.count() == 0 {
        return Evaluation::Match;
    }
    if http_mismatch
        && m.count() == 1
        && let Some(graded) = failure_on_http_error(ctx, expect, obs)
    {
        return graded;
    }
    Evaluation::Mismatch(m)
}

/// An outcome whose body conditions cannot be judged: the harness could not read the body
/// whole (`body_limits`). What can be seen still decides: an HTTP status the outcome does
/// not allow is a miss, unless a body the harness could not read might make it E48's
/// failure answer. Otherwise the outcome is [`Evaluation::NotJudged`].
fn unread_body(ctx: &Context, expect: &Expect, obs: &Observed, unread: &Unread, mut m: Mismatch) -> Evaluation {
    let note = format!("the body was not judged: {}", unread.words());
    if !m.reasons.is_empty() && failure_on_http_error(ctx, expect, obs).is_none() {
        m.reasons.push(note);
        return Evaluation::Mismatch(m);
    }
    Evaluation::NotJudged { note }
}

/// E48: the manual prints a failure answer's body, never its HTTP status. An outcome that
/// wants a failure `Status` on the HTTP status real phones use (200) is met by the same
/// Status on an HTTP 4xx or 5xx, graded by the profile's erratum (INFO), never missed.
fn failure_on_http_error(ctx: &Context, expect: &Expect, obs: &Observed) -> Option<Evaluation> {
    let rule = ctx.profile.failure_response.as_ref()?;
    let resp = obs.response?;
    let wants_failure = !expect.api_status.is_empty() && expect.api_status.iter().all(|c| c != "2000");
    let on_preferred = !expect.http.is_empty() && expect.http.iter().all(|h| rule.preferred_http.contains(h));
    if !(wants_failure && on_preferred && (400..600).contains(&resp.status)) {
        return None;
    }
    Some(Evaluation::Graded {
        verdict: super::context::erratum_level(ctx, &rule.erratum).miss(),
        note: format!(
            "the failure Status came with HTTP {} instead of {}: the manual prints a failure answer's body, never its HTTP status ({})",
            resp.status,
            rule.preferred_http.iter().map(u16::to_string).collect::<Vec<_>>().join(" or "),
            rule.erratum
        ),
        errata: vec![rule.erratum.clone()],
    })
}

/// One outcome in words; `{{names}}` filled from `vars` where known.
pub fn describe_with(expect: &Expect, vars: &BTreeMap<String, String>) -> String {
    let mut parts = Vec::new();
    status::describe(expect, &mut parts);
    api_status::describe(expect, &mut parts);
    schema::describe(expect.schema, &mut parts);
    json::describe(&expect.json, vars, &mut parts);
    if parts.is_empty() {
        return "any HTTP answer".into();
    }
    parts.join(" and ")
}

/// One line of a finding's `expected`: the outcome, and the verdict it earns when that is
/// not PASS.
pub fn expected_line(expect: &Expect, vars: &BTreeMap<String, String>) -> String {
    let text = describe_with(expect, vars);
    if expect.verdict == Verdict::Pass { text } else { format!("{text} (earns {})", expect.verdict) }
}

/// The verdict of one exchange against the step's outcomes, with what to tell the reader.
struct Judged {
    verdict: Verdict,
    /// Summary of the answer, with value mismatches of the closest outcome appended.
    actual: String,
    details: Vec<String>,
    /// The errata behind a graded verdict.
    errata: Vec<String>,
}

/// An outcome that matched with a verdict other than PASS: a graded outcome of the suite,
/// or a PASS outcome met only through a reading of the manual.
struct GradedMatch<'a> {
    verdict: Verdict,
    /// Matched on everything but a body the harness could not read.
    not_judged: bool,
    expect: &'a Expect,
    notes: Vec<String>,
    errata: Vec<String>,
}

fn graded_matches<'a>(step: &'a Step, evaluations: &[Evaluation]) -> Vec<GradedMatch<'a>> {
    step.expect
        .iter()
        .zip(evaluations)
        .filter_map(|(x, e)| match e {
            Evaluation::Match if x.verdict != Verdict::Pass => Some(GradedMatch {
                verdict: x.verdict,
                not_judged: false,
                expect: x,
                notes: x.note.iter().cloned().collect(),
                errata: x.errata.clone(),
            }),
            Evaluation::Graded { verdict, note, errata } => Some(GradedMatch {
                verdict: if x.verdict == Verdict::Pass { *verdict } else { x.verdict.worst(*verdict) },
                not_judged: false,
                expect: x,
                notes: x.note.iter().cloned().chain(std::iter::once(note.clone())).collect(),
                errata: x.errata.iter().chain(errata).cloned().collect(),
            }),
            Evaluation::NotJudged { note } => Some(GradedMatch {
                verdict: Verdict::Info,
                not_judged: true,
                expect: x,
                notes: vec![note.clone()],
                errata: vec![],
            }),
            _ => None,
        })
        .collect()
}

fn judge_exchange(ctx: &Context, step: &Step, obs: &Observed) -> Judged {
    let evaluations: Vec<Evaluation> = step.expect.iter().map(|x| evaluate(ctx, x, obs)).collect();
    if step.expect.iter().zip(&evaluations).any(|(x, e)| matches!(e, Evaluation::Match) && x.verdict == Verdict::Pass) {
        return Judged { verdict: Verdict::Pass, actual: obs.actual(), details: vec![], errata: vec![] };
    }
    if let Some(graded) = graded_matches(step, &evaluations).into_iter().min_by_key(|g| g.verdict.severity()) {
        let mut details = vec![if graded.not_judged {
            format!("could not tell whether it met: {}", expected_line(graded.expect, ctx.vars))
        } else {
            format!("matched the graded outcome: {}", describe_with(graded.expect, ctx.vars))
        }];
        details.extend(graded.notes.iter().map(|n| format!("why: {n}")));
        return Judged { verdict: graded.verdict, actual: obs.actual(), details, errata: graded.errata };
    }
    if let Some(why) = evaluations.iter().find_map(|e| match e {
        Evaluation::CannotJudge(w) => Some(w.clone()),
        _ => None,
    }) {
        return Judged {
            verdict: Verdict::Error,
            actual: obs.actual(),
            details: vec![format!("cannot judge: {why} (a problem of the harness data, not of the device)")],
            errata: vec![],
        };
    }
    let mut actual = obs.actual();
    let closest = step
        .expect
        .iter()
        .zip(&evaluations)
        .filter_map(|(x, e)| match e {
            Evaluation::Mismatch(m) => Some((x, m)),
            _ => None,
        })
        .min_by_key(|(_, m)| m.count());
    if let Some((_, m)) = closest
        && !m.about_values.is_empty()
    {
        actual.push_str("; ");
        actual.push_str(&m.about_values.join("; "));
    }
    let details = step
        .expect
        .iter()
        .zip(&evaluations)
        .filter_map(|(x, e)| match e {
            Evaluation::Mismatch(m) => Some(format!("not {}: {}", describe_with(x, ctx.vars), m.all().join("; "))),
            _ => None,
        })
        .collect();
    // A miss graded below FAIL is graded so by the case's own errata.
    let level = ctx.case.spec.level;
    let errata = if level == crate::verdict::Level::Must { vec![] } else { ctx.case.spec.errata.clone() };
    Judged { verdict: level.miss(), actual, details, errata }
}

/// The finding of the step's explicit outcomes over all its exchanges (at least one).
pub fn judge(ctx: &Context, step: &Step, observed: &[Observed]) -> Finding {
    let spec = &ctx.case.spec;
    let mut finding = Finding {
        family: spec.family,
        verdict: Verdict::Pass,
        section: spec.manual.section.clone(),
        requirement: spec.manual.quote.clone(),
        expected: step.expect.iter().map(|x| expected_line(x, ctx.vars)).collect(),
        actual: String::new(),
        step: step.name.clone(),
        details: vec![],
        errata: vec![],
    };
    if step.expect.is_empty() {
        finding.verdict = Verdict::Error;
        finding.actual = observed.first().map(Observed::actual).unwrap_or_default();
        finding.details.push("the step lists no acceptable outcome, so nothing can be judged (fix the suite)".into());
        return finding;
    }
    let judged: Vec<Judged> = observed.iter().map(|o| judge_exchange(ctx, step, o)).collect();
    finding.verdict = judged.iter().fold(Verdict::Pass, |acc, j| acc.worst(j.verdict));
    for e in judged.iter().flat_map(|j| &j.errata) {
        if !finding.errata.contains(e) {
            finding.errata.push(e.clone());
        }
    }
    if let [only] = judged.as_slice() {
        finding.actual = only.actual.clone();
        finding.details = only.details.clone();
        return finding;
    }
    finding.actual = format!("{} parallel requests: {}", judged.len(), tally(judged.iter().map(|j| j.actual.as_str())));
    // Ten identical 500s are one story: group the requests that ended alike.
    let n = judged.len();
    let mut groups: Vec<(Vec<usize>, &Judged)> = Vec::new();
    for (i, j) in judged.iter().enumerate().filter(|(_, j)| j.verdict != Verdict::Pass) {
        match groups.iter_mut().find(|(_, g)| g.actual == j.actual && g.verdict == j.verdict && g.details == j.details)
        {
            Some((members, _)) => members.push(i + 1),
            None => groups.push((vec![i + 1], j)),
        }
    }
    for (members, j) in groups {
        let which = match members.as_slice() {
            [one] => format!("request {one} of {n}"),
            many => format!("requests {} of {n}", many.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(", ")),
        };
        finding.details.push(format!("{which}: {} -> {}", j.actual, j.verdict));
        finding.details.extend(j.details.iter().map(|d| format!("  {d}")));
    }
    finding
}

/// `HTTP 200, Status "2000" (x3); HTTP 403 (x2)`, in order of first appearance.
pub fn tally<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut counts: Vec<(&str, usize)> = Vec::new();
    for l in lines {
        match counts.iter_mut().find(|(k, _)| *k == l) {
            Some((_, n)) => *n += 1,
            None => counts.push((l, 1)),
        }
    }
    counts
        .iter()
        .map(|(l, n)| if *n == 1 { l.to_string() } else { format!("{l} (x{n})") })
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::case::{JsonAssert, Transport};
    use crate::check::testkit::*;
    use crate::verdict::Level;

    #[test]
    fn pass_outcome_wins_over_graded_ones() {
        let w = World::new();
        let step = step_with(vec![expect_http(&[200]), Expect { verdict: Verdict::NonStrict, ..expect_http(&[200]) }]);
        let f = judge(&w.ctx(), &step, &[Observed::new(&answered(200, &[], r#"{"Status":"2000"}"#))]);
        assert_eq!(f.verdict, Verdict::Pass);
        assert_eq!(f.expected, vec!["HTTP 200", "HTTP 200 (earns NON-STRICT)"]);
    }

    #[test]
    fn graded_outcome_gives_its_verdict_with_the_note() {
        let w = World::new();
        let graded = Expect {
            verdict: Verdict::NonStrict,
            note: Some("between 20000 and 20480 bytes".into()),
            ..expect_http(&[413])
        };
        let step = step_with(vec![Expect { http_not: vec![413], ..expect_http(&[]) }, graded]);
        let f = judge(&w.ctx(), &step, &[Observed::new(&answered(413, &[], ""))]);
        assert_eq!(f.verdict, Verdict::NonStrict);
        assert!(f.details.iter().any(|d| d.contains("between 20000")), "{:?}", f.details);
    }

    #[test]
    fn a_failure_status_on_an_http_error_is_info_citing_the_erratum_never_a_miss() {
        let w = World::new();
        let step = step_with(vec![Expect { api_status: vec!["4007".into()], ..expect_http(&[200]) }]);
        let f = judge(&w.ctx(), &step, &[Observed::new(&answered(404, &[], r#"{"Status":"4007"}"#))]);
        assert_eq!(f.verdict, Verdict::Info, "{f:?}");
        assert_eq!(f.errata, vec!["E48"]);
        assert!(f.details.iter().any(|d| d.contains("HTTP 404 instead of 200")), "{:?}", f.details);
        // The body still decides: another Status on the HTTP error is a miss.
        let f = judge(&w.ctx(), &step, &[Observed::new(&answered(404, &[], r#"{"Status":"4000"}"#))]);
        assert_eq!(f.verdict, Verdict::Fail);
        // An error page without a Status is no failure answer of the API.
        let f = judge(&w.ctx(), &step, &[Observed::new(&answered(500, &[], "<html>oops</html>"))]);
        assert_eq!(f.verdict, Verdict::Fail);
        // Success is never moved: 2000 on an HTTP error stays a miss.
        let ok = step_with(vec![Expect { api_status: vec!["2000".into()], ..expect_http(&[200]) }]);
        assert_eq!(
            judge(&w.ctx(), &ok, &[Observed::new(&answered(400, &[], r#"{"Status":"2000"}"#))]).verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn miss_takes_the_case_level() {
        for (level, verdict) in
            [(Level::Must, Verdict::Fail), (Level::Ambiguous, Verdict::NonStrict), (Level::Silent, Verdict::Info)]
        {
            let w = World::with_level(level);
            let step = step_with(vec![Expect { api_status: vec!["4009".into()], ..expect_http(&[200]) }]);
            let f = judge(&w.ctx(), &step, &[Observed::new(&answered(200, &[], r#"{"Status":"2000"}"#))]);
            assert_eq!(f.verdict, verdict);
            assert_eq!(f.actual, r#"HTTP 200, Status "2000""#);
            assert_eq!(f.expected, vec![r#"HTTP 200 and Status "4009""#]);
            assert_eq!(f.section, "Management.GetConfig");
            assert!(f.details[0].contains(r#"Status "2000", expected "4009""#), "{:?}", f.details);
        }
    }

    #[test]
    fn value_mismatches_are_shown_next_to_the_answer() {
        let w = World::new();
        let x = Expect {
            json: vec![JsonAssert {
                pointer: "/data/0/Muted".into(),
                equals: Some("1".into()),
                one_of: vec![],
                exists: None,
                len: None,
                contains: None,
                pattern: None,
            }],
            ..expect_http(&[200])
        };
        let f = judge(
            &w.ctx(),
            &step_with(vec![x]),
            &[Observed::new(&answered(200, &[], r#"{"Status":"2000","data":[{"Muted":"0"}]}"#))],
        );
        assert_eq!(f.verdict, Verdict::Fail);
        assert_eq!(f.actual, r#"HTTP 200, Status "2000"; /data/0/Muted is "0", expected "1""#);
    }

    #[test]
    fn a_non_json_body_is_named_once() {
        let w = World::new();
        let x = Expect {
            api_status: vec!["2000".into()],
            schema: Some(crate::catalogue::case::SchemaPart::Response),
            json: vec![JsonAssert {
                pointer: "/data".into(),
                equals: None,
                one_of: vec![],
                exists: Some(true),
                len: None,
                contains: None,
                pattern: None,
            }],
            ..expect_http(&[200])
        };
        let f = judge(&w.ctx(), &step_with(vec![x]), &[Observed::new(&answered(404, &[], "<html>Not Found</html>"))]);
        assert_eq!(f.actual, "HTTP 404");
        assert_eq!(f.details.len(), 1);
        assert!(f.details[0].ends_with(": HTTP 404 is not 200; the body is not JSON"), "{:?}", f.details);
    }

    fn truncated(status: u16, body: &str) -> crate::device::Exchange {
        let mut ex = answered(status, &[], body);
        if let crate::device::exchange::Outcome::Answered(r) = &mut ex.outcome {
            r.truncated = Some(crate::device::exchange::Truncation {
                read: body.len() as u64,
                size: crate::device::exchange::BodySize::AtLeast(10_000_000),
                sha256: "ab".into(),
            });
        }
        ex
    }

    #[test]
    fn a_body_the_harness_could_not_read_is_never_a_fail_for_itself() {
        let w = World::new();
        let wants = Expect { api_status: vec!["2000".into()], ..expect_http(&[200]) };
        // `{"Status":"2000"}` cut short: the first bytes parse, yet they are not the answer.
        let f =
            judge(&w.ctx(), &step_with(vec![wants.clone()]), &[Observed::new(&truncated(200, r#"{"Status":"2000"}"#))]);
        assert_eq!(f.verdict, Verdict::Info, "{f:?}");
        assert!(f.details.iter().any(|d| d.contains("truncated (first 17 bytes kept")), "{:?}", f.details);
        // A graded FAIL outcome that only the body could confirm is not given either.
        let refused = expect_http(&[404, 405]);
        let fail_if_2000 = Expect { verdict: Verdict::Fail, ..wants.clone() };
        let f = judge(&w.ctx(), &step_with(vec![refused, fail_if_2000]), &[Observed::new(&truncated(200, "{"))]);
        assert_eq!(f.verdict, Verdict::Info, "{f:?}");
        assert!(f.details[0].starts_with("could not tell whether it met: "), "{:?}", f.details);
        // What can be seen still decides: HTTP 500 is not 200, body or not.
        let f = judge(&w.ctx(), &step_with(vec![wants.clone()]), &[Observed::new(&truncated(500, "{"))]);
        assert_eq!(f.verdict, Verdict::Fail, "{f:?}");
        // ...unless the unread body could be E48's failure answer on an HTTP error.
        let failure = Expect { api_status: vec!["4007".into()], ..expect_http(&[200]) };
        let f = judge(&w.ctx(), &step_with(vec![failure]), &[Observed::new(&truncated(404, "{"))]);
        assert_eq!(f.verdict, Verdict::Info, "{f:?}");
    }

    #[test]
    fn reset_is_acceptable_only_when_listed() {
        let w = World::new();
        let ex = reset("closed");
        let listed =
            step_with(vec![expect_http(&[200]), Expect { transport: Some(Transport::Reset), ..expect_http(&[]) }]);
        assert_eq!(judge(&w.ctx(), &listed, &[Observed::new(&ex)]).verdict, Verdict::Pass);
        let f = judge(&w.ctx(), &step_with(vec![expect_http(&[200])]), &[Observed::new(&ex)]);
        assert_eq!(f.verdict, Verdict::Fail);
        assert_eq!(f.actual, "connection reset (closed)");
    }

    #[test]
    fn parallel_step_is_the_worst_of_its_answers() {
        let w = World::new();
        let step = step_with(vec![expect_http(&[200, 403])]);
        let a = answered(200, &[], r#"{"Status":"2000"}"#);
        let b = answered(403, &[], "");
        let c = answered(500, &[], "");
        let f = judge(&w.ctx(), &step, &[Observed::new(&a), Observed::new(&b), Observed::new(&b)]);
        assert_eq!(f.verdict, Verdict::Pass);
        assert_eq!(f.actual, r#"3 parallel requests: HTTP 200, Status "2000"; HTTP 403 (x2)"#);
        let f = judge(&w.ctx(), &step, &[Observed::new(&a), Observed::new(&c), Observed::new(&b), Observed::new(&c)]);
        assert_eq!(f.verdict, Verdict::Fail);
        assert_eq!(
            f.details,
            vec!["requests 2, 4 of 4: HTTP 500 -> FAIL", "  not HTTP 200 or 403: HTTP 500 is not 200 or 403"]
        );
    }

    #[test]
    fn unloaded_schema_is_an_error_not_a_device_fail() {
        let w = World::new();
        let ctx = Context { endpoint: None, ..w.ctx() };
        let x = Expect { schema: Some(crate::catalogue::case::SchemaPart::Response), ..expect_http(&[200]) };
        let f = judge(&ctx, &step_with(vec![x]), &[Observed::new(&answered(200, &[], r#"{"Status":"2000"}"#))]);
        assert_eq!(f.verdict, Verdict::Error);
    }

    #[test]
    fn describe_covers_every_condition() {
        assert_eq!(describe_with(&expect_http(&[]), &BTreeMap::new()), "any HTTP answer");
        let x = Expect {
            api_status: vec!["4007".into()],
            schema: Some(crate::catalogue::case::SchemaPart::Failure),
            ..expect_http(&[200])
        };
        assert_eq!(
            describe_with(&x, &BTreeMap::new()),
            r#"HTTP 200 and Status "4007" and body valid against the failure envelope (common.json $defs/failure)"#
        );
        let x = Expect { transport: Some(Transport::Timeout), ..expect_http(&[]) };
        assert_eq!(describe_with(&x, &BTreeMap::new()), "no answer (timeout)");
    }
}
