//! `polyconform run`, driven through the real binary: verdicts, coverage, libtest
//! arguments, exit codes with their hints, and secrets kept out of every output.
//!
//! Every phone here is an emulator on 127.0.0.1: the built-in one, or a separate
//! `polyconform emulate` process when a test needs a phone the run cannot configure
//! (API disabled, factory password, TLS).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use polyconform::catalogue::Catalogue;
use polyconform::device::Exchange;
use polyconform::record::model::RunRecord;
use polyconform::run::steps::is_case_step;
use polyconform::verdict::Verdict;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod emulator_process;
use emulator_process::EmulatorProcess;

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");
const PASSWORD: &str = "lab-pass-1";

fn polyconform(args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env("POLYCONFORM_PASSWORD", PASSWORD).env("NO_COLOR", "1");
    cmd
}

fn output(mut cmd: impl std::borrow::BorrowMut<Command>) -> Output {
    cmd.borrow_mut().output().expect("the polyconform binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// A fresh directory under the system temp dir.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("polyconform-test-run-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn report(dir: &Path) -> RunRecord {
    let text = std::fs::read_to_string(dir.join("report.json")).expect("report.json written");
    serde_json::from_str(&text).expect("report.json is a RunRecord")
}

/// `polyconform emulate ARGS` with the tests' password.
fn emulate(args: &[&str]) -> EmulatorProcess {
    EmulatorProcess::start(args, PASSWORD)
}

/// Case-step requests (not the harness's own setup or cleanup) of a run.
fn case_requests(record: &RunRecord) -> impl Iterator<Item = &Exchange> {
    record.cases.iter().flat_map(|c| c.exchanges.iter()).filter(|e| is_case_step(e))
}

fn assert_clean_run_covering_every_endpoint(profile_id: &str) {
    let dir = scratch(&format!("cover-{profile_id}"));
    // No --allow-destructive: against the built-in emulator the main job covers reboots too.
    let out = output(polyconform(&["run", "--profile", profile_id, "--report-dir", dir.to_str().unwrap()]));
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(code(&out), 0, "exit code\nstdout:\n{stdout}\nstderr:\n{stderr}");
    let record = report(&dir);
    assert_eq!(record.profile, profile_id);
    assert_eq!(record.target, "builtin-emulator");
    let bad: Vec<String> = record
        .cases
        .iter()
        .filter(|c| matches!(c.verdict, Verdict::Fail | Verdict::Error))
        .map(|c| format!("{} {}: {:?}", c.verdict, c.id, c.reason))
        .collect();
    assert!(bad.is_empty(), "FAIL/ERROR against the reference emulator:\n{}", bad.join("\n"));
    assert!(record.count(Verdict::Pass) > 0, "no case passed: {:?}", record.summary);

    let catalogue = Catalogue::embedded().unwrap();
    let profile = catalogue.profile(profile_id).unwrap();
    let missing: Vec<&str> = profile
        .endpoints
        .iter()
        .filter(|ep| {
            !case_requests(&record).any(|ex| {
                ex.request.method == ep.method.as_str() && ex.request.path.split('?').next() == Some(ep.path.as_str())
            })
        })
        .map(|ep| ep.id.as_str())
        .collect();
    assert!(missing.is_empty(), "endpoints of {profile_id} no case exercised: {missing:?}");
    assert!(dir.join("junit.xml").is_file() && dir.join("index.html").is_file());
}

#[test]
fn builtin_emulator_trio_run_is_clean_and_covers_every_endpoint() {
    assert_clean_run_covering_every_endpoint("trio-5.9.1");
}

#[test]
fn builtin_emulator_vvx_run_is_clean_and_covers_every_endpoint() {
    assert_clean_run_covering_every_endpoint("vvx-5.9.0");
}

#[test]
fn on_a_target_without_the_opt_in_destructive_cases_are_ignored_and_not_tested() {
    let dir = scratch("no-opt-in");
    let emu = emulate(&["--control"]);
    let out = output(polyconform(&["run", "--target", &emu.url, "--report-dir", dir.to_str().unwrap()]));
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 0, "{stdout}\n{}", text(&out.stderr));
    let record = report(&dir);
    let destructive: Vec<_> = record.cases.iter().filter(|c| c.id.contains("safe-reboot")).collect();
    assert!(!destructive.is_empty(), "the suites call safeReboot somewhere");
    for c in destructive {
        assert_eq!(c.verdict, Verdict::NotTested, "{}", c.id);
        assert!(c.reason.as_deref().unwrap_or("").contains("needs --allow-destructive"), "{:?}", c.reason);
        assert!(c.exchanges.is_empty(), "{} sent requests without the opt-in", c.id);
        assert!(stdout.contains(&format!("test {} ", c.id)) && stdout.contains("ignored"), "libtest shows it ignored");
    }
    assert!(stdout.contains("needs --allow-destructive"), "the summary gives the reason:\n{stdout}");
}

#[test]
fn list_terse_prints_only_name_lines_and_touches_no_network() {
    // A target nobody listens on: listing must not even try it (nor need a password).
    let port = free_port();
    let out = output(
        Command::new(BIN)
            .args(["run", "--target", &format!("http://127.0.0.1:{port}"), "--", "--list", "--format", "terse"])
            .env_remove("POLYCONFORM_PASSWORD"),
    );
    assert_eq!(code(&out), 0, "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines.len() > 50, "{stdout}");
    for l in &lines {
        let name = l.strip_suffix(": test").unwrap_or_else(|| panic!("not a `<name>: test` line: {l:?}"));
        assert!(name.starts_with("trio.") && !name.contains(' '), "{l}");
    }
    // On a target the destructive cases are ignored trials until --allow-destructive.
    let ignored = output(Command::new(BIN).args([
        "run",
        "--target",
        &format!("http://127.0.0.1:{port}"),
        "--",
        "--list",
        "--format",
        "terse",
        "--ignored",
    ]));
    let ignored = text(&ignored.stdout);
    assert!(!ignored.is_empty() && ignored.lines().all(|l| l.ends_with(": test")), "{ignored}");
    assert!(ignored.lines().count() < lines.len(), "--ignored lists only the destructive cases");
}

#[test]
fn filters_skip_and_exact_select_cases_by_id() {
    let dir = scratch("filters");
    let d = dir.to_str().unwrap();
    let out = output(polyconform(&["run", "--report-dir", d, "--", "auth.no-credentials", "--skip", "mgmt.config"]));
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
    let record = report(&dir);
    assert!(!record.cases.is_empty());
    for c in &record.cases {
        assert!(c.id.contains("auth.no-credentials") && !c.id.contains("mgmt.config"), "{}", c.id);
    }

    let listing = text(&output(polyconform(&["run", "--", "--list", "--format", "terse"])).stdout);
    let one = listing.lines().find(|l| l.contains("size.")).unwrap().trim_end_matches(": test").to_string();
    let out = output(polyconform(&["run", "--report-dir", d, "--", "--exact", &one]));
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
    let record = report(&dir);
    assert_eq!(record.cases.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(), vec![one.as_str()]);
    assert!(text(&out.stdout).contains("1 passed"), "{}", text(&out.stdout));
}

#[test]
fn a_phone_with_a_fault_fails_with_exit_1_and_a_curl_reproducer() {
    let dir = scratch("fault");
    let out = output(polyconform(&[
        "run",
        "--emulator-fault",
        "auth-none-accepted",
        "--report-dir",
        dir.to_str().unwrap(),
        "--",
        "auth.",
    ]));
    let stdout = text(&out.stdout);
    assert_eq!(code(&out), 1, "{stdout}");
    assert!(stdout.contains("FAILED"), "libtest marks the FAIL:\n{stdout}");
    assert!(stdout.contains("requirement") && stdout.contains("expected") && stdout.contains("actual"), "{stdout}");
    assert!(stdout.contains("reproduce    curl "), "{stdout}");
    let record = report(&dir);
    let fail = record.cases.iter().find(|c| c.verdict == Verdict::Fail).expect("a FAIL in report.json");
    assert!(fail.reproducer.as_deref().is_some_and(|r| r.starts_with("curl ")), "{fail:?}");
    let junit = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    assert!(junit.contains("<failure"), "{junit}");
}

#[test]
fn unreachable_target_exits_2_with_a_hint() {
    let port = free_port();
    let out = output(polyconform(&["run", "--target", &format!("http://127.0.0.1:{port}"), "--timeout", "2"]));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(stderr.contains(&format!("cannot reach http://127.0.0.1:{port}")), "{stderr}");
    assert!(stderr.contains("hint: check the address, port, that the phone is on, and http vs https"), "{stderr}");
}

#[test]
fn api_disabled_everywhere_exits_2_naming_the_setting() {
    let emu = emulate(&["--api-disabled"]);
    let out = output(polyconform(&["run", "--target", &emu.url]));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(stderr.contains("404") && stderr.contains("apps.restapi.enabled=1"), "{stderr}");
}

#[test]
fn factory_password_exits_2_asking_to_change_it() {
    let emu = emulate(&["--password", "456"]);
    let out = output(polyconform(&["run", "--target", &emu.url]).env("POLYCONFORM_PASSWORD", "456"));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(stderr.contains("4010") && stderr.contains("change the admin password"), "{stderr}");
}

#[test]
fn wrong_credentials_exit_2_naming_the_flags() {
    let emu = emulate(&[]);
    let out = output(polyconform(&["run", "--target", &emu.url]).env("POLYCONFORM_PASSWORD", "not-the-password"));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(stderr.contains("HTTP 401") && stderr.contains("--username"), "{stderr}");
    assert!(!stderr.contains("not-the-password"), "{stderr}");
}

#[test]
fn tls_without_trust_or_with_a_wrong_pin_exits_2_and_the_right_pin_runs() {
    let emu = emulate(&["--tls"]);
    let out = output(polyconform(&["run", "--target", &emu.url]));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(stderr.contains("TLS") && stderr.contains("--insecure") && stderr.contains("--pin-sha256"), "{stderr}");

    let wrong = "00".repeat(32);
    let out = output(polyconform(&["run", "--target", &emu.url, "--pin-sha256", &wrong]));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(stderr.contains("does not match --pin-sha256"), "{stderr}");

    let pin = emu.fingerprint.clone().expect("the emulator prints its fingerprint");
    let out = output(polyconform(&["run", "--target", &emu.url, "--pin-sha256", &pin, "--", "size."]));
    assert_eq!(code(&out), 0, "{}\n{}", text(&out.stdout), text(&out.stderr));
    let out =
        output(polyconform(&["run", "--target", &emu.url, "--insecure", "--", "--exact", "trio.size.at-20000-bytes"]));
    assert_eq!(code(&out), 0, "{}\n{}", text(&out.stdout), text(&out.stderr));
}

#[test]
fn a_server_that_is_not_a_poly_phone_exits_2() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 20\r\nConnection: close\r\n\r\n<html>router</html>\n");
        }
    });
    let out = output(polyconform(&["run", "--target", &url]));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(stderr.contains("does not answer like a Poly REST API") && stderr.contains("text/html"), "{stderr}");
}

