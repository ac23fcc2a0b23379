//! The fleet: every selected phone of the inventory run at once, each through its own
//! [`Engine`], with a global cap on how many phones run at the same time.
//!
//! One phone, in this order, and why:
//!
//! 1. wait for the in-process turn of the phone and of its peer (sorted by name, so two
//!    phones that are each other's peer cannot deadlock), then for a slot under
//!    `--max-devices` (after the turns: a slot is never held while waiting for a turn);
//! 2. reserve it (lock file, database row): taken by another run means BUSY;
//! 3. health: the engine's preflight (down, TLS, credentials, not a Poly API mean
//!    INCONCLUSIVE, with the preflight's hint), then the call status (a call a person
//!    placed means BUSY, and the phone is left alone);
//! 4. the conformance cases (filtered, or this shard's share for a single phone), then
//!    the fuzzer when asked;
//! 5. write the phone's own reports, record the run in the history database, release.
//!
//! Phones share nothing but the cap, so a slow or dead phone delays only itself. The
//! Engine's device gate keeps one request in flight per phone.

use super::health::{CallState, call_state};
use super::history::{self, LabMeta};
use super::inventory::{Inventory, InventoryDevice};
use super::partition::Partition;
use super::report::{DeviceRun, DeviceState, FuzzOutcome, KIND, LabRedactor, LabReport};
use super::reservation::{Claim, Reservation, Reservations};
use super::spill::{self, Spill};
use super::writer::Writers;
use crate::catalogue::{Case, Catalogue};
use crate::device::{Device, DeviceConfig};
use crate::record::clock::{now_ms, now_rfc3339};
use crate::record::model::{CaseRecord, RunRecord};
use crate::report::redact::Redactor;
use crate::run::engine::Engine;
use crate::run::incoming::peer_source;
use crate::run::options::{IncomingSource, RunOptions};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// What a lab run does on each phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Default)]
pub enum SuiteChoice {
    /// The conformance suites.
    #[default]
    Run,
    /// The fuzzer, for --duration per phone.
    Fuzz,
    /// The conformance suites, then the fuzzer.
    Both,
}

/// How the fleet runs.
#[derive(Debug, Clone)]
pub struct FleetOptions {
    pub suite: SuiteChoice,
    pub fuzz_duration: Duration,
    pub max_devices: usize,
    /// The shard this process runs, as given on the command line.
    pub partition: Option<Partition>,
    /// Split a single phone's cases over the shards (set when the shard has one phone).
    pub case_partition: Option<Partition>,
    /// Substrings of case ids to keep (any) and to leave out (any).
    pub filters: Vec<String>,
    pub skips: Vec<String>,
    pub report_dir: PathBuf,
    /// Where to show one line per phone as it finishes (the command line prints it; None: quiet).
    pub progress: Option<fn(&str)>,
}

/// Everything one lab run shares.
pub struct Fleet {
    pub catalogue: Arc<Catalogue>,
    pub inventory: Arc<Inventory>,
    pub reservations: Reservations,
    pub history: Option<crate::lab::database::Database>,
    pub meta: LabMeta,
    pub options: FleetOptions,
    turns: BTreeMap<String, Arc<tokio::sync::Mutex<()>>>,
    /// Engines of the phones running now, so an interrupt can stop them.
    active: Mutex<BTreeMap<String, Arc<Engine>>>,
    /// Set by Ctrl-C (see [`Fleet::interrupt`]).
    interrupted: std::sync::atomic::AtomicBool,
    notes: Mutex<Vec<String>>,
    /// The threads that write phones' own reports.
    writers: Writers,
    /// Case lists by profile id.
    case_lists: Mutex<BTreeMap<String, Arc<Vec<Case>>>>,
}

/// Phones that write their own reports at once (each holds its wire log meanwhile).
const REPORT_WRITERS: usize = 2;

