//! The judges: pure functions over recorded exchanges, one file per kind of rule.
//!
//! The split is by rule, not by the 15 case families: `outcome` judges the `[[expect]]`
//! of a case of any family (status, API status, size, method, params, input, state, flow,
//! UI...), `json` its JSON assertions; each implicit rule has its own file (`status`,
//! `api_status`, `content_type`, `schema`, `parallel`, `auth`, `patience`, `body_limits`:
//! an answer larger than `--max-body` or nested deeper than the parser goes is INFO, and
//! the rules that read the body do not judge it); `alternate`
//! grades a printed form a phone served (errata), `implicit` decides which implicit rules
//! apply to a step. Baseline differences are judged in `crate::baseline`.
//!
//! Checks never send a request and never sleep: given what a step asked for and what came
//! back, they return [`Finding`]s that cite the manual. Two kinds of finding come out of
//! [`judge_step`]:
//!
//! 1. **Explicit**: the step's `[[expect]]` outcomes (see [`outcome`]). One finding per
//!    step, in the case's family, citing the case's manual sentence.
//! 2. **Implicit**: rules the manual states for every endpoint, checked on every answer to a
//!    well-formed request without a suite author having to write them (see [`implicit`]):
//!    the answer is JSON with a JSON media type, carries a documented `Status`, and matches
//!    the endpoint's schema; parallel requests are never answered with a 5xx, a reset or
//!    silence; credentials are never optional.
//!
//! The verdict of each finding follows the manual's certainty: FAIL only where the manual
//! is explicit, NON-STRICT where it is ambiguous, INFO where it is silent. `--strict` is
//! the runner's business (it maps NON-STRICT to FAIL via [`Verdict::strict`]).

pub mod alternate;
pub mod api_status;
pub mod auth;
pub mod body_limits;
pub mod content_type;
pub mod context;
pub mod finding;
pub mod implicit;
pub mod json;
pub mod observed;
pub mod outcome;
pub mod parallel;
pub mod patience;
pub mod schema;
pub mod status;

pub use context::{Context, erratum_level};
pub use finding::Finding;
pub use observed::Observed;

use crate::catalogue::case::{Expect, Step};
use crate::device::exchange::Exchange;
use crate::verdict::Verdict;
use std::collections::BTreeMap;

/// Judge one step: `exchanges` has one element, or N for a `concurrency = N` step (each
/// judged on its own). Returns the finding of the explicit outcomes followed by the
/// implicit findings of each answered exchange. Never panics on any input.
pub fn judge_step(ctx: &Context, step: &Step, exchanges: &[Exchange]) -> Vec<Finding> {
    if exchanges.is_empty() {
        return vec![Finding {
            family: ctx.case.spec.family,
            verdict: Verdict::Error,
            section: ctx.case.spec.manual.section.clone(),
            requirement: ctx.case.spec.manual.quote.clone(),
            expected: expected_lines(ctx, step),
            actual: "no request was recorded for this step".into(),
            step: step.name.clone(),
            details: vec!["the harness sent nothing, so the device cannot be judged".into()],
            errata: vec![],
        }];
    }
    let observed: Vec<Observed> = exchanges.iter().map(Observed::new).collect();
    let mut explicit = outcome::judge(ctx, step, &observed);
    let mut findings = implicit::judge(ctx, step, &observed);
    // One defect, one FAIL: when the suite's own outcome already fails in the same family
    // (say an auth case answered 200 without credentials), the generic rule would only
    // repeat it; its details (every schema violation, say) are kept on the explicit one.
    if explicit.verdict == Verdict::Fail {
        for f in findings.iter().filter(|f| f.family == explicit.family) {
            if f.actual != explicit.actual {
                explicit.details.push(format!("also: {}", f.actual));
            }
            explicit.details.extend(f.details.iter().cloned());
        }
        findings.retain(|f| f.family != explicit.family);
    }
    cap_to_certainty(ctx, &mut findings);
    findings.insert(0, explicit);
    findings
}

/// The generic rules speak with the certainty of the endpoint's text: where the profile
/// marks that text as borrowed (`certainty = "ambiguous"`, E19), a generic FAIL is only
/// NON-STRICT. The suite's explicit outcome keeps the case's own level, which its author
/// already chose per profile.
fn cap_to_certainty(ctx: &Context, findings: &mut [Finding]) {
    let Some(level) = ctx.endpoint.and_then(|e| e.certainty) else {
        return;
    };
    let cap = level.miss();
    for f in findings.iter_mut().filter(|f| f.verdict == Verdict::Fail && cap != Verdict::Fail) {
        f.verdict = cap;
        f.details.push(format!(
            "graded {cap}, not FAIL: the profile marks the manual text of this endpoint as {} (see its errata)",
            level.label().to_ascii_lowercase()
        ));
    }
}

