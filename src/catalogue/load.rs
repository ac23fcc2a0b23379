//! The catalogue: profiles, schemas, suites and errata loaded and cross-checked.
//!
//! Loading parses every file, then checks what no single file can: that each case's
//! endpoint exists in some profile, that each profile's schema file exists with the
//! definitions its endpoints need, that errata ids resolve, that JSON pointers are well
//! formed and captures are defined before use. [`Catalogue::cases_for`] then expands
//! the suites into the concrete [`Case`]s of one profile.

use super::case::{CaseSpec, EndpointSelector, Expect, Step, SuiteFile};
use super::data::{DataFile, DataFiles};
use super::error::{SpecError, SpecErrors, did_you_mean};
use super::profile::{Endpoint, Input, Profile, Safety};
use super::schema::{SchemaFile, SchemaSet};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;

/// One recorded decision about a typo, contradiction or vagueness of the manuals.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Erratum {
    /// Stable id (`E01`), cited by cases and profiles.
    pub id: String,
    /// Which manuals (`trio-5.9.1`, `vvx-5.9.0`).
    pub manuals: Vec<String>,
    /// Manual section where it appears.
    pub section: String,
    /// What the manual prints.
    pub text: String,
    /// What kind of problem: typo, contradiction, vague, missing.
    pub kind: String,
    /// What the harness does about it.
    pub decision: String,
    /// Verdict level the harness gives a device that takes the other reading.
    pub verdict: crate::verdict::Level,
    /// `ambiguous` and `silent` errata: the name of the emulator reading that plays the
    /// reading the decision did not pick (`polyconform emulate --reading NAME`), so a test
    /// can prove that reading never earns a FAIL.
    #[serde(default)]
    pub reading: Option<String>,
    /// What a phone taking the other reading does, in one line (`--list-readings`).
    #[serde(default)]
    pub plays: Option<String>,
    /// `must` errata: the emulator fault that contradicts the decision (`--fault NAME`),
    /// so a test can prove the harness gives it a FAIL.
    #[serde(default)]
    pub fault: Option<String>,
    /// The endpoints the reading or fault changes (`*`: every endpoint), so a test can run
    /// just the cases that can see it.
    #[serde(default)]
    pub touches: Vec<String>,
}

