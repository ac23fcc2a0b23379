//! Reproducer files: one JSON file per finding, under `fuzz/repros/<profile>/`.
//!
//! A reproducer holds the *concrete* requests (the first one that failed and the shrunk
//! minimal one, bodies as text or base64), the answer (its first bytes only when large,
//! as `record::bodies` keeps it), the oracle that broke with the
//! requirement it enforces, the seed and case index that generated it, and a curl line
//! with the password left to the environment. `polyconform replay` re-sends the minimal
//! request; `polyconform fuzz` replays a profile's reproducers before generating.
//!
//! File names are `<endpoint>--<oracle>--<hash>.json`, the hash taken over the minimal
//! request: the same defect found again overwrites its file instead of piling up copies.
//! The file text passes through the run's [`Redactor`] before it is written.

use super::oracle::{Oracle, Violation};
use super::shrink::request_size;
use crate::device::{Exchange, Outcome, WireRequest};
use crate::report::redact::Redactor;
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Format marker and version of reproducer files.
pub const FORMAT: &str = "polyconform-fuzz-repro/1";

/// One saved finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reproducer {
    pub format: String,
    pub tool_version: String,
    /// `<endpoint>--<oracle>--<hash>`, also the file stem.
    pub id: String,
    pub profile: String,
    /// Where it was found: the target URL or `builtin-emulator`.
    pub target: String,
    /// Generator seed and position of the first failing case (absent for hand-written files).
    #[serde(default)]
    pub seed: Option<u64>,
    #[serde(default)]
    pub case_index: Option<u64>,
    pub endpoint: String,
    /// Manual section of the endpoint.
    pub section: String,
    pub oracle: Oracle,
    pub verdict: Verdict,
    pub requirement: String,
    /// What the generator did to the valid request (`name: detail`).
    #[serde(default)]
    pub mutations: Vec<String>,
    /// The first request that failed, as generated.
    pub original: SavedRequest,
    /// The shrunk request that still fails the same way: what `replay` sends.
    pub minimal: SavedRequest,
    #[serde(default)]
    pub shrink: ShrinkStats,
    /// curl for the minimal request; the password comes from `$POLYCONFORM_PASSWORD`.
    pub curl: String,
    /// RFC 3339 time of the finding.
    pub found_at: String,
    /// Other endpoints whose failure of the same oracle shrank to the same minimal request
    /// (apart from the endpoint, `group::same_request`): one defect of the phone's request
    /// parser, not one per endpoint.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_on: Vec<String>,
    /// For `phone-unhealthy`: the requests sent since the phone was last seen healthy.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub preceding: Vec<WireRequest>,
}

/// A request with what came back.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedRequest {
    pub request: WireRequest,
    /// Method, path, headers and body bytes together (what shrinking decreases).
    pub size_bytes: usize,
    /// One line: `HTTP 500`, `no answer within 2000 ms`.
    pub answer: String,
    pub outcome: Outcome,
}

impl SavedRequest {
    /// The answer is kept as a run's record keeps it (`record::bodies`): its first bytes,
    /// with the size and hash of a larger one.
    pub fn new(request: WireRequest, outcome: Outcome) -> SavedRequest {
        let answer = outcome.summary();
        let mut kept = Exchange { step: String::new(), request, outcome, elapsed_ms: 0 };
        crate::record::bodies::keep(&mut kept);
        let Exchange { request, outcome, .. } = kept;
        SavedRequest { size_bytes: request_size(&request), answer, request, outcome }
    }
}

/// How the shrink went.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShrinkStats {
    pub attempts: usize,
    pub steps: usize,
    /// The budget ran out before no smaller request failed.
    pub exhausted: bool,
    /// Why the request was not shrunk, when it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
}

/// The parts of a reproducer the campaign knows when it saves one.
pub struct FindingRecord<'a> {
    pub profile: &'a str,
    pub target: &'a str,
    pub seed: Option<u64>,
    pub case_index: Option<u64>,
    pub endpoint: &'a crate::catalogue::Endpoint,
    pub violation: &'a Violation,
    pub mutations: Vec<String>,
    pub original: SavedRequest,
    pub minimal: SavedRequest,
    pub shrink: ShrinkStats,
    pub preceding: Vec<WireRequest>,
    /// Base URL for the curl line, `-k` for a TLS target trusted by flag, and the user.
    pub curl_base: &'a str,
    pub insecure: bool,
    pub username: &'a str,
}

