//! Ctrl-C during `sls deploy` (issue 16): sls stops waiting, says CloudFormation carries on,
//! shows the stack and its status and how to follow it, exits 130; a plain `sls deploy` then
//! deploys the new code. The built binary against moto behind the fault proxy, on loopback.

use crate::common;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::Sls;
use sls_testkit::faults::{Fault, FaultProxy, Rule};
use sls_testkit::MotoServer;

const SERVICE: &str = "service: intr\nprovider:\n  name: aws\n  runtime: nodejs20.x\nfunctions:\n  hello:\n    handler: handler.hello\n";

/// The deployed function's CodeSha256, through moto's Lambda API.
fn deployed_sha(moto: &MotoServer) -> String {
    let auth = "AWS4-HMAC-SHA256 Credential=AKIAINTR/20240101/us-east-1/lambda/aws4_request, SignedHeaders=host, Signature=0";
    let (status, body) = moto
        .request(
            "GET",
            "/2015-03-31/functions/intr-dev-hello/configuration",
            &[("Authorization", auth)],
            "",
        )
        .unwrap();
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    v["CodeSha256"].as_str().unwrap_or_default().to_string()
}

fn zip_sha(sls: &Sls) -> String {
    sls_deploy::sha256_file(&sls.cwd.join(".serverless/intr.zip")).unwrap()
}

/// moto, the fault proxy in front of it (no faults yet), and the service deployed once (v1);
/// returns them with v1's zip hash.
fn deployed_v1(seed: u64) -> (MotoServer, FaultProxy, Sls, String) {
    let moto = MotoServer::start();
    let proxy = FaultProxy::start(moto.port(), seed, vec![]);
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &proxy.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIAINTR")
        .env("AWS_SECRET_ACCESS_KEY", "intr-secret-not-shown")
        .env("AWS_REGION", "us-east-1");
    sls.file("serverless.yml", SERVICE);
    sls.file("handler.js", "exports.hello = async () => 1;\n");
    sls.run(&["deploy"]).ok();
    let v1 = zip_sha(&sls);
    (moto, proxy, sls, v1)
}

/// How many requests for `action` the fault proxy has seen so far.
fn requests_seen(proxy: &FaultProxy, action: &str) -> u32 {
    proxy.stats().requests.get(action).copied().unwrap_or(0)
}

/// Waits until the fault proxy holds (or has passed on) a request for `action` beyond the
/// `before` it had seen (the first deploy's requests count too).
fn wait_for_request(proxy: &FaultProxy, action: &str, before: u32) {
    let start = Instant::now();
    while requests_seen(proxy, action) <= before {
        assert!(start.elapsed() < Duration::from_secs(30), "no {action}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `sls deploy` as a child process, its stderr piped for the test to read.
fn spawn_deploy(sls: &Sls) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sls"))
        .arg("deploy")
        .current_dir(&sls.cwd)
        .env_clear()
        .envs(&sls.env)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn sigint_while_waiting_exits_130_and_the_next_deploy_deploys() {
    let (moto, proxy, sls, v1) = deployed_v1(130);
    assert_eq!(deployed_sha(&moto), v1);

    // v2: the change set takes long to be ready; Ctrl-C while sls waits for it.
    sls.file("handler.js", "exports.hello = async () => 2;\n");
    proxy.set_rules(vec![Rule::always(
        "DescribeChangeSet",
        Fault::Latency(Duration::from_secs(20)),
    )]);
    let before = requests_seen(&proxy, "DescribeChangeSet");
    let mut child = spawn_deploy(&sls);
    let pid = child.id().to_string();
    let stderr = child.stderr.take().unwrap();
    let mut text = String::new();
    let mut lines = BufReader::new(stderr).lines();
    for line in lines.by_ref() {
        let line = line.unwrap();
        text.push_str(&line);
        text.push('\n');
        if line.contains("Updating CloudFormation stack") {
            break;
        }
    }
    // Ctrl-C while sls waits on the held DescribeChangeSet.
    wait_for_request(&proxy, "DescribeChangeSet", before);
    let sent = Instant::now();
    Command::new("kill").args(["-INT", &pid]).status().unwrap();
    for line in lines {
        text.push_str(&line.unwrap());
        text.push('\n');
    }
    let status = child.wait().unwrap();
    eprintln!("{text}");
    assert_eq!(status.code(), Some(130), "{text}");
    assert!(sent.elapsed() < Duration::from_secs(10), "exits promptly");
    assert!(text.contains("CloudFormation continues"), "{text}");
    assert!(text.contains("intr-dev"), "{text}");
    assert!(text.contains("UPDATE_COMPLETE"), "current status: {text}");
    assert!(text.contains("sls info"), "{text}");
    assert!(!text.contains("intr-secret-not-shown"));
    let v2 = zip_sha(&sls);
    assert_ne!(v1, v2);
    assert_eq!(deployed_sha(&moto), v1, "v2 was not applied");

    // A plain deploy deploys v2 (it must not skip over the uploaded files).
    proxy.set_rules(vec![]);
    let run = sls.run(&["deploy"]).ok();
    assert!(
        !run.stderr.contains("No changes to deploy"),
        "{}",
        run.stderr
    );
    assert_eq!(deployed_sha(&moto), zip_sha(&sls));
    assert_eq!(deployed_sha(&moto), v2);
}

/// SIGKILL after the artifacts are uploaded and before CloudFormation is asked to apply them
/// (the CreateChangeSet request is held by the proxy, so the stack never hears of v2): a plain
/// `sls deploy` afterwards deploys v2 instead of skipping because the bucket already has it.
#[test]
fn sigkill_between_upload_and_stack_update_does_not_make_the_next_deploy_skip() {
    let (moto, proxy, sls, v1) = deployed_v1(9);

    // The held request is released long after this test has ended (the process is gone by then).
    sls.file("handler.js", "exports.hello = async () => 2;\n");
    proxy.set_rules(vec![Rule::always(
        "CreateChangeSet",
        Fault::Latency(Duration::from_secs(600)),
    )]);
    let mut child = spawn_deploy(&sls);
    let stderr = child.stderr.take().unwrap();
    for line in BufReader::new(stderr).lines() {
        if line.unwrap().contains("Updating CloudFormation stack") {
            break;
        }
    }
    // Killed as soon as sls starts the stack update, with the files uploaded (its
    // CreateChangeSet may not have reached the proxy yet: the first deploy's requests are
    // counted too, so no wait on the proxy is made here).
    child.kill().unwrap();
    child.wait().unwrap();
    let v2 = zip_sha(&sls);
    assert_ne!(v1, v2);
    assert_eq!(deployed_sha(&moto), v1, "v2 was not applied");

    proxy.set_rules(vec![]);
    let run = sls.run(&["deploy"]).ok();
    assert!(
        !run.stderr.contains("Skipping deployment"),
        "{}",
        run.stderr
    );
    assert_eq!(deployed_sha(&moto), v2);
}
