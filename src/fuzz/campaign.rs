//! One fuzz campaign against one phone: generate, send, judge, shrink, save.
//!
//! The loop, and why it is shaped this way:
//!
//! 1. The [`Generator`] produces the next case; nothing the phone answers changes the
//!    sequence, so a seed names a run. A case to an endpoint retired earlier in the run
//!    is skipped, never altered.
//! 2. Mutating endpoints are wrapped by the [`Restorer`] (snapshot before, restore after).
//! 3. One request in flight: every request goes through the device gate, and the shrink,
//!    the restore and the health checks use the same gate.
//! 4. The answer is judged by [`oracle::judge`] with the intent [`classify`] derives
//!    from the request itself.
//! 5. Health: `GET device/info` after every anomalous answer (no answer, a reset, a
//!    5xx), and as a routine every [`Settings::health_every`] cases but not more often
//!    than every [`ROUTINE_GAP`] (or [`ROUTINE_MAX_CASES`] cases): on a real phone that
//!    is every 25 to 50 cases, on a fast emulator a few per second instead of hundreds. A phone that stops answering is a finding of its
//!    own, attributed by re-sending the requests since the last healthy check one at a
//!    time; the campaign waits for the phone to come back, or stops.
//! 6. A failure is confirmed by sending the request again and shrunk; its minimal
//!    request is then compared with the minimal requests of the findings already made
//!    ([`group::same_request`]): the same request (on this endpoint or another) is the
//!    same defect, counted as a repeat or added to that finding's `also_on`; anything
//!    else is a new finding, saved as a reproducer. Never is a finding's request re-sent
//!    to decide: a request that fails everywhere (a 500 to `DELETE`) would swallow every
//!    other defect of the run. Shrinking every failure costs requests, so once
//!    [`KNOWN_IN_A_ROW`] failures of one (endpoint, oracle) in a row shrank to known
//!    requests, only every 2^n-th further one of that pair is shrunk (the others are
//!    counted as not shrunk); a hang on a pair that already hung is not shrunk (each
//!    attempt costs a whole timeout), and an endpoint that keeps hanging is retired.

use super::case::{FuzzCase, Intent, classify};
use super::generator::Generator;
use super::group;
use super::oracle::{self, Judgement, Observation, Oracle, Violation};
use super::progress::Ticker;
use super::repro::{FindingRecord, Reproducer, SavedRequest, ShrinkStats};
use super::request_schema::SchemaDocs;
use super::restore::{self, Restorer, Verification};
use super::shrink::{self, Probe, ShrinkBudget};
use crate::catalogue::SchemaSet;
use crate::catalogue::profile::{Endpoint, Profile};
use crate::device::{Device, Exchange, Outcome, WireRequest};
use crate::report::redact::Redactor;
use crate::verdict::Verdict;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The shortest time between two routine health checks.
pub const ROUTINE_GAP: Duration = Duration::from_secs(1);
/// Cases after which a routine health check is made however fast they came: the cases
/// since the last check are kept for attributing an outage, so their number is bounded.
pub const ROUTINE_MAX_CASES: u64 = 500;

/// Hangs on one endpoint after which it is retired for the rest of the run.
const RETIRE_AFTER_HANGS: u64 = 3;
/// Outages caused by one endpoint after which it is retired: each one takes a real
/// phone away for as long as a restart.
const RETIRE_AFTER_OUTAGES: u64 = 2;
/// Failures of one (endpoint, oracle) in a row that shrank to a known minimal request,
/// after which only every 2^n-th further failure of that pair is shrunk.
pub const KNOWN_IN_A_ROW: u64 = 4;

/// Budgets and cadences of a campaign.
#[derive(Debug, Clone)]
pub struct Settings {
    pub seed: u64,
    /// Stop after this many cases sent (`None`: no case limit).
    pub max_cases: Option<u64>,
    /// Stop generating after this long (`None`: no time limit).
    pub max_duration: Option<Duration>,
    /// Where reproducers are written.
    pub out_dir: PathBuf,
    pub shrink: ShrinkBudget,
    /// Cases between two routine health checks.
    pub health_every: u64,
    /// How long to wait for a phone that stopped answering before stopping the run.
    pub recovery: Duration,
}

