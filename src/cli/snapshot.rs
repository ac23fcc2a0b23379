//! `polyconform snapshot`: record the shape of every safe answer as a baseline under
//! snapshots/NAME/ (see `baseline::capture` for the file workflow).

use super::exit;
use super::target::TargetArgs;
use crate::baseline::capture::{capture, update_mode, valid_name, write_baseline};
use crate::job::{EmulatorSetup, Job, JobError};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Args)]
pub struct SnapshotArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// Baseline name: written to snapshots/NAME/.
    #[arg(long, value_name = "NAME")]
    pub name: String,
    /// Directory that holds the baselines.
    #[arg(long, value_name = "DIR", default_value = "snapshots")]
    pub snapshots: PathBuf,
    /// Built-in emulator only: simulate these faults.
    #[arg(long = "emulator-fault", value_name = "NAME")]
    pub emulator_faults: Vec<String>,
}

/// `polyconform snapshot`.
pub fn snapshot(args: SnapshotArgs) -> ExitCode {
    match record(&args) {
        Ok(summary) => {
            println!("{summary}");
            exit::code(exit::OK)
        }
        Err(message) => {
            eprintln!("error: {message}");
            exit::code(exit::CANNOT_JUDGE)
        }
    }
}

fn record(args: &SnapshotArgs) -> Result<String, String> {
    if !valid_name(&args.name) {
        return Err(format!(
            "baseline name `{}` is not usable as a folder name (hint: letters, digits, `.`, `_` and `-` only, e.g. `trio-5.9.1`)",
            args.name
        ));
    }
    let job =
        Job::open(args.target.job(EmulatorSetup { faults: args.emulator_faults.clone(), ..EmulatorSetup::default() }))
            .map_err(|e| match e {
                JobError::Catalogue(errors) => format!("the data files do not load:\n{errors}"),
                other => other.to_string(),
            })?;
    let dir = args.snapshots.join(&args.name);
    let recorded = job.runtime.block_on(capture(&job.target.device, &job.profile));
    // A shape holds no values, but a firmware could echo anything into an enum field.
    let summary =
        write_baseline(&dir, &job.profile, &recorded, update_mode(), &job.redactor).map_err(|e| e.to_string());
    job.stop();
    summary
}
