//! sls's custom-resource handlers (`custom-resources.zip`, Python) run with CloudFormation's
//! request shapes (Create, Update, Delete) against moto, answering to a loopback ResponseURL
//! this test serves and checks; and a deploy to moto of a service with an existing-bucket s3
//! event.
//!
//! The handler is taken from the zip `sls package` writes (what is deployed is what is tested)
//! and run by moto's Python (which has boto3, as Lambda's python3.12 runtime does) through
//! `fixtures/custom-resources-handler/scenarios.py`, which calls each handler and checks what
//! it did through each service's own API (notifications, triggers, rules, permissions, and what
//! must stay: other notifications on the bucket, other triggers of the pool, other rules on the
//! bus). Here every answer CloudFormation would get is checked: one PUT per request, with
//! Status, v3's PhysicalResourceId and the request's ids.
#![cfg(feature = "aws")]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use crate::common;
use crate::corpus::{fixtures, zip_entry};

use serde_json::{json, Value};
use sls_compile::custom_resources::{self as cr, Kind};
use sls_testkit::{moto_python_path, moto_server_path, MotoServer};

/// A loopback server recording every PUT (path, JSON body), as CloudFormation's pre-signed
/// response URL receives them.
struct ResponseServer {
    port: u16,
    answers: Arc<Mutex<Vec<(String, Value)>>>,
}

impl ResponseServer {
    fn start() -> ResponseServer {
        let listener = TcpListener::bind(("127.0.0.1", 0)).unwrap();
        let port = listener.local_addr().unwrap().port();
        let answers = Arc::new(Mutex::new(Vec::new()));
        let store = answers.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let mut reader = BufReader::new(conn.try_clone().unwrap());
                let mut line = String::new();
                reader.read_line(&mut line).unwrap();
                let mut parts = line.split_whitespace();
                let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
                let mut length = 0;
                loop {
                    let mut header = String::new();
                    reader.read_line(&mut header).unwrap();
                    if header.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = header.split_once(':') {
                        if k.eq_ignore_ascii_case("content-length") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                assert_eq!(method, "PUT", "CloudFormation's response URL takes a PUT");
                let body: Value = serde_json::from_slice(&body).unwrap();
                store.lock().unwrap().push((path.to_string(), body));
                let mut conn = conn;
                let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
            }
        });
        ResponseServer { port, answers }
    }

    fn base(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn answers(&self) -> Vec<(String, Value)> {
        self.answers.lock().unwrap().clone()
    }
}

/// `custom_resources.py` as `sls package` zips it, written into `dir`.
fn packaged_handler(dir: &Path) {
    let svc = dir.join("svc");
    std::fs::create_dir_all(&svc).unwrap();
    std::fs::write(svc.join("handler.js"), "exports.h = async () => 1;\n").unwrap();
    let config = json!({
        "service": "crh",
        "provider": {"name": "aws", "runtime": "nodejs20.x", "stage": "dev", "region": "us-east-1"},
        "functions": {"f": {"handler": "handler.h", "events": [
            {"s3": {"bucket": "legacy", "existing": true}}
        ]}}
    });
    let pkg = common::pack(&svc, &config);
    let zip = pkg.out_dir.join(cr::ARTIFACT_NAME);
    let handler = Kind::S3.handler();
    let module = handler.split('.').next().unwrap();
    let source = zip_entry(&zip, &format!("{module}.py"));
    std::fs::write(dir.join(format!("{module}.py")), source).unwrap();
}

/// Runs one scenario of `scenarios.py`; returns the answers CloudFormation would have got.
fn run_scenario(moto: &MotoServer, scenario: &str) -> Vec<(String, Value)> {
    let dir = tempfile::tempdir().unwrap();
    packaged_handler(dir.path());
    let responses = ResponseServer::start();
    let python = moto_server_path()
        .and_then(|m| moto_python_path(&m))
        .expect("moto's Python (with boto3): run scripts/setup-moto.sh");
    let mut cmd = Command::new(python);
    cmd.arg(fixtures().join("custom-resources-handler/scenarios.py"))
        .arg(dir.path())
        .arg(responses.base())
        .arg(scenario)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("NO_PROXY", "127.0.0.1");
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.ends_with("done\n"),
        "{scenario}: {stdout}\n{stderr}"
    );
    let steps: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("step "))
        .collect();
    let answers = responses.answers();
    let paths: Vec<&str> = answers.iter().map(|(p, _)| &p[1..]).collect();
    assert_eq!(paths, steps, "{scenario}: one answer per request, in order");
    for (path, body) in &answers {
        let step = &path[1..];
        assert_eq!(body["RequestId"], format!("request-{step}"), "{body}");
        assert_eq!(body["LogicalResourceId"], "Resource1", "{body}");
        assert!(body["StackId"]
            .as_str()
            .unwrap()
            .starts_with("arn:aws:cloudformation:"));
    }
    answers
}

