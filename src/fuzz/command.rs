//! `polyconform fuzz` and `polyconform replay`.

use crate::cli::{FuzzArgs, ReplayArgs};
use std::process::ExitCode;

pub fn fuzz(_args: FuzzArgs) -> ExitCode {
    eprintln!("error: `polyconform fuzz` is not built yet");
    crate::exit::code(crate::exit::CANNOT_JUDGE)
}

pub fn replay(_args: ReplayArgs) -> ExitCode {
    eprintln!("error: `polyconform replay` is not built yet");
    crate::exit::code(crate::exit::CANNOT_JUDGE)
}
