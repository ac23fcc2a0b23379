//! The terminal summary of a diff: who was compared, counts, then every difference
//! grouped by endpoint. The command line prints it.

use super::model::{Diff, Difference, Kind, Side};
use std::fmt::Write as _;

/// The whole summary.
pub fn summary(diff: &Diff) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\npolyconform {} diff", diff.tool_version);
    let _ = writeln!(out, "  A: {}", side(&diff.a));
    let _ = writeln!(out, "  B: {}", side(&diff.b));
    let s = &diff.summary;
    let _ = writeln!(
        out,
        "  {} case(s) compared, {} differ; {} only in A, {} only in B",
        s.cases_compared, s.cases_differing, s.only_in_a, s.only_in_b
    );
    let counts: Vec<String> =
        s.by_kind.iter().filter(|(_, n)| **n > 0).map(|(k, n)| format!("{} {n}", k.label())).collect();
    if !counts.is_empty() {
        let _ = writeln!(out, "  differences: {}", counts.join(", "));
    }
    for (endpoint, list) in diff.by_endpoint() {
        let _ = writeln!(out, "\n{endpoint} ({})", list.len());
        for d in list {
            let _ = writeln!(out, "  {}", line(d));
            if let Some(detail) = &d.detail
                && matches!(d.kind, Kind::Verdict)
            {
                let _ = writeln!(out, "      {detail}");
            }
        }
    }
    if diff.is_equal() {
        let _ = writeln!(out, "\nno difference: A and B answered every compared case alike");
    } else {
        let _ = writeln!(
            out,
            "\n{} difference(s) in {} case(s)",
            s.differences,
            s.cases_differing + s.only_in_a + s.only_in_b
        );
    }
    out
}

fn side(s: &Side) -> String {
    let device = s
        .device
        .as_ref()
        .map(|d| [d.model.as_deref(), d.firmware.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" "))
        .filter(|d| !d.is_empty())
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    format!("{} on {}{device}, {} case(s) in {:.1} s", s.profile, s.target, s.cases, s.duration_ms as f64 / 1000.0)
}

/// One difference on one line: `case [step, GET /path]: kind: A … | B …`.
pub fn line(d: &Difference) -> String {
    let mut place = d.case.clone();
    match (&d.step, &d.request) {
        (Some(step), Some(req)) => {
            let _ = write!(place, " [{step}: {req}]");
        }
        (Some(step), None) => {
            let _ = write!(place, " [{step}]");
        }
        _ => {}
    }
    let what = match (d.kind, d.change, &d.pointer) {
        (Kind::Shape, Some(change), Some(pointer)) => format!("shape {} `{pointer}`", change.label()),
        (k, _, _) => k.label().to_string(),
    };
    format!("{place}: {what}: A {} | B {}", d.a, d.b)
}
