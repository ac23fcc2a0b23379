//! Baselines: the shape of every safe answer, recorded once (`polyconform snapshot`),
//! compared on every run (`polyconform run --baseline NAME`).
//!
//! A judge beside `check/`: it reads a finished run's answers and produces INFO findings
//! (a changed shape is news for the reader, not a defect). `shape` computes shapes,
//! `file` reads and writes one `.snap` file, `capture` sends the requests of a recording,
//! `compare` holds a run against a recorded baseline; its [`shape_changes`] is also the
//! shape comparison of `polyconform diff`.

pub mod capture;
pub mod compare;
pub mod error;
pub mod file;
pub mod shape;

pub use compare::{
    BaselineDiff, Comparison, DiffKind, ShapeChange, as_case, compare, compare_report, load, resolve, shape_changes,
};
pub use error::BaselineError;
pub use file::SnapFile;
pub use shape::{pretty, shape_of};

use crate::record::RunRecord;

/// Compare `record` with the baseline `name` and attach the result: one note per
/// difference, and the differences as INFO findings of a `<family>.baseline.<name>`
/// case, so JUnit and the HTML matrix show them. A baseline that cannot be read is a
/// note, not a verdict about the phone.
pub fn attach(name: &str, family: &str, record: &mut RunRecord) {
    let dir = resolve(name);
    match compare_report(&dir, record) {
        Ok(comparison) => {
            record.notes.extend(comparison.diffs.iter().map(|d| d.to_string()));
            let case = as_case(family, &dir, record, &comparison);
            record.cases.push(case);
        }
        Err(msg) => record.notes.push(format!("baseline `{name}` could not be compared: {msg}")),
    }
}
