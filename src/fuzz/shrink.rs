//! Shrinking a failing request to a minimal one that fails the same way.
//!
//! The shrinker works on the *concrete* request, not on generator choices: a saved
//! reproducer stays meaningful when the strategies change (proptest's own seeds do not,
//! anchors.md 8.6), and a request found by any operator shrinks the same way. It is a
//! greedy loop over three tiers of variants: keep the first variant that still breaks the
//! same oracle and start again (within a tier, from where the last success was, wrapping
//! round, so a long list is not re-tried from its head after every step); a tier is
//! tried only when every variant of the tiers before it fails; stop when none does or
//! the budget is spent.
//!
//! 1. **Structure**: drop the query or one parameter, drop a header, drop the body; for a
//!    JSON body drop members and elements, empty containers, turn `{"a":X}` into `[X]`,
//!    hoist a nested value up by half the chain (so 60 levels reach 17 in a handful of
//!    steps), cut strings to 0, 1/2, 3/4, 7/8... of their length (a bisection when the
//!    length is what matters, as for a hang on long strings where every reproducing
//!    attempt costs a whole timeout); for a body that is not JSON drop byte ranges of
//!    halving size.
//! 2. **Bytes of a JSON body**: cut it short (1/2, 3/4... of its bytes). A phone that
//!    counts brackets before it parses fails on `[[[[` as well as on `[[[[]]]]`.
//! 3. **Canonical forms**, which change no size or lower it: a JSON `Content-Type` becomes
//!    `application/json`, JSON strings become `0`s of the same length and numbers `0`, the
//!    bytes of a body that is not JSON are lowered to `\0`, `0`, `[` or `\x80`.
//!
//! Every accepted variant is simpler than the request it replaces (fewer bytes, or as
//! many and lower in byte order), so the loop ends. The canonical tier is what makes two
//! failures of one defect, shrunk from different requests or on different endpoints,
//! end on the *same* minimal request: the campaign groups findings by that alone
//! (`group.rs`).

use super::case::{is_json_content_type, parse_strict};
use super::mutate::{get, get_mut};
use super::request_schema::PathStep;
use crate::device::WireRequest;
use serde_json::{Map, Value};
use std::collections::HashSet;
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
    r.method.len()
        + r.path.len()
        + r.headers.iter().map(|(k, v)| k.len() + v.len()).sum::<usize>()
        + r.body.as_ref().map_or(0, |b| b.len())
}

/// The order shrinking descends: size first, then JSON content types that are not the
/// canonical `application/json`, then the bytes of the request.
fn order_key(r: &WireRequest) -> (usize, usize, Vec<u8>) {
    let odd_types = r
        .headers
        .iter()
        .filter(|(k, v)| k.eq_ignore_ascii_case("content-type") && is_json_content_type(v) && v != CANONICAL_JSON)
        .count();
    let mut bytes = Vec::with_capacity(request_size(r) + 8);
    bytes.extend_from_slice(r.method.as_bytes());
    bytes.push(0);
    bytes.extend_from_slice(r.path.as_bytes());
    for (k, v) in &r.headers {
        bytes.push(0);
        bytes.extend_from_slice(k.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(v.as_bytes());
    }
    bytes.push(0);
    bytes.extend_from_slice(r.body.as_deref().unwrap_or_default());
    (request_size(r), odd_types, bytes)
}

/// The JSON content type the harness sends.
const CANONICAL_JSON: &str = "application/json";

/// Shrink `original`, which is known to reproduce.
pub async fn shrink(original: &WireRequest, probe: &mut impl Probe, budget: ShrinkBudget) -> Shrunk {
    let started = Instant::now();
    let mut current = original.clone();
    let mut attempts = 0;
    let mut steps = 0;
    let mut exhausted = false;
    let mut resume = [0usize; TIERS];
    // Requests that did not reproduce: the same bytes are not sent twice (the same run of
    // brackets is what removing any one of them gives).
    let mut failed: HashSet<Vec<u8>> = HashSet::new();
    'rounds: loop {
        let key = order_key(&current);
        for (tier, list) in candidate_tiers(&current).into_iter().enumerate() {
            let n = list.len();
            for k in 0..n {
                let at = (resume[tier] + k) % n;
                let candidate = &list[at];
                let candidate_key = order_key(candidate);
                if candidate_key >= key || failed.contains(&candidate_key.2) {
                    continue;
                }
                if attempts >= budget.max_attempts || started.elapsed() >= budget.max_time {
                    exhausted = true;
                    break 'rounds;
                }
                attempts += 1;
                if probe.reproduces(candidate).await {
                    current = candidate.clone();
                    steps += 1;
                    resume[tier] = at;
                    continue 'rounds;
                }
                failed.insert(candidate_key.2);
            }
        }
        break;
    }
    Shrunk { minimal: current, attempts, steps, exhausted }
}

