//! End-to-end: event input, environment precedence, credentials and the errors sls gives before
//! running anything.

use crate::common;
use sls_hint::Hint;

use std::path::Path;

use common::{config, result, run, Service};
use serde_json::json;
use sls_invoke::{
    invoke_local, parse_context_input, parse_env_option, parse_event_input, plan, InvokeError,
};

const ENV_DUMP: &str = r#"
exports.h = async () => {
  const pick = (k) => (k in process.env ? process.env[k] : null);
  const names = ['FROM_PROCESS', 'OVERRIDDEN', 'FROM_PROVIDER', 'FROM_FUNCTION', 'FROM_CLI',
    'TABLE', 'NUMBER', 'AWS_REGION', 'AWS_DEFAULT_REGION', 'AWS_LAMBDA_FUNCTION_NAME',
    'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION', 'AWS_LAMBDA_LOG_GROUP_NAME',
    'AWS_LAMBDA_LOG_STREAM_NAME', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR', 'AWS_EXECUTION_ENV',
    'IS_LOCAL', 'AWS_ACCESS_KEY_ID', 'AWS_SESSION_TOKEN', 'AWS_PROFILE'];
  const out = {};
  for (const n of names) out[n] = pick(n);
  out.SECRET_MATCHES = process.env.AWS_SECRET_ACCESS_KEY === 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
  return out;
};
"#;

fn env_config() -> serde_json::Value {
    json!({
        "service": "svc",
        "provider": {
            "runtime": "nodejs20.x",
            "memorySize": 2048,
            "environment": {
                "OVERRIDDEN": "provider",
                "FROM_PROVIDER": "p",
                "TABLE": {"Ref": "UsersTable"},
                "NUMBER": 42,
                "AWS_REGION": "provider-wins-over-lambda-vars"
            }
        },
        "functions": {"fn": {
            "handler": "env.h",
            "environment": {"OVERRIDDEN": "function", "FROM_FUNCTION": "f", "FROM_CLI": "function"}
        }}
    })
}

