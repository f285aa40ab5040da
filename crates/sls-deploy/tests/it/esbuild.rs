//! The built-in serverless-esbuild with the real esbuild (pinned in tools/node, installed by
//! scripts/setup-node-tools.sh) and node, against a recording of v3 with the real plugin
//! (tests/fixtures/esbuild, scripts/record-v3-esbuild.sh).
//!
//! Documented differences from the recording:
//! - zip entry order: v3 + plugin writes entries in globby's walk order; sls sorts them like
//!   every sls zip (v3's `localeCompare` order), so entry lists are compared sorted;
//! - zip bytes (timestamps, modes, compression) differ, so templates are compared without
//!   `CodeSha256`, the version digests and the timestamped S3 folder (corpus::normalise);
//! - the bundles themselves are compared byte for byte, which holds while the recording's esbuild
//!   (0.25.12) is the one pinned in tools/node; with another esbuild, compare names and that the
//!   bundle runs, not bytes;
//! - serverless-state.json: the plugin rewrites `functions.<fn>.package` to `{artifact}`; sls
//!   keeps the configuration as written.

use crate::corpus;
use sls_hint::Hint;

use std::path::{Path, PathBuf};
use std::process::Command;

use corpus::{
    build_host, copy_dir, fixtures, normalise, package_in, read_json, zip_entry, zip_names,
};
use serde_json::{json, Value};
use sls_deploy::{BuildHost, DeployError};

/// tools/node/node_modules, with esbuild in it (the tests need it; no skipping).
fn node_modules() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/node/node_modules");
    assert!(
        dir.join("esbuild/package.json").is_file(),
        "esbuild is not installed in {}: run scripts/setup-node-tools.sh",
        dir.display()
    );
    dir.canonicalize().unwrap()
}

/// The fixture service in a temp folder, with node_modules linked to tools/node.
fn service(link_modules: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join("esbuild/service"), tmp.path());
    if link_modules {
        std::os::unix::fs::symlink(node_modules(), tmp.path().join("node_modules")).unwrap();
    }
    tmp
}

fn config() -> Value {
    read_json(&fixtures().join("esbuild/config.json"))
}

