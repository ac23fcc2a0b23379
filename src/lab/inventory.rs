//! The inventory: which phones a lab run tests, how to reach them, and how to sign in.
//!
//! A TOML file, one `[[device]]` table per phone, with optional `[defaults]` applied to
//! every device:
//!
//! ```toml
//! [defaults]
//! profile = "trio-5.9.1"
//! password_env = "LAB_PHONE_PASSWORD"   # the name of an environment variable
//! insecure = true                        # lab phones carry MAC-named certificates
//!
//! [[device]]
//! name = "trio-a"
//! target = "https://10.0.0.5"
//! pin_sha256 = "AB:CD:..."               # instead of insecure
//! peer = "vvx-b"                         # another inventory phone that can call this one
//! number = "1001"                        # what the peer dials (default: line 1 of lineInfo)
//! tags = ["room:lab-2", "rack:r1"]
//!
//! [[device]]
//! name = "vvx-b"
//! target = "https://10.0.0.6"
//! profile = "vvx-5.9.0"
//! password_file = "secrets/vvx-b.pw"     # first line; relative to the inventory
//! max_body = "4M"                        # bytes of an answer read (as --max-body; default 1M)
//! ```
//!
//! Secrets are never written in the file: an inline `password` key (or a URL with
//! `user:password@`) is an error with a hint, because inventories get committed, mailed
//! and pasted into tickets. Every problem is reported at `file:line:col` with a hint,
//! all at once, and the command exits with code 2.

use crate::catalogue::error::{SpecError, SpecErrors, did_you_mean};
use crate::device::Credentials;
use crate::device::secret::{PasswordFileError, read_password_file};
use crate::device::tls::{Trust, parse_pin};
use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;
use toml::Spanned;

/// One phone of the inventory, ready to be reached (credentials resolved).
#[derive(Debug, Clone)]
pub struct InventoryDevice {
    /// Unique name: file names, lock names, history rows and report rows use it.
    pub name: String,
    /// Base URL (no credentials, no trailing slash).
    pub target: String,
    pub profile: String,
    /// User name and password; `Debug` redacts the password.
    pub credentials: Credentials,
    /// Where the password came from (`environment variable LAB_PW`), for messages.
    pub password_source: String,
    pub trust: Trust,
    pub timeout: Duration,
    pub pace: Duration,
    /// Bytes of an answer read at most (`max_body`, as `--max-body`; 1 MiB when not given).
    pub max_body: usize,
    /// Inventory name of a phone that can place incoming calls to this one.
    pub peer: Option<String>,
    /// What the peer dials to ring this phone; `None` reads line 1 of its lineInfo.
    pub number: Option<String>,
    /// The target serves the emulator's /control endpoints (incoming calls on demand).
    pub control: bool,
    /// Number dialled by call-flow cases.
    pub dial: String,
    pub tags: Vec<String>,
    pub allow_destructive: bool,
    pub strict: bool,
    /// 1-based line of the entry's `name`, for messages.
    pub line: usize,
}

/// A parsed and checked inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub path: PathBuf,
    pub devices: Vec<InventoryDevice>,
}

