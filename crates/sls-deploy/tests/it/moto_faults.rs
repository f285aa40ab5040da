//! Deploys against moto behind the seeded fault proxy (crates/sls-testkit/src/faults.rs):
//! a failed or interrupted deploy must never make a later deploy skip (issue 16).
//! Everything is on 127.0.0.1 with fake keys; no process environment is read or set.

use crate::common;

use aws_config::SdkConfig;
use common::{opts, pack};
use serde_json::{json, Value};
use sls_deploy::{deploy, remove, AwsOptions, DeployOutcome, RemoveOutcome};
use sls_testkit::faults::{Fault, FaultProxy, Rule};
use sls_testkit::MotoServer;

const SECRET: &str = "fake-secret-do-not-print";

fn sdk(endpoint: &str) -> SdkConfig {
    common::sdk_as(endpoint, "AKIAFAULTS", SECRET)
}

fn config(name: &str, extra_provider: Value) -> Value {
    let mut provider = json!({"name": "aws", "runtime": "nodejs20.x"});
    if let (Some(p), Some(extra)) = (provider.as_object_mut(), extra_provider.as_object()) {
        p.extend(extra.clone());
    }
    json!({
        "service": name,
        "provider": provider,
        "functions": {"hello": {"handler": "handler.hello"}},
    })
}

