//! Schema-valid request bodies as proptest strategies (`arb_*`).
//!
//! [`arb_instance`] turns a request schema into a strategy that produces instances the
//! schema accepts: required members always, optional ones half the time, enum values,
//! strings within `minLength`/`maxLength` or matching `pattern`. Phones treat every
//! scalar as a string, so the generated text is short and printable unless the schema
//! asks otherwise; hostile text (control characters, long strings, other scripts) is
//! the job of the mutation operators, which start from these valid instances.
//!
//! The generator aims at validity but does not promise it (`oneOf`, `not`, patterns
//! proptest cannot generate): every instance is checked with the compiled validator
//! before it is called valid.

use super::request_schema::{Node, SchemaDocs, types};
use proptest::prelude::*;
use proptest::strategy::Union;
use serde_json::{Map, Value};

/// Depth of nested schemas followed; deeper parts become their smallest instance.
const MAX_DEPTH: usize = 12;
/// Longest string generated for an unbounded `maxLength`: short keeps valid cases cheap.
const UNBOUNDED_STRING: usize = 16;
/// Extra array items beyond `minItems` when `maxItems` is open.
const EXTRA_ITEMS: usize = 3;

/// Strategy for instances of `node`.
pub fn arb_instance(docs: &SchemaDocs, node: Node<'_>) -> BoxedStrategy<Value> {
    build(docs, node, 0)
}

fn build(docs: &SchemaDocs, node: Node<'_>, depth: usize) -> BoxedStrategy<Value> {
    let node = docs.deref(node);
    let schema = node.schema;
    if depth > MAX_DEPTH {
        return Just(smallest(schema)).boxed();
    }
    match schema {
        Value::Bool(true) => {
            return arb_text(0, UNBOUNDED_STRING).prop_map(Value::String).boxed();
        }
        Value::Bool(false) | Value::Null => return Just(Value::Null).boxed(),
        _ => {}
    }
    if let Some(c) = schema.get("const") {
        return Just(c.clone()).boxed();
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array).filter(|v| !v.is_empty()) {
        return proptest::sample::select(values.clone()).boxed();
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(branches) = schema.get(key).and_then(Value::as_array).filter(|b| !b.is_empty()) {
            let arms: Vec<BoxedStrategy<Value>> =
                branches.iter().map(|b| build(docs, Node { rel: node.rel, schema: b }, depth + 1)).collect();
            return Union::new(arms).boxed();
        }
    }
    let kinds = types(schema);
    let kind = if !kinds.is_empty() {
        // Prefer a non-null type: `["string", "null"]` is mostly about the string.
        kinds.iter().copied().find(|k| *k != "null").unwrap_or("null").to_string()
    } else if schema.get("properties").is_some() || schema.get("required").is_some() || schema.get("allOf").is_some() {
        "object".into()
    } else if schema.get("items").is_some() {
        "array".into()
    } else {
        "string".into()
    };
    match kind.as_str() {
        "object" => arb_object(docs, node, depth),
        "array" => arb_array(docs, node, depth),
        "string" => arb_string(schema),
        "integer" => {
            let (lo, hi) = int_bounds(schema);
            (lo..=hi).prop_map(Value::from).boxed()
        }
        "number" => {
            let (lo, hi) = int_bounds(schema);
            (lo..=hi).prop_map(|n| Value::from(n as f64 + 0.5)).boxed()
        }
        "boolean" => any::<bool>().prop_map(Value::Bool).boxed(),
        _ => Just(Value::Null).boxed(),
    }
}

