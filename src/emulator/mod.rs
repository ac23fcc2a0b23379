//! The reference phone. Reads `spec` (the manual as data), never `check`.

pub mod command;
