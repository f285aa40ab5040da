//! End-to-end against moto on loopback (crates/sls-testkit): deploy, update, skip, info,
//! deploy function, remove, and a deploy under a least-privilege user with auth checking on.
//! The SdkConfig is built here directly (static keys, explicit region, endpoint on 127.0.0.1);
//! no process environment is read or set.

use crate::common;
use sls_hint::Hint;

use std::path::Path;
use std::sync::Mutex;

use common::{opts, pack, sdk_as};
use serde_json::{json, Value};
use sls_deploy::{
    deploy, deploy_function, info, remove, DeployEvent, DeployOutcome, FunctionOutcome,
    RemoveOutcome,
};
use sls_testkit::MotoServer;

fn service_config(role: &str, name: &str) -> Value {
    json!({
        "service": name,
        "provider": {
            "name": "aws",
            "runtime": "nodejs20.x",
            "memorySize": 256,
            "timeout": 12,
            "environment": {"BUCKET": {"Ref": "ServerlessDeploymentBucket"}, "PLAIN": "plain"},
            "iam": {"deploymentRole": role},
            "stackTags": {"team": "platform"}
        },
        "functions": {"hello": {"handler": "handler.hello", "environment": {"FN": "1"}}},
        "resources": {"Outputs": {"Extra": {"Value": "extra-value"}}}
    })
}

fn write_handler(dir: &Path, body: &str) {
    std::fs::write(dir.join("handler.js"), body).unwrap();
}

