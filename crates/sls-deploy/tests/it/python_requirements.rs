//! The built-in serverless-python-requirements, with real pip and no network: the packages are
//! wheels built by the test into a local folder, installed with `--no-index --find-links`.

use crate::corpus;

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use corpus::{build_host, package_in, zip_entry, zip_names};
use serde_json::{json, Value};
use sls_deploy::{BuildHost, DeployError};

fn write(dir: &Path, rel: &str, body: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// A minimal pure-Python wheel `<name>-1.0-py3-none-any.whl` in `dir`.
fn wheel(dir: &Path, name: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let file = std::fs::File::create(dir.join(format!("{name}-1.0-py3-none-any.whl"))).unwrap();
    let mut z = zip::ZipWriter::new(file);
    let o = zip::write::SimpleFileOptions::default();
    let di = format!("{name}-1.0.dist-info");
    let entries = [
        (format!("{name}/__init__.py"), format!("NAME = '{name}'\n")),
        (
            format!("{di}/METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"),
        ),
        (
            format!("{di}/WHEEL"),
            "Wheel-Version: 1.0\nGenerator: sls-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
                .to_string(),
        ),
    ];
    let mut record = String::new();
    for (n, body) in &entries {
        z.start_file(n.as_str(), o).unwrap();
        z.write_all(body.as_bytes()).unwrap();
        record.push_str(&format!("{n},,\n"));
    }
    record.push_str(&format!("{di}/RECORD,,\n"));
    z.start_file(format!("{di}/RECORD"), o).unwrap();
    z.write_all(record.as_bytes()).unwrap();
    z.finish().unwrap();
}

/// The test process's PATH (tests may read it; the library is given it). pip is required, not
/// optional: `scripts/test.sh` checks for it, so a test never passes without running it.
fn host() -> BuildHost {
    let ok = std::process::Command::new("python3")
        .args(["-m", "pip", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    assert!(
        ok,
        "python3 -m pip is not available: these tests run the real pip (see README \"Tests\")"
    );
    build_host()
}

fn service(dir: &Path, requirements: Option<&str>) {
    write(dir, "serverless.yml", "service: py\n");
    write(dir, "handler.py", "def handler(e, c):\n    return 1\n");
    if let Some(r) = requirements {
        write(dir, "requirements.txt", r);
    }
    wheel(&dir.join("wheels"), "tinypkg");
    wheel(&dir.join("wheels"), "otherpkg");
}

fn config(dir: &Path, extra: Value) -> Value {
    let mut py = json!({
        "pipCmdExtraArgs": ["--no-index", format!("--find-links {}", dir.join("wheels").display())],
    });
    if let (Value::Object(p), Value::Object(e)) = (&mut py, extra) {
        p.extend(e);
    }
    json!({
        "service": "py",
        "provider": {"name": "aws", "runtime": "python3.11"},
        "plugins": ["serverless-python-requirements"],
        "package": {"patterns": ["!wheels/**"]},
        "custom": {"pythonRequirements": py},
        "functions": {"hello": {"handler": "handler.handler"}}
    })
}

fn read_entry(zip_path: &Path, name: &str) -> String {
    String::from_utf8(zip_entry(zip_path, name)).unwrap()
}

#[test]
fn installs_into_the_zip_and_reuses_the_cache() {
    let host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("# deps\ntinypkg\notherpkg==1.0\n"));
    let c = config(dir, json!({}));

    let t = Instant::now();
    let first = package_in(dir, &c, &host).unwrap();
    let first_time = t.elapsed();
    let zip_path = dir.join(".serverless/py.zip");
    let n = zip_names(&zip_path);
    assert!(n.contains(&"handler.py".to_string()), "{n:?}");
    assert!(n.contains(&"tinypkg/__init__.py".to_string()), "{n:?}");
    assert!(n.contains(&"otherpkg/__init__.py".to_string()), "{n:?}");
    assert!(
        n.iter().any(|x| x.starts_with("tinypkg-1.0.dist-info/")),
        "dist-info is kept without slim: {n:?}"
    );
    assert!(!n
        .iter()
        .any(|x| x.contains("__pycache__") || x.ends_with(".pyc")));
    assert!(!n.iter().any(|x| x.starts_with("wheels/")));
    assert_eq!(
        read_entry(&zip_path, "tinypkg/__init__.py"),
        "NAME = 'tinypkg'\n"
    );
    assert!(
        first.notices[0].starts_with("Using sls's built-in serverless-python-requirements: pip "),
        "{:?}",
        first.notices
    );
    assert!(!first.notices[0].contains("cached"));
    let bytes1 = std::fs::read(&zip_path).unwrap();

    // The cache entry and its marker.
    let cache = dir.join(".serverless/requirements-cache");
    let entries: Vec<_> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with("_x86_64_slspyc"))
        .collect();
    assert_eq!(entries.len(), 1);
    let marker = entries[0].path().join(".completed_requirements");
    let mtime = std::fs::metadata(&marker).unwrap().modified().unwrap();

    // Second package: nothing changed, no pip (marker untouched, notice says cached), same bytes.
    let t = Instant::now();
    let second = package_in(dir, &c, &host).unwrap();
    let second_time = t.elapsed();
    assert!(
        second.notices[0].ends_with("(cached)"),
        "{:?}",
        second.notices
    );
    assert_eq!(
        std::fs::metadata(&marker).unwrap().modified().unwrap(),
        mtime
    );
    assert_eq!(std::fs::read(&zip_path).unwrap(), bytes1, "byte-identical");
    eprintln!("python requirements: first package {first_time:?}, cached {second_time:?}");

    // A changed requirements file is a new cache entry.
    write(dir, "requirements.txt", "tinypkg\n");
    let third = package_in(dir, &c, &host).unwrap();
    assert!(!third.notices[0].contains("cached"));
    assert!(!zip_names(&zip_path).contains(&"otherpkg/__init__.py".to_string()));

    // invalidateCaches rebuilds.
    let c = config(dir, json!({"invalidateCaches": true}));
    let fourth = package_in(dir, &c, &host).unwrap();
    assert!(!fourth.notices[0].contains("cached"));
}

#[test]
fn no_deploy_leaves_a_package_out() {
    let host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("tinypkg\notherpkg\n"));
    let c = config(
        dir,
        json!({"noDeploy": ["otherpkg"], "fileName": "requirements.txt"}),
    );
    package_in(dir, &c, &host).unwrap();
    let n = zip_names(&dir.join(".serverless/py.zip"));
    assert!(n.contains(&"tinypkg/__init__.py".to_string()), "{n:?}");
    assert!(!n.iter().any(|x| x.starts_with("otherpkg")), "{n:?}");
}

