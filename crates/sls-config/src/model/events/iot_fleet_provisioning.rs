//! `iotFleetProvisioning` settings: the provisioning template and its role.

use serde_json::Value;

use super::check::{self, err, Result};

const FAMILY: &str = "iotFleetProvisioning";

/// An `iotFleetProvisioning` event.
#[derive(Debug, Clone, PartialEq)]
pub struct IotFleetProvisioning {
    /// The provisioning role's ARN or an intrinsic.
    pub provisioning_role_arn: Value,
    /// `templateBody` as JSON text.
    pub template_body: String,
    pub template_name: Option<String>,
    pub enabled: bool,
}

pub(super) fn parse(
    function: &str,
    index: usize,
    settings: Option<&Value>,
) -> Result<IotFleetProvisioning> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(
            at(""),
            "must be an object with `templateBody` and `provisioningRoleArn`",
        ));
    };
    check::unknown_key(
        o,
        &[
            "enabled",
            "provisioningRoleArn",
            "templateBody",
            "templateName",
        ],
        at,
    )?;
    let role = match o.get("provisioningRoleArn") {
        Some(r) if check::is_arn(r) => r.clone(),
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
    let enabled = match o.get("enabled") {
        None => true,
        Some(Value::Bool(b)) => *b,
        Some(v) => {
            return Err(err(
                at("enabled"),
                format!("must be true or false, got {v}"),
            ))
        }
    };
    let template_name = match o.get("templateName") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) if n.is_empty() => None,
        Some(Value::String(n)) => Some(n.clone()),
        Some(v) => {
            return Err(err(
                at("templateName"),
                format!("must be a string, got {v}"),
            ))
        }
    };
    Ok(IotFleetProvisioning {
        provisioning_role_arn: role,
        template_body: body,
        template_name,
        enabled,
    })
}
