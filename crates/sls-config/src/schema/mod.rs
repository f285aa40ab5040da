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
pub fn warning_text(messages: &[String]) -> String {
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

/// What the service's plugins add to the schema (`configSchemaHandler.define…`), by name.
#[derive(Debug, Clone, Default)]
pub struct PluginSchema {
    /// `defineTopLevelProperty` names.
    pub top_level: Vec<String>,
    /// Properties `defineFunctionProperties` adds to every function.
    pub function_properties: Vec<String>,
    /// `defineFunctionEvent` event names.
    pub function_events: Vec<String>,
}

/// The warnings without the messages about properties and events the plugins define (v3
/// validates with the plugins' schema parts, so it does not report them). A warning left with
/// no message is dropped.
pub fn without_plugin_definitions(
    warnings: Vec<String>,
    plugins: &PluginSchema,
    config: &Value,
) -> Vec<String> {
    let defined = |message: &str| -> bool {
        let Some((at, what)) = message.split_once(": ") else {
            return false;
        };
        let property = what
            .strip_prefix("unrecognized property '")
            .and_then(|p| p.strip_suffix('\''));
        match property {
            Some(p) if at == "at root" => plugins.top_level.iter().any(|t| t == p),
            Some(p) if is_function_path(at) => plugins.function_properties.iter().any(|f| f == p),
            _ => false,
        }
    };
    warnings
        .into_iter()
        .filter_map(|w| {
            let Some(body) = w.strip_prefix("Invalid configuration encountered\n") else {
                return Some(w);
            };
            let messages: Vec<&str> = body.lines().filter_map(|l| l.strip_prefix("  ")).collect();
            let kept: Vec<String> = messages
                .iter()
                .filter(|m| !defined(m) && !is_plugin_event(m, plugins, config))
                .map(|m| m.to_string())
                .collect();
            if kept.len() == messages.len() {
                Some(w)
            } else if kept.is_empty() {
                None
            } else {
                Some(warning_text(&kept))
            }
        })
        .collect()
}

/// `at 'functions.<name>'`.
fn is_function_path(at: &str) -> bool {
    at.strip_prefix("at 'functions.")
        .and_then(|r| r.strip_suffix('\''))
        .is_some_and(|name| !name.contains('.'))
}

/// `at 'functions.<f>.events.<i>': unsupported function event` where the event there is one
/// a plugin defines.
fn is_plugin_event(message: &str, plugins: &PluginSchema, config: &Value) -> bool {
    let Some(path) = message
        .strip_suffix(": unsupported function event")
        .and_then(|m| m.strip_prefix("at 'functions."))
        .and_then(|m| m.strip_suffix('\''))
    else {
        return false;
    };
    let Some((function, index)) = path.rsplit_once(".events.") else {
        return false;
    };
    let event = index
        .parse::<usize>()
        .ok()
        .and_then(|i| {
            config
                .get("functions")?
                .get(function)?
                .get("events")?
                .get(i)
        })
        .and_then(Value::as_object)
        .and_then(|o| o.keys().next());
    event.is_some_and(|e| plugins.function_events.iter().any(|d| d == e))
}

#[cfg(test)]
mod plugin_schema_tests {
    use super::*;

    #[test]
    fn messages_about_plugin_properties_are_dropped_others_kept() {
        let plugins = PluginSchema {
            top_level: vec!["constructs".into()],
            function_properties: vec!["iamRoleStatements".into()],
            function_events: vec![],
        };
        let only_plugins = warning_text(&[
            "at root: unrecognized property 'constructs'".into(),
            "at 'functions.reader': unrecognized property 'iamRoleStatements'".into(),
        ]);
        let config = serde_json::json!({});
        assert!(without_plugin_definitions(vec![only_plugins], &plugins, &config).is_empty());
        let mixed = warning_text(&[
            "at root: unrecognized property 'constructs'".into(),
            "at root: unrecognized property 'typo'".into(),
        ]);
        let left = without_plugin_definitions(vec![mixed], &plugins, &config);
        assert_eq!(
            left,
            vec![warning_text(&[
                "at root: unrecognized property 'typo'".into()
            ])]
        );
    }
}
