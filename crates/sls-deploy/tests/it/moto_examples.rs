//! Real-world services from github.com/serverless/examples (the template-corpus fixtures
//! `ex-*`, copied unchanged, see each fixture's SOURCE.md) packaged with their v3-resolved
//! config (`config.json`) and deployed to moto on loopback; one thing per service is checked
//! through that service's own API, then the stack is removed and the function is gone:
//!
//! - `ex-rest-api` (aws-node-rest-api, `http`): the REST API's `/` resource has a GET method
//!   proxying to the function.
//! - `ex-http-api` (aws-node-http-api, `httpApi`): moto's CloudFormation skips every
//!   `AWS::ApiGatewayV2::*` resource, so only the Lambda function is checked here, and the
//!   template for the HTTP API, its `GET /` route and integration.
//! - `ex-scheduled-cron` (aws-node-scheduled-cron, `schedule`): each function is the target of
//!   an Events rule with its schedule expression.
//! - `ex-s3-ses-email` (aws-node-ses-receive-email-body, `s3`, region eu-west-1): the bucket
//!   exists; moto ignores its NotificationConfiguration (the corpus compares it with v3).
//!
//! - `ex-sns-text-analysis` (aws-node-text-analysis-via-sns-post-processing, `sns` and `http`):
//!   the topic exists. Deployed without the `http` event's `cors: true`: with it, moto's stack
//!   update ends UPDATE_COMPLETE yet creates nothing after the `OPTIONS` MOCK method (no topic,
//!   ListStackResources answers 500; local-aws.md). The unedited template is compared with v3's
//!   in `v3_corpus_api.rs`.
//!
//! Also skipped by moto's CloudFormation, so checked in the corpus only: `AWS::ApiGatewayV2::*`
//! (`httpApi`), S3 notification configurations and `AWS::SNS::Subscription`.
#![cfg(feature = "aws")]

use crate::common;

use std::path::{Path, PathBuf};

use aws_config::{Region, SdkConfig};
use serde_json::{json, Value};
use sls_deploy::{deploy, package, remove, DeployOutcome, PackageInput, PackageResult};
use sls_testkit::MotoServer;

