//! Management endpoints: device and network information, reboots and resets, transfer
//! type, UI XML, line information, background capture, Skype and web sign-in.

use super::{Ctx, Handled, invalid, opt_str, req_str};
use crate::emulator::answer::Answer;
use crate::emulator::faults::Fault;
use crate::emulator::settings::Settings;
use crate::emulator::state::{CallState, Reset, duration_text, uptime_text, wall_text};
use hyper::StatusCode;
use serde_json::{Value, json};
use std::net::IpAddr;
use std::time::Duration;

/// MAC address of the emulated phone (Polycom's OUI 64:16:7F).
pub const MAC: &str = "64167f0a1b2c";
/// The screen the touch and UI XML endpoints assume (Trio 8800 size; the manual gives none).
pub const SCREEN: (u32, u32) = (800, 480);

/// Application version as v1 `FirmwareRelease` and v2 `Firmware.Application` show it.
fn firmware(ctx: &Ctx<'_>) -> String {
    format!("{}.0000", ctx.profile.firmware)
}

fn model(ctx: &Ctx<'_>) -> String {
    ctx.profile.models.first().cloned().unwrap_or_default()
}

fn ipv4(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(|v| v.to_string()).unwrap_or_else(|| "0.0.0.0".into()),
    }
}

fn ipv6(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) if v6.to_ipv4_mapped().is_none() => v6.to_string(),
        _ => "::".into(),
    }
}

/// safeRestart, safeReboot, configReset (+ /local, /web, /device), factoryReset.
///
/// The phone answers 2000 first, then is away for the reboot time: calls end ("safeReboot
/// ensures that all calls on the phone are ended before initiating phone reboot",
/// Management.Reboot), uptime restarts. configReset clears the layers its path names
/// (Management.ConfigReset: "resets local, web and device settings"); factoryReset brings
/// the configuration and call logs back to first boot. The admin password is kept on
/// purpose: a real factory reset restores `456`, after which every call answers 4010, so
/// an automated run could never continue; the emulator models the REST behaviour, not the
/// out-of-band password reset.
pub fn reboot(ctx: &mut Ctx<'_>, reset: Reset) -> Handled {
    ctx.reboot = Some(reset);
    Ok(Answer::done())
}

/// Management.UpdateConfiguration: re-provision, which restarts the phone. During a call
/// the phone is busy (4001, in the endpoint's code list) rather than dropping the call.
pub fn update_configuration(ctx: &mut Ctx<'_>) -> Handled {
    if !ctx.phone.calls.is_empty() {
        return Err(Answer::status("4001"));
    }
    ctx.reboot = Some(Reset::None);
    Ok(Answer::ok(json!({"ProvisioningState": "Started"})))
}

/// Management.DeviceInfo (v1), in the shape of the Trio 5.5/5.7 and VVX 5.5 captures:
/// `DeviceType` `hardwareEndpoint`, `DeviceVendor` `Polycom` (research/real-devices.md §1.1).
pub fn device_info(ctx: &mut Ctx<'_>) -> Handled {
    let mut data = serde_json::Map::new();
    if !ctx.fault(Fault::MissingField) {
        data.insert("ModelNumber".into(), model(ctx).into());
    }
    data.insert("DeviceType".into(), "hardwareEndpoint".into());
    data.insert("FirmwareRelease".into(), firmware(ctx).into());
    data.insert("DeviceVendor".into(), "Polycom".into());
    data.insert("MACAddress".into(), MAC.into());
    data.insert("UpTimeSinceLastReboot".into(), uptime_text(ctx.phone.uptime(ctx.now), "Day").into());
    data.insert("IPV4Address".into(), ipv4(ctx.local_ip).into());
    data.insert("IPV6Address".into(), ipv6(ctx.local_ip).into());
    // E18: the printed `["Camera": ..., "EM": [...]]` is no JSON; the fault plays an array.
    let attached = if ctx.fault(Fault::AttachedHardwareArray) { json!([{"Camera": "False"}, {"EM": []}]) } else { json!({}) };
    data.insert("AttachedHardware".into(), attached);
    if ctx.fault(Fault::ShapeAddedField) {
        data.insert("BuildId".into(), "x".into());
    }
    Ok(Answer::Api { status: "2000", data: Some(Value::Object(data)), extra: Vec::new(), omit_status: ctx.fault(Fault::MissingStatus) })
}

