//! `iotFleetProvisioning` events (v3 `compile/events/iot-fleet-provisioning.js`): an
//! `AWS::IoT::ProvisioningTemplate` whose pre-provisioning hook is the function, and its
//! `AWS::Lambda::Permission`; at most one per function.

use serde_json::{json, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "iotFleetProvisioning";

/// The settings of an `iotFleetProvisioning` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Value> {
    match kind {
        EventKind::IotFleetProvisioning(Some(s)) => Some(s),
        _ => None,
    }
}

pub(super) fn parse(f: &Function, index: usize, settings: Option<&Value>) -> Result<Value> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(
            at(""),
            "must be an object with `templateBody` and `provisioningRoleArn`",
        ));
    };
    if let Some(k) = o.keys().find(|k| {
        !matches!(
            k.as_str(),
            "enabled" | "provisioningRoleArn" | "templateBody" | "templateName"
        )
    }) {
        return Err(err(at(k), "unknown property; remove it"));
    }
    let role = match o.get("provisioningRoleArn") {
        Some(r) if common::is_arn(r) => r.clone(),
        _ => {
            return Err(err(
                at("provisioningRoleArn"),
                "is required: the provisioning role's ARN or an intrinsic",
            ))
        }
    };
    let body = match o.get("templateBody") {
        Some(b @ Value::Object(_)) => b.to_string(),
        _ => {
            return Err(err(
                at("templateBody"),
                "is required: the provisioning template (an object)",
            ))
        }
    };
    let mut props = json!({
        "Enabled": true,
        "PreProvisioningHook": {"TargetArn": common::lambda_target(f)},
        "ProvisioningRoleArn": role,
        "TemplateBody": body
    });
    match o.get("enabled") {
        None => {}
        Some(v @ Value::Bool(_)) => props["Enabled"] = v.clone(),
        Some(v) => {
            return Err(err(
                at("enabled"),
                format!("must be true or false, got {v}"),
            ))
        }
    }
    match o.get("templateName") {
        None | Some(Value::Null) => {}
        Some(Value::String(n)) if n.is_empty() => {}
        Some(Value::String(n)) => props["TemplateName"] = json!(n),
        Some(v) => {
            return Err(err(
                at("templateName"),
                format!("must be a string, got {v}"),
            ))
        }
    }
    Ok(props)
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        let events: Vec<(usize, &Value)> = common::events_of(f, settings_of).collect();
        if let Some((second, _)) = events.get(1) {
            return Err(err(
                path(f, *second, FAMILY, ""),
                format!(
                    "Found more than one iotFleetProvision event for function {}; keep one",
                    f.key
                ),
            ));
        }
        for (index, settings) in events {
            let props = parse(f, index, Some(settings))?;
            let permission_id = naming::lambda_iot_fleet_provisioning_permission_logical_id(&f.key);
            let mut depends_on = vec![permission_id.clone()];
            depends_on.extend(naming::target_alias_id(f));
            common::assign_resource(
                template,
                &naming::iot_fleet_provisioning_logical_id(&f.key),
                json!({"Type": "AWS::IoT::ProvisioningTemplate", "Properties": props, "DependsOn": depends_on}),
            );
            common::assign_resource(
                template,
                &permission_id,
                common::alias_dep(
                    f,
                    json!({
                        "Type": "AWS::Lambda::Permission",
                        "Properties": {
                            "FunctionName": common::lambda_target(f),
                            "Action": "lambda:InvokeFunction",
                            "Principal": "iot.amazonaws.com"
                        }
                    }),
                ),
            );
        }
    }
    Ok(())
}
