//! `activemq` and `rabbitmq` events (v3 `compile/events/activemq.js`, `rabbitmq.js`): an
//! `AWS::Lambda::EventSourceMapping` per queue with basic auth (and RabbitMQ's virtual host),
//! and per function the secretsmanager, `mq:DescribeBroker` and EC2 network statements v3 adds.

use serde_json::{json, Map, Value};

use super::common;
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{Mq, Parsed};
use sls_config::model::{EventKind, Function, Service};

pub(super) const ACTIVEMQ: &str = "activemq";
pub(super) const RABBITMQ: &str = "rabbitmq";

/// The parsed settings of a `family` event.
fn settings_of<'a>(family: &str, kind: &'a EventKind) -> Option<&'a Parsed<Mq>> {
    match kind {
        EventKind::ActiveMq(s) if family == ACTIVEMQ => Some(s),
        EventKind::RabbitMq(s) if family == RABBITMQ => Some(s),
        _ => None,
    }
}

/// The event source mapping's properties, in v3's order.
fn mapping_properties(f: &Function, mq: &Mq) -> Map<String, Value> {
    let mut access = vec![json!({"Type": "BASIC_AUTH", "URI": mq.basic_auth_arn})];
    if let Some(h) = &mq.virtual_host {
        access.push(json!({"Type": "VIRTUAL_HOST", "URI": h}));
    }
    let mut props = Map::new();
    props.insert("FunctionName".into(), common::lambda_target(f));
    props.insert("EventSourceArn".into(), mq.arn.clone());
    props.insert("Queues".into(), json!([mq.queue]));
    props.insert("SourceAccessConfigurations".into(), Value::Array(access));
    if let Some(b) = mq.batch_size.filter(|b| *b != 0) {
        props.insert("BatchSize".into(), json!(b));
    }
    if let Some(w) = mq.maximum_batching_window.filter(|w| *w != 0) {
        props.insert("MaximumBatchingWindowInSeconds".into(), json!(w));
    }
    if let Some(e) = mq.enabled {
        props.insert("Enabled".into(), json!(e));
    }
    if let Some(patterns) = &mq.filter_patterns {
        props.insert("FilterCriteria".into(), common::filter_criteria(patterns));
    }
    props
}

pub(super) fn compile_all(family: &str, service: &Service, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        let mut brokers = Vec::new();
        let mut secrets = Vec::new();
        let mut any = false;
        for (_, parsed) in common::events_of(f, |kind| settings_of(family, kind)) {
            any = true;
            let mq = common::parsed(parsed)?;
            let queue = &mq.queue;
            let id = if family == ACTIVEMQ {
                naming::active_mq_event_logical_id(&f.key, queue)
            } else {
                naming::rabbit_mq_event_logical_id(&f.key, queue)
            };
            let depends_on = common::role_and_alias(service, f);
            common::assign_resource(
                template,
                &id,
                json!({"Type": "AWS::Lambda::EventSourceMapping", "DependsOn": depends_on, "Properties": mapping_properties(f, mq)}),
            );
            brokers.push(mq.arn.clone());
            secrets.push(mq.basic_auth_arn.clone());
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
