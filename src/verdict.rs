//! The verdict ladder every case, finding and report speaks.
//!
//! A verdict grades what the *device* did against what the *manual* says, with the
//! manual's own certainty: FAIL only where the manual is explicit, NON-STRICT where it
//! is ambiguous, INFO where it is silent. A harness that could not judge never produces
//! a verdict about the device: that is [`Verdict::Error`], kept apart everywhere (JUnit
//! `<error>`, exit code 2) so a network fault is never reported as a firmware defect.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Outcome of one case (or one finding inside it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// The device did what the manual requires.
    Pass,
    /// The manual is silent; the behaviour is recorded for the reader.
    Info,
    /// The manual is ambiguous and the device took a reading we did not prefer.
    NonStrict,
    /// The manual is explicit and the device contradicts it.
    Fail,
    /// The case could not run here (missing precondition, not opted in), with a reason.
    NotTested,
    /// A FAIL listed in the waiver file for this profile: shown, not counted.
    Waived,
    /// The harness could not judge (unreachable, TLS, bad data). Never a device verdict.
    Error,
}

impl Verdict {
    /// Every verdict, in the order reports list them.
    pub const ALL: [Verdict; 7] = [
        Verdict::Pass,
        Verdict::Fail,
        Verdict::NonStrict,
        Verdict::Info,
        Verdict::NotTested,
        Verdict::Waived,
        Verdict::Error,
    ];

    /// The label users see (`NON-STRICT`, `NOT-TESTED`, ...).
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Info => "INFO",
            Verdict::NonStrict => "NON-STRICT",
            Verdict::Fail => "FAIL",
            Verdict::NotTested => "NOT-TESTED",
            Verdict::Waived => "WAIVED",
            Verdict::Error => "ERROR",
        }
    }

    /// Severity used to combine findings of one case: the worst finding decides.
    /// ERROR outranks FAIL because a case the harness could not finish was not judged.
    pub fn severity(self) -> u8 {
        match self {
            Verdict::Pass => 0,
            Verdict::Info => 1,
            Verdict::NonStrict => 2,
            Verdict::Waived => 3,
            Verdict::NotTested => 4,
            Verdict::Fail => 5,
            Verdict::Error => 6,
        }
    }

    /// The worse of two verdicts.
    pub fn worst(self, other: Verdict) -> Verdict {
        if other.severity() > self.severity() { other } else { self }
    }

    /// `--strict` reads every ambiguity against the device.
    pub fn strict(self, strict: bool) -> Verdict {
        if strict && self == Verdict::NonStrict { Verdict::Fail } else { self }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// How certain the manual is about a requirement; decides the verdict of a miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Level {
    /// The manual states it plainly: a miss is FAIL.
    Must,
    /// The manual contradicts itself or is vague: a miss is NON-STRICT.
    Ambiguous,
    /// The manual says nothing; real devices decide: a miss is INFO.
    Silent,
}

impl Level {
    /// The verdict given when no acceptable outcome matched.
    pub fn miss(self) -> Verdict {
        match self {
            Level::Must => Verdict::Fail,
            Level::Ambiguous => Verdict::NonStrict,
            Level::Silent => Verdict::Info,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Level::Must => "MUST",
            Level::Ambiguous => "AMBIGUOUS",
            Level::Silent => "SILENT",
        }
    }
}

/// What a finished command concluded, before the command line turns it into an exit code
/// (`cli::exit`): the domain says what happened, the roof says what number that is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conclusion {
    /// Everything asked was judged, and nothing FAILed.
    Clean,
    /// At least one FAIL (or a fuzz finding that fails).
    Failed,
    /// Nothing FAILed, but something could not be judged (ERROR, setup, restore, reports).
    CannotJudge,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worst_prefers_error_over_fail_and_fail_over_non_strict() {
        assert_eq!(Verdict::Pass.worst(Verdict::NonStrict), Verdict::NonStrict);
        assert_eq!(Verdict::Fail.worst(Verdict::NonStrict), Verdict::Fail);
        assert_eq!(Verdict::Fail.worst(Verdict::Error), Verdict::Error);
        assert_eq!(Verdict::Info.worst(Verdict::Pass), Verdict::Info);
    }

    #[test]
    fn strict_turns_only_non_strict_into_fail() {
        assert_eq!(Verdict::NonStrict.strict(true), Verdict::Fail);
        assert_eq!(Verdict::NonStrict.strict(false), Verdict::NonStrict);
        assert_eq!(Verdict::Info.strict(true), Verdict::Info);
    }

    #[test]
    fn level_decides_the_verdict_of_a_miss() {
        assert_eq!(Level::Must.miss(), Verdict::Fail);
        assert_eq!(Level::Ambiguous.miss(), Verdict::NonStrict);
        assert_eq!(Level::Silent.miss(), Verdict::Info);
    }
}