#[test]
fn file_name_renames_and_missing_file_skips() {
    let host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, None);
    // No requirements file: the plugin skips; the zip holds the service only.
    let c = config(dir, json!({}));
    let r = package_in(dir, &c, &host).unwrap();
    let n = zip_names(&dir.join(".serverless/py.zip"));
    assert_eq!(n, vec!["handler.py".to_string()]);
    assert!(r.notices[0].contains("no requirements"), "{:?}", r.notices);
    assert!(!dir.join(".serverless/requirements-cache").exists());

    write(dir, "deps/prod.txt", "tinypkg\n");
    let c = config(dir, json!({"fileName": "deps/prod.txt"}));
    package_in(dir, &c, &host).unwrap();
    let n = zip_names(&dir.join(".serverless/py.zip"));
    assert!(n.contains(&"tinypkg/__init__.py".to_string()), "{n:?}");
}

#[test]
fn unsupported_options_are_refused_by_name_before_anything_is_written() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("tinypkg\n"));
    for (key, value, shown) in [
        ("somethingNew", json!(1), "somethingNew"),
        ("layer", json!({"path": "x"}), "layer.path"),
    ] {
        let mut c = config(dir, json!({}));
        c["custom"]["pythonRequirements"][key] = value;
        let e = package_in(dir, &c, &BuildHost::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("custom.pythonRequirements.{shown}")) && e.contains("not support"),
            "{e}"
        );
        assert!(
            !dir.join(".serverless").exists(),
            "nothing written for {key}"
        );
    }
    // Docker options that need a container are refused when dockerizePip is on, by name.
    for key in ["dockerImage", "dockerFile", "dockerPrivateKey"] {
        let mut c = config(dir, json!({"dockerizePip": true}));
        c["custom"]["pythonRequirements"][key] = json!("x");
        let e = package_in(dir, &c, &BuildHost::default())
            .unwrap_err()
            .to_string();
        assert!(
            e.contains(&format!("custom.pythonRequirements.{key}")),
            "{e}"
        );
        assert!(!dir.join(".serverless").exists());
    }
    // A per-function vendor folder is refused by its path.
    let mut c = config(dir, json!({}));
    c["functions"]["hello"]["vendor"] = json!("./v");
    let e = package_in(dir, &c, &BuildHost::default())
        .unwrap_err()
        .to_string();
    assert!(e.contains("functions.hello.vendor"), "{e}");
    assert!(!dir.join(".serverless").exists());
}

