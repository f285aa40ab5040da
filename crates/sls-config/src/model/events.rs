//! Function events (`functions.<key>.events`), read once into a typed list. Each entry is a
//! single-key object (`- sqs: {...}`) or a bare string (`- sqs`); the key (or the string)
//! names the family, the value holds its settings. A family sls does not compile is kept by
//! its name, so the compiler refuses it naming the function and the event.
//!
//! Settings are parsed when the model is built, but a parse error is kept with the event, not
//! returned: the compiler reports it when it checks the event, after the checks v3 runs first.

mod alb;
mod alexa;
mod check;
pub use check::drop_escaped_breaks;
mod cloud_front;
mod cloudwatch_event;
mod cloudwatch_log;
mod cognito_user_pool;
mod event_bridge;
mod http;
mod http_api;
mod iot;
mod iot_fleet_provisioning;
mod kafka;
mod mq;
mod msk;
mod s3;
mod schedule;
mod sns;
mod sqs;
mod stream;
mod websocket;

use serde_json::Value;

use super::ModelError;
pub use alb::{Alb, AlbAuthorizer, AlbConditions, AlbHeader, AlbHealthCheck, AlbProvider};
pub use alexa::Alexa;
pub use cloud_front::{
    CachePolicy, CachePolicyRef, CloudFront, CloudFrontProvider, CloudFrontSettings,
};
pub use cloudwatch_event::CloudwatchEvent;
pub use cloudwatch_log::CloudwatchLog;
pub use cognito_user_pool::CognitoUserPool;
pub use event_bridge::{EventBridge, RetryPolicy};
pub use http::{
    authorizer_name_from_arn, Http, HttpAuthorizer, HttpCors, HttpParse, HttpRequest, HttpResponse,
    StatusCode, ALLOWED_METHODS,
};
pub use http_api::{HttpApi, RouteAuthorizer};
pub use iot::Iot;
pub use iot_fleet_provisioning::IotFleetProvisioning;
pub use kafka::{Kafka, KafkaAccess, KafkaAccessKind};
pub use mq::Mq;
pub use msk::Msk;
pub use s3::{ExistingBucket, KeyRule, S3};
pub use schedule::Schedule;
pub use sns::{DeadLetterTarget, Sns};
pub use sqs::Sqs;
pub use stream::{OnFailure, Stream, StreamOptions};
pub use websocket::{
    Websocket, WebsocketAuthorizer, WebsocketAuthorizerTarget, WebsocketLogs, WebsocketProvider,
};

/// One event of a function.
#[derive(Debug, Clone)]
pub struct Event {
    /// Position in `functions.<key>.events` (the index in the event's property path).
    pub index: usize,
    /// The entry holds other families too (`- {http: .., sqs: ..}`, which v3's schema
    /// refuses): only its first family is checked, and the API Gateway, HTTP API and
    /// websocket compilers skip such entries, as they did when they read the raw entry.
    pub shared: bool,
    pub kind: EventKind,
}

/// Parsed settings, or the error (property path and message) the compiler reports.
pub type Parsed<T> = Result<T, ModelError>;

/// `inputTransformer` of a rule's target (`schedule`, `cloudwatchEvent`).
#[derive(Debug, Clone, PartialEq)]
pub struct InputTransformer {
    pub input_template: String,
    /// `inputPathsMap`, when set (JavaScript-truthy).
    pub input_paths_map: Option<Value>,
}

