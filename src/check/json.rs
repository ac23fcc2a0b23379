//! Values in the JSON answer: the `json` assertions of an outcome (`equals`, `one_of`,
//! `exists`, `len`, `contains`), used by state and flow cases to see that an action was
//! reflected (a muted call shows `Muted "1"`, a dialled call appears).
//!
//! Comparison is exact JSON equality: `"1"` is not `1` and `"Connected"` is not
//! `"connected"`. Where real devices differ in spelling, the suite lists every accepted
//! spelling in `one_of`; the judge never guesses.

use super::observed::Observed;
use crate::catalogue::case::JsonAssert;
use crate::catalogue::load::fill_template;
use serde_json::Value;
use std::collections::BTreeMap;

/// Check every assertion; pushes one reason per failed condition.
pub fn match_json(asserts: &[JsonAssert], obs: &Observed, vars: &BTreeMap<String, String>, reasons: &mut Vec<String>) {
    if asserts.is_empty() || obs.response.is_none() {
        return;
    }
    let Some(doc) = obs.json.as_ref() else {
        reasons.push("the body is not JSON, so no value can be read from it".into());
        return;
    };
    for a in asserts {
        check_one(a, doc, vars, reasons);
    }
}

fn check_one(a: &JsonAssert, doc: &Value, vars: &BTreeMap<String, String>, reasons: &mut Vec<String>) {
    let pointer = fill_template(&a.pointer, vars);
    let found = doc.pointer(&pointer);
    let at = shown_pointer(&pointer);
    // A bare pointer asserts that the value is there: an assertion must assert something.
    let bare = a.exists.is_none()
        && a.equals.is_none()
        && a.one_of.is_empty()
        && a.len.is_none()
        && a.contains.is_none()
        && a.pattern.is_none();
    let exists = if bare { Some(true) } else { a.exists };
    match (exists, found) {
        (Some(true), None) => reasons.push(format!("{at} is absent")),
        (Some(false), Some(v)) => reasons.push(format!("{at} is present ({})", value_words(v))),
        _ => {}
    }
    let needs_value =
        a.equals.is_some() || !a.one_of.is_empty() || a.len.is_some() || a.contains.is_some() || a.pattern.is_some();
    let Some(value) = found else {
        if needs_value && exists != Some(true) {
            reasons.push(format!("{at} is absent"));
        }
        return;
    };
    if let Some(want) = &a.equals {
        let want = fill_value(want, vars);
        if value != &want {
            reasons.push(format!("{at} is {}, expected {}", value_words(value), value_words(&want)));
        }
    }
    if !a.one_of.is_empty() {
        let options: Vec<Value> = a.one_of.iter().map(|v| fill_value(v, vars)).collect();
        if !options.contains(value) {
            let list = options.iter().map(value_words).collect::<Vec<_>>().join(", ");
            reasons.push(format!("{at} is {}, expected one of {list}", value_words(value)));
        }
    }
    if let Some(want) = a.len {
        match size_of(value) {
            Some(n) if n == want => {}
            Some(n) => reasons.push(format!(
                "{at} has {n} {}, expected {want}",
                if value.is_array() { "elements" } else { "members" }
            )),
            None => reasons.push(format!("{at} is {}, not an array or object", value_words(value))),
        }
    }
    if let Some(pattern) = &a.pattern {
        // Lint compiles every pattern, so a bad one here is a suite given with --data
        // that skipped lint: it matches nothing rather than panicking.
        let matched = regex::Regex::new(&fill_template(pattern, vars))
            .ok()
            .zip(value.as_str())
            .is_some_and(|(re, text)| re.is_match(text));
        if !matched {
            reasons.push(format!("{at} is {}, expected a string matching /{pattern}/", value_words(value)));
        }
    }
    if let Some(members) = &a.contains {
        let members: Vec<(String, Value)> =
            members.iter().map(|(p, v)| (fill_template(p, vars), fill_value(v, vars))).collect();
        match value.as_array() {
            Some(items) => {
                if !items.iter().any(|item| members.iter().all(|(p, v)| item.pointer(p) == Some(v))) {
                    reasons.push(format!(
                        "{at} has no element with {} (it has {} elements)",
                        members_words(&members),
                        items.len()
                    ));
                }
            }
            None => reasons.push(format!("{at} is {}, not an array", value_words(value))),
        }
    }
}

