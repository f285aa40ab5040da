//! `stream` settings (DynamoDB and Kinesis): the stream, the event source mapping's options,
//! the Kinesis consumer and the on-failure destination.

use serde_json::{Map, Value};

use super::check::{self, err, Result};

const FAMILY: &str = "stream";
const KEYS: &[&str] = &[
    "arn",
    "type",
    "batchSize",
    "parallelizationFactor",
    "startingPosition",
    "startingPositionTimestamp",
    "enabled",
    "consumer",
    "batchWindow",
    "maximumRetryAttempts",
    "bisectBatchOnFunctionError",
    "maximumRecordAgeInSeconds",
    "functionResponseType",
    "destinations",
    "tumblingWindowInSeconds",
    "filterPatterns",
];

/// A `stream` event: `- stream: <arn>` or an object with `arn` and the mapping's options.
#[derive(Debug, Clone, PartialEq)]
pub struct Stream {
    /// A stream ARN string or an intrinsic.
    pub arn: Value,
    /// `dynamodb` or `kinesis`.
    pub kind: String,
    /// v3's stream name for the logical id.
    pub name: String,
    pub options: StreamOptions,
    /// `functionResponseType` (only `ReportBatchItemFailures`).
    pub function_response_type: Option<String>,
    pub on_failure: Option<OnFailure>,
    pub filter_patterns: Option<Vec<Value>>,
}

/// `destinations.onFailure`: where failed batches go.
#[derive(Debug, Clone, PartialEq)]
pub struct OnFailure {
    /// `sns`, `sqs` (or the service part of the ARN).
    pub kind: String,
    pub arn: Value,
}

/// The event source mapping's options, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct StreamOptions {
    pub batch_size: Option<i64>,
    pub parallelization: Option<i64>,
    /// `LATEST`, `TRIM_HORIZON` (the default) or `AT_TIMESTAMP`.
    pub starting_position: String,
    pub starting_position_timestamp: Option<Value>,
    pub enabled: Option<bool>,
    /// `consumer: true` (create one) or a consumer ARN.
    pub consumer: Option<Value>,
    pub batch_window: Option<i64>,
    pub retries: Option<i64>,
    pub bisect: Option<bool>,
    pub record_age: Option<i64>,
    pub tumbling: Option<i64>,
}

/// v3's stream name for the logical id.
fn stream_name(arn: &Value) -> Option<String> {
    match arn {
        Value::String(s) => s.split('/').nth(1).map(str::to_string),
        Value::Object(o) => {
            if let Some(g) = o.get("Fn::GetAtt") {
                return g.get(0)?.as_str().map(str::to_string);
            }
            if let Some(i) = o.get("Fn::ImportValue") {
                return i.as_str().map(str::to_string);
            }
            if let Some(r) = o.get("Ref") {
                return r.as_str().map(str::to_string);
            }
            if let Some(j) = o.get("Fn::Join") {
                let last = j.get(1)?.as_array()?.last()?.as_str()?;
                return last.rsplit('/').next().map(str::to_string);
            }
            None
        }
        _ => None,
    }
}

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<Stream> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let empty = Map::new();
    let (arn, o, arn_at) = match settings {
        Some(Value::String(s)) => (Value::String(s.clone()), &empty, at("")),
        Some(Value::Object(o)) => {
            check::unknown_key(o, KEYS, at)?;
            match o.get("arn") {
                Some(a) if !a.is_null() => (a.clone(), o, at("arn")),
                _ => {
                    return Err(err(
                        at("arn"),
                        "is required: the stream's ARN, or an intrinsic (`Fn::GetAtt`, `Fn::ImportValue`, ...) with `type`",
                    ))
                }
            }
        }
        _ => {
            return Err(err(
                at(""),
                "must be the stream's ARN or an object with `arn`",
            ))
        }
    };
    if !check::is_arn(&arn) {
        return Err(err(
            arn_at,
            format!("{arn} is not a stream ARN: use `arn:aws:dynamodb:...`/`arn:aws:kinesis:...` or an intrinsic with `type`"),
        ));
    }
    let kind = stream_kind(o, &arn, &arn_at, &at)?;
    let Some(name) = stream_name(&arn) else {
        return Err(err(
            arn_at,
            "the stream name cannot be read from it (v3 reads it from the ARN's `/<name>`, `Fn::GetAtt`, `Fn::ImportValue`, `Ref` or the last part of `Fn::Join`)",
        ));
    };
    let options = parse_options(o, &at)?;
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
    let on_failure = match o.get("destinations") {
        None | Some(Value::Null) => None,
        Some(d) => Some(parse_destinations(d, &at)?),
    };
    let filter_patterns = check::filter_patterns(o.get("filterPatterns"), at)?;
    if options.consumer.is_some()
        && kind == "kinesis"
        && options.starting_position == "AT_TIMESTAMP"
        && options.starting_position_timestamp.is_none()
    {
        return Err(check::timestamp_required(function, at));
    }
    Ok(Stream {
        arn,
        kind,
        name,
        options,
        function_response_type,
        on_failure,
        filter_patterns,
    })
}

