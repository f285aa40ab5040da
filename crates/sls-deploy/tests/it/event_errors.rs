//! Bad event settings are refused before anything is written, with the property path and what
//! to do; families not implemented yet stay refused by name.

use serde_json::{json, Value};
use sls_deploy::{package, PackageInput};

fn config(events: Value) -> Value {
    json!({
        "service": "bad",
        "provider": {"name": "aws", "stage": "dev", "region": "us-east-1", "runtime": "nodejs18.x"},
        "functions": {"hello": {"handler": "handler.hello", "name": "bad-dev-hello", "events": events}}
    })
}

/// Packages `events`; returns the error's text and checks that `.serverless` was not created.
fn refused(events: Value) -> String {
    refused_config(config(events))
}

/// Packages `config`; returns the error's text and checks that `.serverless` was not created.
fn refused_config(config: Value) -> String {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("handler.js"),
        "exports.hello = async () => 1;\n",
    )
    .unwrap();
    let out = tmp.path().join(".serverless");
    let err = package(&PackageInput {
        service_dir: tmp.path(),
        config: &config,
        stage: "dev",
        region: "us-east-1",
        out_dir: &out,
        config_file_name: Some("serverless.yml"),
        timestamp: None,
    })
    .expect_err("must be refused");
    assert!(!out.exists(), "nothing may be written: {err}");
    err.to_string()
}

#[test]
fn invalid_rate_expression() {
    let e = refused(json!([{"schedule": "rate(5 minute)"}]));
    assert!(e.contains("functions.hello.events[0].schedule"), "{e}");
    assert!(
        e.contains("rate(5 minute)") && e.contains("rate(5 minutes)"),
        "{e}"
    );
    let e = refused(json!([{"schedule": {"rate": ["rate(1 hour)", "every day"]}}]));
    assert!(
        e.contains("functions.hello.events[0].schedule.rate[1]"),
        "{e}"
    );
}

#[test]
fn schedule_option_conflicts() {
    let e =
        refused(json!([{"schedule": {"rate": ["rate(1 hour)", "rate(2 hours)"], "name": "n"}}]));
    assert!(
        e.contains("events[0].schedule.name") && e.contains("more than one rate"),
        "{e}"
    );
    let e = refused(json!([{"schedule": {"rate": "rate(1 hour)", "timezone": "Europe/Paris"}}]));
    assert!(
        e.contains("events[0].schedule.timezone") && e.contains("method: scheduler"),
        "{e}"
    );
    let e = refused(
        json!([{"schedule": {"rate": "rate(1 hour)", "method": "scheduler", "inputPath": "$.x"}}]),
    );
    assert!(e.contains("events[0].schedule.inputPath"), "{e}");
    // v3 builds the rule as JSON text and breaks on these; sls says so instead.
    let e = refused(json!([{"schedule": {"rate": "rate(1 hour)", "input": {"a": "say \"hi\""}}}]));
    assert!(e.contains("events[0].schedule.input"), "{e}");
}

#[test]
fn sqs_without_arn() {
    let e = refused(json!([{"sqs": {"batchSize": 5}}]));
    assert!(
        e.contains("functions.hello.events[0].sqs.arn") && e.contains("Fn::GetAtt"),
        "{e}"
    );
    let e = refused(json!([{"sqs": "my-queue"}]));
    assert!(
        e.contains("functions.hello.events[0].sqs") && e.contains("not a queue ARN"),
        "{e}"
    );
}

#[test]
fn batch_size_out_of_range() {
    let e = refused(json!([{"sqs": {"arn": "arn:aws:sqs:us-east-1:1:q", "batchSize": 0}}]));
    assert!(
        e.contains("functions.hello.events[0].sqs.batchSize") && e.contains("1 to 10000"),
        "{e}"
    );
    let e = refused(json!([
        {"sqs": "arn:aws:sqs:us-east-1:1:q"},
        {"stream": {"arn": "arn:aws:kinesis:us-east-1:1:stream/s", "batchSize": 10001}}
    ]));
    assert!(
        e.contains("functions.hello.events[1].stream.batchSize"),
        "{e}"
    );
}

