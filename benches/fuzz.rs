//! Fuzz throughput next to the real limit. `cargo bench --bench fuzz`.
//!
//! A phone answers one request at a time, so what a campaign is worth is cases per second
//! on one connection. Both lanes talk to the same reference phone: `polyconform emulate`
//! in a process of its own on 127.0.0.1, a fresh one for every window, so that the CPU
//! this process spends is the client's alone.
//!
//! - **raw**: the cheapest client there is. One keep-alive TCP connection, the bytes of
//!   `GET device/info` with Basic auth built once, each answer read up to its
//!   `Content-Length` and thrown away unparsed. Nothing a harness could do costs less.
//! - **fuzz**: a real campaign on the default endpoint mix (the safe endpoints), seed 1:
//!   generation, intent classification, sending through the device client, judging,
//!   health checks, everything `polyconform fuzz` does per case.
//! - **fuzz, mutating mix**: the same with `--allow-mutating` (every case to a mutating
//!   endpoint snapshots what it may change and restores it); shown, not a target.
//!
//! Lanes are interleaved (raw, fuzz, mutating; three rounds) and the medians printed, for
//! both profiles: cases/s, requests/s, requests per case, this process's CPU per case
//! (user + system, from /proc/self/stat) and the emulator's CPU per request. Targets of
//! the issue: fuzz cases/s at least half the raw lane's requests/s, at most 1.3 requests
//! per case on the default mix.

use polyconform::catalogue::Catalogue;
use polyconform::catalogue::profile::Profile;
use polyconform::device::tls::Trust;
use polyconform::device::{Credentials, Device, DeviceConfig};
use polyconform::fuzz::campaign::Settings;
use polyconform::fuzz::generator::Generator;
use polyconform::fuzz::progress::Ticker;
use polyconform::fuzz::request_schema::SchemaDocs;
use polyconform::fuzz::setup::{Where, campaign, select_endpoints};
use polyconform::fuzz::shrink::ShrinkBudget;
use polyconform::report::redact::Redactor;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[path = "../tests/emulator_process/mod.rs"]
mod emulator_process;
use emulator_process::EmulatorProcess;

const WINDOW: Duration = Duration::from_secs(5);
const ROUNDS: usize = 3;
const PASSWORD: &str = "bench-password";

/// What one window of one lane did.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    cases: u64,
    requests: u64,
    secs: f64,
    /// This process's CPU seconds (user + system) during the window.
    cpu: f64,
    /// The emulator's CPU seconds during the window.
    emulator_cpu: f64,
}

impl Window {
    fn cases_per_s(&self) -> f64 {
        self.cases as f64 / self.secs
    }
    fn requests_per_s(&self) -> f64 {
        self.requests as f64 / self.secs
    }
    fn requests_per_case(&self) -> f64 {
        self.requests as f64 / self.cases.max(1) as f64
    }
    fn cpu_us_per_case(&self) -> f64 {
        1e6 * self.cpu / self.cases.max(1) as f64
    }
    fn emulator_us_per_request(&self) -> f64 {
        1e6 * self.emulator_cpu / self.requests.max(1) as f64
    }
}

/// The emulator process of one window (killed when dropped).
fn emulator(profile: &str) -> EmulatorProcess {
    EmulatorProcess::start(&["--listen", "127.0.0.1:0", "--profile", profile], PASSWORD)
}

/// The emulator's CPU seconds so far.
fn emulator_cpu(emulator: &EmulatorProcess) -> f64 {
    cpu_seconds(&format!("/proc/{}/stat", emulator.pid()))
}

/// User + system CPU seconds of a process, from its `/proc/.../stat`.
fn cpu_seconds(stat: &str) -> f64 {
    let text = std::fs::read_to_string(stat).unwrap_or_default();
    // The command name may hold spaces; the fields after its closing parenthesis do not.
    let fields: Vec<&str> =
        text.rsplit_once(')').map(|(_, rest)| rest.split_whitespace().collect()).unwrap_or_default();
    // Fields 14 and 15 of the file are the 12th and 13th after the name.
    let ticks: f64 = fields.get(11..13).map(|f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum()).unwrap_or(0.0);
    ticks / clock_ticks()
}

fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        std::process::Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// Measure `work` (which returns cases and requests) against a fresh emulator.
fn measure<F, Fut>(profile: &str, work: F) -> Window
where
    F: FnOnce(String) -> Fut,
    Fut: std::future::Future<Output = (u64, u64)>,
{
    let emulator = emulator(profile);
    // The same kind of runtime `polyconform fuzz` runs on: one thread.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let (cpu0, emu0, started) = (cpu_seconds("/proc/self/stat"), emulator_cpu(&emulator), Instant::now());
    let (cases, requests) = runtime.block_on(work(emulator.url.clone()));
    let secs = started.elapsed().as_secs_f64();
    Window {
        cases,
        requests,
        secs,
        cpu: cpu_seconds("/proc/self/stat") - cpu0,
        emulator_cpu: emulator_cpu(&emulator) - emu0,
    }
}

