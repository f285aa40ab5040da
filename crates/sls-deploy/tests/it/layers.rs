//! Top-level `layers`: the hashes v3 derives from the zips (layer hash outputs, retained
//! layers' logical ids, function version digests) recomputed from v3's own zips
//! (`fixtures/layers/v3-zips`, written by `serverless package` 3.40.0) equal v3's exactly; the
//! reuse of a deployed layer's S3 key given the stack's outputs; bad layer settings refused.

use std::path::Path;

use serde_json::{json, Value};
use sls_compile::{self as compile, FunctionArtifact, LayerZip, Service};
use sls_deploy::{package, package_with_deployed, BuildHost, PackageInput, PackageResult};

use crate::corpus::{copy_dir, fixtures, read_json};

/// The `layers` case compiled by sls-compile from v3's zips: the artifact directory is v3's,
/// so the templates are comparable as they are (S3 keys included).
fn compile_from_v3_zips() -> (Value, Value) {
    let dir = fixtures().join("layers");
    compile_with_v3_zips(
        &read_json(&dir.join("config.json")),
        &read_json(&dir.join("v3/cloudformation-template-update-stack.json")),
        "dev",
        None,
    )
}

/// `config` for `stage` (`serverless print --stage` keeps `provider.stage` as written) compiled from v3's zips into the artifact directory of
/// v3's template `v3`, given the deployed stack's outputs; (ours, v3's).
fn compile_with_v3_zips(
    config: &Value,
    v3: &Value,
    stage: &str,
    deployed: Option<&[(String, String)]>,
) -> (Value, Value) {
    let dir = fixtures().join("layers");
    let (config, v3) = (config.clone(), v3.clone());
    let service = Service::from_config(&config, stage, "us-east-1").unwrap();
    // The function code's key names the artifact directory of this packaging.
    let key = v3["Resources"]["HelloLambdaFunction"]["Properties"]["Code"]["S3Key"]
        .as_str()
        .unwrap();
    let artifact_dir = key.rsplit_once('/').unwrap().0;
    let zips = dir.join("v3-zips");
    let mut t = compile::core_template(&service);
    compile::setup_provider_configuration(&service, &mut t);
    let mut layer_zips = Vec::new();
    for l in compile::layers::layers(&config).unwrap() {
        let bytes = std::fs::read(zips.join(l.file_name())).unwrap();
        let reused = compile::compile_layer(&service, &l, artifact_dir, &bytes, deployed, &mut t);
        assert_eq!(reused.is_some(), deployed.is_some(), "{}", l.key);
        layer_zips.push(LayerZip {
            key: l.key.clone(),
            file_name: l.file_name(),
            sha256: compile::sha256_b64(&bytes),
            sort_key: format!("/svc/.serverless/{}", l.file_name()),
        });
    }
    let fn_zip = std::fs::read(zips.join("layers.zip")).unwrap();
    let artifacts: Vec<FunctionArtifact> = service
        .functions
        .iter()
        .map(|_| FunctionArtifact {
            file_name: "layers.zip".into(),
            sha256: compile::sha256_b64(&fn_zip),
            image: None,
        })
        .collect();
    compile::compile_functions_with_layers(&service, artifact_dir, &artifacts, &layer_zips, &mut t)
        .unwrap();
    compile::add_export_names(&service, &mut t);
    (t, v3)
}

#[test]
fn hashes_from_v3s_zips_equal_v3s() {
    let (ours, v3) = compile_from_v3_zips();
    // Every resource and output, ids and values, exactly v3's: the retained layer's hashed id,
    // the hash outputs, and the version digests of functions that use the layer (`hello`,
    // `world`, `plain` through `provider.layers`) and of one that does not (`bare`).
    let mut ours_ids: Vec<&String> = ours["Resources"].as_object().unwrap().keys().collect();
    let mut v3_ids: Vec<&String> = v3["Resources"].as_object().unwrap().keys().collect();
    ours_ids.sort();
    v3_ids.sort();
    assert_eq!(ours_ids, v3_ids);
    for id in v3_ids {
        assert_eq!(ours["Resources"][id], v3["Resources"][id], "{id}");
    }
    assert_eq!(ours["Outputs"], v3["Outputs"]);
}

