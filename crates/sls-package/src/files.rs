//! Which files go into a zip: v3's `resolveFilePathsFromPatterns`, rebuilt on `globset`.
//!
//! v3 lists every file (`**`, dot files included, symlinks followed), then applies, in order:
//! the default excludes, the service file, `package.patterns` (then the function's patterns when
//! packaging individually) and finally the Node dev-dependency excludes. Each pattern sets the
//! state of the files it matches: `!x` excludes, `x` includes, so later patterns win. (v3's base
//! listing, `globby(['**', ...patterns])`, ignores for each positive glob only the negations that
//! follow it, which gives the same result as this in-order rule.)

use std::path::{Path, PathBuf};

use globset::{GlobBuilder, GlobMatcher};
use serde_json::Value;

use crate::error::{DeployError, Result};

/// v3 `defaultExcludes` (lib/plugins/package/lib/package-service.js).
pub const DEFAULT_EXCLUDES: &[&str] = &[
    ".git/**",
    ".gitignore",
    ".DS_Store",
    "npm-debug.log",
    "yarn-*.log",
    ".serverless/**",
    ".serverless_plugins/**",
];

/// A file found under the service directory.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SourceFile {
    /// Path inside the zip, `/`-separated, relative to the service directory.
    pub name: String,
    pub path: PathBuf,
    pub executable: bool,
}

/// Lists every regular file below `dir` (symlinks followed), sorted by name the way v3 orders
/// zip entries (`filePath.localeCompare`, see [`v3_name_order`]); the same on every machine.
pub fn list_files(dir: &Path) -> Result<Vec<SourceFile>> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(dir).follow_links(true) {
        let entry = entry.map_err(|e| {
            let path = e
                .path()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| dir.to_path_buf());
            let source = e
                .into_io_error()
                .unwrap_or_else(|| std::io::Error::other("symbolic link loop"));
            DeployError::io("could not list", path, source)
        })?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
        let Some(name) = zip_name(rel) else { continue };
        let meta = entry
            .metadata()
            .map_err(|e| DeployError::io("could not read", entry.path(), e.into()))?;
        out.push(SourceFile {
            name,
            path: entry.path().to_path_buf(),
            executable: is_executable(&meta),
        });
    }
    out.sort_by(|a, b| v3_name_order(&a.name, &b.name).then_with(|| a.cmp(b)));
    Ok(out)
}

/// v3's zip entry order (zip-service.js: `a.filePath.localeCompare(b.filePath)`, Node's ICU
/// root collation in the `en-US` locale), fixed here so it does not depend on the machine:
/// first by primary weight (space and punctuation in ICU's order, then digits, then letters
/// case-insensitively; other characters after, by code point, without ICU's accent folding),
/// then the first case difference decides (lowercase first), then byte order.
pub fn v3_name_order(a: &str, b: &str) -> std::cmp::Ordering {
    const PUNCT: &str = " _-,;:!?.'\"()[]{}@*/\\&#%`^+<=>|~$";
    fn primary(c: char) -> u32 {
        if let Some(i) = PUNCT.find(c) {
            return i as u32;
        }
        match c {
            '0'..='9' => 100 + (c as u32 - '0' as u32),
            'a'..='z' => 200 + (c as u32 - 'a' as u32),
            'A'..='Z' => 200 + (c as u32 - 'A' as u32),
            _ if (c as u32) < 0x20 => 0,
            _ => 1000 + c as u32,
        }
    }
    a.chars()
        .map(primary)
        .cmp(b.chars().map(primary))
        .then_with(|| {
            a.chars()
                .map(|c| c.is_ascii_uppercase())
                .cmp(b.chars().map(|c| c.is_ascii_uppercase()))
        })
        .then_with(|| a.cmp(b))
}

/// Whether a file goes into a zip as executable (`0o755`) rather than `0o644`.
#[cfg(unix)]
pub(crate) fn is_executable(meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::PermissionsExt;
    // v3: `stat.mode & 0o100 ? 0o755 : 0o644` (owner execute bit only).
    meta.permissions().mode() & 0o100 != 0
}

#[cfg(not(unix))]
pub(crate) fn is_executable(_: &std::fs::Metadata) -> bool {
    // v3 marks every file executable on Windows.
    true
}

fn zip_name(rel: &Path) -> Option<String> {
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    let parts = parts?;
    if parts.is_empty() {
        return None;
    }
    Some(parts.join("/"))
}

struct Rule {
    exclude: bool,
    glob: GlobMatcher,
}

fn compile(pattern: &str, context: &str) -> Result<GlobMatcher> {
    // micromatch semantics: `*` stays inside one path segment, `**` crosses them, dots match.
    GlobBuilder::new(pattern.strip_prefix("./").unwrap_or(pattern))
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| DeployError::config(context, format!("invalid pattern \"{pattern}\": {e}")))
}

