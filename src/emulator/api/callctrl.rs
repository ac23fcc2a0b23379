//! Call control: dial, end, mute, hold, resume, answer, ignore, reject, transfer, DTMF,
//! and the call logs those calls end up in.
//!
//! Codes (WebCallControl.* sections): 4007 when the call named by `Ref` does not exist or
//! there is no call at all; 4003 "Operation not allowed. Like in case of call is on hold"
//! for endCall and mute on a held call, and for answer on a call that is "not in an
//! incoming state"; the same 4003 for hold on a call that is not connected and resume on
//! a call that is not held. `Ref` accepts the v2 handle (`b5576ff8`) and the v1 form
//! (`0xb5576ff8`), as clients pass either (research/real-devices.md §1.4).
//!
//! On a switchboard (an emulated rack, see `switchboard`) a dial to another rack phone's
//! number rings that phone instead of being answered by itself, and answer, reject,
//! ignore and end reach the far end through the signals the phone queues.
//!
//! Other readings of the manual this file plays on request (`--reading`, errata.toml):
//! E04 resumeCall demands `Ref`; E05 hold/answer/ignore/reject demand `Ref`, and answerCall
//! on a connected call is a harmless 2000; E19 (VVX) other tabled codes where our copy
//! borrows the Trio text; E32 call logs with unquoted numbers; E35 mute honours only
//! `State`; E43 sendDTMF honours only `digits`; E16 capitalised call log lists.

use super::ctx::{Ctx, Handled, invalid, opt_str, req_str};
use crate::emulator::answer::Answer;
use crate::emulator::faults::Fault;
use crate::emulator::readings::Reading;
use crate::emulator::signal::Caller;
use crate::emulator::state::{CallState, Direction, LogEntry, MAX_CALLS, duration_text, wall_text};
use crate::emulator::switchboard::user_part;
use serde_json::{Value, json};

/// 4007, or 2000 for endCall/mute/hold under the `no-call-2000` fault.
fn no_call(ctx: &Ctx<'_>) -> Answer {
    let faulty = ctx.fault(Fault::NoCall2000)
        && matches!(ctx.endpoint.id.as_str(), "callctrl.end-call" | "callctrl.mute" | "callctrl.hold-call");
    if faulty { Answer::done() } else { Answer::status("4007") }
}

fn log(ctx: &Ctx<'_>) -> bool {
    !ctx.fault(Fault::CallNotLogged)
}

