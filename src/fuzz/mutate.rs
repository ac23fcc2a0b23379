//! Mutation operators: from a valid request to a hostile one.
//!
//! Three layers, applied in this order and recorded by name in the case:
//!
//! 1. **Value** operators edit the JSON instance: wrong JSON types, missing mandatory
//!    members, unknown members, values outside an enum, empty and overlong strings,
//!    control characters and other scripts, `data` missing/null/retyped, deep nesting.
//!    One to three are stacked (AFL's "havoc"): real bugs rarely need one clean change,
//!    and the shrinker removes whatever did not matter.
//! 2. **Encoding** operators change the bytes: duplicate keys, truncation, bytes that are
//!    not UTF-8 (stray bytes, UTF-16, Latin-1), a byte order mark, trailing garbage.
//! 3. **Protocol** operators change the HTTP request around a valid body: content-type
//!    variants, body sizes around the 20 KB limit, other methods, query parameters,
//!    a missing body, a body on a GET.
//!
//! Operators never decide what a request *means*; [`super::case::classify`] does that
//! from the finished request.

use super::request_schema::{Node, PathStep, SchemaDocs, pointer_text};
use super::strategy::arb_param_name;
use crate::catalogue::profile::{Endpoint, Limits, Method};
use proptest::prelude::Rng;
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{TestRng, TestRunner};
use serde_json::{Map, Value};

/// The deepest nesting generated: serde-based parsers stop at 128 levels, and a phone
/// that rejects 100 cleanly is not more robust for rejecting 1000.
pub const MAX_NESTING: usize = 100;
/// The longest generated string: long enough to cross any plausible buffer, short enough
/// to keep the body under the 20 KB limit, so length and size are tested apart.
pub const MAX_STRING: usize = 16_000;

/// Member name of nested objects (invented names start with `polyconform`, see
/// `restore::HARMLESS_PREFIX`).
const NEST_KEY: &str = "polyconform";

/// Value-level operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueOp {
    WrongType,
    MissingRequired,
    UnknownField,
    EnumOutside,
    EmptyString,
    OverlongString,
    ControlChars,
    NonAscii,
    DataMissing,
    DataNull,
    DataWrongType,
    DeepNesting,
}

impl ValueOp {
    pub const ALL: [(ValueOp, u32); 12] = [
        (ValueOp::WrongType, 8),
        (ValueOp::MissingRequired, 6),
        (ValueOp::UnknownField, 4),
        (ValueOp::EnumOutside, 4),
        (ValueOp::EmptyString, 4),
        (ValueOp::OverlongString, 5),
        (ValueOp::ControlChars, 4),
        (ValueOp::NonAscii, 4),
        (ValueOp::DataMissing, 3),
        (ValueOp::DataNull, 3),
        (ValueOp::DataWrongType, 3),
        (ValueOp::DeepNesting, 5),
    ];

    pub fn name(self) -> &'static str {
        match self {
            ValueOp::WrongType => "wrong-type",
            ValueOp::MissingRequired => "missing-required",
            ValueOp::UnknownField => "unknown-field",
            ValueOp::EnumOutside => "enum-outside",
            ValueOp::EmptyString => "empty-string",
            ValueOp::OverlongString => "overlong-string",
            ValueOp::ControlChars => "control-chars",
            ValueOp::NonAscii => "non-ascii",
            ValueOp::DataMissing => "data-missing",
            ValueOp::DataNull => "data-null",
            ValueOp::DataWrongType => "data-wrong-type",
            ValueOp::DeepNesting => "deep-nesting",
        }
    }
}

/// Encoding-level operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingOp {
    DuplicateKey,
    Truncated,
    NonUtf8,
    ByteOrderMark,
    TrailingGarbage,
}

impl EncodingOp {
    pub const ALL: [(EncodingOp, u32); 5] = [
        (EncodingOp::DuplicateKey, 3),
        (EncodingOp::Truncated, 4),
        (EncodingOp::NonUtf8, 5),
        (EncodingOp::ByteOrderMark, 1),
        (EncodingOp::TrailingGarbage, 1),
    ];

    pub fn name(self) -> &'static str {
        match self {
            EncodingOp::DuplicateKey => "duplicate-key",
            EncodingOp::Truncated => "truncated",
            EncodingOp::NonUtf8 => "non-utf8",
            EncodingOp::ByteOrderMark => "byte-order-mark",
            EncodingOp::TrailingGarbage => "trailing-garbage",
        }
    }
}

