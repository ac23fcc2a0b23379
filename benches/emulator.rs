//! Emulator speed and footprint, side by side with a minimal hyper server that answers
//! the same bytes on the same machine (the ceiling for this HTTP stack).
//!
//! Measured: keep-alive `GET /api/v1/mgmt/device/info` requests per second over one
//! connection and over 8 (the emulator in `--parallel queue` mode so concurrent requests
//! wait their turn instead of getting 403), the share of 403 answers the default
//! `reject` mode gives 8 eager connections, and the idle resident memory of the emulator
//! (in this process, and as the `polyconform emulate` process). Figures are printed, not
//! asserted. `cargo bench --bench emulator` (POLYCONFORM_BENCH_SECS sets the duration of
//! each measurement, default 2).

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use polyconform::catalogue::Catalogue;
use polyconform::emulator::ParallelMode;
use polyconform::emulator::{Emulator, EmulatorConfig};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const USER: &str = "Polycom";
const PASS: &str = "bench-pw";

fn main() {
    let secs: f64 = std::env::var("POLYCONFORM_BENCH_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(2.0);
    let window = Duration::from_secs_f64(secs);
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let catalogue = Catalogue::embedded().expect("embedded catalogue");
    let profile = catalogue.profile("trio-5.9.1").expect("profile").clone();

    let rss_before = rss_kb();
    let mut config = EmulatorConfig::new(profile.clone());
    config.password = PASS.into();
    config.parallel = ParallelMode::Queue;
    let emu = runtime.block_on(Emulator::start(config)).expect("emulator");
    let rss_after = rss_kb();
    let mut reject_config = EmulatorConfig::new(profile);
    reject_config.password = PASS.into();
    let reject = runtime.block_on(Emulator::start(reject_config)).expect("emulator");

    let request = request_bytes(emu.addr());
    // The same answer bytes for the reference server: headers and body as the emulator sent them.
    let sample = runtime.block_on(one_answer(emu.addr(), &request));
    let reference = runtime.block_on(reference_server(sample.clone()));

    println!(
        "emulator bench: keep-alive GET /api/v1/mgmt/device/info, {secs} s per measurement, 2 worker threads shared by client and server"
    );
    println!("answer: {} bytes ({} header, {} body)", sample.0.len() + sample.1.len(), sample.0.len(), sample.1.len());
    println!();
    println!("{:<44} {:>12} {:>12} {:>8}", "measurement", "emulator", "bare hyper", "ratio");
    for conns in [1usize, 8] {
        let e = runtime.block_on(load(emu.addr(), &request, conns, window));
        let h = runtime.block_on(load(reference, &request, conns, window));
        println!(
            "{:<44} {:>10.0}/s {:>10.0}/s {:>7.2}x",
            format!("requests/s, {conns} connection{}", if conns > 1 { "s" } else { "" }),
            e.rate(),
            h.rate(),
            e.rate() / h.rate().max(1.0)
        );
        assert_eq!(e.other, 0, "the queueing emulator answered something else than 200");
    }
    let r = runtime.block_on(load(reject.addr(), &request, 8, window));
    println!("{:<44} {:>10.0}/s {:>12} {:>8}", "answers/s, 8 connections, --parallel reject", r.rate(), "", "");
    println!(
        "{:<44} {:>11.1}% {:>12} {:>8}",
        "  of which HTTP 403 (busy)",
        100.0 * r.busy as f64 / r.total().max(1) as f64,
        "",
        ""
    );
    println!();
    println!("{:<44} {:>9} kB", "resident memory growth of Emulator::start", rss_after.saturating_sub(rss_before));
    match standalone_rss_kb() {
        Some(kb) => println!("{:<44} {:>9} kB", "idle resident memory, `polyconform emulate`", kb),
        None => println!("{:<44} {:>12}", "idle resident memory, `polyconform emulate`", "n/a"),
    }
    runtime.block_on(emu.stop());
    runtime.block_on(reject.stop());
}

fn rss_kb() -> u64 {
    status_kb(&std::fs::read_to_string("/proc/self/status").unwrap_or_default(), "VmRSS:")
}

fn status_kb(status: &str, key: &str) -> u64 {
    status
        .lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// Start the real binary, wait for its first line, read its VmRSS, stop it.
fn standalone_rss_kb() -> Option<u64> {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_polyconform"))
        .args(["emulate", "--password", PASS])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take()?).read_line(&mut line).ok()?;
    std::thread::sleep(Duration::from_millis(200));
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.id())).ok();
    let _ = child.kill();
    let _ = child.wait();
    Some(status_kb(&status?, "VmRSS:"))
}

