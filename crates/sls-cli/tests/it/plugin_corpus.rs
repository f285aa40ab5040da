//! The plugin host against Serverless Framework v3.40.0 with the same real plugins: for each
//! case of tests/fixtures/plugins (recorded by scripts/record-v3-plugins.sh, see its README),
//! `sls package` with the pinned plugin from tools/plugins writes the templates and zips v3
//! wrote. What differs by design is set aside: the deployment timestamp in S3 keys and in the
//! `ApiGatewayDeployment<ms>` id, and the code hash in `LambdaVersion` ids and `CodeSha256`
//! (sls's zips have fixed timestamps, v3's carry the packaging time).

use crate::common;

use std::path::{Path, PathBuf};

use common::{copy_dir, Sls};
use serde_json::{Map, Value};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plugins")
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
}

/// The service of a case in a temporary folder, with each package its package.json names
/// linked from tools/plugins/node_modules, as the recording linked them.
fn service(case: &str) -> Sls {
    let mut sls = Sls::new();
    let dir = corpus().join(case).join("service");
    copy_dir(&dir, &sls.cwd);
    let manifest = read_json(&dir.join("package.json"));
    let modules = sls_testkit::workspace_root().join("tools/plugins/node_modules");
    std::fs::create_dir_all(sls.cwd.join("node_modules")).unwrap();
    for name in manifest["devDependencies"].as_object().unwrap().keys() {
        let installed = modules.join(name);
        assert!(
            installed.join("package.json").is_file(),
            "{name} is not installed in tools/plugins: run scripts/setup-plugins.sh"
        );
        std::os::unix::fs::symlink(installed, sls.cwd.join("node_modules").join(name)).unwrap();
    }
    sls.env("AWS_ACCESS_KEY_ID", "AKIAFAKE")
        .env("AWS_SECRET_ACCESS_KEY", "fakesecret")
        // Nothing may reach AWS at package time: a closed loopback port.
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    sls
}

