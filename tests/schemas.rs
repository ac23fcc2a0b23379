//! The data files against the manuals: profiles list exactly the endpoints of the shared
//! table, every schema is a valid draft 2020-12 schema, and every endpoint schema accepts
//! the manual's own example and the real-device captures, and rejects plausible wrong
//! answers.
//!
//! Fixtures live in `tests/data/schemas/<endpoint id>/`:
//! - `manual*.json`: the manual's example made concrete (placeholders filled in): accepted;
//! - `capture-*.json`: real-device answers from research/real-devices.md (files named
//!   `*-reconstructed` fill gaps the notes elide): accepted;
//! - `wrong-*.json`: plausible wrong answers: rejected by `$defs/response`;
//! - `request-ok*.json` / `request-bad*.json`: bodies accepted / rejected by `$defs/request`.
//!
//! A fixture of the first two kinds that the schema rejects on purpose must be listed in
//! [`EXPECTED_REJECTIONS`] with the erratum that records the decision.

use polyconform::catalogue::case::{
    CaseSpec, EndpointSelector, Expect, JsonAssert, ManualRef, RequestSpec, Step, SuiteFile,
};
use polyconform::catalogue::profile::{Input, Method, Profile, Safety};
use polyconform::catalogue::{Catalogue, DataFiles};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Fixtures a schema rejects although they come from the manual or a device, and why.
/// (None at present: E03's printed key `ModelNumber ` meets the manual-level contract and
/// is graded by `$defs/preferred-E03` instead.)
const EXPECTED_REJECTIONS: &[(&str, &str, &str, &str)] = &[];

fn catalogue() -> &'static Catalogue {
    static CAT: OnceLock<Catalogue> = OnceLock::new();
    CAT.get_or_init(|| match Catalogue::embedded() {
        Ok(c) => c,
        Err(e) => panic!("the embedded catalogue does not load:\n{e}"),
    })
}

fn profile(id: &str) -> &'static Profile {
    catalogue().profile(id).unwrap_or_else(|e| panic!("{e}"))
}

fn fixtures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/schemas")
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

/// Fixture files of one endpoint whose name starts with `prefix`, sorted.
fn fixtures(endpoint: &str, prefix: &str) -> Vec<(String, Value)> {
    let dir = fixtures_root().join(endpoint);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Value)> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_string();
            name.starts_with(prefix).then(|| (name, read_json(&p)))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// Every endpoint of every profile, once (the same id has the same schema everywhere).
fn all_endpoints() -> BTreeMap<String, (String, Input)> {
    let mut out = BTreeMap::new();
    for p in &catalogue().profiles {
        for e in &p.endpoints {
            if let Some((schema, _)) = out.insert(e.id.clone(), (e.schema.clone(), e.input)) {
                assert_eq!(schema, e.schema, "endpoint {} has different schemas in different profiles", e.id);
            }
        }
    }
    out
}

fn violations(rel: &str, def: &str, value: &Value) -> Vec<String> {
    catalogue()
        .schemas
        .validate(rel, def, value)
        .unwrap_or_else(|| panic!("schema {rel} has no $defs/{def}"))
        .into_iter()
        .map(|v| format!("{}: {}", v.pointer, v.message))
        .collect()
}

fn expected_rejection(
    endpoint: &str,
    file: &str,
) -> Option<&'static (&'static str, &'static str, &'static str, &'static str)> {
    EXPECTED_REJECTIONS.iter().find(|(ep, f, _, _)| *ep == endpoint && *f == file)
}

