//! Every deliberate misbehaviour of the emulator, in one place.
//!
//! A fault makes the reference phone break one rule of the manual so the harness can
//! prove it notices: `polyconform run --emulator-fault size-limit-missing` must end with
//! a FAIL in family `size`. The names are a contract shared with the suites, the runner,
//! the fuzzer and the reports; the table below is the only place that lists them. Faults
//! are switched at run time (`Emulator::set_faults`, `PUT /control/faults`), so they live
//! in one atomic bit set read on every request without a lock.

use std::sync::atomic::{AtomicU64, Ordering};

/// One fault as `--list-faults` prints it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FaultInfo {
    /// Stable name used on the command line (`--fault NAME`).
    pub name: &'static str,
    /// Label of the rule family (`catalogue::case::Family::label`) whose cases should FAIL.
    pub family: &'static str,
    /// What the phone does wrong, in one line.
    pub description: &'static str,
}

/// The faults, in the order of the shared brief. The position is the bit in [`FaultSet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    ContentTypeIgnored,
    SizeLimitMissing,
    SizeLimitLow,
    Parallel500,
    ParallelDrop,
    AuthNoneAccepted,
    AuthWrongPasswordAccepted,
    StatusUndocumented,
    MissingStatus,
    ParamsLimitMissing,
    ParamsEmptyAccepted,
    MissingFieldAccepted,
    NoCall2000,
    BgcaptureNoRateLimit,
    ManualContentTypeRefused,
    MissingField,
    RetypedField,
    NonJsonBody,
    MuteNotReflected,
    DialNotReflected,
    HoldNotReflected,
    CallNotLogged,
    ConfigSetNotApplied,
    WrongMethodAccepted,
    UnknownPath200,
    CrashOnDeepNesting,
    CrashOnNullData,
    HangOnLongString,
    ResetOnNonUtf8,
    ShapeAddedField,
    AttachedHardwareArray,
    CallLogsMethodCet,
    DialRequiresLine,
    AnswerNotReflected,
}

const ALL: [Fault; 34] = [
    Fault::ContentTypeIgnored,
    Fault::SizeLimitMissing,
    Fault::SizeLimitLow,
    Fault::Parallel500,
    Fault::ParallelDrop,
    Fault::AuthNoneAccepted,
    Fault::AuthWrongPasswordAccepted,
    Fault::StatusUndocumented,
    Fault::MissingStatus,
    Fault::ParamsLimitMissing,
    Fault::ParamsEmptyAccepted,
    Fault::MissingFieldAccepted,
    Fault::NoCall2000,
    Fault::BgcaptureNoRateLimit,
    Fault::ManualContentTypeRefused,
    Fault::MissingField,
    Fault::RetypedField,
    Fault::NonJsonBody,
    Fault::MuteNotReflected,
    Fault::DialNotReflected,
    Fault::HoldNotReflected,
    Fault::CallNotLogged,
    Fault::ConfigSetNotApplied,
    Fault::WrongMethodAccepted,
    Fault::UnknownPath200,
    Fault::CrashOnDeepNesting,
    Fault::CrashOnNullData,
    Fault::HangOnLongString,
    Fault::ResetOnNonUtf8,
    Fault::ShapeAddedField,
    Fault::AttachedHardwareArray,
    Fault::CallLogsMethodCet,
    Fault::DialRequiresLine,
    Fault::AnswerNotReflected,
];

