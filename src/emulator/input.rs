//! The body of an API request as a handler sees it: absent, JSON, or not JSON.
//!
//! A leaf shared by `server` (which reads the body) and `api` (which answers it), so
//! neither has to import the other's file for it.

use serde_json::Value;

/// The body of a request as a handler sees it.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// No body at all.
    Empty,
    Json(Value),
    /// Not JSON (or not UTF-8): handlers that take input answer 4000.
    Invalid,
}
