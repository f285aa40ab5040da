//! Templates and zip contents compared with what `serverless package` (v3.40.0) wrote for the
//! same services (fixtures/<case>/v3, recorded with `serverless package` and
//! `serverless print --format json` for the input config). Code hashes, version digests and the
//! timestamped artifact directory differ by design and are normalised away.

use crate::corpus;

use std::path::{Path, PathBuf};

use corpus::{copy_dir, fixtures, normalise, read_json};
use serde_json::Value;
use sls_compile::custom_resources;
use sls_deploy::{package, PackageInput};

const CASES: &[&str] = &[
    "basic",
    "full",
    "custom-bucket",
    "individually",
    "fn-roles",
    "nodeproj",
    "ev-schedule",
    "ev-sqs",
    "ev-stream",
    "ev-sns",
    "ev-s3",
    "ev-stream-naming",
    "ev-eventbridge",
    "ev-eventbridge-default",
    "ev-cloudwatch",
    "ev-alexa-iot",
    "ev-cognito",
    "ev-kafka-mq",
    "ev-alb",
    "ev-custom-role",
    "vpc-tracing",
    "vpc-function",
    "include-exclude",
    "logs-boundary",
    "fn-settings",
    "fn-kms-dlq",
    "fn-runtime-mgmt",
    "fn-efs",
    "fn-disable-logs",
    "fn-destinations",
    "fn-url",
    // v3's custom resources (sls's own handler: see `custom_resource_handler_differs`)
    "ev-s3-existing",
    "ev-cognito-existing",
    "ev-eventbridge-cr",
    "logs-restapi",
    "cr-combined",
    "fn-provisioned",
    "fn-image",
    "resources-extensions",
    "layers",
    "ev-cloudfront",
    "ev-cloudfront-paths",
    // websocket logs: the stage's settings and v3's account-role custom resource
    "ws-logs",
    // real-world services from serverless/examples (SOURCE.md in each fixture)
    "ex-scheduled-cron",
    "ex-s3-ses-email",
];