impl Inventory {
    /// Read and check the inventory at `path`; environment variables come from the process.
    pub fn load(path: &Path, known_profiles: &[&str]) -> Result<Inventory, SpecErrors> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            SpecErrors(vec![
                SpecError::new(path, format!("cannot read the inventory: {e}"))
                    .hint("give the path of a TOML inventory with --inventory"),
            ])
        })?;
        Inventory::parse(path, &text, known_profiles, &|name| std::env::var(name).ok())
    }

    /// Parse and check inventory text; `env` looks up environment variables (tests pass their own).
    pub fn parse(
        path: &Path,
        text: &str,
        known_profiles: &[&str],
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Inventory, SpecErrors> {
        let file: InventoryFile = match toml::from_str(text) {
            Ok(f) => f,
            Err(e) => return Err(SpecErrors(vec![toml_error(path, text, &e)])),
        };
        let check = EntryCheck {
            path,
            text,
            base_dir: path.parent().map(Path::to_path_buf).unwrap_or_default(),
            known_profiles,
            names: file.devices.iter().map(|d| d.name.get_ref().as_str()).collect(),
            env,
            defaults: &file.defaults,
        };
        let mut errors = Vec::new();
        if let Some(pw) = &file.defaults.password {
            errors.push(inline_secret(check.at(pw.span(), "an inline `password` in [defaults]".into())));
        }
        if file.devices.is_empty() {
            errors.push(
                SpecError::new(path, "the inventory lists no phone")
                    .hint("add a `[[device]]` table with `name`, `target` and `password_env`"),
            );
        }
        let mut seen = BTreeSet::new();
        // Every entry is checked, also after a bad one: all problems are reported at once.
        let devices: Vec<InventoryDevice> =
            file.devices.iter().filter_map(|entry| check.device(entry, &mut seen, &mut errors)).collect();
        if errors.is_empty() { Ok(Inventory { path: path.to_path_buf(), devices }) } else { Err(SpecErrors(errors)) }
    }

    /// Lock files of this inventory's phones: `<inventory stem>.locks/` next to the file.
    pub fn lock_dir(&self) -> PathBuf {
        self.sibling("locks")
    }

    /// The default history database: `<inventory stem>.history.sqlite` next to the file.
    pub fn default_db(&self) -> PathBuf {
        default_db_for(&self.path)
    }

    fn sibling(&self, suffix: &str) -> PathBuf {
        sibling(&self.path, suffix)
    }

    /// The phones carrying every tag in `tags` (all phones when `tags` is empty).
    pub fn with_tags(&self, tags: &[String]) -> Vec<&InventoryDevice> {
        self.devices.iter().filter(|d| tags.iter().all(|t| d.tags.iter().any(|x| x == t))).collect()
    }

    pub fn device(&self, name: &str) -> Option<&InventoryDevice> {
        self.devices.iter().find(|d| d.name == name)
    }
}

/// The default history database of the inventory at `path`.
pub fn default_db_for(path: &Path) -> PathBuf {
    sibling(path, "history.sqlite")
}

fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "inventory".into());
    path.with_file_name(format!("{stem}.{suffix}"))
}

/// A TOML syntax or shape error at its place, with a hint.
fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> SpecError {
    let message = e.message().trim().to_string();
    let mut err = SpecError::new(path, message.lines().next().unwrap_or("invalid TOML").to_string());
    if let Some(span) = e.span() {
        err = err.at(text, span);
    }
    // A syntax error on a secret's line must not print that line.
    if err.source_line.as_deref().is_some_and(|l| l.to_ascii_lowercase().contains("password") || l.contains('@')) {
        err.source_line = None;
    }
    err.hint(hint_for_toml_error(&message))
}

/// What checking the `[[device]]` entries of one inventory needs: the file (for the place
/// of each problem), the known profiles, every phone's name (for `peer`), the environment
/// (for passwords) and the `[defaults]`.
struct EntryCheck<'a> {
    path: &'a Path,
    text: &'a str,
    /// Relative `password_file` and `ca_cert` paths start here.
    base_dir: PathBuf,
    known_profiles: &'a [&'a str],
    names: Vec<&'a str>,
    env: &'a dyn Fn(&str) -> Option<String>,
    defaults: &'a Defaults,
}

/// No value: the check's problem goes to `errors`, with the others of the inventory.
fn fail<T>(errors: &mut Vec<SpecError>, problem: SpecError) -> Option<T> {
    errors.push(problem);
    None
}

