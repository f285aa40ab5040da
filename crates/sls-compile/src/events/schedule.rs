//! `schedule` events (v3 `compile/events/schedule.js`): an `AWS::Events::Rule` per rate with a
//! `AWS::Lambda::Permission` (`method: eventBus`, the default), or an `AWS::Scheduler::Schedule`
//! (`method: scheduler`) that invokes the function with its execution role; for the latter v3
//! lets `scheduler.amazonaws.com` assume the generated role and allows it to invoke the function.

use serde_json::{json, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{Parsed, Schedule};
use sls_config::model::{EventKind, Service};

const FAMILY: &str = "schedule";

/// The parsed settings of a `schedule` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<Schedule>> {
    match kind {
        EventKind::Schedule(s) => Some(s),
        _ => None,
    }
}

/// A string as v3 places it between quotes in its JSON template text: the result is what
/// `JSON.parse` gives back, and text that would break that parse is refused.
fn v3_quoted(s: &str, at: String) -> Result<String> {
    serde_json::from_str::<String>(&format!("\"{s}\"")).map_err(|_| {
        err(
            at,
            "contains characters v3 cannot place in its rule template (a backslash, a line break or a control character); remove them",
        )
    })
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    let mut scheduler_resources = Vec::new();
    let mut has_scheduler = false;
    for f in &service.functions {
        let mut number = 0;
        let mut function_has_scheduler = false;
        for (index, parsed) in common::events_of(f, settings_of) {
            let s = common::parsed(parsed)?;
            let target = common::lambda_target(f);
            let role_arn = template["Resources"][naming::lambda_logical_id(&f.key)]["Properties"]
                ["Role"]
                .clone();
            for rate in &s.rates {
                number += 1;
                if s.scheduler {
                    has_scheduler = true;
                    function_has_scheduler = true;
                    let mut target_obj = json!({"Arn": target});
                    if !role_arn.is_null() {
                        target_obj["RoleArn"] = role_arn.clone();
                    }
                    if let Some(i) = &s.input {
                        target_obj["Input"] = json!(i);
                    }
                    let mut props = json!({
                        "ScheduleExpression": rate,
                        "State": if s.enabled { "ENABLED" } else { "DISABLED" },
                        "Target": target_obj,
                        "FlexibleTimeWindow": {"Mode": "OFF"},
                    });
                    if let Some(n) = &s.name {
                        props["Name"] = json!(n);
                    }
                    if let Some(d) = &s.description {
                        props["Description"] = json!(d);
                    }
                    if let Some(t) = &s.timezone {
                        props["ScheduleExpressionTimezone"] = json!(t);
                    }
                    common::assign_resource(
                        template,
                        &naming::scheduler_schedule_logical_id(&f.key, number),
                        common::alias_dep(
                            f,
                            json!({"Type": "AWS::Scheduler::Schedule", "Properties": props}),
                        ),
                    );
                } else {
                    let rule_id = naming::schedule_logical_id(&f.key, number);
                    let expression = match rate {
                        Value::String(r) => {
                            Value::String(v3_quoted(r, path(f, index, FAMILY, "rate"))?)
                        }
                        other => other.clone(),
                    };
                    let mut props = json!({
                        "ScheduleExpression": expression,
                        "State": if s.enabled { "ENABLED" } else { "DISABLED" },
                    });
                    if let Some(n) = &s.name {
                        props["Name"] = json!(n);
                    }
                    if let Some(d) = s.description.as_ref().filter(|d| !d.is_empty()) {
                        props["Description"] = json!(d);
                    }
                    let mut t = serde_json::Map::new();
                    if let Some(i) = s.input.as_ref().filter(|i| !i.is_empty()) {
                        t.insert("Input".into(), json!(i));
                    }
                    if let Some(p) = s.input_path.as_ref().filter(|p| !p.is_empty()) {
                        t.insert("InputPath".into(), json!(p));
                    }
                    if let Some(x) = &s.input_transformer {
                        t.insert("InputTransformer".into(), common::input_transformer(x));
                    }
                    t.insert("Arn".into(), target.clone());
                    t.insert("Id".into(), json!(naming::schedule_id(&f.key)));
                    props["Targets"] = json!([t]);
                    common::assign_resource(
                        template,
                        &rule_id,
                        common::alias_dep(
                            f,
                            json!({"Type": "AWS::Events::Rule", "Properties": props}),
                        ),
                    );
                    common::assign_resource(
                        template,
                        &naming::lambda_schedule_permission_logical_id(&f.key, number),
                        common::alias_dep(
                            f,
                            common::invoke_permission(
                                target.clone(),
                                "events.amazonaws.com",
                                json!({"Fn::GetAtt": [rule_id, "Arn"]}),
                            ),
                        ),
                    );
                }
            }
        }
        if function_has_scheduler {
            let arn = format!(
                "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{}",
                f.name
            );
            scheduler_resources.push(json!({"Fn::Sub": arn}));
            scheduler_resources.push(json!({"Fn::Sub": format!("{arn}:*")}));
        }
    }
    // v3 only logs that a user-provided role needs the EventBridge Scheduler permissions.
    if has_scheduler && template["Resources"].get(naming::ROLE_LOGICAL_ID).is_some() {
        let role = &mut template["Resources"][naming::ROLE_LOGICAL_ID];
        if let Some(statements) =
            role["Properties"]["AssumeRolePolicyDocument"]["Statement"].as_array_mut()
        {
            if let Some(services) = statements.iter_mut().find_map(|st| {
                let list = st
                    .get_mut("Principal")?
                    .get_mut("Service")?
                    .as_array_mut()?;
                list.iter()
                    .any(|s| s == "lambda.amazonaws.com")
                    .then_some(list)
            }) {
                services.push(json!("scheduler.amazonaws.com"));
            }
        }
        if let Some(st) = common::role_statements(template) {
            st.push(common::statement(
                &["lambda:InvokeFunction"],
                scheduler_resources,
            ));
        }
    }
    Ok(())
}