/// The family of an event, with its settings.
// Variants differ in size (a few hundred bytes); a function has a handful of events, so
// boxing each family's settings would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum EventKind {
    Schedule(Parsed<Schedule>),
    Sqs(Parsed<Sqs>),
    Stream(Parsed<Stream>),
    Sns(Parsed<Sns>),
    S3(Parsed<S3>),
    EventBridge(Parsed<EventBridge>),
    CloudwatchEvent(Parsed<CloudwatchEvent>),
    CloudwatchLog(Parsed<CloudwatchLog>),
    AlexaSkill(Parsed<Alexa>),
    AlexaSmartHome(Parsed<Alexa>),
    Iot(Parsed<Iot>),
    IotFleetProvisioning(Parsed<IotFleetProvisioning>),
    CognitoUserPool(Parsed<CognitoUserPool>),
    Kafka(Parsed<Kafka>),
    ActiveMq(Parsed<Mq>),
    RabbitMq(Parsed<Mq>),
    Msk(Parsed<Msk>),
    /// `None` for a bare `- cloudFront`.
    CloudFront(Option<Parsed<CloudFront>>),
    /// `None` for a bare `- alb`, which the compiler skips.
    Alb(Option<Parsed<Alb>>),
    Http(HttpParse),
    HttpApi(Parsed<HttpApi>),
    Websocket(Parsed<Websocket>),
    /// A family sls does not compile, by its name: the entry's key, the string itself, or the
    /// JSON text of an entry that is neither (`""` for an empty object).
    Unknown(String),
}

impl EventKind {
    /// The family named `family` (an entry's key or a bare string) with its settings, the
    /// event at `index` of `function`.
    fn read(function: &str, index: usize, family: &str, settings: Option<&Value>) -> EventKind {
        match family {
            "schedule" => EventKind::Schedule(schedule::parse(function, index, settings)),
            "sqs" => EventKind::Sqs(sqs::parse(function, index, settings)),
            "stream" => EventKind::Stream(stream::parse(function, index, settings)),
            "sns" => EventKind::Sns(sns::parse(function, index, settings)),
            "s3" => EventKind::S3(s3::parse(function, index, settings)),
            "eventBridge" => EventKind::EventBridge(event_bridge::parse(function, index, settings)),
            "cloudwatchEvent" => {
                EventKind::CloudwatchEvent(cloudwatch_event::parse(function, index, settings))
            }
            "cloudwatchLog" => {
                EventKind::CloudwatchLog(cloudwatch_log::parse(function, index, settings))
            }
            "alexaSkill" => EventKind::AlexaSkill(alexa::parse(family, function, index, settings)),
            "alexaSmartHome" => {
                EventKind::AlexaSmartHome(alexa::parse(family, function, index, settings))
            }
            "iot" => EventKind::Iot(iot::parse(function, index, settings)),
            "iotFleetProvisioning" => EventKind::IotFleetProvisioning(
                iot_fleet_provisioning::parse(function, index, settings),
            ),
            "cognitoUserPool" => {
                EventKind::CognitoUserPool(cognito_user_pool::parse(function, index, settings))
            }
            "kafka" => EventKind::Kafka(kafka::parse(function, index, settings)),
            "activemq" => EventKind::ActiveMq(mq::parse(family, function, index, settings)),
            "rabbitmq" => EventKind::RabbitMq(mq::parse(family, function, index, settings)),
            "msk" => EventKind::Msk(msk::parse(function, index, settings)),
            "cloudFront" => EventKind::CloudFront(
                settings.map(|s| cloud_front::parse(function, index, Some(s))),
            ),
            "alb" => EventKind::Alb(settings.map(|s| alb::parse(function, index, Some(s)))),
            "http" => EventKind::Http(http::parse(function, index, settings)),
            "httpApi" => EventKind::HttpApi(http_api::parse(function, index, settings)),
            "websocket" => EventKind::Websocket(websocket::parse(function, index, settings)),
            other => EventKind::Unknown(other.to_string()),
        }
    }
}

