//! The engine: runs one case against one phone and records what happened.
//!
//! [`Engine::run_case`] is the heart of `polyconform run`, in this order:
//!
//! 1. refuse what may not run (declared NOT-TESTED, destructive without the opt-in);
//! 2. read what the case will change (`restore_config`, the transfer type) so it can be
//!    written back;
//! 3. set up the preconditions (`no-call`, `active-call`, ...; see `precondition.rs`);
//! 4. send each step (templates filled, generated bodies built, `poll_ms` repeated,
//!    `concurrency` copies sent at once) and hand the exchanges to the checks;
//! 5. clean up, always, even when a step failed (see `safety.rs`).
//!
//! Every request the engine sends for a case is kept in the case's wire log; requests of
//! the harness's own bookkeeping carry a step name starting with `SETUP` or `CLEANUP` (`steps.rs`)
//! so readers can tell them from the case's steps. One engine talks to one phone and
//! runs one case at a time: cases share the phone's state.

use super::alternate::{Rerouted, Routed, Router};
use super::breaker::Breaker;
use super::failed_setups::FailedSetups;
use super::ledger::Ledger;
use super::notes::Notes;
use super::outcome::{self, CaseRun, HarnessFault, NotTested, SetupError};
use super::precondition::{self, Setup};
use super::request::{self, ParamsBody};
use super::safety;
use crate::catalogue::case::Step;
use crate::catalogue::{Case, Catalogue, Endpoint, Profile};
use crate::check::{self, Context, Finding};
use crate::device::client::is_tls_failure;
use crate::device::{Device, Exchange, Outcome, WireRequest, WireResponse};
use crate::phone::device_info::DEVICE_INFO;
use crate::phone::{CallInfo, Phone};
use crate::record::model::{CaseRecord, DeviceIdentity, RunRecord};
use crate::verdict::Verdict;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::options::RunOptions;
use super::steps::{CLEANUP, SETUP, is_case_step};
use crate::phone::poll::poll_pause;

/// How long the engine waits for a phone that outlasted the run's patience to work through
/// its queue before it asks anything else of it.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);

/// Why the run cannot start: the target does not answer like a Poly REST API with these
/// credentials. Each message names what to check; the command exits 2.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PreflightError {
    #[error("cannot reach {url}: {detail} (hint: check the address, port, that the phone is on, and http vs https)")]
    Unreachable { url: String, detail: String },
    #[error(
        "TLS with {url} failed: {detail} (hint: phones ship certificates for MAC-based names; use --insecure, --pin-sha256 HEX or --ca-cert PATH)"
    )]
    Tls { url: String, detail: String },
    #[error(
        "{url} refused the credentials of user `{username}` (HTTP 401) (hint: check --username and the password from POLYCONFORM_PASSWORD or --password-file)"
    )]
    Unauthorized { url: String, username: String },
    #[error(
        "{url} answers HTTP 404 on {path}: the REST API looks disabled, or this is not a Poly phone (hint: set apps.restapi.enabled=1, or enable Settings > Applications > REST API in the phone's web UI; and check that the URL and port point at the phone itself)"
    )]
    ApiDisabled { url: String, path: String },
    #[error(
        "{url} answers Status 4010 (default password not allowed): the phone still has its factory admin password (hint: change the admin password on the phone, then give the new one)"
    )]
    FactoryPassword { url: String },
    #[error(
        "{url} does not answer like a Poly REST API: {detail} (hint: check that the URL points at the phone itself, and the port of its web server)"
    )]
    NotPoly { url: String, detail: String },
    #[error(
        "{url} answered GET {path} with {detail}, which the harness cannot read as the phone's identity (hint: a Poly device/info answer is under 1 KB; check that the URL points at the phone itself, or raise --max-body if it really sends this much)"
    )]
    Unreadable { url: String, path: String, detail: String },
}

/// Runs cases against one phone.
pub struct Engine {
    pub(super) device: Device,
    pub(super) catalogue: Arc<Catalogue>,
    pub(super) profile: Profile,
    pub(super) options: RunOptions,
    pub(super) label: String,
    pub(super) ledger: tokio::sync::Mutex<Ledger>,
    identity: std::sync::Mutex<Option<DeviceIdentity>>,
    /// Sends in the forms the phone serves, and remembers them (see `alternate.rs`).
    router: Router,
    /// Things the run must tell once, not per case (run notes).
    warnings: Notes,
    /// Stops sending when the phone no longer answers (see `breaker.rs`).
    breaker: Breaker,
    /// Preconditions that failed earlier in the run (see `failed_setups.rs`).
    failed_setups: FailedSetups,
    /// Set by Ctrl-C (see [`Engine::interrupt`]).
    interrupted: std::sync::atomic::AtomicBool,
}