/// The fleet could not be set up (threads could not be started).
#[derive(Debug, thiserror::Error)]
#[error("cannot start the report writer threads: {0}")]
pub struct FleetError(#[from] std::io::Error);

impl Fleet {
    pub fn new(
        catalogue: Arc<Catalogue>,
        inventory: Arc<Inventory>,
        reservations: Reservations,
        history: Option<crate::lab::database::Database>,
        meta: LabMeta,
        options: FleetOptions,
    ) -> Result<Fleet, FleetError> {
        let turns = inventory.devices.iter().map(|d| (d.name.clone(), Arc::new(tokio::sync::Mutex::new(())))).collect();
        Ok(Fleet {
            catalogue,
            inventory,
            reservations,
            history,
            meta,
            options,
            turns,
            active: Mutex::new(BTreeMap::new()),
            interrupted: std::sync::atomic::AtomicBool::new(false),
            notes: Mutex::new(Vec::new()),
            writers: Writers::start(REPORT_WRITERS)?,
            case_lists: Mutex::new(BTreeMap::new()),
        })
    }

    /// Run the named phones concurrently; the combined report, in the order given.
    pub async fn run(self: &Arc<Self>, names: &[String]) -> LabReport {
        let started = Instant::now();
        let slots = Arc::new(Semaphore::new(self.options.max_devices.max(1)));
        let mut tasks = tokio::task::JoinSet::new();
        for (i, name) in names.iter().enumerate() {
            let Some(device) = self.inventory.device(name).cloned() else {
                continue;
            };
            let fleet = self.clone();
            let slots = slots.clone();
            tasks.spawn(async move { (i, fleet.run_device(device, slots).await) });
        }
        let mut runs: Vec<(usize, DeviceRun)> = Vec::with_capacity(names.len());
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok(r) => runs.push(r),
                // A panic in one phone's task must not take the others' results with it.
                Err(e) => self.note(format!("a phone's task ended abnormally: {e}")),
            }
        }
        runs.sort_by_key(|(i, _)| *i);
        let shard = self.options.partition.map(|p| p.to_string()).unwrap_or_else(|| "all".into());
        LabReport {
            format_version: 1,
            kind: KIND.into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            run_id: self.meta.run_id.clone(),
            started_at: self.meta.started_at.clone(),
            duration_ms: started.elapsed().as_millis() as u64,
            shards: vec![shard],
            suite: format!("{:?}", self.options.suite).to_ascii_lowercase(),
            devices: runs.into_iter().map(|(_, r)| r).collect(),
            notes: self.notes.lock().map(|n| n.clone()).unwrap_or_default(),
        }
    }

    /// Ctrl-C: every running phone's case stops before its next step and is cleaned up,
    /// its remaining cases are NOT-TESTED, its engine restores it and its reservation is
    /// freed, all on the run's own path (restoring from here, while a case still runs,
    /// would let the case write again afterwards); phones not started yet are not started,
    /// and fuzz campaigns end after their current request.
    pub fn interrupt(&self) {
        self.interrupted.store(true, std::sync::atomic::Ordering::SeqCst);
        crate::fuzz::campaign::INTERRUPTED.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(active) = self.active.lock() {
            for e in active.values() {
                e.interrupt();
            }
        }
    }

    /// Whether Ctrl-C stopped this lab run.
    pub fn is_interrupted(&self) -> bool {
        self.interrupted.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn note(&self, text: String) {
        if let Ok(mut n) = self.notes.lock() {
            n.push(text);
        }
    }

    async fn run_device(self: Arc<Self>, d: InventoryDevice, slots: Arc<Semaphore>) -> DeviceRun {
        let peer = d.peer.as_ref().and_then(|p| self.inventory.device(p)).cloned();
        let mut turn_names: Vec<&str> =
            std::iter::once(d.name.as_str()).chain(peer.as_ref().map(|p| p.name.as_str())).collect();
        turn_names.sort();
        let mut turns_held = Vec::new();
        for n in turn_names {
            if let Some(m) = self.turns.get(n) {
                turns_held.push(m.clone().lock_owned().await);
            }
        }
        let _slot = slots.acquire_owned().await;

        let started = Instant::now();
        let started_ms = now_ms();
        let mut run = match self.reservations.claim(&d.name).await {
            Ok(Claim::Taken(reservation)) => {
                let mut peer_reservation = None;
                let run = self.reserved(&d, peer.as_ref(), &mut peer_reservation).await;
                if let Some(p) = peer_reservation {
                    p.release().await;
                }
                release(reservation).await;
                run
            }
            Ok(Claim::Busy(why)) => {
                DeviceRun::not_judged(&d.name, &d.target, &d.profile, &d.tags, DeviceState::Busy, why)
            }
            Err(e) => DeviceRun::not_judged(
                &d.name,
                &d.target,
                &d.profile,
                &d.tags,
                DeviceState::Inconclusive,
                format!("could not reserve the phone: {e}"),
            ),
        };
        run.duration_ms = started.elapsed().as_millis() as u64;
        run.case_shard = self.options.case_partition.map(|p| p.to_string());

        if let Some(db) = &self.history
            && let Err(e) = history::record(db, &self.meta, &run, started_ms).await
        {
            let text = format!("history: the run of `{}` was not recorded: {e}", d.name);
            run.notes.push(text.clone());
            self.note(text);
        }
        if let Some(show) = self.options.progress {
            show(&progress_line(&run));
        }
        run
    }

    /// Steps 3 to 5 for a reserved phone.
    async fn reserved(
        &self,
        d: &InventoryDevice,
        peer: Option<&InventoryDevice>,
        peer_reservation: &mut Option<Reservation>,
    ) -> DeviceRun {
        let not_judged =
            |state, why: String| DeviceRun::not_judged(&d.name, &d.target, &d.profile, &d.tags, state, why);
        if self.is_interrupted() {
            return not_judged(DeviceState::Inconclusive, "not run: the lab run was interrupted (Ctrl-C)".into());
        }
        let mut redactor = Redactor::new(&d.credentials.username, &d.credentials.password);
        if let Some(p) = peer {
            // The peer's exchanges are in this phone's case logs.
            redactor = redactor.also(&p.credentials.username, &p.credentials.password);
        }
        let device = match Device::new(device_config(d)) {
            Ok(dev) => dev,
            Err(e) => return not_judged(DeviceState::Inconclusive, e.to_string()),
        };
        // Borrowed: the engine owns the one copy a phone needs (hundreds of phones, one catalogue).
        let profile = match self.catalogue.profile(&d.profile) {
            Ok(p) => p,
            Err(msg) => return not_judged(DeviceState::Inconclusive, msg),
        };

        let mut notes = Vec::new();
        let incoming = self.incoming(d, &device, profile, peer, peer_reservation, &mut notes).await;
        let options = RunOptions {
            allow_destructive: d.allow_destructive,
            strict: d.strict,
            dial: d.dial.clone(),
            incoming,
            timeout: d.timeout,
        };
        let engine = Arc::new(
            Engine::new(device.clone(), self.catalogue.clone(), profile.clone(), options).with_label(d.target.clone()),
        );

        let identity = match engine.preflight().await {
            Ok(id) => id,
            Err(e) => {
                return not_judged(DeviceState::Inconclusive, redactor.redact(&format!("health probe failed: {e}")));
            }
        };
        match call_state(&device).await {
            CallState::Idle => {}
            CallState::InCall(what) => {
                let mut run = not_judged(
                    DeviceState::Busy,
                    format!("in a call placed before the run ({what}); the phone was left alone"),
                );
                run.identity = Some(identity);
                return run;
            }
            CallState::Unknown(why) => notes.push(format!("{why}; the run went ahead")),
        }

        let mut run = not_judged(DeviceState::Completed, String::new());
        run.reason = None;
        run.identity = Some(identity);
        run.started_at = now_rfc3339();
        run.notes = notes;
        self.judge(d, profile, engine, &redactor, &mut run).await;
        run
    }

    /// Where this phone's incoming calls come from: its own control endpoints, its peer
    /// (reserved for the run, and checked: it must answer and the number it dials must be
    /// known), or nowhere. A peer that cannot be used makes the incoming-call cases
    /// NOT-TESTED with the reason, which the run's notes repeat.
    async fn incoming(
        &self,
        d: &InventoryDevice,
        device: &Device,
        profile: &crate::catalogue::Profile,
        peer: Option<&InventoryDevice>,
        peer_reservation: &mut Option<Reservation>,
        notes: &mut Vec<String>,
    ) -> IncomingSource {
        if d.control {
            return IncomingSource::Control;
        }
        let Some(p) = peer else {
            return IncomingSource::None;
        };
        let unavailable = |why: String, notes: &mut Vec<String>| {
            notes.push(format!("{why}: incoming-call cases are NOT-TESTED"));
            IncomingSource::Unavailable(why)
        };
        let r = match self.reservations.claim(&p.name).await {
            Ok(Claim::Taken(r)) => r,
            Ok(Claim::Busy(why)) => return unavailable(format!("peer `{}` is busy ({why})", p.name), notes),
            Err(e) => return unavailable(format!("peer `{}` could not be reserved ({e})", p.name), notes),
        };
        let peer_profile = match self.catalogue.profile(&p.profile) {
            Ok(pp) => pp.clone(),
            Err(e) => {
                release(r).await;
                return unavailable(format!("peer `{}` has no usable profile ({e})", p.name), notes);
            }
        };
        let peer_device = match Device::new(device_config(p)) {
            Ok(dev) => dev,
            Err(e) => {
                release(r).await;
                return unavailable(format!("peer `{}` cannot be used ({e})", p.name), notes);
            }
        };
        *peer_reservation = Some(r);
        let name = format!("`{}`", p.name);
        let source = peer_source(name, peer_device, peer_profile, d.number.clone(), device, profile).await;
        if let IncomingSource::Unavailable(why) = &source {
            notes.push(format!("{why}: incoming-call cases are NOT-TESTED"));
        }
        source
    }

    /// The conformance part (its wire logs spilled, its reports written) and the fuzz part
    /// of a healthy, reserved phone, as the lab run asks.
    async fn judge(
        &self,
        d: &InventoryDevice,
        profile: &crate::catalogue::Profile,
        engine: Arc<Engine>,
        redactor: &Redactor,
        run: &mut DeviceRun,
    ) {
        if let Ok(mut a) = self.active.lock() {
            a.insert(d.name.clone(), engine.clone());
        }
        if self.is_interrupted() {
            engine.interrupt();
        }
        if self.options.suite != SuiteChoice::Fuzz {
            let cases = self.select_cases(profile);
            let dir = self.options.report_dir.join(&d.name);
            let (record, written) = self.conformance(&engine, &cases, &dir, redactor).await;
            match written {
                Ok(()) => run.report_dir = Some(d.name.clone()),
                Err(e) => run
                    .notes
                    .push(format!("the phone's own reports could not be written into `{}`: {e}", dir.display())),
            }
            run.record = Some(record);
        }
        if let Ok(mut a) = self.active.lock() {
            a.remove(&d.name);
        }
        drop(engine);
        if self.options.suite != SuiteChoice::Run {
            run.fuzz = Some(self.fuzz(d, profile, redactor).await);
        }
    }

    /// The cases, one after the other (as `run::run_all`), each case's wire log spilled
    /// to disk as soon as it is judged; then the phone's own reports, written from the
    /// spill. Returns the record without wire logs (what the combined report keeps) and
    /// whether the phone's reports were written.
    async fn conformance(
        &self,
        engine: &Engine,
        cases: &[Case],
        dir: &std::path::Path,
        redactor: &Redactor,
    ) -> (RunRecord, std::io::Result<()>) {
        let started_at = now_rfc3339();
        let started = Instant::now();
        let mut spill = Spill::create(dir);
        let mut records = Vec::with_capacity(cases.len());
        for case in cases {
            let mut record = engine.run_case(case).await;
            if let Ok(s) = &mut spill {
                match s.push(&record, redactor) {
                    // The spill has it all now; what stays in memory while the other
                    // cases run is only what the combined report keeps.
                    Ok(()) => slim_case(&mut record),
                    // Keep the wire log in memory rather than lose it.
                    Err(e) => spill = Err(e),
                }
            }
            records.push(record);
        }
        let mut record = crate::run::engine::restore_and_record(engine, started_at, started.elapsed(), records).await;

        // Report writing is CPU work with a large transient footprint: on the writer
        // threads (see `lab::writer`), off the async workers.
        let spilled = spill.and_then(Spill::finish);
        if let Err(e) = &spilled {
            record.notes.push(format!("the wire log could not be kept on disk ({e}): the exchanges (and the findings of PASS cases) of some cases are missing from this phone's reports"));
        }
        let (without_logs, dir, redactor) = (record.clone(), dir.to_path_buf(), redactor.clone());
        let written = self
            .writers
            .run(move || -> std::io::Result<()> {
                let mut full = without_logs;
                if let Ok((path, _)) = &spilled {
                    full.cases = spill::read_back(path)?;
                    let _ = std::fs::remove_file(path);
                }
                crate::report::write_all(&full, &dir, &redactor)
            })
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        slim(&mut record);
        (record, written)
    }

    /// The profile's cases, filtered, and this shard's share when a single phone is split.
    /// Built once per profile and shared by its phones (hundreds of phones, one list).
    pub fn select_cases(&self, profile: &crate::catalogue::Profile) -> Arc<Vec<Case>> {
        let mut cache = self.case_lists.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(cases) = cache.get(&profile.id) {
            return cases.clone();
        }
        let o = &self.options;
        let cases: Arc<Vec<Case>> = Arc::new(
            self.catalogue
                .cases_for(profile)
                .into_iter()
                .filter(|c| o.filters.is_empty() || o.filters.iter().any(|f| c.id.contains(f.as_str())))
                .filter(|c| !o.skips.iter().any(|s| c.id.contains(s.as_str())))
                .filter(|c| o.case_partition.is_none_or(|p| p.contains(&c.id)))
                .collect(),
        );
        cache.insert(profile.id.clone(), cases.clone());
        cases
    }
}

