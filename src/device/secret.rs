//! Reading a password from a file: the first line, without its line ending. Shared by
//! `--password-file` and the lab inventory's `password_file`, so both refuse the same
//! files for the same reasons.

use std::path::Path;

/// Why a password file gave no password.
#[derive(Debug, thiserror::Error)]
pub enum PasswordFileError {
    #[error("{0}")]
    Unreadable(#[from] std::io::Error),
    #[error("the first line is empty")]
    Empty,
}

/// The first line of `path`, `\r` trimmed; an empty first line is an error.
pub fn read_password_file(path: &Path) -> Result<String, PasswordFileError> {
    let text = std::fs::read_to_string(path)?;
    let first = text.lines().next().unwrap_or("").trim_end_matches('\r');
    if first.is_empty() {
        return Err(PasswordFileError::Empty);
    }
    Ok(first.to_string())
}
