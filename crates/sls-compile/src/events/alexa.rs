//! `alexaSkill` and `alexaSmartHome` events (v3 `compile/events/alexa-skill.js`,
//! `alexa-smart-home.js`): one `AWS::Lambda::Permission` per event for the Alexa principal,
//! with the skill id as `EventSourceToken`.

use serde_json::{json, Value};

use super::common;
use crate::error::Result;
use crate::naming;
use sls_config::model::events::Alexa;
use sls_config::model::{EventKind, Service};

pub(super) const SKILL: &str = "alexaSkill";
pub(super) const SMART_HOME: &str = "alexaSmartHome";

pub(super) fn compile_all<'a>(
    family: &'a str,
    service: &'a Service,
    template: &mut Value,
) -> Result<()> {
    let principal = if family == SKILL {
        "alexa-appkit.amazon.com"
    } else {
        "alexa-connectedhome.amazon.com"
    };
    let settings_of = move |kind: &'a EventKind| match kind {
        EventKind::AlexaSkill(s) if family == SKILL => Some(s),
        EventKind::AlexaSmartHome(s) if family == SMART_HOME => Some(s),
        _ => None,
    };
    for e in common::numbered_events(service, settings_of) {
        let f = e.function;
        let Alexa { app_id, enabled } = common::parsed(e.settings)?;
        let id = if family == SKILL {
            naming::lambda_alexa_skill_permission_logical_id(&f.key, e.number)
        } else {
            naming::lambda_alexa_smart_home_permission_logical_id(&f.key, e.number)
        };
        let action = if *enabled {
            "lambda:InvokeFunction"
        } else {
            "lambda:DisableInvokeFunction"
        };
        common::merge_resource(
            template,
            &id,
            common::alias_dep(
                f,
                json!({
                    "Type": "AWS::Lambda::Permission",
                    "Properties": {
                        "FunctionName": common::lambda_target(f),
                        "Action": action,
                        "Principal": principal,
                        "EventSourceToken": common::drop_escaped_breaks(app_id)
                    }
                }),
            ),
        );
    }
    Ok(())
}