/// Set by the `fuzz` command on Ctrl-C: every campaign of the process ends after its
/// current request (restored as usual), and a shrink in progress keeps what it has. A
/// signal is process-wide, so the flag is too.
pub static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Everything a campaign talks to.
pub struct Campaign<'a> {
    pub device: Device,
    pub profile: &'a Profile,
    pub schemas: &'a SchemaSet,
    pub docs: SchemaDocs,
    pub endpoints: Vec<Endpoint>,
    pub restorer: Restorer,
    /// Target label for reports (`builtin-emulator` or the URL).
    pub label: String,
    /// Base URL, `-k` and user for curl lines.
    pub curl_base: String,
    pub insecure: bool,
    pub username: String,
    pub redactor: Redactor,
    pub settings: Settings,
}

/// A finding of this run.
#[derive(Debug, Clone)]
pub struct Found {
    pub reproducer: Reproducer,
    /// Where it was saved (`None` when saving failed; the error is in `Summary::errors`).
    pub path: Option<PathBuf>,
}

/// What a campaign did.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub cases: u64,
    /// Generated but not sent (retired endpoint, state that could not be snapshotted).
    pub skipped: u64,
    /// Requests put on the wire by the campaign: the cases, and the health checks,
    /// snapshots, restores, confirmations and shrink attempts around them.
    pub requests: u64,
    /// Of those: snapshots and restores around the cases (not the shrinks'), and the
    /// health checks (module doc, step 5).
    pub restore_requests: u64,
    pub health_checks: u64,
    pub elapsed: Duration,
    pub findings: Vec<Found>,
    /// Further failures of an (endpoint, oracle) whose minimal request is that of a
    /// finding already made (for `phone-unhealthy`: further outages the endpoint caused).
    pub repeats: BTreeMap<(String, Oracle), u64>,
    /// Further failures of an (endpoint, oracle) already found that were not shrunk, so
    /// not attributed: a hang again, a failure that did not repeat, or the back-off after
    /// [`KNOWN_IN_A_ROW`] known ones.
    pub not_shrunk: BTreeMap<(String, Oracle), u64>,
    pub observations: BTreeMap<Observation, u64>,
    /// Cases per intent label (`valid`, `invalid`, `malformed`, `protocol`).
    pub intents: BTreeMap<&'static str, u64>,
    pub per_endpoint: BTreeMap<String, u64>,
    /// Per endpoint: how many answers the harness could not read whole (larger than
    /// `--max-body`, nested too deep), and the first of them.
    pub unread: BTreeMap<String, (u64, crate::check::observed::Unread)>,
    pub retired: Vec<String>,
    /// Harness problems: failed restores, reproducers that could not be written.
    pub errors: Vec<String>,
    /// Why the run stopped before its budget, if it did.
    pub stopped: Option<String>,
    /// The phone compared with how the campaign found it, at the end (`None`: nothing
    /// the campaign sent could change it, or the phone was gone).
    pub verification: Option<Verification>,
}

impl Found {
    /// Whether this finding was made on `endpoint` (or grouped there) for `oracle`.
    pub fn covers(&self, endpoint: &str, oracle: Oracle) -> bool {
        self.reproducer.oracle == oracle
            && (self.reproducer.endpoint == endpoint || self.reproducer.also_on.iter().any(|e| e == endpoint))
    }
}

/// Failures of one (endpoint, oracle) seen so far in a run, for the shrink back-off.
#[derive(Debug, Default)]
struct PairCount {
    hits: u64,
    /// Shrinks in a row that ended on a known minimal request.
    known_in_a_row: u64,
}

/// What became of one failure.
enum Attributed {
    /// A new finding, saved.
    New,
    /// The minimal request of a finding already made.
    Known,
    /// Not a finding: it did not repeat (after an outage, or on a pair already found).
    Dropped,
}

