//! Finding and reading the service file (`serverless.yml`, `.yaml` or `.json`).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::ConfigError;
use crate::jsval::js_order_deep;

/// File names v3 looks for, in its order. The JS/TS ones are found only to explain that sls
/// does not run them.
const CANDIDATES: &[&str] = &["yml", "yaml", "json", "js", "mjs", "cjs", "ts"];

/// A parsed (not yet resolved) service file.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceFile {
    /// Absolute (or as given, joined to the working directory) path of the file.
    pub path: PathBuf,
    /// The document as JSON, keys in JS object order, CloudFormation tags in long form.
    pub raw: Value,
    /// The file name used in messages (`serverless.yml`, `serverless.json`, …).
    pub name: String,
    /// The service directory: `file(…)` paths are relative to it.
    pub dir: PathBuf,
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| p.display().to_string())
}

fn ext(p: &Path) -> String {
    p.extension()
        .map(|e| e.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn unsupported(p: &Path) -> ConfigError {
    ConfigError::UnsupportedFormat {
        name: file_name(p),
        path: p.to_path_buf(),
    }
}

/// Find the service file in `dir` (the working directory), or check the `--config` path
/// (relative to `dir`). `Ok(None)` when there is none; the CLI decides if that is an error.
pub fn find_service_file(
    dir: &Path,
    explicit: Option<&Path>,
) -> Result<Option<PathBuf>, ConfigError> {
    if let Some(explicit) = explicit {
        let shown = explicit.display().to_string();
        let path = dir.join(explicit);
        match ext(&path).as_str() {
            "yml" | "yaml" | "json" => {}
            "js" | "mjs" | "cjs" | "ts" => return Err(unsupported(&path)),
            _ => {
                return Err(ConfigError::InvalidConfigOption {
                    message: "Unsupported file extension (expected one of: yml, yaml, json)".into(),
                })
            }
        }
        let meta = std::fs::metadata(&path).map_err(|e| ConfigError::InvalidConfigOption {
            message: if e.kind() == std::io::ErrorKind::NotFound {
                format!("Cannot find \"{shown}\" in service folder")
            } else {
                format!("\"{shown}\" is not accessible: {e}")
            },
        })?;
        if !meta.is_file() {
            return Err(ConfigError::InvalidConfigOption {
                message: format!("\"{shown}\" is not a file"),
            });
        }
        // v3: all paths in a configuration are relative to the service directory, which is
        // the working directory, so the file must sit there.
        let parent = path.parent().unwrap_or(dir);
        let same = parent == dir
            || match (parent.canonicalize(), dir.canonicalize()) {
                (Ok(a), Ok(b)) => a == b,
                _ => false,
            };
        if !same {
            return Err(ConfigError::InvalidConfigOption {
                message: format!("\"{shown}\" is not in the working directory. Service configuration is expected to be placed in a root of a service (working directory): all paths and function handlers in a configuration are resolved against it. Run sls from that folder."),
            });
        }
        return Ok(Some(path));
    }
    for e in CANDIDATES {
        let path = dir.join(format!("serverless.{e}"));
        if path.is_file() {
            if matches!(*e, "js" | "mjs" | "cjs" | "ts") {
                return Err(unsupported(&path));
            }
            return Ok(Some(path));
        }
    }
    Ok(None)
}

/// Parse a document by extension; `name` is used in messages.
pub(crate) fn parse_document(
    text: &str,
    extension: &str,
    name: &str,
) -> Result<Option<Value>, ConfigError> {
    match extension {
        "json" | "tfstate" => {
            // JSON.parse accepts a leading BOM-less document only; strip a BOM kindly.
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            serde_json::from_str::<Value>(text)
                .map(|mut v| {
                    js_order_deep(&mut v);
                    Some(v)
                })
                .map_err(|e| ConfigError::Syntax {
                    name: name.to_string(),
                    message: format!("JSON parse error: {}", strip_pos(&e.to_string())),
                    line: e.line(),
                    column: e.column(),
                })
        }
        _ => crate::yaml::parse(text).map_err(|e| ConfigError::Syntax {
            name: name.to_string(),
            message: e.message,
            line: e.line,
            column: e.column,
        }),
    }
}

/// serde_json appends " at line L column C"; we print the position ourselves.
fn strip_pos(s: &str) -> String {
    match s.rfind(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s.to_string(),
    }
}

/// Read and parse a service file.
pub fn read_service_file(path: &Path) -> Result<ServiceFile, ConfigError> {
    let name = file_name(path);
    let extension = ext(path);
    match extension.as_str() {
        "yml" | "yaml" | "json" => {}
        "js" | "mjs" | "cjs" | "ts" => return Err(unsupported(path)),
        _ => {
            return Err(ConfigError::Read {
                name,
                message: "Unsupported file extension (use .yml, .yaml or .json)".into(),
            })
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
        name: name.clone(),
        message: if e.kind() == std::io::ErrorKind::NotFound {
            "File not found".into()
        } else {
            e.to_string()
        },
    })?;
    let raw = match parse_document(&text, &extension, &name)? {
        Some(v @ Value::Object(_)) => v,
        _ => return Err(ConfigError::NotAnObject { name }),
    };
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."));
    Ok(ServiceFile {
        path: path.to_path_buf(),
        raw,
        name,
        dir,
    })
}
