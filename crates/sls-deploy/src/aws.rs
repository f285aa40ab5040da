//! The AWS side: `deploy`, `info`, `remove` and `deploy_function`, built on the SDK clients made
//! from the caller's `SdkConfig`. Progress goes out as [`DeployEvent`]s; nothing is printed here.
//!
//! The flow follows v3 (`lib/plugins/aws/deploy/**`, `remove/**`, `deploy-function.js`):
//! core stack → upload artifacts → update stack from `TemplateURL` → wait → prune old artifacts.
//! Every future here is cancel-safe: dropping it (Ctrl-C) leaves CloudFormation to finish what
//! it started.

use std::collections::{BTreeMap, HashSet};
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::{Capability, OnFailure, Stack, Tag};
use aws_sdk_s3::primitives::ByteStream;
use serde_json::{json, Value};

use crate::error::{DeployError, ResourceFailure, Result};
use crate::naming;
use crate::package::PackageResult;
use crate::service::Service;
use crate::zipper::sha256_b64;

/// Progress of a long operation, for the CLI to render (spinner on a terminal, lines otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployEvent {
    /// A step started or finished ("Creating CloudFormation stack", ...).
    Step(String),
    /// A file is being uploaded to the deployment bucket.
    Upload { file: String, bytes: u64 },
    /// A CloudFormation stack event.
    Stack {
        logical_id: String,
        resource_type: String,
        status: String,
        reason: Option<String>,
    },
}

/// How to talk to AWS.
#[derive(Debug, Clone)]
pub struct AwsOptions {
    /// Use S3 path-style addressing (needed for loopback endpoints such as moto).
    pub s3_path_style: bool,
    /// Deploy even when nothing changed (`--force`).
    pub force: bool,
    /// Pause between two polls of CloudFormation.
    pub poll_interval: Duration,
    /// Give up waiting (CloudFormation keeps going) after this long.
    pub wait_timeout: Duration,
}

impl Default for AwsOptions {
    fn default() -> Self {
        AwsOptions {
            s3_path_style: false,
            force: false,
            poll_interval: Duration::from_secs(2),
            wait_timeout: Duration::from_secs(3600),
        }
    }
}

/// What `deploy` did.
#[derive(Debug, Clone)]
pub enum DeployOutcome {
    /// The stack was created or updated (or CloudFormation found nothing to update).
    Deployed { info: ServiceInfo },
    /// Same template and artifacts as the last deployment: nothing was uploaded or changed.
    Skipped { info: ServiceInfo },
}

/// What `sls info` shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceInfo {
    pub service: String,
    pub stage: String,
    pub region: String,
    pub stack: String,
    pub stack_status: String,
    /// (function key, deployed function name)
    pub functions: Vec<(String, String)>,
    /// (output key, value, description)
    pub outputs: Vec<(String, String, Option<String>)>,
}

/// What `remove` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoveOutcome {
    Removed {
        stack: String,
        objects_deleted: usize,
    },
    /// There was no stack: nothing to do.
    NotFound { stack: String },
}

/// What `deploy_function` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionOutcome {
    Updated {
        name: String,
        code_sha256: String,
    },
    /// The deployed code already has this hash (configuration may still have been updated).
    CodeUnchanged {
        name: String,
        code_sha256: String,
    },
}

struct Clients {
    cfn: aws_sdk_cloudformation::Client,
    s3: aws_sdk_s3::Client,
}

impl Clients {
    fn new(sdk: &SdkConfig, opts: &AwsOptions) -> Self {
        let s3 = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(opts.s3_path_style)
            .build();
        Clients {
            cfn: aws_sdk_cloudformation::Client::new(sdk),
            s3: aws_sdk_s3::Client::from_conf(s3),
        }
    }
}

type SdkError<E> =
    aws_sdk_cloudformation::error::SdkError<E, aws_sdk_cloudformation::config::http::HttpResponse>;

fn aws_err<E>(service: &'static str, operation: &'static str) -> impl Fn(SdkError<E>) -> DeployError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    move |e| {
        let status = e.raw_response().map(|r| r.status().as_u16());
        let message = match (e.code(), e.message()) {
            (Some(c), Some(m)) => format!("{c}: {m}"),
            (Some(c), None) => c.to_string(),
            (None, Some(m)) => m.to_string(),
            // An error body the SDK could not read: the HTTP status is what is left.
            (None, None) if status.is_some() => {
                let s = status.unwrap_or_default();
                let hint = match s {
                    403 => " (access denied: check the IAM policy of the identity in use)",
                    404 => " (not found)",
                    _ => "",
                };
                format!("HTTP {s}{hint}")
            }
            // Transport errors: show the cause chain (no credentials are in it).
            (None, None) => {
                let mut s = e.to_string();
                let mut src = std::error::Error::source(&e);
                while let Some(inner) = src {
                    s.push_str(": ");
                    s.push_str(&inner.to_string());
                    src = inner.source();
                }
                s
            }
        };
        DeployError::Aws {
            service,
            operation,
            message,
        }
    }
}

