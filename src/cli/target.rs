//! The flags every phone-facing command shares (`run`, `fuzz`, `replay`, `snapshot`):
//! where the phone is, who to log in as, which certificate to trust, how patient to be,
//! how much of an answer to read.

use super::bounds;
use crate::job::{EmulatorSetup, JobSpec, TargetOptions};
use clap::Args;
use std::path::PathBuf;

/// How to reach and authenticate to one phone. Shared by run, fuzz, replay and snapshot.
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Base URL of the phone, e.g. `https://10.0.0.5` or `http://127.0.0.1:8080`.
    /// Without it the built-in emulator is started on 127.0.0.1 and used.
    #[arg(long, value_name = "URL")]
    pub target: Option<String>,
    /// Firmware profile: which endpoints, codes and limits apply.
    #[arg(long, value_name = "PROFILE", default_value = "trio-5.9.1")]
    pub profile: String,
    /// REST user name (the phone's admin account).
    #[arg(long, value_name = "NAME", default_value = "Polycom")]
    pub username: String,
    /// Read the password from the first line of this file.
    /// Default: the environment variable POLYCONFORM_PASSWORD.
    #[arg(long, value_name = "PATH", conflicts_with = "password")]
    pub password_file: Option<PathBuf>,
    /// The password on the command line (visible in the process list: prefer
    /// POLYCONFORM_PASSWORD or --password-file).
    #[arg(long, value_name = "PW")]
    pub password: Option<String>,
    /// Accept any TLS certificate (phones ship certificates for MAC-based names).
    #[arg(long, conflicts_with_all = ["pin_sha256", "ca_cert"])]
    pub insecure: bool,
    /// Accept only the certificate with this SHA-256 fingerprint (hex, colons allowed).
    #[arg(long, value_name = "HEX", conflicts_with = "ca_cert")]
    pub pin_sha256: Option<String>,
    /// Trust certificates issued by this CA (PEM file).
    #[arg(long, value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    #[command(flatten)]
    pub patience: PatienceArgs,
    /// Read schemas/ and suites/ from this directory instead of the built-in copy.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

/// How patient to be with a phone, and how much of an answer to read: shared by every
/// command that talks to phones (`diff` applies it to both sides).
#[derive(Debug, Clone, Args)]
pub struct PatienceArgs {
    /// Per-request timeout; a request that takes longer is judged as a hang.
    #[arg(long, value_name = "SECS", default_value_t = 10.0, value_parser = bounds::timeout_secs)]
    pub timeout: f64,
    /// Pause between two requests to a fragile phone.
    #[arg(long, value_name = "MS", default_value_t = 0,
          value_parser = clap::value_parser!(u64).range(*bounds::PACE_MS.start()..=*bounds::PACE_MS.end()))]
    pub pace_ms: u64,
    /// Read at most this much of each answer: bytes, or with a suffix (64k, 4M, 1G),
    /// from 1k to 1G. A larger answer keeps its first BYTES, its size and a SHA-256, and
    /// is INFO "truncated", never FAIL: the manual sets no bound on answers, the bound is
    /// the harness's own. Reports keep less of a body still (see the README).
    #[arg(long, value_name = "BYTES", default_value = "1M", value_parser = bounds::max_body)]
    pub max_body: usize,
}

impl TargetArgs {
    /// The flags as plain values for the setup path. `--password` on the command line
    /// gets a warning here: it shows in the process list.
    pub fn options(&self) -> TargetOptions {
        if self.password.is_some() {
            eprintln!(
                "warning: --password is visible in the process list and shell history (hint: use POLYCONFORM_PASSWORD or --password-file)"
            );
        }
        TargetOptions {
            url: self.target.clone(),
            username: self.username.clone(),
            password: self.password.clone(),
            password_file: self.password_file.clone(),
            insecure: self.insecure,
            pin_sha256: self.pin_sha256.clone(),
            ca_cert: self.ca_cert.clone(),
            timeout: self.patience.timeout,
            pace_ms: self.patience.pace_ms,
            max_body: self.patience.max_body,
        }
    }

    /// The setup of a job on this target, with the built-in emulator set up as `emulator`.
    pub fn job(&self, emulator: EmulatorSetup) -> JobSpec {
        JobSpec { data: self.data.clone(), profile: self.profile.clone(), target: self.options(), emulator }
    }
}
