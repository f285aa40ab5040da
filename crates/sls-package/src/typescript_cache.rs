//! A cache of the built-in serverless-plugin-typescript's compile output, so that packaging an
//! unchanged service does not run tsc again (the plugin compiles every time; the output is the
//! same, so the zips are byte-identical either way).
//!
//! An entry lives in `<service>/.serverless/typescript-cache/<key>/`: `out/` (what tsc wrote
//! into `.build`), and `manifest.json` (tsc's warnings, and a snapshot of the inputs). The key
//! covers what decides the program's shape: the TypeScript version and folder, the handler
//! files, the tsconfig files (the chosen one, `tsconfig.json`, and every file they `extends`),
//! `package.json`, `node_modules/.package-lock.json` and the `@types` packages installed. The
//! snapshot covers every file of the service folder outside `node_modules` (path, size,
//! modification time: a file added, removed or touched anywhere means a new compile, which
//! also covers `include` globs picking up a new file) and every program file outside it (from
//! `tsc --listFiles`, TypeScript's own `lib` files aside: the version covers them). A config
//! whose `extends` cannot be followed is not cached.

use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::error::{DeployError, Result};

/// Folders never part of the snapshot (outputs, dependencies, VCS).
const SKIPPED: &[&str] = &["node_modules", ".git", ".serverless", ".build", ".esbuild"];

pub(crate) struct Cache {
    root: PathBuf,
    ts_dir: PathBuf,
    entry: PathBuf,
}

/// (path, size, modification time in ns).
pub(crate) type Stat = (String, u64, u64);

fn stat(path: &Path) -> Option<(u64, u64)> {
    let m = std::fs::metadata(path).ok()?;
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    Some((m.len(), mtime))
}

/// The `extends` of a tsconfig file's text (JSON with comments): one string or a list.
fn extends_of(text: &str) -> Vec<String> {
    let Some(i) = text.find("\"extends\"") else {
        return Vec::new();
    };
    let rest = text[i + "\"extends\"".len()..].trim_start();
    let Some(rest) = rest.strip_prefix(':') else {
        return Vec::new();
    };
    let rest = rest.trim_start();
    let end = if rest.starts_with('[') {
        rest.find(']').map(|e| e + 1)
    } else if let Some(r) = rest.strip_prefix('"') {
        r.find('"').map(|e| e + 2)
    } else {
        None
    };
    end.and_then(|e| {
        let v: Value = serde_json::from_str(&rest[..e]).ok()?;
        Some(match v {
            Value::String(s) => vec![s],
            Value::Array(a) => a
                .into_iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        })
    })
    .unwrap_or_else(|| vec![String::new()])
}

/// Where an `extends` points: a path relative to the config, or a file in a package.
fn resolve_extends(config_dir: &Path, spec: &str) -> Option<PathBuf> {
    let candidates = |base: PathBuf| {
        [
            base.clone(),
            PathBuf::from(format!("{}.json", base.display())),
            base.join("tsconfig.json"),
        ]
    };
    if spec.starts_with('.') || spec.starts_with('/') {
        return candidates(config_dir.join(spec))
            .into_iter()
            .find(|p| p.is_file());
    }
    if spec.is_empty() {
        return None;
    }
    config_dir.ancestors().find_map(|d| {
        candidates(d.join("node_modules").join(spec))
            .into_iter()
            .find(|p| p.is_file())
    })
}

impl Cache {
    /// The cache entry for this compile, or `None` when it cannot be keyed safely.
    pub(crate) fn new(
        service_dir: &Path,
        ts_dir: &Path,
        version: &str,
        handlers: &[String],
        chosen_config: &Path,
    ) -> Option<Cache> {
        let mut h = Sha256::new();
        let mut part = |bytes: &[u8]| {
            h.update((bytes.len() as u64).to_le_bytes());
            h.update(bytes);
        };
        part(b"sls-typescript-cache-1");
        part(version.as_bytes());
        part(ts_dir.to_string_lossy().as_bytes());
        part(service_dir.to_string_lossy().as_bytes());
        for handler in handlers {
            part(handler.as_bytes());
        }
        part(chosen_config.to_string_lossy().as_bytes());
        // The tsconfig files and what they extend.
        let mut configs = vec![
            chosen_config.to_path_buf(),
            service_dir.join("tsconfig.json"),
        ];
        let mut i = 0;
        while i < configs.len() {
            let c = configs[i].clone();
            i += 1;
            let Ok(text) = std::fs::read_to_string(&c) else {
                part(b"-");
                continue;
            };
            part(text.as_bytes());
            if configs.len() > 16 {
                return None;
            }
            for spec in extends_of(&text) {
                let base = c.parent().unwrap_or(service_dir);
                configs.push(resolve_extends(base, &spec)?);
            }
        }
        for f in ["package.json", "node_modules/.package-lock.json"] {
            part(&std::fs::read(service_dir.join(f)).unwrap_or_default());
        }
        let mut types: Vec<String> = std::fs::read_dir(service_dir.join("node_modules/@types"))
            .map(|rd| {
                rd.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default();
        types.sort();
        part(types.join("\n").as_bytes());
        let key: String = h.finalize()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Some(Cache {
            root: service_dir.to_path_buf(),
            ts_dir: ts_dir.to_path_buf(),
            entry: service_dir.join(".serverless/typescript-cache").join(key),
        })
    }

    /// Every file of the service folder outside the skipped folders (taken before compiling).
    pub(crate) fn tree(&self) -> Vec<Stat> {
        let mut out = Vec::new();
        let walker = walkdir::WalkDir::new(&self.root)
            .follow_links(false)
            .sort_by_file_name()
            .into_iter()
            .filter_entry(|e| {
                e.depth() == 0
                    || !(e.file_type().is_dir() && SKIPPED.iter().any(|s| e.file_name() == *s))
            });
        for e in walker.flatten() {
            if e.file_type().is_dir() {
                continue;
            }
            if let Some((size, mtime)) = stat(e.path()) {
                let rel = e
                    .path()
                    .strip_prefix(&self.root)
                    .unwrap_or(e.path())
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, size, mtime));
            }
        }
        out
    }