fn fixture(case: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(case)
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// A deployed example: the SDK configuration for its region and what was packaged.
struct Deployed {
    cfg: SdkConfig,
    pkg: PackageResult,
    _dir: tempfile::TempDir,
}

/// Packages fixture `case`'s service (stage and region from its `config.json`) and deploys it.
async fn deploy_example(moto: &MotoServer, case: &str) -> Deployed {
    deploy_example_with(moto, case, |_| {}).await
}

/// [`deploy_example`] with `edit` applied to the resolved config first.
async fn deploy_example_with(
    moto: &MotoServer,
    case: &str,
    edit: impl FnOnce(&mut Value),
) -> Deployed {
    let dir = tempfile::tempdir().unwrap();
    let svc = dir.path().join("svc");
    copy_dir(&fixture(case).join("service"), &svc);
    let mut config: Value =
        serde_json::from_str(&std::fs::read_to_string(fixture(case).join("config.json")).unwrap())
            .unwrap();
    edit(&mut config);
    let stage = config["provider"]["stage"].as_str().unwrap().to_string();
    let region = config["provider"]["region"].as_str().unwrap().to_string();
    let pkg = package(&PackageInput {
        service_dir: &svc,
        config: &config,
        stage: &stage,
        region: &region,
        out_dir: &svc.join(".serverless"),
        config_file_name: Some("serverless.yml"),
        timestamp: None,
    })
    .unwrap_or_else(|e| panic!("{case}: {e}"));
    let cfg = common::sdk(&moto.endpoint())
        .into_builder()
        .region(Region::new(region))
        .build();
    let out = deploy(&cfg, &pkg, &common::opts(), &|_| {})
        .await
        .unwrap_or_else(|e| panic!("{case}: {e}"));
    assert!(
        matches!(out, DeployOutcome::Deployed { .. }),
        "{case}: {out:?}"
    );
    Deployed {
        cfg,
        pkg,
        _dir: dir,
    }
}

async fn function_arn(cfg: &SdkConfig, name: &str) -> String {
    aws_sdk_lambda::Client::new(cfg)
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{name}: {e:?}"))
        .function_arn()
        .unwrap()
        .to_string()
}

/// Removes the stack; the functions are gone afterwards.
async fn remove_example(d: &Deployed, functions: &[&str]) {
    remove(&d.cfg, &d.pkg.service, &common::opts(), &|_| {})
        .await
        .unwrap();
    let lambda = aws_sdk_lambda::Client::new(&d.cfg);
    for name in functions {
        assert!(
            lambda
                .get_function_configuration()
                .function_name(*name)
                .send()
                .await
                .is_err(),
            "{name} is still there after remove"
        );
    }
}

/// A signed-looking request (moto checks no signature) to a REST-JSON or JSON API.
fn call(moto: &MotoServer, service: &str, method: &str, path: &str, target: &str) -> Value {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"
    );
    let mut headers = vec![("Authorization", auth.as_str())];
    if !target.is_empty() {
        headers.push(("Content-Type", "application/x-amz-json-1.1"));
        headers.push(("X-Amz-Target", target));
    }
    let body = if target.is_empty() { "" } else { "{}" };
    let (status, text) = moto.request(method, path, &headers, body).unwrap();
    assert_eq!(status, 200, "{method} {path} {target}: {text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_api_example_http_event() {
    let moto = MotoServer::start();
    let d = deploy_example(&moto, "ex-rest-api").await;
    let fn_arn = function_arn(&d.cfg, "aws-node-rest-api-dev-hello").await;

    let apis = call(&moto, "apigateway", "GET", "/restapis", "");
    let api = apis["item"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == "dev-aws-node-rest-api")
        .unwrap_or_else(|| panic!("no REST API dev-aws-node-rest-api: {apis}"))["id"]
        .as_str()
        .unwrap()
        .to_string();
    let resources = call(
        &moto,
        "apigateway",
        "GET",
        &format!("/restapis/{api}/resources"),
        "",
    );
    let items = resources["item"].as_array().unwrap();
    assert_eq!(items.len(), 1, "only the root resource: {resources}");
    let root = items[0]["id"].as_str().unwrap();
    let get = call(
        &moto,
        "apigateway",
        "GET",
        &format!("/restapis/{api}/resources/{root}/methods/GET"),
        "",
    );
    assert_eq!(get["methodIntegration"]["type"], "AWS_PROXY", "{get}");
    let uri = get["methodIntegration"]["uri"].as_str().unwrap();
    assert!(
        uri.contains(&format!("/functions/{fn_arn}/invocations")),
        "{uri} should point at {fn_arn}"
    );

    remove_example(&d, &["aws-node-rest-api-dev-hello"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_api_example_httpapi_event() {
    let moto = MotoServer::start();
    let d = deploy_example(&moto, "ex-http-api").await;
    // moto skips AWS::ApiGatewayV2::*: the function is deployed, the API is in the template.
    let f = aws_sdk_lambda::Client::new(&d.cfg)
        .get_function_configuration()
        .function_name("serverless-http-api-dev-api")
        .send()
        .await
        .unwrap();
    assert_eq!(f.handler(), Some("index.handler"));
    let resources = &d.pkg.update_template["Resources"];
    assert_eq!(resources["HttpApi"]["Type"], "AWS::ApiGatewayV2::Api");
    assert_eq!(
        resources["HttpApiRouteGet"]["Properties"]["RouteKey"],
        "GET /"
    );
    assert_eq!(
        resources["HttpApiIntegrationApi"]["Properties"]["IntegrationUri"],
        json!({"Fn::GetAtt": ["ApiLambdaFunction", "Arn"]})
    );

    remove_example(&d, &["serverless-http-api-dev-api"]).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_cron_example_schedule_events() {
    let moto = MotoServer::start();
    let d = deploy_example(&moto, "ex-scheduled-cron").await;
    let rules = call(&moto, "events", "POST", "/", "AWSEvents.ListRules");
    for (function, target_id, expression) in [
        ("rateHandler", "rateHandlerSchedule", "rate(1 minute)"),
        (
            "cronHandler",
            "cronHandlerSchedule",
            "cron(0/2 * ? * MON-FRI *)",
        ),
    ] {
        let arn = function_arn(&d.cfg, &format!("aws-node-scheduled-cron-dev-{function}")).await;
        let mut found = Vec::new();
        for rule in rules["Rules"].as_array().unwrap() {
            let name = rule["Name"].as_str().unwrap();
            let auth = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/events/aws4_request, SignedHeaders=host, Signature=00";
            let (status, text) = moto
                .request(
                    "POST",
                    "/",
                    &[
                        ("Content-Type", "application/x-amz-json-1.1"),
                        ("X-Amz-Target", "AWSEvents.ListTargetsByRule"),
                        ("Authorization", auth),
                    ],
                    &json!({"Rule": name}).to_string(),
                )
                .unwrap();
            assert_eq!(status, 200, "{text}");
            let targets: Value = serde_json::from_str(&text).unwrap();
            if targets["Targets"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t["Arn"] == arn.as_str() && t["Id"] == target_id)
            {
                found.push(rule["ScheduleExpression"].clone());
            }
        }
        assert_eq!(found, [json!(expression)], "{function}: {rules}");
    }

    remove_example(
        &d,
        &[
            "aws-node-scheduled-cron-dev-rateHandler",
            "aws-node-scheduled-cron-dev-cronHandler",
        ],
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ses_email_example_s3_event() {
    let moto = MotoServer::start();
    let d = deploy_example(&moto, "ex-s3-ses-email").await;
    function_arn(&d.cfg, "aws-node-ses-receive-email-body-dev-postprocess").await;
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&d.cfg)
            .force_path_style(true)
            .build(),
    );
    s3.head_bucket()
        .bucket("sesreceiveemailbody")
        .send()
        .await
        .expect("the s3 event's bucket exists");

    remove_example(&d, &["aws-node-ses-receive-email-body-dev-postprocess"]).await;
    assert!(
        s3.head_bucket()
            .bucket("sesreceiveemailbody")
            .send()
            .await
            .is_err(),
        "the bucket is removed with the stack"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sns_text_analysis_example_sns_event_without_cors() {
    let moto = MotoServer::start();
    // moto breaks on the `cors: true` OPTIONS method (see the header): deployed without it.
    let d = deploy_example_with(&moto, "ex-sns-text-analysis", |config| {
        let http = &mut config["functions"]["addNote"]["events"][0]["http"];
        assert_eq!(http["cors"], true);
        http.as_object_mut().unwrap().remove("cors");
    })
    .await;
    function_arn(
        &d.cfg,
        "text-analysis-via-sns-post-processing-dev-analyzeNote",
    )
    .await;
    let topics = moto.query("sns", "2010-03-31", &[("Action", "ListTopics")]);
    assert!(
        topics.contains(":analyzeNote<"),
        "the sns event's topic: {topics}"
    );

    remove_example(
        &d,
        &[
            "text-analysis-via-sns-post-processing-dev-addNote",
            "text-analysis-via-sns-post-processing-dev-analyzeNote",
        ],
    )
    .await;
    let topics = moto.query("sns", "2010-03-31", &[("Action", "ListTopics")]);
    assert!(!topics.contains(":analyzeNote<"), "{topics}");
}
