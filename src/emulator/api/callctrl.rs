//! Call control: dial, end, mute, hold, resume, answer, ignore, reject, transfer, DTMF,
//! and the call logs those calls end up in.
//!
//! Codes (WebCallControl.* sections): 4007 when the call named by `Ref` does not exist or
//! there is no call at all; 4003 "Operation not allowed. Like in case of call is on hold"
//! for endCall and mute on a held call, and for answer on a call that is "not in an
//! incoming state"; the same 4003 for hold on a call that is not connected and resume on
//! a call that is not held. `Ref` accepts the v2 handle (`b5576ff8`) and the v1 form
//! (`0xb5576ff8`), as clients pass either (research/real-devices.md §1.4).

use super::{Ctx, Handled, invalid, opt_str, req_str};
use crate::emulator::answer::Answer;
use crate::emulator::faults::Fault;
use crate::emulator::state::{CallState, Direction, LogEntry, MAX_CALLS, duration_text, wall_text};
use serde_json::{Value, json};

/// 4007, or 2000 for endCall/mute/hold under the `no-call-2000` fault.
fn no_call(ctx: &Ctx<'_>) -> Answer {
    let faulty = ctx.fault(Fault::NoCall2000) && matches!(ctx.endpoint.id.as_str(), "callctrl.end-call" | "callctrl.mute" | "callctrl.hold-call");
    if faulty { Answer::done() } else { Answer::status("4007") }
}

fn log(ctx: &Ctx<'_>) -> bool {
    !ctx.fault(Fault::CallNotLogged)
}

/// The call a `Ref` names, or the call `pick` chooses when there is no `Ref`. The
/// outer error is the answer to give (4000 bad Ref type, 4007 no such call).
fn target(ctx: &Ctx<'_>, reference: Option<&str>, pick: impl Fn(&Ctx<'_>) -> Option<usize>) -> Result<Option<usize>, Answer> {
    match reference {
        Some(r) if r.trim().is_empty() => Err(invalid()),
        Some(r) => ctx.phone.find(r).map(Some).ok_or_else(|| no_call(ctx)),
        None if ctx.phone.calls.is_empty() => Err(no_call(ctx)),
        None => Ok(pick(ctx)),
    }
}

/// The optional `Ref` of hold/resume/answer/ignore/reject.
fn optional_ref(ctx: &Ctx<'_>) -> Result<Option<String>, Answer> {
    match ctx.optional_data_object()? {
        Some(data) => Ok(opt_str(data, &["Ref"])?.map(str::to_string)),
        None => Ok(None),
    }
}

/// WebCallControl.Dial: `Dest` mandatory; `Line` optional (default 1; a line that does
/// not exist is invalid input); `Type` optional SIP/TEL/H323 (default TEL). The call rings
/// back and connects 50 ms later. On an unregistered line a profile that documents 4002
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
        ctx.phone.add_call(now, Direction::Outgoing, line, &dest, &dest, protocol);
        ctx.phone.off_hook = false;
    }
    Ok(Answer::done())
}

/// WebCallControl.EndCall: `Ref` mandatory; a held call cannot be ended (4003).
pub fn end_call(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let reference = req_str(data, &["Ref"])?.to_string();
    let Some(idx) = target(ctx, Some(&reference), |_| None)? else { return Err(no_call(ctx)) };
    if ctx.phone.calls[idx].state == CallState::Hold {
        return Err(Answer::status("4003"));
    }
    let (now, log) = (ctx.now, log(ctx));
    ctx.phone.end_call(idx, now, log);
    Ok(Answer::done())
}

/// WebCallControl.MuteCall: `state` "0" or "1" (the manual's key is lower-case `state`,
/// its sentence says `State`: both are accepted). Mute is the phone's, shown on every
/// call (v2 `Muted`) and in communicationInfo `PhoneMuteState`. No call: 4007; the active
/// call on hold: 4003.
pub fn mute(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let on = match req_str(data, &["state", "State"])?.trim() {
        "1" => true,
        "0" => false,
        _ => return Err(invalid()),
    };
    let Some(active) = ctx.phone.active() else { return Err(no_call(ctx)) };
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
    let Some(idx) = target(ctx, Some(&reference), |_| None)? else { return Err(no_call(ctx)) };
    let (now, log) = (ctx.now, log(ctx));
    ctx.phone.end_call(idx, now, log);
    Ok(Answer::done())
}

