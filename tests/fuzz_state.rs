//! A mutating fuzz campaign leaves the phone as it found it: the real binary against an
//! emulator in its own process on 127.0.0.1, whose state is read through the API before
//! and after (calls, transfer type, the whole running config).
//!
//! The restorer reads each snapshot once per batch and restores each case by what its
//! endpoint class can change; this is the end-to-end proof that nothing slips through,
//! on both profiles, with a transfer type that is not the emulator's default (so a
//! restore that wrote a default back would show).

use serde_json::Value;
use std::process::Command;

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

fn left_as_found(profile: &str, calls_path: &str) {
    let emulator = emulator(profile);
    let rt = runtime();
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

    let out = Command::new(BIN)
        .args(["fuzz", "--target", &emulator.url, "--profile", profile, "--allow-mutating"])
        .args(["--duration", "8", "--seed", "5", "--timeout", "5"])
        .arg("--out")
        .arg(std::env::temp_dir().join(format!("polyconform-fuzz-state-{}-{profile}", std::process::id())))
        .env("POLYCONFORM_PASSWORD", PASSWORD)
        .env("NO_COLOR", "1")
        .output()
        .expect("fuzz runs");
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

    let after = rt.block_on(state(&emulator.url, calls_path));
    for ((path, was), (_, is)) in before.iter().zip(&after) {
        assert_eq!(was, is, "{path} changed by the campaign\n{text}");
    }
}

#[test]
fn a_mutating_campaign_leaves_a_trio_as_it_found_it() {
    left_as_found("trio-5.9.1", "/api/v2/webCallControl/callStatus");
}

#[test]
fn a_mutating_campaign_leaves_a_vvx_as_it_found_it() {
    left_as_found("vvx-5.9.0", "/api/v1/webCallControl/callStatus");
}
