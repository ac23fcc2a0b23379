//! A fleet of 50 emulated phones in this process, driven by `polyconform lab run` twice:
//! the combined report (JSON, JUnit, HTML), phones that are down or busy reported as
//! such, and the regression view after a fault is switched on in one phone and off in
//! another between the two runs.
//!
//! The lab runs a subset of the cases (`--filter`) so the test stays quick; the subset
//! covers the families the faults break (content type, API status, auth).

use polyconform::catalogue::Catalogue;
use polyconform::device::tls::Trust;
use polyconform::device::{Credentials, Device, DeviceConfig, WireRequest};
use polyconform::emulator::{Emulator, EmulatorConfig};
use serde_json::Value;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

const PASSWORD: &str = "fleet-Secret-pw-42";
const FILTERS: [&str; 3] = ["content-type.missing", "call-status.idle", "auth.no-credentials.mgmt.device-info"];

/// Fault of the regular phone `i`: a mix of healthy and faulty phones.
fn fault_of(i: usize) -> Option<&'static str> {
    match i % 4 {
        0 => None,
        1 => Some("content-type-ignored"),
        2 => Some("status-undocumented"),
        _ => Some("auth-none-accepted"),
    }
}

fn lab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polyconform"))
        .arg("lab")
        .args(args)
        .current_dir(dir)
        .env("FLEET_PW", PASSWORD)
        .env_remove("POLYCONFORM_LAB_DB")
        .output()
        .expect("polyconform runs")
}

fn run_args<'a>(run_id: &'a str, out: &'a str) -> Vec<&'a str> {
    let mut args =
        vec!["run", "--inventory", "lab.toml", "--run-id", run_id, "--report-dir", out, "--max-devices", "16"];
    for f in FILTERS {
        args.extend(["--filter", f]);
    }
    args
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn device<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == name)
        .unwrap_or_else(|| panic!("no phone {name} in the report"))
}

