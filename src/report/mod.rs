//! Readers of a finished run: console, JUnit, JSON, HTML. They never send a request.

pub mod baseline;
pub mod console;
pub mod curl;
pub mod html;
pub mod json;
pub mod junit;
pub mod model;
pub mod progress;
pub mod redact;
pub mod snapshot;
pub mod waivers;
