//! Management endpoints: device and network information, reboots and resets, transfer
//! type, UI XML, line information, background capture, Skype and web sign-in.

use super::ctx::{Ctx, Handled, invalid, opt_str, req_str};
use crate::emulator::answer::Answer;
use crate::emulator::faults::Fault;
use crate::emulator::readings::Reading;
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
/// Reading E44: the version the Trio manual's command chapter names (5.8.0).
fn firmware(ctx: &Ctx<'_>) -> String {
    let version = if ctx.reading(Reading::FirmwareAsPrinted) { "5.8.0" } else { ctx.profile.firmware.as_str() };
    format!("{version}.0000")
}

/// `DeviceVendor`: `Polycom` as every real device and the VVX manual say; reading E13:
/// `Poly`, as the Trio manual prints it.
fn vendor(ctx: &Ctx<'_>) -> &'static str {
    if ctx.reading(Reading::VendorAsPrinted) { "Poly" } else { "Polycom" }
}

/// The IP stack as DeviceInfo v2 and RunningConfig print it ("IPv4 Only"); reading E53:
/// in lower case, a shape the manual's slash list allows but no capture shows.
fn ip_stack(ctx: &Ctx<'_>) -> &'static str {
    if ctx.reading(Reading::ShapesManualAllows) { "ipv4 only" } else { "IPv4 Only" }
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
///
/// safeRestart restarts the application only ("executes a safeRestart on phone", VVX
/// text): the phone goes away as briefly, but its uptime since the last reboot goes on.
/// Reading E06: it reboots the whole phone, as the Trio text ("executes a safeReboot")
/// says, and the uptime starts again.
pub fn reboot(ctx: &mut Ctx<'_>, reset: Reset) -> Handled {
    let restart = ctx.endpoint.id == "mgmt.safe-restart" && !ctx.reading(Reading::RestartReboots);
    ctx.reboot = Some(if restart { Reset::Restart } else { reset });
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
/// Readings: E03 the key `ModelNumber ` as printed, E12 `HardwareEndPoint` as printed,
/// E13 vendor `Poly`, E33 the uptime as `3.02:24:46`, E44 firmware 5.8.0.
pub fn device_info(ctx: &mut Ctx<'_>) -> Handled {
    let mut data = serde_json::Map::new();
    if !ctx.fault(Fault::MissingField) {
        let key = if ctx.reading(Reading::ModelNumberAsPrinted) { "ModelNumber " } else { "ModelNumber" };
        data.insert(key.into(), model(ctx).into());
    }
    let device_type = if ctx.reading(Reading::DeviceTypeAsPrinted) { "HardwareEndPoint" } else { "hardwareEndpoint" };
    data.insert("DeviceType".into(), device_type.into());
    data.insert("FirmwareRelease".into(), firmware(ctx).into());
    data.insert("DeviceVendor".into(), vendor(ctx).into());
    data.insert("MACAddress".into(), MAC.into());
    let up = ctx.phone.uptime(ctx.now);
    let uptime = if ctx.reading(Reading::UptimeOtherFormat) {
        let s = up.as_secs();
        format!("{}.{:02}:{:02}:{:02}", s / 86_400, (s / 3600) % 24, (s / 60) % 60, s % 60)
    } else {
        uptime_text(up, "Day")
    };
    data.insert("UpTimeSinceLastReboot".into(), uptime.into());
    data.insert("IPV4Address".into(), ipv4(ctx.local_ip).into());
    data.insert("IPV6Address".into(), ipv6(ctx.local_ip).into());
    // E18: the printed `["Camera": ..., "EM": [...]]` is no JSON; the fault plays an array.
    let attached =
        if ctx.fault(Fault::AttachedHardwareArray) { json!([{"Camera": "False"}, {"EM": []}]) } else { json!({}) };
    data.insert("AttachedHardware".into(), attached);
    if ctx.fault(Fault::ShapeAddedField) {
        data.insert("BuildId".into(), "x".into());
    }
    Ok(Answer::Api {
        status: "2000",
        data: Some(Value::Object(data)),
        extra: Vec::new(),
        omit_status: ctx.fault(Fault::MissingStatus),
    })
}

/// Management.DeviceInfo Version 2, in the shape of the Trio 7.2 capture (§1.2).
/// Readings: E13 vendor `Poly`, E44 firmware 5.8.0, E53 `IPStack` in lower case.
pub fn device_info_v2(ctx: &mut Ctx<'_>) -> Handled {
    let up = ctx.phone.uptime(ctx.now).as_secs();
    let in_call = !ctx.phone.calls.is_empty();
    Ok(Answer::ok(json!({
        "ModelNumber": model(ctx),
        "DeviceVendor": vendor(ctx),
        "DeviceType": "HardwareEndpoint",
        "MACAddress": MAC,
        "Firmware": {
            "Application": firmware(ctx),
            "Updater": firmware(ctx),
            "BootBlock": "3.0.6.0002",
        },
        "IPAddress": ipv4(ctx.local_ip),
        "IPStack": ip_stack(ctx),
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
/// spelling, which real VVX firmware also uses: §1.6). Readings: E15 the later spellings
/// `CDPCompatibility` (Trio 7.x) and `DHCPBootServerUserOption` (VVX); E31 only the
/// members the OCR-damaged Trio text prints legibly.
pub fn network_info(ctx: &mut Ctx<'_>) -> Handled {
    if ctx.fault(Fault::NonJsonBody) {
        return Ok(Answer::HtmlPage);
    }
    let s = &ctx.phone.settings;
    let mut data = json!({
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
    });
    let Some(map) = data.as_object_mut() else {
        return Err(Answer::status("5000"));
    };
    if ctx.reading(Reading::NetworkInfoLaterSpellings) {
        for (printed, later) in
            [("CDPCompability", "CDPCompatibility"), ("DHCPBootServerUseOption", "DHCPBootServerUserOption")]
        {
            if let Some(v) = map.remove(printed) {
                map.insert(later.into(), v);
            }
        }
    }
    if ctx.reading(Reading::NetworkInfoAsPrinted) {
        for illegible in
            ["IPV6Address", "LLDP", "VLANDiscoveryMode", "VLANIDOption", "ProvServerUser", "ProvServerType"]
        {
            map.remove(illegible);
        }
    }
    Ok(Answer::ok(data))
}

/// Management.NetworkStatistics; `UpTime` with a lower-case `day` as on Trio (§1.7).
/// Reading E17: the counters as JSON numbers, as the unquoted placeholders suggest.
pub fn network_stats(ctx: &mut Ctx<'_>) -> Handled {
    let (rx, tx) = (ctx.phone.rx_packets, ctx.phone.tx_packets);
    let (rx, tx) = if ctx.reading(Reading::CountersAsNumbers) {
        (json!(rx), json!(tx))
    } else {
        (json!(rx.to_string()), json!(tx.to_string()))
    };
    Ok(Answer::ok(json!({
        "UpTime": uptime_text(ctx.phone.uptime(ctx.now), "day"),
        "RxPackets": rx,
        "TxPackets": tx,
    })))
}

/// Management.DeviceStats: CPU load and the memory pools the manual lists, under `Memory`
/// with the totals, as the Trio 7.2 capture has them (§1.7, E42). Readings: E42 the pools
/// directly in `data`, as the example prints them; E53 figures with units ("12.5 %").
pub fn device_stats(ctx: &mut Ctx<'_>) -> Handled {
    let calls = ctx.phone.calls.len() as f64;
    let pool = |base: u64| json!({"uordblks": (base * 3 / 4).to_string(), "hblkhd": (base / 8).to_string(), "arena": base.to_string(), "fordblks": (base / 4).to_string()});
    let units = ctx.reading(Reading::ShapesManualAllows);
    let load = |v: f64| {
        if units { format!("{v:.1} %") } else { format!("{v:.1}") }
    };
    let pools = json!({
        "dbs": pool(3_145_728),
        "ec": pool(1_048_576),
        "pgui": pool(25_165_824),
        "brow": pool(16_777_216),
        "osd": pool(2_097_152),
        "em": pool(524_288),
    });
    let mut data = json!({
        "CPU": {"Current": load(12.5 + 8.0 * calls), "Average": load(11.0 + 2.0 * calls)},
        "RAMDiskSize": if units { "64 MB" } else { "67108864" },
    });
    let (Some(map), Value::Object(pools)) = (data.as_object_mut(), pools) else {
        return Err(Answer::status("5000"));
    };
    if ctx.reading(Reading::DeviceStatsAsPrinted) {
        map.extend(pools);
    } else {
        let mut memory = serde_json::Map::new();
        for (k, v) in [("Used", "274051072"), ("Cached", "240484352"), ("Free", "245944320"), ("Total", "519995392")] {
            memory.insert(k.into(), v.into());
        }
        memory.extend(pools);
        map.insert("Memory".into(), Value::Object(memory));
    }
    Ok(Answer::ok(data))
}

/// Management.RunningConfig, sections and value spellings as the manual lists them.
/// Reading E53: `IPStack` in lower case.
pub fn running_config(ctx: &mut Ctx<'_>) -> Handled {
    let stack = ip_stack(ctx);
    let s = &ctx.phone.settings;
    let enabled = |on: bool| if on { "Enabled" } else { "Disabled" };
    Ok(Answer::ok(json!({
        "Network": {
            "IPAddress": ipv4(ctx.local_ip),
            "SubnetMask": "255.255.255.0",
            "IPGateway": "192.0.2.1",
            "IPStack": stack,
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

/// Management.LocationInformation: every key the manual lists, empty except what a lab
/// phone would have. The names keep their inner spaces ("House Number") but not the
/// trailing one the example prints after "Place Type " (E45); reading E45 keeps it.
pub fn location_info(ctx: &mut Ctx<'_>) -> Handled {
    let as_printed = ctx.reading(Reading::LocationNamesAsPrinted);
    let keys = [
        "Country",
        "StreetGroup",
        "House Number",
        "State",
        "Place Type ",
        "District",
        "Add. Info",
        "Road SubSection",
        "City",
        "Neighbourhood Block",
        "Landmark",
        "Post Box",
        "Division",
        "Street",
        "Road Section",
        "Street1",
        "Street2",
        "Place Name",
        "House Num. Suff.",
        "Zip Code",
        "Road Pre Modifier",
        "Building",
        "Unit",
        "Floor",
        "Additional Code",
        "Room",
        "Postal Name",
        "Seat",
        "Road",
        "Road Branch",
        "Road Post Modifier",
    ];
    let mut data = serde_json::Map::new();
    for k in keys {
        let v = match k {
            "Country" => "US",
            "City" => "Lab",
            "Room" => "Test bench",
            _ => "",
        };
        let name = if as_printed { k } else { k.trim() };
        data.insert(name.to_string(), v.into());
    }
    Ok(Answer::ok(Value::Object(data)))
}

/// Management.PollForStatus: `Active` during a call, else `Idle` with the last call's time.
/// Readings: E40 the state in lower case, as printed (`idle`); E51 Status 3000, the code
/// of the section's second return-code row.
pub fn poll_for_status(ctx: &mut Ctx<'_>) -> Handled {
    let connected =
        ctx.phone.calls.iter().filter(|c| c.state == CallState::Connected).map(|c| c.duration(ctx.now)).max();
    let (state, state_data) = match connected {
        Some(d) => ("Active", format!("Active call duration {}", duration_text(d))),
        None => {
            ("Idle", ctx.phone.last_call_end.map(|t| format!("Time of last call {}", wall_text(t))).unwrap_or_default())
        }
    };
    let state = if ctx.reading(Reading::ValuesLowerCase) { state.to_ascii_lowercase() } else { state.to_string() };
    let status = if ctx.reading(Reading::PollForStatus3000) { "3000" } else { "2000" };
    Ok(Answer::Api {
        status,
        data: Some(json!({"State": state, "StateData": state_data})),
        extra: Vec::new(),
        omit_status: false,
    })
}

/// Management.GetTransferType (stored as `call.DefaultTransferType`, so configReset resets it).
/// Reading E40: the type in lower case, as printed (`consultative`).
pub fn transfer_type_get(ctx: &mut Ctx<'_>) -> Handled {
    let kind = ctx.phone.settings.transfer_type();
    let kind = if ctx.reading(Reading::ValuesLowerCase) { kind.to_ascii_lowercase() } else { kind.to_string() };
    Ok(Answer::ok(json!({"Type": kind})))
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
        xml.push_str(&format!(
            "<SoftKey index=\"{}\" label=\"{k}\" x=\"{}\" y=\"430\" width=\"150\" height=\"50\"/>",
            i + 1,
            20 + 190 * i
        ));
    }
    xml.push_str("</SoftKeys>");
    if let Some(call) = active {
        xml.push_str(&format!(
            "<Call handle=\"0x{}\" state=\"{}\" remote=\"{}\"/>",
            call.handle_hex(),
            call.state.label(),
            xml_escape(&call.remote_number)
        ));
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
/// Supported", the code the endpoint lists for other call servers (E39). Readings: E39
/// presence answered anyway ("This is supported on any other call servers", read
/// literally); E25 4003 (Operation not allowed: in the error table, not in the list).
pub fn get_presence(ctx: &mut Ctx<'_>) -> Handled {
    if !skype_mode(ctx) && !ctx.reading(Reading::PresenceSupported) {
        let code = if ctx.reading(Reading::StatusOutsideList) { "4003" } else { "4004" };
        return Err(Answer::status(code));
    }
    let presence = if ctx.phone.skype_signed_in { "Available" } else { "Offline" };
    Ok(Answer::ok(json!({"Presence": presence})))
}

/// Management.SkypeSignIn: input checked first (4000; `Domain` must be present, possibly
/// empty; `LockCode` optional), then 4004 outside Skype mode, 4003 when already signed in.
/// There is no Skype server; in Skype mode a well-formed sign-in succeeds. Reading E38:
/// `Domain` may be left out.
pub fn skype_sign_in(ctx: &mut Ctx<'_>) -> Handled {
    let data = ctx.data_object()?;
    req_str(data, &["Address"])?;
    req_str(data, &["User"])?;
    req_str(data, &["Password"])?;
    let domain = opt_str(data, &["Domain"])?;
    if domain.is_none() && !ctx.reading(Reading::SkypeDomainOptional) {
        return Err(invalid());
    }
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
    ["http://", "https://", "ftp://", "ftps://", "tftp://"].iter().any(|s| {
        lower.strip_prefix(s).is_some_and(|rest| {
            rest.split('/').next().is_some_and(|host| !host.is_empty() && !host.contains(char::is_whitespace))
        })
    })
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
/// "Input: None": a query string is ignored; reading E29 refuses one with 4000.
pub fn line_info(ctx: &mut Ctx<'_>) -> Handled {
    if ctx.reading(Reading::LineInfoRefusesQuery) && !ctx.query.is_empty() {
        return Err(invalid());
    }
    let lines: Vec<Value> = ctx.phone.lines.iter().map(|l| line_object_v1(ctx, l.number, l.registered)).collect();
    if ctx.fault(Fault::RetypedField) {
        return Ok(Answer::ok(lines.into_iter().next().unwrap_or_else(|| json!({}))));
    }
    Ok(Answer::ok(Value::Array(lines)))
}

/// Management.LineInfo Version 2: `?line=N` selects one line; a line that does not exist,
/// a value that is not a number, or any other query parameter answers 4000 (the
/// endpoint's only input error code, E30). Reading E30: a line number the phone does not
/// have answers 4005 (Line does not exist).
pub fn line_info_v2(ctx: &mut Ctx<'_>) -> Handled {
    let mut wanted = None;
    for (k, v) in ctx.query_pairs()? {
        match k.as_str() {
            "line" => wanted = Some(v.trim().parse::<u32>().map_err(|_| invalid())?),
            _ => return Err(invalid()),
        }
    }
    if wanted.is_some_and(|n| ctx.phone.line(n).is_none()) {
        return Err(if ctx.reading(Reading::LineInfoV2UnknownLine4005) { Answer::status("4005") } else { invalid() });
    }
    let s = &ctx.phone.settings;
    let mut out = Vec::new();
    for line in ctx.phone.lines.iter().filter(|l| wanted.is_none_or(|n| n == l.number)) {
        let registration = if line.registered { "Registered" } else { "Unregistered" };
        let appearances: Vec<String> =
            ctx.phone.calls.iter().filter(|c| c.line == line.number).map(|c| c.handle_hex()).collect();
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