/// The plugin injects the requirements into zips sls does not build (a given `package.artifact`,
/// serverless-esbuild's service zip); sls refuses by path rather than deploy without them.
#[test]
fn given_artifacts_the_plugin_would_inject_into_are_refused_by_path() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("tinypkg\n"));
    write(dir, "given.zip", "not read");
    write(dir, "api.js", "exports.h = async () => 1;\n");
    let given_service = {
        let mut c = config(dir, json!({}));
        c["package"]["artifact"] = json!("given.zip");
        c
    };
    let given_function = {
        let mut c = config(dir, json!({}));
        c["package"]["individually"] = json!(true);
        c["functions"]["hello"]["package"] = json!({"artifact": "given.zip"});
        c
    };
    let esbuild_mixed = {
        let mut c = config(dir, json!({}));
        c["plugins"] = json!(["serverless-esbuild", "serverless-python-requirements"]);
        c["provider"]["runtime"] = json!("nodejs20.x");
        c["functions"]["hello"]["runtime"] = json!("python3.11");
        c["functions"]["api"] = json!({"handler": "api.h"});
        c
    };
    for (c, path) in [
        (given_service, "package.artifact"),
        (given_function, "functions.hello.package.artifact"),
        (esbuild_mixed.clone(), "package.individually"),
    ] {
        match package_in(dir, &c, &BuildHost::default()) {
            Err(DeployError::Config { path: p, .. }) => assert_eq!(p, path),
            other => panic!("{path}: {other:?}"),
        }
        assert!(!dir.join(".serverless").exists(), "nothing written: {path}");
        assert!(!dir.join(".esbuild").exists(), "nothing built: {path}");
    }
    // A Python function with its own artifact does not use serverless-esbuild's service zip.
    let mut c = esbuild_mixed.clone();
    c["functions"]["hello"]["package"] = json!({"artifact": "given.zip"});
    assert!(!matches!(
        package_in(dir, &c, &BuildHost::default()),
        Err(DeployError::Config { ref path, .. }) if path == "package.individually"
    ));
    // With a layer the plugin leaves the function zips alone, as sls does.
    let mut c = config(dir, json!({"layer": true}));
    c["package"]["artifact"] = json!("given.zip");
    assert!(!matches!(
        package_in(dir, &c, &BuildHost::default()),
        Err(DeployError::Config { ref path, .. }) if path == "package.artifact"
    ));
}

#[test]
fn individually_packaged_python_functions_get_the_requirements() {
    let host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("tinypkg\n"));
    write(dir, "index.js", "exports.h = 1;\n");
    let mut c = config(dir, json!({}));
    c["package"]["individually"] = json!(true);
    c["functions"]["node"] = json!({"handler": "index.h", "runtime": "nodejs20.x"});
    package_in(dir, &c, &host).unwrap();
    let py = zip_names(&dir.join(".serverless/hello.zip"));
    assert!(py.contains(&"tinypkg/__init__.py".to_string()), "{py:?}");
    let node = zip_names(&dir.join(".serverless/node.zip"));
    assert!(!node.iter().any(|x| x.starts_with("tinypkg")), "{node:?}");
}