/// WebCallControl.SendDTMF: `Digits` mandatory (`digits` is accepted too: clients send
/// both, research/real-devices.md §4), only DTMF characters; needs a connected call (4007).
pub fn send_dtmf(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let digits = req_str(data, &["Digits", "digits"])?.to_string();
    if !digits.chars().all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'A'..='D' | 'a'..='d')) {
        return Err(invalid());
    }
    let Some(idx) = ctx.phone.calls.iter().rposition(|c| c.state == CallState::Connected) else { return Err(Answer::status("4007")) };
    ctx.phone.calls[idx].dtmf_sent.push_str(&digits);
    Ok(Answer::done())
}

/// WebCallControl.HoldCall: `Ref` optional ("If input is not provided, the active call
/// ... will be put on hold").
pub fn hold(ctx: &mut Ctx<'_>) -> Handled {
    let reference = optional_ref(ctx)?;
    let pick = |c: &Ctx<'_>| c.phone.calls.iter().rposition(|x| x.state == CallState::Connected);
    let Some(idx) = target(ctx, reference.as_deref(), pick)? else { return Err(Answer::status("4003")) };
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
    let pick = |c: &Ctx<'_>| c.phone.calls.iter().rposition(|x| x.state == CallState::Hold);
    let Some(idx) = target(ctx, reference.as_deref(), pick)? else { return Err(Answer::status("4003")) };
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
    let pick = |c: &Ctx<'_>| c.phone.calls.iter().rposition(|x| x.direction == Direction::Incoming && x.state == CallState::Offering);
    let Some(idx) = target(ctx, reference.as_deref(), pick)? else { return Err(Answer::status("4003")) };
    let call = &ctx.phone.calls[idx];
    if call.direction != Direction::Incoming || call.state != CallState::Offering {
        return Err(Answer::status("4003"));
    }
    Ok(idx)
}

/// WebCallControl.AnswerCall: the offered call connects; a connected call goes on hold.
pub fn answer(ctx: &mut Ctx<'_>) -> Handled {
    let idx = incoming(ctx)?;
    let now = ctx.now;
    ctx.phone.connect(idx, now);
    Ok(Answer::done())
}

/// WebCallControl.IgnoreCall: the phone stops ringing and lets the call go; it is logged
/// as missed.
pub fn ignore(ctx: &mut Ctx<'_>) -> Handled {
    let idx = incoming(ctx)?;
    ctx.phone.calls[idx].ringing = false;
    let (now, log) = (ctx.now, log(ctx));
    ctx.phone.end_call(idx, now, log);
    Ok(Answer::done())
}

/// WebCallControl.RejectCall: the call is refused; it is logged as missed.
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
    /// §1.7), but this emulator plays 5.9 firmware, whose manual is explicit.
    fn key(self) -> &'static str {
        match self {
            LogKind::Missed => "missed",
            LogKind::Received => "received",
            LogKind::Placed => "placed",
        }
    }
}

fn entry_json(e: &LogEntry) -> Value {
    json!({
        "LineNumber": e.line.to_string(),
        "StartTime": wall_text(e.start_wall),
        "RemotePartyName": e.remote_name,
        "RemotePartyNumber": e.remote_number,
        "Duration": e.duration.map(duration_text).unwrap_or_default(),
    })
}

/// WebCallControl.CallLogs: newest first. A sub-path answers the same object with only
/// its list, so one parser reads both.
pub fn call_logs(ctx: &mut Ctx<'_>, only: Option<LogKind>) -> Handled {
    let logs = &ctx.phone.logs;
    let mut data = serde_json::Map::new();
    for (kind, list) in [(LogKind::Missed, &logs.missed), (LogKind::Received, &logs.received), (LogKind::Placed, &logs.placed)] {
        if only.is_none_or(|o| o == kind) {
            data.insert(kind.key().into(), Value::Array(list.iter().map(entry_json).collect()));
        }
    }
    Ok(Answer::ok(Value::Object(data)))
}
