//! The reports of a real run (`polyconform run --report-dir` against the built-in
//! emulator with faults and a waiver file): report.json validates against
//! `schemas/report.schema.json`, junit.xml has one testcase per case with the right
//! failure/error/skipped mapping, index.html shows the same counts, and waivers turn
//! FAIL into WAIVED and report stale waivers; a waiver naming no case is refused.

mod report_fixture;

use polyconform::record::model::RunRecord;
use polyconform::verdict::Verdict;
use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

const WAIVERS: &str = r#"
[[waiver]]
case = "trio.content-type.missing.*"
profile = "trio-5.9.1"
reason = "the emulator is told to ignore Content-Type"
reference = "test fault content-type-ignored"

[[waiver]]
case = "trio.auth.no-credentials.mgmt.device-info"
profile = "trio-5.9.1"
reason = "waived long ago"
reference = "QA-7"
"#;

struct Finished {
    dir: PathBuf,
    exit: i32,
    record: RunRecord,
}

/// One run shared by every test of this file.
fn finished() -> &'static Finished {
    static RUN: OnceLock<Finished> = OnceLock::new();
    RUN.get_or_init(|| {
        let dir = report_fixture::temp_dir("report-run");
        let waivers = dir.join("waivers.toml");
        std::fs::write(&waivers, WAIVERS).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_polyconform"))
            .args([
                "run",
                "--emulator-reboot-ms",
                "500",
                "--emulator-fault",
                "content-type-ignored",
                "--emulator-fault",
                "missing-status",
                "--report-dir",
            ])
            .arg(dir.join("reports"))
            .arg("--waivers")
            .arg(&waivers)
            .env_remove("NO_COLOR")
            .output()
            .expect("run polyconform");
        let text = std::fs::read_to_string(dir.join("reports").join("report.json"))
            .unwrap_or_else(|e| panic!("no report.json ({e}); stderr:\n{}", String::from_utf8_lossy(&out.stderr)));
        let record: RunRecord = serde_json::from_str(&text).expect("report.json reads back as a RunRecord");
        Finished { dir: dir.join("reports"), exit: out.status.code().unwrap_or(-1), record }
    })
}

