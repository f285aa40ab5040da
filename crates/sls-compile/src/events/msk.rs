//! `msk` events (v3 `compile/events/msk`): an `AWS::Lambda::EventSourceMapping` per cluster and
//! topic, and per function the `kafka:DescribeCluster`/`GetBootstrapBrokers` and EC2 statements.

use serde_json::{json, Map, Value};

use super::common;
use super::mq::ec2_statement;
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{Msk, Parsed};
use sls_config::model::{EventKind, Function, Service};

/// The parsed settings of an `msk` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<Msk>> {
    match kind {
        EventKind::Msk(s) => Some(s),
        _ => None,
    }
}
/// The event source mapping's properties, in v3's order.
fn mapping_properties(f: &Function, msk: &Msk) -> Map<String, Value> {
    let mut props = Map::new();
    props.insert("EventSourceArn".into(), msk.arn.clone());
    props.insert("FunctionName".into(), common::lambda_target(f));
    props.insert("StartingPosition".into(), json!(msk.starting_position));
    props.insert("Topics".into(), json!([msk.topic]));
    if let Some(t) = &msk.starting_position_timestamp {
        props.insert("StartingPositionTimestamp".into(), t.clone());
    }
    if let Some(b) = msk.batch_size.filter(|b| *b != 0) {
        props.insert("BatchSize".into(), json!(b));
    }
    if let Some(w) = msk.maximum_batching_window.filter(|w| *w != 0) {
        props.insert("MaximumBatchingWindowInSeconds".into(), json!(w));
    }
    if let Some(group) = &msk.consumer_group_id {
        props.insert(
            "AmazonManagedKafkaEventSourceConfig".into(),
            json!({"ConsumerGroupId": group}),
        );
    }
    if let Some(e) = msk.enabled {
        props.insert("Enabled".into(), json!(e));
    }
    if let Some(secret) = &msk.sasl_scram_512 {
        props.insert(
            "SourceAccessConfigurations".into(),
            json!([{"Type": "SASL_SCRAM_512_AUTH", "URI": secret}]),
        );
    }
    if let Some(patterns) = &msk.filter_patterns {
        props.insert("FilterCriteria".into(), common::filter_criteria(patterns));
    }
    props
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        let mut clusters = Vec::new();
        for (_, parsed) in common::events_of(f, settings_of) {
            let msk = common::parsed(parsed)?;
            let depends_on = common::role_and_alias(service, f);
            common::assign_resource(
                template,
                &naming::msk_event_logical_id(&f.key, &msk.cluster_name, &msk.topic),
                json!({"Type": "AWS::Lambda::EventSourceMapping", "DependsOn": depends_on, "Properties": mapping_properties(f, msk)}),
            );
            clusters.push(msk.arn.clone());
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
