//! Run history: every phone's run recorded in the database, and the regression view
//! `polyconform lab history` prints from it.
//!
//! Recorded per phone and run: model and firmware (read from the phone by the
//! preflight), state, per-case verdicts with timings, and the findings count. The shards
//! of one nightly run share a run id, so their rows are read back as one run.
//!
//! The view compares, per phone, the newest completed run with the one before it and
//! with the newest run of the previous firmware, and names each change:
//!
//! - NEW FAIL: FAIL now, something else before;
//! - FIXED: FAIL before, PASS / INFO / NON-STRICT now;
//! - FLAKY: the case flipped verdict at least twice over the recent runs of the current
//!   firmware. One change with the firmware unchanged is still NEW FAIL or FIXED (a
//!   config change on the phone, or a fault that appeared); flipping back and forth
//!   without a firmware change is what makes a case flaky;
//! - CHANGED: anything else (NON-STRICT to PASS, to or from NOT-TESTED or ERROR).
//!
//! NOT-TESTED entries (a busy peer, a filter) are skipped when counting flips. The view
//! also shows the trend of the run time. Building the view is a pure function of the
//! loaded rows ([`view`]), tested without a database.

use super::database::{Database, DbError, Param, Statement};
use super::report::{DeviceRun, DeviceState};
use crate::record::clock::now_ms;
use crate::verdict::Verdict;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// The lab run a phone's row belongs to.
#[derive(Debug, Clone)]
pub struct LabMeta {
    pub run_id: String,
    pub started_at: String,
    pub started_ms: i64,
    pub inventory: Option<String>,
}

fn state_key(s: DeviceState) -> &'static str {
    match s {
        DeviceState::Completed => "completed",
        DeviceState::Busy => "busy",
        DeviceState::Inconclusive => "inconclusive",
    }
}

/// Record one phone's run (all rows in one transaction). `started_ms` orders history.
pub async fn record(db: &Database, meta: &LabMeta, run: &DeviceRun, started_ms: i64) -> Result<(), DbError> {
    let shard = run.case_shard.clone().unwrap_or_else(|| "all".into());
    let id = format!("{}/{}/{}/{}", meta.run_id, run.name, shard, now_ms());
    let identity = run.identity.clone().unwrap_or_default();
    let cases = run.record.as_ref().map(|r| r.cases.len()).unwrap_or(0);
    let mut statements = vec![
        Statement::new(
            "INSERT INTO lab_runs (id, started_at, started_ms, tool_version, inventory) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING",
            vec![
                meta.run_id.as_str().into(),
                meta.started_at.as_str().into(),
                meta.started_ms.into(),
                env!("CARGO_PKG_VERSION").into(),
                meta.inventory.clone().into(),
            ],
        ),
        Statement::new(
            "INSERT INTO device_runs (id, lab_run, device, target, profile, model, firmware, mac, state, reason, case_shard, started_at, started_ms, duration_ms, cases, failures, findings, fuzz_findings) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)",
            vec![
                id.as_str().into(),
                meta.run_id.as_str().into(),
                run.name.as_str().into(),
                run.target.as_str().into(),
                run.profile.as_str().into(),
                identity.model.into(),
                identity.firmware.into(),
                identity.mac.into(),
                state_key(run.state).into(),
                run.reason.clone().into(),
                run.case_shard.clone().into(),
                run.started_at.as_str().into(),
                started_ms.into(),
                run.duration_ms.into(),
                cases.into(),
                run.count(Verdict::Fail).into(),
                run.findings().into(),
                run.fuzz.as_ref().filter(|f| f.finished).map(|f| f.findings as u64).into(),
            ],
        ),
    ];
    if let Some(r) = &run.record {
        // Multi-row inserts: one round trip per hundred cases instead of one per case.
        for chunk in r.cases.chunks(100) {
            let mut sql = String::from(
                "INSERT INTO case_results (device_run, case_id, family, verdict, duration_ms, findings) VALUES ",
            );
            let mut params: Vec<Param> = Vec::with_capacity(chunk.len() * 6);
            for (i, c) in chunk.iter().enumerate() {
                let b = i * 6;
                if i > 0 {
                    sql.push_str(", ");
                }
                let _ = write!(sql, "(${}, ${}, ${}, ${}, ${}, ${})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6);
                params.extend([
                    id.as_str().into(),
                    c.id.as_str().into(),
                    c.family.label().into(),
                    c.verdict.label().into(),
                    c.duration_ms.into(),
                    c.findings.iter().filter(|f| f.verdict != Verdict::Pass).count().into(),
                ]);
            }
            statements.push(Statement::new(sql, params));
        }
    }
    db.transaction(statements).await.map(|_| ())
}

/// One run of one phone as read back (shards of one run id joined).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub run_id: String,
    pub started_at: String,
    pub started_ms: i64,
    /// `completed`, `busy` or `inconclusive` (the worst of the shards).
    pub state: String,
    pub reason: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub duration_ms: i64,
    /// Case id -> verdict label.
    #[serde(skip)]
    pub verdicts: BTreeMap<String, String>,
}

