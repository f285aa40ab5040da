//! End-to-end: Node.js handlers run by the real `node` on this machine.

use crate::common;

use common::{config, result, run, Service};
use serde_json::json;
use sls_invoke::InvokeStatus;

const ECHO_CJS: &str = r#"
module.exports.hello = async (event, context) => {
  console.log('a log line from the handler');
  process.stdout.write('raw stdout write\n');
  console.error('an error log line');
  return { event, remaining: context.getRemainingTimeInMillis() };
};
"#;

#[test]
fn async_commonjs_handler_result_on_stdout_logs_elsewhere() {
    let svc = Service::new();
    svc.file("handler.js", ECHO_CJS);
    let mut req = svc.request(config("nodejs20.x", "handler.hello"), "fn");
    req.event = json!({"name": "Ada", "n": [1, 2]});
    let out = run(&req);
    assert_eq!(out.exit_code, 0, "{out:?}");
    assert_eq!(out.status, InvokeStatus::Succeeded);
    let v = result(&out);
    assert_eq!(v["event"], json!({"name": "Ada", "n": [1, 2]}));
    // JSON.stringify(result, null, 4), as v3 prints it.
    assert!(
        out.stdout
            .starts_with("{\n    \"event\": {\n        \"name\": \"Ada\""),
        "{}",
        out.stdout
    );
    let logs = out.logs.unwrap_or_default();
    assert!(logs.contains("a log line from the handler"), "{logs}");
    assert!(logs.contains("raw stdout write"), "{logs}");
    assert!(logs.contains("an error log line"), "{logs}");
    assert!(!out.stdout.contains("log line"));
}

#[test]
fn context_fields_match_lambda() {
    let svc = Service::new();
    svc.file(
        "src/ctx.js",
        r#"exports.main = async (event, context) => ({
            functionName: context.functionName,
            functionVersion: context.functionVersion,
            invokedFunctionArn: context.invokedFunctionArn,
            memoryLimitInMB: context.memoryLimitInMB,
            awsRequestId: context.awsRequestId,
            logGroupName: context.logGroupName,
            logStreamName: context.logStreamName,
            remaining: context.getRemainingTimeInMillis(),
            callbackWaits: context.callbackWaitsForEmptyEventLoop,
        });"#,
    );
    let mut cfg = config("nodejs20.x", "src/ctx.main");
    cfg["provider"]["memorySize"] = json!(512);
    cfg["provider"]["timeout"] = json!(20);
    let out = run(&svc.request(cfg, "fn"));
    assert_eq!(out.exit_code, 0, "{out:?}");
    let v = result(&out);
    assert_eq!(v["functionName"], "svc-dev-fn");
    assert_eq!(v["functionVersion"], "$LATEST");
    assert_eq!(
        v["invokedFunctionArn"],
        "arn:aws:lambda:eu-west-1:serverless:function:svc-dev-fn"
    );
    assert_eq!(v["memoryLimitInMB"], "512");
    assert_eq!(v["logGroupName"], "/aws/lambda/svc-dev-fn");
    assert!(v["logStreamName"]
        .as_str()
        .unwrap_or_default()
        .contains("/[$LATEST]"));
    let id = v["awsRequestId"].as_str().unwrap_or_default();
    assert_eq!(id.len(), 36, "{id}");
    let remaining = v["remaining"].as_u64().unwrap_or_default();
    assert!(remaining > 15_000 && remaining <= 20_000, "{remaining}");
    assert_eq!(v["callbackWaits"], true);
}

#[test]
fn function_settings_win_over_provider() {
    let svc = Service::new();
    svc.file(
        "h.js",
        "exports.h = async (e, c) => ({ name: c.functionName, mem: c.memoryLimitInMB, t: c.getRemainingTimeInMillis() });",
    );
    let cfg = json!({
        "service": {"name": "svc"},
        "provider": {"runtime": "nodejs18.x", "memorySize": 512, "timeout": 30},
        "functions": {"fn": {"handler": "h.h", "name": "custom-name", "memorySize": "256", "timeout": 3}}
    });
    let out = run(&svc.request(cfg, "fn"));
    let v = result(&out);
    assert_eq!(v["name"], "custom-name");
    assert_eq!(v["mem"], "256");
    assert!(v["t"].as_u64().unwrap_or(0) <= 3000);
}

#[test]
fn callback_style_handler() {
    let svc = Service::new();
    svc.file(
        "cb.js",
        "exports.h = (event, context, callback) => { setTimeout(() => callback(null, { ok: event.x }), 10); };",
    );
    let mut req = svc.request(config("nodejs20.x", "cb.h"), "fn");
    req.event = json!({"x": 42});
    let out = run(&req);
    assert_eq!(out.exit_code, 0, "{out:?}");
    assert_eq!(result(&out), json!({"ok": 42}));
}