impl Fleet {
    /// The fuzz part of one phone: a campaign over its safe endpoints for `--duration`,
    /// reproducers saved under the phone's report directory. The seed is derived from
    /// the run id and the phone's name, so a run can be repeated exactly.
    ///
    /// The campaign's generator holds proptest strategies that are not `Send`, so it runs
    /// on a thread of its own with a single-threaded runtime (and its own client to the
    /// phone; the conformance part is over by then, so one request is still in flight).
    async fn fuzz(&self, d: &InventoryDevice, profile: &crate::catalogue::Profile, redactor: &Redactor) -> FuzzOutcome {
        use crate::fuzz::campaign::Settings;
        let unfinished = |why: String| FuzzOutcome {
            finished: false,
            cases: 0,
            findings: 0,
            note: Some(redactor.redact(&format!("fuzz part not run: {why}"))),
        };
        let endpoints = match crate::fuzz::setup::select_endpoints(profile, &[], false) {
            Ok(e) => e,
            Err(why) => return unfinished(why.to_string()),
        };
        let seed = fuzz_seed(&self.meta.run_id, &d.name);
        let out_dir = self.options.report_dir.join(&d.name).join("fuzz");
        let settings = Settings {
            seed,
            max_cases: None,
            max_duration: Some(self.options.fuzz_duration),
            out_dir: out_dir.clone(),
            shrink: crate::fuzz::shrink::ShrinkBudget::default(),
            health_every: FUZZ_HEALTH_EVERY,
            recovery: FUZZ_RECOVERY,
        };
        let (catalogue, profile, config, d2, r2) =
            (self.catalogue.clone(), profile.clone(), device_config(d), d.clone(), redactor.clone());
        let summary = tokio::task::spawn_blocking(move || -> Result<crate::fuzz::campaign::Summary, String> {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| format!("cannot start a runtime: {e}"))?;
            rt.block_on(async {
                let device = Device::new(config).map_err(|e| e.to_string())?;
                let at = crate::fuzz::setup::Where { device, label: d2.target.clone(), curl_base: d2.target.clone() };
                let campaign = crate::fuzz::setup::campaign(&catalogue, &profile, at, endpoints, &r2, settings);
                Ok(campaign.run(&mut crate::fuzz::progress::Ticker::new()).await)
            })
        })
        .await;
        let summary = match summary {
            Ok(Ok(s)) => s,
            Ok(Err(why)) => return unfinished(why),
            Err(e) => return unfinished(format!("the fuzz thread ended abnormally: {e}")),
        };
        let non_strict = summary.findings.len() - summary.failures();
        let mut note = format!(
            "fuzz: {} case(s), seed {seed}, {} FAIL and {non_strict} NON-STRICT finding(s)",
            summary.cases,
            summary.failures()
        );
        if !summary.findings.is_empty() {
            note.push_str(&format!(", reproducers in {}", out_dir.display()));
        }
        if let Some(why) = &summary.stopped {
            note.push_str(&format!("; stopped early: {why}"));
        }
        for e in &summary.errors {
            note.push_str(&format!("; {e}"));
        }
        FuzzOutcome {
            finished: summary.errors.is_empty(),
            cases: summary.cases,
            findings: summary.failures(),
            note: Some(redactor.redact(&note)),
        }
    }
}

