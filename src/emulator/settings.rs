//! The phone's configuration parameters and where each value comes from.
//!
//! UC Software keeps one value per parameter in several layers: the factory default,
//! provisioning files (`config`), device settings (`device`), the web interface (`web`)
//! and the phone's own menu (`local`). config/get reports the winning value and its
//! source (Management.GetConfig: `"source": "<LOCAL/WEB/CONFIG/DEFAULT/DEVICE>"`).
//!
//! Decisions:
//! - config/set writes the `web` layer (the `device` layer for `device.*` names): the
//!   REST API is served by the web server, and the one real capture of a value set by a
//!   management system through REST shows `"Source": "web"` (research/real-devices.md §1.7).
//! - Precedence is local > web > device > config > default.
//! - `apps.restapi.enabled` cannot be written through REST: the manual says it is
//!   "editable by using the configuration file and Web UI only" (Configuration Options);
//!   config/set answers 4000 for it.
//! - Only the parameters below exist. An unknown name is what a typo looks like, so
//!   config/get lists it in `InvalidParams` (Posh-UCS "REST InvalidParams" support) and
//!   config/set refuses the whole request with 4000 ("Invalid Parameters") without
//!   applying any of it.

use std::collections::BTreeMap;

/// Where a value comes from, as config/get names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Default,
    Config,
    Device,
    Web,
    Local,
}

impl Source {
    pub fn label(self) -> &'static str {
        match self {
            Source::Default => "default",
            Source::Config => "config",
            Source::Device => "device",
            Source::Web => "web",
            Source::Local => "local",
        }
    }
}

/// Which values a parameter accepts.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// "0" or "1".
    Bool,
    Int(i64, i64),
    Choice(&'static [&'static str]),
    /// Free text up to this many characters.
    Text(usize),
}

