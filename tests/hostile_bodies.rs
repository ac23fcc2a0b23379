//! Phones whose answers are too large or too deep for the harness, driven through the real
//! binary: `run` and `fuzz` read at most `--max-body` of an answer, judge what they could
//! not read as INFO ("truncated"), never FAIL for it, never panic, and write small reports.
//!
//! Each phone is a tiny HTTP server on 127.0.0.1 that ignores credentials and answers every
//! request with the same hostile body (HTTP 200):
//!
//! - `big`: a 10 MB JSON object, with its `Content-Length`;
//! - `endless`: a chunked JSON array that never ends;
//! - `deep`: a valid JSON object nested 100 000 levels deep (600 KB: read whole, but deeper
//!   than the harness's JSON parser goes).
//!
//! With `info_ok` the preflight's `GET /api/v1/mgmt/device/info` gets a normal answer and
//! the run goes on: exit 0 (INFO only) for the schema case of network-info; 0, 1 or 2 for a
//! wider selection (1: FAILs earned by what can be seen, such as HTTP 200 where 401 is due;
//! 2: a restore that cannot read the phone's state), never a FAIL for the truncation; fuzz
//! ends 0 with one INFO case per endpoint. Without it, the preflight of `run` and `fuzz`
//! cannot read the phone's identity: exit 2 with a message that names `--max-body`.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");
const PASSWORD: &str = "hostile-pass-1";
/// What the tests allow a report.json to weigh.
const REPORT_BOUND: u64 = 10 * 1024 * 1024;
const DEVICE_INFO: &str = r#"{"Status":"2000","data":{"ModelNumber":"Trio 8800","FirmwareRelease":"5.9.1.0001","MACAddress":"0004f2000001","DeviceVendor":"Polycom","DeviceType":"hardwareEndpoint","AttachedHardware":{},"IPV4Address":"127.0.0.1","IPV6Address":"::","UpTimeSinceLastReboot":"0 Day 00:01:00"}}"#;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Body {
    Big,
    Endless,
    Deep,
}

/// A phone on 127.0.0.1 answering every request with `body`; its threads end with the test.
fn serve(body: Body, info_ok: bool) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                // A client that stops reading makes writes fail: that ends the connection.
                let _ = connection(stream, body, info_ok);
            });
        }
    });
    url
}

/// Answer the requests of one connection until the client goes away.
fn connection(stream: TcpStream, body: Body, info_ok: bool) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = line.split_once(':')
                && k.trim().eq_ignore_ascii_case("content-length")
            {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut discard = vec![0u8; length];
        reader.read_exact(&mut discard)?;
        let mut words = request_line.split_whitespace();
        let (method, path) = (words.next().unwrap_or("GET"), words.next().unwrap_or("/"));
        // An answer to HEAD has no body (a body there would be read as the next answer).
        if method.eq_ignore_ascii_case("HEAD") {
            out.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")?;
            continue;
        }
        if info_ok && path.starts_with("/api/v1/mgmt/device/info") {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{DEVICE_INFO}",
                DEVICE_INFO.len()
            )?;
            continue;
        }
        match body {
            Body::Big => big(&mut out)?,
            Body::Endless => endless(&mut out)?,
            Body::Deep => deep(&mut out)?,
        }
    }
}

/// 10 MB of JSON: `{"Status":"2000","data":{"pad":"xxxx..."}}`.
fn big(out: &mut TcpStream) -> std::io::Result<()> {
    const SIZE: usize = 10 * 1024 * 1024;
    let head = br#"{"Status":"2000","data":{"pad":""#;
    let tail = br#""}}"#;
    write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {SIZE}\r\n\r\n")?;
    out.write_all(head)?;
    let chunk = vec![b'x'; 64 * 1024];
    let mut left = SIZE - head.len() - tail.len();
    while left > 0 {
        let n = left.min(chunk.len());
        out.write_all(&chunk[..n])?;
        left -= n;
    }
    out.write_all(tail)
}

/// A chunked JSON array that never ends (until the client hangs up).
fn endless(out: &mut TcpStream) -> std::io::Result<()> {
    write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")?;
    let first = br#"{"Status":"2000","data":["#;
    write!(out, "{:x}\r\n", first.len())?;
    out.write_all(first)?;
    out.write_all(b"\r\n")?;
    let item = r#""0123456789abcdef","#.repeat(1024);
    loop {
        write!(out, "{:x}\r\n{item}\r\n", item.len())?;
    }
}

