//! `sls credentials policy` for the custom-resource functions v3 compiles (s3 and
//! cognitoUserPool events on existing resources, eventBridge without CloudFormation,
//! `provider.logs.restApi`): what CloudFormation does on the deployer's behalf is creating the
//! functions (`<service>-<stage>-custom-resource-*`, or a hashed name past 64 characters), their
//! role `IamRoleCustomResourcesLambdaExecution` (passed to Lambda only), and invoking them.

use serde_json::{json, Value};
use sls_package::{package, PackageInput};

/// The policy statements (by Sid) for a service with every custom resource.
fn policy(service: &str) -> Vec<Value> {
    let dir = std::env::temp_dir().join(format!("sls-policy-cr-{service}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("handler.js"), "exports.h = async () => 1;\n").unwrap();
    let config = json!({
        "service": service,
        "provider": {
            "name": "aws", "runtime": "nodejs20.x", "stage": "dev", "region": "us-east-1",
            "eventBridge": {"useCloudFormation": false},
            "logs": {"restApi": true}
        },
        "functions": {"all": {"handler": "handler.h", "events": [
            {"http": "GET hello"},
            {"s3": {"bucket": "legacy-uploads", "existing": true}},
            {"cognitoUserPool": {"pool": "Legacy", "trigger": "PreSignUp", "existing": true}},
            {"eventBridge": {"pattern": {"source": ["saas"]}}}
        ]}}
    });
    let pkg = package(&PackageInput {
        service_dir: &dir,
        config: &config,
        stage: "dev",
        region: "us-east-1",
        out_dir: &dir.join(".serverless"),
        config_file_name: Some("serverless.yml"),
        timestamp: None,
    })
    .unwrap();
    let p = sls_policy::generate(&pkg, &[], Some("123456789012"));
    let _ = std::fs::remove_dir_all(&dir);
    p.to_json()["Statement"].as_array().unwrap().clone()
}

fn resources_of<'a>(statements: &'a [Value], sid: &str) -> Vec<&'a str> {
    let s = statements
        .iter()
        .find(|s| s["Sid"] == sid)
        .unwrap_or_else(|| panic!("no {sid} in {statements:#?}"));
    match &s["Resource"] {
        Value::Array(a) => a.iter().map(|r| r.as_str().unwrap()).collect(),
        r => vec![r.as_str().unwrap()],
    }
}

#[test]
fn custom_resource_functions_and_role_are_scoped() {
    let s = policy("crp");
    let arn = |x: &str| format!("arn:aws:{x}");
    let functions = arn("lambda:us-east-1:123456789012:function:crp-dev-*");
    // Creating the functions (`crp-dev-custom-resource-*`) and CloudFormation invoking them.
    assert!(resources_of(&s, "LambdaFunctions").contains(&functions.as_str()));
    assert_eq!(resources_of(&s, "CustomResources"), [functions.as_str()]);
    // Their role: CloudFormation names it `<stack>-IamRoleCustomResources…`; passed to Lambda
    // only, like the execution role.
    let role = arn("iam::123456789012:role/crp-dev-*");
    assert!(resources_of(&s, "ExecutionRole").contains(&role.as_str()));
    assert!(resources_of(&s, "PassExecutionRole").contains(&role.as_str()));
    let pass = s.iter().find(|x| x["Sid"] == "PassExecutionRole").unwrap();
    assert_eq!(
        pass["Condition"]["StringEquals"]["iam:PassedToService"],
        "lambda.amazonaws.com"
    );
    // The API Gateway access log group of `provider.logs.restApi`.
    assert!(resources_of(&s, "LogGroups")
        .contains(&arn("logs:us-east-1:123456789012:log-group:/aws/api-gateway/crp-dev").as_str()));
}

#[test]
fn a_hashed_custom_resource_function_name_is_named() {
    // Past 64 characters v3 names the function by the first 32 and an MD5: not `<prefix>*`.
    let service = "a-rather-long-service-name-for-the-policy";
    let s = policy(service);
    let invoke = resources_of(&s, "CustomResources");
    let hashed: Vec<&&str> = invoke
        .iter()
        .filter(|r| !r.contains(&format!("function:{service}-dev-")))
        .collect();
    assert_eq!(
        hashed.len(),
        8,
        "4 hashed functions and their qualifiers: {invoke:?}"
    );
    for h in &hashed {
        assert!(h.contains("function:a-rather-long-service-name-for"), "{h}");
    }
    let created = resources_of(&s, "LambdaFunctions");
    assert!(hashed.iter().all(|h| created.contains(h)), "{created:?}");
}