impl EntryCheck<'_> {
    /// A problem at a place of the file.
    fn at(&self, span: std::ops::Range<usize>, msg: String) -> SpecError {
        SpecError::new(self.path, msg).at(self.text, span)
    }

    /// One entry as a phone, or `None` with its problems pushed to `errors`. Every check
    /// runs, so one entry's problems are all reported together, in the order of its keys
    /// in the format.
    fn device(
        &self,
        entry: &DeviceEntry,
        seen: &mut BTreeSet<String>,
        errors: &mut Vec<SpecError>,
    ) -> Option<InventoryDevice> {
        let d = self.defaults;
        let name = entry.name.get_ref().trim().to_string();
        let line = self.text[..entry.name.span().start.min(self.text.len())].matches('\n').count() + 1;
        let before = errors.len();
        self.check_name(entry, &name, seen, errors);
        if let Some(pw) = &entry.password {
            errors.push(inline_secret(self.at(pw.span(), format!("an inline `password` for phone `{name}`"))));
        }
        let target = self.target(entry, errors);
        let profile = self.profile(entry, errors);
        let password = self.password(entry, errors);
        let trust = self.trust(entry, &name, errors);
        let timeout = self.timeout(entry, errors);
        let max_body = self.max_body(entry, errors);
        self.check_peer(entry, &name, errors);
        let tags = self.tags(entry, errors);
        let (
            Some(target),
            Some(profile),
            Some((password, password_source)),
            Some(trust),
            Some(timeout),
            Some(max_body),
        ) = (target, profile, password, trust, timeout, max_body)
        else {
            return None;
        };
        if errors.len() > before {
            return None;
        }
        Some(InventoryDevice {
            name,
            target,
            profile,
            credentials: Credentials {
                username: entry.username.clone().or_else(|| d.username.clone()).unwrap_or_else(|| "Polycom".into()),
                password,
            },
            password_source,
            trust,
            timeout,
            pace: Duration::from_millis(entry.pace_ms.or(d.pace_ms).unwrap_or(0)),
            max_body,
            peer: entry.peer.as_ref().map(|p| p.get_ref().clone()),
            number: entry.number.clone(),
            control: entry.control.or(d.control).unwrap_or(false),
            dial: entry.dial.clone().or_else(|| d.dial.clone()).unwrap_or_else(|| "1000".into()),
            tags,
            allow_destructive: entry.allow_destructive.or(d.allow_destructive).unwrap_or(false),
            strict: entry.strict.or(d.strict).unwrap_or(false),
            line,
        })
    }

    /// `name`: usable as a file name, and unique (history rows are keyed by it).
    fn check_name(&self, entry: &DeviceEntry, name: &str, seen: &mut BTreeSet<String>, errors: &mut Vec<SpecError>) {
        if name.is_empty()
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || name.starts_with('.')
        {
            errors.push(
                self.at(entry.name.span(), format!("phone name `{name}` must be letters, digits, `-`, `_` and `.`"))
                    .field("name")
                    .hint("names become file names of reports and lock files: e.g. `trio-lab2-r1`"),
            );
        } else if !seen.insert(name.to_string()) {
            errors.push(
                self.at(entry.name.span(), format!("phone name `{name}` is used twice"))
                    .field("name")
                    .hint("every phone needs its own name: history rows are keyed by it"),
            );
        }
    }

    /// `target`: a base URL; one carrying credentials is refused without echoing it.
    fn target(&self, entry: &DeviceEntry, errors: &mut Vec<SpecError>) -> Option<String> {
        check_target(entry.target.get_ref()).map_err(|msg| {
            let hint = if msg.contains("credentials") {
                "inline secrets are refused: put the password in an environment variable named by `password_env`, or in a file named by `password_file`"
            } else {
                "give a base URL such as `https://10.0.0.5` or `http://127.0.0.1:8080`"
            };
            let mut e = self.at(entry.target.span(), msg).field("target").hint(hint);
            if hint.starts_with("inline secrets") {
                e.source_line = None;
            }
            e
        })
        .map_err(|e| errors.push(e))
        .ok()
    }

    /// `profile` (or the default's): a known one; without either, the first known profile.
    fn profile(&self, entry: &DeviceEntry, errors: &mut Vec<SpecError>) -> Option<String> {
        let known = self.known_profiles;
        match entry.profile.as_ref().or(self.defaults.profile.as_ref()) {
            Some(p) if known.contains(&p.get_ref().as_str()) => Some(p.get_ref().clone()),
            Some(p) => {
                let e = self.at(p.span(), format!("unknown profile `{}`", p.get_ref())).field("profile");
                fail(
                    errors,
                    match did_you_mean(p.get_ref(), known.iter().copied()) {
                        Some(near) => e.hint(format!("did you mean `{near}`? (known profiles: {})", known.join(", "))),
                        None => e.hint(format!("known profiles: {}", known.join(", "))),
                    },
                )
            }
            None => Some(known.first().map(|p| p.to_string()).unwrap_or_default()),
        }
    }

    /// The password and where it came from; a problem without a place of its own is
    /// reported at the entry's `name`.
    fn password(&self, entry: &DeviceEntry, errors: &mut Vec<SpecError>) -> Option<(String, String)> {
        resolve_password(entry, self.defaults, &self.base_dir, self.env)
            .map_err(|(span, msg, hint)| {
                let e = match span {
                    Some(span) => self.at(span, msg),
                    None => self.at(entry.name.span(), msg),
                };
                e.hint(hint)
            })
            .map_err(|e| errors.push(e))
            .ok()
    }

    /// How the phone's certificate is trusted: a pin, `insecure`, a CA file, or the system.
    fn trust(&self, entry: &DeviceEntry, name: &str, errors: &mut Vec<SpecError>) -> Option<Trust> {
        let d = self.defaults;
        let insecure = entry.insecure.or(d.insecure).unwrap_or(false);
        let ca_cert = entry.ca_cert.as_ref().or(d.ca_cert.as_ref());
        match (&entry.pin_sha256, insecure, ca_cert) {
            (Some(pin), true, _) => fail(
                errors,
                self.at(pin.span(), format!("phone `{name}` has both `pin_sha256` and `insecure = true`"))
                    .hint("a pin is the safer choice: remove `insecure` for this phone (or set `insecure = false`)"),
            ),
            (Some(pin), false, _) => parse_pin(pin.get_ref())
                .map(Trust::Pin)
                .map_err(|msg| errors.push(self.at(pin.span(), msg).field("pin_sha256")))
                .ok(),
            (None, true, _) => Some(Trust::Insecure),
            (None, false, Some(ca)) => {
                let p = self.base_dir.join(ca.get_ref());
                std::fs::read(&p)
                    .map(Trust::Ca)
                    .map_err(|e| {
                        errors.push(
                            self.at(ca.span(), format!("cannot read CA certificate `{}`: {e}", p.display()))
                                .hint("the path is relative to the inventory file"),
                        )
                    })
                    .ok()
            }
            (None, false, None) => Some(Trust::System),
        }
    }

    /// `timeout_secs`: more than 0 and at most an hour; 10 s when not given.
    fn timeout(&self, entry: &DeviceEntry, errors: &mut Vec<SpecError>) -> Option<Duration> {
        let timeout_secs = entry.timeout_secs.as_ref().or(self.defaults.timeout_secs.as_ref());
        match timeout_secs {
            Some(t) if t.get_ref().is_finite() && *t.get_ref() > 0.0 && *t.get_ref() <= 3600.0 => {
                Some(Duration::from_secs_f64(*t.get_ref()))
            }
            Some(t) => fail(
                errors,
                self.at(t.span(), format!("timeout_secs = {} is not usable", t.get_ref()))
                    .hint("give a number of seconds between 0 and 3600, e.g. 10"),
            ),
            None => Some(Duration::from_secs(10)),
        }
    }

    /// `max_body`: bytes (`1048576`) or a size (`"64k"`, `"4M"`), 1 KiB ..= 1 GiB; 1 MiB
    /// when not given.
    fn max_body(&self, entry: &DeviceEntry, errors: &mut Vec<SpecError>) -> Option<usize> {
        use crate::device::body_limit;
        let Some(value) = entry.max_body.as_ref().or(self.defaults.max_body.as_ref()) else {
            return Some(body_limit::DEFAULT_MAX_BODY);
        };
        let parsed = match value.get_ref() {
            toml::Value::Integer(n) => body_limit::checked(u64::try_from(*n).unwrap_or(0)),
            toml::Value::String(text) => body_limit::parse(text),
            other => Err(body_limit::BodyLimitError::NotASize(other.to_string())),
        };
        match parsed {
            Ok(bytes) => Some(bytes),
            Err(e) => fail(
                errors,
                self.at(value.span(), format!("max_body = {} is not usable", value.get_ref()))
                    .hint(format!("{e}; e.g. max_body = \"4M\"")),
            ),
        }
    }

    /// `peer`: another phone of this inventory.
    fn check_peer(&self, entry: &DeviceEntry, name: &str, errors: &mut Vec<SpecError>) {
        let Some(peer) = &entry.peer else {
            return;
        };
        let p = peer.get_ref();
        if p == name {
            errors.push(
                self.at(peer.span(), format!("phone `{name}` names itself as its peer"))
                    .hint("the peer is another phone that calls this one"),
            );
        } else if !self.names.contains(&p.as_str()) {
            let e = self.at(peer.span(), format!("peer `{p}` is not a phone of this inventory")).field("peer");
            errors.push(match did_you_mean(p, self.names.iter().copied()) {
                Some(near) => e.hint(format!("did you mean `{near}`?")),
                None => e.hint("`peer` names another `[[device]]` of the same inventory"),
            });
        }
    }

    /// The default tags, then the entry's own (each once); every unusable tag is a problem.
    fn tags(&self, entry: &DeviceEntry, errors: &mut Vec<SpecError>) -> Vec<String> {
        let mut tags: Vec<String> = self.defaults.tags.clone();
        for t in &entry.tags {
            if t.get_ref().trim().is_empty() || t.get_ref().contains(',') {
                errors.push(
                    self.at(t.span(), format!("tag `{}` cannot be used", t.get_ref()))
                        .hint("tags are non-empty and have no comma, e.g. `room:lab-2`"),
                );
            } else if !tags.contains(t.get_ref()) {
                tags.push(t.get_ref().clone());
            }
        }
        tags
    }
}

