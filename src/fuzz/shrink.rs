//! Shrinking a failing request to a minimal one that fails the same way.
//!
//! The shrinker works on the *concrete* request, not on generator choices: a saved
//! reproducer stays meaningful when the strategies change (proptest's own seeds do not,
//! anchors.md 8.6), and a request found by any operator shrinks the same way. It is a
//! greedy loop: list smaller variants, biggest cut first, keep the first one that still
//! breaks the same oracle, start again; stop when none does or the budget is spent.
//!
//! Variants: drop the query or one parameter, drop a header, drop the body; for a JSON
//! body drop members and elements, empty containers, hoist a nested value up by half the
//! chain (so 60 levels reach 17 in a handful of steps), cut strings to 0, 1/2, 3/4, 7/8...
//! of their length (a bisection when the length is what matters, as for a hang on long
//! strings where every reproducing attempt costs a whole timeout); for a body that is
//! not JSON drop byte ranges of halving size.

use super::case::parse_strict;
use super::mutate::{get, get_mut};
use super::request_schema::PathStep;
use crate::device::WireRequest;
use serde_json::{Map, Value};
use std::time::{Duration, Instant};

/// Limits of one shrink.
#[derive(Debug, Clone, Copy)]
pub struct ShrinkBudget {
    pub max_attempts: usize,
    pub max_time: Duration,
}

impl Default for ShrinkBudget {
    fn default() -> Self {
        ShrinkBudget { max_attempts: 400, max_time: Duration::from_secs(60) }
    }
}

/// What the shrinker tries a candidate against.
pub trait Probe {
    /// Whether `request` still breaks the same oracle.
    fn reproduces(&mut self, request: &WireRequest) -> impl std::future::Future<Output = bool>;
}

/// The result of a shrink.
#[derive(Debug, Clone)]
pub struct Shrunk {
    pub minimal: WireRequest,
    /// Candidates sent.
    pub attempts: usize,
    /// Candidates that reproduced (each one a step down).
    pub steps: usize,
    /// The budget ran out before a fixed point.
    pub exhausted: bool,
}

/// The size that shrinking decreases: what a reader has to look at.
pub fn request_size(r: &WireRequest) -> usize {
    r.method.len() + r.path.len() + r.headers.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>() + r.body.as_ref().map_or(0, |b| b.len())
}

/// Shrink `original`, which is known to reproduce.
pub async fn shrink(original: &WireRequest, probe: &mut impl Probe, budget: ShrinkBudget) -> Shrunk {
    let started = Instant::now();
    let mut current = original.clone();
    let mut attempts = 0;
    let mut steps = 0;
    let mut exhausted = false;
    'rounds: loop {
        let size = request_size(&current);
        for candidate in candidates(&current) {
            if request_size(&candidate) >= size {
                continue;
            }
            if attempts >= budget.max_attempts || started.elapsed() >= budget.max_time {
                exhausted = true;
                break 'rounds;
            }
            attempts += 1;
            if probe.reproduces(&candidate).await {
                current = candidate;
                steps += 1;
                continue 'rounds;
            }
        }
        break;
    }
    Shrunk { minimal: current, attempts, steps, exhausted }
}

/// Smaller variants of `r`, biggest cuts first within each kind.
pub fn candidates(r: &WireRequest) -> Vec<WireRequest> {
    let mut out = Vec::new();
    if let Some((path, query)) = r.path.split_once('?') {
        out.push(WireRequest { path: path.to_string(), ..r.clone() });
        let params: Vec<&str> = query.split('&').collect();
        for i in 0..params.len() {
            let rest: Vec<&str> = params.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, p)| *p).collect();
            let path = if rest.is_empty() { path.to_string() } else { format!("{path}?{}", rest.join("&")) };
            out.push(WireRequest { path, ..r.clone() });
        }
    }
    for i in 0..r.headers.len() {
        let mut c = r.clone();
        c.headers.remove(i);
        out.push(c);
    }
    let Some(body) = r.body.as_ref() else { return out };
    out.push(WireRequest { body: None, ..r.clone() });
    match parse_strict(body) {
        Ok(value) => {
            let compact = serde_json::to_vec(&value).unwrap_or_default();
            if compact.len() < body.len() {
                out.push(WireRequest { body: Some(compact.into()), ..r.clone() });
            }
            for v in value_candidates(&value) {
                out.push(WireRequest { body: Some(serde_json::to_vec(&v).unwrap_or_default().into()), ..r.clone() });
            }
        }
        Err(_) => {
            for b in byte_candidates(body) {
                out.push(WireRequest { body: Some(b.into()), ..r.clone() });
            }
        }
    }
    out
}

