//! CloudFormation templates with v3's exact shapes: the core template (deployment bucket and its
//! policy), then log groups, the execution role, functions, versions and their outputs, then the
//! user's `resources` merged in (lodash `_.merge` semantics), in v3's order of steps
//! (`lib/plugins/aws/package/**`).

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use crate::error::{DeployError, Result};
use crate::naming;
use crate::service::{Function, Service, DEFAULT_RUNTIME};
use crate::zipper::sha256_b64;

/// What a compiled function needs from packaging.
#[derive(Debug, Clone)]
pub struct FunctionArtifact {
    /// File name of the zip in the artifact directory (the S3 key's last part).
    pub file_name: String,
    /// base64(SHA-256) of the zip.
    pub sha256: String,
}

/// The core template: what `cloudformation-template-create-stack.json` holds.
pub fn core_template(service: &Service) -> Value {
    let p = &service.provider;
    let mut bucket_props = json!({
        "BucketEncryption": {
            "ServerSideEncryptionConfiguration": [
                {"ServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}
            ]
        }
    });
    if let Some(tags) = p.bucket_tags.as_ref().filter(|t| !t.is_empty()) {
        bucket_props["Tags"] = tag_list(tags);
    }
    if p.bucket_block_public_access {
        bucket_props["PublicAccessBlockConfiguration"] = json!({
            "BlockPublicAcls": true,
            "BlockPublicPolicy": true,
            "IgnorePublicAcls": true,
            "RestrictPublicBuckets": true
        });
    }
    if p.bucket_versioning {
        bucket_props["VersioningConfiguration"] = json!({"Status": "Enabled"});
    }
    let mut resources = Map::new();
    resources.insert(
        naming::BUCKET_LOGICAL_ID.into(),
        json!({"Type": "AWS::S3::Bucket", "Properties": bucket_props}),
    );
    if !p.bucket_skip_policy_setup {
        resources.insert(
            naming::BUCKET_POLICY_LOGICAL_ID.into(),
            json!({
                "Type": "AWS::S3::BucketPolicy",
                "Properties": {
                    "Bucket": {"Ref": "ServerlessDeploymentBucket"},
                    "PolicyDocument": {
                        "Statement": [{
                            "Action": "s3:*",
                            "Effect": "Deny",
                            "Principal": "*",
                            "Resource": [
                                {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "ServerlessDeploymentBucket"}, "/*"]]},
                                {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", {"Ref": "ServerlessDeploymentBucket"}]]}
                            ],
                            "Condition": {"Bool": {"aws:SecureTransport": false}}
                        }]
                    }
                }
            }),
        );
    }
    let mut t = json!({
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "The AWS CloudFormation template for this Serverless application",
        "Resources": resources,
        "Outputs": {"ServerlessDeploymentBucketName": {"Value": {"Ref": "ServerlessDeploymentBucket"}}}
    });
    if let Some(bucket) = &p.deployment_bucket {
        // v3 `generateCoreTemplate`: a named bucket replaces the generated one.
        if let Some(r) = t["Resources"].as_object_mut() {
            r.remove(naming::BUCKET_LOGICAL_ID);
            r.remove(naming::BUCKET_POLICY_LOGICAL_ID);
        }
        t["Outputs"]["ServerlessDeploymentBucketName"]["Value"] = json!(bucket);
    }
    t
}

/// The full template (`cloudformation-template-update-stack.json`). `artifacts[i]` belongs to
/// `service.functions[i]`.
pub fn update_template(
    service: &Service,
    artifact_directory_name: &str,
    artifacts: &[FunctionArtifact],
) -> Result<Value> {
    let mut t = core_template(service);
    if !service.functions.is_empty() {
        merge_iam(service, &mut t);
    }
    let mut versions = Vec::new();
    for (f, a) in service.functions.iter().zip(artifacts) {
        let (fn_id, fn_res) = compile_function(service, f, artifact_directory_name, a);
        let should_version = f
            .version_function
            .unwrap_or(service.provider.version_functions);
        if should_version {
            versions.push(version_resource(f, &fn_id, &fn_res, a));
        }
        t["Resources"][fn_id] = fn_res;
    }
    for (id, res, out_id, out) in versions {
        t["Resources"][id] = res;
        t["Outputs"][out_id] = out;
    }
    // v3 order: exports are added before the user's resources are merged, so user outputs keep
    // exactly what they declare.
    if let Some(outputs) = t["Outputs"].as_object_mut() {
        for (key, o) in outputs.iter_mut() {
            if o.get("Export").is_none() {
                o["Export"] =
                    json!({"Name": naming::export_name(&service.name, &service.stage, key)});
            }
        }
    }
    if let Some(res) = &service.resources {
        if res.contains_key("extensions") {
            return Err(DeployError::config(
                "resources.extensions",
                "resource extensions are not supported yet; merge the properties into `resources.Resources` instead",
            ));
        }
        let mut user = res.clone();
        user.entry("Resources").or_insert_with(|| json!({}));
        user.entry("Outputs").or_insert_with(|| json!({}));
        merge(&mut t, &Value::Object(user));
    }
    strip_null_props(&mut t);
    Ok(t)
}

