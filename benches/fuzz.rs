//! Fuzz throughput against the in-process emulator on loopback, next to the physical
//! limit of one-in-flight testing: the emulator's rate for sequential keep-alive GETs
//! on one connection through the same client. `cargo bench --bench fuzz`.
//!
//! Prints, for each profile: the raw GET rate, the fuzz campaign's cases per second
//! (generation, intent classification with schema validation, sending, judging, routine
//! health checks), the ratio of the two (target: at least 50 %), and the generator alone.

use polyconform::catalogue::Catalogue;
use polyconform::device::WireRequest;
use polyconform::fuzz::campaign::{Campaign, Settings};
use polyconform::fuzz::generator::Generator;
use polyconform::fuzz::progress::Ticker;
use polyconform::fuzz::request_schema::SchemaDocs;
use polyconform::fuzz::restore::Restorer;
use polyconform::fuzz::setup::select_endpoints;
use polyconform::fuzz::shrink::ShrinkBudget;
use polyconform::job::TargetOptions;
use polyconform::report::redact::Redactor;
use std::time::{Duration, Instant};

const WINDOW: Duration = Duration::from_secs(5);

fn main() {
    let catalogue = Catalogue::embedded().expect("the built-in catalogue loads");
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    println!(
        "fuzz throughput, in-process emulator on 127.0.0.1, one request in flight, {} s windows",
        WINDOW.as_secs()
    );
    for profile_id in ["trio-5.9.1", "vvx-5.9.0"] {
        let profile = catalogue.profile(profile_id).expect("profile").clone();
        let args = TargetOptions::builtin();
        let target = runtime
            .block_on(polyconform::job::target::connect(&args, &profile, &[], false))
            .expect("the emulator starts");
        let device = target.device.clone();

        // The physical limit: sequential keep-alive GETs through the same gated client.
        let path = profile.endpoint("mgmt.device-info").map(|e| e.path.clone()).unwrap_or_default();
        let raw = runtime.block_on(async {
            for _ in 0..200 {
                device.send("warm-up", WireRequest::get(&path)).await;
            }
            let started = Instant::now();
            let mut n = 0u64;
            while started.elapsed() < WINDOW {
                device.send("raw", WireRequest::get(&path)).await;
                n += 1;
            }
            n as f64 / started.elapsed().as_secs_f64()
        });

        let endpoints = select_endpoints(&profile, &[], false).expect("safe endpoints");
        let out_dir = std::env::temp_dir().join(format!("polyconform-bench-fuzz-{}", std::process::id()));
        let campaign = Campaign {
            device: device.clone(),
            profile: &profile,
            schemas: &catalogue.schemas,
            docs: SchemaDocs::from_set(&catalogue.schemas),
            endpoints: endpoints.clone(),
            restorer: Restorer::new(device.clone(), profile.clone()),
            label: "builtin-emulator".into(),
            curl_base: "http://127.0.0.1:PORT".into(),
            insecure: false,
            username: "Polycom".into(),
            redactor: Redactor::new("Polycom", &target.password),
            settings: Settings {
                seed: 1,
                max_cases: None,
                max_duration: Some(WINDOW),
                out_dir: out_dir.clone(),
                shrink: ShrinkBudget::default(),
                health_every: 25,
                recovery: Duration::from_secs(5),
            },
        };
        let mut ticker = Ticker::new();
        let summary = runtime.block_on(campaign.run(&mut ticker));
        ticker.finish();
        let fuzz = summary.cases as f64 / summary.elapsed.as_secs_f64();
        let _ = std::fs::remove_dir_all(&out_dir);

        let mut generator =
            Generator::new(SchemaDocs::from_set(&catalogue.schemas), profile.limits.clone(), &endpoints, 1);
        let started = Instant::now();
        let mut generated = 0u64;
        while started.elapsed() < Duration::from_secs(2) {
            std::hint::black_box(generator.next_case());
            generated += 1;
        }
        let generation = generated as f64 / started.elapsed().as_secs_f64();

        println!("{profile_id}:");
        println!("  raw GET device/info, keep-alive, one connection: {raw:>9.0} requests/s");
        println!(
            "  fuzz campaign ({} safe endpoints, seed 1):      {fuzz:>9.0} cases/s  ({} cases, {} findings)",
            endpoints.len(),
            summary.cases,
            summary.findings.len()
        );
        println!("  ratio fuzz / raw:                                {:>9.1} %  (target >= 50 %)", 100.0 * fuzz / raw);
        println!("  generator alone (no sending):                    {generation:>9.0} cases/s");
        if let Some(emulator) = target.emulator {
            runtime.block_on(emulator.stop());
        }
    }
}
