//! `provider.apiGateway.apiKeys` and `usagePlan`: API keys, usage plans and usage-plan keys
//! (v3 `compileApiKeys`, `compileUsagePlan`, `compileUsagePlanKeys`).

use serde_json::{json, Map, Value};

use super::{Output, Settings};
use crate::error::Result;
use crate::naming;
use sls_config::model::{ApiKey, ApiKeyEntry, UsagePlan};

fn key_resource(s: &Settings<'_>, key: &ApiKey, deployment_id: &str) -> Value {
    let mut props = Map::new();
    props.insert("Enabled".into(), key.enabled.clone());
    props.insert("Name".into(), key.name.clone());
    for (k, v) in [
        ("Value", &key.value),
        ("Description", &key.description),
        ("CustomerId", &key.customer_id),
    ] {
        if let Some(v) = v {
            props.insert(k.into(), v.clone());
        }
    }
    props.insert(
        "StageKeys".into(),
        json!([{"RestApiId": s.rest_api_id(), "StageName": s.stage()}]),
    );
    json!({"Type": "AWS::ApiGateway::ApiKey", "Properties": props, "DependsOn": deployment_id})
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
    let parsed = s.api_gateway.api_keys.as_ref().map_err(|e| e.clone())?;
    let keys = parsed.keys.as_deref();
    // API keys, numbered from 1 (again from 1 in each plan's list).
    let mut number = 0;
    for entry in keys.into_iter().flatten() {
        match entry {
            ApiKeyEntry::Plan { plan, keys } => {
                number = 0;
                for key in keys {
                    number += 1;
                    let r = key_resource(s, key, deployment_id);
                    out.add(&naming::api_key_logical_id(number, Some(plan)), r);
                }
            }
            ApiKeyEntry::Key(key) => {
                number += 1;
                let r = key_resource(s, key, deployment_id);
                out.add(&naming::api_key_logical_id(number, None), r);
            }
        }
    }

    // Usage plans
    if parsed.usage_plan.is_some() || keys.is_some() {
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
        match &parsed.usage_plan {
            Some(UsagePlan::Named(plans)) => {
                for plan in plans {
                    let mut r = base(&plan.name);
                    if let Some(props) = r["Properties"].as_object_mut() {
                        quota_throttle(props, plan.quota.as_ref(), plan.throttle.as_ref());
                    }
                    out.add(&naming::usage_plan_logical_id(Some(&plan.name)), r);
                }
            }
            single => {
                let mut r = base("default");
                r["Properties"]["UsagePlanName"] = json!(format!("{service}-{stage}"));
                r["Properties"]["Description"] =
                    json!(format!("Usage plan for {service} {stage} stage"));
                let (quota, throttle) = match single {
                    Some(UsagePlan::Single { quota, throttle }) => {
                        (quota.as_ref(), throttle.as_ref())
                    }
                    _ => (None, None),
                };
                if let Some(props) = r["Properties"].as_object_mut() {
                    quota_throttle(props, quota, throttle);
                }
                out.add(&naming::usage_plan_logical_id(None), r);
            }
        }
    }

    // Usage-plan keys
    let mut number = 0;
    for entry in keys.into_iter().flatten() {
        match entry {
            ApiKeyEntry::Plan { plan, keys } => {
                number = 0;
                for _ in keys {
                    number += 1;
                    out.add(
                        &naming::usage_plan_key_logical_id(number, Some(plan)),
                        plan_key(
                            &naming::api_key_logical_id(number, Some(plan)),
                            &naming::usage_plan_logical_id(Some(plan)),
                        ),
                    );
                }
            }
            ApiKeyEntry::Key(_) => {
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
