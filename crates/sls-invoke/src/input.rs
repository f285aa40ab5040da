//! The event and context a handler receives, from `--data`, `--path`, stdin, `--context` and
//! `--contextPath`, read the way Serverless v3 reads them:
//! - text (`--data`, stdin, `--context`) is parsed as JSON when it is JSON, else passed as a
//!   string; `--raw` keeps it a string always;
//! - files are parsed by extension: `.json` as JSON, `.yml`/`.yaml` as YAML, anything else as
//!   text (then like `--data`); `--raw` does not change how files are parsed (as in v3);
//! - relative file paths are relative to `cwd` (the service directory).

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::InvokeError;

/// The event for the handler. `data` wins over `path`, `path` over `stdin_text`; with none of
/// them the event is `{}`.
pub fn parse_event_input(
    data: Option<&str>,
    path: Option<&Path>,
    stdin_text: Option<String>,
    raw: bool,
    cwd: &Path,
) -> Result<Value, InvokeError> {
    if let Some(data) = data.filter(|d| !d.is_empty()) {
        return Ok(parse_text(data, raw));
    }
    if let Some(path) = path {
        let path = absolute(path, cwd);
        if !path.is_file() {
            return Err(InvokeError::EventFileNotFound { path });
        }
        return read_data_file(&path, raw);
    }
    match stdin_text {
        Some(text) if !text.is_empty() => Ok(parse_text(&text, raw)),
        // v3 passes "" to Node handlers and {} to Python ones; sls passes {} to both.
        _ => Ok(Value::Object(serde_json::Map::new())),
    }
}

/// The custom context (`--context` text or `--contextPath` file), to be laid over the
/// Lambda-like context. `None` when neither is given. It must be a JSON object.
pub fn parse_context_input(
    context: Option<&str>,
    path: Option<&Path>,
    raw: bool,
    cwd: &Path,
) -> Result<Option<Value>, InvokeError> {
    let value = if let Some(path) = path {
        let path = absolute(path, cwd);
        if !path.is_file() {
            return Err(InvokeError::ContextFileNotFound { path });
        }
        read_data_file(&path, raw)?
    } else if let Some(text) = context.filter(|c| !c.is_empty()) {
        parse_text(text, raw)
    } else {
        return Ok(None);
    };
    match value {
        Value::Object(_) => Ok(Some(value)),
        other => Err(InvokeError::InvalidContext {
            found: kind_of(&other).to_string(),
        }),
    }
}

/// Splits one `--env KEY=VALUE` option at its first `=` (a missing `=` gives an empty value,
/// as in v3).
pub fn parse_env_option(option: &str) -> (String, String) {
    match option.split_once('=') {
        Some((k, v)) => (k.to_string(), v.to_string()),
        None => (option.to_string(), String::new()),
    }
}

fn parse_text(text: &str, raw: bool) -> Value {
    if raw {
        return Value::String(text.to_string());
    }
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

fn read_data_file(path: &Path, raw: bool) -> Result<Value, InvokeError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    if matches!(ext.as_str(), "js" | "cjs" | "mjs") {
        return Err(InvokeError::JavaScriptDataFile {
            path: path.to_path_buf(),
        });
    }
    let text = std::fs::read_to_string(path).map_err(|source| InvokeError::ReadFile {
        path: path.to_path_buf(),
        source,
    })?;
    let parse_error = |message: String| InvokeError::ParseFile {
        path: path.to_path_buf(),
        message,
    };
    match ext.as_str() {
        "json" => serde_json::from_str(&text).map_err(|e| parse_error(e.to_string())),
        "yml" | "yaml" => {
            if text.trim().is_empty() {
                return Ok(Value::Null);
            }
            yaml_serde::from_str::<Value>(&text).map_err(|e| parse_error(e.to_string()))
        }
        _ => Ok(parse_text(&text, raw)),
    }
}

fn absolute(path: &Path, cwd: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        cwd.join(path)
    }
}

fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