/// Why an interrupted run ended early (its record's `ended_early`).
pub const INTERRUPTED: &str = "interrupted (Ctrl-C): the case under way stopped before its next step and was cleaned up; the cases after it were not run";

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("target", &self.label).field("profile", &self.profile.id).finish_non_exhaustive()
    }
}

impl Engine {
    pub fn new(device: Device, catalogue: Arc<Catalogue>, profile: Profile, options: RunOptions) -> Engine {
        let label = device.base_url().to_string();
        let router = Router::new(device.clone(), &profile);
        Engine {
            device,
            catalogue,
            profile,
            options,
            label,
            ledger: tokio::sync::Mutex::new(Ledger::default()),
            identity: std::sync::Mutex::new(None),
            router,
            warnings: Notes::default(),
            breaker: Breaker::default(),
            failed_setups: FailedSetups::default(),
            interrupted: std::sync::atomic::AtomicBool::new(false),
        }
    }

    /// The name reports give the target (default: the base URL).
    pub fn with_label(mut self, label: impl Into<String>) -> Engine {
        self.label = label.into();
        self
    }

    pub fn label(&self) -> &str {
        &self.label
    }

    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    pub fn device(&self) -> &Device {
        &self.device
    }

    /// The run notes gathered so far.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings.all()
    }

    /// The phone's API for the harness's own requests of a case: routed to the forms the
    /// phone serves and kept in the case's wire log `log`.
    fn phone<'a>(&'a self, log: &'a mut Vec<Exchange>) -> Phone<'a, Routed<'a>> {
        Phone::new(Routed { router: &self.router, log }, &self.profile)
    }

    /// What the preflight read about the phone.
    pub fn identity(&self) -> Option<DeviceIdentity> {
        self.identity.lock().ok().and_then(|g| g.clone())
    }

    /// One `GET device/info` before the run: is this a Poly REST API that accepts us?
    pub async fn preflight(&self) -> Result<DeviceIdentity, PreflightError> {
        let url = self.device.base_url().to_string();
        let path = DEVICE_INFO.path(Some(&self.profile));
        let ex = self.device.send("preflight", WireRequest::get(&path)).await;
        let Outcome::Answered(response) = &ex.outcome else {
            return Err(unanswered(url, &ex.outcome));
        };
        let username = &self.device.config().credentials.username;
        let identity = identity_from(url, &path, response, username)?;
        if let Ok(mut g) = self.identity.lock() {
            *g = Some(identity.clone());
        }
        Ok(identity)
    }

    /// Run one case: set up, send, judge, clean up. Never panics on bad input.
    pub async fn run_case(&self, case: &Case) -> CaseRecord {
        let started = Instant::now();
        if let Some(why) = outcome::refusal(case, self.options.allow_destructive) {
            return outcome::not_tested_record(case, why);
        }
        if let Some(why) = self.breaker.tripped() {
            return outcome::not_tested_record(case, why);
        }
        if self.is_interrupted() {
            return outcome::not_tested_record(case, "not run: the run was interrupted (Ctrl-C)");
        }
        let mut run = CaseRun::default();
        let mut vars: BTreeMap<String, String> = BTreeMap::from([("dial".to_string(), self.options.dial.clone())]);

        match self.prepare(case, &mut vars, &mut run.exchanges).await {
            Ok(()) => self.run_steps(case, &mut vars, &mut run).await,
            Err(SetupError::NotTested(why)) => run.not_tested = Some(NotTested(why)),
            Err(SetupError::Fault(f)) => run.faults.push(f),
        }
        if let Err(why) = self.clean_up(case, &mut run.exchanges).await {
            run.faults.push(HarnessFault::Restore(why.to_string()));
        }

        if self.breaker.observe(&run.exchanges) {
            self.probe_after_silence(case).await;
        }
        let reproducer = self.reproducer(&run);
        outcome::record(case, run, self.options.strict, reproducer, started.elapsed().as_millis() as u64)
    }

    /// Cases in a row got no answer: ask device/info once; no answer trips the breaker.
    async fn probe_after_silence(&self, case: &Case) {
        let path = DEVICE_INFO.path(Some(&self.profile));
        let ex = self.device.send("health: is the phone still answering", WireRequest::get(&path)).await;
        match &ex.outcome {
            Outcome::Answered(_) => self.breaker.answered(),
            other => self.breaker.trip(&case.id, &other.summary()),
        }
    }

    /// Why the run stopped sending cases: interrupted, or the phone stopped answering.
    pub fn stopped(&self) -> Option<String> {
        if self.is_interrupted() {
            return Some(INTERRUPTED.to_string());
        }
        self.breaker.tripped()
    }

    /// Ctrl-C: the case under way stops before its next step and is cleaned up, every
    /// later case is NOT-TESTED at once, and the run then restores and reports as usual.
    /// Nothing is restored *while* a case runs, so a case cannot write after the restore.
    pub fn interrupt(&self) {
        self.interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn is_interrupted(&self) -> bool {
        self.interrupted.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Put the phone back: end the calls the run made, write back config values and the
    /// transfer type. Idempotent; what could not be put back is returned for the caller
    /// to show (the command line prints it, the record keeps it as a note).
    pub async fn restore_checked(&self) -> Result<(), safety::RestoreFailed> {
        let mut log = Vec::new();
        let mut phone = self.phone(&mut log);
        let restored = safety::restore_all(&mut phone, &self.ledger, self.options.timeout).await;
        let peer = self.hang_up_peer(&mut phone, CLEANUP).await;
        safety::RestoreFailed::both(restored, peer)
    }

    /// End the calls the run made on the `--peer` (none when calls come from elsewhere).
    async fn hang_up_peer(&self, phone: &mut Phone<'_, Routed<'_>>, prefix: &str) -> Result<(), String> {
        match self.options.incoming.peer() {
            Some(peer) => peer.hang_up(phone, &self.ledger, self.options.timeout, prefix).await,
            None => Ok(()),
        }
    }

    /// Read what the case changes, then set up its preconditions.
    async fn prepare(
        &self,
        case: &Case,
        vars: &mut BTreeMap<String, String>,
        log: &mut Vec<Exchange>,
    ) -> Result<(), SetupError> {
        let mut phone = self.phone(log);
        safety::snapshot(&mut phone, &self.ledger, case, &self.catalogue, &self.warnings).await?;
        let mut setup = self.setup(phone, &case.id);
        for pre in &case.spec.requires {
            setup.establish(*pre, vars).await?;
        }
        Ok(())
    }

    /// Setting a case up through `phone`.
    fn setup<'a>(&'a self, phone: Phone<'a, Routed<'a>>, case: &'a str) -> Setup<'a, Routed<'a>> {
        Setup { phone, ledger: &self.ledger, options: &self.options, failed: &self.failed_setups, case }
    }

    /// Settle after one case: wait for a phone a step may have sent away, end calls,
    /// write config and the transfer type back (see `safety.rs`).
    async fn clean_up(&self, case: &Case, log: &mut Vec<Exchange>) -> Result<(), safety::RestoreFailed> {
        let away = safety::may_be_away(&self.profile, log);
        let mut phone = self.phone(log);
        let cleaned = safety::clean_up(&mut phone, &self.ledger, self.options.timeout, case, away).await;
        // After the target's calls: ending (or rejecting) its call usually ends the
        // peer's too, and then there is nothing left to ask the peer.
        let peer = self.hang_up_peer(&mut phone, CLEANUP).await;
        safety::RestoreFailed::both(cleaned, peer)
    }

    async fn run_steps(&self, case: &Case, vars: &mut BTreeMap<String, String>, run: &mut CaseRun) {
        for (i, step) in case.steps.iter().enumerate() {
            if self.is_interrupted() {
                // The steps before ran; cleanup still runs, so what they changed is put back.
                run.not_tested = Some(NotTested(format!("interrupted (Ctrl-C) before step `{}`", step.name)));
                return;
            }
            let rest: Vec<&str> = case.steps[i + 1..].iter().map(|s| s.name.as_str()).collect();
            if !self.run_step(case, step, &rest, vars, run).await {
                return;
            }
        }
    }

    /// One step: send, judge, adopt the calls it made, capture. False when the case stops
    /// here (`rest`: the steps that are then not run).
    async fn run_step(
        &self,
        case: &Case,
        step: &Step,
        rest: &[&str],
        vars: &mut BTreeMap<String, String>,
        run: &mut CaseRun,
    ) -> bool {
        let endpoint = self.step_endpoint(case, step);
        let Some(wire) = self.prepare_step(step, endpoint, vars, run).await else {
            return false;
        };
        let dials = precondition::is_dial(&self.profile, &wire);
        let calls_before = if dials {
            let listed =
                self.phone(&mut run.exchanges).calls(&format!("{SETUP}calls before `{}`", step.name)).await.ok();
            // The intent goes in the ledger before the dial is sent: an interrupt or a
            // lost answer still leaves cleanup knowing a call may exist.
            let known = listed.iter().flatten().map(|c| c.handle.clone()).collect();
            self.ledger.lock().await.may_have_dialled(known);
            listed
        } else {
            None
        };
        let ctx = Context {
            profile: &self.profile,
            schemas: &self.catalogue.schemas,
            case,
            endpoint,
            vars,
            errata: &self.catalogue.errata,
        };
        let (judged, findings) = self.send_and_judge(&ctx, step, wire, &mut run.exchanges).await;
        let outlasted = judged.is_empty();
        if findings.is_empty() {
            run.faults.push(HarnessFault::Unjudged { step: step.name.clone() });
            return false;
        }
        let step_verdict = check::verdict_of(&findings).strict(self.options.strict);
        if step.setup {
            // A setup step is not what the case judges: if it did not do its job, the
            // case could not be set up, which is NOT-TESTED, never a verdict.
            if outlasted || !check::step_passes(&ctx, step, &judged) {
                let got = findings.first().map(|f| f.actual.clone()).unwrap_or_default();
                run.not_tested = Some(NotTested(format!(
                    "setup step `{}` did not succeed ({got}), so the case could not be set up",
                    step.name
                )));
                return false;
            }
        } else {
            run.findings.extend(findings);
        }
        if dials {
            self.adopt_new_calls(calls_before, &judged, &mut run.exchanges, &step.name).await;
        }
        if stops_after(step, rest, outlasted, step_verdict, run) {
            return false;
        }
        if let Some(why) = unread_capture(step, &judged) {
            run.not_tested = Some(NotTested(why));
            return false;
        }
        if let Err(fault) = capture(step, &judged, vars) {
            run.faults.push(fault);
            return false;
        }
        true
    }

    /// Wait as the step asks (`delay_ms`, `quiet_ms`, `away_ms`) and build its request.
    /// None when it cannot be built; the reason is in `run`.
    async fn prepare_step(
        &self,
        step: &Step,
        endpoint: Option<&Endpoint>,
        vars: &BTreeMap<String, String>,
        run: &mut CaseRun,
    ) -> Option<WireRequest> {
        if let Some(ms) = step.delay_ms {
            tokio::time::sleep(Duration::from_millis(ms)).await;
        }
        let wire = self.step_request(step, endpoint, vars, run).await?;
        if let Some(ms) = step.quiet_ms {
            let window = Duration::from_millis(ms);
            if let Some(since) = self.device.since_last(&wire.path).filter(|since| *since < window) {
                tokio::time::sleep(window - since).await;
            }
        }
        if let Some(ms) = step.away_ms {
            self.wait_until_away(&wire, Duration::from_millis(ms), &mut run.exchanges, &step.name).await;
        }
        Some(wire)
    }

    /// Send a step and judge what came back: the exchanges judged (none when the phone
    /// outlasted the run's patience) and the findings.
    async fn send_and_judge(
        &self,
        ctx: &Context<'_>,
        step: &Step,
        wire: WireRequest,
        log: &mut Vec<Exchange>,
    ) -> (Vec<Exchange>, Vec<Finding>) {
        let sent = self.send_step(ctx, step, wire, log).await;
        let (judged, mut findings) = self.spend_patience(ctx, step, sent.exchanges, log).await;
        safety::note_destructive(&self.profile, &self.ledger, &judged).await;
        if !judged.is_empty() {
            findings.splice(0..0, check::judge_step(ctx, step, &judged));
        }
        if let Some(r) = &sent.rerouted {
            findings.push(check::alternate::finding(ctx, &step.name, &r.section, &r.erratum, &r.how));
        }
        (judged, findings)
    }

    /// Adopt the calls a dialling step made, so cleanup ends them.
    async fn adopt_new_calls(
        &self,
        before: Option<Vec<CallInfo>>,
        judged: &[Exchange],
        log: &mut Vec<Exchange>,
        step: &str,
    ) {
        self.setup(self.phone(log), step).adopt_new_calls(before.unwrap_or_default(), judged, step).await;
    }

    /// The wire request of a step: templates filled, generated bodies built (a config/set
    /// body writes back the values the phone has, read first). None when it cannot be
    /// built; the reason is in `run`.
    async fn step_request(
        &self,
        step: &Step,
        endpoint: Option<&Endpoint>,
        vars: &BTreeMap<String, String>,
        run: &mut CaseRun,
    ) -> Option<WireRequest> {
        let mut current = BTreeMap::new();
        if let Some((ParamsBody::Set, n)) = request::params_body(&step.request, endpoint) {
            let names = match request::parameter_names(n) {
                Ok(names) => names,
                Err(e) => {
                    run.faults.push(HarnessFault::Request { step: step.name.clone(), detail: e.to_string() });
                    return None;
                }
            };
            let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
            match self
                .phone(&mut run.exchanges)
                .read_config(&format!("{SETUP}current values for `{}`", step.name), &names)
                .await
            {
                Ok(values) => current = values,
                Err(why) => {
                    run.not_tested = Some(NotTested(format!(
                        "cannot read the current values that step `{}` writes back: {why}",
                        step.name
                    )));
                    return None;
                }
            }
        }
        match request::build(&step.request, endpoint, vars, &current) {
            Ok(w) => Some(w),
            Err(e) => {
                run.faults.push(HarnessFault::Request { step: step.name.clone(), detail: e.to_string() });
                None
            }
        }
    }

    /// Requests of a step that got no answer within the run's timeout, from a phone that is
    /// still busy, are the harness's patience running out (E52), not the phone's fault: they
    /// leave the judging and one INFO finding says so. Returns the exchanges left to judge
    /// and that finding. A phone that answers the probe at once dropped the request: then
    /// the timeout is judged like any outcome. A step with the manual's own bound
    /// (`timeout_ms`) is always judged.
    async fn spend_patience(
        &self,
        ctx: &Context<'_>,
        step: &Step,
        exchanges: Vec<Exchange>,
        log: &mut Vec<Exchange>,
    ) -> (Vec<Exchange>, Vec<Finding>) {
        let timed_out = exchanges.iter().any(|e| matches!(e.outcome, Outcome::Timeout { .. }));
        let Some(rule) = self.profile.patience.as_ref().filter(|_| timed_out && step.timeout_ms.is_none()) else {
            return (exchanges, vec![]);
        };
        let path = DEVICE_INFO.path(Some(&self.profile));
        let probe = self
            .send_logged(log, &format!("{SETUP}is the phone still busy after `{}`", step.name), WireRequest::get(&path))
            .await;
        if !check::patience::still_busy(&probe) {
            return (exchanges, vec![]);
        }
        let (late, answered): (Vec<Exchange>, Vec<Exchange>) =
            exchanges.into_iter().partition(|e| matches!(e.outcome, Outcome::Timeout { .. }));
        let late: Vec<&Exchange> = late.iter().collect();
        let finding = check::patience::finding(ctx, &step.name, &rule.erratum, &late, &probe);
        // The phone is still working through what it queued: let it finish before anything
        // else is asked of it, or every later request would time out behind the backlog. One
        // patient probe waits its turn at the end of the queue; polling instead would only
        // add to the queue a phone that processes one request at a time.
        let step_name = format!("{SETUP}wait until the phone is through its queue after `{}`", step.name);
        let (waited, _) = self.send_routed(&step_name, WireRequest::get(&path), Some(IDLE_TIMEOUT), log).await;
        if waited.outcome.response().is_none() {
            self.warnings.warn_once(format!("the phone was still busy {} s after a request outlasted --timeout; later cases may time out behind its queue", IDLE_TIMEOUT.as_secs()));
        }
        (answered, vec![finding])
    }

    /// Send a step as it asks: `concurrency` copies at once, repeated while `poll_ms`
    /// lasts, or once. Returns the exchanges to judge (the last attempt of a poll), and
    /// how the request was rerouted to the form the phone serves, if it was.
    async fn send_step(&self, ctx: &Context<'_>, step: &Step, wire: WireRequest, log: &mut Vec<Exchange>) -> Sent {
        let patience = step.timeout_ms.map(Duration::from_millis);
        if let Some(n) = step.request.concurrency.filter(|n| *n > 1) {
            let (wire, rerouted) = self.router.rewrite_learnt(&wire);
            // Hold the gate so none of the harness's own requests lands in the burst.
            let _turn = self.device.exclusive().await;
            let mut set = tokio::task::JoinSet::new();
            for i in 0..n {
                let (device, wire, name) = (self.device.clone(), wire.clone(), step.name.clone());
                set.spawn(async move { (i, device.send_ungated(&name, wire).await) });
            }
            let mut done = Vec::with_capacity(n);
            while let Some(joined) = set.join_next().await {
                if let Ok(pair) = joined {
                    done.push(pair);
                }
            }
            done.sort_by_key(|(i, _)| *i);
            let exchanges: Vec<Exchange> = done.into_iter().map(|(_, ex)| ex).collect();
            log.extend(exchanges.iter().cloned());
            return Sent { exchanges, rerouted };
        }
        if let Some(ms) = step.poll_ms {
            let deadline = Instant::now() + Duration::from_millis(ms);
            let mut attempt = 0;
            loop {
                let (ex, rerouted) = self.send_routed(&step.name, wire.clone(), patience, log).await;
                let judged = vec![ex];
                let pause = poll_pause(attempt);
                // A graded outcome is a settled state too (an idle v2 callStatus answering
                // 4007, E49): only a state that matches nothing is worth asking again.
                if check::step_settles(ctx, step, &judged) || Instant::now() + pause > deadline {
                    return Sent { exchanges: judged, rerouted };
                }
                tokio::time::sleep(pause).await;
                attempt += 1;
            }
        }
        let (ex, rerouted) = self.send_routed(&step.name, wire, patience, log).await;
        Sent { exchanges: vec![ex], rerouted }
    }

    /// The endpoint a step calls: its own, else the case's.
    fn step_endpoint<'a>(&'a self, case: &'a Case, step: &Step) -> Option<&'a Endpoint> {
        match &step.endpoint {
            Some(id) => self.profile.endpoint(id).or(case.endpoint.as_ref()),
            None => case.endpoint.as_ref(),
        }
    }

    /// Re-send `wire` until the phone gives no HTTP answer, for at most `limit` (see
    /// `Step::away_ms`). The probes stay in the case's wire log.
    async fn wait_until_away(&self, wire: &WireRequest, limit: Duration, log: &mut Vec<Exchange>, step: &str) {
        let started = Instant::now();
        let label = format!("{SETUP}is the phone gone before `{step}`");
        loop {
            if self.send_logged(log, &label, wire.clone()).await.outcome.response().is_none() {
                return;
            }
            let left = limit.saturating_sub(started.elapsed());
            if left.is_zero() {
                return;
            }
            tokio::time::sleep(left.min(AWAY_PROBE_PAUSE)).await;
        }
    }

    /// Send a request in the form the phone serves (see `alternate.rs`); every attempt
    /// goes into `log`.
    async fn send_routed(
        &self,
        step: &str,
        request: WireRequest,
        timeout: Option<Duration>,
        log: &mut Vec<Exchange>,
    ) -> (Exchange, Option<Rerouted>) {
        self.router.send(step, request, timeout, log).await
    }

    /// Send a bookkeeping request (in the form the phone serves) and keep it in the case's
    /// wire log.
    async fn send_logged(&self, log: &mut Vec<Exchange>, step: &str, request: WireRequest) -> Exchange {
        self.send_routed(step, request, None, log).await.0
    }

    /// The curl line of the exchange behind the case's worst finding.
    fn reproducer(&self, run: &CaseRun) -> Option<String> {
        let verdict = run.verdict(self.options.strict);
        if matches!(verdict, Verdict::Pass | Verdict::NotTested) {
            return None;
        }
        let decisive = run
            .findings
            .iter()
            .filter(|f| f.verdict.strict(self.options.strict) != Verdict::Pass)
            .max_by_key(|f| f.verdict.strict(self.options.strict).severity())
            .map(|f| f.step.clone());
        let ex = match decisive {
            Some(step) => run.exchanges.iter().rev().find(|e| e.step == step),
            None => run.exchanges.iter().rev().find(|e| is_case_step(e)),
        }?;
        let config = self.device.config();
        let insecure = config.trust.curl_needs_insecure();
        Some(crate::report::curl::command(ex, &config.base_url, &config.credentials.username, insecure))
    }
}