/// Collects events so tests can check what the CLI would have shown.
struct Events(Mutex<Vec<DeployEvent>>);
impl Events {
    fn new() -> Self {
        Events(Mutex::new(Vec::new()))
    }
    fn push(&self, e: DeployEvent) {
        self.0.lock().unwrap().push(e);
    }
    fn steps(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                DeployEvent::Step(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_update_skip_info_function_remove() {
    let moto = MotoServer::start();
    let role = moto.create_open_role("cfn-deploy");
    let cfg = sdk_as(&moto.endpoint(), "AKIAEXAMPLE", "secret");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: e2e\n").unwrap();
    write_handler(d, "exports.hello = async () => 1;\n");
    let config = service_config(&role, "e2e");

    // 1. First deploy creates the core stack, then updates it with the function.
    let events = Events::new();
    let pkg = pack(d, &config);
    let out = deploy(&cfg, &pkg, &opts(), &|e| events.push(e))
        .await
        .unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    assert!(events
        .steps()
        .iter()
        .any(|s| s.starts_with("Creating CloudFormation stack")));
    assert!(events
        .0
        .lock()
        .unwrap()
        .iter()
        .any(|e| matches!(e, DeployEvent::Stack { status, .. } if status.ends_with("_COMPLETE"))));

    let cfn = aws_sdk_cloudformation::Client::new(&cfg);
    let stack = cfn
        .describe_stacks()
        .stack_name("e2e-dev")
        .send()
        .await
        .unwrap();
    let stack = &stack.stacks()[0];
    assert_eq!(
        stack.role_arn(),
        Some(role.as_str()),
        "RoleARN is the deployment role"
    );
    assert!(stack
        .tags()
        .iter()
        .any(|t| t.key() == Some("team") && t.value() == Some("platform")));
    assert!(stack
        .tags()
        .iter()
        .any(|t| t.key() == Some("STAGE") && t.value() == Some("dev")));
    let outputs: Vec<(&str, &str)> = stack
        .outputs()
        .iter()
        .map(|o| (o.output_key().unwrap(), o.output_value().unwrap_or("")))
        .collect();
    let bucket = outputs
        .iter()
        .find(|(k, _)| *k == "ServerlessDeploymentBucketName")
        .map(|(_, v)| v.to_string())
        .expect("bucket output");
    assert!(outputs
        .iter()
        .any(|(k, _)| *k == "HelloLambdaFunctionQualifiedArn"));
    assert!(outputs.contains(&("Extra", "extra-value")));
    let resources = cfn
        .describe_stack_resources()
        .stack_name("e2e-dev")
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = resources
        .stack_resources()
        .iter()
        .filter_map(|r| r.logical_resource_id())
        .collect();
    for id in [
        "HelloLogGroup",
        "IamRoleLambdaExecution",
        "HelloLambdaFunction",
        "ServerlessDeploymentBucket",
    ] {
        assert!(ids.contains(&id), "{id} in {ids:?}");
    }

    let lambda = aws_sdk_lambda::Client::new(&cfg);
    let f = lambda
        .get_function_configuration()
        .function_name("e2e-dev-hello")
        .send()
        .await
        .unwrap();
    assert_eq!(f.memory_size(), Some(256));
    assert_eq!(f.timeout(), Some(12));
    let vars = f.environment().unwrap().variables().unwrap();
    assert_eq!(
        vars.get("BUCKET"),
        Some(&bucket),
        "!Ref resolved by CloudFormation"
    );
    assert_eq!(vars.get("PLAIN").map(String::as_str), Some("plain"));
    assert_eq!(vars.get("FN").map(String::as_str), Some("1"));
    assert_eq!(f.code_sha256(), Some(pkg.artifacts[0].sha256.as_str()));

    // 2. A code change updates the function's CodeSha256.
    write_handler(d, "exports.hello = async () => 2;\n");
    let pkg2 = pack(d, &config);
    assert_ne!(pkg2.artifacts[0].sha256, pkg.artifacts[0].sha256);
    let out = deploy(&cfg, &pkg2, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }));
    let f = lambda
        .get_function_configuration()
        .function_name("e2e-dev-hello")
        .send()
        .await
        .unwrap();
    assert_eq!(f.code_sha256(), Some(pkg2.artifacts[0].sha256.as_str()));
    let stack = cfn
        .describe_stacks()
        .stack_name("e2e-dev")
        .send()
        .await
        .unwrap();
    assert_eq!(
        stack.stacks()[0].role_arn(),
        Some(role.as_str()),
        "role kept on update"
    );

    // 3. Nothing changed: skipped.
    let events = Events::new();
    let pkg3 = pack(d, &config);
    let out = deploy(&cfg, &pkg3, &opts(), &|e| events.push(e))
        .await
        .unwrap();
    assert!(matches!(out, DeployOutcome::Skipped { .. }), "{out:?}");
    assert!(events
        .steps()
        .iter()
        .any(|s| s.contains("Skipping deployment")));

    // 4. info.
    let i = info(&cfg, &pkg3.service, &opts()).await.unwrap();
    assert_eq!(i.stack, "e2e-dev");
    assert_eq!(
        i.functions,
        vec![("hello".to_string(), "e2e-dev-hello".to_string())]
    );
    assert!(i
        .outputs
        .iter()
        .any(|(k, v, _)| k == "Extra" && v == "extra-value"));

    // 5. deploy function: code straight through Lambda; unchanged code is skipped.
    write_handler(d, "exports.hello = async () => 3;\n");
    let pkg4 = pack(d, &config);
    // --update-config cannot send an environment that holds a CloudFormation intrinsic.
    let err = deploy_function(&cfg, &pkg4, "hello", true, &opts(), &|_| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("functions.hello.environment.BUCKET"), "{err}");
    let out = deploy_function(&cfg, &pkg4, "hello", false, &opts(), &|_| {})
        .await
        .unwrap();
    assert!(matches!(out, FunctionOutcome::Updated { .. }), "{out:?}");
    let f = lambda
        .get_function_configuration()
        .function_name("e2e-dev-hello")
        .send()
        .await
        .unwrap();
    assert_eq!(f.code_sha256(), Some(pkg4.artifacts[0].sha256.as_str()));
    let out = deploy_function(&cfg, &pkg4, "hello", false, &opts(), &|_| {})
        .await
        .unwrap();
    assert!(
        matches!(out, FunctionOutcome::CodeUnchanged { .. }),
        "{out:?}"
    );
    // --update-config sends the VPC, KMS key and layers as v3's deploy function does.
    let mut config5 = config.clone();
    config5["provider"]["environment"] = json!({"PLAIN": "plain"});
    config5["functions"]["hello"]["vpc"] =
        json!({"securityGroupIds": ["sg-0123"], "subnetIds": ["subnet-0a", "subnet-0b"]});
    config5["functions"]["hello"]["kmsKeyArn"] =
        json!("arn:aws:kms:us-east-1:123456789012:key/abc");
    let pkg5 = pack(d, &config5);
    deploy_function(&cfg, &pkg5, "hello", true, &opts(), &|_| {})
        .await
        .unwrap();
    let f = lambda
        .get_function_configuration()
        .function_name("e2e-dev-hello")
        .send()
        .await
        .unwrap();
    let vpc = f.vpc_config().expect("VpcConfig sent by deploy function");
    assert_eq!(vpc.security_group_ids(), ["sg-0123".to_string()]);
    assert_eq!(vpc.subnet_ids().len(), 2);
    // moto's UpdateFunctionConfiguration keeps only Description, Handler, MemorySize, Role,
    // Runtime, Timeout, VpcConfig, Environment and Layers, so the KMS key is not checked here.
    // An unknown function is an error.
    assert!(
        deploy_function(&cfg, &pkg4, "nope", false, &opts(), &|_| {})
            .await
            .is_err()
    );

    // 6. remove: bucket emptied, stack deleted; a second remove finds nothing.
    let out = remove(&cfg, &pkg4.service, &opts(), &|_| {}).await.unwrap();
    assert!(
        matches!(out, RemoveOutcome::Removed { objects_deleted, .. } if objects_deleted > 0),
        "{out:?}"
    );
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    let buckets = s3.list_buckets().send().await.unwrap();
    assert!(
        !buckets
            .buckets()
            .iter()
            .any(|b| b.name() == Some(bucket.as_str())),
        "bucket deleted"
    );
    let gone = cfn.describe_stacks().stack_name("e2e-dev").send().await;
    assert!(
        gone.is_err()
            || gone.unwrap().stacks()[0].stack_status().unwrap().as_str() == "DELETE_COMPLETE"
    );
    assert!(lambda
        .get_function_configuration()
        .function_name("e2e-dev-hello")
        .send()
        .await
        .is_err());
    let out = remove(&cfg, &pkg4.service, &opts(), &|_| {}).await.unwrap();
    assert_eq!(
        out,
        RemoveOutcome::NotFound {
            stack: "e2e-dev".into()
        }
    );
    assert!(info(&cfg, &pkg4.service, &opts()).await.is_err());
}

/// What deploy, info and remove need, and nothing more (Lambda GET/DELETE are not used by them).
/// CloudFormation actions on `*`: moto checks them against `*`, not the stack ARN.
const DEPLOYER_POLICY: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Effect": "Allow", "Action": [
        "cloudformation:CreateStack", "cloudformation:UpdateStack", "cloudformation:DeleteStack",
        "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents",
        "cloudformation:DescribeStackResource", "cloudformation:GetTemplate",
        "cloudformation:CreateChangeSet", "cloudformation:DescribeChangeSet",
        "cloudformation:ExecuteChangeSet", "cloudformation:DeleteChangeSet",
        "cloudformation:SetStackPolicy",
        "lambda:GetFunctionConfiguration"],
     "Resource": "*"},
    {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:ListBucketVersions", "s3:GetObject",
        "s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"],
     "Resource": ["arn:aws:s3:::least-dev-*", "arn:aws:s3:::least-dev-*/*"]},
    {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::123456789012:role/cfn-deploy"}
  ]
}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn least_privilege_user_with_auth_checking_on() {
    let moto = MotoServer::start();
    let role = moto.create_open_role("cfn-deploy");
    moto.create_user("deployer");
    moto.put_user_policy("deployer", "deploy", DEPLOYER_POLICY);
    let (key, secret) = moto.create_access_key("deployer");
    moto.create_user("nobody");
    let (nokey, nosecret) = moto.create_access_key("nobody");
    let cfg = sdk_as(&moto.endpoint(), &key, &secret);

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: least\n").unwrap();
    write_handler(d, "exports.hello = async () => 1;\n");
    let config = service_config(&role, "least");
    let pkg = pack(d, &config);
    // moto answers CreateStack/UpdateStack with HTTP 403 under auth checking even for an
    // allow-all user (a moto limitation, like Lambda GET/DELETE): the stack is created with
    // checking off, everything else runs with it on.
    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    moto.enable_auth();

    // A user without permissions is refused, with the AWS reason in the message.
    let denied = deploy(
        &sdk_as(&moto.endpoint(), &nokey, &nosecret),
        &pkg,
        &opts(),
        &|_| {},
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(denied.contains("cloudformation:DescribeStacks"), "{denied}");
    assert!(!denied.contains(&nosecret), "no secret in errors");

    // The deployer's exact policy covers the change check (S3 list/head, GetTemplate, Lambda
    // GetFunctionConfiguration), the update, info and remove. moto fails body-less Lambda
    // requests' signatures under checking, so the deployed code cannot be confirmed here and
    // the unchanged redeploy deploys instead of skipping (what anything unconfirmed must do).
    let pkg2 = pack(d, &config);
    let out = deploy(&cfg, &pkg2, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    let i = info(&cfg, &pkg.service, &opts()).await.unwrap();
    assert!(i.stack_status.ends_with("_COMPLETE"), "{i:?}");
    let out = remove(&cfg, &pkg.service, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, RemoveOutcome::Removed { .. }), "{out:?}");

    moto.disable_auth();
    let cfn = aws_sdk_cloudformation::Client::new(&cfg);
    let gone = cfn.describe_stacks().stack_name("least-dev").send().await;
    assert!(
        gone.is_err()
            || gone.unwrap().stacks()[0].stack_status().unwrap().as_str() == "DELETE_COMPLETE"
    );
}

/// Deploy errors read like every other AWS error in sls: the action as AWS names it, the
/// resource, a hint, and never the secret (issue 14). The user may describe stacks but not
/// create them; checking is on for the whole deploy (the testkit's launcher fixes moto's
/// signature check for form-encoded requests).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn access_denied_during_deploy_names_action_resource_and_hint() {
    let moto = MotoServer::start();
    moto.create_user("viewer");
    moto.put_user_policy(
        "viewer",
        "view",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [
            "cloudformation:DescribeStacks", "cloudformation:DescribeStackEvents"], "Resource": "*"}]}"#,
    );
    let (key, secret) = moto.create_access_key("viewer");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: denied\n").unwrap();
    write_handler(d, "exports.hello = async () => 1;\n");
    let role = moto.create_open_role("cfn-deploy");
    let pkg = pack(d, &service_config(&role, "denied"));
    moto.enable_auth();
    let err = deploy(
        &sdk_as(&moto.endpoint(), &key, &secret),
        &pkg,
        &opts(),
        &|_| {},
    )
    .await
    .unwrap_err();
    moto.disable_auth();
    let text = err.to_string();
    // v3's default deployment method: the stack is created through a change set.
    assert!(text.contains("cloudformation:CreateChangeSet"), "{text}");
    assert!(text.contains("stack \"denied-dev\""), "{text}");
    assert!(text.starts_with("Access denied"), "{text}");
    let hint = err.hint().expect("a hint");
    assert!(hint.contains("IAM policy"), "{hint}");
    assert!(hint.contains("sls credentials policy"), "{hint}");
    assert!(
        !text.contains(&secret) && !hint.contains(&secret),
        "no secret"
    );
}

