//! The built-in serverless-plugin-typescript and serverless-plugin-include-dependencies, and the
//! serverless-webpack (now a hosted plugin), through the `sls` binary. The services
//! are the sls-deploy fixtures recorded from v3 (tests/fixtures/plugin-*); typescript comes from
//! tools/node (scripts/setup-node-tools.sh); no network.

use crate::common;

use std::path::{Path, PathBuf};

use common::{copy_dir, deploy_fixture, Sls};

fn fixture(case: &str) -> PathBuf {
    deploy_fixture(case).join("service")
}

fn typescript() -> PathBuf {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/node/node_modules/typescript");
    assert!(
        dir.join("bin/tsc").is_file(),
        "typescript is not installed in {}: run scripts/setup-node-tools.sh",
        dir.display()
    );
    dir.canonicalize().unwrap()
}

fn sls_with(case: &str, link_typescript: bool) -> Sls {
    let mut sls = Sls::new();
    copy_dir(&fixture(case), &sls.cwd);
    if link_typescript {
        std::os::unix::fs::symlink(typescript(), sls.cwd.join("node_modules/typescript")).unwrap();
    }
    sls.env("AWS_ACCESS_KEY_ID", "AKIAEXAMPLE")
        .env("AWS_SECRET_ACCESS_KEY", "secret");
    sls
}

#[test]
fn typescript_package_then_invoke_local_runs_the_compiled_handler() {
    let sls = sls_with("plugin-typescript", true);
    let run = sls.run(&["package"]).ok();
    assert!(
        run.stderr
            .lines()
            .any(|l| l
                == "Using sls's built-in serverless-plugin-typescript: tsc 5.9.3, tsconfig.json"),
        "{}",
        run.stderr
    );
    assert!(sls.cwd.join(".serverless/tsplug.zip").is_file());
    assert!(!sls.cwd.join(".build").exists());

    let run = sls
        .run(&["invoke", "local", "-f", "hello", "-d", r#"{"name":"cli"}"#])
        .ok();
    // `compiled` is true only when the handler runs from the compiled .js in .build, and the
    // greeting comes from config/settings.json, which the plugin copies there.
    assert_eq!(
        run.json(),
        serde_json::json!({"message": "HELLO, CLI!", "compiled": true}),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("Using sls's built-in serverless-plugin-typescript: tsc 5.9.3"),
        "{}",
        run.stderr
    );
    // As with the plugin, .build stays after invoke local, with node_modules linked.
    assert!(sls.cwd.join(".build/src/handler.js").is_file());
    assert!(sls
        .cwd
        .join(".build/node_modules/tiny-dep/index.js")
        .is_file());
}

#[test]
fn typescript_not_installed_is_a_clear_error_for_package_and_invoke() {
    let sls = sls_with("plugin-typescript", false);
    let run = sls.run(&["package"]).failed(1);
    assert!(
        run.stderr.contains("not installed")
            && run.stderr.contains("npm install --save-dev typescript"),
        "{}",
        run.stderr
    );
    assert!(!sls.cwd.join(".serverless").exists());
    let run = sls.run(&["invoke", "local", "-f", "hello"]).failed(1);
    assert!(run.stderr.contains("not installed"), "{}", run.stderr);
}

#[test]
fn include_dependencies_packages_only_the_required_package() {
    let sls = sls_with("plugin-include-dependencies", false);
    let run = sls.run(&["package"]).ok();
    assert!(
        run.stderr
            .contains("Using sls's built-in serverless-plugin-include-dependencies"),
        "{}",
        run.stderr
    );
    // Entry names are stored uncompressed in a zip's headers.
    let bytes = std::fs::read(sls.cwd.join(".serverless/incdeps.zip")).unwrap();
    let has = |name: &str| bytes.windows(name.len()).any(|w| w == name.as_bytes());
    assert!(has("node_modules/used-pkg/lib/index.js"));
    assert!(has("handler.js"));
    assert!(!has("node_modules/unused-pkg/"));
}

#[test]
fn webpack_runs_through_the_plugin_host_and_must_be_installed() {
    // serverless-webpack is no longer refused: it is loaded from the service like any plugin
    // (tests/it/plugin_host.rs runs it against v3's output); here it is not installed.
    let sls = Sls::new();
    sls.file(
        "serverless.yml",
        "service: wp\nprovider:\n  name: aws\n  runtime: nodejs20.x\nplugins:\n  - serverless-webpack\ncustom:\n  webpack:\n    webpackConfig: ./webpack.prod.js\nfunctions:\n  a:\n    handler: h.a\n",
    );
    sls.file("h.js", "exports.a = async () => 1;\n");
    let run = sls.run(&["package"]).failed(1);
    assert!(
        run.stderr
            .contains("Serverless plugin \"serverless-webpack\" not found"),
        "{}",
        run.stderr
    );
    assert!(!sls.cwd.join(".serverless").exists());
}

#[test]
fn typescript_and_esbuild_together_are_refused_for_package_and_invoke() {
    let sls = sls_with("plugin-typescript", true);
    let yml = std::fs::read_to_string(sls.cwd.join("serverless.yml")).unwrap();
    sls.file(
        "serverless.yml",
        &yml.replace(
            "  - serverless-plugin-typescript\n",
            "  - serverless-plugin-typescript\n  - serverless-esbuild\n",
        ),
    );
    for args in [&["package"][..], &["invoke", "local", "-f", "hello"][..]] {
        let run = sls.run(args).failed(1);
        assert!(
            run.stderr
                .contains("both serverless-plugin-typescript and serverless-esbuild"),
            "{args:?}: {}",
            run.stderr
        );
    }
    assert!(!sls.cwd.join(".serverless").exists());
    assert!(!sls.cwd.join(".build").exists() && !sls.cwd.join(".esbuild").exists());
}
