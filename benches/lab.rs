//! Lab-run scaling: 200 emulated phones in this process, each with 20 ms of latency per
//! request, run as one lab run (history in SQLite, reservations, reports), against the
//! same lab run with a single phone.
//!
//! Targets: the 200-phone run takes at most 1.5× the single phone's wall time (phones
//! run concurrently; the gate keeps one request in flight per phone), and the peak
//! resident memory (VmHWM) stays under 300 MB. Figures are printed, not asserted
//! (speed is measured here, never in tests).
//!
//! `cargo bench --bench lab` (POLYCONFORM_BENCH_PHONES=N changes the fleet size;
//! POLYCONFORM_BENCH_STAGES=1 prints the resident memory at each stage).

use polyconform::catalogue::Catalogue;
use polyconform::emulator::{Emulator, EmulatorConfig};
use polyconform::lab::fleet::SuiteChoice;
use polyconform::lab::fleet::{Fleet, FleetOptions, lab_redactor};
use polyconform::lab::history::LabMeta;
use polyconform::lab::inventory::Inventory;
use polyconform::lab::report::DeviceState;
use polyconform::lab::reservation::{Reservations, holder_id};
use polyconform::verdict::Verdict;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PASSWORD: &str = "bench-lab-pw";
const LATENCY: Duration = Duration::from_millis(20);

fn main() {
    let phones: usize = std::env::var("POLYCONFORM_BENCH_PHONES").ok().and_then(|s| s.parse().ok()).unwrap_or(200);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("tokio runtime");
    let catalogue = Arc::new(Catalogue::embedded().expect("embedded catalogue"));
    let root = std::env::temp_dir().join(format!("polyconform-bench-lab-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);

    println!(
        "lab bench: trio-5.9.1 emulators in-process, {} ms latency per request, every non-destructive case",
        LATENCY.as_millis()
    );
    let single = runtime.block_on(lab_run(&catalogue, 1, &root.join("single")));
    let after_single = vm_hwm_kb();
    let fleet = runtime.block_on(lab_run(&catalogue, phones, &root.join("fleet")));
    let peak = vm_hwm_kb();

    println!("  1 phone:    {:>7.1} s wall, {} case(s)", single.wall.as_secs_f64(), single.cases);
    println!(
        "  {phones} phones: {:>7.1} s wall, {} case(s), {} COMPLETED, {} FAIL, {} ERROR",
        fleet.wall.as_secs_f64(),
        fleet.cases,
        fleet.completed,
        fleet.fails,
        fleet.errors
    );
    let ratio = fleet.wall.as_secs_f64() / single.wall.as_secs_f64().max(1e-9);
    println!("  ratio:      {ratio:>7.2}x   (target <= 1.5x: {})", if ratio <= 1.5 { "met" } else { "MISSED" });
    let peak_mb = peak.unwrap_or(0) as f64 / 1024.0;
    println!(
        "  peak RSS:   {peak_mb:>7.1} MB (VmHWM; after the single-phone run {:.1} MB)   (target < 300 MB: {})",
        after_single.unwrap_or(0) as f64 / 1024.0,
        if peak.is_some() && peak_mb < 300.0 { "met" } else { "MISSED" }
    );
    let _ = std::fs::remove_dir_all(&root);
}

struct Figures {
    wall: Duration,
    cases: usize,
    completed: usize,
    fails: usize,
    errors: usize,
}

async fn lab_run(catalogue: &Arc<Catalogue>, phones: usize, dir: &Path) -> Figures {
    std::fs::create_dir_all(dir).expect("bench directory");
    let profile = catalogue.profile("trio-5.9.1").expect("trio profile").clone();
    let mut emulators = Vec::with_capacity(phones);
    let mut inventory =
        String::from("[defaults]\nprofile = \"trio-5.9.1\"\npassword_env = \"BENCH_PW\"\ncontrol = true\n");
    for i in 0..phones {
        let mut config = EmulatorConfig::new(profile.clone());
        config.password = PASSWORD.into();
        config.latency = LATENCY;
        config.control = true;
        let emu = Emulator::start(config).await.expect("emulator starts");
        inventory.push_str(&format!("\n[[device]]\nname = \"phone-{i:03}\"\ntarget = \"{}\"\n", emu.url()));
        emulators.push(emu);
    }
    if std::env::var_os("POLYCONFORM_BENCH_STAGES").is_some() {
        println!(
            "  [{phones} phone(s)] RSS with the emulators started: {:.1} MB",
            vm_rss_kb().unwrap_or(0) as f64 / 1024.0
        );
    }
    let path: PathBuf = dir.join("lab.toml");
    std::fs::write(&path, &inventory).expect("inventory written");
    let profiles: Vec<&str> = catalogue.profiles.iter().map(|p| p.id.as_str()).collect();
    let inv = Arc::new(
        Inventory::parse(&path, &inventory, &profiles, &|_| Some(PASSWORD.to_string())).expect("inventory parses"),
    );
    let names: Vec<String> = inv.devices.iter().map(|d| d.name.clone()).collect();

    let started = Instant::now();
    let db = polyconform::lab::database::Database::open(inv.default_db().to_str().expect("utf-8 path"))
        .await
        .expect("history database");
    let run_id = format!("bench-{phones}");
    let meta = LabMeta {
        run_id: run_id.clone(),
        started_at: polyconform::record::clock::now_rfc3339(),
        started_ms: polyconform::record::clock::now_ms(),
        inventory: None,
    };
    let options = FleetOptions {
        suite: SuiteChoice::Run,
        fuzz_duration: Duration::ZERO,
        max_devices: phones,
        partition: None,
        case_partition: None,
        filters: vec![],
        skips: vec![],
        report_dir: dir.join("reports"),
        progress: None,
    };
    let reservations =
        Reservations::new(inv.lock_dir(), Some(db.clone()), holder_id(&run_id), Duration::from_secs(600));
    let fleet = Arc::new(
        Fleet::new(catalogue.clone(), inv.clone(), reservations, Some(db), meta, options).expect("fleet threads"),
    );
    let report = fleet.run(&names).await;
    report.write(&dir.join("reports"), &lab_redactor(&inv)).expect("combined report written");
    let wall = started.elapsed();
    if std::env::var_os("POLYCONFORM_BENCH_STAGES").is_some() {
        println!(
            "  [{phones} phone(s)] RSS after the run, report in memory: {:.1} MB",
            vm_rss_kb().unwrap_or(0) as f64 / 1024.0
        );
    }

    for e in emulators {
        e.stop().await;
    }
    Figures {
        wall,
        cases: report.devices.iter().filter_map(|d| d.record.as_ref()).map(|r| r.cases.len()).sum(),
        completed: report.devices.iter().filter(|d| d.state == DeviceState::Completed).count(),
        fails: report.devices.iter().map(|d| d.count(Verdict::Fail)).sum(),
        errors: report.devices.iter().map(|d| d.count(Verdict::Error)).sum(),
    }
}

/// Peak resident set size of this process, in kB (Linux).
fn vm_hwm_kb() -> Option<u64> {
    status_kb("VmHWM:")
}

/// Current resident set size, in kB (POLYCONFORM_BENCH_STAGES=1 prints it at each stage).
fn vm_rss_kb() -> Option<u64> {
    status_kb("VmRSS:")
}

fn status_kb(key: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok()
}
