//! Phase-2 variable sources (`ssm`, `cf`, `s3`, `aws:accountId`) resolved through a real
//! serverless.yml by `sls_config::resolve_service`, against moto.
use crate::common;

use std::path::Path;
use std::sync::Arc;

use aws_config::SdkConfig;
use common::*;
use serde_json::{json, Value};
use sls_aws::{sdk_config, uses_local_endpoint, AwsVariableSource, MfaPrompt, NoMfaPrompt};
use sls_config::{
    read_service_file, resolve_phase1, resolve_service, CliOptions, ConfigError, Context,
    ExternalRequest, ExternalSource,
};
use sls_testkit::{MotoServer, TestEnv};

const SECRET: &str = "s3cr3t-Value-9f8e";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn none() -> Arc<dyn MfaPrompt> {
    Arc::new(NoMfaPrompt)
}

/// Resolves `yml` in `dir` the way the CLI does: phase 1, then phase 2 with `source`.
fn resolve(dir: &Path, yml: &str, source: &dyn ExternalSource) -> Result<Value, ConfigError> {
    std::fs::write(dir.join("serverless.yml"), yml).unwrap();
    let options = CliOptions::default();
    let env = sls_config::Env::new();
    let ctx = Context {
        options: &options,
        env: &env,
        instance_id: "1".into(),
    };
    let file = read_service_file(&dir.join("serverless.yml"))?;
    let p1 = resolve_phase1(&file, &ctx)?;
    Ok(resolve_service(&file, &ctx, &p1, Some(source))?.config)
}

async fn put_param(conf: &SdkConfig, region: &str, name: &str, kind: &str, value: &str) {
    let c = aws_sdk_ssm::Client::from_conf(
        aws_sdk_ssm::config::Builder::from(conf)
            .region(aws_config::Region::new(region.to_string()))
            .build(),
    );
    c.put_parameter()
        .name(name)
        .r#type(kind.into())
        .value(value)
        .send()
        .await
        .unwrap();
}

async fn create_stack(conf: &SdkConfig, region: &str, name: &str, url: &str) {
    let c = aws_sdk_cloudformation::Client::from_conf(
        aws_sdk_cloudformation::config::Builder::from(conf)
            .region(aws_config::Region::new(region.to_string()))
            .build(),
    );
    let template = json!({
        "Resources": {"Handle": {"Type": "AWS::CloudFormation::WaitConditionHandle"}},
        "Outputs": {"Url": {"Value": url}, "Name": {"Value": name}}
    });
    c.create_stack()
        .stack_name(name)
        .template_body(template.to_string())
        .send()
        .await
        .unwrap();
}

/// Creates a Secrets Manager secret through moto's JSON API (no SDK crate needed for one call).
fn create_secret(moto: &MotoServer, name: &str, value: &str) {
    let auth = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=00";
    let body = json!({"Name": name, "SecretString": value}).to_string();
    let (status, text) = moto
        .request(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "secretsmanager.CreateSecret"),
                ("Authorization", auth),
            ],
            &body,
        )
        .unwrap();
    assert_eq!(status, 200, "{text}");
}

const YML: &str = r#"service: vars
provider:
  name: aws
  region: us-east-1
custom:
  url: ${ssm:/app/url}
  urlEu: ${ssm(eu-west-1):/app/url}
  urlEuRaw: ${ssm(eu-west-1, raw):/app/url}
  secret: ${ssm:/app/secret}
  secretLegacy: ${ssm:/app/secret~true}
  secretRaw: ${ssm(raw):/app/secret}
  secretEncrypted: ${ssm(noDecrypt):/app/secret}
  list: ${ssm:/app/list}
  listRaw: ${ssm(raw):/app/list}
  listLegacy: ${ssm:/app/list~split}
  json: ${ssm:/app/json}
  jsonRaw: ${ssm(raw):/app/json}
  db: ${ssm:/aws/reference/secretsmanager/db}
  dbRaw: ${ssm(raw):/aws/reference/secretsmanager/db}
  cf: ${cf:infra.Url}
  cfEu: ${cf(eu-west-1):infra.Url}
  object: ${s3:sls-vars-bucket/config/value.txt}
  account: ${aws:accountId}
  arn: arn:aws:iam::${aws:accountId}:root
  region: ${aws:region}
  missing: ${ssm:/app/missing, 'fallback'}
  missingEu: ${ssm(eu-west-1):/app/secret, 'only-in-us'}
  missingStack: ${cf:nostack.Url, 'no-stack'}
  missingOutput: ${cf:infra.Nope, 'no-output'}
  missingKey: ${s3:sls-vars-bucket/nope.txt, 'no-key'}
  stack: infra
  nested: ${cf:${self:custom.stack}.Name}
"#;

