//! The API as the harness speaks it: one operation ([`Api`]: the profile's endpoint id
//! and the manual's path), how requests travel ([`Transport`]), and the phone they go to
//! ([`Phone`]). The operations themselves live beside this file, one concept each.

use crate::catalogue::Profile;
use crate::device::{Device, Exchange, Outcome, WireRequest};
use std::future::Future;

/// How the phone module's requests reach the phone. The step label names the request
/// in whatever log the transport keeps; the transport may change the request's form.
pub trait Transport {
    /// Send one request and return what happened (never fails: an unanswered request is
    /// an [`Exchange`] whose outcome says so).
    fn send(&mut self, step: &str, request: WireRequest) -> impl Future<Output = Exchange> + Send;

    /// Keep an exchange made through another phone (the `--peer` that rings this one) in
    /// the same log, so a case's wire log tells the whole story. A transport that keeps
    /// no log drops it.
    fn note(&mut self, _exchange: Exchange) {}
}

/// Straight through the device's gate: what the fuzzer's restores and the lab use.
impl Transport for &Device {
    async fn send(&mut self, step: &str, request: WireRequest) -> Exchange {
        Device::send(self, step, request).await
    }
}

/// One operation of the API: the profile's endpoint id, and the path the manual prints,
/// used when the profile does not list the endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Api {
    pub id: &'static str,
    pub manual: &'static str,
}

impl Api {
    /// The path to send to: the profile's, else the manual's.
    pub fn path(&self, profile: Option<&Profile>) -> String {
        profile.and_then(|p| p.endpoint(self.id)).map(|e| e.path.clone()).unwrap_or_else(|| self.manual.to_string())
    }
}

/// The phone's API over a transport, with the paths of one profile.
pub struct Phone<'p, T> {
    transport: T,
    profile: Option<&'p Profile>,
}

impl<T> std::fmt::Debug for Phone<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Phone").field("profile", &self.profile.map(|p| p.id.as_str())).finish_non_exhaustive()
    }
}

impl<T: Transport> Phone<'static, T> {
    /// A phone whose profile is not known (the lab's health probe): the manual's paths.
    pub fn manual(transport: T) -> Self {
        Phone { transport, profile: None }
    }
}

impl<'p, T: Transport> Phone<'p, T> {
    pub fn new(transport: T, profile: &'p Profile) -> Self {
        Phone { transport, profile: Some(profile) }
    }

    pub fn profile(&self) -> Option<&'p Profile> {
        self.profile
    }

    /// The path of `api` for this phone.
    pub fn path(&self, api: Api) -> String {
        api.path(self.profile)
    }

    /// Whether the profile lists `api` (some operations prefer a v2 form only then).
    pub fn documents(&self, api: Api) -> bool {
        self.profile.and_then(|p| p.endpoint(api.id)).is_some()
    }

    /// Send a request that is not one of the operations here (the emulator's control
    /// endpoint), through the same transport and log.
    pub async fn send(&mut self, step: &str, request: WireRequest) -> Exchange {
        self.transport.send(step, request).await
    }

    /// See [`Transport::note`].
    pub fn note(&mut self, exchange: Exchange) {
        self.transport.note(exchange);
    }

    pub(super) async fn get(&mut self, step: &str, api: Api) -> Exchange {
        let path = self.path(api);
        self.send(step, WireRequest::get(&path)).await
    }

    pub(super) async fn post(&mut self, step: &str, api: Api, body: &serde_json::Value) -> Exchange {
        let path = self.path(api);
        self.send(step, WireRequest::post_json(&path, body)).await
    }
}

/// HTTP 2xx with Status "2000": the phone did what it was asked.
pub fn answered_2000(ex: &Exchange) -> bool {
    matches!(&ex.outcome, Outcome::Answered(r) if (200..300).contains(&r.status) && r.api_status().as_deref() == Some("2000"))
}
