//! One exchange as the judges see it: its answer, and its body parsed once.

use crate::device::exchange::{Exchange, WireResponse};
use serde_json::Value;

/// One exchange with its body parsed once, shared by every judge.
#[derive(Debug)]
pub struct Observed<'a> {
    pub exchange: &'a Exchange,
    /// The HTTP answer, when one arrived.
    pub response: Option<&'a WireResponse>,
    /// The answer's body as JSON, when it is JSON.
    pub json: Option<Value>,
}

impl<'a> Observed<'a> {
    pub fn new(exchange: &'a Exchange) -> Observed<'a> {
        let response = exchange.outcome.response();
        let json = response.and_then(|r| serde_json::from_slice::<Value>(&r.body).ok());
        Observed { exchange, response, json }
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
