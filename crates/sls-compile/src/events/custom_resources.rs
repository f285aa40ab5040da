//! v3's custom resources (`lib/plugins/aws/custom-resources/index.js`,
//! `addCustomResourceToService`): what CloudFormation cannot configure natively (notifications
//! of an existing bucket, triggers of an existing user pool, EventBridge rules without native
//! resources, the account's API Gateway CloudWatch role) is done by a Lambda function of the
//! framework's own, one per feature, deployed from `custom-resources.zip` with the role
//! `IamRoleCustomResourcesLambdaExecution` that gathers each feature's statements.
//!
//! The logical ids, names, role, statements and settings are v3's. The code is sls's own: one
//! Python file (`custom_resources.py`, embedded in the binary by sls-package) whose handlers make
//! the AWS calls v3's JavaScript handlers make; so `Runtime` and `Handler` are the only
//! properties that differ from v3's template (by design).

use serde_json::{json, Map, Value};

use super::common;
use crate::naming;
use sls_config::model::{Function, Service};

/// The zip's file name in `.serverless/` and in the artifact directory (v3
/// `getCustomResourcesArtifactName`).
pub const ARTIFACT_NAME: &str = "custom-resources.zip";
/// v3 `getCustomResourcesRoleLogicalId`.
pub const ROLE_LOGICAL_ID: &str = "IamRoleCustomResourcesLambdaExecution";
/// The runtime of sls's handlers (v3: `nodejs18.x`, for its JavaScript handlers).
pub const RUNTIME: &str = "python3.12";

/// One feature v3 implements with a custom resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    S3,
    CognitoUserPool,
    EventBridge,
    ApiGatewayCloudWatchRole,
}

impl Kind {
    pub const ALL: [Kind; 4] = [
        Kind::S3,
        Kind::CognitoUserPool,
        Kind::EventBridge,
        Kind::ApiGatewayCloudWatchRole,
    ];

    /// The function's name after `<service>-<stage>-` (v3 `getCustomResource*FunctionName`).
    pub fn function_name(self) -> &'static str {
        match self {
            Kind::S3 => "custom-resource-existing-s3",
            Kind::CognitoUserPool => "custom-resource-existing-cup",
            Kind::EventBridge => "custom-resource-event-bridge",
            Kind::ApiGatewayCloudWatchRole => "custom-resource-apigw-cw-role",
        }
    }

    /// v3's handler (`s3/handler.handler`, ...), the one property compared apart.
    pub fn v3_handler(self) -> &'static str {
        match self {
            Kind::S3 => "s3/handler.handler",
            Kind::CognitoUserPool => "cognito-user-pool/handler.handler",
            Kind::EventBridge => "event-bridge/handler.handler",
            Kind::ApiGatewayCloudWatchRole => "api-gateway-cloud-watch-role/handler.handler",
        }
    }

    /// sls's handler in `custom_resources.py`.
    pub fn handler(self) -> &'static str {
        match self {
            Kind::S3 => "custom_resources.s3",
            Kind::CognitoUserPool => "custom_resources.cognito_user_pool",
            Kind::EventBridge => "custom_resources.event_bridge",
            Kind::ApiGatewayCloudWatchRole => "custom_resources.api_gateway_cloud_watch_role",
        }
    }

    /// `CustomDashresourceDashexistingDashs3LambdaFunction`, ...
    pub fn function_logical_id(self) -> String {
        naming::lambda_logical_id(self.function_name())
    }
}

/// Whether the template deploys any of the custom-resource functions (then packaging writes
/// [`ARTIFACT_NAME`]).
pub fn used(template: &Value) -> bool {
    Kind::ALL
        .iter()
        .any(|k| !template["Resources"][k.function_logical_id()].is_null())
}

/// What every feature's compile step needs to add the function.
pub(crate) struct Context<'a> {
    pub service: &'a Service,
    pub config: &'a Value,
    pub artifact_directory_name: &'a str,
}

/// `<service>-<stage>-<name>`, or its first 32 characters and the MD5 of it when longer than
/// 64 (Lambda's limit).
fn absolute_function_name(service: &Service, kind: Kind) -> String {
    let name = format!(
        "{}-{}-{}",
        service.name,
        service.stage,
        kind.function_name()
    );
    if name.len() <= 64 {
        return name;
    }
    let head: String = name.chars().take(32).collect();
    format!("{head}{}", common::md5_hex(name.as_bytes()))
}

/// The role v3 creates for the custom-resource functions (without its statements).
fn new_role(service: &Service) -> Value {
    json!({
        "Type": "AWS::IAM::Role",
        "Properties": {
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [{
                    "Effect": "Allow",
                    "Principal": {"Service": ["lambda.amazonaws.com"]},
                    "Action": ["sts:AssumeRole"]
                }]
            },
            "Policies": [{
                "PolicyName": {"Fn::Join": ["-", [service.stage, service.name, "custom-resources-lambda"]]},
                "PolicyDocument": {"Version": "2012-10-17", "Statement": []}
            }]
        }
    })
}

