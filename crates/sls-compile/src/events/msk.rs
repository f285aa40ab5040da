//! `msk` events (v3 `compile/events/msk`): an `AWS::Lambda::EventSourceMapping` per cluster and
//! topic, and per function the `kafka:DescribeCluster`/`GetBootstrapBrokers` and EC2 statements.

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use super::mq::ec2_statement;
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "msk";

/// The settings of a `msk` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Value> {
    match kind {
        EventKind::Msk(Some(s)) => Some(s),
        _ => None,
    }
}
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

/// (cluster name token, topic, ARN, properties).
pub(super) fn parse(
    f: &Function,
    index: usize,
    settings: Option<&Value>,
) -> Result<(String, String, Value, Map<String, Value>)> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(at(""), "must be an object with `arn` and `topic`"));
    };
    if let Some(k) = o.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(err(at(k), "unknown property; remove it"));
    }
    // v3 `getMskClusterNameToken`.
    let (arn, cluster) = match o.get("arn") {
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
    let starting_position = common::starting_position(o.get("startingPosition"), at)?;
    let timestamp = o
        .get("startingPositionTimestamp")
        .filter(|v| !v.is_null())
        .cloned();
    if timestamp.as_ref().is_some_and(|t| !t.is_number()) {
        return Err(err(at("startingPositionTimestamp"), "must be a number"));
    }
    if starting_position == "AT_TIMESTAMP" && timestamp.is_none() {
        return Err(common::timestamp_required(f, at));
    }
    let batch = common::int_in(o, "batchSize", 1, 10000, at)?;
    let window = common::int_in(o, "maximumBatchingWindow", 0, 300, at)?;
    let enabled = common::bool_at(o, "enabled", at)?;
    let mut props = Map::new();
    props.insert("EventSourceArn".into(), arn.clone());
    props.insert("FunctionName".into(), common::lambda_target(f));
    props.insert("StartingPosition".into(), json!(starting_position));
    props.insert("Topics".into(), json!([topic]));
    if let Some(t) = timestamp {
        props.insert("StartingPositionTimestamp".into(), t);
    }
    if let Some(b) = batch.filter(|b| *b != 0) {
        props.insert("BatchSize".into(), json!(b));
    }
    if let Some(w) = window.filter(|w| *w != 0) {
        props.insert("MaximumBatchingWindowInSeconds".into(), json!(w));
    }
    if let Some(group) = common::consumer_group(o.get("consumerGroupId"), at)? {
        props.insert("AmazonManagedKafkaEventSourceConfig".into(), group);
    }
    if let Some(e) = enabled {
        props.insert("Enabled".into(), json!(e));
    }
    match o.get("saslScram512") {
        None | Some(Value::Null) => {}
        Some(v @ Value::String(s)) if s.starts_with("arn:") => {
            props.insert(
                "SourceAccessConfigurations".into(),
                json!([{"Type": "SASL_SCRAM_512_AUTH", "URI": v}]),
            );
        }
        Some(v) => {
            return Err(err(
                at("saslScram512"),
                format!("must be a Secrets Manager ARN, got {v}"),
            ))
        }
    }
    if let Some(fc) =
        common::filter_criteria_of(o.get("filterPatterns").unwrap_or(&Value::Null), at)?
    {
        props.insert("FilterCriteria".into(), fc);
    }
    Ok((cluster, topic, arn, props))
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        let mut clusters = Vec::new();
        for (index, settings) in common::events_of(f, settings_of) {
            let (cluster, topic, arn, props) = parse(f, index, Some(settings))?;
            let depends_on = common::role_and_alias(service, f);
            common::assign_resource(
                template,
                &naming::msk_event_logical_id(&f.key, &cluster, &topic),
                json!({"Type": "AWS::Lambda::EventSourceMapping", "DependsOn": depends_on, "Properties": props}),
            );
            clusters.push(arn);
        }
        if !clusters.is_empty() {
            if let Some(st) = common::role_statements(template) {
                st.push(common::statement(
                    &["kafka:DescribeCluster", "kafka:GetBootstrapBrokers"],
                    clusters,
                ));
                st.push(ec2_statement());
            }
        }
    }
    Ok(())
}
