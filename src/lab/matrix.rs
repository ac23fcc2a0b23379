//! The HTML page of a lab run: a matrix of phones × rule families, self-contained (no
//! script, no external file), readable from a CI artifact.
//!
//! Each cell shows the worst verdict of the phone's cases in that family and how many
//! cases had it (`FAIL 2/14`), with the case ids in the tooltip. A phone that was not
//! judged is one row with its state and reason across the family columns. Below the
//! matrix, every FAIL with the manual's requirement and what the phone did.

use super::record::{DeviceRun, DeviceState, LabReport};
use crate::catalogue::case::Family;
use crate::record::model::CaseRecord;
use crate::report::markup::{class, duration, text as esc};
use crate::verdict::Verdict;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The whole page: the header, the matrix, then every FAIL in detail.
pub fn render(report: &LabReport) -> String {
    let families: BTreeSet<Family> = report
        .devices
        .iter()
        .filter_map(|d| d.record.as_ref())
        .flat_map(|r| r.cases.iter().map(|c| c.family))
        .collect();
    let mut out = String::new();
    header(&mut out, report);
    out.push_str("<table>\n<thead><tr><th>phone</th><th>model</th><th>firmware</th><th>state</th><th>PASS</th><th>FAIL</th><th>NON-STRICT</th><th>INFO</th><th>NOT-TESTED</th><th>ERROR</th><th>time</th>");
    for f in &families {
        let _ = write!(out, "<th class=\"fam\">{}</th>", esc(f.label()));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for d in &report.devices {
        row(&mut out, d, &families);
    }
    out.push_str("</tbody></table>\n");
    failures(&mut out, report);
    out.push_str("<p class=\"meta\">Cells: the worst verdict among the phone's cases of that rule family, and how many cases had it. \
FAIL only where the manual is explicit, NON-STRICT where it is ambiguous, INFO where it is silent. \
BUSY and INCONCLUSIVE phones were not judged.</p>\n</body></html>\n");
    out
}

/// The document head and the run's line: when, how long, which shards, how many phones
/// in which state, and the run's notes.
fn header(out: &mut String, report: &LabReport) {
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>polyconform lab {}</title>\n<style>{STYLE}</style></head><body>\n",
        esc(&report.run_id)
    );
    let states = report.states();
    let state_text: Vec<String> = states.iter().map(|(s, n)| format!("{n} {}", s.label())).collect();
    let _ = write!(
        out,
        "<h1>Lab run {}</h1>\n<p class=\"meta\">started {} · {} · shards {} · suite {} · {} phone(s): {}</p>\n",
        esc(&report.run_id),
        esc(&report.started_at),
        duration(report.duration_ms),
        esc(&report.shards.join(", ")),
        esc(&report.suite),
        report.devices.len(),
        esc(&state_text.join(", "))
    );
    for note in &report.notes {
        let _ = writeln!(out, "<p class=\"note\">note: {}</p>", esc(note));
    }
}

/// Below the matrix, per phone with a FAIL: each failing case with the manual's
/// requirement, what was expected and what the phone did.
fn failures(out: &mut String, report: &LabReport) {
    let failing: Vec<&DeviceRun> = report.devices.iter().filter(|d| d.count(Verdict::Fail) > 0).collect();
    if failing.is_empty() {
        return;
    }
    out.push_str("<h2>FAIL: the manual is explicit and the phone contradicts it</h2>\n");
    for d in failing {
        let _ = writeln!(out, "<h3 id=\"{}\">{}</h3>\n<ul>", esc(&d.name), esc(&d.name));
        for c in d.record.iter().flat_map(|r| &r.cases).filter(|c| c.verdict == Verdict::Fail) {
            let f = c.findings.iter().find(|f| f.verdict == Verdict::Fail);
            let _ = writeln!(
                out,
                "<li><code>{}</code> [{}] {}<br><span class=\"req\">{}: {}</span><br>expected: {}<br>actual: {}</li>",
                esc(&c.id),
                esc(c.family.label()),
                esc(&c.title),
                esc(f.map(|f| f.section.as_str()).unwrap_or(&c.manual.section)),
                esc(f.map(|f| f.requirement.as_str()).unwrap_or(&c.manual.quote)),
                esc(&f.map(|f| f.expected.join(" | ")).unwrap_or_default()),
                esc(f.map(|f| f.actual.as_str()).unwrap_or(""))
            );
        }
        out.push_str("</ul>\n");
    }
}

