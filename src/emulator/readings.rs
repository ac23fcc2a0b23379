//! The other readings of the manual, played on purpose.
//!
//! Where the manual is ambiguous or silent, the suites prefer one reading and an erratum
//! of `suites/errata.toml` records the decision. A phone that takes the *other* reading is
//! still conformant: the harness may grade it NON-STRICT or INFO, never FAIL. Our own
//! emulator plays the preferred reading by default, so a clean run cannot show a rule that
//! only our emulator satisfies; each reading here makes it play the other one, so a test
//! can prove that reading never earns a FAIL (`polyconform emulate --reading NAME`,
//! `--reading all-other`).
//!
//! The names are the contract with `suites/errata.toml`: each `ambiguous` or `silent`
//! erratum names its reading there, with a one-line `plays` that `--list-readings` prints.
//! This file only maps names to behaviour; a test checks that both lists agree. Readings,
//! like faults, live in one atomic bit set read on every request without a lock.

use std::sync::atomic::{AtomicU64, Ordering};

macro_rules! readings {
    ($($variant:ident => $name:literal @ $erratum:literal,)*) => {
        /// One reading the emulator can play; the variant order is its bit.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        #[repr(u8)]
        pub enum Reading {
            $($variant,)*
        }

        /// Every reading, in bit order.
        pub const ALL: &[Reading] = &[$(Reading::$variant,)*];

        impl Reading {
            /// The name errata and the command line use.
            pub fn name(self) -> &'static str {
                match self {
                    $(Reading::$variant => $name,)*
                }
            }

            /// The erratum whose other reading this is (errata.toml names it back).
            pub fn erratum(self) -> &'static str {
                match self {
                    $(Reading::$variant => $erratum,)*
                }
            }
        }
    };
}

readings! {
    HoldCallPathAsPrinted => "hold-call-path-as-printed" @ "E01",
    SkypeSignInPathAsPrinted => "skype-sign-in-path-as-printed" @ "E02",
    ModelNumberAsPrinted => "model-number-as-printed" @ "E03",
    ResumeCallRequiresRef => "resume-call-requires-ref" @ "E04",
    CallRefRequired => "call-ref-required" @ "E05",
    RestartReboots => "restart-reboots" @ "E06",
    StatusAsNumber => "status-as-number" @ "E07",
    SizeLimit20000 => "size-limit-20000" @ "E08",
    LineIdAsPrinted => "line-id-as-printed" @ "E10",
    ConfigGetAsPrinted => "config-get-as-printed" @ "E11",
    DeviceTypeAsPrinted => "device-type-as-printed" @ "E12",
    VendorAsPrinted => "vendor-as-printed" @ "E13",
    DurationNamesSwapped => "duration-names-swapped" @ "E14",
    NetworkInfoLaterSpellings => "network-info-later-spellings" @ "E15",
    CallLogListsCapitalised => "call-log-lists-capitalised" @ "E16",
    CountersAsNumbers => "counters-as-numbers" @ "E17",
    VvxBorrowedTextDiffers => "vvx-borrowed-text-differs" @ "E19",
    SimulateHookTakesNoInput => "simulate-hook-takes-no-input" @ "E20",
    CallLogsPathAsPrinted => "call-logs-path-as-printed" @ "E21",
    Status6xCodes => "status-6x-codes" @ "E23",
    UnknownPathErrorStatus => "unknown-path-error-status" @ "E24",
    StatusOutsideList => "status-outside-list" @ "E25",
    IgnoreCallPathAsPrinted => "ignore-call-path-as-printed" @ "E27",
    ExportRefusesWith5000 => "export-refuses-with-5000" @ "E28",
    LineInfoRefusesQuery => "line-info-refuses-query" @ "E29",
    LineInfoV2UnknownLine4005 => "line-info-v2-unknown-line-4005" @ "E30",
    NetworkInfoAsPrinted => "network-info-as-printed" @ "E31",
    UnquotedValuesAsPrinted => "unquoted-values-as-printed" @ "E32",
    UptimeOtherFormat => "uptime-other-format" @ "E33",
    HandlesOtherForm => "handles-other-form" @ "E34",
    MuteMemberCapitalised => "mute-member-capitalised" @ "E35",
    KeyNamesAny => "key-names-any" @ "E36",
    TextInputRequiresReplaceText => "text-input-requires-replace-text" @ "E37",
    SkypeDomainOptional => "skype-domain-optional" @ "E38",
    PresenceSupported => "presence-supported" @ "E39",
    ValuesLowerCase => "values-lower-case" @ "E40",
    ExamplePathsAsPrinted => "example-paths-as-printed" @ "E41",
    DeviceStatsAsPrinted => "device-stats-as-printed" @ "E42",
    DtmfMemberLowerCase => "dtmf-member-lower-case" @ "E43",
    FirmwareAsPrinted => "firmware-as-printed" @ "E44",
    LocationNamesAsPrinted => "location-names-as-printed" @ "E45",
    FailureHttpStatus => "failure-http-status" @ "E48",
    IdleCallStatusV2NoCall => "idle-call-status-v2-4007" @ "E49",
    UnknownMethod501 => "unknown-method-501" @ "E50",
    PollForStatus3000 => "poll-for-status-3000" @ "E51",
    QueueSlowly => "queue-slowly" @ "E52",
    ShapesManualAllows => "shapes-manual-allows" @ "E53",
    ValuesOutsideListsAccepted => "values-outside-lists-accepted" @ "E54",
    IdleCallStatusV1Success => "idle-call-status-v1-2000" @ "E55",
    RefusalsWith5000 => "refusals-with-5000" @ "E56",
}

impl Reading {
    /// The reading with this name.
    pub fn from_name(name: &str) -> Option<Reading> {
        ALL.iter().copied().find(|r| r.name() == name)
    }