/// v3's `compareWithLastLayer` as recorded against moto (`fixtures/layers/reuse`): after a
/// deploy, `serverless package` kept both layers' deployed S3 keys. From v3's zips and the
/// deployed stack's outputs, sls-compile gives the same template.
#[test]
fn reuse_of_deployed_layers_equals_v3s_recording() {
    let dir = fixtures().join("layers/reuse");
    let outputs: Vec<(String, String)> =
        serde_json::from_value(read_json(&dir.join("deployed-outputs.json"))).unwrap();
    let (ours, v3) = compile_with_v3_zips(
        &read_json(&dir.join("config.json")),
        &read_json(&dir.join("cloudformation-template-update-stack.json")),
        "reuse",
        Some(&outputs),
    );
    let deployed_key = outputs
        .iter()
        .find(|(k, _)| k == "CommonLambdaLayerS3Key")
        .unwrap()
        .1
        .clone();
    // The recorded template names the deployed key, not its own artifact directory.
    assert_eq!(
        v3["Resources"]["CommonLambdaLayer"]["Properties"]["Content"]["S3Key"],
        deployed_key
    );
    for (id, r) in v3["Resources"].as_object().unwrap() {
        assert_eq!(ours["Resources"][id], *r, "{id}");
    }
    assert_eq!(ours["Outputs"], v3["Outputs"]);
}

fn package_case(deployed: Option<Vec<(String, String)>>) -> (tempfile::TempDir, PackageResult) {
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    copy_dir(&fixtures().join("layers/service"), &svc);
    let config = read_json(&fixtures().join("layers/config.json"));
    let out = svc.join(".serverless");
    let pkg = package_with_deployed(
        &PackageInput {
            service_dir: &svc,
            config: &config,
            stage: "dev",
            region: "us-east-1",
            out_dir: &out,
            config_file_name: Some("serverless.yml"),
            timestamp: None,
        },
        &BuildHost::default(),
        None,
        sls_deploy::AwsAnswers {
            stack_outputs: deployed,
            ..Default::default()
        },
    )
    .unwrap();
    (tmp, pkg)
}

fn output(pkg: &PackageResult, key: &str) -> String {
    pkg.update_template["Outputs"][key]["Value"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn an_unchanged_layer_keeps_its_deployed_s3_key_and_is_not_uploaded() {
    let (_t1, first) = package_case(None);
    let layer_files = |p: &PackageResult| -> Vec<String> {
        let mut v: Vec<String> = p
            .artifacts
            .iter()
            .filter(|a| a.functions.is_empty())
            .map(|a| a.file_name.clone())
            .collect();
        v.sort();
        v
    };
    assert_eq!(layer_files(&first), ["common.zip", "vendor-libs.zip"]);
    assert!(first.reused_layers.is_empty());
    // The stack as the first deploy left it, with `common` deployed from an older folder and
    // `vendor-libs` changed since.
    let deployed = vec![
        (
            "CommonLambdaLayerHash".to_string(),
            output(&first, "CommonLambdaLayerHash"),
        ),
        (
            "CommonLambdaLayerS3Key".to_string(),
            "serverless/layers/dev/1-old/common.zip".to_string(),
        ),
        (
            "VendorDashlibsLambdaLayerHash".to_string(),
            "0000000000000000000000000000000000000000".to_string(),
        ),
        (
            "VendorDashlibsLambdaLayerS3Key".to_string(),
            "serverless/layers/dev/1-old/vendor-libs.zip".to_string(),
        ),
    ];
    let (_t2, second) = package_case(Some(deployed));
    assert_eq!(layer_files(&second), ["vendor-libs.zip"]);
    assert_eq!(second.reused_layers.len(), 1);
    let t = &second.update_template;
    assert_eq!(
        t["Resources"]["CommonLambdaLayer"]["Properties"]["Content"]["S3Key"],
        "serverless/layers/dev/1-old/common.zip"
    );
    assert_eq!(
        output(&second, "CommonLambdaLayerS3Key"),
        "serverless/layers/dev/1-old/common.zip"
    );
    // The state says which layer is not uploaded again (v3's `artifactAlreadyUploaded`).
    let state = read_json(&second.out_dir.join("serverless-state.json"));
    let state_layers = &state["service"]["layers"];
    assert_eq!(state_layers["common"]["artifactAlreadyUploaded"], true);
    assert!(state_layers["vendor-libs"]
        .get("artifactAlreadyUploaded")
        .is_none());
    assert!(first_state_has_no_mark(&first));
    // The changed layer gets the new folder.
    assert_eq!(
        output(&second, "VendorDashlibsLambdaLayerS3Key"),
        format!("{}/vendor-libs.zip", second.artifact_directory_name)
    );
    // What `.serverless/` holds says the same (v3 writes the template after the comparison).
    let written = read_json(
        &second
            .out_dir
            .join("cloudformation-template-update-stack.json"),
    );
    assert_eq!(
        written["Outputs"]["CommonLambdaLayerS3Key"]["Value"],
        "serverless/layers/dev/1-old/common.zip"
    );
    // The zip is still written, as v3 writes it.
    assert!(second.out_dir.join("common.zip").is_file());
}

#[test]
fn layer_folders_stay_out_of_the_service_zip() {
    let (_t, pkg) = package_case(None);
    let names = crate::corpus::zip_names(&pkg.out_dir.join("layers.zip"));
    assert_eq!(names, ["handler.js"]);
    let names = crate::corpus::zip_names(&pkg.out_dir.join("vendor-libs.zip"));
    assert_eq!(names, ["bin/tool", "lib/data.txt"]);
}

/// Packages `layers` (with one function) in a folder holding `files`; the error text.
fn refused(layers: Value, files: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("handler.js"), "exports.h = 1;\n").unwrap();
    for f in files {
        let p = tmp.path().join(f);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "x").unwrap();
    }
    let config = json!({
        "service": "bad",
        "provider": {"name": "aws", "stage": "dev", "region": "us-east-1", "runtime": "nodejs22.x"},
        "layers": layers,
        "functions": {"h": {"handler": "handler.h", "name": "bad-dev-h", "events": []}}
    });
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
    assert!(!Path::new(&out).join("h.zip").exists());
    err.to_string()
}

