//! `polyconform diff`, driven through the real binary against `polyconform emulate`
//! processes on 127.0.0.1: equal phones give no difference and exit 0, a fault gives
//! exactly the cases it changes and exit 1, Trio against VVX gives only what the
//! catalogue says differs between the profiles, and two recorded report.json files give
//! the same diff as the live run that wrote them. `diff.json` is validated against
//! `schemas/diff.schema.json`.
//!
//! Each live diff runs every case on both sides (a few tens of seconds, mostly the waits
//! the manual requires); the tests run side by side, and the faulty emulator's own run,
//! which the expected set is derived from, runs beside its diff.

use polyconform::catalogue::{Case, Catalogue, Endpoint, Profile};
use polyconform::record::model::RunRecord;
use polyconform::verdict::Verdict;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

mod emulator_process;
use emulator_process::EmulatorProcess;

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");
const PASSWORD: &str = "diff-pass-1";

fn polyconform(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("POLYCONFORM_PASSWORD", PASSWORD)
        .env_remove("POLYCONFORM_PASSWORD_B")
        .env("NO_COLOR", "1")
        .output()
        .expect("the polyconform binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("polyconform-test-diff-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `polyconform emulate` process (control endpoints on, short reboots) with `faults`.
fn emulate(profile: &str, faults: &[&str]) -> EmulatorProcess {
    let mut args = vec!["--control", "--reboot-ms", "500", "--profile", profile];
    for f in faults {
        args.extend(["--fault", f]);
    }
    EmulatorProcess::start(&args, PASSWORD)
}

/// A finished live diff: its exit code, output and the files of its --report-dir.
struct Finished {
    code: i32,
    stdout: String,
    stderr: String,
    dir: PathBuf,
}

impl Finished {
    fn json(&self) -> Value {
        let path = self.dir.join("diff.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!("no {} ({e})\nstdout:\n{}\nstderr:\n{}", path.display(), self.stdout, self.stderr)
        });
        serde_json::from_str(&text).expect("diff.json is JSON")
    }

    fn side(&self, name: &str) -> RunRecord {
        let text = std::fs::read_to_string(self.dir.join(name).join("report.json")).expect("the side's report.json");
        serde_json::from_str(&text).expect("a RunRecord")
    }

    fn context(&self) -> String {
        format!("exit {}\nstdout:\n{}\nstderr:\n{}", self.code, self.stdout, self.stderr)
    }
}

/// `polyconform diff` between two live emulators, every case, reports under a fresh dir.
fn live_diff(name: &str, a: &EmulatorProcess, b: &EmulatorProcess, extra: &[&str]) -> Finished {
    let dir = scratch(name);
    let mut args = vec!["diff", "--target", &a.url, "--target", &b.url, "--allow-destructive"];
    args.extend_from_slice(extra);
    let report_dir = dir.to_str().unwrap().to_string();
    args.extend_from_slice(&["--report-dir", &report_dir]);
    let out = polyconform(&args);
    Finished { code: out.status.code().unwrap_or(-1), stdout: text(&out.stdout), stderr: text(&out.stderr), dir }
}

fn schema_violations(instance: &Value) -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join("diff.schema.json");
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the diff schema compiles");
    validator.iter_errors(instance).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

fn differences(diff: &Value) -> &Vec<Value> {
    diff["differences"].as_array().expect("differences is an array")
}

fn cases_of(diff: &Value) -> BTreeSet<String> {
    differences(diff).iter().map(|d| d["case"].as_str().unwrap().to_string()).collect()
}

/// Two emulators of the same profile: no difference.
fn equal() -> &'static Finished {
    static DONE: OnceLock<Finished> = OnceLock::new();
    DONE.get_or_init(|| {
        let (a, b) = (emulate("trio-5.9.1", &[]), emulate("trio-5.9.1", &[]));
        live_diff("equal", &a, &b, &[])
    })
}

/// The fault whose effect is one wrong `Status`: v1 callStatus with no call answers 4999.
const FAULT: &str = "status-undocumented";