#[test]
fn ssm_cf_s3_and_account_resolve_through_serverless_yml() {
    let moto = MotoServer::start();
    let t = TestEnv::new();
    let s = settings(&t, &moto.endpoint());
    let plan = static_plan("default", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG");
    let rt = rt();
    let conf = rt.block_on(async {
        let conf = sdk_config(&s, &plan, none()).await.unwrap();
        put_param(
            &conf,
            "us-east-1",
            "/app/url",
            "String",
            "https://us.example.com",
        )
        .await;
        put_param(
            &conf,
            "eu-west-1",
            "/app/url",
            "String",
            "https://eu.example.com",
        )
        .await;
        put_param(&conf, "us-east-1", "/app/secret", "SecureString", SECRET).await;
        put_param(&conf, "us-east-1", "/app/list", "StringList", "a,b,c").await;
        put_param(
            &conf,
            "us-east-1",
            "/app/json",
            "SecureString",
            r#"{"user":"admin","port":5432}"#,
        )
        .await;
        create_stack(&conf, "us-east-1", "infra", "https://cf-us.example.com").await;
        create_stack(&conf, "eu-west-1", "infra", "https://cf-eu.example.com").await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&conf)
                .force_path_style(true)
                .build(),
        );
        s3.create_bucket()
            .bucket("sls-vars-bucket")
            .send()
            .await
            .unwrap();
        s3.put_object()
            .bucket("sls-vars-bucket")
            .key("config/value.txt")
            .body(b"from s3\nline 2".to_vec().into())
            .send()
            .await
            .unwrap();
        conf
    });
    create_secret(&moto, "db", r#"{"host":"db.internal","password":"pw"}"#);

    assert!(uses_local_endpoint(&s.env, "S3"));
    let source = AwsVariableSource::new(
        &conf,
        rt.handle().clone(),
        "us-east-1",
        uses_local_endpoint(&s.env, "S3"),
    );
    let d = tempfile::tempdir().unwrap();
    let cfg = resolve(d.path(), YML, &source).unwrap();
    let custom = &cfg["custom"];
    let encrypted = custom["secretEncrypted"].as_str().unwrap().to_string();
    assert_ne!(encrypted, SECRET, "noDecrypt must not decrypt");
    assert_eq!(
        *custom,
        json!({
            "url": "https://us.example.com",
            "urlEu": "https://eu.example.com",
            "urlEuRaw": "https://eu.example.com",
            "secret": SECRET,
            "secretLegacy": SECRET,
            "secretRaw": SECRET,
            "secretEncrypted": encrypted,
            "list": ["a", "b", "c"],
            "listRaw": "a,b,c",
            "listLegacy": ["a", "b", "c"],
            "json": {"user": "admin", "port": 5432},
            "jsonRaw": r#"{"user":"admin","port":5432}"#,
            "db": {"host": "db.internal", "password": "pw"},
            "dbRaw": r#"{"host":"db.internal","password":"pw"}"#,
            "cf": "https://cf-us.example.com",
            "cfEu": "https://cf-eu.example.com",
            "object": "from s3\nline 2",
            "account": "123456789012",
            "arn": "arn:aws:iam::123456789012:root",
            "region": "us-east-1",
            "missing": "fallback",
            "missingEu": "only-in-us",
            "missingStack": "no-stack",
            "missingOutput": "no-output",
            "missingKey": "no-key",
            "stack": "infra",
            "nested": "infra",
        })
    );

    // A missing value without a fallback is v3's "null" error, not an AWS failure.
    let e = resolve(
        d.path(),
        "service: vars\nprovider:\n  name: aws\ncustom:\n  x: ${ssm:/app/missing}\n",
        &source,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("custom.x"), "{e}");

    // An AWS failure is a clear error naming the action, and never shows a value.
    let e = resolve(
        d.path(),
        "service: vars\nprovider:\n  name: aws\ncustom:\n  secret: ${ssm:/app/secret}\n  x: ${s3:no-such-bucket/key}\n",
        &source,
    )
    .unwrap_err()
    .to_string();
    assert!(e.contains("custom.x"), "{e}");
    assert!(e.contains("s3:GetObject"), "{e}");
    assert!(e.contains("NoSuchBucket"), "{e}");
    assert!(!e.contains(SECRET), "{e}");
}

#[test]
fn access_denied_and_misuse_are_errors_not_panics() {
    let moto = MotoServer::start();
    let t = TestEnv::new();
    let s = settings(&t, &moto.endpoint());
    moto.create_user("reader");
    moto.put_user_policy(
        "reader",
        "sts-only",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetCallerIdentity","Resource":"*"}]}"#,
    );
    let (key, secret) = moto.create_access_key("reader");
    moto.enable_auth();
    let plan = static_plan("reader", &key, &secret);
    let rt = rt();
    let conf = rt.block_on(sdk_config(&s, &plan, none())).unwrap();
    let source = AwsVariableSource::new(&conf, rt.handle().clone(), "us-east-1", true);

    let e = source
        .resolve("ssm", "/app/url", &[])
        .unwrap_err()
        .to_string();
    assert!(e.contains("ssm:GetParameter"), "{e}");
    assert!(e.to_ascii_lowercase().contains("access denied"), "{e}");
    assert!(!e.contains(&secret), "{e}");
    assert_eq!(
        source.resolve("aws", "accountId", &[]).unwrap(),
        Some(json!("123456789012"))
    );

    // A failure is remembered too: asked again, it is not fetched again
    // (even from inside the runtime, where a fetch would be refused).
    let again = rt
        .block_on(async { source.resolve("ssm", "/app/url", &[]) })
        .unwrap_err()
        .to_string();
    assert!(again.contains("ssm:GetParameter"), "{again}");

    // Called from inside the runtime: an error, not a panic.
    let e = rt
        .block_on(async { source.resolve("ssm", "/app/other", &[]) })
        .unwrap_err()
        .to_string();
    assert!(e.contains("inside the async runtime"), "{e}");
}

