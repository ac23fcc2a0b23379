//! The API handlers, one file per area of the manual, and what they share.
//!
//! Every handler gets a [`Ctx`]: the phone (already locked), the profile and endpoint,
//! the active faults, the query string and the parsed body; it returns an [`Answer`].
//! Handlers never see HTTP: the rules that apply to every request (auth, content type,
//! size, one at a time) were checked by `server` before.
//!
//! Input rules common to all endpoints (Commands and Structure, "Input"):
//! - A body that is not JSON, not an object, or whose `data` has the wrong JSON type
//!   answers 4000 ("Invalid input parameters"); so does a missing mandatory field or a
//!   field that is not a string (every scalar of the API is a string).
//! - "Input is optional" endpoints accept no body, `{}` and `{"data": {}}`.
//! - Endpoints with "Input: None" ignore any body.

mod callctrl;
mod config;
mod media;
mod mgmt;
mod simulate;
mod webcallcontrol;

use super::answer::Answer;
use super::faults::{Fault, FaultSet};
use super::input::Input;
use super::readings::{Reading, ReadingSet};
use super::settings::Source;
use super::state::{Phone, Reset};
use crate::catalogue::{Endpoint, Profile};
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
            out.push((
                percent_decode(k).ok_or_else(invalid)?,
                percent_decode(v).ok_or_else(invalid)?,
            ));
        }
        Ok(out)
    }
}

/// Status 4000.
pub fn invalid() -> Answer {
    Answer::status("4000")
}

/// A string field: Ok(None) when absent, 4000 when present but not a string.
pub fn opt_str<'a>(
    data: &'a Map<String, Value>,
    names: &[&str],
) -> Result<Option<&'a str>, Answer> {
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

/// Run the handler of the request's endpoint.
pub fn dispatch(ctx: &mut Ctx<'_>) -> Answer {
    let result = match ctx.endpoint.id.as_str() {
        "mgmt.safe-restart" | "mgmt.safe-reboot" => mgmt::reboot(ctx, Reset::None),
        "mgmt.config-reset" => mgmt::reboot(
            ctx,
            Reset::Config(&[Source::Local, Source::Web, Source::Device]),
        ),
        "mgmt.config-reset.local" => mgmt::reboot(ctx, Reset::Config(&[Source::Local])),
        "mgmt.config-reset.web" => mgmt::reboot(ctx, Reset::Config(&[Source::Web])),
        "mgmt.config-reset.device" => mgmt::reboot(ctx, Reset::Config(&[Source::Device])),
        "mgmt.factory-reset" => mgmt::reboot(ctx, Reset::Factory),
        "mgmt.update-configuration" => mgmt::update_configuration(ctx),
        "mgmt.network-info" => mgmt::network_info(ctx),
        "mgmt.device-info" => mgmt::device_info(ctx),
        "mgmt.device-info.v2" => mgmt::device_info_v2(ctx),
        "mgmt.network-stats" => mgmt::network_stats(ctx),
        "mgmt.device-stats" => mgmt::device_stats(ctx),
        "mgmt.running-config" => mgmt::running_config(ctx),
        "mgmt.location-info" => mgmt::location_info(ctx),
        "mgmt.poll-for-status" => mgmt::poll_for_status(ctx),
        "mgmt.transfer-type.get" => mgmt::transfer_type_get(ctx),
        "mgmt.transfer-type.set" => mgmt::transfer_type_set(ctx),
        "mgmt.uixml" => mgmt::uixml(ctx),
        "mgmt.get-presence" => mgmt::get_presence(ctx),
        "mgmt.skype.sign-in" => mgmt::skype_sign_in(ctx),
        "mgmt.skype.sign-out" => mgmt::skype_sign_out(ctx),
        "mgmt.web-sign-in" => mgmt::web_sign_in(ctx),
        "mgmt.web-sign-in-cancel" => mgmt::web_sign_in_cancel(ctx),
        "mgmt.network.upload-bg-capture" => mgmt::upload_bg_capture(ctx),
        "mgmt.line-info" => mgmt::line_info(ctx),
        "mgmt.line-info.v2" => mgmt::line_info_v2(ctx),
        "mgmt.config-get" => config::get(ctx),
        "mgmt.config-set" => config::set(ctx),
        "mgmt.config-export" => config::export(ctx),
        "callctrl.dial" => callctrl::dial(ctx),
        "callctrl.end-call" => callctrl::end_call(ctx),
        "callctrl.mute" => callctrl::mute(ctx),
        "callctrl.transfer-call" => callctrl::transfer(ctx),
        "callctrl.send-dtmf" => callctrl::send_dtmf(ctx),
        "callctrl.hold-call" => callctrl::hold(ctx),
        "callctrl.resume-call" => callctrl::resume(ctx),
        "callctrl.answer-call" => callctrl::answer(ctx),
        "callctrl.ignore-call" => callctrl::ignore(ctx),
        "callctrl.reject-call" => callctrl::reject(ctx),
        "mgmt.call-logs" => callctrl::call_logs(ctx, None),
        "mgmt.call-logs.missed" => callctrl::call_logs(ctx, Some(callctrl::LogKind::Missed)),
        "mgmt.call-logs.received" => callctrl::call_logs(ctx, Some(callctrl::LogKind::Received)),
        "mgmt.call-logs.placed" => callctrl::call_logs(ctx, Some(callctrl::LogKind::Placed)),
        "webcallcontrol.call-status" => webcallcontrol::call_status_v1(ctx),
        "webcallcontrol.call-status.v2" => webcallcontrol::call_status_v2(ctx),
        "webcallcontrol.sip-status" => webcallcontrol::sip_status(ctx),
        "mgmt.communication-info" => media::communication_info(ctx),
        "mgmt.session-stats" => media::session_stats(ctx),
        "mgmt.simulate-touch" => simulate::touch(ctx),
        "mgmt.simulate-key-event" => simulate::key_event(ctx),
        "mgmt.simulate-text-input" => simulate::text_input(ctx),
        "mgmt.simulate-hook" => simulate::hook(ctx),
        // An endpoint a future profile adds before the emulator learns it:
        // "Failed to process request" is the honest answer.
        _ => Err(Answer::status("5000")),
    };
    result.unwrap_or_else(|a| a)
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
