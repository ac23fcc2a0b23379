//! What every fuzz campaign is built from, whoever starts it (`polyconform fuzz`,
//! `replay`, a lab run): the endpoints it may call, where reproducers go, the campaign
//! value itself, and the replay of what earlier runs saved.

use super::campaign::{Campaign, Settings};
use super::progress::Ticker;
use super::replay::{Replayed, replay_one};
use super::repro::{self, Reproducer};
use super::request_schema::SchemaDocs;
use super::restore::Restorer;
use crate::catalogue::Catalogue;
use crate::catalogue::profile::{Endpoint, Profile, Safety};
use crate::device::Device;
use crate::report::redact::Redactor;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Defaults when neither `--duration` nor `--cases` is given.
pub const DEFAULT_DURATION: Duration = Duration::from_secs(60);
pub const DEFAULT_CASES: u64 = 500;
/// Routine health check cadence (cases).
pub const HEALTH_EVERY: u64 = 25;
/// How long a phone that stopped answering gets to come back (a Trio restart is ~30 s).
pub const RECOVERY: Duration = Duration::from_secs(90);

/// Where reproducers go by default: `fuzz/repros/<profile>/`.
pub fn default_out_dir(profile: &str) -> PathBuf {
    Path::new("fuzz").join("repros").join(profile)
}

/// Why a campaign has nothing to call.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SelectError {
    #[error(
        "no endpoint of profile `{profile}` matches {patterns} (hint: `polyconform list --profile {profile}` shows every id and path)"
    )]
    NoMatch { profile: String, patterns: String },
    /// Each endpoint that matched, with why it is left out.
    #[error("nothing to fuzz: {}", .0.join("; "))]
    NothingAllowed(Vec<String>),
}

/// The endpoints a campaign may call.
pub fn select_endpoints(
    profile: &Profile,
    patterns: &[String],
    allow_mutating: bool,
) -> Result<Vec<Endpoint>, SelectError> {
    let matches = |e: &Endpoint| {
        patterns.is_empty()
            || patterns.iter().any(|p| {
                e.id.to_ascii_lowercase().contains(&p.to_ascii_lowercase())
                    || e.path.to_ascii_lowercase().contains(&p.to_ascii_lowercase())
            })
    };
    let wanted: Vec<&Endpoint> = profile.endpoints.iter().filter(|e| matches(e)).collect();
    if wanted.is_empty() {
        return Err(SelectError::NoMatch {
            profile: profile.id.clone(),
            patterns: patterns.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", "),
        });
    }
    let allowed: Vec<Endpoint> = wanted
        .iter()
        .filter(|e| e.safety == Safety::Safe || (allow_mutating && e.safety == Safety::Mutating))
        .map(|e| (*e).clone())
        .collect();
    if allowed.is_empty() {
        let reasons: Vec<String> = wanted
            .iter()
            .map(|e| match e.safety {
                Safety::Mutating => format!("{} is mutating (add --allow-mutating)", e.id),
                s => format!("{} is {}: never fuzzed", e.id, s.label()),
            })
            .collect();
        return Err(SelectError::NothingAllowed(reasons));
    }
    Ok(allowed)
}

/// Where a campaign runs and how it names itself in reports and curl lines.
pub struct Where {
    pub device: Device,
    /// Target label for reports (`builtin-emulator` or the URL).
    pub label: String,
    /// Base URL for curl lines (a placeholder for the built-in emulator, whose port dies
    /// with the run).
    pub curl_base: String,
}

/// A campaign against `at`; `-k` in curl lines and the user come from the device's own
/// settings, so every caller computes them the same way.
pub fn campaign<'a>(
    catalogue: &'a Catalogue,
    profile: &'a Profile,
    at: Where,
    endpoints: Vec<Endpoint>,
    redactor: &Redactor,
    settings: Settings,
) -> Campaign<'a> {
    let config = at.device.config();
    let insecure = config.trust.curl_needs_insecure();
    let username = config.credentials.username.clone();
    Campaign {
        restorer: Restorer::new(at.device.clone(), profile.clone()),
        device: at.device,
        profile,
        schemas: &catalogue.schemas,
        docs: SchemaDocs::from_set(&catalogue.schemas),
        endpoints,
        label: at.label,
        curl_base: at.curl_base,
        insecure,
        username,
        redactor: redactor.clone(),
        settings,
    }
}

/// Replay what earlier runs saved for this profile, before generating anything new.
pub async fn replay_saved(campaign: &Campaign<'_>, dir: &Path, ticker: &Ticker) -> Vec<(Reproducer, Replayed)> {
    if !dir.is_dir() {
        return Vec::new();
    }
    let Ok(files) = repro::load(dir) else {
        return Vec::new();
    };
    let saved: Vec<Reproducer> =
        files.into_iter().filter_map(|(_, r)| r.ok()).filter(|r| r.profile == campaign.profile.id).collect();
    if saved.is_empty() {
        return Vec::new();
    }
    ticker.println(&format!(
        "replaying {} saved reproducer{} from {}",
        saved.len(),
        if saved.len() == 1 { "" } else { "s" },
        dir.display()
    ));
    let mut out = Vec::new();
    for r in saved {
        let result = replay_one(campaign, &r).await;
        ticker.println(&campaign.redactor.redact(&format!("  {}", result.line(&r))));
        out.push((r, result));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile() -> Profile {
        let catalogue = Catalogue::embedded().expect("the built-in catalogue loads");
        catalogue.profile("trio-5.9.1").unwrap().clone()
    }

    #[test]
    fn destructive_and_session_breaking_endpoints_are_never_selected() {
        let p = profile();
        let all = select_endpoints(&p, &[], true).unwrap();
        assert!(all.iter().all(|e| matches!(e.safety, Safety::Safe | Safety::Mutating)));
        assert!(all.iter().any(|e| e.id == "callctrl.dial"));
        let safe = select_endpoints(&p, &[], false).unwrap();
        assert!(safe.iter().all(|e| e.safety == Safety::Safe));
        assert!(safe.iter().any(|e| e.id == "mgmt.config-get"));
    }

    #[test]
    fn patterns_explain_why_nothing_is_left() {
        let p = profile();
        let err = select_endpoints(&p, &["callctrl/dial".into()], false).unwrap_err().to_string();
        assert!(err.contains("--allow-mutating"), "{err}");
        let err = select_endpoints(&p, &["factoryReset".into()], true).unwrap_err().to_string();
        assert!(err.contains("never fuzzed"), "{err}");
        let err = select_endpoints(&p, &["nothing-like-this".into()], true).unwrap_err().to_string();
        assert!(err.contains("polyconform list"), "{err}");
        assert_eq!(select_endpoints(&p, &["config/get".into()], false).unwrap().len(), 1);
    }
}
