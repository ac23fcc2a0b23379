//! The request schemas of the catalogue as raw JSON, with `$ref` resolution.
//!
//! The compiled [`crate::catalogue::SchemaSet`] answers "is this valid?"; the fuzzer also
//! needs to *read* a schema: which members an object requires, which values an enum
//! allows, what a field's type is. [`SchemaDocs`] holds every file of `schemas/` as
//! JSON and follows `$ref`s between them the way the validator does (relative to the
//! file's `$id`), so generation and validation agree on what a schema means.

use crate::catalogue::SchemaSet;
use crate::catalogue::schema::SCHEMA_BASE;
use serde_json::Value;
use std::collections::BTreeMap;

/// Nesting of `$ref`s followed before giving up (guards against reference cycles).
const MAX_REF_HOPS: usize = 16;

/// Every schema file, by its path under `schemas/` (`v1/mgmt/config/get.json`).
#[derive(Debug, Clone, Default)]
pub struct SchemaDocs {
    docs: BTreeMap<String, Value>,
}

/// A schema node together with the file it lives in (needed to resolve its `$ref`s).
#[derive(Debug, Clone, Copy)]
pub struct Node<'a> {
    pub rel: &'a str,
    pub schema: &'a Value,
}

impl SchemaDocs {
    pub fn from_set(set: &SchemaSet) -> SchemaDocs {
        SchemaDocs { docs: set.files().map(|f| (f.rel.clone(), f.value.clone())).collect() }
    }

    /// For tests and tools: documents given directly.
    pub fn from_docs(docs: impl IntoIterator<Item = (String, Value)>) -> SchemaDocs {
        SchemaDocs { docs: docs.into_iter().collect() }
    }

    /// `schemas/<rel>#/$defs/<def>`, if it exists.
    pub fn def<'a>(&'a self, rel: &str, def: &str) -> Option<Node<'a>> {
        let (rel, doc) = self.docs.get_key_value(rel)?;
        let schema = doc.get("$defs")?.get(def)?;
        Some(Node { rel, schema })
    }

    /// Follow `$ref`s until a node without one. Sibling keywords next to a `$ref` are
    /// rare in our schemas; the referenced node wins, and the validator still has the
    /// last word on validity.
    pub fn deref<'a>(&'a self, mut node: Node<'a>) -> Node<'a> {
        for _ in 0..MAX_REF_HOPS {
            let Some(reference) = node.schema.get("$ref").and_then(Value::as_str) else {
                return node;
            };
            match self.resolve(node.rel, reference) {
                Some(next) => node = next,
                None => return node,
            }
        }
        node
    }

    /// Resolve `reference` as written in file `rel`.
    pub fn resolve<'a>(&'a self, rel: &str, reference: &str) -> Option<Node<'a>> {
        let base = reqwest::Url::parse(&format!("{SCHEMA_BASE}{rel}")).ok()?;
        let target = base.join(reference).ok()?;
        let fragment = target.fragment().unwrap_or("").to_string();
        let mut without = target.clone();
        without.set_fragment(None);
        let target_rel = without.as_str().strip_prefix(SCHEMA_BASE)?;
        let (rel, doc) = self.docs.get_key_value(target_rel)?;
        let pointer = percent_decode(&fragment);
        let schema = if pointer.is_empty() { doc } else { doc.pointer(&pointer)? };
        Some(Node { rel, schema })
    }

    /// The object schemas that apply at `node` after resolving references and merging
    /// an `allOf`: used to read `required` and `properties`.
    pub fn object_view<'a>(&'a self, node: Node<'a>) -> ObjectView<'a> {
        let node = self.deref(node);
        let mut view = ObjectView::default();
        self.collect_object(node, &mut view, 0);
        view
    }

    fn collect_object<'a>(&'a self, node: Node<'a>, view: &mut ObjectView<'a>, depth: usize) {
        if depth > MAX_REF_HOPS {
            return;
        }
        let node = self.deref(node);
        if let Some(req) = node.schema.get("required").and_then(Value::as_array) {
            for r in req.iter().filter_map(Value::as_str) {
                if !view.required.iter().any(|x| x == r) {
                    view.required.push(r.to_string());
                }
            }
        }
        if let Some(props) = node.schema.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                if !view.properties.iter().any(|(x, _)| x == k) {
                    view.properties.push((k.clone(), Node { rel: node.rel, schema: v }));
                }
            }
        }
        if let Some(ap) = node.schema.get("additionalProperties") {
            view.additional.get_or_insert(Node { rel: node.rel, schema: ap });
        }
        if let Some(all) = node.schema.get("allOf").and_then(Value::as_array) {
            for part in all {
                self.collect_object(Node { rel: node.rel, schema: part }, view, depth + 1);
            }
        }
    }

    /// The schema that applies to the member `key` of an object described by `node`.
    pub fn property<'a>(&'a self, node: Node<'a>, key: &str) -> Option<Node<'a>> {
        let view = self.object_view(node);
        if let Some((_, n)) = view.properties.iter().find(|(k, _)| k == key) {
            return Some(self.deref(*n));
        }
        view.additional.filter(|n| n.schema.is_object()).map(|n| self.deref(n))
    }

    /// The schema of the items of an array described by `node`.
    pub fn items<'a>(&'a self, node: Node<'a>) -> Option<Node<'a>> {
        let node = self.deref(node);
        node.schema.get("items").filter(|i| i.is_object()).map(|i| self.deref(Node { rel: node.rel, schema: i }))
    }

    /// The schema that applies at a JSON pointer of an instance, by walking
    /// `properties`/`items`. `None` where the schema does not say (a `oneOf`, say).
    pub fn at_pointer<'a>(&'a self, root: Node<'a>, pointer: &[PathStep]) -> Option<Node<'a>> {
        let mut node = self.deref(root);
        for step in pointer {
            node = match step {
                PathStep::Key(k) => self.property(node, k)?,
                PathStep::Index(_) => self.items(node)?,
            };
        }
        Some(node)
    }
}

