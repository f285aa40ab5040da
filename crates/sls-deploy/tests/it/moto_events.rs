//! Event sources end to end against moto on loopback: a schedule rule whose target is the
//! function, SQS / DynamoDB / Kinesis event source mappings, an SNS topic created by the stack;
//! a redeploy with a changed schedule; remove. Checked through each service's own API (moto's
//! stack status says nothing about skipped resources).
//!
//! Not covered here because moto's CloudFormation skips them (local-aws.md): `AWS::SNS::Subscription`
//! (the created topic's inline subscription is not checked either), `AWS::Logs::SubscriptionFilter`,
//! S3 notification configurations, `AWS::Scheduler::Schedule`, Kinesis stream consumers, and
//! `AWS::Lambda::Permission` deletion. Their templates are compared with v3's in `v3_corpus.rs`.
#![cfg(feature = "aws")]

use crate::common;

use common::{opts, pack, sdk};
use serde_json::{json, Value};
use sls_deploy::{deploy, remove, DeployOutcome};
use sls_testkit::MotoServer;

fn config(rate: &str) -> Value {
    json!({
        "service": "evs",
        "provider": {"name": "aws", "runtime": "nodejs20.x", "stage": "dev", "region": "us-east-1"},
        "functions": {
            "worker": {
                "handler": "handler.hello",
                "events": [
                    {"schedule": rate},
                    {"sqs": {"arn": {"Fn::GetAtt": ["Queue", "Arn"]}, "batchSize": 5}},
                    {"stream": {"type": "dynamodb", "arn": {"Fn::GetAtt": ["Table", "StreamArn"]}, "startingPosition": "LATEST"}},
                    {"stream": {"type": "kinesis", "arn": {"Fn::GetAtt": ["Stream", "Arn"]}, "batchSize": 20}},
                    {"sns": "evs-topic"},
                    {"eventBridge": {"pattern": {"source": ["evs.app"]}}},
                    {"cloudwatchEvent": {"event": {"source": ["aws.ec2"]}}},
                    {"s3": "evs-dev-uploads"}
                ]
            }
        },
        "resources": {"Resources": {
            "Queue": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "evs-queue"}},
            "Table": {"Type": "AWS::DynamoDB::Table", "Properties": {
                "TableName": "evs-table",
                "BillingMode": "PAY_PER_REQUEST",
                "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
                "StreamSpecification": {"StreamViewType": "NEW_IMAGE"}
            }},
            "Stream": {"Type": "AWS::Kinesis::Stream", "Properties": {"Name": "evs-stream", "ShardCount": 1}}
        }}
    })
}

