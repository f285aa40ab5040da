//! `iotFleetProvisioning` events (v3 `compile/events/iot-fleet-provisioning.js`): an
//! `AWS::IoT::ProvisioningTemplate` whose pre-provisioning hook is the function, and its
//! `AWS::Lambda::Permission`; at most one per function.

use serde_json::{json, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{IotFleetProvisioning, Parsed};
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "iotFleetProvisioning";

/// The parsed settings of an `iotFleetProvisioning` event.
fn settings_of(kind: &EventKind) -> Option<&Parsed<IotFleetProvisioning>> {
    match kind {
        EventKind::IotFleetProvisioning(s) => Some(s),
        _ => None,
    }
}

/// The provisioning template's properties, in v3's order.
fn template_properties(f: &Function, p: &IotFleetProvisioning) -> Value {
    let mut props = json!({
        "Enabled": p.enabled,
        "PreProvisioningHook": {"TargetArn": common::lambda_target(f)},
        "ProvisioningRoleArn": p.provisioning_role_arn,
        "TemplateBody": p.template_body
    });
    if let Some(n) = &p.template_name {
        props["TemplateName"] = json!(n);
    }
    props
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    for f in &service.functions {
        let events: Vec<_> = common::events_of(f, settings_of).collect();
        if let Some((second, _)) = events.get(1) {
            return Err(err(
                path(f, *second, FAMILY, ""),
                format!(
                    "Found more than one iotFleetProvision event for function {}; keep one",
                    f.key
                ),
            ));
        }
        for (_, parsed) in events {
            let props = template_properties(f, common::parsed(parsed)?);
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
