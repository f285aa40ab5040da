//! Issue 10: no setting that changes the deployment is silently ignored at package time. Each
//! is either compiled (the template or zip shows it) or refused with its property path, before
//! anything is written to `.serverless/`.

use std::path::Path;

use serde_json::{json, Value};
use sls_deploy::{package, DeployError, PackageInput, PackageResult};

fn write(dir: &Path, rel: &str, body: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

fn run(dir: &Path, config: &Value) -> Result<PackageResult, DeployError> {
    package(&PackageInput {
        service_dir: dir,
        config,
        stage: "dev",
        region: "us-east-1",
        out_dir: &dir.join(".serverless"),
        config_file_name: Some("serverless.yml"),
        timestamp: None,
    })
}

fn base() -> Value {
    json!({
        "service": "demo",
        "provider": {"name": "aws", "runtime": "nodejs20.x"},
        "functions": {"hello": {"handler": "handler.handler"}}
    })
}

/// Packages `config`, expects a refusal naming `path`, and checks `.serverless/` was not created.
fn assert_refused(config: Value, path: &str) {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "handler.js", "exports.handler = 1;");
    let err = run(t.path(), &config).unwrap_err();
    match &err {
        DeployError::Config { path: p, message } => {
            assert_eq!(p, path, "{err}");
            assert!(message.contains(path), "{message}");
            assert!(message.contains("remove it"), "{message}");
        }
        other => panic!("expected a config error for {path}, got {other}"),
    }
    assert!(
        !t.path().join(".serverless").exists(),
        ".serverless/ was written before the refusal of {path}"
    );
}

/// A refusal leaves an existing `.serverless/` exactly as it was.
#[test]
fn refusal_leaves_previous_package_unchanged() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "handler.js", "exports.handler = 1;");
    run(t.path(), &base()).unwrap();
    let snapshot = |d: &Path| {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(d.join(".serverless"))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    let before = snapshot(t.path());
    let mut c = base();
    c["layers"] = json!({"deps": {"path": "layer"}});
    assert!(run(t.path(), &c).is_err());
    assert_eq!(before, snapshot(t.path()));
}

/// Top-level `layers` are compiled now (see `layers.rs`); a layer whose folder is missing is
/// v3's "No file matches" error, before anything is written.
#[test]
fn a_layer_without_its_folder_is_an_error() {
    let mut c = base();
    c["layers"] = json!({"deps": {"path": "layer"}});
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "handler.js", "exports.handler = 1;");
    let err = run(t.path(), &c).unwrap_err();
    assert!(
        matches!(&err, DeployError::NoFiles { context } if context == "layer \"deps\""),
        "{err}"
    );
    assert!(!t.path().join(".serverless").exists());
}

/// Layer ARNs on the provider and functions are compiled (`Layers`); the function's win.
#[test]
fn provider_and_function_layers_are_compiled() {
    let mut c = base();
    c["provider"]["layers"] = json!(["arn:aws:lambda:us-east-1:123456789012:layer:p:1"]);
    c["functions"]["own"] = json!({
        "handler": "handler.handler",
        "layers": ["arn:aws:lambda:us-east-1:123456789012:layer:f:1"]
    });
    let t = packaged_template(&c);
    let r = &t["Resources"];
    assert_eq!(
        r["HelloLambdaFunction"]["Properties"]["Layers"],
        json!(["arn:aws:lambda:us-east-1:123456789012:layer:p:1"])
    );
    assert_eq!(
        r["OwnLambdaFunction"]["Properties"]["Layers"],
        json!(["arn:aws:lambda:us-east-1:123456789012:layer:f:1"])
    );
}

#[test]
fn other_uncompiled_settings_are_refused() {
    // Packaged without the answers the CLI asks before packaging: an image built from a
    // Dockerfile (v3 runs docker and pushes to ECR), once a function uses it; an image given
    // only by tag (v3 asks ECR for its digest).
    let mut c = base();
    c["provider"]["ecr"] = json!({"images": {"app": {"path": "./"}}});
    c["functions"]["hello"] = json!({"image": "app"});
    assert_image_refused(c, "provider.ecr.images.app", "was not built");
    let mut c = base();
    c["functions"]["hello"] =
        json!({"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:latest"});
    assert_image_refused(c, "functions.hello.image", "DescribeImages");
    let mut c = base();
    c["provider"]["vpc"] = json!({"ipv6AllowedForDualStack": true});
    assert_refused(c, "provider.vpc.ipv6AllowedForDualStack");
}

/// An image nobody looked up or built: refused at `path`, saying why and how to pin it,
/// before anything is written.
fn assert_image_refused(config: Value, path: &str, why: &str) {
    let t = tempfile::tempdir().unwrap();
    match run(t.path(), &config).unwrap_err() {
        DeployError::Config { path: p, message } => {
            assert_eq!(p, path, "{message}");
            assert!(
                message.contains(why) && message.contains("@sha256:"),
                "{message}"
            );
        }
        other => panic!("expected a config error for {path}, got {other}"),
    }
    assert!(!t.path().join(".serverless").exists());
}