fn tag_list(tags: &Map<String, Value>) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

/// v3 `mergeIamTemplates`: log groups, then the execution role unless a role is given.
fn merge_iam(service: &Service, t: &mut Value) {
    let p = &service.provider;
    for f in &service.functions {
        let mut props = json!({"LogGroupName": naming::log_group_name(&f.name)});
        let retention = f
            .log_retention_in_days
            .as_ref()
            .or(p.log_retention_in_days.as_ref())
            .filter(|v| truthy(v));
        if let Some(r) = retention {
            props["RetentionInDays"] = r.clone();
        }
        t["Resources"][naming::log_group_logical_id(&f.key)] =
            json!({"Type": "AWS::Logs::LogGroup", "Properties": props});
    }
    if p.iam_role
        .as_ref()
        .is_some_and(crate::service::is_existing_role)
        || p.role.is_some()
    {
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
    if let Some(b) = role_obj.and_then(|r| {
        r.get("permissionsBoundary")
            .or_else(|| r.get("permissionBoundary"))
    }) {
        props["PermissionsBoundary"] = b.clone();
    }
    let canonical_prefix = format!("{}-{}", service.name, service.stage);
    let log_prefix = naming::log_group_name(&canonical_prefix);
    let sub = |suffix: String| json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:{suffix}")});
    let mut res0 = Vec::new();
    let mut res1 = Vec::new();
    let mut canonical = false;
    for f in &service.functions {
        if f.name.starts_with(&canonical_prefix) {
            canonical = true;
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
    if let Some(m) = managed.filter(|m| !m.is_empty()) {
        props["ManagedPolicyArns"] = Value::Array(m);
    }
    t["Resources"][naming::ROLE_LOGICAL_ID] =
        json!({"Type": "AWS::IAM::Role", "Properties": props});
}

fn compile_function(
    service: &Service,
    f: &Function,
    artifact_directory_name: &str,
    artifact: &FunctionArtifact,
) -> (String, Value) {
    let p = &service.provider;
    let bucket = match &p.deployment_bucket {
        Some(b) => json!(b),
        None => json!({"Ref": "ServerlessDeploymentBucket"}),
    };
    let mut props = Map::new();
    props.insert(
        "Code".into(),
        json!({"S3Bucket": bucket, "S3Key": format!("{artifact_directory_name}/{}", artifact.file_name)}),
    );
    props.insert("Handler".into(), json!(f.handler));
    props.insert(
        "Runtime".into(),
        json!(f
            .runtime
            .as_deref()
            .or(p.runtime.as_deref())
            .unwrap_or(DEFAULT_RUNTIME)),
    );
    props.insert("FunctionName".into(), json!(f.name));
    props.insert(
        "MemorySize".into(),
        first_truthy(&[&f.memory_size, &p.memory_size]).unwrap_or(json!(1024)),
    );
    props.insert(
        "Timeout".into(),
        first_truthy(&[&f.timeout, &p.timeout]).unwrap_or(json!(6)),
    );
    if let Some(d) = f.description.as_ref().filter(|d| !d.is_empty()) {
        props.insert("Description".into(), json!(d));
    }
    if f.tags.is_some() || p.tags.is_some() {
        let mut tags = p.tags.clone().unwrap_or_default();
        for (k, v) in f.tags.iter().flatten() {
            tags.insert(k.clone(), v.clone());
        }
        props.insert("Tags".into(), tag_list(&tags));
    }
    if f.environment.is_some() || p.environment.is_some() {
        let mut vars = p.environment.clone().unwrap_or_default();
        for (k, v) in f.environment.iter().flatten() {
            vars.insert(k.clone(), v.clone());
        }
        props.insert("Environment".into(), json!({"Variables": vars}));
    }
    // v3 `compileRole`.
    let role = service
        .custom_execution_role(f)
        .unwrap_or_else(|| json!(naming::ROLE_LOGICAL_ID));
    let mut depends_on = vec![json!(naming::log_group_logical_id(&f.key))];
    match &role {
        Value::String(s) if s.starts_with("arn:aws") => {
            props.insert("Role".into(), role.clone());
        }
        Value::String(s) => {
            props.insert("Role".into(), json!({"Fn::GetAtt": [s, "Arn"]}));
            if s != naming::ROLE_LOGICAL_ID {
                depends_on.push(json!(s));
            }
        }
        Value::Object(o) if o.contains_key("Fn::GetAtt") => {
            props.insert("Role".into(), role.clone());
            if let Some(first) = o["Fn::GetAtt"].get(0) {
                depends_on.push(first.clone());
            }
        }
        _ => {
            props.insert("Role".into(), role.clone());
        }
    }
    let res = json!({
        "Type": "AWS::Lambda::Function",
        "Properties": props,
        "DependsOn": depends_on,
    });
    (naming::lambda_logical_id(&f.key), res)
}

/// The `AWS::Lambda::Version` resource, its id (with v3's digest) and its output.
fn version_resource(
    f: &Function,
    fn_id: &str,
    fn_res: &Value,
    artifact: &FunctionArtifact,
) -> (String, Value, String, Value) {
    // v3 (lambdaHashingVersion 20201221, the default): sha256(base64 zip hash +
    // JSON.stringify(deepSort(properties without Code and Tags, + layerConfigurations))).
    let mut props = fn_res["Properties"].clone();
    if let Some(o) = props.as_object_mut() {
        o.remove("Code");
        o.remove("Tags");
        o.remove("ReservedConcurrentExecutions");
        o.insert("layerConfigurations".into(), json!([]));
    }
    let mut input = artifact.sha256.clone().into_bytes();
    input.extend(
        serde_json::to_string(&deep_sort(&props))
            .unwrap_or_default()
            .into_bytes(),
    );
    let digest = sha256_b64(&input);
    let id = naming::lambda_version_logical_id(&f.key, &digest);
    let mut vprops = json!({"FunctionName": {"Ref": fn_id}, "CodeSha256": artifact.sha256});
    if let Some(d) = f.description.as_ref().filter(|d| !d.is_empty()) {
        vprops["Description"] = json!(d);
    }
    let res =
        json!({"Type": "AWS::Lambda::Version", "DeletionPolicy": "Retain", "Properties": vprops});
    let out = json!({"Description": "Current Lambda function version", "Value": {"Ref": id}});
    (
        id,
        res,
        naming::lambda_version_output_logical_id(&f.key),
        out,
    )
}

/// JavaScript truthiness for config numbers (`0`, `""`, `false`, `null` are unset).
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|f| f != 0.0),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

fn first_truthy(values: &[&Option<Value>]) -> Option<Value> {
    values
        .iter()
        .find_map(|v| v.as_ref().filter(|v| truthy(v)).cloned())
}

/// Key order of JavaScript's `localeCompare` for ASCII keys, closely enough: letters compare
/// case-insensitively first, lower case before upper case on ties.
fn locale_cmp(a: &str, b: &str) -> Ordering {
    a.to_lowercase()
        .cmp(&b.to_lowercase())
        .then_with(|| b.cmp(a))
}

fn deep_sort(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(deep_sort).collect()),
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort_by(|a, b| locale_cmp(a, b));
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), deep_sort(&o[k])))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

