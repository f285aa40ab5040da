//! `provider.apiGateway.apiKeys` and `usagePlan` (v3 `compileApiKeys`, `compileUsagePlan`).

use serde_json::{json, Map, Value};

use super::super::events::Parsed;
use super::super::ModelError;
use crate::is_truthy;

const AT_KEYS: &str = "provider.apiGateway.apiKeys";
const AT_PLAN: &str = "provider.apiGateway.usagePlan";
const KEY_KEYS: &[&str] = &["name", "value", "description", "customerId", "enabled"];

/// `apiKeys` and `usagePlan`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ApiKeys {
    /// `apiKeys`, when set.
    pub keys: Option<Vec<ApiKeyEntry>>,
    /// `usagePlan`, when set.
    pub usage_plan: Option<UsagePlan>,
}

/// One entry of `apiKeys`.
// A key is a few JSON values; the list is short, so boxing it would only add noise.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum ApiKeyEntry {
    Key(ApiKey),
    /// `<plan>: [keys]`, `<plan>` one of the list-form `usagePlan`'s names.
    Plan {
        plan: String,
        keys: Vec<ApiKey>,
    },
}

/// An API key: a name, or `{name, value, description, customerId, enabled}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiKey {
    /// As written (null when absent).
    pub name: Value,
    /// `value`, when set (JavaScript-truthy).
    pub value: Option<Value>,
    /// `description`, when not null.
    pub description: Option<Value>,
    /// `customerId`, when not null.
    pub customer_id: Option<Value>,
    /// `enabled`, `true` when absent or null.
    pub enabled: Value,
}

/// `usagePlan`: one plan (an object) or named plans (a list).
#[derive(Debug, Clone, PartialEq)]
pub enum UsagePlan {
    Single {
        quota: Option<Value>,
        throttle: Option<Value>,
    },
    Named(Vec<NamedPlan>),
}

/// One of a list-form `usagePlan`: `<name>: {quota, throttle}`.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedPlan {
    pub name: String,
    /// v3 takes the last set (JavaScript-truthy) `quota` of the plans of that name.
    pub quota: Option<Value>,
    /// Same for `throttle`.
    pub throttle: Option<Value>,
}

/// Reads both, reporting the first error in v3's order: the shapes, each key, the plans.
pub(super) fn parse(o: &Map<String, Value>) -> Parsed<ApiKeys> {
    let keys = match o.get("apiKeys") {
        None | Some(Value::Null) => None,
        Some(Value::Array(a)) => Some(a),
        Some(_) => return Err(ModelError::new(AT_KEYS, "must be a list")),
    };
    let plan = o.get("usagePlan").filter(|v| !v.is_null());
    if plan.is_some_and(|p| !p.is_array() && !p.is_object()) {
        return Err(ModelError::new(
            AT_PLAN,
            "must be an object or a list of named plans",
        ));
    }
    let names = plan_names(plan);
    let keys = match keys {
        Some(list) => Some(
            list.iter()
                .enumerate()
                .map(|(i, def)| entry(def, &names, &format!("{AT_KEYS}[{i}]")))
                .collect::<Parsed<Vec<_>>>()?,
        ),
        None => None,
    };
    let usage_plan = match plan {
        Some(Value::Array(list)) => Some(UsagePlan::Named(named_plans(list)?)),
        other => other.map(|p| UsagePlan::Single {
            quota: p.get("quota").cloned(),
            throttle: p.get("throttle").cloned(),
        }),
    };
    Ok(ApiKeys { keys, usage_plan })
}

/// The plan names of a list-form `usagePlan` (`- free: {...}`).
fn plan_names(plan: Option<&Value>) -> Vec<String> {
    match plan {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|p| p.as_object().and_then(|o| o.keys().next().cloned()))
            .collect(),
        _ => Vec::new(),
    }
}

