//! Waivers: known deviations a team has accepted, so a nightly run stays green on them.
//!
//! The main type is [`Waivers`], loaded from the TOML file given with `--waivers`:
//!
//! ```toml
//! [[waiver]]
//! case = "trio.size.*"                  # a case id, or a glob (`*` any run of characters, `?` one)
//! profile = "trio-5.9.1"                # the profile the deviation is known on
//! firmware = "5.9.1.11071"              # optional: only this firmware (glob allowed)
//! reason = "413 only above 64 KB on this build"
//! reference = "QA-1234"                 # ticket, e-mail, meeting: where it was agreed
//! ```
//!
//! [`apply`] turns every FAIL case matching a waiver into WAIVED (shown in every report,
//! not counted in the exit code), with the waiver's reason and reference as the case's
//! reason. A waiver is only a statement about FAILs: PASS, NON-STRICT, INFO, NOT-TESTED
//! and ERROR are never rewritten, so a harness problem cannot hide behind a waiver.
//! A waiver whose cases now pass is reported as stale in the run's notes, so the file
//! shrinks as firmware gets fixed. Unknown keys are errors with `file:line:col`, never
//! ignored: a misspelt `firmware` silently widening a waiver would hide defects.

use crate::record::model::RunRecord;
use crate::verdict::Verdict;
use serde::Deserialize;
use std::path::Path;

/// Every waiver of one file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Waivers {
    entries: Vec<Waiver>,
    /// The file they came from, for notes.
    source: String,
    /// `file:line:col` of each entry, for messages.
    places: Vec<String>,
}

/// One accepted deviation.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// Case id or glob pattern.
    pub case: String,
    /// Profile id the deviation is known on.
    pub profile: String,
    /// Firmware version (or glob) it is limited to; absent: every firmware of the profile.
    #[serde(default)]
    pub firmware: Option<String>,
    /// Why it is accepted.
    pub reason: String,
    /// Where it was agreed (ticket id, URL).
    pub reference: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WaiverFile {
    #[serde(rename = "waiver", default)]
    waivers: Vec<Waiver>,
}

const KNOWN_KEYS: [&str; 5] = ["case", "profile", "firmware", "reason", "reference"];

/// Why a waiver file was refused; the message names `file:line:col` and what to write.
#[derive(Debug, thiserror::Error)]
pub enum WaiverError {
    #[error("{}: cannot read the waiver file: {source}", .path.display())]
    Read { path: std::path::PathBuf, source: std::io::Error },
    /// Malformed TOML, an empty field, a pattern that does not compile.
    #[error("{0}")]
    Invalid(String),
}

impl Waivers {
    /// Read and check a waiver file. Errors read `file:line:col: message (hint: ...)`.
    pub fn load(path: &Path) -> Result<Waivers, WaiverError> {
        let text =
            std::fs::read_to_string(path).map_err(|source| WaiverError::Read { path: path.to_path_buf(), source })?;
        Waivers::parse(&text, &path.display().to_string())
    }

    /// Parse waiver TOML; `shown` names the file in errors.
    pub fn parse(text: &str, shown: &str) -> Result<Waivers, WaiverError> {
        let file: WaiverFile = toml::from_str(text).map_err(|e| WaiverError::Invalid(toml_error(text, shown, &e)))?;
        let mut places = Vec::new();
        for (i, w) in file.waivers.iter().enumerate() {
            let at =
                locate_waiver(text, i).map(|(l, c)| format!("{shown}:{l}:{c}")).unwrap_or_else(|| shown.to_string());
            places.push(at.clone());
            for (key, value) in
                [("case", &w.case), ("profile", &w.profile), ("reason", &w.reason), ("reference", &w.reference)]
            {
                if value.trim().is_empty() {
                    return Err(WaiverError::Invalid(format!(
                        "{at}: waiver #{} has an empty `{key}` (hint: every waiver needs a case, a profile, a reason and a reference)",
                        i + 1
                    )));
                }
            }
            for (key, value) in [("case", Some(&w.case)), ("firmware", w.firmware.as_ref())] {
                if let Some(Err(e)) = value.map(|v| pattern_of(v)) {
                    return Err(WaiverError::Invalid(format!(
                        "{at}: waiver #{} has a `{key}` pattern that does not compile: {e} (hint: `*` matches any run of characters, `?` one; write `[`, `{{` literally as `[[]`, `[{{]`)",
                        i + 1
                    )));
                }
            }
        }
        Ok(Waivers { entries: file.waivers, source: shown.to_string(), places })
    }

