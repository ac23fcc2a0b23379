//! What a handler may look at and change ([`Ctx`]), and the small readers of request
//! members every handler shares.

use crate::catalogue::{Endpoint, Profile};
use crate::emulator::answer::Answer;
use crate::emulator::faults::{Fault, FaultSet};
use crate::emulator::input::Input;
use crate::emulator::readings::{Reading, ReadingSet};
use crate::emulator::state::{Phone, Reset};
use crate::emulator::switchboard::Port;
use serde_json::{Map, Value};
use std::net::IpAddr;
use std::time::Instant;

/// What a handler may look at and change.
pub struct Ctx<'a> {
    pub phone: &'a mut Phone,
    pub profile: &'a Profile,
    pub endpoint: &'a Endpoint,
    pub faults: &'a FaultSet,
    pub readings: &'a ReadingSet,
    pub query: &'a str,
    pub input: Input,
    /// The address the client reached the phone on (device/info shows it).
    pub local_ip: IpAddr,
    pub now: Instant,
    /// Set by reboot and reset handlers: the server takes the phone away after answering.
    pub reboot: Option<Reset>,
    /// The phone's place on a switchboard (dial rings the other phones of the rack).
    pub switchboard: Option<&'a Port>,
}

impl Ctx<'_> {
    pub fn fault(&self, f: Fault) -> bool {
        self.faults.has(f)
    }

    /// Whether the phone plays this other reading of the manual.
    pub fn reading(&self, r: Reading) -> bool {
        self.readings.has(r)
    }

    /// Whether this endpoint's profile entry lists `code` (e.g. VVX dial has 4002).
    pub fn documents(&self, code: &str) -> bool {
        self.endpoint.codes.iter().any(|c| c == code)
    }

    /// The `data` member of a body that must have one.
    pub fn data(&self) -> Result<&Value, Answer> {
        match &self.input {
            Input::Json(Value::Object(o)) => o.get("data").ok_or_else(invalid),
            _ => Err(invalid()),
        }
    }

    /// The `data` object of a required input.
    pub fn data_object(&self) -> Result<&Map<String, Value>, Answer> {
        self.data()?.as_object().ok_or_else(invalid)
    }

    /// The `data` object of an optional input: None when there is no body, `{}` or no `data`.
    pub fn optional_data_object(&self) -> Result<Option<&Map<String, Value>>, Answer> {
        match &self.input {
            Input::Empty => Ok(None),
            Input::Invalid => Err(invalid()),
            Input::Json(Value::Object(o)) => match o.get("data") {
                None => Ok(None),
                Some(Value::Object(d)) => Ok(Some(d)),
                Some(_) => Err(invalid()),
            },
            Input::Json(_) => Err(invalid()),
        }
    }

    /// Query parameters, decoded; an undecodable query counts as invalid input.
    pub fn query_pairs(&self) -> Result<Vec<(String, String)>, Answer> {
        let mut out = Vec::new();
        for part in self.query.split('&').filter(|p| !p.is_empty()) {
            let (k, v) = part.split_once('=').unwrap_or((part, ""));
            out.push((percent_decode(k).ok_or_else(invalid)?, percent_decode(v).ok_or_else(invalid)?));
        }
        Ok(out)
    }
}

/// Status 4000.
pub fn invalid() -> Answer {
    Answer::status("4000")
}

/// A string field: Ok(None) when absent, 4000 when present but not a string.
pub fn opt_str<'a>(data: &'a Map<String, Value>, names: &[&str]) -> Result<Option<&'a str>, Answer> {
    for name in names {
        if let Some(v) = data.get(*name) {
            return v.as_str().map(Some).ok_or_else(invalid);
        }
    }
    Ok(None)
}

/// A mandatory, non-empty string field.
pub fn req_str<'a>(data: &'a Map<String, Value>, names: &[&str]) -> Result<&'a str, Answer> {
    match opt_str(data, names)? {
        Some(s) if !s.trim().is_empty() => Ok(s),
        _ => Err(invalid()),
    }
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Handlers return `Err(answer)` for early refusals, so `?` reads naturally.
pub type Handled = Result<Answer, Answer>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_values_are_percent_decoded() {
        assert_eq!(percent_decode("a%20b+c").as_deref(), Some("a b c"));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
    }
}
