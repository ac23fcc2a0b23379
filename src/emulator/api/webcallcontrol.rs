//! Call status (v1 and v2) and SIP status.
//!
//! v1 and v2 differ exactly as real phones differ (research/real-devices.md §1.3, §1.4):
//! v1 answers one call object (the active call) and Status 4007 when there is none,
//! `CallHandle` with `0x`, `LineId`, `DurationInSeconds`; v2 answers an array (empty with
//! 2000 when idle), handles without `0x`, `LineID`, `DurationSeconds`, `Muted`, `Ringing`,
//! `CallSequence`, and the keys with spaces real phones send.
//!
//! Other readings played on request (`--reading`, errata.toml): E10 v1 `LineID` as
//! printed; E14 the duration names swapped; E34 handles in the other form (v1 without
//! `0x`, v2 with); E40 `Type` and `CallState` in lower case, as the v1 example prints
//! them; E49 v2 answers 4007 where it has no call to list.

use super::ctx::{Ctx, Handled, invalid};
use crate::emulator::answer::Answer;
use crate::emulator::faults::Fault;
use crate::emulator::readings::Reading;
use crate::emulator::state::{Call, CallState, Direction, parse_handle, wall_text};
use serde_json::{Value, json};
use std::time::Instant;

/// How this phone spells what the manual leaves open (the preferred readings unless the
/// emulator plays another one).
#[derive(Debug, Clone, Copy)]
struct Spelling {
    /// E40: `Type` and `CallState` values in lower case.
    lower_case: bool,
    /// E34: v1 handles without `0x`, v2 handles with it.
    other_handles: bool,
    /// E14: v1 `DurationSeconds`, v2 `DurationInSeconds`.
    durations_swapped: bool,
}

impl Spelling {
    fn of(ctx: &Ctx<'_>) -> Spelling {
        Spelling {
            lower_case: ctx.reading(Reading::ValuesLowerCase),
            other_handles: ctx.reading(Reading::HandlesOtherForm),
            durations_swapped: ctx.reading(Reading::DurationNamesSwapped),
        }
    }

    fn value(self, label: &str) -> String {
        if self.lower_case { label.to_ascii_lowercase() } else { label.to_string() }
    }

    /// The handle as v1 (`v1`) or v2 shows it.
    fn handle(self, call: &Call, v1: bool) -> String {
        if v1 != self.other_handles { format!("0x{}", call.handle_hex()) } else { call.handle_hex() }
    }

    /// The duration member's name on v1 (`v1`) or v2.
    fn duration(self, v1: bool) -> &'static str {
        if v1 != self.durations_swapped { "DurationInSeconds" } else { "DurationSeconds" }
    }
}

/// Management.CallStatus (v1).
pub fn call_status_v1(ctx: &mut Ctx<'_>) -> Handled {
    let Some(idx) = ctx.phone.active() else {
        if ctx.reading(Reading::IdleCallStatusV1Success) && !ctx.fault(Fault::StatusUndocumented) {
            // E55's other reading: success, with no call to describe.
            return Ok(Answer::ok(json!({})));
        }
        return Err(Answer::status(if ctx.fault(Fault::StatusUndocumented) { "4999" } else { "4007" }));
    };
    let spell = Spelling::of(ctx);
    let call = &ctx.phone.calls[idx];
    let mut data = serde_json::Map::new();
    data.insert("CallHandle".into(), json!(spell.handle(call, true)));
    data.insert("Type".into(), json!(spell.value(call.direction.label())));
    data.insert("Protocol".into(), json!(call.protocol));
    data.insert("CallState".into(), json!(spell.value(call.state.label())));
    // E10: real v1 answers say `LineId`; the manual prints `LineID`.
    let line_key = if ctx.reading(Reading::LineIdAsPrinted) { "LineID" } else { "LineId" };
    data.insert(line_key.into(), json!(call.line.to_string()));
    data.insert("RemotePartyName".into(), json!(call.remote_name));
    data.insert("RemotePartyNumber".into(), json!(call.remote_number));
    data.insert(spell.duration(true).into(), json!(call.duration(ctx.now).as_secs().to_string()));
    Ok(Answer::ok(Value::Object(data)))
}