    fn stats(paths: &[String]) -> Vec<Stat> {
        paths
            .iter()
            .map(|p| {
                let (size, mtime) = stat(Path::new(p)).unwrap_or((u64::MAX, 0));
                (p.clone(), size, mtime)
            })
            .collect()
    }

    /// Copies a valid entry's output into `build_dir`; `Some(warnings)` on a hit.
    pub(crate) fn restore(&self, build_dir: &Path, now: &[Stat]) -> Result<Option<Vec<String>>> {
        let Ok(text) = std::fs::read_to_string(self.entry.join("manifest.json")) else {
            return Ok(None);
        };
        let Ok(manifest) = serde_json::from_str::<Value>(&text) else {
            return Ok(None);
        };
        let tree: Vec<Stat> = serde_json::from_value(manifest["tree"].clone()).unwrap_or_default();
        let outside: Vec<Stat> =
            serde_json::from_value(manifest["outside"].clone()).unwrap_or_default();
        if tree.is_empty() || tree != now {
            return Ok(None);
        }
        let paths: Vec<String> = outside.iter().map(|s| s.0.clone()).collect();
        if Self::stats(&paths) != outside {
            return Ok(None);
        }
        let out = self.entry.join("out");
        for f in crate::files::list_files(&out)? {
            let dst = build_dir.join(&f.name);
            if let Some(parent) = dst.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| DeployError::io("could not create", parent, e))?;
            }
            std::fs::copy(&f.path, &dst).map_err(|e| DeployError::io("could not copy", &dst, e))?;
        }
        let warnings = manifest["warnings"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|w| w.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Some(warnings))
    }

    /// Saves what tsc wrote into `build_dir` (nothing else is there yet), atomically.
    pub(crate) fn store(
        &self,
        build_dir: &Path,
        tree: &[Stat],
        program_files: &[PathBuf],
        warnings: &[String],
    ) -> Result<()> {
        let in_tree: std::collections::HashSet<PathBuf> =
            tree.iter().map(|s| self.root.join(&s.0)).collect();
        let outside: Vec<String> = program_files
            .iter()
            .filter(|p| !p.starts_with(&self.ts_dir) && !in_tree.contains(*p))
            .map(|p| p.to_string_lossy().into_owned())
            .collect();
        let parent = self.entry.parent().unwrap_or(&self.root);
        std::fs::create_dir_all(parent)
            .map_err(|e| DeployError::io("could not create", parent, e))?;
        let tmp = parent.join(format!(".tmp-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        for f in crate::files::list_files(build_dir)? {
            let dst = tmp.join("out").join(&f.name);
            if let Some(p) = dst.parent() {
                std::fs::create_dir_all(p)
                    .map_err(|e| DeployError::io("could not create", p, e))?;
            }
            std::fs::copy(&f.path, &dst).map_err(|e| DeployError::io("could not copy", &dst, e))?;
        }
        let manifest = json!({
            "tree": tree,
            "outside": Self::stats(&outside),
            "warnings": warnings,
        });
        std::fs::create_dir_all(&tmp).map_err(|e| DeployError::io("could not create", &tmp, e))?;
        crate::files::write_atomic(&tmp.join("manifest.json"), manifest.to_string().as_bytes())?;
        if self.entry.exists() {
            std::fs::remove_dir_all(&self.entry)
                .map_err(|e| DeployError::io("could not remove", &self.entry, e))?;
        }
        std::fs::rename(&tmp, &self.entry)
            .map_err(|e| DeployError::io("could not write", &self.entry, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extends_forms() {
        assert_eq!(
            extends_of("{ // c\n \"extends\": \"./base.json\", }"),
            ["./base.json"]
        );
        assert_eq!(
            extends_of("{\"extends\": [\"a\", \"@tsconfig/node20\"]}"),
            ["a", "@tsconfig/node20"]
        );
        assert!(extends_of("{\"compilerOptions\": {}}").is_empty());
        // Unreadable: an empty spec, which does not resolve, so the compile is not cached.
        assert_eq!(extends_of("{\"extends\": 3}"), [""]);
        assert!(resolve_extends(Path::new("/nonexistent"), "").is_none());
    }
}