impl Summary {
    /// Findings that decide the exit code (FAIL); NON-STRICT ones are reported only.
    pub fn failures(&self) -> usize {
        self.findings.iter().filter(|f| f.reproducer.verdict == Verdict::Fail).count()
    }
}

fn intent_key(i: &Intent) -> &'static str {
    match i {
        Intent::Valid => "valid",
        Intent::Invalid { .. } => "invalid",
        Intent::Malformed { .. } => "malformed",
        Intent::Protocol { .. } => "protocol",
    }
}

impl<'a> Campaign<'a> {
    fn endpoint(&self, id: &str) -> Option<&Endpoint> {
        self.endpoints.iter().find(|e| e.id == id)
    }

    /// Judge a request to `endpoint` by the rules every path of the fuzzer shares.
    pub fn judge(&self, endpoint: &Endpoint, request: &WireRequest, outcome: &Outcome) -> (Intent, Judgement) {
        let intent = classify(endpoint, &self.profile.limits, self.schemas, &self.docs, request);
        let j = oracle::judge(self.profile, endpoint, request, &intent, outcome);
        (intent, j)
    }

    /// Send one request with the restore wrap. `Err` when the case could not be sent
    /// safely; restore problems are pushed onto `errors`.
    pub async fn send(
        &self,
        endpoint: &Endpoint,
        request: &WireRequest,
        errors: &mut Vec<String>,
    ) -> Result<Exchange, String> {
        if !restore::reach(endpoint).any() {
            return Ok(self.device.send("fuzz", request.clone()).await);
        }
        let snap = self.restorer.before(endpoint, request).await?;
        let ex = self.device.send("fuzz", request.clone()).await;
        let ok = ex.outcome.response().and_then(|r| r.api_status()).as_deref() == Some("2000");
        if let Err(e) = self.restorer.after(endpoint, snap, ok).await {
            errors.push(format!("RESTORE FAILED after a request to {}: {e}", endpoint.id));
        }
        Ok(ex)
    }

    /// Whether the phone still answers `GET device/info` (any HTTP answer below 500).
    pub async fn healthy(&self) -> bool {
        let path = crate::phone::device_info::DEVICE_INFO.path(Some(self.profile));
        let ex = self.device.send("health", WireRequest::get(&path)).await;
        matches!(&ex.outcome, Outcome::Answered(r) if r.status < 500)
    }

    /// Poll health until the phone answers again, up to the recovery time.
    pub async fn wait_for_recovery(&self) -> bool {
        let deadline = Instant::now() + self.settings.recovery;
        loop {
            if self.healthy().await {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_secs(2)).await;
        }
    }

