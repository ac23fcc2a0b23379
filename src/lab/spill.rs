//! Wire logs kept on disk while a phone runs, so a fleet of phones does not hold every
//! exchange of every case in memory at once.
//!
//! Each finished case is appended to `<phone report dir>/.cases.jsonl` as one JSON line
//! (redacted, like every report), and only the slim record (verdict, findings, no
//! exchanges) stays in memory for the combined report. When the phone's own reports are
//! written, the lines are read back one by one to restore the full records, then the file
//! is removed. A crash leaves a file no more sensitive than the phone's report.json.

use crate::record::model::CaseRecord;
use crate::report::redact::Redactor;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// File name of the spill inside a phone's report directory.
pub const FILE_NAME: &str = ".cases.jsonl";

/// An open spill file.
pub struct Spill {
    path: PathBuf,
    out: BufWriter<File>,
    lines: usize,
}

impl Spill {
    /// Create (or truncate) the spill file in `dir`.
    pub fn create(dir: &Path) -> std::io::Result<Spill> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join(FILE_NAME);
        let out = BufWriter::new(File::create(&path)?);
        Ok(Spill { path, out, lines: 0 })
    }

    /// Append one case with its exchanges.
    pub fn push(&mut self, record: &CaseRecord, redactor: &Redactor) -> std::io::Result<()> {
        let line = redactor.redact_owned(serde_json::to_string(record).map_err(std::io::Error::other)?);
        self.out.write_all(line.as_bytes())?;
        self.out.write_all(b"\n")?;
        self.lines += 1;
        Ok(())
    }

    /// Flush, and give the path for [`read_back`].
    pub fn finish(mut self) -> std::io::Result<(PathBuf, usize)> {
        self.out.flush()?;
        Ok((self.path, self.lines))
    }
}

/// The full records, in the order they were pushed.
pub fn read_back(path: &Path) -> std::io::Result<Vec<CaseRecord>> {
    let mut out = Vec::new();
    for line in BufReader::new(File::open(path)?).lines() {
        let line = line?;
        if line.is_empty() {
            continue;
        }
        out.push(serde_json::from_str(&line).map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::case::Family;
    use crate::device::{Exchange, Outcome, WireRequest, WireResponse};
    use crate::lab::report::tests::case;
    use crate::verdict::Verdict;

    #[test]
    fn cases_round_trip_with_their_exchanges_and_secrets_masked() {
        let dir = std::env::temp_dir().join(format!("polyconform-spill-{}", std::process::id()));
        let mut a = case("a", Family::Auth, Verdict::Pass);
        a.exchanges.push(Exchange {
            step: "request".into(),
            request: WireRequest {
                body: Some(vec![0xff, 0x00].into()),
                ..WireRequest::get("/api/v1/mgmt/device/info")
            },
            outcome: Outcome::Answered(WireResponse {
                status: 200,
                headers: vec![],
                body: b"{\"echo\":\"spill-pw\"}".to_vec(),
                truncated: None,
            }),
            elapsed_ms: 4,
        });
        let b = case("b", Family::Size, Verdict::Fail);
        let redactor = Redactor::new("Polycom", "spill-pw");
        let mut spill = Spill::create(&dir).unwrap();
        spill.push(&a, &redactor).unwrap();
        spill.push(&b, &redactor).unwrap();
        let (path, n) = spill.finish().unwrap();
        assert_eq!(n, 2);
        assert!(!std::fs::read_to_string(&path).unwrap().contains("spill-pw"));
        let back = read_back(&path).unwrap();
        assert_eq!(back.len(), 2);
        assert_eq!(back[0].exchanges[0].request.body, Some(vec![0xff, 0x00].into()), "binary bodies survive");
        assert_eq!(back[1], b);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
