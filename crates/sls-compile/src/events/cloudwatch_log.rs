//! `cloudwatchLog` events (v3 `compile/events/cloud-watch-log.js`): an
//! `AWS::Logs::SubscriptionFilter` per event (at most two per log group in the service) and one
//! `AWS::Lambda::Permission` per function whose source is the longest common prefix of its log
//! groups.

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{CloudwatchLog, Parsed};
use sls_config::model::{EventKind, Service};

const FAMILY: &str = "cloudwatchLog";

/// The parsed settings of a `cloudwatchLog` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<CloudwatchLog>> {
    match kind {
        EventKind::CloudwatchLog(s) => Some(s),
        _ => None,
    }
}
const LIMIT_PER_LOG_GROUP: usize = 2;

/// v3 `longestCommonSuffix` (a common prefix, despite its name), `*`-terminated for several.
fn common_prefix(names: &[String]) -> String {
    let first: Vec<char> = names[0].chars().collect();
    let mut common = first.clone();
    for name in names {
        let cur: Vec<char> = name.chars().collect();
        if let Some(i) = (0..common.len()).find(|&i| cur.get(i) != Some(&common[i])) {
            common.truncate(i);
        }
    }
    let mut s: String = common.into_iter().collect();
    if names.len() > 1 && !s.ends_with('*') {
        s.push('*');
    }
    s
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    let mut per_group: Vec<(String, usize)> = Vec::new();
    for f in &service.functions {
        let mut number = 0;
        let mut groups: Vec<String> = Vec::new();
        for (index, parsed) in common::events_of(f, settings_of) {
            number += 1;
            let CloudwatchLog {
                log_group: group,
                filter,
            } = common::parsed(parsed)?;
            let count = match per_group.iter_mut().find(|(g, _)| g == group) {
                Some((_, n)) => {
                    *n += 1;
                    *n
                }
                None => {
                    per_group.push((group.clone(), 1));
                    1
                }
            };
            if count > LIMIT_PER_LOG_GROUP {
                return Err(err(
                    path(f, index, FAMILY, ""),
                    format!("Only {LIMIT_PER_LOG_GROUP} subscription filters can be configured per log group. You're attempting to configure more subscription filters than allowed for \"{group}\""),
                ));
            }
            groups.push(group.clone());
            let permission_id = naming::lambda_cloud_watch_log_permission_logical_id(&f.key);
            let target = super::common::lambda_target(f);
            let alias: Vec<String> = naming::target_alias_id(f).into_iter().collect();
            let mut depends_on = vec![permission_id.clone()];
            depends_on.extend(alias.iter().cloned());
            super::common::merge_resource(
                template,
                &naming::cloud_watch_log_logical_id(&f.key, number),
                json!({
                    "Type": "AWS::Logs::SubscriptionFilter",
                    "DependsOn": depends_on,
                    "Properties": {
                        "LogGroupName": group,
                        "FilterPattern": filter,
                        "DestinationArn": target
                    }
                }),
            );
            let mut permission = Map::new();
            permission.insert("Type".into(), json!("AWS::Lambda::Permission"));
            if !alias.is_empty() {
                permission.insert("DependsOn".into(), json!(alias));
            }
            permission.insert(
                "Properties".into(),
                json!({
                        "FunctionName": target,
                        "Action": "lambda:InvokeFunction",
                        "Principal": {"Fn::Join": ["", ["logs.", {"Ref": "AWS::Region"}, ".amazonaws.com"]]},
                        "SourceArn": {"Fn::Join": ["", [
                            "arn:", {"Ref": "AWS::Partition"}, ":logs:", {"Ref": "AWS::Region"}, ":",
                            {"Ref": "AWS::AccountId"}, ":log-group:", common_prefix(&groups), ":*"
                        ]]}
                }),
            );
            super::common::merge_resource(template, &permission_id, Value::Object(permission));
        }
    }
    Ok(())
}
