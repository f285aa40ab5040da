//! `stream` events (v3 `compile/events/stream.js`): DynamoDB and Kinesis event source mappings,
//! Kinesis enhanced fan-out consumers (`consumer: true` creates an `AWS::Kinesis::StreamConsumer`),
//! on-failure destinations, and per function the role statements v3 appends (DynamoDB, Kinesis,
//! Kinesis with a consumer, SubscribeToShard, sns:Publish, sqs:SendMessage).

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "stream";

/// The settings of a `stream` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Value> {
    match kind {
        EventKind::Stream(Some(s)) => Some(s),
        _ => None,
    }
}
const KEYS: &[&str] = &[
    "arn",
    "type",
    "batchSize",
    "parallelizationFactor",
    "startingPosition",
    "startingPositionTimestamp",
    "enabled",
    "consumer",
    "batchWindow",
    "maximumRetryAttempts",
    "bisectBatchOnFunctionError",
    "maximumRecordAgeInSeconds",
    "functionResponseType",
    "destinations",
    "tumblingWindowInSeconds",
    "filterPatterns",
];

#[derive(Debug)]
pub(super) struct Stream {
    arn: Value,
    kind: String,
    name: String,
    /// `consumer: true` (create one) or a consumer ARN.
    consumer: Option<Value>,
    starting_position_timestamp: Option<Value>,
    on_failure: Option<OnFailure>,
    props: Map<String, Value>,
}

/// `destinations.onFailure`: where failed batches go.
#[derive(Debug)]
struct OnFailure {
    /// `sns`, `sqs` (or the service part of the ARN).
    kind: String,
    arn: Value,
}

/// The options of an event, checked.
struct Options {
    batch_size: Option<i64>,
    parallelization: Option<i64>,
    starting_position: String,
    starting_position_timestamp: Option<Value>,
    enabled: Option<bool>,
    consumer: Option<Value>,
    batch_window: Option<i64>,
    retries: Option<i64>,
    bisect: Option<bool>,
    record_age: Option<i64>,
    tumbling: Option<i64>,
}

/// v3's stream name for the logical id.
fn stream_name(arn: &Value) -> Option<String> {
    match arn {
        Value::String(s) => s.split('/').nth(1).map(str::to_string),
        Value::Object(o) => {
            if let Some(g) = o.get("Fn::GetAtt") {
                return g.get(0)?.as_str().map(str::to_string);
            }
            if let Some(i) = o.get("Fn::ImportValue") {
                return i.as_str().map(str::to_string);
            }
            if let Some(r) = o.get("Ref") {
                return r.as_str().map(str::to_string);
            }
            if let Some(j) = o.get("Fn::Join") {
                let last = j.get(1)?.as_array()?.last()?.as_str()?;
                return last.rsplit('/').next().map(str::to_string);
            }
            None
        }
        _ => None,
    }
}

pub(super) fn parse(f: &Function, index: usize, settings: Option<&Value>) -> Result<Stream> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let empty = Map::new();
    let (arn, o, arn_at) = match settings {
        Some(Value::String(s)) => (Value::String(s.clone()), &empty, at("")),
        Some(Value::Object(o)) => {
            if let Some(k) = o.keys().find(|k| !KEYS.contains(&k.as_str())) {
                return Err(err(at(k), "unknown property; remove it"));
            }
            match o.get("arn") {
                Some(a) if !a.is_null() => (a.clone(), o, at("arn")),
                _ => {
                    return Err(err(
                        at("arn"),
                        "is required: the stream's ARN, or an intrinsic (`Fn::GetAtt`, `Fn::ImportValue`, ...) with `type`",
                    ))
                }
            }
        }
        _ => {
            return Err(err(
                at(""),
                "must be the stream's ARN or an object with `arn`",
            ))
        }
    };
    if !common::is_arn(&arn) {
        return Err(err(
            arn_at,
            format!("{arn} is not a stream ARN: use `arn:aws:dynamodb:...`/`arn:aws:kinesis:...` or an intrinsic with `type`"),
        ));
    }
    let kind = stream_kind(o, &arn, &arn_at, &at)?;
    let Some(name) = stream_name(&arn) else {
        return Err(err(
            arn_at,
            "the stream name cannot be read from it (v3 reads it from the ARN's `/<name>`, `Fn::GetAtt`, `Fn::ImportValue`, `Ref` or the last part of `Fn::Join`)",
        ));
    };
    let options = parse_options(o, &at)?;
    let mut props = mapping_properties(f, &arn, &options, o, &at)?;
    let on_failure = match o.get("destinations") {
        None | Some(Value::Null) => None,
        Some(d) => Some(parse_destinations(d, &at)?),
    };
    if let Some(d) = &on_failure {
        props.insert(
            "DestinationConfig".into(),
            json!({"OnFailure": {"Destination": d.arn}}),
        );
    }
    if let Some(fc) =
        common::filter_criteria_of(o.get("filterPatterns").unwrap_or(&Value::Null), at)?
    {
        props.insert("FilterCriteria".into(), fc);
    }
    if options.consumer.is_some()
        && kind == "kinesis"
        && options.starting_position == "AT_TIMESTAMP"
        && options.starting_position_timestamp.is_none()
    {
        return Err(common::timestamp_required(f, at));
    }
    Ok(Stream {
        arn,
        kind,
        name,
        consumer: options.consumer,
        starting_position_timestamp: options.starting_position_timestamp,
        on_failure,
        props,
    })
}

