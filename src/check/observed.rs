//! One exchange as the judges see it: its answer, its body parsed once, and why a body
//! that is there could not be read (a limit of the harness, never of the phone).

use crate::device::exchange::{Exchange, Truncation, WireResponse};
use serde_json::Value;

/// One exchange with its body parsed once, shared by every judge.
#[derive(Debug)]
pub struct Observed<'a> {
    pub exchange: &'a Exchange,
    /// The HTTP answer, when one arrived.
    pub response: Option<&'a WireResponse>,
    /// The answer's body as JSON, when it is JSON (and the whole answer).
    pub json: Option<Value>,
    /// Why the body could not be read: rules that read it do not judge it then.
    pub unread: Option<Unread>,
}

impl<'a> Observed<'a> {
    pub fn new(exchange: &'a Exchange) -> Observed<'a> {
        let response = exchange.outcome.response();
        let json = response.and_then(WireResponse::json);
        let unread = response.filter(|_| json.is_none()).and_then(Unread::of);
        Observed { exchange, response, json, unread }
    }
}

/// Why an answer's body could not be read: the harness's own limits.
#[derive(Debug, Clone, PartialEq)]
pub enum Unread {
    /// Only the first bytes are here: the answer was larger than `--max-body`, or a
    /// record kept less of it.
    Truncated(Truncation),
    /// Valid JSON nested deeper than the harness's parser goes.
    TooDeep,
}

/// The depth serde_json parses to.
pub use crate::device::exchange::PARSER_DEPTH;

impl Unread {
    /// Why `response`'s body cannot be read, if it cannot.
    pub fn of(response: &WireResponse) -> Option<Unread> {
        match &response.truncated {
            Some(t) => Some(Unread::Truncated(t.clone())),
            None if response.nested_too_deep() => Some(Unread::TooDeep),
            None => None,
        }
    }

    /// One line: `answer larger than 1048576 bytes, truncated (first 1048576 bytes kept,
    /// size at least 1049600 bytes, sha256 ab12...)`.
    pub fn words(&self) -> String {
        match self {
            Unread::Truncated(t) if t.read_whole() => {
                format!("the record keeps only the first bytes of this {}-byte answer (sha256 {})", t.read, t.sha256)
            }
            Unread::Truncated(t) => format!(
                "answer larger than {} bytes, truncated (first {} bytes kept, size {}, sha256 {})",
                t.read,
                t.read,
                t.size.words(),
                t.sha256
            ),
            Unread::TooDeep => format!("JSON nested deeper than the {PARSER_DEPTH} levels the harness parses"),
        }
    }
}

/// At most `max` characters of a body or message, on one line, for reports.
pub(crate) fn snippet(text: &str, max: usize) -> String {
    let one_line: String = text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    let trimmed = one_line.trim();
    let mut out: String = trimmed.chars().take(max).collect();
    if trimmed.chars().count() > max {
        out.push_str("...");
    }
    out
}