    /// Run the campaign.
    ///
    /// Longer than most functions on purpose: it is the one loop whose local state (the
    /// window since the last health check, retirements, the outage flag) the steps share;
    /// each step it takes is a named method or function.
    pub async fn run(&self, ticker: &mut Ticker) -> Summary {
        let mut s = Summary::default();
        let mut generator =
            Generator::new(self.docs.clone(), self.profile.limits.clone(), &self.endpoints, self.settings.seed);
        let started = Instant::now();
        let sent_before = self.device.requests_sent();
        let mut retired: BTreeSet<String> = BTreeSet::new();
        let mut window: Vec<(FuzzCase, Exchange)> = Vec::new();
        let mut since_health = 0u64;
        let mut last_health = Instant::now();
        let mut hangs: BTreeMap<String, u64> = BTreeMap::new();
        let mut pairs: BTreeMap<(String, Oracle), PairCount> = BTreeMap::new();
        let mut phone_gone = false;
        while !generator.is_empty() {
            if self.stop_now(&mut s, started, &retired) {
                break;
            }
            let case = generator.next_case();
            if retired.contains(&case.endpoint) {
                s.skipped += 1;
                continue;
            }
            let Some(endpoint) = self.endpoint(&case.endpoint).cloned() else {
                continue;
            };
            let sent_before_case = self.device.requests_sent();
            let ex = match self.send(&endpoint, &case.request, &mut s.errors).await {
                Ok(ex) => {
                    s.restore_requests += (self.device.requests_sent() - sent_before_case).saturating_sub(1);
                    ex
                }
                Err(why) => {
                    s.skipped += 1;
                    if s.skipped == 1 {
                        ticker.println(&format!(
                            "note: case #{} to {} not sent: {why} (further skips are counted in the summary)",
                            case.index, endpoint.id
                        ));
                    }
                    continue;
                }
            };
            s.cases += 1;
            *s.per_endpoint.entry(endpoint.id.clone()).or_default() += 1;
            let (intent, judgement) = self.judge(&endpoint, &case.request, &ex.outcome);
            *s.intents.entry(intent_key(&intent)).or_default() += 1;
            for o in &judgement.observations {
                *s.observations.entry(*o).or_default() += 1;
            }
            // Only an answer the judge could not read is looked at again (parsing is the
            // largest cost of a case after the wire).
            let unreadable = judgement
                .observations
                .iter()
                .any(|o| matches!(o, Observation::AnswerTruncated | Observation::AnswerTooDeep));
            if let Some(unread) =
                ex.outcome.response().filter(|_| unreadable).and_then(crate::check::observed::Unread::of)
            {
                s.unread.entry(endpoint.id.clone()).or_insert((0, unread)).0 += 1;
            }
            // A 5xx the oracles accept (E48, 501) still earns a health check; a request the
            // client could not send does not (the phone never saw it).
            let anomalous = judgement.violation.is_some()
                || matches!(&ex.outcome, Outcome::Answered(r) if r.status >= 500)
                || matches!(&ex.outcome, Outcome::Reset { .. } | Outcome::Timeout { .. });
            // Kept until the next health check: only as much of the answer as a record keeps.
            let mut kept = ex.clone();
            crate::record::bodies::keep(&mut kept);
            window.push((case.clone(), kept));
            since_health += 1;
            // The phone went away after this case: its own violation may be a consequence.
            let mut outage = false;
            let routine = since_health >= self.settings.health_every
                && (last_health.elapsed() >= ROUTINE_GAP || since_health >= ROUTINE_MAX_CASES);
            if anomalous || routine {
                since_health = 0;
                last_health = Instant::now();
                s.health_checks += 1;
                if !self.healthy().await {
                    outage = true;
                    let recovered = self.phone_went_away(std::mem::take(&mut window), &mut s, ticker).await;
                    if !recovered {
                        if let Some(v) = judgement.violation {
                            let why = "the phone did not come back, so the request could not be confirmed or shrunk";
                            let rec = self.record(
                                &case,
                                &endpoint,
                                &v,
                                SavedRequest::new(case.request.clone(), ex.outcome.clone()),
                                None,
                                ShrinkStats { skipped: Some(why.into()), ..Default::default() },
                            );
                            self.save(rec, &v, &mut s, ticker);
                        }
                        s.stopped = Some(format!(
                            "the phone stopped answering device/info and did not come back within {} s",
                            self.settings.recovery.as_secs()
                        ));
                        phone_gone = true;
                        break;
                    }
                    retire_outage_culprits(&mut s, &mut retired, ticker);
                }
                window.clear();
            }
            if let Some(v) = judgement.violation {
                let seen = Seen { hangs: &mut hangs, pairs: &mut pairs, retired: &mut retired };
                self.on_violation(&case, &endpoint, &v, &ex, outage, seen, &mut s, ticker).await;
            }
            ticker.update(s.cases, s.findings.len(), &endpoint.id);
        }
        s.elapsed = started.elapsed();
        if phone_gone {
            if self.endpoints.iter().any(|e| restore::reach(e).any()) {
                s.errors.push("the phone did not come back, so its state could not be checked at the end".into());
            }
        } else {
            self.verify_state(&mut s, ticker).await;
        }
        s.requests = self.device.requests_sent() - sent_before;
        s
    }