/// The object keywords in force at one place of a schema.
#[derive(Debug, Clone, Default)]
pub struct ObjectView<'a> {
    pub required: Vec<String>,
    pub properties: Vec<(String, Node<'a>)>,
    pub additional: Option<Node<'a>>,
}

/// One step of a path into a JSON instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Key(String),
    Index(usize),
}

/// The path as a JSON pointer (`/data/Dest`), for messages and reproducers.
pub fn pointer_text(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        out.push('/');
        match step {
            PathStep::Key(k) => out.push_str(&k.replace('~', "~0").replace('/', "~1")),
            PathStep::Index(i) => out.push_str(&i.to_string()),
        }
    }
    out
}

/// The JSON type names a schema node allows (`type` as a string or a list).
pub fn types(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(a)) => a.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 3 <= bytes.len()
            && let Some(b) = std::str::from_utf8(&bytes[i + 1..i + 3]).ok().and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// A miniature of the real layout: a shared file and an endpoint file referring to it.
    pub(crate) fn sample_docs() -> SchemaDocs {
        SchemaDocs::from_docs([
            (
                "common.json".to_string(),
                json!({
                    "$id": format!("{SCHEMA_BASE}common.json"),
                    "$defs": {
                        "line": {"type": "string", "pattern": "^[0-9]+$"},
                        "ref": {"type": "string", "minLength": 1}
                    }
                }),
            ),
            (
                "v1/callctrl/dial.json".to_string(),
                json!({
                    "$id": format!("{SCHEMA_BASE}v1/callctrl/dial.json"),
                    "$defs": {
                        "request": {
                            "type": "object",
                            "required": ["data"],
                            "properties": {
                                "data": {
                                    "type": "object",
                                    "required": ["Dest"],
                                    "properties": {
                                        "Dest": {"type": "string", "minLength": 1},
                                        "Line": {"$ref": "../../common.json#/$defs/line"},
                                        "Type": {"enum": ["SIP", "TEL", "H323"]}
                                    },
                                    "additionalProperties": false
                                }
                            }
                        }
                    }
                }),
            ),
        ])
    }

    #[test]
    fn references_resolve_relative_to_the_file_id() {
        let docs = sample_docs();
        let root = docs.def("v1/callctrl/dial.json", "request").unwrap();
        let line = docs.at_pointer(root, &[PathStep::Key("data".into()), PathStep::Key("Line".into())]).unwrap();
        assert_eq!(line.rel, "common.json");
        assert_eq!(line.schema["pattern"], "^[0-9]+$");
        let data = docs.property(root, "data").unwrap();
        assert_eq!(docs.object_view(data).required, vec!["Dest".to_string()]);
    }

    #[test]
    fn absolute_references_and_missing_targets() {
        let docs = sample_docs();
        let n = docs.resolve("v1/callctrl/dial.json", &format!("{SCHEMA_BASE}common.json#/$defs/ref")).unwrap();
        assert_eq!(n.schema["minLength"], 1);
        assert!(docs.resolve("v1/callctrl/dial.json", "nope.json#/$defs/x").is_none());
        assert_eq!(pointer_text(&[PathStep::Key("a/b".into()), PathStep::Index(2)]), "/a~1b/2");
    }
}
