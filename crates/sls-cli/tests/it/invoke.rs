//! `sls invoke local` through the binary: the chain's credentials reach the
//! handler (and only the handler), and sls says whose identity it used.

use crate::common;
use common::{profile, Sls};

const HANDLER_JS: &str = "module.exports.env = async (event) => ({\n  key: process.env.AWS_ACCESS_KEY_ID,\n  hasSecret: Boolean(process.env.AWS_SECRET_ACCESS_KEY),\n  stage: process.env.STAGE,\n  event,\n});\n";

fn service() -> Sls {
    let sls = Sls::new();
    sls.credentials(&format!(
        "{}{}",
        profile("team", "AKIATEAMINVOKE00001"),
        profile("other", "AKIAOTHERINVOKE0002")
    ));
    sls.file(
        "serverless.yml",
        "service: inv\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  profile: team\n  environment:\n    STAGE: ${sls:stage}\nfunctions:\n  env:\n    handler: handler.env\n  py:\n    handler: handler.main\n    runtime: python3.11\n  java:\n    handler: x.Y\n    runtime: java17\n",
    );
    sls.file("handler.js", HANDLER_JS);
    sls.file(
        "handler.py",
        "import os\ndef main(event, context):\n    return {'key': os.environ.get('AWS_ACCESS_KEY_ID'), 'fn': context.function_name}\n",
    );
    sls
}

#[test]
fn provider_profile_credentials_reach_the_handler() {
    let sls = service();
    let run = sls
        .run(&["invoke", "local", "-f", "env", "--data", "{\"a\":1}"])
        .ok();
    let out = run.json();
    assert_eq!(out["key"], "AKIATEAMINVOKE00001");
    assert_eq!(out["hasSecret"], true);
    assert_eq!(out["stage"], "dev");
    assert_eq!(out["event"]["a"], 1);
    assert!(
        run.stderr
            .contains("Using profile \"team\" (provider.profile)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not its IAM role"), "{}", run.stderr);
    assert!(!run.all().contains("secret-of-"), "{}", run.all());
}

#[test]
fn aws_profile_option_wins_in_the_handler_too() {
    let sls = service();
    let run = sls
        .run(&["invoke", "local", "-f", "env", "--aws-profile", "other"])
        .ok();
    assert_eq!(run.json()["key"], "AKIAOTHERINVOKE0002");
    assert!(run.stderr.contains("\"other\""), "{}", run.stderr);
}

#[test]
fn python_handler_and_stdin_event() {
    let mut sls = service();
    sls.stdin("{\"from\":\"stdin\"}");
    let run = sls
        .run(&["invoke", "local", "--function", "py", "-s", "prod"])
        .ok();
    let out = run.json();
    assert_eq!(out["key"], "AKIATEAMINVOKE00001");
    assert_eq!(out["fn"], "inv-prod-py");
}

#[test]
fn unknown_function_and_unsupported_runtime_are_clear_errors() {
    let sls = service();
    let run = sls.run(&["invoke", "local", "-f", "nope"]).failed(1);
    assert!(run.stderr.contains("\"nope\""), "{}", run.stderr);
    let run = sls.run(&["invoke", "local", "-f", "java"]).failed(1);
    assert!(
        run.stderr.contains("not supported by invoke local"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_throwing_handler_exits_1_with_the_lambda_error_shape() {
    let sls = service();
    sls.file(
        "handler.js",
        "module.exports.env = async () => { throw new TypeError('boom'); };\n",
    );
    let run = sls.run(&["invoke", "local", "-f", "env"]).failed(1);
    let out = run.json();
    assert_eq!(out["errorType"], "TypeError");
    assert_eq!(out["errorMessage"], "boom");
}

#[test]
fn command_options_are_visible_to_opt_variables() {
    let sls = Sls::new();
    sls.credentials(&profile("team", "AKIATEAMINVOKE00001"));
    sls.file(
        "serverless.yml",
        "service: inv\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  profile: team\n  environment:\n    WHICH: ${opt:function}\n    RAW: ${opt:raw, 'no'}\nfunctions:\n  which:\n    handler: handler.which\n",
    );
    sls.file(
        "handler.js",
        "module.exports.which = async () => ({ which: process.env.WHICH, raw: process.env.RAW });\n",
    );
    let run = sls
        .run(&["invoke", "local", "-f", "which", "-e", "A=1"])
        .ok();
    let out = run.json();
    assert_eq!(out["which"], "which");
    assert_eq!(out["raw"], "no");

    // print sees its own options: --path custom.p prints "custom.p".
    sls.file(
        "serverless.yml",
        "service: inv\nprovider:\n  name: aws\ncustom:\n  p: ${opt:path}\n  f: ${opt:format, 'default'}\n",
    );
    let run = sls.run(&["print", "--path", "custom.p"]).ok();
    assert_eq!(run.stdout.trim(), "custom.p");
    let run = sls
        .run(&["print", "--format", "json", "--path", "custom.f"])
        .ok();
    assert_eq!(run.stdout.trim(), "\"json\"");
}
