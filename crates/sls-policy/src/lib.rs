//! sls-policy, `sls credentials policy`: the least-privilege IAM policy for one packaged service (pure,
//! no AWS calls).
//!
//! From the compiled update template and the typed [`Service`], [`generate`] lists what
//! `sls deploy`, `sls deploy function`, `sls info` and `sls remove` call directly
//! (CloudFormation on the stack and its change set, S3 on the deployment bucket and the
//! service's artifact prefix, Lambda for `deploy function` and the change check, STS), and
//! what CloudFormation then does on the caller's behalf for each resource type found in the
//! template, scoped by ARN. With `provider.iam.deploymentRole` the second part belongs to the
//! deployment role (CloudFormation uses it), and the caller only gets `iam:PassRole` on it.
//! The AWS values the service's variables read (`${ssm:}`, `${cf:}`, `${s3:}`) come in as
//! [`VariableRead`]s, collected by the caller while it resolved the configuration; sls reads
//! them with the caller's credentials, so their statements always go to the caller.
//!
//! The account is the caller's when the CLI knows it (it asks STS when it talks to AWS
//! anyway: AWS variables, `--create-user`, `--role`), else `*`; the partition is `aws`.

use serde_json::{json, Map, Value};

use sls_package::{PackageResult, Service};

mod reads;
pub use reads::VariableRead;

/// The generated documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Policies {
    /// What the user (or CI role) running sls needs.
    pub caller: Value,
    /// With `provider.iam.deploymentRole`: what that role needs for CloudFormation.
    pub deployment_role: Option<Value>,
    /// Template resource types with no mapping here; they get an unscoped `<service>:*`
    /// statement (Sid `Unmapped…`), and the CLI says so.
    pub unmapped_types: Vec<String>,
}

impl Policies {
    /// One document, or `{"caller": …, "deploymentRole": …}` with a deployment role.
    pub fn to_json(&self) -> Value {
        match &self.deployment_role {
            None => self.caller.clone(),
            Some(role) => json!({"caller": self.caller, "deploymentRole": role}),
        }
    }
}

/// The name of the policy `--create-user` (managed, under `/sls/`) and `--role` (inline)
/// put on the identity: one per stack and region, so one deployer can hold several
/// services' policies and a re-run replaces its own.
pub fn deployer_policy_name(service: &Service) -> String {
    format!("sls-{}-{}", service.stack_name, service.region)
}

/// The trust policy of a role that `principal` assumes: an account id (its root, i.e. any
/// identity the account allows), an IAM ARN (user, role, account root), or a service
/// principal (`codebuild.amazonaws.com`). An account id's root ARN is in `partition`.
pub fn trust_policy(principal: &str, partition: &str) -> Result<Value, String> {
    let p = principal.trim();
    let who = if p.len() == 12 && p.bytes().all(|b| b.is_ascii_digit()) {
        json!({"AWS": format!("arn:{partition}:iam::{p}:root")})
    } else if p.starts_with("arn:")
        && p.contains(":iam::")
        && !p.contains(":oidc-provider/")
        && !p.contains(":saml-provider/")
    {
        json!({"AWS": p})
    } else if (p.ends_with(".amazonaws.com") || p.ends_with(".amazonaws.com.cn"))
        && !p.contains(['/', ':'])
    {
        json!({"Service": p})
    } else {
        return Err(format!(
            "\"{principal}\" is not a principal sls can trust: give an account id, an IAM ARN \
             (arn:aws:iam::123456789012:role/ci) or a service (codebuild.amazonaws.com). \
             Web-identity and SAML providers need conditions on their tokens: write that \
             trust policy yourself."
        ));
    };
    Ok(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "AssumedByDeployer",
            "Effect": "Allow",
            "Principal": who,
            "Action": "sts:AssumeRole"
        }]
    }))
}

/// The policy for a packaged service whose variables read `reads`, in `account` (`None`:
/// any account, `*`).
pub fn generate(pkg: &PackageResult, reads: &[VariableRead], account: Option<&str>) -> Policies {
    generate_for(&pkg.service, &pkg.update_template, reads, account)
}

