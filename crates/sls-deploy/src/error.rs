//! The one error type of this crate. Every variant says what went wrong, where, and what to do;
//! none carries credentials (AWS errors are rendered through their code and message only).

use std::path::PathBuf;

/// Everything that can go wrong while packaging, deploying, describing or removing a service.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The service configuration has a value this crate cannot use.
    #[error("invalid configuration at \"{path}\": {message}")]
    Config { path: String, message: String },

    /// A function uses an event source that is not implemented yet.
    #[error(
        "function \"{function}\": event type \"{event}\" is not supported yet; remove the event or deploy this service with the Serverless Framework v3"
    )]
    UnsupportedEvent { function: String, event: String },

    /// Reading or writing a local file failed.
    #[error("{action} \"{}\": {source}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Building a zip artifact failed.
    #[error("could not build the zip \"{}\": {message}", path.display())]
    Zip { path: PathBuf, message: String },

    /// The patterns select no file at all (v3: "No file matches include / exclude patterns").
    #[error("no file matches include / exclude patterns for {context}; check package.patterns")]
    NoFiles { context: String },

    /// An AWS call failed.
    #[error("AWS {service} {operation} failed: {message}")]
    Aws {
        service: &'static str,
        operation: &'static str,
        message: String,
    },

    /// The CloudFormation stack ended in a failed state.
    #[error("{}", stack_failure_message(.stack_name, .status, .failures))]
    StackFailed {
        stack_name: String,
        status: String,
        failures: Vec<ResourceFailure>,
    },

    /// The stack is in a state from which sls cannot deploy.
    #[error("stack \"{stack_name}\" is in state {status}; {hint}")]
    StackState {
        stack_name: String,
        status: String,
        hint: &'static str,
    },

    /// The deployment bucket recorded by the stack does not exist any more.
    #[error(
        "the deployment bucket \"{bucket}\" does not exist; create it again to reuse stack \"{stack_name}\", or remove the stack"
    )]
    MissingBucket { bucket: String, stack_name: String },

    /// Waiting for CloudFormation took longer than allowed.
    #[error(
        "timed out after {seconds}s waiting for stack \"{stack_name}\"; CloudFormation keeps working: check its state with `sls info` or the AWS console"
    )]
    Timeout { stack_name: String, seconds: u64 },

    /// `info` / `deploy function` need a deployed stack or function.
    #[error("{what} does not exist; deploy the service first with `sls deploy`")]
    NotDeployed { what: String },
}

/// One resource that CloudFormation reported as failed, with its reason.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ResourceFailure {
    pub logical_id: String,
    pub resource_type: String,
    pub status: String,
    pub reason: String,
}

fn stack_failure_message(stack: &str, status: &str, failures: &[ResourceFailure]) -> String {
    let mut s = format!("stack \"{stack}\" ended in {status}");
    if failures.is_empty() {
        s.push_str(" (CloudFormation reported no failed resource)");
    }
    for f in failures {
        s.push_str(&format!(
            "\n  {} ({}): {} {}",
            f.logical_id, f.resource_type, f.status, f.reason
        ));
    }
    s
}

impl DeployError {
    pub(crate) fn config(path: impl Into<String>, message: impl Into<String>) -> Self {
        DeployError::Config {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        DeployError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = DeployError> = std::result::Result<T, E>;
