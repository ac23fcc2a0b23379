//! HTTP Basic credentials: reading the `Authorization` header and comparing secrets
//! without an early exit.
//!
//! Used by `shared` for both the API check (where faults may accept wrong credentials)
//! and the strict `/control` check.

use base64::Engine;
use hyper::header;

/// What the `Authorization` header of a request holds.
pub(super) enum Credentials {
    Missing,
    Malformed,
    Given(String, String),
}

/// Read HTTP Basic credentials; anything but `Basic base64(user:pass)` is malformed.
pub(super) fn basic_credentials(headers: &hyper::HeaderMap) -> Credentials {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Credentials::Missing;
    };
    let Ok(text) = value.to_str() else {
        return Credentials::Malformed;
    };
    let Some((scheme, token)) = text.trim().split_once(' ') else {
        return Credentials::Malformed;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return Credentials::Malformed;
    }
    let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(token.trim()) else {
        return Credentials::Malformed;
    };
    let Ok(decoded) = String::from_utf8(decoded) else {
        return Credentials::Malformed;
    };
    match decoded.split_once(':') {
        Some((u, p)) => Credentials::Given(u.to_string(), p.to_string()),
        None => Credentials::Malformed,
    }
}

/// Compare secrets without an early exit on the first differing byte.
pub(super) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
