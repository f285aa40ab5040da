//! `activemq` and `rabbitmq` events (v3 `compile/events/activemq.js`, `rabbitmq.js`): an
//! `AWS::Lambda::EventSourceMapping` per queue with basic auth (and RabbitMQ's virtual host),
//! and per function the secretsmanager, `mq:DescribeBroker` and EC2 network statements v3 adds.

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

pub(super) const ACTIVEMQ: &str = "activemq";
pub(super) const RABBITMQ: &str = "rabbitmq";

/// The settings of a `family` event written as an object key.
fn settings_of<'a>(family: &str, kind: &'a EventKind) -> Option<&'a Value> {
    match kind {
        EventKind::ActiveMq(Some(s)) if family == ACTIVEMQ => Some(s),
        EventKind::RabbitMq(Some(s)) if family == RABBITMQ => Some(s),
        _ => None,
    }
}

fn ref_or_import(v: &Value) -> bool {
    v.as_object().is_some_and(|o| {
        o.len() == 1 && (o.contains_key("Ref") || o.contains_key("Fn::ImportValue"))
    })
}

/// (logical id name part, broker ARN, secret ARN, properties).
pub(super) fn parse(
    family: &str,
    f: &Function,
    index: usize,
    settings: Option<&Value>,
) -> Result<(String, Value, Value, Map<String, Value>)> {
    let at = |p: &str| path(f, index, family, p);
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
    if let Some(k) = o.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(err(at(k), "unknown property; remove it"));
    }
    let arn = match o.get("arn") {
        Some(v @ Value::String(s)) if s.starts_with("arn:") && s.contains(":mq:") && s.contains(":broker:") => v.clone(),
        Some(v) if ref_or_import(v) => v.clone(),
        _ => return Err(err(at("arn"), "is required: the broker's ARN (`arn:aws:mq:<region>:<account>:broker:<name>:b-…`), `Ref` or `Fn::ImportValue`")),
    };
    let secret = match o.get("basicAuthArn") {
        Some(v @ Value::String(s)) if s.starts_with("arn:") && s.contains(":secretsmanager:") => v.clone(),
        Some(v) if ref_or_import(v) => v.clone(),
        _ => return Err(err(at("basicAuthArn"), "is required: the Secrets Manager ARN of the broker credentials, `Ref` or `Fn::ImportValue`")),
    };
    let queue = match o.get("queue") {
        Some(Value::String(q)) => q.clone(),
        _ => return Err(err(at("queue"), "is required: the queue's name")),
    };
    let batch = common::int_in(o, "batchSize", 1, 10000, at)?;
    let window = common::int_in(o, "maximumBatchingWindow", 0, 300, at)?;
    let enabled = common::bool_at(o, "enabled", at)?;
    let mut access = vec![json!({"Type": "BASIC_AUTH", "URI": secret})];
    match o.get("virtualHost") {
        None | Some(Value::Null) => {}
        Some(Value::String(h)) if h.is_empty() => {}
        Some(Value::String(h)) => access.push(json!({"Type": "VIRTUAL_HOST", "URI": h})),
        Some(v) => return Err(err(at("virtualHost"), format!("must be a string, got {v}"))),
    }
    let mut props = Map::new();
    props.insert("FunctionName".into(), common::lambda_target(f));
    props.insert("EventSourceArn".into(), arn.clone());
    props.insert("Queues".into(), json!([queue]));
    props.insert("SourceAccessConfigurations".into(), Value::Array(access));
    if let Some(b) = batch.filter(|b| *b != 0) {
        props.insert("BatchSize".into(), json!(b));
    }
    if let Some(w) = window.filter(|w| *w != 0) {
        props.insert("MaximumBatchingWindowInSeconds".into(), json!(w));
    }
    if let Some(e) = enabled {
        props.insert("Enabled".into(), json!(e));
    }
    if let Some(fc) =
        common::filter_criteria_of(o.get("filterPatterns").unwrap_or(&Value::Null), at)?
    {
        props.insert("FilterCriteria".into(), fc);
    }
    Ok((queue, arn, secret, props))
}

pub(super) fn compile_all(family: &str, service: &Service, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        let mut brokers = Vec::new();
        let mut secrets = Vec::new();
        let mut any = false;
        for (index, settings) in common::events_of(f, |kind| settings_of(family, kind)) {
            any = true;
            let (queue, arn, secret, props) = parse(family, f, index, Some(settings))?;
            let id = if family == ACTIVEMQ {
                naming::active_mq_event_logical_id(&f.key, &queue)
            } else {
                naming::rabbit_mq_event_logical_id(&f.key, &queue)
            };
            let depends_on = common::role_and_alias(service, f);
            common::assign_resource(
                template,
                &id,
                json!({"Type": "AWS::Lambda::EventSourceMapping", "DependsOn": depends_on, "Properties": props}),
            );
            brokers.push(arn);
            secrets.push(secret);
        }
        if any {
            if let Some(st) = common::role_statements(template) {
                st.push(common::statement(
                    &["secretsmanager:GetSecretValue"],
                    secrets,
                ));
                st.push(common::statement(&["mq:DescribeBroker"], brokers));
                st.push(ec2_statement());
            }
        }
    }
    Ok(())
}

/// The network statement v3 adds for brokers and clusters in a VPC.
pub(super) fn ec2_statement() -> Value {
    json!({
        "Effect": "Allow",
        "Action": [
            "ec2:CreateNetworkInterface",
            "ec2:DescribeNetworkInterfaces",
            "ec2:DescribeVpcs",
            "ec2:DeleteNetworkInterface",
            "ec2:DescribeSubnets",
            "ec2:DescribeSecurityGroups"
        ],
        "Resource": "*"
    })
}