fn entry(def: &Value, names: &[String], at: &str) -> Parsed<ApiKeyEntry> {
    let plan_key = def
        .as_object()
        .filter(|o| o.len() == 1)
        .and_then(|o| o.iter().next())
        .filter(|(k, _)| names.contains(k));
    if let Some((plan, list)) = plan_key {
        let Some(list) = list.as_array() else {
            return Err(ModelError::new(
                format!("{at}.{plan}"),
                "must be a list of API keys",
            ));
        };
        let keys = list
            .iter()
            .enumerate()
            .map(|(j, key)| api_key(key, &format!("{at}.{plan}[{j}]")))
            .collect::<Parsed<Vec<_>>>()?;
        return Ok(ApiKeyEntry::Plan {
            plan: plan.clone(),
            keys,
        });
    }
    if def.is_object() && !def.get("name").is_some_and(Value::is_string) {
        let name = def
            .as_object()
            .and_then(|o| o.keys().next())
            .cloned()
            .unwrap_or_default();
        return Err(ModelError::new(
            at,
            format!("API key \"{name}\" has no usage plan defined"),
        ));
    }
    api_key(def, at).map(ApiKeyEntry::Key)
}

fn api_key(key: &Value, at: &str) -> Parsed<ApiKey> {
    match key {
        Value::String(n) => Ok(ApiKey {
            name: json!(n),
            value: None,
            description: None,
            customer_id: None,
            enabled: json!(true),
        }),
        Value::Object(o) => {
            if let Some(k) = o.keys().find(|k| !KEY_KEYS.contains(&k.as_str())) {
                return Err(ModelError::new(
                    format!("{at}.{k}"),
                    "unknown API key property; use name, value, description, customerId, enabled",
                ));
            }
            let not_null = |k: &str| o.get(k).filter(|v| !v.is_null()).cloned();
            Ok(ApiKey {
                name: o.get("name").cloned().unwrap_or(Value::Null),
                value: o.get("value").filter(|v| is_truthy(v)).cloned(),
                description: not_null("description"),
                customer_id: not_null("customerId"),
                enabled: not_null("enabled").unwrap_or(json!(true)),
            })
        }
        _ => Err(ModelError::new(
            at,
            "an API key is a name or an object with name (and value, description, customerId, enabled)",
        )),
    }
}

fn named_plans(list: &[Value]) -> Parsed<Vec<NamedPlan>> {
    let mut plans = Vec::new();
    for (i, plan) in list.iter().enumerate() {
        let Some(name) = plan.as_object().and_then(|o| o.keys().next()) else {
            return Err(ModelError::new(
                format!("{AT_PLAN}[{i}]"),
                "each usage plan is `<name>: {quota, throttle}`",
            ));
        };
        let pick = |k: &str| {
            list.iter()
                .filter_map(|p| p.get(name).and_then(|c| c.get(k)))
                .rfind(|v| is_truthy(v))
                .cloned()
        };
        plans.push(NamedPlan {
            name: name.clone(),
            quota: pick("quota"),
            throttle: pick("throttle"),
        });
    }
    Ok(plans)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(v: Value) -> Parsed<ApiKeys> {
        parse(v.as_object().expect("object"))
    }

    #[test]
    fn keys_and_plans_are_typed() {
        let parsed = read(json!({
            "apiKeys": ["k1", {"free": [{"name": "k2", "value": ""}]}],
            "usagePlan": [{"free": {"quota": {"limit": 5}}}, {"free": {"throttle": {"rateLimit": 1}}}]
        }))
        .expect("valid");
        let keys = parsed.keys.expect("keys");
        assert!(matches!(&keys[0], ApiKeyEntry::Key(k) if k.name == json!("k1")));
        let ApiKeyEntry::Plan { plan, keys } = &keys[1] else {
            panic!("{keys:?}")
        };
        assert_eq!((plan.as_str(), keys[0].value.clone()), ("free", None));
        let Some(UsagePlan::Named(plans)) = parsed.usage_plan else {
            panic!("named plans")
        };
        // Every plan of a name takes the last set quota and throttle of that name.
        assert_eq!(plans[0].quota, Some(json!({"limit": 5})));
        assert_eq!(plans[0].throttle, Some(json!({"rateLimit": 1})));
    }

    /// A bad key is reported before a bad plan, as v3 compiles the keys first.
    #[test]
    fn errors_keep_v3s_order() {
        let e = read(json!({"apiKeys": [{"name": "k", "color": 1}], "usagePlan": [5]}))
            .expect_err("an error");
        assert_eq!(e.path, "provider.apiGateway.apiKeys[0].color");
        let e = read(json!({"usagePlan": [5]})).expect_err("an error");
        assert_eq!(e.path, "provider.apiGateway.usagePlan[0]");
        let e = read(json!({"apiKeys": [{"free": ["k"]}]})).expect_err("an error");
        assert_eq!(e.message, "API key \"free\" has no usage plan defined");
    }
}
