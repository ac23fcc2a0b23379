//! `report.json`: the [`RunRecord`] serialised, secrets masked.
//!
//! The JSON report is the run's complete record (every case, finding and exchange), so
//! another tool, or a later polyconform, can re-read and re-judge it. Masking works on
//! the serialised text, where a secret can only sit inside a JSON string; the masked
//! text is parsed again before it is written so a report is never left invalid.

use super::redact::Redactor;
use crate::record::model::RunRecord;
use std::path::Path;

/// The JSON report of a run, pretty-printed and redacted.
pub fn to_string(record: &RunRecord, redactor: &Redactor) -> Result<String, serde_json::Error> {
    let text = redactor.redact(&serde_json::to_string_pretty(record)?);
    // Masking replaced text inside strings only; prove it before writing.
    serde_json::from_str::<serde_json::Value>(&text)?;
    Ok(text)
}

/// Write `report.json` into `dir`.
pub fn write(record: &RunRecord, dir: &Path, redactor: &Redactor) -> std::io::Result<()> {
    let text = to_string(record, redactor).map_err(std::io::Error::other)?;
    std::fs::write(dir.join("report.json"), text)
}

/// Read a report written by [`write`].
pub fn read(path: &Path) -> std::io::Result<RunRecord> {
    let text = std::fs::read_to_string(path)?;
    serde_json::from_str(&text).map_err(std::io::Error::other)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn reports_round_trip_with_secrets_masked() {
        let mut record = RunRecord {
            format_version: 1,
            tool_version: "0".into(),
            profile: "trio-5.9.1".into(),
            target: "https://10.0.0.5".into(),
            device: None,
            started_at: "x".into(),
            duration_ms: 5,
            strict: false,
            summary: BTreeMap::new(),
            cases: vec![],
            notes: vec!["the phone echoed S3cr3t-Pa55".into()],
            ended_early: None,
        };
        record.recount();
        let text = to_string(&record, &Redactor::new("Polycom", "S3cr3t-Pa55")).unwrap();
        assert!(!text.contains("S3cr3t-Pa55"));
        let back: RunRecord = serde_json::from_str(&text).unwrap();
        assert_eq!(back.notes, vec!["the phone echoed [REDACTED]".to_string()]);
    }
}
