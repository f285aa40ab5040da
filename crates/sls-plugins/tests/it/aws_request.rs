//! `provider.request` (host/aws-request.js, aws-sdk v2 bundled) against its own moto server:
//! runs the module's node:test suite (host/aws-request.test.js), which calls CloudFormation,
//! Lambda, S3, Step Functions and DynamoDB on moto and checks retries, errors and secrets
//! against loopback servers of its own.

use std::path::Path;
use std::process::Command;

use sls_testkit::MotoServer;

#[test]
fn request_module_suite_passes_against_moto() {
    // The suite resets moto and turns its auth checks on and off: a server of its own.
    let moto = MotoServer::start();
    let host_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("host");
    let out = Command::new("node")
        .args(["--test", "--test-reporter=spec", "aws-request.test.js"])
        .current_dir(&host_dir)
        .env("SLS_TEST_AWS_ENDPOINT", moto.endpoint())
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .expect("node runs (Node.js 18 or newer is required by the plugin host tests)");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    // The suite ran its tests (not zero of them) and none failed.
    let count = |key: &str| {
        stdout
            .lines()
            .find_map(|l| l.trim_start_matches(['ℹ', ' ']).strip_prefix(key))
            .and_then(|n| n.trim().parse::<u32>().ok())
            .unwrap_or_else(|| panic!("no `{key}` line in:\n{stdout}"))
    };
    assert!(count("pass") >= 20, "{stdout}");
    assert_eq!(count("fail"), 0, "{stdout}");
}