/// Management.DeviceInfo Version 2, in the shape of the Trio 7.2 capture (§1.2).
pub fn device_info_v2(ctx: &mut Ctx<'_>) -> Handled {
    let up = ctx.phone.uptime(ctx.now).as_secs();
    let in_call = !ctx.phone.calls.is_empty();
    Ok(Answer::ok(json!({
        "ModelNumber": model(ctx),
        "DeviceVendor": "Polycom",
        "DeviceType": "HardwareEndpoint",
        "MACAddress": MAC,
        "Firmware": {
            "Application": firmware(ctx),
            "Updater": firmware(ctx),
            "BootBlock": "3.0.6.0002",
        },
        "IPAddress": ipv4(ctx.local_ip),
        "IPStack": "IPv4 Only",
        "PreferredNetwork": "IPv4",
        "IPv6Address": ipv6(ctx.local_ip),
        "IPv6LinkAddress": "::",
        "IPv6ULAAddress": "::",
        "UpTime": {
            "Days": (up / 86_400).to_string(),
            "Hours": ((up / 3600) % 24).to_string(),
            "Minutes": ((up / 60) % 60).to_string(),
            "Seconds": (up % 60).to_string(),
        },
        "AttachedHardware": {},
        "CanApplyShutdownRequest": if in_call { "False" } else { "True" },
        "IntendToShutdown": "False",
        "AppState": if in_call { "AppStateCall" } else { "AppStateMenu" },
        "ReadyToUse": "True",
    })))
}

/// Management.NetworkInfo, keys as the manual lists them (with its `CDPCompability`
/// spelling, which real VVX firmware also uses: §1.6).
pub fn network_info(ctx: &mut Ctx<'_>) -> Handled {
    if ctx.fault(Fault::NonJsonBody) {
        return Ok(Answer::HtmlPage);
    }
    let s = &ctx.phone.settings;
    Ok(Answer::ok(json!({
        "DHCP": "enabled",
        "DHCPServer": "192.0.2.1",
        "DHCPBootServerUseOption": "Custom+Option66",
        "DHCPBootServerOption": "160",
        "DHCPBootServerOptionType": "String",
        "DHCPOption60Format": "RFC3925 Binary",
        "IPV4Address": ipv4(ctx.local_ip),
        "IPV6Address": ipv6(ctx.local_ip),
        "SubnetMask": "255.255.255.0",
        "DefaultGateway": "192.0.2.1",
        "DNSServer": "192.0.2.53",
        "AlternateDNSServer": "",
        "DNSDomain": "lab.invalid",
        "SNTPAddress": s.value("tcpIpApp.sntp.address"),
        "LANPortStatus": "active",
        "LANSpeed": "1000Mbps",
        "VLANID": "",
        "VLANDiscoveryMode": "Fixed",
        "VLANIDOption": "129",
        "CDPCompability": "enabled",
        "LLDP": "enabled",
        "ProvServerAddress": s.value("device.prov.serverName"),
        "ProvServerUser": s.value("device.prov.user"),
        "ProvServerType": s.value("device.prov.serverType"),
        "UpgradeServer": "",
        "ZTPStatus": "disabled",
    })))
}

/// Management.NetworkStatistics; `UpTime` with a lower-case `day` as on Trio (§1.7).
pub fn network_stats(ctx: &mut Ctx<'_>) -> Handled {
    Ok(Answer::ok(json!({
        "UpTime": uptime_text(ctx.phone.uptime(ctx.now), "day"),
        "RxPackets": ctx.phone.rx_packets.to_string(),
        "TxPackets": ctx.phone.tx_packets.to_string(),
    })))
}

