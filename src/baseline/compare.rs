//! Baselines: the shape of every safe answer, recorded once, compared on every run.
//!
//! A firmware release that adds, drops or retypes a field breaks integrations even when
//! the manual is silent about it. `polyconform snapshot` records the *shape* of each
//! safe GET endpoint's answer under `snapshots/NAME/<endpoint-id>.snap` (insta's file
//! format, so `cargo insta review` shows and accepts updates); `polyconform run
//! --baseline NAME` calls [`compare`] and reports every difference as an INFO finding of
//! family `baseline`: a change is news for the reader, not a defect.
//!
//! A shape ([`shape_of`]) keeps keys, nesting and value types. Values are dropped, with
//! one exception: the fields of [`ENUM_FIELDS`] (`Status`, `CallState`, ...) whose
//! vocabulary is the interface, and whose values seen are listed. Volatile values
//! (uptime, IP and MAC addresses, times, call handles, counters) therefore never enter a
//! baseline; an enum value that looks volatile anyway is replaced by `[redacted]`.
//!
//! Shapes are JSON: `"string"`, `"number"`, `"boolean"`, `"null"`, an object of shapes
//! (keys sorted), `[shape]` for an array (`[]` when it was empty: element shape unknown,
//! compatible with anything), `{"$enum": [values]}` for an enum field and
//! `{"$oneOf": [shapes]}` when elements of one array differ in type. A phone key that
//! starts with `$` is written with one more `$`, so it cannot be read as a marker.
//!
//! Answers are grouped by their API `Status` before comparing: an endpoint that answered
//! `"2000"` in the baseline and `"4007"` now is one "new Status code" difference, not a
//! list of removed fields.

use super::error::BaselineError;
use super::file::{SHIPPED, SnapFile};
use super::shape::{Shape, quoted_list};
use crate::catalogue::case::{AuthMode, Family};
use crate::check::Finding;
use crate::device::{Exchange, Outcome};
use crate::record::model::RunRecord;
use crate::verdict::Verdict;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

/// What kind of difference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum DiffKind {
    /// A member the baseline did not have.
    Added,
    /// A member of the baseline that no answer had.
    Removed,
    /// Same member, another type (`array` became `object`, `string` became `number`).
    Retyped,
    /// An API `Status` the baseline never saw for this endpoint.
    NewStatus,
    /// A value of an enum field the baseline never saw.
    NewValue,
}

impl DiffKind {
    pub fn label(self) -> &'static str {
        match self {
            DiffKind::Added => "added",
            DiffKind::Removed => "removed",
            DiffKind::Retyped => "retyped",
            DiffKind::NewStatus => "new Status code",
            DiffKind::NewValue => "new value",
        }
    }
}

/// One difference between a baseline and a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BaselineDiff {
    /// Baseline name (`trio-5.9.1`).
    pub baseline: String,
    /// Endpoint id (`mgmt.device-info`).
    pub endpoint: String,
    /// `GET /api/v1/mgmt/device/info`.
    pub request: String,
    pub kind: DiffKind,
    /// Where in the answer, as a JSON pointer; `[]` stands for "every array element".
    pub pointer: String,
    /// What the baseline has there (`absent` when nothing).
    pub was: String,
    /// What the run saw there (`absent` when nothing).
    pub now: String,
}

impl fmt::Display for BaselineDiff {
    /// `baseline trio-5.9.1: mgmt.device-info: added `/data/BuildId` (string)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            DiffKind::Added => format!("added `{}` ({})", self.pointer, self.now),
            DiffKind::Removed => format!("removed `{}` (was {})", self.pointer, self.was),
            DiffKind::Retyped => {
                format!("retyped `{}`: {} -> {}", self.pointer, self.was, self.now)
            }
            DiffKind::NewStatus => {
                format!("new Status code {} (baseline saw {})", self.now, self.was)
            }
            DiffKind::NewValue => format!("new value at `{}`: {} (baseline saw {})", self.pointer, self.now, self.was),
        };
        write!(f, "baseline {}: {} ({}): {what}", self.baseline, self.endpoint, self.request)
    }
}