/// One phone's row: name, identity and state; then either the reason it was not judged
/// across the columns, or its verdict counts and one cell per family; then its reason
/// and notes on rows of their own.
fn row(out: &mut String, d: &DeviceRun, families: &BTreeSet<Family>) {
    let name = match &d.report_dir {
        Some(dir) => format!("<a href=\"{}/index.html\">{}</a>", esc(dir), esc(&d.name)),
        None => esc(&d.name),
    };
    let id = d.identity.clone().unwrap_or_default();
    let _ = write!(
        out,
        "<tr><td class=\"name\">{name}{}</td><td>{}</td><td>{}</td><td class=\"s-{}\">{}</td>",
        d.case_shard.as_ref().map(|s| format!(" <small>({})</small>", esc(s))).unwrap_or_default(),
        esc(id.model.as_deref().unwrap_or("")),
        esc(id.firmware.as_deref().unwrap_or("")),
        d.state.label().to_ascii_lowercase(),
        d.state.label()
    );
    if d.state != DeviceState::Completed && d.record.is_none() {
        let _ = writeln!(
            out,
            "<td colspan=\"{}\" class=\"reason\">{}</td></tr>",
            7 + families.len(),
            esc(d.reason.as_deref().unwrap_or(""))
        );
        return;
    }
    for v in [Verdict::Pass, Verdict::Fail, Verdict::NonStrict, Verdict::Info, Verdict::NotTested, Verdict::Error] {
        let n = d.count(v);
        let class = if n > 0 { class(v) } else { "zero" };
        let _ = write!(out, "<td class=\"n {class}\">{n}</td>");
    }
    let _ = write!(out, "<td class=\"n\">{}</td>", duration(d.duration_ms));
    family_cells(out, d, families);
    out.push_str("</tr>\n");
    if let Some(reason) = d.reason.as_ref().filter(|_| d.state != DeviceState::Completed) {
        let _ = writeln!(
            out,
            "<tr><td></td><td colspan=\"{}\" class=\"reason\">{}</td></tr>",
            10 + families.len(),
            esc(reason)
        );
    }
    for note in d.notes.iter().chain(d.fuzz.iter().filter_map(|f| f.note.as_ref())) {
        let _ = writeln!(
            out,
            "<tr><td></td><td colspan=\"{}\" class=\"note\">{}</td></tr>",
            10 + families.len(),
            esc(note)
        );
    }
}

/// One cell per family: the worst verdict of the phone's cases in it and how many had
/// it, the first dozen of their ids in the tooltip; a dash where the phone ran none.
fn family_cells(out: &mut String, d: &DeviceRun, families: &BTreeSet<Family>) {
    let mut by_family: BTreeMap<Family, Vec<&CaseRecord>> = BTreeMap::new();
    for c in d.record.iter().flat_map(|r| &r.cases) {
        by_family.entry(c.family).or_default().push(c);
    }
    for f in families {
        match by_family.get(f) {
            None => out.push_str("<td class=\"empty\">–</td>"),
            Some(cases) => {
                let worst = cases.iter().map(|c| c.verdict).fold(Verdict::Pass, Verdict::worst);
                let with: Vec<&str> = cases.iter().filter(|c| c.verdict == worst).map(|c| c.id.as_str()).collect();
                let mut tip: Vec<&str> = with.iter().take(12).copied().collect();
                if with.len() > 12 {
                    tip.push("…");
                }
                let _ = write!(
                    out,
                    "<td class=\"{}\" title=\"{}\">{} {}/{}</td>",
                    class(worst),
                    esc(&tip.join("\n")),
                    worst.label(),
                    with.len(),
                    cases.len()
                );
            }
        }
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}\
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ccc;padding:3px 6px}\
th{background:#f3f3f3;position:sticky;top:0}th.fam{writing-mode:vertical-rl;transform:rotate(180deg)}\
td.n{text-align:right}td.zero{color:#bbb}td.empty{color:#bbb;text-align:center}\
.v-pass{background:#dff0d8}.v-fail{background:#f2b8b5;font-weight:bold}.v-non-strict{background:#fcf0c0}\
.v-info{background:#dbe9f6}.v-not-tested{background:#eee}.v-waived{background:#e8def8}.v-error{background:#f5c6e6}\
.s-completed{color:#2a6}.s-busy{color:#a60;font-weight:bold}.s-inconclusive{color:#b22;font-weight:bold}\
.reason,.note{font-style:italic;color:#555}.meta{color:#666}.req{color:#555}code{font-size:12px}";

#[cfg(test)]
mod tests {
    use super::super::record::sample::{device, report};
    use super::*;
    use crate::record::model::sample::{case, record};

    #[test]
    fn the_matrix_has_a_row_per_phone_and_a_column_per_family_with_the_worst_verdict() {
        let a = device(
            "trio-a",
            DeviceState::Completed,
            Some(record(vec![
                case("x.auth.1", Family::Auth, Verdict::Pass),
                case("x.auth.2", Family::Auth, Verdict::Fail),
                case("x.size.1", Family::Size, Verdict::NonStrict),
            ])),
        );
        let mut b = device("vvx-<b>", DeviceState::Busy, None);
        b.reason = Some("in a call placed by a person".into());
        let html = render(&report(vec![a, b]));
        assert!(html.contains("<th class=\"fam\">auth</th>") && html.contains("<th class=\"fam\">size</th>"), "{html}");
        assert!(html.contains("title=\"x.auth.2\">FAIL 1/2</td>"), "{html}");
        assert!(html.contains(">NON-STRICT 1/1</td>"), "{html}");
        assert!(html.contains("vvx-&lt;b&gt;") && !html.contains("vvx-<b>"), "names are escaped");
        assert!(
            html.contains("class=\"s-busy\">BUSY</td><td colspan=\"9\" class=\"reason\">in a call placed by a person"),
            "{html}"
        );
        assert!(html.contains("<h3 id=\"trio-a\">trio-a</h3>"), "FAIL details follow the matrix");
        assert!(!html.contains("<script"), "self-contained and static");
    }
}