impl Erratum {
    /// The errata of a profile (those whose `manuals` name it).
    pub fn applies_to(&self, profile: &str) -> bool {
        self.manuals.iter().any(|m| m == profile)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct ErrataFile {
    #[serde(rename = "erratum")]
    errata: Vec<Erratum>,
}

/// One suite file, parsed.
#[derive(Debug, Clone)]
pub struct Suite {
    pub path: PathBuf,
    pub title: Option<String>,
    pub cases: Vec<Arc<CaseSpec>>,
}

/// One case of one profile, ready to run.
#[derive(Debug, Clone)]
pub struct Case {
    /// Full stable id: `<family>.<case id>[.<endpoint id>]` (`trio.auth.no-credentials.mgmt.device-info`).
    pub id: String,
    /// The case as written.
    pub spec: Arc<CaseSpec>,
    /// The suite file it came from.
    pub suite: PathBuf,
    /// The endpoint the case is about (its own, or the one a template expanded to).
    pub endpoint: Option<Endpoint>,
    /// The steps, with single-request sugar turned into one step named `request`.
    pub steps: Vec<Step>,
    /// The most dangerous safety class among the endpoints the steps call.
    pub safety: Safety,
}

/// Everything loaded.
#[derive(Debug)]
pub struct Catalogue {
    pub profiles: Vec<Profile>,
    pub schemas: SchemaSet,
    pub suites: Vec<Suite>,
    pub errata: Vec<Erratum>,
}

impl Catalogue {
    /// The catalogue built into the binary.
    pub fn embedded() -> Result<Catalogue, SpecErrors> {
        Catalogue::load(&DataFiles::embedded())
    }

    /// Parse and cross-check every file; all problems are reported together.
    pub fn load(data: &DataFiles) -> Result<Catalogue, SpecErrors> {
        let mut errors = Vec::new();
        // Files first, each on its own; then the checks across files.
        let profiles = load_profiles(data, &mut errors);
        let schemas = load_schemas(data, &mut errors);
        let errata = load_errata(data, &mut errors);
        let (suites, suite_sources) = load_suites(data, &mut errors);

        check_touches(&errata, &profiles, data, &mut errors);
        if let Some(schemas) = &schemas {
            for (f, p) in &profiles {
                check_profile(f, p, schemas, &errata, &mut errors);
            }
        }
        let profile_list: Vec<Profile> = profiles.iter().map(|(_, p)| p.clone()).collect();
        check_suites(&suites, &suite_sources, &profile_list, &errata, &mut errors);

        if profile_list.is_empty() && errors.is_empty() {
            errors.push(
                SpecError::new(std::path::Path::new("suites/profiles"), "no profile found")
                    .hint("add a `suites/profiles/<id>.toml` file"),
            );
        }
        match schemas {
            Some(schemas) if errors.is_empty() => Ok(Catalogue { profiles: profile_list, schemas, suites, errata }),
            _ => Err(SpecErrors(errors)),
        }
    }

    /// Every profile's case ids (what waivers and filters may name).
    pub fn case_ids(&self) -> std::collections::BTreeMap<String, Vec<String>> {
        self.profiles.iter().map(|p| (p.id.clone(), self.cases_for(p).into_iter().map(|c| c.id).collect())).collect()
    }

    /// The profile with this id, or an error listing the known ones.
    pub fn profile(&self, id: &str) -> Result<&Profile, String> {
        self.profiles.iter().find(|p| p.id == id).ok_or_else(|| {
            let known: Vec<&str> = self.profiles.iter().map(|p| p.id.as_str()).collect();
            let mut msg = format!("unknown profile `{id}` (known profiles: {})", known.join(", "));
            if let Some(near) = did_you_mean(id, known.iter().copied()) {
                msg.push_str(&format!("\n(hint: did you mean `{near}`?)"));
            }
            msg
        })
    }

    /// Every case that applies to `profile`, templates expanded, in suite order.
    pub fn cases_for(&self, profile: &Profile) -> Vec<Case> {
        let mut out = Vec::new();
        for suite in &self.suites {
            for spec in &suite.cases {
                if !spec.profiles.is_empty() && !spec.profiles.iter().any(|p| p == &profile.id) {
                    continue;
                }
                if let Some(sel) = &spec.for_each_endpoint {
                    for ep in profile.endpoints.iter().filter(|e| selects(sel, e)) {
                        out.push(make_case(
                            profile,
                            suite,
                            spec,
                            Some(ep),
                            format!("{}.{}.{}", profile.family, spec.id, ep.id),
                        ));
                    }
                } else {
                    let ep = match &spec.endpoint {
                        Some(id) => match profile.endpoint(id) {
                            Some(ep) => Some(ep),
                            None => continue,
                        },
                        None => None,
                    };
                    if spec.steps.iter().any(|s| s.endpoint.as_ref().is_some_and(|id| profile.endpoint(id).is_none())) {
                        continue;
                    }
                    out.push(make_case(profile, suite, spec, ep, format!("{}.{}", profile.family, spec.id)));
                }
            }
        }
        out
    }
}

/// The profiles under `suites/profiles`, each with the file it came from (for messages).
fn load_profiles<'d>(data: &'d DataFiles, errors: &mut Vec<SpecError>) -> Vec<(&'d DataFile, Profile)> {
    let mut profiles = Vec::new();
    for f in data.under("suites/profiles", "toml") {
        if let Some(p) = parse_toml::<Profile>(f, errors) {
            profiles.push((f, p));
        }
    }
    profiles
}

/// The JSON schemas under `schemas/`, compiled; `None` when one does not parse or compile
/// (then the checks that need schemas are skipped: a file that does not parse must not
/// also be reported as missing).
fn load_schemas(data: &DataFiles, errors: &mut Vec<SpecError>) -> Option<SchemaSet> {
    let mut schema_files = Vec::new();
    let unparsed_before = errors.len();
    for f in data.under("schemas", "json") {
        match serde_json::from_str(&f.text) {
            Ok(value) => schema_files.push(SchemaFile {
                rel: f.rel.strip_prefix("schemas").unwrap_or(&f.rel).to_string_lossy().replace('\\', "/"),
                path: f.shown.clone(),
                value,
            }),
            Err(e) => errors.push(
                SpecError::new(&f.shown, format!("invalid JSON: {e}"))
                    .at(
                        &f.text,
                        line_col_offset(&f.text, e.line(), e.column())
                            ..line_col_offset(&f.text, e.line(), e.column()) + 1,
                    )
                    .hint("fix the JSON syntax (a trailing comma or a missing quote is the usual cause)"),
            ),
        }
    }
    let unparsed = errors.len() > unparsed_before;
    match SchemaSet::compile(schema_files) {
        Ok(_) if unparsed => None,
        Ok(s) => Some(s),
        Err(mut e) => {
            errors.append(&mut e);
            None
        }
    }
}

/// Every `errata.toml` under `suites/`, each checked on its own.
fn load_errata(data: &DataFiles, errors: &mut Vec<SpecError>) -> Vec<Erratum> {
    let mut errata = Vec::new();
    for f in data.under("suites", "toml").filter(|f| f.rel.file_name().is_some_and(|n| n == "errata.toml")) {
        if let Some(file) = parse_toml::<ErrataFile>(f, errors) {
            check_errata(f, &file.errata, errors);
            errata.extend(file.errata);
        }
    }
    errata
}

/// The suite files (every other TOML under `suites/`), with the file of each suite in the
/// same order, which `check_suites` needs for the place of a problem.
fn load_suites<'d>(data: &'d DataFiles, errors: &mut Vec<SpecError>) -> (Vec<Suite>, Vec<&'d DataFile>) {
    let mut suites = Vec::new();
    let mut suite_sources = Vec::new();
    for f in data
        .under("suites", "toml")
        .filter(|f| !f.rel.starts_with("suites/profiles") && f.rel.file_name().is_none_or(|n| n != "errata.toml"))
    {
        if let Some(file) = parse_toml::<SuiteFile>(f, errors) {
            suites.push(Suite {
                path: f.shown.clone(),
                title: file.title,
                cases: file.cases.into_iter().map(Arc::new).collect(),
            });
            suite_sources.push(f);
        }
    }
    (suites, suite_sources)
}

