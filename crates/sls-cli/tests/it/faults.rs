//! The built binary against moto behind the seeded fault proxy (issue 16): with sls's default
//! retries (6 attempts, standard mode), occasional 5xx answers and throttling do not fail
//! deploy, redeploy, info or remove; an operation that always fails ends the command promptly
//! with exit 1, naming it, without the secret.

use crate::common;
use std::time::{Duration, Instant};

use common::Sls;
use sls_testkit::faults::{Fault, FaultProxy, Rule};
use sls_testkit::MotoServer;

const SECRET: &str = "faults-secret-not-shown";

fn sls_for(proxy: &FaultProxy, service: &str) -> Sls {
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &proxy.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIAFAULTS")
        .env("AWS_SECRET_ACCESS_KEY", SECRET)
        .env("AWS_REGION", "us-east-1");
    sls.file(
        "serverless.yml",
        &format!("service: {service}\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  hello:\n    handler: handler.hello\n"),
    );
    sls.file("handler.js", "exports.hello = async () => 1;\n");
    sls
}

#[test]
fn occasional_server_errors_and_throttling_are_retried() {
    let moto = MotoServer::start();
    let proxy = FaultProxy::start(
        moto.port(),
        2026,
        vec![
            Rule::sometimes("*", Fault::ServerError, 0.1),
            Rule::sometimes("*", Fault::Throttle, 0.1),
        ],
    );
    let sls = sls_for(&proxy, "flaky");
    sls.run(&["deploy"]).ok();
    sls.file("handler.js", "exports.hello = async () => 2;\n");
    let run = sls.run(&["deploy"]).ok();
    assert!(
        !run.stderr.contains("No changes to deploy"),
        "{}",
        run.stderr
    );
    let run = sls.run(&["info"]).ok();
    assert!(run.stdout.contains("flaky-dev-hello"), "{}", run.stdout);
    sls.run(&["remove"]).ok();
    let stats = proxy.stats();
    let faults: u32 = stats.faults.values().sum();
    assert!(faults >= 5, "faults were injected: {stats:?}");
}

#[test]
fn connection_resets_and_latency_are_retried() {
    let moto = MotoServer::start();
    // 5% of requests see their connection reset before they reach moto; the rest wait 200 ms.
    let proxy = FaultProxy::start(
        moto.port(),
        55,
        vec![
            Rule::sometimes("*", Fault::Reset, 0.05),
            Rule::always("*", Fault::Latency(Duration::from_millis(200))),
        ],
    );
    let sls = sls_for(&proxy, "slow");
    sls.run(&["deploy"]).ok();
    sls.file("handler.js", "exports.hello = async () => 2;\n");
    let run = sls.run(&["deploy"]).ok();
    assert!(
        !run.stderr.contains("Skipping deployment"),
        "{}",
        run.stderr
    );
    let run = sls.run(&["info"]).ok();
    assert!(run.stdout.contains("slow-dev-hello"), "{}", run.stdout);
    sls.run(&["remove"]).ok();
    let stats = proxy.stats();
    assert!(
        stats.kinds.get("reset").is_some_and(|n| *n >= 1),
        "{stats:?}"
    );
    assert!(
        stats.kinds.get("latency").is_some_and(|n| *n >= 20),
        "{stats:?}"
    );
}

#[test]
fn an_operation_that_always_fails_ends_promptly_named() {
    let moto = MotoServer::start();
    let proxy = FaultProxy::start(
        moto.port(),
        7,
        vec![Rule::always("CreateChangeSet", Fault::ServerError)],
    );
    let sls = sls_for(&proxy, "broken");
    let start = Instant::now();
    let run = sls.run(&["deploy"]).failed(1);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{:?}",
        start.elapsed()
    );
    assert!(run.stderr.contains("CreateChangeSet"), "{}", run.stderr);
    assert!(!run.all().contains(SECRET));
    assert_eq!(
        proxy.stats().faults.get("CreateChangeSet"),
        Some(&6),
        "six attempts"
    );
}