struct Param {
    name: &'static str,
    default: &'static str,
    kind: Kind,
    /// Value the emulated provisioning server (or device setup) gives at first boot.
    provisioned: Option<(Source, &'static str)>,
    read_only: bool,
}

const fn p(name: &'static str, default: &'static str, kind: Kind) -> Param {
    Param { name, default, kind, provisioned: None, read_only: false }
}

const fn prov(name: &'static str, default: &'static str, kind: Kind, source: Source, value: &'static str) -> Param {
    Param { name, default, kind, provisioned: Some((source, value)), read_only: false }
}

const TRANSFER_TYPES: &[&str] = &["Consultative", "Blind", "Safe"];

/// Parameter names and defaults follow the UC Software administrator guides.
static PARAMS: &[Param] = &[
    Param {
        name: "apps.restapi.enabled",
        default: "0",
        kind: Kind::Bool,
        provisioned: Some((Source::Config, "1")),
        read_only: true,
    },
    p("log.level.change.restapi", "4", Kind::Int(0, 6)),
    p("log.level.change.sip", "4", Kind::Int(0, 6)),
    p("log.render.level", "1", Kind::Int(0, 6)),
    p("diags.pcap.enabled", "0", Kind::Bool),
    p("diags.pcap.background.enabled", "0", Kind::Bool),
    p("diags.dumpcore.enabled", "1", Kind::Bool),
    prov("device.local.deviceName", "", Kind::Text(64), Source::Device, ""),
    prov("device.prov.serverName", "", Kind::Text(255), Source::Device, "prov.lab.invalid"),
    p("device.prov.serverType", "FTP", Kind::Choice(&["FTP", "TFTP", "HTTP", "HTTPS", "FTPS"])),
    p("device.prov.user", "PlcmSpIp", Kind::Text(64)),
    p("device.sntp.serverName", "", Kind::Text(255)),
    p("device.baseProfile", "Generic", Kind::Choice(&["Generic", "Lync", "SkypeForBusiness"])),
    p("ptt.volume", "-20", Kind::Int(-57, 12)),
    p("video.callRate", "2048", Kind::Int(64, 6144)),
    p("video.enable", "1", Kind::Bool),
    prov("reg.1.address", "", Kind::Text(255), Source::Config, "1001"),
    prov("reg.1.label", "", Kind::Text(64), Source::Config, "1001"),
    prov("reg.1.displayName", "", Kind::Text(64), Source::Config, "Lab Phone 1001"),
    prov("reg.1.auth.userId", "", Kind::Text(64), Source::Config, "1001"),
    p("reg.1.type", "private", Kind::Choice(&["private", "shared"])),
    prov("reg.1.server.1.address", "", Kind::Text(255), Source::Config, "pbx.lab.invalid"),
    p("reg.1.server.1.port", "0", Kind::Int(0, 65535)),
    p("reg.1.server.1.transport", "DNSnaptr", Kind::Choice(&["DNSnaptr", "TCPpreferred", "UDPOnly", "TLS", "TCPOnly"])),
    p("reg.1.server.1.expires", "3600", Kind::Int(10, 2_147_483_647)),
    p("reg.1.server.H323.1.address", "", Kind::Text(255)),
    p("reg.1.fwd.busy.contact", "", Kind::Text(255)),
    p("reg.1.fwd.noanswer.contact", "", Kind::Text(255)),
    p("call.DefaultTransferType", "Consultative", Kind::Choice(TRANSFER_TYPES)),
    p("call.autoAnswer.SIP", "0", Kind::Bool),
    p("call.donotdisturb.perReg", "0", Kind::Bool),
    p("feature.presence.enabled", "0", Kind::Bool),
    p("httpd.enabled", "1", Kind::Bool),
    p("httpd.ta.enabled", "1", Kind::Bool),
    p("up.screenCapture.enabled", "0", Kind::Bool),
    p("up.backlight.idleIntensity", "1", Kind::Int(0, 3)),
    p("up.backlight.onIntensity", "3", Kind::Int(0, 3)),
    p("voice.volume.persist.handset", "0", Kind::Bool),
    p("tcpIpApp.sntp.address", "pool.ntp.org", Kind::Text(255)),
    p("tcpIpApp.sntp.gmtOffset", "0", Kind::Int(-43200, 50400)),
    p("sec.srtp.enable", "1", Kind::Bool),
    p("lcl.ml.lang", "English_United_States", Kind::Text(64)),
    p("dir.local.readonly", "0", Kind::Bool),
    p("msg.mwi.1.subscribe", "", Kind::Text(255)),
];

/// Why a config/set was refused (the API answers 4000 for each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetError {
    Unknown(String),
    ReadOnly(String),
    BadValue(String),
}

/// The layered configuration of one phone.
#[derive(Debug, Clone)]
pub struct Settings {
    layers: BTreeMap<&'static str, BTreeMap<Source, String>>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::provisioned()
    }
}

impl Settings {
    /// The configuration right after first boot: defaults plus provisioning.
    pub fn provisioned() -> Settings {
        let mut layers = BTreeMap::new();
        for param in PARAMS {
            let mut l = BTreeMap::new();
            if let Some((source, value)) = param.provisioned {
                l.insert(source, value.to_string());
            }
            layers.insert(param.name, l);
        }
        Settings { layers }
    }

    /// Whether the parameter exists.
    pub fn knows(&self, name: &str) -> bool {
        self.layers.contains_key(name)
    }

    /// The winning value and its source.
    pub fn get(&self, name: &str) -> Option<(&str, Source)> {
        let param = PARAMS.iter().find(|p| p.name == name)?;
        let layers = self.layers.get(name)?;
        match layers.iter().next_back() {
            Some((source, value)) => Some((value.as_str(), *source)),
            None => Some((param.default, Source::Default)),
        }
    }

    /// The winning value, or "" for an unknown name.
    pub fn value(&self, name: &str) -> &str {
        self.get(name).map(|(v, _)| v).unwrap_or("")
    }

    pub fn is_on(&self, name: &str) -> bool {
        self.value(name) == "1"
    }