/// Number of candidate tiers (module doc).
const TIERS: usize = 3;

/// Smaller variants of `r`, biggest cuts first within each kind (all tiers together).
pub fn candidates(r: &WireRequest) -> Vec<WireRequest> {
    candidate_tiers(r).into_iter().flatten().collect()
}

/// The variants of `r`, by tier (module doc).
fn candidate_tiers(r: &WireRequest) -> [Vec<WireRequest>; TIERS] {
    let mut structure = Vec::new();
    let mut bytes = Vec::new();
    let mut canonical = Vec::new();
    if let Some((path, query)) = r.path.split_once('?') {
        structure.push(WireRequest { path: path.to_string(), ..r.clone() });
        let params: Vec<&str> = query.split('&').collect();
        for i in 0..params.len() {
            let rest: Vec<&str> = params.iter().enumerate().filter(|(j, _)| *j != i).map(|(_, p)| *p).collect();
            let path = if rest.is_empty() { path.to_string() } else { format!("{path}?{}", rest.join("&")) };
            structure.push(WireRequest { path, ..r.clone() });
        }
    }
    for i in 0..r.headers.len() {
        let mut c = r.clone();
        c.headers.remove(i);
        structure.push(c);
        let (k, v) = &r.headers[i];
        if k.eq_ignore_ascii_case("content-type") && is_json_content_type(v) && v != CANONICAL_JSON {
            let mut c = r.clone();
            c.headers[i].1 = CANONICAL_JSON.into();
            canonical.push(c);
        }
    }
    let with_body = |b: Vec<u8>| WireRequest { body: Some(b.into()), ..r.clone() };
    if let Some(body) = r.body.as_ref() {
        structure.push(WireRequest { body: None, ..r.clone() });
        match parse_strict(body) {
            Ok(value) => {
                let compact = serde_json::to_vec(&value).unwrap_or_default();
                if compact.len() < body.len() {
                    structure.push(with_body(compact));
                }
                for v in value_candidates(&value) {
                    structure.push(with_body(serde_json::to_vec(&v).unwrap_or_default()));
                }
                for keep in cut_lengths(body.len()).into_iter().filter(|&k| k > 0) {
                    bytes.push(with_body(body[..keep].to_vec()));
                }
                for v in canonical_values(&value) {
                    canonical.push(with_body(serde_json::to_vec(&v).unwrap_or_default()));
                }
            }
            Err(_) => {
                for b in byte_candidates(body) {
                    structure.push(with_body(b));
                }
                for b in lowered_bytes(body) {
                    canonical.push(with_body(b));
                }
            }
        }
    }
    [structure, bytes, canonical]
}

/// The same document with one string made of `0`s (as many characters) or one number
/// made `0`: what the defect did not need is written the same way everywhere.
fn canonical_values(root: &Value) -> Vec<Value> {
    let mut paths = Vec::new();
    walk(root, &mut Vec::new(), &mut paths);
    let mut out = Vec::new();
    for path in &paths {
        let replacement = match get(root, path) {
            Some(Value::String(s)) if s.chars().any(|c| c != '0') => Value::String("0".repeat(s.chars().count())),
            Some(Value::Number(n)) if n.as_u64() != Some(0) => Value::from(0),
            _ => continue,
        };
        let mut v = root.clone();
        if let Some(slot) = get_mut(&mut v, path) {
            *slot = replacement;
            out.push(v);
        }
    }
    out
}