/// Whether every exchange matched some outcome, PASS or graded: the state a `poll_ms` step
/// waits for has settled, so polling stops.
pub fn step_settles(ctx: &Context, step: &Step, exchanges: &[Exchange]) -> bool {
    !exchanges.is_empty()
        && exchanges.iter().all(|ex| {
            let obs = Observed::new(ex);
            step.expect.iter().any(|x| {
                matches!(
                    outcome::evaluate(ctx, x, &obs),
                    outcome::Evaluation::Match
                        | outcome::Evaluation::Graded { .. }
                        | outcome::Evaluation::NotJudged { .. }
                )
            })
        })
}

/// Whether an outcome with verdict Pass matched every exchange (used by the runner to poll
/// `poll_ms` steps).
pub fn step_passes(ctx: &Context, step: &Step, exchanges: &[Exchange]) -> bool {
    !exchanges.is_empty()
        && exchanges.iter().all(|ex| {
            let obs = Observed::new(ex);
            step.expect
                .iter()
                .filter(|x| x.verdict == Verdict::Pass)
                .any(|x| matches!(outcome::evaluate(ctx, x, &obs), outcome::Evaluation::Match))
        })
}

/// The case verdict: the worst finding (Pass when none).
pub fn verdict_of(findings: &[Finding]) -> Verdict {
    findings.iter().fold(Verdict::Pass, |acc, f| acc.worst(f.verdict))
}

/// Describe an outcome in one line for reports: `HTTP 200 and Status "4009"`, `HTTP not 413`, ...
pub fn describe(expect: &Expect) -> String {
    outcome::describe_with(expect, &BTreeMap::new())
}

/// Every outcome of the step in words, graded ones marked with the verdict they earn.
fn expected_lines(ctx: &Context, step: &Step) -> Vec<String> {
    step.expect.iter().map(|x| outcome::expected_line(x, ctx.vars)).collect()
}

#[cfg(test)]
pub(crate) mod testkit;

#[cfg(test)]
mod tests {
    use super::testkit::*;
    use super::*;
    use crate::catalogue::case::{AuthMode, Family};
    use crate::catalogue::data::DataFiles;
    use crate::catalogue::load::Catalogue;
    use crate::device::exchange::WireRequest;
    use crate::verdict::Level;

    const DEVICE_INFO: &str = r#"{"Status":"2000","data":{"ModelNumber":"Trio 8800","FirmwareRelease":"5.9.1"}}"#;
    const JSON: [(&str, &str); 1] = [("Content-Type", "application/json")];

