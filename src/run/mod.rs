//! `polyconform run`: cases become libtest-mimic trials; trials produce case records
//! with verdicts.
//!
//! Module map, in the order a case goes through them: `trial` (libtest-mimic adapter,
//! filters and the destructive opt-in), `selection` (what the filters left out, as
//! NOT-TESTED records), `incoming` (where incoming calls come from), `engine` (one case:
//! set up, send, judge, clean up), `precondition` (call states and packet capture a case
//! needs), `request` (suite request -> wire request, generated bodies), `safety` (restore
//! what a case changed), `outcome` (verdict of a case; device faults and harness faults
//! kept apart). Which phone and credentials is `job`'s business; the command line is
//! `cli::run`.

pub mod alternate;
pub mod engine;
pub mod incoming;
pub mod outcome;
pub mod precondition;
pub mod request;
pub mod safety;
pub mod selection;
pub mod trial;

pub use engine::{Engine, IncomingSource, PreflightError, RunOptions, run_all};
