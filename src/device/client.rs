//! The client to one phone: HTTP Basic, TLS trust, timeouts, one request in flight.
//!
//! A timeout or a reset is something the *phone* did, so it comes back as an
//! [`Outcome`] to be judged, not as an error. Only what stops the harness from talking
//! at all (a URL that does not parse, a TLS configuration that cannot be built) is a
//! [`DeviceError`]. An answer larger than `max_body` is read only that far
//! ([`super::body_limit`]): a truncated answer, also judged.

use super::exchange::{Exchange, Outcome, WireRequest, WireResponse};
use super::gate::Gate;
use super::tls::{Trust, client_config};
use crate::catalogue::case::AuthMode;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Credentials for HTTP Basic. The password never appears in `Debug` output.
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials").field("username", &self.username).field("password", &"[REDACTED]").finish()
    }
}

/// Everything needed to talk to one phone.
#[derive(Debug, Clone)]
pub struct DeviceConfig {
    /// `http://127.0.0.1:8080` or `https://10.0.0.5` (no trailing slash).
    pub base_url: String,
    pub credentials: Credentials,
    pub trust: Trust,
    pub timeout: Duration,
    /// Pause after every gated request (fragile phones).
    pub pace: Duration,
    /// Bytes of an answer read at most (`--max-body`); the rest is not read and the
    /// connection is closed (see [`super::body_limit`]).
    pub max_body: usize,
}

/// Why the harness cannot talk to a phone at all.
#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error(
        "`{0}` is not a usable target URL (hint: give a base URL such as `https://10.0.0.5` or `http://127.0.0.1:8080`)"
    )]
    BadUrl(String),
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// A phone, reachable through one gated client.
#[derive(Debug, Clone)]
pub struct Device {
    config: DeviceConfig,
    client: reqwest::Client,
    gate: Gate,
    /// When each path (without query) last had an answer or a failure, for rules such
    /// as uploadBgCapture's "not within 10 seconds of a previous command": a case waits
    /// only for what remains of such a window, not a fixed time.
    last_sent: Arc<Mutex<HashMap<String, Instant>>>,
    /// Requests put on the wire (gated or not), for the fuzzer's requests-per-case figure.
    sent: Arc<AtomicU64>,
}

