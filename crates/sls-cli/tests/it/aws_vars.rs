//! `${ssm:…}`, `${cf:…}`, `${s3:…}` and `${aws:accountId}` resolved by `sls print`
//! through the built binary, against moto with signature and IAM checking on,
//! with the credentials of the stage (`provider.profile` per stage).

use crate::common;
use common::Sls;
use serde_json::json;
use sls_testkit::{MotoServer, ALLOW_ALL};

const SECRET: &str = "s3cr3t-Param-Value-71c2";

/// Seeds data as moto's default identity (checking is still off).
fn seed(moto: &MotoServer) {
    for (name, kind, value) in [
        ("/app/dev/url", "String", "https://dev.example.com"),
        ("/app/prod/url", "String", "https://prod.example.com"),
        ("/app/dev/secret", "SecureString", SECRET),
        ("/app/dev/hosts", "StringList", "a.internal,b.internal"),
    ] {
        let body = json!({"Name": name, "Type": kind, "Value": value}).to_string();
        let (status, text) = moto
            .request(
                "POST",
                "/",
                &[
                    ("Content-Type", "application/x-amz-json-1.1"),
                    ("X-Amz-Target", "AmazonSSM.PutParameter"),
                    ("Authorization", &auth("ssm")),
                ],
                &body,
            )
            .unwrap();
        assert_eq!(status, 200, "PutParameter {name}: {text}");
    }
    let template = json!({
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {"QueueUrl": {"Value": "https://sqs.example.com/infra"}}
    })
    .to_string();
    moto.query(
        "cloudformation",
        "2010-05-15",
        &[
            ("Action", "CreateStack"),
            ("StackName", "infra"),
            ("TemplateBody", &template),
        ],
    );
    for (path, body) in [
        ("/vars-bucket", ""),
        ("/vars-bucket/config/banner.txt", "hello from s3"),
    ] {
        let (status, text) = moto
            .request("PUT", path, &[("Authorization", &auth("s3"))], body)
            .unwrap();
        assert_eq!(status, 200, "PUT {path}: {text}");
    }
}

/// moto routes a request by the service named in the credential scope.
fn auth(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/{service}/aws4_request, SignedHeaders=host, Signature=00"
    )
}

const SERVICE: &str = r#"service: vars
provider:
  name: aws
  region: us-east-1
  profile: ${self:custom.profiles.${sls:stage}}
custom:
  profiles:
    dev: hello-dev
    prod: hello-prod
  url: ${ssm:/app/${sls:stage}/url}
  secret: ${ssm:/app/dev/secret}
  hosts: ${ssm:/app/dev/hosts}
  missing: ${ssm:/app/none, 'fallback'}
  queue: ${cf:infra.QueueUrl}
  banner: ${s3:vars-bucket/config/banner.txt}
  role: arn:aws:iam::${aws:accountId}:role/app
"#;

