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
    CliError::new(sls_hint::message_with_causes(err))
}

pub type CliResult<T = ()> = Result<T, CliError>;

/// The one way a library error reaches the user: its message with its causes, and what to do
/// about it ([`sls_hint::Hint`]) as the CLI hint.
pub fn hinted(err: &dyn sls_hint::Hint) -> CliError {
    let e = CliError::new(sls_hint::message_with_causes(err));
    match err.hint() {
        Some(hint) => e.with_hint(hint),
        None => e,
    }
}
