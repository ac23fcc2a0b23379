//! Cases become libtest-mimic trials; trials produce case records with verdicts.

pub mod command;