/// A valid JSON object nested 100 000 levels deep.
fn deep(out: &mut TcpStream) -> std::io::Result<()> {
    const DEPTH: usize = 100_000;
    let text = format!("{}1{}", r#"{"a":"#.repeat(DEPTH), "}".repeat(DEPTH));
    write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", text.len())?;
    out.write_all(text.as_bytes())
}

fn polyconform(args: &[&str]) -> Output {
    Command::new(BIN)
        .args(args)
        .env("POLYCONFORM_PASSWORD", PASSWORD)
        .env("NO_COLOR", "1")
        .output()
        .expect("the polyconform binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("polyconform-test-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit 0, 1 or 2 (never 101, a panic), with stdout and stderr shown when not.
fn ended(out: &Output, allowed: &[i32]) -> i32 {
    let code = out.status.code().unwrap_or(-1);
    assert!(
        allowed.contains(&code),
        "exit {code}, expected one of {allowed:?}\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(!text(&out.stderr).contains("panicked"), "{}", text(&out.stderr));
    code
}

/// report.json: under [`REPORT_BOUND`], parsed as JSON, valid against the report schema
/// (truncated answers included).
fn report(dir: &Path) -> serde_json::Value {
    let path = dir.join("report.json");
    let size = std::fs::metadata(&path).expect("report.json written").len();
    assert!(size < REPORT_BOUND, "report.json is {size} bytes");
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).expect("report.json is JSON");
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join("report.schema.json");
    let schema: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(schema_path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the report schema compiles");
    let errors: Vec<String> =
        validator.iter_errors(&report).map(|e| format!("{}: {e}", e.instance_path())).take(5).collect();
    assert!(errors.is_empty(), "report.json does not match schemas/report.schema.json:\n{}", errors.join("\n"));
    report
}

/// Every finding of every case, as (case id, verdict, family, actual, details joined).
fn findings(report: &serde_json::Value) -> Vec<(String, String, String, String, String)> {
    let mut out = Vec::new();
    for case in report["cases"].as_array().expect("cases") {
        for f in case["findings"].as_array().expect("findings") {
            let details =
                f["details"].as_array().map(|d| d.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(" | "));
            out.push((
                case["id"].as_str().unwrap_or_default().to_string(),
                f["verdict"].as_str().unwrap_or_default().to_string(),
                f["family"].as_str().unwrap_or_default().to_string(),
                f["actual"].as_str().unwrap_or_default().to_string(),
                details.unwrap_or_default(),
            ));
        }
    }
    out
}

/// A run of the network-info schema case: the oversized answer is one INFO finding that
/// says "truncated", the case is INFO, nothing FAILs, exit 0.
fn schema_case_is_info(body: Body, says: &str) {
    let url = serve(body, true);
    let dir = scratch(&format!("schema-{body:?}"));
    let out = polyconform(&[
        "run",
        "--target",
        &url,
        "--timeout",
        "5",
        "--report-dir",
        dir.to_str().unwrap(),
        "--",
        "--exact",
        "trio.schema.response.mgmt.network-info",
    ]);
    ended(&out, &[0]);
    let report = report(&dir);
    let all = findings(&report);
    assert!(
        all.iter().any(|(_, v, _, actual, _)| v == "info" && actual.contains(says)),
        "no INFO finding saying `{says}`: {all:#?}"
    );
    assert!(all.iter().all(|(_, v, ..)| v != "fail"), "{all:#?}");
    assert_eq!(report["cases"][0]["verdict"], "info", "{all:#?}");
}

#[test]
fn a_10_mb_answer_is_read_to_the_limit_and_is_info_truncated() {
    schema_case_is_info(Body::Big, "truncated");
    let text = std::fs::read_to_string(scratch_path("schema-Big").join("report.json")).unwrap();
    assert!(text.contains("size 10485760 bytes"), "Content-Length gives the size");
    assert!(text.contains(r#""exact": 10485760"#), "{}", &text[..text.len().min(3000)]);
}

#[test]
fn an_endless_answer_is_cut_and_is_info_truncated() {
    schema_case_is_info(Body::Endless, "truncated");
    let text = std::fs::read_to_string(scratch_path("schema-Endless").join("report.json")).unwrap();
    assert!(text.contains("size at least "), "a stream without a length has a lower bound");
}

#[test]
fn a_100k_deep_answer_is_info_and_stored_as_text() {
    schema_case_is_info(Body::Deep, "nested deeper than the 128 levels");
    let report = report(&scratch_path("schema-Deep"));
    let answered = report["cases"][0]["exchanges"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|e| e["outcome"]["body"].as_str().map(str::to_string))
        .expect("the answer's body is kept as text");
    assert!(answered.starts_with(r#"{"a":{"a":"#), "{}", &answered[..80]);
    assert_eq!(answered.len(), 4 * 1024, "a record keeps 4 KiB of an answer it could not parse");
}

/// The path of a [`scratch`] directory without emptying it.
fn scratch_path(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("polyconform-test-hostile-{name}-{}", std::process::id()))
}

#[test]
fn a_wider_run_ends_without_panic_and_without_a_fail_for_truncation() {
    for body in [Body::Big, Body::Endless, Body::Deep] {
        let url = serve(body, true);
        let dir = scratch(&format!("wide-{body:?}"));
        let out = polyconform(&[
            "run",
            "--target",
            &url,
            "--timeout",
            "5",
            "--report-dir",
            dir.to_str().unwrap(),
            "--",
            "mgmt.device-info",
        ]);
        // FAILs the phone earns by what can be seen (HTTP 200 where 401 is due) exit 1; a
        // restore that cannot read the phone's state exits 2.
        ended(&out, &[0, 1, 2]);
        let all = findings(&report(&dir));
        let blamed: Vec<_> = all
            .iter()
            .filter(|(_, v, _, actual, details)| {
                v == "fail"
                    && (actual.contains("truncated") || actual.contains("nested deeper"))
                    && !details.contains(" is not ")
            })
            .collect();
        assert!(blamed.is_empty(), "{body:?}: FAIL only for the harness's limit: {blamed:#?}");
        let html = std::fs::metadata(dir.join("index.html")).unwrap().len();
        let junit = std::fs::metadata(dir.join("junit.xml")).unwrap().len();
        assert!(html < REPORT_BOUND && junit < REPORT_BOUND, "{body:?}: index.html {html}, junit.xml {junit}");
    }
}

#[test]
fn a_device_info_the_harness_cannot_read_stops_the_run_with_exit_2_and_a_hint() {
    for (body, says) in [(Body::Big, "truncated"), (Body::Endless, "truncated"), (Body::Deep, "nested deeper")] {
        let url = serve(body, false);
        let out = polyconform(&["run", "--target", &url, "--timeout", "5", "--", "mgmt.device-info"]);
        ended(&out, &[2]);
        let err = text(&out.stderr);
        assert!(err.contains(says) && err.contains("--max-body"), "{body:?}: {err}");
        let dir = scratch(&format!("fuzz-preflight-{body:?}"));
        let repros = dir.join("repros");
        let out = polyconform(&["fuzz", "--target", &url, "--duration", "3", "--out", repros.to_str().unwrap()]);
        ended(&out, &[2]);
        let err = text(&out.stderr);
        assert!(err.contains(says) && err.contains("--max-body"), "fuzz, {body:?}: {err}");
    }
}

#[test]
fn fuzz_counts_unread_answers_as_one_info_case_per_endpoint() {
    for body in [Body::Big, Body::Endless, Body::Deep] {
        let url = serve(body, true);
        let dir = scratch(&format!("fuzz-{body:?}"));
        let repros = dir.join("repros");
        let out = polyconform(&[
            "fuzz",
            "--target",
            &url,
            "--timeout",
            "5",
            "--duration",
            "3",
            "--seed",
            "7",
            "--out",
            repros.to_str().unwrap(),
            "--report-dir",
            dir.to_str().unwrap(),
        ]);
        // The unread answers are INFO cases: nothing else is found on this phone.
        ended(&out, &[0]);
        let report = report(&dir);
        let all = findings(&report);
        let says = if body == Body::Deep { "nested deeper" } else { "truncated" };
        assert!(
            all.iter().any(|(id, v, fam, actual, _)| id.ends_with(".answer-not-read")
                && v == "info"
                && fam == "size"
                && actual.contains(says)),
            "{body:?}: {all:#?}"
        );
        for f in std::fs::read_dir(&repros).into_iter().flatten().flatten() {
            let size = f.metadata().unwrap().len();
            assert!(size < 64 * 1024, "{body:?}: reproducer {} is {size} bytes", f.path().display());
        }
    }
}

#[test]
fn max_body_takes_sizes_within_its_range_and_explains_the_rest() {
    let url = serve(Body::Big, true);
    let dir = scratch("max-body-64k");
    let out = polyconform(&[
        "run",
        "--target",
        &url,
        "--max-body",
        "64k",
        "--report-dir",
        dir.to_str().unwrap(),
        "--",
        "--exact",
        "trio.schema.response.mgmt.network-info",
    ]);
    ended(&out, &[0]);
    let text_report = std::fs::read_to_string(dir.join("report.json")).unwrap();
    assert!(text_report.contains("answer larger than 65536 bytes, truncated"), "the limit given is the limit used");
    for bad in ["12", "2G", "4T", "lots"] {
        let out = polyconform(&["run", "--target", &url, "--max-body", bad, "--", "--list"]);
        ended(&out, &[2]);
        let err = text(&out.stderr);
        assert!(err.contains("--max-body") && err.contains("64k"), "{bad}: {err}");
    }
    let help = text(&polyconform(&["run", "--help"]).stdout);
    assert!(help.contains("--max-body <BYTES>") && help.contains("truncated"), "{help}");
}
