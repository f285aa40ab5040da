//! `sls print`: the resolved configuration as YAML, JSON or text, like v3's print plugin
//! (`--path a.b.c` to dig in, `--transform keys` to list keys).

use serde_json::Value;

use crate::error::ConfigError;
use crate::jsval::coerce_string;

/// Output format of `sls print`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PrintFormat {
    #[default]
    Yaml,
    Json,
    Text,
}

impl std::str::FromStr for PrintFormat {
    type Err = ConfigError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "yaml" => Ok(PrintFormat::Yaml),
            "json" => Ok(PrintFormat::Json),
            "text" => Ok(PrintFormat::Text),
            _ => Err(ConfigError::Print {
                message: "Format must be \"yaml\", \"json\" or \"text\"".into(),
            }),
        }
    }
}

fn truthy(v: &Value) -> bool {
    crate::jsval::is_truthy(v)
}

/// Render like v3's `print`. The result is exactly what v3 writes to stdout, final newline
/// included (v3's `writeText` adds one; its YAML dump already ends with one, so YAML ends with
/// an empty line): write it as is.
pub fn render_print(
    config: &Value,
    format: PrintFormat,
    path: Option<&str>,
    transform: Option<&str>,
) -> Result<String, ConfigError> {
    render(config, format, path, transform).map(|mut s| {
        s.push('\n');
        s
    })
}

fn render(
    config: &Value,
    format: PrintFormat,
    path: Option<&str>,
    transform: Option<&str>,
) -> Result<String, ConfigError> {
    let mut conf = config.clone();
    if let Some(path) = path.filter(|p| !p.is_empty()) {
        for step in path.split('.') {
            let next = match &conf {
                Value::Object(m) => m.get(step).cloned(),
                Value::Array(a) => {
                    crate::jsval::is_index_key(step).and_then(|i| a.get(i as usize).cloned())
                }
                Value::String(s) => crate::jsval::is_index_key(step)
                    .and_then(|i| s.chars().nth(i as usize))
                    .map(|c| Value::String(c.to_string())),
                _ => None,
            };
            match next {
                Some(v) if truthy(&v) => conf = v,
                _ => {
                    return Err(ConfigError::Print {
                        message: format!("Path \"{path}\" not found"),
                    })
                }
            }
        }
    }
    if let Some(t) = transform.filter(|t| !t.is_empty()) {
        if t != "keys" {
            return Err(ConfigError::Print {
                message: "Transform can only be \"keys\"".into(),
            });
        }
        conf = Value::Array(match &conf {
            Value::Object(m) => m.keys().cloned().map(Value::String).collect(),
            Value::Array(a) => (0..a.len()).map(|i| Value::String(i.to_string())).collect(),
            Value::String(s) => (0..s.chars().count())
                .map(|i| Value::String(i.to_string()))
                .collect(),
            _ => Vec::new(),
        });
    }
    match format {
        PrintFormat::Text => match &conf {
            Value::Array(a) => Ok(a
                .iter()
                .map(|v| match v {
                    Value::Null => String::new(),
                    Value::Object(_) => "[object Object]".into(),
                    other => coerce_string(other).unwrap_or_default(),
                })
                .collect::<Vec<_>>()
                .join("\n")),
            Value::Object(_) => Err(ConfigError::Print {
                message: "Cannot print an object as \"text\"".into(),
            }),
            Value::Null => Ok("null".into()),
            other => Ok(coerce_string(other).unwrap_or_default()),
        },
        PrintFormat::Json => serde_json::to_string_pretty(&conf).map_err(|e| ConfigError::Print {
            message: format!("Cannot render JSON: {e}"),
        }),
        PrintFormat::Yaml => Ok(crate::yaml_dump::dump(&conf)),
    }
}
