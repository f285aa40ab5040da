//! sls-policy, `sls credentials policy`: the least-privilege IAM policy for one packaged service
//! (pure: no AWS calls, no AWS SDK).
//!
//! The crate owns what a deployer of the service may do, as IAM documents; doing it (creating
//! the user or role, attaching the policy) is sls-cli's.
//!
//! - [`generate`] (and [`generate_for`]): from the compiled update template and the typed
//!   [`Service`], the [`Policies`]. Here, what `sls deploy`, `sls deploy function`, `sls info`
//!   and `sls remove` call directly: CloudFormation on the stack and its change set, S3 on the
//!   deployment bucket and the service's artifact prefix, Lambda for `deploy function` and the
//!   change check, STS. With `provider.iam.deploymentRole`, the split: the deployment role gets
//!   what CloudFormation does (it uses the role), the caller `iam:PassRole` on it.
//! - `table`: what CloudFormation does on the deployer's behalf for each resource type of the
//!   template, scoped by ARN: one row per type, keyed by
//!   [`sls_compile::resource_types`] (which types the compiler emits is sls-compile's; a test
//!   here fails while one of them has no row). A type with no row gets an unscoped
//!   `Unmapped…` statement and is reported ([`Policies::unmapped_types`]).
//! - `reads`: the AWS values the service's variables read (`${ssm:}`, `${cf:}`, `${s3:}`), as
//!   [`VariableRead`]s collected by the caller while it resolved the configuration; sls reads
//!   them with the caller's credentials, so their statements always go to the caller.
//! - For `--create-user` and `--role`: the policy's name ([`deployer_policy_name`]) and the
//!   role's [`trust_policy`].
//!
//! The account is the caller's when the CLI knows it (it asks STS when it talks to AWS
//! anyway: AWS variables, `--create-user`, `--role`), else `*`; the partition is the region's
//! ([`partition_of`]).

use serde_json::{json, Map, Value};

use sls_compile::resource_types::LAMBDA_FUNCTION;
use sls_package::{PackageResult, Service};