impl RunSummary {
    pub fn completed(&self) -> bool {
        self.state == "completed"
    }
}

/// What the database holds about one phone, newest run first.
#[derive(Debug, Clone, PartialEq)]
pub struct DeviceHistory {
    pub device: String,
    pub runs: Vec<RunSummary>,
    /// The newest completed run on a firmware other than the newest completed run's.
    pub previous_firmware: Option<RunSummary>,
}

/// Every phone with recorded runs.
pub async fn devices(db: &Database) -> Result<Vec<String>, DbError> {
    let rows = db.query("SELECT DISTINCT device FROM device_runs ORDER BY device", vec![]).await?;
    Ok(rows.iter().filter_map(|r| r.text(0)).collect())
}

/// Load the newest `window` runs of `device` and the newest run of its previous firmware.
pub async fn load(db: &Database, device: &str, window: usize) -> Result<DeviceHistory, DbError> {
    // Shards add rows per run; read generously, then keep `window` runs.
    let limit = (window.max(1) * 16) as i64;
    let rows = db
        .query(
            "SELECT id, lab_run, state, reason, model, firmware, started_at, started_ms, duration_ms FROM device_runs WHERE device = $1 ORDER BY started_ms DESC, id DESC LIMIT $2",
            vec![device.into(), limit.into()],
        )
        .await?;
    let runs = with_verdicts(db, group(rows, window)).await?;

    let latest_firmware = runs.iter().find(|r| r.completed()).and_then(|r| r.firmware.clone());
    let previous_firmware = match latest_firmware {
        Some(fw) => {
            let older = db
                .query(
                    "SELECT lab_run FROM device_runs WHERE device = $1 AND state = 'completed' AND firmware IS NOT NULL AND firmware <> $2 ORDER BY started_ms DESC LIMIT 1",
                    vec![device.into(), fw.into()],
                )
                .await?;
            match older.first().and_then(|r| r.text(0)) {
                Some(run_id) => {
                    let rows = db
                        .query(
                            "SELECT id, lab_run, state, reason, model, firmware, started_at, started_ms, duration_ms FROM device_runs WHERE device = $1 AND lab_run = $2 ORDER BY started_ms DESC, id DESC",
                            vec![device.into(), run_id.into()],
                        )
                        .await?;
                    with_verdicts(db, group(rows, 1)).await?.pop()
                }
                None => None,
            }
        }
        None => None,
    };
    Ok(DeviceHistory { device: device.to_string(), runs, previous_firmware })
}