fn request_bytes(addr: SocketAddr) -> Vec<u8> {
    use base64::Engine;
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{PASS}"));
    format!("GET /api/v1/mgmt/device/info HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {auth}\r\n\r\n").into_bytes()
}

/// Head and body of one answer.
async fn one_answer(addr: SocketAddr, request: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut conn = Conn::open(addr).await;
    let (code, head, body) = conn.roundtrip(request).await.expect("an answer");
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    (head, body)
}

/// A minimal hyper server that answers every request with the emulator's bytes.
async fn reference_server(sample: (Vec<u8>, Vec<u8>)) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let head = String::from_utf8_lossy(&sample.0).into_owned();
    let headers: Vec<(String, String)> = head
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(':'))
        .filter(|(k, _)| !k.eq_ignore_ascii_case("content-length") && !k.eq_ignore_ascii_case("date"))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    let body = Bytes::from(sample.1);
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let _ = stream.set_nodelay(true);
            let (headers, body) = (headers.clone(), body.clone());
            tokio::spawn(async move {
                let svc = service_fn(move |_req: Request<hyper::body::Incoming>| {
                    let mut r = Response::builder();
                    for (k, v) in &headers {
                        r = r.header(k.as_str(), v.as_str());
                    }
                    let resp = r.body(Full::new(body.clone())).unwrap();
                    async move { Ok::<_, Infallible>(resp) }
                });
                let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
            });
        }
    });
    addr
}

#[derive(Default)]
struct Tally {
    ok: u64,
    busy: u64,
    other: u64,
    elapsed: Duration,
}

impl Tally {
    fn total(&self) -> u64 {
        self.ok + self.busy + self.other
    }

    fn rate(&self) -> f64 {
        self.total() as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// `conns` keep-alive connections, each sending the next request as soon as the answer is in.
async fn load(addr: SocketAddr, request: &[u8], conns: usize, window: Duration) -> Tally {
    let start = Instant::now();
    let deadline = start + window;
    let mut tasks = Vec::new();
    for _ in 0..conns {
        let request = request.to_vec();
        tasks.push(tokio::spawn(async move {
            let mut t = Tally::default();
            let mut conn = Conn::open(addr).await;
            while Instant::now() < deadline {
                match conn.roundtrip(&request).await {
                    Some((200, _, _)) => t.ok += 1,
                    Some((403, _, _)) => t.busy += 1,
                    Some(_) => t.other += 1,
                    None => conn = Conn::open(addr).await,
                }
            }
            t
        }));
    }
    let mut sum = Tally::default();
    for t in tasks {
        let t = t.await.unwrap();
        sum.ok += t.ok;
        sum.busy += t.busy;
        sum.other += t.other;
    }
    sum.elapsed = start.elapsed();
    sum
}

/// A bare HTTP/1.1 client: enough to read Content-Length framed answers.
struct Conn {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Conn {
    async fn open(addr: SocketAddr) -> Conn {
        let stream = TcpStream::connect(addr).await.expect("connect");
        let _ = stream.set_nodelay(true);
        Conn { stream, buf: Vec::with_capacity(4096) }
    }

    async fn roundtrip(&mut self, request: &[u8]) -> Option<(u16, Vec<u8>, Vec<u8>)> {
        self.stream.write_all(request).await.ok()?;
        loop {
            if let Some(end) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = self.buf[..end + 4].to_vec();
                let text = String::from_utf8_lossy(&head);
                let code = text.get(9..12)?.parse().ok()?;
                let len: usize = text.lines().find_map(|l| {
                    l.split_once(':')
                        .filter(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                        .and_then(|(_, v)| v.trim().parse().ok())
                })?;
                while self.buf.len() < end + 4 + len {
                    self.fill().await?;
                }
                let body = self.buf[end + 4..end + 4 + len].to_vec();
                self.buf.drain(..end + 4 + len);
                return Some((code, head, body));
            }
            self.fill().await?;
        }
    }

    async fn fill(&mut self) -> Option<()> {
        let mut chunk = [0u8; 8192];
        let n = self.stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Some(())
    }
}