static TABLE: [FaultInfo; 34] = [
    FaultInfo {
        name: "content-type-ignored",
        family: "content-type",
        description: "POST without application/json is processed (no HTTP 400)",
    },
    FaultInfo { name: "size-limit-missing", family: "size", description: "bodies of any size accepted (no 413)" },
    FaultInfo { name: "size-limit-low", family: "size", description: "413 already for bodies over 10000 bytes" },
    FaultInfo {
        name: "parallel-500",
        family: "parallel",
        description: "a request arriving while another is processed gets HTTP 500",
    },
    FaultInfo {
        name: "parallel-drop",
        family: "parallel",
        description: "a request arriving while another is processed has its connection dropped",
    },
    FaultInfo { name: "auth-none-accepted", family: "auth", description: "requests without Authorization are served" },
    FaultInfo { name: "auth-wrong-password-accepted", family: "auth", description: "a wrong password is served" },
    FaultInfo {
        name: "status-undocumented",
        family: "api-status",
        description: "v1 callStatus with no call answers Status \"4999\" instead of \"4007\"",
    },
    FaultInfo {
        name: "missing-status",
        family: "api-status",
        description: "device/info (v1) answers without a Status member",
    },
    FaultInfo {
        name: "params-limit-missing",
        family: "params",
        description: "21+ parameters in config/get or config/set answer 2000 instead of 4009",
    },
    FaultInfo {
        name: "params-empty-accepted",
        family: "params",
        description: "0 parameters in config/get or config/set answer 2000 instead of 4000",
    },
    FaultInfo {
        name: "missing-field-accepted",
        family: "input",
        description: "dial without Dest answers 2000 instead of 4000",
    },
    FaultInfo {
        name: "no-call-2000",
        family: "state",
        description: "endCall/mute/hold with no such call answer 2000 instead of 4007",
    },
    FaultInfo {
        name: "bgcapture-no-rate-limit",
        family: "timing",
        description: "uploadBgCapture within 10 s of the previous one answers 2000 (Trio)",
    },
    FaultInfo {
        name: "manual-content-type-refused",
        family: "content-type",
        description: "a POST labelled application/JSON, the manual's own spelling, gets HTTP 400 (media type compared case-sensitively)",
    },
    FaultInfo { name: "missing-field", family: "schema", description: "device/info (v1) answers without ModelNumber" },
    FaultInfo {
        name: "retyped-field",
        family: "schema",
        description: "lineInfo (v1) answers data as an object instead of an array",
    },
    FaultInfo {
        name: "non-json-body",
        family: "schema",
        description: "network/info answers an HTML page with HTTP 200",
    },
    FaultInfo {
        name: "mute-not-reflected",
        family: "flow",
        description: "mute answers 2000 but call status keeps Muted \"0\"",
    },
    FaultInfo { name: "dial-not-reflected", family: "flow", description: "dial answers 2000 but no call appears" },
    FaultInfo {
        name: "hold-not-reflected",
        family: "flow",
        description: "hold answers 2000 but the call stays Connected",
    },
    FaultInfo { name: "call-not-logged", family: "flow", description: "ended calls never reach the call logs" },
    FaultInfo {
        name: "config-set-not-applied",
        family: "flow",
        description: "config/set answers 2000 but config/get shows the old value",
    },
    FaultInfo {
        name: "wrong-method-accepted",
        family: "method",
        description: "GET on a POST endpoint performs it and answers 2000",
    },
    FaultInfo {
        name: "unknown-path-200",
        family: "method",
        description: "unknown paths under /api answer HTTP 200 {\"Status\":\"2000\"}",
    },
    FaultInfo {
        name: "crash-on-deep-nesting",
        family: "input",
        description: "a JSON body nested deeper than 16 levels gets HTTP 500",
    },
    FaultInfo { name: "crash-on-null-data", family: "input", description: "`\"data\": null` gets HTTP 500" },
    FaultInfo {
        name: "hang-on-long-string",
        family: "input",
        description: "a JSON string value longer than 512 characters: no answer ever (the connection hangs)",
    },
    FaultInfo {
        name: "reset-on-non-utf8",
        family: "input",
        description: "a body that is not UTF-8: the connection is closed without an answer",
    },
    FaultInfo {
        name: "shape-added-field",
        family: "baseline",
        description: "device/info (v1) answers an extra member `\"BuildId\": \"x\"` (schema still valid)",
    },
    FaultInfo {
        name: "attached-hardware-array",
        family: "schema",
        description: "device/info (v1) sends AttachedHardware as an array of pairs, as printed (contradicts E18)",
    },
    FaultInfo {
        name: "call-logs-method-cet",
        family: "schema",
        description: "call logs answer only the method `CET` the manual misprints; GET gets 405 (contradicts E22)",
    },
    FaultInfo {
        name: "dial-requires-line",
        family: "flow",
        description: "dial without Line is refused with 4000 although the Input row says Line is optional (contradicts E46)",
    },
    FaultInfo {
        name: "answer-not-reflected",
        family: "flow",
        description: "answerCall answers 2000 but the call keeps ringing (Offering)",
    },
];