fn make_case(profile: &Profile, suite: &Suite, spec: &Arc<CaseSpec>, ep: Option<&Endpoint>, id: String) -> Case {
    let steps = if spec.steps.is_empty() {
        vec![Step {
            name: "request".into(),
            request: spec.request.clone().unwrap_or_default(),
            expect: spec.expect.clone(),
            ..Step::default()
        }]
    } else {
        spec.steps.clone()
    };
    let mut safety = ep.map(|e| e.safety).unwrap_or(Safety::Safe);
    for s in &steps {
        if let Some(e) = s.endpoint.as_ref().and_then(|id| profile.endpoint(id)) {
            safety = safety.max(e.safety);
        }
    }
    Case { id, spec: spec.clone(), suite: suite.path.clone(), endpoint: ep.cloned(), steps, safety }
}

/// Whether a template's selector picks this endpoint.
pub fn selects(sel: &EndpointSelector, ep: &Endpoint) -> bool {
    (sel.method.is_empty() || sel.method.contains(&ep.method))
        && (sel.safety.is_empty() || sel.safety.contains(&ep.safety))
        && (sel.input.is_empty() || sel.input.contains(&ep.input))
        && !sel.except.iter().any(|x| x == &ep.id)
}

fn parse_toml<T: serde::de::DeserializeOwned>(f: &DataFile, errors: &mut Vec<SpecError>) -> Option<T> {
    match toml::from_str::<T>(&f.text) {
        Ok(v) => Some(v),
        Err(e) => {
            let message = e.message().trim().to_string();
            let mut err = SpecError::new(&f.shown, first_line(&message).to_string());
            if let Some(span) = e.span() {
                err = err.at(&f.text, span);
            }
            err = err.hint(hint_for_toml_error(&message));
            errors.push(err);
            None
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or(s)
}

/// Turn serde's "unknown field `x`, expected one of `a`, `b`" into a did-you-mean.
fn hint_for_toml_error(message: &str) -> String {
    if let Some(hint) = super::error::unknown_key_hint(message) {
        return hint;
    }
    if message.starts_with("unknown variant") {
        return "use one of the values listed in the message".into();
    }
    if message.starts_with("missing field") {
        return "add the field; see suites/README.md for the case format".into();
    }
    "fix the TOML at this place; see suites/README.md for the format".into()
}

fn line_col_offset(text: &str, line: usize, col: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split_inclusive('\n').enumerate() {
        if i + 1 == line {
            return offset + col.saturating_sub(1).min(l.len());
        }
        offset += l.len();
    }
    text.len()
}

/// Every erratum is executable: an `ambiguous` or `silent` one names the emulator reading
/// that plays the reading it did not pick (and says what that phone does); a `must` one
/// names the fault that contradicts it. Without them a misreading of ours could hide.
fn check_errata(f: &DataFile, errata: &[Erratum], errors: &mut Vec<SpecError>) {
    let mut readings = BTreeSet::new();
    for e in errata {
        let err = |msg: String| {
            SpecError::new(&f.shown, msg)
                .at_text(&f.text, 0, &format!("id = \"{}\"", e.id))
                .field(format!("erratum.{}", e.id))
        };
        match e.verdict {
            crate::verdict::Level::Must => {
                if e.fault.is_none() {
                    errors.push(err(format!("erratum {} (`must`) names no `fault`", e.id)).hint("name the emulator fault that contradicts the decision (`polyconform emulate --list-faults`), so a test proves it FAILs"));
                }
                if e.reading.is_some() {
                    errors.push(err(format!("erratum {} is `must` but names a `reading`", e.id)).hint("a reading is another acceptable way to read the manual; a `must` decision has none: name a `fault` instead"));
                }
            }
            level => {
                match &e.reading {
                    None => errors.push(
                        err(format!("erratum {} (`{}`) names no `reading`", e.id, level.label().to_ascii_lowercase()))
                            .hint("add `reading = \"NAME\"` and `plays = \"...\"`: the emulator must be able to play the reading the decision did not pick, so a test proves it never earns a FAIL"),
                    ),
                    Some(name) if !readings.insert(name.clone()) => errors.push(err(format!("reading `{name}` of erratum {} is named by another erratum too", e.id)).hint("one reading plays one erratum")),
                    Some(_) => {}
                }
                if e.reading.is_some() && e.touches.is_empty() {
                    errors.push(
                        err(format!("erratum {} names a reading but not which endpoints it `touches`", e.id))
                            .hint("list the endpoint ids the reading changes, or `[\"*\"]`"),
                    );
                }
                if e.reading.is_some() && e.plays.as_deref().is_none_or(|p| p.trim().is_empty()) {
                    errors.push(
                        err(format!("erratum {} names a reading but not what it `plays`", e.id))
                            .hint("say in one line what a phone taking that reading does"),
                    );
                }
            }
        }
    }
}

/// `touches` names endpoints some profile has (or `*`).
fn check_touches(errata: &[Erratum], profiles: &[(&DataFile, Profile)], data: &DataFiles, errors: &mut Vec<SpecError>) {
    let known: BTreeSet<&str> = profiles.iter().flat_map(|(_, p)| p.endpoints.iter().map(|e| e.id.as_str())).collect();
    let Some(f) = data.under("suites", "toml").find(|f| f.rel.file_name().is_some_and(|n| n == "errata.toml")) else {
        return;
    };
    for e in errata {
        for t in e.touches.iter().filter(|t| t.as_str() != "*" && !known.contains(t.as_str())) {
            errors.push(
                SpecError::new(&f.shown, format!("erratum {} touches unknown endpoint `{t}`", e.id))
                    .at_text(&f.text, 0, &format!("\"{t}\""))
                    .field("touches")
                    .hint("`polyconform list` shows every endpoint id"),
            );
        }
    }
}

/// A profile against the schemas and errata: the errata its rules cite, and each endpoint.
fn check_profile(f: &DataFile, p: &Profile, schemas: &SchemaSet, errata: &[Erratum], errors: &mut Vec<SpecError>) {
    let rules = [
        ("[failure_response]", p.failure_response.as_ref().map(|r| &r.erratum)),
        ("[patience]", p.patience.as_ref().map(|r| &r.erratum)),
    ];
    for (table, id) in rules {
        if let Some(id) = id
            && !errata.iter().any(|x| &x.id == id)
        {
            errors.push(
                SpecError::new(&f.shown, format!("unknown erratum `{id}` in {table}"))
                    .at_text(&f.text, 0, table)
                    .hint("errata ids are defined in suites/errata.toml"),
            );
        }
    }
    let mut seen = BTreeSet::new();
    for ep in &p.endpoints {
        if !seen.insert(ep.id.clone()) {
            errors.push(
                endpoint_error(f, ep, format!("endpoint `{}` is listed twice", ep.id))
                    .hint("endpoint ids must be unique within a profile"),
            );
        }
        // In this order, so the problems of one endpoint read from its schema file outwards.
        check_endpoint_schema(f, ep, schemas, errors);
        check_endpoint_references(f, p, ep, errata, errors);
        check_endpoint_definitions(f, ep, schemas, errata, errors);
        if !ep.path.starts_with("/api/") {
            errors.push(endpoint_error(f, ep, format!("path `{}` does not start with /api/", ep.path)));
        }
    }
}

/// A problem of one endpoint of a profile, placed at its id.
fn endpoint_error(f: &DataFile, ep: &Endpoint, msg: String) -> SpecError {
    SpecError::new(&f.shown, msg).at_text(&f.text, 0, &format!("\"{}\"", ep.id)).field(format!("endpoint.{}", ep.id))
}

/// The endpoint's schema file exists, with `$defs/response` (unless it names another) and,
/// when it takes input, `$defs/request`.
fn check_endpoint_schema(f: &DataFile, ep: &Endpoint, schemas: &SchemaSet, errors: &mut Vec<SpecError>) {
    let err = |msg: String| endpoint_error(f, ep, msg);
    if !schemas.has_file(&ep.schema) {
        errors.push(
            err(format!("schema file `{}` of endpoint `{}` does not exist", ep.schema, ep.id))
                .hint("the path is relative to schemas/, e.g. `v1/mgmt/device/info.json`"),
        );
        return;
    }
    if ep.response_def.is_none() && !schemas.has_def(&ep.schema, "response") {
        errors.push(
            err(format!("schema `{}` has no `$defs/response`", ep.schema))
                .hint("describe the success answer under `$defs/response`"),
        );
    }
    if ep.input != Input::None && !schemas.has_def(&ep.schema, "request") {
        errors.push(
            err(format!("endpoint `{}` takes input but `{}` has no `$defs/request`", ep.id, ep.schema))
                .hint("describe the body under `$defs/request`"),
        );
    }
}

/// What the endpoint refers to resolves: its codes are in the profile's table, its errata
/// (and its alternates') exist, and each alternate gives exactly one other form.
fn check_endpoint_references(
    f: &DataFile,
    p: &Profile,
    ep: &Endpoint,
    errata: &[Erratum],
    errors: &mut Vec<SpecError>,
) {
    let err = |msg: String| endpoint_error(f, ep, msg);
    for code in &ep.codes {
        if !p.is_known_code(code) {
            errors.push(
                err(format!("code `{code}` of endpoint `{}` is not in the profile's status_codes table", ep.id))
                    .hint("add it to [status_codes] with the manual's description"),
            );
        }
    }
    for e in ep.errata.iter().chain(ep.alternates.iter().map(|a| &a.erratum)) {
        if !errata.iter().any(|x| &x.id == e) {
            errors.push(err(format!("unknown erratum `{e}`")).hint("errata ids are defined in suites/errata.toml"));
        }
    }
    for a in &ep.alternates {
        let forms =
            usize::from(a.path.is_some()) + usize::from(!a.rename.is_empty()) + usize::from(!a.lowercase.is_empty());
        if forms != 1 {
            errors.push(
                err(format!("an alternate of endpoint `{}` must give exactly one of `path`, `rename` or `lowercase`", ep.id))
                    .hint("one alternate is one other form of the request: the printed path, renamed data members, or values in lower case"),
            );
        }
    }
}

/// The schema has the endpoint's `response_def`, and each preferred-reading definition
/// is named after an erratum that exists.
fn check_endpoint_definitions(
    f: &DataFile,
    ep: &Endpoint,
    schemas: &SchemaSet,
    errata: &[Erratum],
    errors: &mut Vec<SpecError>,
) {
    let err = |msg: String| endpoint_error(f, ep, msg);
    if schemas.has_file(&ep.schema) && !schemas.has_def(&ep.schema, ep.response_def()) {
        errors.push(
            err(format!("schema `{}` has no `$defs/{}` (the endpoint's response_def)", ep.schema, ep.response_def()))
                .hint("name a definition the schema file has"),
        );
    }
    for def in schemas.defs(&ep.schema).filter_map(|d| d.strip_prefix(PREFERRED_PREFIX)) {
        if !errata.iter().any(|x| x.id == def) {
            errors.push(
                err(format!(
                    "schema `{}` defines `$defs/{PREFERRED_PREFIX}{def}`, but there is no erratum {def}",
                    ep.schema
                ))
                .hint("a preferred-reading definition is named after the erratum that grades a miss"),
            );
        }
    }
}

/// The cross-file checks of every case: ids unique per profile and well formed, names of
/// endpoints, profiles and errata that exist, a shape that sends something and expects
/// something, and JSON pointers, patterns and template variables that can work.
fn check_suites(
    suites: &[Suite],
    sources: &[&DataFile],
    profiles: &[Profile],
    errata: &[Erratum],
    errors: &mut Vec<SpecError>,
) {
    let known = Known {
        endpoints: profiles.iter().flat_map(|p| p.endpoints.iter().map(|e| e.id.as_str())).collect(),
        profiles: profiles.iter().map(|p| p.id.as_str()).collect(),
        errata,
    };
    let mut ids: BTreeMap<String, Vec<(Vec<String>, PathBuf)>> = BTreeMap::new();
    for (suite, f) in suites.iter().zip(sources) {
        let tables = case_table_offsets(&f.text);
        for (k, spec) in suite.cases.iter().enumerate() {
            // Errors point into the case's own `[[case]]` table (the k-th of the file), so a
            // repeated id or endpoint name never sends the reader to an earlier case.
            let case_at = if tables.len() == suite.cases.len() {
                tables[k]
            } else {
                f.text.find(&format!("\"{}\"", spec.id)).unwrap_or(0)
            };
            let err = |msg: String, needle: &str| SpecError::new(&f.shown, msg).at_text(&f.text, case_at, needle);
            check_case_id(spec, &suite.path, &mut ids, &err, errors);
            check_case_names(spec, &known, &err, errors);
            check_case_shape(spec, &err, errors);
            check_case_templates(spec, &err, errors);
        }
    }
}

/// The names a case may use: every profile's endpoint ids, the profile ids, the errata.
struct Known<'a> {
    endpoints: BTreeSet<&'a str>,
    profiles: Vec<&'a str>,
    errata: &'a [Erratum],
}

/// Where a problem of one case is placed: a message and the text to point at.
type CaseError<'e> = dyn Fn(String, &str) -> SpecError + 'e;

/// The case id: lowercase, and not used by another case of the same profile. An id may
/// repeat only for disjoint `profiles` (one requirement graded differently per manual,
/// E19): within one profile an id names exactly one trial.
fn check_case_id(
    spec: &CaseSpec,
    suite: &std::path::Path,
    ids: &mut BTreeMap<String, Vec<(Vec<String>, PathBuf)>>,
    err: &CaseError,
    errors: &mut Vec<SpecError>,
) {
    let overlap = |a: &[String], b: &[String]| a.is_empty() || b.is_empty() || a.iter().any(|p| b.contains(p));
    let same_id = ids.entry(spec.id.clone()).or_default();
    if let Some((_, prev)) = same_id.iter().find(|(p, _)| overlap(p, &spec.profiles)) {
        errors.push(
            err(format!("case id `{}` is also used in {}", spec.id, prev.display()), &spec.id)
                .field("id")
                .hint("case ids are stable names: pick a new one (an id may repeat only with disjoint `profiles`)"),
        );
    }
    same_id.push((spec.profiles.clone(), suite.to_path_buf()));
    if !spec.id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-') {
        errors.push(
            err(format!("case id `{}` must be lowercase letters, digits, `.` and `-`", spec.id), &spec.id).field("id"),
        );
    }
}

