//! Names and logical ids exactly as v3's `lib/plugins/aws/lib/naming.js` builds them.

use serde_json::{json, Value};

/// `hello-world_fn` → `HelloDashworldUnderscorefn`: `-` → `Dash`, `_` → `Underscore`, first
/// letter upper-cased (v3 `getNormalizedFunctionName`).
pub fn normalized_function_name(name: &str) -> String {
    let replaced = name.replace('-', "Dash").replace('_', "Underscore");
    let mut chars = replaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

pub fn lambda_logical_id(function: &str) -> String {
    format!("{}LambdaFunction", normalized_function_name(function))
}

/// The alias every event of a function targets (v3 `functionObject.targetAlias`): `provisioned`
/// with `provisionedConcurrency`, `snapstart` with `snapStart`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TargetAlias {
    pub name: &'static str,
    pub logical_id: String,
}

/// v3 `getLambdaProvisionedConcurrencyAliasLogicalId` / `getLambdaSnapStartAliasLogicalId`.
pub fn target_alias(f: &sls_config::model::Function) -> Option<TargetAlias> {
    let norm = normalized_function_name(&f.key);
    if f.snap_start {
        return Some(TargetAlias {
            name: "snapstart",
            logical_id: format!("{norm}SnapStartLambdaAlias"),
        });
    }
    f.provisioned_concurrency.as_ref().map(|_| TargetAlias {
        name: "provisioned",
        logical_id: format!("{norm}ProvConcLambdaAlias"),
    })
}

/// The alias's logical id, if the function has one (v3 `_.get(targetAlias, 'logicalId')`).
pub fn target_alias_id(f: &sls_config::model::Function) -> Option<String> {
    target_alias(f).map(|a| a.logical_id)
}

pub fn log_group_logical_id(function: &str) -> String {
    format!("{}LogGroup", normalized_function_name(function))
}

/// Version ids carry the digest with every non-alphanumeric character removed.
pub fn lambda_version_logical_id(function: &str, digest: &str) -> String {
    let clean: String = digest
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect();
    format!("{}LambdaVersion{clean}", normalized_function_name(function))
}

pub fn lambda_version_output_logical_id(function: &str) -> String {
    format!(
        "{}LambdaFunctionQualifiedArn",
        normalized_function_name(function)
    )
}

/// `getLambdaLayerLogicalId`.
pub fn lambda_layer_logical_id(layer: &str) -> String {
    format!("{}LambdaLayer", normalized_function_name(layer))
}

/// `getLambdaLayerPermissionLogicalId`: JavaScript's `replace('*', 'Wild')` (the first only).
pub fn lambda_layer_permission_logical_id(layer: &str, account: &str) -> String {
    format!(
        "{}{}LambdaLayerPermission",
        normalized_function_name(layer),
        account.replacen('*', "Wild", 1)
    )
}

/// `getLambdaLayerOutputLogicalId`.
pub fn lambda_layer_output_logical_id(layer: &str) -> String {
    format!("{}QualifiedArn", lambda_layer_logical_id(layer))
}

/// `getLambdaLayerHashOutputLogicalId`.
pub fn lambda_layer_hash_output_logical_id(layer: &str) -> String {
    format!("{}Hash", lambda_layer_logical_id(layer))
}

/// `getLambdaLayerS3KeyOutputLogicalId`.
pub fn lambda_layer_s3_key_output_logical_id(layer: &str) -> String {
    format!("{}S3Key", lambda_layer_logical_id(layer))
}

pub fn log_group_name(function_name: &str) -> String {
    format!("/aws/lambda/{function_name}")
}

