//! Why an operation of the phone's API did not give what the harness asked for.
//!
//! The texts are read by people (NOT-TESTED reasons, RESTORE FAILED notes) and by tests,
//! so each variant prints exactly the words the harness has always used.

/// An operation that the phone refused, did not answer, or answered unreadably.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    /// No HTTP answer at all (timeout, reset, the harness could not send).
    #[error("{op}: {summary}")]
    Unanswered { op: &'static str, summary: String },
    /// An HTTP answer whose body is not JSON.
    #[error("{op} answered HTTP {status} without JSON")]
    NotJson { op: &'static str, status: u16 },
    /// An answer other than success (HTTP 2xx with Status 2000).
    #[error("{op} answered {summary}")]
    Answered { op: &'static str, summary: String },
    /// A dial the phone refused; the number is part of the story.
    #[error("dial {dest} answered {summary}")]
    Dial { dest: String, summary: String },
    /// A successful answer without a member the operation reads.
    #[error("{op} has no `{member}`")]
    Missing { op: &'static str, member: &'static str },
    /// callStatus `data` that is neither the v2 list nor the v1 object.
    #[error("call status `data` is neither a list nor an object: {data}")]
    NotCalls { data: String },
    /// config/get answered 2000 without the value of a parameter asked for.
    #[error("config/get gave no value for `{name}`")]
    NoValue { name: String },
    /// device/info did not say ready within the time a reboot may take.
    #[error("the phone was not ready again within {secs} s (last: {last})")]
    NotReady { secs: u64, last: String },
}
