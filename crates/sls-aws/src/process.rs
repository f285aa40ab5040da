//! `credential_process`: split like the AWS CLI (botocore's `compat_shell_split`
//! is `shlex.split` on POSIX), run without a shell with the snapshot as its
//! environment, parse `{"Version": 1, "AccessKeyId", "SecretAccessKey",
//! "SessionToken"?, "Expiration"?}` from stdout. Errors quote stderr, never
//! stdout (stdout holds the secret).

use std::process::Stdio;

use aws_credential_types::Credentials;

use crate::ctx::Ctx;
use crate::error::{AwsError, ErrorKind};

/// Splits a `credential_process` line like the AWS CLI (POSIX shell words).
/// `None` when quotes are unbalanced.
pub fn split_command(command: &str) -> Option<Vec<String>> {
    shlex::split(command)
}

const MAX_STDERR: usize = 2000;

pub(crate) async fn run(ctx: &Ctx, profile: &str, command: &str) -> Result<Credentials, AwsError> {
    let fail = |what: String| {
        AwsError::new(ErrorKind::Process, what).with_hint(format!(
            "Fix credential_process in profile \"{profile}\": it must print JSON like \
             {{\"Version\": 1, \"AccessKeyId\": \"…\", \"SecretAccessKey\": \"…\"}} and exit 0."
        ))
    };
    let words = split_command(command).ok_or_else(|| {
        fail(format!(
            "The credential_process of profile \"{profile}\" has unbalanced quotes: {command}"
        ))
    })?;
    let Some((program, args)) = words.split_first() else {
        return Err(fail(format!(
            "The credential_process of profile \"{profile}\" is empty."
        )));
    };
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env_clear()
        .envs(&ctx.settings.env)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    if ctx.settings.cwd.is_dir() {
        cmd.current_dir(&ctx.settings.cwd);
    }
    let out = cmd.output().await.map_err(|e| {
        fail(format!(
            "The credential_process of profile \"{profile}\" could not be started ({program}): {e}."
        ))
    })?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stderr = stderr.trim();
    let stderr_note = if stderr.is_empty() {
        String::new()
    } else {
        let shown: String = stderr.chars().take(MAX_STDERR).collect();
        format!("\nIts error output:\n{shown}")
    };
    if !out.status.success() {
        let status = match out.status.code() {
            Some(c) => format!("exit code {c}"),
            None => "a signal".to_string(),
        };
        return Err(fail(format!(
            "The credential_process of profile \"{profile}\" ({program}) failed with {status}.{stderr_note}"
        )));
    }
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|_| {
        // serde's message may quote stdout: leave it out.
        fail(format!(
            "The credential_process of profile \"{profile}\" ({program}) did not print valid JSON.{stderr_note}"
        ))
    })?;
    match parsed.get("Version").and_then(|v| v.as_i64()) {
        Some(1) => {}
        _ => {
            return Err(fail(format!(
                "The credential_process of profile \"{profile}\" ({program}) printed an unsupported or missing \
                 \"Version\" (only 1 is supported).{stderr_note}"
            )))
        }
    }
    let field = |k: &str| {
        parsed
            .get(k)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    let key = field("AccessKeyId").ok_or_else(|| {
        fail(format!(
            "The credential_process of profile \"{profile}\" ({program}) printed no \"AccessKeyId\".{stderr_note}"
        ))
    })?;
    let secret = field("SecretAccessKey").ok_or_else(|| {
        fail(format!(
            "The credential_process of profile \"{profile}\" ({program}) printed no \"SecretAccessKey\".{stderr_note}"
        ))
    })?;
    let expiry = match field("Expiration") {
        None => None,
        Some(s) => Some(crate::time::parse_iso8601(s).ok_or_else(|| {
            fail(format!(
                "The credential_process of profile \"{profile}\" ({program}) printed an \"Expiration\" that is not \
                 an ISO 8601 timestamp: {s}"
            ))
        })?),
    };
    Ok(Credentials::new(
        key,
        secret,
        field("SessionToken").map(str::to_string),
        expiry,
        "sls-credential-process",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_like_the_aws_cli() {
        assert_eq!(
            split_command(r#"/bin/get-creds --profile "my team" 'a b' c\ d"#).unwrap(),
            vec!["/bin/get-creds", "--profile", "my team", "a b", "c d"]
        );
        assert!(split_command("tool \"unterminated").is_none());
    }
}