fn zip_names(p: &Path) -> Vec<String> {
    let f = std::fs::File::open(p).unwrap();
    let mut z = zip::ZipArchive::new(f).unwrap();
    (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
        .collect()
}

/// A case's default stage (`config.json`, `v3/`) and every further stage it was recorded in
/// (`stages/<stage>/{config.json,v3}`, same service).
fn run_case(case: &str) {
    let dir = fixtures().join(case);
    run_stage(case, &dir, &dir);
    if let Ok(entries) = std::fs::read_dir(dir.join("stages")) {
        let mut stages: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        stages.sort();
        for stage_dir in stages {
            run_stage(case, &dir, &stage_dir);
        }
    }
}

fn run_stage(case: &str, dir: &Path, stage_dir: &Path) {
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    copy_dir(&dir.join("service"), &svc);
    let config = read_json(&stage_dir.join("config.json"));
    // `serverless print --stage <s>` keeps `provider.stage` as written: a recorded further
    // stage is named by its folder.
    let stage = if stage_dir == dir {
        config["provider"]["stage"].as_str().unwrap().to_string()
    } else {
        stage_dir.file_name().unwrap().to_string_lossy().to_string()
    };
    let region = config["provider"]["region"].as_str().unwrap().to_string();
    let out = svc.join(".serverless");
    // With an `http` event, v3's deployment id carries its instance id: package at that time.
    let update = stage_dir.join("v3/cloudformation-template-update-stack.json");
    let timestamp = read_json(&update)["Resources"]
        .as_object()
        .and_then(|r| {
            r.keys()
                .find_map(|k| k.strip_prefix("ApiGatewayDeployment")?.parse().ok())
        })
        .map(|ms: u64| std::time::UNIX_EPOCH + std::time::Duration::from_millis(ms));
    let result = package(&PackageInput {
        service_dir: &svc,
        config: &config,
        stage: &stage,
        region: &region,
        out_dir: &out,
        config_file_name: Some("serverless.yml"),
        timestamp,
    })
    .unwrap_or_else(|e| panic!("{case}: {e}"));

    let v3 = stage_dir.join("v3");
    for file in [
        "cloudformation-template-create-stack.json",
        "cloudformation-template-update-stack.json",
    ] {
        let expected = v3.join(file);
        let ours = out.join(file);
        assert_eq!(expected.exists(), ours.exists(), "{case}: {file} presence");
        if !expected.exists() {
            continue;
        }
        let (e, o) = (
            normalise(&custom_resource_handler_differs(read_json(&expected))),
            normalise(&read_json(&ours)),
        );
        let (o_text, e_text) = (
            serde_json::to_string_pretty(&o).unwrap(),
            serde_json::to_string_pretty(&e).unwrap(),
        );
        // `SLS_CORPUS_DUMP=<dir>` keeps both sides of a difference for a diff tool.
        if let (Some(dump), true) = (std::env::var_os("SLS_CORPUS_DUMP"), o_text != e_text) {
            let dump = Path::new(&dump);
            std::fs::create_dir_all(dump).unwrap();
            std::fs::write(dump.join(format!("{case}-{file}.ours")), &o_text).unwrap();
            std::fs::write(dump.join(format!("{case}-{file}.v3")), &e_text).unwrap();
        }
        assert_eq!(o_text, e_text, "{case}: {file} differs from v3");
        // Same logical ids in the same order as v3.
        let ids = |v: &Value| -> Vec<String> {
            v["Resources"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect()
        };
        let mut e_ids = ids(&e);
        let mut o_ids = ids(&o);
        // v3 inserts versions as their hashes finish; compare versions as a set.
        e_ids.sort();
        o_ids.sort();
        assert_eq!(o_ids, e_ids, "{case}: logical ids");
    }
    // Zip contents (names, in order) equal v3's.
    for entry in std::fs::read_dir(&v3).unwrap() {
        let p = entry.unwrap().path();
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        if let Some(zip) = name.strip_suffix(".list") {
            let mut expected: Vec<String> = std::fs::read_to_string(&p)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
            // v3's zip holds its JavaScript handlers; sls's holds its one Python file.
            if zip == custom_resources::ARTIFACT_NAME {
                expected = vec![sls_package::custom_resources::HANDLER_FILE.to_string()];
            }
            assert_eq!(zip_names(&out.join(zip)), expected, "{case}: {zip} entries");
        }
    }
    assert!(out.join("serverless-state.json").is_file());
    if case.starts_with("ev-") {
        compare_state_events(
            case,
            &v3.join("serverless-state.json"),
            &out.join("serverless-state.json"),
        );
    }
    assert_eq!(result.service.name, config["service"].as_str().unwrap());
}

/// The one difference by design between v3's templates and sls's for the custom-resource
/// functions (`CustomDashresource…LambdaFunction`): sls deploys its own handlers (Python, one
/// file) instead of v3's JavaScript ones, so `Runtime` and `Handler` are sls's. Every other
/// property (name, memory, timeout, role, code location, dependencies) is compared as is.
fn custom_resource_handler_differs(mut template: Value) -> Value {
    for kind in custom_resources::Kind::ALL {
        let props = template
            .get_mut("Resources")
            .and_then(|r| r.get_mut(kind.function_logical_id()))
            .and_then(|f| f.get_mut("Properties"));
        if let Some(props) = props {
            assert_eq!(props["Runtime"], "nodejs18.x");
            assert_eq!(props["Handler"], kind.v3_handler());
            props["Runtime"] = custom_resources::RUNTIME.into();
            props["Handler"] = kind.handler().into();
        }
    }
    template
}

/// v3 writes its state with `json-cycle` (`{"$ref": "$[\"service\"][\"provider\"]…"}` for an
/// object already written elsewhere): resolve those references against the document.
fn retrocycle(v: &Value, root: &Value) -> Value {
    match v {
        Value::Object(o) if o.len() == 1 && o.get("$ref").is_some_and(Value::is_string) => {
            let path = o["$ref"].as_str().unwrap();
            let mut cur = root;
            let mut rest = path.strip_prefix('$').unwrap();
            while let Some(r) = rest.strip_prefix('[') {
                let end = match r.strip_prefix('"') {
                    Some(quoted) => quoted.find("\"]").map(|i| i + 2).unwrap(),
                    None => r.find(']').unwrap(),
                };
                let key = &r[..end];
                cur = if let Some(k) = key.strip_prefix('"') {
                    &cur[k.strip_suffix('"').unwrap_or(k)]
                } else {
                    &cur[key.parse::<usize>().unwrap()]
                };
                rest = &r[end + 1..];
            }
            retrocycle(cur, root)
        }
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), retrocycle(v, root)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|v| retrocycle(v, root)).collect()),
        other => other.clone(),
    }
}

