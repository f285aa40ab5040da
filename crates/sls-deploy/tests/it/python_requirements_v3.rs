//! The built-in serverless-python-requirements against what Serverless Framework v3.40.0 with
//! the real plugin (serverless-python-requirements 6.1.2) wrote for the same services
//! (fixtures/pyreq/<case>, recorded by scripts/record-v3-pyreq.sh from local wheels, no
//! network): default injection, `zip`, `layer` (boolean and object form), `package.individually`
//! with `module`s, `slim`.
//!
//! Documented differences, removed before comparing:
//! - bytecode caches: pip runs with `--no-compile` for sls (so zips are the same on every
//!   machine); the plugin's pip compiles, so v3's zips also hold `__pycache__/…pyc` entries;
//! - timestamps and modes (sls: 1980-01-01, 0644/0755) and so code hashes, version digests and
//!   the layer's `…LambdaLayerHash` output value (a hash over the layer zip);
//! - the order of entries inside `.requirements.zip` and `pythonRequirements.zip`: the plugin
//!   adds them as its concurrent file reads finish (two recordings differ), so those are
//!   compared as sets; every other zip is compared in order;
//! - the timestamped artifact folder in S3 keys (compared by file name, as in v3_corpus.rs).

use crate::corpus;

use std::io::Read;
use std::path::Path;

use corpus::{build_host, copy_dir, fixtures, normalise, read_json, zip_names};
use serde_json::Value;
use sls_deploy::BuildHost;
use sls_deploy::{package_with, PackageInput};

const CASES: &[&str] = &[
    "default",
    "zip",
    "layer",
    "layer-object",
    "individually",
    "individually-zip",
    "slim",
];

/// python3.11 with pip is required, not optional: `scripts/test.sh` checks for it, so a test
/// never passes without running it.
fn host(cache: &Path) -> BuildHost {
    let ok = std::process::Command::new("python3.11")
        .args(["-m", "pip", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3.11 -m pip is not available: the fixtures use python3.11 (see README \"Tests\")"
    );
    BuildHost {
        cache_dir: Some(cache.to_path_buf()),
        ..build_host()
    }
}

fn inner_zip_names(p: &Path, entry: &str) -> Vec<String> {
    let mut z = zip::ZipArchive::new(std::fs::File::open(p).unwrap()).unwrap();
    let mut bytes = Vec::new();
    z.by_name(entry).unwrap().read_to_end(&mut bytes).unwrap();
    let mut inner = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    (0..inner.len())
        .map(|i| inner.by_index(i).unwrap().name().unwrap().to_string())
        .collect()
}

/// v3's list without the bytecode caches sls does not write.
fn without_bytecode(list: &str) -> Vec<String> {
    list.lines()
        .filter(|n| !n.split('/').any(|p| p == "__pycache__"))
        .map(str::to_string)
        .collect()
}

/// The layer outputs that name the upload folder or hash the zip.
fn normalise_layer_outputs(t: &mut Value) {
    if let Some(outputs) = t["Outputs"].as_object_mut() {
        for (k, o) in outputs.iter_mut() {
            if k.ends_with("LambdaLayerHash") {
                o["Value"] = Value::String("<layer hash>".into());
            } else if k.ends_with("LambdaLayerS3Key") {
                let v = o["Value"]
                    .as_str()
                    .unwrap_or("")
                    .rsplit('/')
                    .next()
                    .unwrap()
                    .to_string();
                o["Value"] = Value::String(v);
            }
        }
    }
}

fn run_case(case: &str, host_cache: &Path) {
    let dir = fixtures().join("pyreq").join(case);
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    copy_dir(&dir.join("service"), &svc);
    copy_dir(&fixtures().join("pyreq/wheels"), &svc.join("wheels"));
    let host = host(host_cache);
    let config = read_json(&dir.join("config.json"));
    let out = svc.join(".serverless");
    let result = package_with(
        &PackageInput {
            service_dir: &svc,
            config: &config,
            stage: "dev",
            region: "us-east-1",
            out_dir: &out,
            config_file_name: Some("serverless.yml"),
            timestamp: None,
        },
        &host,
    )
    .unwrap_or_else(|e| panic!("{case}: {e}"));
    let v3 = dir.join("v3");

    // Every zip v3 wrote, and no other.
    let mut ours: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| n.ends_with(".zip"))
        .collect();
    ours.sort();
    let mut theirs: Vec<String> = std::fs::read_dir(&v3)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter_map(|n| n.strip_suffix(".zip.list").map(|z| format!("{z}.zip")))
        .filter(|n| !n.ends_with(".requirements.zip"))
        .collect();
    theirs.sort();
    assert_eq!(ours, theirs, "{case}: the zips in .serverless");

    for zip in &theirs {
        let expected =
            without_bytecode(&std::fs::read_to_string(v3.join(format!("{zip}.list"))).unwrap());
        let mut got = zip_names(&out.join(zip));
        if zip == "pythonRequirements.zip" {
            let mut e = expected.clone();
            e.sort();
            got.sort();
            assert_eq!(got, e, "{case}: {zip} entries (as a set)");
        } else {
            assert_eq!(got, expected, "{case}: {zip} entries");
        }
        let inner_list = v3.join(format!(
            "{}.requirements.zip.list",
            zip.trim_end_matches(".zip")
        ));
        if inner_list.is_file() {
            let mut e = without_bytecode(&std::fs::read_to_string(inner_list).unwrap());
            e.sort();
            let mut got = inner_zip_names(&out.join(zip), ".requirements.zip");
            got.sort();
            assert_eq!(
                got, e,
                "{case}: {zip}'s .requirements.zip entries (as a set)"
            );
        }
    }

    for file in [
        "cloudformation-template-create-stack.json",
        "cloudformation-template-update-stack.json",
    ] {
        let mut e = normalise(&read_json(&v3.join(file)));
        let mut o = normalise(&read_json(&out.join(file)));
        normalise_layer_outputs(&mut e);
        normalise_layer_outputs(&mut o);
        assert_eq!(
            serde_json::to_string_pretty(&o).unwrap(),
            serde_json::to_string_pretty(&e).unwrap(),
            "{case}: {file} differs from v3"
        );
    }
    // The layer in the state, as the plugin adds it to `layers`.
    let state = read_json(&out.join("serverless-state.json"));
    let v3_state = read_json(&v3.join("serverless-state.json"));
    let layer = &v3_state["service"]["layers"]["pythonRequirements"];
    if layer.is_object() {
        let ours = &state["service"]["layers"]["pythonRequirements"];
        for key in ["artifact", "name", "description"] {
            assert_eq!(ours[key], layer[key], "{case}: state layer {key}");
        }
        assert!(result
            .artifacts
            .iter()
            .any(|a| a.file_name == "pythonRequirements.zip" && a.functions.is_empty()));
    } else {
        assert!(state["service"]["layers"]
            .as_object()
            .is_none_or(|l| l.is_empty()));
    }
}

#[test]
fn packages_like_v3_with_the_plugin() {
    let cache = tempfile::tempdir().unwrap();
    for case in CASES {
        run_case(case, cache.path());
    }
}
