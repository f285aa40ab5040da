//! v3's API Gateway "update stage" step (`lib/plugins/aws/package/compile/events/api-gateway/
//! lib/hack/update-stage.js`, the `after:deploy:deploy` hook): settings of the REST API's stage
//! that v3 applies through API calls after the stack update, not in the template.
//!
//! Honoured here: `provider.tracing.apiGateway` (`/tracingEnabled`),
//! `provider.apiGateway.metrics` (`/*/*/metrics/enabled`), `provider.logs.restApi` (access log
//! settings into `/aws/api-gateway/<service>-<stage>`, execution log level and data trace; the
//! log group and the account's CloudWatch role are in the template) and the stage tags
//! (`provider.stackTags` merged with `provider.tags`, through `TagResource`/`UntagResource`).
//! Without access logging, v3 deletes that log group (ignoring errors): so does sls.
//!
//! As v3: nothing happens when none of those settings is given, or when the service uses an
//! external REST API (`provider.apiGateway.restApiId`); the stage is created from the API's
//! deployment when it is missing; patch operations go in one `UpdateStage`, then tags are added,
//! then stale ones (not `aws:*`) removed.

use std::collections::HashMap;

use aws_sdk_apigateway::types::{Op, PatchOperation};
use serde_json::Value;

use super::Clients;
use crate::error::{DeployError, Result};
use crate::package::PackageResult;
use sls_config::is_truthy as truthy;

/// JavaScript `String(v)` of a JSON value (tag values, as lodash `mapValues(…, String)`).
fn js_string(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => "null".into(),
        Value::Array(a) => a
            .iter()
            .map(|x| match x {
                Value::Null => String::new(),
                x => js_string(x),
            })
            .collect::<Vec<_>>()
            .join(","),
        Value::Object(_) => "[object Object]".into(),
        other => other.to_string(),
    }
}

fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else {
        "aws"
    }
}

/// What v3 would do to the stage, from the provider settings (no network).
#[derive(Debug, Default, PartialEq)]
pub(super) struct StagePlan {
    /// `(path, value)` of `replace` operations, in v3's order (tracing, then metrics).
    pub replace: Vec<(&'static str, String)>,
    /// `Some` when `provider.tags` or `provider.stackTags` is given: stackTags merged with tags.
    pub tags: Option<HashMap<String, String>>,
    /// Tracing is configured (a missing deployment is then an error, as in v3).
    pub tracing: bool,
    /// `provider.logs.restApi` when configured (not null): `false`, `true` or its settings.
    pub logs: Option<Value>,
}

/// v3's default access log format (`defaultApiGatewayLogFormat`).
const DEFAULT_LOG_FORMAT: &str = "requestId: $context.requestId, ip: $context.identity.sourceIp, caller: $context.identity.caller, user: $context.identity.user, requestTime: $context.requestTime, httpMethod: $context.httpMethod, resourcePath: $context.resourcePath, status: $context.status, protocol: $context.protocol, responseLength: $context.responseLength";

/// `true` unless the setting is given and not truthy (v3 `x == null ? true : x`).
fn default_true(logs: &Value, key: &str) -> bool {
    logs.get(key).filter(|v| !v.is_null()).is_none_or(truthy)
}

/// v3 `handleLogs`: the patch operations (op, path, value) for `provider.logs.restApi`, with
/// `log_group_arn` the access log destination.
fn log_operations(logs: &Value, log_group_arn: &str) -> Vec<(Op, &'static str, Option<String>)> {
    if !truthy(logs) {
        return vec![
            (Op::Replace, "/*/*/logging/dataTrace", Some("false".into())),
            (Op::Replace, "/*/*/logging/loglevel", Some("OFF".into())),
        ];
    }
    let mut ops = Vec::new();
    if default_true(logs, "accessLogging") {
        let format = logs
            .get("format")
            .and_then(Value::as_str)
            .filter(|f| !f.is_empty())
            .unwrap_or(DEFAULT_LOG_FORMAT);
        ops.push((
            Op::Replace,
            "/accessLogSettings/destinationArn",
            Some(log_group_arn.to_string()),
        ));
        ops.push((
            Op::Replace,
            "/accessLogSettings/format",
            Some(format.to_string()),
        ));
    } else {
        // Removes any access log setting left from before.
        ops.push((Op::Remove, "/accessLogSettings", None));
    }
    let data_trace = default_true(logs, "fullExecutionData");
    ops.push((
        Op::Replace,
        "/*/*/logging/dataTrace",
        Some(data_trace.to_string()),
    ));
    let level = if !default_true(logs, "executionLogging") {
        "OFF".to_string()
    } else {
        logs.get("level")
            .and_then(Value::as_str)
            .filter(|l| !l.is_empty())
            .unwrap_or("INFO")
            .to_string()
    };
    ops.push((Op::Replace, "/*/*/logging/loglevel", Some(level)));
    ops
}

/// Whether the service keeps REST API access logs (else v3 deletes their log group).
fn access_logging(plan: &StagePlan) -> bool {
    plan.logs
        .as_ref()
        .is_some_and(|l| truthy(l) && default_true(l, "accessLogging"))
}

impl StagePlan {
    pub(super) fn from_provider(provider: &Value) -> Self {
        let mut plan = StagePlan::default();
        if let Some(t) = provider
            .get("tracing")
            .and_then(|t| t.get("apiGateway"))
            .filter(|v| !v.is_null())
        {
            plan.tracing = true;
            plan.replace
                .push(("/tracingEnabled", truthy(t).to_string()));
        }
        if let Some(m) = provider
            .get("apiGateway")
            .and_then(|a| a.get("metrics"))
            .filter(|v| !v.is_null())
        {
            plan.replace
                .push(("/*/*/metrics/enabled", truthy(m).to_string()));
        }
        plan.logs = provider
            .get("logs")
            .and_then(|l| l.get("restApi"))
            .filter(|v| !v.is_null())
            .cloned();
        let stack_tags = provider.get("stackTags").filter(|v| !v.is_null());
        let tags = provider.get("tags").filter(|v| !v.is_null());
        if stack_tags.is_some() || tags.is_some() {
            let mut merged = HashMap::new();
            for src in [stack_tags, tags].into_iter().flatten() {
                if let Some(o) = src.as_object() {
                    for (k, v) in o {
                        merged.insert(k.clone(), js_string(v));
                    }
                }
            }
            plan.tags = Some(merged);
        }
        plan
    }

