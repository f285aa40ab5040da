//! Shared by the v3 template corpus tests (`v3_corpus.rs`, `v3_corpus_api.rs`) and the built-in
//! plugin tests (`esbuild.rs`, `plugins_js.rs`, `python_requirements*.rs`): the fixture folder,
//! copying a service, reading JSON, the normalisation that removes what differs by design (code
//! hashes, version digests, the timestamped artifact directory), packaging with a build host,
//! and reading zips.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};
use sls_deploy::{package_with, BuildHost, DeployError, PackageInput, PackageResult};

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        let ft = e.file_type().unwrap();
        if ft.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(e.path()).unwrap(), &target).unwrap();
        } else if ft.is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

/// Drops what legitimately differs between runs and implementations.
pub fn normalise(v: &Value) -> Value {
    fn strip_digest(s: &str) -> String {
        if let Some(i) = s.find("LambdaVersion") {
            return s[..i + "LambdaVersion".len()].to_string();
        }
        // A retained layer's ids end in the SHA-1 of its zip (40 hex digits).
        let is_sha1 = |t: &str| t.len() == 40 && t.bytes().all(|b| b.is_ascii_hexdigit());
        match s.len().checked_sub(40).filter(|&i| s.is_char_boundary(i)) {
            Some(i) if s.contains("LambdaLayer") && is_sha1(&s[i..]) => s[..i].to_string(),
            _ => s.to_string(),
        }
    }
    match v {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, v) in o {
                let k2 = strip_digest(k);
                let v2 = match (k.as_str(), v) {
                    ("S3Key", Value::String(s)) => {
                        Value::String(s.rsplit('/').next().unwrap_or("").to_string())
                    }
                    ("CodeSha256", _) => Value::String("<sha>".into()),
                    // A layer's hash output: the SHA-1 of its zip.
                    ("Value", Value::String(_)) if is_layer_output(o, "hash") => {
                        Value::String("<sha1>".into())
                    }
                    // A layer's S3 key output: its file name, as `S3Key`.
                    ("Value", Value::String(s)) if is_layer_output(o, "S3Key") => {
                        Value::String(s.rsplit('/').next().unwrap_or("").to_string())
                    }
                    ("Ref", Value::String(s)) => Value::String(strip_digest(s)),
                    // An alias's `FunctionVersion` names the version by its logical id.
                    ("Fn::GetAtt", Value::Array(a)) => Value::Array(
                        a.iter()
                            .enumerate()
                            .map(|(i, x)| match (i, x) {
                                (0, Value::String(s)) => Value::String(strip_digest(s)),
                                _ => normalise(x),
                            })
                            .collect(),
                    ),
                    _ => normalise(v),
                };
                out.insert(k2, v2);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        other => other.clone(),
    }
}

/// A layer's output `{Description: "Current Lambda layer <what>", Value: …}`.
fn is_layer_output(o: &Map<String, Value>, what: &str) -> bool {
    o.get("Description").and_then(Value::as_str) == Some(&format!("Current Lambda layer {what}"))
}

pub fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The test process's `PATH` and `HOME` as the build tools' host (tests may read the
/// environment; the library is given it).
pub fn build_host() -> BuildHost {
    BuildHost {
        path_var: std::env::var("PATH").ok(),
        cache_dir: None,
        env: std::env::var("HOME")
            .map(|h| [("HOME".to_string(), h)].into_iter().collect())
            .unwrap_or_default(),
    }
}

/// `sls package` of `config` for stage `dev` in us-east-1, into `dir/.serverless`.
pub fn package_in(
    dir: &Path,
    config: &Value,
    host: &BuildHost,
) -> Result<PackageResult, DeployError> {
    package_with(
        &PackageInput {
            service_dir: dir,
            config,
            stage: "dev",
            region: "us-east-1",
            out_dir: &dir.join(".serverless"),
            config_file_name: Some("serverless.yml"),
            timestamp: None,
        },
        host,
    )
}

/// The entry names of a zip, in order.
pub fn zip_names(zip_path: &Path) -> Vec<String> {
    let mut a = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    (0..a.len())
        .map(|i| a.by_index(i).unwrap().name().unwrap().to_string())
        .collect()
}

/// The bytes of one entry of a zip.
pub fn zip_entry(zip_path: &Path, name: &str) -> Vec<u8> {
    use std::io::Read;
    let mut a = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    let mut out = Vec::new();
    a.by_name(name).unwrap().read_to_end(&mut out).unwrap();
    out
}

/// `sls package` into `dir/.serverless` (stage `dev`, us-east-1) with what AWS (and docker)
/// answered before packaging: the deployed stack's outputs, the images' digests.
pub fn pack_answered(
    dir: &Path,
    config: &Value,
    answers: sls_deploy::AwsAnswers,
) -> sls_deploy::PackageResult {
    sls_deploy::package_with_deployed(
        &sls_deploy::PackageInput {
            service_dir: dir,
            config,
            stage: "dev",
            region: "us-east-1",
            out_dir: &dir.join(".serverless"),
            config_file_name: Some("serverless.yml"),
            timestamp: None,
        },
        &sls_deploy::BuildHost::default(),
        None,
        answers,
    )
    .unwrap()
}
