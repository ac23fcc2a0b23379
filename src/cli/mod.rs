//! The command line, the roof of the house: every subcommand's flags and help, what it
//! prints, and its exit code.
//!
//! One file per command (`run`, `fuzz`, `replay`, `emulate`, `list`, `lint`, `snapshot`,
//! `diff`, `lab`), plus the flags every phone-facing command shares (`target`) and the exit codes
//! (`exit`). Nothing below this module imports it: the domain modules return values and
//! typed errors, and the command decides what to print and which code to exit with.
//! Flag names are a contract with scripts and CI jobs: change them only with a
//! deprecation.

pub mod bounds;
pub mod diff;
pub mod emulate;
pub mod exit;
pub mod fuzz;
pub mod lab;
pub mod lint;
pub mod list;
pub mod peer;
pub mod replay;
pub mod run;
pub mod snapshot;
pub mod target;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "polyconform",
    version,
    about = "Conformance and fuzz test harness for the REST API of Poly VVX and Trio phones",
    long_about = "Conformance and fuzz test harness for the REST API of Poly (Polycom) phones: \
VVX on UC Software 5.9.0 and Poly Trio 8300/8500/8800 on UC Software 5.9.1.\n\n\
Start here:\n  polyconform run                      every case against the built-in emulator\n  \
polyconform run --target https://10.0.0.5 --insecure   against a phone (password from POLYCONFORM_PASSWORD)\n  \
polyconform diff --target A --target B   every case on two phones at once, every difference (0 equal, 1 differ)\n  \
polyconform list                     what the manuals define, as data\n  \
polyconform emulate                  a reference phone on 127.0.0.1\n\n\
Exit codes, in this order: 1 at least one FAIL (or fuzz finding), even when other cases \
are ERROR; 2 nothing FAILed but something could not be judged (usage error, bad data file, \
target unreachable, TLS failure, an ERROR case); 0 everything judged, no FAIL.\n\n\
A FAIL always quotes a manual sentence that states the outcome; where the manual has two \
readings the other one is NON-STRICT or INFO (suites/errata.toml). `polyconform emulate \
--list-readings` lists the other readings the built-in emulator can play (`run --reading`).",
    after_help = "Each subcommand has its own --help."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the conformance suites against a phone, or the built-in emulator when no --target is given.
    Run(run::RunArgs),
    /// Fuzz a phone with schema-driven malformed input; shrink and save each finding.
    Fuzz(fuzz::FuzzArgs),
    /// Re-send saved fuzz reproducers and report each as STILL FAILING / FIXED / ERROR.
    Replay(replay::ReplayArgs),
    /// Start the reference emulator of a phone (runs until interrupted).
    Emulate(emulate::EmulateArgs),
    /// List the catalogue: endpoints with method, path, safety class, schema and case count.
    List(list::ListArgs),
    /// Validate schemas (against the meta-schema), profiles, errata and suite files.
    Lint(lint::LintArgs),
    /// Record the shape of every safe endpoint's answer as a baseline under snapshots/NAME/.
    Snapshot(snapshot::SnapshotArgs),
    /// Run every case on two phones at once (or read two reports) and report every difference.
    #[command(long_about = diff::LONG_ABOUT)]
    Diff(diff::DiffArgs),
    /// Nightly lab runs: every phone of an inventory at once, history, CI shards, merged reports.
    Lab(lab::LabArgs),
}

/// Parse the command line, run the command, give its exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return exit::usage(&e),
    };
    match cli.command {
        Command::Run(args) => run::run(args),
        Command::Fuzz(args) => fuzz::fuzz(args),
        Command::Replay(args) => replay::replay(args),
        Command::Emulate(args) => emulate::emulate(args),
        Command::List(args) => list::list(args),
        Command::Lint(args) => lint::lint(args),
        Command::Snapshot(args) => snapshot::snapshot(args),
        Command::Diff(args) => diff::diff(args),
        Command::Lab(args) => lab::lab(args),
    }
}
