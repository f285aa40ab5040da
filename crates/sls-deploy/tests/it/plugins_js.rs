//! The built-in serverless-plugin-typescript and serverless-plugin-include-dependencies,
//! against fixtures recorded from Serverless Framework v3 with the real plugins
//! (`scripts/record-v3-plugins-js.sh`): the zip entries equal v3's, the handler and runtime
//! in the template too. Real `node` and the pinned `tsc` (tools/node, from
//! scripts/setup-node-tools.sh); fixture services are copied into temporary folders.
//!
//! Documented differences from v3: sls's zips have fixed timestamps (v3's carry the packaging
//! time), and the artifact hashes differ accordingly; with both plugins, v3 writes
//! `config/settings.json` (a `package.patterns` file that the dependency trace names again)
//! twice into the zip, sls once.

use crate::corpus;

use std::path::{Path, PathBuf};

use corpus::{build_host, copy_dir, fixtures, package_in, zip_names};
use serde_json::Value;

fn tools_node_modules() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/node/node_modules")
}

/// A temporary copy of `fixtures/<case>/service`, with the pinned typescript linked into its
/// `node_modules` when `typescript` is true.
fn service(case: &str, typescript: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&fixtures().join(case).join("service"), tmp.path());
    if typescript {
        let ts = tools_node_modules().join("typescript");
        assert!(
            ts.join("bin/tsc").is_file(),
            "run scripts/setup-node-tools.sh first (tools/node/node_modules/typescript is missing)"
        );
        std::fs::create_dir_all(tmp.path().join("node_modules")).unwrap();
        std::os::unix::fs::symlink(&ts, tmp.path().join("node_modules/typescript")).unwrap();
    }
    tmp
}