/// Smaller JSON documents than `root`, outermost changes first.
fn value_candidates(root: &Value) -> Vec<Value> {
    let mut paths = Vec::new();
    walk(root, &mut Vec::new(), &mut paths);
    // Outer nodes first: removing a whole member beats trimming inside it.
    paths.sort_by_key(Vec::len);
    let mut out = Vec::new();
    for path in &paths {
        let Some(node) = get(root, path) else { continue };
        let mut with = |replacement: Value| {
            let mut v = root.clone();
            if let Some(slot) = get_mut(&mut v, path) {
                *slot = replacement;
                out.push(v);
            }
        };
        match node {
            Value::Object(map) if !map.is_empty() => {
                with(Value::Object(Map::new()));
                // Same nesting, fewer bytes: `{"a":X}` becomes `[X]`.
                with(Value::Array(map.values().cloned().collect()));
                for key in map.keys() {
                    let mut smaller = map.clone();
                    smaller.shift_remove(key);
                    with(Value::Object(smaller));
                }
            }
            Value::Array(items) if !items.is_empty() => {
                with(Value::Array(Vec::new()));
                if items.len() > 1 {
                    let half = items.len() / 2;
                    with(Value::Array(items[half..].to_vec()));
                    with(Value::Array(items[..half].to_vec()));
                }
                for i in 0..items.len() {
                    let mut smaller = items.clone();
                    smaller.remove(i);
                    with(Value::Array(smaller));
                }
            }
            Value::String(s) if !s.is_empty() => {
                let chars: Vec<char> = s.chars().collect();
                for keep in cut_lengths(chars.len()) {
                    with(Value::String(chars[..keep].iter().collect()));
                }
            }
            _ => {}
        }
        // Hoisting: replace a container by a descendant on its deepest chain, jumping
        // half the remaining depth first.
        let chain = deepest_chain(node);
        let mut jump = chain.len() / 2;
        while jump >= 1 {
            if let Some(desc) = get(node, &chain[..jump]) {
                with(desc.clone());
            }
            if jump == 1 {
                break;
            }
            jump /= 2;
        }
    }
    out
}

/// Lengths to cut a string of `len` characters to: 0, len/2, 3len/4, 7len/8, ... len-1.
fn cut_lengths(len: usize) -> Vec<usize> {
    let mut out = vec![0];
    let mut cut = len / 2;
    while cut >= 1 {
        out.push(len - cut);
        cut /= 2;
    }
    out.dedup();
    out.retain(|&k| k < len);
    out
}

