//! `iot` events (v3 `compile/events/iot.js`): an `AWS::IoT::TopicRule` invoking the function and
//! its `AWS::Lambda::Permission`.

use serde_json::{json, Value};

use super::common;
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{Iot, Parsed};
use sls_config::model::{EventKind, Function, Service};

/// The parsed settings of an `iot` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<Iot>> {
    match kind {
        EventKind::Iot(s) => Some(s),
        _ => None,
    }
}

/// The topic rule's properties, in v3's order.
fn rule_properties(f: &Function, rule: &Iot) -> Value {
    let mut payload = json!({
        "RuleDisabled": rule.disabled,
        "Sql": rule.sql,
        "Actions": [{"Lambda": {"FunctionArn": common::lambda_target(f)}}]
    });
    if let Some(d) = &rule.description {
        payload["Description"] = json!(d);
    }
    if let Some(v) = &rule.sql_version {
        payload["AwsIotSqlVersion"] = json!(v);
    }
    let mut props = json!({"TopicRulePayload": payload});
    if let Some(n) = &rule.name {
        props["RuleName"] = json!(n);
    }
    props
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for e in common::numbered_events(service, settings_of) {
        let f = e.function;
        let props = rule_properties(f, common::parsed(e.settings)?);
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
