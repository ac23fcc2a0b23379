//! `polyconform diff`: two finished runs in, a [`Diff`] out: every way two phones (or
//! firmware releases, or a phone and an emulator) answer the same cases differently.
//!
//! Pure: nothing here sends a request or reads a file; the command line gets the two
//! [`RunRecord`](crate::record::RunRecord)s (live runs or recorded `report.json`s) and
//! writes what comes out. Module map: `normalise` (what is kept of a record once
//! volatile values are set aside: case keys, outcome keys, masked text), `timing` (when
//! a slower answer is an outlier), `compare` (the matching and comparing), `model` (the
//! [`Diff`] value), and its readers `console`, `json` (`diff.json`, described by
//! `schemas/diff.schema.json`) and `html` (`diff.html`).
//!
//! The writers live here rather than in `report/`: they read a finished [`Diff`], not a
//! run's record, and `report/` stays the readers of one run.

pub mod compare;
pub mod console;
pub mod html;
pub mod json;
pub mod model;
pub mod normalise;
pub mod timing;

pub use compare::compare;
pub use model::{Diff, Difference, Kind, Side, Summary};
