//! `sns` events (v3 `compile/events/sns.js`): a topic by name is created by the stack
//! (`SNSTopic<Name>`, the subscription inline unless it has a filter or redrive policy), a topic
//! by ARN gets an `AWS::SNS::Subscription`; every event gets its `AWS::Lambda::Permission`, and a
//! redrive policy its `AWS::SQS::QueuePolicy`.

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "sns";

/// The settings of an `sns` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Value> {
    match kind {
        EventKind::Sns(Some(s)) => Some(s),
        _ => None,
    }
}
const KEYS: &[&str] = &[
    "arn",
    "topicName",
    "displayName",
    "filterPolicy",
    "filterPolicyScope",
    "redrivePolicy",
];

#[derive(Debug)]
pub(super) struct Sns {
    topic_arn: Option<Value>,
    topic_name: String,
    /// The ARN's region, for a string ARN in the object form.
    arn_region: Option<String>,
    display_name: Option<String>,
    filter_policy: Option<Value>,
    filter_policy_scope: Option<Value>,
    /// (target ARN, target URL).
    redrive: Option<(Value, Value)>,
}

fn valid_topic_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

pub(super) fn parse(f: &Function, index: usize, settings: Option<&Value>) -> Result<Sns> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let mut out = Sns {
        topic_arn: None,
        topic_name: String::new(),
        arn_region: None,
        display_name: None,
        filter_policy: None,
        filter_policy_scope: None,
        redrive: None,
    };
    match settings {
        Some(Value::String(s)) if s.starts_with("arn:") => {
            out.topic_arn = Some(Value::String(s.clone()));
            out.topic_name = s.rsplit(':').next().unwrap_or("").to_string();
        }
        Some(Value::String(s)) => {
            if !valid_topic_name(s) {
                return Err(err(
                    at(""),
                    format!("\"{s}\" is neither a topic ARN nor a topic name (letters, digits, `-` and `_`, at most 256)"),
                ));
            }
            out.topic_name = s.clone();
        }
        Some(Value::Object(o)) => {
            if let Some(k) = o.keys().find(|k| !KEYS.contains(&k.as_str())) {
                return Err(err(at(k), "unknown property; remove it"));
            }
            let topic_name = match o.get("topicName") {
                None | Some(Value::Null) => None,
                Some(Value::String(t)) if valid_topic_name(t) => Some(t.clone()),
                Some(v) => {
                    return Err(err(
                        at("topicName"),
                        format!(
                        "must be a topic name (letters, digits, `-` and `_`, at most 256), got {v}"
                    ),
                    ))
                }
            };
            match o.get("arn") {
                Some(a) if common::js_truthy(a) => {
                    if !common::is_arn(a) {
                        return Err(err(at("arn"), format!("{a} is not a topic ARN (`arn:aws:sns:<region>:<account>:<topic>`) or an intrinsic")));
                    }
                    let mut name = None;
                    if let Value::String(s) = a {
                        // v3 splits on single colons only (`::` stays inside a field).
                        let parts: Vec<String> = s
                            .replace("::", "@@")
                            .split(':')
                            .map(|p| p.replace("@@", "::"))
                            .collect();
                        name = parts.last().cloned();
                        out.arn_region = parts.get(3).cloned();
                    }
                    out.topic_arn = Some(a.clone());
                    out.topic_name = match topic_name.or(name).filter(|n| !n.is_empty()) {
                        Some(n) => n,
                        None => {
                            return Err(err(
                                at("topicName"),
                                "Missing \"sns.topicName\" setting (it needs to be provided if \"sns.arn\" is not provided as plain ARN string)",
                            ))
                        }
                    };
                }
                _ => match topic_name {
                    Some(n) => out.topic_name = n,
                    None => {
                        return Err(err(
                            at(""),
                            "needs `arn` (an existing topic) or `topicName` (a topic the stack creates)",
                        ))
                    }
                },
            }
            match o.get("displayName") {
                None | Some(Value::Null) => {}
                Some(Value::String(d)) if !d.is_empty() => out.display_name = Some(d.clone()),
                Some(v) => {
                    return Err(err(
                        at("displayName"),
                        format!("must be a non-empty string, got {v}"),
                    ))
                }
            }
            match o.get("filterPolicy") {
                None | Some(Value::Null) => {}
                Some(v @ Value::Object(_)) => out.filter_policy = Some(v.clone()),
                Some(v) => {
                    return Err(err(
                        at("filterPolicy"),
                        format!("must be an object, got {v}"),
                    ))
                }
            }
            match o.get("filterPolicyScope") {
                None | Some(Value::Null) => {}
                Some(v @ Value::String(_)) => out.filter_policy_scope = Some(v.clone()),
                Some(v) => {
                    return Err(err(
                        at("filterPolicyScope"),
                        format!("must be a string (`MessageAttributes` or `MessageBody`), got {v}"),
                    ))
                }
            }
            match o.get("redrivePolicy") {
                None | Some(Value::Null) => {}
                Some(Value::Object(r)) => out.redrive = Some(redrive(r, &at)?),
                Some(v) => {
                    return Err(err(
                        at("redrivePolicy"),
                        format!("must be an object, got {v}"),
                    ))
                }
            }
        }
        _ => {
            return Err(err(
                at(""),
                "must be a topic name, a topic ARN, or an object with `arn` or `topicName`",
            ))
        }
    }
    Ok(out)
}

