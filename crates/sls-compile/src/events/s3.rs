//! `s3` events on buckets the stack creates (v3 `compile/events/s3/index.js`, `newS3Buckets`):
//! one `AWS::S3::Bucket` per bucket (`S3Bucket<Name>`, or the `provider.s3` key's id with its
//! settings) whose `NotificationConfiguration.LambdaConfigurations` gathers every event on it,
//! and an `AWS::Lambda::Permission` per function and bucket. Events with `existing: true`
//! (`existingS3Buckets`) configure a bucket the stack does not own through the custom resource
//! `Custom::S3` (one per function, `<Function>CustomS31`), see [`super::custom_resources`].

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use super::custom_resources::{self as cr, Kind};
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{KeyRule, Parsed, S3};
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "s3";

/// The parsed settings of an `s3` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<S3>> {
    match kind {
        EventKind::S3(s) => Some(s),
        _ => None,
    }
}

/// v3's `awsS3BucketName` pattern (and its 3 to 63 characters).
fn valid_bucket_name(name: &str) -> bool {
    if name.len() < 3 || name.len() > 63 {
        return false;
    }
    let labels: Vec<&str> = name.split('.').collect();
    let ip_like = labels.len() == 4
        && labels
            .iter()
            .all(|l| (1..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_digit()));
    !ip_like
        && labels.iter().all(|l| {
            !l.is_empty()
                && l.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !l.starts_with('-')
                && !l.ends_with('-')
        })
}

/// `{Filter: {S3Key: {Rules: [...]}}}`, merged into a notification's configuration.
fn key_filter(rules: &[KeyRule]) -> Value {
    let rules: Vec<Value> = rules
        .iter()
        .map(|r| json!({"Name": if r.prefix { "prefix" } else { "suffix" }, "Value": r.value}))
        .collect();
    json!({"Filter": {"S3Key": {"Rules": rules}}})
}

/// The rules as v3's custom resource takes them: `[{"Prefix": ...}, {"Suffix": ...}]`.
fn existing_rules(rules: &[KeyRule]) -> Vec<Value> {
    rules
        .iter()
        .map(|r| json!({if r.prefix { "Prefix" } else { "Suffix" }: r.value}))
        .collect()
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    let provider_s3 = &service.provider.s3_buckets;
    // bucket name → lambda configurations, in first-seen order.
    let mut buckets: Vec<(String, Vec<Value>)> = Vec::new();
    // bucket name → (logical id, provider.s3 key)
    let mut meta: Map<String, Value> = Map::new();
    let mut enabled: Vec<(&Function, String)> = Vec::new();
    for f in &service.functions {
        for (index, parsed) in common::events_of(f, settings_of) {
            let s = common::parsed(parsed)?;
            if s.existing.is_some() {
                continue; // v3 `existingS3Buckets`, below
            }
            let bucket_name = match provider_s3.get(&s.bucket) {
                Some(b) if common::js_truthy(b) => {
                    let name = match b.get("name") {
                        Some(Value::String(n)) if !n.is_empty() => n.clone(),
                        _ => s.bucket.clone(),
                    };
                    meta.insert(
                        name.clone(),
                        json!([naming::bucket_logical_id(&s.bucket), s.bucket]),
                    );
                    name
                }
                _ => s.bucket.clone(),
            };
            if !valid_bucket_name(&bucket_name) {
                return Err(err(
                    path(f, index, FAMILY, "bucket"),
                    format!("{bucket_name} - Bucket name must be 3 to 63 lower-case letters, digits, `-` and `.` (not an IP address). Please check provider.s3.{} and/or s3 events of function \"{}\"", s.bucket, f.key),
                ));
            }
            let mut configuration = json!({"Event": s.event, "Function": common::lambda_target(f)});
            if let Some(rules) = &s.rules {
                crate::merge(&mut configuration, &key_filter(rules));
            }
            match buckets.iter_mut().find(|(n, _)| *n == bucket_name) {
                Some((_, list)) => list.push(configuration),
                None => buckets.push((bucket_name.clone(), vec![configuration])),
            }
            enabled.push((f, bucket_name));
        }
    }
    let permission_name = |bucket_name: &str| -> String {
        match meta.get(bucket_name) {
            Some(m) => m[1].as_str().unwrap_or(bucket_name).to_string(),
            None => bucket_name.to_string(),
        }
    };
    for (bucket_name, configurations) in &buckets {
        let mut bucket_conf: Option<Map<String, Value>> = None;
        if let Some(m) = meta.get(bucket_name) {
            let key = m[1].as_str().unwrap_or_default();
            let mut conf = Map::new();
            if let Some(Value::Object(settings)) = provider_s3.get(key) {
                for (k, v) in settings {
                    if k != "name" {
                        conf.insert(naming::normalize_name(k), v.clone());
                    }
                }
            }
            bucket_conf = Some(conf);
        }
        let mut notification = json!({"LambdaConfigurations": configurations});
        if let Some(conf) = bucket_conf.as_mut().filter(|c| !c.is_empty()) {
            if let Some(Value::Object(provided)) = conf.remove("NotificationConfiguration") {
                for (k, v) in provided {
                    notification[k] = v;
                }
            } else {
                conf.remove("NotificationConfiguration");
            }
        }
        let mut props =
            json!({"BucketName": bucket_name, "NotificationConfiguration": notification});
        if let Some(conf) = bucket_conf {
            for (k, v) in conf {
                props[k] = v;
            }
        }
        let depends_on: Vec<Value> = enabled
            .iter()
            .filter(|(_, b)| b == bucket_name)
            .flat_map(|(f, b)| {
                let permission =
                    naming::lambda_s3_permission_logical_id(&f.key, &permission_name(b));
                std::iter::once(json!(permission))
                    .chain(naming::target_alias_id(f).map(|a| json!(a)))
            })
            .collect();
        let id = match meta.get(bucket_name) {
            Some(m) => m[0].as_str().unwrap_or_default().to_string(),
            None => naming::bucket_logical_id(bucket_name),
        };
        common::merge_resource(
            template,
            &id,
            json!({"Type": "AWS::S3::Bucket", "Properties": props, "DependsOn": depends_on}),
        );
    }
    for (f, bucket_name) in &enabled {
        common::merge_resource(
            template,
            &naming::lambda_s3_permission_logical_id(&f.key, &permission_name(bucket_name)),
            common::alias_dep(
                f,
                json!({
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {
                        "FunctionName": common::lambda_target(f),
                        "Action": "lambda:InvokeFunction",
                        "Principal": "s3.amazonaws.com",
                        "SourceArn": {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, format!(":s3:::{bucket_name}")]]},
                        "SourceAccount": {"Ref": "AWS::AccountId"}
                    }
                }),
            ),
        );
    }
    Ok(())
}