impl Device {
    pub fn new(mut config: DeviceConfig) -> Result<Device, DeviceError> {
        config.base_url = config.base_url.trim_end_matches('/').to_string();
        let url = reqwest::Url::parse(&config.base_url).map_err(|_| DeviceError::BadUrl(config.base_url.clone()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(DeviceError::BadUrl(config.base_url.clone()));
        }
        super::tls::install_provider();
        // Phones dislike reused connections after errors and some close them after each
        // answer; keeping the pool small keeps the one-in-flight rule honest.
        let mut builder = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .pool_max_idle_per_host(1)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy();
        if let Some(tls) = client_config(&config.trust).map_err(DeviceError::Tls)? {
            builder = builder.use_preconfigured_tls(tls);
        }
        let client = builder.build().map_err(|e| DeviceError::Client(e.to_string()))?;
        Ok(Device { config, client, gate: Gate::new(), last_sent: Arc::default(), sent: Arc::default() })
    }

    pub fn config(&self) -> &DeviceConfig {
        &self.config
    }

    pub fn base_url(&self) -> &str {
        &self.config.base_url
    }

    /// Send through the gate: at most one request of this harness in flight to the phone.
    pub async fn send(&self, step: &str, request: WireRequest) -> Exchange {
        self.send_within(step, request, None).await
    }

    /// [`Device::send`], waiting `timeout` for the answer instead of the configured one (a
    /// bound the manual gives, such as Skype sign-in's 150 s).
    pub async fn send_within(&self, step: &str, request: WireRequest, timeout: Option<Duration>) -> Exchange {
        let _turn = self.gate.turn().await;
        let ex = self.send_timed(step, request, timeout).await;
        if !self.config.pace.is_zero() {
            tokio::time::sleep(self.config.pace).await;
        }
        ex
    }

    /// Send now, regardless of other requests: only the parallelism cases do this, on purpose.
    pub async fn send_ungated(&self, step: &str, request: WireRequest) -> Exchange {
        self.send_timed(step, request, None).await
    }

    async fn send_timed(&self, step: &str, request: WireRequest, timeout: Option<Duration>) -> Exchange {
        let started = Instant::now();
        self.sent.fetch_add(1, Ordering::Relaxed);
        let outcome = self.perform(&request, timeout).await;
        if let Ok(mut last) = self.last_sent.lock() {
            last.insert(path_of(&request.path).to_string(), Instant::now());
        }
        Exchange { step: step.to_string(), request, outcome, elapsed_ms: started.elapsed().as_millis() as u64 }
    }

    /// Requests this client (and its clones) has sent so far.
    pub fn requests_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Time since this client last sent a request to `path` (query ignored), if it did.
    pub fn since_last(&self, path: &str) -> Option<Duration> {
        self.last_sent.lock().ok()?.get(path_of(path)).map(Instant::elapsed)
    }

    /// Hold the gate across several requests (a parallel burst must not interleave
    /// with the harness's own traffic).
    pub async fn exclusive(&self) -> super::gate::Turn {
        self.gate.turn().await
    }

    async fn perform(&self, request: &WireRequest, timeout: Option<Duration>) -> Outcome {
        let method = match reqwest::Method::from_bytes(request.method.as_bytes()) {
            Ok(m) => m,
            Err(_) => {
                return Outcome::ClientError {
                    detail: format!("method `{}` is not a token the HTTP client can send", request.method),
                };
            }
        };
        let url = format!("{}{}", self.config.base_url, request.path);
        let mut rb = self.client.request(method, &url);
        if let Some(t) = timeout {
            rb = rb.timeout(t);
        }
        for (k, v) in &request.headers {
            rb = rb.header(k.as_str(), v.as_str());
        }
        rb = match request.auth {
            AuthMode::Valid => {
                rb.basic_auth(&self.config.credentials.username, Some(&self.config.credentials.password))
            }
            AuthMode::None => rb,
            AuthMode::WrongPassword => rb
                .basic_auth(&self.config.credentials.username, Some(wrong_password(&self.config.credentials.password))),
            AuthMode::WrongUser => rb.basic_auth(
                format!("{}-not", self.config.credentials.username),
                Some(&self.config.credentials.password),
            ),
        };
        if let Some(body) = &request.body {
            rb = rb.body(body.clone());
        }
        let started = Instant::now();
        let response = match rb.send().await {
            Ok(r) => r,
            Err(e) => return classify(e, started),
        };
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect();
        match super::body_limit::read(response, self.config.max_body).await {
            Ok((body, truncated)) => Outcome::Answered(WireResponse { status, headers, body, truncated }),
            Err(e) => classify(e, started),
        }
    }
}

/// `/api/v1/x?y=1` -> `/api/v1/x`.
fn path_of(path_and_query: &str) -> &str {
    path_and_query.split('?').next().unwrap_or(path_and_query)
}

/// A password guaranteed to differ from the real one.
fn wrong_password(real: &str) -> String {
    if real == "polyconform-wrong" { "polyconform-wrong-2".into() } else { "polyconform-wrong".into() }
}

/// A failed request is the phone's doing (no answer in time, a refused, reset or closed
/// connection, a garbled answer) unless the client refused to build it: that is ours.
fn classify(e: reqwest::Error, started: Instant) -> Outcome {
    if e.is_timeout() {
        return Outcome::Timeout { after_ms: started.elapsed().as_millis() as u64 };
    }
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail = format!("{detail}: {s}");
        source = s.source();
    }
    if e.is_builder() {
        return Outcome::ClientError { detail };
    }
    Outcome::Reset { detail }
}

/// Whether a reset's detail says the TLS handshake failed (preflight turns that into exit 2).
pub fn is_tls_failure(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Reset { detail } if {
        let d = detail.to_ascii_lowercase();
        d.contains("certificate") || d.contains("tls") || d.contains("handshake") || d.contains("invalid peer")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::Catalogue;
    use crate::emulator::{Emulator, EmulatorConfig};

    #[tokio::test]
    async fn the_time_since_the_last_request_is_kept_per_path_without_query() {
        let catalogue = Catalogue::embedded().unwrap();
        let mut config = EmulatorConfig::new(catalogue.profile("trio-5.9.1").unwrap().clone());
        config.password = "pw-since".into();
        let emu = Emulator::start(config).await.unwrap();
        let credentials = Credentials { username: "Polycom".into(), password: "pw-since".into() };
        let device = Device::new(DeviceConfig {
            base_url: emu.url(),
            credentials,
            trust: Trust::System,
            timeout: Duration::from_secs(5),
            pace: Duration::ZERO,
            max_body: crate::device::body_limit::DEFAULT_MAX_BODY,
        })
        .unwrap();

        assert_eq!(device.since_last("/api/v2/webCallControl/callStatus"), None, "nothing sent yet");
        let ex = device.send("request", WireRequest::get("/api/v2/webCallControl/callStatus?line=1")).await;
        assert!(ex.outcome.response().is_some(), "{:?}", ex.outcome);
        let since = device
            .since_last("/api/v2/webCallControl/callStatus?callHandle=0x1")
            .expect("the query is not part of the path");
        assert!(since < Duration::from_secs(5));
        assert_eq!(device.since_last("/api/v1/mgmt/device/info"), None, "another path");
        assert!(device.clone().since_last("/api/v2/webCallControl/callStatus").is_some(), "clones share the record");
        emu.stop().await;
    }
}
