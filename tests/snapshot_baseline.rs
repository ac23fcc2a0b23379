//! Baselines end to end: `polyconform snapshot` records insta `.snap` files that insta's
//! own parser reads, the shipped baselines match what the emulator answers today, and
//! `polyconform run --baseline` against the emulator with fault `shape-added-field`
//! reports exactly one difference: the added member `BuildId` of mgmt.device-info.

mod report_fixture;

use polyconform::baseline::{self, DiffKind};
use polyconform::record::model::RunRecord;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn polyconform(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_polyconform"));
    cmd.args(args).env_remove("INSTA_UPDATE");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run polyconform")
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn snaps(dir: &Path) -> BTreeMap<String, String> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "snap"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect()
}

fn body(snap: &str) -> String {
    polyconform::baseline::SnapFile::parse(snap).unwrap().body
}

fn record_baseline(profile: &str, root: &Path, name: &str, faults: &[&str]) -> PathBuf {
    let mut args = vec!["snapshot", "--profile", profile, "--name", name, "--snapshots", root.to_str().unwrap()];
    for f in faults {
        args.extend(["--emulator-fault", f]);
    }
    ok(&polyconform(&args, &[]));
    root.join(name)
}

/// `polyconform run --baseline` with `faults`; `filter` goes to the harness after `--`.
fn run_with_baseline(dir: &Path, baseline: &Path, faults: &[&str], filter: &[&str]) -> RunRecord {
    let reports = dir.join("reports");
    let mut args = vec![
        "run",
        "--emulator-reboot-ms",
        "500",
        "--baseline",
        baseline.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ];
    for f in faults {
        args.extend(["--emulator-fault", f]);
    }
    if !filter.is_empty() {
        args.push("--");
        args.extend(filter);
    }
    let out = polyconform(&args, &[]);
    assert!(matches!(out.status.code(), Some(0 | 1)), "run failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&std::fs::read_to_string(reports.join("report.json")).unwrap()).unwrap()
}

#[test]
fn an_added_member_is_the_one_and_only_difference() {
    let dir = report_fixture::temp_dir("baseline-added-field");
    let clean = record_baseline("trio-5.9.1", &dir.join("snapshots"), "clean", &[]);

    // Both runs at once: a full run spends most of its time waiting on timing cases.
    let (record, clean_record) = std::thread::scope(|s| {
        let faulty = s.spawn(|| run_with_baseline(&dir.join("faulty"), &clean, &["shape-added-field"], &[]));
        let plain = s.spawn(|| run_with_baseline(&dir.join("clean-run"), &clean, &[], &[]));
        (faulty.join().unwrap(), plain.join().unwrap())
    });
    let report = baseline::compare_report(&clean, &record).unwrap();
    assert_eq!(report.diffs.len(), 1, "{:#?}", report.diffs);
    let d = &report.diffs[0];
    assert_eq!(
        (d.kind, d.endpoint.as_str(), d.pointer.as_str(), d.was.as_str(), d.now.as_str()),
        (DiffKind::Added, "mgmt.device-info", "/data/BuildId", "absent", "string")
    );
    assert!(report.compared.contains(&"mgmt.device-info".to_string()));
    // The runner reports it in the run's notes, and nothing else about the baseline.
    let notes: Vec<_> = record.notes.iter().filter(|n| n.starts_with("baseline ")).collect();
    assert_eq!(notes.len(), 1, "{:#?}", record.notes);
    assert!(
        notes[0].contains("mgmt.device-info") && notes[0].contains("added `/data/BuildId` (string)"),
        "{}",
        notes[0]
    );
    // As a finding it is INFO of family baseline: a change is not a defect.
    let f = d.to_finding();
    assert_eq!((f.family, f.verdict), (polyconform::catalogue::Family::Baseline, polyconform::verdict::Verdict::Info));
    // ... and as a case, with the differing answer as its wire log; the runner adds it.
    let in_run: Vec<_> = record.cases.iter().filter(|c| c.family == polyconform::catalogue::Family::Baseline).collect();
    assert_eq!(in_run.len(), 1);
    assert_eq!(in_run[0], &baseline::as_case("trio", &clean, &record, &report));
    let case = in_run[0];
    assert_eq!(
        (case.id.as_str(), case.verdict, case.findings.len()),
        ("trio.baseline.clean", polyconform::verdict::Verdict::Info, 1)
    );
    assert_eq!(case.exchanges.len(), 1);
    assert_eq!(case.exchanges[0].request.path, "/api/v1/mgmt/device/info");
    assert!(String::from_utf8_lossy(&case.exchanges[0].outcome.response().unwrap().body).contains("BuildId"));

    let record = clean_record;
    let report = baseline::compare_report(&clean, &record).unwrap();
    assert_eq!(report.diffs, vec![], "a clean run differs from a clean baseline");
    assert!(
        report.compared.len() >= 15,
        "only {:?} compared; not exercised: {:?}",
        report.compared,
        report.not_exercised
    );
    assert!(!record.notes.iter().any(|n| n.starts_with("baseline ")), "{:#?}", record.notes);
    let case = baseline::as_case("trio", &clean, &record, &report);
    assert_eq!(case.verdict, polyconform::verdict::Verdict::Pass);
    assert!(case.exchanges.is_empty());
}

#[test]
fn retyped_and_removed_fields_are_reported_too() {
    let dir = report_fixture::temp_dir("baseline-retyped");
    let clean = record_baseline("trio-5.9.1", &dir.join("snapshots"), "clean", &[]);
    let record = run_with_baseline(&dir.join("faulty"), &clean, &["retyped-field", "missing-field"], &["schema"]);
    let diffs = baseline::compare(&clean, &record).unwrap();
    assert!(
        diffs.iter().any(|d| d.kind == DiffKind::Retyped
            && d.endpoint == "mgmt.line-info"
            && d.pointer == "/data"
            && d.was.starts_with("array")
            && d.now.starts_with("object")),
        "{diffs:#?}"
    );
    assert!(
        diffs.iter().any(|d| d.kind == DiffKind::Removed
            && d.endpoint == "mgmt.device-info"
            && d.pointer == "/data/ModelNumber"),
        "{diffs:#?}"
    );
}

#[test]
fn shipped_baselines_match_what_the_emulator_answers_today() {
    let dir = report_fixture::temp_dir("baseline-shipped");
    for profile in ["trio-5.9.1", "vvx-5.9.0"] {
        let fresh = snaps(&record_baseline(profile, &dir, profile, &[]));
        let shipped = snaps(&Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots").join(profile));
        assert_eq!(
            fresh.keys().collect::<Vec<_>>(),
            shipped.keys().collect::<Vec<_>>(),
            "{profile}: endpoint set differs"
        );
        for (name, text) in &fresh {
            assert_eq!(
                body(text),
                body(&shipped[name]),
                "snapshots/{profile}/{name} is stale: record it again with `polyconform snapshot --profile {profile} --name {profile}`"
            );
        }
    }
}

#[test]
fn snap_files_round_trip_through_insta() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots");
    let mut checked = 0;
    for profile in ["trio-5.9.1", "vvx-5.9.0"] {
        for (name, text) in snaps(&root.join(profile)) {
            let path = root.join(profile).join(&name);
            let snap = insta::Snapshot::from_file(&path)
                .unwrap_or_else(|e| panic!("insta cannot read {}: {e}", path.display()));
            let ours = polyconform::baseline::SnapFile::parse(&text).unwrap();
            assert_eq!(snap.metadata().expression(), ours.expression.as_deref(), "{name}");
            assert_eq!(snap.metadata().source(), Some("src/baseline/capture.rs"), "{name}");
            assert_eq!(snap.contents().as_text().map(|t| t.to_string()), Some(ours.body.clone()), "{name}");
            // The content is the JSON shape.
            let shape: serde_json::Value = serde_json::from_str(&ours.body).unwrap();
            assert!(shape.get("Status").is_some(), "{name}: {shape}");
            checked += 1;
        }
    }
    assert!(checked >= 40, "only {checked} snapshots");
}

#[test]
fn recording_again_follows_insta_update_modes() {
    let dir = report_fixture::temp_dir("baseline-update");
    let root = dir.join("snapshots");
    let base = record_baseline("trio-5.9.1", &root, "b", &[]);
    let before = snaps(&base);

    // Same answers: nothing changes, nothing pending.
    let out = ok(&polyconform(&["snapshot", "--name", "b", "--snapshots", root.to_str().unwrap()], &[]));
    assert!(out.contains("0 written") && out.contains("0 changed"), "{out}");

    // A changed shape is staged as .snap.new for `cargo insta review`.
    let out = ok(&polyconform(
        &["snapshot", "--name", "b", "--snapshots", root.to_str().unwrap(), "--emulator-fault", "shape-added-field"],
        &[],
    ));
    assert!(out.contains("1 changed") && out.contains("cargo insta review"), "{out}");
    let pending = base.join("mgmt.device-info.snap.new");
    assert!(std::fs::read_to_string(&pending).unwrap().contains("\"BuildId\": \"string\""));
    assert_eq!(snaps(&base), before, "the accepted baseline is untouched");
    let staged = std::fs::read_dir(&base)
        .unwrap()
        .filter(|e| e.as_ref().unwrap().path().to_string_lossy().ends_with(".snap.new"))
        .count();
    assert_eq!(staged, 1);

    // INSTA_UPDATE=no writes nothing; INSTA_UPDATE=always overwrites.
    std::fs::remove_file(&pending).unwrap();
    let out = ok(&polyconform(
        &["snapshot", "--name", "b", "--snapshots", root.to_str().unwrap(), "--emulator-fault", "shape-added-field"],
        &[("INSTA_UPDATE", "no")],
    ));
    assert!(out.contains("1 changed") && !pending.exists(), "{out}");
    ok(&polyconform(
        &["snapshot", "--name", "b", "--snapshots", root.to_str().unwrap(), "--emulator-fault", "shape-added-field"],
        &[("INSTA_UPDATE", "always")],
    ));
    assert!(snaps(&base)["mgmt.device-info.snap"].contains("\"BuildId\": \"string\""));
}

#[test]
fn baselines_resolve_by_name_from_disk_or_the_built_in_copy() {
    let on_disk = baseline::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("snapshots").join("vvx-5.9.0")).unwrap();
    let built_in = baseline::load(Path::new("/nonexistent-dir/vvx-5.9.0")).unwrap();
    assert_eq!(on_disk, built_in);
    assert!(
        on_disk
            .iter()
            .any(|e| e.endpoint == "mgmt.device-info" && e.path == "/api/v1/mgmt/device/info" && e.method == "GET")
    );
    let err = baseline::load(Path::new("/nonexistent-dir/nope")).unwrap_err().to_string();
    assert!(
        err.contains("not found") && err.contains("polyconform snapshot --name nope") && err.contains("trio-5.9.1"),
        "{err}"
    );
    assert_eq!(baseline::resolve("trio-5.9.1"), Path::new("snapshots").join("trio-5.9.1"));
    assert_eq!(baseline::resolve("/some/dir/x"), PathBuf::from("/some/dir/x"));
}

#[test]
fn bad_names_and_unknown_profiles_exit_2() {
    let out = polyconform(&["snapshot", "--name", "../escape"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not usable as a folder name"));
    let out = polyconform(&["snapshot", "--name", "x", "--profile", "nope-1.0"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn an_unreachable_target_records_nothing_and_exits_2() {
    let dir = report_fixture::temp_dir("baseline-unreachable");
    // Port 1 on the loopback: nothing listens there.
    let out = polyconform(
        &[
            "snapshot",
            "--name",
            "x",
            "--snapshots",
            dir.to_str().unwrap(),
            "--target",
            "http://127.0.0.1:1",
            "--timeout",
            "2",
        ],
        &[("POLYCONFORM_PASSWORD", "pw-unreachable")],
    );
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing recorded"));
    assert!(!dir.join("x").exists(), "no empty baseline folder is left behind");
}