/// A data directory with the shipped schemas, profiles and errata, and `suite` as the
/// only suite file.
fn data_dir(name: &str, suite: &str) -> PathBuf {
    let dir = scratch(name);
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    copy_dir(&root.join("schemas"), &dir.join("schemas"));
    copy_dir(&root.join("suites/profiles"), &dir.join("suites/profiles"));
    std::fs::copy(root.join("suites/errata.toml"), dir.join("suites/errata.toml")).unwrap();
    std::fs::write(dir.join("suites/mine.toml"), suite).unwrap();
    dir
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let dest = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &dest);
        } else {
            std::fs::copy(&path, &dest).unwrap();
        }
    }
}

const CASE_HEAD: &str = r#"
[[case]]
id = "mine.device-info"
title = "device/info answers"
family = "status"
endpoint = "mgmt.device-info"
manual = { section = "Management.DeviceInfo", quote = "This API provides the device information." }
"#;

#[test]
fn a_broken_suite_file_exits_2_pointing_at_the_line() {
    let dir = data_dir(
        "broken-suite",
        &format!("{CASE_HEAD}level = \"must\"\nrequest = {{}}\n[[case.expct]]\nhttp = [200]\n"),
    );
    let out = output(polyconform(&["run", "--data", dir.to_str().unwrap()]));
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 2, "{stderr}");
    assert!(stderr.contains("mine.toml:") && stderr.contains("expct"), "{stderr}");
    assert!(stderr.contains("did you mean `expect`"), "{stderr}");
}

