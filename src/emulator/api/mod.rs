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
pub mod ctx;
mod media;
mod mgmt;
mod simulate;
mod webcallcontrol;

use super::answer::Answer;
use super::settings::Source;
use super::state::Reset;
pub use ctx::{Ctx, Handled};

/// Run the handler of the request's endpoint.
pub fn dispatch(ctx: &mut Ctx<'_>) -> Answer {
    let result = match ctx.endpoint.id.as_str() {
        "mgmt.safe-restart" | "mgmt.safe-reboot" => mgmt::reboot(ctx, Reset::None),
        "mgmt.config-reset" => mgmt::reboot(ctx, Reset::Config(&[Source::Local, Source::Web, Source::Device])),
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