fn walk(v: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(path.clone());
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                path.push(PathStep::Key(k.clone()));
                walk(child, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                walk(child, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// The path to the deepest descendant (the nesting a depth guard counts).
fn deepest_chain(v: &Value) -> Vec<PathStep> {
    let children: Vec<(PathStep, &Value)> = match v {
        Value::Object(map) => map.iter().map(|(k, c)| (PathStep::Key(k.clone()), c)).collect(),
        Value::Array(items) => items.iter().enumerate().map(|(i, c)| (PathStep::Index(i), c)).collect(),
        _ => return Vec::new(),
    };
    children
        .into_iter()
        .map(|(step, c)| {
            let mut chain = vec![step];
            chain.extend(deepest_chain(c));
            chain
        })
        .max_by_key(Vec::len)
        .unwrap_or_default()
}

/// Byte ranges removed, halves first, down to single bytes.
fn byte_candidates(body: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut chunk = body.len() / 2;
    while chunk >= 1 {
        let mut start = 0;
        while start < body.len() {
            let end = (start + chunk).min(body.len());
            let mut b = body[..start].to_vec();
            b.extend_from_slice(&body[end..]);
            if !b.is_empty() {
                out.push(b);
            }
            start += chunk;
        }
        if chunk == 1 {
            break;
        }
        chunk /= 2;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::mutate::depth_of;

    /// A phone model for the tests: the predicate stands for "still fails".
    struct Model<F: FnMut(&WireRequest) -> bool>(F, usize);

    impl<F: FnMut(&WireRequest) -> bool> Probe for Model<F> {
        async fn reproduces(&mut self, request: &WireRequest) -> bool {
            self.1 += 1;
            (self.0)(request)
        }
    }

    fn post(body: &str) -> WireRequest {
        WireRequest {
            method: "POST".into(),
            path: "/api/v1/mgmt/config/get".into(),
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: Some(body.as_bytes().to_vec().into()),
            auth: crate::spec::case::AuthMode::Valid,
        }
    }

    fn json_of(r: &WireRequest) -> Option<Value> {
        r.body.as_deref().and_then(|b| serde_json::from_slice(b).ok())
    }

    fn block<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(f)
    }

    #[test]
    fn deep_nesting_shrinks_to_the_threshold_and_drops_the_rest() {
        let mut v = Value::from("x");
        for _ in 0..60 {
            v = Value::Array(vec![v]);
        }
        let body = serde_json::json!({"data": v, "other": ["a", "b"], "z": {"k": "long text here"}}).to_string();
        let crashes = |r: &WireRequest| json_of(r).is_some_and(|j| depth_of(&j) > 16);
        let mut model = Model(crashes, 0);
        let out = block(shrink(&post(&body), &mut model, ShrinkBudget::default()));
        let minimal = json_of(&out.minimal).unwrap();
        assert_eq!(depth_of(&minimal), 17, "{minimal}");
        assert!(out.minimal.headers.is_empty(), "the header did not matter");
        assert!(request_size(&out.minimal) < request_size(&post(&body)));
        assert!(!out.exhausted);
    }

    #[test]
    fn long_strings_bisect_to_the_first_failing_length_in_few_reproductions() {
        let body = serde_json::json!({"data": ["a", "x".repeat(5000)]}).to_string();
        let hangs = |r: &WireRequest| json_of(r).is_some_and(|j| j["data"].as_array().is_some_and(|a| a.iter().any(|s| s.as_str().is_some_and(|s| s.len() > 512))));
        let mut model = Model(hangs, 0);
        let out = block(shrink(&post(&body), &mut model, ShrinkBudget::default()));
        let minimal = json_of(&out.minimal).unwrap();
        assert_eq!(minimal, serde_json::json!({"data": ["x".repeat(513)]}));
        // Each reproduction of a hang costs a timeout: the bisection keeps them few.
        assert!(out.steps <= 25, "{} steps", out.steps);
    }

    #[test]
    fn bodies_that_are_not_json_shrink_byte_by_byte() {
        let mut r = post("{\"data\":[\"abc\"]}");
        let mut b = r.body.take().unwrap().to_vec();
        b.insert(11, 0xff);
        r.body = Some(b.into());
        let resets = |r: &WireRequest| r.body.as_ref().is_some_and(|b| std::str::from_utf8(b).is_err());
        let mut model = Model(resets, 0);
        let out = block(shrink(&r, &mut model, ShrinkBudget::default()));
        assert_eq!(out.minimal.body, Some(vec![0xff].into()));
    }

    #[test]
    fn the_budget_stops_the_shrink_and_keeps_the_best_so_far() {
        let body = serde_json::json!({"data": ["x".repeat(5000)]}).to_string();
        let mut model = Model(|r: &WireRequest| r.body.as_ref().is_some_and(|b| b.len() > 600), 0);
        let out = block(shrink(&post(&body), &mut model, ShrinkBudget { max_attempts: 3, max_time: Duration::from_secs(60) }));
        assert!(out.exhausted);
        assert_eq!(out.attempts, 3);
        assert!(request_size(&out.minimal) <= request_size(&post(&body)));
    }

    #[test]
    fn query_parameters_are_dropped_one_by_one() {
        let r = WireRequest::get("/api/v2/webCallControl/callStatus?line=1&handle=zz&sequence=1");
        let mut model = Model(|r: &WireRequest| r.path.contains("handle=zz"), 0);
        let out = block(shrink(&r, &mut model, ShrinkBudget::default()));
        assert_eq!(out.minimal.path, "/api/v2/webCallControl/callStatus?handle=zz");
    }
}