#[test]
fn environment_precedence() {
    let svc = Service::new();
    svc.file("env.js", ENV_DUMP);
    let mut req = svc.request(env_config(), "fn");
    req.process_env.insert("FROM_PROCESS".into(), "proc".into());
    req.process_env.insert("OVERRIDDEN".into(), "proc".into());
    req.process_env
        .insert("TABLE".into(), "stale-from-shell".into());
    req.process_env
        .insert("AWS_LAMBDA_FUNCTION_NAME".into(), "shell".into());
    req.env_overrides = vec![
        ("FROM_CLI".into(), "first".into()),
        ("FROM_CLI".into(), "cli".into()),
    ];
    let out = run(&req);
    assert_eq!(out.exit_code, 0, "{out:?}");
    let v = result(&out);
    assert_eq!(v["FROM_PROCESS"], "proc");
    assert_eq!(v["OVERRIDDEN"], "function");
    assert_eq!(v["FROM_PROVIDER"], "p");
    assert_eq!(v["FROM_FUNCTION"], "f");
    assert_eq!(v["FROM_CLI"], "cli");
    assert_eq!(v["NUMBER"], "42");
    // A CloudFormation expression cannot be known locally: warned about, left unset.
    assert_eq!(v["TABLE"], serde_json::Value::Null);
    assert!(
        out.warnings
            .iter()
            .any(|w| w.contains("provider.environment.TABLE") && w.contains("Ref")),
        "{:?}",
        out.warnings
    );
    assert_eq!(v["AWS_REGION"], "provider-wins-over-lambda-vars");
    assert_eq!(v["AWS_DEFAULT_REGION"], "eu-west-1");
    assert_eq!(v["AWS_LAMBDA_FUNCTION_NAME"], "svc-dev-fn");
    assert_eq!(v["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "2048");
    assert_eq!(v["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST");
    assert_eq!(v["AWS_LAMBDA_LOG_GROUP_NAME"], "/aws/lambda/svc-dev-fn");
    assert!(v["AWS_LAMBDA_LOG_STREAM_NAME"]
        .as_str()
        .unwrap_or("")
        .contains("[$LATEST]"));
    assert_eq!(v["LAMBDA_TASK_ROOT"], svc.path().to_string_lossy().as_ref());
    assert_eq!(v["LAMBDA_RUNTIME_DIR"], "/var/runtime");
    assert_eq!(v["AWS_EXECUTION_ENV"], "AWS_Lambda_nodejs20.x");
    assert_eq!(v["IS_LOCAL"], "true");
    assert_eq!(v["AWS_ACCESS_KEY_ID"], serde_json::Value::Null);
}

#[test]
fn is_local_wins_over_configured_but_not_over_cli() {
    let svc = Service::new();
    svc.file("e.js", "exports.h = async () => process.env.IS_LOCAL;");
    let mut cfg = config("nodejs20.x", "e.h");
    cfg["provider"]["environment"] = json!({"IS_LOCAL": "false"});
    let mut req = svc.request(cfg, "fn");
    assert_eq!(run(&req).stdout, "\"true\"");
    req.env_overrides = vec![parse_env_option("IS_LOCAL=cli=value")];
    assert_eq!(run(&req).stdout, "\"cli=value\"");
}

#[test]
fn static_credentials_reach_the_child_and_replace_a_stale_identity() {
    let svc = Service::new();
    svc.file("env.js", ENV_DUMP);
    let mut req = svc.request(env_config(), "fn");
    req.process_env
        .insert("AWS_SESSION_TOKEN".into(), "stale-token".into());
    req.process_env
        .insert("AWS_PROFILE".into(), "someone-else".into());
    req.process_env
        .insert("AWS_ACCESS_KEY_ID".into(), "AKIASHELLSHELLSHELL0".into());
    req.credentials = Some((
        "AKIAIOSFODNN7EXAMPLE".into(),
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        None,
    ));
    let out = run(&req);
    let v = result(&out);
    assert_eq!(v["AWS_ACCESS_KEY_ID"], "AKIAIOSFODNN7EXAMPLE");
    assert_eq!(v["SECRET_MATCHES"], true);
    assert_eq!(v["AWS_SESSION_TOKEN"], serde_json::Value::Null);
    assert_eq!(v["AWS_PROFILE"], serde_json::Value::Null);

    // Secrets appear in no output of sls itself.
    let secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
    assert!(!out.stdout.contains(secret));
    assert!(!out.warnings.iter().any(|w| w.contains(secret)));
    assert!(!format!("{req:?}").contains(secret));
    assert!(!format!("{req:?}").contains("AKIAIOSFODNN7EXAMPLE"));
    let p = plan(&req).expect("plan");
    assert!(!format!("{p:?}").contains(secret));
}

#[test]
fn session_token_reaches_the_child() {
    let svc = Service::new();
    svc.file("env.js", ENV_DUMP);
    let mut req = svc.request(env_config(), "fn");
    req.credentials = Some((
        "ASIAEXAMPLEEXAMPLE00".into(),
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".into(),
        Some("the-session-token".into()),
    ));
    let v = result(&run(&req));
    assert_eq!(v["AWS_ACCESS_KEY_ID"], "ASIAEXAMPLEEXAMPLE00");
    assert_eq!(v["AWS_SESSION_TOKEN"], "the-session-token");
}

#[test]
fn credentials_reach_a_python_child_too() {
    let svc = Service::new();
    svc.file(
        "c.py",
        "import os\ndef h(e, c):\n    return [os.environ.get('AWS_ACCESS_KEY_ID'), os.environ.get('AWS_SESSION_TOKEN'), os.environ.get('IS_LOCAL')]\n",
    );
    let mut req = svc.request(config("python3", "c.h"), "fn");
    req.credentials = Some(("AKIAPY".into(), "secret".into(), Some("tok".into())));
    assert_eq!(result(&run(&req)), json!(["AKIAPY", "tok", "true"]));
}

#[test]
fn event_from_data_path_and_stdin_reaches_the_handler() {
    let svc = Service::new();
    svc.file("echo.js", "exports.h = async (event) => ({ event });");
    svc.file("events/e.json", r#"{"from": "json file"}"#);
    svc.file("events/e.yml", "from: yaml file\nlist:\n  - 1\n  - two\n");
    let cwd = svc.path();
    let cases = [
        (
            parse_event_input(Some(r#"{"from":"data"}"#), None, None, false, cwd),
            json!({"from": "data"}),
        ),
        (
            parse_event_input(None, Some(Path::new("events/e.json")), None, false, cwd),
            json!({"from": "json file"}),
        ),
        (
            parse_event_input(None, Some(Path::new("events/e.yml")), None, false, cwd),
            json!({"from": "yaml file", "list": [1, "two"]}),
        ),
        (
            parse_event_input(
                None,
                None,
                Some("{\"from\": \"stdin\"}\n".into()),
                false,
                cwd,
            ),
            json!({"from": "stdin"}),
        ),
        (
            parse_event_input(None, None, Some("plain text".into()), false, cwd),
            json!("plain text"),
        ),
    ];
    for (event, expected) in cases {
        let mut req = svc.request(config("nodejs20.x", "echo.h"), "fn");
        req.event = event.expect("event parses");
        assert_eq!(result(&run(&req)), json!({ "event": expected }));
    }
}

#[test]
fn event_input_rules() {
    let svc = Service::new();
    svc.file("bad.json", "{not json");
    svc.file("text.txt", "[1, 2]");
    svc.file("data.js", "module.exports = {}");
    let cwd = svc.path();
    // --raw keeps text a string; data wins over path and stdin.
    assert_eq!(
        parse_event_input(Some("{\"a\":1}"), None, None, true, cwd).ok(),
        Some(json!("{\"a\":1}"))
    );
    assert_eq!(
        parse_event_input(
            Some("42"),
            Some(Path::new("missing.json")),
            Some("x".into()),
            false,
            cwd
        )
        .ok(),
        Some(json!(42))
    );
    // Nothing at all: an empty object.
    assert_eq!(
        parse_event_input(None, None, None, false, cwd).ok(),
        Some(json!({}))
    );
    assert_eq!(
        parse_event_input(None, None, Some(String::new()), false, cwd).ok(),
        Some(json!({}))
    );
    // Other files are text, parsed like --data.
    assert_eq!(
        parse_event_input(None, Some(Path::new("text.txt")), None, false, cwd).ok(),
        Some(json!([1, 2]))
    );
    assert_eq!(
        parse_event_input(None, Some(Path::new("text.txt")), None, true, cwd).ok(),
        Some(json!("[1, 2]"))
    );
    // Absolute paths are used as they are.
    let abs = cwd.join("text.txt");
    assert!(parse_event_input(None, Some(&abs), None, false, Path::new("/")).is_ok());

    let err = parse_event_input(None, Some(Path::new("missing.json")), None, false, cwd)
        .expect_err("missing");
    assert!(matches!(err, InvokeError::EventFileNotFound { .. }));
    assert!(err.to_string().contains("missing.json"), "{err}");
    let err = parse_event_input(None, Some(Path::new("bad.json")), None, false, cwd)
        .expect_err("bad json");
    assert!(err.to_string().starts_with("Parsing of "), "{err}");
    let err =
        parse_event_input(None, Some(Path::new("data.js")), None, false, cwd).expect_err("js");
    assert!(err.to_string().contains("JSON or YAML only"), "{err}");
    assert_eq!(
        err.hint().as_deref(),
        Some("Export the data as .json or .yml.")
    );
}

#[test]
fn context_input_rules() {
    let svc = Service::new();
    svc.file("ctx.yml", "custom: true\nword: yes\n");
    let cwd = svc.path();
    assert_eq!(parse_context_input(None, None, false, cwd).ok(), Some(None));
    assert_eq!(
        parse_context_input(Some(r#"{"a": 1}"#), None, false, cwd).ok(),
        Some(Some(json!({"a": 1})))
    );
    assert_eq!(
        parse_context_input(Some("ignored"), Some(Path::new("ctx.yml")), false, cwd).ok(),
        Some(Some(json!({"custom": true, "word": "yes"})))
    );
    let err = parse_context_input(Some("not an object"), None, false, cwd).expect_err("string");
    assert!(err.to_string().contains("JSON object"), "{err}");
    assert!(matches!(
        parse_context_input(None, Some(Path::new("nope.json")), false, cwd),
        Err(InvokeError::ContextFileNotFound { .. })
    ));
}

#[test]
fn unknown_function_lists_the_service_functions() {
    let svc = Service::new();
    let mut cfg = config("nodejs20.x", "h.h");
    cfg["functions"]["second"] = json!({"handler": "h.h"});
    let err = invoke_local(&svc.request(cfg, "nope")).expect_err("unknown");
    assert_eq!(
        err.to_string(),
        "Function \"nope\" is not defined in this service (functions: fn, second)."
    );
    assert_eq!(
        err.hint().as_deref(),
        Some("Check the name given to --function.")
    );
    let err = invoke_local(&svc.request(json!({"service": "s"}), "nope")).expect_err("none");
    assert!(
        err.to_string().contains("(functions: none defined)"),
        "{err}"
    );
}

#[test]
fn unsupported_runtime_is_a_clear_error() {
    let svc = Service::new();
    let mut cfg = config("nodejs20.x", "h.h");
    cfg["functions"]["fn"]["runtime"] = json!("java21");
    let err = invoke_local(&svc.request(cfg, "fn")).expect_err("java");
    assert!(matches!(err, InvokeError::UnsupportedRuntime { .. }));
    assert!(
        err.to_string()
            .starts_with("Runtime \"java21\" of function \"fn\" is not supported by invoke local (supported: nodejs*, python3.*)"),
        "{err}"
    );
    let err = invoke_local(&svc.request(config("python2.7", "h.h"), "fn")).expect_err("py2");
    assert!(matches!(err, InvokeError::UnsupportedRuntime { .. }));
}

#[test]
fn runtime_defaults_to_node_and_other_config_errors() {
    let svc = Service::new();
    let cfg = json!({"service": "s", "functions": {
        "fn": {"handler": "h.h"},
        "img": {"image": "123.dkr.ecr.us-east-1.amazonaws.com/x:latest"},
        "nohandler": {},
        "badhandler": {"handler": "nodot"}
    }});
    let p = plan(&svc.request(cfg.clone(), "fn")).expect("plan");
    assert_eq!(p.runtime, "nodejs16.x");
    assert_eq!(p.function_name, "s-dev-fn");
    assert_eq!(p.timeout_secs, 6.0);
    assert_eq!(p.memory_mb, 1024);
    assert!(matches!(
        plan(&svc.request(cfg.clone(), "img")),
        Err(InvokeError::ImageFunction { .. })
    ));
    assert!(matches!(
        plan(&svc.request(cfg.clone(), "nohandler")),
        Err(InvokeError::MissingHandler { .. })
    ));
    assert!(matches!(
        plan(&svc.request(cfg, "badhandler")),
        Err(InvokeError::InvalidHandler { .. })
    ));
}

#[test]
fn interpreter_missing_from_path() {
    let svc = Service::new();
    let mut req = svc.request(config("nodejs20.x", "h.h"), "fn");
    req.process_env
        .insert("PATH".into(), "/nonexistent-dir".into());
    let err = invoke_local(&req).expect_err("no node");
    assert_eq!(
        err.to_string(),
        "`node` was not found on PATH (needed for runtime \"nodejs20.x\" of function \"fn\")."
    );
    assert_eq!(err.hint().as_deref(), Some("Install it or put it on PATH."));
}

#[test]
fn relative_service_dir_is_made_absolute() {
    let svc = Service::new();
    svc.file(
        "rel.js",
        "exports.h = async () => process.env.LAMBDA_TASK_ROOT;",
    );
    let mut req = svc.request(config("nodejs20.x", "rel.h"), "fn");
    let cwd = std::env::current_dir().expect("cwd");
    let rel = pathdiff(svc.path(), &cwd);
    req.service_dir = rel.clone();
    let p = plan(&req).expect("plan");
    assert!(p.task_root.is_absolute(), "{:?}", p.task_root);
    let out = run(&req);
    assert_eq!(out.exit_code, 0, "{out:?} (service dir {rel:?})");
}

/// `target` relative to `base` through `..` segments.
fn pathdiff(target: &Path, base: &Path) -> std::path::PathBuf {
    let mut rel = std::path::PathBuf::new();
    for _ in base.components().skip(1) {
        rel.push("..");
    }
    rel.join(target.strip_prefix("/").unwrap_or(target))
}