/// The endpoints, profiles and errata a case names exist; a template names no endpoint.
fn check_case_names(spec: &CaseSpec, known: &Known, err: &CaseError, errors: &mut Vec<SpecError>) {
    let mut endpoint_ids: Vec<&String> = spec.endpoint.iter().collect();
    endpoint_ids.extend(spec.steps.iter().filter_map(|s| s.endpoint.as_ref()));
    for ep in endpoint_ids {
        if !known.endpoints.contains(ep.as_str()) {
            let mut e =
                err(format!("unknown endpoint `{ep}` in case `{}`", spec.id), &format!("\"{ep}\"")).field("endpoint");
            e = match did_you_mean(ep, known.endpoints.iter().copied()) {
                Some(near) => e.hint(format!("did you mean `{near}`? (`polyconform list` shows every endpoint)")),
                None => e.hint("`polyconform list` shows every endpoint id"),
            };
            errors.push(e);
        }
    }
    if spec.endpoint.is_some() && spec.for_each_endpoint.is_some() {
        errors.push(
            err(format!("case `{}` has both `endpoint` and `for_each_endpoint`", spec.id), "for_each_endpoint")
                .hint("a template names no endpoint of its own"),
        );
    }
    for p in &spec.profiles {
        if !known.profiles.contains(&p.as_str()) {
            errors.push(
                err(format!("unknown profile `{p}`"), &format!("\"{p}\""))
                    .field("profiles")
                    .hint(format!("known profiles: {}", known.profiles.join(", "))),
            );
        }
    }
    let outcome_errata =
        spec.expect.iter().chain(spec.steps.iter().flat_map(|s| s.expect.iter())).flat_map(|x| x.errata.iter());
    for e in spec.errata.iter().chain(outcome_errata) {
        if !known.errata.iter().any(|x| &x.id == e) {
            errors.push(
                err(format!("unknown erratum `{e}`"), &format!("\"{e}\""))
                    .field("errata")
                    .hint("errata ids are defined in suites/errata.toml"),
            );
        }
    }
}

