//! Readers of a finished run: console, JUnit, JSON, HTML. They never send a request.

pub mod model;
pub mod snapshot;
