//! v3's configuration schema: validation, type coercion and the messages v3 shows.
//!
//! `v3-schema.json` is the schema Serverless Framework v3.40.0 validates an AWS service
//! against (its core schema, the AWS provider's and every event's, as composed by its
//! `configSchemaHandler`), recorded with `scripts/dump-v3-schema.js`. It is parsed once, on
//! first use. [`ajv`] validates like AJV with v3's options (including `coerceTypes: 'array'`,
//! which rewrites values: `Action: s3:GetObject` becomes a list, `lambdaHashingVersion:
//! 20201221` a string…), [`errors`] turns AJV's errors into v3's messages.
//!
//! `configValidationMode` decides what happens with the messages: `warn` (the default) shows
//! them as a warning, `error` stops with v3's error, `off` hides them. Coercion happens in
//! every mode, as in v3.

mod ajv;
mod errors;

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use serde_json::Value;

use crate::error::ConfigError;

/// The recorded schema: a small root, and the larger subschemas and definitions kept as raw
/// JSON (`$ref: #/lazy/<id>`, `#/definitions/<name>`) that is parsed only when a service uses
/// them, so validation costs little at startup.
#[derive(serde::Deserialize)]
struct Recorded {
    root: Value,
    #[serde(borrow)]
    lazy: HashMap<&'static str, &'static serde_json::value::RawValue>,
}

static SCHEMA: OnceLock<Recorded> = OnceLock::new();

fn recorded() -> &'static Recorded {
    SCHEMA.get_or_init(|| {
        serde_json::from_str(include_str!("v3-schema.json")).expect("embedded schema is JSON")
    })
}

fn schema() -> &'static Value {
    &recorded().root
}

/// A lazily parsed part of the schema (`d:<definition>` or a subschema id).
pub(crate) fn lazy_part(id: &str) -> Option<&'static Value> {
    static PARSED: Mutex<Option<HashMap<String, &'static Value>>> = Mutex::new(None);
    let raw = recorded().lazy.get(id)?;
    let mut parsed = PARSED.lock().ok()?;
    let map = parsed.get_or_insert_with(HashMap::new);
    if let Some(v) = map.get(id) {
        return Some(v);
    }
    let value: Value = serde_json::from_str(raw.get()).ok()?;
    // Parsed once per process and kept for its lifetime, like the schema itself.
    let value: &'static Value = Box::leak(Box::new(value));
    map.insert(id.to_string(), value);
    Some(value)
}

const LEARN_MORE: &str =
    "Learn more about configuration validation here: http://slss.io/configuration-validation";

/// Validates and coerces `config` (nulls already taken out, as v3 does before validating).
/// Returns the messages to show as a warning; `configValidationMode: error` turns them into
/// v3's error instead.
pub(crate) fn validate(config: &mut Value) -> Result<Vec<String>, ConfigError> {
    // The schema is the AWS provider's; v3 validates other providers against their plugin's.
    let provider_name = config.get("provider").and_then(|p| p.get("name"));
    if provider_name.and_then(Value::as_str) != Some("aws") {
        return Ok(Vec::new());
    }
    let mode = match config.get("configValidationMode").and_then(Value::as_str) {
        Some("error") => "error",
        Some("off") => "off",
        _ => "warn",
    };
    let raw = ajv::validate(schema(), config);
    if raw.is_empty() || mode == "off" {
        return Ok(Vec::new());
    }
    let messages = errors::normalize(raw);
    if mode == "error" && !messages.is_empty() {
        let body = if messages.len() > 1 {
            format!("Configuration error: \n     {}", messages.join("\n     "))
        } else {
            format!("Configuration error {}", messages[0])
        };
        return Err(ConfigError::Invalid {
            message: format!("{body}\n\n{LEARN_MORE}"),
        });
    }
    Ok(messages)
}

/// v3's warning for schema messages (v3 prints it on stderr after an empty line, with
/// `Warning: ` before it): `Invalid configuration encountered`, the messages, the link.
pub(crate) fn warning_text(messages: &[String]) -> String {
    let mut out = String::from("Invalid configuration encountered\n");
    for m in messages {
        out.push_str("  ");
        out.push_str(m);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(LEARN_MORE);
    out
}
