//! Readers of a finished run: console, JUnit, JSON, HTML, curl lines, redaction. They
//! never send a request and never change a verdict (waivers and baselines are applied to
//! the record before it gets here).

pub mod console;
pub mod curl;
pub mod html;
pub mod json;
pub mod junit;
pub mod markup;
pub mod progress;
pub mod redact;

use crate::record::RunRecord;
use redact::Redactor;
use std::path::Path;

/// Write JUnit XML, the JSON report and the HTML report of `record` into `dir`, every
/// text passed through `redactor`.
pub fn write_all(record: &RunRecord, dir: &Path, redactor: &Redactor) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    junit::write(record, dir, redactor)?;
    json::write(record, dir, redactor)?;
    let redact = |s: &str| redactor.redact(s);
    html::write_redacted(record, dir, &redact)?;
    Ok(())
}
