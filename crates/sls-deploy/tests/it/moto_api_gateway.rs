//! `http` events end to end against moto on loopback: deploy a service with several paths, path
//! parameters, two methods on one path and a private endpoint; check through API Gateway's own
//! API (resources, methods, the integration URI pointing at the function) and Lambda's
//! (`get_policy` shows the API Gateway permission); `info` lists the endpoints; redeploy after
//! adding a path; remove.
//!
//! Not covered here because moto's CloudFormation skips or fails them (local-aws.md): CORS
//! (the `OPTIONS` MOCK method fails CreateStack), API keys, usage plans, usage-plan keys,
//! authorizers and every `AWS::ApiGatewayV2::*` type (`httpApi`). Their templates are compared
//! with v3's in `v3_corpus_api.rs`.
#![cfg(feature = "aws")]

use std::path::Path;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::{Credentials, SharedCredentialsProvider};
use serde_json::{json, Value};
use sls_deploy::{
    deploy, info, package, remove, AwsOptions, DeployOutcome, PackageInput, PackageResult,
};
use sls_testkit::MotoServer;

fn sdk(endpoint: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            "AKIAEXAMPLE",
            "secret",
            None,
            None,
            "test",
        )))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build()
}

fn opts() -> AwsOptions {
    AwsOptions {
        s3_path_style: true,
        poll_interval: Duration::from_millis(200),
        wait_timeout: Duration::from_secs(120),
        ..AwsOptions::default()
    }
}

fn config(extra_path: bool) -> Value {
    let mut users = vec![
        json!({"http": {"path": "users/{id}", "method": "get"}}),
        json!({"http": {"path": "users/{id}/posts", "method": "any", "private": true}}),
    ];
    if extra_path {
        users.push(json!({"http": "DELETE /orders/{orderId}"}));
    }
    json!({
        "service": "apigw",
        "provider": {"name": "aws", "runtime": "nodejs20.x", "stage": "dev", "region": "us-east-1"},
        "functions": {
            "hello": {
                "handler": "handler.hello",
                "events": [
                    {"http": "GET hello"},
                    {"http": {"path": "/hello", "method": "post"}}
                ]
            },
            "users": {"handler": "handler.hello", "events": users}
        }
    })
}

fn pack(dir: &Path, config: &Value) -> PackageResult {
    package(&PackageInput {
        service_dir: dir,
        config,
        stage: "dev",
        region: "us-east-1",
        out_dir: &dir.join(".serverless"),
        config_file_name: Some("serverless.yml"),
        timestamp: None,
    })
    .unwrap()
}

/// A GET on API Gateway's REST API (`/restapis/...`).
fn apigw(moto: &MotoServer, path: &str) -> Value {
    let auth = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/apigateway/aws4_request, SignedHeaders=host, Signature=00";
    let (status, text) = moto
        .request("GET", path, &[("Authorization", auth)], "")
        .unwrap();
    assert_eq!(status, 200, "GET {path}: {text}");
    serde_json::from_str(&text).unwrap()
}

fn rest_api_id(moto: &MotoServer, name: &str) -> Option<String> {
    apigw(moto, "/restapis")["item"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["name"] == name)
        .map(|a| a["id"].as_str().unwrap().to_string())
}