/// Protocol-level operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolOp {
    ContentType,
    BodySize,
    Method,
    Query,
    NoBody,
    BodyOnGet,
}

impl ProtocolOp {
    pub fn name(self) -> &'static str {
        match self {
            ProtocolOp::ContentType => "content-type",
            ProtocolOp::BodySize => "body-size",
            ProtocolOp::Method => "method",
            ProtocolOp::Query => "query",
            ProtocolOp::NoBody => "no-body",
            ProtocolOp::BodyOnGet => "body-on-get",
        }
    }
}

/// Pick from a weighted list.
pub fn weighted<T: Copy>(rng: &mut TestRng, items: &[(T, u32)]) -> T {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut roll = rng.random_range(0..total.max(1));
    for (item, w) in items {
        if roll < *w {
            return *item;
        }
        roll -= w;
    }
    items[0].0
}

/// A uniform choice; `None` for an empty list.
fn pick<'a, T>(rng: &mut TestRng, items: &'a [T]) -> Option<&'a T> {
    if items.is_empty() { None } else { Some(&items[rng.random_range(0..items.len())]) }
}

/// Apply one value operator to `value` (the body of `endpoint`); returns `name: detail`,
/// or `None` when the operator has nothing to work on in this instance.
pub fn apply_value_op(
    op: ValueOp,
    value: &mut Value,
    docs: &SchemaDocs,
    root: Option<Node<'_>>,
    runner: &mut TestRunner,
) -> Option<String> {
    let rng = runner.rng();
    let detail = match op {
        ValueOp::WrongType => {
            let path = pick_where(rng, value, false, |_| true).unwrap_or_default();
            let target = get_mut(value, &path)?;
            let replacement = wrong_type_for(rng, target);
            *target = replacement.clone();
            format!("{} = {}", pointer_text(&path), short(&replacement))
        }
        ValueOp::MissingRequired => missing_required(value, docs, root?, rng)?,
        ValueOp::UnknownField => unknown_field(value, rng)?,
        ValueOp::EnumOutside => enum_outside(value, docs, root?, rng)?,
        ValueOp::EmptyString => {
            let path = pick_string(rng, value)?;
            *get_mut(value, &path)? = Value::String(String::new());
            format!("{} = \"\"", pointer_text(&path))
        }
        ValueOp::OverlongString => overlong_string(value, rng)?,
        ValueOp::ControlChars => control_chars(value, rng)?,
        ValueOp::NonAscii => non_ascii(value, rng)?,
        ValueOp::DataMissing => data_missing(value, rng)?,
        ValueOp::DataNull => {
            *value.as_object_mut()?.get_mut("data")? = Value::Null;
            "/data = null".to_string()
        }
        ValueOp::DataWrongType => {
            let data = value.as_object_mut()?.get_mut("data")?;
            let replacement = wrong_type_for(rng, data);
            *data = replacement.clone();
            format!("/data = {}", short(&replacement))
        }
        ValueOp::DeepNesting => deep_nesting(value, rng)?,
    };
    Some(format!("{}: {detail}", op.name()))
}

/// `missing-required`: drop a member the schema requires (any member when the schema
/// names none).
fn missing_required(value: &mut Value, docs: &SchemaDocs, root: Node<'_>, rng: &mut TestRng) -> Option<String> {
    let mut candidates = Vec::new();
    collect_required(docs, root, value, &mut Vec::new(), &mut candidates);
    let path = if candidates.is_empty() {
        // No schema help: drop any member.
        let members: Vec<Vec<PathStep>> = {
            let mut all = Vec::new();
            collect_paths(value, &mut Vec::new(), &mut all);
            all.into_iter().filter(|p| matches!(p.last(), Some(PathStep::Key(_)))).collect()
        };
        if members.is_empty() {
            return None;
        }
        pick(rng, &members)?.clone()
    } else {
        pick(rng, &candidates)?.clone()
    };
    remove(value, &path)?;
    Some(format!("removed {}", pointer_text(&path)))
}

