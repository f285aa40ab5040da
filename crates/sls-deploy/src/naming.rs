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