/// A Node.js provider runtime with a Python function (e.g. beside serverless-esbuild): pip
/// runs for the Python function's runtime, not the provider's.
#[test]
fn mixed_service_installs_for_the_python_functions_runtime() {
    let host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("tinypkg\n"));
    write(dir, "index.js", "exports.h = 1;\n");
    for dockerize in [false, true] {
        let mut c = config(dir, json!({"dockerizePip": dockerize}));
        c["package"]["individually"] = json!(true);
        c["provider"]["runtime"] = json!("nodejs20.x");
        c["functions"]["hello"]["runtime"] = json!("python3.11");
        c["functions"]["node"] = json!({"handler": "index.h"});
        let pkg = package_in(dir, &c, &host).unwrap();
        assert!(
            !pkg.notices.iter().any(|n| n.contains("nodejs")),
            "{:?}",
            pkg.notices
        );
        let py = zip_names(&dir.join(".serverless/hello.zip"));
        assert!(py.contains(&"tinypkg/__init__.py".to_string()), "{py:?}");
    }
}

#[test]
fn slim_removes_dist_info_and_slim_patterns() {
    let host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("tinypkg\notherpkg\n"));
    let c = config(dir, json!({"slim": true, "slimPatterns": ["otherpkg/**"]}));
    package_in(dir, &c, &host).unwrap();
    let n = zip_names(&dir.join(".serverless/py.zip"));
    assert!(n.contains(&"tinypkg/__init__.py".to_string()), "{n:?}");
    assert!(!n.iter().any(|x| x.contains(".dist-info")), "{n:?}");
    assert!(!n.iter().any(|x| x.starts_with("otherpkg/")), "{n:?}");
    // Without slim the same requirements are a different cache entry, with dist-info.
    package_in(dir, &config(dir, json!({})), &host).unwrap();
    let n = zip_names(&dir.join(".serverless/py.zip"));
    assert!(n.iter().any(|x| x.contains(".dist-info")), "{n:?}");
}

fn which_in(name: &str, path: &str) -> Option<std::path::PathBuf> {
    std::env::split_paths(path)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A wheel with a platform tag (no real native code: the tag is what pip selects on).
fn platform_wheel(dir: &Path, name: &str, tag: &str, body: &str) {
    std::fs::create_dir_all(dir).unwrap();
    let file = std::fs::File::create(dir.join(format!("{name}-1.0-{tag}.whl"))).unwrap();
    let mut z = zip::ZipWriter::new(file);
    let o = zip::write::SimpleFileOptions::default();
    let di = format!("{name}-1.0.dist-info");
    let entries = [
        (format!("{name}/__init__.py"), body.to_string()),
        (
            format!("{di}/METADATA"),
            format!("Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n"),
        ),
        (
            format!("{di}/WHEEL"),
            format!(
                "Wheel-Version: 1.0\nGenerator: sls-test\nRoot-Is-Purelib: false\nTag: {tag}\n"
            ),
        ),
    ];
    let mut record = String::new();
    for (n, b) in &entries {
        z.start_file(n.as_str(), o).unwrap();
        z.write_all(b.as_bytes()).unwrap();
        record.push_str(&format!("{n},,\n"));
    }
    record.push_str(&format!("{di}/RECORD,,\n"));
    z.start_file(format!("{di}/RECORD"), o).unwrap();
    z.write_all(record.as_bytes()).unwrap();
    z.finish().unwrap();
}

#[test]
fn zip_true_ships_requirements_zip_and_a_working_helper() {
    let host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("tinypkg\n"));
    let c = config(dir, json!({"zip": true}));
    let r = package_in(dir, &c, &host).unwrap();
    let zip_path = dir.join(".serverless/py.zip");
    let n = zip_names(&zip_path);
    // In v3's order among the service files; the requirements themselves are not injected.
    assert_eq!(
        n,
        vec![
            ".requirements.zip",
            "handler.py",
            "requirements.txt",
            "unzip_requirements.py"
        ],
        "{:?}",
        r.notices
    );
    // Nothing is left in the service folder (the plugin writes and leaves files there).
    assert!(!dir.join(".requirements.zip").exists() && !dir.join("unzip_requirements.py").exists());
    let bytes = std::fs::read(&zip_path).unwrap();
    package_in(dir, &c, &host).unwrap();
    assert_eq!(std::fs::read(&zip_path).unwrap(), bytes, "byte-identical");

    // The helper, run as Lambda would (LAMBDA_TASK_ROOT), extracts and makes tinypkg importable.
    // Its fixed /tmp paths are replaced by this test's folder, so tests never share them.
    let root = dir.join("task");
    std::fs::create_dir_all(&root).unwrap();
    let mut a = zip::ZipArchive::new(std::fs::File::open(&zip_path).unwrap()).unwrap();
    a.extract(&root).unwrap();
    let helper = std::fs::read_to_string(root.join("unzip_requirements.py"))
        .unwrap()
        .replace("/tmp/", &format!("{}/", dir.join("lambda-tmp").display()));
    std::fs::create_dir_all(dir.join("lambda-tmp")).unwrap();
    std::fs::write(root.join("unzip_requirements.py"), helper).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import unzip_requirements, tinypkg; print(tinypkg.NAME)",
        ])
        .current_dir(&root)
        .env("LAMBDA_TASK_ROOT", &root)
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "tinypkg",
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir
        .join("lambda-tmp/sls-py-req/tinypkg/__init__.py")
        .is_file());
}