/// `unknown-field`: add an invented member to an object of the instance.
fn unknown_field(value: &mut Value, rng: &mut TestRng) -> Option<String> {
    let path = pick_where(rng, value, true, Value::is_object)?;
    let name = format!("polyconformUnknown{}", rng.random_range(0..1000));
    let extra =
        pick(rng, &[Value::from("1"), Value::from(1), Value::Null, Value::Bool(true), Value::Array(vec![])])?.clone();
    get_mut(value, &path)?.as_object_mut()?.insert(name.clone(), extra);
    Some(format!("added {}/{name}", pointer_text(&path)))
}

/// `enum-outside`: a value just outside a member's enum (a suffix, another case, empty, ...).
fn enum_outside(value: &mut Value, docs: &SchemaDocs, root: Node<'_>, rng: &mut TestRng) -> Option<String> {
    let mut enums = Vec::new();
    collect_enum_paths(docs, root, value, &mut Vec::new(), &mut enums);
    let (path, allowed) = if enums.is_empty() {
        return None;
    } else {
        pick(rng, &enums)?.clone()
    };
    let first = allowed.first().and_then(Value::as_str).unwrap_or("x").to_string();
    let mut options = vec![
        format!("{first}x"),
        first.to_lowercase(),
        first.to_uppercase(),
        "INVALID".to_string(),
        String::new(),
        "0".to_string(),
    ];
    options.retain(|o| !allowed.iter().any(|a| a.as_str() == Some(o)));
    let replacement = pick(rng, &options)?.clone();
    *get_mut(value, &path)? = Value::String(replacement.clone());
    Some(format!("{} = {replacement:?}", pointer_text(&path)))
}

/// `overlong-string`: a string past the usual buffer sizes, in place of a string or as
/// a new member.
fn overlong_string(value: &mut Value, rng: &mut TestRng) -> Option<String> {
    let len = overlong_length(rng);
    let text: String = "polyconform-0123456789-".chars().cycle().take(len).collect();
    Some(match pick_string(rng, value) {
        Some(path) => {
            *get_mut(value, &path)? = Value::String(text);
            format!("{} = {len} characters", pointer_text(&path))
        }
        None => {
            let path = first_object(value)?;
            get_mut(value, &path)?.as_object_mut()?.insert("polyconformLong".into(), Value::String(text));
            format!("added {}/polyconformLong of {len} characters", pointer_text(&path))
        }
    })
}

/// `control-chars`: one to three control characters inserted into a string.
fn control_chars(value: &mut Value, rng: &mut TestRng) -> Option<String> {
    let path = pick_string(rng, value)?;
    let controls =
        ['\0', '\u{1}', '\u{7}', '\u{8}', '\t', '\n', '\r', '\u{1b}', '\u{1f}', '\u{7f}', '\u{85}', '\u{2028}'];
    let count = rng.random_range(1..=3);
    let Value::String(s) = get_mut(value, &path)? else {
        return None;
    };
    let mut chars: Vec<char> = s.chars().collect();
    let mut added = Vec::new();
    for _ in 0..count {
        let c = controls[rng.random_range(0..controls.len())];
        let at = rng.random_range(0..=chars.len());
        chars.insert(at, c);
        added.push(format!("U+{:04X}", c as u32));
    }
    *s = chars.into_iter().collect();
    Some(format!("{} += {}", pointer_text(&path), added.join(" ")))
}

/// `non-ascii`: other scripts, emoji, combining and invisible characters, in place of or
/// inside a string.
fn non_ascii(value: &mut Value, rng: &mut TestRng) -> Option<String> {
    let path = pick_string(rng, value)?;
    let texts = ["é", "ß", "Ω", "日本語", "😀", "\u{202e}", "e\u{301}", "\u{feff}", "\u{fffd}", "\u{10ffff}", "𝔘𝔫𝔦"];
    let t = *pick(rng, &texts)?;
    let replace = rng.random_bool(0.3);
    let Value::String(s) = get_mut(value, &path)? else {
        return None;
    };
    if replace {
        *s = t.to_string();
    } else {
        let at = s
            .char_indices()
            .map(|(i, _)| i)
            .chain([s.len()])
            .nth(rng.random_range(0..=s.chars().count()))
            .unwrap_or(s.len());
        s.insert_str(at, t);
    }
    Some(format!("{} {} {}", pointer_text(&path), if replace { "=" } else { "+=" }, t.escape_unicode()))
}

