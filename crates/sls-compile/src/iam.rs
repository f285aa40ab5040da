//! Log groups and the shared execution role `IamRoleLambdaExecution` (v3 `mergeIamTemplates`).

use serde_json::{json, Value};

use super::{functions::truthy, tag_list};
use crate::naming;
use sls_config::model::{is_existing_role, Service};

/// v3 `mergeIamTemplates`: log groups, then the execution role unless a role is given.
pub(super) fn merge_iam(service: &Service, config: &Value, t: &mut Value) {
    let p = &service.provider;
    let logs_disabled = |key: &str| truthy(&config["functions"][key]["disableLogs"]);
    for f in &service.functions {
        if logs_disabled(&f.key) {
            continue;
        }
        let mut props = json!({"LogGroupName": naming::log_group_name(&f.name)});
        let retention = f
            .log_retention_in_days
            .as_ref()
            .or(p.log_retention_in_days.as_ref())
            .filter(|v| truthy(v));
        if let Some(r) = retention {
            props["RetentionInDays"] = r.clone();
        }
        let protection = [
            &config["functions"][&f.key]["logDataProtectionPolicy"],
            &config["provider"]["logDataProtectionPolicy"],
        ]
        .into_iter()
        .find(|v| truthy(v));
        if let Some(d) = protection {
            props["DataProtectionPolicy"] = d.clone();
        }
        t["Resources"][naming::log_group_logical_id(&f.key)] =
            json!({"Type": "AWS::Logs::LogGroup", "Properties": props});
    }
    if p.iam_role.as_ref().is_some_and(is_existing_role) || p.role.is_some() {
        return;
    }
    if service.functions.iter().all(|f| f.role.is_some()) {
        return;
    }
    let role_obj = p.iam_role_object();
    let mut props = json!({
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Service": ["lambda.amazonaws.com"]},
                "Action": ["sts:AssumeRole"]
            }]
        },
        "Policies": [{
            "PolicyName": naming::policy_name(&service.name, &service.stage),
            "PolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"], "Resource": []},
                    {"Effect": "Allow", "Action": ["logs:PutLogEvents"], "Resource": []}
                ]
            }
        }],
        "Path": role_obj.and_then(|r| r.get("path")).cloned().unwrap_or(json!("/")),
        "RoleName": role_obj
            .and_then(|r| r.get("name"))
            .cloned()
            .unwrap_or_else(|| naming::role_name(&service.name, &service.stage)),
    });
    if let Some(Value::Object(tags)) = role_obj.and_then(|r| r.get("tags")) {
        props["Tags"] = tag_list(tags);
    }
    if let Some(b) = role_obj
        .and_then(|r| {
            r.get("permissionsBoundary")
                .or_else(|| r.get("permissionBoundary"))
        })
        .or_else(|| config["provider"].get("rolePermissionsBoundary"))
    {
        props["PermissionsBoundary"] = b.clone();
    }
    let canonical_prefix = format!("{}-{}", service.name, service.stage);
    let log_prefix = naming::log_group_name(&canonical_prefix);
    let sub = |suffix: String| json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{suffix}")});
    let mut res0 = Vec::new();
    let mut res1 = Vec::new();
    let mut canonical = false;
    let mut deny = Vec::new();
    for f in &service.functions {
        let disabled = logs_disabled(&f.key);
        if f.name.starts_with(&canonical_prefix) {
            if disabled {
                deny.push(sub(format!("{}:*", naming::log_group_name(&f.name))));
            } else {
                canonical = true;
            }
            continue;
        }
        if disabled {
            continue;
        }
        let lg = naming::log_group_name(&f.name);
        res0.push(sub(format!("{lg}:*")));
        res1.push(sub(format!("{lg}:*:*")));
    }
    if canonical {
        res0.push(sub(format!("{log_prefix}*:*")));
        res1.push(sub(format!("{log_prefix}*:*:*")));
    }
    let statements = &mut props["Policies"][0]["PolicyDocument"]["Statement"];
    statements[0]["Resource"] = Value::Array(res0);
    statements[1]["Resource"] = Value::Array(res1);
    // v3: canonically named functions without logs are denied writing them.
    if canonical && !deny.is_empty() {
        if let Some(list) = statements.as_array_mut() {
            list.push(json!({"Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": deny}));
        }
    }
    let extra = match role_obj.and_then(|r| r.get("statements")) {
        Some(Value::Array(s)) => Some(s.clone()),
        _ => p.iam_role_statements.clone(),
    };
    if let (Some(extra), Some(list)) = (extra, statements.as_array_mut()) {
        list.extend(extra);
    }
    let managed = match role_obj.and_then(|r| r.get("managedPolicies")) {
        Some(Value::Array(m)) => Some(m.clone()),
        _ => p.iam_managed_policies.clone(),
    };
    let mut managed = managed.unwrap_or_default();
    // v3: any function with a `vpc` key, or a provider `vpc`, adds the ENI management policy.
    let fn_has_vpc = config["functions"]
        .as_object()
        .is_some_and(|fns| fns.values().any(|f| f.get("vpc").is_some()));
    if fn_has_vpc || truthy(&config["provider"]["vpc"]) {
        managed.push(json!({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"]]}));
    }
    if !managed.is_empty() {
        props["ManagedPolicyArns"] = Value::Array(managed);
    }
    t["Resources"][naming::ROLE_LOGICAL_ID] =
        json!({"Type": "AWS::IAM::Role", "Properties": props});
}
