//! `polyconform run --peer`: a second phone rings the target through its REST API, so
//! the incoming-call cases run with no emulator back door. Both phones are an emulated
//! rack (`polyconform emulate --rack 2`) on 127.0.0.1: phone 1 is the target, phone 2
//! the peer that calls it.
//!
//! A run with the peer executes every incoming-call case of the profile (none is
//! NOT-TESTED) and passes; with a fault in the target's answer logic the answer case
//! FAILs; both phones are idle afterwards; and a peer that cannot be used makes those
//! cases NOT-TESTED with the reason, never FAIL.

use polyconform::catalogue::Catalogue;
use polyconform::catalogue::case::Precondition;
use polyconform::device::tls::Trust;
use polyconform::device::{Credentials, Device, DeviceConfig};
use polyconform::phone::{CallInfo, Phone};
use polyconform::record::model::RunRecord;
use polyconform::verdict::Verdict;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

mod emulator_process;
use emulator_process::EmulatorProcess;

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");
const PASSWORD: &str = "rack-pass-1";

/// Cases that take seconds for reasons no peer changes (reboots, the 10 s rate limit).
const SKIPS: [&str; 10] = [
    "--skip",
    "upload-bg-capture.rate-limit",
    "--skip",
    ".reboots",
    "--skip",
    ".restarts",
    "--skip",
    ".resets",
    "--skip",
    ".syncs",
];

/// An emulated rack of `n` phones (one process), killed when dropped.
type Rack = EmulatorProcess;

