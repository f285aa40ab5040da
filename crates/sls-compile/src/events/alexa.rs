//! `alexaSkill` and `alexaSmartHome` events (v3 `compile/events/alexa-skill.js`,
//! `alexa-smart-home.js`): one `AWS::Lambda::Permission` per event for the Alexa principal,
//! with the skill id as `EventSourceToken`.

use serde_json::{json, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

pub(super) const SKILL: &str = "alexaSkill";
pub(super) const SMART_HOME: &str = "alexaSmartHome";

fn valid_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

/// (app id, enabled).
pub(super) fn parse(
    family: &str,
    f: &Function,
    index: usize,
    settings: Option<&Value>,
) -> Result<(String, bool)> {
    let at = |p: &str| path(f, index, family, p);
    let (app_id, app_at, enabled) = match settings {
        Some(Value::String(s)) => (s.clone(), at(""), true),
        Some(Value::Object(o)) => {
            if let Some(k) = o.keys().find(|k| *k != "appId" && *k != "enabled") {
                return Err(err(at(k), "unknown property; remove it"));
            }
            let app = match o.get("appId") {
                Some(Value::String(s)) => s.clone(),
                _ => return Err(err(at("appId"), "is required: the skill's application id (`amzn1.ask.skill.…`)")),
            };
            (app, at("appId"), common::bool_at(o, "enabled", at)? != Some(false))
        }
        // `- alexaSkill` without an id: v3 creates nothing for it (and warns); refuse instead.
        _ => {
            return Err(err(
                at(""),
                "needs the skill's application id (`- alexaSkill: amzn1.ask.skill.…` or `appId`); without it v3 creates no permission",
            ))
        }
    };
    if !valid_token(&app_id) {
        return Err(err(
            app_at,
            format!("\"{app_id}\" is not an application id (letters, digits, `.`, `_` and `-`)"),
        ));
    }
    Ok((app_id, enabled))
}

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
        EventKind::AlexaSkill(Some(s)) if family == SKILL => Some(s),
        EventKind::AlexaSmartHome(Some(s)) if family == SMART_HOME => Some(s),
        _ => None,
    };
    for e in common::numbered_events(service, settings_of) {
        let f = e.function;
        let (app_id, enabled) = parse(family, f, e.index, Some(e.settings))?;
        let id = if family == SKILL {
            naming::lambda_alexa_skill_permission_logical_id(&f.key, e.number)
        } else {
            naming::lambda_alexa_smart_home_permission_logical_id(&f.key, e.number)
        };
        let action = if enabled {
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
                        "EventSourceToken": common::drop_escaped_breaks(&app_id)
                    }
                }),
            ),
        );
    }
    Ok(())
}