pub const ROLE_LOGICAL_ID: &str = "IamRoleLambdaExecution";
pub const BUCKET_LOGICAL_ID: &str = "ServerlessDeploymentBucket";
pub const BUCKET_POLICY_LOGICAL_ID: &str = "ServerlessDeploymentBucketPolicy";
pub const BUCKET_OUTPUT_LOGICAL_ID: &str = "ServerlessDeploymentBucketName";
pub const CREATE_TEMPLATE_FILE: &str = "cloudformation-template-create-stack.json";
pub const UPDATE_TEMPLATE_FILE: &str = "cloudformation-template-update-stack.json";
pub const STATE_FILE: &str = "serverless-state.json";
/// Name of the update template inside the deployment bucket.
pub const COMPILED_TEMPLATE_S3_FILE: &str = "compiled-cloudformation-template.json";

pub fn role_name(service: &str, stage: &str) -> Value {
    json!({"Fn::Join": ["-", [service, stage, {"Ref": "AWS::Region"}, "lambdaRole"]]})
}

pub fn policy_name(service: &str, stage: &str) -> Value {
    json!({"Fn::Join": ["-", [service, stage, "lambda"]]})
}

pub fn export_name(service: &str, stage: &str, output: &str) -> String {
    format!("sls-{service}-{stage}-{output}")
}

/// v3 `getS3EndpointForRegion`: the S3 host used in `TemplateURL`.
pub fn s3_endpoint_for_region(region: &str) -> String {
    let r = region.to_ascii_lowercase();
    if r.contains("us-gov") {
        format!("s3-{r}.amazonaws.com")
    } else if r.starts_with("cn-") {
        format!("s3.{r}.amazonaws.com.cn")
    } else {
        format!("s3.{r}.amazonaws.com")
    }
}

// ---- Event sources other than API Gateway (v3 naming.js) ----

