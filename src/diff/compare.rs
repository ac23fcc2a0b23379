//! Two finished runs in, their differences out.
//!
//! Cases are matched by id without the profile prefix; a case one run lacks is "only in
//! A/B" (an endpoint only one profile has), never a failure of the other. For a matched
//! case: its verdict, then each of its own steps (setup and cleanup requests are the
//! harness's bookkeeping and are left out; a setup that failed shows as a verdict
//! change). A step's requests are grouped by their outcome without volatile parts
//! (`normalise::OutcomeKey`), and each outcome both sides saw is compared by the merged
//! shape of its answers (`baseline::shape_changes`, the comparison baselines use).
//!
//! A step that sent one request on each side differs when the outcomes differ. A step
//! that sent several (a burst of concurrent copies, a poll repeated until the phone comes
//! back) sees its outcomes in an order, number and mix that depend on timing: which copy
//! of a burst found the phone busy (HTTP 403, "or will be queued") is a race between the
//! harness and the phone, and two runs of one emulator disagree on it. Such a step is
//! reported only when the two sides have no outcome in common (every copy refused on one
//! side, none on the other); a change inside the mix is left to the case's own checks,
//! whose verdict is compared. Timing: see `timing`.

use super::model::{Diff, Difference, FORMAT_VERSION, Kind, Side, Summary};
use super::normalise::{OutcomeKey, case_key, mask, request_label};
use super::timing;
use crate::baseline::shape::Shape;
use crate::baseline::{DiffKind, shape_changes};
use crate::device::{Exchange, Outcome};
use crate::record::model::{CaseRecord, RunRecord};
use crate::run::steps::is_case_step;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Every difference between run `a` (the reference) and run `b`.
pub fn compare(a: &RunRecord, b: &RunRecord) -> Diff {
    let b_by_key: HashMap<&str, &CaseRecord> = b.cases.iter().map(|c| (case_key(&c.id), c)).collect();
    let a_keys: BTreeSet<&str> = a.cases.iter().map(|c| case_key(&c.id)).collect();
    let mut out = Vec::new();
    let mut summary = Summary::default();
    for ca in &a.cases {
        match b_by_key.get(case_key(&ca.id)) {
            Some(cb) => {
                summary.cases_compared += 1;
                let before = out.len();
                compare_case(ca, cb, &mut out);
                if out.len() > before {
                    summary.cases_differing += 1;
                }
            }
            None => {
                summary.only_in_a += 1;
                out.push(only_on_one_side(Kind::OnlyInA, ca, b));
            }
        }
    }
    for cb in b.cases.iter().filter(|c| !a_keys.contains(case_key(&c.id))) {
        summary.only_in_b += 1;
        out.push(only_on_one_side(Kind::OnlyInB, cb, a));
    }
    // Grouped by endpoint, cases without one last; within a group, in run order.
    out.sort_by(|x, y| (x.endpoint.is_none(), &x.endpoint).cmp(&(y.endpoint.is_none(), &y.endpoint)));
    summary.by_kind = Kind::ALL.iter().map(|k| (*k, out.iter().filter(|d| d.kind == *k).count())).collect();
    summary.differences = out.len();
    Diff {
        format_version: FORMAT_VERSION,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        a: side(a),
        b: side(b),
        summary,
        differences: out,
    }
}

fn side(run: &RunRecord) -> Side {
    let mut verdicts = BTreeMap::new();
    for v in crate::verdict::Verdict::ALL {
        verdicts.insert(v.label().to_string(), run.count(v));
    }
    Side {
        profile: run.profile.clone(),
        target: run.target.clone(),
        device: run.device.clone(),
        started_at: run.started_at.clone(),
        duration_ms: run.duration_ms,
        cases: run.cases.len(),
        verdicts,
    }
}

/// A difference of case `c` with nothing of the step level filled in.
fn about(c: &CaseRecord, kind: Kind, a: String, b: String) -> Difference {
    Difference {
        case: case_key(&c.id).to_string(),
        case_a: None,
        case_b: None,
        endpoint: c.endpoint.clone(),
        kind,
        step: None,
        request: None,
        change: None,
        pointer: None,
        a,
        b,
        detail: None,
    }
}

