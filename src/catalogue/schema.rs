//! The JSON Schemas of `schemas/`, compiled once, addressed by endpoint.
//!
//! Every endpoint file has `$defs/request` (when the endpoint takes a body) and
//! `$defs/response` (the success answer, `Status` "2000" plus `data`). `common.json`
//! holds shared definitions, among them `failure` (the `{"Status": "4xxx"}` envelope).
//! References are resolved only among these files: remote `$ref` resolution is off, so
//! validation never touches the network.

use super::error::SpecError;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Base of every schema `$id`; `.invalid` is a reserved TLD, so nothing is ever fetched.
pub const SCHEMA_BASE: &str = "https://polyconform.invalid/schemas/";

/// One schema file as loaded.
#[derive(Debug, Clone)]
pub struct SchemaFile {
    /// Path relative to `schemas/` (`v1/mgmt/device/info.json`).
    pub rel: String,
    pub path: PathBuf,
    pub value: Value,
}

/// A validation problem: where in the instance and what.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SchemaViolation {
    /// JSON pointer into the answer (`/data/ModelNumber`).
    pub pointer: String,
    pub message: String,
}

/// All schemas, compiled.
pub struct SchemaSet {
    files: BTreeMap<String, SchemaFile>,
    validators: BTreeMap<(String, String), jsonschema::Validator>,
}

impl std::fmt::Debug for SchemaSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaSet").field("files", &self.files.keys().collect::<Vec<_>>()).finish()
    }
}

impl SchemaSet {
    /// Compile every file; each must be a valid draft 2020-12 schema whose `$id` matches
    /// its place under `schemas/`.
    pub fn compile(files: Vec<SchemaFile>) -> Result<SchemaSet, Vec<SpecError>> {
        let mut errors = Vec::new();
        let mut registry = jsonschema::Registry::new();
        let mut by_rel = BTreeMap::new();
        for file in files {
            if let Err(e) = jsonschema::meta::validate(&file.value) {
                errors.push(
                    SpecError::new(&file.path, format!("not a valid JSON Schema: {e}"))
                        .field(e.instance_path().to_string())
                        .hint("check the keyword against the draft 2020-12 meta-schema"),
                );
                continue;
            }
            let want = format!("{SCHEMA_BASE}{}", file.rel);
            match file.value.get("$id").and_then(Value::as_str) {
                Some(id) if id == want => {}
                other => {
                    errors.push(
                        SpecError::new(
                            &file.path,
                            format!("`$id` is {:?}, expected \"{want}\"", other.unwrap_or("missing")),
                        )
                        .field("$id")
                        .hint("the `$id` must mirror the file's path under schemas/ so `$ref`s resolve"),
                    );
                    continue;
                }
            }
            registry = match registry.add(want.as_str(), file.value.clone()) {
                Ok(r) => r,
                Err(e) => {
                    errors.push(SpecError::new(&file.path, format!("cannot register schema: {e}")));
                    return Err(errors);
                }
            };
            by_rel.insert(file.rel.clone(), file);
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let registry = match registry.prepare() {
            Ok(r) => r,
            Err(e) => {
                return Err(vec![SpecError::new(
                    Path::new("schemas"),
                    format!("cannot resolve schema references: {e}"),
                )]);
            }
        };
        let mut validators = BTreeMap::new();
        for (rel, file) in &by_rel {
            let Some(defs) = file.value.get("$defs").and_then(Value::as_object) else {
                continue;
            };
            for def in defs.keys() {
                let wrapper = serde_json::json!({ "$ref": format!("{SCHEMA_BASE}{rel}#/$defs/{def}") });
                match jsonschema::options().with_registry(&registry).build(&wrapper) {
                    Ok(v) => {
                        validators.insert((rel.clone(), def.clone()), v);
                    }
                    Err(e) => errors.push(
                        SpecError::new(&file.path, format!("`$defs/{def}` does not compile: {e}"))
                            .field(format!("$defs/{def}"))
                            .hint("every `$ref` must point into a file under schemas/"),
                    ),
                }
            }
        }
        if errors.is_empty() { Ok(SchemaSet { files: by_rel, validators }) } else { Err(errors) }
    }

    /// Whether `rel` is a loaded schema file.
    pub fn has_file(&self, rel: &str) -> bool {
        self.files.contains_key(rel)
    }

    /// Whether `rel` defines `$defs/<def>`.
    pub fn has_def(&self, rel: &str, def: &str) -> bool {
        self.validators.contains_key(&(rel.to_string(), def.to_string()))
    }

    /// The `$defs` names of `rel`.
    pub fn defs<'a>(&'a self, rel: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.validators.keys().filter(move |(r, _)| r == rel).map(|(_, d)| d.as_str())
    }

    /// The loaded files.
    pub fn files(&self) -> impl Iterator<Item = &SchemaFile> {
        self.files.values()
    }

    /// The file's `description` (which manual section it encodes).
    pub fn description(&self, rel: &str) -> Option<&str> {
        self.files.get(rel)?.value.get("description")?.as_str()
    }

    /// Validate `instance` against `schemas/<rel>#/$defs/<def>`. `None` when the
    /// schema or definition does not exist.
    pub fn validate(&self, rel: &str, def: &str, instance: &Value) -> Option<Vec<SchemaViolation>> {
        let v = self.validators.get(&(rel.to_string(), def.to_string()))?;
        Some(
            v.iter_errors(instance)
                .map(|e| SchemaViolation { pointer: e.instance_path().to_string(), message: e.to_string() })
                .collect(),
        )
    }
}