#[test]
fn stream_with_unknown_type() {
    let e = refused(json!([{"stream": {"arn": {"Fn::GetAtt": ["Q", "Arn"]}, "type": "sqs"}}]));
    assert!(
        e.contains("functions.hello.events[0].stream.type") && e.contains("dynamodb"),
        "{e}"
    );
    let e = refused(json!([{"stream": "arn:aws:sqs:us-east-1:1:queue/q"}]));
    assert!(
        e.contains("functions.hello.events[0].stream") && e.contains("unknown stream type \"sqs\""),
        "{e}"
    );
    let e = refused(json!([{"stream": {"arn": {"Fn::GetAtt": ["T", "StreamArn"]}}}]));
    assert!(
        e.contains("events[0].stream.type") && e.contains("is required"),
        "{e}"
    );
}

#[test]
fn sns_needs_a_topic() {
    let e = refused(json!([{"sns": {"filterPolicy": {"a": [1]}}}]));
    assert!(
        e.contains("functions.hello.events[0].sns") && e.contains("topicName"),
        "{e}"
    );
    let e = refused(json!([{"sns": {"arn": {"Ref": "T"}}}]));
    assert!(e.contains("events[0].sns.topicName"), "{e}");
}

#[test]
fn families_not_implemented_are_refused_by_name() {
    for family in ["websocketz", "cloudFrontz"] {
        let e = refused(json!([{family: {"x": 1}}]));
        assert!(
            e.contains("hello") && e.contains(family) && e.contains("not supported"),
            "{e}"
        );
    }
}

#[test]
fn s3_existing_bucket_and_bad_names() {
    // v3's custom resource takes one existing bucket per function.
    let e = refused(json!([
        {"s3": {"bucket": "my-bucket", "existing": true}},
        {"s3": {"bucket": "other-bucket", "existing": true}}
    ]));
    assert!(
        e.contains("functions.hello.events[1].s3.bucket")
            && e.contains("Only one S3 Bucket can be configured per function"),
        "{e}"
    );
    let e = refused(json!([{"s3": {"bucket": "my-bucket", "existing": "yes"}}]));
    assert!(
        e.contains("events[0].s3.existing") && e.contains("true or false"),
        "{e}"
    );
    let e = refused(json!([{"s3": "Bad_Bucket"}]));
    assert!(
        e.contains("functions.hello.events[0].s3.bucket") && e.contains("Bad_Bucket"),
        "{e}"
    );
    let e = refused(json!([{"s3": {"bucket": {"Ref": "B"}}}]));
    assert!(
        e.contains("events[0].s3.bucket") && e.contains("existing: true"),
        "{e}"
    );
}

#[test]
fn event_bridge_custom_resource_mode_and_bad_input() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("handler.js"), "exports.hello = 1;\n").unwrap();
    let out = tmp.path().join(".serverless");
    // v3's custom resource takes neither a retry policy nor a bus by intrinsic.
    let mut config = config(
        json!([{"eventBridge": {"pattern": {"source": ["a"]}, "retryPolicy": {"maximumRetryAttempts": 1}}}]),
    );
    config["provider"]["eventBridge"] = json!({"useCloudFormation": false});
    let e = package(&PackageInput {
        service_dir: tmp.path(),
        config: &config,
        stage: "dev",
        region: "us-east-1",
        out_dir: &out,
        config_file_name: Some("serverless.yml"),
        timestamp: None,
    })
    .expect_err("retryPolicy with the custom resource is refused")
    .to_string();
    assert!(!out.exists());
    assert!(
        e.contains("events[0].eventBridge.retryPolicy")
            && e.contains("provider.eventBridge.useCloudFormation"),
        "{e}"
    );
    let e = refused(
        json!([{"eventBridge": {"pattern": {"source": ["a"]}, "input": {"a": 1}, "inputPath": "$.x"}}]),
    );
    assert!(
        e.contains("functions.hello.events[0].eventBridge") && e.contains("only set one of"),
        "{e}"
    );
    let e = refused(json!([{"eventBridge": {"eventBus": "b"}}]));
    assert!(
        e.contains("events[0].eventBridge") && e.contains("pattern"),
        "{e}"
    );
}