/// The policy for a service, its compiled update template and its variables' reads.
pub fn generate_for(
    service: &Service,
    template: &Value,
    reads: &[VariableRead],
    account: Option<&str>,
) -> Policies {
    let cx = Cx::new(service, template, account.unwrap_or("*"));
    let mut direct = cx.direct_statements();
    direct.extend(reads::statements(reads, cx.partition, cx.account));
    let (on_behalf, unmapped_types) = cx.resource_statements();
    match &service.provider.deployment_role {
        None => {
            direct.extend(on_behalf);
            Policies {
                caller: document(direct),
                deployment_role: None,
                unmapped_types,
            }
        }
        Some(role) => {
            direct.push(statement(
                "PassDeploymentRole",
                &["iam:PassRole"],
                vec![role.clone()],
                Some(json!({"StringEquals": {"iam:PassedToService": "cloudformation.amazonaws.com"}})),
            ));
            // `deploy function --update-config` sends a literal role ARN and a VPC itself.
            let literal_roles = cx.literal_function_roles();
            if !literal_roles.is_empty() {
                direct.push(statement(
                    "PassExecutionRole",
                    &["iam:PassRole"],
                    literal_roles,
                    Some(json!({"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})),
                ));
            }
            direct.extend(
                on_behalf
                    .iter()
                    .filter(|s| s["Sid"] == "LambdaVpc")
                    .cloned(),
            );
            let mut role_statements = vec![cx.objects_read_statement()];
            role_statements.extend(on_behalf);
            Policies {
                caller: document(direct),
                deployment_role: Some(document(role_statements)),
                unmapped_types,
            }
        }
    }
}

fn document(statements: Vec<Value>) -> Value {
    json!({"Version": "2012-10-17", "Statement": statements})
}

fn statement(
    sid: &str,
    actions: &[&str],
    resources: Vec<String>,
    condition: Option<Value>,
) -> Value {
    let mut resources = resources;
    resources.sort();
    resources.dedup();
    let resource = if resources.len() == 1 {
        Value::String(resources.remove(0))
    } else {
        json!(resources)
    };
    let mut s = json!({"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource});
    if let Some(c) = condition {
        s["Condition"] = c;
    }
    s
}

/// The partition of a region, as in its ARNs: `aws-cn` for China, `aws-us-gov` for GovCloud,
/// `aws-iso`/`aws-iso-b` for the isolated regions, else `aws`.
pub fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

struct Cx<'a> {
    service: &'a Service,
    resources: Map<String, Value>,
    region: &'a str,
    /// The account id, or `*`.
    account: &'a str,
    stack: &'a str,
    /// `<service>-<stage>-`: v3's prefix of function names.
    prefix: String,
    /// The region's partition, the second field of every ARN.
    partition: &'static str,
}

impl<'a> Cx<'a> {
    fn new(service: &'a Service, template: &Value, account: &'a str) -> Self {
        Cx {
            service,
            resources: template["Resources"]
                .as_object()
                .cloned()
                .unwrap_or_default(),
            region: &service.region,
            account,
            stack: &service.stack_name,
            prefix: format!("{}-{}-", service.name, service.stage),
            partition: partition_of(&service.region),
        }
    }

    fn of_type(&self, ty: &str) -> Vec<(&String, &Value)> {
        self.resources
            .iter()
            .filter(|(_, r)| r["Type"].as_str() == Some(ty))
            .collect()
    }

    fn has(&self, ty: &str) -> bool {
        !self.of_type(ty).is_empty()
    }

    /// The literal names given in `property` of every resource of `ty`; a resource without a
    /// literal name gets CloudFormation's generated `<stack>-<logicalId>-<random>` (lower
    /// case when `lower`).
    fn names(&self, ty: &str, property: &str, lower: bool) -> Vec<String> {
        let mut out: Vec<String> = self
            .of_type(ty)
            .into_iter()
            .map(|(_, r)| match self.literal(&r["Properties"][property]) {
                Some(name) => name,
                None if lower => format!("{}-*", self.stack.to_lowercase()),
                None => format!("{}-*", self.stack),
            })
            .collect();
        out.sort();
        out.dedup();
        out
    }

    /// A name known before deploying: a string, or an `Fn::Join` of strings and the
    /// pseudo parameters `AWS::Region`, `AWS::StackName`, `AWS::Partition`, `AWS::AccountId`
    /// (the account, or `*`).
    fn literal(&self, v: &Value) -> Option<String> {
        if let Some(s) = v.as_str() {
            return Some(s.to_string());
        }
        if let Some(r) = v.get("Ref").and_then(Value::as_str) {
            return match r {
                "AWS::Region" => Some(self.region.to_string()),
                "AWS::StackName" => Some(self.stack.to_string()),
                "AWS::Partition" => Some(self.partition.into()),
                "AWS::AccountId" => Some(self.account.to_string()),
                _ => None,
            };
        }
        let join = v.get("Fn::Join")?.as_array()?;
        let sep = join.first()?.as_str()?;
        let parts = join.get(1)?.as_array()?;
        let parts: Option<Vec<String>> = parts.iter().map(|p| self.literal(p)).collect();
        Some(parts?.join(sep))
    }

    fn arn(&self, service: &str, rest: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{rest}",
            self.partition, self.region, self.account
        )
    }

    /// The statement of a [`Named`] type, when the template has resources of it.
    fn push_named(
        &self,
        spec: &Named,
        out: &mut Vec<Value>,
        mark: &mut impl FnMut(&[&'static str]),
    ) {
        let generated = format!("{}-*", self.stack);
        let names: Vec<String> = self
            .names(spec.ty, spec.name_property, false)
            .into_iter()
            .map(|n| match n == generated && !spec.stack_named {
                true => "*".to_string(),
                false => n,
            })
            .collect();
        if names.is_empty() {
            return;
        }
        mark(&[spec.ty]);
        let arns = names
            .iter()
            .map(|n| self.arn(spec.service, &format!("{}{n}", spec.arn_prefix)))
            .collect();
        out.push(statement(spec.sid, spec.actions, arns, None));
    }

    fn stack_arns(&self) -> Vec<String> {
        vec![
            self.arn("cloudformation", &format!("stack/{}/*", self.stack)),
            self.arn(
                "cloudformation",
                &format!("changeSet/{}-change-set/*", self.stack),
            ),
        ]
    }

    /// The deployment bucket: the named one, or the one sls creates in the stack.
    fn bucket(&self) -> String {
        match &self.service.provider.deployment_bucket {
            Some(name) => name.clone(),
            None => format!("{}-serverlessdeploymentbucket-*", self.stack.to_lowercase()),
        }
    }

    fn objects_arn(&self) -> String {
        format!(
            "arn:{}:s3:::{}/{}/{}/{}/*",
            self.partition,
            self.bucket(),
            self.service.provider.deployment_prefix,
            self.service.name,
            self.service.stage
        )
    }

    /// Function ARNs: `<service>-<stage>-*` plus any other literal name (and its versions).
    fn function_arns(&self) -> Vec<String> {
        let mut out = vec![self.arn("lambda", &format!("function:{}*", self.prefix))];
        for name in self.names("AWS::Lambda::Function", "FunctionName", false) {
            if !name.starts_with(&self.prefix) {
                out.push(self.arn("lambda", &format!("function:{name}")));
                out.push(self.arn("lambda", &format!("function:{name}:*")));
            }
        }
        out
    }

    /// Execution roles given to functions as literal ARNs (`provider.iam.role: arn:…`).
    fn literal_function_roles(&self) -> Vec<String> {
        self.of_type("AWS::Lambda::Function")
            .iter()
            .filter_map(|(_, f)| f["Properties"]["Role"].as_str().map(str::to_string))
            .collect()
    }

    /// What sls itself calls.
    fn direct_statements(&self) -> Vec<Value> {
        let mut out = vec![
            statement(
                "CallerIdentity",
                &["sts:GetCallerIdentity"],
                vec!["*".into()],
                None,
            ),
            statement(
                "CloudFormationStack",
                &[
                    "cloudformation:DescribeStacks",
                    "cloudformation:DescribeStackEvents",
                    "cloudformation:DescribeStackResource",
                    "cloudformation:GetTemplate",
                    "cloudformation:CreateChangeSet",
                    "cloudformation:DescribeChangeSet",
                    "cloudformation:ExecuteChangeSet",
                    "cloudformation:DeleteChangeSet",
                    "cloudformation:CreateStack",
                    "cloudformation:UpdateStack",
                    "cloudformation:DeleteStack",
                    "cloudformation:SetStackPolicy",
                ],
                self.stack_arns(),
                None,
            ),
            statement(
                "DeploymentBucket",
                &["s3:ListBucket", "s3:ListBucketVersions"],
                vec![format!("arn:{}:s3:::{}", self.partition, self.bucket())],
                None,
            ),
            statement(
                "DeploymentBucketObjects",
                &[
                    "s3:GetObject",
                    "s3:PutObject",
                    "s3:DeleteObject",
                    "s3:DeleteObjectVersion",
                ],
                vec![self.objects_arn()],
                None,
            ),
        ];
        if self.service.provider.deployment_role.is_some() {
            // Without a role, LambdaFunctions below already covers these.
            out.push(statement(
                "DeployFunction",
                &[
                    "lambda:GetFunctionConfiguration",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                ],
                self.function_arns(),
                None,
            ));
        }
        out
    }

    /// CloudFormation and Lambda read the template and the code with the deployer's rights.
    fn objects_read_statement(&self) -> Value {
        statement(
            "DeploymentBucketObjects",
            &["s3:GetObject"],
            vec![self.objects_arn()],
            None,
        )
    }

    /// What CloudFormation does for each resource type of the template.
    fn resource_statements(&self) -> (Vec<Value>, Vec<String>) {
        let mut out = Vec::new();
        let mut mapped: Vec<&str> = Vec::new();
        let mut mark = |types: &[&'static str]| mapped.extend_from_slice(types);

        // The deployment bucket sls creates in the stack (and its policy).
        if self.resources.contains_key("ServerlessDeploymentBucket") {
            out.push(statement(
                "DeploymentBucketManagement",
                &[
                    "s3:CreateBucket",
                    "s3:DeleteBucket",
                    "s3:PutBucketPolicy",
                    "s3:GetBucketPolicy",
                    "s3:DeleteBucketPolicy",
                    "s3:PutEncryptionConfiguration",
                    "s3:PutBucketPublicAccessBlock",
                    "s3:PutBucketVersioning",
                    "s3:PutBucketTagging",
                    "s3:PutBucketOwnershipControls",
                ],
                vec![format!("arn:{}:s3:::{}", self.partition, self.bucket())],
                None,
            ));
        }

        if self.has("AWS::Lambda::Function") {
            mark(&["AWS::Lambda::Function"]);
            out.push(statement(
                "LambdaFunctions",
                &[
                    "lambda:CreateFunction",
                    "lambda:DeleteFunction",
                    "lambda:GetFunction",
                    "lambda:GetFunctionConfiguration",
                    "lambda:UpdateFunctionCode",
                    "lambda:UpdateFunctionConfiguration",
                    "lambda:ListTags",
                    "lambda:TagResource",
                    "lambda:UntagResource",
                    "lambda:PutFunctionConcurrency",
                    "lambda:DeleteFunctionConcurrency",
                ],
                self.function_arns(),
                None,
            ));
            if self
                .of_type("AWS::Lambda::Function")
                .iter()
                .any(|(_, r)| !r["Properties"]["VpcConfig"].is_null())
            {
                out.push(statement(
                    "LambdaVpc",
                    &[
                        "ec2:DescribeSecurityGroups",
                        "ec2:DescribeSubnets",
                        "ec2:DescribeVpcs",
                    ],
                    vec!["*".into()],
                    None,
                ));
            }
        }
        for (ty, sid, actions) in FUNCTION_SCOPED {
            if self.has(ty) {
                mark(&[*ty]);
                out.push(statement(sid, actions, self.function_arns(), None));
            }
        }
        if self.has("AWS::Lambda::EventSourceMapping") {
            mark(&["AWS::Lambda::EventSourceMapping"]);
            // Event source mappings are named by a UUID AWS picks: CreateEventSourceMapping
            // takes no resource-level scope.
            out.push(statement(
                "LambdaEventSourceMappings",
                &[
                    "lambda:CreateEventSourceMapping",
                    "lambda:DeleteEventSourceMapping",
                    "lambda:GetEventSourceMapping",
                    "lambda:UpdateEventSourceMapping",
                    "lambda:ListEventSourceMappings",
                ],
                vec!["*".into()],
                None,
            ));
        }

        // IAM roles of the stack (the execution role `<service>-<stage>-<region>-lambdaRole`).
        let roles: Vec<String> = self
            .names("AWS::IAM::Role", "RoleName", false)
            .into_iter()
            .map(|n| format!("arn:{}:iam::{}:role/{n}", self.partition, self.account))
            .collect();
        if !roles.is_empty() {
            mark(&["AWS::IAM::Role"]);
            out.push(statement(
                "ExecutionRole",
                &[
                    "iam:CreateRole",
                    "iam:DeleteRole",
                    "iam:GetRole",
                    "iam:UpdateRole",
                    "iam:PutRolePolicy",
                    "iam:GetRolePolicy",
                    "iam:DeleteRolePolicy",
                    "iam:AttachRolePolicy",
                    "iam:DetachRolePolicy",
                    "iam:TagRole",
                    "iam:UntagRole",
                ],
                roles.clone(),
                None,
            ));
        }
        // Roles handed to Lambda: the stack's own, and any literal role ARN.
        let mut passed = roles;
        for (_, f) in self.of_type("AWS::Lambda::Function") {
            if let Some(arn) = self.literal(&f["Properties"]["Role"]) {
                passed.push(arn);
            }
        }
        if !passed.is_empty() && self.has("AWS::Lambda::Function") {
            out.push(statement(
                "PassExecutionRole",
                &["iam:PassRole"],
                passed,
                Some(json!({"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}})),
            ));
        }

        let log_groups = self.names("AWS::Logs::LogGroup", "LogGroupName", false);
        if !log_groups.is_empty() {
            mark(&["AWS::Logs::LogGroup"]);
            let fn_prefix = format!("/aws/lambda/{}", self.prefix);
            let mut arns = vec![self.arn("logs", &format!("log-group:{fn_prefix}*"))];
            for g in log_groups.iter().filter(|g| !g.starts_with(&fn_prefix)) {
                arns.push(self.arn("logs", &format!("log-group:{g}")));
                arns.push(self.arn("logs", &format!("log-group:{g}:*")));
            }
            out.push(statement(
                "LogGroups",
                &[
                    "logs:CreateLogGroup",
                    "logs:DeleteLogGroup",
                    "logs:PutRetentionPolicy",
                    "logs:DeleteRetentionPolicy",
                    "logs:TagResource",
                    "logs:UntagResource",
                    "logs:ListTagsForResource",
                    "logs:AssociateKmsKey",
                    "logs:DisassociateKmsKey",
                ],
                arns,
                None,
            ));
            out.push(statement(
                "DescribeLogGroups",
                &["logs:DescribeLogGroups"],
                vec![self.arn("logs", "log-group:*")],
                None,
            ));
        }
        if self.has("AWS::Logs::SubscriptionFilter") {
            mark(&["AWS::Logs::SubscriptionFilter"]);
            out.push(statement(
                "LogSubscriptionFilters",
                &[
                    "logs:PutSubscriptionFilter",
                    "logs:DeleteSubscriptionFilter",
                    "logs:DescribeSubscriptionFilters",
                ],
                vec![self.arn("logs", "log-group:*")],
                None,
            ));
        }

        let rest_types = [
            "AWS::ApiGateway::RestApi",
            "AWS::ApiGateway::Resource",
            "AWS::ApiGateway::Method",
            "AWS::ApiGateway::Deployment",
            "AWS::ApiGateway::Stage",
            "AWS::ApiGateway::Authorizer",
            "AWS::ApiGateway::Model",
            "AWS::ApiGateway::RequestValidator",
            "AWS::ApiGateway::ApiKey",
            "AWS::ApiGateway::UsagePlan",
            "AWS::ApiGateway::UsagePlanKey",
            "AWS::ApiGateway::Account",
        ];
        let v2_types = [
            "AWS::ApiGatewayV2::Api",
            "AWS::ApiGatewayV2::Stage",
            "AWS::ApiGatewayV2::Deployment",
            "AWS::ApiGatewayV2::Integration",
            "AWS::ApiGatewayV2::Route",
            "AWS::ApiGatewayV2::RouteResponse",
            "AWS::ApiGatewayV2::Authorizer",
        ];
        let mut api_paths = Vec::new();
        if rest_types.iter().any(|t| self.has(t)) {
            mark(&rest_types);
            api_paths.extend(["/restapis", "/restapis/*", "/tags/*"]);
            if self.has("AWS::ApiGateway::ApiKey") {
                api_paths.extend(["/apikeys", "/apikeys/*"]);
            }
            if self.has("AWS::ApiGateway::UsagePlan") || self.has("AWS::ApiGateway::UsagePlanKey") {
                api_paths.extend(["/usageplans", "/usageplans/*"]);
            }
            if self.has("AWS::ApiGateway::Account") {
                api_paths.push("/account");
            }
        }
        if v2_types.iter().any(|t| self.has(t)) {
            mark(&v2_types);
            api_paths.extend(["/apis", "/apis/*", "/tags/*"]);
        }
        if !api_paths.is_empty() {
            out.push(statement(
                "ApiGateway",
                &[
                    "apigateway:GET",
                    "apigateway:POST",
                    "apigateway:PUT",
                    "apigateway:PATCH",
                    "apigateway:DELETE",
                ],
                api_paths
                    .iter()
                    .map(|p| format!("arn:{}:apigateway:{}::{p}", self.partition, self.region))
                    .collect(),
                None,
            ));
        }

        let rules = self.names("AWS::Events::Rule", "Name", false);
        if !rules.is_empty() {
            mark(&["AWS::Events::Rule"]);
            let mut arns: Vec<String> = rules
                .iter()
                .map(|r| self.arn("events", &format!("rule/{r}")))
                .collect();
            // Rules on a custom bus live under `rule/<bus>/<name>`.
            if self
                .of_type("AWS::Events::Rule")
                .iter()
                .any(|(_, r)| !r["Properties"]["EventBusName"].is_null())
            {
                arns.extend(
                    rules
                        .iter()
                        .map(|r| self.arn("events", &format!("rule/*/{r}"))),
                );
            }
            out.push(statement(
                "EventBridgeRules",
                &[
                    "events:PutRule",
                    "events:DeleteRule",
                    "events:DescribeRule",
                    "events:EnableRule",
                    "events:DisableRule",
                    "events:PutTargets",
                    "events:RemoveTargets",
                    "events:ListTargetsByRule",
                    "events:TagResource",
                    "events:UntagResource",
                ],
                arns,
                None,
            ));
        }
        self.push_named(&EVENT_BUSES, &mut out, &mut mark);
        self.push_named(&SCHEDULES, &mut out, &mut mark);

        self.push_named(&SQS_QUEUES, &mut out, &mut mark);
        if self.has("AWS::SQS::QueuePolicy") {
            mark(&["AWS::SQS::QueuePolicy"]);
            out.push(statement(
                "SqsQueuePolicies",
                &["sqs:GetQueueAttributes", "sqs:SetQueueAttributes"],
                vec![self.arn("sqs", "*")],
                None,
            ));
        }

        self.push_named(&SNS_TOPICS, &mut out, &mut mark);
        if self.has("AWS::SNS::Subscription") || self.has("AWS::SNS::TopicPolicy") {
            mark(&["AWS::SNS::Subscription", "AWS::SNS::TopicPolicy"]);
            let arns = self
                .of_type("AWS::SNS::Subscription")
                .iter()
                .map(|(_, r)| match self.literal(&r["Properties"]["TopicArn"]) {
                    Some(arn) => arn,
                    None => self.arn("sns", "*"),
                })
                .chain(
                    self.has("AWS::SNS::TopicPolicy")
                        .then(|| self.arn("sns", "*")),
                )
                .collect();
            out.push(statement(
                "SnsSubscriptions",
                &[
                    "sns:Subscribe",
                    "sns:Unsubscribe",
                    "sns:GetSubscriptionAttributes",
                    "sns:SetSubscriptionAttributes",
                    "sns:GetTopicAttributes",
                    "sns:SetTopicAttributes",
                ],
                arns,
                None,
            ));
        }

        let buckets: Vec<String> = self
            .of_type("AWS::S3::Bucket")
            .into_iter()
            .filter(|(id, _)| id.as_str() != "ServerlessDeploymentBucket")
            .map(
                |(_, r)| match self.literal(&r["Properties"]["BucketName"]) {
                    Some(n) => n,
                    None => format!("{}-*", self.stack.to_lowercase()),
                },
            )
            .collect();
        if self.has("AWS::S3::Bucket") {
            mark(&["AWS::S3::Bucket"]);
        }
        if !buckets.is_empty() {
            out.push(statement(
                "S3Buckets",
                &[
                    "s3:CreateBucket",
                    "s3:DeleteBucket",
                    "s3:GetBucketLocation",
                    "s3:PutBucketNotification",
                    "s3:GetBucketNotification",
                    "s3:PutBucketPolicy",
                    "s3:GetBucketPolicy",
                    "s3:DeleteBucketPolicy",
                    "s3:PutEncryptionConfiguration",
                    "s3:PutBucketPublicAccessBlock",
                    "s3:PutBucketVersioning",
                    "s3:PutBucketTagging",
                    "s3:PutBucketCORS",
                    "s3:PutBucketOwnershipControls",
                ],
                buckets
                    .iter()
                    .map(|b| format!("arn:{}:s3:::{b}", self.partition))
                    .collect(),
                None,
            ));
        }
        if self.has("AWS::S3::BucketPolicy") {
            mark(&["AWS::S3::BucketPolicy"]);
            let non_deploy_policies = self.of_type("AWS::S3::BucketPolicy").iter().any(|(_, r)| {
                r["Properties"]["Bucket"] != json!({"Ref": "ServerlessDeploymentBucket"})
            });
            if non_deploy_policies {
                out.push(statement(
                    "S3BucketPolicies",
                    &[
                        "s3:PutBucketPolicy",
                        "s3:GetBucketPolicy",
                        "s3:DeleteBucketPolicy",
                    ],
                    vec![format!("arn:{}:s3:::*", self.partition)],
                    None,
                ));
            }
        }

        self.push_named(&DYNAMODB_TABLES, &mut out, &mut mark);
        self.push_named(&KINESIS_STREAMS, &mut out, &mut mark);
        if self.has("AWS::Kinesis::StreamConsumer") {
            mark(&["AWS::Kinesis::StreamConsumer"]);
            out.push(statement(
                "KinesisStreamConsumers",
                &[
                    "kinesis:RegisterStreamConsumer",
                    "kinesis:DeregisterStreamConsumer",
                    "kinesis:DescribeStreamConsumer",
                ],
                vec![self.arn("kinesis", "stream/*")],
                None,
            ));
        }

        self.push_named(&IOT_TOPIC_RULES, &mut out, &mut mark);
        self.push_named(&IOT_PROVISIONING_TEMPLATES, &mut out, &mut mark);
        let provisioning_roles: Vec<String> = self
            .of_type("AWS::IoT::ProvisioningTemplate")
            .iter()
            .map(|(_, r)| {
                self.literal(&r["Properties"]["ProvisioningRoleArn"])
                    .unwrap_or_else(|| {
                        format!("arn:{}:iam::{}:role/*", self.partition, self.account)
                    })
            })
            .collect();
        if !provisioning_roles.is_empty() {
            out.push(statement(
                "PassProvisioningRole",
                &["iam:PassRole"],
                provisioning_roles,
                Some(json!({"StringEquals": {"iam:PassedToService": "iot.amazonaws.com"}})),
            ));
        }

        if self.has("AWS::Cognito::UserPool") {
            mark(&["AWS::Cognito::UserPool"]);
            // A pool's ARN holds the id AWS picks, so only the account and region scope it;
            // CreateUserPool has no resource to scope at all.
            out.push(statement(
                "CognitoUserPools",
                &[
                    "cognito-idp:DescribeUserPool",
                    "cognito-idp:UpdateUserPool",
                    "cognito-idp:DeleteUserPool",
                    "cognito-idp:TagResource",
                    "cognito-idp:UntagResource",
                    "cognito-idp:ListTagsForResource",
                ],
                vec![self.arn("cognito-idp", "userpool/*")],
                None,
            ));
            out.push(statement(
                "CognitoCreateUserPool",
                &["cognito-idp:CreateUserPool"],
                vec!["*".into()],
                None,
            ));
        }

        // `alb` events: a listener rule on the user's listener, and a target group per function.
        let rules = self.of_type("AWS::ElasticLoadBalancingV2::ListenerRule");
        let groups = self.names("AWS::ElasticLoadBalancingV2::TargetGroup", "Name", false);
        if !rules.is_empty() || !groups.is_empty() {
            mark(&[
                "AWS::ElasticLoadBalancingV2::ListenerRule",
                "AWS::ElasticLoadBalancingV2::TargetGroup",
            ]);
            let mut arns: Vec<String> = rules
                .iter()
                .map(
                    |(_, r)| match self.literal(&r["Properties"]["ListenerArn"]) {
                        Some(listener) if listener.contains(":listener/") => {
                            format!(
                                "{}/*",
                                listener.replacen(":listener/", ":listener-rule/", 1)
                            )
                        }
                        _ => self.arn("elasticloadbalancing", "listener-rule/*"),
                    },
                )
                .collect();
            arns.extend(
                groups
                    .iter()
                    .map(|g| self.arn("elasticloadbalancing", &format!("targetgroup/{g}/*"))),
            );
            out.push(statement(
                "LoadBalancerRules",
                &[
                    "elasticloadbalancing:CreateRule",
                    "elasticloadbalancing:ModifyRule",
                    "elasticloadbalancing:DeleteRule",
                    "elasticloadbalancing:CreateTargetGroup",
                    "elasticloadbalancing:ModifyTargetGroup",
                    "elasticloadbalancing:ModifyTargetGroupAttributes",
                    "elasticloadbalancing:DeleteTargetGroup",
                    "elasticloadbalancing:RegisterTargets",
                    "elasticloadbalancing:DeregisterTargets",
                    "elasticloadbalancing:AddTags",
                    "elasticloadbalancing:RemoveTags",
                ],
                arns,
                None,
            ));
            // The Describe* calls take no resource-level scope.
            out.push(statement(
                "LoadBalancerDescribe",
                &[
                    "elasticloadbalancing:DescribeRules",
                    "elasticloadbalancing:DescribeTargetGroups",
                    "elasticloadbalancing:DescribeTargetGroupAttributes",
                    "elasticloadbalancing:DescribeTargetHealth",
                    "elasticloadbalancing:DescribeTags",
                ],
                vec!["*".into()],
                None,
            ));
        }

        // Custom resources: CloudFormation invokes their Lambda function (or publishes to
        // their SNS topic) with the deployer's rights.
        let custom: Vec<&Value> = self
            .resources
            .values()
            .filter(|r| {
                r["Type"].as_str().is_some_and(|t| {
                    t.starts_with("Custom::") || t == "AWS::CloudFormation::CustomResource"
                })
            })
            .collect();
        if !custom.is_empty() {
            let (mut functions, mut topics) = (Vec::new(), Vec::new());
            for r in custom {
                let token = &r["Properties"]["ServiceToken"];
                let in_stack = token["Fn::GetAtt"][0]
                    .as_str()
                    .and_then(|id| self.resources.get(id))
                    .is_some_and(|f| f["Type"] == "AWS::Lambda::Function");
                match self.literal(token) {
                    Some(arn) if arn.split(':').nth(2) == Some("sns") => topics.push(arn),
                    Some(arn) => functions.push(arn),
                    None if in_stack => functions.extend(self.function_arns()),
                    None => functions.push(self.arn("lambda", "function:*")),
                }
            }
            if !functions.is_empty() {
                out.push(statement(
                    "CustomResources",
                    &["lambda:InvokeFunction"],
                    functions,
                    None,
                ));
            }
            if !topics.is_empty() {
                out.push(statement(
                    "CustomResourceTopics",
                    &["sns:Publish"],
                    topics,
                    None,
                ));
            }
        }

        // Anything else of AWS's: honest, unscoped, and reported.
        let mut unmapped: Vec<String> = self
            .resources
            .values()
            .filter_map(|r| r["Type"].as_str())
            .filter(|t| t.starts_with("AWS::") && t != &"AWS::CloudFormation::CustomResource")
            .filter(|t| !mapped.contains(t))
            .map(str::to_string)
            .collect();
        unmapped.sort();
        unmapped.dedup();
        let mut services: Vec<String> = unmapped
            .iter()
            .filter_map(|t| t.split("::").nth(1))
            .map(iam_service_prefix)
            .collect();
        services.sort();
        services.dedup();
        for svc in services {
            let action = format!("{svc}:*");
            let sid: String = format!("Unmapped{}", capitalize(&svc.replace('-', "")));
            out.push(statement(&sid, &[action.as_str()], vec!["*".into()], None));
        }
        (out, unmapped)
    }
}

/// A resource type whose statement is its actions on the ARN of each resource, built from the
/// resource's name (see [`Cx::names`]).
struct Named {
    ty: &'static str,
    /// The property holding the name.
    name_property: &'static str,
    sid: &'static str,
    /// The ARN's service, and its resource part before the name.
    service: &'static str,
    arn_prefix: &'static str,
    /// Whether CloudFormation names an unnamed resource `<stack>-<logicalId>-<random>`; when
    /// not (IoT names allow no `-`), an unnamed resource's ARN ends in `*`.
    stack_named: bool,
    actions: &'static [&'static str],
}

const EVENT_BUSES: Named = Named {
    ty: "AWS::Events::EventBus",
    name_property: "Name",
    sid: "EventBridgeBuses",
    service: "events",
    arn_prefix: "event-bus/",
    stack_named: true,
    actions: &[
        "events:CreateEventBus",
        "events:DeleteEventBus",
        "events:DescribeEventBus",
    ],
};

const SCHEDULES: Named = Named {
    ty: "AWS::Scheduler::Schedule",
    name_property: "Name",
    sid: "Schedules",
    service: "scheduler",
    arn_prefix: "schedule/*/",
    stack_named: true,
    actions: &[
        "scheduler:CreateSchedule",
        "scheduler:UpdateSchedule",
        "scheduler:DeleteSchedule",
        "scheduler:GetSchedule",
    ],
};

const SQS_QUEUES: Named = Named {
    ty: "AWS::SQS::Queue",
    name_property: "QueueName",
    sid: "SqsQueues",
    service: "sqs",
    arn_prefix: "",
    stack_named: true,
    actions: &[
        "sqs:CreateQueue",
        "sqs:DeleteQueue",
        "sqs:GetQueueAttributes",
        "sqs:SetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:TagQueue",
        "sqs:UntagQueue",
        "sqs:ListQueueTags",
    ],
};

const SNS_TOPICS: Named = Named {
    ty: "AWS::SNS::Topic",
    name_property: "TopicName",
    sid: "SnsTopics",
    service: "sns",
    arn_prefix: "",
    stack_named: true,
    actions: &[
        "sns:CreateTopic",
        "sns:DeleteTopic",
        "sns:GetTopicAttributes",
        "sns:SetTopicAttributes",
        "sns:ListSubscriptionsByTopic",
        "sns:TagResource",
        "sns:UntagResource",
    ],
};

const DYNAMODB_TABLES: Named = Named {
    ty: "AWS::DynamoDB::Table",
    name_property: "TableName",
    sid: "DynamoDbTables",
    service: "dynamodb",
    arn_prefix: "table/",
    stack_named: true,
    actions: &[
        "dynamodb:CreateTable",
        "dynamodb:DeleteTable",
        "dynamodb:DescribeTable",
        "dynamodb:UpdateTable",
        "dynamodb:DescribeTimeToLive",
        "dynamodb:UpdateTimeToLive",
        "dynamodb:DescribeContinuousBackups",
        "dynamodb:UpdateContinuousBackups",
        "dynamodb:TagResource",
        "dynamodb:UntagResource",
        "dynamodb:ListTagsOfResource",
    ],
};

const KINESIS_STREAMS: Named = Named {
    ty: "AWS::Kinesis::Stream",
    name_property: "Name",
    sid: "KinesisStreams",
    service: "kinesis",
    arn_prefix: "stream/",
    stack_named: true,
    actions: &[
        "kinesis:CreateStream",
        "kinesis:DeleteStream",
        "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary",
        "kinesis:IncreaseStreamRetentionPeriod",
        "kinesis:DecreaseStreamRetentionPeriod",
        "kinesis:StartStreamEncryption",
        "kinesis:AddTagsToStream",
        "kinesis:RemoveTagsFromStream",
        "kinesis:ListTagsForStream",
    ],
};

const IOT_TOPIC_RULES: Named = Named {
    ty: "AWS::IoT::TopicRule",
    name_property: "RuleName",
    sid: "IotTopicRules",
    service: "iot",
    arn_prefix: "rule/",
    stack_named: false,
    actions: &[
        "iot:CreateTopicRule",
        "iot:ReplaceTopicRule",
        "iot:DeleteTopicRule",
        "iot:GetTopicRule",
        "iot:TagResource",
        "iot:UntagResource",
        "iot:ListTagsForResource",
    ],
};

const IOT_PROVISIONING_TEMPLATES: Named = Named {
    ty: "AWS::IoT::ProvisioningTemplate",
    name_property: "TemplateName",
    sid: "IotProvisioningTemplates",
    service: "iot",
    arn_prefix: "provisioningtemplate/",
    stack_named: false,
    actions: &[
        "iot:CreateProvisioningTemplate",
        "iot:UpdateProvisioningTemplate",
        "iot:DeleteProvisioningTemplate",
        "iot:DescribeProvisioningTemplate",
        "iot:TagResource",
        "iot:UntagResource",
        "iot:ListTagsForResource",
    ],
};

/// The IAM action prefix of a CloudFormation service name (`AWS::<Service>::…`): the
/// lower-cased name, except where IAM names the service otherwise.
fn iam_service_prefix(cfn_service: &str) -> String {
    let known = [
        ("ElasticLoadBalancingV2", "elasticloadbalancing"),
        ("Cognito", "cognito-idp"),
        ("ApiGatewayV2", "apigateway"),
        ("StepFunctions", "states"),
        ("CertificateManager", "acm"),
        ("ACMPCA", "acm-pca"),
        ("KinesisFirehose", "firehose"),
        ("OpenSearchService", "es"),
        ("Elasticsearch", "es"),
        ("EFS", "elasticfilesystem"),
        ("EMR", "elasticmapreduce"),
        ("MSK", "kafka"),
        ("AmazonMQ", "mq"),
        ("DocDB", "rds"),
        ("Neptune", "rds"),
        ("Pinpoint", "mobiletargeting"),
        ("Location", "geo"),
        ("WAFRegional", "waf-regional"),
    ];
    known
        .iter()
        .find(|(cfn, _)| *cfn == cfn_service)
        .map_or_else(|| cfn_service.to_lowercase(), |(_, iam)| iam.to_string())
}

/// Lambda resources that hang off the service's functions, so their actions are scoped to the
/// function ARNs: (resource type, Sid, actions CloudFormation calls).
const FUNCTION_SCOPED: &[(&str, &str, &[&str])] = &[
    (
        "AWS::Lambda::Version",
        "LambdaVersions",
        &["lambda:PublishVersion", "lambda:ListVersionsByFunction"],
    ),
    (
        "AWS::Lambda::Permission",
        "LambdaPermissions",
        &[
            "lambda:AddPermission",
            "lambda:RemovePermission",
            "lambda:GetPolicy",
        ],
    ),
    (
        "AWS::Lambda::Url",
        "LambdaUrls",
        &[
            "lambda:CreateFunctionUrlConfig",
            "lambda:UpdateFunctionUrlConfig",
            "lambda:DeleteFunctionUrlConfig",
            "lambda:GetFunctionUrlConfig",
        ],
    ),
    (
        "AWS::Lambda::EventInvokeConfig",
        "LambdaEventInvokeConfigs",
        &[
            "lambda:PutFunctionEventInvokeConfig",
            "lambda:UpdateFunctionEventInvokeConfig",
            "lambda:DeleteFunctionEventInvokeConfig",
            "lambda:GetFunctionEventInvokeConfig",
        ],
    ),
];

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(role: Option<&str>, bucket: Option<&str>) -> Service {
        let mut provider = json!({"name": "aws"});
        if let Some(role) = role {
            provider["iam"] = json!({"deploymentRole": role});
        }
        if let Some(bucket) = bucket {
            provider["deploymentBucket"] = json!({"name": bucket});
        }
        Service::from_config(
            &json!({"service": "svc", "provider": provider}),
            "dev",
            "eu-west-1",
        )
        .unwrap()
    }

    fn stmt<'v>(doc: &'v Value, sid: &str) -> Option<&'v Value> {
        doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
    }

    fn template() -> Value {
        json!({"Resources": {
            "HelloLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {
                "FunctionName": "custom-name",
                "Role": "arn:aws:iam::123456789012:role/given",
                "VpcConfig": {"SubnetIds": ["s"]}}},
            "HelloLogGroup": {"Type": "AWS::Logs::LogGroup",
                "Properties": {"LogGroupName": "/aws/lambda/custom-name"}},
            "Role": {"Type": "AWS::IAM::Role", "Properties": {"RoleName":
                {"Fn::Join": ["-", ["svc", "dev", {"Ref": "AWS::Region"}, "lambdaRole"]]}}},
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
            "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {}},
            "Custom": {"Type": "Custom::Thing", "Properties": {
                "ServiceToken": {"Fn::GetAtt": ["HelloLambdaFunction", "Arn"]}}}
        }})
    }

    #[test]
    fn names_outside_the_prefix_are_listed_and_unnamed_resources_use_the_stack() {
        let p = generate_for(&service(None, Some("my-bucket")), &template(), &[], None);
        let doc = &p.caller;
        let lambda = &stmt(doc, "LambdaFunctions").unwrap()["Resource"];
        assert!(lambda
            .to_string()
            .contains("arn:aws:lambda:eu-west-1:*:function:custom-name:*"));
        assert!(stmt(doc, "LogGroups").unwrap()["Resource"]
            .to_string()
            .contains("log-group:/aws/lambda/custom-name:*"));
        assert_eq!(
            stmt(doc, "ExecutionRole").unwrap()["Resource"],
            json!("arn:aws:iam::*:role/svc-dev-eu-west-1-lambdaRole")
        );
        assert_eq!(
            stmt(doc, "DynamoDbTables").unwrap()["Resource"],
            json!("arn:aws:dynamodb:eu-west-1:*:table/svc-dev-*")
        );
        let passed = stmt(doc, "PassExecutionRole").unwrap();
        assert!(passed["Resource"].to_string().contains("role/given"));
        assert_eq!(
            passed["Condition"]["StringEquals"]["iam:PassedToService"],
            "lambda.amazonaws.com"
        );
        assert_eq!(
            stmt(doc, "DeploymentBucketObjects").unwrap()["Resource"],
            json!("arn:aws:s3:::my-bucket/serverless/svc/dev/*")
        );
        // A named bucket is not sls's to create or delete.
        assert!(stmt(doc, "DeploymentBucketManagement").is_none());
        // Custom resources: CloudFormation invokes the stack's own function, nothing unmapped.
        assert!(stmt(doc, "CustomResources").unwrap()["Resource"]
            .to_string()
            .contains("function:svc-dev-*"));
        assert_eq!(p.unmapped_types, vec!["AWS::EC2::SecurityGroup"]);
        assert_eq!(
            stmt(doc, "UnmappedEc2").unwrap()["Action"],
            json!(["ec2:*"])
        );
    }

    #[test]
    fn a_known_account_replaces_the_wildcard() {
        let p = generate_for(
            &service(None, None),
            &template(),
            &[VariableRead::Stack {
                region: "eu-west-1".into(),
                name: "net".into(),
            }],
            Some("123456789012"),
        );
        let text = p.caller.to_string();
        assert!(!text.contains(":*:"), "{text}");
        assert!(!text.contains("iam::*:"), "{text}");
        assert!(text.contains("arn:aws:iam::123456789012:role/svc-dev-eu-west-1-lambdaRole"));
        assert!(text.contains("arn:aws:cloudformation:eu-west-1:123456789012:stack/net/*"));
    }

    #[test]
    fn arns_carry_the_region_partition() {
        assert_eq!(partition_of("eu-west-1"), "aws");
        assert_eq!(partition_of("cn-northwest-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-west-1"), "aws-us-gov");
        let service = Service::from_config(
            &json!({"service": "svc", "provider": {"name": "aws"}}),
            "dev",
            "cn-north-1",
        )
        .unwrap();
        let p = generate_for(&service, &template(), &[], None);
        let text = p.caller.to_string();
        assert!(
            text.contains("arn:aws-cn:cloudformation:cn-north-1:*:stack/"),
            "{text}"
        );
        assert!(text.contains("arn:aws-cn:s3:::"), "{text}");
        assert!(text.contains("arn:aws-cn:iam::*:role/"), "{text}");
        // Only the role ARN the template gives literally keeps its own partition.
        let generated = text.replace("arn:aws:iam::123456789012:role/given", "");
        assert!(!generated.contains("arn:aws:"), "{text}");
    }

    #[test]
    fn trust_policies_from_a_principal() {
        let principal =
            |p: &str| trust_policy(p, "aws").map(|t| t["Statement"][0]["Principal"].clone());
        assert_eq!(
            principal("123456789012"),
            Ok(json!({"AWS": "arn:aws:iam::123456789012:root"}))
        );
        assert_eq!(
            principal("arn:aws:iam::123456789012:role/ci"),
            Ok(json!({"AWS": "arn:aws:iam::123456789012:role/ci"}))
        );
        assert_eq!(
            principal("codebuild.amazonaws.com"),
            Ok(json!({"Service": "codebuild.amazonaws.com"}))
        );
        let err = principal(
            "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com",
        )
        .unwrap_err();
        assert!(err.contains("Web-identity"), "{err}");
        assert!(principal("someone").is_err());
        let china = trust_policy("123456789012", "aws-cn").unwrap();
        assert_eq!(
            china["Statement"][0]["Principal"],
            json!({"AWS": "arn:aws-cn:iam::123456789012:root"})
        );
        assert_eq!(
            principal("codebuild.amazonaws.com.cn"),
            Ok(json!({"Service": "codebuild.amazonaws.com.cn"}))
        );
    }

    #[test]
    fn a_deployment_role_gets_what_cloudformation_does() {
        let role = "arn:aws:iam::123456789012:role/cfn";
        let p = generate_for(&service(Some(role), None), &template(), &[], None);
        let caller = &p.caller;
        let pass = stmt(caller, "PassDeploymentRole").unwrap();
        assert_eq!(pass["Resource"], json!(role));
        assert_eq!(
            pass["Condition"]["StringEquals"]["iam:PassedToService"],
            "cloudformation.amazonaws.com"
        );
        // deploy function --update-config passes the literal role and the VPC itself.
        assert!(stmt(caller, "PassExecutionRole").is_some());
        assert!(stmt(caller, "LambdaVpc").is_some());
        assert!(stmt(caller, "ExecutionRole").is_none());
        let deployer = p.deployment_role.as_ref().unwrap();
        assert!(stmt(deployer, "ExecutionRole").is_some());
        assert!(stmt(deployer, "CloudFormationStack").is_none());
        assert_eq!(
            stmt(caller, "DeploymentBucket").unwrap()["Resource"],
            json!("arn:aws:s3:::svc-dev-serverlessdeploymentbucket-*")
        );
        let both = p.to_json();
        assert_eq!(both["caller"], *caller);
        assert_eq!(both["deploymentRole"], *deployer);
    }
}