/// The raw lane: pre-built request bytes on one keep-alive connection.
async fn raw(url: String, path: String) -> (u64, u64) {
    use base64::Engine as _;
    let addr = url.trim_start_matches("http://").to_string();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let auth = base64::engine::general_purpose::STANDARD.encode(format!("Polycom:{PASSWORD}"));
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Basic {auth}\r\n\r\n").into_bytes();
    let mut buf = vec![0u8; 1 << 16];
    let started = Instant::now();
    let mut n = 0u64;
    while started.elapsed() < WINDOW {
        stream.write_all(&request).await.expect("write");
        let mut filled = 0;
        let (head_end, length) = loop {
            let read = stream.read(&mut buf[filled..]).await.expect("read");
            assert!(read > 0, "the emulator closed the connection");
            filled += read;
            if let Some(end) = buf[..filled].windows(4).position(|w| w == b"\r\n\r\n") {
                break (end + 4, content_length(&buf[..end]));
            }
        };
        while filled < head_end + length {
            let read = stream.read(&mut buf[filled..]).await.expect("read");
            assert!(read > 0, "the emulator closed the connection");
            filled += read;
        }
        n += 1;
    }
    (n, n)
}

fn content_length(head: &[u8]) -> usize {
    let head = String::from_utf8_lossy(head).to_ascii_lowercase();
    head.lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .expect("the emulator answers with a Content-Length")
}

/// The fuzz lane: a campaign of `WINDOW` on the endpoints of the mix.
async fn fuzz(url: String, catalogue: &Catalogue, profile: &Profile, mutating: bool) -> (u64, u64) {
    let device = Device::new(DeviceConfig {
        base_url: url,
        credentials: Credentials { username: "Polycom".into(), password: PASSWORD.into() },
        trust: Trust::System,
        timeout: Duration::from_secs(10),
        pace: Duration::ZERO,
        max_body: polyconform::device::body_limit::DEFAULT_MAX_BODY,
    })
    .expect("device");
    let endpoints = select_endpoints(profile, &[], mutating).expect("endpoints");
    let out_dir = std::env::temp_dir().join(format!("polyconform-bench-fuzz-{}", std::process::id()));
    let at = Where { device, label: "bench-emulator".into(), curl_base: "http://127.0.0.1:PORT".into() };
    let settings = Settings {
        seed: 1,
        max_cases: None,
        max_duration: Some(WINDOW),
        out_dir: out_dir.clone(),
        shrink: ShrinkBudget::default(),
        health_every: polyconform::fuzz::setup::HEALTH_EVERY,
        recovery: Duration::from_secs(5),
    };
    let campaign = campaign(catalogue, profile, at, endpoints, &Redactor::new("Polycom", PASSWORD), settings);
    let mut ticker = Ticker::new();
    let summary = campaign.run(&mut ticker).await;
    ticker.finish();
    let _ = std::fs::remove_dir_all(&out_dir);
    assert!(summary.findings.is_empty(), "a clean emulator gave findings: {:?}", summary.findings.len());
    (summary.cases, summary.requests)
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let catalogue = Catalogue::embedded().expect("the built-in catalogue loads");
    println!(
        "fuzz throughput: `polyconform emulate` in its own process on 127.0.0.1, one connection, one request in flight;"
    );
    println!(
        "{ROUNDS} interleaved rounds of {} s windows per lane, medians; CPU = this process only",
        WINDOW.as_secs()
    );
    for profile_id in ["trio-5.9.1", "vvx-5.9.0"] {
        let profile = catalogue.profile(profile_id).expect("profile").clone();
        let path = profile.endpoint("mgmt.device-info").map(|e| e.path.clone()).expect("device/info");
        let (mut raws, mut fuzzes, mut mutatings) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            raws.push(measure(profile_id, |url| raw(url, path.clone())));
            fuzzes.push(measure(profile_id, |url| fuzz(url, &catalogue, &profile, false)));
            mutatings.push(measure(profile_id, |url| fuzz(url, &catalogue, &profile, true)));
        }
        let med = |ws: &[Window], f: fn(&Window) -> f64| median(ws.iter().map(f).collect());
        println!("\n{profile_id}:");
        println!(
            "  {:<44} {:>9} {:>10} {:>9} {:>11} {:>13}",
            "lane", "cases/s", "requests/s", "req/case", "CPU/case", "emulator/req"
        );
        for (name, ws) in [
            ("raw client (GET device/info, pre-built)", &raws),
            ("fuzz, default mix (safe endpoints)", &fuzzes),
            ("fuzz, mutating mix (--allow-mutating)", &mutatings),
        ] {
            println!(
                "  {:<44} {:>9.0} {:>10.0} {:>9.2} {:>8.1} µs {:>10.1} µs",
                name,
                med(ws, Window::cases_per_s),
                med(ws, Window::requests_per_s),
                med(ws, Window::requests_per_case),
                med(ws, Window::cpu_us_per_case),
                med(ws, Window::emulator_us_per_request),
            );
        }
        let ratio = med(&fuzzes, Window::cases_per_s) / med(&raws, Window::requests_per_s);
        println!("  fuzz cases/s / raw requests/s:               {ratio:>9.2}  (target >= 0.50)");
        println!(
            "  requests per case, default mix:              {:>9.2}  (target <= 1.30)",
            med(&fuzzes, Window::requests_per_case)
        );

        let endpoints = select_endpoints(&profile, &[], false).expect("safe endpoints");
        let mut generator =
            Generator::new(SchemaDocs::from_set(&catalogue.schemas), profile.limits.clone(), &endpoints, 1);
        let started = Instant::now();
        let mut generated = 0u64;
        while started.elapsed() < Duration::from_secs(2) {
            std::hint::black_box(generator.next_case());
            generated += 1;
        }
        println!(
            "  generator alone (no sending):                {:>9.0} cases/s",
            generated as f64 / started.elapsed().as_secs_f64()
        );
    }
}
