//! `sqs` settings: the queue (its ARN, and the name v3 reads from it for the logical id) and
//! the event source mapping's options.

use serde_json::{Map, Value};

use super::check::{self, err, Result};

const FAMILY: &str = "sqs";
const KEYS: &[&str] = &[
    "arn",
    "batchSize",
    "enabled",
    "maximumBatchingWindow",
    "functionResponseType",
    "filterPatterns",
    "maximumConcurrency",
];

/// An `sqs` event: `- sqs: <arn>` or `- sqs: {arn, ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Sqs {
    /// A queue ARN string or an intrinsic (`Fn::GetAtt`, `Fn::ImportValue`, ...).
    pub arn: Value,
    /// v3's queue name for the logical id.
    pub queue_name: String,
    pub batch_size: Option<i64>,
    pub maximum_batching_window: Option<i64>,
    pub enabled: Option<bool>,
    /// `functionResponseType` (only `ReportBatchItemFailures`).
    pub function_response_type: Option<String>,
    pub filter_patterns: Option<Vec<Value>>,
    pub maximum_concurrency: Option<i64>,
}

/// v3's queue name for the logical id: the `Fn::GetAtt` resource, the `Fn::ImportValue` name,
/// the last `Fn::Join` part, or the ARN's last field.
fn queue_name(arn: &Value) -> Option<String> {
    match arn {
        Value::String(s) => s.rsplit(':').next().map(str::to_string),
        Value::Object(o) => {
            if let Some(g) = o.get("Fn::GetAtt") {
                return g.get(0)?.as_str().map(str::to_string);
            }
            if let Some(i) = o.get("Fn::ImportValue") {
                return i.as_str().map(str::to_string);
            }
            if let Some(j) = o.get("Fn::Join") {
                return j.get(1)?.as_array()?.last()?.as_str().map(str::to_string);
            }
            None
        }
        _ => None,
    }
}

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<Sqs> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let empty = Map::new();
    let (arn, o) = match settings {
        Some(Value::String(s)) => (Value::String(s.clone()), &empty),
        Some(Value::Object(o)) => {
            check::unknown_key(o, KEYS, at)?;
            match o.get("arn") {
                Some(a) if !a.is_null() => (a.clone(), o),
                _ => {
                    return Err(err(
                        at("arn"),
                        "is required: the queue's ARN (`arn:aws:sqs:<region>:<account>:<queue>`) or `Fn::GetAtt: [<Queue>, Arn]` / `Fn::ImportValue`",
                    ))
                }
            }
        }
        _ => {
            return Err(err(
                at(""),
                "must be the queue's ARN or an object with `arn` (`Fn::GetAtt: [<Queue>, Arn]` / `Fn::ImportValue`)",
            ))
        }
    };
    let arn_at = if settings.is_some_and(Value::is_string) {
        at("")
    } else {
        at("arn")
    };
    if !check::is_arn(&arn) {
        return Err(err(
            arn_at,
            format!("{arn} is not a queue ARN: use `arn:aws:sqs:<region>:<account>:<queue>`, `Fn::GetAtt: [<Queue>, Arn]` or `Fn::ImportValue`"),
        ));
    }
    let Some(queue_name) = queue_name(&arn) else {
        return Err(err(
            arn_at,
            "the queue name cannot be read from it (v3 reads it from a string ARN, `Fn::GetAtt`, `Fn::ImportValue` with a name, or the last part of `Fn::Join`)",
        ));
    };
    let batch_size = check::int_in(o, "batchSize", 1, 10000, at)?;
    let maximum_batching_window = check::int_in(o, "maximumBatchingWindow", 0, 300, at)?;
    let enabled = check::bool_at(o, "enabled", at)?;
    let maximum_concurrency = check::int_in(o, "maximumConcurrency", 2, 1000, at)?;
    let function_response_type = match o.get("functionResponseType") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if t == "ReportBatchItemFailures" => Some(t.clone()),
        Some(v) => {
            return Err(err(
                at("functionResponseType"),
                format!("must be `ReportBatchItemFailures`, got {v}"),
            ))
        }
    };
    let filter_patterns = check::filter_patterns(o.get("filterPatterns"), at)?;
    Ok(Sqs {
        arn,
        queue_name,
        batch_size,
        maximum_batching_window,
        enabled,
        function_response_type,
        filter_patterns,
        maximum_concurrency,
    })
}
