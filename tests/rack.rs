//! An emulated rack: emulators on one switchboard call each other through the REST API.
//!
//! The first part starts two phones in-process (numbers 1001 and 1002) and drives them
//! over HTTP; the second runs `polyconform emulate --rack N` as a user starts it.

mod emulator_support;

use emulator_support::*;
use polyconform::emulator::{Emulator, EmulatorConfig, Switchboard};
use serde_json::{Value, json};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A phone of a rack: test settings, its own number, the shared switchboard.
fn rack_config(profile_id: &str, number: &str, board: &Switchboard) -> EmulatorConfig {
    let mut c = config(profile_id);
    c.number = Some(number.into());
    c.switchboard = Some(board.clone());
    c
}

/// Phones 1001 (Trio) and 1002 (VVX) on one switchboard.
async fn pair() -> (Switchboard, Phone, Phone) {
    let board = Switchboard::new();
    let a = Phone::with(rack_config("trio-5.9.1", "1001", &board)).await;
    let b = Phone::with(rack_config("vvx-5.9.0", "1002", &board)).await;
    (board, a, b)
}

/// (CallState, RemotePartyNumber, CallHandle) of every call, from v2 callStatus.
async fn states(p: &Phone) -> Vec<(String, String, String)> {
    p.calls()
        .await
        .iter()
        .map(|c| {
            let s = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (s("CallState"), s("RemotePartyNumber"), s("CallHandle"))
        })
        .collect()
}

async fn dial(p: &Phone, dest: &str) {
    assert_eq!(p.post("/api/v1/callctrl/dial", json!({"data": {"Dest": dest}})).await.api(), "2000");
}

/// POST a call control operation naming the call.
async fn act(p: &Phone, op: &str, handle: &str) -> String {
    p.post(&format!("/api/v1/callctrl/{op}"), json!({"data": {"Ref": handle}})).await.api().to_string()
}