    /// Compare the phone with how the campaign found it and put back what differs: the
    /// per-case restores should have left nothing, so anything found here is said.
    async fn verify_state(&self, s: &mut Summary, ticker: &mut Ticker) {
        if !self.endpoints.iter().any(|e| restore::reach(e).any()) {
            return;
        }
        let v = self.restorer.verify().await;
        for put_back in &v.put_back {
            ticker.println(&format!("note: at the end of the campaign: {put_back}"));
        }
        for problem in &v.problems {
            s.errors.push(format!("RESTORE FAILED at the end of the campaign: {problem}"));
        }
        s.verification = Some(v);
    }

    /// Whether the budget is spent, the user pressed Ctrl-C or nothing is left to fuzz.
    fn stop_now(&self, s: &mut Summary, started: Instant, retired: &BTreeSet<String>) -> bool {
        if self.settings.max_cases.is_some_and(|m| s.cases >= m)
            || self.settings.max_duration.is_some_and(|d| started.elapsed() >= d)
        {
            return true;
        }
        if INTERRUPTED.load(Ordering::Relaxed) {
            s.stopped = Some("interrupted".into());
            return true;
        }
        if retired.len() >= self.endpoints.len() {
            s.stopped = Some("every endpoint was retired".into());
            return true;
        }
        false
    }

    /// A violation: retire an endpoint that keeps hanging, then shrink and attribute it,
    /// unless the same pair has been found again and again (then only count it).
    #[allow(clippy::too_many_arguments)]
    async fn on_violation(
        &self,
        case: &FuzzCase,
        endpoint: &Endpoint,
        v: &Violation,
        ex: &Exchange,
        outage: bool,
        seen: Seen<'_>,
        s: &mut Summary,
        ticker: &mut Ticker,
    ) {
        let key = (endpoint.id.clone(), v.oracle);
        if v.oracle == Oracle::Hang {
            let n = seen.hangs.entry(endpoint.id.clone()).or_default();
            *n += 1;
            if *n >= RETIRE_AFTER_HANGS && seen.retired.insert(endpoint.id.clone()) {
                s.retired.push(endpoint.id.clone());
                ticker.println(&format!("note: {} retired after {n} hangs (each costs a whole timeout)", endpoint.id));
            }
        }
        let pair = seen.pairs.entry(key.clone()).or_default();
        pair.hits += 1;
        let found_here = s.findings.iter().any(|f| f.covers(&key.0, key.1));
        let shrink_it = !found_here
            || (v.oracle != Oracle::Hang && (pair.known_in_a_row < KNOWN_IN_A_ROW || pair.hits.is_power_of_two()));
        if !shrink_it {
            *s.not_shrunk.entry(key).or_default() += 1;
        } else {
            let attributed = self.attribute(case, endpoint, v, ex, outage, s, ticker).await;
            let pair = seen.pairs.entry(key).or_default();
            match attributed {
                Attributed::New => pair.known_in_a_row = 0,
                Attributed::Known => pair.known_in_a_row += 1,
                Attributed::Dropped => {}
            }
        }
    }