/// A clean emulator against one with [`FAULT`], and a plain `run` of another emulator with
/// the same fault (the expected set is derived from it, not from the diff).
fn faulty() -> &'static (Finished, RunRecord) {
    static DONE: OnceLock<(Finished, RunRecord)> = OnceLock::new();
    DONE.get_or_init(|| {
        let solo = emulate("trio-5.9.1", &[FAULT]);
        let run_dir = scratch("faulty-run");
        let run = std::thread::spawn({
            let (url, dir) = (solo.url.clone(), run_dir.clone());
            move || {
                polyconform(&["run", "--target", &url, "--allow-destructive", "--report-dir", dir.to_str().unwrap()])
            }
        });
        let (a, b) = (emulate("trio-5.9.1", &[]), emulate("trio-5.9.1", &[FAULT]));
        let finished = live_diff("faulty", &a, &b, &[]);
        let out = run.join().unwrap();
        assert_eq!(out.status.code(), Some(1), "the faulty run FAILs: {}", text(&out.stderr));
        let record: RunRecord =
            serde_json::from_str(&std::fs::read_to_string(run_dir.join("report.json")).unwrap()).unwrap();
        drop(solo);
        (finished, record)
    })
}

fn key(id: &str) -> String {
    id.split_once('.').map(|(_, rest)| rest.to_string()).unwrap_or_else(|| id.to_string())
}

#[test]
fn two_emulators_of_one_profile_do_not_differ_and_exit_0() {
    let f = equal();
    assert_eq!(f.code, 0, "{}", f.context());
    let diff = f.json();
    assert_eq!(differences(&diff), &Vec::<Value>::new(), "{}", f.context());
    assert_eq!(schema_violations(&diff), Vec::<String>::new());
    let cases =
        Catalogue::embedded().unwrap().cases_for(Catalogue::embedded().unwrap().profile("trio-5.9.1").unwrap()).len();
    assert_eq!(diff["summary"]["cases_compared"], cases, "every case runs on both sides");
    assert!(f.stdout.contains("no difference"), "{}", f.stdout);
    assert!(!f.stdout.contains(PASSWORD) && !f.stderr.contains(PASSWORD));
    let page = std::fs::read_to_string(f.dir.join("diff.html")).unwrap();
    assert!(page.contains("No difference"), "diff.html says so");
    // Both sides' own run reports are kept for a later --report diff.
    assert_eq!(f.side("a").cases.len(), cases);
    assert_eq!(f.side("b").cases.len(), cases);
}

