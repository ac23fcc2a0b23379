//! How to run one emulated phone: what it is, where it listens, who may log in, which
//! faults and readings it plays, its own number and the switchboard it shares with other
//! emulators (an emulated rack).

use super::parallel::ParallelMode;
use super::switchboard::Switchboard;
use crate::catalogue::Profile;
use std::net::SocketAddr;
use std::time::Duration;

/// How to run one emulated phone.
#[derive(Debug, Clone)]
pub struct EmulatorConfig {
    pub profile: Profile,
    pub listen: SocketAddr,
    pub username: String,
    pub password: String,
    pub tls: bool,
    /// Added to every request while the phone is held busy.
    pub latency: Duration,
    /// Fault names (see `faults()`).
    pub faults: Vec<String>,
    /// Readings of the manual to play instead of the preferred ones (see `readings`).
    pub readings: Vec<String>,
    pub parallel: ParallelMode,
    /// Serve the `/control` endpoints (incoming calls, health, faults).
    pub control: bool,
    /// How long a reboot or reset takes the phone away.
    pub reboot: Duration,
    /// `apps.restapi.enabled`: when false every `/api` path answers 404.
    pub api_enabled: bool,
    /// The phone's own number: provisioned as `reg.1.address`, `reg.1.label` and
    /// `reg.1.auth.userId`, with `reg.1.displayName` `Lab Phone N`; what other phones of
    /// the switchboard dial to ring it. `None`: `1001`.
    pub number: Option<String>,
    /// Emulators started on one switchboard call each other by number (see `switchboard`).
    /// `None`: a dialled call is answered by the far end by itself after RINGBACK.
    pub switchboard: Option<Switchboard>,
}

impl EmulatorConfig {
    /// 127.0.0.1 on a free port, `Polycom`/`polyconform`, no TLS, no latency, no faults,
    /// parallel requests refused with 403, no control endpoints, 2 s reboots, API on, number
    /// 1001, no switchboard.
    pub fn new(profile: Profile) -> Self {
        EmulatorConfig {
            profile,
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            username: "Polycom".into(),
            password: "polyconform".into(),
            tls: false,
            latency: Duration::ZERO,
            faults: Vec::new(),
            readings: Vec::new(),
            parallel: ParallelMode::Reject,
            control: false,
            reboot: Duration::from_secs(2),
            api_enabled: true,
            number: None,
            switchboard: None,
        }
    }
}