#[test]
fn layer_keeps_the_function_zip_free_and_uploads_the_layer() {
    let host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("tinypkg\n"));
    let mut c = config(
        dir,
        json!({"layer": {"retain": true, "allowedAccounts": ["*"]}}),
    );
    c["functions"]["hello"]["layers"] = json!([{"Ref": "PythonRequirementsLambdaLayer"}]);
    let r = package_in(dir, &c, &host).unwrap();
    assert_eq!(
        zip_names(&dir.join(".serverless/py.zip")),
        vec!["handler.py", "requirements.txt"]
    );
    let layer = zip_names(&dir.join(".serverless/pythonRequirements.zip"));
    assert_eq!(layer[0], "python/");
    assert!(layer.contains(&"python/tinypkg/".to_string()), "{layer:?}");
    assert!(
        layer.contains(&"python/tinypkg/__init__.py".to_string()),
        "{layer:?}"
    );
    let a = r
        .artifacts
        .iter()
        .find(|a| a.file_name == "pythonRequirements.zip")
        .expect("the layer zip is uploaded with the other artifacts");
    assert!(a.functions.is_empty());
    // retain: the logical id carries the hash output, and DeletionPolicy is Retain.
    let t = &r.update_template;
    let hash = t["Outputs"]["PythonRequirementsLambdaLayerHash"]["Value"]
        .as_str()
        .unwrap();
    assert_eq!(hash.len(), 40);
    let id = format!("PythonRequirementsLambdaLayer{hash}");
    assert_eq!(t["Resources"][&id]["DeletionPolicy"], "Retain");
    assert_eq!(
        t["Resources"][format!("PythonRequirementsWildLambdaLayerPermission{hash}")]["Properties"]
            ["LayerVersionArn"],
        json!({"Ref": id})
    );
    assert_eq!(
        t["Outputs"]["PythonRequirementsLambdaLayerQualifiedArn"]["Value"],
        json!({"Ref": id})
    );
    // Same inputs, same hash (the zip is deterministic).
    let again = package_in(dir, &c, &host).unwrap();
    assert_eq!(
        again.update_template["Outputs"]["PythonRequirementsLambdaLayerHash"]["Value"],
        hash
    );
    // No requirements: a clear error instead of a layer nobody can build.
    write(dir, "requirements.txt", "# nothing\n");
    let e = package_in(dir, &c, &host).unwrap_err().to_string();
    assert!(
        e.contains("custom.pythonRequirements.layer") && e.contains("no requirements"),
        "{e}"
    );
}

