//! `diff.json`: the [`Diff`] serialised, secrets masked; `schemas/diff.schema.json`
//! describes it.

use super::model::Diff;
use std::path::Path;

/// File name written into a report directory.
pub const FILE_NAME: &str = "diff.json";

/// The diff as pretty JSON, passed through `redact` (which only ever replaces text inside
/// strings; the result is parsed again to prove it).
pub fn to_string(diff: &Diff, redact: &dyn Fn(&str) -> String) -> Result<String, serde_json::Error> {
    let text = redact(&serde_json::to_string_pretty(diff)?);
    serde_json::from_str::<serde_json::Value>(&text)?;
    Ok(text)
}

/// Write the diff to `path`.
pub fn write(diff: &Diff, path: &Path, redact: &dyn Fn(&str) -> String) -> std::io::Result<()> {
    let text = to_string(diff, redact).map_err(std::io::Error::other)?;
    std::fs::write(path, text)
}
