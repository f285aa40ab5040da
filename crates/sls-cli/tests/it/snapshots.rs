//! What users read, pinned as snapshots (insta; files in `tests/it/snapshots/`):
//! the human output of `credentials show` and `info`, and the main error
//! messages. A wording change shows up as a snapshot diff to review
//! (`cargo insta review`, or `INSTA_UPDATE=always` then read the diff).
//! Temporary paths and the moto port are replaced by placeholders; no secret
//! appears in any snapshot (asserted too).

use crate::common;
use common::{profile, Run, Sls};
use sls_testkit::MotoServer;

/// stdout and stderr as one text, with the test's own paths made stable.
fn shown(sls: &Sls, run: &Run) -> String {
    let mut text = format!(
        "exit: {}\n--- stdout\n{}--- stderr\n{}",
        run.code, run.stdout, run.stderr
    );
    for (path, name) in [(&sls.cwd, "[CWD]"), (&sls.home, "[HOME]")] {
        text = text.replace(&path.display().to_string(), name);
    }
    if let Some(endpoint) = sls.env.get("AWS_ENDPOINT_URL") {
        text = text.replace(endpoint, "[ENDPOINT]");
    }
    assert!(
        !text.contains("secret-of-"),
        "a secret in the output:\n{text}"
    );
    text
}

const SERVICE: &str = "service: snap\nprovider:\n  name: aws\n  runtime: nodejs20.x\n";

#[test]
fn credentials_show_human_output() {
    let sls = Sls::new();
    sls.credentials(&format!(
        "{}{}",
        profile("default", "AKIADEFAULT000000001"),
        profile("team", "AKIATEAM000000000002")
    ));
    sls.file("serverless.yml", &format!("{SERVICE}  profile: team\n"));
    let run = sls.run(&["credentials", "show"]);
    insta::assert_snapshot!("credentials_show", shown(&sls, &run));
}

#[test]
fn credentials_show_without_any_credentials() {
    let sls = Sls::new();
    let run = sls.run(&["credentials", "show"]);
    insta::assert_snapshot!("credentials_show_none", shown(&sls, &run));
}

#[test]
fn print_errors() {
    let sls = Sls::new();
    // Outside a service folder.
    let outside = sls.run(&["print"]);
    insta::assert_snapshot!("print_no_service_file", shown(&sls, &outside));

    // A variable that cannot be resolved.
    sls.file(
        "serverless.yml",
        &format!(
            "{SERVICE}custom:\n  a: ${{self:custom.missing}}\n  b: ${{env:SNAP_UNSET_VARIABLE}}\n"
        ),
    );
    let unresolved = sls.run(&["print"]);
    insta::assert_snapshot!("print_unresolved_variables", shown(&sls, &unresolved));

    // A YAML syntax error.
    sls.file(
        "serverless.yml",
        "service: snap\nprovider:\n  name: aws\n   runtime: [x\n",
    );
    let syntax = sls.run(&["print"]);
    insta::assert_snapshot!("print_yaml_syntax_error", shown(&sls, &syntax));
}

#[test]
fn main_error_messages() {
    let sls = Sls::new();
    let unknown = sls.run(&["frobnicate"]);
    insta::assert_snapshot!("unknown_command", shown(&sls, &unknown));

    sls.credentials(&profile("default", "AKIADEFAULT000000001"));
    let refused = sls.run(&[
        "config",
        "credentials",
        "--provider",
        "aws",
        "--key",
        "AKIANEW0000000000003",
        "--secret",
        "secret-of-new",
    ]);
    insta::assert_snapshot!("config_credentials_profile_exists", shown(&sls, &refused));

    let missing = sls.run(&["credentials", "show", "--aws-profile", "nope"]);
    insta::assert_snapshot!("credentials_missing_profile", shown(&sls, &missing));
}

#[test]
fn info_human_output() {
    let moto = MotoServer::start();
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint());
    sls.credentials(&profile("default", "AKIADEFAULT000000001"));
    sls.file(
        "serverless.yml",
        &format!("{SERVICE}functions:\n  hello:\n    handler: handler.hello\n"),
    );
    sls.file(
        "handler.js",
        "module.exports.hello = async () => ({ ok: true });\n",
    );

    let before = sls.run(&["info"]);
    insta::assert_snapshot!("info_not_deployed", shown(&sls, &before));

    sls.run(&["deploy"]).ok();
    let run = sls.run(&["info"]);
    insta::assert_snapshot!("info", shown(&sls, &run));
}