/// `dynamodb` or `kinesis`: `type`, else the service part of a string ARN.
fn stream_kind(
    o: &Map<String, Value>,
    arn: &Value,
    arn_at: &str,
    at: &impl Fn(&str) -> String,
) -> Result<String> {
    let kind = match (o.get("type"), arn) {
        (Some(Value::String(t)), _) => t.clone(),
        (None | Some(Value::Null), Value::String(s)) => {
            s.split(':').nth(2).unwrap_or("").to_string()
        }
        (None | Some(Value::Null), _) => {
            return Err(err(
                at("type"),
                "is required when `arn` is an intrinsic: `dynamodb` or `kinesis`",
            ))
        }
        (Some(v), _) => {
            return Err(err(
                at("type"),
                format!("must be `dynamodb` or `kinesis`, got {v}"),
            ))
        }
    };
    if kind != "dynamodb" && kind != "kinesis" {
        let where_ = if o.contains_key("type") {
            at("type")
        } else {
            arn_at.to_string()
        };
        return Err(err(
            where_,
            format!("unknown stream type \"{kind}\": a stream is `dynamodb` or `kinesis`"),
        ));
    }
    Ok(kind)
}

fn parse_options(o: &Map<String, Value>, at: &impl Fn(&str) -> String) -> Result<StreamOptions> {
    let batch_size = check::int_in(o, "batchSize", 1, 10000, at)?;
    let parallelization = check::int_in(o, "parallelizationFactor", 1, 10, at)?;
    let starting_position = check::starting_position(o.get("startingPosition"), at)?;
    let starting_position_timestamp = match o.get("startingPositionTimestamp") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Number(_)) => Some(v.clone()),
        Some(v) => {
            return Err(err(
                at("startingPositionTimestamp"),
                format!("must be a number (seconds since the epoch), got {v}"),
            ))
        }
    };
    let enabled = check::bool_at(o, "enabled", at)?;
    let consumer = match o.get("consumer") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) => Some(Value::Bool(true)),
        Some(v) if check::is_arn(v) => Some(v.clone()),
        Some(v) => {
            return Err(err(
                at("consumer"),
                format!("must be true or a consumer ARN, got {v}"),
            ))
        }
    };
    let batch_window = check::int_in(o, "batchWindow", 0, 300, at)?;
    let retries = check::int_in(o, "maximumRetryAttempts", -1, 10000, at)?;
    let bisect = check::bool_at(o, "bisectBatchOnFunctionError", at)?;
    let record_age = match o.get("maximumRecordAgeInSeconds") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(n) if n == -1 || (60..=604800).contains(&n) => Some(n),
            _ => {
                return Err(err(
                    at("maximumRecordAgeInSeconds"),
                    format!("must be -1 or a whole number from 60 to 604800, got {v}"),
                ))
            }
        },
    };
    let tumbling = check::int_in(o, "tumblingWindowInSeconds", 0, 900, at)?;
    Ok(StreamOptions {
        batch_size,
        parallelization,
        starting_position,
        starting_position_timestamp,
        enabled,
        consumer,
        batch_window,
        retries,
        bisect,
        record_age,
        tumbling,
    })
}

/// `destinations`: only `onFailure`, an ARN or `{arn, type}`.
fn parse_destinations(d: &Value, at: &impl Fn(&str) -> String) -> Result<OnFailure> {
    let Value::Object(d) = d else {
        return Err(err(
            at("destinations"),
            format!("must be an object with `onFailure`, got {d}"),
        ));
    };
    if let Some(k) = d.keys().find(|k| *k != "onFailure") {
        return Err(err(
            at(&format!("destinations.{k}")),
            "unknown property; remove it",
        ));
    }
    let dest_at = at("destinations.onFailure");
    match d.get("onFailure") {
        Some(v @ Value::String(s)) if s.starts_with("arn:") => Ok(OnFailure {
            kind: s.split(':').nth(2).unwrap_or("").to_string(),
            arn: v.clone(),
        }),
        Some(Value::Object(of)) => on_failure_object(of, &dest_at),
        _ => Err(err(
            dest_at,
            "is required: an SNS topic or SQS queue ARN, or `{arn, type}`",
        )),
    }
}

/// `destinations.onFailure` as `{arn, type}` (`dest_at` is its path).
fn on_failure_object(of: &Map<String, Value>, dest_at: &str) -> Result<OnFailure> {
    if let Some(k) = of.keys().find(|k| *k != "arn" && *k != "type") {
        return Err(err(format!("{dest_at}.{k}"), "unknown property; remove it"));
    }
    let arn = of.get("arn").cloned().unwrap_or(Value::Null);
    if !check::is_arn(&arn) {
        return Err(err(
            format!("{dest_at}.arn"),
            "is required: an SNS topic or SQS queue ARN, or an intrinsic with `type`",
        ));
    }
    let kind = match (of.get("type"), &arn) {
        (Some(Value::String(t)), _) if t == "sns" || t == "sqs" => t.clone(),
        (None, Value::String(s)) => s.split(':').nth(2).unwrap_or("").to_string(),
        (None, _) => {
            return Err(err(
                format!("{dest_at}.type"),
                "is required when `arn` is an intrinsic: `sns` or `sqs`",
            ))
        }
        (Some(v), _) => {
            return Err(err(
                format!("{dest_at}.type"),
                format!("must be `sns` or `sqs`, got {v}"),
            ))
        }
    };
    Ok(OnFailure { kind, arn })
}
