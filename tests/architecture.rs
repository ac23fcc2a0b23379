//! The import rules of the house, read from `src/` (README, "Architecture"):
//!
//! - nothing outside `src/cli/` imports the command line (it is the roof);
//! - the emulator imports nothing of the judge or the drivers (`check`, `run`, `report`,
//!   `fuzz`, `lab`, `job`, `baseline`, `record`): the defendant shares only the manual;
//! - `report` only reads a finished record: nothing of `run`, `fuzz`, `lab`, `job`, `cli`;
//! - `diff` is pure, two finished records in and a `Diff` out: nothing that drives work or
//!   talks to a phone (`cli`, `job`, `lab`, `fuzz`, `emulator`, `phone`, `device::client`),
//!   and of `run` only the step labels (`run::steps`) it reads records with;
//! - no cycle between top-level modules;
//! - no two files of one folder import each other, directly or around a circle.
//!
//! Unit-test modules are left out (a test may drive the emulator). Paths are read as text (`crate::a::b`, `super::x`), comments left out: a crude reader,
//! but the rules are about names, and a false alarm names the file and line to look at.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One source file: its module path (`["run", "engine"]`) and its code lines.
struct Source {
    rel: PathBuf,
    module: Vec<String>,
    /// The folder's module path (for `mod.rs` the module itself, else its parent).
    folder: Vec<String>,
    is_mod: bool,
    /// Line number, code, and how many inline `mod x { ... }` blocks enclose it (a
    /// `super::` there is the file itself, not its folder).
    lines: Vec<(usize, String, usize)>,
}

fn with_inline_depth(lines: impl Iterator<Item = (usize, String)>) -> Vec<(usize, String, usize)> {
    let mut out = Vec::new();
    let mut braces: i64 = 0;
    // Brace depth at which each open inline module started.
    let mut mods: Vec<i64> = Vec::new();
    for (n, l) in lines {
        let t = l.trim_start();
        let opens_mod = (t.starts_with("mod ") || t.starts_with("pub mod ") || t.starts_with("pub(crate) mod "))
            && t.trim_end().ends_with('{');
        if !l.trim().is_empty() {
            out.push((n, l.clone(), mods.len()));
        }
        if opens_mod {
            mods.push(braces);
        }
        braces += l.matches('{').count() as i64 - l.matches('}').count() as i64;
        while mods.last().is_some_and(|&d| braces <= d) {
            mods.pop();
        }
    }
    out
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = Vec::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("src/ is readable") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().and_then(|e| e.to_str()) != Some("rs") {
                continue;
            }
            let rel = path.strip_prefix(&root).unwrap().to_path_buf();
            let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().to_string()).collect();
            let file = parts.pop().unwrap();
            let stem = file.trim_end_matches(".rs").to_string();
            let is_mod = stem == "mod" || stem == "lib" || stem == "main";
            let folder = parts.clone();
            let module = if is_mod { parts.clone() } else { [parts.clone(), vec![stem]].concat() };
            let text = std::fs::read_to_string(&path).unwrap();
            // Unit tests (the `#[cfg(test)]` module at the end of a file) may use anything.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            let lines = with_inline_depth(code.lines().enumerate().map(|(i, l)| (i + 1, code_of(l))));
            out.push(Source { rel, module, folder, is_mod, lines });
        }
    }
    out.sort_by(|a, b| a.rel.cmp(&b.rel));
    out
}

/// The line without its `//` comment and without string literals (crudely).
fn code_of(line: &str) -> String {
    let mut out = String::new();
    let mut in_str = false;
    let mut prev = ' ';
    let chars: Vec<char> = line.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if !in_str && c == '/' && chars.get(i + 1) == Some(&'/') {
            break;
        }
        if c == '"' && prev != '\\' {
            in_str = !in_str;
        } else if !in_str {
            out.push(c);
        }
        prev = c;
        i += 1;
    }
    out
}

