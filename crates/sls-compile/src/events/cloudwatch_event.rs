//! `cloudwatchEvent` events (v3 `compile/events/cloud-watch-event.js`): an `AWS::Events::Rule`
//! on the default bus with the event pattern and one target, and its `AWS::Lambda::Permission`.
//! v3 writes the rule as JSON text; strings are placed the way it places them.

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "cloudwatchEvent";

/// The settings of a `cloudwatchEvent` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Value> {
    match kind {
        EventKind::CloudwatchEvent(Some(s)) => Some(s),
        _ => None,
    }
}
const KEYS: &[&str] = &[
    "event",
    "input",
    "inputPath",
    "inputTransformer",
    "description",
    "name",
    "enabled",
];

/// `"<s>"` parsed back as v3's `JSON.parse` of its template does; text that breaks it is refused.
fn v3_quoted(s: &str, at: String) -> Result<String> {
    serde_json::from_str::<String>(&format!("\"{s}\"")).map_err(|_| {
        err(
            at,
            "contains characters v3 cannot place in its rule template (a backslash, a line break or a control character); remove them",
        )
    })
}

pub(super) fn parse(f: &Function, index: usize, settings: Option<&Value>) -> Result<Value> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(
            at(""),
            "must be an object with `event` (the event pattern)",
        ));
    };
    if let Some(k) = o.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(err(at(k), "unknown property; remove it"));
    }
    let pattern = match o.get("event") {
        Some(e @ Value::Object(_)) => serde_json::from_str::<Value>(&common::drop_escaped_breaks(
            &e.to_string(),
        ))
        .map_err(|_| {
            err(
                at("event"),
                "v3 cannot place this pattern in its rule template; remove escaped line breaks",
            )
        })?,
        _ => {
            return Err(err(
                at("event"),
                "is required: the event pattern (an object)",
            ))
        }
    };
    let given = ["input", "inputPath", "inputTransformer"]
        .iter()
        .filter(|k| o.get(**k).is_some_and(common::js_truthy))
        .count();
    if given > 1 {
        return Err(err(at(""), "You can only set one of input, inputPath, or inputTransformer properties at the same time for cloudwatch events"));
    }
    let mut props = Map::new();
    props.insert("EventPattern".into(), pattern);
    let state = if o.get("enabled") == Some(&Value::Bool(false)) {
        "DISABLED"
    } else {
        "ENABLED"
    };
    common::bool_at(o, "enabled", at)?;
    props.insert("State".into(), json!(state));
    for (key, prop, max) in [("description", "Description", 512), ("name", "Name", 64)] {
        match o.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.is_empty() => {}
            Some(Value::String(s)) if s.chars().count() <= max => {
                props.insert(prop.into(), json!(v3_quoted(s, at(key))?));
            }
            Some(v) => {
                return Err(err(
                    at(key),
                    format!("must be a string of at most {max} characters, got {v}"),
                ))
            }
        }
    }
    let mut target = Map::new();
    match o.get("input") {
        None | Some(Value::Null) => {}
        Some(i @ (Value::String(_) | Value::Object(_))) if common::js_truthy(i) => {
            let text = match i {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            let escaped = common::drop_escaped_breaks(&text.replace('"', "\\\""));
            target.insert("Input".into(), json!(v3_quoted(&escaped, at("input"))?));
        }
        Some(Value::String(_)) => {}
        Some(v) => {
            return Err(err(
                at("input"),
                format!("must be a string or an object, got {v}"),
            ))
        }
    }
    match o.get("inputPath") {
        None | Some(Value::Null) => {}
        Some(Value::String(p)) if !p.is_empty() => {
            let p = p.replace("\r\n", "").replace('\n', "");
            target.insert("InputPath".into(), json!(v3_quoted(&p, at("inputPath"))?));
        }
        Some(v) => {
            return Err(err(
                at("inputPath"),
                format!("must be a non-empty string, got {v}"),
            ))
        }
    }
    match o.get("inputTransformer") {
        None | Some(Value::Null) => {}
        Some(Value::Object(t))
            if t.get("inputTemplate")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
                && t.keys()
                    .all(|k| k == "inputTemplate" || k == "inputPathsMap") =>
        {
            let mut out = json!({"InputTemplate": t["inputTemplate"]});
            if let Some(m) = t.get("inputPathsMap").filter(|m| common::js_truthy(m)) {
                out["InputPathsMap"] = m.clone();
            }
            target.insert("InputTransformer".into(), out);
        }
        Some(_) => {
            return Err(err(
                at("inputTransformer"),
                "must be `{inputTemplate: <text>, inputPathsMap: {...}}`",
            ))
        }
    }
    target.insert("Arn".into(), common::lambda_target(f));
    target.insert("Id".into(), json!(naming::cloud_watch_event_id(&f.key)));
    props.insert("Targets".into(), json!([target]));
    Ok(Value::Object(props))
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for e in common::numbered_events(service, settings_of) {
        let f = e.function;
        let props = parse(f, e.index, Some(e.settings))?;
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