/// One request (`request` + `expect`) or a flow of steps, never both; and unless the case
/// is `not_tested`, something sent and every request's acceptable outcomes listed.
fn check_case_shape(spec: &CaseSpec, err: &CaseError, errors: &mut Vec<SpecError>) {
    let single = spec.request.is_some() || !spec.expect.is_empty();
    if single && !spec.steps.is_empty() {
        errors.push(
            err(format!("case `{}` has both `request`/`expect` and `[[case.step]]`", spec.id), "step")
                .hint("use `request`+`expect` for one request, or steps for a flow"),
        );
    }
    if spec.not_tested.is_some() {
        return;
    }
    if !single && spec.steps.is_empty() {
        errors.push(
            err(format!("case `{}` sends nothing", spec.id), &spec.id)
                .hint("add `request` and `[[case.expect]]`, or `[[case.step]]`s, or `not_tested = \"reason\"`"),
        );
    }
    if single && spec.expect.is_empty() {
        errors.push(
            err(format!("case `{}` has no `[[case.expect]]`", spec.id), &spec.id)
                .hint("list every acceptable outcome; a case that accepts anything checks nothing"),
        );
    }
    for s in &spec.steps {
        if s.expect.is_empty() {
            errors.push(
                err(format!("step `{}` of case `{}` has no `expect`", s.name, spec.id), &format!("\"{}\"", s.name))
                    .hint("list every acceptable outcome of the step"),
            );
        }
    }
}