fn redrive(r: &Map<String, Value>, at: &impl Fn(&str) -> String) -> Result<(Value, Value)> {
    let keys = [
        "deadLetterTargetArn",
        "deadLetterTargetRef",
        "deadLetterTargetImport",
    ];
    if let Some(k) = r.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(err(
            at(&format!("redrivePolicy.{k}")),
            "unknown property; remove it",
        ));
    }
    let given: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| r.contains_key(*k))
        .collect();
    if given.len() != 1 {
        return Err(err(
            at("redrivePolicy"),
            "needs exactly one of `deadLetterTargetArn`, `deadLetterTargetRef` or `deadLetterTargetImport`",
        ));
    }
    match given[0] {
        "deadLetterTargetArn" => match r.get("deadLetterTargetArn") {
            Some(Value::String(a)) if a.starts_with("arn:") => {
                let mut rev = a.split(':').rev();
                let (queue, account, region) = (
                    rev.next().unwrap_or(""),
                    rev.next().unwrap_or(""),
                    rev.next().unwrap_or(""),
                );
                Ok((
                    json!(a),
                    json!({"Fn::Join": ["", [format!("https://sqs.{region}."), {"Ref": "AWS::URLSuffix"}, format!("/{account}/{queue}")]]}),
                ))
            }
            _ => Err(err(
                at("redrivePolicy.deadLetterTargetArn"),
                "must be an SQS queue ARN (`arn:aws:sqs:<region>:<account>:<queue>`)",
            )),
        },
        "deadLetterTargetRef" => match r.get("deadLetterTargetRef") {
            Some(Value::String(id)) if !id.is_empty() => {
                Ok((json!({"Fn::GetAtt": [id, "Arn"]}), json!({"Ref": id})))
            }
            _ => Err(err(
                at("redrivePolicy.deadLetterTargetRef"),
                "must be the logical id of an SQS queue in `resources`",
            )),
        },
        _ => match r.get("deadLetterTargetImport") {
            Some(Value::Object(i))
                if i.get("arn").and_then(Value::as_str).is_some_and(|a| a.starts_with("arn:"))
                    && i.get("url").and_then(Value::as_str).is_some_and(|u| !u.is_empty())
                    && i.len() == 2 =>
            {
                Ok((
                    json!({"Fn::ImportValue": i["arn"]}),
                    json!({"Fn::ImportValue": i["url"]}),
                ))
            }
            _ => Err(err(
                at("redrivePolicy.deadLetterTargetImport"),
                "must be `{arn: <export name of the queue ARN>, url: <export name of the queue URL>}`",
            )),
        },
    }
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        for (index, settings) in common::events_of(f, settings_of) {
            let s = parse(f, index, Some(settings))?;
            let mut redrive_policy = None;
            if let Some((target_arn, target_url)) = &s.redrive {
                redrive_policy = Some(json!({"deadLetterTargetArn": target_arn}));
                let policy_id = naming::topic_dlq_policy_logical_id(&f.key, &s.topic_name);
                let mut condition = Map::new();
                if let Some(a) = &s.topic_arn {
                    condition.insert("aws:SourceArn".into(), a.clone());
                }
                common::assign_resource(
                    template,
                    &policy_id,
                    json!({
                        "Type": "AWS::SQS::QueuePolicy",
                        "Properties": {
                            "PolicyDocument": {
                                "Version": "2012-10-17",
                                "Id": policy_id,
                                "Statement": [{
                                    "Effect": "Allow",
                                    "Principal": {"Service": "sns.amazonaws.com"},
                                    "Action": "sqs:SendMessage",
                                    "Resource": target_arn,
                                    "Condition": {"ArnEquals": condition}
                                }]
                            },
                            "Queues": [target_url]
                        }
                    }),
                );
            }
            let endpoint = common::lambda_target(f);
            let subscription_id = naming::lambda_sns_subscription_logical_id(&f.key, &s.topic_name);
            let source_arn;
            if let Some(topic_arn) = &s.topic_arn {
                let mut props = json!({
                    "TopicArn": topic_arn,
                    "Protocol": "lambda",
                    "Endpoint": endpoint,
                });
                if let Some(p) = &s.filter_policy {
                    props["FilterPolicy"] = p.clone();
                }
                if let Some(p) = &s.filter_policy_scope {
                    props["FilterPolicyScope"] = p.clone();
                }
                if let Some(r) = &redrive_policy {
                    props["RedrivePolicy"] = r.clone();
                }
                // Only the object form reads the region, and only when it is another one.
                if let Some(r) = s.arn_region.as_ref().filter(|r| **r != service.region) {
                    props["Region"] = json!(r);
                }
                common::merge_resource(
                    template,
                    &subscription_id,
                    common::alias_dep(
                        f,
                        json!({"Type": "AWS::SNS::Subscription", "Properties": props}),
                    ),
                );
                source_arn = topic_arn.clone();
            } else {
                source_arn = json!({"Fn::Join": ["", [
                    "arn:", {"Ref": "AWS::Partition"}, ":sns:", {"Ref": "AWS::Region"}, ":",
                    {"Ref": "AWS::AccountId"}, ":", s.topic_name
                ]]});
                let topic_id = naming::topic_logical_id(&s.topic_name);
                if template["Resources"].get(&topic_id).is_none() {
                    let mut props = json!({"TopicName": s.topic_name});
                    if let Some(d) = &s.display_name {
                        props["DisplayName"] = json!(d);
                    }
                    common::merge_resource(
                        template,
                        &topic_id,
                        common::alias_dep(
                            f,
                            json!({"Type": "AWS::SNS::Topic", "Properties": props}),
                        ),
                    );
                }
                let subscription = json!({"Endpoint": endpoint, "Protocol": "lambda"});
                if s.filter_policy.is_some() || redrive_policy.is_some() {
                    let mut props = subscription;
                    props["TopicArn"] = json!({"Ref": topic_id});
                    if let Some(p) = &s.filter_policy {
                        props["FilterPolicy"] = p.clone();
                    }
                    if let Some(p) = &s.filter_policy_scope {
                        props["FilterPolicyScope"] = p.clone();
                    }
                    if let Some(r) = &redrive_policy {
                        props["RedrivePolicy"] = r.clone();
                    }
                    common::merge_resource(
                        template,
                        &subscription_id,
                        json!({"Type": "AWS::SNS::Subscription", "Properties": props}),
                    );
                } else {
                    let props = &mut template["Resources"][&topic_id]["Properties"];
                    match props.get_mut("Subscription").and_then(Value::as_array_mut) {
                        Some(list) => list.push(subscription),
                        None => props["Subscription"] = json!([subscription]),
                    }
                }
            }
            common::merge_resource(
                template,
                &naming::lambda_sns_permission_logical_id(&f.key, &s.topic_name),
                common::alias_dep(
                    f,
                    common::invoke_permission(endpoint, "sns.amazonaws.com", source_arn),
                ),
            );
        }
    }
    Ok(())
}
