//! Escaping and small formatting shared by every report written as markup (the HTML
//! report, the lab's matrix page and its streamed JUnit XML), so that each rule is
//! written once.

use crate::verdict::Verdict;

/// Escape for element content.
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Escape for an attribute value; characters XML 1.0 cannot hold become U+FFFD.
/// Escape for an attribute value (XML or HTML): markup, quotes, and line breaks and
/// tabs as character references so they survive attribute normalisation; other control
/// characters, which XML 1.0 forbids, become U+FFFD.
pub fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// CSS class of a verdict (the lab's combined report uses the same classes).
pub fn class(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "v-pass",
        Verdict::Info => "v-info",
        Verdict::NonStrict => "v-non-strict",
        Verdict::Fail => "v-fail",
        Verdict::NotTested => "v-not-tested",
        Verdict::Waived => "v-waived",
        Verdict::Error => "v-error",
    }
}

/// `850 ms`, `41.2 s`, `3 min 07 s`.
pub fn duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1} s", ms as f64 / 1000.0)
    } else {
        format!("{} min {:02} s", ms / 60_000, (ms / 1000) % 60)
    }
}
