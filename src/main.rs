//! The `polyconform` binary: parse the command line, dispatch, exit.

use clap::Parser;
use polyconform::cli::{Cli, Command};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Usage errors are "could not judge" (2), as clap's own default; help and version are 0.
            return ExitCode::from(if e.use_stderr() {
                polyconform::exit::CANNOT_JUDGE
            } else {
                polyconform::exit::OK
            });
        }
    };
    match cli.command {
        Command::Run(args) => polyconform::run::command::run(args),
        Command::Fuzz(args) => polyconform::fuzz::command::fuzz(args),
        Command::Replay(args) => polyconform::fuzz::command::replay(args),
        Command::Emulate(args) => polyconform::emulator::command::emulate(args),
        Command::List(args) => polyconform::catalogue::command::list(args),
        Command::Lint(args) => polyconform::catalogue::command::lint(args),
        Command::Snapshot(args) => polyconform::report::snapshot::command(args),
        Command::Lab(args) => polyconform::lab::command::lab(args),
    }
}