#[test]
fn dockerize_pip_installs_manylinux_wheels_for_the_architecture() {
    let host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("binpkg\ntinypkg\n"));
    let wheels = dir.join("wheels");
    platform_wheel(
        &wheels,
        "binpkg",
        "cp311-cp311-manylinux2014_x86_64",
        "ARCH = 'x86_64'\n",
    );
    platform_wheel(
        &wheels,
        "binpkg",
        "cp311-cp311-manylinux2014_aarch64",
        "ARCH = 'aarch64'\n",
    );
    platform_wheel(
        &wheels,
        "binpkg",
        "cp311-cp311-macosx_11_0_arm64",
        "ARCH = 'mac'\n",
    );
    let c = config(dir, json!({"dockerizePip": true}));
    let r = package_in(dir, &c, &host).unwrap();
    let zip_path = dir.join(".serverless/py.zip");
    assert_eq!(
        read_entry(&zip_path, "binpkg/__init__.py"),
        "ARCH = 'x86_64'\n"
    );
    assert!(
        zip_names(&zip_path).contains(&"tinypkg/__init__.py".to_string()),
        "pure wheels too"
    );
    let notice: Vec<_> = r
        .notices
        .iter()
        .filter(|n| n.contains("manylinux2014_x86_64"))
        .collect();
    assert_eq!(notice.len(), 1, "{:?}", r.notices);
    assert!(notice[0].contains("no Docker"), "{notice:?}");

    // A function of another architecture would get the wrong wheels: refused by its path.
    let mut mixed = c.clone();
    mixed["functions"]["hello"]["architecture"] = json!("arm64");
    let e = package_in(dir, &mixed, &host).unwrap_err().to_string();
    assert!(e.contains("functions.hello.architecture"), "{e}");

    let mut arm = c.clone();
    arm["provider"]["architecture"] = json!("arm64");
    let r = package_in(dir, &arm, &host).unwrap();
    assert_eq!(
        read_entry(&zip_path, "binpkg/__init__.py"),
        "ARCH = 'aarch64'\n"
    );
    assert!(
        r.notices[0].contains("manylinux2014_aarch64"),
        "{:?}",
        r.notices
    );

    // slim on arm64 wheels needs the aarch64 strip (the plugin strips inside its container);
    // a PATH without it gets an error naming the program and the option.
    let so_wheel = dir.join("so-wheels");
    platform_wheel(
        &so_wheel,
        "sopkg",
        "cp311-cp311-manylinux2014_aarch64",
        "X = 1\n",
    );
    {
        // A (fake) shared object, not listed in RECORD (pip installs it anyway).
        let path = so_wheel.join("sopkg-1.0-cp311-cp311-manylinux2014_aarch64.whl");
        let bytes = std::fs::read(&path).unwrap();
        let mut z = zip::ZipWriter::new_append(std::io::Cursor::new(bytes)).unwrap();
        z.start_file("sopkg/_native.so", zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b"\x7fELF not really").unwrap();
        std::fs::write(&path, z.finish().unwrap().into_inner()).unwrap();
    }
    let mut slim_arm = config(dir, json!({"dockerizePip": true, "slim": true}));
    slim_arm["custom"]["pythonRequirements"]["pipCmdExtraArgs"] =
        json!(["--no-index", format!("--find-links {}", so_wheel.display())]);
    slim_arm["provider"]["architecture"] = json!("arm64");
    write(dir, "requirements.txt", "sopkg\n");
    // (Skipped where an aarch64 binutils is installed.)
    if which_in("aarch64-linux-gnu-strip", host.path_var.as_deref().unwrap()).is_none() {
        let e = package_in(dir, &slim_arm, &host).unwrap_err().to_string();
        assert!(
            e.contains("custom.pythonRequirements.slim") && e.contains("`aarch64-linux-gnu-strip`"),
            "{e}"
        );
    }
    write(dir, "requirements.txt", "binpkg\ntinypkg\n");

    // A package published only as a source distribution: a clear error naming it, no zip,
    // no cache entry.
    let sdist = dir.join("srconly");
    write(
        &sdist,
        "setup.py",
        "from setuptools import setup\nsetup(name='srconly', version='1.0')\n",
    );
    let st = std::process::Command::new("tar")
        .args(["czf"])
        .arg(wheels.join("srconly-1.0.tar.gz"))
        .arg("-C")
        .arg(dir)
        .arg("srconly")
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::remove_dir_all(&sdist).unwrap();
    write(dir, "requirements.txt", "srconly\ntinypkg\n");
    std::fs::remove_dir_all(dir.join(".serverless")).unwrap();
    let e = package_in(dir, &c, &host).unwrap_err().to_string();
    assert!(
        e.contains("custom.pythonRequirements.dockerizePip")
            && e.contains("\"srconly\"")
            && e.contains("manylinux2014_x86_64 wheel for Python 3.11"),
        "{e}"
    );
    assert!(!zip_path.exists(), "no zip");
    let cache = dir.join(".serverless/requirements-cache");
    let leftovers: Vec<_> = std::fs::read_dir(&cache)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().to_string())
                .filter(|n| {
                    n.contains("slspyc") && !n.starts_with("download") || n.ends_with(".tmp")
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(leftovers.is_empty(), "nothing half-written: {leftovers:?}");
}

/// The interpreter check runs with the host's environment, not the process's (pyenv shims
/// read `PYENV_VERSION` from it): a `python3.11` that runs only with the host's environment is
/// the one pip runs with.
#[test]
fn the_interpreter_is_checked_with_the_hosts_environment() {
    let mut host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("tinypkg\n"));
    let bin = dir.join("bin");
    fake_tool(
        &bin,
        "python3.11",
        "[ \"$SLS_TEST_HOST_ONLY\" = 1 ] || exit 1\nexec python3 \"$@\"\n",
    );
    host.path_var = Some(format!(
        "{}:{}",
        bin.display(),
        host.path_var.as_deref().unwrap_or_default()
    ));
    host.env.insert("SLS_TEST_HOST_ONLY".into(), "1".into());
    let pkg = package_in(dir, &config(dir, json!({})), &host).unwrap();
    assert!(
        !pkg.notices.iter().any(|n| n.contains("not on PATH")),
        "{:?}",
        pkg.notices
    );
    assert!(std::fs::read_to_string(bin.join("python3.11.calls"))
        .unwrap()
        .contains("-m pip install"));
}

