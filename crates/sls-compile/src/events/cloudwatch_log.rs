//! `cloudwatchLog` events (v3 `compile/events/cloud-watch-log.js`): an
//! `AWS::Logs::SubscriptionFilter` per event (at most two per log group in the service) and one
//! `AWS::Lambda::Permission` per function whose source is the longest common prefix of its log
//! groups.

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "cloudwatchLog";

/// The settings of a `cloudwatchLog` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Value> {
    match kind {
        EventKind::CloudwatchLog(Some(s)) => Some(s),
        _ => None,
    }
}
const LIMIT_PER_LOG_GROUP: usize = 2;

fn valid_log_group(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '#' | '-' | '_' | '.'))
}

fn strip_newlines(s: &str) -> String {
    s.replace("\r\n", "").replace('\n', "")
}

/// (log group, filter pattern).
pub(super) fn parse(
    f: &Function,
    index: usize,
    settings: Option<&Value>,
) -> Result<(String, String)> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let (group, group_at, filter) = match settings {
        Some(Value::String(g)) => (g.clone(), at(""), String::new()),
        Some(Value::Object(o)) => {
            if let Some(k) = o.keys().find(|k| *k != "logGroup" && *k != "filter") {
                return Err(err(at(k), "unknown property; remove it"));
            }
            let group = match o.get("logGroup") {
                Some(Value::String(g)) => g.clone(),
                _ => return Err(err(at("logGroup"), "is required: the log group's name")),
            };
            let filter = match o.get("filter") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => strip_newlines(s),
                Some(v) => return Err(err(at("filter"), format!("must be a string, got {v}"))),
            };
            (group, at("logGroup"), filter)
        }
        _ => {
            return Err(err(
                at(""),
                "must be a log group name or an object with `logGroup`",
            ))
        }
    };
    let group = strip_newlines(&group);
    if !valid_log_group(&group) {
        return Err(err(
            group_at,
            format!("\"{group}\" is not a log group name (letters, digits and `/#-_.`)"),
        ));
    }
    // v3 unescapes quotes once when the first quote is preceded by a backslash.
    let mut filter = filter;
    if let (Some(slash), Some(quote)) = (filter.find('\\'), filter.find('"')) {
        if quote > slash {
            let mut out = String::new();
            let mut chars = filter.chars().peekable();
            while let Some(c) = chars.next() {
                if c == '\\' && matches!(chars.peek(), Some('"') | Some('\\') | Some('\'')) {
                    out.push(chars.next().unwrap_or_default());
                } else {
                    out.push(c);
                }
            }
            filter = out;
        }
    }
    Ok((group, filter))
}

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
        for (index, settings) in common::events_of(f, settings_of) {
            number += 1;
            let (group, filter) = parse(f, index, Some(settings))?;
            let count = match per_group.iter_mut().find(|(g, _)| *g == group) {
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
