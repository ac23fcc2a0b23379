//! UI simulation: touch, key events, text input and (VVX) the hook switch.

use super::ctx::{Ctx, Handled, invalid, opt_str, req_str};
use super::mgmt::SCREEN;
use crate::emulator::answer::Answer;
use crate::emulator::readings::Reading;
use crate::emulator::state::{CallState, Direction};
use serde_json::Value;

/// Qt 4.8 `QEasingCurve::Type` names, which the manual points to for `Easing`.
const EASINGS: &[&str] = &[
    "Linear",
    "InQuad",
    "OutQuad",
    "InOutQuad",
    "OutInQuad",
    "InCubic",
    "OutCubic",
    "InOutCubic",
    "OutInCubic",
    "InQuart",
    "OutQuart",
    "InOutQuart",
    "OutInQuart",
    "InQuint",
    "OutQuint",
    "InOutQuint",
    "OutInQuint",
    "InSine",
    "OutSine",
    "InOutSine",
    "OutInSine",
    "InExpo",
    "OutExpo",
    "InOutExpo",
    "OutInExpo",
    "InCirc",
    "OutCirc",
    "InOutCirc",
    "OutInCirc",
    "InElastic",
    "OutElastic",
    "InOutElastic",
    "OutInElastic",
    "InBack",
    "OutBack",
    "InOutBack",
    "OutInBack",
    "InBounce",
    "OutBounce",
    "InOutBounce",
    "OutInBounce",
    "InCurve",
    "OutCurve",
    "SineCurve",
    "CosineCurve",
];

/// Management.SimulateTouch. "For Tap/Press/Release events, only one position object is
/// accepted. For Swipe event, a minimum of two and a maximum of five": fewer positions
/// than the minimum is invalid input (4000); more than the maximum is the one input-size
/// error this endpoint lists (4009, "Input Size Limit Exceeded"). Positions are objects
/// with `X` and `Y` as strings of whole pixels inside the screen ("This API will not work
/// if the position provided is outside the screen boundary": 4000). `Duration` (ms) and
/// `Easing` (a Qt easing curve name) are optional.
pub fn touch(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let kind = req_str(data, &["Type"])?.trim();
    let (min, max) = match kind {
        "Tap" | "Press" | "Release" => (1, 1),
        "Swipe" => (2, 5),
        _ => return Err(invalid()),
    };
    let positions = data.get("Positions").and_then(Value::as_array).ok_or_else(invalid)?;
    // E56's other reading: the Note says a count is not accepted, not which code refuses it.
    let wrong_count =
        |code: &'static str| Answer::status(if ctx.reading(Reading::RefusalsWith5000) { "5000" } else { code });
    if positions.len() < min {
        return Err(wrong_count("4000"));
    }
    if positions.len() > max {
        return Err(wrong_count("4009"));
    }
    for p in positions {
        let p = p.as_object().ok_or_else(invalid)?;
        let x = coordinate(p, "X", SCREEN.0)?;
        let y = coordinate(p, "Y", SCREEN.1)?;
        let _ = (x, y);
    }
    if let Some(d) = opt_str(data, &["Duration"])? {
        d.trim().parse::<u32>().map_err(|_| invalid())?;
    }
    if opt_str(data, &["Easing"])?.is_some_and(|e| !EASINGS.contains(&e.trim())) {
        return Err(invalid());
    }
    Ok(Answer::done())
}

fn coordinate(p: &serde_json::Map<String, Value>, key: &str, limit: u32) -> Result<u32, Answer> {
    let v = req_str(p, &[key])?.trim().parse::<u32>().map_err(|_| invalid())?;
    if v >= limit { Err(invalid()) } else { Ok(v) }
}

/// Key names: the manual's list (MicMute, VolDown, VolUp) and the names clients use
/// against real phones (vvxme, research/real-devices.md §4).
const KEYS: &[&str] = &[
    "MicMute",
    "VolDown",
    "VolUp",
    "ArrowUp",
    "ArrowDown",
    "ArrowLeft",
    "ArrowRight",
    "Dialpad0",
    "Dialpad1",
    "Dialpad2",
    "Dialpad3",
    "Dialpad4",
    "Dialpad5",
    "Dialpad6",
    "Dialpad7",
    "Dialpad8",
    "Dialpad9",
    "DialpadStar",
    "DialpadPound",
    "Home",
    "Redial",
    "Select",
    "Delete",
    "SoftKey1",
    "SoftKey2",
    "SoftKey3",
    "SoftKey4",
];