/// lodash `_.merge`: objects merge key by key, arrays index by index, other values replace.
pub fn merge(dst: &mut Value, src: &Value) {
    match (dst, src) {
        (Value::Object(d), Value::Object(s)) => {
            for (k, v) in s {
                match d.get_mut(k) {
                    Some(existing) if v.is_object() || v.is_array() => merge(existing, v),
                    _ => {
                        d.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (Value::Array(d), Value::Array(s)) => {
            for (i, v) in s.iter().enumerate() {
                match d.get_mut(i) {
                    Some(existing) if v.is_object() || v.is_array() => merge(existing, v),
                    Some(existing) => *existing = v.clone(),
                    None => d.push(v.clone()),
                }
            }
        }
        (d, s) => *d = s.clone(),
    }
}

/// v3 `stripNullPropsFromTemplateResources`.
fn strip_null_props(t: &mut Value) {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(o) => {
                o.retain(|_, v| !v.is_null());
                o.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    if let Some(resources) = t["Resources"].as_object_mut() {
        for r in resources.values_mut() {
            if let Some(o) = r.as_object_mut() {
                match o.get_mut("Properties") {
                    Some(Value::Null) | None => {
                        o.remove("Properties");
                    }
                    Some(p) => strip(p),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merge_is_lodash_like() {
        let mut a = json!({"a": {"x": 1, "l": [1, {"k": 1}]}, "b": 1});
        merge(
            &mut a,
            &json!({"a": {"y": 2, "l": [9, {"j": 2}, 3]}, "b": {"n": 1}}),
        );
        assert_eq!(
            a,
            json!({"a": {"x": 1, "l": [9, {"k": 1, "j": 2}, 3], "y": 2}, "b": {"n": 1}})
        );
    }

    #[test]
    fn deep_sort_orders_like_locale_compare() {
        let v = deep_sort(
            &json!({"Timeout": 1, "layerConfigurations": [], "Handler": "h", "MemorySize": 1}),
        );
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["Handler", "layerConfigurations", "MemorySize", "Timeout"]
        );
    }
}