impl BaselineDiff {
    /// The difference as an INFO finding of family `baseline`.
    pub fn to_finding(&self) -> Finding {
        Finding {
            family: Family::Baseline,
            verdict: Verdict::Info,
            section: format!("Baseline {}", self.baseline),
            requirement: format!(
                "The manual is silent on answer shapes across releases; the answer of {} is compared with the shape recorded in baseline `{}`.",
                self.request, self.baseline
            ),
            expected: vec![format!("`{}`: {} (as recorded)", self.pointer, self.was)],
            actual: format!("`{}`: {} ({})", self.pointer, self.now, self.kind.label()),
            step: self.endpoint.clone(),
            details: vec![format!(
                "if the change is intended, record the baseline again: polyconform snapshot --name {} (then `cargo insta review`)",
                self.baseline
            )],
            errata: vec![],
        }
    }
}

/// The outcome of a comparison: differences, and which endpoints could be compared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Comparison {
    pub diffs: Vec<BaselineDiff>,
    /// Endpoint ids the run had usable answers for.
    pub compared: Vec<String>,
    /// Endpoint ids of the baseline the run never called with a plain, authenticated GET
    /// answered HTTP 200 with JSON (filtered runs, unreachable endpoints).
    pub not_exercised: Vec<String>,
}

/// Compare every answer of `run` with the baseline in `baseline_dir`; one diff per
/// added, removed or retyped field, new Status code and new enum value.
pub fn compare(baseline_dir: &Path, run: &RunRecord) -> Result<Vec<BaselineDiff>, BaselineError> {
    Ok(compare_report(baseline_dir, run)?.diffs)
}

/// [`compare`], also saying which endpoints were and were not compared.
pub fn compare_report(baseline_dir: &Path, run: &RunRecord) -> Result<Comparison, BaselineError> {
    let name = baseline_name(baseline_dir);
    let entries = load(baseline_dir)?;
    let mut out = Comparison::default();
    for entry in &entries {
        let answers = idle_answers(run, &entry.method, &entry.path);
        if answers.is_empty() {
            out.not_exercised.push(entry.endpoint.clone());
            continue;
        }
        out.compared.push(entry.endpoint.clone());
        let request = format!("{} {}", entry.method, entry.path);
        let diff = |kind, pointer: String, was: String, now: String| BaselineDiff {
            baseline: name.clone(),
            endpoint: entry.endpoint.clone(),
            request: request.clone(),
            kind,
            pointer,
            was,
            now,
        };
        // Group answers by API Status, so a state-dependent error answer is one difference.
        let mut groups: BTreeMap<Option<String>, Shape> = BTreeMap::new();
        for a in &answers {
            let status = a.get("Status").map(status_text);
            let shape = Shape::of(a, None);
            match groups.remove(&status) {
                Some(prev) => groups.insert(status, prev.merge(shape)),
                None => groups.insert(status, shape),
            };
        }
        let base_statuses = entry.shape.root_statuses();
        for (status, shape) in groups {
            match status {
                Some(s) if !base_statuses.is_empty() && !base_statuses.contains(&s) => {
                    out.diffs.push(diff(
                        DiffKind::NewStatus,
                        "/Status".into(),
                        quoted_list(&base_statuses),
                        format!("\"{s}\""),
                    ));
                }
                _ => {
                    let mut found = Vec::new();
                    diff_shapes(&entry.shape, &shape, String::new(), true, &mut found);
                    out.diffs.extend(found.into_iter().map(|(kind, pointer, was, now)| diff(kind, pointer, was, now)));
                }
            }
        }
    }
    Ok(out)
}

/// The answers of `run` to `method path` that reflect the phone at rest: a GET is only
/// taken until its case sends its first other request. Preconditions ("setup: dial"),
/// flows and state cases change the phone with a POST first, and a call in progress
/// answers differently from the idle phone a baseline is recorded on (v1 callStatus is
/// "4007" without a call and "2000" with one): that is state, not a firmware change.
fn idle_answers(run: &RunRecord, method: &str, path: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for case in &run.cases {
        for ex in &case.exchanges {
            let m = ex.request.method.to_ascii_uppercase();
            if m != "GET" && m != "HEAD" {
                break;
            }
            if let Some(answer) = idle_answer(ex, method, path) {
                out.push(answer);
            }
        }
    }
    out
}