/// `dynamodb` or `kinesis`: `type`, else the service part of a string ARN.
fn stream_kind(
    o: &Map<String, Value>,
    arn: &Value,
    arn_at: &str,
    at: &impl Fn(&str) -> String,
) -> Result<String> {
    let kind = match (o.get("type"), arn) {
        (Some(Value::String(t)), _) => t.clone(),
        (None | Some(Value::Null), Value::String(s)) => {
            s.split(':').nth(2).unwrap_or("").to_string()
        }
        (None | Some(Value::Null), _) => {
            return Err(err(
                at("type"),
                "is required when `arn` is an intrinsic: `dynamodb` or `kinesis`",
            ))
        }
        (Some(v), _) => {
            return Err(err(
                at("type"),
                format!("must be `dynamodb` or `kinesis`, got {v}"),
            ))
        }
    };
    if kind != "dynamodb" && kind != "kinesis" {
        let where_ = if o.contains_key("type") {
            at("type")
        } else {
            arn_at.to_string()
        };
        return Err(err(
            where_,
            format!("unknown stream type \"{kind}\": a stream is `dynamodb` or `kinesis`"),
        ));
    }
    Ok(kind)
}

fn parse_options(o: &Map<String, Value>, at: &impl Fn(&str) -> String) -> Result<Options> {
    let batch_size = common::int_in(o, "batchSize", 1, 10000, at)?;
    let parallelization = common::int_in(o, "parallelizationFactor", 1, 10, at)?;
    let starting_position = common::starting_position(o.get("startingPosition"), at)?;
    let starting_position_timestamp = match o.get("startingPositionTimestamp") {
        None | Some(Value::Null) => None,
        Some(v @ Value::Number(_)) => Some(v.clone()),
        Some(v) => {
            return Err(err(
                at("startingPositionTimestamp"),
                format!("must be a number (seconds since the epoch), got {v}"),
            ))
        }
    };
    let enabled = common::bool_at(o, "enabled", at)?;
    let consumer = match o.get("consumer") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => None,
        Some(Value::Bool(true)) => Some(Value::Bool(true)),
        Some(v) if common::is_arn(v) => Some(v.clone()),
        Some(v) => {
            return Err(err(
                at("consumer"),
                format!("must be true or a consumer ARN, got {v}"),
            ))
        }
    };
    let batch_window = common::int_in(o, "batchWindow", 0, 300, at)?;
    let retries = common::int_in(o, "maximumRetryAttempts", -1, 10000, at)?;
    let bisect = common::bool_at(o, "bisectBatchOnFunctionError", at)?;
    let record_age = match o.get("maximumRecordAgeInSeconds") {
        None | Some(Value::Null) => None,
        Some(v) => match v.as_i64() {
            Some(n) if n == -1 || (60..=604800).contains(&n) => Some(n),
            _ => {
                return Err(err(
                    at("maximumRecordAgeInSeconds"),
                    format!("must be -1 or a whole number from 60 to 604800, got {v}"),
                ))
            }
        },
    };
    let tumbling = common::int_in(o, "tumblingWindowInSeconds", 0, 900, at)?;
    Ok(Options {
        batch_size,
        parallelization,
        starting_position,
        starting_position_timestamp,
        enabled,
        consumer,
        batch_window,
        retries,
        bisect,
        record_age,
        tumbling,
    })
}

