//! `sls credentials policy`: the generated least-privilege documents, pinned as snapshots
//! (insta; files in `tests/it/snapshots/`), for a basic service, one with http, schedule and
//! sqs events, one with `provider.iam.deploymentRole`, and one whose AWS variables read SSM,
//! CloudFormation and S3 (resolved against moto). Services without AWS variables need no AWS
//! access, and the user's `.serverless/` is never written.

use crate::common;
use common::Sls;

fn policy(service: &str) -> (Sls, serde_json::Value) {
    let sls = Sls::new();
    sls.file("serverless.yml", service);
    sls.file("handler.js", "exports.hello = async () => 'hi';\n");
    let run = sls.run(&["credentials", "policy", "--json"]).ok();
    assert!(
        run.stderr.is_empty(),
        "--json prints only JSON: {}",
        run.stderr
    );
    assert!(
        !sls.cwd.join(".serverless").exists(),
        "packaged into a temporary folder, not .serverless/"
    );
    (sls, run.json())
}

fn pretty(v: &serde_json::Value) -> String {
    serde_json::to_string_pretty(v).unwrap()
}

fn sids(doc: &serde_json::Value) -> Vec<&str> {
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["Sid"].as_str().unwrap())
        .collect()
}

#[test]
fn basic_service() {
    let (_, doc) = policy(
        "service: basic\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  region: eu-west-1\n\
         functions:\n  hello:\n    handler: handler.hello\n",
    );
    // Every statement says why it is there; nothing for services the stack does not use.
    let sids = sids(&doc);
    assert!(sids.contains(&"CloudFormationStack"), "{sids:?}");
    assert!(
        !sids.iter().any(|s| s.starts_with("ApiGateway")),
        "{sids:?}"
    );
    insta::assert_snapshot!("policy_basic", pretty(&doc));
}

#[test]
fn http_schedule_and_sqs_events() {
    let (_, doc) = policy(
        "service: shop\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  stage: prod\n\
         functions:\n  hello:\n    handler: handler.hello\n    events:\n\
         \x20     - http: GET /items\n      - schedule: rate(5 minutes)\n\
         \x20     - sqs: arn:aws:sqs:us-east-1:123456789012:orders\n",
    );
    let sids = sids(&doc);
    for sid in [
        "ApiGateway",
        "EventBridgeRules",
        "LambdaEventSourceMappings",
        "LambdaPermissions",
    ] {
        assert!(sids.contains(&sid), "{sid} missing: {sids:?}");
    }
    insta::assert_snapshot!("policy_http_schedule_sqs", pretty(&doc));
}

#[test]
fn deployment_role_gives_two_documents() {
    let (sls, doc) = policy(
        "service: roled\nprovider:\n  name: aws\n  runtime: nodejs20.x\n\
         \x20 deploymentBucket:\n    name: my-artifacts\n\
         \x20 iam:\n    deploymentRole: arn:aws:iam::123456789012:role/cfn-deployer\n\
         functions:\n  hello:\n    handler: handler.hello\n",
    );
    let caller = sids(&doc["caller"]);
    let role = sids(&doc["deploymentRole"]);
    assert!(caller.contains(&"PassDeploymentRole"), "{caller:?}");
    assert!(!caller.contains(&"ExecutionRole"), "{caller:?}");
    assert!(role.contains(&"ExecutionRole"), "{role:?}");
    assert!(!role.contains(&"CloudFormationStack"), "{role:?}");
    insta::assert_snapshot!("policy_deployment_role", pretty(&doc));

    // Without --json: the same JSON on stdout, an explanation on stderr.
    let run = sls.run(&["credentials", "policy"]).ok();
    assert_eq!(run.json(), doc);
    assert!(run.stderr.contains("deploymentRole"), "{}", run.stderr);
}

/// The reads of the service's AWS variables, resolved against moto (checking off): an SSM
/// String, a SecureString (so `kms:Decrypt`, through SSM only), a parameter in another region
/// that does not exist (its fallback applies, and the read is still allowed), a `${cf:}`
/// stack output, an `${s3:}` object and `${aws:accountId}`.
#[test]
fn aws_variable_reads() {
    let moto = sls_testkit::MotoServer::start();
    moto.put_parameter("/app/url", "String", "https://example.com");
    moto.put_parameter("/app/db-password", "SecureString", "s3cr3t");
    moto.query(
        "cloudformation",
        "2010-05-15",
        &[
            ("Action", "CreateStack"),
            ("StackName", "network-dev"),
            (
                "TemplateBody",
                r#"{"Resources": {"T": {"Type": "AWS::SNS::Topic"}}, "Outputs": {"VpcId": {"Value": "vpc-123"}}}"#,
            ),
        ],
    );
    moto.create_bucket("config-bucket");
    moto.put_object("config-bucket", "app.json", "{}");

    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret-of-admin");
    sls.file(
        "serverless.yml",
        "service: vars\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  environment:\n\
         \x20   URL: ${ssm:/app/url}\n    DB_PASSWORD: ${ssm:/app/db-password}\n\
         \x20   FLAG: ${ssm(eu-west-1):/shared/flag, 'off'}\n    VPC: ${cf:network-dev.VpcId}\n\
         \x20   CONFIG: ${s3:config-bucket/app.json}\n    ACCOUNT: ${aws:accountId}\n\
         functions:\n  hello:\n    handler: handler.hello\n",
    );
    sls.file("handler.js", "exports.hello = async () => 'hi';\n");
    let run = sls.run(&["credentials", "policy", "--json"]).ok();
    assert!(
        !run.all().contains("s3cr3t"),
        "no parameter value in the output"
    );
    let doc = run.json();
    let sids = sids(&doc);
    for sid in [
        "VariableParameters",
        "VariableDecrypt",
        "VariableStacks",
        "VariableObjects",
        "CallerIdentity",
    ] {
        assert!(sids.contains(&sid), "{sid} missing: {sids:?}");
    }
    let statement = |sid: &str| {
        doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap()
            .clone()
    };
    // KMS only for the SecureString's region, and only through SSM.
    assert_eq!(
        statement("VariableDecrypt")["Condition"]["StringEquals"]["kms:ViaService"],
        "ssm.us-east-1.amazonaws.com"
    );
    insta::assert_snapshot!("policy_aws_variable_reads", pretty(&doc));

    // Without AWS variables that need decryption, no KMS at all.
    sls.file(
        "serverless.yml",
        "service: vars\nprovider:\n  name: aws\n  environment:\n    URL: ${ssm:/app/url}\n\
         functions:\n  hello:\n    handler: handler.hello\n",
    );
    let doc = sls.run(&["credentials", "policy", "--json"]).ok().json();
    let sids = self::sids(&doc);
    assert!(sids.contains(&"VariableParameters"), "{sids:?}");
    assert!(!sids.contains(&"VariableDecrypt"), "{sids:?}");
}

