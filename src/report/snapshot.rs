//! `polyconform snapshot`: record the shape of every safe answer as a baseline.
//!
//! ```text
//! polyconform snapshot --name trio-5.9.1                       # the built-in emulator
//! POLYCONFORM_PASSWORD=... polyconform snapshot --target https://10.0.0.5 --insecure \
//!     --profile trio-5.9.1 --name trio-5.9.1-lab
//! ```
//!
//! For every endpoint of the profile that is a GET and `safe`, one request is sent and
//! the shape of the answer ([`crate::report::baseline::shape_of`]) is written to
//! `snapshots/NAME/<endpoint-id>.snap`. The file format is insta's: a YAML metadata
//! header between `---` lines, then the content. So the workflow is insta's too:
//!
//! - no `.snap` yet: it is written;
//! - same shape as the `.snap`: nothing is written;
//! - a different shape: `<endpoint-id>.snap.new` is written beside it, and
//!   `cargo insta review` (or `cargo insta accept`) shows the diff and accepts it.
//!   `INSTA_UPDATE=always` overwrites the `.snap` directly; `INSTA_UPDATE=no` writes
//!   nothing and only reports.
//!
//! The header records the endpoint, method, path and profile (what `--baseline`
//! compares against), never the target URL or a credential.

use crate::catalogue::{Catalogue, DataFiles, Method, Profile, Safety};
use crate::cli::SnapshotArgs;
use crate::device::{Device, Outcome, WireRequest};
use crate::report::baseline::shape_of;
use crate::report::redact::Redactor;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// What insta shows as the snapshot's source file.
const SOURCE: &str = "src/report/snapshot.rs";

/// `polyconform snapshot`.
pub fn command(args: SnapshotArgs) -> ExitCode {
    match record(&args) {
        Ok(summary) => {
            println!("{summary}");
            crate::exit::code(crate::exit::OK)
        }
        Err(message) => {
            eprintln!("error: {message}");
            crate::exit::code(crate::exit::CANNOT_JUDGE)
        }
    }
}

fn record(args: &SnapshotArgs) -> Result<String, String> {
    if !valid_name(&args.name) {
        return Err(format!(
            "baseline name `{}` is not usable as a folder name (hint: letters, digits, `.`, `_` and `-` only, e.g. `trio-5.9.1`)",
            args.name
        ));
    }
    let catalogue = match &args.target.data {
        Some(dir) => {
            let files = DataFiles::from_dir(dir)
                .map_err(|e| format!("cannot read --data `{}`: {e}", dir.display()))?;
            Catalogue::load(&files)
        }
        None => Catalogue::embedded(),
    }
    .map_err(|e| format!("the data files do not load:\n{e}"))?;
    let profile = catalogue.profile(&args.target.profile)?.clone();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let dir = args.snapshots.join(&args.name);
    runtime.block_on(async {
        let target =
            crate::run::target::connect(&args.target, &profile, &args.emulator_faults, false)
                .await
                .map_err(|e| e.to_string())?;
        let recorded = capture(&target.device, &profile).await;
        if let Some(emulator) = target.emulator {
            emulator.stop().await;
        }
        // A shape holds no values, but a firmware could echo anything into an enum field.
        let redactor = Redactor::new(&args.target.username, &target.password);
        write_baseline(&dir, &profile, &recorded, update_mode(), &redactor)
    })
}

/// Letters, digits, `.`, `_`, `-`: a baseline name is a folder name, never a path.
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// The answer of one safe endpoint.
#[derive(Debug, Clone, PartialEq)]
pub struct Recorded {
    pub endpoint: String,
    pub title: String,
    pub method: String,
    pub path: String,
    /// The shape, when the answer was HTTP 200 with a JSON body.
    pub shape: Result<serde_json::Value, String>,
}

/// The endpoints a snapshot records: GET and `safe` (nothing that changes the phone).
pub fn recordable(profile: &Profile) -> impl Iterator<Item = &crate::catalogue::Endpoint> {
    profile
        .endpoints
        .iter()
        .filter(|e| e.method == Method::GET && e.safety == Safety::Safe)
}

