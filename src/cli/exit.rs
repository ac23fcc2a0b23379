//! Exit codes, documented once, and how a command that could not start ends. Scripts
//! and CI act on them.

use crate::job::JobError;
use crate::verdict::Conclusion;
use std::process::ExitCode;

/// No FAIL (and, for fuzz, no finding; for diff, no difference).
pub const OK: u8 = 0;
/// At least one FAIL, or a fuzz finding.
pub const FAILED: u8 = 1;
/// `diff`: the two sides differ (at least one difference). The same number as [`FAILED`]:
/// scripts read 1 as "look at the findings".
pub const DIFFERS: u8 = 1;
/// Could not judge: usage error, bad data file, target unreachable, TLS failure; for
/// `diff`, not comparable (also an unreadable report, or a case ERROR on one side only).
pub const CANNOT_JUDGE: u8 = 2;
/// `run` and `fuzz` interrupted by Ctrl-C, the phone put back and the reports of what ran
/// written (marked interrupted); 2 instead when the phone could not be put back. A
/// second Ctrl-C exits 130 at once, without restoring.
pub const INTERRUPTED: u8 = 130;

pub fn code(c: u8) -> ExitCode {
    ExitCode::from(c)
}

/// The number a conclusion exits with.
pub fn of(conclusion: Conclusion) -> u8 {
    match conclusion {
        Conclusion::Clean => OK,
        Conclusion::Failed => FAILED,
        Conclusion::CannotJudge => CANNOT_JUDGE,
    }
}

/// Print why the setup failed (catalogue errors carry their own `error:` lines) and
/// give "could not judge".
pub fn setup_failed(e: &JobError) -> ExitCode {
    if e.is_prefixed() {
        eprintln!("{e}");
    } else {
        eprintln!("error: {e}");
    }
    code(CANNOT_JUDGE)
}

/// Print an error line and give "could not judge".
pub fn cannot_judge(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    code(CANNOT_JUDGE)
}

/// A command line clap refused (or `--help`/`--version`): print clap's text; usage errors
/// are "could not judge" (2), as clap's own default, help and version are 0.
pub fn usage(e: &clap::Error) -> ExitCode {
    let _ = e.print();
    code(if e.use_stderr() { CANNOT_JUDGE } else { OK })
}
