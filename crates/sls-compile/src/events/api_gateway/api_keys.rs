//! `provider.apiGateway.apiKeys` and `usagePlan`: API keys, usage plans and usage-plan keys
//! (v3 `compileApiKeys`, `compileUsagePlan`, `compileUsagePlanKeys`).

use serde_json::{json, Map, Value};

use super::{Output, Settings};
use crate::error::{DeployError, Result};
use crate::naming;

const AT_KEYS: &str = "provider.apiGateway.apiKeys";
const AT_PLAN: &str = "provider.apiGateway.usagePlan";

fn key_resource(s: &Settings<'_>, key: &Value, deployment_id: &str, at: &str) -> Result<Value> {
    let (name, value, description, customer_id, enabled) = match key {
        Value::String(n) => (json!(n), None, None, None, json!(true)),
        Value::Object(o) => {
            for k in o.keys() {
                if !["name", "value", "description", "customerId", "enabled"].contains(&k.as_str()) {
                    return Err(DeployError::config(
                        format!("{at}.{k}"),
                        "unknown API key property; use name, value, description, customerId, enabled",
                    ));
                }
            }
            (
                o.get("name").cloned().unwrap_or(Value::Null),
                o.get("value").filter(|v| super::truthy(v)).cloned(),
                o.get("description").cloned(),
                o.get("customerId").cloned(),
                o.get("enabled").filter(|v| !v.is_null()).cloned().unwrap_or(json!(true)),
            )
        }
        _ => {
            return Err(DeployError::config(
                at,
                "an API key is a name or an object with name (and value, description, customerId, enabled)",
            ))
        }
    };
    let mut props = Map::new();
    props.insert("Enabled".into(), enabled);
    props.insert("Name".into(), name);
    for (k, v) in [
        ("Value", value),
        ("Description", description),
        ("CustomerId", customer_id),
    ] {
        if let Some(v) = v.filter(|v| !v.is_null()) {
            props.insert(k.into(), v);
        }
    }
    props.insert(
        "StageKeys".into(),
        json!([{"RestApiId": s.rest_api_id(), "StageName": s.stage()}]),
    );
    Ok(json!({"Type": "AWS::ApiGateway::ApiKey", "Properties": props, "DependsOn": deployment_id}))
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

fn quota_throttle(props: &mut Map<String, Value>, quota: Option<&Value>, throttle: Option<&Value>) {
    if let Some(q) = quota.and_then(Value::as_object).filter(|q| !q.is_empty()) {
        let mut out = Map::new();
        for (from, to) in [
            ("limit", "Limit"),
            ("offset", "Offset"),
            ("period", "Period"),
        ] {
            if let Some(v) = q.get(from).filter(|v| !v.is_null()) {
                out.insert(to.into(), v.clone());
            }
        }
        props.insert("Quota".into(), Value::Object(out));
    }
    if let Some(t) = throttle
        .and_then(Value::as_object)
        .filter(|t| !t.is_empty())
    {
        let mut out = Map::new();
        for (from, to) in [("burstLimit", "BurstLimit"), ("rateLimit", "RateLimit")] {
            if let Some(v) = t.get(from).filter(|v| !v.is_null()) {
                out.insert(to.into(), v.clone());
            }
        }
        props.insert("Throttle".into(), Value::Object(out));
    }
}

pub(crate) fn compile(s: &Settings<'_>, deployment_id: &str, out: &mut Output) -> Result<()> {
    let api_keys = s.api_gateway.api_keys.as_ref().map_err(|e| e.clone())?;
    let usage_plan = s
        .api_gateway
        .usage_plan
        .as_ref()
        .map_err(|e| e.clone())?
        .as_ref();
    let names = plan_names(usage_plan);

    // API keys
    if let Some(keys) = api_keys {
        let mut number = 0;
        for (i, def) in keys.iter().enumerate() {
            let at = format!("{AT_KEYS}[{i}]");
            let plan_key = def
                .as_object()
                .filter(|o| o.len() == 1)
                .and_then(|o| o.iter().next())
                .filter(|(k, _)| names.contains(k));
            match plan_key {
                Some((name, list)) => {
                    let Some(list) = list.as_array() else {
                        return Err(DeployError::config(
                            format!("{at}.{name}"),
                            "must be a list of API keys",
                        ));
                    };
                    number = 0;
                    for (j, key) in list.iter().enumerate() {
                        number += 1;
                        let r = key_resource(s, key, deployment_id, &format!("{at}.{name}[{j}]"))?;
                        out.add(&naming::api_key_logical_id(number, Some(name)), r);
                    }
                }
                None => {
                    number += 1;
                    if def.is_object() && !def.get("name").is_some_and(Value::is_string) {
                        let name = def
                            .as_object()
                            .and_then(|o| o.keys().next())
                            .cloned()
                            .unwrap_or_default();
                        return Err(DeployError::config(
                            &at,
                            format!("API key \"{name}\" has no usage plan defined"),
                        ));
                    }
                    let r = key_resource(s, def, deployment_id, &at)?;
                    out.add(&naming::api_key_logical_id(number, None), r);
                }
            }
        }
    }

    // Usage plans
    let mut plans: Vec<Option<String>> = Vec::new();
    if usage_plan.is_some() || api_keys.is_some() {
        let service = &s.service.name;
        let stage = s.stage();
        let base = |name: &str| {
            json!({
                "Type": "AWS::ApiGateway::UsagePlan",
                "DependsOn": deployment_id,
                "Properties": {
                    "ApiStages": [{"ApiId": s.rest_api_id(), "Stage": stage}],
                    "Description": format!("Usage plan \"{name}\" for {service} {stage} stage"),
                    "UsagePlanName": format!("{service}-{name}-{stage}"),
                }
            })
        };
        match usage_plan {
            Some(Value::Array(list)) => {
                for (i, plan) in list.iter().enumerate() {
                    let Some((name, config)) = plan.as_object().and_then(|o| o.iter().next())
                    else {
                        return Err(DeployError::config(
                            format!("{AT_PLAN}[{i}]"),
                            "each usage plan is `<name>: {quota, throttle}`",
                        ));
                    };
                    let mut r = base(name);
                    // v3 takes the last plan of that name's quota and throttle.
                    let pick = |k: &str| {
                        list.iter()
                            .filter_map(|p| p.get(name).and_then(|c| c.get(k)))
                            .rfind(|v| super::truthy(v))
                            .cloned()
                    };
                    let _ = config;
                    if let Some(props) = r["Properties"].as_object_mut() {
                        quota_throttle(props, pick("quota").as_ref(), pick("throttle").as_ref());
                    }
                    out.add(&naming::usage_plan_logical_id(Some(name)), r);
                    plans.push(Some(name.clone()));
                }
            }
            other => {
                let mut r = base("default");
                r["Properties"]["UsagePlanName"] = json!(format!("{service}-{stage}"));
                r["Properties"]["Description"] =
                    json!(format!("Usage plan for {service} {stage} stage"));
                if let Some(props) = r["Properties"].as_object_mut() {
                    quota_throttle(
                        props,
                        other.and_then(|p| p.get("quota")),
                        other.and_then(|p| p.get("throttle")),
                    );
                }
                out.add(&naming::usage_plan_logical_id(None), r);
                plans.push(None);
            }
        }
    }

    // Usage-plan keys
    if let Some(keys) = api_keys {
        let mut number = 0;
        for def in keys {
            let named = def
                .as_object()
                .filter(|o| o.len() == 1)
                .and_then(|o| o.iter().next())
                .filter(|(k, _)| names.contains(k));
            match named {
                Some((name, list)) => {
                    number = 0;
                    for _ in list.as_array().into_iter().flatten() {
                        number += 1;
                        out.add(
                            &naming::usage_plan_key_logical_id(number, Some(name)),
                            plan_key(
                                &naming::api_key_logical_id(number, Some(name)),
                                &naming::usage_plan_logical_id(Some(name)),
                            ),
                        );
                    }
                }
                None => {
                    number += 1;
                    out.add(
                        &naming::usage_plan_key_logical_id(number, None),
                        plan_key(
                            &naming::api_key_logical_id(number, None),
                            &naming::usage_plan_logical_id(None),
                        ),
                    );
                }
            }
        }
    }
    let _ = plans;
    Ok(())
}

fn plan_key(key_id: &str, plan_id: &str) -> Value {
    json!({
        "Type": "AWS::ApiGateway::UsagePlanKey",
        "Properties": {
            "KeyId": {"Ref": key_id},
            "KeyType": "API_KEY",
            "UsagePlanId": {"Ref": plan_id},
        }
    })
}
