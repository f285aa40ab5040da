//! `sqs` events (v3 `compile/events/sqs.js`): an `AWS::Lambda::EventSourceMapping` per queue,
//! and one role statement (`sqs:ReceiveMessage`, `sqs:DeleteMessage`, `sqs:GetQueueAttributes`)
//! over every queue of the service, appended to the generated role's policy.

use serde_json::{json, Map, Value};

use super::common;
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{Parsed, Sqs};
use sls_config::model::{EventKind, Function, Service};

/// The parsed settings of an `sqs` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<Sqs>> {
    match kind {
        EventKind::Sqs(s) => Some(s),
        _ => None,
    }
}

/// The event source mapping's properties, in v3's order.
fn mapping_properties(f: &Function, s: &Sqs) -> Map<String, Value> {
    let mut props = Map::new();
    props.insert("BatchSize".into(), json!(s.batch_size.unwrap_or(10)));
    if let Some(w) = s.maximum_batching_window {
        props.insert("MaximumBatchingWindowInSeconds".into(), json!(w));
    }
    props.insert("EventSourceArn".into(), s.arn.clone());
    props.insert("FunctionName".into(), common::lambda_target(f));
    props.insert("Enabled".into(), json!(s.enabled.unwrap_or(true)));
    if let Some(t) = &s.function_response_type {
        props.insert("FunctionResponseTypes".into(), json!([t]));
    }
    if let Some(patterns) = &s.filter_patterns {
        props.insert("FilterCriteria".into(), common::filter_criteria(patterns));
    }
    if let Some(c) = s.maximum_concurrency {
        props.insert("ScalingConfig".into(), json!({"MaximumConcurrency": c}));
    }
    props
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    let mut resources = Vec::new();
    for f in &service.functions {
        for (_, parsed) in common::events_of(f, settings_of) {
            let s = common::parsed(parsed)?;
            let depends_on = common::role_and_alias(service, f);
            common::merge_resource(
                template,
                &naming::queue_logical_id(&f.key, &s.queue_name),
                json!({
                    "Type": "AWS::Lambda::EventSourceMapping",
                    "DependsOn": depends_on,
                    "Properties": mapping_properties(f, s),
                }),
            );
            resources.push(s.arn.clone());
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