#[test]
fn a_fault_gives_exactly_the_cases_it_changes_and_exit_1() {
    let (f, faulty_run) = faulty();
    assert_eq!(f.code, 1, "{}", f.context());
    let diff = f.json();
    assert_eq!(schema_violations(&diff), Vec::<String>::new());
    // Expected: the cases a plain run of a faulty emulator judges otherwise than a clean one.
    let clean: BTreeMap<String, Verdict> = equal().side("a").cases.iter().map(|c| (key(&c.id), c.verdict)).collect();
    let expected: BTreeSet<String> =
        faulty_run.cases.iter().filter(|c| clean.get(&key(&c.id)) != Some(&c.verdict)).map(|c| key(&c.id)).collect();
    assert!(
        expected.contains("webcallcontrol.call-status.idle"),
        "the fault changes the idle callStatus case: {expected:?}"
    );
    assert_eq!(cases_of(&diff), expected, "{}", f.context());
    let verdict_changes: BTreeSet<String> = differences(&diff)
        .iter()
        .filter(|d| d["kind"] == "verdict")
        .map(|d| d["case"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(verdict_changes, expected);
    // The change itself: same HTTP status, another API Status, on the v1 callStatus request.
    let status = differences(&diff)
        .iter()
        .find(|d| d["case"] == "webcallcontrol.call-status.idle" && d["kind"] == "api-status")
        .unwrap_or_else(|| panic!("an api-status difference on the idle case: {}", f.context()));
    assert_eq!(status["a"], "HTTP 200, Status \"4007\"");
    assert_eq!(status["b"], "HTTP 200, Status \"4999\"");
    assert_eq!(status["request"], "GET /api/v1/webCallControl/callStatus");
    assert!(f.stdout.contains("webcallcontrol.call-status ("), "grouped by endpoint: {}", f.stdout);
    let page = std::fs::read_to_string(f.dir.join("diff.html")).unwrap();
    assert!(page.contains("webcallcontrol.call-status.idle") && page.contains("Status &quot;4999&quot;"));
}

#[test]
fn two_report_files_give_the_same_diff_as_the_live_run() {
    let (f, _) = faulty();
    let out_dir = scratch("reports");
    let json = out_dir.join("diff.json");
    let a = f.dir.join("a").join("report.json");
    let b = f.dir.join("b").join("report.json");
    let out = polyconform(&[
        "diff",
        "--report",
        a.to_str().unwrap(),
        "--report",
        b.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains("diff: running"), "no phone is touched");
    let offline: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(offline, f.json());
}

#[test]
fn trio_against_vvx_differs_only_where_the_catalogue_says_the_profiles_differ() {
    let (a, b) = (emulate("trio-5.9.1", &[]), emulate("vvx-5.9.0", &[]));
    let f = live_diff("profiles", &a, &b, &["--profile-a", "trio-5.9.1", "--profile-b", "vvx-5.9.0"]);
    assert_eq!(f.code, 1, "the profiles have different endpoints: {}", f.context());
    let diff = f.json();
    assert_eq!(schema_violations(&diff), Vec::<String>::new());

    let catalogue = Catalogue::embedded().unwrap();
    let (trio, vvx) = (catalogue.profile("trio-5.9.1").unwrap(), catalogue.profile("vvx-5.9.0").unwrap());
    let by_key = |p: &Profile| -> BTreeMap<String, Case> {
        catalogue.cases_for(p).into_iter().map(|c| (key(&c.id), c)).collect()
    };
    let (cases_trio, cases_vvx) = (by_key(trio), by_key(vvx));
    let only_trio: BTreeSet<String> = cases_trio.keys().filter(|k| !cases_vvx.contains_key(*k)).cloned().collect();
    let only_vvx: BTreeSet<String> = cases_vvx.keys().filter(|k| !cases_trio.contains_key(*k)).cloned().collect();
    // Endpoints the profiles define differently (method, path, codes, input, safety, schema,
    // errata, certainty, answer definition, alternates), the manual's headings aside.
    let definition = |e: &Endpoint| {
        let mut v = serde_json::to_value(e).unwrap();
        v.as_object_mut().unwrap().retain(|k, _| k != "title" && k != "section");
        v
    };
    let differing_endpoints: BTreeSet<String> = trio
        .endpoints
        .iter()
        .filter(|e| vvx.endpoint(&e.id).is_some_and(|other| definition(other) != definition(e)))
        .map(|e| e.id.clone())
        .collect();
    assert!(!differing_endpoints.is_empty(), "the profiles differ in codes and limits");
    let touches_differing = |c: &Case| {
        c.endpoint
            .iter()
            .map(|e| &e.id)
            .chain(c.steps.iter().filter_map(|s| s.endpoint.as_ref()))
            .any(|id| differing_endpoints.contains(id))
    };
    let allowed: BTreeSet<String> = only_trio
        .iter()
        .chain(&only_vvx)
        .cloned()
        .chain(
            cases_trio
                .iter()
                .filter(|(k, c)| cases_vvx.contains_key(*k) && touches_differing(c))
                .map(|(k, _)| k.clone()),
        )
        .collect();

    let outside: Vec<String> = differences(&diff)
        .iter()
        .filter(|d| !allowed.contains(d["case"].as_str().unwrap()))
        .map(|d| d.to_string())
        .collect();
    assert!(outside.is_empty(), "differences the catalogue does not explain:\n{}", outside.join("\n"));
    let reported = |kind: &str| -> BTreeSet<String> {
        differences(&diff)
            .iter()
            .filter(|d| d["kind"] == kind)
            .map(|d| d["case"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(reported("only-in-a"), only_trio, "every Trio-only case is reported as such");
    assert_eq!(reported("only-in-b"), only_vvx, "every VVX-only case is reported as such");
    assert!(only_trio.iter().any(|k| k.contains("upload-bg-capture")), "{only_trio:?}");
    assert_eq!(diff["summary"]["cases_compared"], cases_trio.len() - only_trio.len());
}