/// `data-missing`: `data` removed, or renamed (another case, a trailing space).
fn data_missing(value: &mut Value, rng: &mut TestRng) -> Option<String> {
    let map = value.as_object_mut()?;
    let data = map.shift_remove("data")?;
    let renamed = *pick(rng, &["", "Data", "DATA", "datA", "data "])?;
    Some(if renamed.is_empty() {
        "removed /data".to_string()
    } else {
        map.insert(renamed.to_string(), data);
        format!("renamed /data to {renamed:?}")
    })
}

/// `deep-nesting`: a member (or, now and then, the whole body) wrapped in arrays or
/// objects, up to [`MAX_NESTING`] levels in all.
fn deep_nesting(value: &mut Value, rng: &mut TestRng) -> Option<String> {
    let path =
        if rng.random_bool(0.1) { Vec::new() } else { pick_where(rng, value, false, |_| true).unwrap_or_default() };
    let room = MAX_NESTING.saturating_sub(path.len() + depth_of(get(value, &path)?));
    if room < 2 {
        return None;
    }
    // Mostly past the usual 16/32/64 guards, sometimes just under them.
    let depth =
        if rng.random_bool(0.25) { rng.random_range(2..=16.min(room)) } else { rng.random_range(17.min(room)..=room) };
    let arrays = rng.random_bool(0.5);
    let target = get_mut(value, &path)?;
    let mut nested = std::mem::take(target);
    for _ in 0..depth {
        nested = if arrays {
            Value::Array(vec![nested])
        } else {
            Value::Object(Map::from_iter([(NEST_KEY.to_string(), nested)]))
        };
    }
    *target = nested;
    Some(format!("{} wrapped in {depth} {}", pointer_text(&path), if arrays { "arrays" } else { "objects" }))
}

fn overlong_length(rng: &mut TestRng) -> usize {
    match rng.random_range(0..10) {
        0..=3 => rng.random_range(257..=1024),
        4..=6 => rng.random_range(1025..=4096),
        7..=8 => pick(rng, &[255, 256, 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097]).copied().unwrap_or(513),
        _ => rng.random_range(4097..=MAX_STRING),
    }
}

/// Apply one encoding operator to serialised `body`.
pub fn apply_encoding_op(op: EncodingOp, value: &Value, body: &mut Vec<u8>, rng: &mut TestRng) -> Option<String> {
    let detail = match op {
        EncodingOp::DuplicateKey => duplicate_key(value, body, rng)?,
        EncodingOp::Truncated => {
            if body.len() < 2 {
                return None;
            }
            let at = rng.random_range(1..body.len());
            body.truncate(at);
            format!("cut at byte {at}")
        }
        EncodingOp::NonUtf8 => non_utf8(body, rng)?,
        EncodingOp::ByteOrderMark => {
            body.splice(0..0, [0xef, 0xbb, 0xbf]);
            "UTF-8 byte order mark".into()
        }
        EncodingOp::TrailingGarbage => {
            let tail = *pick(rng, &[&b"}"[..], b",", b"garbage", b"{}", b"\0"])?;
            body.extend_from_slice(tail);
            format!("{:?} appended", String::from_utf8_lossy(tail))
        }
    };
    Some(format!("{}: {detail}", op.name()))
}

/// `duplicate-key`: a member of an object written twice (the first or the second copy
/// differs), which no serialiser writes and parsers settle differently.
fn duplicate_key(value: &Value, body: &mut Vec<u8>, rng: &mut TestRng) -> Option<String> {
    let mut objects = Vec::new();
    collect_paths(value, &mut Vec::new(), &mut objects);
    objects.retain(|p| get(value, p).and_then(Value::as_object).is_some_and(|m| !m.is_empty()));
    let path = pick(rng, &objects)?.clone();
    let map = get(value, &path)?.as_object()?;
    let key = map.keys().nth(rng.random_range(0..map.len()))?.clone();
    let other = pick(rng, &[Value::Null, Value::from("x"), Value::Object(Map::new()), map[&key].clone()])?.clone();
    let before = rng.random_bool(0.5);
    *body = with_duplicate(value, &path, &key, &other, before).into_bytes();
    Some(format!(
        "{}/{key} twice ({} copy {})",
        pointer_text(&path),
        if before { "first" } else { "second" },
        short(&other)
    ))
}