/// path → resource id.
fn resources(moto: &MotoServer, api: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = apigw(moto, &format!("/restapis/{api}/resources"))["item"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["path"].as_str().unwrap().to_string(),
                r["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort();
    out
}

fn method(moto: &MotoServer, api: &str, res: &[(String, String)], path: &str, m: &str) -> Value {
    let id = &res.iter().find(|(p, _)| p == path).unwrap().1;
    apigw(moto, &format!("/restapis/{api}/resources/{id}/methods/{m}"))
}

async fn function_arn(lambda: &aws_sdk_lambda::Client, name: &str) -> String {
    lambda
        .get_function_configuration()
        .function_name(name)
        .send()
        .await
        .unwrap()
        .function_arn()
        .unwrap()
        .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_events_deploy_redeploy_remove() {
    let moto = MotoServer::start();
    let cfg = sdk(&moto.endpoint());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: apigw\n").unwrap();
    std::fs::write(d.join("handler.js"), "exports.hello = async () => 1;\n").unwrap();

    let pkg = pack(d, &config(false));
    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    let DeployOutcome::Deployed { .. } = &out else {
        panic!("{out:?}")
    };

    let api = rest_api_id(&moto, "dev-apigw").expect("the REST API dev-apigw exists");
    let res = resources(&moto, &api);
    let paths: Vec<&str> = res.iter().map(|(p, _)| p.as_str()).collect();
    assert_eq!(
        paths,
        ["/", "/hello", "/users", "/users/{id}", "/users/{id}/posts"],
        "one resource per path segment"
    );

    let lambda = aws_sdk_lambda::Client::new(&cfg);
    let hello_arn = function_arn(&lambda, "apigw-dev-hello").await;
    let users_arn = function_arn(&lambda, "apigw-dev-users").await;
    // Two methods on one path, both proxying to the function.
    for m in ["GET", "POST"] {
        let got = method(&moto, &api, &res, "/hello", m);
        assert_eq!(got["httpMethod"], m);
        assert_eq!(got["apiKeyRequired"], false);
        let integration = &got["methodIntegration"];
        assert_eq!(integration["type"], "AWS_PROXY", "{got}");
        let uri = integration["uri"].as_str().unwrap();
        assert!(
            uri.contains(&format!("/functions/{hello_arn}/invocations")),
            "{uri} should point at {hello_arn}"
        );
    }
    let get_user = method(&moto, &api, &res, "/users/{id}", "GET");
    assert!(get_user["methodIntegration"]["uri"]
        .as_str()
        .unwrap()
        .contains(&users_arn));
    // The private endpoint requires an API key.
    let posts = method(&moto, &api, &res, "/users/{id}/posts", "ANY");
    assert_eq!(posts["apiKeyRequired"], true, "{posts}");

    // Lambda's resource policy lets API Gateway invoke each function.
    for name in ["apigw-dev-hello", "apigw-dev-users"] {
        let policy = lambda
            .get_policy()
            .function_name(name)
            .send()
            .await
            .unwrap()
            .policy()
            .unwrap()
            .to_string();
        assert!(policy.contains("apigateway.amazonaws.com"), "{policy}");
        assert!(policy.contains("lambda:InvokeFunction"), "{policy}");
    }
    // The stack's ServiceEndpoint output names the API.
    let cf = aws_sdk_cloudformation::Client::new(&cfg);
    let stack = cf
        .describe_stacks()
        .stack_name("apigw-dev")
        .send()
        .await
        .unwrap();
    let endpoint = stack.stacks()[0]
        .outputs()
        .iter()
        .find(|o| o.output_key() == Some("ServiceEndpoint"))
        .and_then(|o| o.output_value())
        .unwrap_or_default()
        .to_string();
    assert!(
        endpoint.starts_with(&format!("https://{api}.execute-api.us-east-1."))
            && endpoint.ends_with("/dev"),
        "{endpoint}"
    );

    // `info` lists the endpoints as v3 does, from the ServiceEndpoint output and the events.
    let info = info(&cfg, &pkg.service, &opts()).await.unwrap();
    let base = format!("https://{api}.execute-api.us-east-1.");
    let listed: Vec<String> = info
        .endpoints
        .iter()
        .map(|e| e.replacen(&endpoint, "<endpoint>", 1))
        .collect();
    assert_eq!(
        listed,
        [
            "GET - <endpoint>/hello",
            "POST - <endpoint>/hello",
            "GET - <endpoint>/users/{id}",
            "ANY - <endpoint>/users/{id}/posts",
        ],
        "{:?}",
        info.endpoints
    );
    assert!(
        info.endpoints[0].starts_with(&format!("GET - {base}")),
        "{:?}",
        info.endpoints
    );

    // Redeploy after adding a path: the new resources and method are there.
    let pkg2 = pack(d, &config(true));
    let out = deploy(&cfg, &pkg2, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    let api2 = rest_api_id(&moto, "dev-apigw").expect("the REST API is still there");
    let res2 = resources(&moto, &api2);
    let paths2: Vec<&str> = res2.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths2.contains(&"/orders/{orderId}"), "{paths2:?}");
    let del = method(&moto, &api2, &res2, "/orders/{orderId}", "DELETE");
    assert!(del["methodIntegration"]["uri"]
        .as_str()
        .unwrap()
        .contains(&users_arn));

    // Remove: the stack and the functions are gone.
    remove(&cfg, &pkg2.service, &opts(), &|_| {}).await.unwrap();
    assert!(lambda
        .get_function_configuration()
        .function_name("apigw-dev-hello")
        .send()
        .await
        .is_err());
}

/// v3's update-stage step (`aws::api_gateway_stage`): after the deployment, the REST API's stage
/// gets `tracingEnabled`, the metrics method setting and the tags (stackTags merged with tags,
/// tags winning); a later deployment removes stale tags, also when the deployment itself is
/// skipped (v3's `after:deploy:deploy` runs then too).
///
/// What moto cannot show: that tracing really sends traces to X-Ray and that metrics reach
/// CloudWatch (moto only stores the stage fields). `provider.logs.restApi`'s patch operations
/// are pinned by `aws::api_gateway_stage`'s unit tests, its template by the v3 corpus.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stage_tracing_metrics_and_tags_are_applied_after_deploy() {
    let moto = MotoServer::start();
    let cfg = sdk(&moto.endpoint());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: apigw\n").unwrap();
    std::fs::write(d.join("handler.js"), "exports.hello = async () => 1;\n").unwrap();

    let mut conf = config(false);
    conf["provider"]["tracing"] = json!({"apiGateway": true});
    conf["provider"]["apiGateway"] = json!({"metrics": true});
    conf["provider"]["stackTags"] = json!({"team": "platform", "owner": "stack"});
    conf["provider"]["tags"] = json!({"owner": "tags", "cost": 42});
    let pkg = pack(d, &conf);
    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");

    let api = rest_api_id(&moto, "dev-apigw").expect("the REST API dev-apigw exists");
    let stage = apigw(&moto, &format!("/restapis/{api}/stages/dev"));
    assert_eq!(stage["tracingEnabled"], true, "{stage}");
    assert_eq!(
        stage["methodSettings"]["*/*"]["metricsEnabled"], true,
        "{stage}"
    );
    assert_eq!(
        stage["tags"],
        json!({"team": "platform", "owner": "tags", "cost": "42"}),
        "{stage}"
    );

    // A tag set on the stage by hand is stale: the next deployment, even a skipped one (same
    // files), removes it; `aws:` tags would be kept (moto does not allow setting those).
    let apigw_client = aws_sdk_apigateway::Client::new(&cfg);
    let arn = format!("arn:aws:apigateway:us-east-1::/restapis/{api}/stages/dev");
    apigw_client
        .tag_resource()
        .resource_arn(&arn)
        .tags("stale", "x")
        .send()
        .await
        .unwrap();
    let tagged = apigw(&moto, &format!("/restapis/{api}/stages/dev"));
    assert_eq!(tagged["tags"]["stale"], "x", "{tagged}");
    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Skipped { .. }), "{out:?}");
    let stage = apigw(&moto, &format!("/restapis/{api}/stages/dev"));
    assert_eq!(
        stage["tags"],
        json!({"team": "platform", "owner": "tags", "cost": "42"}),
        "{stage}"
    );

    // `tracing.apiGateway: false` turns tracing off; a tag dropped from the config goes.
    conf["provider"]["tracing"] = json!({"apiGateway": false});
    conf["provider"]["tags"] = json!({"owner": "tags"});
    let pkg2 = pack(d, &conf);
    deploy(&cfg, &pkg2, &opts(), &|_| {}).await.unwrap();
    let stage = apigw(&moto, &format!("/restapis/{api}/stages/dev"));
    assert_eq!(stage["tracingEnabled"], false, "{stage}");
    assert_eq!(
        stage["tags"],
        json!({"team": "platform", "owner": "tags"}),
        "{stage}"
    );
}