#[test]
fn embedded_catalogue_loads_like_lint() {
    let cat = catalogue();
    assert_eq!(cat.profiles.len(), 2, "profiles: {:?}", cat.profiles.iter().map(|p| &p.id).collect::<Vec<_>>());
    assert!(cat.errata.len() >= 40, "errata: {}", cat.errata.len());
    let ids: BTreeSet<&str> = cat.errata.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), cat.errata.len(), "erratum ids must be unique");
    for e in &cat.errata {
        assert!(
            matches!(e.kind.as_str(), "typo" | "contradiction" | "vague" | "missing" | "example"),
            "{}: kind `{}`",
            e.id,
            e.kind
        );
        assert!(
            !e.decision.trim().is_empty() && !e.text.trim().is_empty(),
            "{}: text and decision must say something",
            e.id
        );
        for m in &e.manuals {
            assert!(cat.profiles.iter().any(|p| &p.id == m), "{}: unknown manual `{m}`", e.id);
        }
    }
    // The same files read from disk (what `polyconform lint .` does) load too.
    let disk = DataFiles::from_dir(Path::new(env!("CARGO_MANIFEST_DIR"))).expect("data folders");
    if let Err(e) = Catalogue::load(&disk) {
        panic!("the catalogue on disk does not load:\n{e}");
    }
}

#[test]
fn every_schema_passes_the_meta_schema_and_names_its_sources() {
    let cat = catalogue();
    let endpoints = all_endpoints();
    let mut seen = 0;
    for file in cat.schemas.files() {
        seen += 1;
        if let Err(e) = jsonschema::meta::validate(&file.value) {
            panic!("{} is not a valid draft 2020-12 schema: {e}", file.rel);
        }
        assert_eq!(file.value["$schema"], "https://json-schema.org/draft/2020-12/schema", "{}: $schema", file.rel);
        assert_eq!(file.value["$id"], format!("https://polyconform.invalid/schemas/{}", file.rel), "{}: $id", file.rel);
        assert!(file.value["title"].as_str().is_some_and(|t| !t.is_empty()), "{}: title", file.rel);
        assert!(file.value["description"].as_str().is_some_and(|t| !t.is_empty()), "{}: description", file.rel);
    }
    assert!(seen >= endpoints.len(), "fewer schema files ({seen}) than endpoints ({})", endpoints.len());
    for p in &cat.profiles {
        let manual = match p.id.as_str() {
            "trio-5.9.1" => "Trio 5.9.1 manual",
            "vvx-5.9.0" => "VVX 5.9.0 manual",
            other => panic!("no manual name known for profile {other}"),
        };
        for e in &p.endpoints {
            let desc = cat.schemas.description(&e.schema).unwrap_or_default();
            assert!(
                desc.contains(manual),
                "{}: description of {} must name the {manual} section: {desc}",
                e.id,
                e.schema
            );
            assert!(cat.schemas.has_def(&e.schema, "response"), "{}: no $defs/response", e.schema);
            assert_eq!(
                cat.schemas.has_def(&e.schema, "request"),
                e.input != Input::None,
                "{}: $defs/request iff the endpoint takes input",
                e.schema
            );
        }
    }
}

