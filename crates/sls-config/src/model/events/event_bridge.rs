//! `eventBridge` settings: the bus, the rule (pattern or schedule) and its target. Values the
//! rule takes as written (the pattern, the bus, the input) stay JSON values, checked.

use serde_json::{Map, Value};

use super::check::{self, err, Result};

const FAMILY: &str = "eventBridge";

/// An `eventBridge` event. Each optional value is set when written and not null.
#[derive(Debug, Clone, PartialEq)]
pub struct EventBridge {
    /// A bus name, a bus ARN, or an intrinsic (`Ref`, `Fn::ImportValue`, `Fn::GetAtt: [_, Name]`).
    pub event_bus: Option<Value>,
    /// `rate(...)` or `cron(...)`.
    pub schedule: Option<Value>,
    pub name: Option<String>,
    pub description: Option<Value>,
    pub enabled: bool,
    /// The event pattern (an object).
    pub pattern: Option<Value>,
    /// `input` (an object).
    pub input: Option<Value>,
    pub input_path: Option<Value>,
    /// `{inputTemplate, inputPathsMap}`, as written.
    pub input_transformer: Option<Map<String, Value>>,
    pub retry_policy: Option<RetryPolicy>,
    pub dead_letter_queue_arn: Option<Value>,
}

/// `retryPolicy`: each value as written (a checked number, or null).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    pub maximum_event_age: Option<Value>,
    pub maximum_retry_attempts: Option<Value>,
}

const KEYS: &[&str] = &[
    "eventBus",
    "schedule",
    "name",
    "description",
    "enabled",
    "pattern",
    "input",
    "inputPath",
    "inputTransformer",
    "retryPolicy",
    "deadLetterQueueArn",
];
const PATTERN_KEYS: &[&str] = &[
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
    "$or",
];

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<EventBridge> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(
            at(""),
            "must be an object with `pattern` or `schedule`",
        ));
    };
    check::unknown_key(o, KEYS, at)?;
    if !o.contains_key("pattern") && !o.contains_key("schedule") {
        return Err(err(
            at(""),
            "needs `pattern` (an event pattern) or `schedule` (`rate(...)`/`cron(...)`)",
        ));
    }
    if let Some(p) = o.get("pattern") {
        match p {
            Value::Object(p) => {
                if let Some(k) = p.keys().find(|k| !PATTERN_KEYS.contains(&k.as_str())) {
                    return Err(err(at(&format!("pattern.{k}")), "unknown event pattern field; use version, id, detail-type, source, account, time, region, resources, detail or $or"));
                }
            }
            v => return Err(err(at("pattern"), format!("must be an object, got {v}"))),
        }
    }
    if let Some(s) = o.get("schedule") {
        let ok = s.as_str().is_some_and(|s| {
            (s.starts_with("rate(") || s.starts_with("cron(")) && s.ends_with(')') && s.len() > 6
        });
        if !ok {
            return Err(err(
                at("schedule"),
                format!("{s} is not a schedule expression: use `rate(...)` or `cron(...)`"),
            ));
        }
    }
    match o.get("eventBus") {
        None | Some(Value::Null) => {}
        Some(Value::String(s)) if !s.is_empty() => {}
        Some(Value::Object(b))
            if b.len() == 1
                && (b.contains_key("Fn::ImportValue")
                    || b.contains_key("Ref")
                    || b.get("Fn::GetAtt").and_then(|g| g.get(1)).is_some_and(|a| a == "Name")) => {}
        Some(v) => {
            return Err(err(at("eventBus"), format!("must be a bus name, a bus ARN, `Ref`, `Fn::ImportValue` or `Fn::GetAtt: [<Bus>, Name]`, got {v}")))
        }
    }
    match o.get("name") {
        None | Some(Value::Null) => {}
        Some(Value::String(n)) if !n.is_empty() && n.len() <= 64 => {}
        Some(v) => {
            return Err(err(
                at("name"),
                format!("must be 1 to 64 characters, got {v}"),
            ))
        }
    }
    if let Some(v) = o.get("input").filter(|v| !v.is_null() && !v.is_object()) {
        return Err(err(at("input"), format!("must be an object, got {v}")));
    }
    let given = ["input", "inputPath", "inputTransformer"]
        .iter()
        .filter(|k| o.get(**k).is_some_and(crate::is_truthy))
        .count();
    if given > 1 {
        return Err(err(at(""), "You can only set one of input, inputPath, or inputTransformer properties for eventBridge events"));
    }
    if let Some(t) = o.get("inputTransformer").filter(|v| !v.is_null()) {
        let ok = t.as_object().is_some_and(|t| {
            t.get("inputTemplate")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
                && t.keys()
                    .all(|k| k == "inputTemplate" || k == "inputPathsMap")
        });
        if !ok {
            return Err(err(
                at("inputTransformer"),
                "must be `{inputTemplate: <text>, inputPathsMap: {...}}`",
            ));
        }
    }
    if let Some(r) = o.get("retryPolicy").filter(|v| !v.is_null()) {
        let Some(r) = r.as_object() else {
            return Err(err(at("retryPolicy"), "must be an object"));
        };
        let rat = |k: &str| at(&format!("retryPolicy.{k}"));
        check::int_in(r, "maximumEventAge", 60, 86400, rat)?;
        check::int_in(r, "maximumRetryAttempts", 0, 185, rat)?;
    }
    let retry_policy = o
        .get("retryPolicy")
        .and_then(Value::as_object)
        .map(|r| RetryPolicy {
            maximum_event_age: r.get("maximumEventAge").cloned(),
            maximum_retry_attempts: r.get("maximumRetryAttempts").cloned(),
        });
    if let Some(d) = o.get("deadLetterQueueArn").filter(|v| !v.is_null()) {
        if !check::is_arn(d) {
            return Err(err(
                at("deadLetterQueueArn"),
                "must be an SQS queue ARN or an intrinsic",
            ));
        }
    }
    check::bool_at(o, "enabled", at)?;
    let written = |k: &str| o.get(k).filter(|v| !v.is_null()).cloned();
    Ok(EventBridge {
        event_bus: written("eventBus"),
        schedule: written("schedule"),
        name: o.get("name").and_then(Value::as_str).map(str::to_string),
        description: written("description"),
        enabled: o.get("enabled") != Some(&Value::Bool(false)),
        pattern: written("pattern"),
        input: written("input"),
        input_path: written("inputPath"),
        input_transformer: o
            .get("inputTransformer")
            .and_then(Value::as_object)
            .cloned(),
        retry_policy,
        dead_letter_queue_arn: written("deadLetterQueueArn"),
    })
}
