//! `sls credentials policy`: the generated least-privilege documents, pinned as snapshots
//! (insta; files in `tests/snapshots/`), for a basic service, one with http, schedule and
//! sqs events, and one with `provider.iam.deploymentRole`. No AWS access is needed (the
//! services use no AWS variables), and the user's `.serverless/` is never written.

mod common;
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