    /// The phone stopped answering after the cases in `window`: find which one did it,
    /// record the finding, and wait for the phone. Returns whether it came back.
    async fn phone_went_away(&self, window: Vec<(FuzzCase, Exchange)>, s: &mut Summary, ticker: &mut Ticker) -> bool {
        ticker.println(&format!(
            "phone-unhealthy: device/info stopped answering after case #{}; waiting up to {} s for the phone",
            window.last().map_or(0, |(c, _)| c.index),
            self.settings.recovery.as_secs()
        ));
        if !self.wait_for_recovery().await {
            if let Some((case, ex)) = window.last() {
                let preceding = window.iter().map(|(c, _)| c.request.clone()).collect();
                self.save_unhealthy(
                    case,
                    ex,
                    preceding,
                    "the phone did not come back, so the request could not be pinned down",
                    s,
                    ticker,
                );
            }
            return false;
        }
        // Re-send the window one request at a time to find the one that takes the phone down.
        let mut culprit = None;
        if window.len() > 1 {
            for (case, _) in &window {
                let Some(endpoint) = self.endpoint(&case.endpoint).cloned() else {
                    continue;
                };
                let Ok(ex) = self.send(&endpoint, &case.request, &mut s.errors).await else {
                    continue;
                };
                if !self.healthy().await {
                    culprit = Some((case.clone(), ex, None));
                    self.wait_for_recovery().await;
                    break;
                }
            }
        }
        let (case, ex, skipped) = match culprit {
            Some(c) => c,
            None => {
                let (case, ex) = window.last().cloned().expect("a window holds the case that was just sent");
                let why = if window.len() > 1 {
                    Some("re-sending the preceding requests one by one did not take the phone down again (flaky)")
                } else {
                    None
                };
                (case, ex, why)
            }
        };
        let preceding = window.iter().map(|(c, _)| c.request.clone()).collect();
        self.save_unhealthy(
            &case,
            &ex,
            preceding,
            skipped.unwrap_or("each attempt would take the phone down"),
            s,
            ticker,
        );
        self.healthy().await || self.wait_for_recovery().await
    }

    fn save_unhealthy(
        &self,
        case: &FuzzCase,
        ex: &Exchange,
        preceding: Vec<WireRequest>,
        why: &str,
        s: &mut Summary,
        ticker: &mut Ticker,
    ) {
        let Some(endpoint) = self.endpoint(&case.endpoint).cloned() else {
            return;
        };
        if s.findings
            .iter()
            .any(|f| f.reproducer.endpoint == endpoint.id && f.reproducer.oracle == Oracle::PhoneUnhealthy)
        {
            *s.repeats.entry((endpoint.id.clone(), Oracle::PhoneUnhealthy)).or_default() += 1;
            return;
        }
        let v = Violation {
            oracle: Oracle::PhoneUnhealthy,
            verdict: Verdict::Fail,
            requirement: "the phone keeps answering (GET device/info) after any request".into(),
            actual: "device/info stopped answering after this request".into(),
        };
        let mut rec = self.record(
            case,
            &endpoint,
            &v,
            SavedRequest::new(case.request.clone(), ex.outcome.clone()),
            None,
            ShrinkStats { skipped: Some(why.into()), ..Default::default() },
        );
        rec.preceding = preceding;
        self.save(rec, &v, s, ticker);
    }