fn arb_object(docs: &SchemaDocs, node: Node<'_>, depth: usize) -> BoxedStrategy<Value> {
    let view = docs.object_view(node);
    let schema = docs.deref(node).schema;
    let mut members: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (key, prop) in &view.properties {
        let inner = build(docs, *prop, depth + 1);
        let k = key.clone();
        if view.required.contains(key) {
            members.push(inner.prop_map(move |v| Some((k.clone(), v))).boxed());
        } else {
            members.push(proptest::option::of(inner.prop_map(move |v| (k.clone(), v))).boxed());
        }
    }
    // Required members the schema names without describing still have to be there.
    for key in view.required.iter().filter(|k| !view.properties.iter().any(|(p, _)| p == *k)) {
        let value = match view.additional {
            Some(ap) if ap.schema.is_object() => build(docs, ap, depth + 1),
            _ => arb_text(1, 8).prop_map(Value::String).boxed(),
        };
        let k = key.clone();
        members.push(value.prop_map(move |v| Some((k.clone(), v))).boxed());
    }
    let min_props = schema.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max_props = schema.get("maxProperties").and_then(Value::as_u64).map(|n| n as usize);
    // Open maps (config/set's parameter map) get extra members named like the schema
    // asks (`propertyNames`), enough to meet `minProperties`.
    let extras: BoxedStrategy<Vec<(String, Value)>> = match view.additional {
        Some(ap) if ap.schema.is_object() || ap.schema == &Value::Bool(true) => {
            let fixed = members.len();
            let lo = min_props.saturating_sub(fixed);
            let hi = max_props.map(|m| m.saturating_sub(fixed)).unwrap_or(lo + 2).max(lo).min(lo + 2);
            // A `propertyNames` that only bounds the length is met by the harmless
            // `polyconform.fuzz.*` names, which a config/set on a real phone cannot hit.
            let names =
                match schema.get("propertyNames").map(|pn| docs.deref(Node { rel: node.rel, schema: pn }).schema) {
                    Some(pn) if pn.get("pattern").is_some() || pn.get("enum").is_some() => arb_string(pn),
                    _ => arb_param_name().prop_map(Value::String).boxed(),
                };
            let value = build(docs, ap, depth + 1);
            proptest::collection::vec((names, value), lo..=hi)
                .prop_map(|pairs| {
                    pairs.into_iter().filter_map(|(k, v)| k.as_str().map(|k| (k.to_string(), v))).collect()
                })
                .boxed()
        }
        _ => Just(Vec::new()).boxed(),
    };
    (members, extras)
        .prop_map(|(members, extras)| {
            let mut map = Map::new();
            for (k, v) in members.into_iter().flatten().chain(extras) {
                map.entry(k).or_insert(v);
            }
            Value::Object(map)
        })
        .boxed()
}

fn arb_array(docs: &SchemaDocs, node: Node<'_>, depth: usize) -> BoxedStrategy<Value> {
    let schema = docs.deref(node).schema;
    let min = schema.get("minItems").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max = schema.get("maxItems").and_then(Value::as_u64).map(|n| n as usize).unwrap_or(min + EXTRA_ITEMS);
    let max = max.min(min + EXTRA_ITEMS).max(min);
    let item = match docs.items(node) {
        Some(items) => build(docs, items, depth + 1),
        None => arb_text(1, 8).prop_map(Value::String).boxed(),
    };
    let unique = schema.get("uniqueItems").and_then(Value::as_bool).unwrap_or(false);
    proptest::collection::vec(item, min..=max)
        .prop_map(move |mut items| {
            if unique {
                let mut seen = Vec::new();
                items.retain(|v| {
                    if seen.contains(v) {
                        false
                    } else {
                        seen.push(v.clone());
                        true
                    }
                });
            }
            Value::Array(items)
        })
        .boxed()
}

fn arb_string(schema: &Value) -> BoxedStrategy<Value> {
    let min = schema.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let max =
        schema.get("maxLength").and_then(Value::as_u64).map(|n| n as usize).unwrap_or(min.max(1) + UNBOUNDED_STRING);
    if let Some(pattern) = schema.get("pattern").and_then(Value::as_str)
        && let Some(s) = arb_pattern(pattern)
    {
        return s.prop_map(Value::String).boxed();
    }
    match schema.get("format").and_then(Value::as_str) {
        Some("uri") | Some("url") | Some("iri") => {
            return proptest::sample::select(vec![
                "http://192.0.2.10/cfg",
                "https://provisioning.invalid/phone",
                "tftp://192.0.2.1/",
            ])
            .prop_map(|s| Value::String(s.to_string()))
            .boxed();
        }
        Some("ipv4") => {
            return (1u8..=254, 0u8..=255).prop_map(|(a, b)| Value::String(format!("192.0.{a}.{b}"))).boxed();
        }
        _ => {}
    }
    arb_text(min, max.max(min).min(min + UNBOUNDED_STRING)).prop_map(Value::String).boxed()
}

/// Strings matching a schema `pattern`. proptest cannot generate anchors, and JSON
/// Schema patterns are unanchored anyway, so the usual `^...$` is stripped.
fn arb_pattern(pattern: &str) -> Option<BoxedStrategy<String>> {
    let core = pattern.strip_prefix('^').unwrap_or(pattern);
    let core = core.strip_suffix('$').filter(|c| !c.ends_with('\\')).unwrap_or(core);
    // Unbounded repetitions would make very long strings; phones dislike them and valid
    // cases should stay cheap.
    proptest::string::string_regex(&bound_repetitions(core)).ok().map(|s| s.boxed())
}