/// Every module path a line names: `crate::a::b::c` gives `[a, b, c]`; `super::x` is
/// resolved against the file's module. A `mod x;` declaration is not an import.
fn named(source: &Source, line: &str, depth: usize) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let t = line.trim_start();
    if t.starts_with("mod ") || t.starts_with("pub mod ") {
        return out;
    }
    let text = line;
    let bytes = text.as_bytes();
    for (start, _) in text.match_indices("crate::").chain(text.match_indices("super::")) {
        // Only at the start of a path.
        if start > 0 {
            let before = bytes[start - 1];
            if before.is_ascii_alphanumeric() || before == b'_' || before == b':' {
                continue;
            }
        }
        let path: String =
            text[start..].chars().take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':').collect();
        let mut segs: Vec<String> = path.split("::").filter(|s| !s.is_empty()).map(String::from).collect();
        // `super::{a, b::c}`: one path per item of the group.
        let after = &text[start + path.len()..];
        let items: Vec<String> = if let Some(group) = after.strip_prefix('{') {
            group
                .split('}')
                .next()
                .unwrap_or("")
                .split(',')
                .map(|i| i.trim().split("::").next().unwrap_or("").split(' ').next().unwrap_or("").to_string())
                .filter(|i| !i.is_empty() && i != "self")
                .collect()
        } else {
            vec![String::new()]
        };
        let mut base: Vec<String> = if segs[0] == "crate" {
            segs.remove(0);
            vec![]
        } else {
            // `super` in a file is its folder; in a mod.rs, the folder's parent; inside an
            // inline module, the enclosing one.
            let mut b = source.module.clone();
            b.extend((0..depth).map(|i| format!("#inline{i}")));
            while segs.first().map(String::as_str) == Some("super") {
                segs.remove(0);
                b.pop();
            }
            b
        };
        base.extend(segs);
        for item in &items {
            let mut p = base.clone();
            if !item.is_empty() {
                p.push(item.clone());
            }
            if !p.is_empty() {
                out.push(p);
            }
        }
    }
    // A mod.rs names its children without a prefix: `pub use engine::Engine;`,
    // `server::serve(...)`. Any `name::` at the start of a path may be a child; a name that
    // is no child lands on the mod.rs itself and draws no arrow.
    if source.is_mod {
        for (start, _) in text.match_indices("::") {
            let head = &text[..start];
            let name: String = head
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let before = head[..head.len() - name.len()].chars().last();
            let at_path_start = before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'));
            let keyword = ["crate", "super", "self", "std"].contains(&name.as_str());
            if at_path_start && !keyword && name.chars().next().is_some_and(|c| c.is_ascii_lowercase()) {
                out.push([source.module.clone(), vec![name]].concat());
            }
        }
    }
    out
}

/// The top-level module of a path (`run` for `run::engine::Engine`).
fn top(path: &[String]) -> Option<&str> {
    path.first().map(String::as_str)
}

fn is_module(sources: &[Source], path: &[String]) -> bool {
    sources.iter().any(|s| s.module == path)
}

/// The longest module prefix of `path` that is a file of the tree.
fn file_of<'a>(sources: &'a [Source], path: &[String]) -> Option<&'a Source> {
    (1..=path.len()).rev().find_map(|n| sources.iter().find(|s| s.module == path[..n]))
}

#[test]
fn nothing_below_the_roof_imports_the_command_line() {
    let sources = sources();
    let mut bad = Vec::new();
    for s in sources.iter().filter(|s| top(&s.module) != Some("cli") && !s.module.is_empty()) {
        for (n, line, depth) in &s.lines {
            if named(s, line, *depth).iter().any(|p| top(p) == Some("cli")) {
                bad.push(format!("src/{}:{n}: {}", s.rel.display(), line.trim()));
            }
        }
    }
    assert!(bad.is_empty(), "only src/cli/ may import the command line:\n{}", bad.join("\n"));
}

fn forbidden(module: &str, not: &[&str]) -> Vec<String> {
    let sources = sources();
    let mut bad = Vec::new();
    for s in sources.iter().filter(|s| top(&s.module) == Some(module)) {
        for (n, line, depth) in &s.lines {
            for p in named(s, line, *depth) {
                if let Some(t) = top(&p)
                    && not.contains(&t)
                {
                    bad.push(format!("src/{}:{n}: {}", s.rel.display(), line.trim()));
                }
            }
        }
    }
    bad
}

