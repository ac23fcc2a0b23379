//! Schema-driven malformed input, oracles, shrinking and replay.

pub mod command;
