//! `sqs` events (v3 `compile/events/sqs.js`): an `AWS::Lambda::EventSourceMapping` per queue,
//! and one role statement (`sqs:ReceiveMessage`, `sqs:DeleteMessage`, `sqs:GetQueueAttributes`)
//! over every queue of the service, appended to the generated role's policy.

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::{Function, Service};

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

#[derive(Debug)]
pub(super) struct Sqs {
    arn: Value,
    queue_name: String,
    props: Map<String, Value>,
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

pub(super) fn parse(f: &Function, index: usize, settings: Option<&Value>) -> Result<Sqs> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let empty = Map::new();
    let (arn, o) = match settings {
        Some(Value::String(s)) => (Value::String(s.clone()), &empty),
        Some(Value::Object(o)) => {
            if let Some(k) = o.keys().find(|k| !KEYS.contains(&k.as_str())) {
                return Err(err(at(k), "unknown property; remove it"));
            }
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
    if !common::is_arn(&arn) {
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
    let batch_size = common::int_in(o, "batchSize", 1, 10000, at)?;
    let window = common::int_in(o, "maximumBatchingWindow", 0, 300, at)?;
    let enabled = common::bool_at(o, "enabled", at)?;
    let concurrency = common::int_in(o, "maximumConcurrency", 2, 1000, at)?;
    let mut props = Map::new();
    props.insert("BatchSize".into(), json!(batch_size.unwrap_or(10)));
    if let Some(w) = window {
        props.insert("MaximumBatchingWindowInSeconds".into(), json!(w));
    }
    props.insert("EventSourceArn".into(), arn.clone());
    props.insert("FunctionName".into(), common::lambda_target(f));
    props.insert("Enabled".into(), json!(enabled.unwrap_or(true)));
    match o.get("functionResponseType") {
        None | Some(Value::Null) => {}
        Some(Value::String(t)) if t == "ReportBatchItemFailures" => {
            props.insert("FunctionResponseTypes".into(), json!([t]));
        }
        Some(v) => {
            return Err(err(
                at("functionResponseType"),
                format!("must be `ReportBatchItemFailures`, got {v}"),
            ))
        }
    }
    if let Some(fc) = common::filter_criteria(o.get("filterPatterns").unwrap_or(&Value::Null), at)?
    {
        props.insert("FilterCriteria".into(), fc);
    }
    if let Some(c) = concurrency {
        props.insert("ScalingConfig".into(), json!({"MaximumConcurrency": c}));
    }
    Ok(Sqs {
        arn,
        queue_name,
        props,
    })
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    let mut resources = Vec::new();
    for f in &service.functions {
        for (index, event) in f.events.iter().enumerate() {
            let Some(settings) = event.get(FAMILY) else {
                continue;
            };
            let s = parse(f, index, Some(settings))?;
            let depends_on = common::role_and_alias(service, f);
            common::merge_resource(
                template,
                &naming::queue_logical_id(&f.key, &s.queue_name),
                json!({
                    "Type": "AWS::Lambda::EventSourceMapping",
                    "DependsOn": depends_on,
                    "Properties": s.props,
                }),
            );
            resources.push(s.arn);
        }
    }
    if !resources.is_empty() {
        if let Some(st) = common::role_statements(template) {
            st.push(common::statement(
                &[
                    "sqs:ReceiveMessage",
                    "sqs:DeleteMessage",
                    "sqs:GetQueueAttributes",
                ],
                resources,
            ));
        }
    }
    Ok(())
}