/// Reading E23: the endpoints whose code lists print the UC Software 6.x codes refuse
/// invalid input with 4400 (Bad Request) instead of 4000.
fn refuse_6x(ctx: &Ctx<'_>, answer: Answer) -> Answer {
    if ctx.reading(Reading::Status6xCodes) && answer.api_status() == Some("4000") {
        Answer::status("4400")
    } else {
        answer
    }
}

/// Management.SimulateKeyEvent: `Type` "Tap" (the manual's only type; its example has a
/// trailing space, which is ignored), `KeyName` from [`KEYS`]. `MicMute` toggles the
/// phone's mute during a call, as the key does. Readings: E36 any key name is accepted;
/// E23 refusals are 4400.
pub fn key_event(ctx: &mut Ctx<'_>) -> Handled {
    let key = key_name(ctx).map_err(|a| refuse_6x(ctx, a))?;
    if key == "MicMute" && !ctx.phone.calls.is_empty() {
        ctx.phone.muted = !ctx.phone.muted;
    }
    Ok(Answer::done())
}

fn key_name(ctx: &Ctx<'_>) -> Result<String, Answer> {
    let data = ctx.data_object()?;
    if req_str(data, &["Type"])?.trim() != "Tap" {
        return Err(invalid());
    }
    let key = req_str(data, &["KeyName"])?.trim();
    if !KEYS.contains(&key) && !ctx.reading(Reading::KeyNamesAny) {
        return Err(invalid());
    }
    Ok(key.to_string())
}
/// Management.SimulateTextInput: `Value` mandatory (may be empty: clearing a field),
/// `ReplaceText` optional "true"/"false" (E37). Readings: E37 `ReplaceText` required (the
/// truncated example may have shown it); E23 refusals are 4400.
pub fn text_input(ctx: &mut Ctx<'_>) -> Handled {
    let (value, replace) = text_input_data(ctx).map_err(|a| refuse_6x(ctx, a))?;
    if replace {
        ctx.phone.text_field = value;
    } else {
        ctx.phone.text_field.push_str(&value);
    }
    Ok(Answer::done())
}

fn text_input_data(ctx: &Ctx<'_>) -> Result<(String, bool), Answer> {
    let data = ctx.data_object()?;
    let value = opt_str(data, &["Value"])?.ok_or_else(invalid)?.to_string();
    let replace = match opt_str(data, &["ReplaceText"])?.map(|r| r.trim().to_ascii_lowercase()) {
        None if ctx.reading(Reading::TextInputRequiresReplaceText) => return Err(invalid()),
        None => false,
        Some(r) if r == "true" => true,
        Some(r) if r == "false" => false,
        Some(_) => return Err(invalid()),
    };
    Ok((value, replace))
}

/// Management.SimulateHook (VVX). The manual's text of this section is missing from
/// every copy and no client calls it (research/real-devices.md §5, GAP), so the input is
/// a decision: `{"data": {"State": "OffHook" | "OnHook"}}`, key `State` or `state`, value
/// in any case. OffHook answers a ringing call or takes the handset off hook; OnHook ends
/// the connected call. Anything else is 4000, the one input error the endpoint lists.
/// Reading E20: the endpoint takes no input; any body, JSON or not, is ignored and the
/// hook toggles.
pub fn hook(ctx: &mut Ctx<'_>) -> Handled {
    let state = if ctx.reading(Reading::SimulateHookTakesNoInput) {
        let off_hook = ctx.phone.off_hook || ctx.phone.calls.iter().any(|c| c.state == CallState::Connected);
        if off_hook { "onhook".to_string() } else { "offhook".to_string() }
    } else {
        let data = ctx.data_object()?;
        req_str(data, &["State", "state"])?.trim().to_ascii_lowercase()
    };
    let now = ctx.now;
    match state.as_str() {
        "offhook" => {
            match ctx
                .phone
                .calls
                .iter()
                .rposition(|c| c.direction == Direction::Incoming && c.state == CallState::Offering)
            {
                Some(idx) => ctx.phone.connect(idx, now),
                None => ctx.phone.off_hook = true,
            }
            Ok(Answer::done())
        }
        "onhook" => {
            if let Some(idx) = ctx.phone.calls.iter().rposition(|c| c.state == CallState::Connected) {
                let log = !ctx.fault(crate::emulator::faults::Fault::CallNotLogged);
                ctx.phone.end_call(idx, now, log);
            }
            ctx.phone.off_hook = false;
            Ok(Answer::done())
        }
        _ => Err(invalid()),
    }
}
