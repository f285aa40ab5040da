//! The steps of `sls deploy`: settle the stack, create the core stack (and so the bucket),
//! check for changes, upload, create or update the stack, prune old artifacts.

use std::collections::{BTreeMap, HashSet};

use aws_config::SdkConfig;
use aws_sdk_cloudformation::types::Stack;
use aws_sdk_s3::primitives::ByteStream;
use serde_json::{json, Value};

use super::stack::{self, Template};
use super::{api_gateway_stage, bucket, info, AwsOptions, Clients, DeployEvent, DeployOutcome};
use crate::error::{DeployError, Result};
use crate::naming;
use crate::package::PackageResult;
use crate::zipper::sha256_b64;
use sls_config::model::Service;

/// `sls deploy`'s AWS part in one go: [`StackDeploy`]'s steps in v3's order.
pub async fn deploy(
    sdk: &SdkConfig,
    pkg: &PackageResult,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<DeployOutcome> {
    let mut d = StackDeploy::create_stack(sdk, pkg, opts, on_event).await?;
    d.check_for_changes(pkg, opts, on_event).await?;
    d.upload_artifacts(pkg, on_event).await?;
    d.update_stack(pkg, opts, on_event).await
}

/// `sls deploy`'s AWS steps, one per event of v3's `aws:deploy:deploy` lifecycle
/// (`createStack`, `checkForChanges`, `uploadArtifacts`, `updateStack`; sls sends no
/// `validateTemplate` call: CloudFormation validates the template when it gets it), and what
/// each leaves for the next. Plugins hooked between the steps see the stack as v3 shows it.
pub struct StackDeploy {
    c: Clients,
    method: stack::Method,
    /// The stack as `createStack` left it (`None`: it is created from the full template).
    stack: Option<Stack>,
    /// The package with deployed layers' S3 keys reused (v3 `compareWithLastLayer`), if any.
    reused: Option<PackageResult>,
    bucket: String,
    prefix: String,
    template_sha: String,
    state_sha: String,
    /// `checkForChanges` found the deployed files and stack unchanged: nothing more to do.
    unchanged: bool,
    /// Where `uploadArtifacts` put the template.
    template_key: Option<String>,
}

impl StackDeploy {
    /// `createStack`: settles the stack (waits for a running operation, recreates one left
    /// `REVIEW_IN_PROGRESS`, refuses a failed creation) and creates the core stack, and so the
    /// deployment bucket, on a first deploy.
    pub async fn create_stack(
        sdk: &SdkConfig,
        pkg: &PackageResult,
        opts: &AwsOptions,
        on_event: &(dyn Fn(DeployEvent) + Sync),
    ) -> Result<StackDeploy> {
        let c = Clients::new(sdk, opts);
        let service = &pkg.service;
        let name = service.stack_name.as_str();
        stack::validate_stack_name(name)?;

        let method = stack::Method::from_provider(&pkg.state["service"]["provider"]);
        let mut stack = stack::settle(&c, name, method.change_sets, opts, on_event).await?;
        // A first deploy that never executed its CREATE change set left the stack
        // REVIEW_IN_PROGRESS. It holds no resources, and CloudFormation (moto too) may refuse a
        // second CREATE change set for it: delete it and create it again (v3 stops here and asks
        // for `sls remove`).
        if let Some(s) = stack
            .as_ref()
            .filter(|s| stack::status_of(s) == "REVIEW_IN_PROGRESS")
        {
            on_event(DeployEvent::Step(format!(
                "Stack {name} is REVIEW_IN_PROGRESS (an earlier first deployment never executed its change set; it holds no resources): deleting it to create it again"
            )));
            stack::delete(&c, service, s.stack_id().unwrap_or(name), opts, on_event).await?;
            stack = None;
        }
        if let Some(s) = &stack {
            let status = stack::status_of(s);
            if status == "ROLLBACK_COMPLETE"
                || status == "ROLLBACK_FAILED"
                || status == "DELETE_FAILED"
            {
                return Err(DeployError::StackState {
                    stack_name: name.into(),
                    status,
                    hint: "Its creation failed and it cannot be updated: run `sls remove`, then deploy again.",
                });
            }
        }
        // With a bucket of the user's own, the stack is created later, straight from the full
        // template; otherwise the core stack makes the bucket first.
        let create_later = stack.is_none() && service.uses_custom_bucket();
        if stack.is_none() && !create_later {
            let body = serde_json::to_string(&pkg.create_template).unwrap_or_default();
            let id =
                stack::create(&c, service, Template::Body(body), &method, opts, on_event).await?;
            stack = stack::describe_stack(&c, &id).await?;
        }

        let bucket = match &stack {
            Some(s) => bucket::bucket_name(&c, service, s).await?,
            None => service
                .provider
                .deployment_bucket
                .clone()
                .unwrap_or_default(),
        };
        // v3 `compareWithLastLayer`: an unchanged layer keeps its deployed S3 key.
        let deployed_outputs: Vec<(String, String)> = stack
            .as_ref()
            .map(|s| {
                s.outputs()
                    .iter()
                    .filter_map(|o| {
                        Some((o.output_key()?.to_string(), o.output_value()?.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let reused = reuse_deployed_layers(pkg, &deployed_outputs);
        let effective = reused.as_ref().unwrap_or(pkg);
        Ok(StackDeploy {
            template_sha: template_hash(&effective.update_template),
            state_sha: state_hash(&effective.state),
            prefix: service.artifact_prefix(),
            c,
            method,
            stack,
            reused,
            bucket,
            unchanged: false,
            template_key: None,
        })
    }

    /// The package as deployed: with reused layer keys when there are any.
    fn pkg<'p>(&'p self, pkg: &'p PackageResult) -> &'p PackageResult {
        self.reused.as_ref().unwrap_or(pkg)
    }

    /// `checkForChanges`: unless `--force`, the deploy stops here when the last deployment in
    /// the bucket has exactly these files and the stack runs exactly this template and code.
    pub async fn check_for_changes(
        &mut self,
        pkg: &PackageResult,
        opts: &AwsOptions,
        on_event: &(dyn Fn(DeployEvent) + Sync),
    ) -> Result<()> {
        let pkg = self.pkg(pkg);
        let c = &self.c;
        let existing = bucket::list_keys(c, &self.bucket, &self.prefix)
            .await
            .map_err(|e| match e {
                DeployError::MissingBucket { bucket, .. } => DeployError::MissingBucket {
                    bucket,
                    stack_name: pkg.service.stack_name.clone(),
                },
                other => other,
            })?;
        let unchanged = !opts.force
            && self
                .stack
                .as_ref()
                .is_some_and(|s| STABLE.contains(&stack::status_of(s).as_str()))
            && unchanged(
                c,
                pkg,
                &self.bucket,
                &self.prefix,
                &existing,
                [&self.template_sha, &self.state_sha],
            )
            .await?
            && deployed_matches(c, pkg).await;
        if unchanged {
            on_event(DeployEvent::Step(
                "Service files not changed. Skipping deployment...".into(),
            ));
        }
        self.unchanged = unchanged;
        Ok(())
    }

    /// `uploadArtifacts`: the template, the state and each zip, once, into the new artifact
    /// directory (nothing when `checkForChanges` found nothing changed).
    pub async fn upload_artifacts(
        &mut self,
        pkg: &PackageResult,
        on_event: &(dyn Fn(DeployEvent) + Sync),
    ) -> Result<()> {
        if self.unchanged {
            return Ok(());
        }
        let pkg = self.pkg(pkg);
        let key = upload(
            &self.c,
            pkg,
            &self.bucket,
            &self.template_sha,
            &self.state_sha,
            on_event,
        )
        .await?;
        self.template_key = Some(key);
        Ok(())
    }

    /// `updateStack`: creates or updates the stack from the uploaded template and waits,
    /// prunes old artifacts, then applies the API Gateway stage settings (v3's
    /// `after:deploy:deploy`, which runs after a skipped deployment too).
    pub async fn update_stack(
        self,
        pkg: &PackageResult,
        opts: &AwsOptions,
        on_event: &(dyn Fn(DeployEvent) + Sync),
    ) -> Result<DeployOutcome> {
        let pkg = self.pkg(pkg);
        let (c, service) = (&self.c, &pkg.service);
        let Some(template_key) = self.template_key.as_deref().filter(|_| !self.unchanged) else {
            api_gateway_stage::update_stage(c, pkg).await?;
            return Ok(DeployOutcome::Skipped {
                info: info::info_from(c, service).await?,
            });
        };
        // v3 builds this URL for every region; moto serves it from its own S3 too.
        let url = format!(
            "https://{}/{}/{template_key}",
            naming::s3_endpoint_for_region(&service.region),
            self.bucket
        );
        match self.stack.as_ref() {
            None => {
                stack::create(
                    c,
                    service,
                    Template::Url(&url),
                    &self.method,
                    opts,
                    on_event,
                )
                .await?;
            }
            Some(s) => {
                let id = s.stack_id().unwrap_or(service.stack_name.as_str());
                stack::update(c, service, id, &url, &self.method, opts, on_event).await?;
            }
        }
        prune(c, service, &self.bucket, &self.prefix, on_event).await?;
        api_gateway_stage::update_stage(c, pkg).await?;
        Ok(DeployOutcome::Deployed {
            info: info::info_from(c, service).await?,
        })
    }
}

/// True when the last deployment in the bucket has exactly these files (v3
/// `checkForChanges`: the template, the state and the zips, compared by their SHA-256).
async fn unchanged(
    c: &Clients,
    pkg: &PackageResult,
    bucket: &str,
    prefix: &str,
    existing: &[String],
    [template_sha, state_sha]: [&String; 2],
) -> Result<bool> {
    let Some(last) = bucket::deployment_dirs(existing, prefix).pop() else {
        return Ok(false);
    };
    let mut remote = Vec::new();
    for key in existing
        .iter()
        .filter(|k| k.starts_with(&format!("{last}/")))
    {
        remote.push(bucket::file_sha256(c, bucket, key).await?);
    }
    let mut local: Vec<String> = vec![template_sha.clone(), state_sha.clone()];
    let mut zips: Vec<&str> = pkg.artifacts.iter().map(|a| a.sha256.as_str()).collect();
    // v3 hashes every zip of `.serverless/`, a layer kept at its deployed key too.
    for l in &pkg.layers {
        if !pkg.artifacts.iter().any(|a| a.path == l.path) {
            zips.push(&l.zip.sha256);
        }
    }
    zips.dedup();
    local.extend(zips.into_iter().map(str::to_string));
    remote.sort();
    local.sort();
    Ok(remote == local)
}

/// Stack states in which a skip is allowed: the last operation applied its template.
/// (`UPDATE_ROLLBACK_COMPLETE` runs an older template; `*_IN_PROGRESS` is not done.)
const STABLE: [&str; 2] = ["CREATE_COMPLETE", "UPDATE_COMPLETE"];

/// True only when what runs is what this deploy would deploy: the stack's current template
/// (GetTemplate) normalises to the new one, and every function's deployed `CodeSha256`
/// (GetFunctionConfiguration, all at once) is its new zip's. The bucket alone cannot tell: a
/// deploy that uploaded and then failed or was killed leaves new files over old code. Anything
/// that cannot be confirmed (an error, a missing function, an unknown artifact) means deploy.
async fn deployed_matches(c: &Clients, pkg: &PackageResult) -> bool {
    let name = pkg.service.stack_name.as_str();
    let Ok(out) = c.cfn.get_template().stack_name(name).send().await else {
        return false;
    };
    let Some(deployed) = out
        .template_body()
        .and_then(|b| serde_json::from_str::<Value>(b).ok())
    else {
        return false;
    };
    if deployed_template_hash(&deployed) != deployed_template_hash(&pkg.update_template) {
        return false;
    }
    let Some(expected) = expected_code(pkg) else {
        return false;
    };
    let mut checks = tokio::task::JoinSet::new();
    for (function, sha) in expected {
        let lambda = c.lambda.clone();
        checks.spawn(async move {
            let out = lambda
                .get_function_configuration()
                .function_name(function)
                .send()
                .await;
            out.ok().and_then(|f| f.code_sha256().map(str::to_string)) == Some(sha)
        });
    }
    while let Some(ok) = checks.join_next().await {
        if !ok.unwrap_or(false) {
            checks.abort_all();
            return false;
        }
    }
    true
}

/// (deployed function name, base64 SHA-256 of its new zip) for every zip-based function of the
/// new template; `None` when one cannot be told (a computed name, a zip not in this package).
fn expected_code(pkg: &PackageResult) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let resources = pkg.update_template["Resources"].as_object()?;
    for r in resources.values() {
        if r["Type"] != "AWS::Lambda::Function" {
            continue;
        }
        let props = &r["Properties"];
        // Image functions have no zip: the template (ImageUri) says it all.
        let Some(key) = props["Code"]["S3Key"].as_str() else {
            if props["Code"]["ImageUri"].is_null() {
                return None;
            }
            continue;
        };
        let function = props["FunctionName"].as_str()?;
        let file = key.rsplit('/').next().unwrap_or(key);
        let artifact = pkg.artifacts.iter().find(|a| a.file_name == file)?;
        out.push((function.to_string(), artifact.sha256.clone()));
    }
    Some(out)
}

/// The deployed-template comparison: [`template_hash`]'s normalisation, plus layer S3 keys
/// (which also name the artifact directory), over a fully key-sorted template so that the
/// order CloudFormation returns keys in does not matter.
fn deployed_template_hash(template: &Value) -> String {
    let mut t = sorted(template);
    if let Some(res) = t["Resources"].as_object_mut() {
        for r in res.values_mut() {
            if r["Type"] == "AWS::Lambda::LayerVersion" && r["Properties"]["Content"].is_object() {
                r["Properties"]["Content"]["S3Key"] = json!("");
            }
        }
    }
    template_hash(&t)
}

/// v3 `compareWithLastLayer`: a layer whose `<Layer>Hash` output equals the deployed stack's
/// keeps the S3 key of the deployed version (resource and `<Layer>S3Key` output) and its zip is
/// not uploaded, so CloudFormation publishes no new layer version. `None`: nothing to reuse.
fn reuse_deployed_layers(
    pkg: &PackageResult,
    deployed: &[(String, String)],
) -> Option<PackageResult> {
    let deployed_value = |key: &str| deployed.iter().find(|(k, _)| k == key).map(|(_, v)| v);
    let mut out: Option<PackageResult> = None;
    let outputs = pkg.update_template["Outputs"].as_object()?;
    for (key, output) in outputs {
        let Some(base) = key.strip_suffix("LambdaLayerHash") else {
            continue;
        };
        let (Some(hash), Some(last_hash)) = (output["Value"].as_str(), deployed_value(key)) else {
            continue;
        };
        let s3_key_output = format!("{base}LambdaLayerS3Key");
        let Some(last_key) = deployed_value(&s3_key_output) else {
            continue;
        };
        if hash != last_hash {
            continue;
        }
        let p = out.get_or_insert_with(|| pkg.clone());
        let new_key = p.update_template["Outputs"][&s3_key_output]["Value"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        p.update_template["Outputs"][&s3_key_output]["Value"] = json!(last_key);
        let layer_id = format!("{base}LambdaLayer");
        if let Some(res) = p.update_template["Resources"].as_object_mut() {
            for id in [layer_id.clone(), format!("{layer_id}{hash}")] {
                if let Some(r) = res.get_mut(&id) {
                    r["Properties"]["Content"]["S3Key"] = json!(last_key);
                }
            }
        }
        let file = new_key.rsplit('/').next().unwrap_or_default().to_string();
        p.artifacts
            .retain(|a| !(a.functions.is_empty() && a.file_name == file));
        p.state["service"]["provider"]["compiledCloudFormationTemplate"] =
            p.update_template.clone();
    }
    out
}

/// Uploads the template, the state and each zip once into the new artifact directory.
/// Returns the template's key.
async fn upload(
    c: &Clients,
    pkg: &PackageResult,
    bucket: &str,
    template_sha: &str,
    state_sha: &str,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<String> {
    let service = &pkg.service;
    let dir = &pkg.artifact_directory_name;
    on_event(DeployEvent::Step(
        "Uploading CloudFormation file to S3".into(),
    ));
    let template_text = serde_json::to_string(&pkg.update_template).unwrap_or_default();
    let template_key = format!("{dir}/{}", naming::COMPILED_TEMPLATE_S3_FILE);
    bucket::put(
        c,
        service,
        bucket,
        template_key.clone(),
        ByteStream::from(template_text.into_bytes()),
        template_sha,
        Some("application/json"),
    )
    .await?;
    let state_text = serde_json::to_string_pretty(&pkg.state).unwrap_or_default();
    bucket::put(
        c,
        service,
        bucket,
        format!("{dir}/{}", naming::STATE_FILE),
        ByteStream::from(state_text.into_bytes()),
        state_sha,
        Some("application/json"),
    )
    .await?;
    let mut uploaded = HashSet::new();
    for a in &pkg.artifacts {
        if !uploaded.insert(a.file_name.clone()) {
            continue;
        }
        let bytes = std::fs::metadata(&a.path).map(|m| m.len()).unwrap_or(0);
        on_event(DeployEvent::Upload {
            file: a.file_name.clone(),
            bytes,
        });
        let body = ByteStream::from_path(&a.path)
            .await
            .map_err(|e| DeployError::io("could not read", &a.path, std::io::Error::other(e)))?;
        bucket::put(
            c,
            service,
            bucket,
            format!("{dir}/{}", a.file_name),
            body,
            &a.sha256,
            None,
        )
        .await?;
    }
    Ok(template_key)
}

/// Keeps the newest N deployments' artifacts (v3: `maxPreviousDeploymentArtifacts`, 5).
async fn prune(
    c: &Clients,
    service: &Service,
    bucket: &str,
    prefix: &str,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<()> {
    let keys = bucket::list_keys(c, bucket, prefix).await?;
    let dirs = bucket::deployment_dirs(&keys, prefix);
    let keep = service.provider.max_previous_deployment_artifacts.max(1);
    if dirs.len() <= keep {
        return Ok(());
    }
    let old: HashSet<&String> = dirs[..dirs.len() - keep].iter().collect();
    let doomed: Vec<bucket::Object> = keys
        .iter()
        .filter(|k| old.iter().any(|d| k.starts_with(&format!("{d}/"))))
        .map(|k| (k.clone(), None))
        .collect();
    if !doomed.is_empty() {
        on_event(DeployEvent::Step(
            "Removing old service artifacts from S3".into(),
        ));
        bucket::delete_keys(c, bucket, doomed).await?;
    }
    Ok(())
}

/// v3 `normalizeCloudFormationTemplate`: S3 keys blanked, resources and outputs key-sorted.
fn template_hash(template: &Value) -> String {
    let mut t = template.clone();
    if let Some(res) = t["Resources"].as_object_mut() {
        for r in res.values_mut() {
            if r["Type"] == "AWS::Lambda::Function" && r["Properties"]["Code"].is_object() {
                r["Properties"]["Code"]["S3Key"] = json!("");
            }
            // v3 `normalizeCloudFormationTemplate` blanks layer S3 keys too.
            if r["Type"] == "AWS::Lambda::LayerVersion" && r["Properties"]["Content"].is_object() {
                r["Properties"]["Content"]["S3Key"] = json!("");
            }
        }
    }
    t["Resources"] = sorted(&t["Resources"]);
    if t.get("Outputs").is_some() {
        t["Outputs"] = sorted(&t["Outputs"]);
    }
    sha256_b64(serde_json::to_string(&t).unwrap_or_default().as_bytes())
}

/// v3 `normalizeState`: the state without its templates and artifact directory. Also without
/// the layers' `artifactAlreadyUploaded` mark: v3 hashes it, so the first redeploy after a
/// layer is kept always deploys again although nothing changed; sls skips it.
fn state_hash(state: &Value) -> String {
    let mut s = state.clone();
    if let Some(svc) = s["service"].as_object_mut() {
        svc.remove("initialServerlessConfig");
        if let Some(layers) = svc.get_mut("layers").and_then(Value::as_object_mut) {
            for layer in layers.values_mut().filter_map(Value::as_object_mut) {
                layer.remove("artifactAlreadyUploaded");
            }
        }
        if let Some(p) = svc.get_mut("provider").and_then(Value::as_object_mut) {
            p.remove("coreCloudFormationTemplate");
            p.remove("compiledCloudFormationTemplate");
        }
    }
    if let Some(p) = s["package"].as_object_mut() {
        p.remove("artifactDirectoryName");
    }
    sha256_b64(
        serde_json::to_string(&sorted(&s))
            .unwrap_or_default()
            .as_bytes(),
    )
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(o) => {
            let m: BTreeMap<&String, Value> = o.iter().map(|(k, v)| (k, sorted(v))).collect();
            Value::Object(m.into_iter().map(|(k, v)| (k.clone(), v)).collect())
        }
        Value::Array(a) => Value::Array(a.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_hash_ignores_s3_keys_and_key_order() {
        let a = json!({"Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Key": "a/1/x.zip"}}}, "B": {}}, "Outputs": {}});
        let b = json!({"Resources": {"B": {}, "F": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Key": "a/2/x.zip"}}}}, "Outputs": {}});
        assert_eq!(template_hash(&a), template_hash(&b));
    }

    fn layer_pkg(hash: &str, dir: &str) -> PackageResult {
        let config = json!({"service": "s", "provider": {"name": "aws", "runtime": "python3.11"}, "functions": {}});
        let key = format!("{dir}/pythonRequirements.zip");
        let template = json!({
            "Resources": {"PythonRequirementsLambdaLayer": {"Type": "AWS::Lambda::LayerVersion", "Properties": {"Content": {"S3Bucket": "b", "S3Key": key}}}},
            "Outputs": {
                "PythonRequirementsLambdaLayerHash": {"Value": hash},
                "PythonRequirementsLambdaLayerS3Key": {"Value": key},
            }
        });
        let artifact = |name: &str, functions: Vec<String>| crate::zipper::Artifact {
            path: name.into(),
            file_name: name.into(),
            sha256: String::new(),
            functions,
        };
        PackageResult {
            service: Service::from_config(&config, "dev", "us-east-1").unwrap(),
            out_dir: ".".into(),
            artifact_directory_name: dir.into(),
            artifacts: vec![
                artifact("s.zip", vec!["f".into()]),
                artifact("pythonRequirements.zip", vec![]),
            ],
            create_template: json!({}),
            update_template: template,
            state: json!({"service": {"provider": {}}}),
            notices: vec![],
            config,
            layers: vec![],
            reused_layers: vec![],
        }
    }

    #[test]
    fn an_unchanged_layer_keeps_its_deployed_key_and_is_not_uploaded() {
        let deployed = vec![
            (
                "PythonRequirementsLambdaLayerHash".to_string(),
                "h1".to_string(),
            ),
            (
                "PythonRequirementsLambdaLayerS3Key".to_string(),
                "old/pythonRequirements.zip".to_string(),
            ),
        ];
        let p = reuse_deployed_layers(&layer_pkg("h1", "new"), &deployed).expect("reused");
        let t = &p.update_template;
        assert_eq!(
            t["Resources"]["PythonRequirementsLambdaLayer"]["Properties"]["Content"]["S3Key"],
            "old/pythonRequirements.zip"
        );
        assert_eq!(
            t["Outputs"]["PythonRequirementsLambdaLayerS3Key"]["Value"],
            "old/pythonRequirements.zip"
        );
        let files: Vec<_> = p.artifacts.iter().map(|a| a.file_name.as_str()).collect();
        assert_eq!(files, vec!["s.zip"]);
        // A changed hash, or no deployed stack: nothing reused.
        assert!(reuse_deployed_layers(&layer_pkg("h2", "new"), &deployed).is_none());
        assert!(reuse_deployed_layers(&layer_pkg("h1", "new"), &[]).is_none());
        // Layer S3 keys do not count as a template change (v3 normalisation).
        let resources =
            |dir: &str| json!({"Resources": layer_pkg("h1", dir).update_template["Resources"]});
        assert_eq!(
            template_hash(&resources("a")),
            template_hash(&resources("b"))
        );
    }
}
