//! `polyconform list`: the catalogue (what the manuals define, as data), as text or JSON.

use super::exit;
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ListFormat {
    #[default]
    Text,
    Json,
}

#[derive(Debug, Clone, Args)]
pub struct ListArgs {
    /// Only this profile (default: every profile).
    #[arg(long, value_name = "PROFILE")]
    pub profile: Option<String>,
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
    /// Read schemas/ and suites/ from this directory instead of the built-in copy.
    #[arg(long, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

pub fn list(args: ListArgs) -> ExitCode {
    let cat = match crate::job::load_catalogue(args.data.as_deref()) {
        Ok(c) => c,
        Err(e) => return exit::setup_failed(&e),
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