#[test]
fn callback_error_is_lambda_error_shape() {
    let svc = Service::new();
    svc.file(
        "cb.js",
        "exports.h = (e, c, cb) => cb(new RangeError('too far'));",
    );
    let out = run(&svc.request(config("nodejs20.x", "cb.h"), "fn"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.status, InvokeStatus::Failed);
    let v = result(&out);
    assert_eq!(v["errorType"], "RangeError");
    assert_eq!(v["errorMessage"], "too far");
    assert!(v["stackTrace"].as_array().is_some_and(|s| !s.is_empty()));
}

#[test]
fn promise_returning_handler() {
    let svc = Service::new();
    svc.file(
        "p.js",
        "exports.h = (event) => new Promise((resolve) => setTimeout(() => resolve({ doubled: event.n * 2 }), 5));",
    );
    let mut req = svc.request(config("nodejs20.x", "p.h"), "fn");
    req.event = json!({"n": 21});
    let out = run(&req);
    assert_eq!(result(&out), json!({"doubled": 42}));
}

#[test]
fn async_handler_does_not_wait_for_open_handles() {
    // Lambda returns when the promise settles, even with timers still pending.
    let svc = Service::new();
    svc.file(
        "p.js",
        "exports.h = async () => { setInterval(() => {}, 1000); return 'done'; };",
    );
    let out = run(&svc.request(config("nodejs20.x", "p.h"), "fn"));
    assert_eq!(out.exit_code, 0, "{out:?}");
    assert_eq!(out.stdout, "\"done\"");
    assert!(out.duration.as_secs() < 5);
}

#[test]
fn esm_mjs_handler() {
    let svc = Service::new();
    svc.file(
        "handlers/esm.mjs",
        "export const handler = async (event) => ({ esm: true, got: event });",
    );
    let mut req = svc.request(config("nodejs20.x", "handlers/esm.handler"), "fn");
    req.event = json!("hi");
    let out = run(&req);
    assert_eq!(out.exit_code, 0, "{out:?}");
    assert_eq!(result(&out), json!({"esm": true, "got": "hi"}));
}

#[test]
fn esm_js_with_type_module_in_nearest_package_json() {
    let svc = Service::new();
    svc.file("package.json", r#"{"name": "svc"}"#);
    svc.file("src/package.json", r#"{"type": "module"}"#);
    svc.file(
        "src/app.js",
        "import { basename } from 'node:path';\nexport async function handler() { return { esm: basename('/a/b.txt') }; }",
    );
    let out = run(&svc.request(config("nodejs20.x", "src/app.handler"), "fn"));
    assert_eq!(out.exit_code, 0, "{out:?}");
    assert_eq!(result(&out), json!({"esm": "b.txt"}));
}

#[test]
fn cjs_extension_handler() {
    let svc = Service::new();
    svc.file("package.json", r#"{"type": "module"}"#);
    svc.file(
        "legacy.cjs",
        "module.exports.h = async () => ({ cjs: true });",
    );
    let out = run(&svc.request(config("nodejs20.x", "legacy.h"), "fn"));
    assert_eq!(result(&out), json!({"cjs": true}));
}

#[test]
fn thrown_error_exits_1_with_lambda_error_shape() {
    let svc = Service::new();
    svc.file(
        "boom.js",
        "exports.h = async () => { const o = undefined; return o.field; };",
    );
    let out = run(&svc.request(config("nodejs20.x", "boom.h"), "fn"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.status, InvokeStatus::Failed);
    let v = result(&out);
    assert_eq!(v["errorType"], "TypeError");
    assert!(v["errorMessage"]
        .as_str()
        .unwrap_or_default()
        .contains("field"));
    assert!(v["stackTrace"][0]
        .as_str()
        .unwrap_or_default()
        .starts_with("TypeError"));
}

#[test]
fn synchronous_throw_and_non_error_rejection() {
    let svc = Service::new();
    svc.file(
        "t.js",
        "exports.sync = () => { throw new Error('sync boom'); };\nexports.str = async () => { throw 'just a string'; };",
    );
    let mut cfg = config("nodejs20.x", "t.sync");
    cfg["functions"]["str"] = json!({"handler": "t.str"});
    let out = run(&svc.request(cfg.clone(), "fn"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(result(&out)["errorMessage"], "sync boom");
    let out = run(&svc.request(cfg, "str"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(result(&out), json!({"errorMessage": "just a string"}));
}

#[test]
fn timeout_kills_the_process_group_and_exits_1() {
    let svc = Service::new();
    let pid_file = svc.path().join("grandchild.pid");
    svc.file(
        "slow.js",
        &format!(
            r#"const {{ spawn }} = require('child_process');
            exports.h = async () => {{
              const c = spawn('sleep', ['30'], {{ stdio: 'ignore' }});
              require('fs').writeFileSync({:?}, String(c.pid));
              await new Promise((r) => setTimeout(r, 30000));
              return 'never';
            }};"#,
            pid_file.to_string_lossy()
        ),
    );
    let mut cfg = config("nodejs20.x", "slow.h");
    cfg["functions"]["fn"]["timeout"] = json!(1);
    let out = run(&svc.request(cfg, "fn"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(out.status, InvokeStatus::TimedOut { seconds: 1.0 });
    assert!(out.duration.as_millis() >= 1000 && out.duration.as_secs() < 10);
    assert_eq!(
        result(&out)["errorMessage"],
        "Task timed out after 1.00 seconds"
    );
    let msg = out.status.message("fn").unwrap_or_default();
    assert!(msg.contains("timed out after 1 seconds"), "{msg}");

    // The grandchild (`sleep 30`) was in the killed group.
    let pid = std::fs::read_to_string(&pid_file).unwrap_or_default();
    assert!(!pid.is_empty(), "handler did not start its child");
    // SIGKILL takes effect asynchronously: wait (bounded) for the kernel to end it.
    let gone = |stat: &str| {
        let state = stat.rsplit(')').next().unwrap_or("").trim().chars().next();
        matches!(state, None | Some('Z') | Some('X'))
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let mut stat = String::new();
    while std::time::Instant::now() < deadline {
        stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        if gone(&stat) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(gone(&stat), "grandchild still running: {stat}");
}

#[test]
fn busy_loop_is_killed_at_timeout() {
    let svc = Service::new();
    svc.file("busy.js", "exports.h = () => { for (;;) {} };");
    let mut cfg = config("nodejs20.x", "busy.h");
    cfg["provider"]["timeout"] = json!(1);
    let out = run(&svc.request(cfg, "fn"));
    assert_eq!(out.exit_code, 1);
    assert!(matches!(out.status, InvokeStatus::TimedOut { .. }));
}

#[test]
fn undefined_result_prints_nothing() {
    let svc = Service::new();
    svc.file(
        "u.js",
        "exports.h = async () => { console.log('side effect'); };",
    );
    let out = run(&svc.request(config("nodejs20.x", "u.h"), "fn"));
    assert_eq!(out.exit_code, 0);
    assert_eq!(out.stdout, "");
}

#[test]
fn falsy_results_are_printed() {
    let svc = Service::new();
    svc.file("f.js", "exports.h = async () => 0;");
    let out = run(&svc.request(config("nodejs20.x", "f.h"), "fn"));
    assert_eq!(out.stdout, "0");
}

#[test]
fn json_api_response_body_is_shown_parsed() {
    let svc = Service::new();
    svc.file(
        "api.js",
        r#"exports.h = async () => ({ statusCode: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ a: 1 }) });"#,
    );
    let out = run(&svc.request(config("nodejs20.x", "api.h"), "fn"));
    assert_eq!(result(&out)["body"], json!({"a": 1}));
}

#[test]
fn custom_context_is_laid_over_the_lambda_context() {
    let svc = Service::new();
    svc.file(
        "c.js",
        "exports.h = async (e, c) => ({ extra: c.extra, name: c.functionName, t: typeof c.getRemainingTimeInMillis });",
    );
    let mut req = svc.request(config("nodejs20.x", "c.h"), "fn");
    req.context_override = Some(json!({"extra": {"k": "v"}}));
    let out = run(&req);
    assert_eq!(
        result(&out),
        json!({"extra": {"k": "v"}, "name": "svc-dev-fn", "t": "function"})
    );
}

#[test]
fn missing_export_and_missing_module_are_lambda_errors() {
    let svc = Service::new();
    svc.file("m.js", "exports.other = () => 1;");
    let mut cfg = config("nodejs20.x", "m.nope");
    cfg["functions"]["gone"] = json!({"handler": "missing/file.h"});
    let out = run(&svc.request(cfg.clone(), "fn"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(result(&out)["errorType"], "Runtime.HandlerNotFound");
    let out = run(&svc.request(cfg, "gone"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(result(&out)["errorType"], "Runtime.ImportModuleError");
}

#[test]
fn process_exit_without_result_is_a_crash() {
    let svc = Service::new();
    svc.file("x.js", "exports.h = async () => { process.exit(3); };");
    let out = run(&svc.request(config("nodejs20.x", "x.h"), "fn"));
    assert_eq!(out.exit_code, 1);
    assert_eq!(
        out.status,
        InvokeStatus::Crashed {
            code: Some(3),
            signal: None
        }
    );
    assert!(out
        .status
        .message("fn")
        .unwrap_or_default()
        .contains("code 3"));
}

#[test]
fn handler_runs_in_the_service_directory() {
    let svc = Service::new();
    svc.file("data.txt", "from the service dir");
    svc.file(
        "r.js",
        "exports.h = async () => require('fs').readFileSync('data.txt', 'utf8');",
    );
    let out = run(&svc.request(config("nodejs20.x", "r.h"), "fn"));
    assert_eq!(out.stdout, "\"from the service dir\"");
}
