//! `polyconform snapshot`: response-shape baselines.

use crate::cli::SnapshotArgs;
use std::process::ExitCode;

pub fn command(_args: SnapshotArgs) -> ExitCode {
    eprintln!("error: `polyconform snapshot` is not built yet");
    crate::exit::code(crate::exit::CANNOT_JUDGE)
}
