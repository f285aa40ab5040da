//! `sns` events (v3 `compile/events/sns.js`): a topic by name is created by the stack
//! (`SNSTopic<Name>`, the subscription inline unless it has a filter or redrive policy), a topic
//! by ARN gets an `AWS::SNS::Subscription`; every event gets its `AWS::Lambda::Permission`, and a
//! redrive policy its `AWS::SQS::QueuePolicy`.

use serde_json::{json, Map, Value};

use super::common;
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{DeadLetterTarget, Parsed, Sns};
use sls_config::model::{EventKind, Service};

/// The parsed settings of an `sns` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<Sns>> {
    match kind {
        EventKind::Sns(s) => Some(s),
        _ => None,
    }
}
/// The dead-letter queue's ARN and URL.
fn dead_letter_queue(target: &DeadLetterTarget) -> (Value, Value) {
    match target {
        DeadLetterTarget::Arn {
            arn,
            region,
            account,
            queue,
        } => (
            json!(arn),
            json!({"Fn::Join": ["", [format!("https://sqs.{region}."), {"Ref": "AWS::URLSuffix"}, format!("/{account}/{queue}")]]}),
        ),
        DeadLetterTarget::Ref(id) => (json!({"Fn::GetAtt": [id, "Arn"]}), json!({"Ref": id})),
        DeadLetterTarget::Import { arn, url } => (
            json!({"Fn::ImportValue": arn}),
            json!({"Fn::ImportValue": url}),
        ),
    }
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        for (_, parsed) in common::events_of(f, settings_of) {
            let s = common::parsed(parsed)?;
            let mut redrive_policy = None;
            if let Some((target_arn, target_url)) = s.redrive.as_ref().map(dead_letter_queue) {
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