/// `non-utf8`: the body in another encoding (UTF-16, Latin-1) or with stray bytes that
/// are not UTF-8, mostly inside a string where a parser is least likely to expect them.
fn non_utf8(body: &mut Vec<u8>, rng: &mut TestRng) -> Option<String> {
    match rng.random_range(0..6) {
        0 => Some(as_utf16(body)),
        1 => Some(latin1_byte(body, rng)),
        _ => stray_bytes(body, rng),
    }
}

/// The whole body as UTF-16LE with a byte order mark.
fn as_utf16(body: &mut Vec<u8>) -> String {
    let text = String::from_utf8_lossy(body).into_owned();
    let mut out = vec![0xff, 0xfe];
    for unit in text.encode_utf16() {
        out.extend_from_slice(&unit.to_le_bytes());
    }
    *body = out;
    "UTF-16LE with byte order mark".into()
}

/// One Latin-1 `é`: what a Windows client sends when it forgets the charset.
fn latin1_byte(body: &mut Vec<u8>, rng: &mut TestRng) -> String {
    let text = String::from_utf8_lossy(body).into_owned();
    let at = quoted_position(rng, body).unwrap_or(body.len());
    let mut out: Vec<u8> = text.as_bytes()[..at.min(text.len())].to_vec();
    out.push(0xe9);
    out.extend_from_slice(&text.as_bytes()[at.min(text.len())..]);
    *body = out;
    format!("Latin-1 \\xE9 at byte {at}")
}

/// A byte sequence that is never UTF-8 (lone bytes, bad continuations, a surrogate, an
/// overlong form), mostly inside a string.
fn stray_bytes(body: &mut Vec<u8>, rng: &mut TestRng) -> Option<String> {
    let sequences: [&[u8]; 7] =
        [&[0xff], &[0xfe], &[0xc3, 0x28], &[0xe2, 0x28, 0xa1], &[0xed, 0xa0, 0x80], &[0xc0, 0xaf], &[0x80]];
    let seq = *pick(rng, &sequences)?;
    let at =
        if rng.random_bool(0.7) { quoted_position(rng, body).unwrap_or(0) } else { rng.random_range(0..=body.len()) };
    let mut out = body[..at].to_vec();
    out.extend_from_slice(seq);
    out.extend_from_slice(&body[at..]);
    *body = out;
    Some(format!("bytes {} at byte {at}", seq.iter().map(|b| format!("\\x{b:02X}")).collect::<String>()))
}

/// A position just inside a string literal of `body` (after an opening quote).
fn quoted_position(rng: &mut TestRng, body: &[u8]) -> Option<usize> {
    let quotes: Vec<usize> = body.iter().enumerate().filter(|(_, b)| **b == b'"').map(|(i, _)| i + 1).collect();
    if quotes.is_empty() { None } else { Some(quotes[rng.random_range(0..quotes.len())]) }
}

/// Content types: every reading the manual allows and several it does not.
pub const CONTENT_TYPES: [&str; 14] = [
    "",
    "text/plain",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=polyconform",
    "application/JSON",
    "Application/Json",
    "application/json; charset=utf-8",
    "application/json;charset=UTF-8",
    "application/json; charset=iso-8859-1",
    "application/json, text/plain",
    "application/jsonx",
    "json",
    "text/json",
    "application/json; charset=\"utf-8\"; x=1",
];

/// Body sizes around the limit of the profile (both readings of "20 KB").
pub fn body_sizes(limits: &Limits) -> Vec<usize> {
    let a = limits.body_bytes_accepted;
    let r = limits.body_bytes_rejected_above;
    let mut sizes = vec![a / 2, a - 1, a, a + 1, r - 1, r, r + 1, r + r / 2];
    sizes.dedup();
    sizes
}

/// Pad a JSON body with whitespace (still valid JSON) to exactly `size` bytes.
pub fn pad_to(body: &[u8], size: usize) -> Vec<u8> {
    if body.len() >= size || body.is_empty() {
        return body.to_vec();
    }
    let mut out = Vec::with_capacity(size);
    // Whitespace after the opening brace keeps the document one JSON value.
    out.push(body[0]);
    out.extend(std::iter::repeat_n(b' ', size - body.len()));
    out.extend_from_slice(&body[1..]);
    out
}

