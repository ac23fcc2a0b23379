//! `polyconform emulate`.

use crate::cli::EmulateArgs;
use std::process::ExitCode;

pub fn emulate(_args: EmulateArgs) -> ExitCode {
    eprintln!("error: `polyconform emulate` is not built yet");
    crate::exit::code(crate::exit::CANNOT_JUDGE)
}