/// Ask every recordable endpoint once, in profile order.
pub async fn capture(device: &Device, profile: &Profile) -> Vec<Recorded> {
    let mut out = Vec::new();
    for ep in recordable(profile) {
        let ex = device.send("snapshot", WireRequest::get(&ep.path)).await;
        let shape = match &ex.outcome {
            Outcome::Answered(r) if r.status == 200 => r
                .json()
                .map(|v| shape_of(&v))
                .ok_or_else(|| "HTTP 200 without a JSON body".to_string()),
            other => Err(other.summary()),
        };
        out.push(Recorded {
            endpoint: ep.id.clone(),
            title: ep.title.clone(),
            method: ep.method.as_str().into(),
            path: ep.path.clone(),
            shape,
        });
    }
    out
}

/// What to do with a shape that differs from the recorded one (insta's `INSTA_UPDATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateMode {
    /// Write `.snap.new` for review (insta's default outside CI).
    New,
    /// Overwrite the `.snap`.
    Always,
    /// Write nothing; report only.
    No,
}

fn update_mode() -> UpdateMode {
    match std::env::var("INSTA_UPDATE").as_deref() {
        Ok("always") | Ok("overwrite") => UpdateMode::Always,
        Ok("no") => UpdateMode::No,
        _ => UpdateMode::New,
    }
}