/// The call log lists (placed, received, missed) as (number, name) pairs.
async fn logs(p: &Phone) -> [Vec<(String, String)>; 3] {
    let r = p.get("/api/v1/mgmt/callLogs").await;
    assert_eq!(r.api(), "2000");
    let list = |k: &str| -> Vec<(String, String)> {
        r.data()[k]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| {
                        let s = |k: &str| e[k].as_str().unwrap_or_default().to_string();
                        (s("RemotePartyNumber"), s("RemotePartyName"))
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    [list("placed"), list("received"), list("missed")]
}

/// A dial from A to B's number, with both sides checked: A rings back, B is offered the
/// call from A's number and display name. Their handles (A's, B's).
async fn ring(a: &Phone, b: &Phone, dest: &str) -> (String, String) {
    dial(a, dest).await;
    let on_a = states(a).await;
    let on_b = b.calls().await;
    assert_eq!(on_a.len(), 1, "{on_a:?}");
    assert_eq!((on_a[0].0.as_str(), on_a[0].1.as_str()), ("RingBack", dest));
    assert_eq!(on_b.len(), 1, "{on_b:?}");
    assert_eq!(on_b[0]["CallState"], "Offering");
    assert_eq!(on_b[0]["Type"], "Incoming");
    assert_eq!(on_b[0]["RemotePartyNumber"], a.emu.number());
    assert_eq!(on_b[0]["RemotePartyName"], format!("Lab Phone {}", a.emu.number()));
    assert_eq!(on_b[0]["Ringing"], "1");
    (on_a[0].2.clone(), on_b[0]["CallHandle"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_dial_rings_the_other_phone_and_an_answer_connects_both() {
    let (_board, a, b) = pair().await;
    let (ha, hb) = ring(&a, &b, "1002").await;
    // The far end does not answer by itself, however long the caller rings back.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(states(&a).await[0].0, "RingBack");
    let v1 = a.get("/api/v1/webCallControl/callStatus").await;
    assert_eq!(v1.api(), "2000", "{}", v1.text);

    assert_eq!(act(&b, "answerCall", &hb).await, "2000");
    assert_eq!(states(&a).await[0].0, "Connected");
    assert_eq!(states(&b).await[0].0, "Connected");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let a_call = &a.calls().await[0];
    assert_ne!(a_call["CallDuration"].as_str().or(a_call["Duration"].as_str()), Some("0"), "{a_call}");

    // Holding on one side leaves the other side as it is.
    assert_eq!(act(&a, "holdCall", &ha).await, "2000");
    assert_eq!(states(&a).await[0].0, "Hold");
    assert_eq!(states(&b).await[0].0, "Connected");
    assert_eq!(act(&a, "resumeCall", &ha).await, "2000");

    assert_eq!(act(&a, "endCall", &ha).await, "2000");
    assert!(states(&a).await.is_empty());
    assert!(states(&b).await.is_empty(), "ending on the caller's side ends both");
    let [placed, received, missed] = logs(&a).await;
    assert_eq!((placed.len(), received.len(), missed.len()), (1, 0, 0));
    assert_eq!(placed[0].0, "1002");
    let [placed, received, missed] = logs(&b).await;
    assert_eq!((placed.len(), received.len(), missed.len()), (0, 1, 0));
    assert_eq!(received[0], ("1001".to_string(), "Lab Phone 1001".to_string()));
}

#[tokio::test]
async fn ending_on_the_called_side_ends_both() {
    let (_board, a, b) = pair().await;
    // The user part of a SIP URI is the number.
    let (_, hb) = ring(&a, &b, "sip:1002@pbx.lab.invalid").await;
    assert_eq!(b.post("/api/v1/callctrl/answerCall", json!({})).await.api(), "2000");
    assert_eq!(act(&b, "endCall", &hb).await, "2000");
    assert!(states(&a).await.is_empty());
    assert_eq!(logs(&a).await[0].len(), 1);
    assert_eq!(logs(&b).await[1].len(), 1);

    // And the other way round: 1002 calls 1001.
    let (_, ha) = ring(&b, &a, "1001").await;
    assert_eq!(act(&a, "answerCall", &ha).await, "2000");
    assert_eq!(states(&b).await[0].0, "Connected");
    assert_eq!(act(&a, "endCall", &ha).await, "2000");
    assert!(states(&b).await.is_empty());
}

#[tokio::test]
async fn reject_ends_the_callers_call_ignore_leaves_it_ringing_back() {
    let (_board, a, b) = pair().await;
    let (_, hb) = ring(&a, &b, "1002").await;
    assert_eq!(act(&b, "rejectCall", &hb).await, "2000");
    assert!(states(&b).await.is_empty());
    assert!(states(&a).await.is_empty(), "a refused call ends on the caller's side");
    assert_eq!(logs(&a).await[0].len(), 1, "placed");
    assert_eq!(logs(&b).await[2].len(), 1, "missed");

    let (ha, hb) = ring(&a, &b, "1002").await;
    assert_eq!(act(&b, "ignoreCall", &hb).await, "2000");
    assert!(states(&b).await.is_empty());
    assert_eq!(logs(&b).await[2].len(), 2, "an ignored call is missed");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(states(&a).await, vec![("RingBack".into(), "1002".into(), ha.clone())], "the caller is not told");
    assert_eq!(act(&a, "endCall", &ha).await, "2000");
    assert_eq!(logs(&a).await[0].len(), 2);
    assert_eq!(logs(&b).await[2].len(), 2, "ending the ignored call touches nobody else");
}

#[tokio::test]
async fn a_reboot_or_a_control_hangup_ends_the_call_on_both_phones() {
    let (_board, a, b) = pair().await;
    let (_, hb) = ring(&a, &b, "1002").await;
    assert_eq!(act(&b, "answerCall", &hb).await, "2000");
    assert_eq!(b.post_empty("/api/v1/mgmt/safeReboot").await.api(), "2000");
    assert!(states(&a).await.is_empty(), "the reboot of the called phone ends the caller's call");
    assert_eq!(logs(&a).await[0].len(), 1);
    b.wait_until_up().await;
    assert_eq!(logs(&b).await[1].len(), 1, "received");

    let (ha, _) = ring(&a, &b, "1002").await;
    let r = a.control(reqwest::Method::POST, "/control/hangup", json!({"handle": ha})).await;
    assert_eq!(r.code, 200, "{}", r.text);
    assert!(states(&b).await.is_empty());
    assert_eq!(logs(&b).await[2].len(), 1, "missed");
}

#[tokio::test]
async fn unknown_and_own_numbers_are_answered_by_the_far_end_as_without_a_switchboard() {
    let (_board, a, b) = pair().await;
    a.connected_call("1000").await;
    a.connected_call("1001").await;
    assert!(states(&b).await.is_empty(), "nothing rang on the other phone");
}

#[tokio::test]
async fn the_number_is_the_phones_line() {
    let (_board, _a, b) = pair().await;
    let names = ["reg.1.address", "reg.1.label", "reg.1.auth.userId", "reg.1.displayName"];
    let r = b.post("/api/v1/mgmt/config/get", json!({"data": names})).await;
    assert_eq!(r.api(), "2000");
    let value = |n: &str| r.data()[n]["Value"].as_str().unwrap_or_default().to_string();
    assert_eq!(names.map(value), ["1002", "1002", "1002", "Lab Phone 1002"]);
    // A factory reset keeps what provisioning gives the phone.
    assert_eq!(b.post_empty("/api/v1/mgmt/factoryReset").await.api(), "2000");
    b.wait_until_up().await;
    let r = b.post("/api/v1/mgmt/config/get", json!({"data": ["reg.1.address"]})).await;
    assert_eq!(r.data()["reg.1.address"]["Value"], "1002");
}

#[tokio::test]
async fn a_phone_that_stops_hangs_up_its_calls_and_frees_its_number() {
    let board = Switchboard::new();
    let a = Phone::with(rack_config("trio-5.9.1", "1001", &board)).await;
    let b = Emulator::start(rack_config("trio-5.9.1", "1002", &board)).await.unwrap();
    let taken = Emulator::start(rack_config("trio-5.9.1", "1002", &board)).await.unwrap_err();
    assert!(taken.to_string().contains("1002 is taken"), "{taken}");
    dial(&a, "1002").await;
    assert_eq!(states(&a).await[0].0, "RingBack");
    b.stop().await;
    assert!(states(&a).await.is_empty());
    assert_eq!(board.numbers(), ["1001"]);
    // The number is free: a dial to it is answered by the far end by itself again.
    a.connected_call("1002").await;
    let again = Emulator::start(rack_config("trio-5.9.1", "1002", &board)).await.unwrap();
    drop(again);
    assert_eq!(board.numbers(), ["1001"], "a dropped emulator leaves too");
}

#[tokio::test]
async fn unusable_numbers_are_refused_at_start() {
    let mut c = config("trio-5.9.1");
    c.number = Some("sip:1002".into());
    let e = Emulator::start(c).await.unwrap_err();
    assert!(e.to_string().contains("cannot be used"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_phones_calling_each_other_at_once_do_not_deadlock() {
    let (_board, a, b) = pair().await;
    let work = |p: &'static Phone, dest: &'static str| async move {
        for _ in 0..20 {
            let _ = p.post("/api/v1/callctrl/dial", json!({"data": {"Dest": dest}})).await;
            for c in p.calls().await {
                let h = c["CallHandle"].as_str().unwrap_or_default().to_string();
                let _ = p.post("/api/v1/callctrl/endCall", json!({"data": {"Ref": h}})).await;
            }
        }
    };
    let (a, b): (&'static Phone, &'static Phone) = (Box::leak(Box::new(a)), Box::leak(Box::new(b)));
    let run = async { tokio::join!(work(a, "1002"), work(b, "1001")) };
    tokio::time::timeout(Duration::from_secs(30), run).await.expect("no deadlock");
}

// --- `polyconform emulate --rack N`, the real binary ---

fn emulate(args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_polyconform"));
    c.arg("emulate").args(args).env_remove("POLYCONFORM_PASSWORD");
    c
}

/// Ends the child even when an assertion fails first.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The URLs of the first `n` `listening on` lines.
fn listening(child: &mut Child, n: usize) -> Vec<String> {
    let stdout = child.stdout.take().unwrap();
    BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| l.strip_prefix("listening on ").map(str::to_string))
        .take(n)
        .collect()
}

/// The password the rack of the command-line tests is started with.
const RACK_PW: &str = "rack-s3cret";

async fn get_json(http: &reqwest::Client, url: &str) -> Value {
    let r = http.get(url).basic_auth(USER, Some(RACK_PW)).send().await.unwrap();
    serde_json::from_str(&r.text().await.unwrap_or_default()).unwrap_or(Value::Null)
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("polyconform-rack-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn a_rack_of_three_prints_three_addresses_and_writes_an_inventory_lab_accepts() {
    let dir = scratch("three");
    let inventory = dir.join("rack.toml");
    let inv = inventory.to_str().unwrap();
    let child = emulate(&[
        "--rack",
        "3",
        "--control",
        "--password",
        RACK_PW,
        "--profile",
        "3:vvx-5.9.0",
        "--fault",
        "2:size-limit-missing",
        "--inventory-out",
        inv,
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut running = Running(child);
    let urls = listening(&mut running.0, 3);
    assert_eq!(urls.len(), 3, "{urls:?}");
    assert!(urls.iter().all(|u| u.starts_with("http://127.0.0.1:")), "{urls:?}");

    let text = std::fs::read_to_string(&inventory).unwrap();
    assert!(!text.contains(RACK_PW), "no password in the inventory:\n{text}");
    assert!(text.contains("started with --password: set POLYCONFORM_PASSWORD"), "{text}");
    assert!(text.contains("size-limit-missing"), "faults are recorded as comments:\n{text}");
    let catalogue = polyconform::catalogue::Catalogue::embedded().unwrap();
    let profiles: Vec<&str> = catalogue.profiles.iter().map(|p| p.id.as_str()).collect();
    let env = |name: &str| (name == "POLYCONFORM_PASSWORD").then(|| RACK_PW.to_string());
    let parsed = polyconform::lab::inventory::Inventory::parse(&inventory, &text, &profiles, &env)
        .unwrap_or_else(|e| panic!("{e}\n{text}"));
    let names: Vec<&str> = parsed.devices.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["rack-1", "rack-2", "rack-3"]);
    let targets: Vec<&str> = parsed.devices.iter().map(|d| d.target.as_str()).collect();
    assert_eq!(targets, urls);
    let peers: Vec<Option<&str>> = parsed.devices.iter().map(|d| d.peer.as_deref()).collect();
    assert_eq!(peers, [Some("rack-2"), Some("rack-1"), None], "pairs 1-2, the odd last phone has none");
    let profile_of: Vec<&str> = parsed.devices.iter().map(|d| d.profile.as_str()).collect();
    assert_eq!(profile_of, ["trio-5.9.1", "trio-5.9.1", "vvx-5.9.0"]);
    assert!(parsed.devices.iter().all(|d| !d.control), "a rack phone's incoming calls come from its peer");

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let http = client();
        let mut faults = Vec::new();
        for u in &urls {
            faults.push(get_json(&http, &format!("{u}/control/faults")).await["faults"].clone());
        }
        assert_eq!(faults, [json!([]), json!(["size-limit-missing"]), json!([])], "--fault 2:NAME is phone 2's only");

        // The phones are on one switchboard: rack-1 (1001) rings rack-3 (1003).
        let r = http
            .post(format!("{}/api/v1/callctrl/dial", urls[0]))
            .basic_auth(USER, Some(RACK_PW))
            .header("Content-Type", "application/json")
            .body(json!({"data": {"Dest": "1003"}}).to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let calls = get_json(&http, &format!("{}/api/v2/webCallControl/callStatus", urls[2])).await;
        assert_eq!(calls["data"][0]["CallState"], "Offering", "{calls}");
        assert_eq!(calls["data"][0]["RemotePartyNumber"], "1001", "{calls}");
    });

    // A second rack does not overwrite the inventory without --force.
    let out = emulate(&["--rack", "2", "--inventory-out", inv]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--inventory-out") && err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&inventory).unwrap(), text);
    drop(running);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn rack_flags_that_cannot_work_exit_2_naming_the_flag() {
    for (args, needle) in [
        (vec!["--rack", "0"], "--rack"),
        (vec!["--rack", "2", "--fault", "3:size-limit-missing"], "phone 3"),
        (vec!["--rack", "2", "--fault", "0:size-limit-missing"], "phone 0"),
        (vec!["--rack", "2", "--fault", "2:no-such-fault"], "no-such-fault"),
        (vec!["--rack", "2", "--profile", "2:trio-9"], "unknown profile `trio-9`"),
        (vec!["--rack", "2", "--profile", "vvx-5.9.0", "--profile", "trio-5.9.1"], "--profile"),
        (vec!["--fault", "2:size-limit-missing"], "--rack"),
        (vec!["--rack", "2", "--listen", "127.0.0.1:65535"], "--listen"),
    ] {
        let out = emulate(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    }
}