fn config(case: &str) -> Value {
    let text = std::fs::read_to_string(fixtures().join(case).join("config.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn v3_list(case: &str, zip: &str) -> Vec<String> {
    std::fs::read_to_string(fixtures().join(case).join("v3").join(format!("{zip}.list")))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn v3_template(case: &str) -> Value {
    let p = fixtures()
        .join(case)
        .join("v3/cloudformation-template-update-stack.json");
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// Handler and runtime of every function, as the template has them.
fn handlers(template: &Value) -> Vec<(String, Value, Value)> {
    let mut out: Vec<(String, Value, Value)> = template["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::Lambda::Function")
        .map(|(k, r)| {
            (
                k.clone(),
                r["Properties"]["Handler"].clone(),
                r["Properties"]["Runtime"].clone(),
            )
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn resource_ids(template: &Value) -> Vec<String> {
    let mut ids: Vec<String> = template["Resources"]
        .as_object()
        .unwrap()
        .keys()
        .map(|k| {
            // Version ids carry the code hash.
            if k.contains("LambdaVersion") {
                k.split("LambdaVersion").next().unwrap().to_string() + "LambdaVersion"
            } else {
                k.clone()
            }
        })
        .collect();
    ids.sort();
    ids
}

#[test]
fn typescript_zip_equals_v3_and_build_folder_is_removed() {
    let case = "plugin-typescript";
    let tmp = service(case, true);
    let c = config(case);
    let result = package_in(tmp.path(), &c, &build_host()).unwrap();
    let zip = tmp.path().join(".serverless/tsplug.zip");
    assert_eq!(zip_names(&zip), v3_list(case, "tsplug.zip"));
    assert_compiled_equal(&zip, &fixtures().join(case).join("v3/tsplug.compiled"));
    assert_eq!(
        handlers(&result.update_template),
        handlers(&v3_template(case))
    );
    assert_eq!(
        resource_ids(&result.update_template),
        resource_ids(&v3_template(case))
    );
    assert!(
        !tmp.path().join(".build").exists(),
        ".build is removed after packaging, as the plugin's cleanup does"
    );
    assert!(
        result
            .notices
            .iter()
            .any(|n| n
                == "Using sls's built-in serverless-plugin-typescript: tsc 5.9.3, tsconfig.json"),
        "{:?}",
        result.notices
    );
    // The fixture has no @types/node: tsc reports errors and emits anyway, like the plugin.
    assert!(
        result
            .notices
            .iter()
            .any(|n| n.contains("emitted anyway") && n.contains("Cannot find name '__dirname'")),
        "{:?}",
        result.notices
    );
    // The compiled handler runs under node from an unzipped copy.
    let elsewhere = tempfile::tempdir().unwrap();
    let unzipped = elsewhere.path().join("unzipped");
    let mut a = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    a.extract(&unzipped).unwrap();
    let out = std::process::Command::new("node")
        .arg("-e")
        .arg("require('./src/handler.js').hello({name: 'zip'}).then(r => console.log(JSON.stringify(r)))")
        .current_dir(&unzipped)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["message"], "HELLO, ZIP!");

    // A second package reuses the compile (nothing changed) and gives byte-identical zips.
    let first = std::fs::read(&zip).unwrap();
    let again = package_in(tmp.path(), &c, &build_host()).unwrap();
    assert!(
        again
            .notices
            .iter()
            .any(|n| n.ends_with("tsconfig.json (cached)")),
        "{:?}",
        again.notices
    );
    assert!(
        again.notices.iter().any(|n| n.contains("emitted anyway")),
        "the cached compile repeats tsc's warnings: {:?}",
        again.notices
    );
    assert_eq!(first, std::fs::read(&zip).unwrap());

    // A changed source compiles again, and the zip has the new code.
    std::fs::write(
        tmp.path().join("src/lib/greet.ts"),
        "export function greet(greeting: string, name: string): string {\n  return `${greeting} again, ${name}`;\n}\n",
    )
    .unwrap();
    let changed = package_in(tmp.path(), &c, &build_host()).unwrap();
    assert!(
        !changed.notices.iter().any(|n| n.contains("(cached)")),
        "{:?}",
        changed.notices
    );
    let mut a = zip::ZipArchive::new(std::fs::File::open(&zip).unwrap()).unwrap();
    let mut js = String::new();
    std::io::Read::read_to_string(&mut a.by_name("src/lib/greet.js").unwrap(), &mut js).unwrap();
    assert!(js.contains("again"), "{js}");
    // A new file that tsconfig.json's include picks up compiles again too.
    std::fs::write(tmp.path().join("src/extra.ts"), "export const x = 1;\n").unwrap();
    package_in(tmp.path(), &c, &build_host()).unwrap();
    assert!(zip_names(&zip).contains(&"src/extra.js".to_string()));
}

#[test]
fn typescript_individually_without_tsconfig_equals_v3() {
    let case = "plugin-typescript-individually";
    let tmp = service(case, true);
    let result = package_in(tmp.path(), &config(case), &build_host()).unwrap();
    assert!(
        result
            .notices
            .iter()
            .any(|n| n.contains("no tsconfig.json, the plugin's defaults")),
        "{:?}",
        result.notices
    );
    for f in ["hello", "other"] {
        let zip = tmp.path().join(format!(".serverless/{f}.zip"));
        assert_eq!(
            zip_names(&zip),
            v3_list(case, &format!("{f}.zip")),
            "{f}.zip"
        );
        // The plugin's defaults (ES5, source maps) give the same bytes as v3's compile.
        assert_compiled_equal(
            &zip,
            &fixtures().join(case).join(format!("v3/{f}.compiled")),
        );
    }
    assert_eq!(
        handlers(&result.update_template),
        handlers(&v3_template(case))
    );
}

/// Every compiled file v3 shipped (`<zip>.compiled/src/…`) has the same bytes in sls's zip.
fn assert_compiled_equal(zip: &Path, recorded: &Path) {
    let mut a = zip::ZipArchive::new(std::fs::File::open(zip).unwrap()).unwrap();
    let mut compared = 0;
    for e in walkdir::WalkDir::new(recorded) {
        let e = e.unwrap();
        if !e.file_type().is_file() {
            continue;
        }
        let name = e
            .path()
            .strip_prefix(recorded)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let mut ours = Vec::new();
        std::io::Read::read_to_end(&mut a.by_name(&name).unwrap(), &mut ours).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&ours),
            std::fs::read_to_string(e.path()).unwrap(),
            "{name}"
        );
        compared += 1;
    }
    assert!(compared >= 6, "{compared} compiled files compared");
}

#[test]
fn typescript_errors_are_clear_and_leave_nothing_half_written() {
    let case = "plugin-typescript";
    let c = config(case);

    // Not installed.
    let tmp = service(case, false);
    let e = package_in(tmp.path(), &c, &build_host())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("TypeScript")
            && e.contains("not installed")
            && e.contains("node_modules/typescript"),
        "{e}"
    );
    assert!(!tmp.path().join(".serverless").exists());
    assert!(!tmp.path().join(".build").exists());

    // A compile error that stops emit: the diagnostics are shown, the previous package stays.
    let tmp = service(case, true);
    package_in(tmp.path(), &c, &build_host()).unwrap();
    let before = std::fs::read(tmp.path().join(".serverless/tsplug.zip")).unwrap();
    std::fs::write(
        tmp.path().join("tsconfig.json"),
        "{\"compilerOptions\": {\"strict\": true, \"noEmitOnError\": true, \"types\": []}, \"include\": [\"src/**/*.ts\"]}",
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("src/lib/greet.ts"),
        "export function greet(a: string, b: string): number { return a + b; }\n",
    )
    .unwrap();
    let e = package_in(tmp.path(), &c, &build_host())
        .unwrap_err()
        .to_string();
    assert!(e.contains("TypeScript compilation failed"), "{e}");
    assert!(
        e.contains("src/lib/greet.ts") && e.contains("TS2322"),
        "{e}"
    );
    assert_eq!(
        before,
        std::fs::read(tmp.path().join(".serverless/tsplug.zip")).unwrap()
    );
    assert!(!tmp.path().join(".build").exists());

    // A handler with neither .ts nor .js.
    let mut bad = c.clone();
    bad["functions"]["hello"]["handler"] = Value::from("src/missing.hello");
    let e = package_in(tmp.path(), &bad, &build_host())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("functions.hello.handler") && e.contains("src/missing.ts"),
        "{e}"
    );

    // An option the plugin does not have.
    let mut bad = c.clone();
    bad["custom"] = serde_json::json!({"serverlessPluginTypescript": {"outDir": "dist"}});
    let e = package_in(tmp.path(), &bad, &build_host())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("custom.serverlessPluginTypescript.outDir"),
        "{e}"
    );
}

#[test]
fn include_dependencies_zip_equals_v3() {
    let case = "plugin-include-dependencies";
    let tmp = service(case, false);
    let c = config(case);
    let result = package_in(tmp.path(), &c, &build_host()).unwrap();
    let zip = tmp.path().join(".serverless/incdeps.zip");
    let n = zip_names(&zip);
    assert_eq!(n, v3_list(case, "incdeps.zip"));
    // The handler requires used-pkg (and through it nested-dep), not unused-pkg; the
    // dynamic import in a CommonJS file is not followed, as precinct does not.
    assert!(n.contains(&"node_modules/used-pkg/lib/index.js".to_string()));
    assert!(n.contains(&"node_modules/nested-dep/index.js".to_string()));
    assert!(!n.iter().any(|x| x.starts_with("node_modules/unused-pkg/")));
    assert!(!n.iter().any(|x| x.starts_with("node_modules/@scope/")));
    assert_eq!(
        handlers(&result.update_template),
        handlers(&v3_template(case))
    );
    assert!(
        result
            .notices
            .iter()
            .any(|x| x.contains("missing optional dependency not-installed-optional")),
        "{:?}",
        result.notices
    );
}

#[test]
fn include_dependencies_individually_and_errors() {
    // Individually, the plugin filters the function's second trace (its patterns' files) by
    // the function's patterns only, so the service's `!node_modules/**/CHANGELOG.md` does not
    // apply there: v3 ships the CHANGELOG, and so does sls.
    let case = "plugin-include-dependencies-individually";
    let tmp = service(case, false);
    package_in(tmp.path(), &config(case), &build_host()).unwrap();
    let n = zip_names(&tmp.path().join(".serverless/hello.zip"));
    assert_eq!(n, v3_list(case, "hello.zip"));
    assert!(n.contains(&"node_modules/used-pkg/CHANGELOG.md".to_string()));

    let case = "plugin-include-dependencies";

    // A required package that is not installed: an error naming it, nothing written.
    let tmp = service(case, false);
    std::fs::remove_dir_all(tmp.path().join("node_modules/nested-dep")).unwrap();
    let e = package_in(tmp.path(), &config(case), &build_host())
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Could not find npm package: nested-dep")
            && e.contains("node_modules/used-pkg/package.json"),
        "{e}"
    );
    assert!(!tmp.path().join(".serverless").exists());

    // A refused option, by name.
    let mut bad = config(case);
    bad["custom"] = serde_json::json!({"includeDependencies": {"always": ["x"]}});
    let e = package_in(tmp.path(), &bad, &build_host())
        .unwrap_err()
        .to_string();
    assert!(e.contains("custom.includeDependencies.always"), "{e}");
}

#[test]
fn typescript_then_include_dependencies_traces_the_compiled_code() {
    let case = "plugin-typescript-include-dependencies";
    let tmp = service(case, true);
    let result = package_in(tmp.path(), &config(case), &build_host()).unwrap();
    let zip = tmp.path().join(".serverless/tsplug-incdeps.zip");
    let mut expected = v3_list(case, "tsplug-incdeps.zip");
    // The documented difference: v3 has this entry twice.
    assert_eq!(
        expected
            .iter()
            .filter(|n| *n == "config/settings.json")
            .count(),
        2
    );
    expected.dedup();
    let n = zip_names(&zip);
    assert_eq!(n, expected);
    // The compiled handler requires tiny-dep; unused-dep is installed but not required.
    assert!(n.contains(&"node_modules/tiny-dep/index.js".to_string()));
    assert!(!n.iter().any(|x| x.starts_with("node_modules/unused-dep/")));
    assert_eq!(
        handlers(&result.update_template),
        handlers(&v3_template(case))
    );
}