/// `provider.stackParameters` and `notificationArns` reach CloudFormation as v3 sends them (on
/// the change sets of both the create and the update): a template parameter feeds an output,
/// and the stack lists the topic. moto does not keep `DisableRollback` or a rollback
/// configuration on the stack, so those two are not read back here.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stack_parameters_and_notification_arns_reach_cloudformation() {
    let moto = MotoServer::start();
    let cfg = sdk_as(&moto.endpoint(), "AKIAEXAMPLE", "secret");
    let sns = sns_topic(&moto);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: params\n").unwrap();
    write_handler(d, "exports.hello = async () => 1;\n");
    let config = json!({
        "service": "params",
        "provider": {
            "name": "aws",
            "runtime": "nodejs20.x",
            "notificationArns": [sns],
            "stackParameters": [{"ParameterKey": "Greeting", "ParameterValue": "hello from a parameter"}],
            "disableRollback": true,
            "rollbackConfiguration": {"MonitoringTimeInMinutes": 5}
        },
        "functions": {"hello": {"handler": "handler.hello"}},
        "resources": {
            "Parameters": {"Greeting": {"Type": "String", "Default": "unset"}},
            "Outputs": {"Greeting": {"Value": {"Ref": "Greeting"}}}
        }
    });
    let pkg = pack(d, &config);
    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    let cfn = aws_sdk_cloudformation::Client::new(&cfg);
    let stacks = cfn
        .describe_stacks()
        .stack_name("params-dev")
        .send()
        .await
        .unwrap();
    let stack = &stacks.stacks()[0];
    let greeting = stack
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some("Greeting"))
        .and_then(|o| o.output_value());
    assert_eq!(greeting, Some("hello from a parameter"));
    assert_eq!(stack.notification_arns(), std::slice::from_ref(&sns));
}

/// A topic for `notificationArns` (moto publishes the stack's events to it).
fn sns_topic(moto: &MotoServer) -> String {
    let xml = moto.query(
        "sns",
        "2010-03-31",
        &[("Action", "CreateTopic"), ("Name", "stack-events")],
    );
    sls_testkit::xml_value(&xml, "TopicArn").expect("topic ARN")
}