    /// Every waiver names a known profile and a case pattern that matches at least one
    /// case of it (`cases`: profile id -> its case ids). A typo would otherwise waive
    /// nothing, silently, until the FAIL it was meant for reaches a QA engineer.
    pub fn check_known(&self, cases: &std::collections::BTreeMap<String, Vec<String>>) -> Result<(), WaiverError> {
        let mut problems = Vec::new();
        for (i, w) in self.entries.iter().enumerate() {
            let at = self.places.get(i).map(String::as_str).unwrap_or(&self.source);
            match cases.get(&w.profile) {
                None => {
                    let known: Vec<&str> = cases.keys().map(String::as_str).collect();
                    problems.push(format!(
                        "{at}: waiver #{} names the unknown profile `{}` (hint: the profiles are {})",
                        i + 1,
                        w.profile,
                        known.join(", ")
                    ));
                }
                Some(ids) if !ids.iter().any(|id| glob_match(&w.case, id)) => problems.push(format!(
                    "{at}: waiver #{} names `{}`, which is no case of profile {} (hint: list the case ids with `polyconform run --profile {} -- --list`)",
                    i + 1,
                    w.case,
                    w.profile,
                    w.profile
                )),
                Some(_) => {}
            }
        }
        if problems.is_empty() { Ok(()) } else { Err(WaiverError::Invalid(problems.join("\n"))) }
    }

