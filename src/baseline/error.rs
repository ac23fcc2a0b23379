//! Why a baseline could not be read or written. Every message names the file (and line
//! where there is one) and what to do.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    #[error("{place}: cannot read the baseline: {source}")]
    Read { place: PathBuf, source: std::io::Error },
    #[error("cannot create `{}`: {source}", .place.display())]
    Create { place: PathBuf, source: std::io::Error },
    #[error("cannot write `{}`: {source}", .place.display())]
    Write { place: PathBuf, source: std::io::Error },
    #[error(
        "baseline `{}` not found (hint: record it with `polyconform snapshot --name {name}`; shipped baselines: {})",
        .dir.display(),
        .shipped.join(", ")
    )]
    NotFound { dir: PathBuf, name: String, shipped: Vec<String> },
    #[error("baseline `{}` holds no .snap file (hint: record it with `polyconform snapshot --name {name}`)", .dir.display())]
    Empty { dir: PathBuf, name: String },
    /// A `.snap` file that does not parse; `place` is `file` or `file:line`.
    #[error("{place}: {detail}")]
    Malformed { place: String, detail: String },
    #[error(
        "no endpoint answered HTTP 200 with JSON, nothing recorded; first answer: {first} (hint: check --target, the password and that the REST API is enabled)"
    )]
    NothingRecorded { first: String },
}
