//! Log groups and the shared execution role `IamRoleLambdaExecution` (v3 `mergeIamTemplates`).

use serde_json::{json, Value};

use super::{functions::truthy, tag_list};
use crate::naming;
use sls_config::model::{is_existing_role, Service, VpcSetting};

/// v3 `mergeIamTemplates`: log groups, then the execution role unless a role is given.
pub(super) fn merge_iam(service: &Service, t: &mut Value) {
    let p = &service.provider;
    for f in &service.functions {
        if f.settings.disable_logs {
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
        let protection = f.settings.log_data_protection_policy.as_ref();
        if let Some(d) = protection.or(p.function_defaults.log_data_protection_policy.as_ref()) {
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
    let role = &p.execution_role;
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
        "Path": role.path.clone().unwrap_or(json!("/")),
        "RoleName": role
            .name
            .clone()
            .unwrap_or_else(|| naming::role_name(&service.name, &service.stage)),
    });
    if let Some(tags) = &role.tags {
        props["Tags"] = tag_list(tags);
    }
    if let Some(b) = &role.permissions_boundary {
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
        let disabled = f.settings.disable_logs;
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
    if let (Some(extra), Some(list)) = (&role.statements, statements.as_array_mut()) {
        list.extend(extra.iter().cloned());
    }
    let mut managed = role.managed_policies.clone().unwrap_or_default();
    // v3: any function with a `vpc` key, or a provider `vpc`, adds the ENI management policy.
    let fn_has_vpc = service
        .functions
        .iter()
        .any(|f| f.settings.vpc != VpcSetting::Unset);
    if fn_has_vpc || p.function_defaults.vpc.is_some() {
        managed.push(json!({"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole"]]}));
    }
    if !managed.is_empty() {
        props["ManagedPolicyArns"] = Value::Array(managed);
    }
    t["Resources"][naming::ROLE_LOGICAL_ID] =
        json!({"Type": "AWS::IAM::Role", "Properties": props});
}