/// Write (or stage for review) one `.snap` per recorded endpoint; returns the summary
/// printed to the user.
pub fn write_baseline(
    dir: &Path,
    profile: &Profile,
    recorded: &[Recorded],
    mode: UpdateMode,
    redactor: &Redactor,
) -> Result<String, String> {
    if let Some(first) = recorded
        .iter()
        .find_map(|r| r.shape.as_ref().err())
        .filter(|_| recorded.iter().all(|r| r.shape.is_err()))
    {
        // Nothing usable came back (unreachable, wrong password, API disabled): a baseline
        // of nothing would make every later comparison silently empty.
        return Err(format!(
            "no endpoint answered HTTP 200 with JSON, nothing recorded; first answer: {first} (hint: check --target, the password and that the REST API is enabled)"
        ));
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create `{}`: {e}", dir.display()))?;
    let mut lines = Vec::new();
    let (mut written, mut unchanged, mut pending, mut skipped) = (0, 0, 0, 0);
    for r in recorded {
        let shape = match &r.shape {
            Ok(s) => s,
            Err(why) => {
                skipped += 1;
                lines.push(format!(
                    "  skipped   {} ({} {}): {why}",
                    r.endpoint, r.method, r.path
                ));
                continue;
            }
        };
        let snap = SnapFile::for_shape(r, profile, shape);
        let text = redactor.redact(&snap.render());
        let path = dir.join(format!("{}.snap", r.endpoint));
        let existing = std::fs::read_to_string(&path)
            .ok()
            .and_then(|t| SnapFile::parse(&t).ok());
        let new_path = path.with_extension("snap.new");
        match existing {
            Some(old)
                if old.body.trim_end()
                    == SnapFile::parse(&text)
                        .map(|s| s.body)
                        .unwrap_or_default()
                        .trim_end() =>
            {
                unchanged += 1;
                // A pending review made stale by an identical new recording is removed.
                let _ = std::fs::remove_file(&new_path);
            }
            Some(_) if mode == UpdateMode::New => {
                std::fs::write(&new_path, &text)
                    .map_err(|e| format!("cannot write `{}`: {e}", new_path.display()))?;
                pending += 1;
                lines.push(format!(
                    "  changed   {} -> {}",
                    r.endpoint,
                    new_path.display()
                ));
            }
            Some(_) if mode == UpdateMode::No => {
                pending += 1;
                lines.push(format!(
                    "  changed   {} (not written: INSTA_UPDATE=no)",
                    r.endpoint
                ));
            }
            _ => {
                std::fs::write(&path, &text)
                    .map_err(|e| format!("cannot write `{}`: {e}", path.display()))?;
                let _ = std::fs::remove_file(&new_path);
                written += 1;
            }
        }
    }
    let mut summary = format!(
        "baseline `{}` ({}): {written} written, {unchanged} unchanged, {pending} changed, {skipped} skipped",
        dir.display(),
        profile.id
    );
    for l in lines {
        summary.push('\n');
        summary.push_str(&l);
    }
    if pending > 0 && mode == UpdateMode::New {
        summary.push_str("\nreview the changes with `cargo insta review` (or record over them with INSTA_UPDATE=always)");
    }
    Ok(summary)
}

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
    fn for_shape(r: &Recorded, profile: &Profile, shape: &serde_json::Value) -> SnapFile {
        let mut info = BTreeMap::new();
        info.insert("endpoint".to_string(), r.endpoint.clone());
        info.insert("method".to_string(), r.method.clone());
        info.insert("path".to_string(), r.path.clone());
        info.insert("profile".to_string(), profile.id.clone());
        info.insert("title".to_string(), r.title.clone());
        SnapFile {
            source: Some(SOURCE.to_string()),
            description: Some(format!(
                "Shape of the answer of {} {} ({}) on {}",
                r.method, r.path, r.title, profile.id
            )),
            expression: Some(format!("shape_of({} {})", r.method, r.path)),
            info,
            body: crate::report::baseline::pretty(shape),
            body_line: 0,
        }
    }

    /// The file text, in insta's layout (keys in insta's order).
    pub fn render(&self) -> String {
        let mut out = String::from("---\n");
        for (k, v) in [
            ("source", &self.source),
            ("description", &self.description),
            ("expression", &self.expression),
        ] {
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
            let (key, value) = split_key(line.trim())
                .ok_or_else(|| format!("line {n}: expected `key: value` in the header"))?;
            let key = unquote(key).map_err(|e| format!("line {n}: {e}"))?;
            if indented {
                if !in_info {
                    return Err(format!("line {n}: unexpected indentation outside `info:`"));
                }
                snap.info
                    .insert(key, unquote(value).map_err(|e| format!("line {n}: {e}"))?);
                continue;
            }
            in_info = false;
            let value = if value.is_empty() {
                None
            } else {
                Some(unquote(value).map_err(|e| format!("line {n}: {e}"))?)
            };
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
        snap.body = lines
            .map(|(_, l)| l)
            .collect::<Vec<_>>()
            .join("\n")
            .trim_end()
            .to_string();
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
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || " ._/()-,".contains(c))
        && s.chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '/' || c == '.' || c == '_')
        && !matches!(
            s.to_ascii_lowercase().as_str(),
            "true" | "false" | "null" | "yes" | "no" | "on" | "off" | "~"
        );
    if plain {
        s.to_string()
    } else {
        serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
    }
}

fn unquote(v: &str) -> Result<String, String> {
    let v = v.trim();
    if let Some(inner) = v.strip_prefix('\'') {
        let inner = inner
            .strip_suffix('\'')
            .ok_or("unterminated single-quoted value")?;
        return Ok(inner.replace("''", "'"));
    }
    if v.starts_with('"') {
        return serde_json::from_str::<String>(v)
            .map_err(|e| format!("bad double-quoted value: {e}"));
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
        info.insert(
            "title".into(),
            "Management.DeviceInfo: \"quoted\" # not a comment".into(),
        );
        SnapFile {
            source: Some(SOURCE.into()),
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
        assert_eq!(
            yaml_scalar("src/report/snapshot.rs"),
            "src/report/snapshot.rs"
        );
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

    #[test]
    fn names_are_folder_names() {
        assert!(valid_name("trio-5.9.1"));
        assert!(!valid_name("../etc"));
        assert!(!valid_name(".."));
        assert!(!valid_name("a/b"));
        assert!(!valid_name(""));
    }
}
