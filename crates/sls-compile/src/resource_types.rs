//! The CloudFormation resource types the compiler emits, one constant each, and [`ALL`] of them.
//! Other crates that act per type (sls-policy's least-privilege table) key on these, and a test
//! here fails when the compiler emits a type that [`ALL`] does not list: a new event family that
//! brings a new type adds it here, and then whatever keys on [`ALL`] must say what it does with it.
//!
//! Types that only come from the user's `resources` (an `AWS::SQS::Queue`, an
//! `AWS::DynamoDB::Table`) are not the compiler's and are not listed.

pub const API_GATEWAY_API_KEY: &str = "AWS::ApiGateway::ApiKey";
pub const API_GATEWAY_AUTHORIZER: &str = "AWS::ApiGateway::Authorizer";
pub const API_GATEWAY_DEPLOYMENT: &str = "AWS::ApiGateway::Deployment";
pub const API_GATEWAY_METHOD: &str = "AWS::ApiGateway::Method";
pub const API_GATEWAY_MODEL: &str = "AWS::ApiGateway::Model";
pub const API_GATEWAY_REQUEST_VALIDATOR: &str = "AWS::ApiGateway::RequestValidator";
pub const API_GATEWAY_RESOURCE: &str = "AWS::ApiGateway::Resource";
pub const API_GATEWAY_REST_API: &str = "AWS::ApiGateway::RestApi";
pub const API_GATEWAY_USAGE_PLAN: &str = "AWS::ApiGateway::UsagePlan";
pub const API_GATEWAY_USAGE_PLAN_KEY: &str = "AWS::ApiGateway::UsagePlanKey";

pub const API_GATEWAY_V2_API: &str = "AWS::ApiGatewayV2::Api";
pub const API_GATEWAY_V2_AUTHORIZER: &str = "AWS::ApiGatewayV2::Authorizer";
pub const API_GATEWAY_V2_DEPLOYMENT: &str = "AWS::ApiGatewayV2::Deployment";
pub const API_GATEWAY_V2_INTEGRATION: &str = "AWS::ApiGatewayV2::Integration";
pub const API_GATEWAY_V2_ROUTE: &str = "AWS::ApiGatewayV2::Route";
pub const API_GATEWAY_V2_ROUTE_RESPONSE: &str = "AWS::ApiGatewayV2::RouteResponse";
pub const API_GATEWAY_V2_STAGE: &str = "AWS::ApiGatewayV2::Stage";

pub const CLOUDFRONT_CACHE_POLICY: &str = "AWS::CloudFront::CachePolicy";
pub const CLOUDFRONT_DISTRIBUTION: &str = "AWS::CloudFront::Distribution";

pub const COGNITO_USER_POOL: &str = "AWS::Cognito::UserPool";

pub const ELB_V2_LISTENER_RULE: &str = "AWS::ElasticLoadBalancingV2::ListenerRule";
pub const ELB_V2_TARGET_GROUP: &str = "AWS::ElasticLoadBalancingV2::TargetGroup";

pub const EVENTS_EVENT_BUS: &str = "AWS::Events::EventBus";
pub const EVENTS_RULE: &str = "AWS::Events::Rule";

pub const IAM_ROLE: &str = "AWS::IAM::Role";

pub const IOT_PROVISIONING_TEMPLATE: &str = "AWS::IoT::ProvisioningTemplate";
pub const IOT_TOPIC_RULE: &str = "AWS::IoT::TopicRule";

pub const KINESIS_STREAM_CONSUMER: &str = "AWS::Kinesis::StreamConsumer";

pub const LAMBDA_EVENT_INVOKE_CONFIG: &str = "AWS::Lambda::EventInvokeConfig";
pub const LAMBDA_EVENT_SOURCE_MAPPING: &str = "AWS::Lambda::EventSourceMapping";
pub const LAMBDA_FUNCTION: &str = "AWS::Lambda::Function";
pub const LAMBDA_LAYER_VERSION: &str = "AWS::Lambda::LayerVersion";
pub const LAMBDA_LAYER_VERSION_PERMISSION: &str = "AWS::Lambda::LayerVersionPermission";
pub const LAMBDA_PERMISSION: &str = "AWS::Lambda::Permission";
pub const LAMBDA_ALIAS: &str = "AWS::Lambda::Alias";
pub const LAMBDA_URL: &str = "AWS::Lambda::Url";
pub const LAMBDA_VERSION: &str = "AWS::Lambda::Version";

pub const LOGS_LOG_GROUP: &str = "AWS::Logs::LogGroup";
pub const LOGS_SUBSCRIPTION_FILTER: &str = "AWS::Logs::SubscriptionFilter";

pub const S3_BUCKET: &str = "AWS::S3::Bucket";
pub const S3_BUCKET_POLICY: &str = "AWS::S3::BucketPolicy";

pub const SCHEDULER_SCHEDULE: &str = "AWS::Scheduler::Schedule";

