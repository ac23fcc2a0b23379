//! The deterministic stream of generated requests.
//!
//! A [`Generator`] owns a proptest [`TestRunner`] seeded with ChaCha from `--seed`, so the
//! same seed and the same catalogue give the same sequence of requests, whatever the
//! phone answers: nothing about the device feeds back into generation (the campaign may
//! *skip* a case, never change it). Each case picks an endpoint (those with a request
//! body weigh more: that is where parsers live), builds a schema-valid instance with
//! the endpoint's strategy, then applies one layer of [`super::mutate`] operators.

use super::case::FuzzCase;
use super::mutate::{self, EncodingOp, ProtocolOp, ValueOp, weighted};
use super::request_schema::SchemaDocs;
use super::strategy::{self, arb_instance};
use crate::catalogue::case::AuthMode;
use crate::catalogue::profile::{Endpoint, Input, Limits, Method};
use crate::device::WireRequest;
use proptest::prelude::Rng;
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::Value;

/// Weight of an endpoint that takes a body against one that does not.
const BODY_ENDPOINT_WEIGHT: u32 = 4;

/// One endpoint ready for generation.
struct FuzzTarget {
    endpoint: Endpoint,
    /// Valid bodies, when the endpoint takes input and its schema describes it.
    body: Option<BoxedStrategy<Value>>,
    weight: u32,
}

/// Which layer of operators a case gets.
#[derive(Debug, Clone, Copy)]
enum Layer {
    Valid,
    Value,
    Encoding,
    Protocol,
}

/// The generator of one campaign.
pub struct Generator {
    targets: Vec<FuzzTarget>,
    docs: SchemaDocs,
    limits: Limits,
    runner: TestRunner,
    next_index: u64,
}