fn only_on_one_side(kind: Kind, c: &CaseRecord, other: &RunRecord) -> Difference {
    let here = c.verdict.label().to_string();
    let absent = "absent".to_string();
    let (a, b) = if kind == Kind::OnlyInA { (here, absent) } else { (absent, here) };
    let mut d = about(c, kind, a, b);
    if kind == Kind::OnlyInA {
        d.case_a = Some(c.id.clone());
    } else {
        d.case_b = Some(c.id.clone());
    }
    d.detail = Some(format!("no such case in the run of profile {}", other.profile));
    d
}

fn compare_case(ca: &CaseRecord, cb: &CaseRecord, out: &mut Vec<Difference>) {
    let with_ids = |mut d: Difference| {
        d.case_a = Some(ca.id.clone());
        d.case_b = Some(cb.id.clone());
        if d.endpoint.is_none() {
            d.endpoint = cb.endpoint.clone();
        }
        d
    };
    if ca.verdict != cb.verdict {
        let mut d = about(ca, Kind::Verdict, ca.verdict.label().into(), cb.verdict.label().into());
        let context: Vec<String> = [("A", ca), ("B", cb)]
            .into_iter()
            .filter_map(|(side, c)| decisive(c).map(|why| format!("{side}: {}", mask(why))))
            .collect();
        d.detail = (!context.is_empty()).then(|| context.join(" | "));
        out.push(with_ids(d));
    }
    let (steps_a, steps_b) = (steps(ca), steps(cb));
    let mut names: Vec<&str> = steps_a.iter().map(|(n, _)| *n).collect();
    names.extend(steps_b.iter().map(|(n, _)| *n).filter(|n| !steps_a.iter().any(|(m, _)| m == n)));
    for name in names {
        let (la, lb) = (step_named(&steps_a, name), step_named(&steps_b, name));
        let first = la.first().or(lb.first()).copied();
        let mut found = Vec::new();
        compare_step(&la, &lb, &mut found);
        for mut d in found {
            d.case = case_key(&ca.id).to_string();
            d.endpoint = ca.endpoint.clone();
            d.step = Some(name.to_string());
            d.request = first.map(request_label);
            out.push(with_ids(d));
        }
    }
}

/// The requests of step `name`, none when the step did not run.
fn step_named<'a>(steps: &[(&str, Vec<&'a Exchange>)], name: &str) -> Vec<&'a Exchange> {
    steps.iter().find(|(n, _)| *n == name).map(|(_, l)| l.clone()).unwrap_or_default()
}

/// Why a case has its verdict: its reason, else the finding that decided it.
fn decisive(c: &CaseRecord) -> Option<&str> {
    c.reason
        .as_deref()
        .or_else(|| c.findings.iter().find(|f| f.verdict == c.verdict).map(|f| f.actual.as_str()))
        .filter(|s| !s.is_empty())
}

/// The case's own steps in the order they were first sent, each with its requests.
fn steps(c: &CaseRecord) -> Vec<(&str, Vec<&Exchange>)> {
    let mut out: Vec<(&str, Vec<&Exchange>)> = Vec::new();
    for ex in c.exchanges.iter().filter(|e| is_case_step(e)) {
        match out.iter_mut().find(|(n, _)| *n == ex.step) {
            Some((_, list)) => list.push(ex),
            None => out.push((ex.step.as_str(), vec![ex])),
        }
    }
    out
}

/// What a step saw: each outcome, with the merged shape of its JSON answers.
type Seen = BTreeMap<OutcomeKey, Option<Shape>>;

fn seen(exchanges: &[&Exchange]) -> Seen {
    let mut out: Seen = BTreeMap::new();
    for ex in exchanges {
        let shape = match &ex.outcome {
            Outcome::Answered(r) => r.json().map(|v| Shape::of(&v, None)),
            _ => None,
        };
        let slot = out.entry(OutcomeKey::of(&ex.outcome)).or_insert(None);
        *slot = match (slot.take(), shape) {
            (Some(prev), Some(s)) => Some(prev.merge(s)),
            (prev, s) => prev.or(s),
        };
    }
    out
}

/// A difference with only kind and the two sides filled (the caller adds case and step).
fn blank(kind: Kind, a: String, b: String) -> Difference {
    Difference {
        case: String::new(),
        case_a: None,
        case_b: None,
        endpoint: None,
        kind,
        step: None,
        request: None,
        change: None,
        pointer: None,
        a,
        b,
        detail: None,
    }
}