/// The shared endpoint table of the project brief: (id, method, path, input, safety).
const TABLE: &[(&str, &str, &str, &str, &str)] = &[
    ("mgmt.safe-restart", "POST", "/api/v1/mgmt/safeRestart", "none", "destructive"),
    ("mgmt.safe-reboot", "POST", "/api/v1/mgmt/safeReboot", "none", "destructive"),
    ("mgmt.config-reset", "POST", "/api/v1/mgmt/configReset", "none", "destructive"),
    ("mgmt.config-reset.local", "POST", "/api/v1/mgmt/configReset/local", "none", "destructive"),
    ("mgmt.config-reset.web", "POST", "/api/v1/mgmt/configReset/web", "none", "destructive"),
    ("mgmt.config-reset.device", "POST", "/api/v1/mgmt/configReset/device", "none", "destructive"),
    ("mgmt.factory-reset", "POST", "/api/v1/mgmt/factoryReset", "none", "destructive"),
    ("mgmt.network-info", "GET", "/api/v1/mgmt/network/info", "none", "safe"),
    ("mgmt.device-info", "GET", "/api/v1/mgmt/device/info", "none", "safe"),
    ("mgmt.network-stats", "GET", "/api/v1/mgmt/network/stats", "none", "safe"),
    ("mgmt.config-set", "POST", "/api/v1/mgmt/config/set", "required", "mutating"),
    ("mgmt.config-get", "POST", "/api/v1/mgmt/config/get", "required", "safe"),
    ("callctrl.dial", "POST", "/api/v1/callctrl/dial", "required", "mutating"),
    ("callctrl.end-call", "POST", "/api/v1/callctrl/endCall", "required", "mutating"),
    ("callctrl.mute", "POST", "/api/v1/callctrl/mute", "required", "mutating"),
    ("callctrl.transfer-call", "POST", "/api/v1/callctrl/transferCall", "required", "mutating"),
    ("callctrl.send-dtmf", "POST", "/api/v1/callctrl/sendDTMF", "required", "mutating"),
    ("mgmt.call-logs", "GET", "/api/v1/mgmt/callLogs", "none", "safe"),
    ("mgmt.call-logs.missed", "GET", "/api/v1/mgmt/callLogs/missed", "none", "safe"),
    ("mgmt.call-logs.received", "GET", "/api/v1/mgmt/callLogs/received", "none", "safe"),
    ("mgmt.call-logs.placed", "GET", "/api/v1/mgmt/callLogs/placed", "none", "safe"),
    ("mgmt.get-presence", "GET", "/api/v1/mgmt/getPresence", "none", "safe"),
    ("mgmt.network.upload-bg-capture", "POST", "/api/v1/mgmt/network/uploadBgCapture", "optional", "mutating"),
    ("webcallcontrol.sip-status", "GET", "/api/v1/webCallControl/sipStatus", "none", "safe"),
    ("callctrl.hold-call", "POST", "/api/v1/callctrl/holdCall", "optional", "mutating"),
    ("callctrl.resume-call", "POST", "/api/v1/callctrl/resumeCall", "optional", "mutating"),
    ("callctrl.answer-call", "POST", "/api/v1/callctrl/answerCall", "optional", "mutating"),
    ("callctrl.ignore-call", "POST", "/api/v1/callctrl/ignoreCall", "optional", "mutating"),
    ("callctrl.reject-call", "POST", "/api/v1/callctrl/rejectCall", "optional", "mutating"),
    ("mgmt.poll-for-status", "GET", "/api/v1/mgmt/pollForStatus", "none", "safe"),
    ("mgmt.transfer-type.get", "GET", "/api/v1/mgmt/transferType/get", "none", "safe"),
    ("mgmt.transfer-type.set", "POST", "/api/v1/mgmt/transferType/set", "required", "mutating"),
    ("mgmt.uixml", "GET", "/api/v1/mgmt/uixml", "none", "safe"),
    ("mgmt.device-stats", "GET", "/api/v1/mgmt/device/stats", "none", "safe"),
    ("mgmt.running-config", "GET", "/api/v1/mgmt/device/runningConfig", "none", "safe"),
    ("mgmt.simulate-touch", "POST", "/api/v1/mgmt/simulateTouch", "required", "mutating"),
    ("mgmt.skype.sign-in", "POST", "/api/v1/mgmt/skype/signIn", "required", "session-breaking"),
    ("mgmt.skype.sign-out", "POST", "/api/v1/mgmt/skype/signOut", "none", "session-breaking"),
    ("mgmt.web-sign-in", "GET", "/api/v1/mgmt/webSignIn", "none", "session-breaking"),
    ("mgmt.web-sign-in-cancel", "GET", "/api/v1/mgmt/webSignInCancel", "none", "session-breaking"),
    ("mgmt.communication-info", "GET", "/api/v1/mgmt/media/communicationInfo", "none", "safe"),
    ("mgmt.location-info", "GET", "/api/v1/mgmt/location/info", "none", "safe"),
    ("mgmt.config-export", "POST", "/api/v1/mgmt/config/export", "required", "mutating"),
    ("mgmt.session-stats", "GET", "/api/v1/mgmt/media/sessionStats", "none", "safe"),
    ("webcallcontrol.call-status", "GET", "/api/v1/webCallControl/callStatus", "none", "safe"),
    ("mgmt.line-info", "GET", "/api/v1/mgmt/lineInfo", "none", "safe"),
    ("mgmt.line-info.v2", "GET", "/api/v2/mgmt/lineInfo", "none", "safe"),
    ("mgmt.update-configuration", "POST", "/api/v1/mgmt/updateConfiguration", "none", "destructive"),
    ("mgmt.simulate-text-input", "POST", "/api/v1/mgmt/simulateTextInput", "required", "mutating"),
    ("mgmt.simulate-key-event", "POST", "/api/v1/mgmt/simulateKeyEvent", "required", "mutating"),
    ("webcallcontrol.call-status.v2", "GET", "/api/v2/webCallControl/callStatus", "none", "safe"),
    ("mgmt.device-info.v2", "GET", "/api/v2/mgmt/device/info", "none", "safe"),
    ("mgmt.simulate-hook", "POST", "/api/v1/mgmt/simulateHook", "required", "mutating"),
];
const TRIO_ONLY: &[&str] = &["mgmt.network.upload-bg-capture", "mgmt.web-sign-in", "mgmt.web-sign-in-cancel"];
const VVX_ONLY: &[&str] = &["mgmt.simulate-hook"];

