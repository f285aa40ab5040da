//! The policy `sls credentials policy` generates (`sls_deploy::policy`) is enough for deploy
//! and remove, and no more: against moto with IAM checking on, a user whose only inline policy
//! is the generated one deploys and removes the service, and cannot put an object into
//! another bucket.
//!
//! moto honours resource ARNs only for S3, SQS, IAM and STS (`/work/shared/local-aws.md`): a
//! CloudFormation, Lambda or Logs statement scoped to an ARN never matches there. Those
//! statements are widened to `"Resource": "*"` for this test; their scoping is pinned by the
//! snapshots in `crates/sls-cli/tests/policy.rs` instead. The S3 statements keep their ARNs.
#![cfg(feature = "aws")]

use crate::common;

use common::{opts, pack, sdk, sdk_as};
use serde_json::json;
use sls_deploy::{deploy, remove, DeployOutcome, RemoveOutcome};
use sls_testkit::{widened_for_moto, MotoServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generated_policy_deploys_and_removes_and_denies_other_buckets() {
    let moto = MotoServer::start();
    let admin = sdk(&moto.endpoint());
    let s3_admin = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&admin)
            .force_path_style(true)
            .build(),
    );
    s3_admin
        .create_bucket()
        .bucket("someone-elses-bucket")
        .send()
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: leastgen\n").unwrap();
    std::fs::write(d.join("handler.js"), "exports.hello = async () => 1;\n").unwrap();
    let config = json!({
        "service": "leastgen",
        "provider": {"name": "aws", "runtime": "nodejs20.x"},
        "functions": {"hello": {"handler": "handler.hello"}}
    });
    let pkg = pack(d, &config);
    let policies = sls_deploy::policy::generate(&pkg, &[], None);
    assert!(policies.deployment_role.is_none());
    assert!(policies.unmapped_types.is_empty(), "{policies:?}");
    let doc = widened_for_moto(&policies.caller);

    moto.create_user("deployer");
    moto.put_user_policy("deployer", "generated", &doc.to_string());
    let (key, secret) = moto.create_access_key("deployer");
    let cfg = sdk_as(&moto.endpoint(), &key, &secret);
    moto.enable_auth();

    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    // A redeploy runs the change check (bucket listing, GetTemplate, DescribeStackResource)
    // and an update. moto fails body-less Lambda GETs' signatures under checking, so the
    // deployed code cannot be confirmed and it deploys rather than skips.
    let out = deploy(&cfg, &pack(d, &config), &opts(), &|_| {})
        .await
        .unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    let i = sls_deploy::info(&cfg, &pkg.service, &opts()).await.unwrap();
    assert!(i.stack_status.ends_with("_COMPLETE"), "{i:?}");

    // The same keys may not write outside the deployment bucket.
    let s3_user = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    let denied = s3_user
        .put_object()
        .bucket("someone-elses-bucket")
        .key("x.txt")
        .body(aws_sdk_s3::primitives::ByteStream::from_static(b"x"))
        .send()
        .await
        .unwrap_err();
    let code = denied.as_service_error().and_then(|e| {
        use aws_sdk_s3::error::ProvideErrorMetadata;
        e.code().map(str::to_string)
    });
    assert_eq!(code.as_deref(), Some("AccessDenied"), "{denied:?}");

    let out = remove(&cfg, &pkg.service, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, RemoveOutcome::Removed { .. }), "{out:?}");

    // Checked as moto's admin: the stack is gone (moto may keep it as DELETE_COMPLETE).
    moto.disable_auth();
    let cfn = aws_sdk_cloudformation::Client::new(&admin);
    let gone = cfn
        .describe_stacks()
        .stack_name("leastgen-dev")
        .send()
        .await;
    assert!(
        gone.is_err()
            || gone.unwrap().stacks()[0].stack_status().unwrap().as_str() == "DELETE_COMPLETE"
    );

    // Checking is really on, and the S3 scoping matters: without the artifact statement
    // the upload is refused.
    let mut partial = doc.clone();
    partial["Statement"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["Sid"] != "DeploymentBucketObjects");
    moto.create_user("partial");
    moto.put_user_policy("partial", "generated", &partial.to_string());
    let (pkey, psecret) = moto.create_access_key("partial");
    moto.enable_auth();
    let err = deploy(
        &sdk_as(&moto.endpoint(), &pkey, &psecret),
        &pack(d, &config),
        &opts(),
        &|_| {},
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(err.contains("s3:"), "{err}");
    assert!(!err.contains(&psecret), "no secret in errors");
}

/// With `provider.iam.deploymentRole`, the caller's document alone deploys and removes (moto
/// stores the role but neither checks nor uses it, so the role's document is pinned by the
/// snapshots only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn caller_document_is_enough_with_a_deployment_role() {
    let moto = MotoServer::start();
    let role = moto.create_open_role("cfn-deployer");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: roled\n").unwrap();
    std::fs::write(d.join("handler.js"), "exports.hello = async () => 1;\n").unwrap();
    let config = json!({
        "service": "roled",
        "provider": {"name": "aws", "runtime": "nodejs20.x", "iam": {"deploymentRole": role}},
        "functions": {"hello": {"handler": "handler.hello"}}
    });
    let pkg = pack(d, &config);
    let policies = sls_deploy::policy::generate(&pkg, &[], None);
    assert!(policies.deployment_role.is_some());
    let doc = widened_for_moto(&policies.caller);
    assert!(
        doc.to_string().contains(&role),
        "PassRole on the deployment role"
    );

    moto.create_user("ci");
    moto.put_user_policy("ci", "generated", &doc.to_string());
    let (key, secret) = moto.create_access_key("ci");
    let cfg = sdk_as(&moto.endpoint(), &key, &secret);
    moto.enable_auth();

    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    let out = remove(&cfg, &pkg.service, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, RemoveOutcome::Removed { .. }), "{out:?}");
}