/// What the template check reads of one step (or of a single-request case): its captures,
/// its expectations, and its request as JSON text.
type StepParts<'s> = (Option<&'s BTreeMap<String, String>>, &'s Vec<Expect>, String);

/// Step by step, in order: the JSON pointers and patterns of the expectations work, and
/// every `{{var}}` of a request or expectation is a run variable or was captured by an
/// earlier step.
fn check_case_templates(spec: &CaseSpec, err: &CaseError, errors: &mut Vec<SpecError>) {
    let mut defined: BTreeSet<String> = RUN_VARS.iter().map(|s| s.to_string()).collect();
    let steps: Vec<StepParts> = if spec.steps.is_empty() {
        vec![(None, &spec.expect, serde_json::to_string(&spec.request).unwrap_or_default())]
    } else {
        spec.steps
            .iter()
            .map(|s| (Some(&s.capture), &s.expect, serde_json::to_string(&s.request).unwrap_or_default()))
            .collect()
    };
    for (capture, expects, request_text) in steps {
        let mut texts = vec![request_text];
        texts.extend(check_expect_json(spec, expects, err, errors));
        for t in &texts {
            for var in template_vars(t) {
                if !defined.contains(&var) {
                    errors.push(
                        err(
                            format!("`{{{{{var}}}}}` is used in case `{}` before any step captures it", spec.id),
                            &format!("{{{{{var}}}}}"),
                        )
                        .hint("capture it in an earlier step: `capture = { name = \"/json/pointer\" }`"),
                    );
                }
            }
        }
        if let Some(c) = capture {
            for (name, p) in c {
                check_pointer(p, spec, err, errors);
                defined.insert(name.clone());
            }
        }
    }
}

/// The JSON checks of one request's expectations: pointers well formed, patterns valid.
/// Returns the texts in them where template variables may appear.
fn check_expect_json(spec: &CaseSpec, expects: &[Expect], err: &CaseError, errors: &mut Vec<SpecError>) -> Vec<String> {
    let mut texts = Vec::new();
    for x in expects {
        for j in &x.json {
            check_pointer(&j.pointer, spec, err, errors);
            if let Some(p) = &j.pattern
                && let Err(e) = regex::Regex::new(p)
            {
                errors.push(
                    err(
                        format!(
                            "`{p}` in case `{}` is not a regular expression: {}",
                            spec.id,
                            first_line(&e.to_string())
                        ),
                        &format!("\"{p}\""),
                    )
                    .field("pattern")
                    .hint("write a regular expression in Rust's `regex` syntax, e.g. `^0 Days? 0:0`"),
                );
            }
            texts.push(j.pointer.clone());
            if let Some(c) = &j.contains {
                for (p, v) in c {
                    check_pointer(p, spec, err, errors);
                    texts.push(v.to_string());
                }
            }
            texts.extend(j.equals.iter().map(|v| v.to_string()));
        }
    }
    texts
}