/// `+` and `*` outside character classes become `{1,8}` and `{0,8}`.
fn bound_repetitions(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut in_class = false;
    let mut escaped = false;
    for c in pattern.chars() {
        match c {
            _ if escaped => {
                escaped = false;
                out.push(c);
            }
            '\\' => {
                escaped = true;
                out.push(c);
            }
            '[' => {
                in_class = true;
                out.push(c);
            }
            ']' => {
                in_class = false;
                out.push(c);
            }
            '+' if !in_class => out.push_str("{1,8}"),
            '*' if !in_class => out.push_str("{0,8}"),
            _ => out.push(c),
        }
    }
    out
}

/// Printable ASCII letters and digits: what a valid phone parameter looks like.
pub fn arb_text(min: usize, max: usize) -> BoxedStrategy<String> {
    proptest::collection::vec(proptest::sample::select(ALNUM.as_bytes().to_vec()), min..=max.max(min))
        .prop_map(|bytes| String::from_utf8(bytes).unwrap_or_default())
        .boxed()
}

/// A config parameter name of the real shape (`voIpProt.SIP.enable`). Names are drawn
/// from a harmless prefix so that a fuzzed config/set on a real phone touches nothing
/// that exists.
pub fn arb_param_name() -> BoxedStrategy<String> {
    (arb_text(1, 6), arb_text(1, 6)).prop_map(|(a, b)| format!("polyconform.fuzz.{a}{b}")).boxed()
}

const ALNUM: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

fn int_bounds(schema: &Value) -> (i64, i64) {
    let lo = schema
        .get("minimum")
        .and_then(Value::as_i64)
        .or_else(|| schema.get("exclusiveMinimum").and_then(Value::as_i64).map(|n| n + 1))
        .unwrap_or(0);
    let hi = schema
        .get("maximum")
        .and_then(Value::as_i64)
        .or_else(|| schema.get("exclusiveMaximum").and_then(Value::as_i64).map(|n| n - 1))
        .unwrap_or(lo + 100);
    (lo, hi.max(lo))
}

/// The smallest plausible instance of a schema (used below the depth limit).
fn smallest(schema: &Value) -> Value {
    if let Some(c) = schema.get("const") {
        return c.clone();
    }
    if let Some(v) = schema.get("enum").and_then(Value::as_array).and_then(|a| a.first()) {
        return v.clone();
    }
    match types(schema).first().copied() {
        Some("object") => Value::Object(Map::new()),
        Some("array") => Value::Array(Vec::new()),
        Some("integer") | Some("number") => Value::from(0),
        Some("boolean") => Value::Bool(false),
        Some("null") => Value::Null,
        _ => Value::String("1".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::request_schema::tests::sample_docs;
    use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

    fn runner(seed: u8) -> TestRunner {
        TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[seed; 32]))
    }

    #[test]
    fn generated_dial_bodies_have_the_mandatory_member_and_allowed_values() {
        let docs = sample_docs();
        let strategy = arb_instance(&docs, docs.def("v1/callctrl/dial.json", "request").unwrap());
        let mut r = runner(1);
        let mut saw_line = false;
        for _ in 0..200 {
            let v = strategy.new_tree(&mut r).unwrap().current();
            let data = v["data"].as_object().expect("data is an object");
            assert!(data["Dest"].as_str().is_some_and(|d| !d.is_empty()), "{v}");
            if let Some(line) = data.get("Line") {
                saw_line = true;
                assert!(line.as_str().unwrap().chars().all(|c| c.is_ascii_digit()), "{v}");
            }
            if let Some(t) = data.get("Type") {
                assert!(["SIP", "TEL", "H323"].contains(&t.as_str().unwrap()), "{v}");
            }
            assert!(data.keys().all(|k| ["Dest", "Line", "Type"].contains(&k.as_str())), "{v}");
        }
        assert!(saw_line, "optional members appear some of the time");
    }

    #[test]
    fn the_same_seed_gives_the_same_instances() {
        let docs = sample_docs();
        let strategy = arb_instance(&docs, docs.def("v1/callctrl/dial.json", "request").unwrap());
        let run = |seed| {
            let mut r = runner(seed);
            (0..20).map(|_| strategy.new_tree(&mut r).unwrap().current()).collect::<Vec<_>>()
        };
        assert_eq!(run(7), run(7));
        assert_ne!(run(7), run(8));
    }
}