/// Every fault the emulator can simulate, with family and description.
pub fn faults() -> &'static [FaultInfo] {
    &TABLE
}

impl Fault {
    /// The fault with this name.
    pub fn from_name(name: &str) -> Option<Fault> {
        TABLE.iter().position(|f| f.name == name).map(|i| ALL[i])
    }

    pub fn info(self) -> &'static FaultInfo {
        &TABLE[self as usize]
    }

    fn bit(self) -> u64 {
        1 << (self as u8)
    }
}

/// Parse fault names; an unknown name is an error that lists the known ones.
pub fn parse_faults(names: &[String]) -> Result<u64, String> {
    let mut bits = 0;
    let mut unknown = Vec::new();
    for name in names {
        match Fault::from_name(name.trim()) {
            Some(f) => bits |= f.bit(),
            None => unknown.push(name.as_str()),
        }
    }
    if unknown.is_empty() {
        return Ok(bits);
    }
    let known: Vec<&str> = TABLE.iter().map(|f| f.name).collect();
    let mut msg = format!(
        "unknown fault{} `{}` (known faults: {})",
        if unknown.len() > 1 { "s" } else { "" },
        unknown.join("`, `"),
        known.join(", ")
    );
    let near = match unknown.as_slice() {
        [one] => crate::catalogue::error::did_you_mean(one, known.iter().copied()),
        _ => None,
    };
    if let Some(near) = near {
        msg.push_str(&format!("\n(hint: did you mean `{near}`?)"));
    }
    Err(msg)
}

/// The faults switched on right now; read on every request, written rarely.
#[derive(Debug, Default)]
pub struct FaultSet(AtomicU64);

impl FaultSet {
    pub fn new(bits: u64) -> Self {
        FaultSet(AtomicU64::new(bits))
    }

    pub fn set(&self, bits: u64) {
        self.0.store(bits, Ordering::Relaxed);
    }

    pub fn has(&self, fault: Fault) -> bool {
        self.0.load(Ordering::Relaxed) & fault.bit() != 0
    }

    /// Names of the active faults, in table order.
    pub fn names(&self) -> Vec<&'static str> {
        let bits = self.0.load(Ordering::Relaxed);
        ALL.iter().filter(|f| bits & f.bit() != 0).map(|f| f.info().name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_and_enum_agree() {
        for (i, f) in ALL.iter().enumerate() {
            assert_eq!(*f as usize, i, "enum order must match the table");
            assert_eq!(Fault::from_name(f.info().name), Some(*f));
        }
        let mut names: Vec<&str> = TABLE.iter().map(|f| f.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TABLE.len(), "fault names are unique");
    }

    #[test]
    fn unknown_names_list_the_known_ones() {
        let err = parse_faults(&["size-limit-mising".to_string()]).unwrap_err();
        assert!(err.contains("unknown fault `size-limit-mising`"), "{err}");
        assert!(err.contains("content-type-ignored"), "{err}");
        assert!(err.contains("did you mean `size-limit-missing`"), "{err}");
    }

    #[test]
    fn sets_switch_at_run_time() {
        let set = FaultSet::new(parse_faults(&["missing-status".into()]).unwrap());
        assert!(set.has(Fault::MissingStatus));
        set.set(parse_faults(&["no-call-2000".into(), "parallel-500".into()]).unwrap());
        assert!(!set.has(Fault::MissingStatus));
        assert_eq!(set.names(), vec!["parallel-500", "no-call-2000"]);
    }
}