fn sorted_lines(p: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// Unzips `zip_path` into a temp folder and runs `code` there with node; returns stdout.
fn run_in_node(zip_path: &Path, code: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut a = zip::ZipArchive::new(std::fs::File::open(zip_path).unwrap()).unwrap();
    a.extract(dir.path()).unwrap();
    let out = Command::new("node")
        .args(["-e", code])
        .current_dir(dir.path())
        .output()
        .expect("node runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A recorded file, or `None` for the zips' entry lists and bundles.
fn v3(variant: &str, file: &str) -> PathBuf {
    fixtures().join("esbuild/v3").join(variant).join(file)
}

#[test]
fn individually_matches_v3_with_the_plugin_and_the_bundles_run() {
    let tmp = service(true);
    let dir = tmp.path();
    let c = config();
    let pkg = package_in(dir, &c, &build_host()).unwrap();
    assert_eq!(
        pkg.notices[0],
        "Using sls's built-in serverless-esbuild: esbuild 0.25.12, target node20, 2 bundles, one zip per function"
    );
    let out = dir.join(".serverless");
    for f in ["hello", "other"] {
        let zip = out.join(format!("{f}.zip"));
        assert_eq!(
            sorted(zip_names(&zip)),
            sorted_lines(&v3("individually", &format!("{f}.zip.list"))),
            "{f}.zip entries"
        );
        // Same esbuild as the recording: the bundles are byte-identical.
        assert_eq!(
            zip_entry(&zip, &format!("src/{f}.js")),
            std::fs::read(v3("individually", &format!("bundles/src/{f}.js"))).unwrap(),
            "src/{f}.js"
        );
    }
    assert_eq!(
        zip_entry(&out.join("hello.zip"), "src/hello.js.map"),
        std::fs::read(v3("individually", "bundles/src/hello.js.map")).unwrap()
    );
    // The template changes only where the zips differ.
    assert_eq!(
        normalise(&pkg.update_template),
        normalise(&read_json(&v3(
            "individually",
            "cloudformation-template-update-stack.json"
        )))
    );
    assert_eq!(
        pkg.update_template["Resources"]["HelloLambdaFunction"]["Properties"]["Handler"],
        json!("src/hello.handler"),
        "the handler path is not rewritten"
    );
    // The handlers load and run from the zips under node, with `define` applied.
    let got = run_in_node(
        &out.join("hello.zip"),
        "require('./src/hello.js').handler({name:'zip'}).then(r => console.log(JSON.stringify(r)))",
    );
    assert_eq!(got, r#"{"message":"hello zip","flavour":"bundled"}"#);
    let got = run_in_node(
        &out.join("other.zip"),
        "require('./src/other.js').main({n:2}).then(r => console.log(JSON.stringify(r)))",
    );
    assert_eq!(got, r#"{"other":"hello 2","typeofClient":"function"}"#);
    // The excluded SDK stays a runtime require, not bundled.
    let other = String::from_utf8(zip_entry(&out.join("other.zip"), "src/other.js")).unwrap();
    assert!(other.contains("require(\"@aws-sdk/client-s3\")"), "{other}");
    // The work folder is removed, as the plugin's cleanup does; zips are byte-deterministic.
    assert!(!dir.join(".esbuild").exists());
    let first = std::fs::read(out.join("hello.zip")).unwrap();
    package_in(dir, &c, &build_host()).unwrap();
    assert_eq!(std::fs::read(out.join("hello.zip")).unwrap(), first);
}

#[test]
fn service_zip_matches_v3_with_the_plugin() {
    let tmp = service(true);
    let dir = tmp.path();
    let mut c = config();
    c["package"]["individually"] = json!(false);
    let pkg = package_in(dir, &c, &build_host()).unwrap();
    assert_eq!(
        pkg.notices[0],
        "Using sls's built-in serverless-esbuild: esbuild 0.25.12, target node20, 2 bundles"
    );
    assert_eq!(pkg.artifacts.len(), 1);
    let zip = dir.join(".serverless/esb.zip");
    assert_eq!(
        sorted(zip_names(&zip)),
        sorted_lines(&v3("service", "esb.zip.list"))
    );
    assert_eq!(
        normalise(&pkg.update_template),
        normalise(&read_json(&v3(
            "service",
            "cloudformation-template-update-stack.json"
        )))
    );
    let got = run_in_node(
        &zip,
        "Promise.all([require('./src/hello.js').handler({}), require('./src/other.js').main({})]).then(r => console.log(JSON.stringify(r)))",
    );
    assert_eq!(
        got,
        r#"[{"message":"hello world","flavour":"bundled"},{"other":"hello 0","typeofClient":"function"}]"#
    );
}

#[test]
fn options_are_honoured() {
    let tmp = service(true);
    let dir = tmp.path();
    let mut c = config();
    c["custom"]["esbuild"] = json!({
        "minify": true,
        "format": "esm",
        "outputFileExtension": ".mjs",
        "keepOutputDirectory": true,
        "metafile": true,
        "banner": {"js": "// built by sls test"},
        "exclude": ["@aws-sdk/*"],
    });
    c["functions"]["other"]["skipEsbuild"] = json!(true);
    let pkg = package_in(dir, &c, &build_host()).unwrap();
    assert!(pkg.notices[0].contains("1 bundle,"), "{:?}", pkg.notices);
    let hello = dir.join(".serverless/hello.zip");
    assert_eq!(
        sorted(zip_names(&hello)),
        ["assets/data.json", "src/hello-meta.json", "src/hello.mjs"]
    );
    let code = String::from_utf8(zip_entry(&hello, "src/hello.mjs")).unwrap();
    assert!(code.starts_with("// built by sls test\n"), "{code}");
    assert!(
        code.contains("export{") || code.contains("export {"),
        "{code}"
    );
    assert!(code.lines().count() <= 3, "minified: {code}");
    let got = run_in_node(
        &hello,
        "import('./src/hello.mjs').then(m => m.handler({name:'esm'})).then(r => console.log(JSON.stringify(r)))",
    );
    assert_eq!(got, r#"{"message":"hello esm"}"#);
    // skipEsbuild: packaged by v3's own rules, sources and all.
    let other = zip_names(&dir.join(".serverless/other.zip"));
    assert!(other.contains(&"src/other.ts".to_string()), "{other:?}");
    // keepOutputDirectory keeps the work folder and its layout.
    assert!(dir.join(".esbuild/.build/src/hello.mjs").is_file());
    assert!(dir.join(".esbuild/.build/src/hello-meta.json").is_file());
}

/// The previous package stays as it was, and no work folder is left.
fn assert_untouched(dir: &Path, before: &[(String, Vec<u8>)]) {
    for (name, bytes) in before {
        assert_eq!(
            &std::fs::read(dir.join(".serverless").join(name)).unwrap(),
            bytes,
            "{name} changed"
        );
    }
    assert!(!dir.join(".esbuild").exists(), "work folder left behind");
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.join(".serverless"))
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn esbuild_not_installed_is_a_clear_error() {
    let tmp = service(true);
    let dir = tmp.path();
    package_in(dir, &config(), &build_host()).unwrap();
    let before = snapshot(dir);
    std::fs::remove_file(dir.join("node_modules")).unwrap();
    let e = package_in(dir, &config(), &build_host()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("`esbuild` is not installed in") && msg.contains("node_modules"),
        "{msg}"
    );
    assert!(
        e.hint().unwrap().contains("npm install --save-dev esbuild"),
        "{e:?}"
    );
    assert_untouched(dir, &before);
}

#[test]
fn build_error_shows_esbuild_message_and_writes_nothing() {
    let tmp = service(true);
    let dir = tmp.path();
    package_in(dir, &config(), &build_host()).unwrap();
    let before = snapshot(dir);
    std::fs::write(
        dir.join("src/lib/greet.ts"),
        "export function greet(name: string): string {\n  return name +;\n}\n",
    )
    .unwrap();
    let e = package_in(dir, &config(), &build_host()).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("esbuild 0.25.12 could not bundle src/"),
        "{msg}"
    );
    assert!(
        msg.contains("src/lib/greet.ts:2:"),
        "esbuild's location: {msg}"
    );
    assert!(msg.contains("ERROR"), "esbuild's message: {msg}");
    assert_untouched(dir, &before);

    // A handler file that does not exist: the plugin's error, by function.
    let mut c = config();
    c["functions"]["hello"]["handler"] = json!("src/missing.handler");
    let e = package_in(dir, &c, &build_host()).unwrap_err();
    assert!(
        matches!(&e, DeployError::Config { path, .. } if path == "functions.hello.handler"),
        "{e:?}"
    );
    assert_untouched(dir, &before);
}

#[test]
fn invalid_and_unsupported_options_are_refused_by_name() {
    let tmp = service(true);
    let dir = tmp.path();
    for (opts, path) in [
        (json!({"minfy": true}), "custom.esbuild.minfy"),
        (
            json!({"plugins": "./esbuild-plugins.js"}),
            "custom.esbuild.plugins",
        ),
        (
            json!({"external": ["left-pad"], "packager": "yarn"}),
            "custom.esbuild.packager",
        ),
        (json!({"packager": "bun"}), "custom.esbuild.packager"),
        (
            json!({"outputFileExtension": ".cjs", "format": "esm"}),
            "custom.esbuild.outputFileExtension",
        ),
    ] {
        let mut c = config();
        c["custom"]["esbuild"] = opts.clone();
        match package_in(dir, &c, &build_host()) {
            Err(DeployError::Config { path: p, message }) => {
                assert_eq!(p, path, "{opts}: {message}")
            }
            other => panic!("{opts}: {other:?}"),
        }
        assert!(!dir.join(".serverless").exists(), "{opts}");
        assert!(!dir.join(".esbuild").exists(), "{opts}");
    }
    // A known option with a value esbuild rejects: esbuild's own message.
    let mut c = config();
    c["custom"]["esbuild"] = json!({"minify": "yes"});
    let e = package_in(dir, &c, &build_host()).unwrap_err();
    assert!(
        e.to_string().contains("\"minify\" must be a boolean"),
        "{e}"
    );
    assert!(e.hint().unwrap().contains("custom.esbuild"), "{e:?}");
    assert!(!dir.join(".serverless").exists());
}

/// Externals: `tinydep` (a local `file:` dependency, so npm needs no network) stays external,
/// is installed with npm into the build folder, and goes only into the zip whose bundle imports
/// it, as v3 + the plugin recorded (v3/externals).
#[test]
fn externals_are_installed_with_npm_like_v3() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_dir(&fixtures().join("esbuild/externals-service"), dir);
    std::os::unix::fs::symlink(node_modules(), dir.join("node_modules")).unwrap();
    let c = read_json(&v3("externals", "config.json"));
    let pkg = package_in(dir, &c, &build_host()).unwrap();
    assert!(
        pkg.notices[0].ends_with(", externals installed with npm: tinydep"),
        "{:?}",
        pkg.notices
    );
    for f in ["hello", "other"] {
        assert_eq!(
            sorted(zip_names(&dir.join(format!(".serverless/{f}.zip")))),
            sorted_lines(&v3("externals", &format!("{f}.zip.list"))),
            "{f}.zip"
        );
    }
    assert_eq!(
        normalise(&pkg.update_template),
        normalise(&read_json(&v3(
            "externals",
            "cloudformation-template-update-stack.json"
        )))
    );
    let got = run_in_node(
        &dir.join(".serverless/hello.zip"),
        "require('./src/hello.js').handler({name:'ext'}).then(r => console.log(JSON.stringify(r)))",
    );
    assert_eq!(got, r#"{"message":"HELLO EXT","flavour":"bundled"}"#);
    let hello = String::from_utf8(zip_entry(
        &dir.join(".serverless/hello.zip"),
        "src/hello.js",
    ))
    .unwrap();
    assert!(
        hello.contains("require(\"tinydep\")"),
        "kept external: {hello}"
    );
    assert!(!dir.join(".esbuild").exists());
}

#[test]
fn node_not_on_path_is_a_clear_error() {
    let tmp = service(true);
    let dir = tmp.path();
    let host = BuildHost {
        path_var: Some(dir.join("no-bin").display().to_string()),
        ..build_host()
    };
    let e = package_in(dir, &config(), &host).unwrap_err();
    assert!(
        e.to_string().contains("`node` was not found on PATH"),
        "{e}"
    );
    assert!(!dir.join(".serverless").exists());
    assert!(!dir.join(".esbuild").exists());
}

/// A packaging step after the bundles fail (here: a Python function whose patterns select no
/// file): no work folder is left behind and nothing is written.
#[test]
fn a_later_packaging_error_leaves_no_work_folder() {
    let tmp = service(true);
    let dir = tmp.path();
    let mut c = config();
    c["functions"]["py"] = json!({
        "handler": "x.handler",
        "runtime": "python3.11",
        "package": {"patterns": ["!**"]},
    });
    let e = package_in(dir, &c, &build_host()).unwrap_err();
    assert!(matches!(e, DeployError::NoFiles { .. }), "{e}");
    assert!(!dir.join(".esbuild").exists());
    assert!(!dir.join(".serverless").exists());
}
