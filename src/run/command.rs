//! `polyconform run`.

use crate::cli::RunArgs;
use std::process::ExitCode;

pub fn run(_args: RunArgs) -> ExitCode {
    eprintln!("error: `polyconform run` is not built yet");
    crate::exit::code(crate::exit::CANNOT_JUDGE)
}