fn schema() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join("report.schema.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn violations(instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(&schema()).expect("the report schema compiles");
    validator.iter_errors(instance).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn the_report_schema_is_part_of_the_catalogue() {
    let catalogue = polyconform::catalogue::Catalogue::embedded()
        .expect("the built-in catalogue loads with the report schema in it");
    assert!(catalogue.schemas.has_file("report.schema.json"));
    assert_eq!(schema()["$id"], "https://polyconform.invalid/schemas/report.schema.json");
}

#[test]
fn a_hand_built_record_validates_and_every_deviation_is_caught() {
    let good = serde_json::to_value(report_fixture::run()).unwrap();
    assert_eq!(violations(&good), Vec::<String>::new());

    let mut extra = good.clone();
    extra["cases"][0]["surprise"] = Value::Bool(true);
    assert!(!violations(&extra).is_empty(), "an unknown case field must be rejected");
    let mut verdict = good.clone();
    verdict["cases"][0]["verdict"] = Value::String("PASS".into());
    assert!(!violations(&verdict).is_empty(), "verdicts are kebab-case in the JSON");
    let mut missing = good.clone();
    missing.as_object_mut().unwrap().remove("notes");
    assert!(!violations(&missing).is_empty(), "notes is always written");
    let mut outcome = good.clone();
    outcome["cases"][0]["exchanges"][0]["outcome"]["kind"] = Value::String("exploded".into());
    assert!(!violations(&outcome).is_empty(), "outcome kinds are answered, reset, timeout");
    let mut header = good;
    header["cases"][0]["exchanges"][0]["request"]["headers"] = serde_json::json!([["only-a-name"]]);
    assert!(!violations(&header).is_empty(), "a header is a [name, value] pair");
}

#[test]
fn report_json_of_a_real_run_validates_against_the_schema() {
    let f = finished();
    let value: Value = serde_json::from_str(&std::fs::read_to_string(f.dir.join("report.json")).unwrap()).unwrap();
    let errors = violations(&value);
    assert!(errors.is_empty(), "report.json does not match schemas/report.schema.json:\n{}", errors.join("\n"));
    assert!(f.record.cases.len() > 100, "the run judged {} cases", f.record.cases.len());
}

#[test]
fn junit_has_one_testcase_per_case_with_failure_error_skipped_mapped() {
    let f = finished();
    let xml = std::fs::read_to_string(f.dir.join("junit.xml")).unwrap();
    let report = Report::deserialize_from_str(&xml).expect("junit.xml parses");
    let cases: Vec<_> = report.test_suites.iter().flat_map(|s| s.test_cases.iter()).collect();
    assert_eq!(cases.len(), f.record.cases.len(), "one testcase per case");
    let mut seen = std::collections::BTreeSet::new();
    for (tc, rec) in cases.iter().zip(&f.record.cases) {
        assert_eq!(tc.name.as_str(), rec.id, "testcases are named by case id, in report order");
        assert!(seen.insert(rec.id.clone()), "case id {} twice", rec.id);
        let kind = match &tc.status {
            TestCaseStatus::Success { .. } => "success",
            TestCaseStatus::NonSuccess { kind: NonSuccessKind::Failure, .. } => "failure",
            TestCaseStatus::NonSuccess { kind: NonSuccessKind::Error, .. } => "error",
            TestCaseStatus::Skipped { .. } => "skipped",
        };
        let want = match rec.verdict {
            Verdict::Fail => "failure",
            Verdict::Error => "error",
            Verdict::NotTested | Verdict::Waived => "skipped",
            Verdict::Pass | Verdict::Info | Verdict::NonStrict => "success",
        };
        assert_eq!(kind, want, "{} is {} in report.json", rec.id, rec.verdict);
    }
    for v in [Verdict::Pass, Verdict::Fail, Verdict::NotTested, Verdict::Waived] {
        assert!(f.record.count(v) > 0, "the run should exercise {v} (mapping untested otherwise)");
    }
}

#[test]
fn waivers_waive_fails_and_report_stale_and_unused_entries() {
    let f = finished();
    let waived: Vec<_> = f.record.cases.iter().filter(|c| c.verdict == Verdict::Waived).collect();
    assert!(!waived.is_empty());
    for c in &waived {
        assert!(c.id.starts_with("trio.content-type.missing."), "{} waived by no waiver", c.id);
        let reason = c.reason.as_deref().unwrap_or_default();
        assert!(
            reason.contains("ignore Content-Type") && reason.contains("test fault content-type-ignored"),
            "{reason}"
        );
    }
    assert!(f.record.cases.iter().any(|c| c.verdict == Verdict::Fail), "FAILs no waiver covers stay FAIL");
    assert_eq!(f.exit, 1, "FAILs remain, so the exit code is 1");
    assert!(
        f.record.notes.iter().any(|n| n.starts_with("stale waiver `trio.auth.no-credentials.mgmt.device-info`")),
        "{:#?}",
        f.record.notes
    );
    assert_eq!(f.record.summary["WAIVED"], waived.len(), "the summary counts WAIVED");
}

#[test]
fn a_waiver_naming_no_case_or_an_unknown_profile_stops_the_run_at_its_line() {
    let dir = report_fixture::temp_dir("report-run-typo");
    let waivers = dir.join("waivers.toml");
    let typo = "[[waiver]]\ncase = \"trio.no-such-case\"\nprofile = \"trio-5.9.1\"\nreason = \"typo\"\nreference = \"QA-8\"\n\n\
                [[waiver]]\ncase = \"trio.auth.*\"\nprofile = \"trio-5.9\"\nreason = \"typo\"\nreference = \"QA-9\"\n";
    std::fs::write(&waivers, typo).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_polyconform"))
        .args(["run", "--waivers"])
        .arg(&waivers)
        .output()
        .expect("run polyconform");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("waivers.toml:1:1: waiver #1 names `trio.no-such-case`, which is no case"), "{stderr}");
    assert!(stderr.contains("waivers.toml:7:1: waiver #2 names the unknown profile `trio-5.9`"), "{stderr}");
}

#[test]
fn index_html_of_a_real_run_has_the_counts_of_report_json() {
    let f = finished();
    let page = std::fs::read_to_string(f.dir.join("index.html")).unwrap();
    for v in Verdict::ALL {
        let marker = format!("id=\"count-{}\">", v.label());
        let at = page.find(&marker).unwrap_or_else(|| panic!("no {marker}")) + marker.len();
        let n: usize = page[at..at + page[at..].find('<').unwrap()].parse().unwrap();
        assert_eq!(n, f.record.count(v), "count-{}", v.label());
        assert_eq!(n, f.record.summary[v.label()], "summary {}", v.label());
    }
}

#[test]
fn a_bad_waiver_file_stops_the_run_with_file_line_column() {
    let dir = report_fixture::temp_dir("report-run-bad-waivers");
    let waivers = dir.join("w.toml");
    std::fs::write(
        &waivers,
        "[[waiver]]\ncase = \"x\"\nprofile = \"trio-5.9.1\"\nreasons = \"typo\"\nreference = \"r\"\n",
    )
    .unwrap();
    let out =
        Command::new(env!("CARGO_BIN_EXE_polyconform")).args(["run", "--waivers"]).arg(&waivers).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("{}:4:1:", waivers.display())) && err.contains("did you mean `reason`"), "{err}");
}