/// The call a `Ref` names, or the call `pick` chooses when there is no `Ref`. The
/// outer error is the answer to give (4000 bad Ref type, 4007 no such call).
fn target(
    ctx: &Ctx<'_>,
    reference: Option<&str>,
    pick: impl Fn(&Ctx<'_>) -> Option<usize>,
) -> Result<Option<usize>, Answer> {
    match reference {
        Some(r) if r.trim().is_empty() => Err(invalid()),
        Some(r) => ctx.phone.find(r).map(Some).ok_or_else(|| no_call(ctx)),
        None if ctx.phone.calls.is_empty() => Err(no_call(ctx)),
        None => Ok(pick(ctx)),
    }
}

/// The optional `Ref` of hold/resume/answer/ignore/reject. A phone that reads the Input
/// row's `Ref` as mandatory (E04 for resumeCall: "Ref is a mandatory parameter"; E05 for
/// the others, whose Input row prints Ref without calling it optional) refuses a request
/// without it with 4000.
fn optional_ref(ctx: &Ctx<'_>) -> Result<Option<String>, Answer> {
    let reference = match ctx.optional_data_object()? {
        Some(data) => opt_str(data, &["Ref"])?.map(str::to_string),
        None => None,
    };
    let demanded = match ctx.endpoint.id.as_str() {
        "callctrl.resume-call" => ctx.reading(Reading::ResumeCallRequiresRef),
        _ => ctx.reading(Reading::CallRefRequired),
    };
    if reference.is_none() && demanded {
        return Err(invalid());
    }
    Ok(reference)
}

/// E19 (VVX): our VVX copy has no text for this endpoint and borrows the Trio one; this
/// phone answers `code` where the Trio text has another code.
fn vvx_borrowed(ctx: &Ctx<'_>, code: &'static str) -> Option<Answer> {
    ctx.reading(Reading::VvxBorrowedTextDiffers).then(|| Answer::status(code))
}

/// WebCallControl.Dial: `Dest` mandatory; `Line` optional (default 1; a line that does
/// not exist is invalid input); `Type` optional SIP/TEL/H323 (default TEL). The call rings
/// back and connects 50 ms later, unless `Dest` is another phone of the switchboard: then
/// that phone rings, with this phone's number and display name, and the call rings back
/// until it answers. On an unregistered line a profile that documents 4002
/// (VVX: "If a line is not registered") answers 4002; the Trio manual has no such code,
/// so the Trio acknowledges the request (dial "returns a response as an acknowledgment of
/// request received") and the attempt fails at once, logged as placed without duration.
pub fn dial(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let dest = match opt_str(data, &["Dest"])? {
        Some(d) if !d.trim().is_empty() => d.trim().to_string(),
        _ if ctx.fault(Fault::MissingFieldAccepted) => return Ok(Answer::done()),
        _ => return Err(invalid()),
    };
    let line = match opt_str(data, &["Line"])? {
        // The fault reads the note's "two parameters are required" against the Input row.
        None if ctx.fault(Fault::DialRequiresLine) => return Err(invalid()),
        None => 1,
        Some(l) => l.trim().parse::<u32>().map_err(|_| invalid())?,
    };
    let protocol = match opt_str(data, &["Type"])?.map(|t| t.trim().to_ascii_uppercase()) {
        None => "SIP",
        Some(t) if t == "SIP" || t == "TEL" => "SIP",
        Some(t) if t == "H323" => "H323",
        // E54's other reading: a Type outside SIP/TEL/H323 dials with the default.
        Some(_) if ctx.reading(Reading::ValuesOutsideListsAccepted) => "SIP",
        Some(_) => return Err(invalid()),
    };
    let registered = ctx.phone.line(line).ok_or_else(invalid)?.registered;
    if !registered {
        if ctx.documents("4002") {
            return Err(Answer::status("4002"));
        }
        let log = log(ctx);
        ctx.phone.log_failed_dial(line, &dest, log);
        return Ok(Answer::done());
    }
    if ctx.phone.calls.len() >= MAX_CALLS {
        return Err(Answer::status("5000"));
    }
    if !ctx.fault(Fault::DialNotReflected) {
        let now = ctx.now;
        match ctx.switchboard.filter(|port| port.rings_another(&dest)) {
            Some(port) => {
                let caller = Caller {
                    number: port.number().to_string(),
                    name: ctx.phone.settings.value("reg.1.displayName").to_string(),
                };
                ctx.phone.dial_peer(now, line, &dest, user_part(&dest), protocol, caller);
            }
            None => {
                ctx.phone.add_call(now, Direction::Outgoing, line, &dest, &dest, protocol);
            }
        }
        ctx.phone.off_hook = false;
    }
    Ok(Answer::done())
}

/// WebCallControl.EndCall: `Ref` mandatory; a held call cannot be ended (4003).
pub fn end_call(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let reference = req_str(data, &["Ref"])?.to_string();
    let Some(idx) = target(ctx, Some(&reference), |_| None)? else {
        return Err(no_call(ctx));
    };
    if ctx.phone.calls[idx].state == CallState::Hold {
        return Err(Answer::status("4003"));
    }
    let (now, log) = (ctx.now, log(ctx));
    ctx.phone.end_call(idx, now, log);
    Ok(Answer::done())
}

/// WebCallControl.MuteCall: `state` "0" or "1" (the manual's key is lower-case `state`,
/// its sentence says `State`: both are accepted; E35's other reading honours only
/// `State`). Mute is the phone's, shown on every call (v2 `Muted`) and in
/// communicationInfo `PhoneMuteState`. No call: 4007; the active call on hold: 4003.
pub fn mute(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let names: &[&str] = if ctx.reading(Reading::MuteMemberCapitalised) { &["State"] } else { &["state", "State"] };
    let on = match req_str(data, names)?.trim() {
        "1" => true,
        "0" => false,
        // E54's other reading: a value outside the printed <0/1> is accepted and changes nothing.
        _ if ctx.reading(Reading::ValuesOutsideListsAccepted) => ctx.phone.muted,
        _ => return Err(invalid()),
    };
    let Some(active) = ctx.phone.active() else {
        return Err(no_call(ctx));
    };
    if ctx.phone.calls[active].state == CallState::Hold {
        return Err(Answer::status("4003"));
    }
    if !ctx.fault(Fault::MuteNotReflected) {
        ctx.phone.muted = on;
    }
    Ok(Answer::done())
}

/// WebCallControl.TransferCall: always blind, so the call leaves the phone at once and is
/// logged like any ended call.
pub fn transfer(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let reference = req_str(data, &["Ref"])?.to_string();
    req_str(data, &["TransferDest"])?;
    if ctx.phone.find(&reference).is_none()
        && let Some(other) = vvx_borrowed(ctx, "4003")
    {
        return Err(other);
    }
    let Some(idx) = target(ctx, Some(&reference), |_| None)? else {
        return Err(no_call(ctx));
    };
    let (now, log) = (ctx.now, log(ctx));
    ctx.phone.end_call(idx, now, log);
    Ok(Answer::done())
}

/// WebCallControl.SendDTMF: `Digits` mandatory (`digits` is accepted too: clients send
/// both, research/real-devices.md §4; E43's other reading honours only `digits`), only
/// DTMF characters; needs a connected call (4007).
pub fn send_dtmf(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let names: &[&str] = if ctx.reading(Reading::DtmfMemberLowerCase) { &["digits"] } else { &["Digits", "digits"] };
    let digits = req_str(data, names)?.to_string();
    if !digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D' | 'a'..='d')) {
        return Err(invalid());
    }
    let Some(idx) = ctx.phone.calls.iter().rposition(|c| c.state == CallState::Connected) else {
        return Err(vvx_borrowed(ctx, "4003").unwrap_or_else(|| Answer::status("4007")));
    };
    ctx.phone.calls[idx].dtmf_sent.push_str(&digits);
    Ok(Answer::done())
}

