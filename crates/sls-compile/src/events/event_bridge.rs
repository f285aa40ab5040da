//! `eventBridge` events compiled to native CloudFormation (v3 `compile/events/event-bridge`,
//! `compileWithCloudFormation`): an `AWS::Events::Rule` on the default bus, a bus the stack
//! creates (`<Bus>EventBridgeEventBus`) or an existing one (ARN or intrinsic), with its target
//! (input, inputPath, inputTransformer, retryPolicy, deadLetterQueueArn) and an
//! `AWS::Lambda::Permission`. When `provider.eventBridge` exists without `useCloudFormation: true`
//! v3 (`compileWithCustomResource`) creates each rule through the custom resource
//! `Custom::EventBridge` (`<Function>CustomEventBridge<n>`), see [`super::custom_resources`].

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use super::custom_resources::{self as cr, Kind};
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{EventBridge, Parsed};
use sls_config::model::{EventKind, Function};

const FAMILY: &str = "eventBridge";

/// The parsed settings of an `eventBridge` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<EventBridge>> {
    match kind {
        EventKind::EventBridge(s) => Some(s),
        _ => None,
    }
}
/// `inputTransformer` with v3's capitalised keys (`InputTemplate`, `InputPathsMap`).
fn normalized_keys(t: &Map<String, Value>) -> Value {
    Value::Object(
        t.iter()
            .map(|(k, v)| (naming::normalize_name(k), v.clone()))
            .collect(),
    )
}

fn hash_name(name: &str, suffix: &str) -> String {
    let keep: String = name.chars().take(31 - suffix.len()).collect();
    format!("{keep}{}-{suffix}", common::md5_hex(name.as_bytes()))
}

fn rule_name(function_name: &str, idx: usize) -> String {
    format!("{function_name}-rule-{idx}")
}

fn hashed_rule_name(function_name: &str, idx: usize) -> String {
    let name = rule_name(function_name, idx);
    if name.len() > 64 {
        hash_name(&name, &format!("rule-{idx}"))
    } else {
        name
    }
}

fn target_id(rule: &str) -> String {
    let id = format!("{rule}-target");
    if id.len() > 64 {
        hash_name(&id, "target")
    } else {
        id
    }
}

pub(super) fn compile_all(ctx: &cr::Context<'_>, template: &mut Value) -> Result<()> {
    let custom = ctx.service.provider.event_bridge_custom_resource;
    let mut custom_rules = CustomRules::default();
    for f in &ctx.service.functions {
        for (index, parsed) in common::events_of(f, settings_of) {
            let o = common::parsed(parsed)?;
            let idx = index + 1;
            let rule = match &o.name {
                Some(n) => n.to_string(),
                None => hashed_rule_name(&f.name, idx),
            };
            let state = if o.enabled { "ENABLED" } else { "DISABLED" };
            if custom {
                let at = |p: &str| path(f, index, FAMILY, p);
                custom_rules.add(f, idx, o, &rule, state, at, template)?;
                continue;
            }
            let bus = o.event_bus.clone();
            let mut bus_name = bus.clone();
            let mut exists = matches!(bus, Some(Value::Object(_)));
            if let Some(Value::String(s)) = &bus {
                if s.starts_with("arn") {
                    exists = true;
                    bus_name = Some(json!(s[s.find('/').map_or(0, |i| i + 1)..].to_string()));
                }
            }
            let create_bus = !exists
                && bus_name
                    .as_ref()
                    .is_some_and(|b| b.as_str().is_some_and(|s| !s.is_empty() && s != "default"));
            // v3: the alias, replaced by the bus the stack creates.
            let mut depends_on = naming::target_alias_id(f);
            if create_bus {
                let name = bus_name
                    .as_ref()
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let id = naming::event_bridge_event_bus_logical_id(name);
                common::assign_resource(
                    template,
                    &id,
                    json!({"Type": "AWS::Events::EventBus", "Properties": {"Name": name}}),
                );
                depends_on = Some(id);
            }
            let mut target = Map::new();
            target.insert("Arn".into(), common::lambda_target(f));
            target.insert("Id".into(), json!(target_id(&rule)));
            if let Some(r) = &o.retry_policy {
                let mut policy = Map::new();
                if let Some(v) = &r.maximum_event_age {
                    policy.insert("MaximumEventAgeInSeconds".into(), v.clone());
                }
                if let Some(v) = &r.maximum_retry_attempts {
                    policy.insert("MaximumRetryAttempts".into(), v.clone());
                }
                target.insert("RetryPolicy".into(), Value::Object(policy));
            }
            if let Some(d) = o
                .dead_letter_queue_arn
                .as_ref()
                .filter(|d| common::js_truthy(d))
            {
                target.insert("DeadLetterConfig".into(), json!({"Arn": d}));
            }
            if let Some(i) = o.input.as_ref().filter(|v| common::js_truthy(v)) {
                target.insert("Input".into(), json!(i.to_string()));
            } else if let Some(p) = o.input_path.as_ref().filter(|v| common::js_truthy(v)) {
                target.insert("InputPath".into(), p.clone());
            } else if let Some(t) = &o.input_transformer {
                target.insert("InputTransformer".into(), normalized_keys(t));
            }
            let mut props = Map::new();
            if let Some(d) = &o.description {
                props.insert("Description".into(), d.clone());
            }
            if let Some(b) = bus_name.as_ref().filter(|b| b.as_str() != Some("default")) {
                props.insert("EventBusName".into(), b.clone());
            }
            if let Some(p) = &o.pattern {
                props.insert("EventPattern".into(), p.clone());
            }
            props.insert("Name".into(), json!(rule));
            if let Some(s) = &o.schedule {
                props.insert("ScheduleExpression".into(), s.clone());
            }
            props.insert("State".into(), json!(state));
            props.insert("Targets".into(), json!([target]));
            let mut rule_res = Map::new();
            rule_res.insert("Type".into(), json!("AWS::Events::Rule"));
            if let Some(d) = depends_on {
                rule_res.insert("DependsOn".into(), json!(d));
            }
            rule_res.insert("Properties".into(), Value::Object(props));
            let rule_id = naming::event_bridge_rule_logical_id(&rule_name(&f.name, idx));
            common::assign_resource(template, &rule_id, Value::Object(rule_res));
            let mut arn_path = vec![json!("rule")];
            if let Some(b) = bus_name.as_ref().filter(|b| common::js_truthy(b)) {
                arn_path.push(b.clone());
            }
            arn_path.push(json!(rule));
            common::assign_resource(
                template,
                &naming::event_bridge_lambda_permission_logical_id(&f.key, idx),
                common::alias_dep(
                    f,
                    json!({
                        "Type": "AWS::Lambda::Permission",
                        "Properties": {
                            "Action": "lambda:InvokeFunction",
                            "FunctionName": common::lambda_target(f),
                            "Principal": "events.amazonaws.com",
                            "SourceArn": {"Fn::Join": [":", [
                                "arn", {"Ref": "AWS::Partition"}, "events", {"Ref": "AWS::Region"},
                                {"Ref": "AWS::AccountId"}, {"Fn::Join": ["/", arn_path]}
                            ]]}
                        }
                    }),
                ),
            );
        }
    }
    if custom && custom_rules.any {
        custom_rules.finish(ctx, template);
    }
    Ok(())
}