impl Reproducer {
    pub fn from_finding(f: FindingRecord<'_>) -> Reproducer {
        let hash = request_hash(&f.minimal.request);
        let id = format!("{}--{}--{}", f.endpoint.id, f.violation.oracle.label(), &hash[..10]);
        let exchange = Exchange {
            step: "fuzz".into(),
            request: f.minimal.request.clone(),
            outcome: f.minimal.outcome.clone(),
            elapsed_ms: 0,
        };
        Reproducer {
            format: FORMAT.into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            id,
            profile: f.profile.into(),
            target: f.target.into(),
            seed: f.seed,
            case_index: f.case_index,
            endpoint: f.endpoint.id.clone(),
            section: f.endpoint.section.clone(),
            oracle: f.violation.oracle,
            verdict: f.violation.verdict,
            requirement: f.violation.requirement.clone(),
            mutations: f.mutations,
            original: f.original,
            minimal: f.minimal,
            shrink: f.shrink,
            curl: crate::report::curl::command(&exchange, f.curl_base, f.username, f.insecure),
            found_at: crate::record::clock::now_rfc3339(),
            also_on: Vec::new(),
            preceding: f.preceding,
        }
    }

    /// Write into `dir` (created if needed); returns the file written.
    pub fn save(&self, dir: &Path, redactor: &Redactor) -> std::io::Result<PathBuf> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(format!("{}.json", self.id));
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(&path, redactor.redact(&text) + "\n")?;
        Ok(path)
    }
}

/// SHA-256 hex of a request's method, path, headers and body.
pub fn request_hash(r: &WireRequest) -> String {
    let mut h = Sha256::new();
    h.update(r.method.as_bytes());
    h.update([0]);
    h.update(r.path.as_bytes());
    for (k, v) in &r.headers {
        h.update([0]);
        h.update(k.as_bytes());
        h.update(b": ");
        h.update(v.as_bytes());
    }
    h.update([0]);
    if let Some(b) = &r.body {
        h.update(b);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// A reproducer file that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadError {
    pub path: PathBuf,
    pub message: String,
}

/// One file found by [`load`], read or not.
pub type Loaded = (PathBuf, Result<Reproducer, LoadError>);

/// Read one file, or every `*.json` of a directory (sorted by name, not recursive).
pub fn load(path: &Path) -> Result<Vec<Loaded>, String> {
    let files = if path.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        files
    } else if path.is_file() {
        vec![path.to_path_buf()]
    } else {
        return Err(format!(
            "`{}` is neither a reproducer file nor a directory (hint: reproducers are saved under fuzz/repros/<profile>/)",
            path.display()
        ));
    };
    Ok(files.into_iter().map(|p| (p.clone(), read_one(&p))).collect())
}