/// Management.DeviceStats: CPU load and the memory pools the manual lists.
pub fn device_stats(ctx: &mut Ctx<'_>) -> Handled {
    let calls = ctx.phone.calls.len() as f64;
    let pool = |base: u64| json!({"uordblks": (base * 3 / 4).to_string(), "hblkhd": (base / 8).to_string(), "arena": base.to_string(), "fordblks": (base / 4).to_string()});
    Ok(Answer::ok(json!({
        "CPU": {"Current": format!("{:.1}", 12.5 + 8.0 * calls), "Average": format!("{:.1}", 11.0 + 2.0 * calls)},
        "dbs": pool(3_145_728),
        "ec": pool(1_048_576),
        "pgui": pool(25_165_824),
        "brow": pool(16_777_216),
        "osd": pool(2_097_152),
        "em": pool(524_288),
        "RAMDiskSize": "67108864",
    })))
}

/// Management.RunningConfig, sections and value spellings as the manual lists them.
pub fn running_config(ctx: &mut Ctx<'_>) -> Handled {
    let s = &ctx.phone.settings;
    let enabled = |on: bool| if on { "Enabled" } else { "Disabled" };
    Ok(Answer::ok(json!({
        "Network": {
            "IPAddress": ipv4(ctx.local_ip),
            "SubnetMask": "255.255.255.0",
            "IPGateway": "192.0.2.1",
            "IPStack": "IPv4 Only",
            "IPv6Address": ipv6(ctx.local_ip),
            "IPv6Gateway": "::",
            "IPv6AddressDiscovery": "SLAAC",
            "IPv6LinkAddress": "::",
            "IPv6ULAAddress": "::",
            "PreferredNetwork": "IPv4",
            "VLAN": "",
            "VLANFiltering": "Disabled",
            "CDP": "Enabled",
            "LLDP": "Enabled",
            "StormFilterPPS": "38",
            "StormFiltering": "Enabled",
        },
        "DHCP": {
            "Feature": "Enabled",
            "Option60Format": "RFC3925 Binary",
            "BootServerOptionType": "String",
            "BootServerUseOption": "Custom then Default",
            "BootServerOption": "160",
            "OfferTimeout": "60",
            "VLANDiscovery": "Disabled",
            "VLANDiscoveryOption": "129",
        },
        "DNS": {"Feature": "Enabled", "PrimaryServer": "192.0.2.53", "SecondaryServer": "", "Domain": "lab.invalid"},
        "Provisioning": {
            "Server": s.value("device.prov.serverName"),
            "ServerType": s.value("device.prov.serverType"),
            "User": s.value("device.prov.user"),
            "FileTxTries": "3",
            "RetryWait": "1",
            "MaxServers": "1",
            "NetworkEnv": "Cable/DSL",
            "TagSerialNo": "Disabled",
        },
        "Syslog": {"Server": "", "Transport": "None", "RenderLevel": s.value("log.render.level"), "Facility": "16", "PrependMAC": "Disabled"},
        "SNTP": {"Server": s.value("tcpIpApp.sntp.address"), "GMTOffsetSeconds": s.value("tcpIpApp.sntp.gmtOffset"), "GMTOffsetHours": (s.value("tcpIpApp.sntp.gmtOffset").parse::<i64>().unwrap_or(0) / 3600).to_string()},
        "TR069": {"Feature": enabled(false), "ACSURL": "", "ACSUsername": "", "CPEUsername": "", "PeriodicInform": "Disabled", "InformInterval": "18000", "UpgradeManagement": "Disabled"},
    })))
}

/// Management.LocationInformation: every key the manual lists (spaces and all), empty
/// except what a lab phone would have.
pub fn location_info(_ctx: &mut Ctx<'_>) -> Handled {
    let keys = [
        "Country", "StreetGroup", "House Number", "State", "Place Type ", "District", "Add. Info", "Road SubSection", "City", "Neighbourhood Block", "Landmark", "Post Box",
        "Division", "Street", "Road Section", "Street1", "Street2", "Place Name", "House Num. Suff.", "Zip Code", "Road Pre Modifier", "Building", "Unit", "Floor",
        "Additional Code", "Room", "Postal Name", "Seat", "Road", "Road Branch", "Road Post Modifier",
    ];
    let mut data = serde_json::Map::new();
    for k in keys {
        let v = match k {
            "Country" => "US",
            "City" => "Lab",
            "Room" => "Test bench",
            _ => "",
        };
        data.insert(k.to_string(), v.into());
    }
    Ok(Answer::ok(Value::Object(data)))
}

