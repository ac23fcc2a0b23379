//! Media endpoints: communication info and session statistics of the current calls.

use super::ctx::{Ctx, Handled};
use crate::emulator::answer::Answer;
use crate::emulator::readings::Reading;
use crate::emulator::state::CallState;
use serde_json::{Value, json};

/// Management.CommunicationInfo: one `CommunicationType` per call with media (`RxTx`
/// connected, `Tx` held), the phone's mute as `PhoneMuteState` (AVISPL capture, §1.7).
pub fn communication_info(ctx: &mut Ctx<'_>) -> Handled {
    let types: Vec<&str> = ctx
        .phone
        .calls
        .iter()
        .filter_map(|c| match c.state {
            CallState::Connected => Some("RxTx"),
            CallState::Hold => Some("Tx"),
            _ => None,
        })
        .collect();
    Ok(Answer::ok(json!({
        "CommunicationType": types,
        "FarEndMuteState": [],
        "PhoneMuteState": if ctx.phone.muted && !ctx.phone.calls.is_empty() { "True" } else { "False" },
    })))
}

/// Management.SessionStats: a list of sessions, one per call with media, each with its
/// voice stream; counters grow with the call's duration (50 packets/s of 20 ms G.722).
/// No call: an empty list. `Ref` is the call's handle, as the Trio 5.8 capture shows;
/// reading E53 names the session instead (`<SESSION_REFERENCE>` gives no format).
pub fn session_stats(ctx: &mut Ctx<'_>) -> Handled {
    let named = ctx.reading(Reading::ShapesManualAllows);
    let sessions: Vec<Value> = ctx
        .phone
        .calls
        .iter()
        .filter(|c| matches!(c.state, CallState::Connected | CallState::Hold))
        .enumerate()
        .map(|(i, c)| {
            let secs = c.duration(ctx.now).as_millis() as u64 / 20;
            let (sent, received) = (secs, secs.saturating_sub(secs / 200));
            json!({
                "Ref": if named { format!("Session {}", i + 1) } else { format!("0x{}", c.handle_hex()) },
                "SRTPCall": "False",
                "H235Call": "False",
                "H235DHKey": "",
                "Streams": [{
                    "Ref": format!("0x{:08x}", c.handle.rotate_left(7)),
                    "Category": "0:Voice",
                    "PacketsReceived": received.to_string(),
                    "PacketsSent": sent.to_string(),
                    "OctetsReceived": (received * 80).to_string(),
                    "OctetsSent": (sent * 80).to_string(),
                    "PacketsExpected": sent.to_string(),
                    "PacketsLost": (sent - received).to_string(),
                    "Jitter": "0",
                    "MaxJitter": "2",
                    "Latency": "0",
                    "RxPayloadSize": "80",
                    "TxPayloadSize": "80",
                    "RxCodec": "9:G.722",
                    "TxCodec": "9:G.722",
                    "RxMOSCQ": "4.1",
                    "TxMOSCQ": "4.1",
                    "RxMOSLQ": "4.2",
                    "TxMOSLQ": "4.2",
                }],
            })
        })
        .collect();
    Ok(Answer::ok(Value::Array(sessions)))
}