#[test]
fn cloudwatch_bad_input() {
    let e = refused(json!([{"cloudwatchEvent": {"input": {"a": 1}}}]));
    assert!(
        e.contains("functions.hello.events[0].cloudwatchEvent.event") && e.contains("is required"),
        "{e}"
    );
    let e = refused(json!([
        {"cloudwatchLog": "/aws/lambda/x"},
        {"cloudwatchLog": {"logGroup": "/aws/lambda/x", "filter": "a"}},
        {"cloudwatchLog": "/aws/lambda/x"}
    ]));
    assert!(
        e.contains("functions.hello.events[2].cloudwatchLog")
            && e.contains("Only 2 subscription filters"),
        "{e}"
    );
    let e = refused(json!([{"cloudwatchLog": "bad group name"}]));
    assert!(
        e.contains("events[0].cloudwatchLog") && e.contains("not a log group name"),
        "{e}"
    );
}

#[test]
fn alexa_and_iot_bad_input() {
    let e = refused(json!(["alexaSkill"]));
    assert!(
        e.contains("functions.hello.events[0].alexaSkill") && e.contains("application id"),
        "{e}"
    );
    let e = refused(json!([{"iot": {"name": "r"}}]));
    assert!(e.contains("functions.hello.events[0].iot.sql"), "{e}");
}

#[test]
fn cognito_bad_input() {
    // v3's custom resource takes one existing pool per function.
    let e = refused(json!([
        {"cognitoUserPool": {"pool": "p", "trigger": "PreSignUp", "existing": true}},
        {"cognitoUserPool": {"pool": "q", "trigger": "PostConfirmation", "existing": true}}
    ]));
    assert!(
        e.contains("functions.hello.events[1].cognitoUserPool.pool")
            && e.contains("Only one Cognito User Pool can be configured per function"),
        "{e}"
    );
    let e = refused(json!([{"cognitoUserPool": {"pool": "p", "trigger": "Nope"}}]));
    assert!(e.contains("events[0].cognitoUserPool.trigger"), "{e}");
    let e = refused(json!([{"cognitoUserPool": {"pool": "p", "trigger": "CustomSMSSender"}}]));
    assert!(
        e.contains("events[0].cognitoUserPool.kmsKeyId") && e.contains("KMS Key must be set"),
        "{e}"
    );
}

#[test]
fn kafka_and_mq_bad_input() {
    let e = refused(
        json!([{"kafka": {"topic": "t", "bootstrapServers": ["b:1"], "accessConfigurations": {"vpcSubnet": ["subnet-1"]}}}]),
    );
    assert!(
        e.contains("functions.hello.events[0].kafka.accessConfigurations.vpcSecurityGroup"),
        "{e}"
    );
    let e = refused(
        json!([{"activemq": {"arn": "arn:aws:mq:us-east-1:1:broker:b:b-1", "queue": "q"}}]),
    );
    assert!(
        e.contains("functions.hello.events[0].activemq.basicAuthArn"),
        "{e}"
    );
}

#[test]
fn alb_bad_input() {
    let arn = "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/lb/aaa/bbb";
    let e = refused(
        json!([{"alb": {"listenerArn": "arn:aws:nope", "priority": 1, "conditions": {"path": "/"}}}]),
    );
    assert!(
        e.contains("functions.hello.events[0].alb.listenerArn")
            && e.contains("Invalid ALB listenerArn"),
        "{e}"
    );
    let e = refused(json!([{"alb": {"listenerArn": arn, "priority": 1, "conditions": {}}}]));
    assert!(
        e.contains("events[0].alb.conditions") && e.contains("At least one condition"),
        "{e}"
    );
    let e = refused(
        json!([{"alb": {"listenerArn": arn, "priority": 1, "conditions": {"path": "/"}, "authorizer": "missing"}}]),
    );
    assert!(
        e.contains("events[0].alb.authorizer") && e.contains("No match for \"missing\""),
        "{e}"
    );
}