mod reads;
mod table;
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
                Some(passed_to("cloudformation.amazonaws.com")),
            ));
            // `deploy function --update-config` sends a literal role ARN and a VPC itself.
            let literal_roles = cx.literal_function_roles();
            if !literal_roles.is_empty() {
                direct.push(statement(
                    "PassExecutionRole",
                    &["iam:PassRole"],
                    literal_roles,
                    Some(passed_to("lambda.amazonaws.com")),
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

/// What the day-two commands add for the caller (`sls credentials policy --day-two`):
/// `invoke -f` (InvokeFunction), `deploy list functions` and `rollback function` (GetFunction,
/// ListVersionsByFunction, UpdateFunctionCode) on the service's functions, `logs`
/// (FilterLogEvents) on their log groups, and `metrics` (GetMetricStatistics, which IAM cannot
/// scope to a resource). `deploy list` and `rollback -t` need only what deploy has.
pub fn day_two_statements(service: &Service, account: Option<&str>) -> Vec<Value> {
    let cx = Cx::new(service, &Value::Null, account.unwrap_or("*"));
    vec![
        statement(
            "DayTwoFunctions",
            &[
                "lambda:InvokeFunction",
                "lambda:GetFunction",
                "lambda:ListVersionsByFunction",
                "lambda:UpdateFunctionCode",
            ],
            cx.function_arns(),
            None,
        ),
        statement(
            "DayTwoLogs",
            &["logs:FilterLogEvents"],
            vec![cx.arn("logs", &format!("log-group:/aws/lambda/{}*", cx.prefix))],
            None,
        ),
        statement(
            "DayTwoMetrics",
            &["cloudwatch:GetMetricStatistics"],
            vec!["*".into()],
            None,
        ),
    ]
}

/// The condition of an `iam:PassRole` statement: only to `service`.
fn passed_to(service: &str) -> Value {
    json!({"StringEquals": {"iam:PassedToService": service}})
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

    /// The literal names given in `property` of every resource of `ty`, sorted; a resource
    /// without a literal name gets CloudFormation's generated `<stack>-<logicalId>-<random>`,
    /// `<stack>-*`.
    fn names(&self, ty: &str, property: &str) -> Vec<String> {
        let mut out: Vec<String> = self
            .of_type(ty)
            .into_iter()
            .map(|(_, r)| match self.literal(&r["Properties"][property]) {
                Some(name) => name,
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
        for name in self.names(LAMBDA_FUNCTION, "FunctionName") {
            if !name.starts_with(&self.prefix) {
                out.push(self.arn("lambda", &format!("function:{name}")));
                out.push(self.arn("lambda", &format!("function:{name}:*")));
            }
        }
        out
    }

    /// Execution roles given to functions as literal ARNs (`provider.iam.role: arn:…`).
    fn literal_function_roles(&self) -> Vec<String> {
        self.of_type(LAMBDA_FUNCTION)
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
        out.extend(self.image_build_statements());
        out
    }

    /// Images sls builds (`provider.ecr.images.<name>.path`) are pushed to the service's ECR
    /// repository, which sls creates and `sls remove` deletes; docker logs in with ECR's
    /// authorization token, which IAM cannot scope to a repository.
    fn image_build_statements(&self) -> Vec<Value> {
        let repository = sls_compile::ecr_repository_name(&self.service.name, &self.service.stage);
        let arn = self.ecr_repository_arn(&repository);
        let builds = table::image_repositories(self).contains(&arn);
        if !builds {
            return Vec::new();
        }
        vec![
            statement(
                "ContainerImageRepository",
                &[
                    "ecr:DescribeRepositories",
                    "ecr:CreateRepository",
                    "ecr:DeleteRepository",
                    "ecr:BatchCheckLayerAvailability",
                    "ecr:InitiateLayerUpload",
                    "ecr:UploadLayerPart",
                    "ecr:CompleteLayerUpload",
                    "ecr:PutImage",
                    "ecr:BatchGetImage",
                ],
                vec![arn],
                None,
            ),
            statement(
                "ContainerRegistryLogin",
                &["ecr:GetAuthorizationToken"],
                vec!["*".into()],
                None,
            ),
        ]
    }

    /// The ARN of an ECR repository of this account and region.
    fn ecr_repository_arn(&self, repository: &str) -> String {
        format!(
            "arn:{}:ecr:{}:{}:repository/{repository}",
            self.partition, self.region, self.account
        )
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_two_statements_are_scoped_to_the_service() {
        let config = json!({"service": "svc", "provider": {"name": "aws"}, "functions": {"a": {"handler": "h.h"}}});
        let service = Service::from_config(&config, "dev", "eu-west-1").unwrap();
        let s = day_two_statements(&service, Some("123456789012"));
        assert_eq!(
            s[0]["Resource"],
            "arn:aws:lambda:eu-west-1:123456789012:function:svc-dev-*"
        );
        assert_eq!(s[0]["Action"][0], "lambda:InvokeFunction");
        assert_eq!(
            s[1]["Resource"],
            "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/svc-dev-*"
        );
        assert_eq!(s[2]["Action"][0], "cloudwatch:GetMetricStatistics");
    }

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
    fn aliases_and_images_are_scoped_to_the_functions_and_their_repositories() {
        let t = json!({"Resources": {
            "ImgLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {
                "FunctionName": "svc-dev-img", "PackageType": "Image",
                "Code": {"ImageUri": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app@sha256:ab"}}},
            "ZipLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {
                "FunctionName": "svc-dev-zip", "Code": {"S3Key": "k"}}},
            "ImgProvConcLambdaAlias": {"Type": "AWS::Lambda::Alias", "Properties": {}}
        }});
        let p = generate_for(&service(None, None), &t, &[], None);
        let doc = &p.caller;
        let alias = stmt(doc, "LambdaAliases").unwrap();
        assert!(alias["Action"]
            .to_string()
            .contains("lambda:PutProvisionedConcurrencyConfig"));
        assert!(alias["Resource"].to_string().contains("function:svc-dev-*"));
        assert_eq!(
            stmt(doc, "LambdaImages").unwrap()["Resource"],
            json!("arn:aws:ecr:eu-west-1:123456789012:repository/team/app")
        );
        assert!(p.unmapped_types.is_empty(), "{:?}", p.unmapped_types);
        // Without image functions or aliases, neither statement.
        let p = generate_for(&service(None, None), &template(), &[], None);
        assert!(stmt(&p.caller, "LambdaImages").is_none());
        assert!(stmt(&p.caller, "LambdaAliases").is_none());
    }

    #[test]
    fn images_sls_builds_get_the_service_repository_and_the_registry_login() {
        // What `sls credentials policy` compiles for `provider.ecr.images.<n>.path` and a tag.
        let config = json!({"service": "svc", "provider": {"name": "aws", "region": "eu-west-1", "ecr": {"images": {
            "app": {"path": "./app"}}}}, "functions": {
            "built": {"image": "app"},
            "tagged": {"image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:v1"}}});
        let model = Service::from_config(&config, "dev", "eu-west-1").unwrap();
        let answers = sls_compile::ResolvedImages::placeholders(&model);
        let mut t = json!({"Resources": {}});
        for (id, key) in [
            ("BuiltLambdaFunction", "built"),
            ("TaggedLambdaFunction", "tagged"),
        ] {
            let image = &config["functions"][key]["image"];
            let r = sls_compile::resolve_image(&model, key, image, &answers).unwrap();
            t["Resources"][id] = json!({"Type": "AWS::Lambda::Function", "Properties": {
                "FunctionName": format!("svc-dev-{key}"), "PackageType": "Image",
                "Code": {"ImageUri": r.uri}}});
        }
        let p = generate_for(&service(None, None), &t, &[], Some("123456789012"));
        let doc = &p.caller;
        let repo = "arn:aws:ecr:eu-west-1:123456789012:repository/serverless-svc-dev";
        let build = stmt(doc, "ContainerImageRepository").unwrap();
        assert_eq!(build["Resource"], json!(repo));
        assert!(build["Action"].to_string().contains("ecr:PutImage"));
        assert!(build["Action"].to_string().contains("ecr:DeleteRepository"));
        assert_eq!(
            stmt(doc, "ContainerRegistryLogin").unwrap()["Resource"],
            json!("*")
        );
        let images = stmt(doc, "LambdaImages").unwrap();
        assert_eq!(
            images["Resource"],
            json!([
                repo,
                "arn:aws:ecr:eu-west-1:123456789012:repository/team/app"
            ])
        );
        assert!(images["Action"].to_string().contains("ecr:DescribeImages"));
        // A tag alone: no repository of the service's, no login.
        t["Resources"]
            .as_object_mut()
            .unwrap()
            .remove("BuiltLambdaFunction");
        let p = generate_for(&service(None, None), &t, &[], Some("123456789012"));
        assert!(stmt(&p.caller, "ContainerImageRepository").is_none());
        assert!(stmt(&p.caller, "ContainerRegistryLogin").is_none());
    }

    #[test]
    fn lambda_at_edge_is_scoped_to_cloudfront_and_the_service_functions() {
        let t = json!({"Resources": {
            "EdgeLambdaFunction": {"Type": "AWS::Lambda::Function", "Properties": {"FunctionName": "svc-dev-edge"}},
            "CloudFrontCachePolicyP": {"Type": "AWS::CloudFront::CachePolicy", "Properties": {}},
            "CloudFrontDistribution": {"Type": "AWS::CloudFront::Distribution", "Properties": {}}
        }});
        let p = generate_for(&service(None, None), &t, &[], Some("123456789012"));
        let doc = &p.caller;
        let dist = stmt(doc, "CloudFrontDistributions").unwrap();
        assert_eq!(
            dist["Resource"],
            json!("arn:aws:cloudfront::123456789012:distribution/*")
        );
        assert!(dist["Action"]
            .to_string()
            .contains("cloudfront:UpdateDistribution"));
        let policies = stmt(doc, "CloudFrontCachePolicies").unwrap();
        assert_eq!(
            policies["Resource"],
            json!("arn:aws:cloudfront::123456789012:cache-policy/*")
        );
        let replication = stmt(doc, "LambdaEdgeReplication").unwrap();
        assert!(replication["Action"]
            .to_string()
            .contains("lambda:EnableReplication*"));
        assert_eq!(
            replication["Resource"],
            json!("arn:aws:lambda:eu-west-1:123456789012:function:svc-dev-*")
        );
        let linked = stmt(doc, "LambdaEdgeServiceLinkedRoles").unwrap();
        assert_eq!(linked["Action"], json!(["iam:CreateServiceLinkedRole"]));
        assert!(linked["Resource"].to_string().contains(
            "role/aws-service-role/replicator.lambda.amazonaws.com/AWSServiceRoleForLambdaReplicator"
        ));
        assert!(p.unmapped_types.is_empty(), "{:?}", p.unmapped_types);
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
