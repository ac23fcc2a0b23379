//! Configuration: config/get, config/set, config/export.
//!
//! Limits (Management.SetConfig / GetConfig): "At least one parameter has to be
//! provided" (0 -> 4000) and "a maximum of 20 parameters" (more -> 4009, "Parameter count
//! exceeded limit of 20 parameters"); the maximum comes from the profile. The count is
//! checked before the names, so 21 unknown names still answer 4009.

use super::ctx::{Ctx, Handled, invalid, req_str};
use super::mgmt::is_upload_url;
use crate::emulator::answer::Answer;
use crate::emulator::faults::Fault;
use crate::emulator::readings::Reading;
use crate::emulator::settings::SetError;
use serde_json::{Map, Value, json};

/// 4000 for none, 4009 for too many (unless a fault says otherwise).
fn check_count(ctx: &Ctx<'_>, n: usize) -> Result<(), Answer> {
    if n == 0 && !ctx.fault(Fault::ParamsEmptyAccepted) {
        return Err(invalid());
    }
    if n > ctx.profile.limits.config_params_max && !ctx.fault(Fault::ParamsLimitMissing) {
        return Err(Answer::status("4009"));
    }
    Ok(())
}

/// Management.GetConfig: `{"data": ["name", ...]}` -> value and source of each. Names the
/// phone does not know come back in a top-level `InvalidParams` list, as real phones do
/// (Posh-UCS "Initial support for REST InvalidParams", research/real-devices.md §1.7);
/// keys `Value`/`Source` are capitalised as every capture shows them, source names lower
/// case as the captures too (E11). Reading E11: `value`/`source` with the source in upper
/// case, as the manual prints `"source": "<LOCAL/WEB/CONFIG/DEFAULT/DEVICE>"`.
pub fn get(ctx: &mut Ctx<'_>) -> Handled {
    // E56's other reading: GetConfig never says which code refuses its input; 5000.
    let refuse = |a: Answer| {
        if ctx.reading(Reading::RefusalsWith5000) { Answer::status("5000") } else { a }
    };
    let names = ctx.data().map_err(refuse)?.as_array().ok_or_else(|| refuse(invalid()))?;
    if names.is_empty() && ctx.reading(Reading::RefusalsWith5000) {
        return Err(Answer::status("5000"));
    }
    let names: Vec<&str> = names.iter().map(|v| v.as_str().ok_or_else(invalid)).collect::<Result<_, _>>()?;
    check_count(ctx, names.len())?;
    let printed = ctx.reading(Reading::ConfigGetAsPrinted);
    let mut data = Map::new();
    let mut unknown = Vec::new();
    for name in names {
        match ctx.phone.settings.get(name) {
            Some((value, source)) if printed => {
                data.insert(name.to_string(), json!({"value": value, "source": source.label().to_ascii_uppercase()}));
            }
            Some((value, source)) => {
                data.insert(name.to_string(), json!({"Value": value, "Source": source.label()}));
            }
            None => unknown.push(Value::String(name.to_string())),
        }
    }
    let extra = if unknown.is_empty() { Vec::new() } else { vec![("InvalidParams", Value::Array(unknown))] };
    Ok(Answer::Api { status: "2000", data: Some(Value::Object(data)), extra, omit_status: false })
}

/// Management.SetConfig: `{"data": {"name": "value", ...}}`, values strings. The whole
/// request is refused with 4000 ("Invalid Parameters") if any name is unknown or read
/// only or any value is out of range; nothing is half-applied.
pub fn set(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let pairs: Vec<(String, String)> = data
        .iter()
        .map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())).ok_or_else(invalid))
        .collect::<Result<_, _>>()?;
    check_count(ctx, pairs.len())?;
    match ctx.phone.settings.validate(&pairs) {
        Ok(()) => {}
        Err(SetError::Unknown(_) | SetError::ReadOnly(_) | SetError::BadValue(_)) => {
            return Err(invalid());
        }
    }
    if !ctx.fault(Fault::ConfigSetNotApplied) {
        for (name, value) in &pairs {
            ctx.phone.settings.set_rest(name, value);
        }
    }
    Ok(Answer::done())
}

/// Management.ExportConfiguration: `Url` and `ConfigType` mandatory; `ConfigType` one of
/// ConfigFiles/Local/Web/Device/All (any case). The phone exports in the background
/// after answering; the emulator contacts no server, so a well-formed request answers
/// 2000 and a URL with a scheme the phone cannot upload to answers 4008 ("Configuration
/// Export Failed"). Invalid input answers 4000 (E28); reading E28 refuses it with 5000,
/// the only failure code the section lists.
pub fn export(ctx: &mut Ctx<'_>) -> Handled {
    let refuse_with_5000 = ctx.reading(Reading::ExportRefusesWith5000);
    check_export(ctx)
        .map_err(|a| if refuse_with_5000 && a.api_status() == Some("4000") { Answer::status("5000") } else { a })
}

fn check_export(ctx: &Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let url = req_str(data, &["Url", "URL", "url"])?;
    let kind = req_str(data, &["ConfigType"])?;
    if !["configfiles", "local", "web", "device", "all"].contains(&kind.trim().to_ascii_lowercase().as_str()) {
        return Err(invalid());
    }
    if !url.contains("://") {
        return Err(invalid());
    }
    if !is_upload_url(url) {
        return Err(Answer::status("4008"));
    }
    Ok(Answer::done())
}
