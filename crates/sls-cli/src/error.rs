//! One error type for the whole CLI, rendered in one place (`main`).

use std::fmt;

/// Exit code for errors in configuration, credentials or AWS calls.
pub const EXIT_ERROR: i32 = 1;
/// Exit code for wrong command-line usage.
pub const EXIT_USAGE: i32 = 2;

/// A user-facing failure: a message (what, where), an optional hint (what to
/// do) and the exit code. Library errors arrive here through `From`/`Display`,
/// which never contain secrets.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    pub hint: Option<String>,
    pub exit_code: i32,
}

impl CliError {
    pub fn new(message: impl Into<String>) -> Self {
        CliError {
            message: message.into(),
            hint: None,
            exit_code: EXIT_ERROR,
        }
    }

    pub fn usage(message: impl Into<String>) -> Self {
        CliError {
            exit_code: EXIT_USAGE,
            ..CliError::new(message)
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n\nHint: {hint}")?;
        }
        Ok(())
    }
}

/// Turns any library error into a CLI error with its full cause chain.
pub fn from_error(err: &dyn std::error::Error) -> CliError {
    let mut message = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str("\n  caused by: ");
            message.push_str(&text);
        }
        source = cause.source();
    }
    CliError::new(message)
}

pub type CliResult<T = ()> = Result<T, CliError>;

/// Library errors say what happened in `Display` and what to do in their own `hint()`
/// (sls-aws, sls-deploy, sls-invoke): the one way a hint reaches the user.
pub fn with_hint(err: &dyn std::error::Error, hint: Option<&str>) -> CliError {
    let e = from_error(err);
    match hint {
        Some(hint) => e.with_hint(hint),
        None => e,
    }
}

/// AWS errors carry their own hint (what to do); keep it as the CLI hint.
pub fn from_aws(err: &sls_aws::AwsError) -> CliError {
    with_hint(err, err.hint())
}

/// A deploy error with its hint (for AWS failures, sls-aws's).
pub fn from_deploy(err: &sls_deploy::DeployError) -> CliError {
    with_hint(err, err.hint().as_deref())
}

/// An invoke local error with its hint.
pub fn from_invoke(err: &sls_invoke::InvokeError) -> CliError {
    with_hint(err, err.hint())
}
