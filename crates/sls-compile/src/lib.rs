//! sls-compile, the template compiler: from the typed [`Service`] to CloudFormation templates
//! with v3's exact shapes, in v3's order of steps (`lib/plugins/aws/package/**`). Pure: no file,
//! no network, no AWS SDK, so it builds and tests in seconds.
//!
//! - this file: the core template (deployment bucket and its policy) and the order of steps;
//! - [`iam`]: log groups and the execution role;
//! - [`layers`]: top-level `layers` (`AWS::Lambda::LayerVersion`, permissions, outputs);
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
mod image;
pub mod layers;
pub mod naming;
mod outputs;
mod refused;
pub mod resource_types;

pub use error::{DeployError, ResourceFailure, Result};
pub use events::custom_resources;
pub use image::{
    check_images, ecr_repository_name, image_requests, resolve_image, BuiltImage, ImageBuild,
    ImageRequest, ImageTag, ResolvedImage, ResolvedImages,
};
pub use layers::{compile_layer, Layer, LayerZip, ReusedLayer};
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
    /// An image function's image (no zip then), resolved by [`resolve_image`].
    pub image: Option<ResolvedImage>,
}

/// Refuses, before anything is packaged, what the compiler cannot honour (settings in
/// [`refused`], functions without a handler or image, unsupported events).
pub fn check(service: &Service, config: &Value) -> Result<()> {
    refused::check(config)?;
    layers::layers(config)?;
    for f in &service.functions {
        functions::check(service, f)?;
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
pub fn setup_provider_configuration(service: &Service, t: &mut Value) {
    if !service.functions.is_empty() {
        iam::merge_iam(service, t);
    }
}

/// `before:package:compileFunctions`: what event families change in the functions before they
/// are compiled (v3's cloudFront `prepareFunctions`: Lambda@Edge functions are versioned, with
/// their memory and timeout defaults). `config` changes with the service, as v3's state shows.
pub fn prepare_functions(service: &mut Service, config: &mut Value) {
    events::prepare_functions(service, config);
}

/// What v3 logs while compiling the events (warnings and reminders), for the CLI to show.
pub fn compile_notices(service: &Service, t: &Value) -> Vec<String> {
    events::cloud_front_notices(service, t)
}

/// `package:compileFunctions`: every function, its version, URL and event invoke config.
pub fn compile_functions(
    service: &Service,
    artifact_directory_name: &str,
    artifacts: &[FunctionArtifact],
    t: &mut Value,
) -> Result<()> {
    compile_functions_with_layers(service, artifact_directory_name, artifacts, &[], t)
}

/// [`compile_functions`] for a service with top-level `layers` (`layer_zips`): a function's
/// version digest includes the layers it references (`{Ref: <Layer>LambdaLayer}`).
pub fn compile_functions_with_layers(
    service: &Service,
    artifact_directory_name: &str,
    artifacts: &[FunctionArtifact],
    layer_zips: &[LayerZip],
    t: &mut Value,
) -> Result<()> {
    // v3 compiles functions concurrently: what follows a versioned function's hashing (its
    // version, then its event invoke config) lands after every function's synchronous part.
    // An image function first awaits its image (no file to hash): it is compiled whole after
    // the zip functions' synchronous parts and before their versions.
    // Each layer zip a function references is one more file read in its hashing, so in v3 the
    // functions with fewer layers finish first (stable: otherwise in order).
    let inputs = FunctionInputs {
        service,
        artifact_directory_name,
        layer_zips,
    };
    let mut versioned = Vec::new();
    let mut seen_destinations = Vec::new();
    let pairs: Vec<(&Function, &FunctionArtifact)> =
        service.functions.iter().zip(artifacts).collect();
    let (images, zips): (Vec<_>, Vec<_>) = pairs.into_iter().partition(|(f, _)| f.image.is_some());
    for (f, a) in zips {
        let after = compile_one(&inputs, f, a, &mut seen_destinations, t)?;
        if after.version.is_some() {
            versioned.push(after);
        } else {
            add_after_version(t, after.url, after.event_invoke_config);
        }
    }
    for (f, a) in images {
        let after = compile_one(&inputs, f, a, &mut seen_destinations, t)?;
        add_version(t, after.version);
        add_after_version(t, after.url, after.event_invoke_config);
    }
    versioned.sort_by_key(|after| after.hashed_layer_zips);
    for after in versioned {
        add_version(t, after.version);
        add_after_version(t, after.url, after.event_invoke_config);
    }
    Ok(())
}

/// What every function of one `compileFunctions` shares.
struct FunctionInputs<'a> {
    service: &'a Service,
    artifact_directory_name: &'a str,
    layer_zips: &'a [LayerZip],
}

/// What v3 adds once a function's version is hashed, for the caller to place in v3's order.
struct AfterFunction {
    /// How many layer zips the version hashes (v3 finishes the functions with fewer first).
    hashed_layer_zips: usize,
    version: Option<functions::Version>,
    url: Option<functions::FunctionUrl>,
    event_invoke_config: Option<functions::CompiledResource>,
}

/// A function's resource and role statements into `t`; its version, URL and event invoke
/// config are returned for the caller to place in v3's order.
fn compile_one(
    inputs: &FunctionInputs,
    f: &Function,
    a: &FunctionArtifact,
    seen_destinations: &mut Vec<String>,
    t: &mut Value,
) -> Result<AfterFunction> {
    let service = inputs.service;
    let compiled = functions::compile_function(service, f, inputs.artifact_directory_name, a);
    functions::add_role_statements(t, compiled.role_statements);
    let (fn_id, mut fn_res) = (compiled.logical_id, compiled.resource);
    let layers =
        layers::layer_configurations(&fn_res["Properties"]["Layers"], t, inputs.layer_zips);
    let version = functions::is_versioned(service, f)
        .then(|| functions::version(service, f, &fn_id, &mut fn_res, a, &layers));
    t["Resources"][fn_id] = fn_res;
    Ok(AfterFunction {
        hashed_layer_zips: layers.len(),
        version,
        url: functions::function_url(f),
        event_invoke_config: functions::event_invoke_config(service, f, seen_destinations)?,
    })
}

/// A version, its output and its alias.
fn add_version(t: &mut Value, version: Option<functions::Version>) {
    if let Some(v) = version {
        t["Resources"][v.id] = v.resource;
        t["Outputs"][v.output_id] = v.output;
        if let Some((id, alias)) = v.alias {
            t["Resources"][id] = alias;
        }
    }
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
    events::compile_families(service, config, artifact_directory_name, instance_id, t)
}

/// `aws:package:finalize:addExportNameForOutputs`. v3 adds exports before the user's resources
/// are merged, so user outputs keep exactly what they declare.
pub fn add_export_names(service: &Service, t: &mut Value) {
    outputs::add_exports(service, t);
}

/// `aws:package:finalize:mergeCustomProviderResources`: the user's `resources` (lodash merge),
/// then `resources.extensions` applied to the merged resources.
pub fn merge_custom_provider_resources(service: &Service, t: &mut Value) -> Result<()> {
    if let Some(res) = &service.resources {
        let mut user = res.clone();
        let extensions = user.remove("extensions");
        user.entry("Resources").or_insert_with(|| json!({}));
        user.entry("Outputs").or_insert_with(|| json!({}));
        merge(t, &Value::Object(user));
        if let Some(Value::Object(ext)) = extensions.filter(functions::truthy) {
            extend_resources(t, &ext)?;
        }
    }
    Ok(())
}

/// v3's `resources.extensions`: per resource, a few attributes set, merged or appended.
fn extend_resources(t: &mut Value, extensions: &Map<String, Value>) -> Result<()> {
    for (name, definition) in extensions {
        let Some(attrs) = definition.as_object() else {
            continue;
        };
        for (attr, value) in attrs {
            let path = format!("resources.extensions.{name}.{attr}");
            let Some(Value::Object(resource)) = t["Resources"].get_mut(name) else {
                return Err(DeployError::config(
                    path,
                    format!(
                        "Cannot extend \"{name}\" resource, as it's not found in generated stack"
                    ),
                ));
            };
            match attr.as_str() {
                "Condition" | "CreationPolicy" | "DeletionPolicy" | "UpdatePolicy"
                | "UpdateReplacePolicy" => {
                    resource.insert(attr.clone(), value.clone());
                }
                // `Object.assign`: top-level keys replace.
                "Properties" | "Metadata" => {
                    let target = resource.entry(attr.clone()).or_insert_with(|| json!({}));
                    if let (Some(t), Some(v)) = (target.as_object_mut(), value.as_object()) {
                        t.extend(v.clone());
                    }
                }
                "DependsOn" => {
                    let target = resource.entry("DependsOn").or_insert_with(|| json!([]));
                    if let Value::String(s) = target {
                        *target = json!([s.clone()]);
                    }
                    if let (Some(list), Some(add)) = (target.as_array_mut(), value.as_array()) {
                        list.extend(add.iter().cloned());
                    }
                }
                _ => {
                    return Err(DeployError::config(
                        path,
                        format!("Cannot extend \"{name}\" resource, as extending the \"{attr}\" attribute at this point is not supported. Feel free to propose support for it in the Framework issue tracker: https://github.com/serverless/serverless/issues"),
                    ))
                }
            }
        }
    }
    Ok(())
}

/// What v3 adds to a function once its version is done: its URL, then its event invoke config.
fn add_after_version(
    t: &mut Value,
    url: Option<functions::FunctionUrl>,
    event_invoke_config: Option<functions::CompiledResource>,
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
    if let Some(c) = event_invoke_config {
        t["Resources"][c.logical_id] = c.resource;
        functions::add_role_statements(t, c.role_statements);
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

    fn service(config: &Value) -> Service {
        Service::from_config(config, "dev", "us-east-1").unwrap()
    }

    #[test]
    fn v3s_errors_for_aliases_and_images() {
        let both = json!({"service": "s", "provider": {"name": "aws"}, "functions": {"f": {
            "handler": "h.h", "provisionedConcurrency": 1, "snapStart": true}}});
        let e = check(&service(&both), &both).unwrap_err().to_string();
        assert!(e.contains("functions.f.snapStart") && e.contains("Functions with enabled SnapStart does not support provisioned concurrency. Please remove at least one of the settings on function \"f\""), "{e}");
        let img = "1.dkr.ecr.us-east-1.amazonaws.com/a@sha256:6bb600b4d6e1d7cf521097177dd0c4e9ea373edb91984a505333be8ac9455d38";
        let both = json!({"service": "s", "provider": {"name": "aws"}, "functions": {"f": {
            "handler": "h.h", "image": img}}});
        let e = check(&service(&both), &both).unwrap_err().to_string();
        assert!(e.contains("Either \"handler\" or \"image\" property (not both) needs to be set on function \"f\""), "{e}");
        let neither = json!({"service": "s", "provider": {"name": "aws"}, "functions": {"f": {}}});
        let e = check(&service(&neither), &neither).unwrap_err().to_string();
        assert!(
            e.contains("Either \"handler\" or \"image\" property needs to be set"),
            "{e}"
        );
        // A tag is looked up later (ECR DescribeImages); a URI with neither tag nor digest is not.
        let tagged = json!({"service": "s", "provider": {"name": "aws"}, "functions": {"f": {
            "image": "1.dkr.ecr.us-east-1.amazonaws.com/a:latest"}}});
        assert!(check(&service(&tagged), &tagged).is_ok());
        let bare = json!({"service": "s", "provider": {"name": "aws"}, "functions": {"f": {
            "image": "1.dkr.ecr.us-east-1.amazonaws.com/a"}}});
        let e = check(&service(&bare), &bare).unwrap_err().to_string();
        assert!(
            e.contains("functions.f.image") && e.contains("names neither a tag nor a digest"),
            "{e}"
        );
        let ok = json!({"service": "s", "provider": {"name": "aws"}, "functions": {"f": {"image": img}}});
        assert!(check(&service(&ok), &ok).is_ok());
    }

    fn extend(extensions: Value) -> Result<Value> {
        let config = json!({"service": "s", "provider": {"name": "aws"},
            "resources": {"Resources": {"Q": {"Type": "AWS::SNS::Topic", "DependsOn": "X",
                "Properties": {"A": {"x": 1}, "B": 2}}}, "extensions": extensions}});
        let mut t = json!({"Resources": {}, "Outputs": {}});
        merge_custom_provider_resources(&service(&config), &mut t).map(|_| t)
    }

    #[test]
    fn resource_extensions_as_v3() {
        let t = extend(
            json!({"Q": {"Properties": {"A": {"y": 2}}, "DependsOn": ["Y"],
            "Metadata": {"m": 1}, "DeletionPolicy": "Retain"}}),
        )
        .unwrap();
        // `Object.assign`: a top-level property is replaced, not merged.
        assert_eq!(
            t["Resources"]["Q"],
            json!({"Type": "AWS::SNS::Topic", "DependsOn": ["X", "Y"],
                "Properties": {"A": {"y": 2}, "B": 2}, "Metadata": {"m": 1}, "DeletionPolicy": "Retain"})
        );
        assert!(t["Resources"].get("extensions").is_none() && t.get("extensions").is_none());
        let e = extend(json!({"Missing": {"DeletionPolicy": "Retain"}}))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("resources.extensions.Missing.DeletionPolicy")
                && e.contains(
                    "Cannot extend \"Missing\" resource, as it's not found in generated stack"
                ),
            "{e}"
        );
        let e = extend(json!({"Q": {"Type": "AWS::SNS::Topic"}}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("Cannot extend \"Q\" resource, as extending the \"Type\" attribute at this point is not supported"), "{e}");
    }

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
