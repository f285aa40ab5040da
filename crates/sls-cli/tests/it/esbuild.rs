//! The built-in serverless-esbuild through the `sls` binary: a TypeScript service (the
//! sls-deploy fixture recorded from v3, tests/fixtures/esbuild) packages, runs through
//! `sls invoke local` from the bundle, and deploys to moto; esbuild missing is a clear error.
//! esbuild comes from tools/node (scripts/setup-node-tools.sh); no network.

use crate::common;

use std::path::{Path, PathBuf};

use common::{copy_dir, deploy_fixture, get_function, Sls};
use sls_testkit::MotoServer;

fn fixture() -> PathBuf {
    deploy_fixture("esbuild/service")
}

fn node_modules() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/node/node_modules");
    assert!(
        dir.join("esbuild/package.json").is_file(),
        "esbuild is not installed in {}: run scripts/setup-node-tools.sh",
        dir.display()
    );
    dir.canonicalize().unwrap()
}

/// The fixture in the runner's working directory, with fake keys.
fn sls_with_service(link_modules: bool) -> Sls {
    let mut sls = Sls::new();
    copy_dir(&fixture(), &sls.cwd);
    if link_modules {
        std::os::unix::fs::symlink(node_modules(), sls.cwd.join("node_modules")).unwrap();
    }
    sls.env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret");
    sls
}

#[test]
fn package_then_invoke_local_runs_the_bundle() {
    let sls = sls_with_service(true);
    let run = sls.run(&["package"]).ok();
    assert!(
        run.stderr.lines().any(|l| l
            == "Using sls's built-in serverless-esbuild: esbuild 0.25.12, target node20, 2 bundles, one zip per function"),
        "{}",
        run.stderr
    );
    assert!(sls.cwd.join(".serverless/hello.zip").is_file());
    assert!(sls.cwd.join(".serverless/other.zip").is_file());
    assert!(!sls.cwd.join(".esbuild").exists());

    let run = sls
        .run(&["invoke", "local", "-f", "hello", "-d", r#"{"name":"cli"}"#])
        .ok();
    let out: serde_json::Value = run.json();
    // `flavour` comes from custom.esbuild.define: only the bundle has it.
    assert_eq!(
        out,
        serde_json::json!({"message": "hello cli", "flavour": "bundled"}),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "Using sls's built-in serverless-esbuild: esbuild 0.25.12, target node20, 1 bundle"
        ),
        "{}",
        run.stderr
    );
    // As the plugin does, the handler ran from the build folder, which stays.
    assert!(sls.cwd.join(".esbuild/.build/src/hello.js").is_file());
    assert!(!sls.cwd.join(".esbuild/.build/src/other.js").exists());

    let run = sls
        .run(&["invoke", "local", "-f", "other", "-d", r#"{"n":5}"#])
        .ok();
    assert_eq!(run.json()["other"], "hello 5", "{}", run.stderr);

    // A later package does not pick up the invoke's build folder.
    sls.run(&["package"]).ok();
    assert!(!sls.cwd.join(".esbuild").exists());
}

#[test]
fn esbuild_not_installed_stops_package_and_invoke() {
    let sls = sls_with_service(false);
    let run = sls.run(&["package"]).failed(1);
    assert!(
        run.stderr.contains("`esbuild` is not installed in"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("npm install --save-dev esbuild"),
        "{}",
        run.stderr
    );
    assert!(!sls.cwd.join(".serverless").exists());
    assert!(!sls.cwd.join(".esbuild").exists());
    let run = sls.run(&["invoke", "local", "-f", "hello"]).failed(1);
    assert!(
        run.stderr.contains("`esbuild` is not installed in"),
        "{}",
        run.stderr
    );
}

#[test]
fn deploys_the_bundles_to_moto() {
    let moto = MotoServer::start();
    let mut sls = sls_with_service(true);
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint());
    let run = sls.run(&["deploy"]).ok();
    assert!(run.stdout.contains("esb-dev-hello"), "{}", run.all());
    for (f, handler) in [("hello", "src/hello.handler"), ("other", "src/other.main")] {
        let v = get_function(&moto, &format!("esb-dev-{f}"));
        let body = v.to_string();
        let c = &v["Configuration"];
        assert_eq!(c["Handler"], handler, "{body}");
        assert_eq!(c["Runtime"], "nodejs20.x", "{body}");
        // The deployed code is the bundle zip sls wrote.
        let size = std::fs::metadata(sls.cwd.join(format!(".serverless/{f}.zip")))
            .unwrap()
            .len();
        assert_eq!(c["CodeSize"].as_u64(), Some(size), "{body}");
    }
    sls.run(&["remove"]).ok();
}