#[test]
fn prefetched_variables_are_answered_without_further_calls() {
    let moto = MotoServer::start();
    let t = TestEnv::new();
    let s = settings(&t, &moto.endpoint());
    let plan = static_plan("default", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG");
    let rt = rt();
    let conf = rt.block_on(async {
        let conf = sdk_config(&s, &plan, none()).await.unwrap();
        for i in 0..12 {
            put_param(
                &conf,
                "us-east-1",
                &format!("/p/{i}"),
                "String",
                &format!("v{i}"),
            )
            .await;
        }
        conf
    });
    let source = AwsVariableSource::new(&conf, rt.handle().clone(), "us-east-1", true);
    let request = |address: &str| ExternalRequest {
        source: "ssm".into(),
        address: address.into(),
        params: vec![],
    };
    let mut requests: Vec<ExternalRequest> = (0..12).map(|i| request(&format!("/p/{i}"))).collect();
    requests.push(request("/p/missing"));
    source.prefetch(&requests);

    // The server is gone: every prefetched answer comes from the cache.
    drop(moto);
    for i in 0..12 {
        assert_eq!(
            source.resolve("ssm", &format!("/p/{i}"), &[]).unwrap(),
            Some(json!(format!("v{i}")))
        );
    }
    assert_eq!(source.resolve("ssm", "/p/missing", &[]).unwrap(), None);
    // Anything else really calls out (and finds nobody listening).
    let e = source
        .resolve("ssm", "/p/other", &[])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("connection refused") || e.contains("connect"),
        "{e}"
    );
}

/// A stand-in SSM endpoint that holds every answer for `hold` and records how
/// many requests were in flight at once. moto cannot show concurrency: its
/// Python server handles requests one after another under the GIL.
fn slow_ssm(hold: std::time::Duration) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}", listener.local_addr().unwrap().port());
    let in_flight = Arc::new(AtomicUsize::new(0));
    let max_in_flight = Arc::new(AtomicUsize::new(0));
    let max = max_in_flight.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            let (in_flight, max) = (in_flight.clone(), max.clone());
            std::thread::spawn(move || {
                let mut conn = conn;
                // Keep-alive: answer every request on this connection.
                loop {
                    let mut data = Vec::new();
                    let mut buf = [0u8; 4096];
                    let body = loop {
                        let n = conn.read(&mut buf).unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        data.extend_from_slice(&buf[..n]);
                        let text = String::from_utf8_lossy(&data).into_owned();
                        if let Some(end) = text.find("\r\n\r\n") {
                            let len: usize = text[..end]
                                .lines()
                                .find_map(|l| {
                                    let (k, v) = l.split_once(':')?;
                                    k.eq_ignore_ascii_case("content-length")
                                        .then(|| v.trim().parse().ok())?
                                })
                                .unwrap_or(0);
                            if data.len() >= end + 4 + len {
                                break text[end + 4..].to_string();
                            }
                        }
                    };
                    let now = in_flight.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(hold);
                    in_flight.fetch_sub(1, Ordering::SeqCst);
                    let name = serde_json::from_str::<Value>(&body).unwrap()["Name"]
                        .as_str()
                        .unwrap()
                        .to_string();
                    let answer = json!({"Parameter": {"Name": name, "Type": "String", "Value": format!("value of {name}")}}).to_string();
                    let response = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    if conn.write_all(response.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, max_in_flight)
}

#[test]
fn prefetch_runs_calls_concurrently_within_a_bound() {
    let (url, max_in_flight) = slow_ssm(std::time::Duration::from_millis(300));
    let t = TestEnv::new();
    let s = settings(&t, &url);
    let plan = static_plan("default", "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG");
    let rt = rt();
    let conf = rt.block_on(sdk_config(&s, &plan, none())).unwrap();
    let source = AwsVariableSource::new(&conf, rt.handle().clone(), "us-east-1", true);
    let requests: Vec<ExternalRequest> = (0..20)
        .map(|i| ExternalRequest {
            source: "ssm".into(),
            address: format!("/p/{i}"),
            params: vec![],
        })
        .collect();
    let started = std::time::Instant::now();
    source.prefetch(&requests);
    let took = started.elapsed();
    for i in 0..20 {
        assert_eq!(
            source.resolve("ssm", &format!("/p/{i}"), &[]).unwrap(),
            Some(json!(format!("value of /p/{i}")))
        );
    }
    let max = max_in_flight.load(std::sync::atomic::Ordering::SeqCst);
    // Not one by one, and never more than the bound of 8.
    assert!((2..=8).contains(&max), "max in flight: {max}");
    eprintln!("20 calls held 300 ms each: {took:?}, at most {max} at once");
}