/// Rows (newest first) grouped by run id, each with the ids of its rows.
fn group(rows: Vec<super::database::Row>, window: usize) -> Vec<(RunSummary, Vec<String>)> {
    let mut out: Vec<(RunSummary, Vec<String>)> = Vec::new();
    for r in rows {
        let row_id = r.text(0).unwrap_or_default();
        let run_id = r.text(1).unwrap_or_default();
        let state = r.text(2).unwrap_or_default();
        let started_ms = r.int(7).unwrap_or(0);
        if let Some((s, ids)) = out.iter_mut().find(|(s, _)| s.run_id == run_id) {
            ids.push(row_id);
            s.duration_ms += r.int(8).unwrap_or(0);
            if state_rank(&state) > state_rank(&s.state) {
                s.state = state;
                s.reason = r.text(3);
            }
            if started_ms < s.started_ms {
                s.started_ms = started_ms;
                s.started_at = r.text(6).unwrap_or_default();
            }
            s.firmware = s.firmware.take().or(r.text(5));
            s.model = s.model.take().or(r.text(4));
            continue;
        }
        if out.len() == window {
            break;
        }
        let summary = RunSummary {
            run_id,
            started_at: r.text(6).unwrap_or_default(),
            started_ms,
            state,
            reason: r.text(3),
            model: r.text(4),
            firmware: r.text(5),
            duration_ms: r.int(8).unwrap_or(0),
            verdicts: BTreeMap::new(),
        };
        out.push((summary, vec![row_id]));
    }
    out
}

fn state_rank(s: &str) -> u8 {
    match s {
        "completed" => 0,
        "busy" => 1,
        _ => 2,
    }
}

/// Read the case verdicts of each grouped run's rows.
async fn with_verdicts(db: &Database, grouped: Vec<(RunSummary, Vec<String>)>) -> Result<Vec<RunSummary>, DbError> {
    let mut out = Vec::with_capacity(grouped.len());
    for (mut run, ids) in grouped {
        for chunk in ids.chunks(200) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql =
                format!("SELECT case_id, verdict FROM case_results WHERE device_run IN ({})", placeholders.join(", "));
            let rows = db.query(&sql, chunk.iter().map(|s| s.as_str().into()).collect()).await?;
            for r in rows {
                if let (Some(case), Some(verdict)) = (r.text(0), r.text(1)) {
                    run.verdicts.insert(case, verdict);
                }
            }
        }
        out.push(run);
    }
    Ok(out)
}

/// A run named in the view.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRef {
    pub run_id: String,
    pub started_at: String,
    pub firmware: Option<String>,
}