fn status_and_id(answers: &[(String, Value)]) -> Vec<(String, String, String)> {
    answers
        .iter()
        .map(|(p, b)| {
            (
                p[1..].to_string(),
                b["Status"].as_str().unwrap().to_string(),
                b["PhysicalResourceId"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn all_succeed(answers: &[(String, Value)], physical_id: &str) {
    for (step, status, id) in status_and_id(answers) {
        assert_eq!(status, "SUCCESS", "{step}: {answers:?}");
        // v3's ids: a stack deployed by v3 updates in place instead of replacing the resource.
        assert_eq!(id, physical_id, "{step}");
    }
}

#[test]
fn s3_handler_merges_and_removes_only_its_notifications() {
    let moto = MotoServer::start();
    let answers = run_scenario(&moto, "s3");
    assert_eq!(answers.len(), 4);
    all_succeed(&answers, "CustomResourceExistingS3");
}

#[test]
fn cognito_handler_keeps_the_pools_settings_and_other_triggers() {
    let moto = MotoServer::start();
    let answers = run_scenario(&moto, "cognito");
    let (last, rest) = answers.split_last().unwrap();
    all_succeed(rest, "CustomResourceExistingCognitoUserPool");
    // A missing pool: FAILED, with the reason and where to look.
    assert_eq!(last.1["Status"], "FAILED");
    let reason = last.1["Reason"].as_str().unwrap();
    assert!(
        reason.contains("\"No Such Pool\" not found") && reason.contains("CloudWatch Log"),
        "{reason}"
    );
}

#[test]
fn event_bridge_handler_leaves_other_rules_and_their_bus() {
    let moto = MotoServer::start();
    let answers = run_scenario(&moto, "event-bridge");
    assert_eq!(answers.len(), 7);
    all_succeed(&answers, "CustomResourceEventBridge");
}

#[test]
fn api_gateway_role_handler_sets_the_accounts_role() {
    // The handler attaches AWS's managed policy for API Gateway logs to the role it creates.
    let moto = MotoServer::start_with_managed_policies();
    let answers = run_scenario(&moto, "api-gateway");
    assert_eq!(answers.len(), 3);
    all_succeed(&answers, "CustomResourceApiGatewayAccountCloudWatchRole");
}

/// A deploy to moto of a service with an s3 event on an existing bucket: the stack holds the
/// custom-resource function (sls's handler, from `custom-resources.zip`), its role and the
/// `Custom::S3` resource.
///
/// What moto does with `Custom::…` resources (moto 5.2.5, `cloudformation/custom_model.py`): it
/// invokes the ServiceToken's function in a background thread with a Create request whose
/// ResponseURL is moto's own; without Docker that invocation fails, so the bucket is not
/// configured by the deploy, and ExecuteChangeSet marks the stack `UPDATE_COMPLETE` without
/// waiting for the answer. So this test checks what the stack created through each service's
/// API, and then plays Lambda's part: it runs the deployed handler (the zip in the deployment
/// bucket) with the request CloudFormation sends, answering to moto's response URL, and checks
/// the bucket's notifications.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_with_an_existing_bucket_creates_the_custom_resource() {
    use sls_deploy::{deploy, DeployOutcome};
    let moto = MotoServer::start();
    let cfg = common::sdk(&moto.endpoint());
    moto.create_bucket("legacy-uploads");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: crx\n").unwrap();
    std::fs::write(d.join("handler.js"), "exports.hello = async () => 1;\n").unwrap();
    let config = json!({
        "service": "crx",
        "provider": {"name": "aws", "runtime": "nodejs20.x", "stage": "dev", "region": "us-east-1"},
        "functions": {"resize": {"handler": "handler.hello", "events": [
            {"s3": {"bucket": "legacy-uploads", "existing": true, "rules": [{"prefix": "in/"}]}}
        ]}}
    });
    let pkg = common::pack(d, &config);
    let zip = pkg
        .artifacts
        .iter()
        .find(|a| a.file_name == cr::ARTIFACT_NAME)
        .expect("custom-resources.zip is an artifact")
        .clone();
    let out = deploy(&cfg, &pkg, &common::opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");

    // The function: sls's handler, deployed from custom-resources.zip.
    let lambda = aws_sdk_lambda::Client::new(&cfg);
    let f = lambda
        .get_function_configuration()
        .function_name("crx-dev-custom-resource-existing-s3")
        .send()
        .await
        .unwrap();
    assert_eq!(f.handler(), Some(Kind::S3.handler()));
    assert_eq!(f.runtime().map(|r| r.as_str()), Some(cr::RUNTIME));
    assert_eq!(f.code_sha256(), Some(zip.sha256.as_str()));
    assert_eq!(f.memory_size(), Some(1024));
    assert_eq!(f.timeout(), Some(180));
    // Its role is the stack's IamRoleCustomResourcesLambdaExecution.
    let cfn = aws_sdk_cloudformation::Client::new(&cfg);
    let resources = cfn
        .describe_stack_resources()
        .stack_name("crx-dev")
        .send()
        .await
        .unwrap();
    let physical = |id: &str| {
        resources
            .stack_resources()
            .iter()
            .find(|r| r.logical_resource_id() == Some(id))
            .map(|r| {
                (
                    r.resource_type().unwrap_or_default().to_string(),
                    r.physical_resource_id().unwrap_or_default().to_string(),
                )
            })
            .unwrap_or_else(|| panic!("{id} not in the stack"))
    };
    let (ty, role_name) = physical(cr::ROLE_LOGICAL_ID);
    assert_eq!(ty, "AWS::IAM::Role");
    assert!(
        f.role().unwrap().ends_with(&format!("/{role_name}")),
        "{:?} runs with {role_name}",
        f.role()
    );
    assert_eq!(physical("ResizeCustomS31").0, "Custom::S3");

    // Lambda's part: the deployed handler, run with CloudFormation's request.
    let stack_id = cfn
        .describe_stacks()
        .stack_name("crx-dev")
        .send()
        .await
        .unwrap()
        .stacks()[0]
        .stack_id()
        .unwrap()
        .to_string();
    let props = &pkg.update_template["Resources"]["ResizeCustomS31"]["Properties"];
    let event = json!({
        "RequestType": "Create",
        "ResponseURL": format!("{}/cloudformation_us-east-1/cfnresponse?stack={stack_id}", moto.endpoint()),
        "StackId": stack_id,
        "RequestId": "r1",
        "LogicalResourceId": "ResizeCustomS31",
        "ResourceType": "Custom::S3",
        "ResourceProperties": {
            "ServiceToken": f.function_arn().unwrap(),
            "FunctionName": props["FunctionName"],
            "BucketName": props["BucketName"],
            "BucketConfigs": props["BucketConfigs"],
        }
    });
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("custom_resources.py"),
        zip_entry(&zip.path, "custom_resources.py"),
    )
    .unwrap();
    let script = format!(
        "import json, sys; sys.path.insert(0, {dir:?}); import custom_resources as c\n\
         class Ctx: invoked_function_arn = {arn:?}; log_stream_name = 's'\n\
         c.s3(json.loads(sys.argv[1]), Ctx())\n",
        dir = work.path().display().to_string(),
        arn = f.function_arn().unwrap(),
    );
    let python = moto_server_path()
        .and_then(|m| moto_python_path(&m))
        .unwrap();
    let run = Command::new(python)
        .args(["-c", &script, &event.to_string()])
        .env_clear()
        .env("AWS_ENDPOINT_URL", moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success() && stdout.contains("\"Status\": \"SUCCESS\""),
        "{stdout}\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    let n = s3
        .get_bucket_notification_configuration()
        .bucket("legacy-uploads")
        .send()
        .await
        .unwrap();
    let configs = n.lambda_function_configurations();
    assert_eq!(configs.len(), 1, "{n:?}");
    assert!(configs[0].id().unwrap().starts_with("crx-dev-resize-"));
    assert_eq!(
        configs[0].lambda_function_arn(),
        "arn:aws:lambda:us-east-1:123456789012:function:crx-dev-resize"
    );
}