/// Each error names its path; the first bad event (in order) is the one reported.
#[test]
fn websocket_bad_input() {
    let cases = [
        (
            json!(["websocket"]),
            "functions.hello.events[0].websocket",
            "must be a route key",
        ),
        (
            json!([{"websocket": {"route": 1}}]),
            "events[0].websocket.route",
            "must be a string",
        ),
        (
            json!([{"websocket": {"route": "r", "routeResponseSelectionExpression": "x"}}]),
            "events[0].websocket.routeResponseSelectionExpression",
            "$default",
        ),
        (
            json!([{"websocket": {"route": "r", "authorizer": "nope"}}, {"websocket": {"route": 5}}]),
            "events[0].websocket.authorizer",
            "Function \"nope\" doesn't exist in this Service",
        ),
        (
            json!([{"websocket": {"route": "r", "authorizer": {"name": "nope"}}}]),
            "events[0].websocket.authorizer.name",
            "Function \"nope\" doesn't exist in this Service",
        ),
        (
            json!([{"websocket": {"route": "r", "authorizer": {"arn": {"Fn::GetAtt": ["A", "Arn"]}}}}]),
            "events[0].websocket.authorizer.name",
            "Non-string \"arn\" needs to be accompanied with \"name\"",
        ),
        (
            json!([{"websocket": {"route": "r", "authorizer": {"arn": "arn:aws:lambda:r:1:function:a", "identitySource": "x"}}}]),
            "events[0].websocket.authorizer.identitySource",
            "must be a list of strings",
        ),
        // The named function is checked before `identitySource`.
        (
            json!([{"websocket": {"route": "r", "authorizer": {"name": "nope", "identitySource": "x"}}}]),
            "events[0].websocket.authorizer.name",
            "Function \"nope\" doesn't exist in this Service",
        ),
    ];
    for (events, path, message) in cases {
        let e = refused(events);
        assert!(e.contains(path) && e.contains(message), "{e}");
    }
    let mut cfg = config(json!([{"websocket": "$connect"}]));
    cfg["provider"]["logs"] = json!({"websocket": {"level": "DEBUG"}});
    let e = refused_config(cfg);
    assert!(
        e.contains("provider.logs.websocket.level") && e.contains("got DEBUG"),
        "{e}"
    );
}

#[test]
fn alb_settings_checked_against_the_provider() {
    let arn = "arn:aws:elasticloadbalancing:us-east-1:1:listener/app/lb/aaa/bbb";
    let mut cfg = config(
        json!([{"alb": {"listenerArn": arn, "priority": 1, "conditions": {"path": "/"}, "targetGroupName": "tg", "authorizer": "missing"}}]),
    );
    cfg["provider"]["alb"] = json!({"targetGroupPrefix": "p-"});
    let e = refused_config(cfg);
    assert!(
        e.contains("events[0].alb.targetGroupName") && e.contains("exclusive"),
        "{e}"
    );
    let e = refused(
        json!([{"alb": {"listenerArn": arn, "priority": 1, "conditions": {"header": {"name": "x"}}}}]),
    );
    assert!(e.contains("events[0].alb.conditions.header[0]"), "{e}");
}

/// v3 checks the Lambda@Edge limits right after the event type, before the other settings.
#[test]
fn cloud_front_limits_come_before_the_other_settings() {
    let e = refused(json!(["cloudFront"]));
    assert!(
        e.contains("functions.hello.events[0].cloudFront") && e.contains("must be an object"),
        "{e}"
    );
    let mut cfg =
        config(json!([{"cloudFront": {"eventType": "viewer-request", "origin": "nope"}}]));
    cfg["functions"]["hello"]["memorySize"] = json!(1024);
    let e = refused_config(cfg);
    assert!(e.contains("functions.hello.memorySize"), "{e}");
    let e = refused(json!([{"cloudFront": {"eventType": "viewer-request", "origin": "nope"}}]));
    assert!(e.contains("events[0].cloudFront.origin"), "{e}");
}