/// WebCallControl.HoldCall: `Ref` optional ("If input is not provided, the active call
/// ... will be put on hold").
pub fn hold(ctx: &mut Ctx<'_>) -> Handled {
    let reference = optional_ref(ctx)?;
    if ctx.phone.calls.is_empty()
        && let Some(other) = vvx_borrowed(ctx, "4000")
    {
        return Err(other);
    }
    let pick = |c: &Ctx<'_>| c.phone.calls.iter().rposition(|x| x.state == CallState::Connected);
    let Some(idx) = target(ctx, reference.as_deref(), pick)? else {
        return Err(Answer::status("4003"));
    };
    if ctx.phone.calls[idx].state != CallState::Connected {
        return Err(Answer::status("4003"));
    }
    if !ctx.fault(Fault::HoldNotReflected) {
        ctx.phone.calls[idx].state = CallState::Hold;
    }
    Ok(Answer::done())
}

/// WebCallControl.ResumeCall: `Ref` optional ("the active call will be resumed if it's on
/// hold"); the call that was connected goes on hold.
pub fn resume(ctx: &mut Ctx<'_>) -> Handled {
    let reference = optional_ref(ctx)?;
    if ctx.phone.calls.is_empty()
        && let Some(other) = vvx_borrowed(ctx, "4000")
    {
        return Err(other);
    }
    let pick = |c: &Ctx<'_>| c.phone.calls.iter().rposition(|x| x.state == CallState::Hold);
    let Some(idx) = target(ctx, reference.as_deref(), pick)? else {
        return Err(Answer::status("4003"));
    };
    if ctx.phone.calls[idx].state != CallState::Hold {
        return Err(Answer::status("4003"));
    }
    for c in &mut ctx.phone.calls {
        if c.state == CallState::Connected {
            c.state = CallState::Hold;
        }
    }
    ctx.phone.calls[idx].state = CallState::Connected;
    Ok(Answer::done())
}

/// The ringing incoming call a `Ref` names or, without `Ref`, the newest one; 4003 when
/// the call is not an incoming call that is still offered.
fn incoming(ctx: &Ctx<'_>) -> Result<usize, Answer> {
    let reference = optional_ref(ctx)?;
    let pick = |c: &Ctx<'_>| {
        c.phone.calls.iter().rposition(|x| x.direction == Direction::Incoming && x.state == CallState::Offering)
    };
    let Some(idx) = target(ctx, reference.as_deref(), pick)? else {
        return Err(Answer::status("4003"));
    };
    let call = &ctx.phone.calls[idx];
    if call.direction != Direction::Incoming || call.state != CallState::Offering {
        return Err(Answer::status("4003"));
    }
    Ok(idx)
}

