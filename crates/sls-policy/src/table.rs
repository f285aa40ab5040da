//! What CloudFormation calls on the deployer's behalf, as data: [`TABLE`] has one [`Row`] per
//! resource type (keyed by [`sls_compile::resource_types`]), each listing its [`Grant`]s: the
//! statement's Sid, its actions, and how its resources are scoped ([`Scope`]). A few
//! statements follow from more than one type, or from a logical id rather than a type; they
//! are small named functions, placed in the table where their statement goes
//! ([`Entry::Across`]).
//!
//! The statements come out in table order. Grants of the same Sid (of the API Gateway types,
//! of SNS subscriptions and topic policies, of the two load balancer types) make one statement,
//! where the first of them is, with all their resources; they must have the same actions (a
//! test checks). An `AWS::` type of the template with no row gets an unscoped `Unmapped…`
//! statement and is reported ([`Cx::unmapped`]).
//!
//! A new event family that emits a new type adds its constant to `resource_types` (a test
//! there fails until it does) and a row here (a test here fails until it does).

use serde_json::{json, Value};
use sls_compile::resource_types::*;

use super::{passed_to, statement, Cx};

/// Types that only come from the user's `resources` (the compiler emits none of them).
const API_GATEWAY_ACCOUNT: &str = "AWS::ApiGateway::Account";
const API_GATEWAY_STAGE: &str = "AWS::ApiGateway::Stage";
const CLOUDFORMATION_CUSTOM_RESOURCE: &str = "AWS::CloudFormation::CustomResource";
const DYNAMODB_TABLE: &str = "AWS::DynamoDB::Table";
const KINESIS_STREAM: &str = "AWS::Kinesis::Stream";
const SNS_TOPIC_POLICY: &str = "AWS::SNS::TopicPolicy";
const SQS_QUEUE: &str = "AWS::SQS::Queue";

/// A place in the table.
enum Entry {
    /// What CloudFormation calls for one type, when the template has resources of it.
    Type(Row),
    /// Statements that follow from several types, or from one logical id.
    Across(fn(&Cx) -> Vec<Value>),
}

/// One resource type and its statements. A row with no grants maps a type that needs no
/// statement of its own.
struct Row {
    ty: &'static str,
    grants: &'static [Grant],
}

/// One statement (or one part of a statement shared by several types, see the module doc).
struct Grant {
    sid: &'static str,
    actions: &'static [&'static str],
    scope: Scope,
    /// For `iam:PassRole`: the one service the role may be passed to.
    passed_to: Option<&'static str>,
}

/// How a grant's resources are found. ARN patterns hold `{partition}`, `{region}`,
/// `{account}` (the account, or `*`) and, in [`Scope::Named`], `{name}`.
#[derive(Clone, Copy)]
enum Scope {
    /// `*`: the calls take no resource-level scope, or the resource is named by an id AWS picks.
    Any,
    /// These ARNs.
    Fixed(&'static [&'static str]),
    /// The service's functions and their versions ([`Cx::function_arns`]).
    Functions,
    /// One ARN per resource of the row's type, from the literal name in `property` (see
    /// [`Cx::names`]).
    Named {
        property: &'static str,
        arn: &'static str,
        unnamed: Unnamed,
    },
    /// A special case, read from the template.
    With(fn(&Cx) -> Vec<String>),
}

/// The name in the ARN of a resource whose name the template does not give.
#[derive(Clone, Copy, PartialEq)]
enum Unnamed {
    /// CloudFormation's `<stack>-<logicalId>-<random>`: `<stack>-*`.
    Stack,
    /// Anything (IoT names allow no `-`, so CloudFormation picks another form): `*`.
    Any,
}