fn inline_secret(e: SpecError) -> SpecError {
    let message = format!("{} is refused: inventories must not hold secrets", e.message);
    // The caret display would print the source line, and with it the secret.
    SpecError { message, source_line: None, ..e }.field("password").hint(
        "put the password in an environment variable and write `password_env = \"LAB_PHONE_PASSWORD\"`, \
or in a file readable only by the lab user and write `password_file = \"secrets/phone.pw\"`",
    )
}

fn check_target(raw: &str) -> Result<String, String> {
    let url = reqwest::Url::parse(raw.trim()).map_err(|e| format!("`{raw}` is not a URL ({e})"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!("`{raw}` is not an http:// or https:// URL"));
    }
    if url.host_str().is_none() {
        return Err(format!("`{raw}` has no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        // Never echo the URL: it holds the secret.
        return Err("the target URL carries credentials (`user:password@`)".into());
    }
    if url.path() != "/" || url.query().is_some() {
        return Err(format!("`{raw}` has a path; the target is the phone's base URL"));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

type PasswordError = (Option<std::ops::Range<usize>>, String, String);

fn resolve_password(
    entry: &DeviceEntry,
    d: &Defaults,
    base: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<(String, String), PasswordError> {
    let (var, file) = match (&entry.password_env, &entry.password_file) {
        (Some(_), Some(f)) => {
            return Err((
                Some(f.span()),
                "both `password_env` and `password_file` are given".into(),
                "keep one of them".into(),
            ));
        }
        (Some(v), None) => (Some(v), None),
        (None, Some(f)) => (None, Some(f)),
        (None, None) => (d.password_env.as_ref(), d.password_file.as_ref()),
    };
    if let Some(var) = var {
        let name = var.get_ref();
        return match env(name) {
            Some(v) if !v.is_empty() => Ok((v, format!("environment variable {name}"))),
            Some(_) => Err((
                Some(var.span()),
                format!("environment variable `{name}` is empty"),
                format!("export {name}=... before running `polyconform lab`"),
            )),
            None => Err((
                Some(var.span()),
                format!("environment variable `{name}` is not set"),
                format!("export {name}=... before running `polyconform lab` (in CI: from the secret store)"),
            )),
        };
    }
    if let Some(file) = file {
        let p = base.join(file.get_ref());
        return match read_password_file(&p) {
            Ok(line) => Ok((line, format!("file {}", p.display()))),
            Err(PasswordFileError::Empty) => Err((
                Some(file.span()),
                format!("password file `{}` is empty", p.display()),
                "the password is the first line of the file".into(),
            )),
            Err(PasswordFileError::Unreadable(e)) => Err((
                Some(file.span()),
                format!("cannot read password file `{}`: {e}", p.display()),
                "the path is relative to the inventory file".into(),
            )),
        };
    }
    Err((
        None,
        format!("phone `{}` has no credentials", entry.name.get_ref()),
        "add `password_env = \"VAR\"` (or `password_file = \"path\"`) to the phone or to [defaults]".into(),
    ))
}

fn hint_for_toml_error(message: &str) -> String {
    if let Some(hint) = crate::catalogue::error::unknown_key_hint(message) {
        return hint;
    }
    if message.starts_with("missing field") {
        return "every `[[device]]` needs `name` and `target`; see README.md, \"Nightly lab runs\"".into();
    }
    "fix the TOML at this place; see README.md, \"Nightly lab runs\" for the inventory format".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct InventoryFile {
    #[serde(default)]
    defaults: Defaults,
    #[serde(default, rename = "device")]
    devices: Vec<DeviceEntry>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    profile: Option<Spanned<String>>,
    username: Option<String>,
    password_env: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    /// Present only to be refused with a hint.
    password: Option<Spanned<toml::Value>>,
    insecure: Option<bool>,
    ca_cert: Option<Spanned<String>>,
    timeout_secs: Option<Spanned<f64>>,
    pace_ms: Option<u64>,
    /// Bytes (integer) or a size (`"4M"`).
    max_body: Option<Spanned<toml::Value>>,
    control: Option<bool>,
    dial: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    allow_destructive: Option<bool>,
    strict: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeviceEntry {
    name: Spanned<String>,
    target: Spanned<String>,
    profile: Option<Spanned<String>>,
    username: Option<String>,
    password_env: Option<Spanned<String>>,
    password_file: Option<Spanned<String>>,
    /// Present only to be refused with a hint.
    password: Option<Spanned<toml::Value>>,
    insecure: Option<bool>,
    pin_sha256: Option<Spanned<String>>,
    ca_cert: Option<Spanned<String>>,
    timeout_secs: Option<Spanned<f64>>,
    pace_ms: Option<u64>,
    /// Bytes (integer) or a size (`"4M"`).
    max_body: Option<Spanned<toml::Value>>,
    peer: Option<Spanned<String>>,
    number: Option<String>,
    control: Option<bool>,
    dial: Option<String>,
    #[serde(default)]
    tags: Vec<Spanned<String>>,
    allow_destructive: Option<bool>,
    strict: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROFILES: &[&str] = &["trio-5.9.1", "vvx-5.9.0"];

    fn env(name: &str) -> Option<String> {
        match name {
            "LAB_PW" => Some("s3cret-lab".into()),
            "EMPTY_PW" => Some(String::new()),
            _ => None,
        }
    }

    fn parse(text: &str) -> Result<Inventory, SpecErrors> {
        Inventory::parse(Path::new("lab/inv.toml"), text, PROFILES, &env)
    }

    fn errors(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn a_full_inventory_resolves_defaults_credentials_and_trust() {
        let inv = parse(
            r#"
[defaults]
profile = "trio-5.9.1"
password_env = "LAB_PW"
insecure = true
tags = ["site:hq"]
max_body = "4M"

[[device]]
name = "trio-a"
target = "https://10.0.0.5/"
peer = "vvx-b"
tags = ["room:lab-2", "rack:r1"]

[[device]]
name = "vvx-b"
target = "http://127.0.0.1:8080"
profile = "vvx-5.9.0"
insecure = false
pin_sha256 = "ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB"
username = "admin"
timeout_secs = 2.5
max_body = 65536
"#,
        )
        .unwrap();
        let a = inv.device("trio-a").unwrap();
        assert_eq!(a.target, "https://10.0.0.5");
        assert_eq!(a.profile, "trio-5.9.1");
        assert_eq!(a.credentials.username, "Polycom");
        assert_eq!(a.credentials.password, "s3cret-lab");
        assert_eq!(a.password_source, "environment variable LAB_PW");
        assert_eq!(a.trust, Trust::Insecure);
        assert_eq!(a.peer.as_deref(), Some("vvx-b"));
        assert_eq!(a.tags, vec!["site:hq", "room:lab-2", "rack:r1"]);
        assert_eq!(a.line, 10);
        let b = inv.device("vvx-b").unwrap();
        assert_eq!(b.profile, "vvx-5.9.0");
        assert_eq!(b.trust, Trust::Pin([0xab; 32]));
        assert_eq!(b.timeout, Duration::from_millis(2500));
        assert_eq!(a.max_body, 4 << 20, "from [defaults]");
        assert_eq!(b.max_body, 65536, "its own");
        assert_eq!(b.credentials.username, "admin");
        assert_eq!(inv.with_tags(&["rack:r1".into()]).len(), 1);
        assert_eq!(inv.with_tags(&["site:hq".into()]).len(), 2);
        assert_eq!(inv.with_tags(&["site:hq".into(), "rack:r2".into()]).len(), 0);
        assert_eq!(inv.lock_dir(), Path::new("lab/inv.locks"));
        assert_eq!(inv.default_db(), Path::new("lab/inv.history.sqlite"));
        // The password never shows in Debug output.
        assert!(!format!("{inv:?}").contains("s3cret-lab"));
    }

    #[test]
    fn an_inline_password_is_an_error_at_its_place_with_a_hint() {
        let text = "[[device]]\nname = \"a\"\ntarget = \"http://127.0.0.1:1\"\npassword = \"hunter2\"\n";
        let shown = errors(text);
        assert!(
            shown.starts_with("lab/inv.toml:4:12: error: an inline `password` for phone `a` is refused"),
            "{shown}"
        );
        assert!(shown.contains("hint: put the password in an environment variable"), "{shown}");
        assert!(!shown.contains("hunter2"), "the secret is never shown, not even in the source line: {shown}");
        let shown = errors(
            "[defaults]\npassword = \"x\"\n[[device]]\nname = \"a\"\ntarget = \"http://127.0.0.1:1\"\npassword_env = \"LAB_PW\"\n",
        );
        assert!(shown.contains("lab/inv.toml:2:12: error: an inline `password` in [defaults] is refused"), "{shown}");
    }

    #[test]
    fn credentials_in_the_url_are_refused_without_echoing_them() {
        let shown = errors(
            "[[device]]\nname = \"a\"\ntarget = \"https://Polycom:topsecret@10.0.0.5\"\npassword_env = \"LAB_PW\"\n",
        );
        assert!(shown.contains("lab/inv.toml:3:10: error: the target URL carries credentials"), "{shown}");
        assert!(shown.contains("hint: inline secrets are refused"), "{shown}");
        assert!(!shown.contains("topsecret"), "{shown}");
    }

    #[test]
    fn unknown_keys_profiles_and_peers_get_did_you_mean_hints() {
        let shown = errors("[[device]]\nname = \"a\"\ntarget = \"http://127.0.0.1:1\"\npasword_env = \"LAB_PW\"\n");
        assert!(shown.starts_with("lab/inv.toml:4:1: error: unknown field `pasword_env`"), "{shown}");
        assert!(shown.contains("did you mean `password_env`?"), "{shown}");

        let shown = errors(
            "[[device]]\nname = \"a\"\ntarget = \"http://127.0.0.1:1\"\npassword_env = \"LAB_PW\"\nprofile = \"trio-5.9\"\n",
        );
        assert!(shown.contains("lab/inv.toml:5:11: error: unknown profile `trio-5.9`"), "{shown}");
        assert!(shown.contains("did you mean `trio-5.9.1`?"), "{shown}");

        let shown = errors(
            "[defaults]\npassword_env = \"LAB_PW\"\n[[device]]\nname = \"trio-a\"\ntarget = \"http://127.0.0.1:1\"\npeer = \"trio-b\"\n[[device]]\nname = \"trio-c\"\ntarget = \"http://127.0.0.1:2\"\n",
        );
        assert!(shown.contains("lab/inv.toml:6:8: error: peer `trio-b` is not a phone of this inventory"), "{shown}");
        assert!(shown.contains("did you mean"), "{shown}");
    }

    #[test]
    fn missing_and_empty_environment_variables_are_reported_with_the_variable_name() {
        let shown =
            errors("[[device]]\nname = \"a\"\ntarget = \"http://127.0.0.1:1\"\npassword_env = \"NOT_SET_PW\"\n");
        assert!(shown.contains("lab/inv.toml:4:16: error: environment variable `NOT_SET_PW` is not set"), "{shown}");
        assert!(shown.contains("hint: export NOT_SET_PW=..."), "{shown}");
        let shown = errors("[[device]]\nname = \"a\"\ntarget = \"http://127.0.0.1:1\"\npassword_env = \"EMPTY_PW\"\n");
        assert!(shown.contains("is empty"), "{shown}");
        let shown = errors("[[device]]\nname = \"a\"\ntarget = \"http://127.0.0.1:1\"\n");
        assert!(shown.contains("phone `a` has no credentials"), "{shown}");
    }

    #[test]
    fn password_files_are_read_relative_to_the_inventory() {
        let dir = std::env::temp_dir().join(format!("polyconform-inv-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("secrets")).unwrap();
        std::fs::write(dir.join("secrets/a.pw"), "from-file\nignored\n").unwrap();
        let path = dir.join("lab.toml");
        let text = "[[device]]\nname = \"a\"\ntarget = \"http://127.0.0.1:1\"\npassword_file = \"secrets/a.pw\"\n[[device]]\nname = \"b\"\ntarget = \"http://127.0.0.1:2\"\npassword_file = \"secrets/missing.pw\"\n";
        let err = Inventory::parse(&path, text, PROFILES, &env).unwrap_err().to_string();
        assert!(err.contains(":8:17: error: cannot read password file"), "{err}");
        let inv =
            Inventory::parse(&path, &text[..text.find("[[device]]\nname = \"b\"").unwrap()], PROFILES, &env).unwrap();
        assert_eq!(inv.devices[0].credentials.password, "from-file");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let text = "[[device]]\nname = \"a b\"\ntarget = \"ftp://x\"\npassword_env = \"LAB_PW\"\n[[device]]\nname = \"c\"\ntarget = \"http://127.0.0.1:1\"\npassword_env = \"LAB_PW\"\ninsecure = true\npin_sha256 = \"zz\"\ntimeout_secs = -1.0\n";
        let errs = parse(text).unwrap_err();
        assert_eq!(errs.0.len(), 4, "{errs}");
        let shown = errs.to_string();
        assert!(shown.contains(":2:8: error: phone name `a b`"), "{shown}");
        assert!(shown.contains(":3:10: error: `ftp://x` is not an http:// or https:// URL"), "{shown}");
        assert!(shown.contains("both `pin_sha256` and `insecure = true`"), "{shown}");
        assert!(shown.contains("timeout_secs = -1 is not usable"), "{shown}");
    }

    #[test]
    fn a_body_limit_outside_its_range_is_an_error_at_its_place() {
        let base = "[[device]]\nname = \"a\"\ntarget = \"http://127.0.0.1:1\"\npassword_env = \"LAB_PW\"\n";
        let shown = errors(&format!("{base}max_body = \"4 TB\"\n"));
        assert!(shown.contains(":5:12: error: max_body = \"4 TB\" is not usable"), "{shown}");
        assert!(shown.contains("hint: `4 TB` is not a size in bytes"), "{shown}");
        let shown = errors(&format!("{base}max_body = 12\n"));
        assert!(shown.contains("12 bytes is outside 1 KiB ..= 1 GiB"), "{shown}");
        assert!(errors(&format!("{base}max_body = -5\n")).contains("is not usable"));
        assert_eq!(parse(base).unwrap().devices[0].max_body, crate::device::body_limit::DEFAULT_MAX_BODY);
    }

    #[test]
    fn duplicate_names_empty_inventories_and_bad_toml_are_errors() {
        let shown = errors(
            "[defaults]\npassword_env = \"LAB_PW\"\n[[device]]\nname = \"a\"\ntarget = \"http://127.0.0.1:1\"\n[[device]]\nname = \"a\"\ntarget = \"http://127.0.0.1:2\"\n",
        );
        assert!(shown.contains(":7:8: error: phone name `a` is used twice"), "{shown}");
        assert!(errors("").contains("the inventory lists no phone"));
        let shown = errors("[[device]]\nname = \"a\ntarget = 1\n");
        assert!(shown.starts_with("lab/inv.toml:2:"), "{shown}");
        let shown = errors("[[device]]\nname = \"a\"\n");
        assert!(shown.contains("missing field `target`"), "{shown}");
    }
}
