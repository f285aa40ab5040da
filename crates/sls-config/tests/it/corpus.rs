//! Every directory under `tests/corpus/` is a service that was run through Serverless
//! Framework v3.40.0 (`serverless print --format json` plus the options in `args.txt`, the
//! environment in `env`). Its output is recorded as `expected.json` (success) or
//! `expected-error.txt` (the error message v3 printed). This test runs the same case through
//! sls-config and asserts the same output.
//!
//! Some cases also have `expected.yml`, recorded with plain `serverless print` (YAML), compared
//! byte for byte (v3's stdout, final empty line included).
//!
//! Where sls deliberately differs, the case has `expected-error-prefix.txt` instead (only the
//! start of the message must match) and a `NOTES.md` explaining why.

use std::path::{Path, PathBuf};

use sls_config::{
    find_service_file, read_service_file, render_print, resolve_phase1, resolve_service,
    CliOptions, ConfigError, Context, Env, PrintFormat,
};

fn parse_args(text: &str) -> CliOptions {
    let mut o = CliOptions::default();
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut i = 0;
    while i < words.len() {
        let w = words[i];
        let (name, inline) = match w.trim_start_matches('-').split_once('=') {
            Some((n, v)) => (n.to_string(), Some(v.to_string())),
            None => (w.trim_start_matches('-').to_string(), None),
        };
        let value = match inline {
            Some(v) => v,
            None => {
                i += 1;
                words.get(i).map(|s| s.to_string()).unwrap_or_default()
            }
        };
        match name.as_str() {
            "stage" | "s" => o.stage = Some(value),
            "region" | "r" => o.region = Some(value),
            "aws-profile" => o.aws_profile = Some(value),
            "param" => {
                if let Some((k, v)) = value.split_once('=') {
                    o.params.push((k.to_string(), v.to_string()));
                }
            }
            other => {
                o.other
                    .insert(other.to_string(), serde_json::Value::String(value));
            }
        }
        i += 1;
    }
    o
}

fn parse_env(text: &str) -> Env {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn run_case(dir: &Path) -> Result<String, ConfigError> {
    run_case_as(dir, PrintFormat::Json)
}

fn run_case_as(dir: &Path, format: PrintFormat) -> Result<String, ConfigError> {
    let service = resolve_case(dir)?;
    render_print(&service.config, format, None, None)
}

fn resolve_case(dir: &Path) -> Result<sls_config::Service, ConfigError> {
    let args = std::fs::read_to_string(dir.join("args.txt")).unwrap_or_default();
    let mut options = parse_args(&args);
    // The recording ran `serverless print --format json`.
    options
        .other
        .insert("format".into(), serde_json::Value::String("json".into()));
    let mut env = parse_env(&std::fs::read_to_string(dir.join("env")).unwrap_or_default());
    let path = find_service_file(dir, None)?.expect("case has a service file");
    let file = read_service_file(&path)?;
    let instance_id = String::from("1700000000000");
    if sls_config::wants_dotenv(&file)? {
        // As the CLI does: the stage decides the file, then everything resolves with it.
        let ctx = Context {
            options: &options,
            env: &env,
            instance_id: instance_id.clone(),
        };
        let stage = sls_config::dotenv_stage(&file, &ctx)?;
        env = sls_config::load_dotenv(dir, &stage, &env)?;
    }
    let ctx = Context {
        options: &options,
        env: &env,
        instance_id,
    };
    let p1 = resolve_phase1(&file, &ctx)?;
    resolve_service(&file, &ctx, &p1, None)
}

fn cases() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .expect("tests/corpus exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn corpus_matches_serverless_v3() {
    let cases = cases();
    let mut failures = Vec::new();
    for dir in &cases {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let got = run_case(dir);
        let read = |f: &str| std::fs::read_to_string(dir.join(f)).ok();
        if let Some(expected) = read("expected.yml") {
            // Recorded with `serverless print` (YAML, the default format).
            match run_case_as(dir, PrintFormat::Yaml) {
                Ok(out) if out == expected => {}
                Ok(out) => failures.push(format!(
                    "{name}: YAML output differs\n--- expected\n{expected}\n--- got\n{out}"
                )),
                Err(e) => failures.push(format!("{name}: expected YAML output, got error:\n{e}")),
            }
        }
        // v3's warnings (stderr), or none.
        if let Ok(service) = resolve_case(dir) {
            let got = (!service.warnings.is_empty()).then(|| {
                let texts = service.warnings.iter().map(|w| format!("Warning: {w}\n"));
                texts.collect::<String>()
            });
            let expected = read("expected-warnings.txt");
            if got != expected {
                failures.push(format!(
                    "{name}: schema warning differs\n--- expected\n{}\n--- got\n{}",
                    expected.unwrap_or_default(),
                    got.unwrap_or_default()
                ));
            }
        }
        if let Some(expected) = read("expected.json") {
            match got {
                Ok(out) if out.trim_end() == expected.trim_end() => {}
                Ok(out) => failures.push(format!(
                    "{name}: output differs\n--- expected\n{expected}\n--- got\n{out}"
                )),
                Err(e) => failures.push(format!("{name}: expected success, got error:\n{e}")),
            }
        } else if let Some(expected) = read("expected-error.txt") {
            match got {
                Err(e) if e.to_string().trim_end() == expected.trim_end() => {}
                Err(e) => failures.push(format!(
                    "{name}: error differs\n--- expected\n{expected}\n--- got\n{e}"
                )),
                Ok(out) => failures.push(format!("{name}: expected error, got output:\n{out}")),
            }
        } else if let Some(prefix) = read("expected-error-prefix.txt") {
            match got {
                Err(e) if e.to_string().starts_with(prefix.trim_end()) => {}
                Err(e) => failures.push(format!(
                    "{name}: error differs\n--- expected prefix\n{prefix}\n--- got\n{e}"
                )),
                Ok(out) => failures.push(format!("{name}: expected error, got output:\n{out}")),
            }
        } else {
            failures.push(format!("{name}: no expected output recorded"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from v3:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
    assert!(cases.len() >= 25, "corpus has only {} cases", cases.len());
}
