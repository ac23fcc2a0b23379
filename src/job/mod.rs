//! One setup path for every command that talks to a phone (`run`, `fuzz`, `replay`,
//! `snapshot`): catalogue → profile → async runtime → emulator readings → target (trust,
//! credentials) → Ctrl-C → stop.
//!
//! Each step that can fail returns a [`JobError`] whose message names the file or flag
//! that fixes it; the command line prints it and exits 2. Nothing here prints or picks an
//! exit code. The lab sets up many phones at once and shares the pieces (catalogue
//! loading, [`runtime`], [`target`], [`on_ctrl_c`]) rather than [`Job::open`]; `diff` opens two phones
//! on one catalogue and runtime with [`open_lane`], the per-phone half of [`Job::open`].

pub mod target;

use crate::catalogue::{Catalogue, DataFiles, Profile, SpecErrors};
use crate::report::redact::Redactor;
use std::path::{Path, PathBuf};
use std::sync::Arc;
pub use target::{BUILTIN_LABEL, EmulatorSetup, Target, TargetError, TargetOptions};

/// What a command asks for before it can talk to a phone.
#[derive(Debug, Clone)]
pub struct JobSpec {
    /// `--data DIR`, else the built-in copy of schemas/ and suites/.
    pub data: Option<PathBuf>,
    pub profile: String,
    pub target: TargetOptions,
    /// The built-in emulator's setup when there is no target (readings not yet resolved:
    /// `all-other` is allowed here).
    pub emulator: EmulatorSetup,
}

/// A phone ready to be judged, with everything the command needs around it.
pub struct Job {
    pub catalogue: Arc<Catalogue>,
    pub profile: Profile,
    pub runtime: tokio::runtime::Runtime,
    pub target: Target,
    /// Hides the password (and what is derived from it) in everything printed or written.
    pub redactor: Redactor,
}

/// One phone's part of a job: what [`Job::open`] sets up per phone, for a command that
/// drives several phones on one runtime and catalogue (`diff`: two lanes at once).
pub struct Lane {
    pub profile: Profile,
    pub target: Target,
    /// Hides this phone's password (and what is derived from it).
    pub redactor: Redactor,
}

/// Why a job could not be set up. Every message says what to check.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error(
        "cannot read data directory `{dir}`: {source}\n(hint: --data must point at a folder holding schemas/ and suites/)"
    )]
    DataDir { dir: PathBuf, source: std::io::Error },
    /// The data files do not load; the message lists every problem with `file:line:col`.
    #[error("{0}")]
    Catalogue(SpecErrors),
    #[error("{0}")]
    Profile(String),
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("--reading: {0}")]
    Reading(String),
    #[error(transparent)]
    Target(#[from] TargetError),
}

impl JobError {
    /// Catalogue errors already start each line with `error:`; the others do not.
    pub fn is_prefixed(&self) -> bool {
        matches!(self, JobError::Catalogue(_))
    }
}

/// Load the catalogue from `--data DIR` or the built-in copy.
pub fn load_catalogue(data: Option<&Path>) -> Result<Catalogue, JobError> {
    let files = match data {
        Some(dir) => DataFiles::from_dir(dir).map_err(|source| JobError::DataDir { dir: dir.to_path_buf(), source })?,
        None => DataFiles::embedded(),
    };
    Catalogue::load(&files).map_err(JobError::Catalogue)
}

/// The async runtime of one command: two workers (cases share one phone; the second
/// worker serves the in-process emulator).
pub fn runtime() -> Result<tokio::runtime::Runtime, JobError> {
    runtime_with(2)
}

/// The runtime of a command that sends one request at a time to one phone and does
/// nothing meanwhile (`fuzz`, `replay`): one thread. With two, every answer is handed
/// from the thread that read it to the thread that waits for it, and those wake-ups
/// cost more than the case itself: measured on `fuzz` against an emulator in another
/// process, 142 µs of harness CPU per case on two workers, 84 µs on one thread (the
/// built-in emulator then shares that thread, which is no loss: one of the two waits
/// while the other works).
pub fn runtime_one_thread() -> Result<tokio::runtime::Runtime, JobError> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(JobError::Runtime)
}

/// On Ctrl-C, run `on_interrupt` in `runtime`: every command that puts a phone back on
/// Ctrl-C listens through here.
///
/// Ctrl-C is caught from the moment this returns. A spawned task is first run when the
/// runtime next runs, which on a one-thread runtime ([`runtime_one_thread`]) is after the
/// first request has gone out (and on any runtime a moment later); a Ctrl-C before then
/// would kill the process with that request unrestored.
pub fn on_ctrl_c<F>(runtime: &tokio::runtime::Runtime, on_interrupt: F)
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        // `signal` puts the handler in place when called (`ctrl_c` only when polled).
        let _inside = runtime.enter();
        if let Ok(mut interrupt) = signal(SignalKind::interrupt()) {
            runtime.spawn(async move {
                if interrupt.recv().await.is_some() {
                    on_interrupt.await;
                }
            });
            return;
        }
    }
    runtime.spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_interrupt.await;
        }
    });
    // Let the task start listening before any request is sent.
    runtime.block_on(tokio::task::yield_now());
}

/// A runtime with `workers` threads (the lab runs several phones at once).
pub fn runtime_with(workers: usize) -> Result<tokio::runtime::Runtime, JobError> {
    tokio::runtime::Builder::new_multi_thread().worker_threads(workers).enable_all().build().map_err(JobError::Runtime)
}

/// Profile, readings, target and redactor of one phone, on a catalogue already loaded
/// (`spec.data` is the caller's business) and the runtime this is awaited on, which then
/// also serves the built-in emulator if one is started.
pub async fn open_lane(catalogue: &Catalogue, spec: JobSpec) -> Result<Lane, JobError> {
    let profile = catalogue.profile(&spec.profile).map_err(JobError::Profile)?.clone();
    let mut setup = spec.emulator;
    setup.readings =
        crate::emulator::readings::resolve(catalogue, &profile.id, &setup.readings).map_err(JobError::Reading)?;
    let target = target::connect_with(&spec.target, &profile, setup).await?;
    let redactor = Redactor::new(&spec.target.username, &target.password);
    Ok(Lane { profile, target, redactor })
}

impl Job {
    /// Catalogue, profile, runtime, readings, target: the common start of a command.
    pub fn open(spec: JobSpec) -> Result<Job, JobError> {
        Job::open_on(spec, runtime()?)
    }

    /// [`Job::open`] on a runtime of the caller's choice ([`runtime_one_thread`]).
    pub fn open_on(spec: JobSpec, runtime: tokio::runtime::Runtime) -> Result<Job, JobError> {
        let catalogue = Arc::new(load_catalogue(spec.data.as_deref())?);
        let Lane { profile, target, redactor } = runtime.block_on(open_lane(&catalogue, spec))?;
        Ok(Job { catalogue, profile, runtime, target, redactor })
    }

    /// On Ctrl-C, run `on_interrupt` (put the phone back, ...) in the job's runtime
    /// ([`on_ctrl_c`]).
    pub fn on_ctrl_c<F>(&self, on_interrupt: F)
    where
        F: std::future::Future<Output = ()> + Send + 'static,
    {
        on_ctrl_c(&self.runtime, on_interrupt);
    }

    /// Stop the built-in emulator, if this job started one.
    pub fn stop(self) {
        if let Some(e) = self.target.emulator {
            self.runtime.block_on(e.stop());
        }
    }
}
