//! Shapes of answers: keys, nesting and value types, with the values of vocabulary
//! fields ([`ENUM_FIELDS`]) kept. What a baseline records and compares.
//!
//! Shapes are JSON: `"string"`, `"number"`, `"boolean"`, `"null"`, an object of shapes
//! (keys sorted), `[shape]` for an array (`[]` when it was empty: element shape unknown,
//! compatible with anything), `{"$enum": [values]}` for an enum field and
//! `{"$oneOf": [shapes]}` when elements of one array differ in type. A phone key that
//! starts with `$` is written with one more `$`, so it cannot be read as a marker.

use serde_json::{Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// Fields whose values are a vocabulary (recorded in the shape), not data.
///
/// Chosen from the manuals' answer descriptions and the captures in
/// research/real-devices.md: each takes a handful of fixed words. Nothing volatile
/// (handles, numbers, addresses, names, times) may be added here.
pub const ENUM_FIELDS: [&str; 10] = [
    "Status",
    "CallState",
    "Type",
    "Protocol",
    "LineType",
    "RegistrationStatus",
    "Ringing",
    "Muted",
    "DeviceType",
    "Media Direction",
];

/// The structural summary of one JSON answer (see the module docs for the encoding).
pub fn shape_of(answer: &Value) -> Value {
    Shape::of(answer, None).to_json()
}

/// The shape as JSON text for a `.snap` file: one member per line, enums and arrays of
/// scalars kept on one line, so a diff in `cargo insta review` is one line per change.
pub fn pretty(shape: &Value) -> String {
    let mut out = String::new();
    write_pretty(shape, 0, &mut out);
    out
}

fn inline(v: &Value) -> Option<String> {
    match v {
        Value::Object(m) if m.is_empty() => Some("{}".into()),
        Value::Object(m) if m.len() == 1 && m.contains_key("$enum") => {
            serde_json::to_string(v).ok().map(|s| s.replace("\":[", "\": [").replace("\",\"", "\", \""))
        }
        Value::Object(_) => None,
        Value::Array(items) if items.is_empty() => Some("[]".into()),
        Value::Array(items) if items.len() == 1 => inline(&items[0]).map(|i| format!("[{i}]")),
        Value::Array(_) => None,
        other => serde_json::to_string(other).ok(),
    }
}

fn write_pretty(v: &Value, depth: usize, out: &mut String) {
    if let Some(one_line) = inline(v) {
        out.push_str(&one_line);
        return;
    }
    let pad = "  ".repeat(depth + 1);
    match v {
        Value::Object(m) => {
            out.push_str("{\n");
            for (i, (k, item)) in m.iter().enumerate() {
                out.push_str(&pad);
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
                write_pretty(item, depth + 1, out);
                out.push_str(if i + 1 < m.len() { ",\n" } else { "\n" });
            }
            out.push_str(&"  ".repeat(depth));
            out.push('}');
        }
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad);
                write_pretty(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&"  ".repeat(depth));
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// A shape, as computed and compared.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Element of an array that was always empty: compatible with anything.
    Unknown,
    Null,
    Boolean,
    Number,
    String,
    /// A string field of [`ENUM_FIELDS`], with the values seen.
    Enum(BTreeSet<String>),
    Object(BTreeMap<String, Shape>),
    Array(Box<Shape>),
    /// Array elements of different types.
    OneOf(Vec<Shape>),
}

impl Shape {
    /// The shape of `v`; `key` is the member name it was found under.
    pub fn of(v: &Value, key: Option<&str>) -> Shape {
        match v {
            Value::Null => Shape::Null,
            Value::Bool(_) => Shape::Boolean,
            Value::Number(_) => Shape::Number,
            Value::String(s) => {
                if key.is_some_and(|k| ENUM_FIELDS.contains(&k)) {
                    Shape::Enum(BTreeSet::from([redact_enum_value(s)]))
                } else {
                    Shape::String
                }
            }
            Value::Array(items) => {
                let elem = items.iter().map(|i| Shape::of(i, None)).reduce(Shape::merge).unwrap_or(Shape::Unknown);
                Shape::Array(Box::new(elem))
            }
            Value::Object(map) => Shape::Object(map.iter().map(|(k, v)| (k.clone(), Shape::of(v, Some(k)))).collect()),
        }
    }

    /// The JSON type name (`string` for enums).
    pub fn kind(&self) -> &'static str {
        match self {
            Shape::Unknown => "unknown",
            Shape::Null => "null",
            Shape::Boolean => "boolean",
            Shape::Number => "number",
            Shape::String | Shape::Enum(_) => "string",
            Shape::Object(_) => "object",
            Shape::Array(_) => "array",
            Shape::OneOf(_) => "one of several types",
        }
    }

    /// One short phrase for reports: `string`, `string "2000"`, `object {a, b}`, `array of object`.
    pub fn describe(&self) -> String {
        match self {
            Shape::Enum(values) => format!("string {}", quoted_list(values)),
            Shape::Object(m) if m.is_empty() => "empty object".into(),
            Shape::Object(m) => {
                let keys: Vec<&str> = m.keys().map(String::as_str).take(6).collect();
                format!("object {{{}{}}}", keys.join(", "), if m.len() > 6 { ", ..." } else { "" })
            }
            Shape::Array(e) if **e == Shape::Unknown => "empty array".into(),
            Shape::Array(e) => format!("array of {}", e.kind()),
            Shape::OneOf(v) => v.iter().map(Shape::kind).collect::<Vec<_>>().join(" or "),
            other => other.kind().into(),
        }
    }

    /// The union of two shapes (arrays merge their elements, objects their members).
    pub fn merge(self, other: Shape) -> Shape {
        match (self, other) {
            (Shape::Unknown, s) | (s, Shape::Unknown) => s,
            (Shape::Enum(mut a), Shape::Enum(b)) => {
                a.extend(b);
                Shape::Enum(a)
            }
            (Shape::Enum(a), Shape::String) | (Shape::String, Shape::Enum(a)) => Shape::Enum(a),
            (Shape::Object(mut a), Shape::Object(b)) => {
                for (k, v) in b {
                    let merged = match a.remove(&k) {
                        Some(prev) => prev.merge(v),
                        None => v,
                    };
                    a.insert(k, merged);
                }
                Shape::Object(a)
            }
            (Shape::Array(a), Shape::Array(b)) => Shape::Array(Box::new(a.merge(*b))),
            (Shape::OneOf(mut v), s) | (s, Shape::OneOf(mut v)) => {
                let s_kind = s.kind();
                match v.iter().position(|x| x.kind() == s_kind) {
                    Some(i) => {
                        let prev = v.remove(i);
                        v.insert(i, prev.merge(s));
                    }
                    None => v.push(s),
                }
                v.sort_by_key(|x| x.kind());
                Shape::OneOf(v)
            }
            (a, b) if a.kind() == b.kind() => a,
            (a, b) => {
                let mut v = vec![a, b];
                v.sort_by_key(|x| x.kind());
                Shape::OneOf(v)
            }
        }
    }

    /// The JSON encoding written into `.snap` files.
    pub fn to_json(&self) -> Value {
        match self {
            Shape::Unknown => Value::Array(vec![]),
            Shape::Null | Shape::Boolean | Shape::Number | Shape::String => Value::String(self.kind().into()),
            Shape::Enum(values) => {
                let mut m = Map::new();
                m.insert("$enum".into(), Value::Array(values.iter().cloned().map(Value::String).collect()));
                Value::Object(m)
            }
            Shape::Object(members) => {
                let mut m = Map::new();
                for (k, v) in members {
                    let key = if k.starts_with('$') { format!("${k}") } else { k.clone() };
                    m.insert(key, v.to_json());
                }
                Value::Object(m)
            }
            Shape::Array(e) => match **e {
                Shape::Unknown => Value::Array(vec![]),
                ref e => Value::Array(vec![e.to_json()]),
            },
            Shape::OneOf(v) => {
                let mut m = Map::new();
                m.insert("$oneOf".into(), Value::Array(v.iter().map(Shape::to_json).collect()));
                Value::Object(m)
            }
        }
    }

    /// Read the encoding back.
    pub fn from_json(v: &Value) -> Result<Shape, String> {
        Ok(match v {
            Value::String(s) => match s.as_str() {
                "null" => Shape::Null,
                "boolean" => Shape::Boolean,
                "number" => Shape::Number,
                "string" => Shape::String,
                other => {
                    return Err(format!(
                        "unknown type `{other}` in the shape (expected string, number, boolean or null)"
                    ));
                }
            },
            Value::Array(items) => match items.as_slice() {
                [] => Shape::Array(Box::new(Shape::Unknown)),
                [one] => Shape::Array(Box::new(Shape::from_json(one)?)),
                _ => return Err("an array shape holds at most one element shape".into()),
            },
            Value::Object(m) if m.len() == 1 && m.contains_key("$enum") => {
                let values = m["$enum"].as_array().ok_or("`$enum` must be an array of strings")?;
                Shape::Enum(
                    values
                        .iter()
                        .map(|x| x.as_str().map(str::to_string).ok_or("`$enum` must be an array of strings"))
                        .collect::<Result<_, _>>()?,
                )
            }
            Value::Object(m) if m.len() == 1 && m.contains_key("$oneOf") => {
                let shapes = m["$oneOf"].as_array().ok_or("`$oneOf` must be an array of shapes")?;
                Shape::OneOf(shapes.iter().map(Shape::from_json).collect::<Result<_, _>>()?)
            }
            Value::Object(m) => {
                let mut members = BTreeMap::new();
                for (k, v) in m {
                    let key = k.strip_prefix('$').filter(|rest| rest.starts_with('$')).unwrap_or(k);
                    members.insert(key.to_string(), Shape::from_json(v)?);
                }
                Shape::Object(members)
            }
            other => return Err(format!("`{other}` is not a shape")),
        })
    }

    /// The `Status` values of a root object shape.
    pub fn root_statuses(&self) -> BTreeSet<String> {
        match self {
            Shape::Object(m) => match m.get("Status") {
                Some(Shape::Enum(v)) => v.clone(),
                _ => BTreeSet::new(),
            },
            _ => BTreeSet::new(),
        }
    }
}

/// Enum values are words; anything that looks like data (digits-heavy, addresses,
/// long strings) is hidden, in case a firmware puts data into a vocabulary field.
pub fn redact_enum_value(s: &str) -> String {
    let looks_volatile = s.len() > 40
        || s.contains('@')
        || s.starts_with("0x")
        || (s.len() > 4 && s.chars().filter(char::is_ascii_digit).count() * 2 > s.len())
        || s.matches(':').count() >= 2
        || s.matches('.').count() >= 3;
    if looks_volatile { "[redacted]".into() } else { s.to_string() }
}

pub fn quoted_list(values: &BTreeSet<String>) -> String {
    values.iter().map(|v| format!("\"{v}\"")).collect::<Vec<_>>().join(", ")
}
