//! Runner overhead against a slow phone: how close a full run gets to the time the phone
//! itself needs.
//!
//! Starts `polyconform emulate --latency-ms 50 --control` (every request keeps the phone
//! busy for 50 ms, as a real phone's processing time would), runs every default case
//! against it with `polyconform run --target`, and prints:
//!
//! - the number of requests (every exchange in report.json: case steps, setup and cleanup);
//! - the wall time of the run;
//! - the waits the suites declare on purpose (`delay_ms`, and what a `quiet_ms` step really
//!   waited, e.g. the 10 s uploadBgCapture rule), which no runner can shorten;
//! - `ratio = wall / (requests x 50 ms)`, and the same with the declared waits taken out.
//!   The target is <= 1.1: the runner adds at most 10 % to what the phone costs.
//!
//! `cargo bench --bench run` (or `-- PROFILE` for another profile). Figures only: no
//! assertion, speed is never a test verdict.

use polyconform::catalogue::Catalogue;
use polyconform::record::model::RunRecord;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../tests/emulator_process/mod.rs"]
mod emulator_process;
use emulator_process::EmulatorProcess;

const BIN: &str = env!("CARGO_BIN_EXE_polyconform");
const LATENCY_MS: u64 = 50;

fn main() {
    let profile = std::env::args().skip(1).find(|a| !a.starts_with('-')).unwrap_or_else(|| "trio-5.9.1".to_string());
    let password = "bench-password";
    let emulator = EmulatorProcess::start(
        &["--profile", &profile, "--latency-ms", &LATENCY_MS.to_string(), "--control"],
        password,
    );
    let url = emulator.url.clone();

    let dir = std::env::temp_dir().join(format!("polyconform-bench-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let started = Instant::now();
    let out = Command::new(BIN)
        .args(["run", "--profile", &profile, "--target", &url, "--report-dir"])
        .arg(&dir)
        .env("POLYCONFORM_PASSWORD", password)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .expect("polyconform run runs");
    let wall = started.elapsed();
    drop(emulator);

    let text = match std::fs::read_to_string(dir.join("report.json")) {
        Ok(t) => t,
        Err(e) => {
            eprintln!(
                "no report.json ({e}); run exited {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
            std::process::exit(2);
        }
    };
    let record: RunRecord = serde_json::from_str(&text).expect("report.json is a RunRecord");
    let _ = std::fs::remove_dir_all(&dir);

    let requests: usize = record.cases.iter().map(|c| c.exchanges.len()).sum();
    let declared = declared_waits(&record);
    let phone = Duration::from_millis(LATENCY_MS * requests as u64);
    let ratio = wall.as_secs_f64() / phone.as_secs_f64();
    let ratio_without = (wall.saturating_sub(declared)).as_secs_f64() / phone.as_secs_f64();

    println!("run against emulator ({profile}, {LATENCY_MS} ms latency per request), exit {:?}", out.status.code());
    println!("  cases                  {}", record.cases.len());
    println!("  requests               {requests} (report.json exchanges; + preflight and control probe)");
    println!("  wall time              {:.2} s", wall.as_secs_f64());
    println!("  phone time             {:.2} s (requests x {LATENCY_MS} ms)", phone.as_secs_f64());
    println!(
        "  declared waits         {:.2} s (delay_ms and quiet_ms waits of the cases that ran)",
        declared.as_secs_f64()
    );
    println!("  ratio                  {ratio:.3} (wall / phone time)");
    println!("  ratio without waits    {ratio_without:.3} (target <= 1.1)");
}

/// The waits the suites declare, in the cases that ran (they sent at least one request):
/// every `delay_ms`, and the part of a `quiet_ms` window the run really waited. The latter
/// is the case's time not spent in requests nor in its delays, capped at the window (it
/// also holds the runner's own time in that case, a few milliseconds).
fn declared_waits(record: &RunRecord) -> Duration {
    let catalogue = Catalogue::embedded().expect("built-in catalogue");
    let Ok(profile) = catalogue.profile(&record.profile) else {
        return Duration::ZERO;
    };
    let cases = catalogue.cases_for(profile);
    let ms: u64 = record
        .cases
        .iter()
        .filter(|r| !r.exchanges.is_empty())
        .filter_map(|r| cases.iter().find(|c| c.id == r.id).map(|c| (r, c)))
        .map(|(r, c)| {
            let delays: u64 = c.steps.iter().filter_map(|s| s.delay_ms).sum();
            let quiet: u64 = c.steps.iter().filter_map(|s| s.quiet_ms).sum();
            let in_requests: u64 = r.exchanges.iter().map(|e| e.elapsed_ms).sum();
            delays + r.duration_ms.saturating_sub(in_requests + delays).min(quiet)
        })
        .sum();
    Duration::from_millis(ms)
}
