//! The one error type of the compiler, the build and the AWS operations. `Display` is one or more full sentences saying what went
//! wrong and where; [`DeployError::hint`] says what to do, for the CLI to show on its own line.
//! No message carries credentials: AWS failures are explained by `sls-aws`'s classifier, which
//! builds them from error codes, AWS's messages and ARNs only.

use std::path::PathBuf;

/// Everything that can go wrong while packaging, deploying, describing or removing a service.
#[derive(Debug, thiserror::Error)]
pub enum DeployError {
    /// The service configuration has a value this crate cannot use.
    #[error("Invalid configuration at \"{path}\": {message}.")]
    Config { path: String, message: String },

    /// A function uses an event source that is not implemented yet.
    #[error("Function \"{function}\": event type \"{event}\" is not supported yet.")]
    UnsupportedEvent { function: String, event: String },

    /// Reading or writing a local file failed.
    #[error("{} \"{}\": {source}.", capitalised(action), path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// Building a zip artifact failed.
    #[error("Could not build the zip \"{}\": {message}.", path.display())]
    Zip { path: PathBuf, message: String },

    /// A build tool run for a built-in plugin equivalent (esbuild, tsc, …) is missing or failed;
    /// `message` says which tool, for what, and shows the tool's own output.
    #[error("{message}")]
    Tool {
        message: String,
        hint: Option<String>,
    },

    /// A JavaScript plugin failed (or the plugin host around it); `message` names the plugin
    /// and its hook.
    #[error("{message}")]
    Plugin {
        message: String,
        hint: Option<String>,
    },

    /// The patterns select no file at all (v3: "No file matches include / exclude patterns").
    #[error("No file matches include / exclude patterns for {context}.")]
    NoFiles { context: String },

    /// An AWS call failed. `message` and `hint` are sls-aws's explanation, made by the AWS
    /// operations crate (this crate has no AWS SDK, so it keeps them as text).
    #[error("{message}")]
    Aws {
        /// The IAM action, as AWS names it (`cloudformation:CreateStack`).
        action: &'static str,
        /// What it was called on (`stack "svc-dev"`, `bucket "b"`).
        resource: String,
        message: String,
        hint: Option<String>,
    },

    /// The CloudFormation stack ended in a failed state.
    #[error("{}", stack_failure_message(.stack_name, .status, .failures))]
    StackFailed {
        stack_name: String,
        status: String,
        failures: Vec<ResourceFailure>,
    },

    /// The stack is in a state from which sls cannot deploy.
    #[error("Stack \"{stack_name}\" is in state {status}.")]
    StackState {
        stack_name: String,
        status: String,
        hint: &'static str,
    },

    /// The deployment bucket recorded by the stack does not exist any more.
    #[error("The deployment bucket \"{bucket}\" does not exist.")]
    MissingBucket { bucket: String, stack_name: String },

    /// Waiting for CloudFormation took longer than allowed.
    #[error("Timed out after {seconds}s waiting for stack \"{stack_name}\".")]
    Timeout { stack_name: String, seconds: u64 },

    /// `info` / `deploy function` need a deployed stack or function.
    #[error("{} does not exist.", capitalised(what))]
    NotDeployed { what: String },

    /// What a day-two command asked for is not there (a deployment for a timestamp, a
    /// function version, a log group); `message` names it and where sls looked.
    #[error("{message}")]
    Missing {
        message: String,
        hint: Option<String>,
    },
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
    let mut s = format!("Stack \"{stack}\" ended in {status}.");
    if failures.is_empty() {
        s.push_str(" CloudFormation reported no failed resource.");
    }
    for f in failures {
        s.push_str(&format!(
            "\n  {} ({}): {} {}",
            f.logical_id, f.resource_type, f.status, f.reason
        ));
    }
    s
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl sls_hint::Hint for DeployError {
    fn hint(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.hint_text().map(std::borrow::Cow::Owned)
    }
}

impl DeployError {
    /// What to do about it, when there is something to say (see [`sls_hint::Hint`]).
    fn hint_text(&self) -> Option<String> {
        let hint = match self {
            DeployError::Config { .. } | DeployError::Io { .. } | DeployError::Zip { .. } => {
                return None
            }
            DeployError::Tool { hint, .. }
            | DeployError::Plugin { hint, .. }
            | DeployError::Missing { hint, .. } => {
                return hint.clone()
            }
            DeployError::UnsupportedEvent { .. } => {
                "Remove the event, or deploy this service with the Serverless Framework v3."
            }
            DeployError::NoFiles { .. } => {
                "Check `package.patterns` (and the function's own `package.patterns`)."
            }
            DeployError::Aws { hint, .. } => return hint.clone(),
            DeployError::StackFailed { .. } => {
                "Fix the failed resources listed above, then deploy again."
            }
            DeployError::StackState { hint, .. } => hint,
            DeployError::MissingBucket { stack_name, .. } => {
                return Some(format!(
                    "Create the bucket again to reuse stack \"{stack_name}\", or remove the stack with `sls remove`."
                ))
            }
            DeployError::Timeout { .. } => {
                "CloudFormation keeps working: check the stack's state with `sls info` or in the AWS console."
            }
            DeployError::NotDeployed { .. } => "Deploy the service first with `sls deploy`.",
        };
        Some(hint.to_string())
    }

    pub fn config(path: impl Into<String>, message: impl Into<String>) -> Self {
        DeployError::Config {
            path: path.into(),
            message: message.into(),
        }
    }

    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        DeployError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

impl From<sls_config::model::ModelError> for DeployError {
    fn from(e: sls_config::model::ModelError) -> Self {
        DeployError::Config {
            path: e.path,
            message: e.message,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = DeployError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;
    use sls_hint::Hint;

    #[test]
    fn messages_are_sentences_with_a_hint_apart() {
        let e = DeployError::NotDeployed {
            what: "stack \"s-dev\"".into(),
        };
        assert_eq!(e.to_string(), "Stack \"s-dev\" does not exist.");
        assert_eq!(
            e.hint().as_deref(),
            Some("Deploy the service first with `sls deploy`.")
        );
        let e = DeployError::io(
            "could not read",
            "/x",
            std::io::Error::from(std::io::ErrorKind::NotFound),
        );
        assert!(e.to_string().starts_with("Could not read \"/x\": "), "{e}");
    }
}