/// The event source mapping's properties, in v3's order (destinations and filters follow).
fn mapping_properties(
    f: &Function,
    arn: &Value,
    options: &Options,
    o: &Map<String, Value>,
    at: &impl Fn(&str) -> String,
) -> Result<Map<String, Value>> {
    let mut props = Map::new();
    props.insert("BatchSize".into(), json!(options.batch_size.unwrap_or(10)));
    props.insert("Enabled".into(), json!(options.enabled.unwrap_or(true)));
    props.insert("EventSourceArn".into(), arn.clone());
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
    if let Some(a) = options.record_age.filter(|a| *a != 0) {
        props.insert("MaximumRecordAgeInSeconds".into(), json!(a));
    }
    if let Some(t) = options.tumbling {
        props.insert("TumblingWindowInSeconds".into(), json!(t));
    }
    Ok(props)
}

/// `destinations`: only `onFailure`, an ARN or `{arn, type}`.
fn parse_destinations(d: &Value, at: &impl Fn(&str) -> String) -> Result<OnFailure> {
    let Value::Object(d) = d else {
        return Err(err(
            at("destinations"),
            format!("must be an object with `onFailure`, got {d}"),
        ));
    };
    if let Some(k) = d.keys().find(|k| *k != "onFailure") {
        return Err(err(
            at(&format!("destinations.{k}")),
            "unknown property; remove it",
        ));
    }
    let dest_at = at("destinations.onFailure");
    match d.get("onFailure") {
        Some(v @ Value::String(s)) if s.starts_with("arn:") => Ok(OnFailure {
            kind: s.split(':').nth(2).unwrap_or("").to_string(),
            arn: v.clone(),
        }),
        Some(Value::Object(of)) => on_failure_object(of, &dest_at),
        _ => Err(err(
            dest_at,
            "is required: an SNS topic or SQS queue ARN, or `{arn, type}`",
        )),
    }
}

/// `destinations.onFailure` as `{arn, type}` (`dest_at` is its path).
fn on_failure_object(of: &Map<String, Value>, dest_at: &str) -> Result<OnFailure> {
    if let Some(k) = of.keys().find(|k| *k != "arn" && *k != "type") {
        return Err(err(format!("{dest_at}.{k}"), "unknown property; remove it"));
    }
    let arn = of.get("arn").cloned().unwrap_or(Value::Null);
    if !common::is_arn(&arn) {
        return Err(err(
            format!("{dest_at}.arn"),
            "is required: an SNS topic or SQS queue ARN, or an intrinsic with `type`",
        ));
    }
    let kind = match (of.get("type"), &arn) {
        (Some(Value::String(t)), _) if t == "sns" || t == "sqs" => t.clone(),
        (None, Value::String(s)) => s.split(':').nth(2).unwrap_or("").to_string(),
        (None, _) => {
            return Err(err(
                format!("{dest_at}.type"),
                "is required when `arn` is an intrinsic: `sns` or `sqs`",
            ))
        }
        (Some(v), _) => {
            return Err(err(
                format!("{dest_at}.type"),
                format!("must be `sns` or `sqs`, got {v}"),
            ))
        }
    };
    Ok(OnFailure { kind, arn })
}

pub(super) fn compile_all(service: &Service, config: &Value, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        let mut reach = Reach::default();
        for (index, settings) in common::events_of(f, settings_of) {
            let s = parse(f, index, Some(settings))?;
            reach.add(&s);
            if let Some(consumer) = compile_event(service, config, f, s, template) {
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
        } else if s.consumer.is_some() {
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
    config: &Value,
    f: &Function,
    s: Stream,
    template: &mut Value,
) -> Option<Value> {
    let mut depends_on: Vec<Value> = common::role_and_alias(service, f)
        .into_iter()
        .map(Value::String)
        .collect();
    let mut props = s.props;
    let mut consumer_resource = None;
    let consumer_ref = match (&s.consumer, s.kind.as_str()) {
        (Some(consumer), "kinesis") => {
            let r = if consumer == &Value::Bool(true) {
                let mode = kinesis_naming_mode(service, config);
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
            if let Some(ts) = &s.starting_position_timestamp {
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
fn kinesis_naming_mode<'a>(service: &'a Service, config: &Value) -> Option<(&'a str, &'a str)> {
    let mode = config.pointer("/provider/kinesis/consumerNamingMode")?;
    common::js_truthy(mode).then_some((service.name.as_str(), service.stage.as_str()))
}
