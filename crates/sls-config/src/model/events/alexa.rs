//! `alexaSkill` and `alexaSmartHome` settings: the skill's application id.

use serde_json::Value;

use super::check::{self, err, Result};

/// An `alexaSkill` or `alexaSmartHome` event: `- alexaSkill: <appId>` or `{appId, enabled}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Alexa {
    pub app_id: String,
    pub enabled: bool,
}

fn valid_token(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

pub(super) fn parse(
    family: &str,
    function: &str,
    index: usize,
    settings: Option<&Value>,
) -> Result<Alexa> {
    let at = |p: &str| check::path(function, index, family, p);
    let (app_id, app_at, enabled) = match settings {
        Some(Value::String(s)) => (s.clone(), at(""), true),
        Some(Value::Object(o)) => {
            check::unknown_key(o, &["appId", "enabled"], at)?;
            let app = match o.get("appId") {
                Some(Value::String(s)) => s.clone(),
                _ => return Err(err(at("appId"), "is required: the skill's application id (`amzn1.ask.skill.…`)")),
            };
            (app, at("appId"), check::bool_at(o, "enabled", at)? != Some(false))
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
    Ok(Alexa { app_id, enabled })
}
