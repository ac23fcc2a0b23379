//! Peak memory of a full run against phones whose answers are too large for the harness.
//!
//! Starts, in this process, tiny HTTP servers on 127.0.0.1 that answer device/info
//! normally (so the preflight passes) and every other request with:
//!
//! - `10 MB`: a 10 MB JSON body with its `Content-Length`;
//! - `endless`: a chunked JSON array that never ends;
//! - `deep`: valid JSON nested 100 000 levels deep (600 KB);
//!
//! then runs every default case against each with the release binary (`polyconform run
//! --target URL --timeout 5 --report-dir DIR`) and prints, side by side with the targets
//! (100 MB peak RSS, 10 MB report.json), the peak resident memory of the run (VmHWM of
//! /proc/<pid>/status, polled until it exits), the size of report.json, index.html and
//! junit.xml, the exit code and the wall time. Before bodies were bounded, the 10 MB phone
//! took a run to 20 GB.
//!
//! `cargo bench --bench bodies` (Linux: reads /proc). Figures only: no assertion.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");
const PASSWORD: &str = "bench-bodies-pw";
const RSS_TARGET_MB: f64 = 100.0;
const REPORT_TARGET_MB: f64 = 10.0;
const DEVICE_INFO: &str = r#"{"Status":"2000","data":{"ModelNumber":"Trio 8800","FirmwareRelease":"5.9.1.0001","MACAddress":"0004f2000001","DeviceVendor":"Polycom","DeviceType":"hardwareEndpoint","AttachedHardware":{},"IPV4Address":"127.0.0.1","IPV6Address":"::","UpTimeSinceLastReboot":"0 Day 00:01:00"}}"#;

#[derive(Debug, Clone, Copy)]
enum Body {
    Big,
    Endless,
    Deep,
}

impl Body {
    fn label(self) -> &'static str {
        match self {
            Body::Big => "10 MB answers",
            Body::Endless => "endless answers",
            Body::Deep => "100k-deep JSON",
        }
    }
}

fn main() {
    println!("full run against phones with oversized answers (release binary, --max-body default 1M)");
    println!(
        "  {:<16} {:>6} {:>9} {:>14} {:>12} {:>11} {:>10} {:>8}",
        "phone", "exit", "wall s", "peak RSS MB", "report MB", "html MB", "junit MB", "cases"
    );
    for body in [Body::Big, Body::Endless, Body::Deep] {
        let url = serve(body);
        let dir = std::env::temp_dir().join(format!("polyconform-bench-bodies-{body:?}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let started = Instant::now();
        let mut child = Command::new(BIN)
            .args(["run", "--target", &url, "--timeout", "5", "--report-dir"])
            .arg(&dir)
            .env("POLYCONFORM_PASSWORD", PASSWORD)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("polyconform run starts");
        let status_file = format!("/proc/{}/status", child.id());
        let mut peak_kb = 0u64;
        let code = loop {
            if let Some(kb) = std::fs::read_to_string(&status_file).ok().and_then(|s| vm_hwm_kb(&s)) {
                peak_kb = peak_kb.max(kb);
            }
            match child.try_wait() {
                Ok(Some(status)) => break status.code(),
                Ok(None) => std::thread::sleep(Duration::from_millis(20)),
                Err(_) => break None,
            }
        };
        let wall = started.elapsed();
        let mb = |name: &str| std::fs::metadata(dir.join(name)).map(|m| m.len() as f64 / 1e6).unwrap_or(f64::NAN);
        println!(
            "  {:<16} {:>6} {:>9.1} {:>14.1} {:>12.2} {:>11.2} {:>10.2} {:>8}",
            body.label(),
            code.map_or("-".into(), |c| c.to_string()),
            wall.as_secs_f64(),
            peak_kb as f64 / 1024.0,
            mb("report.json"),
            mb("index.html"),
            mb("junit.xml"),
            cases(&dir.join("report.json")),
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
    println!(
        "  targets: peak RSS <= {RSS_TARGET_MB} MB, report.json < {REPORT_TARGET_MB} MB (the peak is the last VmHWM read before exit)"
    );
}

/// `VmHWM:     12345 kB` -> 12345.
fn vm_hwm_kb(status: &str) -> Option<u64> {
    status.lines().find_map(|l| l.strip_prefix("VmHWM:"))?.trim().trim_end_matches("kB").trim().parse().ok()
}

fn cases(report: &Path) -> String {
    std::fs::read_to_string(report)
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| v["cases"].as_array().map(|c| c.len().to_string()))
        .unwrap_or_else(|| "-".into())
}

/// A phone on 127.0.0.1 answering every request but device/info with `body`.
fn serve(body: Body) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let url = format!("http://{}", listener.local_addr().expect("local address"));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let _ = connection(stream, body);
            });
        }
    });
    url
}

fn connection(stream: TcpStream, body: Body) -> std::io::Result<()> {
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
        if method.eq_ignore_ascii_case("HEAD") {
            out.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")?;
            continue;
        }
        if path.starts_with("/api/v1/mgmt/device/info") {
            write!(
                out,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{DEVICE_INFO}",
                DEVICE_INFO.len()
            )?;
            continue;
        }
        match body {
            Body::Big => {
                const SIZE: usize = 10 * 1024 * 1024;
                let (head, tail) = (br#"{"Status":"2000","data":{"pad":""#, br#""}}"#);
                write!(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {SIZE}\r\n\r\n")?;
                out.write_all(head)?;
                let chunk = vec![b'x'; 64 * 1024];
                let mut left = SIZE - head.len() - tail.len();
                while left > 0 {
                    let n = left.min(chunk.len());
                    out.write_all(&chunk[..n])?;
                    left -= n;
                }
                out.write_all(tail)?;
            }
            Body::Endless => {
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
            Body::Deep => {
                let text = format!("{}1{}", r#"{"a":"#.repeat(100_000), "}".repeat(100_000));
                write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    text.len()
                )?;
                out.write_all(text.as_bytes())?;
            }
        }
    }
}
