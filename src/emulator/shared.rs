//! Everything the connections of one emulator share: the profile, the credentials, the
//! phone, the faults and readings in play, the one-at-a-time gate, the routes and the
//! phone's place on a switchboard.
//!
//! A leaf below `server` (connections, HTTP rules) and `control` (the `/control` back
//! door): both hold a `Shared`, and neither needs the other's file for it. The phone is
//! reached through [`PhoneGuard`], which hands what the phone signalled to the
//! switchboard once the lock is released, so no path that changes a call can forget the
//! far end, and no thread holds two phones' locks.

use super::answer::Dress;
use super::config::EmulatorConfig;
use super::credentials::{Credentials, basic_credentials, constant_time_eq};
use super::faults::{Fault, FaultSet};
use super::parallel::ParallelMode;
use super::readings::{Reading, ReadingSet};
use super::signal::Caller;
use super::state::{CallState, Direction, MAX_CALLS, Phone, Reset};
use super::switchboard::{Port, Station};
use crate::catalogue::Profile;
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// Everything the connections of one emulator share.
pub struct Shared {
    pub profile: Profile,
    username: String,
    password: String,
    /// The configured password is the factory one: the API answers 4010.
    pub(super) factory_password: bool,
    pub(super) latency: Duration,
    pub(super) parallel: ParallelMode,
    pub control: bool,
    pub reboot: Duration,
    pub(super) api_enabled: bool,
    pub faults: FaultSet,
    pub readings: ReadingSet,
    /// Held while a request is processed: the one-at-a-time rule.
    pub(super) gate: tokio::sync::Mutex<()>,
    phone: Mutex<Phone>,
    /// Bumped by a reboot: every open connection closes after its current answer.
    pub(super) generation: watch::Sender<u64>,
    /// Lower-cased path -> indices of the profile's endpoints at that path.
    routes: HashMap<String, Vec<usize>>,
    /// The phone's own number (`reg.1.address`).
    pub number: String,
    /// The phone's place on a switchboard, when it was started on one.
    pub port: Option<Port>,
}

/// The locked phone. Dropping it releases the lock, then hands what the phone signalled
/// (see `signal`) to the switchboard, or forgets it when there is none.
pub struct PhoneGuard<'a> {
    guard: Option<MutexGuard<'a, Phone>>,
    port: Option<&'a Port>,
}

impl Deref for PhoneGuard<'_> {
    type Target = Phone;
    fn deref(&self) -> &Phone {
        // Only `drop` takes the guard out.
        self.guard.as_deref().unwrap_or_else(|| unreachable!("the phone guard is used after drop"))
    }
}

impl DerefMut for PhoneGuard<'_> {
    fn deref_mut(&mut self) -> &mut Phone {
        self.guard.as_deref_mut().unwrap_or_else(|| unreachable!("the phone guard is used after drop"))
    }
}

impl Drop for PhoneGuard<'_> {
    fn drop(&mut self) {
        let signals = self.guard.as_mut().map(|phone| phone.take_signals()).unwrap_or_default();
        drop(self.guard.take());
        // While a panic unwinds, the far ends are left alone rather than risk a second panic.
        if let Some(port) = self.port
            && !signals.is_empty()
            && !std::thread::panicking()
        {
            port.deliver(signals);
        }
    }
}

