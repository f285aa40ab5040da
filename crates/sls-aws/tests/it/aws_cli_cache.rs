//! The session cache is the AWS CLI's: after sls assumed a role with MFA, the
//! installed `aws` CLI uses that session without asking for MFA, and the other
//! way round. The CLI is the pinned one `scripts/setup-awscli.sh` installs in `.venv-awscli`.
use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use common::*;
use sls_aws::{caller_identity, sdk_config, MfaPrompt, NoMfaPrompt};
use sls_testkit::{MotoServer, TestEnv};

/// The pinned AWS CLI; its absence fails the test (it never passes without running).
fn aws_cli() -> PathBuf {
    let aws = sls_testkit::workspace_root().join(".venv-awscli/bin/aws");
    assert!(
        aws.is_file(),
        "{} is missing: run scripts/setup-awscli.sh (scripts/test.sh does)",
        aws.display()
    );
    aws
}

/// Runs `aws sts get-caller-identity` as the profile with stdin closed, so an
/// MFA prompt would fail. Returns the ARN.
fn aws_identity(aws: &Path, t: &TestEnv, endpoint: &str, profile: &str) -> Result<String, String> {
    let mut cmd = Command::new(aws);
    cmd.env_clear().envs(&t.env);
    // pyenv shims find their root through HOME unless told.
    if let Some(real_home) = std::env::var_os("HOME") {
        let root = std::env::var_os("PYENV_ROOT")
            .unwrap_or_else(|| Path::new(&real_home).join(".pyenv").into_os_string());
        cmd.env("PYENV_ROOT", root);
    }
    let out = cmd
        .args([
            "sts",
            "get-caller-identity",
            "--profile",
            profile,
            "--endpoint-url",
            endpoint,
            "--region",
            "us-east-1",
            "--output",
            "text",
            "--query",
            "Arn",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).to_string())
    }
}

#[test]
fn sls_and_the_aws_cli_share_mfa_sessions() {
    let aws = aws_cli();
    let moto = MotoServer::start();
    let admin = moto.create_admin_user("alice");
    let (key, secret) = (admin.access_key_id, admin.secret_access_key);
    let role = moto.create_open_role("shared");
    let role2 = moto.create_open_role("shared2");
    moto.enable_auth();

    let t = TestEnv::new();
    let serial = "arn:aws:iam::123456789012:mfa/alice";
    let creds = t.write_aws_file(
        "credentials",
        &format!("[alice]\naws_access_key_id = {key}\naws_secret_access_key = {secret}\n"),
    );
    let config = t.write_aws_file(
        "config",
        &format!(
            "[profile shared]\nrole_arn = {role}\nsource_profile = alice\nmfa_serial = {serial}\n\n\
             [profile clionly]\nrole_arn = {role2}\nsource_profile = alice\n"
        ),
    );
    let t = t
        .with("AWS_SHARED_CREDENTIALS_FILE", &creds.display().to_string())
        .with("AWS_CONFIG_FILE", &config.display().to_string())
        // The CLI's own STS client (inside its credential provider) must reach moto too.
        .with("AWS_ENDPOINT_URL", &moto.endpoint());

    // Without a cached session, the CLI would need the MFA code (stdin is closed).
    assert!(aws_identity(&aws, &t, &moto.endpoint(), "shared").is_err());

    let s = settings(&t, &moto.endpoint());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mfa = CountingMfa::new("123456");
    let plan = role_plan(
        "shared",
        &role,
        static_plan("alice", &key, &secret),
        Some(serial),
    );
    let sls_arn = rt.block_on(async {
        let conf = sdk_config(&s, &plan, mfa.clone()).await.unwrap();
        caller_identity(&conf).await.unwrap().arn
    });
    assert_eq!(mfa.count(), 1);
    let cli_arn =
        aws_identity(&aws, &t, &moto.endpoint(), "shared").expect("aws CLI reuses the sls session");
    assert_eq!(cli_arn, sls_arn, "same session");

    // The other way: the CLI assumes a role (no MFA, so it can run unattended)
    // and writes its cache; sls then uses that session with no STS call.
    let proxy = CountingProxy::start();
    let mut s2 = s.clone();
    s2.env.insert("HTTP_PROXY".into(), proxy.url());
    let cli_arn =
        aws_identity(&aws, &t, &moto.endpoint(), "clionly").expect("aws CLI assumes the role");
    assert!(
        cli_arn.contains("assumed-role/shared2/botocore-session-"),
        "{cli_arn}"
    );
    let plan2 = role_plan("clionly", &role2, static_plan("alice", &key, &secret), None);
    let none: Arc<dyn MfaPrompt> = Arc::new(NoMfaPrompt);
    rt.block_on(async {
        let keys = sls_aws::resolve_credentials(&s2, &plan2, none.clone())
            .await
            .unwrap();
        assert_eq!(
            proxy.count(),
            0,
            "the CLI's cached session is used: no STS call"
        );
        assert!(keys.session_token.is_some());
        let conf = sdk_config(&s2, &plan2, none.clone()).await.unwrap();
        assert_eq!(
            caller_identity(&conf).await.unwrap().arn,
            cli_arn,
            "the CLI's session"
        );
    });
}
