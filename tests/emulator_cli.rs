//! `polyconform emulate` as a user starts it: the real binary, its first line, its exit codes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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

fn first_lines(child: &mut Child, n: usize) -> Vec<String> {
    let stdout = child.stdout.take().unwrap();
    BufReader::new(stdout).lines().take(n).map(|l| l.unwrap()).collect()
}

#[test]
fn the_first_line_is_the_address_and_the_phone_answers_there() {
    let child = emulate(&["--listen", "127.0.0.1:0", "--password", "s3cret-pw", "--control"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let lines = first_lines(&mut running.0, 1);
    let url = lines[0].strip_prefix("listening on ").expect("first line `listening on URL`").to_string();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    assert!(!lines[0].contains("s3cret-pw"));

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        polyconform::device::tls::install_provider();
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().unwrap();
        let r = http
            .get(format!("{url}/api/v1/mgmt/device/info"))
            .basic_auth("Polycom", Some("s3cret-pw"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("\"Status\": \"2000\""));
    });

    // Ctrl-C (SIGINT) ends it with 0.
    #[cfg(unix)]
    {
        let pid = running.0.id().to_string();
        assert!(Command::new("kill").args(["-INT", &pid]).status().unwrap().success());
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(status) = running.0.try_wait().unwrap() {
                assert_eq!(status.code(), Some(0));
                break;
            }
            assert!(std::time::Instant::now() < deadline, "did not stop on SIGINT");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

#[test]
fn tls_adds_the_fingerprint_line() {
    let child =
        emulate(&["--tls", "--profile", "vvx-5.9.0"]).stdout(Stdio::piped()).stderr(Stdio::null()).spawn().unwrap();
    let mut running = Running(child);
    let lines = first_lines(&mut running.0, 2);
    assert!(lines[0].starts_with("listening on https://127.0.0.1:"), "{lines:?}");
    let fp = lines[1].strip_prefix("certificate sha256 ").expect("fingerprint line");
    assert!(polyconform::device::tls::parse_pin(fp).is_ok(), "{fp}");
}

#[test]
fn list_faults_prints_name_family_description() {
    let out = emulate(&["--list-faults"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), polyconform::emulator::faults().len());
    for (line, f) in lines.iter().zip(polyconform::emulator::faults()) {
        let cols: Vec<&str> = line.split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
        assert_eq!(cols, vec![f.name, f.family, f.description], "{line}");
    }
}

#[test]
fn list_readings_covers_every_ambiguous_and_silent_erratum() {
    let out = emulate(&["--list-readings"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let catalogue = polyconform::catalogue::Catalogue::embedded().unwrap();
    for e in catalogue.errata.iter().filter(|e| e.verdict != polyconform::verdict::Level::Must) {
        let name = e.reading.as_deref().expect("every ambiguous or silent erratum names a reading");
        let line = text
            .lines()
            .find(|l| l.starts_with(&format!("{} ", e.id)))
            .unwrap_or_else(|| panic!("{} is not listed:\n{text}", e.id));
        assert!(line.contains(name) && line.contains(e.plays.as_deref().unwrap_or("?")), "{line}");
    }
    assert!(text.lines().last().unwrap_or("").contains("all-other"), "{text}");
}

#[test]
fn a_reading_changes_what_the_phone_answers() {
    let child = emulate(&["--reading", "status-as-number", "--password", "r-pw"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    let url = first_lines(&mut running.0, 1)[0].strip_prefix("listening on ").expect("address line").to_string();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        polyconform::device::tls::install_provider();
        let http = reqwest::Client::builder().no_proxy().timeout(Duration::from_secs(5)).build().unwrap();
        let r = http
            .get(format!("{url}/api/v1/mgmt/device/info"))
            .basic_auth("Polycom", Some("r-pw"))
            .send()
            .await
            .unwrap();
        assert!(r.text().await.unwrap().ends_with("\"Status\": 2000}"), "E07's other reading: Status as a number");
    });
}

#[test]
fn bad_arguments_exit_2_with_a_clear_message() {
    for (args, needle) in [
        (vec!["--fault", "size-limit-mising"], "did you mean `size-limit-missing`"),
        (vec!["--fault", "nope"], "known faults: content-type-ignored"),
        (vec!["--profile", "trio-9"], "unknown profile `trio-9`"),
        (vec!["--listen", "not an address"], "not an address to listen on"),
        (vec!["--reading", "status-as-numbr"], "did you mean `status-as-number`"),
        (vec!["--reading", "simulate-hook-takes-no-input"], "plays erratum E20, which is about vvx-5.9.0 only"),
    ] {
        let out = emulate(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed to stdout");
    }
}