impl Shared {
    /// `number` is the phone's own number (`config.number` or the default); `port` its
    /// place on `config.switchboard`, already taken.
    pub fn new(
        config: EmulatorConfig,
        fault_bits: u64,
        reading_bits: u64,
        number: String,
        port: Option<Port>,
    ) -> Shared {
        let mut routes: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, ep) in config.profile.endpoints.iter().enumerate() {
            routes.entry(ep.path.to_ascii_lowercase()).or_default().push(i);
        }
        let mut phone = Phone::new(Instant::now());
        if !config.api_enabled {
            phone.provision("apps.restapi.enabled", "0");
        }
        // The provisioning server gives each rack phone its own line.
        for name in ["reg.1.address", "reg.1.label", "reg.1.auth.userId"] {
            phone.provision(name, &number);
        }
        phone.provision("reg.1.displayName", &format!("Lab Phone {number}"));
        Shared {
            factory_password: config.password == config.profile.factory_password,
            profile: config.profile,
            username: config.username,
            password: config.password,
            latency: config.latency,
            parallel: config.parallel,
            control: config.control,
            reboot: config.reboot,
            api_enabled: config.api_enabled,
            faults: FaultSet::new(fault_bits),
            readings: ReadingSet::new(reading_bits),
            gate: tokio::sync::Mutex::new(()),
            phone: Mutex::new(phone),
            generation: watch::channel(0).0,
            routes,
            number,
            port,
        }
    }

    /// The phone, with time-driven changes applied. A handler that panicked cannot leave
    /// the phone unusable: the state is plain data, so a poisoned lock is taken over.
    pub fn phone(&self) -> PhoneGuard<'_> {
        let mut phone = self.phone.lock().unwrap_or_else(|e| e.into_inner());
        phone.advance(Instant::now());
        PhoneGuard { guard: Some(phone), port: self.port.as_ref() }
    }

    /// Leave the switchboard (the emulator stops): calls linked to this phone end on the
    /// other phones.
    pub fn leave_switchboard(&self) {
        if let Some(port) = &self.port {
            port.leave();
        }
    }

    fn logs_calls(&self) -> bool {
        !self.faults.has(Fault::CallNotLogged)
    }

    pub(super) fn is_down(&self) -> bool {
        self.phone().is_down(Instant::now())
    }

    /// Take the phone away: calls end, configuration resets as asked, open connections
    /// close after their current answer, new ones are reset until the outage is over.
    pub fn reboot(&self, reset: Reset) {
        let log = self.logs_calls();
        self.phone().start_reboot(Instant::now(), self.reboot, reset, log);
        self.generation.send_modify(|g| *g += 1);
    }

    /// Check HTTP Basic credentials.
    pub fn authorized(&self, headers: &hyper::HeaderMap) -> bool {
        match basic_credentials(headers) {
            Credentials::Missing => self.faults.has(Fault::AuthNoneAccepted),
            Credentials::Given(user, pass) => {
                (constant_time_eq(user.as_bytes(), self.username.as_bytes())
                    & constant_time_eq(pass.as_bytes(), self.password.as_bytes()))
                    || self.faults.has(Fault::AuthWrongPasswordAccepted)
            }
            Credentials::Malformed => self.faults.has(Fault::AuthWrongPasswordAccepted),
        }
    }

    /// Credentials check for the control endpoints: faults do not apply there.
    pub fn authorized_strictly(&self, headers: &hyper::HeaderMap) -> bool {
        match basic_credentials(headers) {
            Credentials::Given(user, pass) => {
                constant_time_eq(user.as_bytes(), self.username.as_bytes())
                    & constant_time_eq(pass.as_bytes(), self.password.as_bytes())
            }
            _ => false,
        }
    }

    pub(super) fn dress(&self) -> Dress {
        Dress {
            html_content_type: false,
            close: false,
            status_as_number: self.readings.has(Reading::StatusAsNumber),
            failure_http_status: self.readings.has(Reading::FailureHttpStatus),
        }
    }

    /// The endpoints served at `path` (any case), with the readings that move an endpoint
    /// to the path its manual prints (E01, E02, E21, E27, E41): then the printed path
    /// serves it and the documented one is unknown.
    pub(super) fn route(&self, path: &str) -> Vec<&crate::catalogue::Endpoint> {
        let lower = path.to_ascii_lowercase();
        if self.readings.is_empty() {
            // The usual case, on every request: one map lookup.
            return self
                .routes
                .get(&lower)
                .map(|ix| ix.iter().map(|&i| &self.profile.endpoints[i]).collect())
                .unwrap_or_default();
        }
        let mut out: Vec<&crate::catalogue::Endpoint> = Vec::new();
        for e in &self.profile.endpoints {
            let moved = e.alternates.iter().filter(|a| self.plays(&a.erratum)).find_map(|a| a.path.as_deref());
            let served_at = moved.unwrap_or(&e.path);
            if served_at.eq_ignore_ascii_case(&lower) {
                out.push(e);
            }
        }
        out
    }

    /// Whether a reading of this erratum is played.
    fn plays(&self, erratum: &str) -> bool {
        crate::emulator::readings::ALL.iter().any(|r| r.erratum() == erratum && self.readings.has(*r))
    }
}

/// How the switchboard reaches this phone: on line 1, as a second phone would call it.
impl Station for Shared {
    fn ring(&self, caller: &Caller) -> Option<u32> {
        let now = Instant::now();
        let mut phone = self.phone();
        let reachable = !phone.is_down(now) && phone.line(1).is_some_and(|l| l.registered);
        if !reachable || phone.calls.len() >= MAX_CALLS {
            return None;
        }
        Some(phone.add_call(now, Direction::Incoming, 1, &caller.number, &caller.name, "SIP"))
    }

    fn answered(&self, handle: u32) {
        self.phone().far_end_answered(handle, Instant::now());
    }

    fn hung_up(&self, handle: u32) {
        let log = self.logs_calls();
        self.phone().far_end_hung_up(handle, Instant::now(), log);
    }

    fn call_state(&self, handle: u32) -> Option<CallState> {
        self.phone().calls.iter().find(|c| c.handle == handle).map(|c| c.state)
    }
}