/// The assertions in words (`/data/0/Muted = "1"`), `{{names}}` filled when known.
pub fn describe(asserts: &[JsonAssert], vars: &BTreeMap<String, String>, parts: &mut Vec<String>) {
    for a in asserts {
        let at = shown_pointer(&fill_template(&a.pointer, vars));
        match a.exists {
            Some(true) | None
                if a.equals.is_none()
                    && a.one_of.is_empty()
                    && a.len.is_none()
                    && a.contains.is_none()
                    && a.pattern.is_none() =>
            {
                parts.push(format!("{at} present"))
            }
            Some(false) => parts.push(format!("{at} absent")),
            _ => {}
        }
        if let Some(v) = &a.equals {
            parts.push(format!("{at} = {}", value_words(&fill_value(v, vars))));
        }
        if !a.one_of.is_empty() {
            let list = a.one_of.iter().map(|v| value_words(&fill_value(v, vars))).collect::<Vec<_>>().join(", ");
            parts.push(format!("{at} one of {list}"));
        }
        if let Some(n) = a.len {
            parts.push(format!("{at} has {n} element{}", if n == 1 { "" } else { "s" }));
        }
        if let Some(p) = &a.pattern {
            parts.push(format!("{at} matches /{p}/"));
        }
        if let Some(members) = &a.contains {
            let members: Vec<(String, Value)> =
                members.iter().map(|(p, v)| (fill_template(p, vars), fill_value(v, vars))).collect();
            parts.push(format!("{at} has an element with {}", members_words(&members)));
        }
    }
}

/// Fill `{{name}}` in every string of an expected value.
fn fill_value(v: &Value, vars: &BTreeMap<String, String>) -> Value {
    match v {
        Value::String(s) => Value::String(fill_template(s, vars)),
        Value::Array(items) => Value::Array(items.iter().map(|i| fill_value(i, vars)).collect()),
        Value::Object(map) => Value::Object(map.iter().map(|(k, i)| (k.clone(), fill_value(i, vars))).collect()),
        other => other.clone(),
    }
}

fn size_of(v: &Value) -> Option<usize> {
    match v {
        Value::Array(a) => Some(a.len()),
        Value::Object(o) => Some(o.len()),
        _ => None,
    }
}

fn shown_pointer(p: &str) -> String {
    if p.is_empty() { "the body".into() } else { p.to_string() }
}

fn members_words(members: &[(String, Value)]) -> String {
    members.iter().map(|(p, v)| format!("{p} = {}", value_words(v))).collect::<Vec<_>>().join(" and ")
}

