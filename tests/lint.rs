//! `polyconform lint` and `polyconform list`, driven through the real binary.
//!
//! A suite author's mistakes must come back as compiler-style diagnostics: `file:line:col`,
//! the offending line with a caret, a hint (a did-you-mean where one exists) and exit code 2,
//! never a panic and never a silent acceptance. The broken suites live in
//! `tests/data/lint/`, each with a comment saying where its one mistake is.

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/lint").join(name)
}

fn polyconform(args: &[&str]) -> Output {
    Command::new(BIN).args(args).env("NO_COLOR", "1").output().expect("the polyconform binary runs")
}

fn lint(name: &str) -> (i32, String, String) {
    let path = fixture(name);
    let out = polyconform(&["lint", path.to_str().expect("fixture path is UTF-8")]);
    let code = out.status.code().expect("lint exits with a code, not a signal");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!stderr.contains("panicked"), "lint must never panic:\n{stderr}");
    (code, stdout, stderr)
}

/// The diagnostic starts with `<path>:<line>:<col>: error:` for the fixture, and shows the
/// source line with a caret under it.
fn assert_located(stderr: &str, name: &str, line: usize, col: usize) {
    let path = fixture(name);
    let head = format!("{}:{line}:{col}: error:", path.display());
    assert!(stderr.lines().any(|l| l.starts_with(&head)), "expected a diagnostic starting with `{head}`:\n{stderr}");
    let gutter = format!("{line} | ");
    assert!(stderr.lines().any(|l| l.starts_with(&gutter)), "the offending line {line} is quoted:\n{stderr}");
    assert!(stderr.contains('^'), "a caret marks the culprit:\n{stderr}");
    assert!(stderr.contains("1 error(s) in data files"), "exactly the one planted mistake is reported:\n{stderr}");
}

#[test]
fn a_misspelt_key_is_an_error_with_its_place_and_a_did_you_mean() {
    let (code, _, stderr) = lint("typo-key.toml");
    assert_eq!(code, 2, "{stderr}");
    assert_located(&stderr, "typo-key.toml", 13, 1);
    assert!(stderr.contains("unknown field `expct`"), "{stderr}");
    assert!(stderr.contains("hint: did you mean `expect`?"), "{stderr}");
}

#[test]
fn a_json_pointer_without_leading_slash_is_an_error_with_its_place_and_a_hint() {
    let (code, _, stderr) = lint("bad-pointer.toml");
    assert_eq!(code, 2, "{stderr}");
    assert_located(&stderr, "bad-pointer.toml", 16, 21);
    assert!(stderr.contains("`CallState`") && stderr.contains("is not a JSON pointer"), "{stderr}");
    assert!(stderr.contains("hint: a JSON pointer starts with `/`"), "{stderr}");
}

#[test]
fn an_unknown_endpoint_is_an_error_at_its_own_case_with_a_did_you_mean() {
    // The first case of the file mentions the second case's id and the misspelt endpoint
    // in a note: the error must still point at the second case's `endpoint` line.
    let (code, _, stderr) = lint("unknown-endpoint.toml");
    assert_eq!(code, 2, "{stderr}");
    assert_located(&stderr, "unknown-endpoint.toml", 24, 12);
    assert!(stderr.contains("unknown endpoint `mgmt.device-inf`"), "{stderr}");
    assert!(stderr.contains("hint: did you mean `mgmt.device-info`?"), "{stderr}");
}

#[test]
fn invalid_toml_is_an_error_with_its_place_and_a_hint() {
    let (code, _, stderr) = lint("invalid-toml.toml");
    assert_eq!(code, 2, "{stderr}");
    assert_located(&stderr, "invalid-toml.toml", 9, 29);
    assert!(stderr.contains("hint: fix the TOML at this place"), "{stderr}");
}