/// The log statements v3 adds when `provider.logs.frameworkLambda` is set.
fn log_statements(prefix: &str) -> [Value; 2] {
    let arn = "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:";
    let group = naming::log_group_name(prefix);
    [
        json!({
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:CreateLogGroup", "logs:TagResource"],
            "Resource": [{"Fn::Sub": format!("{arn}{group}*:*")}]
        }),
        json!({
            "Effect": "Allow",
            "Action": ["logs:PutLogEvents"],
            "Resource": [{"Fn::Sub": format!("{arn}{group}*:*:*")}]
        }),
    ]
}

/// v3 skips a statement whose `Resource` is `===` to one already there: only a string can be
/// (objects are compared by identity in JavaScript, and v3 builds each one anew).
fn push_statement(statements: &mut Vec<Value>, new: Value) {
    let duplicate = new["Resource"].is_string()
        && statements
            .iter()
            .any(|s| s["Resource"].is_string() && s["Resource"] == new["Resource"]);
    if !duplicate {
        statements.push(new);
    }
}

fn role_statements(role: &mut Value) -> Option<&mut Vec<Value>> {
    role["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].as_array_mut()
}

/// v3 `addCustomResourceToService(provider, kind, statements)`: the role (created on first
/// use, unless a deployment role is given), the statements, the function and, with
/// `provider.logs.frameworkLambda`, its log group.
pub(crate) fn add_to_service(ctx: &Context<'_>, kind: Kind, statements: Vec<Value>, t: &mut Value) {
    let service = ctx.service;
    let provider = &ctx.config["provider"];
    let write_logs = common::js_truthy(&provider["logs"]["frameworkLambda"]);
    let prefix = format!("{}-{}", service.name, service.stage);
    let deployment_role = service.provider.deployment_role.clone();
    if deployment_role.is_none() {
        if t["Resources"][ROLE_LOGICAL_ID].is_null() {
            let mut role = new_role(service);
            if write_logs {
                if let Some(s) = role_statements(&mut role) {
                    s.extend(log_statements(&prefix));
                }
            }
            t["Resources"][ROLE_LOGICAL_ID] = role;
        }
        if let Some(existing) = role_statements(&mut t["Resources"][ROLE_LOGICAL_ID]) {
            for s in statements {
                push_statement(existing, s);
            }
        }
    }
    let name = absolute_function_name(service, kind);
    let bucket = match &service.provider.deployment_bucket {
        Some(b) => json!(b),
        None => json!({"Ref": naming::BUCKET_LOGICAL_ID}),
    };
    let mut depends_on = Vec::new();
    let role = match deployment_role {
        Some(r) => json!(r),
        None => {
            depends_on.push(json!(ROLE_LOGICAL_ID));
            json!({"Fn::GetAtt": [ROLE_LOGICAL_ID, "Arn"]})
        }
    };
    let log_group_id = naming::log_group_logical_id(kind.function_name());
    if write_logs {
        depends_on.push(json!(log_group_id));
    }
    t["Resources"][kind.function_logical_id()] = json!({
        "Type": "AWS::Lambda::Function",
        "Properties": {
            "Code": {
                "S3Bucket": bucket,
                "S3Key": format!("{}/{ARTIFACT_NAME}", ctx.artifact_directory_name),
            },
            "FunctionName": name,
            "Handler": kind.handler(),
            "MemorySize": 1024,
            "Runtime": RUNTIME,
            "Timeout": 180,
            "Role": role,
        },
        "DependsOn": depends_on,
    });
    if write_logs {
        let mut props = Map::new();
        props.insert("LogGroupName".into(), json!(naming::log_group_name(&name)));
        for (key, from) in [
            ("RetentionInDays", "logRetentionInDays"),
            ("DataProtectionPolicy", "logDataProtectionPolicy"),
        ] {
            if let Some(v) = provider.get(from).filter(|v| !v.is_null()) {
                props.insert(key.into(), v.clone());
            }
        }
        t["Resources"][log_group_id] = json!({"Type": "AWS::Logs::LogGroup", "Properties": props});
    }
}

/// `{"Fn::GetAtt": [<function>, "Arn"]}`: the `ServiceToken` of a `Custom::…` resource.
pub(crate) fn service_token(kind: Kind) -> Value {
    json!({"Fn::GetAtt": [kind.function_logical_id(), "Arn"]})
}

/// v3's `Fn::Join` ARN of `lambda:<region>:<account>:function:*`.
pub(crate) fn any_function_in_stack_region() -> Value {
    json!({"Fn::Join": [":", [
        "arn", {"Ref": "AWS::Partition"}, "lambda", {"Ref": "AWS::Region"},
        {"Ref": "AWS::AccountId"}, "function", "*"
    ]]})
}

/// A function's `Custom::…` resource for the s3 and cognitoUserPool features, in v3's shape:
/// the handler, the function, what it configures, the first configuration (later ones are
/// appended to that list), and `ForceDeploy` (the instance id) when asked.
pub(crate) struct FunctionResource<'a> {
    pub kind: Kind,
    pub resource_type: &'static str,
    pub function: &'a Function,
    /// `BucketName` / `UserPoolName` and its value.
    pub target: (&'static str, Value),
    /// `BucketConfigs` / `UserPoolConfigs` and the first configuration.
    pub configs: (&'static str, Value),
    pub force_deploy: Option<&'a str>,
}

impl FunctionResource<'_> {
    /// Merges the resource into `template` under `id`.
    pub(crate) fn add(self, template: &mut Value, id: &str) {
        let f = self.function;
        let mut props = Map::new();
        props.insert("ServiceToken".into(), service_token(self.kind));
        props.insert("FunctionName".into(), json!(f.name));
        props.insert(self.target.0.into(), self.target.1);
        props.insert(self.configs.0.into(), json!([self.configs.1]));
        if let Some(instance_id) = self.force_deploy {
            let now: u64 = instance_id.parse().unwrap_or(0);
            props.insert("ForceDeploy".into(), json!(now));
        }
        common::merge_resource(
            template,
            id,
            json!({
                "Type": self.resource_type,
                "Version": 1,
                "DependsOn": [naming::lambda_logical_id(&f.key), self.kind.function_logical_id()],
                "Properties": props,
            }),
        );
    }
}

/// v3 `getCustomResourceApiGatewayAccountCloudWatchRoleResourceLogicalId`.
pub const ACCOUNT_ROLE_LOGICAL_ID: &str = "CustomApiGatewayAccountCloudWatchRole";

/// v3 `ensureApiGatewayCloudWatchRole` (memoized: once per service, for REST API and websocket
/// logs alike): the `Custom::ApiGatewayAccountRole` that sets the account's CloudWatch role
/// (`provider.logs.restApi.role`, or one it creates), unless `roleManagedExternally`.
pub(crate) fn ensure_api_gateway_cloud_watch_role(ctx: &Context<'_>, t: &mut Value) {
    let rest_api = &ctx.config["provider"]["logs"]["restApi"];
    if common::js_truthy(&rest_api["roleManagedExternally"]) {
        return;
    }
    if !t["Resources"][ACCOUNT_ROLE_LOGICAL_ID].is_null() {
        return;
    }
    let mut props = Map::new();
    props.insert(
        "ServiceToken".into(),
        service_token(Kind::ApiGatewayCloudWatchRole),
    );
    if let Some(role) = rest_api.get("role").filter(|r| !r.is_null()) {
        props.insert("RoleArn".into(), role.clone());
    }
    t["Resources"][ACCOUNT_ROLE_LOGICAL_ID] = json!({
        "Type": "Custom::ApiGatewayAccountRole",
        "Version": 1,
        "Properties": props,
    });
    let statements = vec![
        json!({
            "Effect": "Allow",
            "Resource": {"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "iam:", {"Ref": "AWS::AccountId"}, "role/*"]]},
            "Action": ["iam:AttachRolePolicy", "iam:CreateRole", "iam:ListAttachedRolePolicies", "iam:PassRole"],
        }),
        json!({
            "Effect": "Allow",
            "Resource": {"Fn::Join": [":", ["arn", {"Ref": "AWS::Partition"}, "apigateway:*::/account"]]},
            "Action": ["apigateway:GET", "apigateway:PATCH"],
        }),
    ];
    add_to_service(ctx, Kind::ApiGatewayCloudWatchRole, statements, t);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_resources_are_deduplicated_objects_never() {
        let mut s = Vec::new();
        push_statement(&mut s, json!({"Resource": "*", "Action": ["a"]}));
        push_statement(&mut s, json!({"Resource": "*", "Action": ["b"]}));
        push_statement(&mut s, json!({"Resource": {"Ref": "X"}}));
        push_statement(&mut s, json!({"Resource": {"Ref": "X"}}));
        assert_eq!(s.len(), 3);
        assert_eq!(s[0]["Action"], json!(["a"]));
    }

    #[test]
    fn logical_ids_are_v3s() {
        assert_eq!(
            Kind::S3.function_logical_id(),
            "CustomDashresourceDashexistingDashs3LambdaFunction"
        );
        assert_eq!(
            Kind::ApiGatewayCloudWatchRole.function_logical_id(),
            "CustomDashresourceDashapigwDashcwDashroleLambdaFunction"
        );
    }
}