/// The ordered pattern list of one zip.
pub struct Selection {
    rules: Vec<Rule>,
}

impl Selection {
    /// `excludes` are plain paths/globs to exclude (defaults, service file); `patterns` are the
    /// user's in order; `dev_excludes` the Node dev-dependency globs, applied last as in v3.
    pub fn new(
        excludes: &[String],
        patterns: &[String],
        dev_excludes: &[String],
        context: &str,
    ) -> Result<Self> {
        let mut rules = Vec::new();
        for e in excludes {
            let (exclude, pat) = match e.strip_prefix('!') {
                Some(p) => (false, p),
                None => (true, e.as_str()),
            };
            rules.push(Rule {
                exclude,
                glob: compile(pat, context)?,
            });
        }
        for p in patterns {
            match p.strip_prefix('!') {
                Some(neg) => rules.push(Rule {
                    exclude: true,
                    glob: compile(neg, context)?,
                }),
                None => rules.push(Rule {
                    exclude: false,
                    glob: compile(p, context)?,
                }),
            }
        }
        for d in dev_excludes {
            rules.push(Rule {
                exclude: true,
                glob: compile(d, context)?,
            });
        }
        Ok(Selection { rules })
    }

    /// Whether the file with this zip name goes into the zip.
    pub fn includes(&self, name: &str) -> bool {
        let mut state = true;
        for r in &self.rules {
            if r.glob.is_match(name) {
                state = !r.exclude;
            }
        }
        state
    }
}

/// Writes `bytes` to `path` through a synced temporary file renamed into place, so a reader
/// never sees half a file.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("tmp");
    let mut f =
        std::fs::File::create(&tmp).map_err(|e| DeployError::io("could not create", &tmp, e))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|e| DeployError::io("could not write", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| DeployError::io("could not write", path, e))
}

/// The strings of `<v>.package.<key>` (`include`, `exclude`, `patterns`) as written; anything
/// else in the list is left out.
pub(crate) fn package_list(v: &Value, key: &str) -> Vec<String> {
    v.get("package")
        .and_then(|p| p.get(key))
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(patterns: &[&str]) -> Selection {
        let ex: Vec<String> = DEFAULT_EXCLUDES.iter().map(|s| s.to_string()).collect();
        let p: Vec<String> = patterns.iter().map(|s| s.to_string()).collect();
        Selection::new(&ex, &p, &[], "package.patterns").unwrap()
    }

    #[test]
    fn defaults_and_patterns_apply_in_order() {
        let s = sel(&["!docs/**", "!*.md", "README.md"]);
        assert!(s.includes("handler.js"));
        assert!(!s.includes(".git/config"));
        assert!(!s.includes(".serverless/x.zip"));
        assert!(!s.includes("yarn-error.log"));
        assert!(!s.includes("docs/a.txt"));
        assert!(!s.includes("CHANGES.md"));
        assert!(
            s.includes("README.md"),
            "a later include wins over an earlier exclude"
        );
        assert!(s.includes("sub/CHANGES.md"), "`*` does not cross `/`");
    }

    #[test]
    fn include_only_style() {
        let s = sel(&["!./**", "src/**"]);
        assert!(s.includes("src/a.js"));
        assert!(!s.includes("package.json"));
        let s = sel(&["!node_modules/**", "node_modules/keep/**"]);
        assert!(s.includes("node_modules/keep/index.js"));
        assert!(!s.includes("node_modules/drop/index.js"));
        assert!(s.includes("index.js"));
    }

    #[test]
    fn names_sort_like_v3_locale_compare() {
        // Node: [...].sort((a, b) => a.localeCompare(b)) with v3's default en-US locale.
        let mut names = vec![
            "ab.js",
            "Ab",
            "aB",
            "ab",
            "a2",
            "a10",
            "a1",
            "a/b",
            "A.js",
            "a.js",
            "a.b",
            "a-b.js",
            "a_b.js",
            "README.md",
            "index.js",
        ];
        names.sort_by(|a, b| super::v3_name_order(a, b));
        assert_eq!(
            names,
            [
                "a_b.js",
                "a-b.js",
                "a.b",
                "a.js",
                "A.js",
                "a/b",
                "a1",
                "a10",
                "a2",
                "ab",
                "aB",
                "Ab",
                "ab.js",
                "index.js",
                "README.md"
            ]
        );
    }

    #[test]
    fn bad_pattern_is_an_error() {
        assert!(Selection::new(&[], &["a[".into()], &[], "package.patterns").is_err());
    }
}