/// Reads `functions.<function>.events`: one [`Event`] per family of each entry, in order.
pub(super) fn read(function: &str, list: &[Value]) -> Vec<Event> {
    let mut events = Vec::with_capacity(list.len());
    for (index, entry) in list.iter().enumerate() {
        let event = |shared, kind| Event {
            index,
            shared,
            kind,
        };
        match entry {
            Value::Object(o) if o.is_empty() => {
                events.push(event(false, EventKind::Unknown(String::new())))
            }
            Value::Object(o) => {
                let shared = o.len() > 1;
                for (family, settings) in o {
                    events.push(event(
                        shared,
                        EventKind::read(function, index, family, Some(settings)),
                    ));
                }
            }
            Value::String(s) => {
                events.push(event(false, EventKind::read(function, index, s, None)))
            }
            other => events.push(event(false, EventKind::Unknown(other.to_string()))),
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn entries_become_events_with_their_index() {
        let events = read(
            "f",
            &[
                json!({"sqs": "arn:aws:sqs:r:1:q"}),
                json!("alb"),
                json!({"custom": {}}),
                json!({}),
                json!(5),
                json!({"http": "GET /", "sns": "topic"}),
            ],
        );
        // The variant's name, and what an unknown family holds.
        let name = |k: &EventKind| match k {
            EventKind::Unknown(family) => format!("Unknown({family})"),
            other => format!("{other:?}")
                .split('(')
                .next()
                .unwrap_or("")
                .to_string(),
        };
        let seen: Vec<(usize, bool, String)> = events
            .iter()
            .map(|e| (e.index, e.shared, name(&e.kind)))
            .collect();
        assert_eq!(
            seen,
            [
                (0, false, "Sqs".into()),
                (1, false, "Alb".into()),
                (2, false, "Unknown(custom)".into()),
                (3, false, "Unknown()".into()),
                (4, false, "Unknown(5)".into()),
                (5, true, "Http".into()),
                (5, true, "Sns".into()),
            ]
        );
    }

    /// A bad event does not stop the model: its error is kept, with the path and message the
    /// compiler reports when it checks the event.
    #[test]
    fn parse_errors_are_kept_with_their_path() {
        let events = read(
            "hello",
            &[
                json!({"sqs": {"arn": "arn:aws:sqs:r:1:q", "batchSize": 0}}),
                json!({"msk": {"arn": "arn:aws:kafka:r:1:cluster/c/1", "topic": "t", "startingPosition": "AT_TIMESTAMP"}}),
                json!("kafka"),
                json!({"iot": {"sql": "SELECT 1", "color": "red"}}),
            ],
        );
        let errors: Vec<(String, String)> = events
            .iter()
            .map(|e| {
                let error = match &e.kind {
                    EventKind::Sqs(p) => p.clone().err(),
                    EventKind::Msk(p) => p.clone().err(),
                    EventKind::Kafka(p) => p.clone().err(),
                    EventKind::Iot(p) => p.clone().err(),
                    _ => None,
                };
                let error = error.expect("an error");
                (error.path, error.message)
            })
            .collect();
        assert_eq!(
            errors,
            [
                (
                    "functions.hello.events[0].sqs.batchSize".to_string(),
                    "must be a whole number from 1 to 10000, got 0".to_string()
                ),
                (
                    "functions.hello.events[1].msk.startingPositionTimestamp".to_string(),
                    "You must specify startingPositionTimestamp for function: hello when startingPosition is AT_TIMESTAMP".to_string()
                ),
                (
                    "functions.hello.events[2].kafka".to_string(),
                    "must be an object with `accessConfigurations`, `bootstrapServers` and `topic`".to_string()
                ),
                (
                    "functions.hello.events[3].iot.color".to_string(),
                    "unknown property; remove it".to_string()
                ),
            ]
        );
    }

    #[test]
    fn settings_are_typed() {
        let events = read(
            "f",
            &[json!({"kafka": {
                "accessConfigurations": {"saslScram512Auth": ["arn:aws:secretsmanager:r:1:secret:s"], "vpcSubnet": ["subnet-1"], "vpcSecurityGroup": ["sg-1"]},
                "bootstrapServers": ["b:9092"],
                "topic": "orders",
                "consumerGroupId": ""
            }})],
        );
        let EventKind::Kafka(Ok(kafka)) = &events[0].kind else {
            panic!("{:?}", events[0].kind);
        };
        assert_eq!(kafka.topic, "orders");
        assert_eq!(kafka.starting_position, "TRIM_HORIZON");
        assert_eq!(kafka.consumer_group_id, None);
        let kinds: Vec<(KafkaAccessKind, bool)> = kafka
            .access
            .iter()
            .map(|a| (a.kind, a.kind.is_secret()))
            .collect();
        assert_eq!(
            kinds,
            [
                (KafkaAccessKind::SaslScram512Auth, true),
                (KafkaAccessKind::VpcSubnet, false),
                (KafkaAccessKind::VpcSecurityGroup, false)
            ]
        );
    }
}
