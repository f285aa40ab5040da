//! Packaging: byte-identical zips across runs and copies, v3's default excludes, dev
//! dependencies, modes and timestamps, and the errors a user can hit.

use std::path::Path;
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};
use sls_deploy::{package, DeployError, PackageInput, PackageResult};

fn write(dir: &Path, rel: &str, body: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

fn sample_service(dir: &Path) {
    write(dir, "serverless.yml", "service: demo\n");
    write(dir, "handler.js", "exports.handler = async () => 'hi';\n");
    write(dir, "lib/util.js", &"x".repeat(10_000));
    write(dir, "lib/deep/a/b/c.txt", "deep");
    write(dir, "empty.txt", "");
    write(dir, "bin/run.sh", "#!/bin/sh\necho hi\n");
    write(dir, ".git/config", "[core]");
    write(dir, ".DS_Store", "junk");
    write(dir, "npm-debug.log", "log");
    write(dir, "yarn-error.log", "log");
    write(dir, ".serverless_plugins/p.js", "p");
    write(
        dir,
        "package.json",
        r#"{"dependencies":{"left-pad":"1"},"devDependencies":{"jest":"1"}}"#,
    );
    write(
        dir,
        "node_modules/left-pad/package.json",
        r#"{"name":"left-pad"}"#,
    );
    write(dir, "node_modules/left-pad/index.js", "module.exports = 1;");
    write(
        dir,
        "node_modules/jest/package.json",
        r#"{"name":"jest","bin":"cli.js"}"#,
    );
    write(dir, "node_modules/jest/cli.js", "cli");
    write(dir, "node_modules/.bin/jest", "link");
    for i in 0..200 {
        write(
            dir,
            &format!("data/file{i:03}.json"),
            &format!("{{\"n\": {i}}}"),
        );
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            dir.join("bin/run.sh"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
}

fn config() -> Value {
    json!({
        "service": "demo",
        "provider": {"name": "aws", "runtime": "nodejs20.x"},
        "functions": {"hello": {"handler": "handler.handler"}}
    })
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

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), &target).unwrap();
        }
    }
}

fn touch_all(dir: &Path, when: SystemTime) {
    for e in std::fs::read_dir(dir).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            touch_all(&e.path(), when);
        } else {
            let f = std::fs::OpenOptions::new()
                .write(true)
                .open(e.path())
                .unwrap();
            f.set_modified(when).unwrap();
        }
    }
}

#[test]
fn zips_are_byte_identical_across_runs_and_copies() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    sample_service(&a);
    let first = run(&a, &config()).unwrap();
    let zip = a.join(".serverless/demo.zip");
    let bytes1 = std::fs::read(&zip).unwrap();
    let second = run(&a, &config()).unwrap();
    assert_eq!(bytes1, std::fs::read(&zip).unwrap(), "second run differs");
    assert_eq!(first.artifacts[0].sha256, second.artifacts[0].sha256);

    let b = t.path().join("b");
    copy_dir(&a, &b);
    std::fs::remove_dir_all(b.join(".serverless")).unwrap();
    touch_all(&b, SystemTime::now() + Duration::from_secs(86_400 * 400));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(b.join("bin/run.sh"), std::fs::Permissions::from_mode(0o755))
            .unwrap();
    }
    let third = run(&b, &config()).unwrap();
    assert_eq!(
        bytes1,
        std::fs::read(b.join(".serverless/demo.zip")).unwrap(),
        "copy differs"
    );
    assert_eq!(first.artifacts[0].sha256, third.artifacts[0].sha256);
    // CodeSha256 = base64(sha256(zip)).
    assert_eq!(
        first.artifacts[0].sha256,
        sls_deploy::sha256_file(&zip).unwrap()
    );
}

#[test]
fn zip_entries_follow_v3_rules() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    sample_service(d);
    run(d, &config()).unwrap();
    let mut z =
        zip::ZipArchive::new(std::fs::File::open(d.join(".serverless/demo.zip")).unwrap()).unwrap();
    let mut names = Vec::new();
    for i in 0..z.len() {
        let f = z.by_index(i).unwrap();
        names.push(f.name().unwrap().to_string());
        let dt = f.last_modified().unwrap();
        assert_eq!(
            (dt.year(), dt.month(), dt.day(), dt.hour(), dt.minute()),
            (1980, 1, 1, 0, 0)
        );
        let mode = f.unix_mode().unwrap() & 0o777;
        if f.name().unwrap() == "bin/run.sh" {
            assert_eq!(mode, 0o755);
        } else {
            assert_eq!(mode, 0o644, "{}", f.name().unwrap());
        }
    }
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "entries are sorted");
    for gone in [
        "serverless.yml",
        ".git/config",
        ".DS_Store",
        "npm-debug.log",
        "yarn-error.log",
        ".serverless_plugins/p.js",
        "node_modules/jest/cli.js",
        "node_modules/jest/package.json",
        "node_modules/.bin/jest",
    ] {
        assert!(
            !names.contains(&gone.to_string()),
            "{gone} must be excluded"
        );
    }
    for kept in [
        "handler.js",
        "empty.txt",
        "lib/deep/a/b/c.txt",
        "node_modules/left-pad/index.js",
        "package.json",
    ] {
        assert!(names.contains(&kept.to_string()), "{kept} must be included");
    }
    assert_eq!(names.len(), 208);
}