    /// Confirm a failure by sending it again, shrink it, and attribute it by its minimal
    /// request: the same request as a finding already made (module doc) is that defect,
    /// anything else a new finding. After an outage a failure that does not repeat was
    /// the outage's doing (the phone-unhealthy finding names the request that caused it)
    /// and is dropped; elsewhere it is saved as flaky, unless its pair was found already.
    ///
    /// Kept whole: confirm, shrink and attribute are one decision, and splitting it would
    /// pass the same eight values through three more signatures.
    #[allow(clippy::too_many_arguments)]
    async fn attribute(
        &self,
        case: &FuzzCase,
        endpoint: &Endpoint,
        v: &Violation,
        ex: &Exchange,
        outage: bool,
        s: &mut Summary,
        ticker: &mut Ticker,
    ) -> Attributed {
        let original = SavedRequest::new(case.request.clone(), ex.outcome.clone());
        let mut probe =
            CampaignProbe { campaign: self, endpoint, oracle: v.oracle, last_hit: None, errors: Vec::new() };
        let confirmed = probe.reproduces(&case.request).await;
        let (minimal, stats) = if confirmed {
            let shrunk = shrink::shrink(&case.request, &mut probe, self.settings.shrink).await;
            let minimal = match probe.last_hit.take() {
                Some((request, outcome)) if request == shrunk.minimal => SavedRequest::new(request, outcome),
                _ => SavedRequest::new(shrunk.minimal.clone(), ex.outcome.clone()),
            };
            (
                minimal,
                ShrinkStats {
                    attempts: shrunk.attempts,
                    steps: shrunk.steps,
                    exhausted: shrunk.exhausted,
                    skipped: None,
                },
            )
        } else {
            if outage {
                s.errors.append(&mut probe.errors);
                ticker.println(&format!(
                    "note: {} on case #{} to {} did not repeat once the phone was back: counted as part of the outage",
                    v.oracle.label(),
                    case.index,
                    endpoint.id
                ));
                return Attributed::Dropped;
            }
            (
                original.clone(),
                ShrinkStats {
                    skipped: Some("did not fail again when sent a second time (flaky)".into()),
                    ..Default::default()
                },
            )
        };
        s.errors.append(&mut probe.errors);
        let key = (endpoint.id.clone(), v.oracle);
        let same = s.findings.iter().position(|f| {
            f.reproducer.oracle == v.oracle
                && f.reproducer.verdict == v.verdict
                && self
                    .endpoint(&f.reproducer.endpoint)
                    .is_some_and(|e| group::same_request(e, &f.reproducer.minimal.request, endpoint, &minimal.request))
        });
        if let Some(i) = same {
            let found = &mut s.findings[i];
            if found.covers(&endpoint.id, v.oracle) {
                *s.repeats.entry(key).or_default() += 1;
            } else {
                found.reproducer.also_on.push(endpoint.id.clone());
                if found.path.is_some()
                    && let Err(e) = found.reproducer.save(&self.settings.out_dir, &self.redactor)
                {
                    s.errors.push(format!("cannot update reproducer `{}`: {e}", found.reproducer.id));
                }
                ticker.println(&format!(
                    "           {} {}: same defect as {} (the same minimal request)",
                    endpoint.id,
                    v.oracle.label(),
                    found.reproducer.id
                ));
            }
            return Attributed::Known;
        }
        if !confirmed && s.findings.iter().any(|f| f.covers(&endpoint.id, v.oracle)) {
            *s.not_shrunk.entry(key).or_default() += 1;
            return Attributed::Dropped;
        }
        let rec = self.record(case, endpoint, v, original, Some(minimal), stats);
        self.save(rec, v, s, ticker);
        Attributed::New
    }

    fn record(
        &self,
        case: &FuzzCase,
        endpoint: &Endpoint,
        v: &Violation,
        original: SavedRequest,
        minimal: Option<SavedRequest>,
        shrink: ShrinkStats,
    ) -> Reproducer {
        let minimal = minimal.unwrap_or_else(|| original.clone());
        Reproducer::from_finding(FindingRecord {
            profile: &self.profile.id,
            target: &self.label,
            seed: Some(self.settings.seed),
            case_index: Some(case.index),
            endpoint,
            violation: v,
            mutations: case.mutations.clone(),
            original,
            minimal,
            shrink,
            preceding: Vec::new(),
            curl_base: &self.curl_base,
            insecure: self.insecure,
            username: &self.username,
        })
    }

    fn save(&self, rec: Reproducer, v: &Violation, s: &mut Summary, ticker: &mut Ticker) {
        let path = match rec.save(&self.settings.out_dir, &self.redactor) {
            Ok(p) => Some(p),
            Err(e) => {
                s.errors.push(format!("cannot write a reproducer into `{}`: {e}", self.settings.out_dir.display()));
                None
            }
        };
        let found = Found { reproducer: rec, path };
        ticker.println(&self.redactor.redact(&describe(&found, Some(&v.actual))));
        s.findings.push(found);
    }
}