/// Why the preflight got no HTTP answer: unreachable, or TLS failed.
fn unanswered(url: String, outcome: &Outcome) -> PreflightError {
    match outcome {
        Outcome::Timeout { after_ms } => {
            PreflightError::Unreachable { url, detail: format!("no answer within {after_ms} ms") }
        }
        Outcome::ClientError { detail } => {
            PreflightError::Unreachable { url, detail: format!("the harness could not send the request: {detail}") }
        }
        Outcome::Reset { detail } => {
            let lower = detail.to_ascii_lowercase();
            if is_tls_failure(outcome) || lower.contains("corrupt message") || lower.contains("ssl") {
                PreflightError::Tls { url, detail: detail.clone() }
            } else {
                PreflightError::Unreachable { url, detail: detail.clone() }
            }
        }
        // Not reached: the preflight reads answers itself; kept total for the compiler.
        Outcome::Answered(r) => PreflightError::NotPoly { url, detail: format!("answered HTTP {}", r.status) },
    }
}

/// The identity in the preflight's device/info answer, or why the answer is not a Poly
/// REST API that accepts the run's credentials.
fn identity_from(
    url: String,
    path: &str,
    response: &WireResponse,
    username: &str,
) -> Result<DeviceIdentity, PreflightError> {
    let json = response.json();
    if response.api_status().as_deref() == Some("4010") {
        return Err(PreflightError::FactoryPassword { url });
    }
    match response.status {
        401 => {
            return Err(PreflightError::Unauthorized { url, username: username.to_string() });
        }
        404 => {
            return Err(PreflightError::ApiDisabled { url, path: path.to_string() });
        }
        200..=299 => {}
        other => {
            return Err(PreflightError::NotPoly { url, detail: format!("GET {path} answered HTTP {other}") });
        }
    }
    if let Some(unread) = crate::check::observed::Unread::of(response) {
        return Err(PreflightError::Unreadable { url, path: path.to_string(), detail: unread.words() });
    }
    // Lenient on purpose: an answer missing `Status` or a field is a defect for the
    // checks to judge, not a reason to refuse the whole run.
    let Some(serde_json::Value::Object(body)) = json else {
        let ct = response.header("content-type").unwrap_or("no content type");
        return Err(PreflightError::NotPoly {
            url,
            detail: format!(
                "GET {path} answered HTTP {} with a body that is not a JSON object ({ct})",
                response.status
            ),
        });
    };
    if !body.contains_key("Status") && !body.contains_key("data") {
        return Err(PreflightError::NotPoly {
            url,
            detail: format!("GET {path} answered JSON without `Status` or `data`"),
        });
    }
    let data = body.get("data");
    let text = |key: &str| data.and_then(|d| d.get(key)).and_then(|v| v.as_str()).map(str::to_string);
    // E03: the manual prints the key with a trailing space, and a phone may send it so.
    Ok(DeviceIdentity {
        model: text("ModelNumber").or_else(|| text("ModelNumber ")),
        firmware: text("FirmwareRelease"),
        mac: text("MACAddress"),
    })
}

