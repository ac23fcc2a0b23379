//! `polyconform lint [PATH]`: validate schemas (against the meta-schema), profiles,
//! errata and suite files, and say where each problem is.

use super::exit;
use crate::catalogue::{Catalogue, DataFiles, SpecErrors};
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Clone, Args)]
#[command(after_help = "PATH may be a project directory (with schemas/ and suites/), a single \
suite file (checked against the built-in profiles and schemas), or omitted for the built-in data.")]
pub struct LintArgs {
    #[arg(value_name = "PATH")]
    pub path: Option<PathBuf>,
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
        Some(p) => match DataFiles::with_single_file(p) {
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
