//! `polyconform list` and `polyconform lint`: the catalogue, shown and checked.

use super::data::DataFiles;
use super::error::{SpecError, SpecErrors};
use super::load::Catalogue;
use crate::cli::{LintArgs, ListArgs, ListFormat};
use crate::exit;
use std::path::Path;
use std::process::ExitCode;

/// Load the catalogue from `--data DIR` or the built-in copy; print errors on failure.
pub fn load_or_report(data: Option<&Path>) -> Result<Catalogue, ExitCode> {
    let files = match data {
        Some(dir) => match DataFiles::from_dir(dir) {
            Ok(f) => f,
            Err(e) => {
                eprintln!(
                    "error: cannot read data directory `{}`: {e}\n(hint: --data must point at a folder holding schemas/ and suites/)",
                    dir.display()
                );
                return Err(exit::code(exit::CANNOT_JUDGE));
            }
        },
        None => DataFiles::embedded(),
    };
    Catalogue::load(&files).map_err(|e| {
        eprintln!("{e}");
        exit::code(exit::CANNOT_JUDGE)
    })
}

pub fn list(args: ListArgs) -> ExitCode {
    let cat = match load_or_report(args.data.as_deref()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    let profiles: Vec<_> = match &args.profile {
        Some(id) => match cat.profile(id) {
            Ok(p) => vec![p],
            Err(msg) => {
                eprintln!("error: {msg}");
                return exit::code(exit::CANNOT_JUDGE);
            }
        },
        None => cat.profiles.iter().collect(),
    };
    let mut out = Vec::new();
    for p in profiles {
        let cases = cat.cases_for(p);
        let endpoints: Vec<serde_json::Value> = p
            .endpoints
            .iter()
            .map(|e| {
                let n = cases.iter().filter(|c| c.endpoint.as_ref().is_some_and(|ce| ce.id == e.id) || c.steps.iter().any(|s| s.endpoint.as_deref() == Some(e.id.as_str()))).count();
                serde_json::json!({
                    "id": e.id, "title": e.title, "section": e.section, "method": e.method.as_str(), "path": e.path,
                    "input": e.input, "safety": e.safety.label(), "codes": e.codes, "schema": format!("schemas/{}", e.schema),
                    "cases": n, "not_tested": e.not_tested,
                })
            })
            .collect();
        out.push(serde_json::json!({
            "profile": p.id, "product": p.product, "firmware": p.firmware, "models": p.models, "manual": p.manual,
            "default_username": p.default_username, "limits": p.limits, "cases": cases.len(), "endpoints": endpoints,
        }));
    }
    match args.format {
        ListFormat::Json => println!("{}", serde_json::to_string_pretty(&out).unwrap_or_default()),
        ListFormat::Text => {
            for p in &out {
                println!(
                    "{} — {} {} ({} cases)",
                    p["profile"].as_str().unwrap_or(""),
                    p["product"].as_str().unwrap_or(""),
                    p["firmware"].as_str().unwrap_or(""),
                    p["cases"]
                );
                for e in p["endpoints"].as_array().into_iter().flatten() {
                    println!(
                        "  {:<34} {:<5} {:<44} {:<16} {:>3} cases  {}",
                        e["id"].as_str().unwrap_or(""),
                        e["method"].as_str().unwrap_or(""),
                        e["path"].as_str().unwrap_or(""),
                        e["safety"].as_str().unwrap_or(""),
                        e["cases"],
                        e["schema"].as_str().unwrap_or("")
                    );
                }
                println!();
            }
        }
    }
    exit::code(exit::OK)
}

pub fn lint(args: LintArgs) -> ExitCode {
    let files = match &args.path {
        None => DataFiles::embedded(),
        Some(p) if p.is_dir() => match DataFiles::from_dir(p) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("error: cannot read `{}`: {e}", p.display());
                return exit::code(exit::CANNOT_JUDGE);
            }
        },
        Some(p) => match single_file(p) {
            Ok(f) => f,
            Err(e) => {
                eprintln!("{e}");
                return exit::code(exit::CANNOT_JUDGE);
            }
        },
    };
    match Catalogue::load(&files) {
        Ok(cat) => {
            let cases: usize = cat.profiles.iter().map(|p| cat.cases_for(p).len()).sum();
            println!(
                "ok: {} schema files, {} profiles, {} suite files, {} errata, {} cases across profiles",
                cat.schemas.files().count(),
                cat.profiles.len(),
                cat.suites.len(),
                cat.errata.len(),
                cases
            );
            exit::code(exit::OK)
        }
        Err(SpecErrors(errors)) => {
            eprintln!("{}", SpecErrors(errors));
            exit::code(exit::CANNOT_JUDGE)
        }
    }
}

/// One file checked against the built-in catalogue: it replaces its built-in namesake
/// (or joins the suites when it is new).
fn single_file(path: &Path) -> Result<DataFiles, SpecError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| SpecError::new(path, format!("cannot read file: {e}")))?;
    let mut files = DataFiles::embedded();
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let rel = match path.extension().and_then(|e| e.to_str()) {
        Some("json") => {
            let inside = path.to_string_lossy().replace('\\', "/");
            match inside.rfind("schemas/") {
                Some(i) => std::path::PathBuf::from(&inside[i..]),
                None => {
                    return Err(SpecError::new(
                        path,
                        "a schema file must live under a schemas/ folder",
                    )
                    .hint("lint the project directory instead"));
                }
            }
        }
        Some("toml") if path.parent().is_some_and(|d| d.ends_with("profiles")) => {
            Path::new("suites/profiles").join(&name)
        }
        Some("toml") => Path::new("suites").join(&name),
        _ => {
            return Err(
                SpecError::new(path, "not a .toml suite/profile file or a .json schema")
                    .hint("suites and profiles are TOML, schemas are JSON"),
            );
        }
    };
    files.files.retain(|f| f.rel != rel);
    files.files.push(super::data::DataFile {
        rel,
        shown: path.to_path_buf(),
        text,
    });
    Ok(files)
}