const fn grant(sid: &'static str, actions: &'static [&'static str], scope: Scope) -> Grant {
    Grant {
        sid,
        actions,
        scope,
        passed_to: None,
    }
}

const fn row(ty: &'static str, grants: &'static [Grant]) -> Entry {
    Entry::Type(Row { ty, grants })
}

const fn named(property: &'static str, arn: &'static str) -> Scope {
    Scope::Named {
        property,
        arn,
        unnamed: Unnamed::Stack,
    }
}

/// The execution roles of the stack (`<service>-<stage>-<region>-lambdaRole`).
const ROLES: Scope = named("RoleName", "arn:{partition}:iam::{account}:role/{name}");

const API_GATEWAY: &[&str] = &[
    "apigateway:GET",
    "apigateway:POST",
    "apigateway:PUT",
    "apigateway:PATCH",
    "apigateway:DELETE",
];
const REST_APIS: Grant = grant(
    "ApiGateway",
    API_GATEWAY,
    Scope::Fixed(&[
        "arn:{partition}:apigateway:{region}::/restapis",
        "arn:{partition}:apigateway:{region}::/restapis/*",
        "arn:{partition}:apigateway:{region}::/tags/*",
    ]),
);
const API_KEYS: Grant = grant(
    "ApiGateway",
    API_GATEWAY,
    Scope::Fixed(&[
        "arn:{partition}:apigateway:{region}::/apikeys",
        "arn:{partition}:apigateway:{region}::/apikeys/*",
    ]),
);
const USAGE_PLANS: Grant = grant(
    "ApiGateway",
    API_GATEWAY,
    Scope::Fixed(&[
        "arn:{partition}:apigateway:{region}::/usageplans",
        "arn:{partition}:apigateway:{region}::/usageplans/*",
    ]),
);
const ACCOUNT: Grant = grant(
    "ApiGateway",
    API_GATEWAY,
    Scope::Fixed(&["arn:{partition}:apigateway:{region}::/account"]),
);
const HTTP_APIS: Grant = grant(
    "ApiGateway",
    API_GATEWAY,
    Scope::Fixed(&[
        "arn:{partition}:apigateway:{region}::/apis",
        "arn:{partition}:apigateway:{region}::/apis/*",
        "arn:{partition}:apigateway:{region}::/tags/*",
    ]),
);

const SNS_SUBSCRIPTIONS: &[&str] = &[
    "sns:Subscribe",
    "sns:Unsubscribe",
    "sns:GetSubscriptionAttributes",
    "sns:SetSubscriptionAttributes",
    "sns:GetTopicAttributes",
    "sns:SetTopicAttributes",
];

const LOAD_BALANCER_RULES: &[&str] = &[
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
];
/// The Describe* calls take no resource-level scope.
const LOAD_BALANCER_DESCRIBE: Grant = grant(
    "LoadBalancerDescribe",
    &[
        "elasticloadbalancing:DescribeRules",
        "elasticloadbalancing:DescribeTargetGroups",
        "elasticloadbalancing:DescribeTargetGroupAttributes",
        "elasticloadbalancing:DescribeTargetHealth",
        "elasticloadbalancing:DescribeTags",
    ],
    Scope::Any,
);

/// The table, in the order of the statements.
static TABLE: &[Entry] = &[
    Entry::Across(deployment_bucket_management),
    row(
        LAMBDA_FUNCTION,
        &[
            grant(
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
                Scope::Functions,
            ),
            grant(
                "LambdaVpc",
                &[
                    "ec2:DescribeSecurityGroups",
                    "ec2:DescribeSubnets",
                    "ec2:DescribeVpcs",
                ],
                Scope::With(vpc_functions),
            ),
            // Lambda reads an image function's image with the caller's rights.
            grant(
                "LambdaImages",
                // DescribeImages: sls looks up an image given by tag.
                &[
                    "ecr:BatchGetImage",
                    "ecr:GetDownloadUrlForLayer",
                    "ecr:DescribeImages",
                ],
                Scope::With(image_repositories),
            ),
        ],
    ),
    // Lambda resources that hang off the service's functions.
    row(
        LAMBDA_VERSION,
        &[grant(
            "LambdaVersions",
            &["lambda:PublishVersion", "lambda:ListVersionsByFunction"],
            Scope::Functions,
        )],
    ),
    row(
        LAMBDA_PERMISSION,
        &[grant(
            "LambdaPermissions",
            &[
                "lambda:AddPermission",
                "lambda:RemovePermission",
                "lambda:GetPolicy",
            ],
            Scope::Functions,
        )],
    ),
    // `provisionedConcurrency` and `snapStart`: an alias, with its provisioned concurrency.
    row(
        LAMBDA_ALIAS,
        &[grant(
            "LambdaAliases",
            &[
                "lambda:CreateAlias",
                "lambda:UpdateAlias",
                "lambda:DeleteAlias",
                "lambda:GetAlias",
                "lambda:PutProvisionedConcurrencyConfig",
                "lambda:DeleteProvisionedConcurrencyConfig",
                "lambda:GetProvisionedConcurrencyConfig",
            ],
            Scope::Functions,
        )],
    ),
    row(
        LAMBDA_URL,
        &[grant(
            "LambdaUrls",
            &[
                "lambda:CreateFunctionUrlConfig",
                "lambda:UpdateFunctionUrlConfig",
                "lambda:DeleteFunctionUrlConfig",
                "lambda:GetFunctionUrlConfig",
            ],
            Scope::Functions,
        )],
    ),
    row(
        LAMBDA_EVENT_INVOKE_CONFIG,
        &[grant(
            "LambdaEventInvokeConfigs",
            &[
                "lambda:PutFunctionEventInvokeConfig",
                "lambda:UpdateFunctionEventInvokeConfig",
                "lambda:DeleteFunctionEventInvokeConfig",
                "lambda:GetFunctionEventInvokeConfig",
            ],
            Scope::Functions,
        )],
    ),
    // Top-level `layers`: each version published, read, deleted (on replacement), and shared.
    row(
        LAMBDA_LAYER_VERSION,
        &[grant(
            "LambdaLayers",
            &[
                "lambda:PublishLayerVersion",
                "lambda:GetLayerVersion",
                "lambda:DeleteLayerVersion",
            ],
            Scope::With(stack_layers),
        )],
    ),
    row(
        LAMBDA_LAYER_VERSION_PERMISSION,
        &[grant(
            "LambdaLayerPermissions",
            &[
                "lambda:AddLayerVersionPermission",
                "lambda:RemoveLayerVersionPermission",
                "lambda:GetLayerVersionPolicy",
            ],
            Scope::With(stack_layers),
        )],
    ),
    Entry::Across(function_layers),
    // Named by a UUID AWS picks: CreateEventSourceMapping takes no resource-level scope.
    row(
        LAMBDA_EVENT_SOURCE_MAPPING,
        &[grant(
            "LambdaEventSourceMappings",
            &[
                "lambda:CreateEventSourceMapping",
                "lambda:DeleteEventSourceMapping",
                "lambda:GetEventSourceMapping",
                "lambda:UpdateEventSourceMapping",
                "lambda:ListEventSourceMappings",
            ],
            Scope::Any,
        )],
    ),
    row(
        IAM_ROLE,
        &[grant(
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
            ROLES,
        )],
    ),
    Entry::Across(pass_execution_role),
    row(
        LOGS_LOG_GROUP,
        &[
            grant(
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
                Scope::With(log_groups),
            ),
            grant(
                "DescribeLogGroups",
                &["logs:DescribeLogGroups"],
                Scope::Fixed(&["arn:{partition}:logs:{region}:{account}:log-group:*"]),
            ),
        ],
    ),
    row(
        LOGS_SUBSCRIPTION_FILTER,
        &[grant(
            "LogSubscriptionFilters",
            &[
                "logs:PutSubscriptionFilter",
                "logs:DeleteSubscriptionFilter",
                "logs:DescribeSubscriptionFilters",
            ],
            Scope::Fixed(&["arn:{partition}:logs:{region}:{account}:log-group:*"]),
        )],
    ),
    // One `ApiGateway` statement for REST and HTTP/websocket APIs.
    row(API_GATEWAY_REST_API, &[REST_APIS]),
    row(API_GATEWAY_RESOURCE, &[REST_APIS]),
    row(API_GATEWAY_METHOD, &[REST_APIS]),
    row(API_GATEWAY_DEPLOYMENT, &[REST_APIS]),
    row(API_GATEWAY_STAGE, &[REST_APIS]),
    row(API_GATEWAY_AUTHORIZER, &[REST_APIS]),
    row(API_GATEWAY_MODEL, &[REST_APIS]),
    row(API_GATEWAY_REQUEST_VALIDATOR, &[REST_APIS]),
    row(API_GATEWAY_API_KEY, &[REST_APIS, API_KEYS]),
    row(API_GATEWAY_USAGE_PLAN, &[REST_APIS, USAGE_PLANS]),
    row(API_GATEWAY_USAGE_PLAN_KEY, &[REST_APIS, USAGE_PLANS]),
    row(API_GATEWAY_ACCOUNT, &[REST_APIS, ACCOUNT]),
    row(API_GATEWAY_V2_API, &[HTTP_APIS]),
    row(API_GATEWAY_V2_STAGE, &[HTTP_APIS]),
    row(API_GATEWAY_V2_DEPLOYMENT, &[HTTP_APIS]),
    row(API_GATEWAY_V2_INTEGRATION, &[HTTP_APIS]),
    row(API_GATEWAY_V2_ROUTE, &[HTTP_APIS]),
    row(API_GATEWAY_V2_ROUTE_RESPONSE, &[HTTP_APIS]),
    row(API_GATEWAY_V2_AUTHORIZER, &[HTTP_APIS]),
    row(
        EVENTS_RULE,
        &[grant(
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
            Scope::With(event_rules),
        )],
    ),
    row(
        EVENTS_EVENT_BUS,
        &[grant(
            "EventBridgeBuses",
            &[
                "events:CreateEventBus",
                "events:DeleteEventBus",
                "events:DescribeEventBus",
            ],
            named(
                "Name",
                "arn:{partition}:events:{region}:{account}:event-bus/{name}",
            ),
        )],
    ),
    row(
        SCHEDULER_SCHEDULE,
        &[grant(
            "Schedules",
            &[
                "scheduler:CreateSchedule",
                "scheduler:UpdateSchedule",
                "scheduler:DeleteSchedule",
                "scheduler:GetSchedule",
            ],
            named(
                "Name",
                "arn:{partition}:scheduler:{region}:{account}:schedule/*/{name}",
            ),
        )],
    ),
    row(
        SQS_QUEUE,
        &[grant(
            "SqsQueues",
            &[
                "sqs:CreateQueue",
                "sqs:DeleteQueue",
                "sqs:GetQueueAttributes",
                "sqs:SetQueueAttributes",
                "sqs:GetQueueUrl",
                "sqs:TagQueue",
                "sqs:UntagQueue",
                "sqs:ListQueueTags",
            ],
            named("QueueName", "arn:{partition}:sqs:{region}:{account}:{name}"),
        )],
    ),
    row(
        SQS_QUEUE_POLICY,
        &[grant(
            "SqsQueuePolicies",
            &["sqs:GetQueueAttributes", "sqs:SetQueueAttributes"],
            Scope::Fixed(&["arn:{partition}:sqs:{region}:{account}:*"]),
        )],
    ),
    row(
        SNS_TOPIC,
        &[grant(
            "SnsTopics",
            &[
                "sns:CreateTopic",
                "sns:DeleteTopic",
                "sns:GetTopicAttributes",
                "sns:SetTopicAttributes",
                "sns:ListSubscriptionsByTopic",
                "sns:TagResource",
                "sns:UntagResource",
            ],
            named("TopicName", "arn:{partition}:sns:{region}:{account}:{name}"),
        )],
    ),
    row(
        SNS_SUBSCRIPTION,
        &[grant(
            "SnsSubscriptions",
            SNS_SUBSCRIPTIONS,
            Scope::With(subscribed_topics),
        )],
    ),
    row(
        SNS_TOPIC_POLICY,
        &[grant(
            "SnsSubscriptions",
            SNS_SUBSCRIPTIONS,
            Scope::Fixed(&["arn:{partition}:sns:{region}:{account}:*"]),
        )],
    ),
    row(
        S3_BUCKET,
        &[grant(
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
            Scope::With(buckets),
        )],
    ),
    row(
        S3_BUCKET_POLICY,
        &[grant(
            "S3BucketPolicies",
            &[
                "s3:PutBucketPolicy",
                "s3:GetBucketPolicy",
                "s3:DeleteBucketPolicy",
            ],
            Scope::With(bucket_policies),
        )],
    ),
    row(
        DYNAMODB_TABLE,
        &[grant(
            "DynamoDbTables",
            &[
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
            named(
                "TableName",
                "arn:{partition}:dynamodb:{region}:{account}:table/{name}",
            ),
        )],
    ),
    row(
        KINESIS_STREAM,
        &[grant(
            "KinesisStreams",
            &[
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
            named(
                "Name",
                "arn:{partition}:kinesis:{region}:{account}:stream/{name}",
            ),
        )],
    ),
    row(
        KINESIS_STREAM_CONSUMER,
        &[grant(
            "KinesisStreamConsumers",
            &[
                "kinesis:RegisterStreamConsumer",
                "kinesis:DeregisterStreamConsumer",
                "kinesis:DescribeStreamConsumer",
            ],
            Scope::Fixed(&["arn:{partition}:kinesis:{region}:{account}:stream/*"]),
        )],
    ),
    row(
        IOT_TOPIC_RULE,
        &[grant(
            "IotTopicRules",
            &[
                "iot:CreateTopicRule",
                "iot:ReplaceTopicRule",
                "iot:DeleteTopicRule",
                "iot:GetTopicRule",
                "iot:TagResource",
                "iot:UntagResource",
                "iot:ListTagsForResource",
            ],
            Scope::Named {
                property: "RuleName",
                arn: "arn:{partition}:iot:{region}:{account}:rule/{name}",
                unnamed: Unnamed::Any,
            },
        )],
    ),
    row(
        IOT_PROVISIONING_TEMPLATE,
        &[
            grant(
                "IotProvisioningTemplates",
                &[
                    "iot:CreateProvisioningTemplate",
                    "iot:UpdateProvisioningTemplate",
                    "iot:DeleteProvisioningTemplate",
                    "iot:DescribeProvisioningTemplate",
                    "iot:TagResource",
                    "iot:UntagResource",
                    "iot:ListTagsForResource",
                ],
                Scope::Named {
                    property: "TemplateName",
                    arn: "arn:{partition}:iot:{region}:{account}:provisioningtemplate/{name}",
                    unnamed: Unnamed::Any,
                },
            ),
            Grant {
                sid: "PassProvisioningRole",
                actions: &["iam:PassRole"],
                scope: Scope::With(provisioning_roles),
                passed_to: Some("iot.amazonaws.com"),
            },
        ],
    ),
    // A pool's ARN holds the id AWS picks, so only the account and region scope it;
    // CreateUserPool has no resource to scope at all.
    row(
        COGNITO_USER_POOL,
        &[
            grant(
                "CognitoUserPools",
                &[
                    "cognito-idp:DescribeUserPool",
                    "cognito-idp:UpdateUserPool",
                    "cognito-idp:DeleteUserPool",
                    "cognito-idp:TagResource",
                    "cognito-idp:UntagResource",
                    "cognito-idp:ListTagsForResource",
                ],
                Scope::Fixed(&["arn:{partition}:cognito-idp:{region}:{account}:userpool/*"]),
            ),
            grant(
                "CognitoCreateUserPool",
                &["cognito-idp:CreateUserPool"],
                Scope::Any,
            ),
        ],
    ),
    // `alb` events: a listener rule on the user's listener, and a target group per function.
    row(
        ELB_V2_LISTENER_RULE,
        &[
            grant(
                "LoadBalancerRules",
                LOAD_BALANCER_RULES,
                Scope::With(listener_rules),
            ),
            LOAD_BALANCER_DESCRIBE,
        ],
    ),
    row(
        ELB_V2_TARGET_GROUP,
        &[
            grant(
                "LoadBalancerRules",
                LOAD_BALANCER_RULES,
                named(
                    "Name",
                    "arn:{partition}:elasticloadbalancing:{region}:{account}:targetgroup/{name}/*",
                ),
            ),
            LOAD_BALANCER_DESCRIBE,
        ],
    ),
    // `cloudFront` events (Lambda@Edge): the distribution, which associates the functions'
    // versions (CloudFront replicates them through the Lambda replicator's service-linked
    // role, created on first use), and the cache policies.
    row(
        CLOUDFRONT_DISTRIBUTION,
        &[
            grant(
                "CloudFrontDistributions",
                &[
                    "cloudfront:CreateDistribution",
                    "cloudfront:CreateDistributionWithTags",
                    "cloudfront:UpdateDistribution",
                    "cloudfront:DeleteDistribution",
                    "cloudfront:GetDistribution",
                    "cloudfront:GetDistributionConfig",
                    "cloudfront:TagResource",
                    "cloudfront:UntagResource",
                    "cloudfront:ListTagsForResource",
                ],
                Scope::Fixed(&["arn:{partition}:cloudfront::{account}:distribution/*"]),
            ),
            grant(
                "LambdaEdgeReplication",
                &[
                    "lambda:GetFunction",
                    "lambda:EnableReplication*",
                    "lambda:DisableReplication*",
                ],
                Scope::Functions,
            ),
            grant(
                "LambdaEdgeServiceLinkedRoles",
                &["iam:CreateServiceLinkedRole"],
                Scope::Fixed(&[
                    "arn:{partition}:iam::{account}:role/aws-service-role/replicator.lambda.amazonaws.com/AWSServiceRoleForLambdaReplicator",
                    "arn:{partition}:iam::{account}:role/aws-service-role/logger.cloudfront.amazonaws.com/AWSServiceRoleForCloudFrontLogger",
                ]),
            ),
        ],
    ),
    row(
        CLOUDFRONT_CACHE_POLICY,
        &[grant(
            "CloudFrontCachePolicies",
            &[
                "cloudfront:CreateCachePolicy",
                "cloudfront:UpdateCachePolicy",
                "cloudfront:DeleteCachePolicy",
                "cloudfront:GetCachePolicy",
                "cloudfront:GetCachePolicyConfig",
            ],
            Scope::Fixed(&["arn:{partition}:cloudfront::{account}:cache-policy/*"]),
        )],
    ),
    // Its statements are those of every custom resource, below.
    row(CLOUDFORMATION_CUSTOM_RESOURCE, &[]),
    Entry::Across(custom_resources),
];

/// A statement being built: its grant, and the resources found so far.
enum Pending {
    Grant(&'static Grant, Vec<String>),
    Done(Value),
}

impl Cx<'_> {
    /// What CloudFormation does for each resource type of the template, and the types with
    /// no row.
    pub(super) fn resource_statements(&self) -> (Vec<Value>, Vec<String>) {
        let mut pending: Vec<Pending> = Vec::new();
        for entry in TABLE {
            let row = match entry {
                Entry::Across(f) => {
                    pending.extend(f(self).into_iter().map(Pending::Done));
                    continue;
                }
                Entry::Type(row) if self.has(row.ty) => row,
                Entry::Type(_) => continue,
            };
            for g in row.grants {
                let found = self.scoped(row.ty, g.scope);
                if found.is_empty() {
                    continue;
                }
                let same = pending.iter_mut().find_map(|p| match p {
                    Pending::Grant(other, resources) if other.sid == g.sid => Some(resources),
                    _ => None,
                });
                match same {
                    Some(resources) => resources.extend(found),
                    None => pending.push(Pending::Grant(g, found)),
                }
            }
        }
        let mut out: Vec<Value> = pending
            .into_iter()
            .map(|p| match p {
                Pending::Grant(g, resources) => {
                    statement(g.sid, g.actions, resources, g.passed_to.map(passed_to))
                }
                Pending::Done(s) => s,
            })
            .collect();
        let (unmapped, statements) = self.unmapped();
        out.extend(statements);
        (out, unmapped)
    }

    /// The resources of a grant on the resources of type `ty`.
    fn scoped(&self, ty: &str, scope: Scope) -> Vec<String> {
        match scope {
            Scope::Any => vec!["*".into()],
            Scope::Fixed(arns) => arns.iter().map(|a| self.expand(a, "")).collect(),
            Scope::Functions => self.function_arns(),
            Scope::Named {
                property,
                arn,
                unnamed,
            } => {
                let generated = format!("{}-*", self.stack);
                self.names(ty, property)
                    .into_iter()
                    .map(|n| match n == generated && unnamed == Unnamed::Any {
                        true => "*".to_string(),
                        false => n,
                    })
                    .map(|n| self.expand(arn, &n))
                    .collect()
            }
            Scope::With(f) => f(self),
        }
    }

    /// An ARN pattern with its placeholders filled in (`{name}` with `name`).
    fn expand(&self, pattern: &str, name: &str) -> String {
        let mut out = String::new();
        let mut rest = pattern;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let close = open + rest[open..].find('}').expect("a closed placeholder");
            out.push_str(match &rest[open + 1..close] {
                "partition" => self.partition,
                "region" => self.region,
                "account" => self.account,
                "name" => name,
                other => panic!("no placeholder {{{other}}} in ARN patterns"),
            });
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        out
    }

    /// The template's `AWS::` types with no row, and for each IAM service among them an
    /// unscoped `<service>:*` statement: honest, unscoped, and reported.
    fn unmapped(&self) -> (Vec<String>, Vec<Value>) {
        let mut unmapped: Vec<String> = self
            .resources
            .values()
            .filter_map(|r| r["Type"].as_str())
            .filter(|t| t.starts_with("AWS::") && row_of(t).is_none())
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
        let statements = services
            .iter()
            .map(|svc| {
                let action = format!("{svc}:*");
                let sid = format!("Unmapped{}", capitalize(&svc.replace('-', "")));
                statement(&sid, &[action.as_str()], vec!["*".into()], None)
            })
            .collect();
        (unmapped, statements)
    }
}

// The special scopes.

/// `*` when a function is in a VPC: CloudFormation describes its subnets and groups.
fn vpc_functions(cx: &Cx) -> Vec<String> {
    let in_vpc = cx
        .of_type(LAMBDA_FUNCTION)
        .iter()
        .any(|(_, r)| !r["Properties"]["VpcConfig"].is_null());
    match in_vpc {
        true => vec!["*".into()],
        false => Vec::new(),
    }
}

/// The ECR repositories of image functions (`Code.ImageUri`
/// `<account>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:…`), each by its ARN; an
/// image not built yet (`*` for its account: `sls credentials policy` builds nothing) is in
/// the service's account.
pub(crate) fn image_repositories(cx: &Cx) -> Vec<String> {
    let mut arns: Vec<String> = Vec::new();
    for (_, f) in cx.of_type(LAMBDA_FUNCTION) {
        let Some(uri) = f["Properties"]["Code"]["ImageUri"].as_str() else {
            continue;
        };
        let arn = match uri.split_once('/') {
            Some((host, rest)) => {
                let repo = rest.split(['@', ':']).next().unwrap_or(rest);
                let mut parts = host.split('.');
                let (account, region) = (parts.next(), parts.nth(2));
                match (account, region) {
                    (Some(a), Some(r)) => {
                        let a = if a == "*" { cx.account } else { a };
                        format!("arn:{}:ecr:{r}:{a}:repository/{repo}", cx.partition)
                    }
                    _ => "*".to_string(),
                }
            }
            None => "*".to_string(),
        };
        if !arns.contains(&arn) {
            arns.push(arn);
        }
    }
    arns
}

/// The stack's layers by name (`LayerName`), and their versions: `layer:<name>` (publish)
/// and `layer:<name>:*` (each version).
fn stack_layers(cx: &Cx) -> Vec<String> {
    let mut arns = Vec::new();
    for name in cx.names(LAMBDA_LAYER_VERSION, "LayerName") {
        // A computed name: CloudFormation's `<stack>-*` does not apply to layers; any layer.
        let name = match name.ends_with("-*") && name.starts_with(cx.stack) {
            true => "*".to_string(),
            false => name,
        };
        arns.push(cx.arn("lambda", &format!("layer:{name}")));
        arns.push(cx.arn("lambda", &format!("layer:{name}:*")));
    }
    arns
}

/// Creating or updating a function with `Layers` reads each layer version it names
/// (`lambda:GetLayerVersion`): the literal ARNs (layers of other stacks and accounts); the
/// stack's own are in `LambdaLayers`.
fn function_layers(cx: &Cx) -> Vec<Value> {
    let mut arns: Vec<String> = Vec::new();
    for (_, f) in cx.of_type(LAMBDA_FUNCTION) {
        for l in f["Properties"]["Layers"].as_array().into_iter().flatten() {
            let arn = match l.as_str() {
                Some(a) => a.to_string(),
                // An imported or computed ARN: not known before deploying.
                None if l.get("Ref").is_none() => "*".to_string(),
                None => continue,
            };
            if !arns.contains(&arn) {
                arns.push(arn);
            }
        }
    }
    if arns.is_empty() {
        return Vec::new();
    }
    vec![statement(
        "FunctionLayers",
        &["lambda:GetLayerVersion"],
        arns,
        None,
    )]
}

/// The functions' log groups `/aws/lambda/<service>-<stage>-*`, and any other by name.
fn log_groups(cx: &Cx) -> Vec<String> {
    let fn_prefix = format!("/aws/lambda/{}", cx.prefix);
    let mut arns = vec![cx.arn("logs", &format!("log-group:{fn_prefix}*"))];
    for g in cx.names(LOGS_LOG_GROUP, "LogGroupName") {
        if !g.starts_with(&fn_prefix) {
            arns.push(cx.arn("logs", &format!("log-group:{g}")));
            arns.push(cx.arn("logs", &format!("log-group:{g}:*")));
        }
    }
    arns
}

/// Rules by name; rules on a custom bus live under `rule/<bus>/<name>`.
fn event_rules(cx: &Cx) -> Vec<String> {
    let rules = cx.names(EVENTS_RULE, "Name");
    let mut arns: Vec<String> = rules
        .iter()
        .map(|r| cx.arn("events", &format!("rule/{r}")))
        .collect();
    if cx
        .of_type(EVENTS_RULE)
        .iter()
        .any(|(_, r)| !r["Properties"]["EventBusName"].is_null())
    {
        arns.extend(
            rules
                .iter()
                .map(|r| cx.arn("events", &format!("rule/*/{r}"))),
        );
    }
    arns
}

/// The topic each subscription names literally, else any topic.
fn subscribed_topics(cx: &Cx) -> Vec<String> {
    cx.of_type(SNS_SUBSCRIPTION)
        .iter()
        .map(|(_, r)| match cx.literal(&r["Properties"]["TopicArn"]) {
            Some(arn) => arn,
            None => cx.arn("sns", "*"),
        })
        .collect()
}

/// The buckets other than the deployment bucket (see [`deployment_bucket_management`]).
fn buckets(cx: &Cx) -> Vec<String> {
    cx.of_type(S3_BUCKET)
        .into_iter()
        .filter(|(id, _)| id.as_str() != "ServerlessDeploymentBucket")
        .map(|(_, r)| match cx.literal(&r["Properties"]["BucketName"]) {
            Some(n) => n,
            None => format!("{}-*", cx.stack.to_lowercase()),
        })
        .map(|b| format!("arn:{}:s3:::{b}", cx.partition))
        .collect()
}

/// Any bucket, when a policy is on a bucket other than the deployment bucket.
fn bucket_policies(cx: &Cx) -> Vec<String> {
    let others = cx
        .of_type(S3_BUCKET_POLICY)
        .iter()
        .any(|(_, r)| r["Properties"]["Bucket"] != json!({"Ref": "ServerlessDeploymentBucket"}));
    match others {
        true => vec![format!("arn:{}:s3:::*", cx.partition)],
        false => Vec::new(),
    }
}

/// The role each provisioning template names literally, else any role.
fn provisioning_roles(cx: &Cx) -> Vec<String> {
    cx.of_type(IOT_PROVISIONING_TEMPLATE)
        .iter()
        .map(|(_, r)| {
            cx.literal(&r["Properties"]["ProvisioningRoleArn"])
                .unwrap_or_else(|| format!("arn:{}:iam::{}:role/*", cx.partition, cx.account))
        })
        .collect()
}

/// The rules of the listener each rule names literally, else any listener rule.
fn listener_rules(cx: &Cx) -> Vec<String> {
    cx.of_type(ELB_V2_LISTENER_RULE)
        .iter()
        .map(|(_, r)| match cx.literal(&r["Properties"]["ListenerArn"]) {
            Some(listener) if listener.contains(":listener/") => format!(
                "{}/*",
                listener.replacen(":listener/", ":listener-rule/", 1)
            ),
            _ => cx.arn("elasticloadbalancing", "listener-rule/*"),
        })
        .collect()
}

// The statements across types.

/// The deployment bucket sls creates in the stack (and its policy).
fn deployment_bucket_management(cx: &Cx) -> Vec<Value> {
    if !cx.resources.contains_key("ServerlessDeploymentBucket") {
        return Vec::new();
    }
    vec![statement(
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
        vec![format!("arn:{}:s3:::{}", cx.partition, cx.bucket())],
        None,
    )]
}

/// The roles handed to Lambda: the stack's own, and any literal role ARN of a function.
fn pass_execution_role(cx: &Cx) -> Vec<Value> {
    if !cx.has(LAMBDA_FUNCTION) {
        return Vec::new();
    }
    let mut passed = cx.scoped(IAM_ROLE, ROLES);
    for (_, f) in cx.of_type(LAMBDA_FUNCTION) {
        passed.extend(cx.literal(&f["Properties"]["Role"]));
    }
    if passed.is_empty() {
        return Vec::new();
    }
    vec![statement(
        "PassExecutionRole",
        &["iam:PassRole"],
        passed,
        Some(passed_to("lambda.amazonaws.com")),
    )]
}

/// Custom resources (`Custom::…`, `AWS::CloudFormation::CustomResource`): CloudFormation
/// invokes their Lambda function (or publishes to their SNS topic) with the deployer's
/// rights.
fn custom_resources(cx: &Cx) -> Vec<Value> {
    let (mut functions, mut topics) = (Vec::new(), Vec::new());
    let custom = cx.resources.values().filter(|r| {
        r["Type"]
            .as_str()
            .is_some_and(|t| t.starts_with("Custom::") || t == CLOUDFORMATION_CUSTOM_RESOURCE)
    });
    for r in custom {
        let token = &r["Properties"]["ServiceToken"];
        let in_stack = token["Fn::GetAtt"][0]
            .as_str()
            .and_then(|id| cx.resources.get(id))
            .is_some_and(|f| f["Type"] == LAMBDA_FUNCTION);
        match cx.literal(token) {
            Some(arn) if arn.split(':').nth(2) == Some("sns") => topics.push(arn),
            Some(arn) => functions.push(arn),
            None if in_stack => functions.extend(cx.function_arns()),
            None => functions.push(cx.arn("lambda", "function:*")),
        }
    }
    let mut out = Vec::new();
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
    out
}

/// The row of a type.
fn row_of(ty: &str) -> Option<&'static Row> {
    TABLE.iter().find_map(|e| match e {
        Entry::Type(row) if row.ty == ty => Some(row),
        _ => None,
    })
}

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

    fn rows() -> impl Iterator<Item = &'static Row> {
        TABLE.iter().filter_map(|e| match e {
            Entry::Type(row) => Some(row),
            Entry::Across(_) => None,
        })
    }

    fn grants() -> impl Iterator<Item = &'static Grant> {
        rows().flat_map(|r| r.grants.iter())
    }

    /// A type the compiler emits without a row would get an unscoped `Unmapped…` statement.
    #[test]
    fn every_type_the_compiler_emits_has_a_row() {
        let missing: Vec<&str> = ALL
            .iter()
            .copied()
            .filter(|t| row_of(t).is_none())
            .collect();
        assert!(
            missing.is_empty(),
            "types sls-compile emits with no row in the policy table (add one; `&[]` if \
             CloudFormation needs nothing for it): {missing:?}"
        );
    }

    #[test]
    fn one_row_per_type() {
        let mut types: Vec<&str> = rows().map(|r| r.ty).collect();
        types.sort();
        let all = types.len();
        types.dedup();
        assert_eq!(types.len(), all, "a type has two rows");
    }

    /// Grants of one Sid make one statement, so they must agree on what it allows.
    #[test]
    fn grants_of_one_sid_agree() {
        for a in grants() {
            for b in grants().filter(|b| b.sid == a.sid) {
                assert_eq!(a.actions, b.actions, "{}", a.sid);
                assert_eq!(a.passed_to, b.passed_to, "{}", a.sid);
            }
        }
    }

    #[test]
    fn arn_patterns_use_known_placeholders() {
        let service = sls_package::Service::from_config(
            &json!({"service": "svc", "provider": {"name": "aws"}}),
            "dev",
            "eu-west-1",
        )
        .unwrap();
        let cx = Cx::new(&service, &json!({}), "123456789012");
        for g in grants() {
            let (patterns, named): (Vec<&str>, bool) = match g.scope {
                Scope::Fixed(arns) => (arns.to_vec(), false),
                Scope::Named { arn, .. } => (vec![arn], true),
                _ => continue,
            };
            for p in patterns {
                assert_eq!(p.contains("{name}"), named, "{p}");
                let arn = cx.expand(p, "n");
                assert!(arn.starts_with("arn:aws:"), "{arn}");
                assert!(!arn.contains(['{', '}']), "{arn}");
            }
        }
    }
}