/// v3 `normalizeName`: first letter upper-cased.
pub fn normalize_name(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// v3 `normalizeNameToAlphaNumericOnly`: drops every character outside `[0-9A-Za-z]`.
pub fn normalize_name_alphanumeric(name: &str) -> String {
    normalize_name(
        &name
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .collect::<String>(),
    )
}

/// v3 `getScheduleId`: the rule target's `Id`.
pub fn schedule_id(function: &str) -> String {
    format!("{function}Schedule")
}

pub fn schedule_logical_id(function: &str, index: usize) -> String {
    format!(
        "{}EventsRuleSchedule{index}",
        normalized_function_name(function)
    )
}

pub fn scheduler_schedule_logical_id(function: &str, index: usize) -> String {
    format!(
        "{}SchedulerSchedule{index}",
        normalized_function_name(function)
    )
}

pub fn lambda_schedule_permission_logical_id(function: &str, index: usize) -> String {
    format!(
        "{}LambdaPermissionEventsRuleSchedule{index}",
        normalized_function_name(function)
    )
}

/// v3 `getQueueLogicalId`.
pub fn queue_logical_id(function: &str, queue_name: &str) -> String {
    format!(
        "{}EventSourceMappingSQS{}",
        normalized_function_name(function),
        normalize_name_alphanumeric(queue_name)
    )
}

/// v3 `getStreamLogicalId`.
pub fn stream_logical_id(function: &str, stream_type: &str, stream_name: &str) -> String {
    format!(
        "{}EventSourceMapping{}{}",
        normalized_function_name(function),
        normalize_name(stream_type),
        normalize_name_alphanumeric(stream_name)
    )
}

/// v3 `getStreamConsumerName` (`provider.kinesis.consumerNamingMode` adds service and stage).
pub fn stream_consumer_name(
    function: &str,
    stream_name: &str,
    naming_mode_service_stage: Option<(&str, &str)>,
) -> String {
    match naming_mode_service_stage {
        Some((service, stage)) => format!("{function}{stream_name}{service}{stage}Consumer"),
        None => format!("{function}{stream_name}Consumer"),
    }
}

pub fn stream_consumer_logical_id(consumer_name: &str) -> String {
    format!("{}StreamConsumer", normalized_function_name(consumer_name))
}

pub fn topic_logical_id(topic_name: &str) -> String {
    format!("SNSTopic{}", normalize_name_alphanumeric(topic_name))
}

pub fn topic_dlq_policy_logical_id(function: &str, topic_name: &str) -> String {
    format!(
        "{}To{}DLQPolicy",
        normalize_name_alphanumeric(topic_name),
        normalized_function_name(function)
    )
}

pub fn lambda_sns_subscription_logical_id(function: &str, topic_name: &str) -> String {
    format!(
        "{}SnsSubscription{}",
        normalized_function_name(function),
        normalize_name_alphanumeric(topic_name)
    )
}

pub fn lambda_sns_permission_logical_id(function: &str, topic_name: &str) -> String {
    format!(
        "{}LambdaPermission{}SNS",
        normalized_function_name(function),
        normalize_name_alphanumeric(topic_name)
    )
}

/// v3 `getBucketLogicalId` (`normalizeBucketName`: alphanumerics only).
pub fn bucket_logical_id(bucket: &str) -> String {
    format!("S3Bucket{}", normalize_name_alphanumeric(bucket))
}

pub fn lambda_s3_permission_logical_id(function: &str, bucket: &str) -> String {
    format!(
        "{}LambdaPermission{}S3",
        normalized_function_name(function),
        normalize_name_alphanumeric(bucket)
    )
}

/// v3 `getEventBridgeEventBusLogicalId`.
pub fn event_bridge_event_bus_logical_id(bus_name: &str) -> String {
    format!("{}EventBridgeEventBus", normalized_function_name(bus_name))
}

/// v3 `getEventBridgeRuleLogicalId` (of the unhashed `<function name>-rule-<n>`).
pub fn event_bridge_rule_logical_id(rule_name: &str) -> String {
    format!("{}EventBridgeRule", normalize_name_alphanumeric(rule_name))
}

pub fn event_bridge_lambda_permission_logical_id(function: &str, index: usize) -> String {
    format!(
        "{}EventBridgeLambdaPermission{index}",
        normalized_function_name(function)
    )
}

/// v3 `getCloudWatchEventId`: the rule target's `Id`.
pub fn cloud_watch_event_id(function: &str) -> String {
    format!("{function}CloudWatchEvent")
}

pub fn cloud_watch_event_logical_id(function: &str, index: usize) -> String {
    format!(
        "{}EventsRuleCloudWatchEvent{index}",
        normalized_function_name(function)
    )
}

pub fn lambda_cloud_watch_event_permission_logical_id(function: &str, index: usize) -> String {
    format!(
        "{}LambdaPermissionEventsRuleCloudWatchEvent{index}",
        normalized_function_name(function)
    )
}

pub fn cloud_watch_log_logical_id(function: &str, index: usize) -> String {
    format!(
        "{}LogsSubscriptionFilterCloudWatchLog{index}",
        normalized_function_name(function)
    )
}

pub fn lambda_cloud_watch_log_permission_logical_id(function: &str) -> String {
    format!(
        "{}LambdaPermissionLogsSubscriptionFilterCloudWatchLog",
        normalized_function_name(function)
    )
}

pub fn lambda_alexa_skill_permission_logical_id(function: &str, index: usize) -> String {
    format!(
        "{}LambdaPermissionAlexaSkill{index}",
        normalized_function_name(function)
    )
}

pub fn lambda_alexa_smart_home_permission_logical_id(function: &str, index: usize) -> String {
    format!(
        "{}LambdaPermissionAlexaSmartHome{index}",
        normalized_function_name(function)
    )
}

pub fn iot_logical_id(function: &str, index: usize) -> String {
    format!("{}IotTopicRule{index}", normalized_function_name(function))
}

pub fn lambda_iot_permission_logical_id(function: &str, index: usize) -> String {
    format!(
        "{}LambdaPermissionIotTopicRule{index}",
        normalized_function_name(function)
    )
}

pub fn cognito_user_pool_logical_id(pool: &str) -> String {
    format!("CognitoUserPool{}", normalize_name_alphanumeric(pool))
}

pub fn lambda_cognito_user_pool_permission_logical_id(
    function: &str,
    pool: &str,
    trigger: &str,
) -> String {
    format!(
        "{}LambdaPermissionCognitoUserPool{}TriggerSource{}",
        normalized_function_name(function),
        normalize_name_alphanumeric(pool),
        normalize_name_alphanumeric(trigger)
    )
}

/// v3 `getKafkaEventLogicalId` (topic part cut to 158 characters).
pub fn kafka_event_logical_id(function: &str, topic: &str) -> String {
    let t: String = normalize_name_alphanumeric(topic)
        .chars()
        .take(158)
        .collect();
    format!(
        "{}EventSourceMappingKafka{t}",
        normalized_function_name(function)
    )
}

/// v3 `getActiveMQEventLogicalId` (queue part cut to 150 characters).
pub fn active_mq_event_logical_id(function: &str, queue: &str) -> String {
    let q: String = normalize_name_alphanumeric(queue)
        .chars()
        .take(150)
        .collect();
    format!(
        "{}EventSourceMappingActiveMQ{q}",
        normalized_function_name(function)
    )
}

/// v3 `getRabbitMQEventLogicalId` (queue part cut to 150 characters).
pub fn rabbit_mq_event_logical_id(function: &str, queue: &str) -> String {
    let q: String = normalize_name_alphanumeric(queue)
        .chars()
        .take(150)
        .collect();
    format!(
        "{}EventSourceMappingRabbitMQ{q}",
        normalized_function_name(function)
    )
}

/// v3 `getMSKEventLogicalId` (cluster and topic parts cut to 79 characters each).
pub fn msk_event_logical_id(function: &str, cluster: &str, topic: &str) -> String {
    let c: String = normalize_name_alphanumeric(cluster)
        .chars()
        .take(79)
        .collect();
    let t: String = normalize_name_alphanumeric(topic)
        .chars()
        .take(79)
        .collect();
    format!(
        "{}EventSourceMappingMSK{c}{t}",
        normalized_function_name(function)
    )
}

/// v3 `getAlbTargetGroupLogicalId`.
pub fn alb_target_group_logical_id(function: &str, alb_id: &str, multi_value: bool) -> String {
    format!(
        "{}Alb{}TargetGroup{alb_id}",
        normalized_function_name(function),
        if multi_value { "MultiValue" } else { "" }
    )
}

pub fn alb_listener_rule_logical_id(function: &str, priority: i64) -> String {
    format!(
        "{}AlbListenerRule{priority}",
        normalized_function_name(function)
    )
}

pub fn lambda_alb_permission_logical_id(function: &str) -> String {
    format!("{}LambdaPermissionAlb", normalized_function_name(function))
}

pub fn lambda_register_target_permission_logical_id(function: &str) -> String {
    format!(
        "{}LambdaPermissionRegisterTarget",
        normalized_function_name(function)
    )
}

pub fn iot_fleet_provisioning_logical_id(function: &str) -> String {
    format!(
        "{}IotProvisioningTemplate",
        normalized_function_name(function)
    )
}

pub fn lambda_iot_fleet_provisioning_permission_logical_id(function: &str) -> String {
    format!(
        "{}LambdaPermissionIotProvisioningTemplate",
        normalized_function_name(function)
    )
}

// ---- CloudFront (Lambda@Edge) ----

pub const CLOUDFRONT_DISTRIBUTION_LOGICAL_ID: &str = "CloudFrontDistribution";
pub const CLOUDFRONT_DISTRIBUTION_DOMAIN_NAME_LOGICAL_ID: &str = "CloudFrontDistributionDomainName";

pub fn lambda_at_edge_invoke_permission_logical_id(function: &str) -> String {
    format!("{}InvokePermission", lambda_logical_id(function))
}

/// v3 `getCloudFrontOriginId`: `s3/` or `custom/`, the domain (a CloudFormation function as its
/// JSON with only letters and digits kept), then the origin path.
pub fn cloud_front_origin_id(origin: &Value) -> String {
    let kind = if sls_config::is_truthy(&origin["S3OriginConfig"]) {
        "s3"
    } else {
        "custom"
    };
    let domain = match &origin["DomainName"] {
        Value::String(s) => s.clone(),
        other => normalize_name_alphanumeric(&other.to_string()),
    };
    let path = match &origin["OriginPath"] {
        Value::String(p) => p.as_str(),
        _ => "",
    };
    format!("{kind}/{domain}{path}")
}

pub fn cloud_front_cache_policy_logical_id(name: &str) -> String {
    format!("CloudFrontCachePolicy{}", normalized_function_name(name))
}

pub fn cloud_front_cache_policy_name(service: &str, stage: &str, name: &str) -> String {
    format!("{service}-{stage}-{name}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_v3() {
        assert_eq!(normalized_function_name("hello"), "Hello");
        assert_eq!(normalized_function_name("my-fn_x"), "MyDashfnUnderscorex");
        assert_eq!(lambda_logical_id("a-b"), "ADashbLambdaFunction");
        assert_eq!(log_group_logical_id("hello"), "HelloLogGroup");
        assert_eq!(
            lambda_version_logical_id("hello", "ab+/=cd"),
            "HelloLambdaVersionabcd"
        );
    }
}

// ---- API Gateway: REST (`http`) and HTTP API (`httpApi`) events (v3 naming.js) ----

/// v3 `normalizePathPart`: lodash `capitalize` (first letter upper, the rest lower), `-` →
/// `Dash`, `{x}` → `xVar`, then only `[0-9A-Za-z]` kept.
pub fn normalize_path_part(part: &str) -> String {
    let mut chars = part.chars();
    let capitalized: String = match chars.next() {
        Some(first) => first
            .to_uppercase()
            .chain(chars.flat_map(char::to_lowercase))
            .collect(),
        None => String::new(),
    };
    let mut s = capitalized.replace('-', "Dash");
    // `/\{(.*)\}/`: greedy, from the first `{` to the last `}`.
    if let (Some(open), Some(close)) = (s.find('{'), s.rfind('}')) {
        if open < close {
            s = format!(
                "{}{}Var{}",
                &s[..open],
                &s[open + 1..close],
                &s[close + 1..]
            );
        }
    }
    let s: String = s.chars().filter(char::is_ascii_alphanumeric).collect();
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// v3 `normalizePath`: each `/`-separated part normalised, joined.
pub fn normalize_api_path(path: &str) -> String {
    path.split('/').map(normalize_path_part).collect()
}

pub const REST_API_LOGICAL_ID: &str = "ApiGatewayRestApi";

/// v3 `getApiGatewayName`: `provider.apiName`, else `<stage>-<service>` (or
/// `<service>-<stage>` with `apiGateway.shouldStartNameWithService`).
pub fn api_gateway_name(
    api_name: Option<&str>,
    start_with_service: bool,
    service: &str,
    stage: &str,
) -> String {
    match api_name {
        Some(n) => n.to_string(),
        None if start_with_service => format!("{service}-{stage}"),
        None => format!("{stage}-{service}"),
    }
}

pub fn api_gateway_deployment_logical_id(instance_id: &str) -> String {
    format!("ApiGatewayDeployment{instance_id}")
}

pub fn api_gateway_resource_logical_id(path: &str) -> String {
    format!("ApiGatewayResource{}", normalize_api_path(path))
}

/// v3 `getMethodLogicalId(resourceName, method)`.
pub fn api_gateway_method_logical_id(resource_name: &str, method: &str) -> String {
    format!(
        "ApiGatewayMethod{resource_name}{}",
        normalize_name(&method.to_lowercase())
    )
}

pub fn api_gateway_authorizer_logical_id(name: &str) -> String {
    format!("{}ApiGatewayAuthorizer", normalized_function_name(name))
}

pub fn lambda_api_gateway_permission_logical_id(function: &str) -> String {
    format!(
        "{}LambdaPermissionApiGateway",
        normalized_function_name(function)
    )
}

/// v3 `extractAuthorizerNameFromArn` (in sls-config, which names an http event's authorizer
/// while reading it).
pub use sls_config::model::events::authorizer_name_from_arn;

pub fn api_key_logical_id(number: usize, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("ApiGatewayApiKey{}{number}", normalize_name(n)),
        None => format!("ApiGatewayApiKey{number}"),
    }
}

pub fn usage_plan_logical_id(name: Option<&str>) -> String {
    match name {
        Some(n) => format!("ApiGatewayUsagePlan{}", normalize_name(n)),
        None => "ApiGatewayUsagePlan".into(),
    }
}

pub fn usage_plan_key_logical_id(number: usize, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("ApiGatewayUsagePlanKey{}{number}", normalize_name(n)),
        None => format!("ApiGatewayUsagePlanKey{number}"),
    }
}

