//! Preconditions: the phone state a case needs before its first step.
//!
//! Each [`Precondition`] of the suite format is set up here, with requests recorded in
//! the case's wire log under `setup: ...`. When the phone cannot be brought into the
//! state (a person is on a call, the dialled call never connects, no source of incoming
//! calls) the case is NOT-TESTED with the reason; that is a fact about the lab, not a
//! verdict about the firmware. Calls the run makes are entered in the safety ledger at
//! once, so cleanup ends them even if the case stops half-way.
//!
//! [`Setup`] holds what this needs (the phone's API, the ledger, the run's options); the
//! engine makes one and drives it.

use super::failed_setups::FailedSetups;
use super::ledger::Ledger;
use super::options::{IncomingSource, RunOptions};
use super::outcome::{NEEDS_OPT_IN, SetupError};
use super::safety::{end_run_calls, remember_config};
use super::steps::SETUP;
use crate::catalogue::Profile;
use crate::catalogue::case::Precondition;
use crate::device::{Exchange, WireRequest};
use crate::phone::calls::DIAL;
use crate::phone::poll::Poll;
use crate::phone::{CallInfo, Phone, Transport, answered_2000, normalise_handle};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use tokio::sync::Mutex;

/// The factory of reasons: which precondition, and why it could not be set up.
fn not_tested(pre: &str, why: impl std::fmt::Display) -> SetupError {
    SetupError::NotTested(format!("precondition `{pre}` could not be set up: {why}"))
}

/// Whether a request may dial (so the calls it makes are adopted): any method on
/// the dial path, since a phone that wrongly dials on a GET still made the call on
/// the run's behalf, and the run must end it.
pub fn is_dial(profile: &Profile, request: &WireRequest) -> bool {
    let path = DIAL.path(Some(profile));
    request.path.split('?').next() == Some(path.as_str())
}

/// Sets a case up on one phone.
#[derive(Debug)]
pub struct Setup<'a, T> {
    pub phone: Phone<'a, T>,
    pub ledger: &'a Mutex<Ledger>,
    pub options: &'a RunOptions,
    /// Preconditions that failed earlier in the run, and the case being set up.
    pub failed: &'a FailedSetups,
    pub case: &'a str,
}