/// Whether the case stops after a judged step: the phone was still busy with it, or it
/// failed. The steps not run are noted.
fn stops_after(step: &Step, rest: &[&str], outlasted: bool, verdict: Verdict, run: &mut CaseRun) -> bool {
    let why = if outlasted {
        "the phone was still busy with it"
    } else if verdict.severity() >= Verdict::Fail.severity() {
        "it failed"
    } else {
        return false;
    };
    if !rest.is_empty() {
        run.notes.push(format!("steps after `{}` not run because {why}: {}", step.name, rest.join(", ")));
    }
    true
}

/// What sending a step gave: the exchanges to judge, and the alternate form used.
struct Sent {
    exchanges: Vec<Exchange>,
    rerouted: Option<Rerouted>,
}

/// Why the values a step captures cannot be read from its answer, when the answer is
/// beyond what the harness reads (`--max-body`, nesting): the later steps cannot run,
/// which is no fault of the phone nor of the suite.
fn unread_capture(step: &Step, judged: &[Exchange]) -> Option<String> {
    if step.capture.is_empty() {
        return None;
    }
    let unread = judged.last()?.outcome.response().and_then(check::observed::Unread::of)?;
    Some(format!(
        "the answer to step `{}` could not be read whole ({}), so the values later steps need were not captured (hint: raise --max-body)",
        step.name,
        unread.words()
    ))
}