fn rack(n: usize, args: &[&str]) -> Rack {
    EmulatorProcess::rack(n, args, PASSWORD)
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("polyconform-test-peer-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `run` against the rack's phone 1 with `peer` (phone 2 unless given), reports in `dir`.
fn run(rack: &Rack, peer: &str, profile: &str, dir: &Path, extra: &[&str]) -> (Output, RunRecord) {
    let out = Command::new(BIN)
        .args(["run", "--target", &rack.urls[0], "--peer", peer, "--profile", profile])
        .args(["--report-dir", dir.to_str().unwrap()])
        .args(extra)
        .arg("--")
        .args(SKIPS)
        .env("POLYCONFORM_PASSWORD", PASSWORD)
        .env("NO_COLOR", "1")
        .output()
        .expect("run starts");
    let text = std::fs::read_to_string(dir.join("report.json")).unwrap_or_else(|_| {
        panic!("report.json written; stderr: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out, serde_json::from_str(&text).expect("report.json is a RunRecord"))
}

/// The ids of the profile's cases that need a ringing incoming call.
fn incoming_cases(profile: &str) -> BTreeSet<String> {
    let catalogue = Catalogue::embedded().unwrap();
    let profile = catalogue.profile(profile).unwrap();
    let ids: BTreeSet<String> = catalogue
        .cases_for(profile)
        .into_iter()
        .filter(|c| c.spec.requires.contains(&Precondition::IncomingCall))
        .map(|c| c.id.clone())
        .collect();
    assert!(ids.len() >= 5, "answer, ignore, reject and the call logs need incoming calls: {ids:?}");
    ids
}

/// The calls a phone of the rack lists, through the harness's own phone API.
fn calls(url: &str) -> Vec<CallInfo> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    runtime.block_on(async {
        let device = Device::new(DeviceConfig {
            base_url: url.to_string(),
            credentials: Credentials { username: "Polycom".into(), password: PASSWORD.into() },
            trust: Trust::System,
            timeout: Duration::from_secs(5),
            pace: Duration::ZERO,
            max_body: 1 << 20,
        })
        .unwrap();
        Phone::manual(&device).calls("calls left").await.expect("the rack phone lists its calls")
    })
}

fn assert_peer_run_executes_every_incoming_case(profile: &str) {
    let rack = rack(2, &["--profile", profile]);
    let dir = scratch(&format!("clean-{profile}"));
    let (out, record) = run(&rack, &rack.urls[1], profile, &dir, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    for id in incoming_cases(profile) {
        let case = record.cases.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("{id} ran"));
        assert_eq!(case.verdict, Verdict::Pass, "{id}: {:?} {:?}\n{stdout}", case.verdict, case.reason);
        // The call came from the peer: its dial is in the case's wire log.
        assert!(
            case.exchanges.iter().any(|e| e.step.contains("peer") && e.request.path.ends_with("/dial")),
            "{id}: the peer's dial is in the wire log"
        );
    }
    let failed: Vec<&str> = record.cases.iter().filter(|c| c.verdict == Verdict::Fail).map(|c| c.id.as_str()).collect();
    assert!(failed.is_empty(), "no FAIL against a conformant rack: {failed:?}");
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    for url in &rack.urls {
        assert!(calls(url).is_empty(), "{url} is left without calls");
    }
}

#[test]
fn a_peer_rings_a_trio_for_every_incoming_call_case() {
    assert_peer_run_executes_every_incoming_case("trio-5.9.1");
}

#[test]
fn a_peer_rings_a_vvx_for_every_incoming_call_case() {
    assert_peer_run_executes_every_incoming_case("vvx-5.9.0");
}

#[test]
fn a_fault_in_the_targets_answer_logic_fails_the_answer_case() {
    let rack = rack(2, &["--fault", "1:answer-not-reflected"]);
    let dir = scratch("answer-fault");
    let (out, record) = run(&rack, &rack.urls[1], "trio-5.9.1", &dir, &[]);
    let case = record.cases.iter().find(|c| c.id == "trio.callctrl.answer-call.incoming").expect("the answer case ran");
    assert_eq!(case.verdict, Verdict::Fail, "{:?}", case.reason);
    assert_eq!(out.status.code(), Some(1));
    for url in &rack.urls {
        assert!(calls(url).is_empty(), "{url} is left without calls after a failing case");
    }
}

#[test]
fn a_peer_that_cannot_be_used_makes_the_incoming_cases_not_tested_never_fail() {
    let rack = rack(2, &[]);
    // Nothing listens on port 9 of loopback (discard, never served here).
    let dir = scratch("peer-down");
    let (out, record) = run(&rack, "http://127.0.0.1:9", "trio-5.9.1", &dir, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("the peer http://127.0.0.1:9 cannot be used"), "{stderr}");
    for id in incoming_cases("trio-5.9.1") {
        let case = record.cases.iter().find(|c| c.id == id).unwrap();
        assert_eq!(case.verdict, Verdict::NotTested, "{id}");
        assert!(case.reason.as_deref().unwrap_or("").contains("cannot be used"), "{id}: {:?}", case.reason);
    }
    assert!(record.cases.iter().all(|c| c.verdict != Verdict::Fail));

    // A --target-number nobody owns: the peer dials, the target never rings.
    let dir = scratch("wrong-number");
    let (_, record) = run(&rack, &rack.urls[1], "trio-5.9.1", &dir, &["--target-number", "4999", "--timeout", "1"]);
    let case = record.cases.iter().find(|c| c.id == "trio.callctrl.answer-call.incoming").unwrap();
    assert_eq!(case.verdict, Verdict::NotTested);
    assert!(case.reason.as_deref().unwrap_or("").contains("--target-number"), "{:?}", case.reason);
    for url in &rack.urls {
        assert!(calls(url).is_empty(), "{url}: the peer's call to nowhere was ended");
    }
}

#[test]
fn peer_flags_need_a_target_and_a_peer() {
    let out = Command::new(BIN).args(["run", "--peer", "http://127.0.0.1:9"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--target"));
    let out = Command::new(BIN).args(["run", "--target-number", "1001"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--peer"));
}

#[test]
fn a_lab_run_on_an_emulated_rack_uses_each_phones_peer() {
    let dir = scratch("lab");
    let inventory = dir.join("rack.toml");
    let rack = rack(2, &["--inventory-out", inventory.to_str().unwrap()]);
    let out_dir = dir.join("out");
    let out = Command::new(BIN)
        .args(["lab", "run", "--inventory", inventory.to_str().unwrap(), "--no-history", "--filter", "call"])
        .args(["--report-dir", out_dir.to_str().unwrap()])
        .env("POLYCONFORM_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    for phone in ["rack-1", "rack-2"] {
        let text = std::fs::read_to_string(out_dir.join(phone).join("report.json")).unwrap();
        let record: RunRecord = serde_json::from_str(&text).unwrap();
        for id in incoming_cases("trio-5.9.1") {
            let case = record.cases.iter().find(|c| c.id == id).unwrap_or_else(|| panic!("{phone}: {id} ran"));
            assert_eq!(case.verdict, Verdict::Pass, "{phone} {id}: {:?}", case.reason);
        }
    }
    for url in &rack.urls {
        assert!(calls(url).is_empty(), "{url} is left without calls");
    }
}