fn packaged_template(config: &Value) -> Value {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "handler.js", "exports.handler = 1;");
    let r = run(t.path(), config).unwrap();
    r.update_template
}

/// `provider.vpc` and function `vpc` (the full shapes are in the v3 corpus: vpc-tracing,
/// vpc-function); `vpc: null` on a function keeps it out of the provider's VPC, as in v3.
#[test]
fn vpc_is_compiled() {
    let mut c = base();
    c["provider"]["vpc"] = json!({"securityGroupIds": ["sg-1"], "subnetIds": ["subnet-1"]});
    c["functions"]["out"] = json!({"handler": "handler.handler", "vpc": null});
    let t = packaged_template(&c);
    let r = &t["Resources"];
    assert_eq!(
        r["HelloLambdaFunction"]["Properties"]["VpcConfig"],
        json!({"SecurityGroupIds": ["sg-1"], "SubnetIds": ["subnet-1"]})
    );
    assert!(r["OutLambdaFunction"]["Properties"]
        .get("VpcConfig")
        .is_none());
    let managed = r["IamRoleLambdaExecution"]["Properties"]["ManagedPolicyArns"].to_string();
    assert!(
        managed.contains("AWSLambdaVPCAccessExecutionRole"),
        "{managed}"
    );
}

/// `provider.tracing.lambda` and function `tracing`.
#[test]
fn tracing_is_compiled() {
    let mut c = base();
    c["provider"]["tracing"] = json!({"lambda": true});
    c["functions"]["pass"] = json!({"handler": "handler.handler", "tracing": "PassThrough"});
    let t = packaged_template(&c);
    let r = &t["Resources"];
    assert_eq!(
        r["HelloLambdaFunction"]["Properties"]["TracingConfig"],
        json!({"Mode": "Active"})
    );
    assert_eq!(
        r["PassLambdaFunction"]["Properties"]["TracingConfig"],
        json!({"Mode": "PassThrough"})
    );
    let stmts = r["IamRoleLambdaExecution"]["Properties"]["Policies"][0]["PolicyDocument"]
        ["Statement"]
        .as_array()
        .unwrap();
    let xray = stmts
        .iter()
        .filter(|s| s["Action"][0] == "xray:PutTraceSegments")
        .count();
    assert_eq!(xray, 1, "{stmts:?}");
}

/// A function with its own role and tracing creates no default role.
#[test]
fn tracing_without_default_role_adds_no_role() {
    let mut c = base();
    c["functions"]["hello"]["tracing"] = json!(true);
    c["functions"]["hello"]["role"] = json!("arn:aws:iam::123456789012:role/r");
    let t = packaged_template(&c);
    assert!(t["Resources"].get("IamRoleLambdaExecution").is_none());
}

fn zip_names(p: &Path) -> Vec<String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
    let mut v: Vec<String> = (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    v.sort();
    v
}

/// `package.exclude`/`package.include` (service and function level), as v3 converts them to
/// patterns: excludes first, then includes (full case in the v3 corpus: include-exclude).
#[test]
fn package_include_exclude_are_applied() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    write(d, "handler.js", "exports.handler = 1;");
    write(d, "docs/keep.md", "k");
    write(d, "docs/drop.md", "d");
    write(d, "extra/x.txt", "x");
    let mut c = base();
    c["package"] = json!({"exclude": ["docs/**"], "include": ["docs/keep.md"]});
    c["functions"]["solo"] = json!({
        "handler": "handler.handler",
        "package": {"individually": true, "exclude": ["extra/**"]}
    });
    run(d, &c).unwrap();
    assert_eq!(
        zip_names(&d.join(".serverless/demo.zip")),
        ["docs/keep.md", "extra/x.txt", "handler.js"]
    );
    assert_eq!(
        zip_names(&d.join(".serverless/solo.zip")),
        ["docs/keep.md", "handler.js"]
    );
}

/// v3's own error: `fileSystemConfig` needs a VPC; refused before anything is written.
#[test]
fn file_system_config_without_vpc_is_refused() {
    let mut c = base();
    c["functions"]["hello"]["fileSystemConfig"] = json!({
        "arn": "arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1",
        "localMountPath": "/mnt/data"
    });
    let t = tempfile::tempdir().unwrap();
    let err = run(t.path(), &c).unwrap_err();
    assert!(
        matches!(&err, DeployError::Config { path, .. } if path == "functions.hello.fileSystemConfig"),
        "{err}"
    );
    assert!(!t.path().join(".serverless").exists());
}

/// v3's own error for a destination it cannot grant access to; nothing is written.
#[test]
fn unsupported_destination_is_refused() {
    let mut c = base();
    c["functions"]["hello"]["destinations"] = json!({"onFailure": "arn:aws:s3:::bucket"});
    let t = tempfile::tempdir().unwrap();
    let err = run(t.path(), &c).unwrap_err();
    assert!(
        matches!(&err, DeployError::Config { path, message }
            if path == "functions.hello.destinations.onFailure"
            && message.contains("Unsupported destination target")),
        "{err}"
    );
    assert!(!t.path().join(".serverless").exists());
}
