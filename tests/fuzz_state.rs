//! A mutating fuzz campaign leaves the phone as it found it: the real binary against an
//! emulator in its own process on 127.0.0.1, whose state is read through the API before
//! and after (calls, transfer type, the whole running config).
//!
//! The restorer reads each snapshot once per batch and restores each case by what its
//! endpoint class can change; this is the end-to-end proof that nothing slips through,
//! on both profiles, with a transfer type that is not the emulator's default (so a
//! restore that wrote a default back would show), and after a Ctrl-C at several moments.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

mod emulator_process;
use emulator_process::EmulatorProcess;

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");
const PASSWORD: &str = "state-test-pw";

fn emulator(profile: &str) -> EmulatorProcess {
    EmulatorProcess::start(&["--listen", "127.0.0.1:0", "--profile", profile], PASSWORD)
}

async fn call(client: &reqwest::Client, base: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let url = format!("{base}{path}");
    let mut request = match method {
        "GET" => client.get(url),
        _ => client.post(url),
    }
    .basic_auth("Polycom", Some(PASSWORD));
    if let Some(body) = body {
        request = request.header("Content-Type", "application/json").body(body.to_string());
    }
    let text = request.send().await.expect("the emulator answers").text().await.unwrap();
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
}

/// Everything a mutating campaign could change that the API shows.
async fn state(base: &str, calls_path: &str) -> Vec<(String, Value)> {
    let client = client();
    let mut out = Vec::new();
    for path in [calls_path, "/api/v1/mgmt/transferType/get", "/api/v1/mgmt/device/runningConfig"] {
        out.push((path.to_string(), call(&client, base, "GET", path, None).await));
    }
    out
}

fn client() -> reqwest::Client {
    polyconform::device::tls::install_provider();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

/// An emulator whose transfer type is not its default, and its state before any campaign.
fn prepared(profile: &str, calls_path: &str, rt: &tokio::runtime::Runtime) -> (EmulatorProcess, Vec<(String, Value)>) {
    let emulator = emulator(profile);
    let set = rt.block_on(call(
        &client(),
        &emulator.url,
        "POST",
        "/api/v1/mgmt/transferType/set",
        Some(serde_json::json!({"data": {"Type": "Blind"}})),
    ));
    assert_eq!(set["Status"], "2000", "{set}");
    let before = rt.block_on(state(&emulator.url, calls_path));
    assert!(before[1].1.to_string().contains("Blind"), "{:?}", before[1]);
    (emulator, before)
}

/// `polyconform fuzz --allow-mutating` against `emulator` for `secs`.
fn campaign(emulator: &EmulatorProcess, profile: &str, secs: u64, name: &str) -> Command {
    let mut fuzz = Command::new(BIN);
    fuzz.args(["fuzz", "--target", &emulator.url, "--profile", profile, "--allow-mutating"])
        .args(["--duration", &secs.to_string(), "--seed", "5", "--timeout", "5"])
        .arg("--out")
        .arg(std::env::temp_dir().join(format!("polyconform-fuzz-state-{}-{profile}-{name}", std::process::id())))
        .env("POLYCONFORM_PASSWORD", PASSWORD)
        .env("NO_COLOR", "1");
    fuzz
}

fn assert_unchanged(before: &[(String, Value)], after: &[(String, Value)], text: &str) {
    for ((path, was), (_, is)) in before.iter().zip(after) {
        assert_eq!(was, is, "{path} changed by the campaign\n{text}");
    }
}

fn left_as_found(profile: &str, calls_path: &str) {
    let rt = runtime();
    let (emulator, before) = prepared(profile, calls_path, &rt);
    let out = campaign(&emulator, profile, 8, "whole").output().expect("fuzz runs");
    let text = format!("{}\n{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("phone state:  as found; compared: calls, transfer type"), "{text}");
    let cases: u64 = text
        .split("fuzz summary: ")
        .nth(1)
        .and_then(|t| t.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    assert!(cases > 1000, "the campaign sent enough cases to mean something ({cases})\n{text}");
    assert_unchanged(&before, &rt.block_on(state(&emulator.url, calls_path)), &text);
}

#[test]
fn a_mutating_campaign_leaves_a_trio_as_it_found_it() {
    left_as_found("trio-5.9.1", "/api/v2/webCallControl/callStatus");
}

#[test]
fn a_mutating_campaign_leaves_a_vvx_as_it_found_it() {
    left_as_found("vvx-5.9.0", "/api/v1/webCallControl/callStatus");
}

/// Ctrl-C at any moment of a mutating campaign: the case under way is restored, the
/// phone is compared with how it was found, the summary says so, and the exit code is
/// 130 (as `run`: interrupted, the phone put back). Several moments, one emulator.
#[test]
fn ctrl_c_in_a_mutating_campaign_leaves_the_phone_as_found() {
    let (profile, calls_path) = ("trio-5.9.1", "/api/v2/webCallControl/callStatus");
    let rt = runtime();
    let (emulator, before) = prepared(profile, calls_path, &rt);
    for after_ms in [0u64, 900, 2100] {
        let mut child = campaign(&emulator, profile, 30, &format!("int{after_ms}"))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("fuzz starts");
        // The moments count from the campaign's first line, not from the start of the
        // process: a signal before the harness listens for it would test nothing.
        let mut stdout = BufReader::new(child.stdout.take().expect("piped stdout"));
        let mut headline = String::new();
        stdout.read_line(&mut headline).expect("fuzz prints its headline");
        assert!(headline.starts_with("fuzz: profile"), "{headline}");
        std::thread::sleep(Duration::from_millis(after_ms));
        let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
        let mut rest = String::new();
        stdout.read_to_string(&mut rest).expect("fuzz's stdout reads");
        let out = child.wait_with_output().expect("fuzz ends");
        let text = format!("{headline}{rest}\n{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(130), "interrupted after {after_ms} ms\n{text}");
        assert!(text.contains("fuzz summary: "), "the summary is printed\n{text}");
        assert!(text.contains("phone state:  as found"), "interrupted after {after_ms} ms\n{text}");
        assert_unchanged(&before, &rt.block_on(state(&emulator.url, calls_path)), &text);
    }
}
