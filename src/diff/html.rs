//! `diff.html`: the differences of two runs on one self-contained page, grouped by
//! endpoint.
//!
//! A header saying what was compared (profile, target, device, duration of each side),
//! the counts per kind, a list of endpoints with their number of differences, then one
//! table per endpoint: case, step and request, kind, what A showed, what B showed. Like
//! the run report, it loads nothing (inline CSS, no script, font or image) and escapes
//! every piece of text (`report::markup`): step names and case ids come from data files,
//! the rest from phones.

use super::model::{Diff, Kind, Side};
use crate::report::markup;
use std::fmt::Write as _;
use std::path::Path;

/// File name written into a report directory.
pub const FILE_NAME: &str = "diff.html";

const CSS: &str = "body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:1em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:1.6em;border-bottom:1px solid #ccc}\
table{border-collapse:collapse;width:100%}th,td{border:1px solid #ddd;padding:.3em .5em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}code{font-size:.92em}.equal{color:#155724;background:#d4edda;padding:.5em}\
.differ{color:#721c24;background:#f8d7da;padding:.5em}.k{white-space:nowrap}.detail{color:#555;font-size:.9em}\
dl.sides{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em}dt{font-weight:bold}";

/// Write the page to `path`, passed through `redact` first.
pub fn write(diff: &Diff, path: &Path, redact: &dyn Fn(&str) -> String) -> std::io::Result<()> {
    std::fs::write(path, redact(&render(diff)))
}

/// The whole page as one string.
pub fn render(diff: &Diff) -> String {
    let mut page = String::with_capacity(16 * 1024 + diff.differences.len() * 512);
    let title =
        format!("polyconform diff: {} on {} vs {} on {}", diff.a.profile, diff.a.target, diff.b.profile, diff.b.target);
    let _ = write!(
        page,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"polyconform {}\">\n<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
         <h1>polyconform diff</h1>\n<dl class=\"sides\">\n",
        markup::text(&diff.tool_version),
        markup::text(&title)
    );
    side(&mut page, "A (reference)", "side-a", &diff.a);
    side(&mut page, "B (compared with A)", "side-b", &diff.b);
    page.push_str("</dl>\n");
    let s = &diff.summary;
    if diff.is_equal() {
        let _ = writeln!(
            page,
            "<p class=\"equal\" id=\"verdict\">No difference: {} case(s) compared, answered alike.</p>",
            s.cases_compared
        );
    } else {
        let _ = writeln!(
            page,
            "<p class=\"differ\" id=\"verdict\">{} difference(s): {} of {} compared case(s) differ, {} case(s) only in A, {} only in B.</p>",
            s.differences, s.cases_differing, s.cases_compared, s.only_in_a, s.only_in_b
        );
    }
    page.push_str("<table id=\"kinds\"><tr><th>kind</th><th>differences</th></tr>\n");
    for (kind, n) in &s.by_kind {
        let _ = writeln!(page, "<tr><td>{}</td><td>{n}</td></tr>", markup::text(kind.label()));
    }
    page.push_str("</table>\n");
    let groups = diff.by_endpoint();
    if !groups.is_empty() {
        page.push_str("<h2>Endpoints</h2>\n<ul id=\"endpoints\">\n");
        for (i, (endpoint, list)) in groups.iter().enumerate() {
            let _ = writeln!(page, "<li><a href=\"#ep-{i}\">{}</a> ({})</li>", markup::text(endpoint), list.len());
        }
        page.push_str("</ul>\n");
    }
    for (i, (endpoint, list)) in groups.iter().enumerate() {
        let _ = writeln!(page, "<h2 id=\"ep-{i}\">{} ({})</h2>", markup::text(endpoint), list.len());
        page.push_str("<table class=\"diffs\"><tr><th>case</th><th>step</th><th>kind</th><th>A</th><th>B</th></tr>\n");
        for d in list {
            let step = match (&d.step, &d.request) {
                (Some(s), Some(r)) => format!("{}<br><code>{}</code>", markup::text(s), markup::text(r)),
                (Some(s), None) => markup::text(s),
                _ => String::new(),
            };
            let kind = match (d.kind, d.change, &d.pointer) {
                (Kind::Shape, Some(c), Some(p)) => {
                    format!("shape: {}<br><code>{}</code>", markup::text(c.label()), markup::text(p))
                }
                (k, _, _) => markup::text(k.label()),
            };
            let detail = d
                .detail
                .as_deref()
                .map(|t| format!("<div class=\"detail\">{}</div>", markup::text(t)))
                .unwrap_or_default();
            let _ = writeln!(
                page,
                "<tr><td><code>{}</code>{detail}</td><td>{step}</td><td class=\"k\">{kind}</td><td>{}</td><td>{}</td></tr>",
                markup::text(&d.case),
                markup::text(&d.a),
                markup::text(&d.b)
            );
        }
        page.push_str("</table>\n");
    }
    let _ = writeln!(
        page,
        "<footer><p>Generated by polyconform {} (diff format {}). Volatile values (call handles, times, counters, \
         addresses, ports, uptime) are not compared: answers are compared by HTTP status, API Status and shape. \
         The same differences are in diff.json.</p></footer>\n</body>\n</html>",
        markup::text(&diff.tool_version),
        diff.format_version
    );
    page
}

fn side(page: &mut String, label: &str, id: &str, s: &Side) {
    let device = s
        .device
        .as_ref()
        .map(|d| [d.model.as_deref(), d.firmware.as_deref()].into_iter().flatten().collect::<Vec<_>>().join(" "))
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "not reported".into());
    let _ = writeln!(
        page,
        "<dt>{label}</dt><dd id=\"{id}\">{} on <code>{}</code> ({}), {} case(s) in {}, started {}</dd>",
        markup::text(&s.profile),
        markup::text(&s.target),
        markup::text(&device),
        s.cases,
        markup::duration(s.duration_ms),
        markup::text(&s.started_at)
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::model::{Difference, Summary};
    use std::collections::BTreeMap;

    #[test]
    fn every_text_is_escaped_and_nothing_is_loaded() {
        let side = Side {
            profile: "trio-5.9.1".into(),
            target: "<b>".into(),
            device: None,
            started_at: "x".into(),
            duration_ms: 1,
            cases: 1,
            verdicts: BTreeMap::new(),
        };
        let d = Difference {
            case: "<script>alert(1)</script>".into(),
            case_a: None,
            case_b: None,
            endpoint: Some("mgmt.device-info".into()),
            kind: Kind::ApiStatus,
            step: Some("request".into()),
            request: Some("GET /x".into()),
            change: None,
            pointer: None,
            a: "HTTP 200, Status \"2000\"".into(),
            b: "<img src=x>".into(),
            detail: None,
        };
        let diff = Diff {
            format_version: 1,
            tool_version: "0".into(),
            a: side.clone(),
            b: side,
            summary: Summary { differences: 1, ..Summary::default() },
            differences: vec![d],
        };
        let page = render(&diff);
        assert!(!page.contains("<script>alert") && !page.contains("<img") && !page.contains("<b>"), "{page}");
        assert!(page.contains("mgmt.device-info (1)"));
        assert!(!page.contains("src=\"http") && !page.contains("href=\"http"));
    }
}
