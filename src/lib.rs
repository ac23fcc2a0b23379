//! polyconform: conformance and fuzz testing of the REST API of Poly VVX and Trio phones.
//!
//! The data flow, one module per arrow:
//!
//! ```text
//! suites/*.toml, schemas/**/*.json, suites/profiles/*.toml
//!   └─ catalogue ─► Catalogue, Case                (what the manual says, as data)
//!   └─ run::plan ─► libtest-mimic Trial per Case   (filters, safety opt-in)
//!   └─ device ────► Exchange                       (one request in flight per phone)
//!   └─ check ─────► Finding                        (one file per rule family, cites the manual)
//!   └─ run ───────► CaseRecord with a Verdict      (worst finding decides)
//!   └─ report ────► console, JUnit, JSON, HTML     (readers only; secrets redacted)
//! ```
//!
//! `fuzz` feeds generated requests through the same device and judges them with its own
//! oracles. `diff` holds two finished runs (two phones, two firmware, a phone and the
//! emulator) against each other. `phone` speaks the API for the harness's own bookkeeping (setting cases up,
//! putting the phone back, fuzz restores, the lab's health probe), once for all of them.
//! `emulator` is the reference phone; it reads `catalogue` but never `check`, so the
//! judge and the defendant share only the manual. The command line (`cli`) is the roof:
//! nothing below it imports it.

pub mod baseline;
pub mod catalogue;
pub mod check;
pub mod cli;
pub mod device;
pub mod diff;
pub mod emulator;
pub mod fuzz;
pub mod job;
pub mod lab;
pub mod phone;
pub mod record;
pub mod report;
pub mod run;
pub mod verdict;