fn fails(d: &Value) -> Vec<String> {
    d["record"]["cases"]
        .as_array()
        .map(|cs| cs.iter().filter(|c| c["verdict"] == "fail").map(|c| c["id"].as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

fn count(d: &Value, verdict: &str) -> usize {
    d["record"]["cases"].as_array().map(|cs| cs.iter().filter(|c| c["verdict"] == verdict).count()).unwrap_or(0)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.is_dir() { out.extend(files_under(&p)) } else { out.push(p) }
    }
    out
}

#[test]
fn fifty_phones_two_runs_combined_report_and_regressions() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let catalogue = Catalogue::embedded().unwrap();
    let dir = std::env::temp_dir().join(format!("polyconform-lab-fleet-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let start = |profile: &str, faults: Vec<String>| {
        let mut config = EmulatorConfig::new(catalogue.profile(profile).unwrap().clone());
        config.password = PASSWORD.into();
        config.control = true;
        config.faults = faults;
        runtime.block_on(Emulator::start(config)).unwrap()
    };
    let mut inventory = String::from("[defaults]\npassword_env = \"FLEET_PW\"\ncontrol = true\n");
    let mut entry = |name: &str, url: &str, profile: &str, tags: &str| {
        inventory.push_str(&format!(
            "\n[[device]]\nname = \"{name}\"\ntarget = \"{url}\"\nprofile = \"{profile}\"\ntags = [{tags}]\n"
        ));
    };

    // 46 regular phones, half Trio and half VVX, a quarter of each healthy.
    let mut emulators = Vec::new();
    for i in 0..46 {
        let profile = if (i / 4) % 2 == 0 { "trio-5.9.1" } else { "vvx-5.9.0" };
        let emu = start(profile, fault_of(i).map(|f| vec![f.to_string()]).unwrap_or_default());
        entry(&format!("phone-{i:02}"), &emu.url(), profile, "\"room:lab-2\"");
        emulators.push(emu);
    }
    // Two phones whose fault changes between the runs.
    let flip_on = start("trio-5.9.1", vec![]);
    entry("flip-on", &flip_on.url(), "trio-5.9.1", "\"rack:r1\"");
    let flip_off = start("vvx-5.9.0", vec!["content-type-ignored".into()]);
    entry("flip-off", &flip_off.url(), "vvx-5.9.0", "\"rack:r1\"");
    // A phone another run holds (its lock file is locked by this process).
    let locked = start("trio-5.9.1", vec![]);
    entry("locked", &locked.url(), "trio-5.9.1", "");
    // A phone a person is calling: it rings before the run.
    let in_call = start("trio-5.9.1", vec![]);
    entry("in-call", &in_call.url(), "trio-5.9.1", "");
    // A phone that is down.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    entry("dead", &dead_url, "trio-5.9.1", "");
    std::fs::write(dir.join("lab.toml"), &inventory).unwrap();

    let controller = Device::new(DeviceConfig {
        base_url: in_call.url(),
        credentials: Credentials { username: "Polycom".into(), password: PASSWORD.into() },
        trust: Trust::System,
        timeout: Duration::from_secs(5),
        pace: Duration::ZERO,
        max_body: polyconform::device::body_limit::DEFAULT_MAX_BODY,
    })
    .unwrap();
    let rang = runtime.block_on(controller.send(
        "ring",
        WireRequest::post_json("/control/incoming", &serde_json::json!({"number": "2001", "name": "Someone"})),
    ));
    assert_eq!(rang.outcome.response().map(|r| r.status), Some(200), "{:?}", rang.outcome);

    std::fs::create_dir_all(dir.join("lab.locks")).unwrap();
    let mut lock = File::create(dir.join("lab.locks/locked.lock")).unwrap();
    lock.try_lock().unwrap();
    write!(lock, "nightly-host:4242:other-run").unwrap();

    // First night.
    let first = lab(&dir, &run_args("night-1", "out1"));
    let first_text = text(&first);
    assert_eq!(first.status.code(), Some(1), "phones with FAILs make exit 1:\n{first_text}");
    assert!(!first_text.contains(PASSWORD), "the password leaked to the console");

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out1/lab-report.json")).unwrap()).unwrap();
    assert_eq!(report["devices"].as_array().unwrap().len(), 51);
    assert_eq!(report["run_id"], "night-1");
    let state = |name: &str| device(&report, name)["state"].as_str().unwrap().to_string();
    assert_eq!(state("dead"), "inconclusive");
    assert!(device(&report, "dead")["reason"].as_str().unwrap().contains("cannot reach"));
    assert_eq!(state("locked"), "busy");
    assert!(
        device(&report, "locked")["reason"].as_str().unwrap().contains("nightly-host:4242:other-run"),
        "{}",
        device(&report, "locked")["reason"]
    );
    assert_eq!(state("in-call"), "busy");
    assert!(
        device(&report, "in-call")["reason"].as_str().unwrap().contains("in a call placed before the run"),
        "{}",
        device(&report, "in-call")["reason"]
    );
    assert!(device(&report, "in-call")["record"].is_null(), "a busy phone is one row, not hundreds of failures");

    for i in 0..46 {
        let d = device(&report, &format!("phone-{i:02}"));
        assert_eq!(d["state"], "completed", "{d}");
        assert!(d["identity"]["firmware"].is_string(), "firmware read from the phone: {d}");
        assert_eq!(count(d, "error"), 0, "phone-{i:02}: {:?}", d["record"]["cases"]);
        let failed = fails(d);
        match fault_of(i) {
            None => assert!(failed.is_empty(), "healthy phone-{i:02} failed {failed:?}"),
            Some("content-type-ignored") => assert!(
                !failed.is_empty() && failed.iter().all(|id| id.contains("content-type.missing")),
                "phone-{i:02}: {failed:?}"
            ),
            // FAIL on Trio; NON-STRICT on VVX, whose manual text for callStatus is borrowed from Trio (E19).
            Some("status-undocumented") => {
                let idle = d["record"]["cases"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["id"].as_str().unwrap().ends_with("webcallcontrol.call-status.idle"))
                    .unwrap();
                assert!(idle["verdict"] == "fail" || idle["verdict"] == "non-strict", "phone-{i:02}: {idle}");
                assert!(failed.iter().all(|id| id.contains("call-status.idle")), "phone-{i:02}: {failed:?}");
            }
            Some(_) => assert!(failed.iter().any(|id| id.contains("auth.no-credentials")), "phone-{i:02}: {failed:?}"),
        }
        // Every phone's own reports, with the wire log, next to the combined one.
        let own = dir.join(format!("out1/phone-{i:02}/report.json"));
        let own_report: Value = serde_json::from_str(&std::fs::read_to_string(&own).unwrap()).unwrap();
        let cases = own_report["cases"].as_array().unwrap();
        assert_eq!(cases.len(), d["record"]["cases"].as_array().unwrap().len(), "{}", own.display());
        assert!(
            cases.iter().all(|c| !c["exchanges"].as_array().unwrap().is_empty()),
            "every case's wire log is in {}",
            own.display()
        );
        assert!(!dir.join(format!("out1/phone-{i:02}/.cases.jsonl")).exists(), "the spill file is removed");
    }
    assert!(fails(device(&report, "flip-on")).is_empty());
    assert!(!fails(device(&report, "flip-off")).is_empty());

    let junit = std::fs::read_to_string(dir.join("out1/lab-junit.xml")).unwrap();
    assert_eq!(junit.matches("<testsuite ").count(), 51, "one testsuite per phone");
    assert!(junit.contains("BUSY: reserved by another run on this machine"), "busy phones are skipped with the reason");
    let html = std::fs::read_to_string(dir.join("out1/lab-report.html")).unwrap();
    for name in ["phone-00", "phone-45", "flip-on", "locked", "dead"] {
        assert!(html.contains(&format!(">{name}<")), "{name} has a row");
    }
    assert!(
        html.contains("<th class=\"fam\">content-type</th>") && html.contains(">FAIL "),
        "family columns with verdicts"
    );
    for f in files_under(&dir.join("out1")) {
        let bytes = std::fs::read(&f).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(PASSWORD), "password in {}", f.display());
    }

    // Between the nights: one phone breaks, one is fixed.
    flip_on.set_faults(vec!["content-type-ignored".into()]).unwrap();
    flip_off.set_faults(vec![]).unwrap();
    let second = lab(&dir, &run_args("night-2", "out2"));
    assert_eq!(second.status.code(), Some(1), "{}", text(&second));
    let report2: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out2/lab-report.json")).unwrap()).unwrap();
    assert!(!fails(device(&report2, "flip-on")).is_empty());
    assert!(fails(device(&report2, "flip-off")).is_empty());

    // The regression view, from the SQLite file next to the inventory.
    assert!(dir.join("lab.history.sqlite").exists());
    let history = lab(&dir, &["history", "--inventory", "lab.toml", "--format", "json"]);
    assert_eq!(history.status.code(), Some(0), "{}", text(&history));
    let views: Value = serde_json::from_slice(&history.stdout).unwrap();
    let view = |name: &str| {
        views
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["device"] == name)
            .unwrap_or_else(|| panic!("no view of {name}"))
            .clone()
    };
    let kinds = |v: &Value| -> Vec<(String, String)> {
        v["since_previous_run"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["kind"].as_str().unwrap().to_string(), c["case_id"].as_str().unwrap().to_string()))
            .collect()
    };
    let on = kinds(&view("flip-on"));
    assert!(
        !on.is_empty() && on.iter().all(|(k, id)| k == "new-fail" && id.contains("content-type.missing")),
        "{on:?}"
    );
    let off = kinds(&view("flip-off"));
    assert!(
        !off.is_empty() && off.iter().all(|(k, id)| k == "fixed" && id.contains("content-type.missing")),
        "{off:?}"
    );
    for i in 0..46 {
        assert!(kinds(&view(&format!("phone-{i:02}"))).is_empty(), "phone-{i:02} did not change");
    }
    assert_eq!(view("flip-on")["previous"]["run_id"], "night-1");
    assert_eq!(view("flip-on")["latest"]["run_id"], "night-2");
    assert_eq!(view("flip-on")["durations"].as_array().unwrap().len(), 2, "the run-time trend has both runs");
    assert_eq!(view("locked")["last_state"], "BUSY");

    let shown = lab(&dir, &["history", "--inventory", "lab.toml", "--device", "flip-on"]);
    let shown = text(&shown);
    assert!(shown.contains("since the previous run (night-1") && shown.contains("NEW FAIL"), "{shown}");
    let db = std::fs::read(dir.join("lab.history.sqlite")).unwrap();
    assert!(!String::from_utf8_lossy(&db).contains(PASSWORD), "the password reached the database");

    drop(lock);
    runtime.block_on(async move {
        for e in emulators.into_iter().chain([flip_on, flip_off, locked, in_call]) {
            e.stop().await;
        }
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