/// A fake `pipenv` / `poetry` on PATH: records its arguments and prints requirements. (The real
/// tools are too heavy to install for every CI run; the export step is what sls owns.)
fn fake_tool(bin: &Path, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::create_dir_all(bin).unwrap();
    let p = bin.join(name);
    std::fs::write(
        &p,
        format!("#!/bin/sh\necho \"$@\" >> \"$(dirname \"$0\")/{name}.calls\"\n{script}"),
    )
    .unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
}

#[test]
fn pipenv_and_poetry_projects_are_exported_first() {
    let mut host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("otherpkg\n"));
    let bin = dir.join("bin");
    let base_path = host.path_var.clone().unwrap();
    host.path_var = Some(format!("{}:{base_path}", bin.display()));

    // Pipfile: `pipenv requirements` replaces requirements.txt (with -e stripped).
    write(dir, "Pipfile", "[packages]\ntinypkg = '*'\n");
    fake_tool(
        &bin,
        "pipenv",
        "case \"$1\" in --version) echo 'pipenv, version 2023.10.3';; requirements) echo '-i https://pypi.org/simple'; echo 'tinypkg==1.0';; esac\n",
    );
    package_in(dir, &config(dir, json!({})), &host).unwrap();
    let n = zip_names(&dir.join(".serverless/py.zip"));
    assert!(n.contains(&"tinypkg/__init__.py".to_string()), "{n:?}");
    assert!(!n.iter().any(|x| x.starts_with("otherpkg/")), "{n:?}");
    let calls = std::fs::read_to_string(bin.join("pipenv.calls")).unwrap();
    assert_eq!(calls, "--version\nrequirements\n");
    // usePipenv: false uses requirements.txt.
    package_in(dir, &config(dir, json!({"usePipenv": false})), &host).unwrap();
    assert!(
        zip_names(&dir.join(".serverless/py.zip")).contains(&"otherpkg/__init__.py".to_string())
    );
    std::fs::remove_file(dir.join("Pipfile")).unwrap();

    // Poetry project: `poetry export … -o <file>` with the groups.
    write(
        dir,
        "pyproject.toml",
        "[tool.poetry]\nname = 'x'\n[build-system]\nrequires = [\"poetry-core\"]\n",
    );
    fake_tool(
        &bin,
        "poetry",
        "while [ $# -gt 0 ]; do if [ \"$1\" = -o ]; then printf 'otherpkg==1.0\\n-e tinypkg\\n' > \"$2\"; fi; shift; done\n",
    );
    package_in(
        dir,
        &config(dir, json!({"poetryWithGroups": ["extra"]})),
        &host,
    )
    .unwrap();
    let n = zip_names(&dir.join(".serverless/py.zip"));
    assert!(
        n.contains(&"tinypkg/__init__.py".to_string())
            && n.contains(&"otherpkg/__init__.py".to_string()),
        "{n:?}"
    );
    let calls = std::fs::read_to_string(bin.join("poetry.calls")).unwrap();
    assert!(
        calls.starts_with("export --without-hashes -f requirements.txt -o ")
            && calls
                .trim_end()
                .ends_with("--with-credentials --with=extra"),
        "{calls}"
    );
    // requirePoetryLockFile without poetry.lock: refused by name.
    let e = package_in(
        dir,
        &config(dir, json!({"requirePoetryLockFile": true})),
        &host,
    )
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("custom.pythonRequirements.requirePoetryLockFile"),
        "{e}"
    );

    // The tool missing from PATH: a clear error naming it and the option.
    std::fs::remove_file(bin.join("poetry")).unwrap();
    host.path_var = Some(format!("{}:/nonexistent", bin.display()));
    let e = package_in(dir, &config(dir, json!({})), &host)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("`poetry`") && e.contains("custom.pythonRequirements.usePoetry"),
        "{e}"
    );
}

