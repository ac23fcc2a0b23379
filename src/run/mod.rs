//! `polyconform run`: cases become libtest-mimic trials; trials produce case records
//! with verdicts.
//!
//! Module map, in the order a case goes through them: `target` (which phone, which
//! credentials, or the built-in emulator), `trial` (libtest-mimic adapter, filters and
//! the destructive opt-in), `engine` (one case: set up, send, judge, clean up),
//! `precondition` (call states and packet capture a case needs), `request` (suite
//! request -> wire request, generated bodies), `safety` (restore what a case changed),
//! `outcome` (verdict of a case; device faults and harness faults kept apart), `command`
//! (the CLI entry point, reports and exit code).

pub mod alternate;
pub mod command;
pub mod engine;
pub mod outcome;
pub mod precondition;
pub mod request;
pub mod safety;
pub mod target;
pub mod trial;

pub use engine::{Engine, IncomingSource, PreflightError, RunOptions, run_all};
pub use target::{Target, TargetError, connect};