fn compare_step(la: &[&Exchange], lb: &[&Exchange], out: &mut Vec<Difference>) {
    let (sa, sb) = (seen(la), seen(lb));
    let shown = |s: &Seen| {
        if s.is_empty() {
            "step not run".to_string()
        } else {
            s.keys().map(ToString::to_string).collect::<Vec<_>>().join(" / ")
        }
    };
    let several = la.len() > 1 || lb.len() > 1;
    let share_one = sa.keys().any(|k| sb.contains_key(k));
    if sa.keys().ne(sb.keys()) && !(several && share_one) {
        let unanswered = |s: &Seen| s.keys().filter(|k| k.http().is_none()).cloned().collect::<BTreeSet<_>>();
        let http = |s: &Seen| s.keys().filter_map(OutcomeKey::http).collect::<BTreeSet<_>>();
        let kind = if sa.is_empty() || sb.is_empty() || unanswered(&sa) != unanswered(&sb) {
            Kind::Outcome
        } else if http(&sa) != http(&sb) {
            Kind::HttpStatus
        } else {
            Kind::ApiStatus
        };
        let mut d = blank(kind, shown(&sa), shown(&sb));
        if several {
            d.detail = Some(format!(
                "the step sent {} request(s) on A and {} on B, with no outcome in common",
                la.len(),
                lb.len()
            ));
        }
        out.push(d);
    }
    for (key, shape_a) in &sa {
        let Some(shape_b) = sb.get(key) else { continue };
        let shape_diff = |change, pointer: String, a: String, b: String| {
            let mut d = blank(Kind::Shape, a, b);
            d.change = Some(change);
            d.pointer = Some(pointer);
            d.detail = Some(format!("answers {key}"));
            d
        };
        match (shape_a, shape_b) {
            (Some(x), Some(y)) => {
                out.extend(shape_changes(x, y).into_iter().map(|c| shape_diff(c.kind, c.pointer, c.was, c.now)))
            }
            (Some(x), None) => out.push(shape_diff(DiffKind::Retyped, "/".into(), x.describe(), "not JSON".into())),
            (None, Some(y)) => out.push(shape_diff(DiffKind::Retyped, "/".into(), "not JSON".into(), y.describe())),
            (None, None) => {}
        }
    }
    if let ([x], [y]) = (la, lb)
        && x.outcome.response().is_some()
        && y.outcome.response().is_some()
        && timing::is_outlier(x.elapsed_ms, y.elapsed_ms)
    {
        let mut d = blank(Kind::Timing, format!("{} ms", x.elapsed_ms), format!("{} ms", y.elapsed_ms));
        d.detail = Some(format!("one side took at least {}x as long and {} ms more", timing::FACTOR, timing::FLOOR_MS));
        out.push(d);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::case::Family;
    use crate::device::{WireRequest, WireResponse};
    use crate::record::model::sample;
    use crate::verdict::Verdict;

    fn answered(step: &str, http: u16, body: &str, ms: u64) -> Exchange {
        Exchange {
            step: step.into(),
            request: WireRequest::get("/api/v1/mgmt/device/info"),
            outcome: Outcome::Answered(WireResponse::new(http, vec![], body.as_bytes().to_vec())),
            elapsed_ms: ms,
        }
    }

    fn case(id: &str, verdict: Verdict, exchanges: Vec<Exchange>) -> CaseRecord {
        let mut c = sample::case(id, Family::Schema, verdict);
        c.endpoint = Some("mgmt.device-info".into());
        c.exchanges = exchanges;
        c
    }

    fn info(extra: &str, mac: &str) -> String {
        format!(r#"{{"Status":"2000","data":{{"MACAddress":"{mac}","UpTimeSinceLastReboot":"0 Day 6:16:10"{extra}}}}}"#)
    }

    #[test]
    fn equal_runs_with_other_volatile_values_have_no_difference() {
        let a = sample::record(vec![case(
            "trio.x",
            Verdict::Pass,
            vec![answered("request", 200, &info("", "0004f2aa"), 2)],
        )]);
        let mut b = a.clone();
        b.cases[0].id = "vvx.x".into();
        b.cases[0].exchanges = vec![answered("request", 200, &info("", "64167fcacee2"), 30)];
        let d = compare(&a, &b);
        assert!(d.is_equal(), "{:#?}", d.differences);
        assert_eq!(d.summary.cases_compared, 1);
    }

    #[test]
    fn verdict_status_shape_and_timing_changes_are_each_reported() {
        let a = sample::record(vec![case(
            "trio.x",
            Verdict::Pass,
            vec![answered("request", 200, &info("", "1"), 2), answered("then", 200, r#"{"Status":"2000"}"#, 1)],
        )]);
        let b = sample::record(vec![case(
            "trio.x",
            Verdict::Fail,
            vec![
                answered("request", 200, &info(r#","BuildId":"x""#, "1"), 400),
                answered("then", 200, r#"{"Status":"4007"}"#, 1),
            ],
        )]);
        let d = compare(&a, &b);
        let kinds: Vec<Kind> = d.differences.iter().map(|x| x.kind).collect();
        assert_eq!(kinds, vec![Kind::Verdict, Kind::Shape, Kind::Timing, Kind::ApiStatus], "{:#?}", d.differences);
        let shape = &d.differences[1];
        assert_eq!((shape.change, shape.pointer.as_deref()), (Some(DiffKind::Added), Some("/data/BuildId")));
        assert_eq!(d.differences[3].a, "HTTP 200, Status \"2000\"");
        assert_eq!(d.differences[3].step.as_deref(), Some("then"));
        assert_eq!(d.summary.cases_differing, 1);
    }

    #[test]
    fn cases_on_one_side_only_are_reported_as_such() {
        let a =
            sample::record(vec![case("trio.x", Verdict::Pass, vec![]), case("trio.only-trio", Verdict::Pass, vec![])]);
        let b = sample::record(vec![
            case("vvx.x", Verdict::Pass, vec![]),
            case("vvx.only-vvx", Verdict::NotTested, vec![]),
        ]);
        let d = compare(&a, &b);
        let got: Vec<(Kind, &str)> = d.differences.iter().map(|x| (x.kind, x.case.as_str())).collect();
        assert_eq!(got, vec![(Kind::OnlyInA, "only-trio"), (Kind::OnlyInB, "only-vvx")]);
        assert_eq!((d.summary.only_in_a, d.summary.only_in_b, d.summary.cases_compared), (1, 1, 1));
    }

    #[test]
    fn bursts_and_polls_compare_the_outcomes_seen_not_their_order_or_number() {
        let ok = || answered("burst", 200, r#"{"Status":"2000"}"#, 1);
        let busy = || answered("burst", 403, "", 1);
        let a = sample::record(vec![case("trio.x", Verdict::Pass, vec![ok(), busy(), ok(), busy()])]);
        let b = sample::record(vec![case("trio.x", Verdict::Pass, vec![busy(), ok(), ok()])]);
        assert!(compare(&a, &b).is_equal());
        // Which copies found the phone busy is a race: a mix sharing an outcome is no difference.
        let c = sample::record(vec![case("trio.x", Verdict::Pass, vec![ok(), ok()])]);
        assert!(compare(&a, &c).is_equal());
        // Nothing in common is.
        let error = || answered("burst", 500, "", 1);
        let e = sample::record(vec![case("trio.x", Verdict::Pass, vec![error(), error()])]);
        let d = compare(&a, &e);
        assert_eq!(d.differences.len(), 1, "{:#?}", d.differences);
        assert_eq!(d.differences[0].kind, Kind::HttpStatus);
        assert_eq!(d.differences[0].a, "HTTP 200, Status \"2000\" / HTTP 403");
        assert_eq!(d.differences[0].b, "HTTP 500");
    }

    #[test]
    fn setup_and_cleanup_requests_are_not_compared() {
        let a = sample::record(vec![case("trio.x", Verdict::Pass, vec![answered("setup: no-call", 200, "{}", 1)])]);
        let b = sample::record(vec![case("trio.x", Verdict::Pass, vec![answered("setup: no-call", 500, "{}", 900)])]);
        assert!(compare(&a, &b).is_equal());
    }

    #[test]
    fn a_step_answered_on_one_side_only_is_an_outcome_difference() {
        let a = sample::record(vec![case("trio.x", Verdict::Pass, vec![answered("request", 200, "{}", 1)])]);
        let mut reset = answered("request", 200, "{}", 1);
        reset.outcome = Outcome::Reset { detail: "127.0.0.1:80".into() };
        let b = sample::record(vec![case("trio.x", Verdict::Pass, vec![reset])]);
        let d = compare(&a, &b);
        assert_eq!(d.differences.len(), 1);
        assert_eq!(
            (d.differences[0].kind, d.differences[0].b.as_str()),
            (Kind::Outcome, "connection reset or refused")
        );
    }
}
