//! `provider.naming` as plugins see it (host/naming.js, run by real node) gives what sls's own
//! naming (sls-compile) gives, for every function both have, on names with the characters
//! that matter (dashes, underscores, dots, path variables, mixed case, digits).

use std::path::Path;
use std::process::Command;

use serde_json::{json, Value};
use sls_compile::naming as n;

/// `(JavaScript function, its arguments, what sls's naming gives)`.
fn cases() -> Vec<(&'static str, Value, String)> {
    let mut out: Vec<(&'static str, Value, String)> = Vec::new();
    for f in ["hello", "hello-world_fn", "Create_User-2", "a.b"] {
        out.extend([
            (
                "getNormalizedFunctionName",
                json!([f]),
                n::normalized_function_name(f),
            ),
            ("getLambdaLogicalId", json!([f]), n::lambda_logical_id(f)),
            (
                "getLogGroupLogicalId",
                json!([f]),
                n::log_group_logical_id(f),
            ),
            (
                "getLambdaVersionLogicalId",
                json!([f, "ab+c/D="]),
                n::lambda_version_logical_id(f, "ab+c/D="),
            ),
            (
                "getLambdaVersionOutputLogicalId",
                json!([f]),
                n::lambda_version_output_logical_id(f),
            ),
            ("getLogGroupName", json!([f]), n::log_group_name(f)),
            ("normalizeName", json!([f]), n::normalize_name(f)),
            (
                "normalizeNameToAlphaNumericOnly",
                json!([f]),
                n::normalize_name_alphanumeric(f),
            ),
            ("getScheduleId", json!([f]), n::schedule_id(f)),
            (
                "getScheduleLogicalId",
                json!([f, 2]),
                n::schedule_logical_id(f, 2),
            ),
            (
                "getSchedulerScheduleLogicalId",
                json!([f, 3]),
                n::scheduler_schedule_logical_id(f, 3),
            ),
            (
                "getLambdaSchedulePermissionLogicalId",
                json!([f, 1]),
                n::lambda_schedule_permission_logical_id(f, 1),
            ),
            (
                "getQueueLogicalId",
                json!([f, "my-queue.fifo"]),
                n::queue_logical_id(f, "my-queue.fifo"),
            ),
            (
                "getStreamLogicalId",
                json!([f, "kinesis", "my_stream-1"]),
                n::stream_logical_id(f, "kinesis", "my_stream-1"),
            ),
            (
                "getStreamConsumerLogicalId",
                json!([f]),
                n::stream_consumer_logical_id(f),
            ),
            ("getTopicLogicalId", json!([f]), n::topic_logical_id(f)),
            (
                "getTopicDLQPolicyLogicalId",
                json!([f, "dlq-topic"]),
                n::topic_dlq_policy_logical_id(f, "dlq-topic"),
            ),
            (
                "getLambdaSnsSubscriptionLogicalId",
                json!([f, "t.x"]),
                n::lambda_sns_subscription_logical_id(f, "t.x"),
            ),
            (
                "getLambdaSnsPermissionLogicalId",
                json!([f, "t.x"]),
                n::lambda_sns_permission_logical_id(f, "t.x"),
            ),
            ("getBucketLogicalId", json!([f]), n::bucket_logical_id(f)),
            (
                "getLambdaS3PermissionLogicalId",
                json!([f, "my.bucket-1"]),
                n::lambda_s3_permission_logical_id(f, "my.bucket-1"),
            ),
            (
                "getEventBridgeEventBusLogicalId",
                json!([f]),
                n::event_bridge_event_bus_logical_id(f),
            ),
            (
                "getEventBridgeRuleLogicalId",
                json!([f]),
                n::event_bridge_rule_logical_id(f),
            ),
            (
                "getEventBridgeLambdaPermissionLogicalId",
                json!([f, 1]),
                n::event_bridge_lambda_permission_logical_id(f, 1),
            ),
            (
                "getCloudWatchEventId",
                json!([f]),
                n::cloud_watch_event_id(f),
            ),
            (
                "getCloudWatchEventLogicalId",
                json!([f, 1]),
                n::cloud_watch_event_logical_id(f, 1),
            ),
            (
                "getLambdaCloudWatchEventPermissionLogicalId",
                json!([f, 1]),
                n::lambda_cloud_watch_event_permission_logical_id(f, 1),
            ),
            (
                "getCloudWatchLogLogicalId",
                json!([f, 1]),
                n::cloud_watch_log_logical_id(f, 1),
            ),
            (
                "getLambdaCloudWatchLogPermissionLogicalId",
                json!([f]),
                n::lambda_cloud_watch_log_permission_logical_id(f),
            ),
            (
                "getLambdaAlexaSkillPermissionLogicalId",
                json!([f, 2]),
                n::lambda_alexa_skill_permission_logical_id(f, 2),
            ),
            (
                "getLambdaAlexaSmartHomePermissionLogicalId",
                json!([f, 1]),
                n::lambda_alexa_smart_home_permission_logical_id(f, 1),
            ),
            ("getIotLogicalId", json!([f, 1]), n::iot_logical_id(f, 1)),
            (
                "getLambdaIotPermissionLogicalId",
                json!([f, 1]),
                n::lambda_iot_permission_logical_id(f, 1),
            ),
            (
                "getCognitoUserPoolLogicalId",
                json!([f]),
                n::cognito_user_pool_logical_id(f),
            ),
            (
                "getLambdaCognitoUserPoolPermissionLogicalId",
                json!([f, "pool-1", "PreSignUp"]),
                n::lambda_cognito_user_pool_permission_logical_id(f, "pool-1", "PreSignUp"),
            ),
            (
                "getKafkaEventLogicalId",
                json!([f, "topic.a"]),
                n::kafka_event_logical_id(f, "topic.a"),
            ),
            (
                "getActiveMQEventLogicalId",
                json!([f, "q-1"]),
                n::active_mq_event_logical_id(f, "q-1"),
            ),
            (
                "getRabbitMQEventLogicalId",
                json!([f, "q-1"]),
                n::rabbit_mq_event_logical_id(f, "q-1"),
            ),
            (
                "getMSKEventLogicalId",
                json!([f, "cluster/x", "t"]),
                n::msk_event_logical_id(f, "cluster/x", "t"),
            ),
            (
                "getAlbTargetGroupLogicalId",
                json!([f, "abc", true]),
                n::alb_target_group_logical_id(f, "abc", true),
            ),
            (
                "getAlbTargetGroupLogicalId",
                json!([f, "abc", false]),
                n::alb_target_group_logical_id(f, "abc", false),
            ),
            (
                "getAlbListenerRuleLogicalId",
                json!([f, 10]),
                n::alb_listener_rule_logical_id(f, 10),
            ),
            (
                "getLambdaAlbPermissionLogicalId",
                json!([f]),
                n::lambda_alb_permission_logical_id(f),
            ),
            (
                "getLambdaRegisterTargetPermissionLogicalId",
                json!([f]),
                n::lambda_register_target_permission_logical_id(f),
            ),
            (
                "getIotFleetProvisioningLogicalId",
                json!([f]),
                n::iot_fleet_provisioning_logical_id(f),
            ),
            (
                "getLambdaIotFleetProvisioningPermissionLogicalId",
                json!([f]),
                n::lambda_iot_fleet_provisioning_permission_logical_id(f),
            ),
            (
                "getAuthorizerLogicalId",
                json!([f]),
                n::api_gateway_authorizer_logical_id(f),
            ),
            (
                "getLambdaApiGatewayPermissionLogicalId",
                json!([f]),
                n::lambda_api_gateway_permission_logical_id(f),
            ),
            (
                "getHttpApiIntegrationLogicalId",
                json!([f]),
                n::http_api_integration_logical_id(f),
            ),
            (
                "getHttpApiAuthorizerLogicalId",
                json!([f]),
                n::http_api_authorizer_logical_id(f),
            ),
            (
                "getLambdaHttpApiPermissionLogicalId",
                json!([f]),
                n::lambda_http_api_permission_logical_id(f),
            ),
            (
                "getLambdaAuthorizerHttpApiPermissionLogicalId",
                json!([f]),
                n::lambda_authorizer_http_api_permission_logical_id(f),
            ),
        ]);
    }
    for p in ["users/{id}/orders", "v1/my-path/{proxy+}", "a_b.c"] {
        out.extend([
            ("normalizePath", json!([p]), n::normalize_api_path(p)),
            (
                "getResourceLogicalId",
                json!([p]),
                n::api_gateway_resource_logical_id(p),
            ),
            (
                "getHttpApiRouteLogicalId",
                json!([format!("GET /{p}")]),
                n::http_api_route_logical_id(&format!("GET /{p}")),
            ),
        ]);
    }
    out.extend([
        (
            "getHttpApiRouteLogicalId",
            json!(["*"]),
            n::http_api_route_logical_id("*"),
        ),
        (
            "getMethodLogicalId",
            json!(["UsersVar", "GET"]),
            n::api_gateway_method_logical_id("UsersVar", "GET"),
        ),
        (
            "extractAuthorizerNameFromArn",
            json!(["arn:aws:lambda:us-east-1:1:function:svc-dev-auth"]),
            n::authorizer_name_from_arn("arn:aws:lambda:us-east-1:1:function:svc-dev-auth"),
        ),
        (
            "getApiKeyLogicalId",
            json!([1, "free-key"]),
            n::api_key_logical_id(1, Some("free-key")),
        ),
        (
            "getApiKeyLogicalId",
            json!([2]),
            n::api_key_logical_id(2, None),
        ),
        (
            "getUsagePlanLogicalId",
            json!(["free"]),
            n::usage_plan_logical_id(Some("free")),
        ),
        (
            "getUsagePlanLogicalId",
            json!([]),
            n::usage_plan_logical_id(None),
        ),
        (
            "getUsagePlanKeyLogicalId",
            json!([1, "free"]),
            n::usage_plan_key_logical_id(1, Some("free")),
        ),
        (
            "generateApiGatewayDeploymentLogicalId",
            json!(["1700000000000"]),
            n::api_gateway_deployment_logical_id("1700000000000"),
        ),
    ]);
    out
}

#[test]
fn plugin_naming_matches_sls_naming() {
    let cases = cases();
    let calls: Vec<Value> = cases.iter().map(|(f, args, _)| json!([f, args])).collect();
    let naming = Path::new(env!("CARGO_MANIFEST_DIR")).join("host/naming.js");
    let script = format!(
        "const n=require({naming:?});process.stdout.write(JSON.stringify({calls}.map(([f,a])=>String(n[f](...a)))))",
        naming = naming.to_str().unwrap(),
        calls = Value::Array(calls),
    );
    let out = Command::new("node")
        .arg("-e")
        .arg(script)
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<String> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got.len(), cases.len());
    let differ: Vec<String> = cases
        .iter()
        .zip(&got)
        .filter(|((_, _, want), got)| want != *got)
        .map(|((f, args, want), got)| format!("{f}{args}: sls {want}, plugins {got}"))
        .collect();
    assert!(differ.is_empty(), "{}", differ.join("\n"));
    assert!(cases.len() > 200, "{} cases", cases.len());
}
