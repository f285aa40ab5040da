//! CloudFormation stacks: describe, wait (reporting new stack events as they come), the failed
//! resources of an operation, and the settings every create/update sends (tags, capabilities).

use std::collections::HashSet;

use aws_sdk_cloudformation::error::ProvideErrorMetadata;
use aws_sdk_cloudformation::types::{
    Capability, ChangeSetType, OnFailure, Parameter, RollbackConfiguration, RollbackTrigger, Stack,
    Tag,
};
use serde_json::Value;

use super::{AwsOptions, Clients, DeployEvent, Waiter};
use crate::error::{DeployError, ResourceFailure, Result};
use sls_config::model::Service;

/// `None` when the stack does not exist.
pub(super) async fn describe_stack(c: &Clients, name: &str) -> Result<Option<Stack>> {
    match c.cfn.describe_stacks().stack_name(name).send().await {
        Ok(out) => Ok(out.stacks().first().cloned()),
        Err(e) if e.message().is_some_and(|m| m.contains("does not exist")) => Ok(None),
        Err(e) => Err(c
            .fail("cloudformation:DescribeStacks", format!("stack \"{name}\""))(
            e
        )),
    }
}

/// The outputs of the stack `name` as (key, value); `None` when there is no such stack. What
/// v3's `compareWithLastLayer` asks CloudFormation while packaging a service with `layers`.
pub async fn stack_outputs(
    sdk: &aws_config::SdkConfig,
    opts: &super::AwsOptions,
    name: &str,
) -> Result<Option<Vec<(String, String)>>> {
    let c = Clients::new(sdk, opts);
    let Some(stack) = describe_stack(&c, name).await? else {
        return Ok(None);
    };
    let outputs = stack
        .outputs()
        .iter()
        .filter_map(|o| Some((o.output_key()?.to_string(), o.output_value()?.to_string())))
        .collect();
    Ok(Some(outputs))
}

