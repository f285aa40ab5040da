//! `msk` settings: the cluster, the topic and the event source mapping's options.

use serde_json::Value;

use super::check::{self, err, Result};

const FAMILY: &str = "msk";
const KEYS: &[&str] = &[
    "arn",
    "batchSize",
    "maximumBatchingWindow",
    "enabled",
    "startingPosition",
    "startingPositionTimestamp",
    "topic",
    "saslScram512",
    "consumerGroupId",
    "filterPatterns",
];

/// An `msk` event.
#[derive(Debug, Clone, PartialEq)]
pub struct Msk {
    /// The cluster's ARN, `Ref` or `Fn::ImportValue`.
    pub arn: Value,
    /// v3 `getMskClusterNameToken`: the name in the logical id.
    pub cluster_name: String,
    pub topic: String,
    /// `LATEST`, `TRIM_HORIZON` (the default) or `AT_TIMESTAMP`.
    pub starting_position: String,
    pub starting_position_timestamp: Option<Value>,
    pub batch_size: Option<i64>,
    pub maximum_batching_window: Option<i64>,
    pub consumer_group_id: Option<String>,
    pub enabled: Option<bool>,
    /// `saslScram512`: a Secrets Manager ARN.
    pub sasl_scram_512: Option<Value>,
    pub filter_patterns: Option<Vec<Value>>,
}

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<Msk> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(at(""), "must be an object with `arn` and `topic`"));
    };
    check::unknown_key(o, KEYS, at)?;
    let (arn, cluster_name) = match o.get("arn") {
        Some(v @ Value::String(s)) if s.starts_with("arn:") => match s.split('/').nth(1) {
            Some(c) => (v.clone(), c.to_string()),
            None => return Err(err(
                at("arn"),
                "must be a cluster ARN (`arn:aws:kafka:<region>:<account>:cluster/<name>/<id>`)",
            )),
        },
        Some(v @ Value::Object(m)) if m.len() == 1 => {
            match (m.get("Fn::ImportValue"), m.get("Ref")) {
                (Some(Value::String(n)), _) | (_, Some(Value::String(n))) => (v.clone(), n.clone()),
                _ => {
                    return Err(err(
                        at("arn"),
                        "must be a cluster ARN, `Ref: <Cluster>` or `Fn::ImportValue: <export>`",
                    ))
                }
            }
        }
        _ => {
            return Err(err(
                at("arn"),
                "is required: the cluster's ARN, `Ref` or `Fn::ImportValue`",
            ))
        }
    };
    let topic = match o.get("topic") {
        Some(Value::String(t)) => t.clone(),
        _ => return Err(err(at("topic"), "is required: the topic's name")),
    };
    let starting_position = check::starting_position(o.get("startingPosition"), at)?;
    let starting_position_timestamp = o
        .get("startingPositionTimestamp")
        .filter(|v| !v.is_null())
        .cloned();
    if starting_position_timestamp
        .as_ref()
        .is_some_and(|t| !t.is_number())
    {
        return Err(err(at("startingPositionTimestamp"), "must be a number"));
    }
    if starting_position == "AT_TIMESTAMP" && starting_position_timestamp.is_none() {
        return Err(check::timestamp_required(function, at));
    }
    let batch_size = check::int_in(o, "batchSize", 1, 10000, at)?;
    let maximum_batching_window = check::int_in(o, "maximumBatchingWindow", 0, 300, at)?;
    let enabled = check::bool_at(o, "enabled", at)?;
    let consumer_group_id = check::consumer_group(o.get("consumerGroupId"), at)?;
    let sasl_scram_512 = match o.get("saslScram512") {
        None | Some(Value::Null) => None,
        Some(v @ Value::String(s)) if s.starts_with("arn:") => Some(v.clone()),
        Some(v) => {
            return Err(err(
                at("saslScram512"),
                format!("must be a Secrets Manager ARN, got {v}"),
            ))
        }
    };
    let filter_patterns = check::filter_patterns(o.get("filterPatterns"), at)?;
    Ok(Msk {
        arn,
        cluster_name,
        topic,
        starting_position,
        starting_position_timestamp,
        batch_size,
        maximum_batching_window,
        consumer_group_id,
        enabled,
        sasl_scram_512,
        filter_patterns,
    })
}
