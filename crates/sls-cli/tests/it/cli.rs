//! The command line itself: help, version, usage errors, `sls print`.

use crate::common;
use common::Sls;

#[test]
fn version_and_help() {
    let sls = Sls::new();
    let run = sls.run(&["--version"]).ok();
    assert!(run.stdout.starts_with("sls "), "{}", run.stdout);
    let run = sls.run(&["--help"]).ok();
    for cmd in [
        "print",
        "config",
        "credentials",
        "deploy",
        "info",
        "remove",
        "invoke",
        "package",
    ] {
        assert!(
            run.stdout.contains(cmd),
            "help lacks {cmd}:\n{}",
            run.stdout
        );
    }
    let run = sls.run(&["print", "--help"]).ok();
    for opt in [
        "--stage",
        "--region",
        "--aws-profile",
        "--config",
        "--param",
        "--format",
        "--path",
    ] {
        assert!(
            run.stdout.contains(opt),
            "print help lacks {opt}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn unknown_options_are_usage_errors_in_serverless_words() {
    let sls = Sls::new();
    let run = sls.run(&["print", "--profile", "x"]).failed(2);
    assert!(
        run.stderr
            .contains("Detected unrecognized CLI options: \"--profile\"."),
        "{}",
        run.stderr
    );
    let run = sls.run(&["credentials", "show", "--what=1"]).failed(2);
    assert!(
        run.stderr
            .contains("Detected unrecognized CLI options: \"--what\"."),
        "{}",
        run.stderr
    );
    let run = sls.run(&["frobnicate"]).failed(2);
    assert!(run.stderr.contains("\"frobnicate\""), "{}", run.stderr);
}

#[test]
fn print_outside_a_service_folder_says_so() {
    let sls = Sls::new();
    let run = sls.run(&["print"]).failed(1);
    assert!(run.stderr.contains("serverless.yml"), "{}", run.stderr);
    assert!(!run.stderr.contains("panicked"));
}

#[test]
fn javascript_service_files_are_refused_clearly() {
    let sls = Sls::new();
    sls.file("serverless.js", "module.exports = {}");
    let run = sls.run(&["print"]).failed(1);
    assert!(run.stderr.contains("serverless.js"), "{}", run.stderr);
    assert!(
        run.stderr.to_lowercase().contains("not supported"),
        "{}",
        run.stderr
    );
}

#[test]
fn print_resolves_variables_with_options_env_and_params() {
    let mut sls = Sls::new();
    sls.env("GREETING", "hi");
    sls.file(
        "serverless.yml",
        "service: svc\nprovider:\n  name: aws\n  stage: ${opt:stage, 'dev'}\n  memorySize: ${param:mem}\nparams:\n  default:\n    mem: 128\n  prod:\n    mem: 512\ncustom:\n  greeting: ${env:GREETING}-${sls:stage}\n  ref: !Ref Thing\nfunctions:\n  hello:\n    handler: h.hello\n",
    );
    let json = sls
        .run(&["print", "--format", "json", "--stage", "prod"])
        .ok()
        .json();
    assert_eq!(json["provider"]["stage"], "prod");
    assert_eq!(json["provider"]["region"], "us-east-1");
    assert_eq!(json["provider"]["memorySize"], 512);
    assert_eq!(json["custom"]["greeting"], "hi-prod");
    assert_eq!(json["custom"]["ref"], serde_json::json!({"Ref": "Thing"}));
    assert_eq!(json["functions"]["hello"]["name"], "svc-prod-hello");
    let run = sls
        .run(&[
            "print",
            "--path",
            "custom.greeting",
            "--format",
            "text",
            "--param",
            "mem=64",
        ])
        .ok();
    assert_eq!(run.stdout.trim(), "hi-dev");
    let json = sls
        .run(&["print", "--format", "json", "--param", "mem=64"])
        .ok()
        .json();
    assert_eq!(json["provider"]["memorySize"], 64);
}

#[test]
fn dashboard_org_and_app_are_named_once_and_dashboard_params_are_an_error() {
    let yml = |extra: &str| {
        format!(
            "{extra}service: svc\nprovider:\n  name: aws\n  memorySize: ${{param:mem}}\nparams:\n  default:\n    mem: 256\nfunctions:\n  hello:\n    handler: h.hello\n"
        )
    };
    let sls = Sls::new();
    sls.file("h.js", "exports.hello = async () => 1;\n");
    sls.file("serverless.yml", &yml("org: acme\napp: shop\n"));
    // Said once, on stderr, for print and for package; params of `params:` resolve as before.
    let run = sls.run(&["print", "--format", "json"]).ok();
    assert_eq!(run.json()["provider"]["memorySize"], 256);
    let notice = "Notice: serverless.yml sets `org` and `app` (Serverless Dashboard). sls does not use the Dashboard: the handlers are not wrapped with the Dashboard's instrumentation, and no Dashboard parameters, outputs or credentials are read";
    assert_eq!(run.stderr.matches(notice).count(), 1, "{}", run.stderr);
    let run = sls.run(&["package"]).ok();
    assert_eq!(
        run.stderr.matches("Serverless Dashboard").count(),
        1,
        "{}",
        run.stderr
    );
    // One key alone is named alone.
    sls.file("serverless.yml", &yml("org: acme\n"));
    let run = sls.run(&["print"]).ok();
    assert!(
        run.stderr.contains("sets `org` (Serverless Dashboard)"),
        "{}",
        run.stderr
    );
    // Without them: no notice.
    sls.file("serverless.yml", &yml(""));
    let run = sls.run(&["print"]).ok();
    assert!(!run.stderr.contains("Dashboard"), "{}", run.stderr);
    // A param only the Dashboard could hold: the variable, where, and what to do.
    sls.file(
        "serverless.yml",
        &yml("org: acme\napp: shop\ncustom:\n  db: ${param:dbUrl}\n"),
    );
    let run = sls.run(&["print"]).failed(1);
    for needle in [
        "Cannot resolve variable at \"custom.db\"",
        "The param \"dbUrl\" cannot be resolved from CLI options or stage params or Serverless Dashboard",
        "sls does not read Serverless Dashboard parameters: define \"dbUrl\" under `params.dev` or `params.default`",
        "--param=\"dbUrl=<value>\"",
        "deploy with the Serverless Framework v3 logged in to the Dashboard",
    ] {
        assert!(run.stderr.contains(needle), "{needle}: {}", run.stderr);
    }
    // Without org/app, v3's message alone.
    sls.file("serverless.yml", &yml("custom:\n  db: ${param:dbUrl}\n"));
    let run = sls.run(&["print"]).failed(1);
    assert!(
        run.stderr.contains("The param \"dbUrl\" cannot be resolved from CLI options or stage params. If you are using Serverless Framework Compose")
            && !run.stderr.contains("Dashboard"),
        "{}",
        run.stderr
    );
}

#[test]
fn unresolvable_variables_are_reported_like_v3() {
    let sls = Sls::new();
    sls.file(
        "serverless.yml",
        "service: svc\nprovider:\n  name: aws\n  profile: ${self:custom.nope}\n",
    );
    let run = sls.run(&["print"]).failed(1);
    assert!(
        run.stderr
            .contains("Cannot resolve serverless.yml: Variables resolution errored with:"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "Cannot resolve variable at \"provider.profile\": Value not found at \"self\" source"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn invalid_stage_names_are_refused() {
    let sls = Sls::new();
    sls.file("serverless.yml", "service: svc\nprovider:\n  name: aws\n");
    let run = sls.run(&["print", "--stage", "bad_stage!"]);
    assert_eq!(run.code, 1, "{}", run.all());
}

#[test]
fn remove_reminds_of_lambda_at_edge_functions_as_v3_does() {
    let moto = sls_testkit::MotoServer::start();
    let yml = |events: &str| {
        format!("service: edge\nprovider:\n  name: aws\n  region: us-east-1\nfunctions:\n  hello:\n    handler: h.hello\n{events}")
    };
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIAEDGE")
        .env("AWS_SECRET_ACCESS_KEY", "edge-secret")
        .env("AWS_REGION", "us-east-1");
    sls.file("h.js", "exports.hello = async () => 1;\n");
    let reminder = "Warning: Don't forget to manually remove your Lambda@Edge functions once the CloudFront distribution removal is successfully propagated!";
    sls.file(
        "serverless.yml",
        &yml("    events:\n      - cloudFront:\n          eventType: viewer-request\n          origin: https://example.com\n"),
    );
    let run = sls.run(&["remove"]).ok();
    assert_eq!(run.stderr.matches(reminder).count(), 1, "{}", run.stderr);
    sls.file("serverless.yml", &yml(""));
    let run = sls.run(&["remove"]).ok();
    assert!(!run.stderr.contains("Lambda@Edge"), "{}", run.stderr);
}
