//! Where the data files come from: built into the binary, or a directory on disk.
//!
//! The `schemas/` and `suites/` folders are embedded at compile time, so an installed
//! binary needs no checkout. `--data DIR` (or `polyconform lint PATH`) reads a directory
//! instead, which is how suite authors try their edits without rebuilding.

use super::error::SpecError;
use include_dir::{Dir, include_dir};
use std::path::{Path, PathBuf};

static SCHEMAS: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/schemas");
static SUITES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/suites");

/// One data file: its path relative to the data root, the path to show users, its text.
#[derive(Debug, Clone)]
pub struct DataFile {
    /// `schemas/v1/mgmt/device/info.json`, `suites/auth.toml`.
    pub rel: PathBuf,
    /// What error messages show.
    pub shown: PathBuf,
    pub text: String,
}

/// The whole set of data files of one catalogue.
#[derive(Debug, Clone, Default)]
pub struct DataFiles {
    pub files: Vec<DataFile>,
}

impl DataFiles {
    /// One file checked against the built-in catalogue: it replaces its built-in namesake
    /// (or joins the suites when it is new).
    pub fn with_single_file(path: &Path) -> Result<DataFiles, Box<SpecError>> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Box::new(SpecError::new(path, format!("cannot read file: {e}"))))?;
        let mut files = DataFiles::embedded();
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let rel = match path.extension().and_then(|e| e.to_str()) {
            Some("json") => {
                let inside = path.to_string_lossy().replace('\\', "/");
                match inside.rfind("schemas/") {
                    Some(i) => std::path::PathBuf::from(&inside[i..]),
                    None => {
                        return Err(Box::new(
                            SpecError::new(path, "a schema file must live under a schemas/ folder")
                                .hint("lint the project directory instead"),
                        ));
                    }
                }
            }
            Some("toml") if path.parent().is_some_and(|d| d.ends_with("profiles")) => {
                Path::new("suites/profiles").join(&name)
            }
            Some("toml") => Path::new("suites").join(&name),
            _ => {
                return Err(Box::new(
                    SpecError::new(path, "not a .toml suite/profile file or a .json schema")
                        .hint("suites and profiles are TOML, schemas are JSON"),
                ));
            }
        };
        files.files.retain(|f| f.rel != rel);
        files.files.push(DataFile { rel, shown: path.to_path_buf(), text });
        Ok(files)
    }

    /// The files built into this binary.
    pub fn embedded() -> DataFiles {
        let mut files = Vec::new();
        for (top, dir) in [("schemas", &SCHEMAS), ("suites", &SUITES)] {
            collect_embedded(dir, top, &mut files);
        }
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        DataFiles { files }
    }

    /// The `schemas/` and `suites/` folders under `root`.
    pub fn from_dir(root: &Path) -> std::io::Result<DataFiles> {
        let mut files = Vec::new();
        for top in ["schemas", "suites"] {
            let dir = root.join(top);
            if dir.is_dir() {
                collect_disk(root, &dir, &mut files)?;
            }
        }
        if files.is_empty() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!("no schemas/ or suites/ folder under `{}`", root.display()),
            ));
        }
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        Ok(DataFiles { files })
    }

    /// Files under `prefix` (e.g. `suites/profiles`) with the given extension.
    pub fn under<'a>(&'a self, prefix: &'a str, ext: &'a str) -> impl Iterator<Item = &'a DataFile> + 'a {
        self.files.iter().filter(move |f| f.rel.starts_with(prefix) && f.rel.extension().is_some_and(|e| e == ext))
    }
}

fn collect_embedded(dir: &Dir<'_>, top: &str, out: &mut Vec<DataFile>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            let rel = Path::new(top).join(file.path());
            out.push(DataFile { shown: rel.clone(), rel, text: text.to_string() });
        }
    }
    for sub in dir.dirs() {
        collect_embedded(sub, top, out);
    }
}

/// Every `.toml` and `.json` file under `dir`; an error names the file or folder it is
/// about (a file that is not UTF-8 is the usual one).
fn collect_disk(root: &Path, dir: &Path, out: &mut Vec<DataFile>) -> std::io::Result<()> {
    let about = |path: &Path, e: std::io::Error| {
        let hint = match e.kind() {
            std::io::ErrorKind::InvalidData => " (hint: data files must be UTF-8 text)",
            _ => "",
        };
        std::io::Error::new(e.kind(), format!("`{}`: {e}{hint}", path.display()))
    };
    for entry in std::fs::read_dir(dir).map_err(|e| about(dir, e))? {
        let path = entry.map_err(|e| about(dir, e))?.path();
        if path.is_dir() {
            collect_disk(root, &path, out)?;
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("toml" | "json")) {
            let text = std::fs::read_to_string(&path).map_err(|e| about(&path, e))?;
            let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
            out.push(DataFile { rel, shown: path.clone(), text });
        }
    }
    Ok(())
}
