//! The reference phone: an emulated Poly Trio or VVX that follows the manual.
//!
//! It reads `catalogue` (the manual as data: endpoints, codes, limits) and never `check`,
//! `run`, `report`, `fuzz` or `lab`, so the judge and the defendant share only the manual. Every rule it
//! plays comes from the profile: which endpoints exist (uploadBgCapture and webSignIn
//! only on Trio, simulateHook only on VVX), the body limit, the parameter limit, the
//! factory password and the codes an endpoint may answer (VVX dial answers 4002 on an
//! unregistered line because its profile lists 4002).
//!
//! ```ignore
//! let emu = Emulator::start(EmulatorConfig::new(profile)).await?;
//! emu.url();                // "http://127.0.0.1:PORT" (or https://)
//! emu.fingerprint();        // Some(SHA-256 hex) when TLS
//! emu.set_faults(vec!["size-limit-missing".into()])?; // misbehave on purpose
//! emu.stop().await;
//! ```
//!
//! An emulated rack: emulators started on one [`Switchboard`] call each other by number
//! (no SIP, no media: the call states and logs the REST API shows).
//!
//! ```ignore
//! let board = Switchboard::new();
//! let mut a = EmulatorConfig::new(profile.clone());
//! (a.number, a.switchboard) = (Some("1001".into()), Some(board.clone()));
//! let mut b = EmulatorConfig::new(profile);
//! (b.number, b.switchboard) = (Some("1002".into()), Some(board.clone()));
//! // A dial from 1001 to `1002` (or `sip:1002@...`) rings 1002; its answer connects both.
//! let (a, b) = (Emulator::start(a).await?, Emulator::start(b).await?);
//! ```
//!
//! Module map: `server` (connections, the HTTP rules: auth, content type, size, one
//! request at a time, latency, reboot outage), `shared` (what the connections share),
//! `credentials` (HTTP Basic), `input` (a request body as handlers see it), `answer`
//! (rendering), `api` (one file per area of the manual), `state` and `settings` (the
//! phone model), `faults` (every deliberate misbehaviour), `readings` (other readings of
//! the manual), `control` (test hooks under `/control`), `tls`, `config` (how to run one
//! phone), `parallel` (the second-request rule), `switchboard` (the rack: a directory
//! of numbers and the links between calls of different phones) and `signal` (what a
//! phone tells its switchboard). `input`, `shared`, `config` and the files below them are
//! leaves that `server`, `control` and `api` import; `switchboard` reads `signal` and
//! `state` and reaches phones only through its `Station` trait, which `shared`
//! implements, so no two files import each other. The command `polyconform emulate`
//! (with `--rack N`) is `cli::emulate`.
//!
//! Decisions where the manual is silent or vague are documented where they are made,
//! with the manual section or the real-device evidence (research/real-devices.md).

pub mod answer;
pub mod api;
pub mod config;
pub mod control;
mod credentials;
pub mod faults;
pub mod input;
pub mod parallel;
pub mod readings;
pub mod server;
pub mod settings;
pub mod shared;
pub mod signal;
pub mod state;
pub mod switchboard;
pub mod tls;

pub use faults::{FaultInfo, faults};

pub use config::EmulatorConfig;
pub use parallel::ParallelMode;
use std::net::SocketAddr;
use std::sync::Arc;
pub use switchboard::Switchboard;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Why the emulator could not start or take a setting.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorError {
    #[error("{0}")]
    UnknownFault(String),
    #[error("{0}")]
    UnknownReading(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    #[error("cannot set up TLS: {0}")]
    Tls(String),
    /// The configured number is unusable, or another phone of the switchboard has it.
    #[error(transparent)]
    Number(#[from] switchboard::NumberError),
}

/// A running emulated phone.
pub struct Emulator {
    addr: SocketAddr,
    tls: bool,
    fingerprint: Option<String>,
    shared: Arc<shared::Shared>,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Emulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Emulator").field("addr", &self.addr).field("tls", &self.tls).finish()
    }
}

impl Emulator {
    /// Bind, and serve in the background on the current tokio runtime.
    /// With a switchboard the phone is reachable by its number once this returns, and
    /// leaves the switchboard when stopped or dropped.
    pub async fn start(config: EmulatorConfig) -> Result<Emulator, EmulatorError> {
        let bits = faults::parse_faults(&config.faults).map_err(EmulatorError::UnknownFault)?;
        let reading_bits = readings::parse_readings(&config.readings).map_err(EmulatorError::UnknownReading)?;
        let number = config.number.clone().unwrap_or_else(|| switchboard::DEFAULT_NUMBER.to_string());
        switchboard::check_number(&number)?;
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| EmulatorError::Bind { addr: config.listen, source })?;
        let addr = listener.local_addr().map_err(|source| EmulatorError::Bind { addr: config.listen, source })?;
        let identity = if config.tls { Some(tls::Identity::generate(addr).map_err(EmulatorError::Tls)?) } else { None };
        let fingerprint = identity.as_ref().map(|i| i.fingerprint.clone());
        let (shutdown, shutdown_rx) = watch::channel(false);
        let tls = config.tls;
        // Last of the steps that can fail, so a failed start never holds a number.
        let port = config.switchboard.as_ref().map(|s| s.join(&number)).transpose()?;
        let shared = Arc::new(shared::Shared::new(config, bits, reading_bits, number, port));
        if let Some(port) = &shared.port {
            let station: std::sync::Weak<dyn switchboard::Station> = Arc::downgrade(&shared) as _;
            port.attach(station);
        }
        let acceptor = identity.map(|i| i.acceptor);
        let task = tokio::spawn(server::accept_loop(listener, shared.clone(), acceptor, shutdown_rx));
        Ok(Emulator { addr, tls, fingerprint, shared, shutdown, task: Some(task) })
    }

    /// `http://127.0.0.1:PORT` or `https://...`.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        match self.addr {
            SocketAddr::V6(a) => format!("{scheme}://[{}]:{}", a.ip(), a.port()),
            SocketAddr::V4(a) => format!("{scheme}://{}:{}", a.ip(), a.port()),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The phone's own number (what other phones of its switchboard dial).
    pub fn number(&self) -> &str {
        &self.shared.number
    }

    /// SHA-256 of the TLS certificate, colon-separated hex, when serving HTTPS.
    pub fn fingerprint(&self) -> Option<String> {
        self.fingerprint.clone()
    }

    /// Replace the active faults; an unknown name changes nothing and lists the known ones.
    pub fn set_faults(&self, faults: Vec<String>) -> Result<(), EmulatorError> {
        let bits = faults::parse_faults(&faults).map_err(EmulatorError::UnknownFault)?;
        self.shared.faults.set(bits);
        Ok(())
    }

    /// Replace the readings played; an unknown name changes nothing.
    pub fn set_readings(&self, readings: Vec<String>) -> Result<(), EmulatorError> {
        let bits = readings::parse_readings(&readings).map_err(EmulatorError::UnknownReading)?;
        self.shared.readings.set(bits);
        Ok(())
    }

    /// Leave the switchboard (linked calls end on the other phones), stop accepting, close
    /// every connection and wait for the server task.
    pub async fn stop(mut self) {
        self.shared.leave_switchboard();
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.shared.leave_switchboard();
        let _ = self.shutdown.send(true);
    }
}
