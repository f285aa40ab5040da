//! `kafka` events on self-managed clusters (v3 `compile/events/kafka.js`): an
//! `AWS::Lambda::EventSourceMapping` per topic with its bootstrap servers and access
//! configurations, and per function the secretsmanager and EC2 network statements v3 adds.

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use super::mq::ec2_statement;
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "kafka";

/// The settings of a `kafka` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Value> {
    match kind {
        EventKind::Kafka(Some(s)) => Some(s),
        _ => None,
    }
}
const KEYS: &[&str] = &[
    "accessConfigurations",
    "batchSize",
    "maximumBatchingWindow",
    "enabled",
    "bootstrapServers",
    "startingPosition",
    "startingPositionTimestamp",
    "topic",
    "consumerGroupId",
    "filterPatterns",
];

pub(super) struct Kafka {
    topic: String,
    props: Map<String, Value>,
    secrets: Vec<Value>,
    needs_ec2: bool,
}

pub(super) fn parse(f: &Function, index: usize, settings: Option<&Value>) -> Result<Kafka> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(
            at(""),
            "must be an object with `accessConfigurations`, `bootstrapServers` and `topic`",
        ));
    };
    if let Some(k) = o.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(err(at(k), "unknown property; remove it"));
    }
    let Some(Value::Object(access)) = o
        .get("accessConfigurations")
        .filter(|a| a.as_object().is_some_and(|a| !a.is_empty()))
    else {
        return Err(err(at("accessConfigurations"), "is required: an object with at least one access configuration (vpcSubnet and vpcSecurityGroup, saslPlainAuth, saslScram256Auth, saslScram512Auth, clientCertificateTlsAuth, serverRootCaCertificate)"));
    };
    if access.contains_key("vpcSubnet") != access.contains_key("vpcSecurityGroup") {
        let missing = if access.contains_key("vpcSecurityGroup") {
            "vpcSubnet"
        } else {
            "vpcSecurityGroup"
        };
        return Err(err(
            at(&format!("accessConfigurations.{missing}")),
            format!(
                "You must specify at least one \"{missing}\" accessConfiguration for function: {}",
                f.key
            ),
        ));
    }
    let topic = match o.get("topic") {
        Some(Value::String(t)) => t.clone(),
        _ => return Err(err(at("topic"), "is required: the topic's name")),
    };
    let servers = match o.get("bootstrapServers") {
        Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_string) => a.clone(),
        _ => {
            return Err(err(
                at("bootstrapServers"),
                "is required: a list of `host:port`",
            ))
        }
    };
    let starting_position = common::starting_position(o.get("startingPosition"), at)?;
    let timestamp = o
        .get("startingPositionTimestamp")
        .filter(|v| !v.is_null())
        .cloned();
    if let Some(t) = &timestamp {
        if !t.is_number() {
            return Err(err(
                at("startingPositionTimestamp"),
                format!("must be a number, got {t}"),
            ));
        }
    }
    if starting_position == "AT_TIMESTAMP" && timestamp.is_none() {
        return Err(common::timestamp_required(f, at));
    }
    let batch = common::int_in(o, "batchSize", 1, 10000, at)?;
    let window = common::int_in(o, "maximumBatchingWindow", 0, 300, at)?;
    let enabled = common::bool_at(o, "enabled", at)?;
    let mut props = Map::new();
    props.insert("FunctionName".into(), common::lambda_target(f));
    props.insert("StartingPosition".into(), json!(starting_position));
    props.insert(
        "SelfManagedEventSource".into(),
        json!({"Endpoints": {"KafkaBootstrapServers": servers}}),
    );
    props.insert("Topics".into(), json!([topic]));
    let mut configurations = Vec::new();
    let mut secrets = Vec::new();
    let mut needs_ec2 = false;
    for (kind, values) in access {
        let (type_, prefix, secret) = match kind.as_str() {
            "vpcSubnet" => ("VPC_SUBNET", "subnet:", false),
            "vpcSecurityGroup" => ("VPC_SECURITY_GROUP", "security_group:", false),
            "saslPlainAuth" => ("BASIC_AUTH", "", true),
            "saslScram256Auth" => ("SASL_SCRAM_256_AUTH", "", true),
            "saslScram512Auth" => ("SASL_SCRAM_512_AUTH", "", true),
            "clientCertificateTlsAuth" => ("CLIENT_CERTIFICATE_TLS_AUTH", "", true),
            "serverRootCaCertificate" => ("SERVER_ROOT_CA_CERTIFICATE", "", true),
            other => {
                return Err(err(
                    at(&format!("accessConfigurations.{other}")),
                    "unknown access configuration; remove it",
                ))
            }
        };
        needs_ec2 |= !secret;
        let Some(values) = values
            .as_array()
            .filter(|v| !v.is_empty() && v.iter().all(Value::is_string))
        else {
            return Err(err(
                at(&format!("accessConfigurations.{kind}")),
                "must be a non-empty list of strings",
            ));
        };
        for v in values {
            let v = v.as_str().unwrap_or_default();
            if secret {
                secrets.push(json!(v));
            }
            configurations.push(json!({"Type": type_, "URI": format!("{prefix}{v}")}));
        }
    }
    props.insert(
        "SourceAccessConfigurations".into(),
        Value::Array(configurations),
    );
    if let Some(b) = batch.filter(|b| *b != 0) {
        props.insert("BatchSize".into(), json!(b));
    }
    if let Some(w) = window.filter(|w| *w != 0) {
        props.insert("MaximumBatchingWindowInSeconds".into(), json!(w));
    }
    if let Some(e) = enabled {
        props.insert("Enabled".into(), json!(e));
    }
    if let Some(group) = common::consumer_group(o.get("consumerGroupId"), at)? {
        props.insert("SelfManagedKafkaEventSourceConfig".into(), group);
    }
    if let Some(t) = timestamp {
        props.insert("StartingPositionTimestamp".into(), t);
    }
    if let Some(fc) =
        common::filter_criteria_of(o.get("filterPatterns").unwrap_or(&Value::Null), at)?
    {
        props.insert("FilterCriteria".into(), fc);
    }
    Ok(Kafka {
        topic,
        props,
        secrets,
        needs_ec2,
    })
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        let mut secrets = Vec::new();
        let mut any = false;
        let mut needs_ec2 = false;
        for (index, settings) in common::events_of(f, settings_of) {
            any = true;
            let k = parse(f, index, Some(settings))?;
            needs_ec2 |= k.needs_ec2;
            secrets.extend(k.secrets);
            let depends_on = common::role_and_alias(service, f);
            common::assign_resource(
                template,
                &naming::kafka_event_logical_id(&f.key, &k.topic),
                json!({"Type": "AWS::Lambda::EventSourceMapping", "DependsOn": depends_on, "Properties": k.props}),
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