/// Other methods for `method`: standard verbs and a lower-case one (method tokens are
/// case-sensitive in HTTP, and phones' HTTP servers have been picky).
pub fn other_methods(method: Method) -> &'static [&'static str] {
    match method {
        Method::GET => &["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get"],
        Method::POST => &["GET", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "post"],
    }
}

/// Query strings for an endpoint with documented query parameters (v2 callStatus:
/// handle, line, sequence; v2 lineInfo: line). Values are valid, boundary and hostile.
pub fn arb_query(endpoint: &Endpoint, rng: &mut TestRng) -> String {
    let values = [
        "1",
        "0",
        "2",
        "-1",
        "abc",
        "",
        "99999999999999999999",
        "1.5",
        "%00",
        "%FF",
        "0x1",
        "0a1b2c3d",
        "0x0a1b2c3d",
        "ffffffff",
        " 1",
        "1;2",
        "%2e%2e%2f",
        "\u{e9}",
    ];
    let mut names: Vec<String> = endpoint.query.clone();
    if names.is_empty() {
        names.push("line".into());
    }
    let count = rng.random_range(1..=3);
    let mut parts = Vec::new();
    for _ in 0..count {
        let name = match rng.random_range(0..10) {
            0 => "polyconformUnknown".to_string(),
            1 => {
                let n = pick(rng, &names).cloned().unwrap_or_default();
                let mut cs: Vec<char> = n.chars().collect();
                if let Some(c) = cs.first_mut() {
                    *c = c.to_ascii_uppercase();
                }
                cs.into_iter().collect()
            }
            _ => pick(rng, &names).cloned().unwrap_or_default(),
        };
        let value = if rng.random_bool(0.05) {
            "1".repeat(rng.random_range(300..=3000))
        } else {
            pick(rng, &values).copied().unwrap_or("1").to_string()
        };
        match rng.random_range(0..12) {
            0 => parts.push(name),
            _ => parts.push(format!("{name}={value}")),
        }
    }
    parts.join("&")
}

/// A config parameter name that cannot exist on a phone (for bodies without schema help).
pub fn harmless_param(runner: &mut TestRunner) -> String {
    arb_param_name().new_tree(runner).map(|t| t.current()).unwrap_or_else(|_| "polyconform.fuzz.x".into())
}

// ---- instance navigation -------------------------------------------------------------

fn collect_paths(value: &Value, path: &mut Vec<PathStep>, out: &mut Vec<Vec<PathStep>>) {
    out.push(path.clone());
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                path.push(PathStep::Key(k.clone()));
                collect_paths(v, path, out);
                path.pop();
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(PathStep::Index(i));
                collect_paths(v, path, out);
                path.pop();
            }
        }
        _ => {}
    }
}

/// A random path whose value satisfies `keep`; the root only with `include_root`.
fn pick_where(
    rng: &mut TestRng,
    value: &Value,
    include_root: bool,
    keep: impl Fn(&Value) -> bool,
) -> Option<Vec<PathStep>> {
    let mut all = Vec::new();
    collect_paths(value, &mut Vec::new(), &mut all);
    all.retain(|p| (include_root || !p.is_empty()) && get(value, p).is_some_and(&keep));
    pick(rng, &all).cloned()
}

fn pick_string(rng: &mut TestRng, value: &Value) -> Option<Vec<PathStep>> {
    pick_where(rng, value, true, Value::is_string)
}

fn first_object(value: &Value) -> Option<Vec<PathStep>> {
    let mut all = Vec::new();
    collect_paths(value, &mut Vec::new(), &mut all);
    // The deepest object is the most likely to be read field by field (`data`).
    all.into_iter().filter(|p| get(value, p).is_some_and(Value::is_object)).max_by_key(Vec::len)
}

pub fn get<'a>(value: &'a Value, path: &[PathStep]) -> Option<&'a Value> {
    let mut v = value;
    for step in path {
        v = match step {
            PathStep::Key(k) => v.get(k)?,
            PathStep::Index(i) => v.get(*i)?,
        };
    }
    Some(v)
}

pub fn get_mut<'a>(value: &'a mut Value, path: &[PathStep]) -> Option<&'a mut Value> {
    let mut v = value;
    for step in path {
        v = match step {
            PathStep::Key(k) => v.get_mut(k)?,
            PathStep::Index(i) => v.get_mut(*i)?,
        };
    }
    Some(v)
}