/// Management.PollForStatus: `Active` during a call, else `Idle` with the last call's time.
pub fn poll_for_status(ctx: &mut Ctx<'_>) -> Handled {
    let connected = ctx.phone.calls.iter().filter(|c| c.state == CallState::Connected).map(|c| c.duration(ctx.now)).max();
    let data = match connected {
        Some(d) => json!({"State": "Active", "StateData": format!("Active call duration {}", duration_text(d))}),
        None => json!({"State": "Idle", "StateData": ctx.phone.last_call_end.map(|t| format!("Time of last call {}", wall_text(t))).unwrap_or_default()}),
    };
    Ok(Answer::ok(data))
}

/// Management.GetTransferType (stored as `call.DefaultTransferType`, so configReset resets it).
pub fn transfer_type_get(ctx: &mut Ctx<'_>) -> Handled {
    Ok(Answer::ok(json!({"Type": ctx.phone.settings.transfer_type()})))
}

/// Management.SetTransferType: Consultative, Blind or Safe (any case); anything else 4000.
pub fn transfer_type_set(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    let name = req_str(data, &["Type"])?;
    let canonical = Settings::transfer_type_named(name.trim()).ok_or_else(invalid)?;
    ctx.phone.settings.set_rest("call.DefaultTransferType", canonical);
    Ok(Answer::done())
}

/// Management.Uixml: the current screen as UI XML, with the soft keys a call shows
/// ("End Call", "Hold", "Resume", "New Call": what client tests look for, §6).
pub fn uixml(ctx: &mut Ctx<'_>) -> Handled {
    let active = ctx.phone.active().map(|i| &ctx.phone.calls[i]);
    let (screen, keys): (&str, Vec<&str>) = match active.map(|c| c.state) {
        None => ("Home", vec!["New Call", "Forward", "DND", "Directories"]),
        Some(CallState::Offering) => ("IncomingCall", vec!["Answer", "Reject", "Ignore"]),
        Some(CallState::RingBack) => ("OutgoingCall", vec!["End Call"]),
        Some(CallState::Connected) => ("ActiveCall", vec!["Hold", "End Call", "Transfer", "New Call"]),
        Some(CallState::Hold) => ("HeldCall", vec!["Resume", "End Call", "New Call"]),
    };
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><UIXML version=\"1.0\"><Screen name=\"{screen}\" width=\"{}\" height=\"{}\"><SoftKeys view-offset=\"0:0\">",
        SCREEN.0, SCREEN.1
    );
    for (i, k) in keys.iter().enumerate() {
        xml.push_str(&format!("<SoftKey index=\"{}\" label=\"{k}\" x=\"{}\" y=\"430\" width=\"150\" height=\"50\"/>", i + 1, 20 + 190 * i));
    }
    xml.push_str("</SoftKeys>");
    if let Some(call) = active {
        xml.push_str(&format!("<Call handle=\"0x{}\" state=\"{}\" remote=\"{}\"/>", call.handle_hex(), call.state.label(), xml_escape(&call.remote_number)));
    }
    xml.push_str("</Screen></UIXML>");
    Ok(Answer::ok(Value::String(xml)))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Skype for Business needs the Lync base profile (`device.baseProfile`).
fn skype_mode(ctx: &Ctx<'_>) -> bool {
    matches!(ctx.phone.settings.value("device.baseProfile"), "Lync" | "SkypeForBusiness")
}

/// WebCallControl.GetCurrentPresence: "supported only for Skype for Business"; on the
/// emulator's plain SIP line (Generic base profile) that is 4004 "Operation Not
/// Supported", the code the endpoint lists for other call servers.
pub fn get_presence(ctx: &mut Ctx<'_>) -> Handled {
    if !skype_mode(ctx) {
        return Err(Answer::status("4004"));
    }
    let presence = if ctx.phone.skype_signed_in { "Available" } else { "Offline" };
    Ok(Answer::ok(json!({"Presence": presence})))
}