/// The "Applicable return codes" per endpoint (Trio; the VVX dial section adds 4002).
fn table_codes(id: &str) -> &'static [&'static str] {
    const LOGS: &[&str] = &["2000", "4400", "4403", "5000", "5500"];
    match id {
        "mgmt.config-set" => &["2000", "4000", "4001", "4009", "5000"],
        "mgmt.config-get" => &["2000", "4000", "4009", "5000"],
        "callctrl.dial" => &["2000", "4000", "5000"],
        "callctrl.end-call" | "callctrl.mute" => &["2000", "4000", "4003", "4007", "5000"],
        "callctrl.transfer-call" | "callctrl.send-dtmf" => &["2000", "4000", "4007", "5000"],
        "mgmt.call-logs" | "mgmt.call-logs.missed" | "mgmt.call-logs.received" | "mgmt.call-logs.placed" => LOGS,
        "mgmt.get-presence" => &["2000", "4004", "5000"],
        "mgmt.poll-for-status" => &["2000", "3000", "5000"],
        "mgmt.network.upload-bg-capture" => &["2000", "4000", "4001", "5000"],
        "callctrl.hold-call" | "callctrl.resume-call" | "callctrl.ignore-call" | "callctrl.reject-call" => {
            &["2000", "4003", "4007", "5000"]
        }
        "callctrl.answer-call" => &["2000", "4000", "4003", "4007", "5000"],
        "mgmt.transfer-type.set" => &["2000", "4000", "5000"],
        "mgmt.simulate-touch" => &["2000", "4000", "4009", "5000"],
        "mgmt.skype.sign-in" => &["2000", "4000", "4002", "4003", "4004", "5000"],
        "mgmt.skype.sign-out" => &["2000", "4003", "4004", "5000"],
        "mgmt.config-export" => &["2000", "4000", "4008", "5000"],
        "webcallcontrol.call-status" => &["2000", "4007", "5000"],
        "mgmt.line-info.v2" => &["2000", "4000", "5000"],
        "mgmt.update-configuration" => &["2000", "4001", "4400", "4403", "5000", "5500"],
        "mgmt.simulate-text-input" | "mgmt.simulate-key-event" => &["2000", "4000", "4400", "4403", "5000", "5500"],
        "webcallcontrol.call-status.v2" => &["2000", "4000", "4007", "5000"],
        "mgmt.simulate-hook" => &["2000", "4000", "5000"],
        _ => &["2000", "5000"],
    }
}