impl<T: Transport> Setup<'_, T> {
    /// Set up one precondition; one that failed earlier in the run is not tried again.
    pub async fn establish(
        &mut self,
        pre: Precondition,
        vars: &mut BTreeMap<String, String>,
    ) -> Result<(), SetupError> {
        if let Some(why) = self.failed.earlier(pre) {
            return Err(SetupError::NotTested(why));
        }
        let result = self.establish_now(pre, vars).await;
        if let Err(SetupError::NotTested(why)) = &result {
            self.failed.remember(pre, self.case, why);
        }
        result
    }

    async fn establish_now(
        &mut self,
        pre: Precondition,
        vars: &mut BTreeMap<String, String>,
    ) -> Result<(), SetupError> {
        match pre {
            Precondition::AllowDestructive => {
                if self.options.allow_destructive {
                    Ok(())
                } else {
                    Err(SetupError::NotTested(NEEDS_OPT_IN.to_string()))
                }
            }
            Precondition::NoCall => self.no_call("no-call").await,
            Precondition::ActiveCall => {
                self.no_call("active-call").await?;
                let handle = self.place_call("active-call").await?;
                vars.insert("call_ref".into(), handle);
                Ok(())
            }
            Precondition::HeldCall => {
                self.no_call("held-call").await?;
                let handle = self.place_call("held-call").await?;
                self.hold(&handle).await?;
                vars.insert("call_ref".into(), handle);
                Ok(())
            }
            Precondition::IncomingCall => {
                self.no_call("incoming-call").await?;
                let handle = self.ring().await?;
                vars.insert("call_ref".into(), handle);
                Ok(())
            }
            Precondition::PcapEnabled => self.enable_pcap().await,
        }
    }

    /// The calls on the phone, a failure to list them making `pre` NOT-TESTED.
    async fn calls(&mut self, pre: &str, step: &str) -> Result<Vec<CallInfo>, SetupError> {
        self.phone.calls(&format!("{SETUP}{step}")).await.map_err(|e| not_tested(pre, e))
    }

    /// No call on the phone: end the run's own calls; a call a person placed makes the
    /// case NOT-TESTED (the harness never hangs up on a person).
    async fn no_call(&mut self, pre: &str) -> Result<(), SetupError> {
        let calls = self.calls(pre, &format!("{pre}: calls on the phone")).await?;
        if calls.is_empty() {
            return Ok(());
        }
        let ours = self.ledger.lock().await.calls.clone();
        if calls.iter().any(|c| !ours.contains(&c.handle)) {
            return Err(SetupError::NotTested(
                "phone busy with a call placed by a person (the harness never ends calls it did not make)".into(),
            ));
        }
        end_run_calls(&mut self.phone, self.ledger, self.options.timeout, SETUP).await.map_err(|e| not_tested(pre, e))
    }

    /// Dial `--dial` and wait until the new call is Connected; returns its handle.
    async fn place_call(&mut self, pre: &str) -> Result<String, SetupError> {
        let before: BTreeSet<String> =
            self.calls(pre, &format!("{pre}: calls before dialling")).await?.into_iter().map(|c| c.handle).collect();
        let dial = self.options.dial.clone();
        // Intent first: an interrupt between the dial and its answer must still end it.
        self.ledger.lock().await.may_have_dialled(before.clone());
        self.phone.dial(&format!("{SETUP}{pre}: dial {dial}"), &dial).await.map_err(|e| not_tested(pre, e))?;
        let mut poll = Poll::until(self.options.timeout);
        let mut seen: Option<CallInfo> = None;
        loop {
            let calls = self.calls(pre, &format!("{pre}: wait for the call to connect")).await?;
            if let Some(call) = calls.into_iter().find(|c| !before.contains(&c.handle)) {
                if seen.is_none() {
                    self.ledger.lock().await.calls.insert(call.handle.clone());
                }
                if call.state.eq_ignore_ascii_case("connected") {
                    return Ok(call.handle);
                }
                seen = Some(call);
            }
            if !poll.more() {
                return Err(not_tested(pre, self.never_connected(seen)));
            }
            poll.pause().await;
        }
    }

    /// Why the dialled call did not connect: it stayed in some state, or never showed.
    fn never_connected(&self, seen: Option<CallInfo>) -> String {
        match seen {
            Some(c) => format!(
                "the call to {} stayed `{}` for {} ms (hint: --dial must name a number that answers automatically)",
                self.options.dial,
                c.state,
                self.options.timeout.as_millis()
            ),
            None => format!(
                "dial {} answered 2000 but no call appeared within {} ms",
                self.options.dial,
                self.options.timeout.as_millis()
            ),
        }
    }

    /// Put the run's call on hold and wait until the phone shows it held.
    async fn hold(&mut self, handle: &str) -> Result<(), SetupError> {
        const PRE: &str = "held-call";
        self.phone.hold(&format!("{SETUP}held-call: hold"), handle).await.map_err(|e| not_tested(PRE, e))?;
        let mut poll = Poll::until(self.options.timeout);
        loop {
            let calls = self.calls(PRE, "held-call: wait for hold").await?;
            match calls.iter().find(|c| c.handle == handle) {
                Some(c) if c.is_held() => return Ok(()),
                Some(c) if !poll.more() => {
                    return Err(not_tested(PRE, format!("holdCall answered 2000 but the call stayed `{}`", c.state)));
                }
                None => {
                    return Err(not_tested(PRE, "the call disappeared after holdCall"));
                }
                Some(_) => poll.pause().await,
            }
        }
    }

    /// A ringing incoming call: from the `--peer`, or from the emulator's control endpoint.
    async fn ring(&mut self) -> Result<String, SetupError> {
        const PRE: &str = "incoming-call";
        match &self.options.incoming {
            IncomingSource::None => Err(not_tested(
                PRE,
                "no source of incoming calls (hint: give --peer URL, a second phone that can call the target, or run without --target to use the built-in emulator, whose control endpoint rings the phone)",
            )),
            IncomingSource::Unavailable(why) => Err(not_tested(PRE, why)),
            IncomingSource::Peer(peer) => peer
                .ring(&mut self.phone, self.ledger, self.options.timeout, &format!("{SETUP}{PRE}: "))
                .await
                .map_err(|why| not_tested(PRE, why)),
            IncomingSource::Control => {
                let handle = self.inject_call().await?;
                self.ledger.lock().await.calls.insert(handle.clone());
                self.wait_ringing(handle).await
            }
        }
    }

    /// Ask the emulator's control endpoint (not part of the phone's API) to ring the
    /// phone; returns the handle of the call it injected.
    async fn inject_call(&mut self) -> Result<String, SetupError> {
        let ex = self
            .phone
            .send(
                &format!("{SETUP}incoming-call: ring"),
                WireRequest::post_json("/control/incoming", &json!({ "number": "2001", "name": "Caller" })),
            )
            .await;
        let handle = ex
            .outcome
            .response()
            .filter(|r| (200..300).contains(&r.status))
            .and_then(|r| r.json())
            .and_then(|j| j.get("handle").and_then(Value::as_str).map(normalise_handle));
        handle.ok_or_else(|| {
            not_tested(
                "incoming-call",
                format!(
                    "POST /control/incoming answered {} (hint: the target must be a polyconform emulator started with --control)",
                    ex.outcome.summary()
                ),
            )
        })
    }

    /// Wait until the injected call shows in call status.
    async fn wait_ringing(&mut self, handle: String) -> Result<String, SetupError> {
        let mut poll = Poll::until(self.options.timeout);
        loop {
            let calls = self.calls("incoming-call", "incoming-call: wait for ringing").await?;
            if calls.iter().any(|c| c.handle == handle) {
                return Ok(handle);
            }
            if !poll.more() {
                return Err(not_tested(
                    "incoming-call",
                    format!("the injected call {handle} never showed in call status"),
                ));
            }
            poll.pause().await;
        }
    }

    /// Turn background packet capture on (uploadBgCapture needs it); the old values are
    /// entered in the ledger first so cleanup writes them back.
    async fn enable_pcap(&mut self) -> Result<(), SetupError> {
        let names = vec!["diags.pcap.enabled".to_string(), "diags.pcap.background.enabled".to_string()];
        remember_config(&mut self.phone, self.ledger, &names).await.map_err(|e| not_tested("pcap-enabled", e))?;
        let on: BTreeMap<String, String> = names.iter().map(|n| (n.clone(), "1".to_string())).collect();
        self.phone.write_config(&format!("{SETUP}pcap-enabled"), &on).await.map_err(|e| not_tested("pcap-enabled", e))
    }

    /// Adopt the calls a dialling step created, so cleanup ends them.
    pub async fn adopt_new_calls(&mut self, before: Vec<CallInfo>, judged: &[Exchange], step: &str) {
        if !judged.iter().any(answered_2000) {
            return;
        }
        let before: BTreeSet<String> = before.into_iter().map(|c| c.handle).collect();
        // The call shows at once on the emulator; a real phone may take a moment.
        let mut poll = Poll::until(self.options.timeout.min(std::time::Duration::from_secs(2)));
        loop {
            if let Ok(calls) = self.phone.calls(&format!("{SETUP}calls after `{step}`")).await {
                let new: Vec<String> = calls.into_iter().map(|c| c.handle).filter(|h| !before.contains(h)).collect();
                if !new.is_empty() {
                    self.ledger.lock().await.calls.extend(new);
                    return;
                }
            }
            if !poll.more() {
                return;
            }
            poll.pause().await;
        }
    }
}