/// Management.SkypeSignIn: input checked first (4000; `Domain` must be present, possibly
/// empty; `LockCode` optional), then 4004 outside Skype mode, 4003 when already signed in.
/// There is no Skype server; in Skype mode a well-formed sign-in succeeds.
pub fn skype_sign_in(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    req_str(data, &["Address"])?;
    req_str(data, &["User"])?;
    req_str(data, &["Password"])?;
    opt_str(data, &["Domain"])?.ok_or_else(invalid)?;
    opt_str(data, &["LockCode"])?;
    if !skype_mode(ctx) {
        return Err(Answer::status("4004"));
    }
    if ctx.phone.skype_signed_in {
        return Err(Answer::status("4003"));
    }
    ctx.phone.skype_signed_in = true;
    Ok(Answer::done())
}

/// Management.SkypeSignOut: 4004 outside Skype mode, 4003 when not signed in.
pub fn skype_sign_out(ctx: &mut Ctx<'_>) -> Handled {
    if !skype_mode(ctx) {
        return Err(Answer::status("4004"));
    }
    if !ctx.phone.skype_signed_in {
        return Err(Answer::status("4003"));
    }
    ctx.phone.skype_signed_in = false;
    Ok(Answer::done())
}

/// Management.WebSignIn (Trio): a device-login URL and a one-time code.
pub fn web_sign_in(ctx: &mut Ctx<'_>) -> Handled {
    let seed = ctx.phone.rx_packets.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ ctx.now.elapsed().as_nanos() as u64;
    let alphabet = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let code: String = (0..9).map(|i| alphabet[((seed >> (i * 6)) % alphabet.len() as u64) as usize] as char).collect();
    ctx.phone.web_sign_in_code = Some(code.clone());
    Ok(Answer::ok(json!({"Url": "http://aka.ms/sphone", "Code": code})))
}

/// Management.WebSignInCancel (Trio).
pub fn web_sign_in_cancel(ctx: &mut Ctx<'_>) -> Handled {
    ctx.phone.web_sign_in_code = None;
    Ok(Answer::ok(json!({"result": "Canceled"})))
}

/// Network.UploadBgCapture (Trio): HTTP 404 unless `diags.pcap.enabled` and
/// `diags.pcap.background.enabled` are on; 4000 for a bad `url`; 4001 within the
/// profile's interval (10 s) of the previous accepted capture. Only accepted uploads
/// start the interval, so a refused one cannot extend it. Nothing is uploaded.
pub fn upload_bg_capture(ctx: &mut Ctx<'_>) -> Handled {
    let s = &ctx.phone.settings;
    if !(s.is_on("diags.pcap.enabled") && s.is_on("diags.pcap.background.enabled")) {
        return Err(Answer::http(StatusCode::NOT_FOUND));
    }
    let url = match ctx.optional_data_object()? {
        Some(data) => opt_str(data, &["url", "Url"])?,
        None => None,
    };
    if url.is_some_and(|u| !is_upload_url(u)) {
        return Err(invalid());
    }
    let interval = ctx.profile.limits.upload_bg_capture_interval_secs.map(Duration::from_secs);
    let too_soon = matches!((interval, ctx.phone.last_bg_capture), (Some(i), Some(last)) if ctx.now.saturating_duration_since(last) < i);
    if too_soon && !ctx.fault(Fault::BgcaptureNoRateLimit) {
        return Err(Answer::status("4001"));
    }
    ctx.phone.last_bg_capture = Some(ctx.now);
    Ok(Answer::done())
}

/// An absolute URL with a transfer scheme the phone can upload to, and a host.
pub fn is_upload_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    ["http://", "https://", "ftp://", "ftps://", "tftp://"]
        .iter()
        .any(|s| lower.strip_prefix(s).is_some_and(|rest| rest.split('/').next().is_some_and(|host| !host.is_empty() && !host.contains(char::is_whitespace))))
}

