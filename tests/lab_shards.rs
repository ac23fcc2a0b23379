//! CI shards and the lab command's errors, through the binary:
//!
//! - `--partition hash:I/N` splits the phones of an inventory across jobs, without
//!   overlap or gap, and `lab merge` joins the shard reports into one;
//! - for a single phone the shards split its cases instead, and both the merged report
//!   and the history see one whole run;
//! - inventory and usage errors exit 2 at `file:line:col` with a hint, and never print
//!   a secret.

use polyconform::catalogue::Catalogue;
use polyconform::emulator::{Emulator, EmulatorConfig};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

const PASSWORD: &str = "shard-Secret-pw-9";
const FILTER: &str = "content-type.missing";

fn lab(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polyconform"))
        .arg("lab")
        .args(args)
        .current_dir(dir)
        .env("SHARD_PW", PASSWORD)
        .env_remove("POLYCONFORM_LAB_DB")
        .output()
        .expect("polyconform runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn report(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

fn names(r: &Value) -> BTreeSet<String> {
    r["devices"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap().to_string()).collect()
}

fn case_ids(d: &Value) -> BTreeSet<String> {
    d["record"]["cases"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap().to_string()).collect()
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("polyconform-lab-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn shards_split_phones_and_a_single_phones_cases_and_merge_back() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let catalogue = Catalogue::embedded().unwrap();
    let profile = catalogue.profile("trio-5.9.1").unwrap().clone();
    let dir = temp_dir("shards");
    let mut emulators = Vec::new();
    let mut inventory = String::from("[defaults]\npassword_env = \"SHARD_PW\"\ncontrol = true\n");
    for i in 0..7 {
        let mut config = EmulatorConfig::new(profile.clone());
        config.password = PASSWORD.into();
        config.control = true;
        let emu = runtime.block_on(Emulator::start(config)).unwrap();
        let tags = if i == 6 { "[\"solo\"]" } else { "[\"fleet\"]" };
        inventory.push_str(&format!("\n[[device]]\nname = \"p{i}\"\ntarget = \"{}\"\ntags = {tags}\n", emu.url()));
        emulators.push(emu);
    }
    std::fs::write(dir.join("lab.toml"), &inventory).unwrap();

    // Phones across three shards.
    let mut seen = BTreeSet::new();
    for i in 1..=3 {
        let shard = format!("hash:{i}/3");
        let out = format!("shard-{i}");
        let o = lab(
            &dir,
            &[
                "run",
                "--inventory",
                "lab.toml",
                "--tags",
                "fleet",
                "--partition",
                &shard,
                "--run-id",
                "ci-7",
                "--report-dir",
                &out,
                "--filter",
                FILTER,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        let r = report(&dir.join(&out).join("lab-report.json"));
        assert_eq!(r["shards"], serde_json::json!([shard]));
        for n in names(&r) {
            assert!(seen.insert(n.clone()), "{n} ran in two shards");
        }
    }
    let fleet: BTreeSet<String> = (0..6).map(|i| format!("p{i}")).collect();
    assert_eq!(seen, fleet, "every phone ran in exactly one shard");

    let merged =
        lab(&dir, &["merge", "shard-1/lab-report.json", "shard-2", "shard-3/lab-report.json", "--out", "merged"]);
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged));
    let m = report(&dir.join("merged/lab-report.json"));
    assert_eq!(names(&m), fleet);
    assert_eq!(m["shards"], serde_json::json!(["hash:1/3", "hash:2/3", "hash:3/3"]));
    assert_eq!(m["run_id"], "ci-7");
    let junit = std::fs::read_to_string(dir.join("merged/lab-junit.xml")).unwrap();
    assert_eq!(junit.matches("<testsuite ").count(), 6);
    assert!(dir.join("merged/lab-report.html").exists());

    // A single phone: its cases across two shards of one run id.
    let whole = lab(
        &dir,
        &[
            "run",
            "--inventory",
            "lab.toml",
            "--tags",
            "solo",
            "--run-id",
            "solo-whole",
            "--report-dir",
            "solo-whole",
            "--filter",
            FILTER,
        ],
    );
    assert_eq!(whole.status.code(), Some(0), "{}", text(&whole));
    let all_cases = case_ids(&report(&dir.join("solo-whole/lab-report.json"))["devices"][0]);
    assert!(all_cases.len() > 4, "{all_cases:?}");
    let mut parts = Vec::new();
    for i in 1..=2 {
        let out = format!("solo-{i}");
        let o = lab(
            &dir,
            &[
                "run",
                "--inventory",
                "lab.toml",
                "--tags",
                "solo",
                "--partition",
                &format!("hash:{i}/2"),
                "--run-id",
                "solo-split",
                "--report-dir",
                &out,
                "--filter",
                FILTER,
            ],
        );
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        assert!(text(&o).contains("a single phone, its cases split"), "{}", text(&o));
        let r = report(&dir.join(&out).join("lab-report.json"));
        assert_eq!(r["devices"][0]["case_shard"], format!("hash:{i}/2"));
        parts.push(case_ids(&r["devices"][0]));
    }
    assert!(parts[0].is_disjoint(&parts[1]), "no case runs in both shards");
    assert!(!parts[0].is_empty() && !parts[1].is_empty(), "{parts:?}");
    assert_eq!(parts[0].union(&parts[1]).cloned().collect::<BTreeSet<_>>(), all_cases);

    let merged = lab(&dir, &["merge", "solo-1", "solo-2", "--out", "solo-merged"]);
    assert_eq!(merged.status.code(), Some(0), "{}", text(&merged));
    let m = report(&dir.join("solo-merged/lab-report.json"));
    assert_eq!(m["devices"].as_array().unwrap().len(), 1);
    assert_eq!(case_ids(&m["devices"][0]), all_cases);
    assert!(m["devices"][0]["case_shard"].is_null());

    // History joins the two shards of `solo-split` into one run of every case.
    let h = lab(&dir, &["history", "--inventory", "lab.toml", "--device", "p6", "--format", "json"]);
    assert_eq!(h.status.code(), Some(0), "{}", text(&h));
    let views: Value = serde_json::from_slice(&h.stdout).unwrap();
    let durations = views[0]["durations"].as_array().unwrap();
    assert_eq!(durations.len(), 2, "{durations:?}");
    assert_eq!(durations[1]["run_id"], "solo-split");
    assert_eq!(durations[1]["cases"], all_cases.len());
    assert_eq!(views[0]["since_previous_run"], serde_json::json!([]));

    runtime.block_on(async move {
        for e in emulators {
            e.stop().await;
        }
    });
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn inventory_and_usage_errors_exit_2_with_place_and_hint_and_no_secret() {
    let dir = temp_dir("errors");
    std::fs::write(
        dir.join("lab.toml"),
        "[[device]]\nname = \"trio-a\"\ntarget = \"http://127.0.0.1:1\"\npassword = \"inline-Secret-1\"\n",
    )
    .unwrap();
    let o = lab(&dir, &["run", "--inventory", "lab.toml"]);
    let shown = text(&o);
    assert_eq!(o.status.code(), Some(2), "{shown}");
    assert!(shown.contains("lab.toml:4:12: error: an inline `password` for phone `trio-a` is refused"), "{shown}");
    assert!(shown.contains("hint: put the password in an environment variable"), "{shown}");
    assert!(!shown.contains("inline-Secret-1"), "{shown}");

    std::fs::write(dir.join("lab.toml"), "[[device]]\nname = \"trio-a\"\ntarget = \"https://Polycom:url-Secret-2@10.0.0.5\"\npassword_env = \"SHARD_PW\"\nprofle = \"trio-5.9.1\"\n").unwrap();
    let o = lab(&dir, &["run", "--inventory", "lab.toml"]);
    let shown = text(&o);
    assert_eq!(o.status.code(), Some(2), "{shown}");
    assert!(
        shown.contains("lab.toml:5:1: error: unknown field `profle`") && shown.contains("did you mean `profile`?"),
        "{shown}"
    );
    assert!(!shown.contains("url-Secret-2"), "{shown}");

    std::fs::write(dir.join("lab.toml"), "[[device]]\nname = \"trio-a\"\ntarget = \"http://127.0.0.1:1\"\npassword_env = \"SHARD_PW\"\ntags = [\"rack:r1\"]\n").unwrap();
    let o = lab(&dir, &["run", "--inventory", "lab.toml", "--tags", "rack:r9", "--no-history"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o)
            .contains("no phone of `lab.toml` carries every tag of `rack:r9` (hint: tags in the inventory: rack:r1)"),
        "{}",
        text(&o)
    );

    let o = lab(&dir, &["run", "--inventory", "lab.toml", "--partition", "hash:0/2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("hint: write `hash:I/N`"), "{}", text(&o));

    let o = lab(&dir, &["history", "--inventory", "lab.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("no history at") && text(&o).contains("hint:"), "{}", text(&o));

    std::fs::write(dir.join("report.json"), "{\"format_version\": 1, \"cases\": []}").unwrap();
    let o = lab(&dir, &["merge", "report.json", "--out", "m"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("is not a lab report (hint: merge the `lab-report.json`"), "{}", text(&o));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn mutual_peers_take_turns_and_tls_pins_are_honoured() {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let catalogue = Catalogue::embedded().unwrap();
    let dir = temp_dir("peers");
    let start = |tls: bool| {
        let mut config = EmulatorConfig::new(catalogue.profile("trio-5.9.1").unwrap().clone());
        config.password = PASSWORD.into();
        config.tls = tls;
        runtime.block_on(Emulator::start(config)).unwrap()
    };
    let (a, b, pinned, wrong_pin) = (start(false), start(false), start(true), start(true));
    let pin = pinned.fingerprint().unwrap();
    let other_pin = "00".repeat(32);
    let inventory = format!(
        "[defaults]\npassword_env = \"SHARD_PW\"\n\
         [[device]]\nname = \"a\"\ntarget = \"{}\"\npeer = \"b\"\n\
         [[device]]\nname = \"b\"\ntarget = \"{}\"\npeer = \"a\"\n\
         [[device]]\nname = \"pinned\"\ntarget = \"{}\"\npin_sha256 = \"{pin}\"\n\
         [[device]]\nname = \"wrong-pin\"\ntarget = \"{}\"\npin_sha256 = \"{other_pin}\"\n",
        a.url(),
        b.url(),
        pinned.url(),
        wrong_pin.url()
    );
    std::fs::write(dir.join("lab.toml"), inventory).unwrap();
    // Two phones that are each other's peer, run with room for both at once: each waits
    // for the other instead of finding it BUSY, and neither deadlocks.
    let o =
        lab(&dir, &["run", "--inventory", "lab.toml", "--report-dir", "out", "--filter", FILTER, "--max-devices", "4"]);
    let r = report(&dir.join("out/lab-report.json"));
    let state = |name: &str| r["devices"].as_array().unwrap().iter().find(|d| d["name"] == name).unwrap().clone();
    for name in ["a", "b", "pinned"] {
        assert_eq!(state(name)["state"], "completed", "{name}: {}\n{}", state(name), text(&o));
    }
    assert_eq!(state("wrong-pin")["state"], "inconclusive");
    assert!(state("wrong-pin")["reason"].as_str().unwrap().contains("TLS"), "{}", state("wrong-pin")["reason"]);
    assert_eq!(o.status.code(), Some(2), "a phone that could not be judged makes exit 2: {}", text(&o));

    runtime.block_on(async move {
        for e in [a, b, pinned, wrong_pin] {
            e.stop().await;
        }
    });
    std::fs::remove_dir_all(&dir).unwrap();
}