impl Generator {
    /// `endpoints` are the ones the campaign may call (safety and `--endpoint` applied).
    pub fn new(docs: SchemaDocs, limits: Limits, endpoints: &[Endpoint], seed: u64) -> Generator {
        let targets = endpoints
            .iter()
            .map(|ep| {
                let body = (ep.input != Input::None && ep.method == Method::POST)
                    .then(|| docs.def(&ep.schema, "request").map(|root| arb_instance(&docs, root)))
                    .flatten();
                let weight = if ep.input != Input::None { BODY_ENDPOINT_WEIGHT } else { 1 };
                FuzzTarget { endpoint: ep.clone(), body, weight }
            })
            .collect();
        let config = Config { failure_persistence: None, ..Config::default() };
        let runner = TestRunner::new_with_rng(config, TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(seed)));
        Generator { targets, docs, limits, runner, next_index: 0 }
    }

    /// Whether there is anything to fuzz.
    pub fn is_empty(&self) -> bool {
        self.targets.is_empty()
    }

    /// The next case of the sequence.
    pub fn next_case(&mut self) -> FuzzCase {
        let index = self.next_index;
        self.next_index += 1;
        let weights: Vec<(usize, u32)> = self.targets.iter().enumerate().map(|(i, t)| (i, t.weight)).collect();
        let which = weighted(self.runner.rng(), &weights);
        let endpoint = self.targets[which].endpoint.clone();
        let (request, mutations) = if endpoint.method == Method::POST && endpoint.input != Input::None {
            self.body_case(which)
        } else {
            self.bodiless_case(&endpoint)
        };
        FuzzCase { index, endpoint: endpoint.id, mutations, request }
    }

    /// A POST endpoint with input: value, encoding or protocol mutations of a valid body.
    fn body_case(&mut self, which: usize) -> (WireRequest, Vec<String>) {
        let target = &self.targets[which];
        let endpoint = target.endpoint.clone();
        let mut value = match &target.body {
            Some(strategy) => strategy.new_tree(&mut self.runner).map(|t| t.current()).unwrap_or(Value::Null),
            // No schema for the body: the manual's envelope with one harmless member.
            None => {
                serde_json::json!({ "data": { mutate::harmless_param(&mut self.runner): "1" } })
            }
        };
        let layer = weighted(
            self.runner.rng(),
            &[(Layer::Valid, 15), (Layer::Value, 50), (Layer::Encoding, 15), (Layer::Protocol, 20)],
        );
        let root = self.docs.def(&endpoint.schema, "request");
        let mut mutations = Vec::new();
        if matches!(layer, Layer::Value) {
            let stack = weighted(self.runner.rng(), &[(1usize, 5), (2, 3), (3, 2)]);
            for _ in 0..stack {
                // An operator with nothing to act on (no enum, no string) gives way to another.
                for _attempt in 0..4 {
                    let op = weighted(self.runner.rng(), &ValueOp::ALL);
                    if let Some(done) = mutate::apply_value_op(op, &mut value, &self.docs, root, &mut self.runner) {
                        mutations.push(done);
                        break;
                    }
                }
            }
        }
        let mut body = serde_json::to_vec(&value).unwrap_or_default();
        let encode =
            matches!(layer, Layer::Encoding) || (matches!(layer, Layer::Value) && self.runner.rng().random_bool(0.15));
        if encode {
            let op = weighted(self.runner.rng(), &EncodingOp::ALL);
            if let Some(done) = mutate::apply_encoding_op(op, &value, &mut body, self.runner.rng()) {
                mutations.push(done);
            }
        }
        let mut request = post(&endpoint.path, body);
        if matches!(layer, Layer::Protocol) {
            let op = weighted(
                self.runner.rng(),
                &[
                    (ProtocolOp::ContentType, 5),
                    (ProtocolOp::BodySize, 3),
                    (ProtocolOp::Method, 2),
                    (ProtocolOp::NoBody, 2),
                    (ProtocolOp::Query, 1),
                ],
            );
            mutations.push(self.protocol(op, &endpoint, &mut request));
        }
        (request, mutations)
    }

    /// GET endpoints (and POST endpoints without input): query, method, stray bodies.
    fn bodiless_case(&mut self, endpoint: &Endpoint) -> (WireRequest, Vec<String>) {
        let mut request = match endpoint.method {
            Method::GET => WireRequest::get(&endpoint.path),
            Method::POST => post(&endpoint.path, Vec::new()),
        };
        if endpoint.method == Method::POST {
            request.body = None;
        }
        let documented_query = !endpoint.query.is_empty();
        let choices: &[(Option<ProtocolOp>, u32)] = if documented_query {
            &[
                (None, 20),
                (Some(ProtocolOp::Query), 50),
                (Some(ProtocolOp::Method), 15),
                (Some(ProtocolOp::BodyOnGet), 15),
            ]
        } else {
            &[
                (None, 40),
                (Some(ProtocolOp::Query), 10),
                (Some(ProtocolOp::Method), 30),
                (Some(ProtocolOp::BodyOnGet), 20),
            ]
        };
        let mut mutations = Vec::new();
        if let Some(op) = weighted(self.runner.rng(), choices) {
            mutations.push(self.protocol(op, endpoint, &mut request));
        }
        (request, mutations)
    }

    fn protocol(&mut self, op: ProtocolOp, endpoint: &Endpoint, request: &mut WireRequest) -> String {
        if op == ProtocolOp::BodyOnGet {
            let (body, what) = self.stray_body();
            request.body = Some(body.into());
            if !request.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case("content-type")) {
                request.headers.push(("Content-Type".into(), "application/json".into()));
            }
            return format!("{}: {}", op.name(), what.join(", "));
        }
        let rng = self.runner.rng();
        let detail = match op {
            ProtocolOp::ContentType => {
                let ct = mutate::CONTENT_TYPES[rng.random_range(0..mutate::CONTENT_TYPES.len())];
                request.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
                if ct.is_empty() {
                    "no Content-Type header".to_string()
                } else {
                    request.headers.push(("Content-Type".into(), ct.into()));
                    format!("Content-Type {ct:?}")
                }
            }
            ProtocolOp::BodySize => {
                let sizes = mutate::body_sizes(&self.limits);
                let size = sizes[rng.random_range(0..sizes.len())];
                let body = request.body.take().unwrap_or_else(|| bytes::Bytes::from_static(b"{}"));
                request.body = Some(mutate::pad_to(&body, size).into());
                format!("body padded to {size} bytes")
            }
            ProtocolOp::Method => {
                let methods = mutate::other_methods(endpoint.method);
                let m = methods[rng.random_range(0..methods.len())];
                request.method = m.to_string();
                if matches!(m, "GET" | "HEAD" | "OPTIONS") {
                    request.body = None;
                    request.headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
                }
                format!("method {m}")
            }
            ProtocolOp::Query => {
                let q = mutate::arb_query(endpoint, rng);
                request.path = format!("{}?{q}", endpoint.path);
                format!("?{q}")
            }
            ProtocolOp::NoBody => {
                request.body = None;
                "no body".to_string()
            }
            ProtocolOp::BodyOnGet => unreachable!("handled above"),
        };
        format!("{}: {detail}", op.name())
    }

    /// A body where the endpoint takes none: the manual's envelope with one harmless
    /// member, put through the value and encoding operators like any body. A phone may
    /// parse whatever arrives, so a GET carries the same hostile shapes as a POST.
    fn stray_body(&mut self) -> (Vec<u8>, Vec<String>) {
        let name = mutate::harmless_param(&mut self.runner);
        let text = strategy::arb_text(1, 12).new_tree(&mut self.runner).map(|t| t.current()).unwrap_or_default();
        let mut value = serde_json::json!({ "data": { name: text } });
        let mut what = Vec::new();
        let stack = weighted(self.runner.rng(), &[(1usize, 5), (2, 3), (3, 2)]);
        for _ in 0..stack {
            let op = weighted(self.runner.rng(), &ValueOp::ALL);
            if let Some(done) = mutate::apply_value_op(op, &mut value, &self.docs, None, &mut self.runner) {
                what.push(done);
            }
        }
        let mut body = serde_json::to_vec(&value).unwrap_or_default();
        if self.runner.rng().random_bool(0.3) {
            let op = weighted(self.runner.rng(), &EncodingOp::ALL);
            if let Some(done) = mutate::apply_encoding_op(op, &value, &mut body, self.runner.rng()) {
                what.push(done);
            }
        }
        if what.is_empty() {
            what.push("envelope".into());
        }
        (body, what)
    }
}