fn check_profile_against_table(p: &Profile, left_out: &[&str], expected_count: usize) {
    let want: Vec<&(&str, &str, &str, &str, &str)> = TABLE.iter().filter(|t| !left_out.contains(&t.0)).collect();
    let have: BTreeSet<&str> = p.endpoints.iter().map(|e| e.id.as_str()).collect();
    let want_ids: BTreeSet<&str> = want.iter().map(|t| t.0).collect();
    assert_eq!(have, want_ids, "{}: endpoint ids differ from the table", p.id);
    assert_eq!(p.endpoints.len(), expected_count, "{}: endpoint count", p.id);
    for (id, method, path, input, safety) in want {
        let e = p.endpoint(id).unwrap();
        assert_eq!(e.method.as_str(), *method, "{}: {id} method", p.id);
        assert_eq!(e.path, *path, "{}: {id} path", p.id);
        assert_eq!(serde_json::to_value(e.input).unwrap(), *input, "{}: {id} input", p.id);
        assert_eq!(e.safety.label(), *safety, "{}: {id} safety", p.id);
        let mut codes: Vec<&str> = table_codes(id).to_vec();
        if p.id == "vvx-5.9.0" && *id == "callctrl.dial" {
            codes = vec!["2000", "4000", "4002", "5000"];
        }
        assert_eq!(e.codes, codes, "{}: {id} codes", p.id);
        // Schema file name mirrors the path: v1|v2/<path after /api/vN/>.json.
        let (version, rest) = path.trim_start_matches("/api/").split_once('/').unwrap();
        assert_eq!(e.schema, format!("{version}/{rest}.json"), "{}: {id} schema file", p.id);
        assert!(
            e.section.starts_with(&e.title) || e.section.contains("[sic]"),
            "{}: {id} section `{}` must start with the heading",
            p.id,
            e.section
        );
        let want_query: Vec<&str> = match *id {
            "mgmt.line-info.v2" => vec!["line"],
            "webcallcontrol.call-status.v2" => vec!["handle", "line", "sequence"],
            _ => vec![],
        };
        assert_eq!(e.query, want_query, "{}: {id} query", p.id);
    }
}

#[test]
fn trio_profile_lists_exactly_the_52_endpoints_of_the_table() {
    let p = profile("trio-5.9.1");
    check_profile_against_table(p, VVX_ONLY, 52);
    assert_eq!(p.family, "trio");
    assert_eq!(p.limits.upload_bg_capture_interval_secs, Some(10));
}

#[test]
fn vvx_profile_lists_exactly_the_50_endpoints_of_the_table() {
    let p = profile("vvx-5.9.0");
    check_profile_against_table(p, TRIO_ONLY, 50);
    assert_eq!(p.family, "vvx");
    assert_eq!(p.limits.upload_bg_capture_interval_secs, None, "uploadBgCapture is not in the VVX manual");
    let hook = p.endpoint("mgmt.simulate-hook").unwrap();
    assert!(
        hook.not_tested.as_deref().is_some_and(|r| r.contains("E20")),
        "simulateHook must say why it is not tested"
    );
    // Sections whose VVX text is missing cite E19; the ones the copy has do not.
    assert!(!p.endpoint("callctrl.mute").unwrap().errata.contains(&"E19".to_string()));
    assert!(p.endpoint("callctrl.transfer-call").unwrap().errata.contains(&"E19".to_string()));
}

#[test]
fn both_profiles_carry_the_manual_limits_and_error_table() {
    for id in ["trio-5.9.1", "vvx-5.9.0"] {
        let p = profile(id);
        assert_eq!(p.limits.body_bytes_accepted, 20000);
        assert_eq!(p.limits.body_bytes_rejected_above, 20480);
        assert_eq!(p.limits.config_params_max, 20);
        assert_eq!(p.default_username, "Polycom");
        assert_eq!(p.factory_password, "456");
        let codes: Vec<&str> = p.status_codes.keys().map(String::as_str).collect();
        assert_eq!(
            codes,
            [
                "2000", "3000", "4000", "4001", "4002", "4003", "4004", "4005", "4006", "4007", "4008", "4009", "4010",
                "4400", "4403", "5000", "5500"
            ],
            "{id}: status codes"
        );
        assert!(p.status_codes["3000"].contains("E51"), "{id}: 3000 must cite E51");
        for six in ["4400", "4403", "5500"] {
            assert!(
                p.status_codes[six].contains("6.x") && p.status_codes[six].contains("E23"),
                "{id}: {six} must be marked as a 6.x code"
            );
        }
        // Methods and safety classes that the runner relies on.
        assert!(
            p.endpoints
                .iter()
                .filter(|e| e.safety.needs_opt_in())
                .all(|e| e.method == Method::POST || e.id.starts_with("mgmt.web-sign-in"))
        );
        assert!(p.endpoints.iter().any(|e| e.safety == Safety::Safe));
    }
}

