//! Safety: leave the phone as the run found it.
//!
//! Before a case changes anything, what it will change is read (`restore_config`
//! parameters, the transfer type) and entered in the [`Ledger`]; calls the run makes are
//! entered as they appear. After the case, always, even when it failed, the ledger is
//! settled: wait for a rebooting phone to come back (`wait-ready`, polled, never a fixed
//! sleep), end the run's calls, write the config values back and read them again, put
//! the transfer type back. [`restore_all`] settles the same ledger at the end of the run
//! and on Ctrl-C. A restore that fails is a harness ERROR, reported loudly: the phone may
//! be left changed and the lab must know.
//!
//! Everything here takes what it needs (the phone's API, the ledger, the profile) rather
//! than the engine, so the engine drives it and nothing here reaches back.

use super::ledger::Ledger;
use super::notes::Notes;
use super::outcome::SetupError;
use super::steps::{CLEANUP, SETUP, is_case_step};
use crate::catalogue::case::Cleanup;
use crate::catalogue::profile::Safety;
use crate::catalogue::{Case, Catalogue, Profile};
use crate::device::{Exchange, Outcome, WireRequest};
use crate::phone::poll::Poll;
use crate::phone::{Phone, Transport, transfer};
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// Whether the phone refused a request (so it cannot have acted on it): an HTTP 4xx, or
/// an API Status other than 2000.
fn refused(ex: &Exchange) -> bool {
    match &ex.outcome {
        Outcome::Answered(r) => (400..500).contains(&r.status) || r.api_status().is_some_and(|s| s != "2000"),
        _ => false,
    }
}

/// Whether a request goes to a destructive endpoint (reboot, reset, re-provision).
pub fn is_destructive(profile: &Profile, request: &WireRequest) -> bool {
    let path = request.path.split('?').next().unwrap_or("");
    profile.endpoints.iter().any(|e| {
        e.safety == Safety::Destructive && e.path == path && e.method.as_str().eq_ignore_ascii_case(&request.method)
    })
}

/// Whether a case step of `log` sent a destructive request the phone did not refuse, so
/// the phone may be away (rebooting) even if the suite forgot `wait-ready`. One the phone
/// refused (401, 4xx, a 4xxx Status) did nothing. Session-breaking endpoints (sign-in,
/// sign-out) do not reboot: nothing to watch.
pub fn may_be_away(profile: &Profile, log: &[Exchange]) -> bool {
    log.iter().filter(|ex| is_case_step(ex) && is_destructive(profile, &ex.request)).any(|ex| !refused(ex))
}

/// Note that a case step sent a destructive request the phone did not refuse: from
/// then on, an uptime shorter than the time since proves the phone rebooted.
pub async fn note_destructive(profile: &Profile, ledger: &Mutex<Ledger>, judged: &[Exchange]) {
    if judged.iter().any(|ex| is_destructive(profile, &ex.request) && !refused(ex)) {
        ledger.lock().await.destructive_accepted = Some(Instant::now());
    }
}

/// Read what the case will change, before it changes it.
pub async fn snapshot<T: Transport>(
    phone: &mut Phone<'_, T>,
    ledger: &Mutex<Ledger>,
    case: &Case,
    catalogue: &Catalogue,
    notes: &Notes,
) -> Result<(), SetupError> {
    if !case.spec.restore_config.is_empty() {
        remember_config(phone, ledger, &case.spec.restore_config).await.map_err(|e| {
            SetupError::NotTested(format!(
                "cannot read the values of {} to restore them afterwards: {e}",
                case.spec.restore_config.join(", ")
            ))
        })?;
    }
    if case.spec.cleanup.contains(&Cleanup::RestoreTransferType) && ledger.lock().await.transfer_type.is_none() {
        let t = phone.transfer_type(&format!("{SETUP}read transfer type")).await.map_err(|e| {
            SetupError::NotTested(format!("cannot read the transfer type to restore it afterwards: {e}"))
        })?;
        if phone.profile().is_some_and(|p| transfer::settable(p, &catalogue.schemas, &t)) {
            ledger.lock().await.transfer_type = Some(t);
        } else {
            // The value is the get case's defect to report; writing it back would only
            // be refused and poison every later case with a failed restore.
            notes.warn_once(format!(
                "the phone reported transfer type `{t}`, which transferType/set does not accept (\"<consultative blind safe>\"): it is not written back after the cases that change it"
            ));
        }
    }
    Ok(())
}