impl From<&RunSummary> for RunRef {
    fn from(r: &RunSummary) -> RunRef {
        RunRef { run_id: r.run_id.clone(), started_at: r.started_at.clone(), firmware: r.firmware.clone() }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    NewFail,
    Fixed,
    Flaky,
    Changed,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::NewFail => "NEW FAIL",
            ChangeKind::Fixed => "FIXED",
            ChangeKind::Flaky => "FLAKY",
            ChangeKind::Changed => "CHANGED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub case_id: String,
    pub before: String,
    pub after: String,
    pub kind: ChangeKind,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flaky {
    pub case_id: String,
    pub flips: usize,
    /// Verdicts over the runs of the current firmware, oldest first.
    pub verdicts: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DurationPoint {
    pub run_id: String,
    pub started_at: String,
    pub duration_ms: i64,
    /// Cases the run judged: only runs of the same size are compared.
    pub cases: usize,
}

/// The regression view of one phone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeviceView {
    pub device: String,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub runs: usize,
    /// The newest run, whatever its state (a BUSY or INCONCLUSIVE run is shown, not compared).
    pub last_state: Option<String>,
    pub last_reason: Option<String>,
    pub latest: Option<RunRef>,
    pub previous: Option<RunRef>,
    pub since_previous_run: Vec<Change>,
    pub previous_firmware: Option<RunRef>,
    pub since_previous_firmware: Vec<Change>,
    pub flaky: Vec<Flaky>,
    /// Completed runs, oldest first.
    pub durations: Vec<DurationPoint>,
}

/// Build the view of one phone from its history.
pub fn view(h: &DeviceHistory) -> DeviceView {
    let completed: Vec<&RunSummary> = h.runs.iter().filter(|r| r.completed()).collect();
    let latest = completed.first().copied();
    let previous = completed.get(1).copied();

    let flaky = latest.map(|l| flaky_on_firmware(&completed, l)).unwrap_or_default();
    let changes = |before: &RunSummary, after: &RunSummary| verdict_changes(before, after, &flaky);
    let since_previous_run = match (previous, latest) {
        (Some(p), Some(l)) => changes(p, l),
        _ => Vec::new(),
    };
    let since_previous_firmware = match (&h.previous_firmware, latest) {
        (Some(p), Some(l)) => changes(p, l),
        _ => Vec::new(),
    };
    let newest = h.runs.first();
    DeviceView {
        device: h.device.clone(),
        model: latest.and_then(|r| r.model.clone()),
        firmware: latest.and_then(|r| r.firmware.clone()),
        runs: h.runs.len(),
        last_state: newest.map(|r| r.state.to_ascii_uppercase()),
        last_reason: newest.and_then(|r| r.reason.clone()),
        latest: latest.map(RunRef::from),
        previous: previous.map(RunRef::from),
        since_previous_run,
        previous_firmware: h.previous_firmware.as_ref().map(RunRef::from),
        since_previous_firmware,
        flaky,
        durations: completed
            .iter()
            .rev()
            .map(|r| DurationPoint {
                run_id: r.run_id.clone(),
                started_at: r.started_at.clone(),
                duration_ms: r.duration_ms,
                cases: r.verdicts.len(),
            })
            .collect(),
    }
}

/// Cases whose verdict flipped at least twice on the latest run's firmware.
fn flaky_on_firmware(completed: &[&RunSummary], l: &RunSummary) -> Vec<Flaky> {
    let mut flaky = Vec::new();
    let same_fw: Vec<&RunSummary> = completed.iter().copied().take_while(|r| r.firmware == l.firmware).collect();
    let mut cases: Vec<&String> = same_fw.iter().flat_map(|r| r.verdicts.keys()).collect();
    cases.sort();
    cases.dedup();
    for case in cases {
        let seq: Vec<String> = same_fw
            .iter()
            .rev()
            .filter_map(|r| r.verdicts.get(case))
            .filter(|v| v.as_str() != Verdict::NotTested.label())
            .cloned()
            .collect();
        let flips = seq.windows(2).filter(|w| w[0] != w[1]).count();
        if flips >= 2 {
            flaky.push(Flaky { case_id: case.clone(), flips, verdicts: seq });
        }
    }
    flaky
}

/// Every case whose verdict differs between two runs, new FAILs first.
fn verdict_changes(before: &RunSummary, after: &RunSummary, flaky: &[Flaky]) -> Vec<Change> {
    let is_flaky = |case: &str| flaky.iter().any(|f| f.case_id == case);
    let mut out = Vec::new();
    for (case, now) in &after.verdicts {
        let Some(then) = before.verdicts.get(case) else {
            continue;
        };
        if then == now {
            continue;
        }
        let fail = Verdict::Fail.label();
        let judged_ok = [Verdict::Pass.label(), Verdict::Info.label(), Verdict::NonStrict.label()];
        let kind = if is_flaky(case) {
            ChangeKind::Flaky
        } else if now == fail {
            ChangeKind::NewFail
        } else if then == fail && judged_ok.contains(&now.as_str()) {
            ChangeKind::Fixed
        } else {
            ChangeKind::Changed
        };
        out.push(Change { case_id: case.clone(), before: then.clone(), after: now.clone(), kind });
    }
    out.sort_by(|a, b| (kind_rank(a.kind), &a.case_id).cmp(&(kind_rank(b.kind), &b.case_id)));
    out
}

fn kind_rank(k: ChangeKind) -> u8 {
    match k {
        ChangeKind::NewFail => 0,
        ChangeKind::Fixed => 1,
        ChangeKind::Flaky => 2,
        ChangeKind::Changed => 3,
    }
}

/// The view as text for a terminal.
pub fn render(views: &[DeviceView]) -> String {
    let mut out = String::new();
    if views.is_empty() {
        out.push_str("no run recorded yet (hint: `polyconform lab run` records every run)\n");
    }
    for v in views {
        let what: Vec<&str> = [v.model.as_deref(), v.firmware.as_deref().map(|_| "firmware"), v.firmware.as_deref()]
            .into_iter()
            .flatten()
            .collect();
        let _ = writeln!(
            out,
            "{}  {}  ({} run(s) looked at{})",
            v.device,
            what.join(" "),
            v.runs,
            v.last_state.as_ref().map(|s| format!(", last: {s}")).unwrap_or_default()
        );
        if let (Some(state), Some(reason)) = (&v.last_state, &v.last_reason)
            && state != "COMPLETED"
        {
            let _ = writeln!(out, "  last run not judged: {reason}");
        }
        comparisons(&mut out, v);
        flaky_cases(&mut out, v);
        run_time(&mut out, v);
        out.push('\n');
    }
    out
}

/// What changed since the previous run and since the previous firmware.
fn comparisons(out: &mut String, v: &DeviceView) {
    match (&v.previous, &v.latest) {
        (Some(p), Some(l)) => {
            let fw = if p.firmware == l.firmware {
                "same firmware".to_string()
            } else {
                format!("firmware {}", p.firmware.as_deref().unwrap_or("unknown"))
            };
            let _ = writeln!(out, "  since the previous run ({}, {}, {fw}):", p.run_id, p.started_at);
            changes(out, &v.since_previous_run);
        }
        (None, Some(_)) => out.push_str("  one completed run recorded: nothing to compare yet\n"),
        _ => out.push_str("  no completed run recorded\n"),
    }
    match &v.previous_firmware {
        Some(p) => {
            let _ = writeln!(
                out,
                "  since the previous firmware ({}, run {}, {}):",
                p.firmware.as_deref().unwrap_or("unknown"),
                p.run_id,
                p.started_at
            );
            changes(out, &v.since_previous_firmware);
        }
        None if v.latest.is_some() => {
            out.push_str("  since the previous firmware: no run on another firmware recorded\n")
        }
        None => {}
    }
}

/// Cases whose verdict flipped without a firmware change.
fn flaky_cases(out: &mut String, v: &DeviceView) {
    if !v.flaky.is_empty() {
        let _ = writeln!(out, "  flaky without a firmware change ({} case(s)):", v.flaky.len());
        for f in &v.flaky {
            let _ = writeln!(out, "    {}  flipped {} times: {}", f.case_id, f.flips, f.verdicts.join(" "));
        }
    }
}

/// The last run's time, a sparkline, and the change against the median of like runs.
fn run_time(out: &mut String, v: &DeviceView) {
    if let Some(last) = v.durations.last() {
        let _ = write!(out, "  run time: {}  {}", seconds(last.duration_ms), sparkline(&v.durations));
        // A filtered or sharded run is not slower or faster than a full one: compare like with like.
        let earlier: Vec<i64> = v.durations[..v.durations.len() - 1]
            .iter()
            .filter(|d| d.cases == last.cases)
            .map(|d| d.duration_ms)
            .collect();
        match median(&earlier) {
            Some(m) => {
                let change = if m > 0 { (last.duration_ms - m) as f64 * 100.0 / m as f64 } else { 0.0 };
                let _ = write!(
                    out,
                    "  (median of {} earlier run(s) of {} case(s): {}, {change:+.0}%)",
                    earlier.len(),
                    last.cases,
                    seconds(m)
                );
            }
            None if v.durations.len() > 1 => {
                let _ = write!(out, "  (no earlier run of the same {} case(s) to compare with)", last.cases);
            }
            None => {}
        }
        out.push('\n');
    }
}

fn changes(out: &mut String, list: &[Change]) {
    if list.is_empty() {
        out.push_str("    no verdict changed\n");
        return;
    }
    let width = list.iter().map(|c| c.case_id.len()).max().unwrap_or(0);
    for c in list {
        let _ = writeln!(out, "    {:<8}  {:<width$}  {} -> {}", c.kind.label(), c.case_id, c.before, c.after);
    }
}

fn seconds(ms: i64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn median(values: &[i64]) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_unstable();
    Some(v[v.len() / 2])
}

/// Eight levels of block characters, scaled between the fastest and slowest run.
fn sparkline(points: &[DurationPoint]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let (min, max) =
        points.iter().fold((i64::MAX, i64::MIN), |(lo, hi), p| (lo.min(p.duration_ms), hi.max(p.duration_ms)));
    points
        .iter()
        .map(|p| if max <= min { BARS[3] } else { BARS[((p.duration_ms - min) * 7 / (max - min)) as usize] })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::report::tests::{case, device, record};
    use super::*;
    use crate::catalogue::case::Family;

    fn run(id: &str, ms: i64, fw: &str, verdicts: &[(&str, &str)]) -> RunSummary {
        RunSummary {
            run_id: id.into(),
            started_at: format!("t{ms}"),
            started_ms: ms,
            state: "completed".into(),
            reason: None,
            model: Some("Trio8800".into()),
            firmware: Some(fw.into()),
            duration_ms: ms * 10,
            verdicts: verdicts.iter().map(|(c, v)| (c.to_string(), v.to_string())).collect(),
        }
    }

    #[test]
    fn one_change_is_a_new_fail_or_a_fix_and_repeated_flips_are_flaky() {
        // Newest first, all on one firmware.
        let h = DeviceHistory {
            device: "trio-a".into(),
            runs: vec![
                run("r4", 4, "5.9.1", &[("a", "FAIL"), ("b", "PASS"), ("c", "FAIL"), ("d", "PASS")]),
                run("r3", 3, "5.9.1", &[("a", "PASS"), ("b", "FAIL"), ("c", "PASS"), ("d", "PASS")]),
                run("r2", 2, "5.9.1", &[("a", "PASS"), ("b", "FAIL"), ("c", "FAIL"), ("d", "PASS")]),
                run("r1", 1, "5.9.1", &[("a", "PASS"), ("b", "FAIL"), ("c", "PASS"), ("d", "PASS")]),
            ],
            previous_firmware: None,
        };
        let v = view(&h);
        let kinds: Vec<(&str, ChangeKind)> =
            v.since_previous_run.iter().map(|c| (c.case_id.as_str(), c.kind)).collect();
        assert_eq!(kinds, vec![("a", ChangeKind::NewFail), ("b", ChangeKind::Fixed), ("c", ChangeKind::Flaky)]);
        assert_eq!(v.flaky.len(), 1);
        assert_eq!(v.flaky[0].flips, 3);
        assert_eq!(v.flaky[0].verdicts, vec!["PASS", "FAIL", "PASS", "FAIL"]);
        assert_eq!(v.durations.iter().map(|d| d.duration_ms).collect::<Vec<_>>(), vec![10, 20, 30, 40]);
        let text = render(&[v]);
        assert!(text.contains("NEW FAIL  a  PASS -> FAIL"), "{text}");
        assert!(text.contains("FIXED     b  FAIL -> PASS"), "{text}");
        assert!(text.contains("FLAKY     c  PASS -> FAIL"), "{text}");
        assert!(text.contains("flipped 3 times: PASS FAIL PASS FAIL"), "{text}");
        assert!(
            text.contains("run time: 0.0 s  ▁▃▅█  (median of 3 earlier run(s) of 4 case(s): 0.0 s, +100%)"),
            "{text}"
        );
    }

    #[test]
    fn flips_across_a_firmware_change_are_not_flaky_and_the_previous_firmware_is_compared() {
        let h = DeviceHistory {
            device: "vvx".into(),
            runs: vec![
                run("r3", 3, "5.9.1", &[("a", "FAIL"), ("n", "NOT-TESTED")]),
                run("r2", 2, "5.9.0", &[("a", "PASS"), ("n", "PASS")]),
                run("r1", 1, "5.9.0", &[("a", "FAIL"), ("n", "PASS")]),
            ],
            previous_firmware: Some(run("r2", 2, "5.9.0", &[("a", "PASS"), ("n", "PASS")])),
        };
        let v = view(&h);
        assert!(v.flaky.is_empty(), "{:?}", v.flaky);
        assert_eq!(v.since_previous_firmware.len(), 2);
        assert_eq!(v.since_previous_firmware[0].kind, ChangeKind::NewFail);
        assert_eq!(v.since_previous_firmware[1].kind, ChangeKind::Changed, "to NOT-TESTED is neither a fail nor a fix");
        let text = render(&[v]);
        assert!(text.contains("since the previous run (r2, t2, firmware 5.9.0)"), "{text}");
        assert!(text.contains("since the previous firmware (5.9.0, run r2, t2)"), "{text}");
    }

    #[test]
    fn runs_that_were_not_judged_are_shown_but_not_compared() {
        let mut busy = run("r3", 3, "5.9.1", &[]);
        busy.state = "busy".into();
        busy.reason = Some("in a call placed by a person".into());
        let h = DeviceHistory {
            device: "p".into(),
            runs: vec![busy, run("r2", 2, "5.9.1", &[("a", "PASS")])],
            previous_firmware: None,
        };
        let v = view(&h);
        assert_eq!(v.latest.as_ref().unwrap().run_id, "r2");
        assert!(v.previous.is_none());
        let text = render(&[v]);
        assert!(
            text.contains("last: BUSY") && text.contains("last run not judged: in a call placed by a person"),
            "{text}"
        );
        assert!(text.contains("one completed run recorded: nothing to compare yet"), "{text}");
    }

    #[tokio::test]
    async fn recorded_runs_and_case_shards_read_back_as_runs() {
        let dir = std::env::temp_dir().join(format!("polyconform-history-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let db = Database::open(dir.join("h.sqlite").to_str().unwrap()).await.unwrap();
        let meta = |id: &str, ms: i64| LabMeta {
            run_id: id.into(),
            started_at: format!("t{ms}"),
            started_ms: ms,
            inventory: Some("lab.toml".into()),
        };

        let first = device(
            "trio-a",
            DeviceState::Completed,
            Some(record(vec![case("c1", Family::Auth, Verdict::Pass), case("c2", Family::Size, Verdict::Fail)])),
        );
        record_run(&db, &meta("n1", 100), &first, 100).await;
        // The second night ran in two case shards.
        let mut half1 =
            device("trio-a", DeviceState::Completed, Some(record(vec![case("c1", Family::Auth, Verdict::Fail)])));
        half1.case_shard = Some("hash:1/2".into());
        let mut half2 =
            device("trio-a", DeviceState::Completed, Some(record(vec![case("c2", Family::Size, Verdict::Pass)])));
        half2.case_shard = Some("hash:2/2".into());
        record_run(&db, &meta("n2", 200), &half1, 200).await;
        record_run(&db, &meta("n2", 200), &half2, 201).await;
        record_run(&db, &meta("n2", 200), &device("other", DeviceState::Busy, None), 202).await;

        assert_eq!(devices(&db).await.unwrap(), vec!["other", "trio-a"]);
        let h = load(&db, "trio-a", 10).await.unwrap();
        assert_eq!(h.runs.len(), 2);
        assert_eq!(h.runs[0].run_id, "n2");
        assert_eq!(h.runs[0].verdicts.len(), 2, "both shards' cases");
        assert_eq!(h.runs[0].duration_ms, 20);
        let v = view(&h);
        let kinds: Vec<(&str, ChangeKind)> =
            v.since_previous_run.iter().map(|c| (c.case_id.as_str(), c.kind)).collect();
        assert_eq!(kinds, vec![("c1", ChangeKind::NewFail), ("c2", ChangeKind::Fixed)]);
        let rows =
            db.query("SELECT findings, failures, cases FROM device_runs WHERE lab_run = 'n1'", vec![]).await.unwrap();
        assert_eq!((rows[0].int(0), rows[0].int(1), rows[0].int(2)), (Some(1), Some(1), Some(2)));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    async fn record_run(db: &Database, meta: &LabMeta, run: &DeviceRun, ms: i64) {
        super::record(db, meta, run, ms).await.unwrap();
    }
}