    fn is_empty(&self) -> bool {
        self.replace.is_empty() && self.tags.is_none() && self.logs.is_none()
    }
}

/// The logical id of the template's one REST API that a deployment refers to (v3
/// `resolveApiGatewayResource`).
fn rest_api_logical_id(template: &Value) -> Option<&str> {
    let resources = template.get("Resources")?.as_object()?;
    let apis: Vec<&String> = resources
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::ApiGateway::RestApi")
        .map(|(k, _)| k)
        .collect();
    let [api] = apis.as_slice() else {
        return None;
    };
    resources
        .values()
        .any(|r| {
            r["Type"] == "AWS::ApiGateway::Deployment"
                && r["Properties"]["RestApiId"]["Ref"].as_str() == Some(api.as_str())
        })
        .then_some(api.as_str())
}

fn has_http_events(service_state: &Value) -> bool {
    service_state
        .get("functions")
        .and_then(Value::as_object)
        .is_some_and(|fns| {
            fns.values().any(|f| {
                f.get("events")
                    .and_then(Value::as_array)
                    .is_some_and(|es| es.iter().any(|e| e.get("http").is_some()))
            })
        })
}

/// v3: no REST API id or deployment found is an error only with `http` events and tracing or
/// logs.
fn not_resolved(plan: &StagePlan, pkg: &PackageResult) -> Result<()> {
    if (plan.tracing || plan.logs.is_some()) && has_http_events(&pkg.state["service"]) {
        let at = match plan.tracing {
            true => "provider.tracing.apiGateway",
            false => "provider.logs.restApi",
        };
        return Err(DeployError::config(
            at,
            "Rest API id could not be resolved. This might be caused by a custom API Gateway configuration. In this setup stage specific options such as `tracing`, `logs` and `tags` are not supported; remove it",
        ));
    }
    Ok(())
}

/// v3 `updateStage`, run after the stack operation (and after a skipped deployment too).
pub(super) async fn update_stage(c: &Clients, pkg: &PackageResult) -> Result<()> {
    let provider = &pkg.state["service"]["provider"];
    let plan = StagePlan::from_provider(provider);
    if plan.is_empty() {
        return Ok(());
    }
    // An external REST API: v3 leaves its stage alone.
    if provider
        .get("apiGateway")
        .and_then(|a| a.get("restApiId"))
        .is_some_and(truthy)
    {
        return Ok(());
    }
    let Some(logical_id) = rest_api_logical_id(&pkg.update_template) else {
        // No REST API of this stack. (v3 would then look an API up by its name when there are
        // `http` events; sls always compiles `ApiGatewayRestApi` for them.)
        return Ok(());
    };
    let service = &pkg.service;
    // v3 `resolveRestApiId`: the API of that name (the first one, as GetRestApis lists them).
    let api_name = pkg.update_template["Resources"][logical_id]["Properties"]["Name"]
        .as_str()
        .unwrap_or_default();
    let mut rest_api_id = String::new();
    let mut position: Option<String> = None;
    loop {
        let page = c
            .apigw
            .get_rest_apis()
            .limit(500)
            .set_position(position.take())
            .send()
            .await
            .map_err(c.fail("apigateway:GET", "/restapis"))?;
        if let Some(api) = page.items().iter().find(|a| a.name() == Some(api_name)) {
            rest_api_id = api.id().unwrap_or_default().to_string();
            break;
        }
        match page.position() {
            Some(p) if !p.is_empty() => position = Some(p.to_string()),
            _ => break,
        }
    }
    if rest_api_id.is_empty() {
        return not_resolved(&plan, pkg);
    }
    let stage = service.stage.as_str();
    let stage_arn = format!(
        "arn:{}:apigateway:{}::/restapis/{rest_api_id}/stages/{stage}",
        partition(&service.region),
        service.region
    );

    // v3 `resolveStage`: any failure means "no stage yet".
    let current = c
        .apigw
        .get_stage()
        .rest_api_id(&rest_api_id)
        .stage_name(stage)
        .send()
        .await
        .ok();
    if current.is_none() {
        // v3 `resolveDeploymentId` + `ensureStage`: the stage from the API's deployment.
        let deployments = c
            .apigw
            .get_deployments()
            .rest_api_id(&rest_api_id)
            .limit(500)
            .send()
            .await
            .map_err(c.fail(
                "apigateway:GET",
                format!("/restapis/{rest_api_id}/deployments"),
            ))?;
        let Some(deployment_id) = deployments.items().first().and_then(|d| d.id()) else {
            return not_resolved(&plan, pkg);
        };
        c.apigw
            .create_stage()
            .rest_api_id(&rest_api_id)
            .stage_name(stage)
            .deployment_id(deployment_id)
            .send()
            .await
            .map_err(c.fail("apigateway:POST", stage_arn.clone()))?;
    }

    // v3 `applyUpdates`: one UpdateStage with every patch operation.
    let mut all: Vec<(Op, &str, Option<String>)> = plan
        .replace
        .iter()
        .map(|(path, value)| (Op::Replace, *path, Some(value.clone())))
        .collect();
    let log_group = format!("/aws/api-gateway/{}-{stage}", service.name);
    if let Some(logs) = &plan.logs {
        let account = stack_account(c, pkg).await?;
        let arn = format!(
            "arn:{}:logs:{}:{account}:log-group:{log_group}",
            partition(&service.region),
            service.region
        );
        all.extend(log_operations(logs, &arn));
    }
    if !all.is_empty() {
        let ops: Vec<PatchOperation> = all
            .into_iter()
            .map(|(op, path, value)| {
                PatchOperation::builder()
                    .op(op)
                    .path(path)
                    .set_value(value)
                    .build()
            })
            .collect();
        c.apigw
            .update_stage()
            .rest_api_id(&rest_api_id)
            .stage_name(stage)
            .set_patch_operations(Some(ops))
            .send()
            .await
            .map_err(c.fail("apigateway:UpdateStage", stage_arn.clone()))?;
    }

    // v3 `handleTags` + `addTags` + `removeTags`.
    if let Some(merged) = plan.tags.clone() {
        let current_tags: HashMap<String, String> = current
            .as_ref()
            .and_then(|s| s.tags())
            .cloned()
            .unwrap_or_default();
        let stale: Vec<String> = current_tags
            .keys()
            .filter(|k| !k.starts_with("aws:") && !merged.contains_key(*k))
            .cloned()
            .collect();
        if current_tags != merged && !merged.is_empty() {
            c.apigw
                .tag_resource()
                .resource_arn(&stage_arn)
                .set_tags(Some(merged))
                .send()
                .await
                .map_err(c.fail("apigateway:TagResource", stage_arn.clone()))?;
        }
        if !stale.is_empty() {
            c.apigw
                .untag_resource()
                .resource_arn(&stage_arn)
                .set_tag_keys(Some(stale))
                .send()
                .await
                .map_err(c.fail("apigateway:UntagResource", stage_arn.clone()))?;
        }
    }
    // v3 `removeAccessLoggingLogGroup`: so that turning logs on again finds no group of that
    // name; any error is ignored, as in v3.
    if !access_logging(&plan) {
        let _ = c
            .logs
            .delete_log_group()
            .log_group_name(&log_group)
            .send()
            .await;
    }
    Ok(())
}

/// The account of the deployed stack (from its id), for the access logs' destination ARN.
async fn stack_account(c: &Clients, pkg: &PackageResult) -> Result<String> {
    let name = pkg.service.stack_name.as_str();
    let out = c
        .cfn
        .describe_stacks()
        .stack_name(name)
        .send()
        .await
        .map_err(c.fail("cloudformation:DescribeStacks", name.to_string()))?;
    let id = out
        .stacks()
        .first()
        .and_then(|s| s.stack_id())
        .unwrap_or_default();
    match id.split(':').nth(4).filter(|a| !a.is_empty()) {
        Some(account) => Ok(account.to_string()),
        None => Err(DeployError::config(
            "provider.logs.restApi",
            format!("could not tell the account of stack {name} for the access log destination"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plan_follows_v3() {
        assert!(StagePlan::from_provider(&json!({"name": "aws"})).is_empty());
        let p = StagePlan::from_provider(&json!({
            "tracing": {"apiGateway": true},
            "apiGateway": {"metrics": false},
            "stackTags": {"a": "1", "b": 2},
            "tags": {"b": "x", "c": true}
        }));
        assert_eq!(
            p.replace,
            [
                ("/tracingEnabled", "true".to_string()),
                ("/*/*/metrics/enabled", "false".to_string())
            ]
        );
        let tags = p.tags.unwrap();
        assert_eq!(tags["a"], "1");
        assert_eq!(tags["b"], "x", "tags override stackTags");
        assert_eq!(tags["c"], "true");
        // `tracing.apiGateway: false` is still configured: it turns tracing off.
        let off = StagePlan::from_provider(&json!({"tracing": {"apiGateway": false}}));
        assert_eq!(off.replace, [("/tracingEnabled", "false".to_string())]);
    }

    fn ops(logs: Value) -> Vec<(String, String, Option<String>)> {
        log_operations(&logs, "arn:g")
            .into_iter()
            .map(|(op, p, v)| (op.as_str().to_string(), p.to_string(), v))
            .collect()
    }

    #[test]
    fn rest_api_logs_follow_v3() {
        let s = |x: &str| Some(x.to_string());
        assert_eq!(
            ops(json!(true)),
            [
                (
                    "replace".into(),
                    "/accessLogSettings/destinationArn".into(),
                    s("arn:g")
                ),
                (
                    "replace".into(),
                    "/accessLogSettings/format".into(),
                    s(DEFAULT_LOG_FORMAT)
                ),
                ("replace".into(), "/*/*/logging/dataTrace".into(), s("true")),
                ("replace".into(), "/*/*/logging/loglevel".into(), s("INFO")),
            ]
        );
        assert_eq!(
            ops(json!({"accessLogging": false, "fullExecutionData": false, "level": "ERROR"})),
            [
                ("remove".into(), "/accessLogSettings".into(), None),
                (
                    "replace".into(),
                    "/*/*/logging/dataTrace".into(),
                    s("false")
                ),
                ("replace".into(), "/*/*/logging/loglevel".into(), s("ERROR")),
            ]
        );
        let off = ops(json!({"executionLogging": false, "format": "$context.requestId"}));
        assert_eq!(off[1].2, s("$context.requestId"));
        assert_eq!(off[3].2, s("OFF"));
        assert_eq!(
            ops(json!(false)),
            [
                (
                    "replace".into(),
                    "/*/*/logging/dataTrace".into(),
                    s("false")
                ),
                ("replace".into(), "/*/*/logging/loglevel".into(), s("OFF")),
            ]
        );
        let plan =
            StagePlan::from_provider(&json!({"logs": {"restApi": {"accessLogging": false}}}));
        assert!(!plan.is_empty() && !access_logging(&plan));
        assert!(access_logging(&StagePlan::from_provider(
            &json!({"logs": {"restApi": true}})
        )));
    }

    #[test]
    fn rest_api_needs_a_deployment_referring_to_it() {
        let t = json!({"Resources": {
            "ApiGatewayRestApi": {"Type": "AWS::ApiGateway::RestApi"},
            "ApiGatewayDeployment1": {"Type": "AWS::ApiGateway::Deployment",
                "Properties": {"RestApiId": {"Ref": "ApiGatewayRestApi"}}}
        }});
        assert_eq!(rest_api_logical_id(&t), Some("ApiGatewayRestApi"));
        let t = json!({"Resources": {"ApiGatewayRestApi": {"Type": "AWS::ApiGateway::RestApi"}}});
        assert_eq!(rest_api_logical_id(&t), None);
        assert_eq!(partition("cn-north-1"), "aws-cn");
        assert_eq!(partition("eu-west-1"), "aws");
    }
}
