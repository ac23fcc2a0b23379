//! Which phone a run talks to: a `--target` URL with credentials and TLS trust, or the
//! built-in emulator started in-process when no target is given.
//!
//! The main function is [`connect`]; it turns [`TargetOptions`] into a [`Target`]. Anything
//! that stops the harness from talking to a phone at all (no password, a pin that is not
//! hex, a CA file that does not parse, an emulator that cannot start) is a
//! [`TargetError`] whose message names the flag that fixes it; the command exits 2.
//! Shared by `run`, `fuzz`, `replay` and `snapshot`.

use crate::catalogue::Profile;
use crate::device::secret::{PasswordFileError, read_password_file};
use crate::device::tls::{Trust, parse_pin};
use crate::device::{Credentials, Device, DeviceConfig, DeviceError};
use crate::emulator::{Emulator, EmulatorConfig};
use std::path::PathBuf;
use std::time::Duration;

/// The label reports show instead of a URL when the built-in emulator is the target.
pub const BUILTIN_LABEL: &str = "builtin-emulator";

/// Environment variable read for the password when neither `--password` nor
/// `--password-file` is given.
pub const PASSWORD_ENV: &str = "POLYCONFORM_PASSWORD";

/// How to reach and authenticate to one phone: what the command line's target flags say,
/// as plain values (the flags themselves live in `cli::target`).
#[derive(Debug, Clone)]
pub struct TargetOptions {
    /// Base URL of the phone; `None` starts the built-in emulator.
    pub url: Option<String>,
    pub username: String,
    /// A password given directly (the command line warns that it shows in `ps`).
    pub password: Option<String>,
    /// A file whose first line is the password.
    pub password_file: Option<PathBuf>,
    pub insecure: bool,
    pub pin_sha256: Option<String>,
    pub ca_cert: Option<PathBuf>,
    /// Per-request timeout in seconds.
    pub timeout: f64,
    /// Pause between two requests, in milliseconds.
    pub pace_ms: u64,
    /// Bytes of an answer read at most (`--max-body`); see `device::body_limit`.
    pub max_body: usize,
}

impl TargetOptions {
    /// The built-in emulator with the default user, a 10 s timeout and the default body
    /// limit (benches and tests).
    pub fn builtin() -> TargetOptions {
        TargetOptions {
            url: None,
            username: "Polycom".into(),
            password: None,
            password_file: None,
            insecure: false,
            pin_sha256: None,
            ca_cert: None,
            timeout: 10.0,
            pace_ms: 0,
            max_body: crate::device::body_limit::DEFAULT_MAX_BODY,
        }
    }
}

/// A phone ready to be talked to.
pub struct Target {
    pub device: Device,
    /// The in-process emulator, when no `--target` was given (stop it at the end).
    pub emulator: Option<Emulator>,
    /// The base URL without credentials, or [`BUILTIN_LABEL`].
    pub label: String,
    /// The password in use; only `report::redact` may print anything derived from it.
    pub password: String,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("label", &self.label).field("password", &"[REDACTED]").finish_non_exhaustive()
    }
}

/// How the built-in emulator is set up when there is no `--target`.
#[derive(Debug, Clone, Default)]
pub struct EmulatorSetup {
    /// Fault names (see `polyconform emulate --list-faults`).
    pub faults: Vec<String>,
    /// Readings to play (already resolved: no `all-other`).
    pub readings: Vec<String>,
    /// Serve `/control/*` (incoming calls for the call-flow cases).
    pub control: bool,
    /// Added latency per request.
    pub latency: Duration,
    /// How long a reboot takes the phone away; `None` keeps the emulator's default.
    pub reboot: Option<Duration>,
}

