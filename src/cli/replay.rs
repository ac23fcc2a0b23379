//! `polyconform replay FILE|DIR`: re-send each saved reproducer's minimal request and
//! print STILL FAILING, FIXED or ERROR; exit 1 if any FAIL-level one still fails, 2 if
//! any ERROR and none fails, 0 otherwise. Ctrl-C lets the reproducer under way finish
//! (its request answered, the phone restored) and replays no more: exit 130 (2 if one
//! ended in ERROR).

use super::exit;
use super::fuzz::{at, connect};
use super::target::TargetArgs;
use crate::catalogue::profile::Endpoint;
use crate::fuzz::campaign::{INTERRUPTED, Settings};
use crate::fuzz::replay::{Replayed, replay_one};
use crate::fuzz::repro;
use crate::fuzz::setup;
use crate::fuzz::shrink::ShrinkBudget;
use crate::job::Job;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

#[derive(Debug, Clone, Args)]
pub struct ReplayArgs {
    /// A reproducer file, or a directory of them.
    #[arg(value_name = "FILE|DIR")]
    pub path: PathBuf,
    #[command(flatten)]
    pub target: TargetArgs,
    /// Built-in emulator only: simulate these faults.
    #[arg(long = "emulator-fault", value_name = "NAME")]
    pub emulator_faults: Vec<String>,
}

pub fn replay(args: ReplayArgs) -> ExitCode {
    let files = match repro::load(&args.path) {
        Ok(f) if f.is_empty() => {
            eprintln!("error: no reproducer (*.json) in `{}`", args.path.display());
            return exit::code(exit::CANNOT_JUDGE);
        }
        Ok(f) => f,
        Err(msg) => {
            eprintln!("error: {msg}");
            return exit::code(exit::CANNOT_JUDGE);
        }
    };
    let (job, _engine) = match connect(&args.target, &args.emulator_faults, &[]) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let Job { catalogue, profile, runtime, target, redactor } = &job;
    // A replay sends what the user saved, mutating endpoints included (with the restore
    // wrap); destructive ones are refused in `replay_one`.
    let endpoints: Vec<Endpoint> = profile.endpoints.iter().filter(|e| !e.safety.needs_opt_in()).cloned().collect();
    let campaign = setup::campaign(
        catalogue,
        profile,
        at(target),
        endpoints,
        redactor,
        Settings {
            seed: 0,
            max_cases: Some(0),
            max_duration: None,
            out_dir: PathBuf::new(),
            shrink: ShrinkBudget::default(),
            health_every: setup::HEALTH_EVERY,
            recovery: setup::RECOVERY,
        },
    );
    job.on_ctrl_c(async {
        eprintln!("\ninterrupted: finishing the reproducer under way and restoring the phone...");
        INTERRUPTED.store(true, Ordering::Relaxed);
    });
    println!("replay: {} reproducer{} against {}", files.len(), if files.len() == 1 { "" } else { "s" }, target.label);
    let (mut failing, mut errors, mut fixed, mut replayed) = (0, 0, 0, 0);
    runtime.block_on(async {
        for (path, loaded) in &files {
            if INTERRUPTED.load(Ordering::Relaxed) {
                break;
            }
            replayed += 1;
            let result = match loaded {
                Ok(r) => {
                    let outcome = replay_one(&campaign, r).await;
                    println!("{}", redactor.redact(&format!("{}  ({})", outcome.line(r), path.display())));
                    outcome
                }
                Err(e) => {
                    println!("ERROR          {}: {}", e.path.display(), e.message);
                    Replayed::Error(e.message.clone())
                }
            };
            match result {
                r if r.is_failure() => failing += 1,
                Replayed::Error(_) => errors += 1,
                Replayed::Fixed { .. } => fixed += 1,
                Replayed::StillFailing { .. } => {}
            }
        }
    });
    let interrupted = INTERRUPTED.load(Ordering::Relaxed);
    println!(
        "replay: {}{} reproducer{}: {failing} still failing, {fixed} fixed, {errors} error{}{}",
        if replayed < files.len() { format!("{replayed} of ") } else { String::new() },
        files.len(),
        if files.len() == 1 { "" } else { "s" },
        if errors == 1 { "" } else { "s" },
        if interrupted { " (interrupted)" } else { "" }
    );
    drop(campaign);
    job.stop();
    if interrupted {
        // As `fuzz`: 130 when every reproducer sent could be judged (and so restored), else 2.
        exit::code(if errors > 0 { exit::CANNOT_JUDGE } else { exit::INTERRUPTED })
    } else if failing > 0 {
        exit::code(exit::FAILED)
    } else if errors > 0 {
        exit::code(exit::CANNOT_JUDGE)
    } else {
        exit::code(exit::OK)
    }
}