#[test]
fn a_valid_suite_file_passes() {
    let (code, stdout, stderr) = lint("valid.toml");
    assert_eq!(code, 0, "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.starts_with("ok: "), "{stdout}");
}

#[test]
fn the_project_directory_passes_lint() {
    let out = polyconform(&["lint", env!("CARGO_MANIFEST_DIR")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.starts_with("ok: ") && stdout.contains("2 profiles"), "{stdout}");
}

#[test]
fn the_built_in_catalogue_passes_lint() {
    let out = polyconform(&["lint"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

fn list_json(profile: &str) -> Value {
    let out = polyconform(&["list", "--profile", profile, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("list --format json prints JSON")
}

fn endpoint_ids(listing: &Value) -> Vec<String> {
    listing[0]["endpoints"]
        .as_array()
        .expect("endpoints array")
        .iter()
        .map(|e| e["id"].as_str().expect("endpoint id").to_string())
        .collect()
}

#[test]
fn list_shows_the_52_trio_endpoints_with_their_cases() {
    let listing = list_json("trio-5.9.1");
    assert_eq!(listing.as_array().map(Vec::len), Some(1), "one profile asked, one listed");
    assert_eq!(listing[0]["profile"], "trio-5.9.1");
    let ids = endpoint_ids(&listing);
    assert_eq!(ids.len(), 52, "{ids:?}");
    for trio_only in ["mgmt.network.upload-bg-capture", "mgmt.web-sign-in", "mgmt.web-sign-in-cancel"] {
        assert!(ids.iter().any(|i| i == trio_only), "{trio_only} is a Trio endpoint");
    }
    assert!(!ids.iter().any(|i| i == "mgmt.simulate-hook"), "simulateHook is VVX only");
    // Every endpoint is exercised by at least one case of the suites.
    for e in listing[0]["endpoints"].as_array().expect("endpoints") {
        assert!(e["cases"].as_u64().unwrap_or(0) > 0, "no case touches {}", e["id"]);
    }
}

#[test]
fn list_shows_the_50_vvx_endpoints_with_simulate_hook() {
    let listing = list_json("vvx-5.9.0");
    let ids = endpoint_ids(&listing);
    assert_eq!(ids.len(), 50, "{ids:?}");
    assert!(ids.iter().any(|i| i == "mgmt.simulate-hook"), "{ids:?}");
    for trio_only in ["mgmt.network.upload-bg-capture", "mgmt.web-sign-in", "mgmt.web-sign-in-cancel"] {
        assert!(!ids.iter().any(|i| i == trio_only), "{trio_only} is not in the VVX manual");
    }
}

#[test]
fn an_unknown_profile_is_exit_2_with_a_hint() {
    let out = polyconform(&["list", "--profile", "trio-5.9", "--format", "json"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("unknown profile `trio-5.9`"), "{stderr}");
    assert!(stderr.contains("did you mean `trio-5.9.1`?"), "{stderr}");
    assert!(out.stdout.is_empty(), "nothing is listed for an unknown profile");
}

/// A copy of the project's data files, for lint runs on a changed copy.
fn project_copy(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("polyconform-lint-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    for sub in ["schemas", "suites"] {
        copy_tree(&root.join(sub), &dir.join(sub));
    }
    dir
}

fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the data directory") {
        let entry = entry.expect("an entry");
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).expect("copy a data file");
        }
    }
}

/// Every ambiguous or silent erratum must be executable: lint refuses one that names no
/// reading for the emulator to play, and a must erratum that names no fault.
#[test]
fn an_erratum_without_a_reading_or_a_fault_is_refused() {
    let dir = project_copy("reading");
    let errata = dir.join("suites/errata.toml");
    let text = std::fs::read_to_string(&errata).expect("errata.toml");
    let text = text.replacen("reading = \"model-number-as-printed\"\n", "", 1).replacen(
        "fault = \"dial-requires-line\"\n",
        "",
        1,
    );
    std::fs::write(&errata, text).expect("write errata.toml");
    let out = polyconform(&["lint", dir.to_str().expect("UTF-8 path")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("erratum E03 (`ambiguous`) names no `reading`"), "{stderr}");
    assert!(stderr.contains("hint: add `reading = \"NAME\"`"), "{stderr}");
    assert!(stderr.contains("erratum E46 (`must`) names no `fault`"), "{stderr}");
    assert!(stderr.contains("errata.toml:"), "the diagnostic names the file and line: {stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}