/// v3 `existingS3Buckets`: a `Custom::S3` per function gathering its events (one bucket per
/// function), each after the previous one on the same bucket, then the custom resource's
/// function with the statements to configure those buckets.
pub(super) fn compile_existing(
    ctx: &cr::Context<'_>,
    instance_id: &str,
    template: &mut Value,
) -> Result<()> {
    let mut statements = Vec::new();
    // bucket (as v3's JSON.stringify) → the custom resources on it, in order.
    let mut on_bucket: Vec<(String, Vec<String>)> = Vec::new();
    for f in &ctx.service.functions {
        let mut current: Option<String> = None;
        let id = format!("{}CustomS31", naming::normalized_function_name(&f.key));
        for (index, parsed) in common::events_of(f, settings_of) {
            let s = common::parsed(parsed)?;
            let Some(e) = &s.existing else {
                continue;
            };
            let event_type = json!(s.event);
            let key = match &e.bucket {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let config = json!({"Event": event_type, "Rules": existing_rules(s.rules.as_deref().unwrap_or_default())});
            match &current {
                None => {
                    current = Some(key.clone());
                    cr::FunctionResource {
                        kind: Kind::S3,
                        resource_type: "Custom::S3",
                        function: f,
                        target: ("BucketName", e.bucket.clone()),
                        configs: ("BucketConfigs", config),
                        force_deploy: e.force_deploy.then_some(instance_id),
                    }
                    .add(template, &id);
                    statements.push(json!({
                        "Effect": "Allow",
                        "Resource": {"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "s3", "", "", e.bucket]]},
                        "Action": ["s3:PutBucketNotification", "s3:GetBucketNotification"],
                    }));
                }
                Some(c) if *c != key => {
                    return Err(err(
                        path(f, index, FAMILY, "bucket"),
                        format!("Only one S3 Bucket can be configured per function. In \"{}\" you're attempting to configure \"{c}\" and \"{key}\" at the same time", f.name),
                    ));
                }
                Some(_) => {
                    if let Some(list) =
                        template["Resources"][&id]["Properties"]["BucketConfigs"].as_array_mut()
                    {
                        list.push(config);
                    }
                }
            }
            match on_bucket.iter_mut().find(|(b, _)| *b == key) {
                Some((_, ids)) if !ids.contains(&id) => ids.push(id.clone()),
                Some(_) => {}
                None => on_bucket.push((key, vec![id.clone()])),
            }
        }
    }
    if statements.is_empty() {
        return Ok(());
    }
    statements.push(json!({
        "Effect": "Allow",
        "Resource": cr::any_function_in_stack_region(),
        "Action": ["lambda:AddPermission", "lambda:RemovePermission"],
    }));
    // Several functions on one bucket: one after the other (v3 avoids racing notifications).
    for (_, ids) in &on_bucket {
        for pair in ids.windows(2) {
            if let Some(d) = template["Resources"][&pair[1]]["DependsOn"].as_array_mut() {
                d.push(json!(pair[0]));
            }
        }
    }
    cr::add_to_service(ctx, Kind::S3, statements, template);
    Ok(())
}
