//! `polyconform run`: cases become libtest-mimic trials; trials produce case records
//! with verdicts.
//!
//! Module map, in the order a case goes through them: `trial` (libtest-mimic adapter,
//! filters and the destructive opt-in), `selection` (what the filters left out, as
//! NOT-TESTED records), `incoming` (where incoming calls come from), `engine` (one case:
//! set up, send, judge, clean up), `precondition` (call states and packet capture a case
//! needs; `failed_setups` remembers the ones that failed), `peer` (a second phone that rings the target, and ends the calls it made), `request` (suite request -> wire request, generated bodies), `alternate` (the
//! forms of a request the phone serves), `safety` (restore what a case changed, from the
//! `ledger`), `outcome` (verdict of a case; device faults and harness faults kept apart),
//! `breaker` (stop sending when the phone stops answering).
//! Small shared pieces: `options` (what a run may do), `steps` (the labels of the
//! harness's own requests), `notes` (run notes). Which phone and credentials is `job`'s
//! business; the command line is `cli::run`.
//!
//! The engine drives the others and none of them reaches back into it: precondition
//! and safety take the phone's API (`crate::phone`), the ledger and the options they
//! need, so the files of this module import each other without a cycle.

pub mod alternate;
pub mod breaker;
pub mod engine;
pub mod failed_setups;
pub mod incoming;
pub mod ledger;
pub mod notes;
pub mod options;
pub mod outcome;
pub mod peer;
pub mod precondition;
pub mod request;
pub mod safety;
pub mod selection;
pub mod steps;
pub mod trial;

pub use engine::{Engine, PreflightError, run_all};
pub use options::{IncomingSource, RunOptions};