/// Routine health check cadence of a lab fuzz campaign, as `polyconform fuzz` uses.
const FUZZ_HEALTH_EVERY: u64 = 25;
/// How long a phone that stopped answering during fuzzing gets to come back.
const FUZZ_RECOVERY: Duration = Duration::from_secs(90);

/// The record the combined report keeps of a phone: no wire logs, and no findings or
/// reproducer for PASS cases (a PASS has nothing to explain; the phone's own report.json
/// keeps all of it). Hundreds of phones × hundreds of cases stay small in memory.
pub fn slim(record: &mut RunRecord) {
    record.cases.iter_mut().for_each(slim_case);
    record.cases.shrink_to_fit();
}

/// [`slim`] for one case.
fn slim_case(c: &mut CaseRecord) {
    c.exchanges = Vec::new();
    if c.verdict == crate::verdict::Verdict::Pass {
        c.findings = Vec::new();
        c.reproducer = None;
    }
}

/// The fuzz seed of one phone in one run: the same run id and name give the same cases.
pub fn fuzz_seed(run_id: &str, device: &str) -> u64 {
    use sha2::{Digest, Sha256};
    let d = Sha256::digest(format!("{run_id}\0{device}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    u64::from_be_bytes(first)
}

async fn release(r: Reservation) {
    r.release().await;
}

fn device_config(d: &InventoryDevice) -> DeviceConfig {
    DeviceConfig {
        base_url: d.target.clone(),
        credentials: d.credentials.clone(),
        trust: d.trust.clone(),
        timeout: d.timeout,
        pace: d.pace,
        max_body: d.max_body,
    }
}

/// `trio-a  COMPLETED  312 case(s): 2 FAIL, 300 PASS, ... in 41.2 s`.
pub fn progress_line(r: &DeviceRun) -> String {
    let mut line = format!("{:<20} {:<12}", r.name, r.state.label());
    if let Some(rec) = &r.record {
        let counts: Vec<String> = crate::verdict::Verdict::ALL
            .iter()
            .filter(|v| rec.count(**v) > 0)
            .map(|v| format!("{} {}", rec.count(*v), v.label()))
            .collect();
        line.push_str(&format!(" {} case(s): {}", rec.cases.len(), counts.join(", ")));
    }
    if let Some(f) = &r.fuzz {
        line.push_str(&format!(
            "; fuzz: {} case(s), {} finding(s){}",
            f.cases,
            f.findings,
            if f.finished { "" } else { " (unfinished)" }
        ));
    }
    if let Some(reason) = &r.reason {
        line.push_str(&format!(" {reason}"));
    }
    line.push_str(&format!(" in {:.1} s", r.duration_ms as f64 / 1000.0));
    line
}

/// The redactor for the combined report: every phone's credentials.
pub fn lab_redactor(inventory: &Inventory) -> LabRedactor {
    LabRedactor::new(inventory.devices.iter().map(|d| &d.credentials))
}

#[cfg(test)]
mod tests {
    use super::super::report::tests::{case, device, record};
    use super::*;
    use crate::catalogue::case::Family;
    use crate::verdict::Verdict;

    #[test]
    fn the_combined_record_keeps_what_explains_a_verdict_and_drops_the_rest() {
        let mut r = record(vec![
            case("p", Family::Auth, Verdict::Pass),
            case("f", Family::Auth, Verdict::Fail),
            case("n", Family::Size, Verdict::NonStrict),
        ]);
        r.cases[0].reproducer = Some("curl ...".into());
        slim(&mut r);
        assert!(r.cases[0].findings.is_empty() && r.cases[0].reproducer.is_none());
        assert_eq!(r.cases[1].findings.len(), 1, "a FAIL keeps its findings");
        assert_eq!(r.cases[2].findings.len(), 1, "so does a NON-STRICT");
        assert_eq!(r.cases.len(), 3);
    }

    #[test]
    fn fuzz_seeds_depend_on_run_and_phone_only() {
        assert_eq!(fuzz_seed("night-1", "trio-a"), fuzz_seed("night-1", "trio-a"));
        assert_ne!(fuzz_seed("night-1", "trio-a"), fuzz_seed("night-1", "trio-b"));
        assert_ne!(fuzz_seed("night-1", "trio-a"), fuzz_seed("night-2", "trio-a"));
    }

    #[test]
    fn progress_lines_name_the_phone_its_state_and_its_counts() {
        let d = device("trio-a", DeviceState::Completed, Some(record(vec![case("f", Family::Auth, Verdict::Fail)])));
        let line = progress_line(&d);
        assert!(
            line.starts_with("trio-a") && line.contains("COMPLETED") && line.contains("1 case(s): 1 FAIL"),
            "{line}"
        );
    }
}
