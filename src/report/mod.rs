//! Readers of a finished run: console, JUnit, JSON, HTML. They never send a request.

pub mod console;
pub mod curl;
pub mod json;
pub mod junit;
pub mod model;
pub mod redact;
pub mod snapshot;
