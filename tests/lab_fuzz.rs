//! `polyconform lab run --suite both`: the conformance cases, then a fuzz campaign per
//! phone; a phone that crashes on `"data": null` gets a fuzz finding (exit 1) with its
//! reproducer under the phone's report directory, a healthy phone gets none, and the
//! history records the findings count.

use polyconform::catalogue::Catalogue;
use polyconform::emulator::{Emulator, EmulatorConfig};
use serde_json::Value;
use std::process::Command;

const PASSWORD: &str = "fuzz-lab-Secret-3";

#[test]
fn suite_both_runs_cases_then_fuzz_and_reports_findings_per_phone() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let catalogue = Catalogue::embedded().unwrap();
    let dir = std::env::temp_dir().join(format!("polyconform-lab-fuzz-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut emulators = Vec::new();
    let mut inventory = String::from("[defaults]\npassword_env = \"FUZZ_LAB_PW\"\ncontrol = true\n");
    for (name, faults) in [("healthy", vec![]), ("crashy", vec!["crash-on-null-data".to_string()])] {
        let mut config = EmulatorConfig::new(catalogue.profile("trio-5.9.1").unwrap().clone());
        config.password = PASSWORD.into();
        config.control = true;
        config.faults = faults;
        let emu = runtime.block_on(Emulator::start(config)).unwrap();
        inventory.push_str(&format!("\n[[device]]\nname = \"{name}\"\ntarget = \"{}\"\n", emu.url()));
        emulators.push(emu);
    }
    std::fs::write(dir.join("lab.toml"), &inventory).unwrap();

    let out = Command::new(env!("CARGO_BIN_EXE_polyconform"))
        .args([
            "lab",
            "run",
            "--inventory",
            "lab.toml",
            "--suite",
            "both",
            "--duration",
            "3s",
            "--filter",
            "content-type.missing",
            "--run-id",
            "fuzz-night",
            "--report-dir",
            "out",
        ])
        .current_dir(&dir)
        .env("FUZZ_LAB_PW", PASSWORD)
        .env_remove("POLYCONFORM_LAB_DB")
        .output()
        .unwrap();
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(1), "{shown}");
    assert!(!shown.contains(PASSWORD), "{shown}");

    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("out/lab-report.json")).unwrap()).unwrap();
    assert_eq!(report["suite"], "both");
    let phone = |name: &str| report["devices"].as_array().unwrap().iter().find(|d| d["name"] == name).unwrap().clone();
    for name in ["healthy", "crashy"] {
        let d = phone(name);
        assert!(d["record"]["cases"].as_array().unwrap().len() > 4, "{name}: the conformance part ran");
        assert_eq!(d["fuzz"]["finished"], true, "{name}: {}", d["fuzz"]);
        assert!(d["fuzz"]["cases"].as_u64().unwrap() > 0, "{name}: {}", d["fuzz"]);
        assert!(d["fuzz"]["note"].as_str().unwrap().contains("seed"), "the seed is reported so a run can be repeated");
    }
    assert_eq!(phone("healthy")["fuzz"]["findings"], 0, "{}", phone("healthy")["fuzz"]);
    assert!(phone("crashy")["fuzz"]["findings"].as_u64().unwrap() >= 1, "{}", phone("crashy")["fuzz"]);
    let repros: Vec<_> = std::fs::read_dir(dir.join("out/crashy/fuzz")).unwrap().collect();
    assert!(!repros.is_empty(), "reproducers saved with the phone's reports");
    let junit = std::fs::read_to_string(dir.join("out/lab-junit.xml")).unwrap();
    assert!(junit.contains("lab.fuzz") && junit.contains("fuzz finding(s)"), "{junit}");

    let history = Command::new(env!("CARGO_BIN_EXE_polyconform"))
        .args(["lab", "history", "--inventory", "lab.toml", "--format", "json"])
        .current_dir(&dir)
        .env_remove("POLYCONFORM_LAB_DB")
        .output()
        .unwrap();
    assert_eq!(history.status.code(), Some(0));
    let db = dir.join("lab.history.sqlite");
    let conn_check = runtime.block_on(async {
        let db = polyconform::lab::database::Database::open(db.to_str().unwrap()).await.unwrap();
        db.query("SELECT device, fuzz_findings FROM device_runs ORDER BY device", vec![]).await.unwrap()
    });
    assert_eq!(conn_check.len(), 2);
    assert_eq!(conn_check[0].text(0).as_deref(), Some("crashy"));
    assert!(conn_check[0].int(1).unwrap() >= 1);
    assert_eq!(conn_check[1].int(1), Some(0));

    runtime.block_on(async move {
        for e in emulators {
            e.stop().await;
        }
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