fn remove(value: &mut Value, path: &[PathStep]) -> Option<Value> {
    let (last, parent) = path.split_last()?;
    let parent = get_mut(value, parent)?;
    match (last, parent) {
        (PathStep::Key(k), Value::Object(map)) => map.shift_remove(k),
        (PathStep::Index(i), Value::Array(items)) if *i < items.len() => Some(items.remove(*i)),
        _ => None,
    }
}

/// Nesting depth of a value (a scalar is 0, `[]` is 1).
pub fn depth_of(value: &Value) -> usize {
    match value {
        Value::Object(m) => 1 + m.values().map(depth_of).max().unwrap_or(0),
        Value::Array(a) => 1 + a.iter().map(depth_of).max().unwrap_or(0),
        _ => 0,
    }
}

fn collect_required(
    docs: &SchemaDocs,
    node: Node<'_>,
    value: &Value,
    path: &mut Vec<PathStep>,
    out: &mut Vec<Vec<PathStep>>,
) {
    let Value::Object(map) = value else { return };
    let view = docs.object_view(node);
    for r in &view.required {
        if map.contains_key(r) {
            let mut p = path.clone();
            p.push(PathStep::Key(r.clone()));
            out.push(p);
        }
    }
    for (k, child) in &view.properties {
        if let Some(v) = map.get(k) {
            path.push(PathStep::Key(k.clone()));
            collect_required(docs, *child, v, path, out);
            path.pop();
        }
    }
}

fn collect_enum_paths(
    docs: &SchemaDocs,
    node: Node<'_>,
    value: &Value,
    path: &mut Vec<PathStep>,
    out: &mut Vec<(Vec<PathStep>, Vec<Value>)>,
) {
    let node = docs.deref(node);
    if let Some(values) = node.schema.get("enum").and_then(Value::as_array) {
        out.push((path.clone(), values.clone()));
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if let Some(child) = docs.property(node, k) {
                    path.push(PathStep::Key(k.clone()));
                    collect_enum_paths(docs, child, v, path, out);
                    path.pop();
                }
            }
        }
        Value::Array(items) => {
            if let Some(child) = docs.items(node) {
                for (i, v) in items.iter().enumerate() {
                    path.push(PathStep::Index(i));
                    collect_enum_paths(docs, child, v, path, out);
                    path.pop();
                }
            }
        }
        _ => {}
    }
}

/// A value of another JSON type than `current`.
fn wrong_type_for(rng: &mut TestRng, current: &Value) -> Value {
    let candidates = [
        Value::from(1),
        Value::from(-1),
        Value::from(1.5),
        Value::from(1e300),
        Value::Bool(true),
        Value::Bool(false),
        Value::Null,
        Value::Array(vec![]),
        Value::Array(vec![current.clone()]),
        Value::Object(Map::new()),
        Value::from("1"),
    ];
    let same = |v: &Value| std::mem::discriminant(v) == std::mem::discriminant(current);
    let others: Vec<&Value> = candidates.iter().filter(|v| !same(v)).collect();
    others[rng.random_range(0..others.len())].clone()
}

/// Serialise `value`, writing member `key` of the object at `path` twice: once with
/// `other` and once with its own value.
fn with_duplicate(value: &Value, path: &[PathStep], key: &str, other: &Value, other_first: bool) -> String {
    fn write(
        v: &Value,
        here: &mut Vec<PathStep>,
        path: &[PathStep],
        key: &str,
        other: &Value,
        other_first: bool,
        out: &mut String,
    ) {
        match v {
            Value::Object(map) => {
                out.push('{');
                let mut first = true;
                for (k, child) in map {
                    let dup = here.as_slice() == path && k == key;
                    let member = |val: &Value, out: &mut String, here: &mut Vec<PathStep>| {
                        out.push_str(&serde_json::to_string(k).unwrap_or_default());
                        out.push(':');
                        here.push(PathStep::Key(k.clone()));
                        write(val, here, path, key, other, other_first, out);
                        here.pop();
                    };
                    let order: Vec<&Value> = if !dup {
                        vec![child]
                    } else if other_first {
                        vec![other, child]
                    } else {
                        vec![child, other]
                    };
                    for val in order {
                        if !first {
                            out.push(',');
                        }
                        first = false;
                        member(val, out, here);
                    }
                }
                out.push('}');
            }
            Value::Array(items) => {
                out.push('[');
                for (i, child) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    here.push(PathStep::Index(i));
                    write(child, here, path, key, other, other_first, out);
                    here.pop();
                }
                out.push(']');
            }
            scalar => out.push_str(&serde_json::to_string(scalar).unwrap_or_default()),
        }
    }
    let mut out = String::new();
    write(value, &mut Vec::new(), path, key, other, other_first, &mut out);
    out
}

