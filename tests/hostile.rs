//! Phones at their worst, driven through the real binary: `run` and `fuzz` end in bounded
//! time with the right exit code and a message, never a panic (exit 101), never a green
//! exit after testing nothing, and never a secret in any output.
//!
//! Each phone is a tiny HTTP server on 127.0.0.1 (the large, endless and deep answers are
//! in `hostile_bodies.rs`):
//!
//! | phone | `run` | `fuzz` |
//! |---|---|---|
//! | hang: accepts, never answers | 2, preflight timed out | 2 |
//! | hang after a good preflight | 1 or 2, the breaker stops it: "stopped answering" | 2, tested nothing |
//! | garbage bytes, then close | 2, not a Poly REST API | 2 |
//! | reset: closes at once | 2 | 2 |
//! | slowloris: one byte every 300 ms | 2, preflight timed out | 2 |
//! | HTML with HTTP 200 | 2, not JSON | 2 |
//! | 404 everywhere | 2, "or this is not a Poly phone" | 2 |
//! | echo: answers 2000 with the credentials it was sent | judged (0/1) | judged (0/1) |
//!
//! The bound: every command here is given `--timeout 1` and must end within
//! [`LIVENESS`]; that is a hang detector, not a speed measurement (the figures are in the
//! issue note and the benches).

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use polyconform::record::model::RunRecord;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");
/// A password full of the characters every encoding changes.
const PASSWORD: &str = r#"p&s<s> 'w"o\r%d+/=?é"#;
/// A command that has not ended after this long is hung.
const LIVENESS: Duration = Duration::from_secs(120);
const DEVICE_INFO: &str = r#"{"Status":"2000","data":{"ModelNumber":"Trio 8800","FirmwareRelease":"5.9.1.0001","MACAddress":"0004f2000001","UpTimeSinceLastReboot":"0 Day 00:01:00"}}"#;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phone {
    Hang,
    HangAfterPreflight,
    Garbage,
    Reset,
    Slowloris,
    Html,
    NotFound,
    Echo,
}

fn serve(phone: Phone) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answered = answered.clone();
            std::thread::spawn(move || {
                let _ = connection(stream, phone, &answered);
            });
        }
    });
    url
}

/// One request's line and headers (the body is read and dropped).
fn request(reader: &mut BufReader<TcpStream>) -> std::io::Result<Option<(String, Vec<String>)>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end().to_string();
        if h.is_empty() {
            break;
        }
        if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        headers.push(h);
    }
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body)?;
    Ok(Some((line, headers)))
}

fn connection(stream: TcpStream, phone: Phone, answered: &std::sync::atomic::AtomicUsize) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    match phone {
        Phone::Hang => {
            std::thread::sleep(Duration::from_secs(600));
            return Ok(());
        }
        Phone::Reset => return Ok(()),
        Phone::Garbage => {
            out.write_all(b"\x00\xff\xfeNOT HTTP AT ALL\r\n\r\n\x13\x37")?;
            return Ok(());
        }
        _ => {}
    }
    while let Some((line, headers)) = request(&mut reader)? {
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        // The preflight is the first device/info; whatever comes before it (a probe for
        // emulator control endpoints) gets a 404.
        let first_info =
            path.ends_with("/device/info") && answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0;
        let (status, content_type, body, extra) = match phone {
            Phone::HangAfterPreflight if first_info => {
                (200, "application/json", DEVICE_INFO.to_string(), String::new())
            }
            Phone::HangAfterPreflight if !path.starts_with("/api/") => (404, "text/html", String::new(), String::new()),
            Phone::HangAfterPreflight => {
                std::thread::sleep(Duration::from_secs(600));
                return Ok(());
            }
            Phone::Html => (200, "text/html", "<html><body>Welcome</body></html>".into(), String::new()),
            Phone::NotFound => (404, "text/html", "<h1>Not Found</h1>".into(), String::new()),
            Phone::Slowloris => {
                for b in b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n" {
                    out.write_all(&[*b])?;
                    std::thread::sleep(Duration::from_millis(300));
                }
                return Ok(());
            }
            Phone::Echo => echo(&path, &headers),
            _ => unreachable!(),
        };
        let head = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n{extra}Connection: keep-alive\r\n\r\n",
            body.len()
        );
        // One write: head and body in two would meet Nagle and delayed ACKs (40 ms each).
        out.write_all(format!("{head}{body}").as_bytes())?;
    }
    Ok(())
}