/// Enter the current values of `names` in the ledger (first value wins: a value
/// already pending is the one from before the run touched it).
pub async fn remember_config<T: Transport>(
    phone: &mut Phone<'_, T>,
    ledger: &Mutex<Ledger>,
    names: &[String],
) -> Result<(), String> {
    let pending: BTreeSet<String> = ledger.lock().await.config.keys().cloned().collect();
    let missing: Vec<String> = names.iter().filter(|n| !pending.contains(*n)).cloned().collect();
    if missing.is_empty() {
        return Ok(());
    }
    let values =
        phone.read_config(&format!("{SETUP}read config to restore"), &missing).await.map_err(|e| e.to_string())?;
    let mut ledger = ledger.lock().await;
    for (k, v) in values {
        ledger.config.entry(k).or_insert(v);
    }
    Ok(())
}

/// Settle after one case: wait-ready, end calls, config, transfer type. `may_be_away`:
/// see [`may_be_away`]; `timeout`: how long the run's calls may take to end.
pub async fn clean_up<T: Transport>(
    phone: &mut Phone<'_, T>,
    ledger: &Mutex<Ledger>,
    timeout: Duration,
    case: &Case,
    may_be_away: bool,
) -> Result<(), RestoreFailed> {
    let mut problems = Vec::new();
    // A phone that accepted a destructive request is watched for the reboot; when
    // nothing was accepted `wait-ready` only checks once that the phone answers,
    // instead of watching it for a reboot that is not coming.
    let accepted_at = ledger.lock().await.destructive_accepted.take();
    if may_be_away || case.spec.cleanup.contains(&Cleanup::WaitReady) {
        let outage = may_be_away.then(|| accepted_at.unwrap_or_else(Instant::now));
        if let Err(e) = phone.wait_ready(&format!("{CLEANUP}wait until ready"), outage).await {
            problems.push(e.to_string());
        }
    }
    let check_calls = case.spec.cleanup.contains(&Cleanup::EndCalls);
    if let Err(RestoreFailed(more)) = restore_into(phone, ledger, timeout, check_calls).await {
        problems.extend(more);
    }
    joined(problems)
}

/// Settle the whole ledger (end of run, Ctrl-C).
pub async fn restore_all<T: Transport>(
    phone: &mut Phone<'_, T>,
    ledger: &Mutex<Ledger>,
    timeout: Duration,
) -> Result<(), RestoreFailed> {
    restore_into(phone, ledger, timeout, false).await
}

/// What could not be put back, one problem each (shown as one sentence).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}", .0.join("; "))]
pub struct RestoreFailed(pub Vec<String>);

impl RestoreFailed {
    /// The problems of a restore and of one more step (the peer's calls), together.
    pub fn both(restored: Result<(), RestoreFailed>, more: Result<(), String>) -> Result<(), RestoreFailed> {
        let mut problems = restored.err().map(|RestoreFailed(p)| p).unwrap_or_default();
        problems.extend(more.err());
        joined(problems)
    }
}

/// Ok, or every problem.
fn joined(problems: Vec<String>) -> Result<(), RestoreFailed> {
    if problems.is_empty() { Ok(()) } else { Err(RestoreFailed(problems)) }
}