fn args(case: &str) -> Vec<String> {
    std::fs::read_to_string(corpus().join(case).join("args"))
        .map(|a| a.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Sets aside what differs by design (see the module's doc).
fn normalise(v: &Value) -> Value {
    fn key(k: &str) -> String {
        if let Some(i) = k.find("LambdaVersion") {
            return k[..i + "LambdaVersion".len()].to_string();
        }
        if k.starts_with("ApiGatewayDeployment") && k[20..].chars().all(|c| c.is_ascii_digit()) {
            return "ApiGatewayDeployment".into();
        }
        k.to_string()
    }
    match v {
        Value::Object(o) => {
            let mut out = Map::new();
            for (k, v) in o {
                let v2 = match (k.as_str(), v) {
                    ("S3Key", Value::String(s)) => {
                        Value::String(s.rsplit('/').next().unwrap_or("").to_string())
                    }
                    ("CodeSha256", _) => Value::String("<sha>".into()),
                    ("Ref" | "DependsOn", Value::String(s)) => Value::String(key(s)),
                    _ => normalise(v),
                };
                out.insert(key(k), v2);
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.iter().map(normalise).collect()),
        Value::String(s) => Value::String(key(s)),
        other => other.clone(),
    }
}

/// The differences between two templates, by resource (and output), for the assertion message.
fn differences(sls: &Value, v3: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for section in ["Resources", "Outputs"] {
        let (a, b) = (&sls[section], &v3[section]);
        let keys: std::collections::BTreeSet<&String> = a
            .as_object()
            .into_iter()
            .chain(b.as_object())
            .flat_map(|o| o.keys())
            .collect();
        for k in keys {
            if a.get(k) != b.get(k) {
                out.push(format!(
                    "{section}.{k}:\n  sls: {}\n  v3:  {}",
                    a.get(k).map(|v| v.to_string()).unwrap_or("-".into()),
                    b.get(k).map(|v| v.to_string()).unwrap_or("-".into())
                ));
            }
        }
    }
    if out.is_empty() && sls != v3 {
        out.push("the templates differ outside Resources and Outputs".into());
    }
    out
}

fn zip_names(path: &Path) -> Vec<String> {
    let mut archive = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().to_string())
        .collect()
}

/// Packages `case` and compares everything with v3's recording.
fn matches_v3(case: &str) {
    let sls = service(case);
    let mut argv = vec!["package".to_string()];
    argv.extend(args(case));
    let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
    let run = sls.run(&argv).ok();
    let v3 = corpus().join(case).join("v3");
    let out = sls.cwd.join(".serverless");
    for template in [
        "cloudformation-template-update-stack.json",
        "cloudformation-template-create-stack.json",
    ] {
        let ours = normalise(&read_json(&out.join(template)));
        let theirs = normalise(&read_json(&v3.join(template)));
        let diff = differences(&ours, &theirs);
        assert!(
            diff.is_empty(),
            "{case} {template}:\n{}\n\nsls said:\n{}",
            diff.join("\n"),
            run.stderr
        );
    }
    for list in std::fs::read_dir(&v3).unwrap() {
        let list = list.unwrap().path();
        let Some(zip) = list
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .strip_suffix(".list")
        else {
            continue;
        };
        let mut want: Vec<String> = std::fs::read_to_string(&list)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        let mut got = zip_names(&out.join(zip));
        // Entry order is not part of the comparison (v3's follows its file walk).
        want.sort();
        got.sort();
        assert_eq!(got, want, "{case}: entries of {zip}");
    }
    // The plugin changed something wherever v3's plugin did (the comparison is not vacuous).
    let without = corpus()
        .join(case)
        .join("v3-without/cloudformation-template-update-stack.json");
    if without.is_file() {
        let plain = normalise(&read_json(&without));
        let with = normalise(&read_json(
            &v3.join("cloudformation-template-update-stack.json"),
        ));
        if plain != with {
            let ours = normalise(&read_json(
                &out.join("cloudformation-template-update-stack.json"),
            ));
            assert_ne!(ours, plain, "{case}: sls's template is plain v3's");
        }
    }
}

#[test]
fn iam_roles_per_function() {
    matches_v3("iam-roles-per-function");
}

#[test]
fn step_functions() {
    matches_v3("step-functions");
}

#[test]
fn pseudo_parameters() {
    matches_v3("pseudo-parameters");
}

#[test]
fn aws_alerts() {
    matches_v3("aws-alerts");
}

#[test]
fn apigw_binary() {
    matches_v3("apigw-binary");
}

#[test]
fn lift() {
    matches_v3("lift");
}

#[test]
fn common_excludes() {
    matches_v3("common-excludes");
}

#[test]
fn dotenv() {
    matches_v3("dotenv");
}

#[test]
fn add_api_key() {
    matches_v3("add-api-key");
}

#[test]
fn prune() {
    matches_v3("prune");
}

#[test]
fn webpack() {
    matches_v3("webpack");
}

/// serverless-webpack's `before:invoke:local:invoke` builds the function and points
/// `config.servicePath` at its build; `sls invoke local` runs the handler from there, as v3
/// does. The handler is an ES module that node cannot load as written (the service has no
/// `"type": "module"`): only the bundle webpack wrote runs.
#[test]
fn invoke_local_runs_the_handler_webpack_built() {
    let sls = service("webpack");
    sls.file(
        "src/hello.js",
        "import { greet } from './lib/greet';\nexport const handler = async () => ({ body: greet('local'), bundled: __dirname.includes('.webpack') });\n",
    );
    let run = sls.run(&["invoke", "local", "-f", "hello"]).ok();
    let reply = run.json();
    assert_eq!(reply["bundled"], true, "{}", run.all());
    assert!(
        reply["body"].as_str().unwrap().contains("local"),
        "{}",
        run.all()
    );
    assert!(sls.cwd.join(".webpack/service/src/hello.js").is_file());
    // Without the plugin the same handler cannot run: the build is what made it work.
    let yml = std::fs::read_to_string(sls.cwd.join("serverless.yml")).unwrap();
    sls.file(
        "serverless.yml",
        &yml.replace("plugins:\n  - serverless-webpack\n", ""),
    );
    let plain = sls.run(&["invoke", "local", "-f", "hello"]);
    assert_ne!(plain.code, 0, "{}", plain.all());
}
