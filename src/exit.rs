//! Exit codes, documented once. Scripts and CI act on them.

use std::process::ExitCode;

/// No FAIL (and, for fuzz, no finding).
pub const OK: u8 = 0;
/// At least one FAIL, or a fuzz finding.
pub const FAILED: u8 = 1;
/// Could not judge: usage error, bad data file, target unreachable, TLS failure.
pub const CANNOT_JUDGE: u8 = 2;

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}