/// A value shown in a mutation detail, cut short.
fn short(v: &Value) -> String {
    let text = v.to_string();
    if text.chars().count() > 40 { format!("{}...", text.chars().take(40).collect::<String>()) } else { text }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::case::parse_strict;
    use crate::fuzz::request_schema::tests::sample_docs;
    use proptest::test_runner::{Config, RngAlgorithm};
    use serde_json::json;

    fn runner() -> TestRunner {
        TestRunner::new_with_rng(Config::default(), TestRng::from_seed(RngAlgorithm::ChaCha, &[3; 32]))
    }

    #[test]
    fn duplicate_keys_are_written_twice_and_refused_by_the_strict_reader() {
        let v = json!({"data": {"Dest": "100"}});
        let text = with_duplicate(&v, &[PathStep::Key("data".into())], "Dest", &Value::Null, true);
        assert_eq!(text, r#"{"data":{"Dest":null,"Dest":"100"}}"#);
        assert_eq!(parse_strict(text.as_bytes()).unwrap_err(), "duplicate key");
    }

    #[test]
    fn deep_nesting_stays_within_what_json_readers_accept() {
        let docs = sample_docs();
        let root = docs.def("v1/callctrl/dial.json", "request");
        let mut r = runner();
        for _ in 0..100 {
            let mut v = json!({"data": {"Dest": "100"}});
            apply_value_op(ValueOp::DeepNesting, &mut v, &docs, root, &mut r).unwrap();
            assert!(depth_of(&v) <= MAX_NESTING, "{}", depth_of(&v));
            assert!(parse_strict(&serde_json::to_vec(&v).unwrap()).is_ok());
        }
    }

    #[test]
    fn missing_required_removes_a_mandatory_member() {
        let docs = sample_docs();
        let root = docs.def("v1/callctrl/dial.json", "request");
        let mut r = runner();
        let mut removed = std::collections::BTreeSet::new();
        for _ in 0..50 {
            let mut v = json!({"data": {"Dest": "100", "Line": "1"}});
            let what = apply_value_op(ValueOp::MissingRequired, &mut v, &docs, root, &mut r).unwrap();
            removed.insert(what);
        }
        assert_eq!(
            removed.into_iter().collect::<Vec<_>>(),
            vec!["missing-required: removed /data", "missing-required: removed /data/Dest"]
        );
    }

    #[test]
    fn enum_values_are_replaced_by_values_outside_the_enum() {
        let docs = sample_docs();
        let root = docs.def("v1/callctrl/dial.json", "request");
        let mut r = runner();
        for _ in 0..30 {
            let mut v = json!({"data": {"Dest": "100", "Type": "SIP"}});
            apply_value_op(ValueOp::EnumOutside, &mut v, &docs, root, &mut r).unwrap();
            assert!(!["SIP", "TEL", "H323"].contains(&v["data"]["Type"].as_str().unwrap()), "{v}");
        }
    }

    #[test]
    fn padding_keeps_json_valid_and_hits_the_exact_size() {
        let body = br#"{"data":["a"]}"#;
        let padded = pad_to(body, 20481);
        assert_eq!(padded.len(), 20481);
        assert_eq!(parse_strict(&padded).unwrap(), json!({"data": ["a"]}));
    }

    #[test]
    fn non_utf8_encodings_are_not_utf8() {
        let mut r = runner();
        for _ in 0..40 {
            let v = json!({"data": {"Dest": "100"}});
            let mut body = serde_json::to_vec(&v).unwrap();
            apply_encoding_op(EncodingOp::NonUtf8, &v, &mut body, r.rng()).unwrap();
            assert!(std::str::from_utf8(&body).is_err(), "{body:?}");
        }
    }
}