/// The block printed for a finding.
pub fn describe(f: &Found, actual: Option<&str>) -> String {
    let r = &f.reproducer;
    let mut out = format!("{:<10} {}  {}", r.verdict.label(), r.endpoint, r.oracle.label());
    if let Some(i) = r.case_index {
        out.push_str(&format!("  (case #{i}, seed {})", r.seed.unwrap_or_default()));
    }
    out.push_str(&format!("\n  requirement: {}", r.requirement));
    out.push_str(&format!("\n  actual:      {}", actual.unwrap_or(&r.minimal.answer)));
    let body = r.minimal.request.body.as_deref().map(preview).unwrap_or_else(|| "no body".into());
    out.push_str(&format!("\n  minimal:     {} {}  {}", r.minimal.request.method, r.minimal.request.path, body));
    out.push_str(&format!(
        "\n               {} bytes (first failing request: {} bytes",
        r.minimal.size_bytes, r.original.size_bytes
    ));
    match &r.shrink.skipped {
        Some(why) => out.push_str(&format!("; not shrunk: {why})")),
        None => out.push_str(&format!(
            "; {} shrink steps in {} attempts{})",
            r.shrink.steps,
            r.shrink.attempts,
            if r.shrink.exhausted { ", budget exhausted" } else { "" }
        )),
    }
    if let Some(p) = &f.path {
        out.push_str(&format!("\n  saved:       {}", p.display()));
        out.push_str(&format!("\n  replay:      polyconform replay {}", p.display()));
    }
    out.push_str(&format!("\n  curl:        {}", r.curl));
    out
}

/// A body for one line of output: text cut short, or a byte count for binary.
pub fn preview(body: &[u8]) -> String {
    match std::str::from_utf8(body) {
        Ok(t) if t.chars().count() > 120 => {
            format!("{}... ({} bytes)", t.chars().take(120).collect::<String>().escape_debug(), body.len())
        }
        Ok(t) => t.escape_debug().to_string(),
        Err(_) => format!(
            "{} bytes, not UTF-8: {}",
            body.len(),
            body.iter().take(24).map(|b| format!("{b:02x}")).collect::<Vec<_>>().join(" ")
        ),
    }
}

/// The shrinker's probe: send through the campaign (restore wrap) and judge.
struct CampaignProbe<'c, 'a> {
    campaign: &'c Campaign<'a>,
    endpoint: &'c Endpoint,
    oracle: Oracle,
    /// The last request that reproduced, with its outcome (the minimal one at the end).
    last_hit: Option<(WireRequest, Outcome)>,
    errors: Vec<String>,
}

impl Probe for CampaignProbe<'_, '_> {
    async fn reproduces(&mut self, request: &WireRequest) -> bool {
        if INTERRUPTED.load(Ordering::Relaxed) {
            return false;
        }
        let Ok(ex) = self.campaign.send(self.endpoint, request, &mut self.errors).await else {
            return false;
        };
        let (_, j) = self.campaign.judge(self.endpoint, request, &ex.outcome);
        let hit = j.violation.is_some_and(|v| v.oracle == self.oracle);
        if hit {
            self.last_hit = Some((request.clone(), ex.outcome));
        }
        hit
    }
}

/// What the loop remembers across cases about repeated violations.
struct Seen<'a> {
    hangs: &'a mut BTreeMap<String, u64>,
    pairs: &'a mut BTreeMap<(String, Oracle), PairCount>,
    retired: &'a mut BTreeSet<String>,
}

/// Endpoints that took the phone down [`RETIRE_AFTER_OUTAGES`] times are not fuzzed again.
fn retire_outage_culprits(s: &mut Summary, retired: &mut BTreeSet<String>, ticker: &Ticker) {
    let culprits: Vec<String> = s
        .findings
        .iter()
        .filter(|f| f.reproducer.oracle == Oracle::PhoneUnhealthy)
        .map(|f| f.reproducer.endpoint.clone())
        .collect();
    for id in culprits {
        let n = 1 + s.repeats.get(&(id.clone(), Oracle::PhoneUnhealthy)).copied().unwrap_or(0);
        if n >= RETIRE_AFTER_OUTAGES && retired.insert(id.clone()) {
            ticker.println(&format!("note: {id} retired after taking the phone down {n} times"));
            s.retired.push(id);
        }
    }
}