/// The JSON answer of `ex` if it is an authenticated `method path` answered HTTP 200.
fn idle_answer(ex: &Exchange, method: &str, path: &str) -> Option<Value> {
    if ex.request.auth != AuthMode::Valid || !ex.request.method.eq_ignore_ascii_case(method) || ex.request.path != path
    {
        return None;
    }
    match &ex.outcome {
        Outcome::Answered(r) if r.status == 200 => r.json(),
        _ => None,
    }
}

fn status_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The comparison as a case of family `baseline`, for runners that want the differences
/// in every report format (JUnit included) rather than only in the notes: one INFO
/// finding per difference, the idle answers that differ as its wire log, PASS when
/// nothing differs. `id_prefix` is the profile family (`trio`), so the id reads
/// `trio.baseline.<name>` like every other case id.
pub fn as_case(
    id_prefix: &str,
    baseline_dir: &Path,
    run: &RunRecord,
    comparison: &Comparison,
) -> crate::record::model::CaseRecord {
    let name = baseline_name(baseline_dir);
    let mut findings: Vec<Finding> = comparison.diffs.iter().map(BaselineDiff::to_finding).collect();
    if findings.is_empty() {
        let mut details = vec![format!("compared: {}", comparison.compared.join(", "))];
        if !comparison.not_exercised.is_empty() {
            details.push(format!(
                "not exercised by this run (no plain GET answered HTTP 200 before the case changed the phone): {}",
                comparison.not_exercised.join(", ")
            ));
        }
        findings.push(Finding {
            family: Family::Baseline,
            verdict: Verdict::Pass,
            section: format!("Baseline {name}"),
            requirement: format!("Answers keep the shapes recorded in baseline `{name}`."),
            expected: vec!["the recorded keys, nesting, types, Status codes and enum values".into()],
            actual: format!("{} endpoint(s) compared, no difference", comparison.compared.len()),
            step: "compare".into(),
            details,
            errata: vec![],
        });
    }
    let differing: BTreeSet<&str> = comparison.diffs.iter().map(|d| d.endpoint.as_str()).collect();
    let entries = load(baseline_dir).unwrap_or_default();
    let mut exchanges = Vec::new();
    for e in entries.iter().filter(|e| differing.contains(e.endpoint.as_str())) {
        let first = run
            .cases
            .iter()
            .flat_map(|c| {
                c.exchanges
                    .iter()
                    .take_while(|x| matches!(x.request.method.to_ascii_uppercase().as_str(), "GET" | "HEAD"))
            })
            .find(|x| idle_answer(x, &e.method, &e.path).is_some());
        if let Some(x) = first {
            let mut x = x.clone();
            x.step = e.endpoint.clone();
            exchanges.push(x);
        }
    }
    let verdict = findings.iter().map(|f| f.verdict).fold(Verdict::Pass, Verdict::worst);
    crate::record::model::CaseRecord {
        id: format!("{id_prefix}.baseline.{name}"),
        title: format!("Answers keep the shapes of baseline {name}"),
        family: Family::Baseline,
        level: crate::verdict::Level::Silent,
        manual: crate::catalogue::case::ManualRef {
            section: format!("Baseline {name}"),
            quote: "The manual is silent on answer shapes across firmware releases; differences are reported for review, never as FAIL.".into(),
        },
        endpoint: None,
        suite: baseline_dir.display().to_string(),
        verdict,
        reason: None,
        findings,
        exchanges,
        reproducer: None,
        duration_ms: 0,
    }
}

/// One recorded endpoint of a baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineEntry {
    pub endpoint: String,
    pub method: String,
    pub path: String,
    pub shape: Shape,
}

/// The baseline name a directory stands for (its last component).
pub fn baseline_name(dir: &Path) -> String {
    dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| dir.display().to_string())
}

/// Where `--baseline NAME` is read from: `NAME` itself when it is a directory (a path
/// was given), else `snapshots/NAME`.
pub fn resolve(name: &str) -> PathBuf {
    let as_path = PathBuf::from(name);
    if name.contains('/')
        || name.contains('\\')
        || as_path.is_dir()
            && as_path
                .join(".")
                .read_dir()
                .is_ok_and(|mut d| d.any(|e| e.is_ok_and(|e| e.path().extension().is_some_and(|x| x == "snap"))))
    {
        as_path
    } else {
        Path::new("snapshots").join(name)
    }
}

