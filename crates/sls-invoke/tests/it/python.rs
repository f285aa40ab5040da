//! End-to-end: Python handlers run by the real `python3` on this machine.

use crate::common;

use common::{config, result, run, Service};
use serde_json::json;
use sls_invoke::{plan, InvokeStatus};

/// The machine's python3 minor version as a runtime name, e.g. `python3.11`.
fn local_python_runtime() -> String {
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys; print('python3.%d' % sys.version_info[1])",
        ])
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn sync_handler_with_context_fields() {
    let svc = Service::new();
    svc.file(
        "handler.py",
        r#"
def hello(event, context):
    print("a print from the handler")
    return {
        "event": event,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "aws_request_id": context.aws_request_id,
        "log_group_name": context.log_group_name,
        "log_stream_name": context.log_stream_name,
        "remaining": context.get_remaining_time_in_millis(),
    }
"#,
    );
    let mut cfg = config(&local_python_runtime(), "handler.hello");
    cfg["functions"]["fn"]["memorySize"] = json!(256);
    cfg["functions"]["fn"]["timeout"] = json!(30);
    let mut req = svc.request(cfg, "fn");
    req.event = json!({"k": [1, "two"]});
    let out = run(&req);
    assert_eq!(out.exit_code, 0, "{out:?}");
    assert!(out.warnings.is_empty(), "{:?}", out.warnings);
    let v = result(&out);
    assert_eq!(v["event"], json!({"k": [1, "two"]}));
    assert_eq!(v["function_name"], "svc-dev-fn");
    assert_eq!(v["function_version"], "$LATEST");
    assert_eq!(
        v["invoked_function_arn"],
        "arn:aws:lambda:eu-west-1:serverless:function:svc-dev-fn"
    );
    assert_eq!(v["memory_limit_in_mb"], "256");
    assert_eq!(v["aws_request_id"].as_str().map(str::len), Some(36));
    assert_eq!(v["log_group_name"], "/aws/lambda/svc-dev-fn");
    let remaining = v["remaining"].as_u64().unwrap_or(0);
    assert!(remaining > 15_000 && remaining <= 30_000, "{remaining}");
    // json.dumps(result, indent=4), as v3 prints it.
    assert!(
        out.stdout
            .starts_with("{\n    \"event\": {\n        \"k\": ["),
        "{}",
        out.stdout
    );
    let logs = out.logs.unwrap_or_default();
    assert!(logs.contains("a print from the handler"), "{logs}");
    assert!(!out.stdout.contains("a print"));
}

#[test]
fn nested_module_path_and_decimal_results() {
    let svc = Service::new();
    svc.file("src/__init__.py", "");
    svc.file("src/handlers/__init__.py", "");
    svc.file(
        "src/handlers/app.py",
        "import decimal\ndef main(event, context):\n    return {'price': decimal.Decimal('1.5'), 'count': decimal.Decimal('3')}\n",
    );
    let out = run(&svc.request(config("python3", "src/handlers/app.main"), "fn"));
    assert_eq!(out.exit_code, 0, "{out:?}");
    assert_eq!(result(&out), json!({"price": 1.5, "count": 3}));
}

#[test]
fn exception_exits_1_with_lambda_error_shape() {
    let svc = Service::new();
    svc.file(
        "boom.py",
        "def h(event, context):\n    raise ValueError('bad input: %s' % event['x'])\n",
    );
    let mut req = svc.request(config("python3", "boom.h"), "fn");
    req.event = json!({"x": 7});
    let out = run(&req);
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.status, InvokeStatus::Failed);
    let v = result(&out);
    assert_eq!(v["errorType"], "ValueError");
    assert_eq!(v["errorMessage"], "bad input: 7");
    assert!(v["stackTrace"].as_array().is_some_and(|s| !s.is_empty()));
}

#[test]
fn timeout_exits_1() {
    let svc = Service::new();
    svc.file("slow.py", "import time\ndef h(e, c):\n    time.sleep(30)\n");
    let mut cfg = config("python3", "slow.h");
    cfg["functions"]["fn"]["timeout"] = json!(1);
    let out = run(&svc.request(cfg, "fn"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.status, InvokeStatus::TimedOut { seconds: 1.0 });
    assert!(out.duration.as_secs() < 10);
}

#[test]
fn import_error_and_missing_function() {
    let svc = Service::new();
    svc.file("ok.py", "def other(e, c):\n    return 1\n");
    let mut cfg = config("python3", "ok.nope");
    cfg["functions"]["gone"] = json!({"handler": "nosuch.h"});
    let out = run(&svc.request(cfg.clone(), "fn"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(result(&out)["errorType"], "Runtime.HandlerNotFound");
    let out = run(&svc.request(cfg, "gone"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(result(&out)["errorType"], "Runtime.ImportModuleError");
}

#[test]
fn none_result_and_string_result() {
    let svc = Service::new();
    svc.file(
        "r.py",
        "def none(e, c):\n    return None\ndef text(e, c):\n    return 'plain'\n",
    );
    let mut cfg = config("python3", "r.none");
    cfg["functions"]["text"] = json!({"handler": "r.text"});
    assert_eq!(run(&svc.request(cfg.clone(), "fn")).stdout, "null");
    assert_eq!(run(&svc.request(cfg, "text")).stdout, "\"plain\"");
}

#[test]
fn unserializable_result_is_a_marshal_error() {
    let svc = Service::new();
    svc.file("r.py", "def h(e, c):\n    return {'s': {1, 2}}\n");
    let out = run(&svc.request(config("python3", "r.h"), "fn"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(result(&out)["errorType"], "Runtime.MarshalError");
}

#[test]
fn sys_exit_without_result_is_a_crash() {
    let svc = Service::new();
    svc.file("x.py", "import sys\ndef h(e, c):\n    sys.exit(4)\n");
    let out = run(&svc.request(config("python3", "x.h"), "fn"));
    assert_eq!(out.exit_code, 1);
    assert!(matches!(
        out.status,
        InvokeStatus::Crashed { code: Some(4), .. }
    ));
}

#[test]
fn custom_context_sets_attributes() {
    let svc = Service::new();
    svc.file(
        "c.py",
        "def h(e, c):\n    return {'extra': c.extra, 'name': c.function_name}\n",
    );
    let mut req = svc.request(config("python3", "c.h"), "fn");
    req.context_override = Some(json!({"extra": 5}));
    assert_eq!(
        result(&run(&req)),
        json!({"extra": 5, "name": "svc-dev-fn"})
    );
}

#[test]
fn missing_versioned_interpreter_falls_back_to_python3_with_a_warning() {
    let svc = Service::new();
    svc.file(
        "h.py",
        "import sys\ndef h(e, c):\n    return sys.version_info[0]\n",
    );
    let req = svc.request(config("python3.99", "h.h"), "fn");
    let p = plan(&req).expect("plan");
    assert!(p.program.ends_with("python3"), "{:?}", p.program);
    let out = run(&req);
    assert_eq!(out.stdout, "3");
    assert!(
        out.warnings.iter().any(|w| w.contains("python3.99")),
        "{:?}",
        out.warnings
    );
}

#[test]
fn versioned_interpreter_is_preferred_when_present() {
    let runtime = local_python_runtime();
    let svc = Service::new();
    let req = svc.request(config(&runtime, "h.h"), "fn");
    let p = plan(&req).expect("plan");
    assert!(p.program.ends_with(&runtime), "{:?}", p.program);
}