fn call_v2(call: &Call, active: bool, muted: bool, now: Instant, spell: Spelling) -> Value {
    let offering = call.state == CallState::Offering;
    let direction = match call.state {
        CallState::Connected => "sendrecv",
        CallState::Hold => "sendonly",
        _ if call.direction == Direction::Incoming => "sendonly",
        _ => "inactive",
    };
    let mut v = json!({
        "CallHandle": spell.handle(call, false),
        "Type": spell.value(call.direction.label()),
        "RemotePartyName": call.remote_name,
        "RemotePartyNumber": call.remote_number,
        "CallState": spell.value(call.state.label()),
        "Protocol": call.protocol,
        "StartTime": wall_text(call.start_wall),
        "LineID": call.line.to_string(),
        "CallSequence": call.sequence.to_string(),
        "UIAppearanceIndex": format!("{}{}", call.sequence, if active { "*" } else { "" }),
        "Ringing": if call.ringing { "1" } else { "0" },
        "Muted": if muted && !offering { "1" } else { "0" },
        "RTPPort": if offering { "0".to_string() } else { call.rtp_port.to_string() },
        "RTCPPort": if offering { "1".to_string() } else { (call.rtp_port + 1).to_string() },
        "Media Direction": direction,
        "Remote Connection IP": if offering { "" } else { "192.0.2.20" },
    });
    v[spell.duration(false)] = json!(call.duration(now).as_secs().to_string());
    v
}

/// WebCallControl.CallStatus Version 2. Query: "API accepts only: handle or line or line
/// and sequence"; any other combination or parameter, or a value that is not a number
/// (not hex for `handle`), answers 4000. A handle that names no call answers 4007 ("Call
/// Does Not Exist", in the code list); a line or sequence filter that matches nothing
/// answers an empty array, like the unfiltered idle answer (4007 under E49's other
/// reading).
pub fn call_status_v2(ctx: &mut Ctx<'_>) -> Handled {
    let (mut handle, mut line, mut sequence) = (None, None, None);
    for (k, v) in ctx.query_pairs()? {
        let slot = match k.as_str() {
            "handle" => {
                handle = Some(parse_handle(&v).ok_or_else(invalid)?);
                continue;
            }
            "line" => &mut line,
            "sequence" => &mut sequence,
            _ => return Err(invalid()),
        };
        if slot.is_some() {
            return Err(invalid());
        }
        *slot = Some(v.trim().parse::<u32>().map_err(|_| invalid())?);
    }
    match (handle.is_some(), line.is_some(), sequence.is_some()) {
        (false, false, false) | (true, false, false) | (false, true, _) => {}
        _ => return Err(invalid()),
    }
    if handle.is_some_and(|h| !ctx.phone.calls.iter().any(|c| c.handle == h)) {
        return Err(Answer::status("4007"));
    }
    let active = ctx.phone.active();
    let spell = Spelling::of(ctx);
    let calls: Vec<Value> = ctx
        .phone
        .calls
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            handle.is_none_or(|h| c.handle == h)
                && line.is_none_or(|l| c.line == l)
                && sequence.is_none_or(|s| c.sequence == s)
        })
        .map(|(i, c)| call_v2(c, Some(i) == active, ctx.phone.muted, ctx.now, spell))
        .collect();
    // E49: the v2 code list has 4007 ("Call Does Not Exist"), which v1 answers when idle.
    if calls.is_empty() && ctx.reading(Reading::IdleCallStatusV2NoCall) {
        return Err(Answer::status("4007"));
    }
    Ok(Answer::ok(Value::Array(calls)))
}

/// WebCallControl.SipStatus: one user per line with its registration event and calls.
pub fn sip_status(ctx: &mut Ctx<'_>) -> Handled {
    let s = &ctx.phone.settings;
    let users: Vec<Value> = ctx
        .phone
        .lines
        .iter()
        .map(|line| {
            let calls: Vec<Value> = ctx
                .phone
                .calls
                .iter()
                .filter(|c| c.line == line.number)
                .map(|c| json!({"CallID": format!("{}-{:08x}@192.0.2.10", c.handle_hex(), c.handle.rotate_left(13)), "CallState": c.state.label()}))
                .collect();
            json!({
                "Name": s.value("reg.1.address"),
                "LineNumber": line.number.to_string(),
                "TotalEvents": "1",
                "Events": [{
                    "Type": "Register",
                    "RegistrationState": if line.registered { "Registered" } else { "Unregistered" },
                    "CallID": if line.registered { "b8c9a1cb-cf11d4b@192.0.2.10" } else { "" },
                    "Expires": if line.registered { s.value("reg.1.server.1.expires") } else { "0" },
                    "Overlap": "120",
                }],
                "TotalCalls": calls.len().to_string(),
                "Calls": calls,
            })
        })
        .collect();
    if ctx.reading(Reading::ShapesManualAllows) {
        // E53's other reading: the members the OCR'd example keeps, side by side, without
        // the capture's nesting of events and calls per user.
        let registered = ctx.phone.lines.iter().filter(|l| l.registered).count();
        return Ok(Answer::ok(
            json!({"Name": s.value("reg.1.address"), "TotalEvents": registered.to_string(), "TotalCalls": ctx.phone.calls.len().to_string(), "TotalUser": users.len().to_string()}),
        ));
    }
    Ok(Answer::ok(json!({"TotalUser": users.len().to_string(), "User": users})))
}
