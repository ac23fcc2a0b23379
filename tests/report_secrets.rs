//! No secret leaves the process: a run, a snapshot and a fuzz session with a known
//! password write JUnit, JSON, HTML, curl reproducers, fuzz reproducers and `.snap`
//! files, and print to the console; none of it may hold the password or any base64 form
//! of it or of `user:password` (what HTTP Basic sends).

mod report_fixture;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const USER: &str = "Polycom";
const PASSWORD: &str = "Zq9-s3cret/PW+x";

fn needles() -> Vec<String> {
    let mut out = vec![PASSWORD.to_string()];
    for engine in [&STANDARD, &STANDARD_NO_PAD, &URL_SAFE, &URL_SAFE_NO_PAD] {
        out.push(engine.encode(format!("{USER}:{PASSWORD}")));
        out.push(engine.encode(PASSWORD));
    }
    out.sort();
    out.dedup();
    out
}

fn polyconform(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_polyconform"))
        .args(args)
        .env("POLYCONFORM_PASSWORD", PASSWORD)
        .env_remove("INSTA_UPDATE")
        .output()
        .expect("run polyconform")
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { files_under(&p, out) } else { out.push(p) }
    }
}

fn hits(text: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(text);
    needles().into_iter().filter(|n| text.contains(n.as_str())).collect()
}

#[test]
fn no_output_of_any_command_holds_the_password_in_any_form() {
    let dir = report_fixture::temp_dir("report-secrets");
    let waivers = dir.join("waivers.toml");
    std::fs::write(&waivers, "[[waiver]]\ncase = \"trio.content-type.missing.callctrl.*\"\nprofile = \"trio-5.9.1\"\nreason = \"r\"\nreference = \"x\"\n").unwrap();
    let reports = dir.join("reports");
    let snapshots = dir.join("snapshots");
    let repros = dir.join("repros");

    // Faults make cases FAIL, so failures, reproducers and wire logs are all written.
    // Commands on their own emulators, run side by side (they mostly wait).
    let commands: [Vec<&str>; 4] = [
        vec![
            "run",
            // The reboot cases run in full; a short simulated reboot keeps the file quick.
            "--emulator-reboot-ms",
            "500",
            "--report-dir",
            reports.to_str().unwrap(),
            "--baseline",
            "trio-5.9.1",
            "--waivers",
            waivers.to_str().unwrap(),
            "--emulator-fault",
            "content-type-ignored",
            "--emulator-fault",
            "auth-wrong-password-accepted",
            "--emulator-fault",
            "shape-added-field",
        ],
        vec!["snapshot", "--name", "secret-run", "--snapshots", snapshots.to_str().unwrap()],
        vec![
            "snapshot",
            "--name",
            "secret-run",
            "--snapshots",
            snapshots.to_str().unwrap(),
            "--emulator-fault",
            "shape-added-field",
        ],
        vec![
            "fuzz",
            "--cases",
            "40",
            "--seed",
            "7",
            "--out",
            repros.to_str().unwrap(),
            "--emulator-fault",
            "crash-on-null-data",
        ],
    ];
    // The two snapshots share a name (the second diffs against the first): one after the other.
    let lanes: [&[Vec<&str>]; 3] = [&commands[..1], &commands[1..3], &commands[3..]];
    let outputs: Vec<Output> = std::thread::scope(|scope| {
        let running: Vec<_> = lanes
            .iter()
            .map(|lane| scope.spawn(move || lane.iter().map(|args| polyconform(args)).collect::<Vec<_>>()))
            .collect();
        running.into_iter().flat_map(|r| r.join().expect("a command thread")).collect()
    });

    assert_eq!(
        outputs[0].status.code(),
        Some(1),
        "the faults make the run FAIL: {}",
        String::from_utf8_lossy(&outputs[0].stderr)
    );
    assert!(
        outputs[1].status.success() && outputs[2].status.success(),
        "{}",
        String::from_utf8_lossy(&outputs[1].stderr)
    );

    let mut leaks = Vec::new();
    for (i, out) in outputs.iter().enumerate() {
        for (stream, bytes) in [("stdout", &out.stdout), ("stderr", &out.stderr)] {
            for n in hits(bytes) {
                leaks.push(format!("command #{i} {stream}: `{n}`"));
            }
        }
    }
    let mut files = Vec::new();
    for d in [&reports, &snapshots, &repros] {
        if d.is_dir() {
            files_under(d, &mut files);
        }
    }
    let names: Vec<String> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
    for expected in ["junit.xml", "report.json", "index.html", "mgmt.device-info.snap", "mgmt.device-info.snap.new"] {
        assert!(names.iter().any(|n| n == expected), "{expected} was not written: {names:?}");
    }
    for f in &files {
        for n in hits(&std::fs::read(f).unwrap()) {
            leaks.push(format!("{}: `{n}`", f.display()));
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));

    // The run did write the material a leak would hide in: reproducers and wire logs.
    let report = std::fs::read_to_string(reports.join("report.json")).unwrap();
    assert!(
        report.contains("\"reproducer\": \"curl") || report.contains("\"reproducer\":\"curl"),
        "no curl reproducer was written"
    );
    let page = std::fs::read_to_string(reports.join("index.html")).unwrap();
    assert!(
        page.contains("[Authorization header sent: Basic, a wrong user with the right password (value not recorded)]")
            && page.contains("added `/data/BuildId`")
    );
}