#[test]
fn bad_layer_settings_are_refused_with_their_path() {
    // v3 crashes on this one with a bare TypeError; sls names the setting.
    let e = refused(json!({"deps": {"description": "no path"}}), &[]);
    assert!(e.contains("layers.deps.path"), "{e}");
    // v3: "No file matches include / exclude patterns".
    let e = refused(json!({"deps": {"path": "missing"}}), &[]);
    assert!(
        e.contains("No file matches include / exclude patterns for layer \"deps\""),
        "{e}"
    );
    let e = refused(
        json!({"deps": {"path": "deps", "package": {"patterns": ["!**"]}}}),
        &["deps/a.txt"],
    );
    assert!(e.contains("layer \"deps\""), "{e}");
    let e = refused(json!({"deps": {"package": {"artifact": "nope.zip"}}}), &[]);
    assert!(e.contains("layers.deps.package.artifact"), "{e}");
    assert!(e.contains("nope.zip"), "{e}");
}

/// `sls credentials policy` for the `layers` case: the layers are published, read, deleted and
/// shared by their names only, and the functions may read the layer they name by ARN.
#[test]
fn the_policy_scopes_layers_to_their_names() {
    let (_t, pkg) = package_case(None);
    let p = sls_deploy::policy::generate_for(&pkg.service, &pkg.update_template, &[], None);
    let statements = p.caller["Statement"].as_array().unwrap();
    let find = |sid: &str| -> &Value {
        statements
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("no {sid} in {statements:#?}"))
    };
    let layer_arns = json!([
        "arn:aws:lambda:us-east-1:*:layer:dev-common",
        "arn:aws:lambda:us-east-1:*:layer:dev-common:*",
        "arn:aws:lambda:us-east-1:*:layer:vendor-libs",
        "arn:aws:lambda:us-east-1:*:layer:vendor-libs:*"
    ]);
    let layers = find("LambdaLayers");
    assert_eq!(
        layers["Action"],
        json!([
            "lambda:PublishLayerVersion",
            "lambda:GetLayerVersion",
            "lambda:DeleteLayerVersion"
        ])
    );
    assert_eq!(layers["Resource"], layer_arns);
    let permissions = find("LambdaLayerPermissions");
    assert_eq!(
        permissions["Action"],
        json!([
            "lambda:AddLayerVersionPermission",
            "lambda:RemoveLayerVersionPermission",
            "lambda:GetLayerVersionPolicy"
        ])
    );
    assert_eq!(permissions["Resource"], layer_arns);
    let function_layers = find("FunctionLayers");
    assert_eq!(
        function_layers["Resource"],
        "arn:aws:lambda:us-east-1:123456789012:layer:external:3"
    );
    assert!(p.unmapped_types.is_empty(), "{:?}", p.unmapped_types);
}

/// Without a deployed stack no layer is marked as uploaded.
fn first_state_has_no_mark(pkg: &PackageResult) -> bool {
    let state = read_json(&pkg.out_dir.join("serverless-state.json"));
    !state.to_string().contains("artifactAlreadyUploaded")
}
