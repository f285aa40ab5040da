//! `cloudwatchEvent` events (v3 `compile/events/cloud-watch-event.js`): an `AWS::Events::Rule`
//! on the default bus with the event pattern and one target, and its `AWS::Lambda::Permission`.
//! v3 writes the rule as JSON text; strings are placed the way it places them.

use serde_json::{json, Map, Value};

use super::common;
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{CloudwatchEvent, Parsed};
use sls_config::model::{EventKind, Function, Service};

/// The parsed settings of a `cloudwatchEvent` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<CloudwatchEvent>> {
    match kind {
        EventKind::CloudwatchEvent(s) => Some(s),
        _ => None,
    }
}
/// The rule's properties, in v3's order.
fn rule_properties(f: &Function, e: &CloudwatchEvent) -> Value {
    let mut props = Map::new();
    props.insert("EventPattern".into(), e.pattern.clone());
    let state = if e.enabled { "ENABLED" } else { "DISABLED" };
    props.insert("State".into(), json!(state));
    if let Some(d) = &e.description {
        props.insert("Description".into(), json!(d));
    }
    if let Some(n) = &e.name {
        props.insert("Name".into(), json!(n));
    }
    let mut target = Map::new();
    if let Some(i) = &e.input {
        target.insert("Input".into(), json!(i));
    }
    if let Some(p) = &e.input_path {
        target.insert("InputPath".into(), json!(p));
    }
    if let Some(t) = &e.input_transformer {
        target.insert("InputTransformer".into(), common::input_transformer(t));
    }
    target.insert("Arn".into(), common::lambda_target(f));
    target.insert("Id".into(), json!(naming::cloud_watch_event_id(&f.key)));
    props.insert("Targets".into(), json!([target]));
    Value::Object(props)
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for e in common::numbered_events(service, settings_of) {
        let f = e.function;
        let props = rule_properties(f, common::parsed(e.settings)?);
        let rule_id = naming::cloud_watch_event_logical_id(&f.key, e.number);
        common::merge_resource(
            template,
            &rule_id,
            common::alias_dep(f, json!({"Type": "AWS::Events::Rule", "Properties": props})),
        );
        common::merge_resource(
            template,
            &naming::lambda_cloud_watch_event_permission_logical_id(&f.key, e.number),
            common::alias_dep(
                f,
                common::invoke_permission(
                    common::lambda_target(f),
                    "events.amazonaws.com",
                    json!({"Fn::GetAtt": [rule_id, "Arn"]}),
                ),
            ),
        );
    }
    Ok(())
}