#[test]
fn every_endpoint_has_fixtures_and_every_fixture_folder_an_endpoint() {
    let endpoints = all_endpoints();
    let mut missing = Vec::new();
    for (id, (_, input)) in &endpoints {
        if fixtures(id, "manual").is_empty() {
            missing.push(format!("{id}/manual.json"));
        }
        if fixtures(id, "wrong-").is_empty() {
            missing.push(format!("{id}/wrong-*.json"));
        }
        if *input != Input::None {
            if fixtures(id, "request-ok").is_empty() {
                missing.push(format!("{id}/request-ok*.json"));
            }
            if fixtures(id, "request-bad").is_empty() {
                missing.push(format!("{id}/request-bad*.json"));
            }
        }
    }
    assert!(missing.is_empty(), "missing fixtures under tests/data/schemas:\n  {}", missing.join("\n  "));
    for entry in std::fs::read_dir(fixtures_root()).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().to_string();
        assert!(
            name == "common" || name == "README.md" || endpoints.contains_key(&name),
            "fixture folder `{name}` matches no endpoint id"
        );
        if entry.path().is_dir() {
            for f in std::fs::read_dir(entry.path()).unwrap() {
                let f = f.unwrap().file_name().to_string_lossy().to_string();
                let known = [
                    "manual",
                    "capture-",
                    "reading-",
                    "wrong-",
                    "request-ok",
                    "request-bad",
                    "failure-ok",
                    "failure-bad",
                ];
                assert!(
                    known.iter().any(|k| f.starts_with(k)) && f.ends_with(".json"),
                    "{name}/{f}: unknown fixture kind"
                );
            }
        }
    }
    for (ep, file, erratum, _) in EXPECTED_REJECTIONS {
        assert!(
            fixtures_root().join(ep).join(file).is_file(),
            "EXPECTED_REJECTIONS names a missing fixture {ep}/{file}"
        );
        assert!(
            catalogue().errata.iter().any(|e| e.id == *erratum),
            "EXPECTED_REJECTIONS cites unknown erratum {erratum}"
        );
    }
}