/// Status 2000 with the credentials echoed in the body (raw, URL-encoded, base64) and in a
/// header (URL-encoded, as a header can hold it).
fn echo(path: &str, headers: &[String]) -> (u16, &'static str, String, String) {
    let basic = headers
        .iter()
        .find_map(|h| h.strip_prefix("Authorization: Basic ").or_else(|| h.strip_prefix("authorization: Basic ")))
        .unwrap_or("");
    let pair = String::from_utf8(STANDARD.decode(basic.trim()).unwrap_or_default()).unwrap_or_default();
    let password = pair.split_once(':').map(|(_, p)| p.to_string()).unwrap_or_default();
    let data = serde_json::json!({
        "ModelNumber": "Trio 8800",
        "FirmwareRelease": "5.9.1.0001",
        "Echo": password,
        "EchoForm": urlencode(&password),
        "EchoBasic": basic,
        "Path": path,
    });
    let body = serde_json::json!({"Status": "2000", "data": data}).to_string();
    (200, "application/json", body, format!("X-Echo: {}\r\n", urlencode(&password)))
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("polyconform-hostile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Run the binary with a liveness bound; returns (exit code, stdout + stderr).
fn bounded(args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(BIN)
        .args(args)
        .env("POLYCONFORM_PASSWORD", PASSWORD)
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut stdout, mut stderr) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let out = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stdout.read_to_string(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > LIVENESS {
            let _ = child.kill();
            panic!("{args:?} did not end within {LIVENESS:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = format!("{}{}", out.join().unwrap(), err.join().unwrap());
    assert_ne!(status.code(), Some(101), "{args:?} panicked: {text}");
    assert!(!text.contains("panicked"), "{args:?}: {text}");
    (status.code(), text)
}

fn run(url: &str, dir: &Path) -> (Option<i32>, String) {
    bounded(&["run", "--target", url, "--timeout", "1", "--report-dir", dir.to_str().unwrap()])
}

fn fuzz(url: &str, dir: &Path) -> (Option<i32>, String) {
    let out = dir.join("repros");
    let reports = dir.join("fuzz-report");
    bounded(&[
        "fuzz",
        "--target",
        url,
        "--timeout",
        "1",
        "--duration",
        "3",
        "--seed",
        "7",
        "--recovery-secs",
        "2",
        "--out",
        out.to_str().unwrap(),
        "--report-dir",
        reports.to_str().unwrap(),
    ])
}

#[test]
fn phones_that_never_answer_like_a_poly_phone_end_both_commands_with_2_and_a_reason() {
    for (phone, words) in [
        (Phone::Hang, "no answer within"),
        (Phone::Garbage, "127.0.0.1"),
        (Phone::Reset, "127.0.0.1"),
        (Phone::Slowloris, "127.0.0.1"),
        (Phone::Html, "not a JSON object"),
        (Phone::NotFound, "or this is not a Poly phone"),
    ] {
        let url = serve(phone);
        let dir = scratch(&format!("{phone:?}"));
        let (code, text) = run(&url, &dir);
        assert_eq!(code, Some(2), "run on {phone:?}: {text}");
        assert!(text.contains("error:") && text.contains(words), "run on {phone:?} says why ({words}): {text}");
        let (code, text) = fuzz(&url, &dir);
        assert_eq!(code, Some(2), "fuzz on {phone:?}: {text}");
    }
}

#[test]
fn a_phone_that_stops_answering_after_the_preflight_trips_the_breaker_and_fuzz_is_not_green() {
    let url = serve(Phone::HangAfterPreflight);
    let dir = scratch("hang-after");
    let started = Instant::now();
    let (code, text) = run(&url, &dir);
    eprintln!("run against a phone that hangs after the preflight: {:?}", started.elapsed());
    assert!(matches!(code, Some(1) | Some(2)), "never green: {code:?} {text}");
    let report = std::fs::read_to_string(dir.join("report.json")).unwrap_or_else(|_| panic!("report.json: {text}"));
    let record: RunRecord = serde_json::from_str(&report).unwrap();
    let why = record.ended_early.clone().unwrap_or_default();
    assert!(why.contains("stopped answering"), "{why}");
    let skipped = record.cases.iter().filter(|c| c.reason.as_deref().is_some_and(|r| r.contains("stopped answering")));
    assert!(skipped.count() > 300, "the rest of the cases were not sent");
    assert!(text.contains("ENDED EARLY"), "{text}");

    let url = serve(Phone::HangAfterPreflight);
    let (code, text) = fuzz(&url, &dir);
    // The first request hangs: that is a finding (exit 1); it must not end green.
    assert!(matches!(code, Some(1) | Some(2)), "fuzz against a phone that went away is not green: {text}");
}

/// Every form a report could carry the password in.
fn forms(password: &str) -> Vec<String> {
    let json1 = serde_json::to_string(password).unwrap().trim_matches('"').to_string();
    let json2 = serde_json::to_string(&json1).unwrap().trim_matches('"').to_string();
    let html = |s: &str| {
        s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
    };
    let pair = format!("Polycom:{password}");
    vec![
        password.to_string(),
        json1.clone(),
        json2,
        html(password),
        html(&json1),
        urlencode(password),
        STANDARD.encode(password),
        STANDARD.encode(&pair),
        URL_SAFE_NO_PAD.encode(&pair),
    ]
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = entry.path();
        if p.is_dir() {
            files(&p, out);
        } else {
            out.push(p);
        }
    }
}

#[test]
fn a_phone_that_echoes_the_credentials_leaks_no_encoding_of_them_anywhere() {
    let url = serve(Phone::Echo);
    let dir = scratch("echo");
    let started = Instant::now();
    let (code, run_text) = run(&url, &dir);
    eprintln!("run against the echo phone: {:?}", started.elapsed());
    assert!(matches!(code, Some(0) | Some(1)), "an echoing phone is judged: {code:?} {run_text}");
    let (code, fuzz_text) = fuzz(&url, &dir);
    assert!(matches!(code, Some(0) | Some(1)), "fuzz is judged: {code:?} {fuzz_text}");
    let mut written = Vec::new();
    files(&dir, &mut written);
    assert!(written.iter().any(|p| p.ends_with("report.json")), "{written:?}");
    assert!(written.iter().any(|p| p.ends_with("index.html")), "{written:?}");
    let report = std::fs::read_to_string(dir.join("report.json")).unwrap();
    assert!(report.contains("[REDACTED]"), "the echo reached the report, masked");
    for form in forms(PASSWORD) {
        assert!(!run_text.contains(&form), "run output carries {form:?}");
        assert!(!fuzz_text.contains(&form), "fuzz output carries {form:?}");
        for file in &written {
            let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).into_owned();
            assert!(!text.contains(&form), "{} carries {form:?}", file.display());
        }
    }
}