fn read_one(path: &Path) -> Result<Reproducer, LoadError> {
    let err = |message: String| LoadError { path: path.to_path_buf(), message };
    let text = std::fs::read_to_string(path).map_err(|e| err(format!("cannot read: {e}")))?;
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| err(format!("not JSON: {e}")))?;
    match value.get("format").and_then(|f| f.as_str()) {
        Some(FORMAT) => {}
        Some(other) => {
            return Err(err(format!(
                "format `{other}` is not `{FORMAT}` (hint: written by another polyconform version?)"
            )));
        }
        None => {
            return Err(err(format!("no `format` member: not a polyconform reproducer (expected `{FORMAT}`)")));
        }
    }
    serde_json::from_value(value).map_err(|e| err(format!("not a reproducer: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::profile::{Endpoint, Input, Method, Safety};
    use crate::device::WireResponse;

    fn endpoint() -> Endpoint {
        Endpoint {
            id: "mgmt.config-get".into(),
            title: "Management.GetConfig".into(),
            section: "Management.GetConfig".into(),
            method: Method::POST,
            path: "/api/v1/mgmt/config/get".into(),
            input: Input::Required,
            query: vec![],
            codes: vec![],
            safety: Safety::Safe,
            schema: "v1/mgmt/config/get.json".into(),
            errata: vec![],
            not_tested: None,
            certainty: None,
            alternates: vec![],
            response_def: None,
        }
    }

    #[test]
    fn saved_files_round_trip_and_hold_no_password() {
        let ep = endpoint();
        let violation = Violation {
            oracle: Oracle::ConnectionReset,
            verdict: Verdict::Fail,
            requirement: "r".into(),
            actual: "a".into(),
        };
        let mut minimal = WireRequest::post_json(&ep.path, &serde_json::json!({"data": ["s3cret-pw"]}));
        minimal.body = Some(vec![0xff].into());
        let original = WireRequest::post_json(&ep.path, &serde_json::json!({"data": ["s3cret-pw", "x"]}));
        let answer = Outcome::Answered(WireResponse::new(500, vec![], b"s3cret-pw".to_vec()));
        let r = Reproducer::from_finding(FindingRecord {
            profile: "trio-5.9.1",
            target: "builtin-emulator",
            seed: Some(7),
            case_index: Some(3),
            endpoint: &ep,
            violation: &violation,
            mutations: vec!["non-utf8: bytes \\xFF at byte 0".into()],
            original: SavedRequest::new(original, answer.clone()),
            minimal: SavedRequest::new(minimal, answer),
            shrink: ShrinkStats::default(),
            preceding: vec![],
            curl_base: "http://127.0.0.1:8080",
            insecure: false,
            username: "Polycom",
        });
        assert!(r.minimal.size_bytes < r.original.size_bytes);
        assert!(r.curl.contains("$POLYCONFORM_PASSWORD"), "{}", r.curl);
        let dir = std::env::temp_dir().join(format!("polyconform-repro-{}", std::process::id()));
        let path = r.save(&dir, &Redactor::new("Polycom", "s3cret-pw")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("s3cret-pw"), "{text}");
        let loaded = load(&dir).unwrap();
        assert_eq!(loaded.len(), 1);
        let back = loaded[0].1.as_ref().unwrap();
        assert_eq!(back.minimal.request.body, Some(vec![0xff].into()), "binary bodies survive as base64");
        assert_eq!((back.seed, back.oracle), (Some(7), Oracle::ConnectionReset));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_large_answer_is_saved_as_its_first_bytes_with_its_size_and_hash() {
        let mut big = WireResponse::new(500, vec![], vec![b'x'; 1 << 20]);
        big.truncated = Some(crate::device::exchange::Truncation {
            read: 1 << 20,
            size: crate::device::exchange::BodySize::Exact(10 << 20),
            sha256: "ab".into(),
        });
        let saved = SavedRequest::new(WireRequest::get("/x"), Outcome::Answered(big));
        let kept = saved.outcome.response().unwrap();
        assert_eq!(kept.body.len(), crate::record::bodies::CUT_BODY_BYTES);
        assert_eq!(kept.truncated.as_ref().unwrap().size, crate::device::exchange::BodySize::Exact(10 << 20));
        assert!(
            saved.answer.contains("an answer of 10485760 bytes cut after its first 1048576 bytes"),
            "{}",
            saved.answer
        );
        assert!(serde_json::to_string(&saved).unwrap().len() < 8 * 1024);
    }

    #[test]
    fn foreign_json_is_refused_with_a_reason() {
        let dir = std::env::temp_dir().join(format!("polyconform-repro-bad-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("a.json"), "{\"hello\": 1}").unwrap();
        std::fs::write(dir.join("b.json"), "not json").unwrap();
        let loaded = load(&dir).unwrap();
        assert!(loaded[0].1.as_ref().unwrap_err().message.contains("no `format` member"));
        assert!(loaded[1].1.as_ref().unwrap_err().message.starts_with("not JSON"));
        assert!(load(&dir.join("missing")).unwrap_err().contains("neither"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
