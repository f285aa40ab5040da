//! `iot` events (v3 `compile/events/iot.js`): an `AWS::IoT::TopicRule` invoking the function and
//! its `AWS::Lambda::Permission`.

use serde_json::{json, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "iot";

/// The settings of an `iot` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Value> {
    match kind {
        EventKind::Iot(Some(s)) => Some(s),
        _ => None,
    }
}

fn one_line(s: &str) -> String {
    s.replace("\r\n", "").replace('\n', "")
}

fn opt_str(
    o: &serde_json::Map<String, Value>,
    key: &str,
    at: &impl Fn(&str) -> String,
) -> Result<Option<String>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(one_line(s))),
        Some(v) => Err(err(at(key), format!("must be a string, got {v}"))),
    }
}

pub(super) fn parse(f: &Function, index: usize, settings: Option<&Value>) -> Result<Value> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(at(""), "must be an object with `sql`"));
    };
    if let Some(k) = o.keys().find(|k| {
        !matches!(
            k.as_str(),
            "sql" | "sqlVersion" | "name" | "enabled" | "description"
        )
    }) {
        return Err(err(at(k), "unknown property; remove it"));
    }
    let sql = match o.get("sql") {
        Some(Value::String(s)) => one_line(s),
        _ => return Err(err(at("sql"), "is required: the rule's SQL statement")),
    };
    let version = opt_str(o, "sqlVersion", &at)?;
    if let Some(v) = &version {
        if !matches!(v.as_str(), "2015-10-08" | "2016-03-23" | "beta") {
            return Err(err(
                at("sqlVersion"),
                format!("must be 2015-10-08, 2016-03-23 or beta, got \"{v}\""),
            ));
        }
    }
    let disabled = common::bool_at(o, "enabled", at)? == Some(false);
    let name = opt_str(o, "name", &at)?;
    let description = opt_str(o, "description", &at)?;
    let mut payload = json!({
        "RuleDisabled": disabled,
        "Sql": sql,
        "Actions": [{"Lambda": {"FunctionArn": common::lambda_target(f)}}]
    });
    if let Some(d) = description {
        payload["Description"] = json!(d);
    }
    if let Some(v) = version {
        payload["AwsIotSqlVersion"] = json!(v);
    }
    let mut props = json!({"TopicRulePayload": payload});
    if let Some(n) = name {
        props["RuleName"] = json!(n);
    }
    Ok(props)
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for e in common::numbered_events(service, settings_of) {
        let f = e.function;
        let props = parse(f, e.index, Some(e.settings))?;
        let rule_id = naming::iot_logical_id(&f.key, e.number);
        common::merge_resource(
            template,
            &rule_id,
            common::alias_dep(
                f,
                json!({"Type": "AWS::IoT::TopicRule", "Properties": props}),
            ),
        );
        common::merge_resource(
            template,
            &naming::lambda_iot_permission_logical_id(&f.key, e.number),
            common::alias_dep(
                f,
                common::invoke_permission(
                    common::lambda_target(f),
                    "iot.amazonaws.com",
                    json!({"Fn::Join": ["", [
                        "arn:", {"Ref": "AWS::Partition"}, ":iot:", {"Ref": "AWS::Region"}, ":",
                        {"Ref": "AWS::AccountId"}, ":rule/", {"Ref": rule_id}
                    ]]}),
                ),
            ),
        );
    }
    Ok(())
}