/// Remember the values a step captures for later steps.
fn capture(step: &Step, judged: &[Exchange], vars: &mut BTreeMap<String, String>) -> Result<(), HarnessFault> {
    if step.capture.is_empty() {
        return Ok(());
    }
    let json = judged.last().and_then(|e| e.outcome.response()).and_then(|r| r.json());
    for (name, pointer) in &step.capture {
        let pointer = crate::catalogue::load::fill_template(pointer, vars);
        let value = json.as_ref().and_then(|j| j.pointer(&pointer)).filter(|v| !v.is_null());
        match value {
            Some(serde_json::Value::String(s)) => {
                vars.insert(name.clone(), s.clone());
            }
            Some(other) => {
                vars.insert(name.clone(), other.to_string());
            }
            None => {
                return Err(HarnessFault::Capture { step: step.name.clone(), name: name.clone(), pointer });
            }
        }
    }
    Ok(())
}

/// Run cases one after the other, without libtest (lab runs, benches), and record the run.
/// Pause between two probes of [`Engine::wait_until_away`].
const AWAY_PROBE_PAUSE: Duration = Duration::from_millis(250);

pub async fn run_all(engine: &Engine, cases: &[Case]) -> RunRecord {
    let started_at = crate::record::clock::now_rfc3339();
    let started = Instant::now();
    let mut records = Vec::with_capacity(cases.len());
    for case in cases {
        records.push(engine.run_case(case).await);
    }
    restore_and_record(engine, started_at, started.elapsed(), records).await
}