/// `None` when the stack does not exist.
async fn describe_stack(cfn: &aws_sdk_cloudformation::Client, name: &str) -> Result<Option<Stack>> {
    match cfn.describe_stacks().stack_name(name).send().await {
        Ok(out) => Ok(out.stacks().first().cloned()),
        Err(e) if e.message().is_some_and(|m| m.contains("does not exist")) => Ok(None),
        Err(e) => Err(aws_err("CloudFormation", "DescribeStacks")(e)),
    }
}

fn status_of(stack: &Stack) -> String {
    stack
        .stack_status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

fn stack_tags(service: &Service) -> Vec<Tag> {
    // v3 `getSharedStackActionParams`: STAGE, overridden (case-insensitively) by stackTags.
    let mut tags: Vec<(String, String)> = vec![("STAGE".into(), service.stage.clone())];
    if let Some(custom) = &service.provider.stack_tags {
        tags.retain(|(k, _)| !custom.keys().any(|c| c.eq_ignore_ascii_case(k)));
        for (k, v) in custom {
            let v = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            tags.push((k.clone(), v));
        }
    }
    tags.into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

const CAPABILITIES: [Capability; 3] = [
    Capability::CapabilityIam,
    Capability::CapabilityNamedIam,
    Capability::CapabilityAutoExpand,
];

/// Waits until the stack leaves every `*_IN_PROGRESS` state, reporting new stack events.
/// Returns the final stack (`None` once a deleted stack is gone).
async fn wait_for_stack(
    cfn: &aws_sdk_cloudformation::Client,
    stack_id: &str,
    display_name: &str,
    opts: &AwsOptions,
    seen: &mut HashSet<String>,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<Option<Stack>> {
    let start = Instant::now();
    loop {
        report_new_events(cfn, stack_id, seen, on_event).await;
        let stack = describe_stack(cfn, stack_id).await?;
        let Some(stack) = stack else { return Ok(None) };
        let status = status_of(&stack);
        if !status.ends_with("_IN_PROGRESS") {
            report_new_events(cfn, stack_id, seen, on_event).await;
            return Ok(Some(stack));
        }
        if start.elapsed() > opts.wait_timeout {
            return Err(DeployError::Timeout {
                stack_name: display_name.to_string(),
                seconds: opts.wait_timeout.as_secs(),
            });
        }
        tokio::time::sleep(opts.poll_interval).await;
    }
}

/// Emits stack events not seen before (oldest first). Errors here only cost progress output.
async fn report_new_events(
    cfn: &aws_sdk_cloudformation::Client,
    stack_id: &str,
    seen: &mut HashSet<String>,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) {
    let Ok(out) = cfn
        .describe_stack_events()
        .stack_name(stack_id)
        .send()
        .await
    else {
        return;
    };
    let mut fresh = Vec::new();
    for e in out.stack_events() {
        let id = e.event_id().unwrap_or_default().to_string();
        if seen.insert(id) {
            fresh.push(DeployEvent::Stack {
                logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
                resource_type: e.resource_type().unwrap_or_default().to_string(),
                status: e
                    .resource_status()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                reason: e.resource_status_reason().map(str::to_string),
            });
        }
    }
    // The API lists newest first.
    for ev in fresh.into_iter().rev() {
        on_event(ev);
    }
}

/// Event ids that exist before an operation starts, so only new ones are reported.
async fn existing_events(cfn: &aws_sdk_cloudformation::Client, stack: &str) -> HashSet<String> {
    match cfn.describe_stack_events().stack_name(stack).send().await {
        Ok(out) => out
            .stack_events()
            .iter()
            .filter_map(|e| e.event_id().map(str::to_string))
            .collect(),
        Err(_) => HashSet::new(),
    }
}

/// Failed resources (with reasons) from the stack's events since `before`.
async fn failures(
    cfn: &aws_sdk_cloudformation::Client,
    stack_id: &str,
    before: &HashSet<String>,
) -> Vec<ResourceFailure> {
    let Ok(out) = cfn
        .describe_stack_events()
        .stack_name(stack_id)
        .send()
        .await
    else {
        return Vec::new();
    };
    out.stack_events()
        .iter()
        .filter(|e| !before.contains(e.event_id().unwrap_or_default()))
        .filter(|e| {
            e.resource_status()
                .is_some_and(|s| s.as_str().ends_with("_FAILED"))
        })
        .map(|e| ResourceFailure {
            logical_id: e.logical_resource_id().unwrap_or_default().to_string(),
            resource_type: e.resource_type().unwrap_or_default().to_string(),
            status: e
                .resource_status()
                .map(|s| s.as_str().to_string())
                .unwrap_or_default(),
            reason: e.resource_status_reason().unwrap_or_default().to_string(),
        })
        .rev()
        .collect()
}

fn is_success(status: &str, op: &str) -> bool {
    match op {
        "create" => status == "CREATE_COMPLETE",
        "update" => status == "UPDATE_COMPLETE" || status == "CREATE_COMPLETE",
        _ => status == "DELETE_COMPLETE",
    }
}

/// Runs a create/update to its end and turns a failed end state into an error.
async fn finish_operation(
    c: &Clients,
    stack_id: &str,
    stack_name: &str,
    op: &str,
    opts: &AwsOptions,
    before: HashSet<String>,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<()> {
    let mut seen = before.clone();
    let stack = wait_for_stack(&c.cfn, stack_id, stack_name, opts, &mut seen, on_event).await?;
    let status = stack
        .as_ref()
        .map(status_of)
        .unwrap_or_else(|| "DELETE_COMPLETE".into());
    if is_success(&status, op) {
        return Ok(());
    }
    Err(DeployError::StackFailed {
        stack_name: stack_name.to_string(),
        status,
        failures: failures(&c.cfn, stack_id, &before).await,
    })
}

/// Waits for a stack another run left in progress; a missing stack stays missing.
async fn settle(
    c: &Clients,
    stack_name: &str,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<Option<Stack>> {
    let Some(stack) = describe_stack(&c.cfn, stack_name).await? else {
        return Ok(None);
    };
    let status = status_of(&stack);
    if status == "REVIEW_IN_PROGRESS" {
        return Err(DeployError::StackState {
            stack_name: stack_name.into(),
            status,
            hint: "it is being deployed by someone else, or a previous deployment failed; run `sls remove` if it is abandoned",
        });
    }
    if !status.ends_with("_IN_PROGRESS") {
        return Ok(Some(stack));
    }
    on_event(DeployEvent::Step(format!(
        "Stack {stack_name} is {status}; waiting for it to finish"
    )));
    let id = stack.stack_id().unwrap_or(stack_name).to_string();
    let mut seen = existing_events(&c.cfn, &id).await;
    let stack = wait_for_stack(&c.cfn, &id, stack_name, opts, &mut seen, on_event).await?;
    match stack {
        Some(s) if status_of(&s) == "DELETE_COMPLETE" => Ok(None),
        other => Ok(other),
    }
}

/// The bucket holding the artifacts: the configured one, else the core stack's.
async fn bucket_name(c: &Clients, service: &Service, stack: &Stack) -> Result<String> {
    if let Some(b) = &service.provider.deployment_bucket {
        return Ok(b.clone());
    }
    if let Some(v) = stack
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some(naming::BUCKET_OUTPUT_LOGICAL_ID))
        .and_then(|o| o.output_value())
    {
        return Ok(v.to_string());
    }
    let out = c
        .cfn
        .describe_stack_resource()
        .stack_name(&service.stack_name)
        .logical_resource_id(naming::BUCKET_LOGICAL_ID)
        .send()
        .await
        .map_err(aws_err("CloudFormation", "DescribeStackResource"))?;
    out.stack_resource_detail()
        .and_then(|d| d.physical_resource_id())
        .map(str::to_string)
        .ok_or_else(|| DeployError::NotDeployed {
            what: format!("the deployment bucket of stack \"{}\"", service.stack_name),
        })
}

/// v3 `normalizeCloudFormationTemplate`: S3 keys blanked, resources and outputs key-sorted.
fn template_hash(template: &Value) -> String {
    let mut t = template.clone();
    if let Some(res) = t["Resources"].as_object_mut() {
        for r in res.values_mut() {
            if r["Type"] == "AWS::Lambda::Function" && r["Properties"]["Code"].is_object() {
                r["Properties"]["Code"]["S3Key"] = json!("");
            }
        }
    }
    t["Resources"] = sorted(&t["Resources"]);
    if t.get("Outputs").is_some() {
        t["Outputs"] = sorted(&t["Outputs"]);
    }
    sha256_b64(serde_json::to_string(&t).unwrap_or_default().as_bytes())
}

/// v3 `normalizeState`: the state without its templates and artifact directory.
fn state_hash(state: &Value) -> String {
    let mut s = state.clone();
    if let Some(svc) = s["service"].as_object_mut() {
        svc.remove("initialServerlessConfig");
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

/// All keys under `prefix`.
async fn list_keys(c: &Clients, bucket: &str, prefix: &str) -> Result<Vec<String>> {
    let mut keys = Vec::new();
    let mut token = None;
    loop {
        let out =
            c.s3.list_objects_v2()
                .bucket(bucket)
                .prefix(prefix)
                .set_continuation_token(token)
                .send()
                .await
                .map_err(|e| {
                    if e.code() == Some("NoSuchBucket") {
                        DeployError::MissingBucket {
                            bucket: bucket.to_string(),
                            stack_name: String::new(),
                        }
                    } else {
                        aws_err("S3", "ListObjectsV2")(e)
                    }
                })?;
        keys.extend(
            out.contents()
                .iter()
                .filter_map(|o| o.key().map(str::to_string)),
        );
        match out.next_continuation_token() {
            Some(t) if out.is_truncated() == Some(true) => token = Some(t.to_string()),
            _ => break,
        }
    }
    Ok(keys)
}

/// Deployment directories (`<prefix>/<service>/<stage>/<epochMs>-<ISO>`), oldest first.
fn deployment_dirs(keys: &[String], prefix: &str) -> Vec<String> {
    let mut dirs: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            let rest = k.strip_prefix(prefix)?;
            let (dir, _) = rest.split_once('/')?;
            let (ms, iso) = dir.split_once('-')?;
            (ms.chars().all(|c| c.is_ascii_digit()) && !ms.is_empty() && iso.contains('T'))
                .then(|| format!("{prefix}{dir}"))
        })
        .collect();
    dirs.sort_by_key(|d| {
        let name = &d[prefix.len()..];
        let ms: u128 = name
            .split('-')
            .next()
            .and_then(|m| m.parse().ok())
            .unwrap_or(0);
        (ms, name.to_string())
    });
    dirs.dedup();
    dirs
}

async fn delete_keys(
    c: &Clients,
    bucket: &str,
    objects: Vec<(String, Option<String>)>,
) -> Result<()> {
    use aws_sdk_s3::types::{Delete, ObjectIdentifier};
    for chunk in objects.chunks(1000) {
        let ids: Vec<ObjectIdentifier> = chunk
            .iter()
            .filter_map(|(k, v)| {
                ObjectIdentifier::builder()
                    .key(k)
                    .set_version_id(v.clone())
                    .build()
                    .ok()
            })
            .collect();
        let delete = Delete::builder()
            .set_objects(Some(ids))
            .quiet(true)
            .build()
            .map_err(|e| DeployError::Aws {
                service: "S3",
                operation: "DeleteObjects",
                message: e.to_string(),
            })?;
        c.s3.delete_objects()
            .bucket(bucket)
            .delete(delete)
            .send()
            .await
            .map_err(aws_err("S3", "DeleteObjects"))?;
    }
    Ok(())
}

async fn put(
    c: &Clients,
    service: &Service,
    bucket: &str,
    key: String,
    body: ByteStream,
    sha: &str,
    content_type: Option<&str>,
) -> Result<()> {
    let mut req =
        c.s3.put_object()
            .bucket(bucket)
            .key(key)
            .body(body)
            .metadata("filesha256", sha)
            .set_content_type(content_type.map(str::to_string));
    // v3 `setS3UploadEncryptionOptions`.
    if let Some(sse) = &service.provider.bucket_sse {
        req = req.server_side_encryption(sse.as_str().into());
    }
    if let Some(k) = &service.provider.bucket_sse_kms_key_id {
        req = req.ssekms_key_id(k);
    }
    req.send().await.map_err(aws_err("S3", "PutObject"))?;
    Ok(())
}

/// `sls deploy`: create the core stack if needed, upload, update the stack, wait, prune.
pub async fn deploy(
    sdk: &SdkConfig,
    pkg: &PackageResult,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<DeployOutcome> {
    let c = Clients::new(sdk, opts);
    let service = &pkg.service;
    let name = service.stack_name.as_str();
    validate_stack_name(name)?;
    let role = service.provider.deployment_role.clone();
    let tags = stack_tags(service);

    let mut stack = settle(&c, name, opts, on_event).await?;
    if let Some(s) = &stack {
        let status = status_of(s);
        if status == "ROLLBACK_COMPLETE" || status == "ROLLBACK_FAILED" || status == "DELETE_FAILED"
        {
            return Err(DeployError::StackState {
                stack_name: name.into(),
                status,
                hint: "its creation failed and it cannot be updated; run `sls remove`, then deploy again",
            });
        }
    }
    let create_later = stack.is_none() && service.uses_custom_bucket();
    if stack.is_none() && !create_later {
        on_event(DeployEvent::Step(format!(
            "Creating CloudFormation stack {name}"
        )));
        let body = serde_json::to_string(&pkg.create_template).unwrap_or_default();
        let out = c
            .cfn
            .create_stack()
            .stack_name(name)
            .template_body(body)
            .on_failure(OnFailure::Delete)
            .set_capabilities(Some(CAPABILITIES.to_vec()))
            .set_role_arn(role.clone())
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .map_err(aws_err("CloudFormation", "CreateStack"))?;
        let id = out.stack_id().unwrap_or(name).to_string();
        finish_operation(&c, &id, name, "create", opts, HashSet::new(), on_event).await?;
        stack = describe_stack(&c.cfn, &id).await?;
    }

    let bucket = match &stack {
        Some(s) => bucket_name(&c, service, s).await?,
        None => service
            .provider
            .deployment_bucket
            .clone()
            .unwrap_or_default(),
    };
    let prefix = service.artifact_prefix();
    let template_sha = template_hash(&pkg.update_template);
    let state_text = serde_json::to_string_pretty(&pkg.state).unwrap_or_default();
    let state_sha = state_hash(&pkg.state);

    let existing = list_keys(&c, &bucket, &prefix).await.map_err(|e| match e {
        DeployError::MissingBucket { bucket, .. } => DeployError::MissingBucket {
            bucket,
            stack_name: name.to_string(),
        },
        other => other,
    })?;
    if !opts.force && stack.is_some() {
        if let Some(last) = deployment_dirs(&existing, &prefix).last() {
            let mut remote = Vec::new();
            for key in existing
                .iter()
                .filter(|k| k.starts_with(&format!("{last}/")))
            {
                let head =
                    c.s3.head_object()
                        .bucket(&bucket)
                        .key(key)
                        .send()
                        .await
                        .map_err(aws_err("S3", "HeadObject"))?;
                remote.push(
                    head.metadata()
                        .and_then(|m| m.get("filesha256"))
                        .cloned()
                        .unwrap_or_default(),
                );
            }
            let mut local: Vec<String> = vec![template_sha.clone(), state_sha.clone()];
            let mut zips: Vec<&str> = pkg.artifacts.iter().map(|a| a.sha256.as_str()).collect();
            zips.dedup();
            local.extend(zips.into_iter().map(str::to_string));
            remote.sort();
            local.sort();
            if remote == local {
                on_event(DeployEvent::Step(
                    "Service files not changed. Skipping deployment...".into(),
                ));
                return Ok(DeployOutcome::Skipped {
                    info: info_from(&c, service).await?,
                });
            }
        }
    }

    let dir = &pkg.artifact_directory_name;
    on_event(DeployEvent::Step(
        "Uploading CloudFormation file to S3".into(),
    ));
    let template_text = serde_json::to_string(&pkg.update_template).unwrap_or_default();
    let template_key = format!("{dir}/{}", naming::COMPILED_TEMPLATE_S3_FILE);
    put(
        &c,
        service,
        &bucket,
        template_key.clone(),
        ByteStream::from(template_text.into_bytes()),
        &template_sha,
        Some("application/json"),
    )
    .await?;
    put(
        &c,
        service,
        &bucket,
        format!("{dir}/{}", naming::STATE_FILE),
        ByteStream::from(state_text.into_bytes()),
        &state_sha,
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
        put(
            &c,
            service,
            &bucket,
            format!("{dir}/{}", a.file_name),
            body,
            &a.sha256,
            None,
        )
        .await?;
    }

    // v3 builds this URL for every region; moto serves it from its own S3 too.
    let url = format!(
        "https://{}/{bucket}/{template_key}",
        naming::s3_endpoint_for_region(&service.region)
    );
    if create_later {
        on_event(DeployEvent::Step(format!(
            "Creating CloudFormation stack {name}"
        )));
        let out = c
            .cfn
            .create_stack()
            .stack_name(name)
            .template_url(&url)
            .on_failure(OnFailure::Delete)
            .set_capabilities(Some(CAPABILITIES.to_vec()))
            .set_role_arn(role.clone())
            .set_tags(Some(tags.clone()))
            .send()
            .await
            .map_err(aws_err("CloudFormation", "CreateStack"))?;
        let id = out.stack_id().unwrap_or(name).to_string();
        finish_operation(&c, &id, name, "create", opts, HashSet::new(), on_event).await?;
    } else {
        on_event(DeployEvent::Step(format!(
            "Updating CloudFormation stack {name}"
        )));
        let id = stack
            .as_ref()
            .and_then(|s| s.stack_id())
            .unwrap_or(name)
            .to_string();
        let before = existing_events(&c.cfn, &id).await;
        let res = c
            .cfn
            .update_stack()
            .stack_name(name)
            .template_url(&url)
            .set_capabilities(Some(CAPABILITIES.to_vec()))
            // Always sent: an update without RoleARN would drop the role.
            .set_role_arn(role.clone())
            .set_tags(Some(tags.clone()))
            .send()
            .await;
        match res {
            Ok(_) => finish_operation(&c, &id, name, "update", opts, before, on_event).await?,
            Err(e)
                if e.message()
                    .is_some_and(|m| m.contains("No updates are to be performed")) =>
            {
                on_event(DeployEvent::Step("No updates are to be performed".into()));
            }
            Err(e) => return Err(aws_err("CloudFormation", "UpdateStack")(e)),
        }
    }

    // Keep the newest N deployments' artifacts (v3: maxPreviousDeploymentArtifacts, 5).
    let keys = list_keys(&c, &bucket, &prefix).await?;
    let dirs = deployment_dirs(&keys, &prefix);
    let keep = service.provider.max_previous_deployment_artifacts.max(1);
    if dirs.len() > keep {
        let old: HashSet<&String> = dirs[..dirs.len() - keep].iter().collect();
        let doomed: Vec<(String, Option<String>)> = keys
            .iter()
            .filter(|k| old.iter().any(|d| k.starts_with(&format!("{d}/"))))
            .map(|k| (k.clone(), None))
            .collect();
        if !doomed.is_empty() {
            on_event(DeployEvent::Step(
                "Removing old service artifacts from S3".into(),
            ));
            delete_keys(&c, &bucket, doomed).await?;
        }
    }
    Ok(DeployOutcome::Deployed {
        info: info_from(&c, service).await?,
    })
}

/// v3's stack name rule: starts with a letter, letters/digits/hyphens, at most 128 characters.
fn validate_stack_name(name: &str) -> Result<()> {
    let ok = name.len() <= 128
        && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    if ok {
        Ok(())
    } else {
        Err(DeployError::config(
            "provider.stackName",
            format!("the stack name \"{name}\" is not valid: use letters, digits and hyphens, start with a letter, at most 128 characters"),
        ))
    }
}

async fn info_from(c: &Clients, service: &Service) -> Result<ServiceInfo> {
    let stack = describe_stack(&c.cfn, &service.stack_name)
        .await?
        .ok_or_else(|| DeployError::NotDeployed {
            what: format!("stack \"{}\"", service.stack_name),
        })?;
    Ok(ServiceInfo {
        service: service.name.clone(),
        stage: service.stage.clone(),
        region: service.region.clone(),
        stack: service.stack_name.clone(),
        stack_status: status_of(&stack),
        functions: service
            .functions
            .iter()
            .map(|f| (f.key.clone(), f.name.clone()))
            .collect(),
        outputs: stack
            .outputs()
            .iter()
            .map(|o| {
                (
                    o.output_key().unwrap_or_default().to_string(),
                    o.output_value().unwrap_or_default().to_string(),
                    o.description().map(str::to_string),
                )
            })
            .collect(),
    })
}

/// `sls info`: the deployed stack's status, functions and outputs.
pub async fn info(sdk: &SdkConfig, service: &Service, opts: &AwsOptions) -> Result<ServiceInfo> {
    info_from(&Clients::new(sdk, opts), service).await
}

/// `sls remove`: empty the deployment bucket (all versions), delete the stack, wait.
pub async fn remove(
    sdk: &SdkConfig,
    service: &Service,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<RemoveOutcome> {
    let c = Clients::new(sdk, opts);
    let name = service.stack_name.as_str();
    let Some(stack) = settle(&c, name, opts, on_event).await? else {
        return Ok(RemoveOutcome::NotFound { stack: name.into() });
    };
    let mut deleted = 0;
    // A user's bucket is shared: only this service's prefix is emptied there.
    let (bucket, prefix) = match &service.provider.deployment_bucket {
        Some(b) => (Some(b.clone()), service.artifact_prefix()),
        None => (bucket_name(&c, service, &stack).await.ok(), String::new()),
    };
    if let Some(bucket) = bucket {
        on_event(DeployEvent::Step(format!(
            "Emptying deployment bucket {bucket}"
        )));
        match all_versions(&c, &bucket, &prefix).await {
            Ok(objects) => {
                deleted = objects.len();
                delete_keys(&c, &bucket, objects).await?;
            }
            // Already gone: nothing to empty.
            Err(DeployError::MissingBucket { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    on_event(DeployEvent::Step(format!(
        "Removing CloudFormation stack {name}"
    )));
    let id = stack.stack_id().unwrap_or(name).to_string();
    let before = existing_events(&c.cfn, &id).await;
    c.cfn
        .delete_stack()
        .stack_name(&id)
        .set_role_arn(service.provider.deployment_role.clone())
        .send()
        .await
        .map_err(aws_err("CloudFormation", "DeleteStack"))?;
    finish_operation(&c, &id, name, "delete", opts, before, on_event).await?;
    Ok(RemoveOutcome::Removed {
        stack: name.into(),
        objects_deleted: deleted,
    })
}

/// Every object version and delete marker under `prefix`.
async fn all_versions(
    c: &Clients,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<(String, Option<String>)>> {
    let mut out = Vec::new();
    let (mut key_marker, mut version_marker) = (None, None);
    loop {
        let page =
            c.s3.list_object_versions()
                .bucket(bucket)
                .prefix(prefix)
                .set_key_marker(key_marker)
                .set_version_id_marker(version_marker)
                .send()
                .await
                .map_err(|e| {
                    if e.code() == Some("NoSuchBucket") {
                        DeployError::MissingBucket {
                            bucket: bucket.into(),
                            stack_name: String::new(),
                        }
                    } else {
                        aws_err("S3", "ListObjectVersions")(e)
                    }
                })?;
        for v in page.versions() {
            if let Some(k) = v.key() {
                out.push((k.to_string(), v.version_id().map(str::to_string)));
            }
        }
        for m in page.delete_markers() {
            if let Some(k) = m.key() {
                out.push((k.to_string(), m.version_id().map(str::to_string)));
            }
        }
        if page.is_truncated() == Some(true) {
            key_marker = page.next_key_marker().map(str::to_string);
            version_marker = page.next_version_id_marker().map(str::to_string);
        } else {
            break;
        }
    }
    // Unversioned objects report version "null"; delete them by key alone.
    for (_, v) in out.iter_mut() {
        if v.as_deref() == Some("null") {
            *v = None;
        }
    }
    Ok(out)
}

/// `sls deploy function -f NAME [--update-config]`: update code (and configuration) through
/// Lambda directly. `pkg` is a fresh package of the service.
pub async fn deploy_function(
    sdk: &SdkConfig,
    pkg: &PackageResult,
    function: &str,
    update_config: bool,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<FunctionOutcome> {
    use aws_sdk_lambda::primitives::Blob;
    let lambda = aws_sdk_lambda::Client::new(sdk);
    let f = pkg
        .service
        .functions
        .iter()
        .find(|f| f.key == function)
        .ok_or_else(|| {
            DeployError::config(
                "functions",
                format!("function \"{function}\" is not defined in this service"),
            )
        })?;
    let artifact = pkg.artifact_of(function).ok_or_else(|| {
        DeployError::config(
            format!("functions.{function}"),
            "the function has no artifact",
        )
    })?;
    let current = lambda
        .get_function_configuration()
        .function_name(&f.name)
        .send()
        .await
        .map_err(|e| {
            if e.code() == Some("ResourceNotFoundException") {
                DeployError::NotDeployed {
                    what: format!("function \"{}\"", f.name),
                }
            } else {
                aws_err("Lambda", "GetFunctionConfiguration")(e)
            }
        })?;

    if update_config {
        on_event(DeployEvent::Step(format!(
            "Updating configuration of {}",
            f.name
        )));
        let res =
            &pkg.update_template["Resources"][naming::lambda_logical_id(&f.key)]["Properties"];
        let mut req = lambda
            .update_function_configuration()
            .function_name(&f.name)
            .handler(&f.handler)
            .set_runtime(res["Runtime"].as_str().map(Into::into))
            .set_memory_size(res["MemorySize"].as_i64().map(|n| n as i32))
            .set_timeout(res["Timeout"].as_i64().map(|n| n as i32))
            .description(f.description.clone().unwrap_or_default());
        if let Value::String(role) = &res["Role"] {
            req = req.role(role);
        }
        if let Some(vars) = res["Environment"]["Variables"].as_object() {
            let mut map = std::collections::HashMap::new();
            for (k, v) in vars {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(_) | Value::Bool(_) => v.to_string(),
                    _ => return Err(DeployError::config(
                        format!("functions.{function}.environment.{k}"),
                        "uses a CloudFormation intrinsic that only a full `sls deploy` can resolve",
                    )),
                };
                map.insert(k.clone(), v);
            }
            req = req.environment(
                aws_sdk_lambda::types::Environment::builder()
                    .set_variables(Some(map))
                    .build(),
            );
        }
        req.send()
            .await
            .map_err(aws_err("Lambda", "UpdateFunctionConfiguration"))?;
        wait_function_ready(&lambda, &f.name, opts).await?;
    }

    if !opts.force && current.code_sha256() == Some(artifact.sha256.as_str()) {
        on_event(DeployEvent::Step(
            "Code not changed. Skipping function deployment.".into(),
        ));
        return Ok(FunctionOutcome::CodeUnchanged {
            name: f.name.clone(),
            code_sha256: artifact.sha256.clone(),
        });
    }
    on_event(DeployEvent::Upload {
        file: artifact.file_name.clone(),
        bytes: std::fs::metadata(&artifact.path)
            .map(|m| m.len())
            .unwrap_or(0),
    });
    let bytes = std::fs::read(&artifact.path)
        .map_err(|e| DeployError::io("could not read", &artifact.path, e))?;
    let out = lambda
        .update_function_code()
        .function_name(&f.name)
        .zip_file(Blob::new(bytes))
        .send()
        .await
        .map_err(aws_err("Lambda", "UpdateFunctionCode"))?;
    Ok(FunctionOutcome::Updated {
        name: f.name.clone(),
        code_sha256: out.code_sha256().unwrap_or(&artifact.sha256).to_string(),
    })
}

/// Lambda rejects a code update while a configuration update is still being applied.
async fn wait_function_ready(
    lambda: &aws_sdk_lambda::Client,
    name: &str,
    opts: &AwsOptions,
) -> Result<()> {
    let start = Instant::now();
    loop {
        let cfg = lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(aws_err("Lambda", "GetFunctionConfiguration"))?;
        let busy = cfg
            .last_update_status()
            .is_some_and(|s| s.as_str() == "InProgress");
        if !busy || start.elapsed() > opts.wait_timeout {
            return Ok(());
        }
        tokio::time::sleep(opts.poll_interval).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_deployment_dirs_oldest_first() {
        let p = "serverless/s/dev/";
        let keys = vec![
            format!("{p}1700000000002-2023-11-14T22:13:20.002Z/s.zip"),
            format!("{p}1700000000001-2023-11-14T22:13:20.001Z/s.zip"),
            format!(
                "{p}1700000000001-2023-11-14T22:13:20.001Z/compiled-cloudformation-template.json"
            ),
            format!("{p}junk/x"),
        ];
        assert_eq!(
            deployment_dirs(&keys, p),
            vec![
                format!("{p}1700000000001-2023-11-14T22:13:20.001Z"),
                format!("{p}1700000000002-2023-11-14T22:13:20.002Z"),
            ]
        );
    }

    #[test]
    fn template_hash_ignores_s3_keys_and_key_order() {
        let a = json!({"Resources": {"F": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Key": "a/1/x.zip"}}}, "B": {}}, "Outputs": {}});
        let b = json!({"Resources": {"B": {}, "F": {"Type": "AWS::Lambda::Function", "Properties": {"Code": {"S3Key": "a/2/x.zip"}}}}, "Outputs": {}});
        assert_eq!(template_hash(&a), template_hash(&b));
    }

    #[test]
    fn stack_names() {
        assert!(validate_stack_name("my-svc-dev").is_ok());
        assert!(validate_stack_name("1abc").is_err());
        assert!(validate_stack_name("a_b").is_err());
    }
}
