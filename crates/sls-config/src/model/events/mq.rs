//! `activemq` and `rabbitmq` settings: the broker, its credentials and the queue.

use serde_json::Value;

use super::check::{self, err, Result};

pub(super) const RABBITMQ: &str = "rabbitmq";

/// An `activemq` or `rabbitmq` event.
#[derive(Debug, Clone, PartialEq)]
pub struct Mq {
    /// The broker's ARN, `Ref` or `Fn::ImportValue`.
    pub arn: Value,
    /// `basicAuthArn`: the Secrets Manager ARN of the broker credentials.
    pub basic_auth_arn: Value,
    pub queue: String,
    /// RabbitMQ's `virtualHost` (an empty one is none).
    pub virtual_host: Option<String>,
    pub batch_size: Option<i64>,
    pub maximum_batching_window: Option<i64>,
    pub enabled: Option<bool>,
    pub filter_patterns: Option<Vec<Value>>,
}

fn ref_or_import(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.len() == 1 && (o.contains_key("Ref") || o.contains_key("Fn::ImportValue"))
    })
}

pub(super) fn parse(
    family: &str,
    function: &str,
    index: usize,
    settings: Option<&Value>,
) -> Result<Mq> {
    let at = |p: &str| check::path(function, index, family, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(
            at(""),
            "must be an object with `arn`, `basicAuthArn` and `queue`",
        ));
    };
    let mut keys = vec![
        "arn",
        "basicAuthArn",
        "batchSize",
        "maximumBatchingWindow",
        "enabled",
        "queue",
        "filterPatterns",
    ];
    if family == RABBITMQ {
        keys.push("virtualHost");
    }
    check::unknown_key(o, &keys, at)?;
    let arn = match o.get("arn") {
        Some(v @ Value::String(s)) if s.starts_with("arn:") && s.contains(":mq:") && s.contains(":broker:") => v.clone(),
        Some(v) if ref_or_import(v) => v.clone(),
        _ => return Err(err(at("arn"), "is required: the broker's ARN (`arn:aws:mq:<region>:<account>:broker:<name>:b-…`), `Ref` or `Fn::ImportValue`")),
    };
    let basic_auth_arn = match o.get("basicAuthArn") {
        Some(v @ Value::String(s)) if s.starts_with("arn:") && s.contains(":secretsmanager:") => v.clone(),
        Some(v) if ref_or_import(v) => v.clone(),
        _ => return Err(err(at("basicAuthArn"), "is required: the Secrets Manager ARN of the broker credentials, `Ref` or `Fn::ImportValue`")),
    };
    let queue = match o.get("queue") {
        Some(Value::String(q)) => q.clone(),
        _ => return Err(err(at("queue"), "is required: the queue's name")),
    };
    let batch_size = check::int_in(o, "batchSize", 1, 10000, at)?;
    let maximum_batching_window = check::int_in(o, "maximumBatchingWindow", 0, 300, at)?;
    let enabled = check::bool_at(o, "enabled", at)?;
    let virtual_host = match o.get("virtualHost") {
        None | Some(Value::Null) => None,
        Some(Value::String(h)) if h.is_empty() => None,
        Some(Value::String(h)) => Some(h.clone()),
        Some(v) => return Err(err(at("virtualHost"), format!("must be a string, got {v}"))),
    };
    let filter_patterns = check::filter_patterns(o.get("filterPatterns"), at)?;
    Ok(Mq {
        arn,
        basic_auth_arn,
        queue,
        virtual_host,
        batch_size,
        maximum_batching_window,
        enabled,
        filter_patterns,
    })
}
