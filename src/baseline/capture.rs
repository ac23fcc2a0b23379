//! `polyconform snapshot`: record the shape of every safe answer as a baseline.
//!
//! ```text
//! polyconform snapshot --name trio-5.9.1                       # the built-in emulator
//! POLYCONFORM_PASSWORD=... polyconform snapshot --target https://10.0.0.5 --insecure \
//!     --profile trio-5.9.1 --name trio-5.9.1-lab
//! ```
//!
//! For every endpoint of the profile that is a GET and `safe`, one request is sent and
//! the shape of the answer ([`super::shape::shape_of`]) is written to
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

use super::error::BaselineError;
use super::file::SnapFile;
use super::shape::{pretty, shape_of};
use crate::catalogue::{Method, Profile, Safety};
use crate::device::{Device, Outcome, WireRequest};
use crate::report::redact::Redactor;
use std::collections::BTreeMap;
use std::path::Path;

/// What insta shows as the snapshot's source file.
const SOURCE: &str = "src/baseline/capture.rs";

/// Letters, digits, `.`, `_`, `-`: a baseline name is a folder name, never a path.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
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
    profile.endpoints.iter().filter(|e| e.method == Method::GET && e.safety == Safety::Safe)
}

/// Ask every recordable endpoint once, in profile order.
pub async fn capture(device: &Device, profile: &Profile) -> Vec<Recorded> {
    let mut out = Vec::new();
    for ep in recordable(profile) {
        let ex = device.send("snapshot", WireRequest::get(&ep.path)).await;
        let shape = match &ex.outcome {
            Outcome::Answered(r) if r.status == 200 => {
                r.json().map(|v| shape_of(&v)).ok_or_else(|| "HTTP 200 without a JSON body".to_string())
            }
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

pub fn update_mode() -> UpdateMode {
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
) -> Result<String, BaselineError> {
    if let Some(first) =
        recorded.iter().find_map(|r| r.shape.as_ref().err()).filter(|_| recorded.iter().all(|r| r.shape.is_err()))
    {
        // Nothing usable came back (unreachable, wrong password, API disabled): a baseline
        // of nothing would make every later comparison silently empty.
        return Err(BaselineError::NothingRecorded { first: first.clone() });
    }
    std::fs::create_dir_all(dir).map_err(|source| BaselineError::Create { place: dir.to_path_buf(), source })?;
    let mut lines = Vec::new();
    let (mut written, mut unchanged, mut pending, mut skipped) = (0, 0, 0, 0);
    for r in recorded {
        let shape = match &r.shape {
            Ok(s) => s,
            Err(why) => {
                skipped += 1;
                lines.push(format!("  skipped   {} ({} {}): {why}", r.endpoint, r.method, r.path));
                continue;
            }
        };
        let snap = snap_for(r, profile, shape);
        let text = redactor.redact(&snap.render());
        let path = dir.join(format!("{}.snap", r.endpoint));
        let existing = std::fs::read_to_string(&path).ok().and_then(|t| SnapFile::parse(&t).ok());
        let new_path = path.with_extension("snap.new");
        match existing {
            Some(old)
                if old.body.trim_end() == SnapFile::parse(&text).map(|s| s.body).unwrap_or_default().trim_end() =>
            {
                unchanged += 1;
                // A pending review made stale by an identical new recording is removed.
                let _ = std::fs::remove_file(&new_path);
            }
            Some(_) if mode == UpdateMode::New => {
                std::fs::write(&new_path, &text)
                    .map_err(|source| BaselineError::Write { place: new_path.clone(), source })?;
                pending += 1;
                lines.push(format!("  changed   {} -> {}", r.endpoint, new_path.display()));
            }
            Some(_) if mode == UpdateMode::No => {
                pending += 1;
                lines.push(format!("  changed   {} (not written: INSTA_UPDATE=no)", r.endpoint));
            }
            _ => {
                std::fs::write(&path, &text).map_err(|source| BaselineError::Write { place: path.clone(), source })?;
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
        summary
            .push_str("\nreview the changes with `cargo insta review` (or record over them with INSTA_UPDATE=always)");
    }
    Ok(summary)
}

/// The baseline file of one recorded answer.
fn snap_for(r: &Recorded, profile: &Profile, shape: &serde_json::Value) -> SnapFile {
    let mut info = BTreeMap::new();
    info.insert("endpoint".to_string(), r.endpoint.clone());
    info.insert("method".to_string(), r.method.clone());
    info.insert("path".to_string(), r.path.clone());
    info.insert("profile".to_string(), profile.id.clone());
    info.insert("title".to_string(), r.title.clone());
    SnapFile {
        source: Some(SOURCE.to_string()),
        description: Some(format!("Shape of the answer of {} {} ({}) on {}", r.method, r.path, r.title, profile.id)),
        expression: Some(format!("shape_of({} {})", r.method, r.path)),
        info,
        body: pretty(shape),
        body_line: 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_folder_names() {
        assert!(valid_name("trio-5.9.1"));
        assert!(!valid_name("../etc"));
        assert!(!valid_name(".."));
        assert!(!valid_name("a/b"));
        assert!(!valid_name(""));
    }
}
