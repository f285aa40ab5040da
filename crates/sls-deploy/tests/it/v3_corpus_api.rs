//! API Gateway (`http`, `httpApi`) templates compared with what `serverless package` (v3.40.0)
//! wrote for the same services (fixtures/<case>/v3, recorded with
//! `scripts/record-v3-package.sh`; further stages in `stages/<stage>/`, recorded with
//! `--stage <stage>`). The run uses v3's own instance id (the timestamp in
//! `ApiGatewayDeployment<ms>`) so logical ids compare exactly; code hashes, version digests
//! and the artifact directory are normalised away.
//!
//! These cases also cover what moto's CloudFormation cannot show (it skips
//! `AWS::ApiGatewayV2::*`, API keys, usage plans and authorizers, and fails on the CORS
//! `OPTIONS` mock method): see `moto_e2e.rs` for the deployed side.

use crate::corpus;

use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use corpus::{copy_dir, fixtures, normalise, read_json};
use serde_json::Value;
use sls_deploy::{package, PackageInput};

const CASES: &[&str] = &[
    "http-basic",
    "http-provider",
    "http-authorizers",
    "http-lambda",
    "http-existing",
    "httpapi-basic",
    "httpapi-auth",
    "httpapi-logs",
    "websocket-basic",
    "http-schemas",
    "api-mixed",
    "httpapi-external",
    "http-claims",
    // real-world services from serverless/examples (SOURCE.md in each fixture)
    "ex-rest-api",
    "ex-http-api",
    "ex-sns-text-analysis",
    // every event of a function with provisionedConcurrency / snapStart targets its alias
    "fn-provisioned-api",
    "fn-snapstart",
];

/// v3's instance id, from its deployment's logical id.
fn instance_id(template: &Value) -> Option<u64> {
    template["Resources"]
        .as_object()?
        .keys()
        .find_map(|k| k.strip_prefix("ApiGatewayDeployment")?.parse().ok())
}

fn run_stage(case: &str, dir: &Path, stage_dir: &Path, stage: Option<&str>) {
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    copy_dir(&dir.join("service"), &svc);
    let config = read_json(&stage_dir.join("config.json"));
    let stage = stage
        .map(str::to_string)
        .unwrap_or_else(|| config["provider"]["stage"].as_str().unwrap().to_string());
    let region = config["provider"]["region"].as_str().unwrap().to_string();
    let v3 = stage_dir.join("v3");
    let expected = read_json(&v3.join("cloudformation-template-update-stack.json"));
    let timestamp = instance_id(&expected).map(|ms| UNIX_EPOCH + Duration::from_millis(ms));
    let out = svc.join(".serverless");
    package(&PackageInput {
        service_dir: &svc,
        config: &config,
        stage: &stage,
        region: &region,
        out_dir: &out,
        config_file_name: Some("serverless.yml"),
        timestamp,
    })
    .unwrap_or_else(|e| panic!("{case} ({stage}): {e}"));
    let ours = read_json(&out.join("cloudformation-template-update-stack.json"));
    let (e, o) = (normalise(&expected), normalise(&ours));
    let mut e_ids: Vec<&String> = e["Resources"].as_object().unwrap().keys().collect();
    let mut o_ids: Vec<&String> = o["Resources"].as_object().unwrap().keys().collect();
    e_ids.sort();
    o_ids.sort();
    assert_eq!(o_ids, e_ids, "{case} ({stage}): logical ids");
    for (id, res) in e["Resources"].as_object().unwrap() {
        assert_eq!(
            serde_json::to_string_pretty(&o["Resources"][id]).unwrap(),
            serde_json::to_string_pretty(res).unwrap(),
            "{case} ({stage}): resource {id} differs from v3"
        );
    }
    assert_eq!(
        serde_json::to_string_pretty(&o["Outputs"]).unwrap(),
        serde_json::to_string_pretty(&e["Outputs"]).unwrap(),
        "{case} ({stage}): outputs differ from v3"
    );
    assert_eq!(
        serde_json::to_string_pretty(&o).unwrap(),
        serde_json::to_string_pretty(&e).unwrap(),
        "{case} ({stage}): template differs from v3 (order)"
    );
}

fn run_case(case: &str) {
    let dir = fixtures().join(case);
    run_stage(case, &dir, &dir, None);
    if let Ok(entries) = std::fs::read_dir(dir.join("stages")) {
        let mut stages: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        stages.sort();
        for stage_dir in stages {
            let stage = stage_dir.file_name().unwrap().to_string_lossy().to_string();
            run_stage(case, &dir, &stage_dir, Some(&stage));
        }
    }
}

#[test]
fn http_basic() {
    run_case("http-basic");
}

#[test]
fn http_provider() {
    run_case("http-provider");
}

#[test]
fn http_authorizers() {
    run_case("http-authorizers");
}

#[test]
fn http_lambda() {
    run_case("http-lambda");
}

#[test]
fn http_existing() {
    run_case("http-existing");
}

#[test]
fn httpapi_basic() {
    run_case("httpapi-basic");
}

#[test]
fn httpapi_auth() {
    run_case("httpapi-auth");
}

#[test]
fn httpapi_logs() {
    run_case("httpapi-logs");
}

#[test]
fn websocket_basic() {
    run_case("websocket-basic");
}

#[test]
fn http_schemas() {
    run_case("http-schemas");
}

#[test]
fn api_mixed() {
    run_case("api-mixed");
}

#[test]
fn httpapi_external() {
    run_case("httpapi-external");
}

#[test]
fn http_claims() {
    run_case("http-claims");
}

#[test]
fn ex_rest_api() {
    run_case("ex-rest-api");
}

#[test]
fn ex_http_api() {
    run_case("ex-http-api");
}

#[test]
fn ex_sns_text_analysis() {
    run_case("ex-sns-text-analysis");
}

#[test]
fn fn_provisioned_api() {
    run_case("fn-provisioned-api");
}

#[test]
fn fn_snapstart() {
    run_case("fn-snapstart");
}

#[test]
fn cases_listed() {
    assert_eq!(CASES.len(), 18);
}