/// WebCallControl.AnswerCall: the offered call connects; a connected call goes on hold.
/// E05's other reading takes the Notes ("answered only if it's an active call") at their
/// word: a `Ref` naming the connected call is answered already, a harmless 2000.
pub fn answer(ctx: &mut Ctx<'_>) -> Handled {
    if ctx.reading(Reading::CallRefRequired)
        && let Some(reference) = optional_ref(ctx)?
        && ctx.phone.find(&reference).is_some_and(|i| ctx.phone.calls[i].state == CallState::Connected)
    {
        return Ok(Answer::done());
    }
    let idx = incoming(ctx)?;
    if ctx.fault(Fault::AnswerNotReflected) {
        return Ok(Answer::done());
    }
    let now = ctx.now;
    ctx.phone.connect(idx, now);
    Ok(Answer::done())
}

/// WebCallControl.IgnoreCall: the phone stops ringing and lets the call go; it is logged
/// as missed. The caller is not told: a rack phone that called keeps ringing back.
pub fn ignore(ctx: &mut Ctx<'_>) -> Handled {
    let idx = incoming(ctx)?;
    ctx.phone.calls[idx].ringing = false;
    let (now, log) = (ctx.now, log(ctx));
    ctx.phone.let_go(idx, now, log);
    Ok(Answer::done())
}

/// WebCallControl.RejectCall: the call is refused; it is logged as missed, and a rack
/// phone that called ends its call.
pub fn reject(ctx: &mut Ctx<'_>) -> Handled {
    let idx = incoming(ctx)?;
    let (now, log) = (ctx.now, log(ctx));
    ctx.phone.end_call(idx, now, log);
    Ok(Answer::done())
}

/// Which call log list a sub-path asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogKind {
    Missed,
    Received,
    Placed,
}

impl LogKind {
    /// Key of the list in the answer: lower case, as the manual's example prints it
    /// (WebCallControl.CallLogs). Trio 7.2 capitalises them (research/real-devices.md
    /// §1.7), which this emulator plays as E16's other reading.
    fn key(self, capitalised: bool) -> &'static str {
        match (self, capitalised) {
            (LogKind::Missed, false) => "missed",
            (LogKind::Received, false) => "received",
            (LogKind::Placed, false) => "placed",
            (LogKind::Missed, true) => "Missed",
            (LogKind::Received, true) => "Received",
            (LogKind::Placed, true) => "Placed",
        }
    }
}

/// One log entry. `unquoted`: E32's other reading, `RemotePartyNumber` as the JSON number
/// the example prints unquoted (`"RemotePartyNumber": <REMOTE_PARTY_NUMBER>`) where it is
/// one; a SIP URI stays a string.
fn entry_json(e: &LogEntry, unquoted: bool) -> Value {
    let number = match e.remote_number.parse::<u64>() {
        Ok(n) if unquoted && n.to_string() == e.remote_number => json!(n),
        _ => json!(e.remote_number),
    };
    json!({
        "LineNumber": e.line.to_string(),
        "StartTime": wall_text(e.start_wall),
        "RemotePartyName": e.remote_name,
        "RemotePartyNumber": number,
        "Duration": e.duration.map(duration_text).unwrap_or_default(),
    })
}

/// WebCallControl.CallLogs: newest first. A sub-path answers the same object with only
/// its list, so one parser reads both.
pub fn call_logs(ctx: &mut Ctx<'_>, only: Option<LogKind>) -> Handled {
    let (capitalised, unquoted) =
        (ctx.reading(Reading::CallLogListsCapitalised), ctx.reading(Reading::UnquotedValuesAsPrinted));
    let logs = &ctx.phone.logs;
    let mut data = serde_json::Map::new();
    for (kind, list) in
        [(LogKind::Missed, &logs.missed), (LogKind::Received, &logs.received), (LogKind::Placed, &logs.placed)]
    {
        if only.is_none_or(|o| o == kind) {
            data.insert(
                kind.key(capitalised).into(),
                Value::Array(list.iter().map(|e| entry_json(e, unquoted)).collect()),
            );
        }
    }
    Ok(Answer::ok(Value::Object(data)))
}
