//! sls-compile, the template compiler: from the typed [`Service`] to CloudFormation templates
//! with v3's exact shapes, in v3's order of steps (`lib/plugins/aws/package/**`). Pure: no file,
//! no network, no AWS SDK, so it builds and tests in seconds.
//!
//! - this file: the core template (deployment bucket and its policy) and the order of steps;
//! - [`iam`]: log groups and the execution role;
//! - [`functions`]: `AWS::Lambda::Function` and `AWS::Lambda::Version` resources;
//! - [`events`]: one module per event family (`events/<family>.rs`), dispatched by name;
//! - [`outputs`]: the `Export` names v3 gives every output;
//! - logical ids and names come from [`crate::naming`] only.
//!
//! Finally the user's `resources` are merged in (lodash `_.merge` semantics).

pub mod error;
mod events;
mod functions;
mod iam;
pub mod naming;
mod outputs;
mod refused;
pub mod resource_types;

pub use error::{DeployError, ResourceFailure, Result};
pub use sls_config::model::{Function, Provider, Service, DEFAULT_RUNTIME};

/// base64(SHA-256(bytes)): Lambda's `CodeSha256`, and v3's hash in version logical ids.
pub fn sha256_b64(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(bytes))
}

use serde_json::{json, Map, Value};

/// What a compiled function needs from packaging.
#[derive(Debug, Clone)]
pub struct FunctionArtifact {
    /// File name of the zip in the artifact directory (the S3 key's last part).
    pub file_name: String,
    /// base64(SHA-256) of the zip.
    pub sha256: String,
}

/// Refuses, before anything is packaged, what the compiler cannot honour (settings in
/// [`refused`], functions without a handler, container images, unsupported events).
pub fn check(service: &Service, config: &Value) -> Result<()> {
    refused::check(config)?;
    for f in &service.functions {
        functions::check(service, f, config)?;
        events::check(service, f)?;
    }
    events::check_families(service, config)
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

// The full template (`cloudformation-template-update-stack.json`) is the core template taken
// through the steps below, each at its own event of v3's `package` lifecycle (sls-package's
// participants call them in that order).

/// `package:setupProviderConfiguration`: log groups and the execution role.
pub fn setup_provider_configuration(service: &Service, config: &Value, t: &mut Value) {
    if !service.functions.is_empty() {
        iam::merge_iam(service, config, t);
    }
}

/// `before:package:compileFunctions`: what event families change in the functions before they
/// are compiled (v3's cloudFront `prepareFunctions`: Lambda@Edge functions are versioned, with
/// their memory and timeout defaults). `config` changes with the service, as v3's state shows.
pub fn prepare_functions(service: &mut Service, config: &mut Value) {
    events::prepare_functions(service, config);
}

/// What v3 logs while compiling the events (warnings and reminders), for the CLI to show.
pub fn compile_notices(service: &Service, config: &Value, t: &Value) -> Vec<String> {
    events::cloud_front_notices(service, config, t)
}

/// `package:compileFunctions`: every function, its version, URL and event invoke config.
pub fn compile_functions(
    service: &Service,
    config: &Value,
    artifact_directory_name: &str,
    artifacts: &[FunctionArtifact],
    t: &mut Value,
) -> Result<()> {
    // v3 compiles functions concurrently: what follows a versioned function's hashing (its
    // version, then its event invoke config) lands after every function's synchronous part.
    let mut versions = Vec::new();
    let mut seen_destinations = Vec::new();
    for (f, a) in service.functions.iter().zip(artifacts) {
        let (fn_id, fn_res, statements) =
            functions::compile_function(service, config, f, artifact_directory_name, a);
        functions::add_role_statements(t, statements);
        let should_version = f
            .version_function
            .unwrap_or(service.provider.version_functions);
        let version = should_version.then(|| functions::version_resource(f, &fn_id, &fn_res, a));
        t["Resources"][fn_id] = fn_res;
        let url = functions::function_url(config, f);
        let ev_conf = functions::event_invoke_config(service, config, f, &mut seen_destinations)?;
        if version.is_some() {
            versions.push((version, url, ev_conf));
        } else {
            add_after_version(t, url, ev_conf);
        }
    }
    for (version, url, ev_conf) in versions {
        if let Some((id, res, out_id, out)) = version {
            t["Resources"][id] = res;
            t["Outputs"][out_id] = out;
        }
        add_after_version(t, url, ev_conf);
    }
    Ok(())
}

/// `package:compileEvents`: each function's events, then the families compiled across
/// functions (API Gateway, HTTP API, websockets, ...).
pub fn compile_events(
    service: &Service,
    config: &Value,
    artifact_directory_name: &str,
    t: &mut Value,
) -> Result<()> {
    for f in &service.functions {
        events::compile(service, f, t)?;
    }
    // v3 `instanceId`: the time the command started; the artifact directory's timestamp.
    let instance_id = artifact_directory_name
        .rsplit('/')
        .next()
        .and_then(|d| d.split('-').next())
        .unwrap_or("0");
    events::compile_families(service, config, instance_id, t)
}

/// `aws:package:finalize:addExportNameForOutputs`. v3 adds exports before the user's resources
/// are merged, so user outputs keep exactly what they declare.
pub fn add_export_names(service: &Service, t: &mut Value) {
    outputs::add_exports(service, t);
}

/// `aws:package:finalize:mergeCustomProviderResources`: the user's `resources` (lodash merge).
pub fn merge_custom_provider_resources(service: &Service, t: &mut Value) -> Result<()> {
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
        merge(t, &Value::Object(user));
    }
    Ok(())
}

/// What v3 adds to a function once its version is done: its URL, then its event invoke config.
fn add_after_version(
    t: &mut Value,
    url: Option<functions::FunctionUrl>,
    ev_conf: Option<(String, Value, Vec<functions::RoleStatement>)>,
) {
    if let Some(u) = url {
        let mut resources = u.resources.into_iter();
        if let Some((id, res)) = resources.next() {
            t["Resources"][id] = res;
        }
        t["Outputs"][u.output.0] = u.output.1;
        for (id, res) in resources {
            t["Resources"][id] = res;
        }
    }
    if let Some((id, res, statements)) = ev_conf {
        t["Resources"][id] = res;
        functions::add_role_statements(t, statements);
    }
}

pub(crate) fn tag_list(tags: &Map<String, Value>) -> Value {
    Value::Array(
        tags.iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect(),
    )
}

/// lodash `_.merge`: objects merge key by key, arrays index by index, other values replace.
pub(crate) fn merge(dst: &mut Value, src: &Value) {
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

/// `aws:package:finalize:stripNullPropsFromTemplateResources`.
pub fn strip_null_props(t: &mut Value) {
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
}