/// Why no target could be set up. Each message ends with what to check.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    #[error(
        "cannot read --password-file `{path}`: {detail} (hint: the file must be readable and hold the password on its first line)"
    )]
    PasswordFile { path: PathBuf, detail: String },
    #[error("--password-file `{0}` has an empty first line (hint: put the password on the first line)")]
    EmptyPasswordFile(PathBuf),
    #[error(
        "no password for `{0}` (hint: set the environment variable POLYCONFORM_PASSWORD, or use --password-file PATH)"
    )]
    NoPassword(String),
    #[error(
        "`{0}` carries credentials in the URL (hint: give the user with --username and the password with POLYCONFORM_PASSWORD or --password-file, so it stays out of reports and the process list)"
    )]
    CredentialsInUrl(String),
    #[error("--timeout must be more than 0 and at most 3600 seconds, not `{0}`")]
    BadTimeout(f64),
    #[error("{0}")]
    BadPin(String),
    #[error(
        "cannot read --ca-cert `{path}`: {detail} (hint: give a PEM file holding `-----BEGIN CERTIFICATE-----` blocks)"
    )]
    CaCert { path: PathBuf, detail: String },
    #[error(
        "--insecure, --pin-sha256 and --ca-cert apply to a `--target` only: the built-in emulator serves plain HTTP"
    )]
    TrustWithoutTarget,
    #[error(transparent)]
    Device(#[from] DeviceError),
    #[error("cannot start the built-in emulator: {0}")]
    Emulator(String),
}

/// Resolve the target: `--target` with its password and trust, or the built-in emulator.
///
/// The contract other commands code against; `run` uses [`connect_with`] to pass the
/// emulator latency as well.
pub async fn connect(
    args: &TargetOptions,
    profile: &Profile,
    emulator_faults: &[String],
    control: bool,
) -> Result<Target, TargetError> {
    connect_with(args, profile, EmulatorSetup { faults: emulator_faults.to_vec(), control, ..EmulatorSetup::default() })
        .await
}

/// [`connect`] with every emulator setting.
pub async fn connect_with(
    args: &TargetOptions,
    profile: &Profile,
    setup: EmulatorSetup,
) -> Result<Target, TargetError> {
    // The command line refuses such values already; a library caller gets the same error,
    // never a panic converting 1e20 seconds.
    let timeout = match Duration::try_from_secs_f64(args.timeout) {
        Ok(t) if args.timeout > 0.0 && args.timeout <= 3600.0 => t,
        _ => return Err(TargetError::BadTimeout(args.timeout)),
    };
    let pace = Duration::from_millis(args.pace_ms);
    let password = resolve_password(args)?;
    match &args.url {
        Some(url) => {
            let url = url.trim().trim_end_matches('/').to_string();
            if let Ok(parsed) = reqwest::Url::parse(&url)
                && (!parsed.username().is_empty() || parsed.password().is_some())
            {
                return Err(TargetError::CredentialsInUrl(strip_credentials(&parsed)));
            }
            let password = password.ok_or_else(|| TargetError::NoPassword(url.clone()))?;
            let trust = resolve_trust(args)?;
            let device = Device::new(DeviceConfig {
                base_url: url.clone(),
                credentials: Credentials { username: args.username.clone(), password: password.clone() },
                trust,
                timeout,
                pace,
                max_body: args.max_body,
            })?;
            Ok(Target { device, emulator: None, label: url, password })
        }
        None => {
            if args.insecure || args.pin_sha256.is_some() || args.ca_cert.is_some() {
                return Err(TargetError::TrustWithoutTarget);
            }
            let password = password.unwrap_or_else(generated_password);
            let mut config = EmulatorConfig::new(profile.clone());
            config.username = args.username.clone();
            config.password = password.clone();
            config.faults = setup.faults;
            config.readings = setup.readings;
            config.control = setup.control;
            config.latency = setup.latency;
            if let Some(reboot) = setup.reboot {
                config.reboot = reboot;
            }
            let emulator = Emulator::start(config).await.map_err(|e| TargetError::Emulator(e.to_string()))?;
            let device = Device::new(DeviceConfig {
                base_url: emulator.url(),
                credentials: Credentials { username: args.username.clone(), password: password.clone() },
                trust: Trust::System,
                timeout,
                pace,
                max_body: args.max_body,
            })?;
            Ok(Target { device, emulator: Some(emulator), label: BUILTIN_LABEL.to_string(), password })
        }
    }
}