pub const SERVICE_ENDPOINT_OUTPUT: &str = "ServiceEndpoint";

pub const HTTP_API_LOGICAL_ID: &str = "HttpApi";
pub const HTTP_API_STAGE_LOGICAL_ID: &str = "HttpApiStage";
pub const HTTP_API_LOG_GROUP_LOGICAL_ID: &str = "HttpApiLogGroup";
pub const HTTP_API_ID_OUTPUT: &str = "HttpApiId";
pub const HTTP_API_URL_OUTPUT: &str = "HttpApiUrl";

/// v3 `getHttpApiName`: `provider.httpApi.name`, else like the REST API's name.
pub fn http_api_name(
    name: Option<&str>,
    start_with_service: bool,
    service: &str,
    stage: &str,
) -> String {
    api_gateway_name(name, start_with_service, service, stage)
}

pub fn http_api_integration_logical_id(function: &str) -> String {
    format!("HttpApiIntegration{}", normalized_function_name(function))
}

/// v3 `getHttpApiRouteLogicalId`: `*` is `HttpApiRouteDefault`.
pub fn http_api_route_logical_id(route_key: &str) -> String {
    if route_key == "*" {
        return "HttpApiRouteDefault".into();
    }
    format!("HttpApiRoute{}", normalize_api_path(route_key))
}