/// Byte offsets of the `[[case]]` table headers of a suite file, in order.
fn case_table_offsets(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let body = line.trim_start();
        if body.starts_with("[[case]]") {
            out.push(offset + line.len() - body.len());
        }
        offset += line.len();
    }
    out
}

fn check_pointer(p: &str, spec: &CaseSpec, err: &dyn Fn(String, &str) -> SpecError, errors: &mut Vec<SpecError>) {
    let bad_escape = p.match_indices('~').any(|(i, _)| !matches!(p.as_bytes().get(i + 1), Some(b'0' | b'1')));
    if !(p.is_empty() || p.starts_with('/')) || bad_escape {
        errors.push(
            err(format!("`{p}` in case `{}` is not a JSON pointer", spec.id), &format!("\"{p}\""))
                .field("pointer")
                .hint(
                    "a JSON pointer starts with `/` and escapes `~` as `~0` and `/` as `~1`, e.g. `/data/0/CallState`",
                ),
        );
    }
}

/// `$defs` entries named `preferred-<erratum>` describe the reading an erratum prefers;
/// an answer outside one is graded by that erratum's level (NON-STRICT or INFO), never FAIL.
pub const PREFERRED_PREFIX: &str = "preferred-";

/// Names every case may use without capturing them first: `call_ref` (the handle of the
/// call an `active-call`, `held-call` or `incoming-call` precondition set up) and `dial`
/// (the run's `--dial` number, for flows that place their own call).
pub const RUN_VARS: [&str; 2] = ["call_ref", "dial"];

/// The `{{name}}` placeholders in a text.
pub fn template_vars(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                out.push(after[..end].trim().to_string());
                rest = &after[end + 2..];
            }
            None => break,
        }
    }
    out
}