#[test]
fn manual_examples_and_device_captures_are_accepted() {
    let mut failures = Vec::new();
    let mut checked = 0;
    for (id, (schema, _)) in all_endpoints() {
        for prefix in ["manual", "capture-", "reading-"] {
            for (file, value) in fixtures(&id, prefix) {
                checked += 1;
                let v = violations(&schema, "response", &value);
                match expected_rejection(&id, &file) {
                    Some((_, _, erratum, why)) => {
                        if v.is_empty() {
                            failures.push(format!(
                                "{id}/{file}: expected a rejection ({erratum}: {why}) but the schema accepts it"
                            ));
                        }
                    }
                    None => {
                        if !v.is_empty() {
                            failures.push(format!("{id}/{file} rejected by {schema}:\n      {}", v.join("\n      ")));
                        }
                    }
                }
            }
        }
    }
    assert!(checked > 60, "only {checked} fixtures checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn wrong_answers_are_rejected() {
    let mut failures = Vec::new();
    for (id, (schema, _)) in all_endpoints() {
        for (file, value) in fixtures(&id, "wrong-") {
            if violations(&schema, "response", &value).is_empty() {
                failures.push(format!("{id}/{file} is accepted by {schema}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn request_bodies_are_judged_by_the_request_schemas() {
    let mut failures = Vec::new();
    for (id, (schema, input)) in all_endpoints() {
        if input == Input::None {
            assert!(fixtures(&id, "request-").is_empty(), "{id} takes no input but has request fixtures");
            continue;
        }
        for (file, value) in fixtures(&id, "request-ok") {
            let v = violations(&schema, "request", &value);
            if !v.is_empty() {
                failures.push(format!("{id}/{file} rejected:\n      {}", v.join("\n      ")));
            }
        }
        for (file, value) in fixtures(&id, "request-bad") {
            if violations(&schema, "request", &value).is_empty() {
                failures.push(format!("{id}/{file} is accepted by {schema}#/$defs/request"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_failure_envelope_takes_error_codes_and_extra_members() {
    let ok = fixtures("common", "failure-ok");
    let bad = fixtures("common", "failure-bad");
    assert!(!ok.is_empty() && !bad.is_empty());
    for (file, value) in ok {
        let v = violations("common.json", "failure", &value);
        assert!(v.is_empty(), "common/{file}: {v:?}");
    }
    for (file, value) in bad {
        assert!(!violations("common.json", "failure", &value).is_empty(), "common/{file} is accepted as a failure");
    }
    // A numeric Status is tolerated (E07) but a success envelope with one still needs 2000.
    assert!(violations("common.json", "success", &serde_json::json!({"Status": 2000})).is_empty());
    assert!(!violations("common.json", "success", &serde_json::json!({"Status": 2001})).is_empty());
}

// ---------------------------------------------------------------- suite.schema.json

fn suite_violations(value: &Value) -> Vec<String> {
    violations("suite.schema.json", "suiteFile", value)
}

#[test]
fn every_suite_file_passes_the_suite_schema() {
    let files = DataFiles::embedded();
    let mut checked = 0;
    for f in files.under("suites", "toml") {
        let name = f.rel.file_name().unwrap().to_string_lossy().to_string();
        if f.rel.starts_with("suites/profiles") || name == "errata.toml" {
            continue;
        }
        checked += 1;
        let value: Value = toml::from_str(&f.text).unwrap_or_else(|e| panic!("{}: {e}", f.rel.display()));
        let v = suite_violations(&value);
        assert!(v.is_empty(), "{} fails suite.schema.json:\n  {}", f.rel.display(), v.join("\n  "));
    }
    // Suites are written by another part of the project; when none exist yet the schema is
    // still exercised by the examples below.
    eprintln!("{checked} suite files checked");
}

#[test]
fn suite_schema_accepts_the_documented_example_and_rejects_unknown_keys() {
    let example = r#"
        [[case]]
        id = "mgmt.config-get.param-limit.over"
        title = "config/get with 21 parameters is refused with 4009"
        family = "params"
        level = "must"
        endpoint = "mgmt.config-get"
        manual = { section = "Management.GetConfig", quote = "The maximum is 20 parameters." }
        request = { body_params = 21, query = [["line", "1"]] }
        [[case.expect]]
        http = [200]
        api_status = ["4009"]
        json = [{ pointer = "/Status", one_of = ["4009"] }]
    "#;
    let value: Value = toml::from_str(example).unwrap();
    assert!(suite_violations(&value).is_empty(), "{:?}", suite_violations(&value));
    // The loader agrees.
    let _: SuiteFile = toml::from_str(example).unwrap();

    for (what, bad) in [
        ("misspelt expect", example.replace("[[case.expect]]", "[[case.expects]]")),
        ("unknown family", example.replace("\"params\"", "\"parameters\"")),
        ("unknown level", example.replace("\"must\"", "\"should\"")),
        ("upper-case id", example.replace("mgmt.config-get.param-limit.over", "Mgmt.Over")),
        ("query pair of one", example.replace("[[\"line\", \"1\"]]", "[[\"line\"]]")),
        (
            "missing manual",
            example.replace(
                "manual = { section = \"Management.GetConfig\", quote = \"The maximum is 20 parameters.\" }",
                "",
            ),
        ),
    ] {
        let value: Value = toml::from_str(&bad).unwrap();
        assert!(!suite_violations(&value).is_empty(), "suite schema accepts a case with {what}");
    }
}

/// Members of the schema object `$defs/<def>` of suite.schema.json.
fn schema_members(def: &str) -> BTreeSet<String> {
    let file = catalogue().schemas.files().find(|f| f.rel == "suite.schema.json").expect("suite.schema.json");
    file.value["$defs"][def]["properties"]
        .as_object()
        .unwrap_or_else(|| panic!("$defs/{def} has no properties"))
        .keys()
        .cloned()
        .collect()
}

fn rust_members<T: serde::Serialize>(value: &T) -> BTreeSet<String> {
    serde_json::to_value(value).unwrap().as_object().unwrap().keys().cloned().collect()
}

#[test]
fn suite_schema_is_in_sync_with_case_rs() {
    // Every field of the Rust types, as serde names it, is a member of the schema and back.
    let case: CaseSpec = serde_json::from_value(serde_json::json!({
        "id": "x", "title": "x", "family": "status", "level": "must", "manual": {"section": "s", "quote": "q"}
    }))
    .unwrap();
    let step: Step = serde_json::from_value(serde_json::json!({"name": "x"})).unwrap();
    let expect: Expect = serde_json::from_value(serde_json::json!({})).unwrap();
    let assert: JsonAssert = serde_json::from_value(serde_json::json!({"pointer": ""})).unwrap();
    let manual = ManualRef { section: String::new(), quote: String::new() };
    let suite = SuiteFile { title: None, cases: Vec::new() };
    let pairs: [(&str, BTreeSet<String>); 8] = [
        ("suiteFile", rust_members(&suite)),
        ("case", rust_members(&case)),
        ("step", rust_members(&step)),
        ("request", rust_members(&RequestSpec::default())),
        ("expect", rust_members(&expect)),
        ("jsonAssert", rust_members(&assert)),
        ("manualRef", rust_members(&manual)),
        ("endpointSelector", rust_members(&EndpointSelector::default())),
    ];
    for (def, rust) in pairs {
        assert_eq!(schema_members(def), rust, "suite.schema.json $defs/{def} differs from case.rs");
    }

    // Every enum value of the schema deserialises into the Rust enum.
    let file = catalogue().schemas.files().find(|f| f.rel == "suite.schema.json").unwrap();
    let values = |def: &str| -> Vec<Value> {
        file.value["$defs"][def]["enum"].as_array().unwrap_or_else(|| panic!("$defs/{def} enum")).clone()
    };
    fn all_parse<T: serde::de::DeserializeOwned>(def: &str, vals: Vec<Value>) {
        assert!(!vals.is_empty());
        for v in vals {
            assert!(serde_json::from_value::<T>(v.clone()).is_ok(), "$defs/{def}: {v} is not a value of the Rust enum");
        }
    }
    use polyconform::catalogue::case::{AuthMode, Cleanup, Family, Precondition, SchemaPart, Transport};
    use polyconform::verdict::{Level, Verdict};
    all_parse::<Family>("family", values("family"));
    all_parse::<Level>("level", values("level"));
    all_parse::<Verdict>("verdict", values("verdict"));
    all_parse::<Precondition>("precondition", values("precondition"));
    all_parse::<Cleanup>("cleanup", values("cleanup"));
    all_parse::<AuthMode>("authMode", values("authMode"));
    all_parse::<SchemaPart>("schemaPart", values("schemaPart"));
    all_parse::<Transport>("transport", values("transport"));
    all_parse::<Method>("method", values("method"));
    all_parse::<Safety>("safety", values("safety"));
    all_parse::<Input>("input", values("input"));
    // And the other way for the enums whose variants can be listed.
    let verdicts = values("verdict");
    for v in Verdict::ALL {
        assert!(verdicts.contains(&serde_json::to_value(v).unwrap()), "verdict {v} missing from suite.schema.json");
    }
    assert_eq!(values("family").len(), 15, "Family has 15 variants");
}
