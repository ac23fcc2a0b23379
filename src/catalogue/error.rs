//! Errors in data files, pointing at file, line and column with a hint.
//!
//! Every problem in a suite, profile, schema or errata file becomes a [`SpecError`]
//! rendered like a compiler diagnostic: where it is, what is wrong, and what to do.
//! Loading collects all of them (a user fixing a suite wants every mistake at once),
//! and the command exits with code 2, never a panic.

use std::fmt;
use std::path::{Path, PathBuf};

/// One problem in one data file.
#[derive(Debug, Clone, PartialEq)]
pub struct SpecError {
    pub file: PathBuf,
    /// 1-based line and column, when the problem has a place.
    pub line: Option<usize>,
    pub col: Option<usize>,
    /// The source line, for the caret display.
    pub source_line: Option<String>,
    /// Width of the caret underline.
    pub width: usize,
    /// The key or value at fault (`case.expect.htp`, `endpoint`).
    pub field: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl SpecError {
    pub fn new(file: &Path, message: impl Into<String>) -> Self {
        SpecError {
            file: file.to_path_buf(),
            line: None,
            col: None,
            source_line: None,
            width: 1,
            field: None,
            message: message.into(),
            hint: None,
        }
    }

    /// Place the error at a byte range of the file's text.
    pub fn at(mut self, text: &str, span: std::ops::Range<usize>) -> Self {
        let start = span.start.min(text.len());
        let before = &text[..start];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
        let col = text[line_start..start].chars().count() + 1;
        let line_text = text[line_start..].lines().next().unwrap_or("").to_string();
        let end = span.end.min(text.len()).max(start);
        let width = text[start..end].lines().next().map(|l| l.chars().count()).unwrap_or(1);
        self.line = Some(line);
        self.col = Some(col);
        self.source_line = Some(line_text);
        self.width = width.max(1);
        self
    }

    /// Place the error at the first occurrence of `needle` at or after byte `from`.
    pub fn at_text(self, text: &str, from: usize, needle: &str) -> Self {
        let from = from.min(text.len());
        match text[from..].find(needle).map(|i| i + from).or_else(|| text.find(needle)) {
            Some(pos) => self.at(text, pos..pos + needle.len()),
            None => self,
        }
    }

    pub fn field(mut self, field: impl Into<String>) -> Self {
        self.field = Some(field.into());
        self
    }

    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let (Some(line), Some(col)) = (self.line, self.col) {
            write!(f, ":{line}:{col}")?;
        }
        write!(f, ": error: {}", self.message)?;
        if let Some(field) = &self.field {
            write!(f, " (field `{field}`)")?;
        }
        if let (Some(line), Some(col), Some(src)) = (self.line, self.col, &self.source_line) {
            let gutter = line.to_string().len();
            write!(
                f,
                "\n{:gutter$} |\n{line} | {src}\n{:gutter$} | {:pad$}{}",
                "",
                "",
                "",
                "^".repeat(self.width),
                pad = col - 1
            )?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  = hint: {hint}")?;
        }
        Ok(())
    }
}

/// All problems found while loading the catalogue.
#[derive(Debug, Clone, Default)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{e}")?;
        }
        write!(f, "{} error(s) in data files", self.0.len())
    }
}

impl std::error::Error for SpecErrors {}

/// The closest of `candidates` to `word`, when close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// serde's "unknown field `x`, expected one of `a`, `b`" as a did-you-mean (or the list
/// of keys allowed there); `None` for any other message. Shared by every TOML file the
/// tool reads (suites, profiles, errata, inventories, waivers).
pub fn unknown_key_hint(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `")?;
    let word = rest.split('`').next().unwrap_or("");
    let expected: Vec<&str> = rest.split('`').skip(2).step_by(2).collect();
    Some(match did_you_mean(word, expected.iter().copied()) {
        Some(near) => format!("did you mean `{near}`? unknown keys are errors so a typo never goes unnoticed"),
        None => format!("remove `{word}` or use one of: {}", expected.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_is_one_based_line_and_column_with_caret() {
        let text = "a = 1\nexpct = 2\n";
        let e =
            SpecError::new(Path::new("s.toml"), "unknown field `expct`").at(text, 6..11).hint("did you mean `expect`?");
        assert_eq!((e.line, e.col), (Some(2), Some(1)));
        let shown = e.to_string();
        assert!(shown.starts_with("s.toml:2:1: error: unknown field `expct`"), "{shown}");
        assert!(shown.contains("2 | expct = 2"), "{shown}");
        assert!(shown.contains("^^^^^"), "{shown}");
        assert!(shown.contains("hint: did you mean `expect`?"), "{shown}");
    }

    #[test]
    fn did_you_mean_finds_typos_and_ignores_unrelated_words() {
        assert_eq!(did_you_mean("expct", ["expect", "request", "steps"]), Some("expect"));
        assert_eq!(did_you_mean("zzzz", ["expect", "request"]), None);
    }
}
