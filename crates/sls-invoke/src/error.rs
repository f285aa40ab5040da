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
        "function \"{function}\" is not defined in this service (functions: {}); check the name given to --function",
        list(available)
    )]
    UnknownFunction {
        function: String,
        available: Vec<String>,
    },

    #[error(
        "runtime \"{runtime}\" of function \"{function}\" is not supported by invoke local (supported: nodejs*, python3.*); set `runtime` on the function or provider, or invoke it in AWS with `sls invoke`"
    )]
    UnsupportedRuntime { function: String, runtime: String },

    #[error(
        "function \"{function}\" is a container image (`image`); local invocation of image-backed functions is not supported"
    )]
    ImageFunction { function: String },

    #[error("function \"{function}\" has no `handler` (functions.{function}.handler); set it to `path/to/file.export`")]
    MissingHandler { function: String },

    #[error(
        "handler \"{handler}\" of function \"{function}\" is not of the form `path/to/file.export` (functions.{function}.handler)"
    )]
    InvalidHandler { function: String, handler: String },

    #[error(
        "`{program}` was not found on PATH (needed for runtime \"{runtime}\" of function \"{function}\"); install it or put it on PATH"
    )]
    RuntimeNotFound {
        program: String,
        runtime: String,
        function: String,
    },

    #[error(
        "`functions` in the service configuration is not a map of function names to definitions"
    )]
    InvalidFunctions,

    #[error("the event file you provided does not exist: {}", path.display())]
    EventFileNotFound { path: PathBuf },

    #[error("the context file you provided does not exist: {}", path.display())]
    ContextFileNotFound { path: PathBuf },

    #[error("could not read {}: {source}", path.display())]
    ReadFile {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("parsing of \"{}\" failed with: {message}", path.display())]
    ParseFile { path: PathBuf, message: String },

    #[error(
        "{} is a JavaScript file; sls reads event and context files as JSON or YAML only: export the data as .json or .yml",
        path.display()
    )]
    JavaScriptDataFile { path: PathBuf },

    #[error("the context must be a JSON object (from --context or --contextPath), got {found}")]
    InvalidContext { found: String },

    #[error("{what} ({}): {source}", path.display())]
    Io {
        what: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("could not start `{}` for function \"{function}\": {source}", program.display())]
    Spawn {
        program: PathBuf,
        function: String,
        #[source]
        source: std::io::Error,
    },
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        "none defined".to_string()
    } else {
        names.join(", ")
    }
}
