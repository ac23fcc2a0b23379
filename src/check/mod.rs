//! The judges: one file per rule family, pure functions over recorded exchanges.
//!
//! Checks never send a request. Each returns [`Finding`]s that cite the manual.

pub mod finding;

pub use finding::Finding;
