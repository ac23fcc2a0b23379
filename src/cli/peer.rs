//! The `--peer` flags of `run`: a second phone that calls the target, so answer, ignore,
//! reject and the received/missed call logs are tested on real phones.

use crate::catalogue::Catalogue;
use crate::device::secret::read_password_file;
use crate::job::Target;
use crate::job::target::TargetOptions;
use crate::run::incoming::PeerRequest;
use clap::Args;
use std::path::PathBuf;

/// Environment variable read for the peer's password.
pub const PEER_PASSWORD_ENV: &str = "POLYCONFORM_PEER_PASSWORD";

/// How to reach the phone that calls the target.
#[derive(Debug, Clone, Args)]
pub struct PeerArgs {
    /// A second phone that calls the target through its own REST API, so the
    /// incoming-call cases (answer, ignore, reject, received/missed logs) run on real
    /// phones. It dials the target's own number (line 1 of the target's lineInfo, or
    /// --target-number); every call either phone has from the run is ended after each
    /// case, on failure and on Ctrl-C. A peer that is busy, down or cannot reach the
    /// target makes those cases NOT-TESTED with the reason, never FAIL.
    #[arg(long, value_name = "URL", requires = "target")]
    pub peer: Option<String>,
    /// The peer's firmware profile. Default: the target's --profile.
    #[arg(long, value_name = "PROFILE", requires = "peer")]
    pub peer_profile: Option<String>,
    /// The peer's REST user name. Default: the target's --username.
    #[arg(long, value_name = "NAME", requires = "peer")]
    pub peer_username: Option<String>,
    /// Read the peer's password from the first line of this file. Default: the
    /// environment variable POLYCONFORM_PEER_PASSWORD, else the target's password.
    #[arg(long, value_name = "PATH", requires = "peer")]
    pub peer_password_file: Option<PathBuf>,
    /// Accept any TLS certificate from the peer.
    #[arg(long, requires = "peer", conflicts_with_all = ["peer_pin_sha256", "peer_ca_cert"])]
    pub peer_insecure: bool,
    /// Accept only the peer certificate with this SHA-256 fingerprint.
    #[arg(long, value_name = "HEX", requires = "peer", conflicts_with = "peer_ca_cert")]
    pub peer_pin_sha256: Option<String>,
    /// Trust peer certificates issued by this CA (PEM file).
    #[arg(long, value_name = "PATH", requires = "peer")]
    pub peer_ca_cert: Option<PathBuf>,
    /// What the peer dials to ring the target (e.g. `1001` or `1001@pbx.example`).
    /// Default: the target's line 1 address from lineInfo.
    #[arg(long, value_name = "NUMBER", requires = "peer")]
    pub target_number: Option<String>,
}

impl PeerArgs {
    /// The peer as plain values, with its password resolved; `None` without `--peer`.
    /// `target` gives the defaults (user name, password, timeout, pace).
    pub fn request(
        &self,
        catalogue: &Catalogue,
        target_profile: &str,
        target_options: &TargetOptions,
        target: &Target,
    ) -> Result<Option<PeerRequest>, String> {
        let Some(url) = &self.peer else {
            return Ok(None);
        };
        let profile_id = self.peer_profile.as_deref().unwrap_or(target_profile);
        let profile = catalogue.profile(profile_id).map_err(|e| format!("--peer-profile: {e}"))?.clone();
        let password = match &self.peer_password_file {
            Some(path) => read_password_file(path).map_err(|e| {
                format!(
                    "cannot read --peer-password-file `{}`: {e} (hint: the file must be readable and hold the password on its first line)",
                    path.display()
                )
            })?,
            None => std::env::var(PEER_PASSWORD_ENV)
                .ok()
                .filter(|p| !p.is_empty())
                .unwrap_or_else(|| target.password.clone()),
        };
        let options = TargetOptions {
            url: Some(url.clone()),
            username: self.peer_username.clone().unwrap_or_else(|| target_options.username.clone()),
            password: Some(password),
            password_file: None,
            insecure: self.peer_insecure,
            pin_sha256: self.peer_pin_sha256.clone(),
            ca_cert: self.peer_ca_cert.clone(),
            timeout: target_options.timeout,
            pace_ms: target_options.pace_ms,
            max_body: target_options.max_body,
        };
        Ok(Some(PeerRequest { options, profile, target_number: self.target_number.clone() }))
    }
}