/// Bytes lowered to the few canonical values a body that is not JSON is written with:
/// every occurrence of one byte value at once, then one position at a time.
fn lowered_bytes(body: &[u8]) -> Vec<Vec<u8>> {
    const CANON: [u8; 4] = [0x00, b'0', b'[', 0x80];
    let mut out = Vec::new();
    let mut values: Vec<u8> = body.to_vec();
    values.sort_unstable();
    values.dedup();
    for &from in &values {
        for &to in CANON.iter().filter(|&&to| to < from) {
            out.push(body.iter().map(|&b| if b == from { to } else { b }).collect());
        }
    }
    for (i, &from) in body.iter().enumerate() {
        for &to in CANON.iter().filter(|&&to| to < from) {
            let mut b = body.to_vec();
            b[i] = to;
            out.push(b);
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
        let Some(node) = get(root, path) else {
            continue;
        };
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
        // half the remaining depth first. Not from the middle of a chain of only children:
        // hoisting from its top removes as many levels, and a chain at the threshold would
        // otherwise cost a failing attempt per level and jump in every pass.
        if let Some((_, parent)) = path.split_last()
            && get(root, parent).is_some_and(|p| match p {
                Value::Object(m) => m.len() == 1,
                Value::Array(a) => a.len() == 1,
                _ => false,
            })
            && !parent.is_empty()
        {
            continue;
        }
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

/// Every occurrence of one byte value removed (the quotes of `{"a":{"a":...` go in one
/// step, where removing one alone would open a string), then byte ranges removed,
/// halves first, down to single bytes.
fn byte_candidates(body: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut values: Vec<u8> = body.to_vec();
    values.sort_unstable();
    values.dedup();
    if values.len() > 1 {
        for &v in &values {
            out.push(body.iter().copied().filter(|&b| b != v).collect());
        }
    }
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
            auth: crate::catalogue::case::AuthMode::Valid,
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
        let hangs = |r: &WireRequest| {
            json_of(r).is_some_and(|j| {
                j["data"].as_array().is_some_and(|a| a.iter().any(|s| s.as_str().is_some_and(|s| s.len() > 512)))
            })
        };
        let mut model = Model(hangs, 0);
        let out = block(shrink(&post(&body), &mut model, ShrinkBudget::default()));
        let minimal = json_of(&out.minimal).unwrap();
        assert_eq!(minimal, serde_json::json!({"data": ["0".repeat(513)]}), "cut to the length, then written in 0s");
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
        assert_eq!(
            out.minimal.body,
            Some(vec![0x80].into()),
            "the one byte that matters, lowered to the canonical stray byte"
        );
    }

    /// Deepest `[`/`{` nesting of the bytes, outside strings: a parser that counts
    /// brackets before it parses, as the emulator's fault does.
    fn bracket_depth(bytes: &[u8]) -> usize {
        let (mut depth, mut max, mut in_string) = (0usize, 0usize, false);
        for &b in bytes {
            match b {
                b'"' => in_string = !in_string,
                b'[' | b'{' if !in_string => {
                    depth += 1;
                    max = max.max(depth);
                }
                b']' | b'}' if !in_string => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        max
    }

    #[test]
    fn one_defect_reached_from_different_requests_shrinks_to_one_minimal_request() {
        let nest = |arrays: bool, depth: usize, leaf: Value| {
            let mut v = leaf;
            for _ in 0..depth {
                v = if arrays { Value::Array(vec![v]) } else { serde_json::json!({"polyconform": v}) };
            }
            v
        };
        let mut get = WireRequest::get("/api/v1/mgmt/device/info");
        get.body =
            Some(serde_json::to_vec(&serde_json::json!({"data": nest(false, 40, "abc".into())})).unwrap().into());
        let mut truncated = post(&serde_json::json!({"data": [1, nest(true, 30, 5.into()), "x"]}).to_string());
        let cut = truncated.body.as_ref().unwrap().len() - 9;
        truncated.body = Some(truncated.body.unwrap()[..cut].to_vec().into());
        let mut object_run = post("");
        object_run.headers[0].1 = "application/JSON; charset=utf-8".into();
        object_run.body = Some(format!("{}\"x\"", "{\"a\":".repeat(20)).into_bytes().into());
        let crash = |r: &WireRequest| r.body.as_deref().is_some_and(|b| bracket_depth(b) > 16);
        let minimal: Vec<WireRequest> = [get, truncated, object_run]
            .iter()
            .map(|r| block(shrink(r, &mut Model(crash, 0), ShrinkBudget::default())))
            .inspect(|out| assert!(out.attempts <= 150, "{} attempts", out.attempts))
            .map(|out| out.minimal)
            .collect();
        for m in &minimal {
            assert_eq!(m.body.as_deref(), Some("[".repeat(17).as_bytes()), "{m:?}");
        }
        assert_eq!(minimal[1].headers, minimal[2].headers, "the JSON content type is written one way");

        // Stray bytes: whichever byte a request carried, the minimal one is the same.
        for stray in [vec![0xff, 0xfe, b'{', 0], vec![b'{', 0xc3, 0x28, b'}'], vec![b'x', 0xaf]] {
            let mut r = post("");
            r.body = Some(stray.into());
            let out = block(shrink(
                &r,
                &mut Model(|r: &WireRequest| r.body.as_deref().is_some_and(|b| std::str::from_utf8(b).is_err()), 0),
                ShrinkBudget::default(),
            ));
            assert_eq!(out.minimal.body.as_deref(), Some(&[0x80][..]));
        }
    }

    #[test]
    fn the_budget_stops_the_shrink_and_keeps_the_best_so_far() {
        let body = serde_json::json!({"data": ["x".repeat(5000)]}).to_string();
        let mut model = Model(|r: &WireRequest| r.body.as_ref().is_some_and(|b| b.len() > 600), 0);
        let out = block(shrink(
            &post(&body),
            &mut model,
            ShrinkBudget { max_attempts: 3, max_time: Duration::from_secs(60) },
        ));
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
