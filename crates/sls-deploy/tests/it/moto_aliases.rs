//! `provisionedConcurrency` and container image functions deployed to moto on loopback, checked
//! through Lambda's own API.
//!
//! What moto 5.2.5's CloudFormation skips (so the templates are compared with v3's in
//! `v3_corpus.rs`, cases `fn-provisioned*`, `fn-snapstart`, `fn-image`): `AWS::Lambda::Alias`
//! (no alias and no provisioned concurrency config is created, so an event targeting
//! `<function>:provisioned` fails there with "Function not found": the service below has no
//! events), and, of an image function,
//! `PackageType` and `ImageConfig` (moto's function keeps `Code.ImageUri` only and reports
//! `PackageType: Zip`).
#![cfg(feature = "aws")]

use crate::common;

use common::{opts, pack, sdk};
use serde_json::json;
use sls_deploy::{deploy, DeployOutcome};
use sls_testkit::MotoServer;

const DIGEST: &str = "6bb600b4d6e1d7cf521097177dd0c4e9ea373edb91984a505333be8ac9455d38";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioned_concurrency_publishes_a_version_for_its_alias() {
    let moto = MotoServer::start();
    let cfg = sdk(&moto.endpoint());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: pc\n").unwrap();
    std::fs::write(d.join("handler.js"), "exports.hello = async () => 1;\n").unwrap();
    let config = json!({
        "service": "pc",
        "provider": {"name": "aws", "runtime": "nodejs20.x", "stage": "dev", "region": "us-east-1",
                     "versionFunctions": false},
        "functions": {"worker": {
            "handler": "handler.hello",
            "provisionedConcurrency": 2
        }}
    });
    let pkg = pack(d, &config);
    let t = &pkg.update_template;
    assert_eq!(
        t["Resources"]["WorkerProvConcLambdaAlias"]["Type"],
        "AWS::Lambda::Alias"
    );
    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");

    let lambda = aws_sdk_lambda::Client::new(&cfg);
    // `versionFunctions: false`, yet the alias needs a version: v3 publishes one.
    let versions = lambda
        .list_versions_by_function()
        .function_name("pc-dev-worker")
        .send()
        .await
        .unwrap();
    let published: Vec<&str> = versions
        .versions()
        .iter()
        .filter_map(|v| v.version())
        .filter(|v| *v != "$LATEST")
        .collect();
    assert_eq!(published.len(), 1, "{published:?}");
    // moto skips AWS::Lambda::Alias: no alias to read back (see the module doc).
    let alias = lambda
        .get_alias()
        .function_name("pc-dev-worker")
        .name("provisioned")
        .send()
        .await;
    assert!(alias.is_err(), "moto now creates aliases: check them here");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn image_functions_deploy_with_their_image_uri() {
    let moto = MotoServer::start();
    let cfg = sdk(&moto.endpoint());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: img\n").unwrap();
    let uri = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/app@sha256:{DIGEST}");
    let config = json!({
        "service": "img",
        "provider": {"name": "aws", "stage": "dev", "region": "us-east-1"},
        "functions": {"app": {"image": {"uri": uri, "command": ["app.handler"]}}}
    });
    let pkg = pack(d, &config);
    // No zip for an image function.
    assert!(pkg.artifacts.is_empty(), "{:?}", pkg.artifacts);
    let props = &pkg.update_template["Resources"]["AppLambdaFunction"]["Properties"];
    assert_eq!(props["PackageType"], "Image");
    assert_eq!(props["ImageConfig"], json!({"Command": ["app.handler"]}));
    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");

    let lambda = aws_sdk_lambda::Client::new(&cfg);
    let f = lambda
        .get_function()
        .function_name("img-dev-app")
        .send()
        .await
        .unwrap();
    let code = f.code().unwrap();
    assert_eq!(code.repository_type(), Some("ECR"));
    assert_eq!(code.image_uri(), Some(uri.as_str()));
}
