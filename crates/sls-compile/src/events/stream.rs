//! `stream` events (v3 `compile/events/stream.js`): DynamoDB and Kinesis event source mappings,
//! Kinesis enhanced fan-out consumers (`consumer: true` creates an `AWS::Kinesis::StreamConsumer`),
//! on-failure destinations, and per function the role statements v3 appends (DynamoDB, Kinesis,
//! Kinesis with a consumer, SubscribeToShard, sns:Publish, sqs:SendMessage).

use serde_json::{json, Map, Value};

use super::common;
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{Parsed, Stream};
use sls_config::model::{EventKind, Function, Service};

/// The parsed settings of a `stream` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<Stream>> {
    match kind {
        EventKind::Stream(s) => Some(s),
        _ => None,
    }
}
/// The event source mapping's properties, in v3's order.
fn mapping_properties(f: &Function, s: &Stream) -> Map<String, Value> {
    let options = &s.options;
    let mut props = Map::new();
    props.insert("BatchSize".into(), json!(options.batch_size.unwrap_or(10)));
    props.insert("Enabled".into(), json!(options.enabled.unwrap_or(true)));
    props.insert("EventSourceArn".into(), s.arn.clone());
    props.insert("FunctionName".into(), common::lambda_target(f));
    if let Some(p) = options.parallelization {
        props.insert("ParallelizationFactor".into(), json!(p));
    }
    props.insert("StartingPosition".into(), json!(options.starting_position));
    if let Some(w) = options.batch_window {
        props.insert("MaximumBatchingWindowInSeconds".into(), json!(w));
    }
    if let Some(r) = options.retries {
        props.insert("MaximumRetryAttempts".into(), json!(r));
    }
    if let Some(b) = options.bisect {
        props.insert("BisectBatchOnFunctionError".into(), json!(b));
    }
    if let Some(t) = &s.function_response_type {
        props.insert("FunctionResponseTypes".into(), json!([t]));
    }
    if let Some(a) = options.record_age.filter(|a| *a != 0) {
        props.insert("MaximumRecordAgeInSeconds".into(), json!(a));
    }
    if let Some(t) = options.tumbling {
        props.insert("TumblingWindowInSeconds".into(), json!(t));
    }
    if let Some(d) = &s.on_failure {
        props.insert(
            "DestinationConfig".into(),
            json!({"OnFailure": {"Destination": d.arn}}),
        );
    }
    if let Some(patterns) = &s.filter_patterns {
        props.insert("FilterCriteria".into(), common::filter_criteria(patterns));
    }
    props
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        let mut reach = Reach::default();
        for (_, parsed) in common::events_of(f, settings_of) {
            let s = common::parsed(parsed)?;
            reach.add(s);
            if let Some(consumer) = compile_event(service, f, s, template) {
                reach.consumers.push(consumer);
            }
        }
        if let Some(st) = common::role_statements(template) {
            reach.push_statements(st);
        }
    }
    Ok(())
}

/// What a function's stream events let the generated role reach, statement by statement.
#[derive(Default)]
struct Reach {
    dynamodb: Vec<Value>,
    kinesis: Vec<Value>,
    kinesis_with_consumer: Vec<Value>,
    consumers: Vec<Value>,
    on_failure_sns: Vec<Value>,
    on_failure_sqs: Vec<Value>,
}

impl Reach {
    /// The stream and the on-failure destination of an event (its consumer comes from
    /// [`compile_event`]).
    fn add(&mut self, s: &Stream) {
        if s.kind == "dynamodb" {
            self.dynamodb.push(s.arn.clone());
        } else if s.options.consumer.is_some() {
            self.kinesis_with_consumer.push(s.arn.clone());
        } else {
            self.kinesis.push(s.arn.clone());
        }
        if let Some(d) = &s.on_failure {
            if d.kind == "sns" {
                self.on_failure_sns.push(d.arn.clone());
            } else {
                self.on_failure_sqs.push(d.arn.clone());
            }
        }
    }

    /// v3's statements, in its order, each only when it has resources.
    fn push_statements(self, st: &mut Vec<Value>) {
        let groups: [(&[&str], Vec<Value>); 6] = [
            (
                &[
                    "dynamodb:GetRecords",
                    "dynamodb:GetShardIterator",
                    "dynamodb:DescribeStream",
                    "dynamodb:ListStreams",
                ],
                self.dynamodb,
            ),
            (
                &[
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:DescribeStream",
                    "kinesis:ListStreams",
                ],
                self.kinesis,
            ),
            (
                &[
                    "kinesis:GetRecords",
                    "kinesis:GetShardIterator",
                    "kinesis:DescribeStreamSummary",
                    "kinesis:ListShards",
                ],
                self.kinesis_with_consumer,
            ),
            (&["kinesis:SubscribeToShard"], self.consumers),
            (&["sns:Publish"], self.on_failure_sns),
            (&["sqs:ListQueues", "sqs:SendMessage"], self.on_failure_sqs),
        ];
        for (actions, resources) in groups {
            if !resources.is_empty() {
                st.push(common::statement(actions, resources));
            }
        }
    }
}

/// The event source mapping of one event, after the stream consumer it creates (`consumer:
/// true`); returns the consumer a Kinesis mapping reads through, if any.
fn compile_event(
    service: &Service,
    f: &Function,
    s: &Stream,
    template: &mut Value,
) -> Option<Value> {
    let mut depends_on: Vec<Value> = common::role_and_alias(service, f)
        .into_iter()
        .map(Value::String)
        .collect();
    let mut props = mapping_properties(f, s);
    let mut consumer_resource = None;
    let consumer_ref = match (&s.options.consumer, s.kind.as_str()) {
        (Some(consumer), "kinesis") => {
            let r = if consumer == &Value::Bool(true) {
                let mode = kinesis_naming_mode(service);
                let consumer_name = naming::stream_consumer_name(&f.key, &s.name, mode);
                let consumer_id = naming::stream_consumer_logical_id(&consumer_name);
                consumer_resource = Some((
                    consumer_id.clone(),
                    json!({
                        "Type": "AWS::Kinesis::StreamConsumer",
                        "Properties": {"StreamARN": s.arn, "ConsumerName": consumer_name}
                    }),
                ));
                depends_on.push(json!(consumer_id));
                json!({"Ref": consumer_id})
            } else {
                consumer.clone()
            };
            props.insert("EventSourceArn".into(), r.clone());
            if let Some(ts) = &s.options.starting_position_timestamp {
                props.insert("StartingPositionTimestamp".into(), ts.clone());
            }
            Some(r)
        }
        _ => None,
    };
    common::merge_resource(
        template,
        &naming::stream_logical_id(&f.key, &s.kind, &s.name),
        json!({
            "Type": "AWS::Lambda::EventSourceMapping",
            "DependsOn": depends_on,
            "Properties": props,
        }),
    );
    if let Some((id, res)) = consumer_resource {
        common::merge_resource(template, &id, res);
    }
    consumer_ref
}

/// `provider.kinesis.consumerNamingMode` (v3: any truthy value adds service and stage).
fn kinesis_naming_mode(service: &Service) -> Option<(&str, &str)> {
    (service.provider.kinesis_consumer_naming_mode)
        .then_some((service.name.as_str(), service.stage.as_str()))
}