pub fn http_api_authorizer_logical_id(name: &str) -> String {
    format!("HttpApiAuthorizer{}", normalized_function_name(name))
}

pub fn lambda_http_api_permission_logical_id(function: &str) -> String {
    format!(
        "{}LambdaPermissionHttpApi",
        normalized_function_name(function)
    )
}

pub fn lambda_authorizer_http_api_permission_logical_id(name: &str) -> String {
    format!(
        "{}LambdaAuthorizerPermissionHttpApi",
        normalized_function_name(name)
    )
}

pub fn http_api_log_group_name(stack_name: &str) -> String {
    format!("/aws/http-api/{stack_name}")
}

#[cfg(test)]
mod api_gateway_naming_tests {
    use super::*;

    #[test]
    fn paths_normalise_like_v3() {
        assert_eq!(normalize_api_path("users/{userId}"), "UsersUseridVar");
        assert_eq!(normalize_api_path("proxy/{proxy+}"), "ProxyProxyVar");
        assert_eq!(normalize_api_path("with-cors/items"), "WithDashcorsItems");
        assert_eq!(
            api_gateway_method_logical_id("", "GET"),
            "ApiGatewayMethodGet"
        );
        assert_eq!(
            http_api_route_logical_id("GET /hello"),
            "HttpApiRouteGetHello"
        );
        assert_eq!(
            authorizer_name_from_arn("arn:aws:lambda:us-east-1:1:function:svc-dev-authfn"),
            "authfn"
        );
    }
}