/// A value as JSON text, cut short for reports.
fn value_words(v: &Value) -> String {
    super::observed::snippet(&v.to_string(), 80)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testkit::*;

    fn assert_of(pointer: &str) -> JsonAssert {
        JsonAssert {
            pointer: pointer.into(),
            equals: None,
            one_of: vec![],
            exists: None,
            len: None,
            contains: None,
            pattern: None,
        }
    }

    fn reasons(asserts: &[JsonAssert], body: &str, vars: &[(&str, &str)]) -> Vec<String> {
        let ex = answered(200, &[], body);
        let vars: BTreeMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut out = vec![];
        match_json(asserts, &Observed::new(&ex), &vars, &mut out);
        out
    }

    const CALLS: &str = r#"{"Status":"2000","data":[{"CallHandle":"0a1b2c3d","CallState":"Connected","Muted":"0"}]}"#;

    #[test]
    fn equals_compares_exactly() {
        let a = JsonAssert { equals: Some(Value::from("0")), ..assert_of("/data/0/Muted") };
        assert!(reasons(&[a], CALLS, &[]).is_empty());
        let a = JsonAssert { equals: Some(Value::from("1")), ..assert_of("/data/0/Muted") };
        assert_eq!(reasons(&[a], CALLS, &[]), vec![r#"/data/0/Muted is "0", expected "1""#]);
        let a = JsonAssert { equals: Some(Value::from(0)), ..assert_of("/data/0/Muted") };
        assert_eq!(reasons(&[a], CALLS, &[]).len(), 1, "a number is not its string");
    }

    #[test]
    fn one_of_exists_and_len() {
        let a = JsonAssert {
            one_of: vec![Value::from("Connected"), Value::from("RingBack")],
            ..assert_of("/data/0/CallState")
        };
        assert!(reasons(&[a], CALLS, &[]).is_empty());
        let a = JsonAssert { one_of: vec![Value::from("Hold")], ..assert_of("/data/0/CallState") };
        assert_eq!(reasons(&[a], CALLS, &[]), vec![r#"/data/0/CallState is "Connected", expected one of "Hold""#]);
        assert!(reasons(&[JsonAssert { exists: Some(true), ..assert_of("/data/0") }], CALLS, &[]).is_empty());
        assert_eq!(
            reasons(&[JsonAssert { exists: Some(true), ..assert_of("/data/1") }], CALLS, &[]),
            vec!["/data/1 is absent"]
        );
        assert_eq!(
            reasons(&[JsonAssert { exists: Some(false), ..assert_of("/data/0/Muted") }], CALLS, &[]),
            vec![r#"/data/0/Muted is present ("0")"#]
        );
        assert!(reasons(&[JsonAssert { len: Some(1), ..assert_of("/data") }], CALLS, &[]).is_empty());
        assert_eq!(
            reasons(&[JsonAssert { len: Some(0), ..assert_of("/data") }], CALLS, &[]),
            vec!["/data has 1 elements, expected 0"]
        );
        assert_eq!(
            reasons(&[JsonAssert { len: Some(0), ..assert_of("/Status") }], CALLS, &[]),
            vec![r#"/Status is "2000", not an array or object"#]
        );
    }

    #[test]
    fn pattern_matches_strings_only() {
        let a = JsonAssert { pattern: Some("^Conn".into()), ..assert_of("/data/0/CallState") };
        assert!(reasons(&[a], CALLS, &[]).is_empty());
        let a = JsonAssert { pattern: Some("^Hold$".into()), ..assert_of("/data/0/CallState") };
        assert_eq!(
            reasons(&[a], CALLS, &[]),
            vec![r#"/data/0/CallState is "Connected", expected a string matching /^Hold$/"#]
        );
        let a = JsonAssert { pattern: Some(".".into()), ..assert_of("/data") };
        assert_eq!(reasons(std::slice::from_ref(&a), CALLS, &[]).len(), 1, "a list is no string");
        assert_eq!(
            reasons(&[JsonAssert { pattern: Some("(".into()), ..assert_of("/Status") }], CALLS, &[]).len(),
            1,
            "a broken pattern matches nothing"
        );
        let mut parts = vec![];
        describe(
            &[JsonAssert { pattern: Some("^0 Days? 0:0".into()), ..assert_of("/data/Up") }],
            &BTreeMap::new(),
            &mut parts,
        );
        assert_eq!(parts, vec!["/data/Up matches /^0 Days? 0:0/"]);
    }

    #[test]
    fn a_bare_pointer_asserts_presence() {
        assert!(reasons(&[assert_of("/data/0/CallHandle")], CALLS, &[]).is_empty());
        assert_eq!(reasons(&[assert_of("/data/0/Nope")], CALLS, &[]), vec!["/data/0/Nope is absent"]);
        let mut parts = vec![];
        describe(&[assert_of("/data")], &BTreeMap::new(), &mut parts);
        assert_eq!(parts, vec!["/data present"]);
    }

    #[test]
    fn contains_fills_captured_values() {
        let members = BTreeMap::from([("/CallHandle".to_string(), Value::from("{{call_ref}}"))]);
        let a = JsonAssert { contains: Some(members), ..assert_of("/data") };
        assert!(reasons(std::slice::from_ref(&a), CALLS, &[("call_ref", "0a1b2c3d")]).is_empty());
        let r = reasons(&[a], CALLS, &[("call_ref", "ffffffff")]);
        assert_eq!(r, vec![r#"/data has no element with /CallHandle = "ffffffff" (it has 1 elements)"#]);
    }

    #[test]
    fn pointer_templates_and_non_json_bodies() {
        let a = JsonAssert { exists: Some(true), ..assert_of("/data/{{idx}}") };
        assert!(reasons(std::slice::from_ref(&a), CALLS, &[("idx", "0")]).is_empty());
        assert_eq!(reasons(&[a], "<html>", &[]), vec!["the body is not JSON, so no value can be read from it"]);
    }

    #[test]
    fn describe_reads_like_the_suite() {
        let mut parts = vec![];
        let a = JsonAssert { equals: Some(Value::from("1")), ..assert_of("/data/0/Muted") };
        let b = JsonAssert { len: Some(0), ..assert_of("/data") };
        describe(&[a, b], &BTreeMap::new(), &mut parts);
        assert_eq!(parts, vec![r#"/data/0/Muted = "1""#, "/data has 0 elements"]);
    }
}