/// `--password` (with a warning), then `--password-file`, then `POLYCONFORM_PASSWORD`.
pub fn resolve_password(args: &TargetOptions) -> Result<Option<String>, TargetError> {
    if let Some(pw) = &args.password {
        return Ok(Some(pw.clone()));
    }
    if let Some(path) = &args.password_file {
        return match read_password_file(path) {
            Ok(pw) => Ok(Some(pw)),
            Err(PasswordFileError::Empty) => Err(TargetError::EmptyPasswordFile(path.clone())),
            Err(PasswordFileError::Unreadable(e)) => {
                Err(TargetError::PasswordFile { path: path.clone(), detail: e.to_string() })
            }
        };
    }
    Ok(std::env::var(PASSWORD_ENV).ok().filter(|p| !p.is_empty()))
}

pub fn resolve_trust(args: &TargetOptions) -> Result<Trust, TargetError> {
    if args.insecure {
        return Ok(Trust::Insecure);
    }
    if let Some(pin) = &args.pin_sha256 {
        return parse_pin(pin).map(Trust::Pin).map_err(TargetError::BadPin);
    }
    if let Some(path) = &args.ca_cert {
        let pem = std::fs::read(path).map_err(|e| TargetError::CaCert { path: path.clone(), detail: e.to_string() })?;
        return Ok(Trust::Ca(pem));
    }
    Ok(Trust::System)
}

fn strip_credentials(url: &reqwest::Url) -> String {
    let mut clean = url.clone();
    let _ = clean.set_username("");
    let _ = clean.set_password(None);
    clean.to_string().trim_end_matches('/').to_string()
}

/// A password for an emulator nobody else will log in to: unpredictable enough that a
/// test which forgets to send credentials cannot pass by luck.
fn generated_password() -> String {
    use sha2::{Digest, Sha256};
    let seed = format!("{:?}{}", std::time::SystemTime::now(), std::process::id());
    let digest = Sha256::digest(seed.as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    format!("pc-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args() -> TargetOptions {
        TargetOptions::builtin()
    }

    #[test]
    fn password_file_first_line_wins_and_empty_is_an_error() {
        let dir = std::env::temp_dir().join(format!("pc-target-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("pw");
        std::fs::write(&file, "first\r\nsecond\n").unwrap();
        let mut a = args();
        a.password_file = Some(file.clone());
        assert_eq!(resolve_password(&a).unwrap().as_deref(), Some("first"));
        std::fs::write(&file, "\n").unwrap();
        assert!(matches!(resolve_password(&a), Err(TargetError::EmptyPasswordFile(_))));
        a.password_file = Some(dir.join("missing"));
        let e = resolve_password(&a).unwrap_err().to_string();
        assert!(e.contains("cannot read --password-file"), "{e}");
    }

    #[test]
    fn trust_follows_the_flags_and_bad_pins_are_explained() {
        let mut a = args();
        assert_eq!(resolve_trust(&a).unwrap(), Trust::System);
        a.insecure = true;
        assert_eq!(resolve_trust(&a).unwrap(), Trust::Insecure);
        a.insecure = false;
        a.pin_sha256 = Some("zz".into());
        assert!(resolve_trust(&a).unwrap_err().to_string().contains("64 hex digits"));
    }

    #[test]
    fn credentials_are_stripped_from_labels() {
        let url = reqwest::Url::parse("https://Polycom:secret@10.0.0.5/").unwrap();
        assert_eq!(strip_credentials(&url), "https://10.0.0.5");
    }

    #[test]
    fn generated_passwords_differ_from_the_factory_one() {
        let pw = generated_password();
        assert!(pw.starts_with("pc-") && pw.len() > 10, "{pw}");
    }
}