fn service_dir(name: &str, code: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("serverless.yml"),
        format!("service: {name}\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("handler.js"), code).unwrap();
    dir
}

async fn code_sha(cfg: &SdkConfig, function: &str) -> String {
    aws_sdk_lambda::Client::new(cfg)
        .get_function_configuration()
        .function_name(function)
        .send()
        .await
        .unwrap()
        .code_sha256()
        .unwrap_or_default()
        .to_string()
}

async fn stack_status(cfg: &SdkConfig, stack: &str) -> String {
    let out = aws_sdk_cloudformation::Client::new(cfg)
        .describe_stacks()
        .stack_name(stack)
        .send()
        .await
        .unwrap();
    out.stacks()[0]
        .stack_status()
        .map(|s| s.as_str().to_string())
        .unwrap_or_default()
}

/// v1 deployed; v2 uploaded but its stack update failed on every attempt; a plain deploy then
/// must deploy v2 (not "Service files not changed").
async fn failed_update_then_plain_deploy(name: &str, provider: Value, failing_op: &str) {
    let moto = MotoServer::start();
    let proxy = FaultProxy::start(moto.port(), 16, vec![]);
    let cfg = sdk(&proxy.endpoint());
    let config = config(name, provider);
    let stack = format!("{name}-dev");
    let function = format!("{name}-dev-hello");

    let dir = service_dir(name, "exports.hello = async () => 1;\n");
    let v1 = pack(dir.path(), &config);
    let out = deploy(&cfg, &v1, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    assert_eq!(code_sha(&cfg, &function).await, v1.artifacts[0].sha256);

    std::fs::write(
        dir.path().join("handler.js"),
        "exports.hello = async () => 2;\n",
    )
    .unwrap();
    let v2 = pack(dir.path(), &config);
    assert_ne!(v1.artifacts[0].sha256, v2.artifacts[0].sha256);
    proxy.set_rules(vec![Rule::always(failing_op, Fault::ServerError)]);
    let err = deploy(&cfg, &v2, &opts(), &|_| {})
        .await
        .expect_err("the stack update fails");
    let msg = err.to_string();
    assert!(msg.contains(failing_op), "operation named: {msg}");
    assert!(!msg.contains(SECRET), "no secret: {msg}");
    assert!(proxy.stats().faults.get(failing_op).copied().unwrap_or(0) >= 1);
    // The stack still runs v1.
    assert_eq!(code_sha(&cfg, &function).await, v1.artifacts[0].sha256);

    proxy.set_rules(vec![]);
    let v2 = pack(dir.path(), &config);
    let out = deploy(&cfg, &v2, &opts(), &|_| {}).await.unwrap();
    assert!(
        matches!(out, DeployOutcome::Deployed { .. }),
        "a deploy after a failed one must not skip: {out:?}"
    );
    assert_eq!(code_sha(&cfg, &function).await, v2.artifacts[0].sha256);
    assert_eq!(stack_status(&cfg, &stack).await, "UPDATE_COMPLETE");

    let stats = proxy.stats();
    let used = |op: &str| stats.requests.get(op).copied().unwrap_or(0) > 0;
    if failing_op == "ExecuteChangeSet" {
        assert!(used("CreateChangeSet") && !used("UpdateStack") && !used("CreateStack"));
    } else {
        assert!(used("UpdateStack") && !used("CreateChangeSet"));
    }

    // Now the deployed state matches: an unchanged redeploy skips.
    let v2 = pack(dir.path(), &config);
    let out = deploy(&cfg, &v2, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Skipped { .. }), "{out:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_update_stack_does_not_make_the_next_deploy_skip() {
    failed_update_then_plain_deploy(
        "faultsdirect",
        json!({"deploymentMethod": "direct"}),
        "UpdateStack",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_execute_change_set_does_not_make_the_next_deploy_skip() {
    failed_update_then_plain_deploy("faultscs", json!({}), "ExecuteChangeSet").await;
}

/// A new service whose every ExecuteChangeSet fails is left REVIEW_IN_PROGRESS (the CREATE change
/// set never ran); a plain deploy then deletes that empty stack and creates it (v3 stops and asks
/// for `sls remove`; moto, like a strict CloudFormation, refuses a second CREATE change set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_deploy_left_in_review_in_progress_converges() {
    let moto = MotoServer::start();
    let proxy = FaultProxy::start(
        moto.port(),
        20,
        vec![Rule::always("ExecuteChangeSet", Fault::ServerError)],
    );
    let cfg = sdk(&proxy.endpoint());
    let config = config("review", json!({}));
    let dir = service_dir("review", "exports.hello = async () => 1;\n");
    let pkg = pack(dir.path(), &config);
    let err = deploy(&cfg, &pkg, &opts(), &|_| {})
        .await
        .expect_err("every ExecuteChangeSet fails");
    assert!(err.to_string().contains("ExecuteChangeSet"), "{err}");
    assert_eq!(stack_status(&cfg, "review-dev").await, "REVIEW_IN_PROGRESS");

    proxy.set_rules(vec![]);
    let steps = std::sync::Mutex::new(Vec::new());
    let out = deploy(&cfg, &pkg, &opts(), &|e| {
        steps.lock().unwrap().push(format!("{e:?}"))
    })
    .await
    .unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    let steps = steps.into_inner().unwrap().join("\n");
    assert!(steps.contains("REVIEW_IN_PROGRESS"), "{steps}");
    assert_eq!(
        code_sha(&cfg, "review-dev-hello").await,
        pkg.artifacts[0].sha256
    );
    assert_eq!(stack_status(&cfg, "review-dev").await, "UPDATE_COMPLETE");
    assert!(proxy.stats().requests.get("DeleteStack").copied() >= Some(1));
}

/// v3's default method: change sets named `<stack>-change-set`, and
/// `provider.stackPolicy` set after the update.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_sets_empty_change_set_and_stack_policy() {
    let moto = MotoServer::start();
    let cfg = sdk(&moto.endpoint());
    let statement =
        json!({"Effect": "Allow", "Principal": "*", "Action": "Update:*", "Resource": "*"});
    let config = config("faultspolicy", json!({"stackPolicy": [statement]}));
    let dir = service_dir("faultspolicy", "exports.hello = async () => 1;\n");
    let steps = std::sync::Mutex::new(Vec::new());
    let on_event = |e| {
        if let sls_deploy::DeployEvent::Step(s) = e {
            steps.lock().unwrap().push(s)
        }
    };
    let pkg = pack(dir.path(), &config);
    let out = deploy(&cfg, &pkg, &opts(), &on_event).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    assert_eq!(
        stack_status(&cfg, "faultspolicy-dev").await,
        "UPDATE_COMPLETE"
    );
    assert!(steps
        .lock()
        .unwrap()
        .iter()
        .any(|s| s == "Executing change set faultspolicy-dev-change-set"));
    let cfn = aws_sdk_cloudformation::Client::new(&cfg);
    let policy = cfn
        .get_stack_policy()
        .stack_name("faultspolicy-dev")
        .send()
        .await
        .unwrap();
    let policy: Value = serde_json::from_str(policy.stack_policy_body().unwrap()).unwrap();
    assert_eq!(policy, json!({"Statement": [statement]}));

    // A forced redeploy: the leftover change set of the same name is deleted first, so there
    // is one (moto lists executed change sets; real AWS drops them).
    steps.lock().unwrap().clear();
    let pkg = pack(dir.path(), &config);
    let forced = AwsOptions {
        force: true,
        ..opts()
    };
    let out = deploy(&cfg, &pkg, &forced, &on_event).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    let listed = cfn
        .list_change_sets()
        .stack_name("faultspolicy-dev")
        .send()
        .await
        .unwrap();
    let summaries = listed.summaries();
    assert_eq!(summaries.len(), 1, "{summaries:?}");
    assert_eq!(
        summaries[0].execution_status().map(|s| s.as_str()),
        Some("EXECUTE_COMPLETE")
    );
    assert_eq!(
        stack_status(&cfg, "faultspolicy-dev").await,
        "UPDATE_COMPLETE"
    );
}

/// A lost answer (the server acted, the client never heard) is retried by the SDK and must not
/// fail the command: CreateStack's retry meets AlreadyExists for this deploy's own stack,
/// DeleteStack's a stack that is gone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_create_stack_and_delete_stack_answers() {
    let moto = MotoServer::start();
    let proxy = FaultProxy::start(
        moto.port(),
        3,
        vec![Rule::always("CreateStack", Fault::LostAnswer).times(1)],
    );
    let cfg = sdk(&proxy.endpoint());
    let config = config("lostcreate", json!({"deploymentMethod": "direct"}));
    let dir = service_dir("lostcreate", "exports.hello = async () => 1;\n");
    let pkg = pack(dir.path(), &config);
    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    assert_eq!(proxy.stats().faults.get("CreateStack"), Some(&1));
    assert_eq!(
        code_sha(&cfg, "lostcreate-dev-hello").await,
        pkg.artifacts[0].sha256
    );

    proxy.set_rules(vec![Rule::always("DeleteStack", Fault::LostAnswer).times(1)]);
    let out = remove(&cfg, &pkg.service, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, RemoveOutcome::Removed { .. }), "{out:?}");
    assert_eq!(proxy.stats().faults.get("DeleteStack"), Some(&1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lost_execute_change_set_answer() {
    let moto = MotoServer::start();
    let proxy = FaultProxy::start(
        moto.port(),
        4,
        vec![Rule::always("ExecuteChangeSet", Fault::LostAnswer).times(2)],
    );
    let cfg = sdk(&proxy.endpoint());
    let config = config("lostexec", json!({}));
    let dir = service_dir("lostexec", "exports.hello = async () => 1;\n");
    let pkg = pack(dir.path(), &config);
    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    assert_eq!(proxy.stats().faults.get("ExecuteChangeSet"), Some(&2));
    assert_eq!(
        code_sha(&cfg, "lostexec-dev-hello").await,
        pkg.artifacts[0].sha256
    );
    assert_eq!(stack_status(&cfg, "lostexec-dev").await, "UPDATE_COMPLETE");
}
