//! Schema-driven malformed input, oracles, shrinking and replay.
//!
//! ```text
//! schemas/ ── request_schema ─► strategy (valid bodies, proptest)
//!                                 └─ mutate (value / encoding / protocol operators)
//!                                     └─ generator ─► FuzzCase (deterministic per seed)
//! FuzzCase ── campaign: restore wrap, device (gated) ─► Exchange
//!                └─ case::classify + oracle::judge ─► Violation?
//!                     └─ shrink ─► group (same minimal request?) ─► repro (fuzz/repros/<profile>/*.json)
//! repro ── replay ─► STILL FAILING / FIXED / ERROR
//! ```
//!
//! `setup` builds a campaign for whoever starts one (the `fuzz` command, a lab run);
//! `record` turns its summary into the run record the reports read.
//!
//! `case::classify` decides what a request *means* from the request alone, so fresh
//! cases, shrink candidates and replayed reproducers are judged by one rule.

pub mod campaign;
pub mod case;
pub mod generator;
pub mod group;
pub mod mutate;
pub mod oracle;
pub mod progress;
pub mod record;
pub mod replay;
pub mod repro;
pub mod request_schema;
pub mod restore;
pub mod setup;
pub mod shrink;
pub mod strategy;
