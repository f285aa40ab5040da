//! `sls invoke local`: run one function's Node.js or Python handler on this machine, the way
//! the Serverless Framework v3 does, with a Lambda-like event, context and environment.
//!
//! - [`input`]: the event and context from `--data`, `--path`, stdin, `--context`,
//!   `--contextPath` ([`parse_event_input`], [`parse_context_input`], [`parse_env_option`]).
//! - [`plan`]: which function, runtime, interpreter, handler, timeout and environment
//!   ([`plan()`](plan::plan)), decided without running anything.
//! - `run`: the child process, the timeout and the result channel ([`invoke_local`]).
//! - `wrappers/`: the small Node.js and Python wrapper scripts embedded in the binary.
//!
//! Like every sls library, this one never reads the process environment: the caller passes a
//! snapshot in [`InvokeRequest::process_env`]. Secrets (credentials) go into the child's
//! environment only; nothing here prints or formats them.

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

mod error;
mod ids;
pub mod input;
pub mod plan;
mod run;

pub use error::InvokeError;
pub use input::{parse_context_input, parse_env_option, parse_event_input};
pub use plan::{plan, HandlerTarget, InvocationPlan, RuntimeKind};
pub use run::{prepare, wrapper_source, PreparedCommand};

/// The event a handler receives (already parsed by [`parse_event_input`]).
pub type Event = serde_json::Value;

/// One `sls invoke local` call.
#[derive(Clone)]
pub struct InvokeRequest {
    /// The service directory: handler paths are relative to it and the child runs in it.
    pub service_dir: PathBuf,
    /// The resolved service configuration (`service`, `provider`, `functions`, …).
    pub config: serde_json::Value,
    /// The function's key under `functions` (`--function`).
    pub function: String,
    pub stage: String,
    pub region: String,
    pub event: Event,
    /// `--context` / `--contextPath`: a JSON object laid over the Lambda-like context.
    pub context_override: Option<serde_json::Value>,
    /// `--env KEY=VALUE`, in order (later ones win).
    pub env_overrides: Vec<(String, String)>,
    /// The parent's environment.
    pub process_env: BTreeMap<String, String>,
    /// The resolved keys: (access key id, secret access key, session token).
    pub credentials: Option<(String, String, Option<String>)>,
}

impl fmt::Debug for InvokeRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvokeRequest")
            .field("service_dir", &self.service_dir)
            .field("function", &self.function)
            .field("stage", &self.stage)
            .field("region", &self.region)
            .field("event", &self.event)
            .field("context_override", &self.context_override)
            .field(
                "env_overrides (names only)",
                &self
                    .env_overrides
                    .iter()
                    .map(|(k, _)| k)
                    .collect::<Vec<_>>(),
            )
            .field(
                "process_env",
                &format_args!("<{} variables>", self.process_env.len()),
            )
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "<redacted>"),
            )
            .finish_non_exhaustive()
    }
}

/// Where the handler's own output (console.log, print, its stderr) goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Logs {
    /// Straight through to sls's stderr, as it happens (the CLI's choice).
    #[default]
    Inherit,
    /// Into [`InvokeOutcome::logs`] (tests, `--json` output).
    Capture,
}

/// How the invocation ended.
#[derive(Debug, Clone, PartialEq)]
pub enum InvokeStatus {
    /// The handler returned (or called back with) a result.
    Succeeded,
    /// The handler threw, rejected, called back with an error, or could not be loaded;
    /// [`InvokeOutcome::stdout`] holds the Lambda error shape.
    Failed,
    /// The handler ran past the function's `timeout`; its process group was killed.
    TimedOut { seconds: f64 },
    /// The handler's process ended without a result and not cleanly (e.g. `process.exit(3)`,
    /// `sys.exit(2)`, a signal).
    Crashed {
        code: Option<i32>,
        signal: Option<i32>,
    },
}

impl InvokeStatus {
    /// A one-line explanation for stderr, for the statuses that need one.
    pub fn message(&self, function: &str) -> Option<String> {
        match self {
            InvokeStatus::Succeeded | InvokeStatus::Failed => None,
            InvokeStatus::TimedOut { seconds } => Some(format!(
                "function \"{function}\" timed out after {seconds} seconds (its `timeout`); its process was killed. Raise `timeout` on the function or provider if it needs longer"
            )),
            InvokeStatus::Crashed { code: Some(code), .. } => Some(format!(
                "the process running function \"{function}\" exited with code {code} before returning a result"
            )),
            InvokeStatus::Crashed { signal, .. } => Some(format!(
                "the process running function \"{function}\" was killed{} before returning a result",
                signal.map(|s| format!(" by signal {s}")).unwrap_or_default()
            )),
        }
    }
}

/// What the invocation produced.
#[derive(Debug, Clone)]
pub struct InvokeOutcome {
    /// The text for stdout: the result as v3 prints it (`JSON.stringify(result, null, 4)` for
    /// Node, `json.dumps(result, indent=4)` for Python), or the Lambda error shape. Empty when a
    /// Node handler produced `undefined`/`null`. No trailing newline.
    pub stdout: String,
    /// 0 on success, 1 otherwise.
    pub exit_code: i32,
    pub status: InvokeStatus,
    /// Warnings for stderr (unresolvable environment values, interpreter fallback).
    pub warnings: Vec<String>,
    /// The handler's output, with [`Logs::Capture`] only.
    pub logs: Option<String>,
    /// Wall time of the child process.
    pub duration: Duration,
}

/// Runs the handler, its output going straight to stderr.
pub fn invoke_local(req: &InvokeRequest) -> Result<InvokeOutcome, InvokeError> {
    invoke_local_with(req, Logs::Inherit)
}

/// Runs the handler with the given destination for its logs.
pub fn invoke_local_with(req: &InvokeRequest, logs: Logs) -> Result<InvokeOutcome, InvokeError> {
    let plan = plan::plan(req)?;
    run::run(&plan, req, logs)
}

/// Runs an invocation planned with [`plan()`](plan::plan) from the same request. The CLI uses
/// this to print the plan's warnings and the identity line *before* the handler starts:
/// `let p = plan(&req)?; /* print p.warnings */ let outcome = run_plan(&p, &req, Logs::Inherit)?;`
pub fn run_plan(
    plan: &InvocationPlan,
    req: &InvokeRequest,
    logs: Logs,
) -> Result<InvokeOutcome, InvokeError> {
    run::run(plan, req, logs)
}

/// The line the CLI prints before running, naming the identity used, e.g.
/// `identity_notice("profile \"team\" (provider.profile)")`.
pub fn identity_notice(identity: &str) -> String {
    format!("Using {identity} — locally the function runs with your credentials, not its IAM role")
}
