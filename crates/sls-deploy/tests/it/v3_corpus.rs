//! Templates and zip contents compared with what `serverless package` (v3.40.0) wrote for the
//! same services (fixtures/<case>/v3, recorded with `serverless package` and
//! `serverless print --format json` for the input config). Code hashes, version digests and the
//! timestamped artifact directory differ by design and are normalised away.

use crate::corpus;

use std::path::{Path, PathBuf};

use corpus::{copy_dir, fixtures, normalise, read_json};
use serde_json::Value;
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
    "ev-cloudfront",
    "ev-cloudfront-paths",
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
    let result = package(&PackageInput {
        service_dir: &svc,
        config: &config,
        stage: &stage,
        region: &region,
        out_dir: &out,
        config_file_name: Some("serverless.yml"),
        timestamp: None,
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
            normalise(&read_json(&expected)),
            normalise(&read_json(&ours)),
        );
        assert_eq!(
            serde_json::to_string_pretty(&o).unwrap(),
            serde_json::to_string_pretty(&e).unwrap(),
            "{case}: {file} differs from v3"
        );
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
            let expected: Vec<String> = std::fs::read_to_string(&p)
                .unwrap()
                .lines()
                .map(str::to_string)
                .collect();
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