    #[test]
    fn clean_answer_gives_one_pass_finding() {
        let w = World::new();
        let step = step_with(vec![Expect { api_status: vec!["2000".into()], ..expect_http(&[200]) }]);
        let f = judge_step(&w.ctx(), &step, &[answered(200, &JSON, DEVICE_INFO)]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].verdict, Verdict::Pass);
        assert_eq!(f[0].family, Family::Params, "the explicit finding is in the case's family");
        assert_eq!(f[0].step, "request");
        assert_eq!(verdict_of(&f), Verdict::Pass);
    }

    #[test]
    fn explicit_pass_with_an_implicit_fail_makes_the_case_fail() {
        let w = World::new();
        let step = step_with(vec![expect_http(&[200])]);
        let f = judge_step(&w.ctx(), &step, &[answered(200, &JSON, r#"{"Status":"4999"}"#)]);
        assert_eq!(f.len(), 2, "{f:?}");
        assert_eq!(f[0].verdict, Verdict::Pass);
        assert_eq!((f[1].family, f[1].verdict), (Family::ApiStatus, Verdict::Fail), "a Status in no table: {f:?}");
        assert_eq!(verdict_of(&f), Verdict::Fail);
    }

    #[test]
    fn ambiguous_readings_never_fail_without_strict() {
        // A numeric Status, a code outside the endpoint's list, no Content-Type: each is a
        // reading the manual allows, so NON-STRICT at worst, FAIL only under --strict.
        let w = World::with_level(Level::Ambiguous);
        let step = step_with(vec![expect_http(&[200]), Expect { verdict: Verdict::NonStrict, ..expect_http(&[413]) }]);
        for body in [r#"{"Status":2000,"data":{"ModelNumber":"x","FirmwareRelease":"y"}}"#, r#"{"Status":"4001"}"#] {
            let f = judge_step(&w.ctx(), &step, &[answered(200, &[], body)]);
            assert_eq!(verdict_of(&f), Verdict::NonStrict, "{f:?}");
            assert_eq!(verdict_of(&f).strict(true), Verdict::Fail);
        }
        let f = judge_step(&w.ctx(), &step, &[answered(413, &[], "")]);
        assert_eq!(verdict_of(&f), Verdict::NonStrict);
        let f = judge_step(&w.ctx(), &step, &[answered(500, &[], "")]);
        assert_eq!(verdict_of(&f), Verdict::NonStrict, "a miss of an ambiguous case is NON-STRICT: {f:?}");
    }

    #[test]
    fn same_family_repeat_is_folded_into_the_explicit_fail() {
        let mut w = World::new();
        let mut spec = (*w.case.spec).clone();
        spec.family = Family::Auth;
        w.case.spec = std::sync::Arc::new(spec);
        let mut ex = answered(200, &JSON, DEVICE_INFO);
        ex.request.auth = AuthMode::None;
        let f = judge_step(&w.ctx(), &step_with(vec![expect_http(&[401])]), &[ex]);
        assert_eq!(f.len(), 1, "{f:?}");
        assert_eq!(f[0].verdict, Verdict::Fail);
        assert!(f[0].details.iter().any(|d| d.contains("without credentials")), "{:?}", f[0].details);
    }

    #[test]
    fn parallel_step_reports_the_burst_once() {
        let w = World::new();
        let mut step = step_with(vec![expect_http(&[200]), expect_http(&[403])]);
        step.request.concurrency = Some(3);
        let ok = answered(200, &JSON, DEVICE_INFO);
        let dropped = reset("connection closed");
        let f = judge_step(&w.ctx(), &step, &[ok.clone(), dropped, ok]);
        assert_eq!(f.len(), 2, "explicit + parallel rule: {f:?}");
        assert_eq!(f[0].verdict, Verdict::Fail);
        assert_eq!(f[1].family, Family::Parallel);
        assert_eq!(f[1].actual, "1 of 3 parallel requests: connection reset (connection closed)");
    }

    #[test]
    fn step_passes_needs_a_pass_outcome_on_every_exchange() {
        let w = World::new();
        let graded = Expect { verdict: Verdict::Info, ..expect_http(&[500]) };
        let step = step_with(vec![expect_http(&[200]), graded]);
        let ctx = w.ctx();
        assert!(step_passes(&ctx, &step, &[answered(200, &[], DEVICE_INFO)]));
        assert!(!step_passes(&ctx, &step, &[answered(500, &[], "")]), "a graded match is not a pass");
        assert!(!step_passes(&ctx, &step, &[answered(200, &[], DEVICE_INFO), timeout(10)]));
        assert!(!step_passes(&ctx, &step, &[]));
    }

    #[test]
    fn nothing_recorded_or_nothing_expected_is_an_error_not_a_verdict() {
        let w = World::new();
        let f = judge_step(&w.ctx(), &step_with(vec![expect_http(&[200])]), &[]);
        assert_eq!(verdict_of(&f), Verdict::Error);
        let f = judge_step(&w.ctx(), &step_with(vec![]), &[answered(200, &JSON, DEVICE_INFO)]);
        assert_eq!(f[0].verdict, Verdict::Error);
    }

    #[test]
    fn borrowed_manual_text_grades_generic_misses_non_strict() {
        let mut w = World::new();
        let step = step_with(vec![expect_http(&[200])]);
        let wrong_type =
            [answered(200, &JSON, r#"{"Status":"4999","data":{"ModelNumber":"Trio 8800","FirmwareRelease":"5.9.1"}}"#)];
        assert_eq!(verdict_of(&judge_step(&w.ctx(), &step, &wrong_type)), Verdict::Fail);
        w.case.endpoint.as_mut().unwrap().certainty = Some(Level::Ambiguous);
        let f = judge_step(&w.ctx(), &step, &wrong_type);
        assert_eq!(verdict_of(&f), Verdict::NonStrict, "{f:?}");
        assert!(f.iter().any(|x| x.details.iter().any(|d| d.contains("graded NON-STRICT"))), "{f:?}");
    }

    #[test]
    fn verdict_of_takes_the_worst() {
        assert_eq!(verdict_of(&[]), Verdict::Pass);
        let w = World::new();
        let mut f = judge_step(&w.ctx(), &step_with(vec![expect_http(&[200])]), &[answered(200, &[], DEVICE_INFO)]);
        assert_eq!(verdict_of(&f), Verdict::Info, "no Content-Type: {f:?}");
        f[0].verdict = Verdict::NonStrict;
        assert_eq!(verdict_of(&f), Verdict::NonStrict);
    }

    #[test]
    fn describe_is_one_line() {
        let x = Expect { api_status: vec!["4009".into()], ..expect_http(&[200]) };
        assert_eq!(describe(&x), r#"HTTP 200 and Status "4009""#);
        assert_eq!(describe(&Expect { http_not: vec![413], ..expect_http(&[]) }), "HTTP not 413");
    }

    #[test]
    fn hostile_answers_never_panic() {
        let w = World::post();
        let ctx = w.ctx();
        let step = step_with(vec![expect_http(&[200])]);
        let bodies: [&[u8]; 8] = [
            b"",
            b"\xff\xfe\x00",
            b"null",
            b"[]",
            b"{\"Status\":{}}",
            b"{\"Status\":\"\\u0000\"}",
            b"\"2000\"",
            b"{\"data\":[1,[2,[3]]]}",
        ];
        for body in bodies {
            let mut ex = answered(200, &[("Content-Type", "\u{0}")], "");
            if let crate::device::exchange::Outcome::Answered(r) = &mut ex.outcome {
                r.body = body.to_vec();
            }
            ex.request = WireRequest::post_json("/api/v1/mgmt/config/get", &serde_json::json!({"data": ["a"]}));
            let f = judge_step(&ctx, &step, &[ex]);
            assert!(!f.is_empty());
        }
    }

    /// The shipped data: a real-device capture of device/info passes; the emulator's
    /// `missing-field` and `status-undocumented` answers fail in the right family.
    #[test]
    fn embedded_catalogue_judges_real_captures() {
        // Profiles, errata and schemas only: the suites are judged by their own tests.
        let mut data = DataFiles::embedded();
        data.files.retain(|f| {
            f.rel.starts_with("schemas") || f.rel.starts_with("suites/profiles") || f.rel.ends_with("errata.toml")
        });
        let cat = match Catalogue::load(&data) {
            Ok(c) => c,
            Err(e) => panic!("embedded catalogue does not load: {e:?}"),
        };
        let profile = cat.profile("trio-5.9.1").expect("trio profile");
        let endpoint = profile.endpoint("mgmt.device-info").expect("device/info");
        let mut case = World::new().case;
        case.endpoint = Some(endpoint.clone());
        let vars = BTreeMap::new();
        let ctx = Context {
            profile,
            schemas: &cat.schemas,
            case: &case,
            endpoint: Some(endpoint),
            vars: &vars,
            errata: &cat.errata,
        };
        let step = step_with(vec![Expect { api_status: vec!["2000".into()], ..expect_http(&[200]) }]);
        let capture = r#"{"data": {"ModelNumber": "Trio 8800", "AttachedHardware": {}, "FirmwareRelease": "5.7.1.4145",
            "IPV6Address": "::", "DeviceVendor": "Polycom", "DeviceType": "hardwareEndpoint",
            "UpTimeSinceLastReboot": "0 Day 22:02:09", "IPV4Address": "172.31.254.120",
            "MACAddress": "0004f2fe3ab0"}, "Status": "2000"}"#;
        let f = judge_step(&ctx, &step, &[answered(200, &[("Content-type", "application/json")], capture)]);
        assert_eq!(verdict_of(&f), Verdict::Pass, "{f:#?}");

        let no_model = capture.replace(r#""ModelNumber": "Trio 8800", "#, "");
        let f = judge_step(&ctx, &step, &[answered(200, &JSON, &no_model)]);
        let schema: Vec<&Finding> = f.iter().filter(|f| f.family == Family::Schema).collect();
        assert_eq!(schema.len(), 1, "{f:#?}");
        assert_eq!(schema[0].verdict, Verdict::Fail);
        assert!(schema[0].actual.contains("ModelNumber"), "{}", schema[0].actual);

        // missing-status: one api-status FAIL, not a second one from the schema.
        let no_status = capture.replace(r#", "Status": "2000""#, "");
        let f = judge_step(&ctx, &step, &[answered(200, &JSON, &no_status)]);
        let implicit: Vec<(Family, Verdict)> = f[1..].iter().map(|f| (f.family, f.verdict)).collect();
        assert_eq!(implicit, vec![(Family::ApiStatus, Verdict::Fail)], "{f:#?}");

        // A numeric Status is E07's NON-STRICT, and nothing else.
        let numeric = capture.replace(r#""Status": "2000""#, r#""Status": 2000"#);
        let f = judge_step(&ctx, &step, &[answered(200, &JSON, &numeric)]);
        assert_eq!(verdict_of(&f), Verdict::NonStrict, "{f:#?}");
        assert_eq!(f.len(), 2, "{f:#?}");

        let f = judge_step(&ctx, &step, &[answered(200, &JSON, r#"{"Status": "4999"}"#)]);
        assert!(f.iter().any(|f| f.family == Family::ApiStatus && f.verdict == Verdict::Fail), "{f:#?}");
        let f = judge_step(&ctx, &step, &[answered(200, &JSON, r#"{"Status": "4003"}"#)]);
        let api: Vec<&Finding> = f.iter().filter(|f| f.family == Family::ApiStatus).collect();
        assert_eq!(api.len(), 1, "{f:#?}");
        assert_eq!(api[0].verdict, Verdict::NonStrict, "a tabled code outside the endpoint list is E25 NON-STRICT");
    }
}
