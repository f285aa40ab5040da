//! `kafka` events on self-managed clusters (v3 `compile/events/kafka.js`): an
//! `AWS::Lambda::EventSourceMapping` per topic with its bootstrap servers and access
//! configurations, and per function the secretsmanager and EC2 network statements v3 adds.

use serde_json::{json, Map, Value};

use super::common;
use super::mq::ec2_statement;
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{Kafka, KafkaAccessKind, Parsed};
use sls_config::model::{EventKind, Function, Service};

/// The parsed settings of a `kafka` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<Kafka>> {
    match kind {
        EventKind::Kafka(s) => Some(s),
        _ => None,
    }
}
/// The `SourceAccessConfigurations` type and URI prefix of an access configuration.
fn access_type(kind: KafkaAccessKind) -> (&'static str, &'static str) {
    match kind {
        KafkaAccessKind::VpcSubnet => ("VPC_SUBNET", "subnet:"),
        KafkaAccessKind::VpcSecurityGroup => ("VPC_SECURITY_GROUP", "security_group:"),
        KafkaAccessKind::SaslPlainAuth => ("BASIC_AUTH", ""),
        KafkaAccessKind::SaslScram256Auth => ("SASL_SCRAM_256_AUTH", ""),
        KafkaAccessKind::SaslScram512Auth => ("SASL_SCRAM_512_AUTH", ""),
        KafkaAccessKind::ClientCertificateTlsAuth => ("CLIENT_CERTIFICATE_TLS_AUTH", ""),
        KafkaAccessKind::ServerRootCaCertificate => ("SERVER_ROOT_CA_CERTIFICATE", ""),
    }
}

/// The event source mapping's properties, in v3's order.
fn mapping_properties(f: &Function, k: &Kafka) -> Map<String, Value> {
    let mut props = Map::new();
    props.insert("FunctionName".into(), common::lambda_target(f));
    props.insert("StartingPosition".into(), json!(k.starting_position));
    props.insert(
        "SelfManagedEventSource".into(),
        json!({"Endpoints": {"KafkaBootstrapServers": k.bootstrap_servers}}),
    );
    props.insert("Topics".into(), json!([k.topic]));
    let configurations: Vec<Value> = k
        .access
        .iter()
        .flat_map(|a| {
            let (type_, prefix) = access_type(a.kind);
            a.values
                .iter()
                .map(move |v| json!({"Type": type_, "URI": format!("{prefix}{v}")}))
        })
        .collect();
    props.insert(
        "SourceAccessConfigurations".into(),
        Value::Array(configurations),
    );
    if let Some(b) = k.batch_size.filter(|b| *b != 0) {
        props.insert("BatchSize".into(), json!(b));
    }
    if let Some(w) = k.maximum_batching_window.filter(|w| *w != 0) {
        props.insert("MaximumBatchingWindowInSeconds".into(), json!(w));
    }
    if let Some(e) = k.enabled {
        props.insert("Enabled".into(), json!(e));
    }
    if let Some(group) = &k.consumer_group_id {
        props.insert(
            "SelfManagedKafkaEventSourceConfig".into(),
            json!({"ConsumerGroupId": group}),
        );
    }
    if let Some(t) = &k.starting_position_timestamp {
        props.insert("StartingPositionTimestamp".into(), t.clone());
    }
    if let Some(patterns) = &k.filter_patterns {
        props.insert("FilterCriteria".into(), common::filter_criteria(patterns));
    }
    props
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        let mut secrets = Vec::new();
        let mut any = false;
        let mut needs_ec2 = false;
        for (_, parsed) in common::events_of(f, settings_of) {
            any = true;
            let k = common::parsed(parsed)?;
            for a in &k.access {
                needs_ec2 |= !a.kind.is_secret();
                if a.kind.is_secret() {
                    secrets.extend(a.values.iter().map(|v| json!(v)));
                }
            }
            let depends_on = common::role_and_alias(service, f);
            common::assign_resource(
                template,
                &naming::kafka_event_logical_id(&f.key, &k.topic),
                json!({"Type": "AWS::Lambda::EventSourceMapping", "DependsOn": depends_on, "Properties": mapping_properties(f, k)}),
            );
        }
        if any {
            if let Some(st) = common::role_statements(template) {
                if !secrets.is_empty() {
                    st.push(common::statement(
                        &["secretsmanager:GetSecretValue"],
                        secrets,
                    ));
                }
                if needs_ec2 {
                    st.push(ec2_statement());
                }
            }
        }
    }
    Ok(())
}