pub const SNS_SUBSCRIPTION: &str = "AWS::SNS::Subscription";
pub const SNS_TOPIC: &str = "AWS::SNS::Topic";

pub const SQS_QUEUE_POLICY: &str = "AWS::SQS::QueuePolicy";

/// Every type the compiler emits.
pub const ALL: &[&str] = &[
    API_GATEWAY_API_KEY,
    API_GATEWAY_AUTHORIZER,
    API_GATEWAY_DEPLOYMENT,
    API_GATEWAY_METHOD,
    API_GATEWAY_MODEL,
    API_GATEWAY_REQUEST_VALIDATOR,
    API_GATEWAY_RESOURCE,
    API_GATEWAY_REST_API,
    API_GATEWAY_USAGE_PLAN,
    API_GATEWAY_USAGE_PLAN_KEY,
    API_GATEWAY_V2_API,
    API_GATEWAY_V2_AUTHORIZER,
    API_GATEWAY_V2_DEPLOYMENT,
    API_GATEWAY_V2_INTEGRATION,
    API_GATEWAY_V2_ROUTE,
    API_GATEWAY_V2_ROUTE_RESPONSE,
    API_GATEWAY_V2_STAGE,
    CLOUDFRONT_CACHE_POLICY,
    CLOUDFRONT_DISTRIBUTION,
    COGNITO_USER_POOL,
    ELB_V2_LISTENER_RULE,
    ELB_V2_TARGET_GROUP,
    EVENTS_EVENT_BUS,
    EVENTS_RULE,
    IAM_ROLE,
    IOT_PROVISIONING_TEMPLATE,
    IOT_TOPIC_RULE,
    KINESIS_STREAM_CONSUMER,
    LAMBDA_EVENT_INVOKE_CONFIG,
    LAMBDA_EVENT_SOURCE_MAPPING,
    LAMBDA_FUNCTION,
    LAMBDA_LAYER_VERSION,
    LAMBDA_LAYER_VERSION_PERMISSION,
    LAMBDA_PERMISSION,
    LAMBDA_ALIAS,
    LAMBDA_URL,
    LAMBDA_VERSION,
    LOGS_LOG_GROUP,
    LOGS_SUBSCRIPTION_FILTER,
    S3_BUCKET,
    S3_BUCKET_POLICY,
    SCHEDULER_SCHEDULE,
    SNS_SUBSCRIPTION,
    SNS_TOPIC,
    SQS_QUEUE_POLICY,
];

#[cfg(test)]
mod tests {
    use super::ALL;
    use std::path::{Path, PathBuf};

    /// `AWS::…` names that are pseudo parameters (`{"Ref": "AWS::Region"}`), not resource types.
    const PSEUDO_PARAMETERS: &[&str] = &[
        "AWS::AccountId",
        "AWS::NoValue",
        "AWS::NotificationARNs",
        "AWS::Partition",
        "AWS::Region",
        "AWS::StackId",
        "AWS::StackName",
        "AWS::URLSuffix",
    ];

    fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                rust_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }

    /// The string literals of `text` that are a whole resource type, `"AWS::<Service>::<Type>"`
    /// (also inside raw strings, where a template may be written as JSON or YAML).
    fn resource_type_literals(text: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for (start, _) in text.match_indices("\"AWS::") {
            let rest = &text[start + 1..];
            let Some(end) = rest.find('"') else { continue };
            let literal = &rest[..end];
            let parts: Vec<&str> = literal.split("::").collect();
            let is_type = parts.len() == 3
                && parts[1..].iter().all(|p| {
                    p.starts_with(|c: char| c.is_ascii_uppercase())
                        && p.chars().all(|c| c.is_ascii_alphanumeric())
                });
            if is_type && !PSEUDO_PARAMETERS.contains(&literal) {
                out.push(literal);
            }
        }
        out
    }

    #[test]
    fn every_type_the_compiler_emits_is_listed() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        files.sort();
        let mut missing = Vec::new();
        let mut seen = 0;
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            for ty in resource_type_literals(&text) {
                seen += 1;
                if !ALL.contains(&ty) {
                    missing.push(format!("{ty} ({})", file.display()));
                }
            }
        }
        assert!(seen > ALL.len(), "the scan found the compiler's types");
        assert!(
            missing.is_empty(),
            "resource types the compiler emits but resource_types::ALL does not list (add a \
             constant and list it): {missing:#?}"
        );
    }

    #[test]
    fn the_scan_sees_types_and_skips_pseudo_parameters() {
        let text = r#"json!({"Type": "AWS::Lambda::Function", "R": {"Ref": "AWS::Region"},
            "S": "arn:${AWS::Partition}:x", "T": "an AWS::SQS::Queue in prose"})"#;
        assert_eq!(resource_type_literals(text), ["AWS::Lambda::Function"]);
    }

    #[test]
    fn all_lists_each_type_once() {
        let mut sorted = ALL.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), ALL.len());
    }
}