/// Put the phone back, then assemble the run's record; a restore that failed is a note
/// that makes the run "could not judge" (`RunRecord::conclusion`).
pub async fn restore_and_record(
    engine: &Engine,
    started_at: String,
    duration: Duration,
    records: Vec<CaseRecord>,
) -> RunRecord {
    let mut notes = Vec::new();
    if let Err(why) = engine.restore_checked().await {
        notes.push(format!("RESTORE FAILED at the end of the run, the phone may be left changed: {why}"));
    }
    let mut record = run_record(engine, started_at, duration, records);
    record.notes.extend(notes);
    record
}

/// Assemble the record of a run from its case records.
pub fn run_record(engine: &Engine, started_at: String, duration: Duration, cases: Vec<CaseRecord>) -> RunRecord {
    let mut record = RunRecord {
        format_version: 1,
        tool_version: env!("CARGO_PKG_VERSION").to_string(),
        profile: engine.profile.id.clone(),
        target: engine.label.clone(),
        device: engine.identity(),
        started_at,
        duration_ms: duration.as_millis() as u64,
        strict: engine.options.strict,
        summary: BTreeMap::new(),
        cases,
        notes: engine.warnings(),
        ended_early: engine.stopped(),
    };
    record.recount();
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::case::AuthMode;
    use crate::device::WireResponse;

    fn answered(body: &str) -> Exchange {
        Exchange {
            step: "s".into(),
            request: WireRequest {
                method: "GET".into(),
                path: "/".into(),
                headers: vec![],
                body: None,
                auth: AuthMode::Valid,
            },
            outcome: Outcome::Answered(WireResponse::new(200, vec![], body.as_bytes().to_vec())),
            elapsed_ms: 1,
        }
    }

    fn step_capturing(name: &str, pointer: &str) -> Step {
        Step { name: "s".into(), capture: BTreeMap::from([(name.to_string(), pointer.to_string())]), ..Step::default() }
    }

    #[test]
    fn captures_take_strings_as_is_and_other_values_as_json() {
        let mut vars = BTreeMap::new();
        let ex = answered(r#"{"data":[{"CallHandle":"0a1b2c3d","N":3}],"Status":"2000"}"#);
        capture(&step_capturing("h", "/data/0/CallHandle"), std::slice::from_ref(&ex), &mut vars).unwrap();
        capture(&step_capturing("n", "/data/0/N"), &[ex], &mut vars).unwrap();
        assert_eq!(vars["h"], "0a1b2c3d");
        assert_eq!(vars["n"], "3");
    }

    #[test]
    fn a_capture_with_nothing_to_capture_is_a_harness_fault() {
        let mut vars = BTreeMap::new();
        let err =
            capture(&step_capturing("h", "/data/0/CallHandle"), &[answered(r#"{"data":[]}"#)], &mut vars).unwrap_err();
        assert!(matches!(err, HarnessFault::Capture { .. }));
        assert!(err.to_string().contains("/data/0/CallHandle"));
    }
}