fn line_object_v1(ctx: &Ctx<'_>, number: u32, registered: bool) -> Value {
    let s = &ctx.phone.settings;
    let server = s.value("reg.1.server.1.address");
    let address = s.value("reg.1.address");
    json!({
        "LineNumber": number.to_string(),
        "Protocol": "SIP",
        "SIPAddress": if server.is_empty() { address.to_string() } else { format!("{address}@{server}") },
        "ProxyAddress": server,
        "UserID": s.value("reg.1.auth.userId"),
        "Label": s.value("reg.1.label"),
        "LineType": s.value("reg.1.type"),
        "RegistrationStatus": if registered { "registered" } else { "unregistered" },
        "Port": match s.value("reg.1.server.1.port") { "0" => "5060", p => p },
    })
}

/// Management.LineInfo (v1): an array of lines, lower-case status words as captured (§1.5).
pub fn line_info(ctx: &mut Ctx<'_>) -> Handled {
    let lines: Vec<Value> = ctx.phone.lines.iter().map(|l| line_object_v1(ctx, l.number, l.registered)).collect();
    if ctx.fault(Fault::RetypedField) {
        return Ok(Answer::ok(lines.into_iter().next().unwrap_or_else(|| json!({}))));
    }
    Ok(Answer::ok(Value::Array(lines)))
}

/// Management.LineInfo Version 2: `?line=N` selects one line; a line that does not exist,
/// a value that is not a number, or any other query parameter answers 4000 (the
/// endpoint's only input error code).
pub fn line_info_v2(ctx: &mut Ctx<'_>) -> Handled {
    let mut wanted = None;
    for (k, v) in ctx.query_pairs()? {
        match k.as_str() {
            "line" => wanted = Some(v.trim().parse::<u32>().map_err(|_| invalid())?),
            _ => return Err(invalid()),
        }
    }
    if wanted.is_some_and(|n| ctx.phone.line(n).is_none()) {
        return Err(invalid());
    }
    let s = &ctx.phone.settings;
    let mut out = Vec::new();
    for line in ctx.phone.lines.iter().filter(|l| wanted.is_none_or(|n| n == l.number)) {
        let registration = if line.registered { "Registered" } else { "Unregistered" };
        let appearances: Vec<String> = ctx.phone.calls.iter().filter(|c| c.line == line.number).map(|c| c.handle_hex()).collect();
        out.push(json!({
            "ID": line.number.to_string(),
            "Label": s.value("reg.1.label"),
            "Username": s.value("reg.1.address"),
            "Assigned": "True",
            "RegistrationStatus": registration,
            "Type": if s.value("reg.1.type") == "shared" { "Shared" } else { "Private" },
            "Active": if appearances.is_empty() { "False" } else { "True" },
            "DoNotDisturb": if s.is_on("call.donotdisturb.perReg") { "True" } else { "False" },
            "CallAppearances": appearances,
            "CallServers": [{
                "ID": "1",
                "Address": s.value("reg.1.server.1.address"),
                "RegistrationStatus": registration,
                "Port": match s.value("reg.1.server.1.port") { "0" => "5060", p => p },
                "Expires": s.value("reg.1.server.1.expires"),
                "Transport": s.value("reg.1.server.1.transport"),
                "Working": if line.registered { "True" } else { "False" },
            }],
            "ForwardingConfig": {
                "Always": "",
                "DoNotDisturb": "",
                "Busy": s.value("reg.1.fwd.busy.contact"),
                "NoAnswer": s.value("reg.1.fwd.noanswer.contact"),
            },
        }));
    }
    Ok(Answer::ok(Value::Array(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_urls_need_a_scheme_and_a_host() {
        assert!(is_upload_url("http://192.0.2.5/upload"));
        assert!(is_upload_url("TFTP://server"));
        assert!(!is_upload_url("http://"));
        assert!(!is_upload_url("file:///etc/passwd"));
        assert!(!is_upload_url("not a url"));
    }
}