/// Read every `.snap` of a baseline: from disk when the directory exists, else from the
/// copy built into the binary (same name under `snapshots/`).
pub fn load(dir: &Path) -> Result<Vec<BaselineEntry>, BaselineError> {
    let mut files: Vec<(String, String)> = Vec::new();
    if dir.is_dir() {
        let unreadable = |source| BaselineError::Read { place: dir.to_path_buf(), source };
        for e in std::fs::read_dir(dir).map_err(unreadable)? {
            let p = e.map_err(unreadable)?.path();
            if p.extension().is_some_and(|x| x == "snap") {
                let text =
                    std::fs::read_to_string(&p).map_err(|source| BaselineError::Read { place: p.clone(), source })?;
                files.push((p.display().to_string(), text));
            }
        }
    } else if let Some(shipped) = SHIPPED.get_dir(baseline_name(dir)) {
        for f in shipped.files().filter(|f| f.path().extension().is_some_and(|x| x == "snap")) {
            if let Some(text) = f.contents_utf8() {
                files.push((format!("snapshots/{} (built in)", f.path().display()), text.to_string()));
            }
        }
    } else {
        return Err(BaselineError::NotFound {
            dir: dir.to_path_buf(),
            name: baseline_name(dir),
            shipped: shipped_names(),
        });
    }
    if files.is_empty() {
        return Err(BaselineError::Empty { dir: dir.to_path_buf(), name: baseline_name(dir) });
    }
    files.sort();
    files.iter().map(|(shown, text)| parse_entry(shown, text)).collect()
}

/// Names of the baselines built into the binary.
pub fn shipped_names() -> Vec<String> {
    SHIPPED.dirs().map(|d| d.path().display().to_string()).collect()
}

fn parse_entry(shown: &str, text: &str) -> Result<BaselineEntry, BaselineError> {
    let malformed = |place: String, detail: String| BaselineError::Malformed { place, detail };
    let snap = SnapFile::parse(text).map_err(|e| malformed(shown.to_string(), e))?;
    let get = |k: &str| {
        snap.info.get(k).cloned().ok_or_else(|| {
            malformed(
                shown.to_string(),
                format!("the header has no `info.{k}` (hint: record the baseline again with `polyconform snapshot`)"),
            )
        })
    };
    let value: Value = serde_json::from_str(&snap.body).map_err(|e| {
        malformed(
            format!("{shown}:{}", snap.body_line + e.line().saturating_sub(1)),
            format!("the shape is not JSON: {e}"),
        )
    })?;
    let shape = Shape::from_json(&value).map_err(|e| malformed(shown.to_string(), e))?;
    Ok(BaselineEntry { endpoint: get("endpoint")?, method: get("method")?, path: get("path")?, shape })
}
/// One difference between two shapes, as [`shape_changes`] finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShapeChange {
    pub kind: DiffKind,
    /// Where in the answer, as a JSON pointer; `[]` stands for "every array element".
    pub pointer: String,
    /// What `base` has there (`absent` when nothing).
    pub was: String,
    /// What `now` has there (`absent` when nothing).
    pub now: String,
}

/// The differences of the answer shape `now` against `base`: members added, removed and
/// retyped, new enum values. The comparison a baseline makes, for callers that hold two
/// shapes (`diff` holds two runs' answers). The root `Status` is left out: answers are
/// grouped by it before their shapes are compared (see [`compare_report`]).
pub fn shape_changes(base: &Shape, now: &Shape) -> Vec<ShapeChange> {
    let mut found = Vec::new();
    diff_shapes(base, now, String::new(), true, &mut found);
    found.into_iter().map(|(kind, pointer, was, now)| ShapeChange { kind, pointer, was, now }).collect()
}