fn post(path: &str, body: Vec<u8>) -> WireRequest {
    WireRequest {
        method: "POST".into(),
        path: path.into(),
        headers: vec![("Content-Type".into(), "application/json".into())],
        body: Some(body.into()),
        auth: AuthMode::Valid,
    }
}

/// 32 bytes of ChaCha seed from a 64-bit `--seed` (splitmix64, so nearby seeds differ).
fn seed_bytes(seed: u64) -> [u8; 32] {
    let mut out = [0u8; 32];
    let mut state = seed;
    for chunk in out.chunks_mut(8) {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        chunk.copy_from_slice(&z.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::catalogue::Safety;

    fn generator(profile: &str, seed: u64) -> Generator {
        let catalogue = Catalogue::embedded().expect("the built-in catalogue loads");
        let p = catalogue.profile(profile).unwrap().clone();
        let endpoints: Vec<Endpoint> = p
            .endpoints
            .iter()
            .filter(|e| !e.safety.needs_opt_in() && e.safety != Safety::Destructive)
            .cloned()
            .collect();
        Generator::new(SchemaDocs::from_set(&catalogue.schemas), p.limits.clone(), &endpoints, seed)
    }

    #[test]
    fn every_profile_generates_thousands_of_cases_without_panicking() {
        for profile in ["trio-5.9.1", "vvx-5.9.0"] {
            for seed in 0..4 {
                let mut g = generator(profile, seed);
                for _ in 0..1500 {
                    let case = g.next_case();
                    assert!(case.request.path.starts_with("/api/"), "{case:?}");
                    assert!(!case.request.method.is_empty());
                }
            }
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_sequence_and_another_seed_does_not() {
        let take = |seed| {
            let mut g = generator("trio-5.9.1", seed);
            (0..300).map(|_| g.next_case()).collect::<Vec<_>>()
        };
        assert_eq!(take(42), take(42));
        assert_ne!(take(42), take(43));
    }

    #[test]
    fn every_operator_layer_shows_up() {
        let mut g = generator("trio-5.9.1", 9);
        let names: std::collections::BTreeSet<String> = (0..3000)
            .flat_map(|_| g.next_case().mutations)
            .map(|m| m.split(':').next().unwrap_or("").to_string())
            .collect();
        for op in ValueOp::ALL.iter().map(|(o, _)| o.name()).chain(EncodingOp::ALL.iter().map(|(o, _)| o.name())) {
            assert!(names.contains(op), "{op} never applied: {names:?}");
        }
        for op in ["content-type", "body-size", "method", "query", "no-body", "body-on-get"] {
            assert!(names.contains(op), "{op} never applied: {names:?}");
        }
    }
}