    /// Check a whole config/set request; nothing is applied unless every pair is valid.
    pub fn validate(&self, pairs: &[(String, String)]) -> Result<(), SetError> {
        for (name, value) in pairs {
            let Some(param) = PARAMS.iter().find(|p| p.name == name) else {
                return Err(SetError::Unknown(name.clone()));
            };
            if param.read_only {
                return Err(SetError::ReadOnly(name.clone()));
            }
            let ok = match param.kind {
                Kind::Bool => value == "0" || value == "1",
                Kind::Int(min, max) => value.parse::<i64>().is_ok_and(|n| (min..=max).contains(&n)),
                Kind::Choice(options) => options.iter().any(|o| o.eq_ignore_ascii_case(value)),
                Kind::Text(max) => value.chars().count() <= max,
            };
            if !ok {
                return Err(SetError::BadValue(name.clone()));
            }
        }
        Ok(())
    }

    /// Store a validated value through the REST API.
    pub fn set_rest(&mut self, name: &str, value: &str) {
        let source = if name.starts_with("device.") { Source::Device } else { Source::Web };
        self.set(name, source, value);
    }

    fn set(&mut self, name: &str, source: Source, value: &str) {
        let Some(param) = PARAMS.iter().find(|p| p.name == name) else {
            return;
        };
        // Choices are stored in their canonical spelling.
        let value = match param.kind {
            Kind::Choice(options) => options.iter().find(|o| o.eq_ignore_ascii_case(value)).copied().unwrap_or(value),
            _ => value,
        };
        if let Some(l) = self.layers.get_mut(param.name) {
            l.insert(source, value.to_string());
        }
    }

    /// Set a value as the provisioning files would (start-up options such as `--api-disabled`).
    pub fn set_provisioned(&mut self, name: &str, value: &str) {
        self.set(name, Source::Config, value);
    }

    /// Forget every value of these layers (configReset and its variants).
    pub fn clear(&mut self, sources: &[Source]) {
        for l in self.layers.values_mut() {
            l.retain(|s, _| !sources.contains(s));
        }
    }

    /// The transfer type, stored as `call.DefaultTransferType`.
    pub fn transfer_type(&self) -> &str {
        self.value("call.DefaultTransferType")
    }

    /// Canonical spelling of a transfer type, if it is one of the manual's three.
    pub fn transfer_type_named(name: &str) -> Option<&'static str> {
        TRANSFER_TYPES.iter().find(|t| t.eq_ignore_ascii_case(name)).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rest_writes_win_over_provisioning_and_reset_restores_them() {
        let mut s = Settings::provisioned();
        assert_eq!(s.get("reg.1.label"), Some(("1001", Source::Config)));
        assert_eq!(s.get("ptt.volume"), Some(("-20", Source::Default)));
        s.set_rest("reg.1.label", "Desk");
        s.set_rest("device.local.deviceName", "lab");
        assert_eq!(s.get("reg.1.label"), Some(("Desk", Source::Web)));
        assert_eq!(s.get("device.local.deviceName"), Some(("lab", Source::Device)));
        s.clear(&[Source::Web]);
        assert_eq!(s.get("reg.1.label"), Some(("1001", Source::Config)));
        assert_eq!(s.get("device.local.deviceName"), Some(("lab", Source::Device)));
    }

    #[test]
    fn validation_is_all_or_nothing() {
        let s = Settings::provisioned();
        let pair = |n: &str, v: &str| (n.to_string(), v.to_string());
        assert_eq!(s.validate(&[pair("diags.pcap.enabled", "1"), pair("ptt.volume", "-10")]), Ok(()));
        assert_eq!(
            s.validate(&[pair("diags.pcap.enabled", "2")]),
            Err(SetError::BadValue("diags.pcap.enabled".into()))
        );
        assert_eq!(s.validate(&[pair("no.such.param", "1")]), Err(SetError::Unknown("no.such.param".into())));
        assert_eq!(
            s.validate(&[pair("apps.restapi.enabled", "0")]),
            Err(SetError::ReadOnly("apps.restapi.enabled".into()))
        );
        assert_eq!(Settings::transfer_type_named("blind"), Some("Blind"));
    }
}