/// Differences of `now` against `base`, found under `pointer`.
fn diff_shapes(
    base: &Shape,
    now: &Shape,
    pointer: String,
    root: bool,
    out: &mut Vec<(DiffKind, String, String, String)>,
) {
    let at = |p: &str| {
        if p.is_empty() { "/".to_string() } else { p.to_string() }
    };
    match (base, now) {
        (Shape::Unknown, _) | (_, Shape::Unknown) => {}
        (Shape::Object(b), Shape::Object(n)) => {
            for (k, v) in n {
                let p = format!("{pointer}/{}", escape_pointer(k));
                match b.get(k) {
                    None => out.push((DiffKind::Added, p, "absent".into(), v.describe())),
                    // The root Status is compared by grouping (see compare_report).
                    Some(_) if root && k == "Status" => {}
                    Some(bv) => diff_shapes(bv, v, p, false, out),
                }
            }
            for (k, v) in b {
                if !n.contains_key(k) {
                    out.push((
                        DiffKind::Removed,
                        format!("{pointer}/{}", escape_pointer(k)),
                        v.describe(),
                        "absent".into(),
                    ));
                }
            }
        }
        (Shape::Array(b), Shape::Array(n)) => diff_shapes(b, n, format!("{pointer}/[]"), false, out),
        (Shape::Enum(b), Shape::Enum(n)) => {
            let new: BTreeSet<String> = n.difference(b).cloned().collect();
            if !new.is_empty() {
                out.push((DiffKind::NewValue, at(&pointer), quoted_list(b), quoted_list(&new)));
            }
        }
        (Shape::OneOf(b), n) => {
            let kinds: BTreeSet<&str> = b.iter().map(Shape::kind).collect();
            let now_kinds: Vec<&Shape> = match n {
                Shape::OneOf(v) => v.iter().collect(),
                one => vec![one],
            };
            if now_kinds.iter().any(|s| !kinds.contains(s.kind())) {
                out.push((DiffKind::Retyped, at(&pointer), base.describe(), n.describe()));
            }
        }
        (b, n) if b.kind() != n.kind() => out.push((DiffKind::Retyped, at(&pointer), b.describe(), n.describe())),
        _ => {}
    }
}