pub(super) fn status_of(stack: &Stack) -> String {
    stack
        .stack_status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

pub(super) fn stack_tags(service: &Service) -> Vec<Tag> {
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

pub(super) const CAPABILITIES: [Capability; 3] = [
    Capability::CapabilityIam,
    Capability::CapabilityNamedIam,
    Capability::CapabilityAutoExpand,
];

/// Waits until the stack leaves every `*_IN_PROGRESS` state, reporting new stack events.
/// Returns the final stack (`None` once a deleted stack is gone).
async fn wait_for_stack(
    c: &Clients,
    stack_id: &str,
    display_name: &str,
    opts: &AwsOptions,
    seen: &mut HashSet<String>,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<Option<Stack>> {
    let waiter = Waiter::new(opts);
    loop {
        report_new_events(&c.cfn, stack_id, seen, on_event).await;
        let Some(stack) = describe_stack(c, stack_id).await? else {
            return Ok(None);
        };
        if !status_of(&stack).ends_with("_IN_PROGRESS") {
            report_new_events(&c.cfn, stack_id, seen, on_event).await;
            return Ok(Some(stack));
        }
        if !waiter.next().await {
            return Err(DeployError::Timeout {
                stack_name: display_name.to_string(),
                seconds: opts.wait_timeout.as_secs(),
            });
        }
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
pub(super) async fn existing_events(
    cfn: &aws_sdk_cloudformation::Client,
    stack: &str,
) -> HashSet<String> {
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

/// Runs a create/update/delete to its end and turns a failed end state into an error.
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
    let stack = wait_for_stack(c, stack_id, stack_name, opts, &mut seen, on_event).await?;
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
/// `review_ok`: a stack in `REVIEW_IN_PROGRESS` (a CREATE change set never executed, e.g. an
/// interrupted first deploy) is returned as is, for a change set deploy to create it again.
pub(super) async fn settle(
    c: &Clients,
    stack_name: &str,
    review_ok: bool,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<Option<Stack>> {
    let Some(stack) = describe_stack(c, stack_name).await? else {
        return Ok(None);
    };
    let status = status_of(&stack);
    if status == "REVIEW_IN_PROGRESS" && review_ok {
        return Ok(Some(stack));
    }
    if status == "REVIEW_IN_PROGRESS" {
        return Err(DeployError::StackState {
            stack_name: stack_name.into(),
            status,
            hint: "It is being deployed by someone else, or a previous deployment failed; run `sls remove` if it is abandoned.",
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
    let stack = wait_for_stack(c, &id, stack_name, opts, &mut seen, on_event).await?;
    match stack {
        Some(s) if status_of(&s) == "DELETE_COMPLETE" => Ok(None),
        other => Ok(other),
    }
}

/// An idempotency token for one operation (`ClientRequestToken`, `ClientToken`): the same on
/// the SDK's retries of one request, so a retry after a lost answer is the same operation.
fn request_token(op: &str) -> String {
    use std::sync::atomic::{AtomicU32, Ordering};
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "sls-{op}-{}-{nanos}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Whether `stack` was created by a CreateStack sent at `sent` (a retry after a lost answer
/// meets AlreadyExists for its own stack): created no earlier than shortly before `sent`
/// (clock skew), and still creating or created.
fn created_by_this_call(stack: &Stack, sent: std::time::SystemTime) -> bool {
    let status = status_of(stack);
    let created = stack
        .creation_time()
        .and_then(|t| std::time::SystemTime::try_from(*t).ok());
    let recent = created.is_some_and(|t| t + std::time::Duration::from_secs(60) >= sent);
    recent && (status == "CREATE_IN_PROGRESS" || status == "CREATE_COMPLETE")
}

/// Where CreateStack reads the template from.
pub(super) enum Template<'a> {
    /// The core template, sent inline (there is no bucket yet).
    Body(String),
    /// The full template, uploaded to the deployment bucket first.
    Url(&'a str),
}

/// How the stack is created and updated: `provider.deploymentMethod`, `stackPolicy`,
/// `notificationArns`, `stackParameters`, `rollbackConfiguration` and `disableRollback`, sent
/// where v3 sends them (`get-shared-stack-action-params.js`, `get-create-stack-params.js`,
/// `get-update-stack-params.js`, `get-create-change-set-params.js`,
/// `get-execute-change-set-params.js`).
#[derive(Debug, Clone, Default)]
pub(super) struct Method {
    /// `changesets` (v3's default) rather than `direct` CreateStack/UpdateStack.
    pub change_sets: bool,
    /// `{"Statement": [...]}` of a non-empty `provider.stackPolicy`.
    pub stack_policy: Option<String>,
    /// SNS topics for the stack's events (v3 always sends the list, empty by default).
    pub notification_arns: Vec<String>,
    /// Template parameters.
    pub parameters: Vec<Parameter>,
    /// Alarms that roll an update back.
    pub rollback_configuration: Option<RollbackConfiguration>,
    /// Keep what was created when an operation fails (instead of rolling back / deleting).
    pub disable_rollback: bool,
}

impl Method {
    /// From the raw `provider` section (the typed model has none of these settings).
    pub(super) fn from_provider(provider: &Value) -> Method {
        let stack_policy = match &provider["stackPolicy"] {
            Value::Array(a) if !a.is_empty() => Some(a.clone()),
            _ => None,
        };
        let texts = |v: &Value| -> Vec<String> {
            v.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let parameters = provider["stackParameters"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| {
                        Parameter::builder()
                            .set_parameter_key(p["ParameterKey"].as_str().map(str::to_string))
                            .set_parameter_value(p["ParameterValue"].as_str().map(str::to_string))
                            .set_use_previous_value(p["UsePreviousValue"].as_bool())
                            .set_resolved_value(p["ResolvedValue"].as_str().map(str::to_string))
                            .build()
                    })
                    .collect()
            })
            .unwrap_or_default();
        let rollback = &provider["rollbackConfiguration"];
        let rollback_configuration = rollback.is_object().then(|| {
            let triggers = rollback["RollbackTriggers"].as_array().map(|a| {
                a.iter()
                    .map(|t| {
                        RollbackTrigger::builder()
                            .set_arn(t["Arn"].as_str().map(str::to_string))
                            .set_type(t["Type"].as_str().map(str::to_string))
                            .build()
                    })
                    .collect()
            });
            RollbackConfiguration::builder()
                .set_rollback_triggers(triggers)
                .set_monitoring_time_in_minutes(
                    rollback["MonitoringTimeInMinutes"]
                        .as_i64()
                        .map(|n| n as i32),
                )
                .build()
        });
        Method {
            change_sets: provider["deploymentMethod"].as_str() != Some("direct"),
            stack_policy: stack_policy
                .map(|statements| serde_json::json!({ "Statement": statements }).to_string()),
            notification_arns: texts(&provider["notificationArns"]),
            parameters,
            rollback_configuration,
            disable_rollback: provider["disableRollback"].as_bool() == Some(true),
        }
    }
}

/// Creates the stack (a CREATE change set, or CreateStack with `direct`) with v3's settings
/// (capabilities, `RoleARN`, tags), waited for to its end. Returns the stack id.
pub(super) async fn create(
    c: &Clients,
    service: &Service,
    template: Template<'_>,
    method: &Method,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<String> {
    let name = service.stack_name.as_str();
    on_event(DeployEvent::Step(format!(
        "Creating CloudFormation stack {name}"
    )));
    if method.change_sets {
        let (id, _) = change_set(
            c,
            service,
            ChangeSetType::Create,
            template,
            method,
            opts,
            on_event,
        )
        .await?;
        return Ok(id);
    }
    let req = c
        .cfn
        .create_stack()
        .client_request_token(request_token("create"))
        .stack_name(name)
        .set_capabilities(Some(CAPABILITIES.to_vec()))
        .set_role_arn(service.provider.deployment_role.clone())
        .set_tags(Some(stack_tags(service)))
        .set_notification_arns(Some(method.notification_arns.clone()))
        .set_parameters(Some(method.parameters.clone()));
    // v3: OnFailure DELETE, unless disableRollback keeps what was created.
    let req = if method.disable_rollback {
        req.disable_rollback(true)
    } else {
        req.on_failure(OnFailure::Delete)
    };
    let req = match template {
        Template::Body(body) => req.template_body(body),
        Template::Url(url) => req.template_url(url),
    };
    let sent = std::time::SystemTime::now();
    let id = match req.send().await {
        Ok(out) => out.stack_id().unwrap_or(name).to_string(),
        // The SDK retried a CreateStack whose answer was lost: the stack is ours, wait for it.
        Err(e) if e.code() == Some("AlreadyExistsException") => {
            match describe_stack(c, name).await? {
                Some(stack) if created_by_this_call(&stack, sent) => {
                    stack.stack_id().unwrap_or(name).to_string()
                }
                _ => {
                    return Err(c
                        .fail("cloudformation:CreateStack", format!("stack \"{name}\""))(
                        e
                    ))
                }
            }
        }
        Err(e) => {
            return Err(c
                .fail("cloudformation:CreateStack", format!("stack \"{name}\""))(
                e
            ))
        }
    };
    finish_operation(c, &id, name, "create", opts, HashSet::new(), on_event).await?;
    Ok(id)
}

/// UpdateStack from the uploaded template, waited for to its end. CloudFormation's "No updates
/// are to be performed" is not a failure: `Ok(false)` says nothing changed.
/// With change sets (the default) an UPDATE change set is executed and the stack policy set
/// afterwards (v3 `update-stack.js`); with `direct`, UpdateStack carries the policy.
pub(super) async fn update(
    c: &Clients,
    service: &Service,
    stack_id: &str,
    url: &str,
    method: &Method,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<bool> {
    let name = service.stack_name.as_str();
    on_event(DeployEvent::Step(format!(
        "Updating CloudFormation stack {name}"
    )));
    if method.change_sets {
        let (_, changed) = change_set(
            c,
            service,
            ChangeSetType::Update,
            Template::Url(url),
            method,
            opts,
            on_event,
        )
        .await?;
        if let Some(policy) = &method.stack_policy {
            on_event(DeployEvent::Step("Setting stack policy".into()));
            c.cfn
                .set_stack_policy()
                .stack_name(name)
                .stack_policy_body(policy)
                .send()
                .await
                .map_err(c.fail("cloudformation:SetStackPolicy", format!("stack \"{name}\"")))?;
        }
        return Ok(changed);
    }
    let before = existing_events(&c.cfn, stack_id).await;
    let res = c
        .cfn
        .update_stack()
        .client_request_token(request_token("update"))
        .stack_name(name)
        .template_url(url)
        .set_capabilities(Some(CAPABILITIES.to_vec()))
        // Always sent: an update without RoleARN would drop the role.
        .set_role_arn(service.provider.deployment_role.clone())
        .set_tags(Some(stack_tags(service)))
        .set_stack_policy_body(method.stack_policy.clone())
        .set_notification_arns(Some(method.notification_arns.clone()))
        .set_parameters(Some(method.parameters.clone()))
        .set_rollback_configuration(method.rollback_configuration.clone())
        .set_disable_rollback(method.disable_rollback.then_some(true))
        .send()
        .await;
    match res {
        Ok(_) => finish_operation(c, stack_id, name, "update", opts, before, on_event)
            .await
            .map(|()| true),
        Err(e)
            if e.message()
                .is_some_and(|m| m.contains("No updates are to be performed")) =>
        {
            on_event(DeployEvent::Step("No updates are to be performed".into()));
            Ok(false)
        }
        Err(e) => Err(c
            .fail("cloudformation:UpdateStack", format!("stack \"{name}\""))(
            e
        )),
    }
}

/// `<stack>-change-set`, v3's `getStackChangeSetName`.
fn change_set_name(stack: &str) -> String {
    format!("{stack}-change-set")
}

/// v3's change set deploy: delete a leftover change set of this name, create the change set
/// (CREATE: a new stack, UPDATE otherwise), wait until it is ready, execute it and wait for the
/// stack. An empty change set is deleted and counts as nothing to do. Returns the stack id,
/// and whether the change set changed anything.
async fn change_set(
    c: &Clients,
    service: &Service,
    kind: ChangeSetType,
    template: Template<'_>,
    method: &Method,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<(String, bool)> {
    let name = service.stack_name.as_str();
    let cs = change_set_name(name);
    let resource = format!("change set \"{cs}\" of stack \"{name}\"");
    let existing = describe_stack(c, name).await?;
    if existing.is_some() {
        delete_change_set(c, name, &cs, &resource).await?;
    }
    let before = match &existing {
        Some(s) => existing_events(&c.cfn, s.stack_id().unwrap_or(name)).await,
        None => HashSet::new(),
    };
    let req = c
        .cfn
        .create_change_set()
        .client_token(request_token("changeset"))
        .stack_name(name)
        .change_set_name(&cs)
        .change_set_type(kind.clone())
        .set_capabilities(Some(CAPABILITIES.to_vec()))
        .set_role_arn(service.provider.deployment_role.clone())
        .set_tags(Some(stack_tags(service)))
        .set_notification_arns(Some(method.notification_arns.clone()))
        .set_parameters(Some(method.parameters.clone()))
        .set_rollback_configuration(method.rollback_configuration.clone());
    let req = match template {
        Template::Body(body) => req.template_body(body),
        Template::Url(url) => req.template_url(url),
    };
    let stack_id = match req.send().await {
        Ok(out) => out.stack_id().unwrap_or(name).to_string(),
        // A retry after a lost answer: the leftover was deleted above, so a change set of this
        // name is the one this deploy just created.
        Err(e) if e.code() == Some("AlreadyExistsException") => {
            match c
                .cfn
                .describe_change_set()
                .stack_name(name)
                .change_set_name(&cs)
                .send()
                .await
            {
                Ok(d) if d.stack_id().is_some() => d.stack_id().unwrap_or(name).to_string(),
                _ => {
                    return Err(c.fail("cloudformation:CreateChangeSet", resource.clone())(
                        e,
                    ))
                }
            }
        }
        Err(e) => {
            return Err(c.fail("cloudformation:CreateChangeSet", resource.clone())(
                e,
            ))
        }
    };

    // Wait for the change set (v3 `waitForChangeSetCreation`).
    let waiter = Waiter::new(opts);
    loop {
        let d = c
            .cfn
            .describe_change_set()
            .stack_name(&stack_id)
            .change_set_name(&cs)
            .send()
            .await
            .map_err(c.fail("cloudformation:DescribeChangeSet", resource.clone()))?;
        let status = d
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        let reason = d.status_reason().unwrap_or_default().to_string();
        match status.as_str() {
            "CREATE_COMPLETE" => break,
            "FAILED" if is_empty_change_set(&reason) => {
                on_event(DeployEvent::Step("No changes to deploy".into()));
                delete_change_set(c, &stack_id, &cs, &resource).await?;
                return Ok((stack_id, false));
            }
            "FAILED" | "DELETE_COMPLETE" | "DELETE_FAILED" => {
                return Err(DeployError::StackFailed {
                    stack_name: name.to_string(),
                    status: format!("change set {status}"),
                    failures: vec![ResourceFailure {
                        logical_id: cs.clone(),
                        resource_type: "AWS::CloudFormation::ChangeSet".into(),
                        status,
                        reason,
                    }],
                });
            }
            _ => {}
        }
        if !waiter.next().await {
            return Err(DeployError::Timeout {
                stack_name: name.to_string(),
                seconds: opts.wait_timeout.as_secs(),
            });
        }
    }

    on_event(DeployEvent::Step(format!("Executing change set {cs}")));
    let executed = c
        .cfn
        .execute_change_set()
        .client_request_token(request_token("execute"))
        .stack_name(&stack_id)
        .change_set_name(&cs)
        .set_disable_rollback(method.disable_rollback.then_some(true))
        .send()
        .await;
    if let Err(e) = executed {
        // A retry after a lost answer finds the change set executing or executed: go on waiting.
        let running = e.code() == Some("InvalidChangeSetStatus")
            && c.cfn
                .describe_change_set()
                .stack_name(&stack_id)
                .change_set_name(&cs)
                .send()
                .await
                .ok()
                .and_then(|d| d.execution_status().map(|s| s.as_str().to_string()))
                .is_some_and(|s| s == "EXECUTE_IN_PROGRESS" || s == "EXECUTE_COMPLETE");
        if !running {
            return Err(c.fail("cloudformation:ExecuteChangeSet", resource.clone())(
                e,
            ));
        }
    }
    let op = if kind == ChangeSetType::Create {
        "create"
    } else {
        "update"
    };
    finish_operation(c, &stack_id, name, op, opts, before, on_event).await?;
    Ok((stack_id, true))
}

/// CloudFormation's reasons for a change set with nothing in it (v3 checks both).
fn is_empty_change_set(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

/// DeleteChangeSet; a change set (or stack) that is not there is already deleted.
async fn delete_change_set(c: &Clients, stack: &str, cs: &str, resource: &str) -> Result<()> {
    match c
        .cfn
        .delete_change_set()
        .stack_name(stack)
        .change_set_name(cs)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e)
            if e.code() == Some("ChangeSetNotFound")
                || e.code() == Some("ChangeSetNotFoundException")
                || e.message().is_some_and(|m| {
                    m.contains("does not exist")
                        || m.contains("not found")
                        || m.contains("not exist")
                }) =>
        {
            Ok(())
        }
        Err(e) => Err(c
            .fail("cloudformation:DeleteChangeSet", resource.to_string())(
            e
        )),
    }
}

/// DeleteStack (with the deployment role), waited for until the stack is gone.
pub(super) async fn delete(
    c: &Clients,
    service: &Service,
    stack_id: &str,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<()> {
    let name = service.stack_name.as_str();
    on_event(DeployEvent::Step(format!(
        "Removing CloudFormation stack {name}"
    )));
    let before = existing_events(&c.cfn, stack_id).await;
    match c
        .cfn
        .delete_stack()
        .client_request_token(request_token("delete"))
        .stack_name(stack_id)
        .set_role_arn(service.provider.deployment_role.clone())
        .send()
        .await
    {
        Ok(_) => {}
        // Already gone (a retry after a lost answer, or someone else): done.
        Err(e) if e.message().is_some_and(|m| m.contains("does not exist")) => return Ok(()),
        Err(e) => {
            return Err(c
                .fail("cloudformation:DeleteStack", format!("stack \"{name}\""))(
                e
            ))
        }
    }
    finish_operation(c, stack_id, name, "delete", opts, before, on_event).await
}

/// v3's stack name rule: starts with a letter, letters/digits/hyphens, at most 128 characters.
pub(super) fn validate_stack_name(name: &str) -> Result<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stack_names() {
        assert!(validate_stack_name("my-svc-dev").is_ok());
        assert!(validate_stack_name("1abc").is_err());
        assert!(validate_stack_name("a_b").is_err());
    }

    #[test]
    fn empty_change_sets_and_methods() {
        assert!(is_empty_change_set(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        ));
        assert!(is_empty_change_set("No updates are to be performed."));
        assert!(!is_empty_change_set("Template format error"));
        let m = Method::from_provider(
            &serde_json::json!({"deploymentMethod": "direct", "stackPolicy": []}),
        );
        assert!(!m.change_sets && m.stack_policy.is_none());
        let m = Method::from_provider(&serde_json::json!({"stackPolicy": [{"Effect": "Allow"}]}));
        assert!(m.change_sets);
        assert_eq!(
            m.stack_policy.as_deref(),
            Some(r#"{"Statement":[{"Effect":"Allow"}]}"#)
        );
    }
}
