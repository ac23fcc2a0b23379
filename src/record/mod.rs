//! The record of a finished run, and what is done to it before anyone reads it.
//!
//! `model` is the plain data (the JSON report is this type, serialised); `bodies` bounds
//! how much of each answer a record keeps; `waivers` marks the FAILs a team expects on a
//! profile; `clock` stamps records with the time. The
//! runner and the fuzzer fill a [`RunRecord`]; `report/` only reads it.

pub mod bodies;
pub mod clock;
pub mod model;
pub mod waivers;

pub use model::{CaseRecord, RunRecord};
