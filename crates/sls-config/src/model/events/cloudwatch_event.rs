//! `cloudwatchEvent` settings: the event pattern and the rule's target input. v3 writes the
//! rule as JSON text; strings hold what its `JSON.parse` gives back.

use serde_json::Value;

use super::check::{self, err, v3_quoted, Result};
use super::InputTransformer;

const FAMILY: &str = "cloudwatchEvent";

/// A `cloudwatchEvent` event.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudwatchEvent {
    /// `event`: the event pattern (escaped line breaks dropped).
    pub pattern: Value,
    pub enabled: bool,
    pub description: Option<String>,
    pub name: Option<String>,
    /// `input` as text (an object is stringified).
    pub input: Option<String>,
    pub input_path: Option<String>,
    pub input_transformer: Option<InputTransformer>,
}

const KEYS: &[&str] = &[
    "event",
    "input",
    "inputPath",
    "inputTransformer",
    "description",
    "name",
    "enabled",
];

pub(super) fn parse(
    function: &str,
    index: usize,
    settings: Option<&Value>,
) -> Result<CloudwatchEvent> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(
            at(""),
            "must be an object with `event` (the event pattern)",
        ));
    };
    check::unknown_key(o, KEYS, at)?;
    let pattern = match o.get("event") {
        Some(e @ Value::Object(_)) => serde_json::from_str::<Value>(&check::drop_escaped_breaks(
            &e.to_string(),
        ))
        .map_err(|_| {
            err(
                at("event"),
                "v3 cannot place this pattern in its rule template; remove escaped line breaks",
            )
        })?,
        _ => {
            return Err(err(
                at("event"),
                "is required: the event pattern (an object)",
            ))
        }
    };
    let given = ["input", "inputPath", "inputTransformer"]
        .iter()
        .filter(|k| o.get(**k).is_some_and(crate::is_truthy))
        .count();
    if given > 1 {
        return Err(err(at(""), "You can only set one of input, inputPath, or inputTransformer properties at the same time for cloudwatch events"));
    }
    let enabled = o.get("enabled") != Some(&Value::Bool(false));
    check::bool_at(o, "enabled", at)?;
    let mut texts = [None, None];
    for (text, (key, max)) in texts.iter_mut().zip([("description", 512), ("name", 64)]) {
        match o.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::String(s)) if s.chars().count() <= max => {
                *text = Some(v3_quoted(s, at(key))?);
            }
            Some(v) => {
                return Err(err(
                    at(key),
                    format!("must be a string of at most {max} characters, got {v}"),
                ))
            }
        }
    }
    let [description, name] = texts;
    let input = match o.get("input") {
        None | Some(Value::Null) => None,
        Some(i @ (Value::String(_) | Value::Object(_))) if crate::is_truthy(i) => {
            let text = match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let escaped = check::drop_escaped_breaks(&text.replace('"', "\\\""));
            Some(v3_quoted(&escaped, at("input"))?)
        }
        Some(Value::String(_)) => None,
        Some(v) => {
            return Err(err(
                at("input"),
                format!("must be a string or an object, got {v}"),
            ))
        }
    };
    let input_path = match o.get("inputPath") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if !p.is_empty() => {
            let p = p.replace("\r\n", "").replace('\n', "");
            Some(v3_quoted(&p, at("inputPath"))?)
        }
        Some(v) => {
            return Err(err(
                at("inputPath"),
                format!("must be a non-empty string, got {v}"),
            ))
        }
    };
    let input_transformer = match o.get("inputTransformer") {
        None | Some(Value::Null) => None,
        Some(Value::Object(t))
            if t.get("inputTemplate")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
                && t.keys()
                    .all(|k| k == "inputTemplate" || k == "inputPathsMap") =>
        {
            Some(InputTransformer {
                input_template: t["inputTemplate"].as_str().unwrap_or_default().to_string(),
                input_paths_map: t
                    .get("inputPathsMap")
                    .filter(|m| crate::is_truthy(m))
                    .cloned(),
            })
        }
        Some(_) => {
            return Err(err(
                at("inputTransformer"),
                "must be `{inputTemplate: <text>, inputPathsMap: {...}}`",
            ))
        }
    };
    Ok(CloudwatchEvent {
        pattern,
        enabled,
        description,
        name,
        input,
        input_path,
        input_transformer,
    })
}
