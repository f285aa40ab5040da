//! `kafka` settings (self-managed clusters): the bootstrap servers, the topic, the access
//! configurations and the event source mapping's options.

use serde_json::Value;

use super::check::{self, err, Result};

const FAMILY: &str = "kafka";
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

/// A `kafka` event.
#[derive(Debug, Clone, PartialEq)]
pub struct Kafka {
    pub topic: String,
    /// `host:port` strings.
    pub bootstrap_servers: Vec<Value>,
    /// `LATEST`, `TRIM_HORIZON` (the default) or `AT_TIMESTAMP`.
    pub starting_position: String,
    pub starting_position_timestamp: Option<Value>,
    pub batch_size: Option<i64>,
    pub maximum_batching_window: Option<i64>,
    pub enabled: Option<bool>,
    /// `accessConfigurations`, in the order written.
    pub access: Vec<KafkaAccess>,
    pub consumer_group_id: Option<String>,
    pub filter_patterns: Option<Vec<Value>>,
}

/// One entry of `accessConfigurations`: its kind and its values (subnets, groups, secrets).
#[derive(Debug, Clone, PartialEq)]
pub struct KafkaAccess {
    pub kind: KafkaAccessKind,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KafkaAccessKind {
    VpcSubnet,
    VpcSecurityGroup,
    SaslPlainAuth,
    SaslScram256Auth,
    SaslScram512Auth,
    ClientCertificateTlsAuth,
    ServerRootCaCertificate,
}

impl KafkaAccessKind {
    fn read(name: &str) -> Option<Self> {
        Some(match name {
            "vpcSubnet" => KafkaAccessKind::VpcSubnet,
            "vpcSecurityGroup" => KafkaAccessKind::VpcSecurityGroup,
            "saslPlainAuth" => KafkaAccessKind::SaslPlainAuth,
            "saslScram256Auth" => KafkaAccessKind::SaslScram256Auth,
            "saslScram512Auth" => KafkaAccessKind::SaslScram512Auth,
            "clientCertificateTlsAuth" => KafkaAccessKind::ClientCertificateTlsAuth,
            "serverRootCaCertificate" => KafkaAccessKind::ServerRootCaCertificate,
            _ => return None,
        })
    }

    /// The values are Secrets Manager ARNs (not VPC ids).
    pub fn is_secret(self) -> bool {
        !matches!(
            self,
            KafkaAccessKind::VpcSubnet | KafkaAccessKind::VpcSecurityGroup
        )
    }
}

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<Kafka> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(
            at(""),
            "must be an object with `accessConfigurations`, `bootstrapServers` and `topic`",
        ));
    };
    check::unknown_key(o, KEYS, at)?;
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
                "You must specify at least one \"{missing}\" accessConfiguration for function: {function}"
            ),
        ));
    }
    let topic = match o.get("topic") {
        Some(Value::String(t)) => t.clone(),
        _ => return Err(err(at("topic"), "is required: the topic's name")),
    };
    let bootstrap_servers = match o.get("bootstrapServers") {
        Some(Value::Array(a)) if !a.is_empty() && a.iter().all(Value::is_string) => a.clone(),
        _ => {
            return Err(err(
                at("bootstrapServers"),
                "is required: a list of `host:port`",
            ))
        }
    };
    let starting_position = check::starting_position(o.get("startingPosition"), at)?;
    let starting_position_timestamp = o
        .get("startingPositionTimestamp")
        .filter(|v| !v.is_null())
        .cloned();
    if let Some(t) = &starting_position_timestamp {
        if !t.is_number() {
            return Err(err(
                at("startingPositionTimestamp"),
                format!("must be a number, got {t}"),
            ));
        }
    }
    if starting_position == "AT_TIMESTAMP" && starting_position_timestamp.is_none() {
        return Err(check::timestamp_required(function, at));
    }
    let batch_size = check::int_in(o, "batchSize", 1, 10000, at)?;
    let maximum_batching_window = check::int_in(o, "maximumBatchingWindow", 0, 300, at)?;
    let enabled = check::bool_at(o, "enabled", at)?;
    let access = access
        .iter()
        .map(|(name, values)| access_entry(name, values, at))
        .collect::<Result<Vec<_>>>()?;
    let consumer_group_id = check::consumer_group(o.get("consumerGroupId"), at)?;
    let filter_patterns = check::filter_patterns(o.get("filterPatterns"), at)?;
    Ok(Kafka {
        topic,
        bootstrap_servers,
        starting_position,
        starting_position_timestamp,
        batch_size,
        maximum_batching_window,
        enabled,
        access,
        consumer_group_id,
        filter_patterns,
    })
}

/// `accessConfigurations.<name>`: a known kind with a non-empty list of strings.
fn access_entry(name: &str, values: &Value, at: impl Fn(&str) -> String) -> Result<KafkaAccess> {
    let at = |p: &str| at(&format!("accessConfigurations.{p}"));
    let Some(kind) = KafkaAccessKind::read(name) else {
        return Err(err(at(name), "unknown access configuration; remove it"));
    };
    let Some(values) = values
        .as_array()
        .filter(|v| !v.is_empty() && v.iter().all(Value::is_string))
    else {
        return Err(err(at(name), "must be a non-empty list of strings"));
    };
    let values = values
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect();
    Ok(KafkaAccess { kind, values })
}