#[test]
fn patterns_individually_and_artifact_dir_name() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path();
    sample_service(d);
    let cfg = json!({
        "service": "demo",
        "provider": {"name": "aws", "deploymentPrefix": "deploys"},
        "package": {"individually": true, "patterns": ["!data/**", "data/file007.json"], "excludeDevDependencies": false},
        "functions": {
            "a": {"handler": "handler.a", "package": {"patterns": ["!lib/**"]}},
            "b": {"handler": "handler.b"}
        }
    });
    let at = SystemTime::UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
    let r = package(&PackageInput {
        service_dir: d,
        config: &cfg,
        stage: "prod",
        region: "eu-west-1",
        out_dir: &d.join(".serverless"),
        config_file_name: None,
        timestamp: Some(at),
    })
    .unwrap();
    assert_eq!(
        r.artifact_directory_name,
        "deploys/demo/prod/1700000000123-2023-11-14T22:13:20.123Z"
    );
    let names = |f: &str| -> Vec<String> {
        let mut z =
            zip::ZipArchive::new(std::fs::File::open(d.join(".serverless").join(f)).unwrap())
                .unwrap();
        (0..z.len())
            .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
            .collect()
    };
    let a = names("a.zip");
    let b = names("b.zip");
    assert!(a.contains(&"data/file007.json".to_string()));
    assert!(!a.contains(&"data/file008.json".to_string()));
    assert!(!a.iter().any(|n| n.starts_with("lib/")));
    assert!(b.iter().any(|n| n.starts_with("lib/")));
    // excludeDevDependencies: false keeps them.
    assert!(b.contains(&"node_modules/jest/cli.js".to_string()));
    assert_eq!(
        r.update_template["Resources"]["ALambdaFunction"]["Properties"]["Code"]["S3Key"],
        json!("deploys/demo/prod/1700000000123-2023-11-14T22:13:20.123Z/a.zip")
    );
}

#[test]
fn events_are_rejected_clearly() {
    let t = tempfile::tempdir().unwrap();
    sample_service(t.path());
    let cfg = json!({
        "service": "demo",
        "provider": {"name": "aws"},
        "functions": {"hello": {"handler": "h.h", "events": [{"lambdaEdge": {"eventType": "viewer-request"}}]}}
    });
    let err = run(t.path(), &cfg).unwrap_err();
    assert!(matches!(err, DeployError::UnsupportedEvent { .. }));
    assert_eq!(
        err.to_string(),
        "Function \"hello\": event type \"lambdaEdge\" is not supported yet."
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let t = tempfile::tempdir().unwrap();
    sample_service(t.path());
    for (cfg, needle) in [
        (json!([]), "must be an object"),
        (json!({"provider": {}}), "service"),
        (
            json!({"service": "s", "functions": {"f": {}}}),
            "functions.f.handler",
        ),
        (
            json!({"service": "s", "functions": {"f": {"handler": "h", "environment": []}}}),
            "functions.f.environment",
        ),
        (
            json!({"service": "s", "package": {"patterns": ["a["]}, "functions": {"f": {"handler": "h"}}}),
            "invalid pattern",
        ),
        (
            json!({"service": "s", "package": {"patterns": ["!**"]}, "functions": {"f": {"handler": "h"}}}),
            "No file matches",
        ),
        (
            json!({"service": "s", "functions": {"f": {"handler": "h", "package": {"artifact": "missing.zip"}}}}),
            "missing.zip",
        ),
    ] {
        let err = run(t.path(), &cfg).unwrap_err().to_string();
        assert!(err.contains(needle), "{err} should mention {needle}");
    }
}

/// Bad input found while deciding the zips (an invalid or empty pattern selection, a missing
/// given artifact) leaves the previous package in `.serverless/` as it was.
#[test]
fn a_failed_package_leaves_the_previous_one_in_place() {
    let t = tempfile::tempdir().unwrap();
    sample_service(t.path());
    run(t.path(), &config()).unwrap();
    let out = t.path().join(".serverless");
    let snapshot = || {
        let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(&out)
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
    let before = snapshot();
    assert!(before.iter().any(|(n, _)| n == "demo.zip"));
    for (key, value) in [
        ("patterns", json!(["a["])),
        ("patterns", json!(["!**"])),
        ("artifact", json!("missing.zip")),
    ] {
        let mut c = config();
        c["functions"]["hello"]["package"] = json!({ key: value });
        c["package"] = json!({"individually": true});
        run(t.path(), &c).unwrap_err();
        assert_eq!(snapshot(), before, "{key}: {value}");
    }
}
