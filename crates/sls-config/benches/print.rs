//! read + resolve + render of a realistic service (the `sls print` hot path).
//!
//! Run: `cargo bench -p sls-config --bench print`.

use criterion::{criterion_group, criterion_main, Criterion};
use sls_config::{
    read_service_file, render_print, resolve_phase1, resolve_service, CliOptions, Context, Env,
    PrintFormat,
};

const SERVICE: &str = r#"
service: orders
frameworkVersion: '3'
provider:
  name: aws
  runtime: nodejs18.x
  stage: ${opt:stage, 'dev'}
  region: ${opt:region, 'eu-west-1'}
  profile: ${self:custom.profiles.${sls:stage}}
  memorySize: ${self:custom.memory.${sls:stage}, 256}
  environment:
    TABLE: ${self:service}-${sls:stage}-orders
    BUCKET: ${file(./config.yml):bucket}
    LOG_LEVEL: ${env:LOG_LEVEL, 'info'}
    DOMAIN: ${param:domain}
  iam:
    role:
      statements:
        - Effect: Allow
          Action: [dynamodb:GetItem, dynamodb:PutItem, dynamodb:Query]
          Resource: !GetAtt OrdersTable.Arn
params:
  default:
    domain: example.com
  prod:
    domain: shop.example.com
custom:
  profiles:
    dev: dev-profile
    prod: prod-profile
  memory:
    prod: 1024
  tableName: ${self:provider.environment.TABLE}
  config: ${file(./config.yml)}
functions:
  create:
    handler: src/create.handler
    events:
      - http: {path: orders, method: post, cors: true}
  get:
    handler: src/get.handler
    events:
      - http: {path: 'orders/{id}', method: get}
  list:
    handler: src/list.handler
    timeout: ${self:custom.config.timeout}
    events:
      - http: {path: orders, method: get}
  worker:
    handler: src/worker.handler
    events:
      - sqs: {arn: !GetAtt Queue.Arn, batchSize: 10}
resources:
  Resources:
    OrdersTable:
      Type: AWS::DynamoDB::Table
      Properties:
        TableName: ${self:custom.tableName}
        BillingMode: PAY_PER_REQUEST
        AttributeDefinitions:
          - {AttributeName: id, AttributeType: S}
        KeySchema:
          - {AttributeName: id, KeyType: HASH}
    Queue:
      Type: AWS::SQS::Queue
      Properties:
        QueueName: !Sub '${AWS::StackName}-queue'
  Outputs:
    TableArn:
      Value: !GetAtt OrdersTable.Arn
"#;

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("serverless.yml"), SERVICE).expect("write");
    std::fs::write(
        dir.path().join("config.yml"),
        "bucket: orders-${sls:stage}-assets\ntimeout: 12\n",
    )
    .expect("write");
    let path = dir.path().join("serverless.yml");
    let options = CliOptions::default();
    let env: Env = [("LOG_LEVEL".to_string(), "debug".to_string())]
        .into_iter()
        .collect();
    let ctx = Context {
        options: &options,
        env: &env,
        instance_id: "1".into(),
    };
    c.bench_function("read+resolve+render yaml", |b| {
        b.iter(|| {
            let file = read_service_file(&path).expect("read");
            let p1 = resolve_phase1(&file, &ctx).expect("phase1");
            let s = resolve_service(&file, &ctx, &p1, None).expect("resolve");
            render_print(&s.config, PrintFormat::Yaml, None, None).expect("render")
        })
    });
    c.bench_function("read only", |b| {
        b.iter(|| read_service_file(&path).expect("read"))
    });
    let file = read_service_file(&path).expect("read");
    c.bench_function("phase1 only", |b| {
        b.iter(|| resolve_phase1(&file, &ctx).expect("phase1"))
    });
    let p1 = resolve_phase1(&file, &ctx).expect("phase1");
    c.bench_function("resolve_service (both phases)", |b| {
        b.iter(|| resolve_service(&file, &ctx, &p1, None).expect("resolve"))
    });
    let s = resolve_service(&file, &ctx, &p1, None).expect("resolve");
    c.bench_function("render yaml", |b| {
        b.iter(|| render_print(&s.config, PrintFormat::Yaml, None, None).expect("render"))
    });
    c.bench_function("render json", |b| {
        b.iter(|| render_print(&s.config, PrintFormat::Json, None, None).expect("render"))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