/// RFC 6901 escaping of one pointer segment.
fn escape_pointer(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::shape::{pretty, redact_enum_value, shape_of};
    use serde_json::json;

    fn device_info() -> Value {
        json!({"data": {"ModelNumber": "Trio 8800", "FirmwareRelease": "5.9.1.0", "DeviceType": "hardwareEndpoint",
            "MACAddress": "64167fcacee2", "UpTimeSinceLastReboot": "0 Day 6:16:10", "IPV4Address": "192.168.1.9",
            "AttachedHardware": {"EM": []}}, "Status": "2000"})
    }

    #[test]
    fn a_shape_keeps_keys_types_and_enums_but_no_volatile_value() {
        let shape = shape_of(&device_info());
        let text = serde_json::to_string(&shape).unwrap();
        for volatile in ["64167fcacee2", "6:16:10", "192.168.1.9", "5.9.1.0", "Trio 8800"] {
            assert!(!text.contains(volatile), "`{volatile}` leaked into {text}");
        }
        assert_eq!(shape["Status"], json!({"$enum": ["2000"]}));
        assert_eq!(shape["data"]["DeviceType"], json!({"$enum": ["hardwareEndpoint"]}));
        assert_eq!(shape["data"]["MACAddress"], json!("string"));
        assert_eq!(shape["data"]["AttachedHardware"], json!({"EM": []}));
    }

    #[test]
    fn shapes_round_trip_through_their_json() {
        let v =
            json!({"a": [1, "x", null], "b": {"$weird": true}, "Status": "2000", "c": [], "d": [{"x": "1"}, {"y": 2}]});
        let shape = Shape::of(&v, None);
        assert_eq!(Shape::from_json(&shape.to_json()).unwrap(), shape);
        assert_eq!(shape.to_json()["b"], json!({"$$weird": "boolean"}));
        assert_eq!(shape.to_json()["d"], json!([{"x": "string", "y": "number"}]));
    }

    #[test]
    fn enum_values_that_look_like_data_are_redacted() {
        assert_eq!(redact_enum_value("Connected"), "Connected");
        assert_eq!(redact_enum_value("2000"), "2000");
        assert_eq!(redact_enum_value("0xb53e57c0"), "[redacted]");
        assert_eq!(redact_enum_value("192.168.1.9"), "[redacted]");
        assert_eq!(redact_enum_value("20221011172846"), "[redacted]");
    }

    fn diffs(base: Value, now: Value) -> Vec<(DiffKind, String, String, String)> {
        let mut out = Vec::new();
        diff_shapes(&Shape::of(&base, None), &Shape::of(&now, None), String::new(), true, &mut out);
        out
    }

    #[test]
    fn added_removed_and_retyped_members_are_each_one_difference() {
        let mut now = device_info();
        now["data"]["BuildId"] = json!("x");
        now["data"].as_object_mut().unwrap().remove("MACAddress");
        now["data"]["AttachedHardware"] = json!({"EM": {}});
        let d = diffs(device_info(), now);
        assert_eq!(d.len(), 3, "{d:?}");
        assert!(d.contains(&(DiffKind::Added, "/data/BuildId".into(), "absent".into(), "string".into())));
        assert!(d.contains(&(DiffKind::Removed, "/data/MACAddress".into(), "string".into(), "absent".into())));
        assert!(d.contains(&(
            DiffKind::Retyped,
            "/data/AttachedHardware/EM".into(),
            "empty array".into(),
            "empty object".into()
        )));
    }

    #[test]
    fn empty_arrays_are_compatible_with_any_element_shape_and_values_do_not_matter() {
        assert!(diffs(json!({"data": []}), json!({"data": [{"CallState": "Connected"}]})).is_empty());
        assert!(diffs(json!({"data": [{"a": "1"}]}), json!({"data": []})).is_empty());
        assert!(diffs(json!({"n": "1 Day"}), json!({"n": "22 Days"})).is_empty());
    }

    #[test]
    fn a_new_enum_value_is_reported() {
        let d = diffs(json!({"data": [{"CallState": "Connected"}]}), json!({"data": [{"CallState": "Held"}]}));
        assert_eq!(
            d,
            vec![(DiffKind::NewValue, "/data/[]/CallState".into(), "\"Connected\"".into(), "\"Held\"".into())]
        );
    }

    #[test]
    fn pretty_text_is_json_with_one_member_per_line() {
        let shape =
            shape_of(&json!({"Status": "2000", "data": [{"CallState": "Connected", "Muted": "0"}], "x": [], "y": {}}));
        let text = pretty(&shape);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), shape);
        assert!(text.contains("\"Status\": {\"$enum\": [\"2000\"]},\n"), "{text}");
        assert!(text.contains("\"x\": [],\n"), "{text}");
    }

    #[test]
    fn answers_after_a_state_change_in_the_same_case_are_not_idle() {
        use crate::catalogue::case::ManualRef;
        use crate::device::{Exchange, Outcome, WireRequest, WireResponse};
        use crate::record::model::CaseRecord;
        let ex = |req: WireRequest, status: &str| Exchange {
            step: "s".into(),
            request: req,
            outcome: Outcome::Answered(WireResponse {
                status: 200,
                headers: vec![],
                body: format!("{{\"Status\":\"{status}\"}}").into_bytes(),
                truncated: None,
            }),
            elapsed_ms: 1,
        };
        let path = "/api/v1/webCallControl/callStatus";
        let case = CaseRecord {
            id: "c".into(),
            title: "t".into(),
            family: Family::Schema,
            level: crate::verdict::Level::Must,
            manual: ManualRef { section: "s".into(), quote: "q".into() },
            endpoint: None,
            suite: "s".into(),
            verdict: Verdict::Pass,
            reason: None,
            findings: vec![],
            exchanges: vec![
                ex(WireRequest::get(path), "4007"),
                ex(WireRequest::post_json("/api/v1/callctrl/dial", &json!({})), "2000"),
                ex(WireRequest::get(path), "2000"),
            ],
            reproducer: None,
            duration_ms: 1,
        };
        let mut wrong_auth = case.exchanges[0].clone();
        wrong_auth.request.auth = AuthMode::WrongPassword;
        let mut other = case.clone();
        other.exchanges = vec![wrong_auth];
        let run = RunRecord {
            format_version: 1,
            tool_version: "0".into(),
            profile: "p".into(),
            target: "t".into(),
            device: None,
            started_at: "x".into(),
            duration_ms: 0,
            strict: false,
            summary: Default::default(),
            cases: vec![case, other],
            notes: vec![],
            ended_early: None,
        };
        assert_eq!(idle_answers(&run, "GET", path), vec![json!({"Status": "4007"})]);
    }

    #[test]
    fn pointer_segments_are_escaped() {
        let d = diffs(json!({}), json!({"a/b": "1"}));
        assert_eq!(d[0].1, "/a~1b");
    }
}
