//! The one error type of `sls invoke local`. Each message says what went wrong, where, and what
//! to do; none carries a secret.

use std::path::PathBuf;

/// Why `sls invoke local` could not run the handler.
///
/// A handler that ran and failed (threw, timed out, crashed) is not an error here: it is an
/// [`crate::InvokeOutcome`] with exit code 1.
#[derive(Debug, thiserror::Error)]
pub enum InvokeError {
    #[error(
        "Function \"{function}\" is not defined in this service (functions: {}).",
        list(available)
    )]
    UnknownFunction {
        function: String,
        available: Vec<String>,
    },

    #[error(
        "Runtime \"{runtime}\" of function \"{function}\" is not supported by invoke local (supported: nodejs*, python3.*)."
    )]
    UnsupportedRuntime { function: String, runtime: String },

    #[error(
        "Function \"{function}\" is a container image (`image`); local invocation of image-backed functions is not supported."
    )]
    ImageFunction { function: String },

    #[error("Function \"{function}\" has no `handler` (functions.{function}.handler).")]
    MissingHandler { function: String },

    #[error(
        "Handler \"{handler}\" of function \"{function}\" is not of the form `path/to/file.export` (functions.{function}.handler)."
    )]
    InvalidHandler { function: String, handler: String },

    #[error(
        "`{program}` was not found on PATH (needed for runtime \"{runtime}\" of function \"{function}\")."
    )]
    RuntimeNotFound {
        program: String,
        runtime: String,
        function: String,
    },

    #[error(
        "`functions` in the service configuration is not a map of function names to definitions."
    )]
    InvalidFunctions,

    #[error("The event file you provided does not exist: {}.", path.display())]
    EventFileNotFound { path: PathBuf },

    #[error("The context file you provided does not exist: {}.", path.display())]
    ContextFileNotFound { path: PathBuf },

    #[error("Could not read {}: {source}.", path.display())]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("Parsing of \"{}\" failed with: {message}.", path.display())]
    ParseFile { path: PathBuf, message: String },

    #[error(
        "{} is a JavaScript file; sls reads event and context files as JSON or YAML only.",
        path.display()
    )]
    JavaScriptDataFile { path: PathBuf },

    #[error("The context must be a JSON object (from --context or --contextPath), got {found}.")]
    InvalidContext { found: String },

    #[error("{} ({}): {source}.", capitalised(what), path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("Could not start `{}` for function \"{function}\": {source}.", program.display())]
    Spawn {
        program: PathBuf,
        function: String,
        #[source]
        source: std::io::Error,
    },
}

impl sls_hint::Hint for InvokeError {
    /// What to do about it, when there is something to say (shown apart from the message).
    fn hint(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(std::borrow::Cow::Borrowed(match self {
            InvokeError::UnknownFunction { .. } => "Check the name given to --function.",
            InvokeError::UnsupportedRuntime { .. } => {
                "Set `runtime` on the function or provider, or invoke it in AWS with `sls invoke`."
            }
            InvokeError::MissingHandler { .. } => "Set it to `path/to/file.export`.",
            InvokeError::RuntimeNotFound { .. } => "Install it or put it on PATH.",
            InvokeError::JavaScriptDataFile { .. } => "Export the data as .json or .yml.",
            _ => return None,
        }))
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none defined".to_string()
    } else {
        names.join(", ")
    }
}