/// Replace every `{{name}}` with its captured value; unknown names stay as written so
/// the mistake shows in the wire log instead of vanishing.
pub fn fill_template(text: &str, vars: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match vars.get(name) {
                    Some(v) => out.push_str(v),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> DataFile {
        DataFile { rel: PathBuf::from(rel), shown: PathBuf::from(rel), text: text.to_string() }
    }

    const PROFILE: &str = r#"
id = "t-1"
family = "t"
product = "Test phone"
firmware = "1"
manual = "test manual"
models = ["T1"]
default_username = "Polycom"
factory_password = "456"
[limits]
body_bytes_accepted = 20000
body_bytes_rejected_above = 20480
config_params_max = 20
[status_codes]
"2000" = "ok"
"4000" = "invalid"
[[endpoint]]
id = "mgmt.device-info"
title = "Management.DeviceInfo"
section = "Management.DeviceInfo"
method = "GET"
path = "/api/v1/mgmt/device/info"
input = "none"
codes = ["2000"]
safety = "safe"
schema = "v1/info.json"
[[endpoint]]
id = "mgmt.reboot"
title = "Management.Reboot"
section = "Management.Reboot"
method = "POST"
path = "/api/v1/mgmt/safeReboot"
input = "none"
codes = ["2000"]
safety = "destructive"
schema = "v1/info.json"
"#;

    const SCHEMA: &str = r#"{"$schema": "https://json-schema.org/draft/2020-12/schema",
 "$id": "https://polyconform.invalid/schemas/v1/info.json",
 "$defs": {"response": {"type": "object", "required": ["Status"]}}}"#;

    const SUITE: &str = r#"
[[case]]
id = "info.schema"
title = "device info answers"
family = "schema"
level = "must"
endpoint = "mgmt.device-info"
manual = { section = "Management.DeviceInfo", quote = "Success Response" }
request = {}
[[case.expect]]
http = [200]

[[case]]
id = "auth.none"
title = "no credentials get 401"
family = "auth"
level = "must"
for_each_endpoint = { safety = ["safe"] }
manual = { section = "Auth", quote = "401" }
request = { auth = "none" }
[[case.expect]]
http = [401]
"#;

    fn load(suite: &str) -> Result<Catalogue, SpecErrors> {
        Catalogue::load(&DataFiles {
            files: vec![
                file("schemas/v1/info.json", SCHEMA),
                file("suites/profiles/t-1.toml", PROFILE),
                file("suites/s.toml", suite),
            ],
        })
    }

    #[test]
    fn templates_expand_per_selected_endpoint_with_prefixed_ids() {
        let cat = load(SUITE).expect("loads");
        let ids: Vec<String> = cat.cases_for(&cat.profiles[0]).into_iter().map(|c| c.id).collect();
        assert_eq!(ids, vec!["t.info.schema", "t.auth.none.mgmt.device-info"]);
    }

    #[test]
    fn unknown_key_points_at_its_line_with_did_you_mean() {
        let bad = SUITE.replace("[[case.expect]]\nhttp = [200]", "[[case.expect]]\nhtp = [200]");
        let errs = load(&bad).unwrap_err().0;
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].line, Some(11));
        assert!(errs[0].hint.as_deref().unwrap_or("").contains("did you mean `http`"), "{:?}", errs[0]);
    }

    #[test]
    fn unknown_endpoint_and_bad_pointer_are_reported_with_places() {
        let bad = SUITE
            .replace("endpoint = \"mgmt.device-info\"", "endpoint = \"mgmt.device-inf\"")
            .replace("http = [401]", "http = [401]\njson = [{ pointer = \"data/x\", exists = true }]");
        let errs = load(&bad).unwrap_err().0;
        let unknown = errs.iter().find(|e| e.message.contains("unknown endpoint")).expect("unknown endpoint reported");
        assert_eq!(unknown.line, Some(7));
        assert!(unknown.hint.as_deref().unwrap_or("").contains("mgmt.device-info"));
        let pointer = errs.iter().find(|e| e.message.contains("not a JSON pointer")).expect("pointer reported");
        assert!(pointer.line.is_some());
    }

    #[test]
    fn an_id_repeats_only_for_disjoint_profiles_and_errors_point_at_the_repeat() {
        let twin = |profiles: &str| {
            format!(
                "\n[[case]]\nid = \"info.schema\"\ntitle = \"t\"\nfamily = \"schema\"\nlevel = \"ambiguous\"\nendpoint = \"mgmt.device-info\"\nprofiles = {profiles}\nmanual = {{ section = \"s\", quote = \"q\" }}\nrequest = {{}}\n[[case.expect]]\nhttp = [200]\n"
            )
        };
        let files = |suite: String| DataFiles {
            files: vec![
                file("schemas/v1/info.json", SCHEMA),
                file("suites/profiles/t-1.toml", PROFILE),
                file("suites/profiles/t-2.toml", &PROFILE.replace("id = \"t-1\"", "id = \"t-2\"")),
                file("suites/s.toml", &suite),
            ],
        };
        let split = format!("{}{}", twin("[\"t-1\"]"), twin("[\"t-2\"]"));
        let cat = Catalogue::load(&files(split)).expect("disjoint profiles may share an id");
        assert_eq!(cat.cases_for(&cat.profiles[1]).len(), 1);

        let clash = format!("{}{}", twin("[\"t-1\"]"), twin("[]"));
        let errs = Catalogue::load(&files(clash)).unwrap_err().0;
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(errs[0].message.contains("is also used"), "{errs:?}");
        assert_eq!(errs[0].line, Some(15), "points at the second case's id, not the first: {errs:?}");
    }

    #[test]
    fn case_without_outcomes_is_an_error_not_a_silent_pass() {
        let bad = SUITE.replace("[[case.expect]]\nhttp = [200]\n", "");
        let errs = load(&bad).unwrap_err().0;
        assert!(errs.iter().any(|e| e.message.contains("has no `[[case.expect]]`")), "{errs:?}");
    }

    #[test]
    fn a_schema_that_does_not_parse_is_reported_once_not_also_as_missing() {
        let cat = Catalogue::load(&DataFiles {
            files: vec![file("schemas/v1/info.json", "{ not json"), file("suites/profiles/t-1.toml", PROFILE)],
        });
        let errs = cat.unwrap_err().0;
        assert!(errs.iter().any(|e| e.message.contains("invalid JSON")), "{errs:?}");
        assert!(!errs.iter().any(|e| e.message.contains("does not exist")), "{errs:?}");
    }

    #[test]
    fn a_data_file_that_is_not_utf8_is_named() {
        let root = std::env::temp_dir().join(format!("polyconform-data-utf8-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("suites")).unwrap();
        std::fs::write(root.join("suites").join("bad.toml"), b"id = \"\xff\xfe\"\n").unwrap();
        let err = DataFiles::from_dir(&root).unwrap_err().to_string();
        assert!(err.contains("bad.toml") && err.contains("UTF-8"), "{err}");
        let _ = std::fs::remove_dir_all(&root);
    }

    #[test]
    fn missing_schema_file_of_a_profile_endpoint_is_an_error() {
        let cat = Catalogue::load(&DataFiles {
            files: vec![
                file("schemas/v1/other.json", &SCHEMA.replace("v1/info.json", "v1/other.json")),
                file("suites/profiles/t-1.toml", PROFILE),
            ],
        });
        let errs = cat.unwrap_err().0;
        assert!(errs.iter().any(|e| e.message.contains("does not exist")), "{errs:?}");
    }

    #[test]
    fn templates_fill_known_names_and_keep_unknown_ones() {
        let vars = BTreeMap::from([("call_ref".to_string(), "0a1b2c3d".to_string())]);
        assert_eq!(fill_template("/x?handle={{call_ref}}&y={{other}}", &vars), "/x?handle=0a1b2c3d&y={{other}}");
        assert_eq!(template_vars("a {{ x }} b {{y}}"), vec!["x", "y"]);
    }
}
