//! What is left of a run's record once volatile values are set aside: the keys the
//! comparison matches and compares.
//!
//! Two phones (or one phone twice) never agree on call handles, times, counters, MAC and
//! IP addresses, ports or uptime; a diff that reported them would bury the one change
//! that matters. So nothing here keeps a value from an answer body:
//!
//! - cases are matched by their id without the profile prefix ([`case_key`]);
//! - an outcome is reduced to its kind, the HTTP status and the API `Status` code
//!   ([`OutcomeKey`]); the detail of a reset (addresses, ports) and the length of a
//!   timeout are dropped;
//! - an answer body is reduced to its shape (`baseline::shape`: keys, nesting, types, and
//!   only the vocabulary of enum fields such as `CallState`);
//! - a request is shown with its query values masked ([`request_label`]), since they can
//!   be call handles;
//! - free text shown for context (a verdict's reason) has addresses, handles, long
//!   numbers and times masked ([`mask`]), and is never compared.

use crate::device::{Exchange, Outcome};
use std::fmt;

/// The id a case is matched by: its id without the profile family prefix
/// (`trio.callctrl.dial.places-call` -> `callctrl.dial.places-call`). Every case id of
/// the catalogue is `<family>.<suite id>`; an id without a dot is kept whole.
pub fn case_key(id: &str) -> &str {
    id.split_once('.').map(|(_, rest)| rest).unwrap_or(id)
}

/// An outcome without its volatile parts.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutcomeKey {
    Answered { http: u16, status: Option<String> },
    Reset,
    Timeout,
    NotSent,
}

impl OutcomeKey {
    pub fn of(outcome: &Outcome) -> OutcomeKey {
        match outcome {
            Outcome::Answered(r) => OutcomeKey::Answered { http: r.status, status: r.api_status() },
            Outcome::Reset { .. } => OutcomeKey::Reset,
            Outcome::Timeout { .. } => OutcomeKey::Timeout,
            Outcome::ClientError { .. } => OutcomeKey::NotSent,
        }
    }

    pub fn http(&self) -> Option<u16> {
        match self {
            OutcomeKey::Answered { http, .. } => Some(*http),
            _ => None,
        }
    }
}

impl fmt::Display for OutcomeKey {
    /// `HTTP 200, Status "2000"`, `HTTP 404`, `connection reset or refused`, ...
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OutcomeKey::Answered { http, status: Some(s) } => write!(f, "HTTP {http}, Status \"{s}\""),
            OutcomeKey::Answered { http, status: None } => write!(f, "HTTP {http}"),
            OutcomeKey::Reset => f.write_str("connection reset or refused"),
            OutcomeKey::Timeout => f.write_str("no answer within the timeout"),
            OutcomeKey::NotSent => f.write_str("not sent (the harness's HTTP client refused it)"),
        }
    }
}

/// `GET /api/v2/webCallControl/callStatus?callHandle=…`: method and path of an exchange,
/// query values masked.
pub fn request_label(ex: &Exchange) -> String {
    let path = &ex.request.path;
    let shown = match path.split_once('?') {
        Some((p, query)) => {
            let names: Vec<String> = query
                .split('&')
                .map(|pair| match pair.split_once('=') {
                    Some((name, _)) => format!("{name}=…"),
                    None => pair.to_string(),
                })
                .collect();
            format!("{p}?{}", names.join("&"))
        }
        None => path.clone(),
    };
    format!("{} {shown}", ex.request.method.to_ascii_uppercase())
}

/// Free text with its volatile tokens masked: IP addresses and ports, MAC addresses,
/// `0x` handles, long hex or decimal numbers, clock times. For context only.
pub fn mask(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut token = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-') {
            token.push(c);
        } else {
            out.push_str(&mask_token(&token));
            token.clear();
            out.push(c);
        }
    }
    out.push_str(&mask_token(&token));
    out
}

fn mask_token(token: &str) -> String {
    // A sentence's full stop or colon is not part of the token.
    let core = token.trim_end_matches(['.', ':', '-']);
    let tail = &token[core.len()..];
    if is_volatile(core) { format!("…{tail}") } else { token.to_string() }
}

fn is_volatile(t: &str) -> bool {
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let hex = t.chars().filter(char::is_ascii_hexdigit).count();
    let dots = t.matches('.').count();
    let colons = t.matches(':').count();
    let ipv4 = dots == 3 && t.split(['.', ':']).all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()));
    let handle = t.len() > 2 && t.starts_with("0x") && t[2..].chars().all(|c| c.is_ascii_hexdigit());
    let mac_or_v6 = colons >= 2 && t.chars().all(|c| c.is_ascii_hexdigit() || c == ':');
    let clock = colons >= 1 && t.chars().all(|c| c.is_ascii_digit() || c == ':') && digits >= 3;
    let long_hex = t.len() >= 8 && hex == t.len() && digits > 0;
    let long_number = digits >= 5 && digits * 2 > t.len();
    ipv4 || handle || mac_or_v6 || clock || long_hex || long_number
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{WireRequest, WireResponse};

    #[test]
    fn case_keys_drop_the_profile_family_only() {
        assert_eq!(case_key("trio.callctrl.dial.places-call"), "callctrl.dial.places-call");
        assert_eq!(case_key("vvx.callctrl.dial.places-call"), "callctrl.dial.places-call");
        assert_eq!(case_key("plain"), "plain");
    }

    #[test]
    fn outcomes_keep_http_and_status_and_drop_details() {
        let answered = Outcome::Answered(WireResponse::new(
            200,
            vec![("Date".into(), "now".into())],
            br#"{"Status":"4007","data":{"CallHandle":"0x1"}}"#.to_vec(),
        ));
        assert_eq!(OutcomeKey::of(&answered), OutcomeKey::Answered { http: 200, status: Some("4007".into()) });
        assert_eq!(OutcomeKey::of(&answered).to_string(), "HTTP 200, Status \"4007\"");
        let a = OutcomeKey::of(&Outcome::Reset { detail: "127.0.0.1:4711 refused".into() });
        let b = OutcomeKey::of(&Outcome::Reset { detail: "10.0.0.5:443 reset".into() });
        assert_eq!(a, b);
        assert_eq!(
            OutcomeKey::of(&Outcome::Timeout { after_ms: 10_000 }),
            OutcomeKey::of(&Outcome::Timeout { after_ms: 3 })
        );
    }

    #[test]
    fn request_labels_mask_query_values() {
        let ex = Exchange {
            step: "request".into(),
            request: WireRequest::get("/api/v2/webCallControl/callStatus?callHandle=0xb53e57c0&line=1"),
            outcome: Outcome::Timeout { after_ms: 1 },
            elapsed_ms: 1,
        };
        assert_eq!(request_label(&ex), "GET /api/v2/webCallControl/callStatus?callHandle=…&line=…");
    }

    #[test]
    fn volatile_tokens_are_masked_and_words_kept() {
        let text =
            "call 0xb53e57c0 from 192.168.1.9:5060 (MAC 64167fcacee2, 00:11:22:33:44:55) up 6:16:10, counter 1234567.";
        let masked = mask(text);
        for volatile in ["0xb53e57c0", "192.168.1.9", "64167fcacee2", "00:11:22", "6:16:10", "1234567"] {
            assert!(!masked.contains(volatile), "{volatile} left in {masked}");
        }
        assert_eq!(mask("HTTP 200, Status \"4007\": no call."), "HTTP 200, Status \"4007\": no call.");
        assert_eq!(mask("dial: no call appeared within 10 s"), "dial: no call appeared within 10 s");
        assert_eq!(mask("counter 1234567."), "counter ….");
    }
}