/// A JSON-protocol call (EventBridge, Kinesis, DynamoDB) as moto's default identity.
fn json_call(moto: &MotoServer, service: &str, target: &str, body: Value) -> Value {
    let auth = format!(
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"
    );
    let (status, text) = moto
        .request(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", target),
                ("Authorization", &auth),
            ],
            &body.to_string(),
        )
        .unwrap();
    assert_eq!(status, 200, "{target}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// The schedule rules whose target is `function_arn`, with their schedule expressions.
fn schedule_rules_targeting(moto: &MotoServer, function_arn: &str) -> Vec<(String, String)> {
    rules_targeting(moto, function_arn, "workerSchedule")
}

/// The rules with a target `target_id` on `function_arn`: (name, schedule expression).
fn rules_targeting(
    moto: &MotoServer,
    function_arn: &str,
    target_id: &str,
) -> Vec<(String, String)> {
    let rules = json_call(moto, "events", "AWSEvents.ListRules", json!({}));
    let mut out = Vec::new();
    for rule in rules["Rules"].as_array().unwrap() {
        let name = rule["Name"].as_str().unwrap();
        let targets = json_call(
            moto,
            "events",
            "AWSEvents.ListTargetsByRule",
            json!({"Rule": name}),
        );
        if targets["Targets"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["Arn"] == function_arn && t["Id"] == target_id)
        {
            out.push((
                name.to_string(),
                rule["ScheduleExpression"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
            ));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schedule_sqs_streams_sns_deploy_redeploy_remove() {
    let moto = MotoServer::start();
    let cfg = sdk(&moto.endpoint());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: evs\n").unwrap();
    std::fs::write(d.join("handler.js"), "exports.hello = async () => 1;\n").unwrap();

    let pkg = pack(d, &config("rate(10 minutes)"));
    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");

    let lambda = aws_sdk_lambda::Client::new(&cfg);
    let function_arn = lambda
        .get_function_configuration()
        .function_name("evs-dev-worker")
        .send()
        .await
        .unwrap()
        .function_arn()
        .unwrap()
        .to_string();

    // The schedule rule targets the function.
    let rules = schedule_rules_targeting(&moto, &function_arn);
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(rules[0].1, "rate(10 minutes)");

    // SQS, DynamoDB and Kinesis mappings (moto lists them by function ARN only).
    let mappings = lambda
        .list_event_source_mappings()
        .function_name(&function_arn)
        .send()
        .await
        .unwrap();
    let sources: Vec<(String, Option<i32>)> = mappings
        .event_source_mappings()
        .iter()
        .map(|m| {
            (
                m.event_source_arn().unwrap_or("").to_string(),
                m.batch_size(),
            )
        })
        .collect();
    let queue = moto.query(
        "sqs",
        "2012-11-05",
        &[("Action", "GetQueueUrl"), ("QueueName", "evs-queue")],
    );
    assert!(queue.contains("evs-queue"), "{queue}");
    let table = json_call(
        &moto,
        "dynamodb",
        "DynamoDB_20120810.DescribeTable",
        json!({"TableName": "evs-table"}),
    );
    let table_stream = table["Table"]["LatestStreamArn"]
        .as_str()
        .unwrap()
        .to_string();
    let stream = json_call(
        &moto,
        "kinesis",
        "Kinesis_20131202.DescribeStreamSummary",
        json!({"StreamName": "evs-stream"}),
    );
    let stream_arn = stream["StreamDescriptionSummary"]["StreamARN"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(sources.len(), 3, "{sources:?}");
    assert!(
        sources
            .iter()
            .any(|(a, b)| a.ends_with(":evs-queue") && *b == Some(5)),
        "{sources:?}"
    );
    assert!(
        sources
            .iter()
            .any(|(a, b)| *a == table_stream && *b == Some(10)),
        "{sources:?}"
    );
    assert!(
        sources
            .iter()
            .any(|(a, b)| *a == stream_arn && *b == Some(20)),
        "{sources:?}"
    );

    // The SNS topic the stack created.
    let topics = moto.query("sns", "2010-03-31", &[("Action", "ListTopics")]);
    assert!(topics.contains(":evs-topic<"), "{topics}");

    // The eventBridge rule (default bus, named as v3 names it) and the cloudwatchEvent rule.
    let eb = rules_targeting(&moto, &function_arn, "evs-dev-worker-rule-6-target");
    assert_eq!(eb.len(), 1, "{eb:?}");
    assert_eq!(eb[0].0, "evs-dev-worker-rule-6");
    assert_eq!(
        rules_targeting(&moto, &function_arn, "workerCloudWatchEvent").len(),
        1
    );

    // The bucket of the s3 event (moto ignores its NotificationConfiguration: the corpus covers it).
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&cfg)
            .force_path_style(true)
            .build(),
    );
    s3.head_bucket()
        .bucket("evs-dev-uploads")
        .send()
        .await
        .unwrap();

    // Redeploy with another schedule: the rule targeting the function has the new expression.
    let pkg2 = pack(d, &config("cron(0 12 * * ? *)"));
    let out = deploy(&cfg, &pkg2, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    let rules = schedule_rules_targeting(&moto, &function_arn);
    assert_eq!(rules.len(), 1, "{rules:?}");
    assert_eq!(rules[0].1, "cron(0 12 * * ? *)");

    // Remove: the function, its rule, its mappings and the topic are gone.
    remove(&cfg, &pkg2.service, &opts(), &|_| {}).await.unwrap();
    assert!(lambda
        .get_function_configuration()
        .function_name("evs-dev-worker")
        .send()
        .await
        .is_err());
    assert!(schedule_rules_targeting(&moto, &function_arn).is_empty());
    let topics = moto.query("sns", "2010-03-31", &[("Action", "ListTopics")]);
    assert!(!topics.contains(":evs-topic<"), "{topics}");
    let mappings = lambda
        .list_event_source_mappings()
        .function_name(&function_arn)
        .send()
        .await
        .map(|m| m.event_source_mappings().len())
        .unwrap_or(0);
    assert_eq!(mappings, 0);
}