#[test]
fn the_emulator_shares_only_the_manual_with_the_judge() {
    let bad =
        forbidden("emulator", &["check", "run", "report", "fuzz", "lab", "job", "baseline", "record", "cli", "diff"]);
    assert!(bad.is_empty(), "the emulator must not import the judge or the drivers:\n{}", bad.join("\n"));
}

#[test]
fn reports_only_read_a_finished_record() {
    let bad = forbidden("report", &["run", "fuzz", "lab", "job", "cli", "baseline", "diff"]);
    assert!(bad.is_empty(), "report/ must not import the drivers:\n{}", bad.join("\n"));
}

#[test]
fn a_diff_only_compares_two_finished_records() {
    let mut bad = forbidden("diff", &["cli", "job", "lab", "fuzz", "emulator", "phone"]);
    for s in sources().iter().filter(|s| top(&s.module) == Some("diff")) {
        for (n, line, depth) in &s.lines {
            for p in named(s, line, *depth) {
                let drives = top(&p) == Some("run") && p.get(1).map(String::as_str) != Some("steps");
                let sends = top(&p) == Some("device") && p.get(1).map(String::as_str) == Some("client");
                if drives || sends {
                    bad.push(format!("src/{}:{n}: {}", s.rel.display(), line.trim()));
                }
            }
        }
    }
    assert!(bad.is_empty(), "diff/ must only read records (of run/, only the step labels):\n{}", bad.join("\n"));
}

/// A cycle in `edges`, as the list of nodes around it.
fn cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        n: &str,
        edges: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(n.to_string(), 1);
        stack.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            match state.get(m.as_str()).copied().unwrap_or(0) {
                1 => {
                    let at = stack.iter().position(|x| x == m).unwrap();
                    let mut c = stack[at..].to_vec();
                    c.push(m.clone());
                    return Some(c);
                }
                0 => {
                    if let Some(c) = visit(m, edges, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for n in edges.keys() {
        if state.get(n.as_str()).copied().unwrap_or(0) == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(n, edges, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn top_level_modules_form_no_cycle() {
    let sources = sources();
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for s in sources.iter().filter(|s| !s.module.is_empty()) {
        let from = s.module[0].clone();
        for (_, line, depth) in &s.lines {
            for p in named(s, line, *depth) {
                if let Some(t) = top(&p)
                    && t != from
                    && is_module(&sources, &p[..1])
                {
                    edges.entry(from.clone()).or_default().insert(t.to_string());
                }
            }
        }
    }
    assert_eq!(cycle(&edges), None, "top-level modules import each other in a circle; edges: {edges:#?}");
}

#[test]
fn no_two_files_of_a_folder_import_each_other() {
    let sources = sources();
    let mut problems = Vec::new();
    let folders: BTreeSet<Vec<String>> = sources.iter().map(|s| s.folder.clone()).collect();
    for folder in folders {
        let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for s in sources.iter().filter(|s| s.folder == folder) {
            let from = s.rel.display().to_string();
            for (_, line, depth) in &s.lines {
                for p in named(s, line, *depth) {
                    // The file of this folder the path lands in (a subfolder counts as its mod.rs).
                    let Some(target) = file_of(&sources, &p) else {
                        continue;
                    };
                    let lands = if target.folder == folder {
                        Some(target)
                    } else if target.module.len() > folder.len() && target.module[..folder.len()] == folder[..] {
                        // Inside a subfolder: the subfolder's mod.rs stands for it.
                        sources.iter().find(|x| x.is_mod && x.module == target.module[..folder.len() + 1])
                    } else {
                        None
                    };
                    if let Some(t) = lands {
                        let to = t.rel.display().to_string();
                        if to != from {
                            edges.entry(from.clone()).or_default().insert(to);
                        }
                    }
                }
            }
        }
        if let Some(c) = cycle(&edges) {
            problems.push(c.join(" -> "));
        }
    }
    assert!(problems.is_empty(), "files of one folder import each other in a circle:\n{}", problems.join("\n"));
}