async fn restore_into<T: Transport>(
    phone: &mut Phone<'_, T>,
    ledger: &Mutex<Ledger>,
    timeout: Duration,
    check_calls: bool,
) -> Result<(), RestoreFailed> {
    let mut problems = Vec::new();
    let has_calls = {
        let l = ledger.lock().await;
        !l.calls.is_empty() || l.dialling.is_some()
    };
    if (has_calls || check_calls)
        && let Err(e) = end_run_calls(phone, ledger, timeout, CLEANUP).await
    {
        problems.push(e);
    }
    let config = ledger.lock().await.config.clone();
    if !config.is_empty() {
        match restore_config(phone, &config).await {
            Ok(()) => ledger.lock().await.config.clear(),
            Err(e) => problems.push(e),
        }
    }
    let transfer = ledger.lock().await.transfer_type.clone();
    if let Some(t) = transfer {
        let written = phone.set_transfer_type(&format!("{CLEANUP}restore transfer type"), &t).await;
        // Cleared either way: a value the phone refuses now it will refuse after every
        // later case too, and one failed restore must not make every later case ERROR.
        ledger.lock().await.transfer_type = None;
        if let Err(e) = written {
            problems.push(format!("writing back transfer type `{t}`: {e}"));
        }
    }
    joined(problems)
}

/// Write config values back and read them again to be sure.
async fn restore_config<T: Transport>(
    phone: &mut Phone<'_, T>,
    config: &BTreeMap<String, String>,
) -> Result<(), String> {
    let names: Vec<String> = config.keys().cloned().collect();
    phone
        .write_config(&format!("{CLEANUP}restore config"), config)
        .await
        .map_err(|e| format!("writing back {}: {e}", names.join(", ")))?;
    let now = phone
        .read_config(&format!("{CLEANUP}verify restored config"), &names)
        .await
        .map_err(|e| format!("verifying {}: {e}", names.join(", ")))?;
    let wrong: Vec<String> = config
        .iter()
        .filter(|(k, v)| now.get(*k) != Some(*v))
        .map(|(k, v)| format!("`{k}` is `{}`, was `{v}`", now.get(k).map(String::as_str).unwrap_or("?")))
        .collect();
    if wrong.is_empty() { Ok(()) } else { Err(format!("config not restored: {}", wrong.join(", "))) }
}

/// End every call the run made (resume held ones first, reject ringing ones) and
/// wait until they are gone. Calls a person made are never touched.
pub async fn end_run_calls<T: Transport>(
    phone: &mut Phone<'_, T>,
    ledger: &Mutex<Ledger>,
    timeout: Duration,
    prefix: &str,
) -> Result<(), String> {
    let step = format!("{prefix}end the run's calls");
    let calls = phone.calls(&step).await.map_err(|e| e.to_string())?;
    let ours = {
        let mut ledger = ledger.lock().await;
        // A dial was sent: every call the phone did not have before it is the run's.
        if let Some(known) = ledger.dialling.take() {
            let made: Vec<String> = calls.iter().map(|c| c.handle.clone()).filter(|h| !known.contains(h)).collect();
            ledger.calls.extend(made);
        }
        ledger.calls.clone()
    };
    for call in calls.iter().filter(|c| ours.contains(&c.handle)) {
        phone.hang_up(&step, call).await;
    }
    wait_calls_gone(phone, ledger, timeout, prefix, &ours).await
}

/// Poll until none of `ours` is listed any more; the ledger keeps those still up.
async fn wait_calls_gone<T: Transport>(
    phone: &mut Phone<'_, T>,
    ledger: &Mutex<Ledger>,
    timeout: Duration,
    prefix: &str,
    ours: &BTreeSet<String>,
) -> Result<(), String> {
    let mut poll = Poll::until(timeout);
    loop {
        let calls =
            phone.calls(&format!("{prefix}wait for the run's calls to end")).await.map_err(|e| e.to_string())?;
        let left: BTreeSet<String> = calls.into_iter().map(|c| c.handle).filter(|h| ours.contains(h)).collect();
        if left.is_empty() {
            ledger.lock().await.calls.retain(|h| !ours.contains(h));
            return Ok(());
        }
        if !poll.more() {
            ledger.lock().await.calls.retain(|h| left.contains(h) || !ours.contains(h));
            return Err(format!(
                "calls made by the run are still up after endCall: {}",
                left.into_iter().collect::<Vec<_>>().join(", ")
            ));
        }
        poll.pause().await;
    }
}