#[test]
fn print_resolves_aws_variables_with_the_credentials_of_the_stage() {
    let moto = MotoServer::start();
    seed(&moto);
    let dev_user = moto.create_admin_user("dev-user");
    let (dev_key, dev_secret) = (dev_user.access_key_id, dev_user.secret_access_key);
    // The prod user may do everything except read SSM parameters.
    moto.create_user("prod-user");
    moto.put_user_policy("prod-user", "all", ALLOW_ALL);
    moto.put_user_policy(
        "prod-user",
        "no-ssm",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"ssm:GetParameter","Resource":"*"}]}"#,
    );
    let (prod_key, prod_secret) = moto.create_access_key("prod-user");
    moto.enable_auth();

    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint());
    sls.credentials(&format!(
        "[hello-dev]\naws_access_key_id = {dev_key}\naws_secret_access_key = {dev_secret}\n\n\
         [hello-prod]\naws_access_key_id = {prod_key}\naws_secret_access_key = {prod_secret}\n"
    ));
    sls.file("serverless.yml", SERVICE);

    // dev: every source answers, with the dev user's keys.
    let run = sls
        .run(&["print", "--stage", "dev", "--format", "json"])
        .ok();
    let custom = &run.json()["custom"];
    assert_eq!(custom["url"], "https://dev.example.com");
    assert_eq!(custom["secret"], SECRET);
    assert_eq!(custom["hosts"], json!(["a.internal", "b.internal"]));
    assert_eq!(custom["missing"], "fallback");
    assert_eq!(custom["queue"], "https://sqs.example.com/infra");
    assert_eq!(custom["banner"], "hello from s3");
    assert_eq!(custom["role"], "arn:aws:iam::123456789012:role/app");
    assert!(!run.stderr.contains(SECRET), "{}", run.stderr);

    // prod: the prod user's keys are used, so SSM is denied: a clear error
    // naming the property and the action, and no secret.
    let run = sls.run(&["print", "--stage", "prod"]).failed(1);
    assert!(run.stderr.contains("custom.url"), "{}", run.stderr);
    assert!(run.stderr.contains("ssm:GetParameter"), "{}", run.stderr);
    assert!(run.stderr.contains("user/prod-user"), "{}", run.stderr);
    assert!(
        run.stderr.to_lowercase().contains("access denied") || run.stderr.contains("AccessDenied"),
        "{}",
        run.stderr
    );
    assert!(!run.all().contains(&prod_secret), "{}", run.all());
    assert!(!run.all().contains(SECRET), "{}", run.all());
    // What to do is said apart, as for every error (the AWS error's hint kept, not folded
    // into the variable's line).
    let hint = run
        .stderr
        .split("\nHint: ")
        .nth(1)
        .unwrap_or_else(|| panic!("no hint: {}", run.stderr));
    let bullet = run
        .stderr
        .lines()
        .find(|l| l.contains("Cannot resolve variable at"))
        .unwrap();
    assert!(
        !bullet.contains(hint.lines().next().unwrap()),
        "{}",
        run.stderr
    );

    // --aws-profile wins over provider.profile: prod stage, dev keys → resolves.
    let run = sls
        .run(&[
            "print",
            "--stage",
            "prod",
            "--aws-profile",
            "hello-dev",
            "--path",
            "custom.url",
        ])
        .ok();
    assert_eq!(run.stdout.trim(), "https://prod.example.com");
}

#[test]
fn aws_setup_happens_only_when_an_aws_variable_is_used() {
    // No moto, no credentials at all: a service without AWS variables prints.
    // (The endpoint is a closed loopback port, should anything try to call out.)
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    sls.file(
        "serverless.yml",
        "service: offline\nprovider:\n  name: aws\n  profile: nowhere\ncustom:\n  a: ${env:HOME}\n",
    );
    let run = sls.run(&["print", "--path", "custom.a"]).ok();
    assert_eq!(run.stdout.trim(), sls.home.display().to_string());

    // With an AWS variable, the missing profile is the error, at that property.
    sls.file(
        "serverless.yml",
        "service: offline\nprovider:\n  name: aws\n  profile: nowhere\ncustom:\n  a: ${ssm:/x}\n",
    );
    let run = sls.run(&["print"]).failed(1);
    assert!(run.stderr.contains("custom.a"), "{}", run.stderr);
    assert!(run.stderr.contains("nowhere"), "{}", run.stderr);
}

#[test]
fn invoke_local_resolves_aws_variables_and_says_whose_credentials_once() {
    let moto = MotoServer::start();
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint())
        .env("AWS_PROFILE", "first");
    sls.credentials(
        "[first]\naws_access_key_id = AKIAFIRSTVARS000001\naws_secret_access_key = first-secret\n\n\
         [second]\naws_access_key_id = AKIASECONDVARS00002\naws_secret_access_key = second-secret\n",
    );
    sls.file(
        "serverless.yml",
        "service: inv\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  environment:\n    ACCOUNT: ${aws:accountId}\nfunctions:\n  who:\n    handler: handler.who\n",
    );
    sls.file(
        "handler.js",
        "module.exports.who = async () => ({ account: process.env.ACCOUNT, key: process.env.AWS_ACCESS_KEY_ID });\n",
    );
    let run = sls
        .run(&["invoke", "local", "-f", "who", "--aws-profile", "second"])
        .ok();
    let out = run.json();
    assert_eq!(out["account"], "123456789012");
    assert_eq!(out["key"], "AKIASECONDVARS00002");
    // The chain ran twice (variables, then the handler); its notice is shown once.
    assert_eq!(
        run.stderr.matches("overrides AWS_PROFILE").count(),
        1,
        "{}",
        run.stderr
    );
}