/// The rules v3 leaves to its custom resource, and the statements they need.
#[derive(Default)]
struct CustomRules {
    any: bool,
    statements: Vec<Value>,
    bus_statement: bool,
}

impl CustomRules {
    /// v3 `compileWithCustomResource`: one `Custom::EventBridge` per event.
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        f: &Function,
        idx: usize,
        o: &EventBridge,
        rule: &str,
        state: &str,
        at: impl Fn(&str) -> String,
        template: &mut Value,
    ) -> Result<()> {
        const WHY: &str = "is not supported for EventBridge integration backed by Custom Resources. Please use \"provider.eventBridge.useCloudFormation\" setting to use native CloudFormation support for EventBridge";
        // A written `retryPolicy` is an object (checked), so truthy.
        if o.retry_policy.is_some() {
            return Err(err(
                at("retryPolicy"),
                format!("Configuring RetryPolicy {WHY}"),
            ));
        }
        if o.dead_letter_queue_arn
            .as_ref()
            .is_some_and(common::js_truthy)
        {
            return Err(err(
                at("deadLetterQueueArn"),
                format!("Configuring DeadLetterConfig {WHY}"),
            ));
        }
        let bus = o.event_bus.as_ref();
        if bus.is_some_and(Value::is_object) {
            return Err(err(
                at("eventBus"),
                format!("Referencing event bus with CloudFormation intrinsic functions {WHY}"),
            ));
        }
        self.any = true;
        let mut config = Map::new();
        config.insert("RuleName".into(), json!(rule));
        config.insert("State".into(), json!(state));
        for (key, value) in [
            ("EventBus", &o.event_bus),
            ("Schedule", &o.schedule),
            ("Pattern", &o.pattern),
            ("Input", &o.input),
            ("InputPath", &o.input_path),
        ] {
            if let Some(v) = value {
                config.insert(key.into(), v.clone());
            }
        }
        if let Some(t) = &o.input_transformer {
            config.insert("InputTransformer".into(), normalized_keys(t));
        }
        let id = format!(
            "{}CustomEventBridge{idx}",
            naming::normalized_function_name(&f.key)
        );
        template["Resources"][id] = json!({
            "Type": "Custom::EventBridge",
            "Version": 1,
            "DependsOn": [naming::lambda_logical_id(&f.key), Kind::EventBridge.function_logical_id()],
            "Properties": {
                "ServiceToken": cr::service_token(Kind::EventBridge),
                "FunctionName": f.name,
                "EventBridgeConfig": config,
            },
        });
        let bus_name = bus
            .and_then(Value::as_str)
            .map(|b| match b.starts_with("arn") {
                true => &b[b.find('/').map_or(0, |i| i + 1)..],
                false => b,
            });
        if !self.bus_statement && bus_name.is_some_and(|b| !b.is_empty() && b != "default") {
            self.statements.push(json!({
                "Effect": "Allow",
                "Resource": {"Fn::Join": [":", [
                    "arn", {"Ref": "AWS::Partition"}, "events", {"Ref": "AWS::Region"},
                    {"Ref": "AWS::AccountId"}, "event-bus/*"
                ]]},
                "Action": ["events:CreateEventBus", "events:DeleteEventBus"],
            }));
            self.bus_statement = true;
        }
        Ok(())
    }

    /// v3 `_addCustomResourceToService`: the rule and permission statements, the function.
    fn finish(mut self, ctx: &cr::Context<'_>, template: &mut Value) {
        self.statements.push(json!({
            "Effect": "Allow",
            "Resource": {"Fn::Join": [":", [
                "arn", {"Ref": "AWS::Partition"}, "events", {"Ref": "AWS::Region"},
                {"Ref": "AWS::AccountId"}, "rule/*"
            ]]},
            "Action": ["events:PutRule", "events:RemoveTargets", "events:PutTargets", "events:DeleteRule"],
        }));
        self.statements.push(json!({
            "Effect": "Allow",
            "Resource": cr::any_function_in_stack_region(),
            "Action": ["lambda:AddPermission", "lambda:RemovePermission"],
        }));
        cr::add_to_service(ctx, Kind::EventBridge, self.statements, template);
    }
}
