//! `polyconform fuzz` and `polyconform replay`, driven as a user drives them: the real
//! binary against its built-in emulator (127.0.0.1 only), with and without the four
//! robustness faults the fuzzer exists to find.
//!
//! For each fault: the run exits 1 and saves a reproducer whose minimal request is
//! smaller than the first failing one and still shows the fault; replaying it against
//! the faulty emulator says STILL FAILING (exit 1), against a clean one FIXED (exit 0).
//! The readings the HTTP RFCs and the manual allow (501 to a method, a failure Status on
//! an HTTP error) give no finding, and two crashes in one run are two findings.

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");

fn polyconform(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env_remove("POLYCONFORM_PASSWORD")
        .env("NO_COLOR", "1")
        .output()
        .expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!("--- stdout\n{}\n--- stderr\n{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

/// A fresh, empty directory under the system temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("polyconform-fuzz-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn reproducers(dir: &Path) -> Vec<(PathBuf, Value)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| (p.clone(), serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()))
        .collect()
}

/// Body bytes of a saved request (text, or `{"base64": ...}` for bytes that are not UTF-8).
fn body(request: &Value) -> Vec<u8> {
    use base64::Engine;
    match &request["body"] {
        Value::String(s) => s.as_bytes().to_vec(),
        Value::Object(o) => base64::engine::general_purpose::STANDARD.decode(o["base64"].as_str().unwrap()).unwrap(),
        _ => Vec::new(),
    }
}

/// Deepest `[`/`{` nesting outside strings.
fn nesting(bytes: &[u8]) -> usize {
    let (mut depth, mut max, mut in_string, mut escaped) = (0usize, 0usize, false, false);
    for &b in bytes {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                max = max.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

fn longest_string(v: &Value) -> usize {
    match v {
        Value::String(s) => s.chars().count(),
        Value::Array(a) => a.iter().map(longest_string).max().unwrap_or(0),
        Value::Object(o) => o.values().map(longest_string).max().unwrap_or(0),
        _ => 0,
    }
}

/// Fuzz with one fault, check the saved reproducer, replay it with and without the fault.
fn finds_shrinks_and_replays(
    fault: &str,
    seed: &str,
    extra: &[&str],
    replay_extra: &[&str],
    oracle: &str,
    shows_fault: impl Fn(&[u8]) -> bool,
) {
    let dir = scratch(fault);
    let out = dir.to_str().unwrap();
    let mut args = vec!["fuzz", "--seed", seed, "--cases", "400", "--out", out, "--emulator-fault", fault];
    args.extend_from_slice(extra);
    let run = polyconform(&args);
    assert_eq!(run.status.code(), Some(1), "a finding makes the exit code 1\n{}", text(&run));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains(&format!("  {oracle}")), "the finding names its oracle\n{}", text(&run));

    let saved = reproducers(&dir);
    assert_eq!(saved.len(), 1, "one defect, one reproducer (other endpoints are listed in it)\n{}", text(&run));
    let (path, r) = &saved[0];
    assert_eq!(r["format"], "polyconform-fuzz-repro/1");
    assert_eq!(r["oracle"], oracle);
    assert_eq!(r["verdict"], "fail");
    assert_eq!(r["seed"].to_string(), seed);
    assert_eq!(r["profile"], "trio-5.9.1");
    let (original, minimal) =
        (r["original"]["size_bytes"].as_u64().unwrap(), r["minimal"]["size_bytes"].as_u64().unwrap());
    assert!(
        minimal < original,
        "the minimal request ({minimal} bytes) is smaller than the first failing one ({original} bytes)"
    );
    let minimal_body = body(&r["minimal"]["request"]);
    assert!(
        shows_fault(&minimal_body),
        "the minimal body still shows the fault: {:?}",
        String::from_utf8_lossy(&minimal_body)
    );
    assert!(
        r["curl"].as_str().unwrap().contains("$POLYCONFORM_PASSWORD"),
        "the curl line leaves the password to the environment"
    );
    let file = std::fs::read_to_string(path).unwrap();
    assert!(!file.contains("Authorization") && !file.contains("Basic "), "no credentials in the file");

    let file_arg = path.to_str().unwrap();
    let mut still = vec!["replay", file_arg, "--emulator-fault", fault];
    still.extend_from_slice(replay_extra);
    let replay = polyconform(&still);
    assert_eq!(replay.status.code(), Some(1), "{}", text(&replay));
    assert!(String::from_utf8_lossy(&replay.stdout).contains("STILL FAILING"), "{}", text(&replay));

    let mut fixed = vec!["replay", file_arg];
    fixed.extend_from_slice(replay_extra);
    let replay = polyconform(&fixed);
    assert_eq!(replay.status.code(), Some(0), "{}", text(&replay));
    assert!(String::from_utf8_lossy(&replay.stdout).contains("FIXED"), "{}", text(&replay));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The acceptance run: 60 s against the emulator with no fault, in CI. Long on
/// purpose (a false finding that needs many cases to show up would hide in a short run).
#[test]
fn a_clean_emulator_gives_no_finding_in_60_seconds() {
    let dir = scratch("clean");
    let run = polyconform(&["fuzz", "--duration", "60", "--seed", "11", "--out", dir.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains("findings:     0 FAIL, 0 NON-STRICT"), "{}", text(&run));
    assert!(stdout.contains("seed 11"), "the seed is printed so the run can be repeated\n{}", text(&run));
    assert!(reproducers(&dir).is_empty(), "nothing saved");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn deep_nesting_crash_is_found_shrunk_to_17_levels_and_replayed() {
    finds_shrinks_and_replays("crash-on-deep-nesting", "7", &[], &[], "server-error", |b| nesting(b) == 17);
}

#[test]
fn null_data_crash_is_found_shrunk_and_replayed() {
    // Seed 8: its first failing request carries more than the null (with seed 7 the
    // generator happens to hit `{"data":null}` alone, which leaves nothing to shrink).
    finds_shrinks_and_replays("crash-on-null-data", "8", &[], &[], "server-error", |b| {
        serde_json::from_slice::<Value>(b).is_ok_and(|v| v.get("data").is_some_and(Value::is_null))
    });
}

#[test]
fn hang_on_long_strings_is_found_shrunk_to_513_characters_and_replayed() {
    // Every hang costs a whole timeout, so this run is short (--timeout 2) and aimed at
    // the endpoint with the richest body.
    finds_shrinks_and_replays(
        "hang-on-long-string",
        "7",
        &["--timeout", "2", "--endpoint", "config/get"],
        &["--timeout", "2"],
        "hang",
        |b| serde_json::from_slice::<Value>(b).is_ok_and(|v| longest_string(&v) == 513),
    );
}

#[test]
fn reset_on_bytes_that_are_not_utf8_is_found_shrunk_and_replayed() {
    finds_shrinks_and_replays("reset-on-non-utf8", "7", &[], &[], "connection-reset", |b| {
        std::str::from_utf8(b).is_err()
    });
}

/// The campaign of the issue 11 tests: every endpoint the emulator may be fuzzed on,
/// mutating ones included (dial is where the swallowed crashes were), a few seconds.
const READINGS_CAMPAIGN: [&str; 5] = ["--seed", "7", "--cases", "300", "--allow-mutating"];

/// A phone that answers 501 to a method it does not implement (E50, RFC 9110 §9.1 and
/// §15.6.2), or sends its documented failure Status with an HTTP 4xx/5xx (E48), is
/// conformant: no finding.
#[test]
fn the_readings_the_rfcs_and_the_manual_allow_give_no_finding() {
    for reading in ["unknown-method-501", "failure-http-status"] {
        let dir = scratch(reading);
        let mut args = vec!["fuzz", "--out", dir.to_str().unwrap(), "--reading", reading];
        args.extend_from_slice(&READINGS_CAMPAIGN);
        let run = polyconform(&args);
        assert_eq!(run.status.code(), Some(0), "{reading}\n{}", text(&run));
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(stdout.contains("findings:     0 FAIL, 0 NON-STRICT"), "{reading}\n{}", text(&run));
        let counted = if reading == "unknown-method-501" {
            "answered 501/505 as the RFCs allow"
        } else {
            "API failure Status on an HTTP 4xx/5xx (E48)"
        };
        assert!(stdout.contains(counted), "the accepted answers are counted\n{}", text(&run));
        assert!(reproducers(&dir).is_empty(), "nothing saved");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Issue 11: the same campaign with two crashes injected, on a phone that also answers
/// 501 to unknown methods and failures with HTTP errors, reports two findings, each with
/// its own shrunk reproducer; neither is swallowed by the other (nor by a 501).
#[test]
fn two_crashes_in_one_run_are_two_findings_each_with_its_own_minimal_request() {
    let dir = scratch("two-crashes");
    let mut args = vec![
        "fuzz",
        "--out",
        dir.to_str().unwrap(),
        "--reading",
        "unknown-method-501",
        "--reading",
        "failure-http-status",
    ];
    args.extend_from_slice(&READINGS_CAMPAIGN);
    args.extend_from_slice(&["--emulator-fault", "crash-on-deep-nesting", "--emulator-fault", "crash-on-null-data"]);
    let run = polyconform(&args);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    assert!(String::from_utf8_lossy(&run.stdout).contains("findings:     2 FAIL, 0 NON-STRICT"), "{}", text(&run));
    let saved = reproducers(&dir);
    assert_eq!(saved.len(), 2, "{}", text(&run));
    let minimal: Vec<Vec<u8>> = saved.iter().map(|(_, r)| body(&r["minimal"]["request"])).collect();
    let deep = minimal
        .iter()
        .position(|b| nesting(b) == 17)
        .unwrap_or_else(|| panic!("a minimal request 17 levels deep\n{}", text(&run)));
    let null = 1 - deep;
    assert_eq!(
        serde_json::from_slice::<Value>(&minimal[null]).ok(),
        Some(serde_json::json!({"data": null})),
        "{}",
        text(&run)
    );
    for (path, r) in &saved {
        assert_eq!(r["oracle"], "server-error", "{}", path.display());
        assert!(r["shrink"]["skipped"].is_null(), "confirmed and shrunk: {}", r["shrink"]);
        let (original, minimal) =
            (r["original"]["size_bytes"].as_u64().unwrap(), r["minimal"]["size_bytes"].as_u64().unwrap());
        assert!(minimal < original, "{}: {minimal} bytes, first failing request {original}", path.display());
        assert!(
            !r["also_on"].as_array().unwrap().is_empty(),
            "each defect shows on several endpoints, one file each: {}",
            path.display()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_same_seed_finds_the_same_first_failing_request_and_the_same_minimal_one() {
    let run = |name: &str| {
        let dir = scratch(name);
        let o = polyconform(&[
            "fuzz",
            "--seed",
            "2024",
            "--cases",
            "300",
            "--out",
            dir.to_str().unwrap(),
            "--emulator-fault",
            "crash-on-deep-nesting",
        ]);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o));
        let saved = reproducers(&dir);
        let _ = std::fs::remove_dir_all(&dir);
        saved
            .into_iter()
            .map(|(p, v)| {
                (
                    p.file_name().unwrap().to_owned(),
                    v["case_index"].clone(),
                    v["original"]["request"].clone(),
                    v["minimal"]["request"].clone(),
                    v["mutations"].clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let first = run("seed-a");
    assert!(!first.is_empty());
    assert_eq!(first, run("seed-b"));
}

#[test]
fn saved_reproducers_are_replayed_first_on_the_next_run() {
    let dir = scratch("replay-first");
    let out = dir.to_str().unwrap();
    let first =
        polyconform(&["fuzz", "--seed", "5", "--cases", "200", "--out", out, "--emulator-fault", "crash-on-null-data"]);
    assert_eq!(first.status.code(), Some(1), "{}", text(&first));
    // Next run, fault fixed: the saved reproducer is replayed and reported FIXED.
    let second = polyconform(&["fuzz", "--seed", "6", "--cases", "50", "--out", out]);
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    assert!(String::from_utf8_lossy(&second.stdout).contains("replaying 1 saved reproducer"), "{}", text(&second));
    assert!(String::from_utf8_lossy(&second.stdout).contains("FIXED"), "{}", text(&second));
    // Fault back: the replay alone makes the run fail.
    let third =
        polyconform(&["fuzz", "--seed", "6", "--cases", "1", "--out", out, "--emulator-fault", "crash-on-null-data"]);
    assert_eq!(third.status.code(), Some(1), "{}", text(&third));
    assert!(String::from_utf8_lossy(&third.stdout).contains("STILL FAILING"), "{}", text(&third));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A reproducer saved by a short campaign against the `crash-on-null-data` fault, in a
/// scratch directory of its own: (directory, file, its JSON), for tests that edit it.
fn a_saved_reproducer(name: &str) -> (PathBuf, PathBuf, Value) {
    let dir = scratch(name);
    let run = polyconform(&[
        "fuzz",
        "--seed",
        "5",
        "--cases",
        "200",
        "--out",
        dir.to_str().unwrap(),
        "--emulator-fault",
        "crash-on-null-data",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let (path, r) = reproducers(&dir).remove(0);
    (dir, path, r)
}

#[test]
fn a_reproducer_the_http_client_cannot_send_replays_as_an_error_not_as_fixed() {
    let (dir, path, mut r) = a_saved_reproducer("client-error");
    r["minimal"]["request"]["method"] = "GE T".into();
    std::fs::write(&path, serde_json::to_string_pretty(&r).unwrap()).unwrap();
    let replay = polyconform(&["replay", path.to_str().unwrap(), "--emulator-fault", "crash-on-null-data"]);
    assert_eq!(replay.status.code(), Some(2), "{}", text(&replay));
    let stdout = String::from_utf8_lossy(&replay.stdout);
    assert!(stdout.contains("ERROR") && stdout.contains("not sent"), "{}", text(&replay));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn reports_hold_the_finding() {
    let dir = scratch("reports");
    let reports = dir.join("reports");
    let run = polyconform(&[
        "fuzz",
        "--seed",
        "7",
        "--cases",
        "200",
        "--out",
        dir.join("repros").to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
        "--emulator-fault",
        "crash-on-null-data",
    ]);
    assert_eq!(run.status.code(), Some(1), "{}", text(&run));
    let report: Value = serde_json::from_str(&std::fs::read_to_string(reports.join("report.json")).unwrap()).unwrap();
    let cases = report["cases"].as_array().unwrap();
    let failing: Vec<&Value> = cases.iter().filter(|c| c["verdict"] == "fail").collect();
    assert_eq!(failing.len(), 1, "{report}");
    assert!(
        failing[0]["id"].as_str().unwrap().contains(".fuzz.")
            && failing[0]["id"].as_str().unwrap().ends_with(".server-error"),
        "{}",
        failing[0]["id"]
    );
    assert!(cases.iter().any(|c| c["verdict"] == "pass"), "endpoints fuzzed without a finding are PASS cases");
    assert!(std::fs::read_to_string(reports.join("junit.xml")).unwrap().contains("<failure"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unreachable_target_cannot_be_judged() {
    let o = Command::new(BIN)
        .args(["fuzz", "--target", "http://127.0.0.1:9", "--timeout", "2", "--cases", "5"])
        .env("POLYCONFORM_PASSWORD", "not-used-here")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot reach"), "{}", text(&o));
}

#[test]
fn endpoint_selection_explains_what_it_will_not_fuzz() {
    let o = polyconform(&["fuzz", "--endpoint", "factoryReset", "--cases", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("never fuzzed"), "{}", text(&o));
    let o = polyconform(&["fuzz", "--endpoint", "callctrl/dial", "--cases", "1"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--allow-mutating"), "{}", text(&o));
}

#[test]
fn replay_of_something_that_is_not_a_reproducer_is_an_error() {
    let dir = scratch("not-a-repro");
    std::fs::write(dir.join("x.json"), "{\"hello\": 1}").unwrap();
    let o = polyconform(&["replay", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("ERROR"), "{}", text(&o));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Ctrl-C during `replay`: the reproducer under way finishes (here a hang, judged when
/// the timeout runs out), no further one is sent, the summary says how many were
/// replayed, and the exit code is 130. Before, the signal killed the process with the
/// request in flight.
#[test]
fn ctrl_c_during_a_replay_finishes_the_reproducer_under_way_and_replays_no_more() {
    use std::io::{BufRead, BufReader, Read};
    use std::process::Stdio;
    let (dir, path, mut r) = a_saved_reproducer("replay-interrupt");
    // Three reproducers whose request makes an emulator with the hang fault hang.
    r["minimal"]["request"]["body"] =
        serde_json::json!({"data": {"polyconformLong": "a".repeat(600)}}).to_string().into();
    std::fs::remove_file(&path).unwrap();
    for name in ["a", "b", "c"] {
        std::fs::write(dir.join(format!("{name}.json")), serde_json::to_string_pretty(&r).unwrap()).unwrap();
    }
    let mut child = Command::new(BIN)
        .args(["replay", dir.to_str().unwrap(), "--emulator-fault", "hang-on-long-string", "--timeout", "3"])
        .env_remove("POLYCONFORM_PASSWORD")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("replay starts");
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut headline = String::new();
    stdout.read_line(&mut headline).unwrap();
    assert!(headline.starts_with("replay: 3 reproducers against "), "{headline}");
    // The first reproducer is now hanging for up to 3 s.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    let out = child.wait_with_output().unwrap();
    let shown = format!("--- stdout\n{headline}{rest}\n--- stderr\n{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(130), "{shown}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("interrupted"), "{shown}");
    assert_eq!(rest.lines().filter(|l| l.ends_with(".json)")).count(), 1, "one reproducer replayed\n{shown}");
    assert!(rest.contains("replay: 1 of 3 reproducers") && rest.contains("(interrupted)"), "{shown}");
    let _ = std::fs::remove_dir_all(&dir);
}