/// The state's functions (with their events, as v3 leaves them after compiling) equal v3's.
fn compare_state_events(case: &str, v3_state: &Path, our_state: &Path) {
    let v3 = read_json(v3_state);
    let v3 = retrocycle(&v3, &v3);
    let mut ours = read_json(our_state);
    // v3 parses `schedule.input.body` in place while compiling (the template is the same).
    for f in ours["service"]["functions"]
        .as_object_mut()
        .unwrap()
        .values_mut()
    {
        for e in f["events"].as_array_mut().into_iter().flatten() {
            // ... and sets `enabled: true` on an alb event's `healthCheck` object.
            if let Some(Value::Object(h)) = e.pointer_mut("/alb/healthCheck") {
                h.insert("enabled".into(), Value::Bool(true));
            }
            if let Some(body) = e.pointer_mut("/schedule/input/body") {
                if let Some(parsed) = body.as_str().and_then(|b| serde_json::from_str(b).ok()) {
                    *body = parsed;
                }
            }
        }
    }
    for (name, f) in v3["service"]["functions"].as_object().unwrap() {
        assert_eq!(
            serde_json::to_string_pretty(&ours["service"]["functions"][name]["events"]).unwrap(),
            serde_json::to_string_pretty(&f["events"]).unwrap(),
            "{case}: serverless-state.json functions.{name}.events differ from v3"
        );
    }
}

#[test]
fn corpus_matches_v3() {
    for case in CASES {
        run_case(case);
    }
}

/// An image function's version hashes its properties only (no zip): its logical id, which the
/// other cases normalise away, equals v3's exactly.
#[test]
fn image_version_ids_equal_v3s() {
    let dir = fixtures().join("fn-image");
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    copy_dir(&dir.join("service"), &svc);
    let config = read_json(&dir.join("config.json"));
    let result = package(&PackageInput {
        service_dir: &svc,
        config: &config,
        stage: "dev",
        region: "us-east-1",
        out_dir: &svc.join(".serverless"),
        config_file_name: Some("serverless.yml"),
        timestamp: None,
    })
    .unwrap();
    let v3 = read_json(&dir.join("v3/cloudformation-template-update-stack.json"));
    let image_versions = |t: &Value| -> Vec<(String, Value)> {
        t["Resources"]
            .as_object()
            .unwrap()
            .iter()
            .filter(|(k, _)| k.contains("LambdaVersion") && !k.starts_with("Zipped"))
            .map(|(k, v)| (k.clone(), v["Properties"]["CodeSha256"].clone()))
            .collect()
    };
    let ours = image_versions(&result.update_template);
    assert_eq!(ours.len(), 3, "{ours:?}");
    assert_eq!(ours, image_versions(&v3));
    // No zip is built for an image function: only `zipped` is in the service zip's functions.
    assert_eq!(result.artifacts.len(), 1);
    assert_eq!(result.artifacts[0].functions, ["zipped"]);
}

/// Images given by tag: v3 asked ECR (moto, through the proxy) for each tag's digest while
/// packaging; `ecr.json` holds what ECR answered. Given the same answers, sls's templates equal
/// v3's, version ids included. The order of the image functions is v3's race: each awaits its
/// DescribeImages answer, and three v3 runs of this case gave two orders (sls keeps the order
/// of `functions`, the more frequent one), so the ids are compared as a set.
#[test]
fn tag_images_equal_v3s() {
    let dir = fixtures().join("fn-image-tag");
    let tmp = tempfile::tempdir().unwrap();
    let svc = tmp.path().join("svc");
    copy_dir(&dir.join("service"), &svc);
    let config = read_json(&dir.join("config.json"));
    let ecr = read_json(&dir.join("ecr.json"));
    let mut images = sls_deploy::ResolvedImages::default();
    for (uri, digest) in ecr.as_object().unwrap() {
        images
            .tags
            .insert(uri.clone(), digest.as_str().unwrap().to_string());
    }
    let answers = sls_deploy::AwsAnswers {
        stack_outputs: None,
        images,
    };
    let result = corpus::pack_answered(&svc, &config, answers);
    let v3 = read_json(&dir.join("v3/cloudformation-template-update-stack.json"));
    let ours = &result.update_template;
    let ids = |t: &Value| -> Vec<String> {
        let mut ids: Vec<String> = t["Resources"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        ids.sort();
        ids
    };
    assert_eq!(ids(ours), ids(&v3));
    // Maps compare without their order.
    assert_eq!(normalise(ours), normalise(&v3));
    assert!(result.artifacts.is_empty(), "{:?}", result.artifacts);
}
