//! The plugin policy and `useDotenv` through the `sls` binary (no AWS: `package` and `print`
//! of services without AWS variables).

use std::path::Path;
use std::process::{Command, Output};

fn sls(dir: &Path, home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sls"));
    cmd.args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("AWS_EC2_METADATA_DISABLED", "true");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("sls runs")
}

fn service(plugins: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let list: String = plugins.iter().map(|p| format!("  - {p}\n")).collect();
    std::fs::write(
        dir.path().join("serverless.yml"),
        format!("service: plugins\nprovider:\n  name: aws\n  runtime: nodejs18.x\nplugins:\n{list}functions:\n  hello:\n    handler: handler.hello\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("handler.js"),
        "exports.hello = async () => ({});\n",
    )
    .unwrap();
    dir
}

#[test]
fn local_only_plugins_are_skipped_with_one_notice() {
    let home = tempfile::tempdir().unwrap();
    let dir = service(&["serverless-offline", "serverless-dynamodb-local"]);
    let out = sls(dir.path(), home.path(), &["package"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let notices: Vec<&str> = stderr.lines().filter(|l| l.contains("skipped:")).collect();
    assert_eq!(notices.len(), 1, "{stderr}");
    assert!(
        notices[0].contains("serverless-offline")
            && notices[0].contains("serverless-dynamodb-local")
    );
    assert!(dir.path().join(".serverless/plugins.zip").exists());
}

#[test]
fn other_plugins_run_through_the_host_or_are_ignored_by_name() {
    let home = tempfile::tempdir().unwrap();
    let dir = service(&["serverless-offline", "serverless-step-functions"]);
    // Not installed in the service: named, with how to install it, before anything is written.
    let out = sls(dir.path(), home.path(), &["package"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Serverless plugin \"serverless-step-functions\" not found")
            && stderr.contains("npm install --save-dev serverless-step-functions"),
        "{stderr}"
    );
    assert!(!dir.path().join(".serverless").exists());

    let args = ["package", "--ignore-plugin", "serverless-step-functions"];
    let out = sls(dir.path(), home.path(), &args, &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("serverless-step-functions (--ignore-plugin)")
            && stderr.contains("serverless-offline (emulates API Gateway and Lambda locally)"),
        "{stderr}"
    );

    // print only resolves variables: no policy.
    let out = sls(dir.path(), home.path(), &["print"], &[]);
    assert!(out.status.success());
}

#[test]
fn use_dotenv_loads_the_stage_file_without_overriding() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("serverless.yml"),
        "service: dotenv\nuseDotenv: true\nprovider:\n  name: aws\ncustom:\n  a: ${env:A}\n  b: ${env:B}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "A=from-env-file\nB=from-env-file\n",
    )
    .unwrap();
    std::fs::write(dir.path().join(".env.prod"), "A=from-prod\nB=from-prod\n").unwrap();
    let args = ["print", "--format", "json", "--path", "custom"];
    let out = sls(dir.path(), home.path(), &args, &[("B", "from-shell")]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("\"a\": \"from-env-file\"") && stdout.contains("\"b\": \"from-shell\""),
        "{stdout}"
    );
    let args = [
        "print", "--format", "json", "--path", "custom", "--stage", "prod",
    ];
    let out = sls(dir.path(), home.path(), &args, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("\"a\": \"from-prod\""), "{stdout}");
}

#[test]
fn schema_warnings_go_to_stderr() {
    let home = tempfile::tempdir().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("serverless.yml"),
        "service: warn\nprovider:\n  name: aws\n  colour: blue\n",
    )
    .unwrap();
    let out = sls(dir.path(), home.path(), &["print"], &[]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("Warning: Invalid configuration encountered\n  at 'provider': unrecognized property 'colour'"), "{stderr}");
}