    fn bit(self) -> u64 {
        1 << (self as u8)
    }
}

/// Parse reading names; an unknown name is an error that lists the known ones.
pub fn parse_readings(names: &[String]) -> Result<u64, String> {
    let mut bits = 0;
    let mut unknown = Vec::new();
    for name in names {
        match Reading::from_name(name.trim()) {
            Some(r) => bits |= r.bit(),
            None => unknown.push(name.as_str()),
        }
    }
    if unknown.is_empty() {
        return Ok(bits);
    }
    let known: Vec<&str> = ALL.iter().map(|r| r.name()).collect();
    let mut msg = format!(
        "unknown reading{} `{}` (`polyconform emulate --list-readings` lists them)",
        if unknown.len() > 1 { "s" } else { "" },
        unknown.join("`, `")
    );
    if let [one] = unknown.as_slice()
        && let Some(near) = crate::catalogue::error::did_you_mean(one, known.iter().copied())
    {
        msg.push_str(&format!("\n(hint: did you mean `{near}`?)"));
    }
    Err(msg)
}

/// What `--reading` names on a profile: every name checked, `all-other` expanded to every
/// reading whose erratum is about this profile's manual. A reading of an erratum about the
/// other manual only (E13 is Trio's, E20 VVX's) is refused: the phone cannot take it.
pub fn resolve(
    catalogue: &crate::catalogue::Catalogue,
    profile: &str,
    names: &[String],
) -> Result<Vec<String>, String> {
    let mut out: Vec<String> = Vec::new();
    for name in names {
        let name = name.trim();
        if name == ALL_OTHER {
            for r in ALL {
                if erratum_of(catalogue, *r).is_some_and(|e| e.applies_to(profile))
                    && !out.iter().any(|n| n == r.name())
                {
                    out.push(r.name().to_string());
                }
            }
            continue;
        }
        let Some(reading) = Reading::from_name(name) else {
            parse_readings(&[name.to_string()])?;
            continue;
        };
        match erratum_of(catalogue, reading) {
            Some(e) if !e.applies_to(profile) => {
                return Err(format!(
                    "reading `{name}` plays erratum {}, which is about {} only, not `{profile}` (hint: `polyconform emulate --list-readings` shows each reading's profiles)",
                    e.id,
                    e.manuals.join(", ")
                ));
            }
            _ => {}
        }
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    Ok(out)
}

/// `--reading all-other`: every reading of the profile at once.
pub const ALL_OTHER: &str = "all-other";

fn erratum_of(catalogue: &crate::catalogue::Catalogue, reading: Reading) -> Option<&crate::catalogue::Erratum> {
    catalogue.errata.iter().find(|e| e.id == reading.erratum())
}

/// The readings played right now; read on every request, written rarely.
#[derive(Debug, Default)]
pub struct ReadingSet(AtomicU64);

impl ReadingSet {
    pub fn new(bits: u64) -> Self {
        ReadingSet(AtomicU64::new(bits))
    }

    pub fn set(&self, bits: u64) {
        self.0.store(bits, Ordering::Relaxed);
    }

    pub fn has(&self, reading: Reading) -> bool {
        self.0.load(Ordering::Relaxed) & reading.bit() != 0
    }

    /// Whether no reading is played (the preferred phone).
    pub fn is_empty(&self) -> bool {
        self.0.load(Ordering::Relaxed) == 0
    }

    /// Names of the readings played, in bit order.
    pub fn names(&self) -> Vec<&'static str> {
        let bits = self.0.load(Ordering::Relaxed);
        ALL.iter().filter(|r| bits & r.bit() != 0).map(|r| r.name()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::verdict::Level;

    #[test]
    fn names_are_unique_and_fit_the_bit_set() {
        assert!(ALL.len() <= 64);
        let mut names: Vec<&str> = ALL.iter().map(|r| r.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), ALL.len());
        for r in ALL {
            assert_eq!(Reading::from_name(r.name()), Some(*r));
        }
    }

    /// The errata file and this table name the same readings, one erratum each: a reading
    /// nobody cites tests nothing, an erratum whose reading is not played is not executable.
    #[test]
    fn every_erratum_reading_is_played_and_every_reading_has_its_erratum() {
        let catalogue = Catalogue::embedded().expect("embedded catalogue");
        let mut cited = Vec::new();
        for e in &catalogue.errata {
            match (e.verdict, &e.reading) {
                (Level::Must, _) => {}
                (_, Some(name)) => {
                    let played = Reading::from_name(name);
                    assert!(
                        played.is_some(),
                        "erratum {} names reading `{name}`, which the emulator does not play",
                        e.id
                    );
                    assert_eq!(
                        played.map(Reading::erratum),
                        Some(e.id.as_str()),
                        "reading `{name}` belongs to another erratum"
                    );
                    cited.push(name.clone());
                }
                (_, None) => panic!("erratum {} ({:?}) names no reading", e.id, e.verdict),
            }
        }
        for r in ALL {
            assert_eq!(
                cited.iter().filter(|n| *n == r.name()).count(),
                1,
                "reading `{}` must be named by exactly one erratum",
                r.name()
            );
        }
    }

    #[test]
    fn unknown_names_get_a_hint() {
        let err = parse_readings(&["status-as-numbr".into()]).unwrap_err();
        assert!(err.contains("did you mean `status-as-number`"), "{err}");
        let set = ReadingSet::new(parse_readings(&["queue-slowly".into(), "status-as-number".into()]).unwrap());
        assert!(set.has(Reading::QueueSlowly) && !set.has(Reading::FailureHttpStatus));
        assert_eq!(set.names(), vec!["status-as-number", "queue-slowly"]);
    }
}
