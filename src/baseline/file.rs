//! One baseline file (`snapshots/NAME/<endpoint-id>.snap`): insta's metadata header and
//! the shape as pretty JSON, read and written without insta's runtime.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The baselines that ship inside the binary (`snapshots/`), so `--baseline trio-5.9.1`
/// works from an installed `polyconform` without a checkout.
pub static SHIPPED: include_dir::Dir<'_> = include_dir::include_dir!("$CARGO_MANIFEST_DIR/snapshots");

/// One `.snap` file: insta's metadata header and the shape as pretty JSON.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapFile {
    pub source: Option<String>,
    pub description: Option<String>,
    pub expression: Option<String>,
    /// The `info:` map (flat string values).
    pub info: BTreeMap<String, String>,
    pub body: String,
    /// 1-based line of the first body line, for error messages.
    pub body_line: usize,
}

impl SnapFile {
    /// The file text, in insta's layout (keys in insta's order).
    pub fn render(&self) -> String {
        let mut out = String::from("---\n");
        for (k, v) in [("source", &self.source), ("description", &self.description), ("expression", &self.expression)] {
            if let Some(v) = v {
                out.push_str(&format!("{k}: {}\n", yaml_scalar(v)));
            }
        }
        if !self.info.is_empty() {
            out.push_str("info:\n");
            for (k, v) in &self.info {
                out.push_str(&format!("  {}: {}\n", yaml_scalar(k), yaml_scalar(v)));
            }
        }
        out.push_str("---\n");
        out.push_str(self.body.trim_end());
        out.push('\n');
        out
    }

    /// Read a `.snap` written by this module or by insta (`cargo insta review` keeps the
    /// header as it is). Only the flat header subset both write is understood.
    pub fn parse(text: &str) -> Result<SnapFile, String> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, l)) if l.trim_end() == "---" => {}
            _ => return Err("not a snapshot file: the first line must be `---`".into()),
        }
        let mut snap = SnapFile {
            source: None,
            description: None,
            expression: None,
            info: BTreeMap::new(),
            body: String::new(),
            body_line: 0,
        };
        let mut in_info = false;
        let mut closed = false;
        for (i, line) in lines.by_ref() {
            let n = i + 1;
            if line.trim_end() == "---" {
                snap.body_line = n + 1;
                closed = true;
                break;
            }
            if line.trim().is_empty() {
                continue;
            }
            let indented = line.starts_with(' ');
            let (key, value) =
                split_key(line.trim()).ok_or_else(|| format!("line {n}: expected `key: value` in the header"))?;
            let key = unquote(key).map_err(|e| format!("line {n}: {e}"))?;
            if indented {
                if !in_info {
                    return Err(format!("line {n}: unexpected indentation outside `info:`"));
                }
                snap.info.insert(key, unquote(value).map_err(|e| format!("line {n}: {e}"))?);
                continue;
            }
            in_info = false;
            let value =
                if value.is_empty() { None } else { Some(unquote(value).map_err(|e| format!("line {n}: {e}"))?) };
            match key.as_str() {
                "source" => snap.source = value,
                "description" => snap.description = value,
                "expression" => snap.expression = value,
                "info" if value.is_none() => in_info = true,
                // insta's other header keys (assertion_line, input_file, snapshot_kind) do not
                // matter for a baseline.
                _ => {}
            }
        }
        if !closed {
            return Err("the metadata header is not closed by a `---` line".into());
        }
        snap.body = lines.map(|(_, l)| l).collect::<Vec<_>>().join("\n").trim_end().to_string();
        Ok(snap)
    }
}

/// `key: value` at the first `: ` (or a trailing `:`) outside quotes.
fn split_key(line: &str) -> Option<(&str, &str)> {
    let mut quote: Option<char> = None;
    let chars: Vec<(usize, char)> = line.char_indices().collect();
    for (idx, &(i, c)) in chars.iter().enumerate() {
        match quote {
            Some(q) if c == q => quote = None,
            Some('"') if c == '\\' => {}
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == ':' => {
                let next = chars.get(idx + 1).map(|&(_, c)| c);
                if next.is_none() || next == Some(' ') {
                    return Some((&line[..i], line[i + 1..].trim()));
                }
            }
            None => {}
        }
    }
    None
}

/// A YAML scalar: plain when unambiguous, else double-quoted with JSON escapes (a JSON
/// string is a valid YAML double-quoted scalar).
fn yaml_scalar(s: &str) -> String {
    let plain = !s.is_empty()
        && s.trim() == s
        && s.chars().all(|c| c.is_ascii_alphanumeric() || " ._/()-,".contains(c))
        && s.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '.' || c == '_')
        && !matches!(s.to_ascii_lowercase().as_str(), "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~");
    if plain { s.to_string() } else { serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into()) }
}

fn unquote(v: &str) -> Result<String, String> {
    let v = v.trim();
    if let Some(inner) = v.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'').ok_or("unterminated single-quoted value")?;
        return Ok(inner.replace("''", "'"));
    }
    if v.starts_with('"') {
        return serde_json::from_str::<String>(v).map_err(|e| format!("bad double-quoted value: {e}"));
    }
    Ok(v.to_string())
}

/// Where the shipped baselines of this checkout live.
pub fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> SnapFile {
        let mut info = BTreeMap::new();
        info.insert("endpoint".into(), "mgmt.device-info".into());
        info.insert("method".into(), "GET".into());
        info.insert("path".into(), "/api/v1/mgmt/device/info".into());
        info.insert("title".into(), "Management.DeviceInfo: \"quoted\" # not a comment".into());
        SnapFile {
            source: Some("src/baseline/capture.rs".into()),
            description: Some("Shape of GET /api/v1/mgmt/device/info: yes".into()),
            expression: Some("shape_of(GET /api/v1/mgmt/device/info)".into()),
            info,
            body: "{\n  \"Status\": {\n    \"$enum\": [\n      \"2000\"\n    ]\n  }\n}".into(),
            body_line: 0,
        }
    }

    #[test]
    fn a_snap_file_round_trips_through_our_parser() {
        let snap = sample();
        let text = snap.render();
        let back = SnapFile::parse(&text).unwrap();
        assert_eq!(back.info, snap.info);
        assert_eq!(back.description, snap.description);
        assert_eq!(back.expression, snap.expression);
        assert_eq!(back.body, snap.body);
        assert_eq!(back.body_line, 11);
    }

    #[test]
    fn scalars_are_plain_only_when_unambiguous() {
        assert_eq!(yaml_scalar("src/baseline/capture.rs"), "src/baseline/capture.rs");
        assert_eq!(yaml_scalar("a: b"), "\"a: b\"");
        assert_eq!(yaml_scalar("yes"), "\"yes\"");
        assert_eq!(yaml_scalar("2000"), "\"2000\"");
        assert_eq!(yaml_scalar(""), "\"\"");
    }

    #[test]
    fn malformed_headers_are_errors_not_panics() {
        for text in [
            "",
            "{}",
            "---\nsource: x\n",
            "---\n  info: x\n---\n",
            "---\nkey \"unterminated\n---\n",
            "---\nsource: \"bad\\q\"\n---\n",
        ] {
            assert!(SnapFile::parse(text).is_err(), "{text:?}");
        }
    }
}
