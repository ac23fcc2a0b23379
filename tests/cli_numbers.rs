//! Every numeric flag has a range: whatever number (or non-number) is given, the command
//! ends with exit 2 and a message, never a panic (exit 101). Once `--timeout 1e20`
//! crashed converting seconds to a duration.
//!
//! Each command is pointed at a data directory that does not exist, so a value the flag
//! accepts also stops at once (exit 2, naming the directory) instead of starting a run;
//! a value it refuses stops earlier, naming the flag. A second test sends the extremes of
//! the ranges through to the target connection (a closed loopback port).

use proptest::prelude::*;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");

/// (command words, flag) for every numeric flag of the phone-facing commands.
const FLAGS: [(&[&str], &str); 14] = [
    (&["run"], "--timeout"),
    (&["run"], "--max-body"),
    (&["diff"], "--timeout"),
    (&["diff"], "--pace-ms"),
    (&["diff"], "--max-body"),
    (&["run"], "--pace-ms"),
    (&["run"], "--emulator-latency-ms"),
    (&["run"], "--emulator-reboot-ms"),
    (&["fuzz"], "--timeout"),
    (&["fuzz"], "--duration"),
    (&["fuzz"], "--cases"),
    (&["fuzz"], "--recovery-secs"),
    (&["snapshot", "--name", "numbers"], "--timeout"),
    (&["replay", "/nonexistent-polyconform-repro"], "--timeout"),
];

fn exit_code(words: &[&str], flag: &str, value: &str) -> (Option<i32>, String) {
    let out = Command::new(BIN)
        .args(words)
        .arg(format!("{flag}={value}"))
        .args(["--data", "/nonexistent-polyconform-data"])
        .env("POLYCONFORM_PASSWORD", "numbers")
        .output()
        .expect("the binary runs");
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// Numbers as people (and scripts) write them, good and bad.
fn values() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<u64>().prop_map(|n| n.to_string()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|x| x.to_string()),
        (0u32..400).prop_map(|e| format!("1e{e}")),
        prop::sample::select(vec![
            "0",
            "-0",
            "inf",
            "-inf",
            "NaN",
            "1e20",
            "0.0000001",
            "18446744073709551616",
            "",
            " ",
            "ten"
        ])
        .prop_map(str::to_string),
        "[0-9a-z.+-]{1,12}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn numeric_flags_exit_2_with_a_message_never_panic(flag in 0..FLAGS.len(), value in values()) {
        let (words, name) = FLAGS[flag];
        let (code, stderr) = exit_code(words, name, &value);
        prop_assert_eq!(code, Some(2), "{:?} {}={:?}: {}", words, name, value, stderr);
        prop_assert!(!stderr.contains("panicked"), "{}", stderr);
        prop_assert!(stderr.contains(name) || stderr.contains("nonexistent-polyconform"), "{}", stderr);
    }
}

#[test]
fn the_extremes_of_the_timeout_range_reach_the_connection_without_a_panic() {
    for timeout in ["0.001", "3600"] {
        let out = Command::new(BIN)
            .args(["run", "--target", "http://127.0.0.1:1", "--timeout", timeout])
            .env("POLYCONFORM_PASSWORD", "numbers")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "--timeout {timeout}: {stderr}");
        assert!(stderr.contains("127.0.0.1:1"), "names the unreachable target: {stderr}");
    }
}