/// An `${s3:}` object that is missing, so its fallback applies: S3 answers a caller without
/// `s3:ListBucket` 403 rather than 404 for a missing key, and then the fallback would not apply
/// (the deploy would fail), so the policy lists that bucket too. An object that exists needs
/// no listing.
#[test]
fn a_missing_s3_object_with_a_fallback_needs_the_bucket_listed() {
    let moto = sls_testkit::MotoServer::start();
    moto.create_bucket("config-bucket");
    moto.put_object("config-bucket", "app.json", "{}");
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret-of-admin");
    sls.file("handler.js", "exports.hello = async () => 'hi';\n");
    let service = |address: &str| {
        format!(
            "service: vars\nprovider:\n  name: aws\n  environment:\n\
             \x20   CONFIG: ${{s3:{address}, 'none'}}\n\
             functions:\n  hello:\n    handler: handler.hello\n"
        )
    };
    sls.file("serverless.yml", &service("config-bucket/missing.json"));
    let doc = sls.run(&["credentials", "policy", "--json"]).ok().json();
    let listing = doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "VariableBuckets")
        .unwrap_or_else(|| panic!("no VariableBuckets: {doc}"));
    assert_eq!(listing["Action"], serde_json::json!(["s3:ListBucket"]));
    assert_eq!(listing["Resource"], "arn:aws:s3:::config-bucket");

    sls.file("serverless.yml", &service("config-bucket/app.json"));
    let doc = sls.run(&["credentials", "policy", "--json"]).ok().json();
    assert!(!sids(&doc).contains(&"VariableBuckets"), "{doc}");
}

/// Every resource type sls's event compilers emit gets a statement of its own, with IAM's
/// service prefixes (CloudFormation's `ElasticLoadBalancingV2` is IAM's `elasticloadbalancing`);
/// only a type sls does not know (here `AWS::SSM::Parameter` from `resources`) falls back to an
/// `Unmapped…` statement, named in a warning.
#[test]
fn every_resource_type_sls_compiles() {
    let sls = Sls::new();
    let service = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/policy-every-type/serverless.yml"),
    )
    .unwrap();
    sls.file("serverless.yml", &service);
    sls.file("handler.js", "exports.hello = async () => 'hi';\n");
    let run = sls.run(&["credentials", "policy", "--json"]).ok();
    assert!(
        run.stderr
            .contains("no least-privilege mapping for AWS::SSM::Parameter;"),
        "only the unknown type is reported: {}",
        run.stderr
    );
    let doc = run.json();
    let sids = sids(&doc);
    for sid in [
        "LambdaUrls",
        "LambdaEventInvokeConfigs",
        "LambdaEventSourceMappings",
        "LogSubscriptionFilters",
        "ApiGateway",
        "EventBridgeRules",
        "EventBridgeBuses",
        "Schedules",
        "SqsQueues",
        "SqsQueuePolicies",
        "SnsTopics",
        "S3Buckets",
        "DynamoDbTables",
        "KinesisStreams",
        "KinesisStreamConsumers",
        "IotTopicRules",
        "IotProvisioningTemplates",
        "PassProvisioningRole",
        "CognitoUserPools",
        "CognitoCreateUserPool",
        "LoadBalancerRules",
        "LoadBalancerDescribe",
        "CustomResources",
    ] {
        assert!(sids.contains(&sid), "{sid} missing: {sids:?}");
    }
    let unmapped: Vec<&&str> = sids.iter().filter(|s| s.starts_with("Unmapped")).collect();
    assert_eq!(unmapped, [&"UnmappedSsm"], "{sids:?}");
    // Every action names a service as IAM spells it.
    let known = [
        "sts",
        "cloudformation",
        "s3",
        "lambda",
        "iam",
        "logs",
        "apigateway",
        "events",
        "scheduler",
        "sqs",
        "sns",
        "dynamodb",
        "kinesis",
        "iot",
        "cognito-idp",
        "elasticloadbalancing",
        "ssm",
    ];
    for s in doc["Statement"].as_array().unwrap() {
        let actions = match &s["Action"] {
            serde_json::Value::String(a) => vec![a.as_str()],
            v => v
                .as_array()
                .unwrap()
                .iter()
                .filter_map(|a| a.as_str())
                .collect(),
        };
        for a in actions {
            let prefix = a.split(':').next().unwrap();
            assert!(known.contains(&prefix), "{a} in {}", s["Sid"]);
        }
    }
    insta::assert_snapshot!("policy_every_resource_type", pretty(&doc));
}
