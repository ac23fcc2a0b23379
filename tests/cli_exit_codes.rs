//! The roof's contract with scripts: every command's usage errors and setup failures exit
//! 2 with a line that says what to fix, and `--help` exits 0. None of these cases needs a
//! phone or an emulator (each stops before any network).

use std::process::Command;

fn polyconform(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_polyconform"))
        .args(args)
        .env_remove("POLYCONFORM_PASSWORD")
        .env_remove("POLYCONFORM_LAB_DB")
        .output()
        .expect("the binary runs");
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

#[test]
fn help_exits_0_for_every_command() {
    for cmd in [
        &["--help"][..],
        &["run", "--help"],
        &["fuzz", "--help"],
        &["replay", "--help"],
        &["emulate", "--help"],
        &["list", "--help"],
        &["lint", "--help"],
        &["snapshot", "--help"],
        &["diff", "--help"],
        &["lab", "--help"],
        &["lab", "run", "--help"],
    ] {
        let (code, stdout, _) = polyconform(cmd);
        assert_eq!(code, Some(0), "{cmd:?}");
        assert!(stdout.contains("Usage"), "{cmd:?}: {stdout}");
    }
}

#[test]
fn an_unknown_flag_exits_2_for_every_command() {
    for cmd in ["run", "fuzz", "replay", "emulate", "list", "lint", "snapshot", "diff", "lab"] {
        let (code, _, stderr) = polyconform(&[cmd, "--no-such-flag"]);
        assert_eq!(code, Some(2), "{cmd}: {stderr}");
        assert!(stderr.contains("--no-such-flag"), "{cmd}: {stderr}");
    }
}

#[test]
fn setup_failures_exit_2_and_name_what_to_fix() {
    let missing = "/nonexistent-polyconform-dir";
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["run", "--data", missing], "cannot read data directory"),
        (vec!["fuzz", "--data", missing], "cannot read data directory"),
        (vec!["list", "--data", missing], "cannot read data directory"),
        (vec!["list", "--profile", "no-such-profile"], "no-such-profile"),
        (vec!["run", "--profile", "no-such-profile"], "no-such-profile"),
        (vec!["run", "--reading", "no-such-reading"], "--reading"),
        (vec!["run", "--target", "http://127.0.0.1:9", "--emulator-fault", "missing-status"], "built-in emulator only"),
        (vec!["emulate", "--fault", "no-such-fault"], "no-such-fault"),
        (vec!["snapshot", "--name", "../escape"], "not usable as a folder name"),
        (vec!["replay", missing], missing),
        (vec!["lab", "history"], "no history database given"),
        (vec!["diff", "--data", missing], "cannot read data directory"),
        (vec!["diff", "--profile-b", "no-such-profile"], "no-such-profile"),
        (vec!["diff", "--report", missing], "cannot read --report"),
        (vec!["diff", "--report", missing, "--report", missing, "--target", "-"], "a diff compares two"),
        (vec!["diff", "--report", missing, "--profile-a", "vvx-5.9.0"], "--profile-a applies to a live side"),
        (vec!["lab", "run", "--inventory", missing], missing),
    ];
    for (args, says) in cases {
        let (code, _, stderr) = polyconform(&args);
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?} should say `{says}`: {stderr}");
    }
}

#[test]
fn diff_help_teaches_what_is_compared_normalised_and_the_exit_codes() {
    let (code, stdout, _) = polyconform(&["diff", "--help"]);
    assert_eq!(code, Some(0));
    for says in [
        "What is compared",
        "What is not compared",
        "Exit codes: 0 no difference; 1 at least one difference; 2 not comparable",
        "POLYCONFORM_PASSWORD_B",
        "50 ms",
    ] {
        assert!(stdout.contains(says), "diff --help should say `{says}`: {stdout}");
    }
}

#[test]
fn a_run_list_needs_no_phone_and_exits_0() {
    let (code, stdout, _) = polyconform(&["run", "--", "--list"]);
    assert_eq!(code, Some(0));
    assert!(stdout.lines().any(|l| l.starts_with("trio.")), "{stdout}");
}