    pub fn entries(&self) -> &[Waiver] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl Waiver {
    /// Whether this waiver covers `case` on `profile` with `firmware` (when the waiver
    /// names a firmware, an unknown firmware does not match: a waiver never widens).
    pub fn covers(&self, case: &str, profile: &str, firmware: Option<&str>) -> bool {
        if self.profile != profile || !glob_match(&self.case, case) {
            return false;
        }
        match (&self.firmware, firmware) {
            (None, _) => true,
            (Some(want), Some(have)) => glob_match(want, have),
            (Some(_), None) => false,
        }
    }

    fn describe(&self) -> String {
        match &self.firmware {
            Some(fw) => format!("`{}` (profile {}, firmware {fw})", self.case, self.profile),
            None => format!("`{}` (profile {})", self.case, self.profile),
        }
    }
}

/// Apply `waivers` to a finished run on `profile` (device firmware `firmware`, if known):
/// FAIL cases a waiver covers become WAIVED; stale and unused waivers become notes.
/// The summary is recounted.
pub fn apply(waivers: &Waivers, profile: &str, firmware: Option<&str>, run: &mut RunRecord) {
    for w in &waivers.entries {
        // Waivers for another profile are silently out of scope: one file serves a whole lab.
        if w.profile != profile {
            continue;
        }
        let mut matched = 0usize;
        let mut waived = 0usize;
        let mut passing = Vec::new();
        for case in run.cases.iter_mut().filter(|c| w.covers(&c.id, profile, firmware)) {
            matched += 1;
            match case.verdict {
                Verdict::Fail => {
                    case.verdict = Verdict::Waived;
                    case.reason = Some(format!("waived: {} (reference: {})", w.reason, w.reference));
                    waived += 1;
                }
                Verdict::Pass => passing.push(case.id.clone()),
                _ => {}
            }
        }
        if matched == 0 {
            let scope_firmware = w.firmware.is_none()
                || firmware.is_some_and(|f| w.firmware.as_deref().is_some_and(|p| glob_match(p, f)));
            if scope_firmware {
                run.notes.push(format!(
                    "unused waiver {}: no case of this run matches it (hint: check the case id with `polyconform run -- --list`; waivers file {})",
                    w.describe(),
                    waivers.source
                ));
            }
        } else if waived == 0 && !passing.is_empty() {
            run.notes.push(format!(
                "stale waiver {}: {} now pass{} ({}); remove it from {} (reference: {})",
                w.describe(),
                list_ids(&passing),
                if passing.len() == 1 { "es" } else { "" },
                w.reason,
                waivers.source,
                w.reference
            ));
        }
    }
    run.recount();
}

fn list_ids(ids: &[String]) -> String {
    const SHOWN: usize = 5;
    let mut s = ids.iter().take(SHOWN).map(String::as_str).collect::<Vec<_>>().join(", ");
    if ids.len() > SHOWN {
        s.push_str(&format!(" and {} more", ids.len() - SHOWN));
    }
    s
}

/// Glob over case ids and firmware versions (globset's syntax: `*` matches any run of
/// characters, dots included, `?` exactly one, `[abc]` a class). A pattern that does not
/// compile matches nothing; `Waivers::parse` refuses it first.
pub fn glob_match(pattern: &str, text: &str) -> bool {
    pattern_of(pattern).is_ok_and(|g| g.compile_matcher().is_match(text))
}

fn pattern_of(pattern: &str) -> Result<globset::Glob, globset::Error> {
    globset::GlobBuilder::new(pattern).literal_separator(false).build()
}

/// `file:line:col: message (hint: ...)` from a TOML error.
fn toml_error(text: &str, shown: &str, e: &toml::de::Error) -> String {
    let message = e.message().trim().to_string();
    let place = match e.span() {
        Some(span) => {
            let (line, col) = line_col(text, span.start);
            format!("{shown}:{line}:{col}")
        }
        None => shown.to_string(),
    };
    let hint = if let Some(unknown) = unknown_field(&message) {
        let near = KNOWN_KEYS
            .iter()
            .map(|k| (strsim::jaro_winkler(k, &unknown), *k))
            .fold((0.0, ""), |a, b| if b.0 > a.0 { b } else { a });
        if near.0 > 0.8 {
            format!("did you mean `{}`? a waiver has the keys {}", near.1, KNOWN_KEYS.join(", "))
        } else {
            format!("a waiver has the keys {}; the file holds `[[waiver]]` tables only", KNOWN_KEYS.join(", "))
        }
    } else if message.contains("missing field") {
        "every waiver needs `case`, `profile`, `reason` and `reference`; `firmware` is optional".to_string()
    } else {
        "a waivers file holds `[[waiver]]` tables with `case`, `profile`, `reason`, `reference` and an optional `firmware` (see the README, \"Waivers\")".to_string()
    };
    format!("{place}: {message} (hint: {hint})")
}

/// The name in serde's "unknown field `x`, expected ..." message.
fn unknown_field(message: &str) -> Option<String> {
    let rest = message.split("unknown field `").nth(1)?;
    Some(rest.split('`').next()?.to_string())
}

/// 1-based line and column (in characters) of a byte offset.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..floor_char_boundary(text, offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map(|l| l.chars().count()).unwrap_or(0) + 1;
    (line, col)
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Line and column of the `index`-th `[[waiver]]` header, for errors about its values.
fn locate_waiver(text: &str, index: usize) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with("[[waiver]]"))
        .nth(index)
        .map(|(i, l)| (i + 1, l.len() - l.trim_start().len() + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::case::Family;
    use crate::record::model::CaseRecord;
    use crate::record::model::sample;

    #[test]
    fn waivers_for_an_unknown_profile_or_case_are_refused_at_their_line() {
        let text = "[[waiver]]\ncase = \"trio.size.*\"\nprofile = \"trio-5.9.1\"\nreason = \"r\"\nreference = \"QA-1\"\n\n\
                    [[waiver]]\ncase = \"trio.size.*\"\nprofile = \"trio-5.9\"\nreason = \"r\"\nreference = \"QA-2\"\n\n\
                    [[waiver]]\ncase = \"trio.sise.*\"\nprofile = \"trio-5.9.1\"\nreason = \"r\"\nreference = \"QA-3\"\n";
        let w = Waivers::parse(text, "w.toml").unwrap();
        let known = std::collections::BTreeMap::from([
            ("trio-5.9.1".to_string(), vec!["trio.size.limit".to_string()]),
            ("vvx-5.9.0".to_string(), vec!["vvx.size.limit".to_string()]),
        ]);
        let err = w.check_known(&known).unwrap_err().to_string();
        let lines: Vec<&str> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(lines[0].starts_with("w.toml:7:1: waiver #2 names the unknown profile `trio-5.9`"), "{err}");
        assert!(lines[0].contains("trio-5.9.1, vvx-5.9.0"), "{err}");
        assert!(lines[1].starts_with("w.toml:13:1: waiver #3 names `trio.sise.*`, which is no case"), "{err}");
        assert!(!err.contains(".rs"), "no hint points at a source file: {err}");
    }

    fn case(id: &str, verdict: Verdict) -> CaseRecord {
        let mut c = sample::case(id, Family::Size, verdict);
        c.reason = None;
        c.findings.clear();
        c
    }

    const FILE: &str = r#"
[[waiver]]
case = "trio.size.*"
profile = "trio-5.9.1"
reason = "413 only above 64 KB"
reference = "QA-1"

[[waiver]]
case = "trio.auth.none"
profile = "trio-5.9.1"
firmware = "5.9.1.*"
reason = "fixed in 5.9.2"
reference = "QA-2"
"#;

    #[test]
    fn globs_match_dots_and_single_characters() {
        assert!(glob_match("trio.size.*", "trio.size.over.mgmt.config-set"));
        assert!(glob_match("*.device-info", "trio.schema.mgmt.device-info"));
        assert!(glob_match("trio.a?c", "trio.abc"));
        assert!(!glob_match("trio.a?c", "trio.abbc"));
        assert!(!glob_match("trio.size", "trio.size.over"));
        assert!(glob_match("*", ""));
        assert!(glob_match("a*b*c", "aXXbYYc"));
        assert!(!glob_match("a*b*c", "aXXbYY"));
    }

    #[test]
    fn a_pattern_that_does_not_compile_is_refused_with_its_place() {
        let text =
            "[[waiver]]\ncase = \"trio.[size\"\nprofile = \"trio-5.9.1\"\nreason = \"r\"\nreference = \"QA-1\"\n";
        let e = Waivers::parse(text, "w.toml").unwrap_err().to_string();
        assert!(e.starts_with("w.toml:1:1: waiver #1 has a `case` pattern"), "{e}");
        assert!(!glob_match("trio.[size", "trio.[size"));
    }

    #[test]
    fn a_waived_fail_is_waived_with_reason_and_reference_and_not_counted_as_fail() {
        let w = Waivers::parse(FILE, "waivers.toml").unwrap();
        let mut r = sample::record(vec![
            case("trio.size.over", Verdict::Fail),
            case("trio.auth.none", Verdict::Fail),
            case("trio.other", Verdict::Fail),
        ]);
        apply(&w, "trio-5.9.1", None, &mut r);
        assert_eq!(r.cases[0].verdict, Verdict::Waived);
        let reason = r.cases[0].reason.as_deref().unwrap();
        assert!(reason.contains("413 only above 64 KB") && reason.contains("QA-1"), "{reason}");
        // The firmware-limited waiver does not apply when the firmware is unknown.
        assert_eq!(r.cases[1].verdict, Verdict::Fail);
        assert_eq!(r.cases[2].verdict, Verdict::Fail);
        assert_eq!(r.summary["WAIVED"], 1);
        assert_eq!(r.summary["FAIL"], 2);
    }

    #[test]
    fn firmware_limited_waivers_apply_only_to_that_firmware() {
        let w = Waivers::parse(FILE, "waivers.toml").unwrap();
        let mut r = sample::record(vec![case("trio.auth.none", Verdict::Fail)]);
        apply(&w, "trio-5.9.1", Some("5.9.1.11071"), &mut r);
        assert_eq!(r.cases[0].verdict, Verdict::Waived);
        let mut r = sample::record(vec![case("trio.auth.none", Verdict::Fail)]);
        apply(&w, "trio-5.9.1", Some("6.0.0.100"), &mut r);
        assert_eq!(r.cases[0].verdict, Verdict::Fail);
    }

    #[test]
    fn other_profiles_and_other_verdicts_are_untouched() {
        let w = Waivers::parse(FILE, "waivers.toml").unwrap();
        let mut r = sample::record(vec![case("trio.size.over", Verdict::Fail)]);
        apply(&w, "vvx-5.9.0", None, &mut r);
        assert_eq!(r.cases[0].verdict, Verdict::Fail);
        assert!(r.notes.is_empty(), "{:?}", r.notes);
        let mut r = sample::record(vec![case("trio.size.a", Verdict::Error), case("trio.size.b", Verdict::NonStrict)]);
        apply(&w, "trio-5.9.1", None, &mut r);
        assert_eq!(r.cases[0].verdict, Verdict::Error);
        assert_eq!(r.cases[1].verdict, Verdict::NonStrict);
    }

    #[test]
    fn a_waiver_whose_case_passes_is_reported_stale() {
        let w = Waivers::parse(FILE, "waivers.toml").unwrap();
        let mut r = sample::record(vec![case("trio.size.over", Verdict::Pass)]);
        apply(&w, "trio-5.9.1", None, &mut r);
        assert_eq!(r.cases[0].verdict, Verdict::Pass);
        let stale: Vec<_> = r.notes.iter().filter(|n| n.starts_with("stale waiver")).collect();
        assert_eq!(stale.len(), 1, "{:?}", r.notes);
        assert!(stale[0].contains("trio.size.over") && stale[0].contains("QA-1"), "{}", stale[0]);
    }

    #[test]
    fn a_waiver_matching_nothing_is_reported_unused() {
        let w = Waivers::parse(FILE, "waivers.toml").unwrap();
        let mut r = sample::record(vec![case("trio.schema.x", Verdict::Pass)]);
        apply(&w, "trio-5.9.1", None, &mut r);
        assert!(r.notes.iter().any(|n| n.starts_with("unused waiver `trio.size.*`")), "{:?}", r.notes);
    }

    #[test]
    fn unknown_keys_are_errors_with_line_column_and_a_did_you_mean() {
        let text =
            "[[waiver]]\ncase = \"a\"\nprofile = \"trio-5.9.1\"\nfirmwre = \"1\"\nreason = \"r\"\nreference = \"x\"\n";
        let err = Waivers::parse(text, "w.toml").unwrap_err().to_string();
        assert!(err.starts_with("w.toml:4:1: "), "{err}");
        assert!(err.contains("firmwre") && err.contains("did you mean `firmware`"), "{err}");
    }

    #[test]
    fn missing_reason_and_empty_reference_are_errors() {
        let err = Waivers::parse("[[waiver]]\ncase = \"a\"\nprofile = \"p\"\nreference = \"x\"\n", "w.toml")
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("w.toml:") && err.contains("reason"), "{err}");
        let err =
            Waivers::parse("[[waiver]]\ncase = \"a\"\nprofile = \"p\"\nreason = \"r\"\nreference = \" \"\n", "w.toml")
                .unwrap_err()
                .to_string();
        assert!(err.starts_with("w.toml:1:1: ") && err.contains("`reference`"), "{err}");
    }

    #[test]
    fn bad_toml_never_panics() {
        for text in [
            "[[waiver]",
            "waiver = 3",
            "[[waiver]]\ncase = 1",
            "\u{0}\u{fffd}",
            "[[waiver]]\ncase = \"é\"\nprofile = 7",
        ] {
            assert!(Waivers::parse(text, "w.toml").is_err(), "{text:?}");
        }
    }
}