#[test]
fn error_without_fail_exits_2_and_strict_turns_non_strict_into_fail() {
    // A capture the answer cannot satisfy is a suite (harness) fault: ERROR, exit 2.
    let suite = format!(
        "{CASE_HEAD}level = \"must\"\n[[case.step]]\nname = \"read\"\ncapture = {{ x = \"/data/NoSuchMember\" }}\n[[case.step.expect]]\nhttp = [200]\n[[case.step]]\nname = \"again\"\n[[case.step.expect]]\nhttp = [200]\n"
    );
    let dir = data_dir("error-case", &suite);
    let reports = dir.join("out");
    let out = output(polyconform(&["run", "--data", dir.to_str().unwrap(), "--report-dir", reports.to_str().unwrap()]));
    assert_eq!(code(&out), 2, "{}", text(&out.stdout));
    assert!(reports.join("report.json").is_file(), "the run itself must start (stderr: {})", text(&out.stderr));
    let record = report(&reports);
    assert_eq!(record.cases[0].verdict, Verdict::Error);
    assert!(
        record.cases[0].reason.as_deref().unwrap_or("").contains("/data/NoSuchMember"),
        "{:?}",
        record.cases[0].reason
    );
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(junit.contains("<error"), "{junit}");

    // The manual ambiguous, the phone taking the other reading: NON-STRICT (exit 0),
    // and FAIL (exit 1) under --strict.
    let dir = data_dir(
        "non-strict",
        &format!("{CASE_HEAD}level = \"ambiguous\"\nrequest = {{}}\n[[case.expect]]\nhttp = [404]\n"),
    );
    let out = output(polyconform(&["run", "--data", dir.to_str().unwrap()]));
    assert_eq!(code(&out), 0, "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("NON-STRICT (1)"), "{}", text(&out.stdout));
    let out = output(polyconform(&["run", "--data", dir.to_str().unwrap(), "--strict"]));
    assert_eq!(code(&out), 1, "{}", text(&out.stdout));
}

#[test]
fn a_fail_exits_1_even_when_another_case_is_error() {
    // One case the phone FAILs (a must outcome it cannot meet), one the harness cannot judge
    // (a capture its answer cannot satisfy): the defect is known, so the exit code says 1.
    let error_case = format!(
        "{CASE_HEAD}level = \"must\"\n[[case.step]]\nname = \"read\"\ncapture = {{ x = \"/data/NoSuchMember\" }}\n[[case.step.expect]]\nhttp = [200]\n[[case.step]]\nname = \"again\"\n[[case.step.expect]]\nhttp = [200]\n"
    );
    let fail_case = CASE_HEAD.replace("mine.device-info", "mine.device-info-fails")
        + "level = \"must\"\nrequest = {}\n[[case.expect]]\nhttp = [418]\n";
    let dir = data_dir("fail-and-error", &format!("{error_case}{fail_case}"));
    let reports = dir.join("out");
    let out = output(polyconform(&["run", "--data", dir.to_str().unwrap(), "--report-dir", reports.to_str().unwrap()]));
    let record = report(&reports);
    let verdicts: Vec<Verdict> = record.cases.iter().map(|c| c.verdict).collect();
    assert!(verdicts.contains(&Verdict::Error) && verdicts.contains(&Verdict::Fail), "{verdicts:?}");
    assert_eq!(code(&out), 1, "{}", text(&out.stdout));
}

#[test]
fn secrets_never_reach_stdout_stderr_or_any_report() {
    let password = "S3cr3t-Pa55";
    let dir = scratch("secrets");
    // A fault makes FAILs, so findings, reproducers and JUnit failures are all written.
    let out = output(
        polyconform(&[
            "run",
            "--emulator-reboot-ms",
            "500",
            "--emulator-fault",
            "auth-wrong-password-accepted",
            "--emulator-fault",
            "manual-content-type-refused",
            "--report-dir",
            dir.to_str().unwrap(),
        ])
        .env("POLYCONFORM_PASSWORD", password),
    );
    assert_eq!(code(&out), 1, "{}", text(&out.stderr));
    let forms = [
        password.to_string(),
        STANDARD.encode(password),
        STANDARD_NO_PAD.encode(password),
        STANDARD.encode(format!("Polycom:{password}")),
        STANDARD_NO_PAD.encode(format!("Polycom:{password}")),
        URL_SAFE_NO_PAD.encode(format!("Polycom:{password}")),
    ];
    let mut texts = vec![("stdout".to_string(), text(&out.stdout)), ("stderr".to_string(), text(&out.stderr))];
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        texts.push((path.display().to_string(), String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned()));
        files += 1;
    }
    assert!(files >= 3, "junit.xml, report.json and index.html");
    for (name, body) in &texts {
        for form in &forms {
            assert!(!body.contains(form.as_str()), "{name} contains a form of the password ({form})");
        }
    }
    // The run did use it: reproducers point at the environment variable instead.
    assert!(texts[0].1.contains("$POLYCONFORM_PASSWORD"), "{}", texts[0].1);

    // --password works too, with a warning that names the risk but not the password.
    let out = output(
        Command::new(BIN)
            .args(["run", "--password", password, "--", "--exact", "trio.size.at-20000-bytes"])
            .env_remove("POLYCONFORM_PASSWORD"),
    );
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert_eq!(code(&out), 0, "{all}");
    assert!(all.contains("visible in the process list"), "{all}");
    assert!(!all.contains(password), "{all}");
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[test]
fn ctrl_c_restores_the_phone_and_exits_130() {
    let child = polyconform(&["run", "--emulator-latency-ms", "50"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Let the run get going (preflight and a few cases), then interrupt it.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(code(&out), 130, "{stderr}");
    assert!(stderr.contains("interrupted: finishing the request in flight"), "{stderr}");
    assert!(stderr.contains("interrupted: the phone was put back"), "{stderr}");
    assert!(!stderr.contains("RESTORE FAILED"), "{stderr}");
}

#[test]
fn a_phone_whose_dial_never_makes_a_call_costs_one_wait_not_one_per_case() {
    let dir = scratch("dial-never");
    let out = output(polyconform(&[
        "run",
        "--emulator-fault",
        "dial-not-reflected",
        "--timeout",
        "1",
        "--report-dir",
        dir.to_str().unwrap(),
        "--",
        "callctrl.",
    ]));
    assert_eq!(code(&out), 1, "the dial case FAILs: {}", text(&out.stdout));
    let record = report(&dir);
    let needs_a_call: Vec<_> = record
        .cases
        .iter()
        .filter(|c| c.reason.as_deref().is_some_and(|r| r.contains("precondition `active-call` could not be set up")))
        .collect();
    assert!(needs_a_call.len() > 20, "the call cases are NOT-TESTED: {}", needs_a_call.len());
    let waited: Vec<&str> = needs_a_call
        .iter()
        .filter(|c| c.exchanges.iter().any(|e| e.step.contains("wait for the call to connect")))
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(waited.len(), 1, "only the first case waits for the call: {waited:?}");
    for c in needs_a_call.iter().filter(|c| c.id != waited[0]) {
        assert_eq!(c.verdict, Verdict::NotTested);
        let reason = c.reason.as_deref().unwrap_or("");
        assert!(
            reason.starts_with(&format!("not tried again after it failed in {}: ", waited[0]))
                && reason.contains("no call appeared"),
            "{}: {reason}",
            c.id
        );
    }
}