#[test]
fn vendor_and_use_static_cache_false() {
    let host = host();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    service(dir, Some("tinypkg\n"));
    write(dir, "vendor/vendored.py", "V = 1\n");
    write(dir, "vendor/tinypkg/extra.py", "E = 1\n");
    let mut c = config(dir, json!({"vendor": "./vendor"}));
    c["package"]["patterns"] = json!(["!wheels/**", "!vendor/**"]);
    let r = package_in(dir, &c, &host).unwrap();
    let n = zip_names(&dir.join(".serverless/py.zip"));
    for f in [
        "vendored.py",
        "tinypkg/extra.py",
        "tinypkg/__init__.py",
        ".completed_requirements",
    ] {
        assert!(n.contains(&f.to_string()), "{f}: {n:?} {:?}", r.notices);
    }
    // Without the static cache, pip runs every time and there is no .completed_requirements.
    let c = config(dir, json!({"useStaticCache": false}));
    for _ in 0..2 {
        let r = package_in(dir, &c, &host).unwrap();
        assert!(!r.notices[0].contains("cached"), "{:?}", r.notices);
        let n = zip_names(&dir.join(".serverless/py.zip"));
        assert!(n.contains(&"tinypkg/__init__.py".to_string()), "{n:?}");
        assert!(!n.contains(&".completed_requirements".to_string()), "{n:?}");
    }
    // A missing vendor folder is an error naming the option.
    let e = package_in(dir, &config(dir, json!({"vendor": "nope"})), &host)
        .unwrap_err()
        .to_string();
    assert!(e.contains("custom.pythonRequirements.vendor"), "{e}");
}
