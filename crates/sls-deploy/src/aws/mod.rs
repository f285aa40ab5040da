//! The AWS side: `deploy`, `info`, `remove` and `deploy_function`, built on SDK clients made
//! from the caller's `SdkConfig`. Progress goes out as [`DeployEvent`]s; nothing is printed here.
//!
//! The flow follows v3 (`lib/plugins/aws/deploy/**`, `remove/**`, `deploy-function.js`):
//! core stack → upload artifacts → update stack from `TemplateURL` → wait → prune old artifacts.
//! Every future here is cancel-safe: dropping it (Ctrl-C) leaves CloudFormation to finish what
//! it started.
//!
//! - this module: the public types, the clients, the one way AWS failures become errors
//!   ([`Clients::fail`], through sls-aws's classifier) and the one wait policy ([`Waiter`]);
//! - [`stack`]: describing, creating/updating/deleting and waiting for stacks, stack events;
//! - [`bucket`]: the deployment bucket: one S3 pager, uploads, deletes, artifact directories;
//! - [`deploy`]: the steps of `sls deploy`;
//! - [`api_gateway_stage`]: v3's update-stage step after a deploy (tracing, metrics, stage tags);
//! - [`function`]: `sls deploy function`;
//! - [`info`], [`remove`]: `sls info` and `sls remove`;
//! - the day-two commands: [`invoke`] (`sls invoke -f`), [`logs`] (`sls logs`), [`history`]
//!   (`sls deploy list [functions]`, `sls rollback -t`, `sls rollback function`), [`metrics`];
//! - [`images`]: container images looked up in ECR or built with docker, and their repository;
//! - [`iam`]: the deployer user or role of `sls credentials policy --create-user/--role`.

mod api_gateway_stage;
mod bucket;
mod deploy;
mod download;
mod function;
mod history;
pub mod iam;
mod images;
mod info;
mod invoke;
mod logs;
mod metrics;
mod remove;
mod stack;

use sls_hint::Hint;
use std::time::{Duration, Instant};

use aws_config::SdkConfig;
use aws_sdk_cloudformation::error::{ProvideErrorMetadata, SdkError};
use sls_aws::CallContext;

use crate::error::DeployError;

pub use deploy::{deploy, StackDeploy};
pub use function::deploy_function;
pub use history::{
    deployments, function_versions, rollback, rollback_function, Deployment, FunctionVersions,
    RollbackOutcome,
};
pub use images::{
    remove_repository, resolve_images, ContainerTool, DockerCli, ImageSite, RepositoryRemoval,
};
pub use info::info;
pub use invoke::{invoke, InvokeReply, InvokeRequest};
pub use logs::{filter_log_events, LogEvent, LogQuery};
pub use metrics::{metrics, MetricsQuery, MetricsSummary};
pub use remove::remove;
pub use stack::stack_outputs;

/// Progress of a long operation, for the CLI to render (spinner on a terminal, lines otherwise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployEvent {
    /// A step started or finished ("Creating CloudFormation stack", ...).
    Step(String),
    /// A file is being uploaded to the deployment bucket.
    Upload { file: String, bytes: u64 },
    /// A CloudFormation stack event.
    Stack {
        logical_id: String,
        resource_type: String,
        status: String,
        reason: Option<String>,
    },
}

/// How to talk to AWS.
#[derive(Debug, Clone)]
pub struct AwsOptions {
    /// Use S3 path-style addressing (needed for loopback endpoints such as moto).
    pub s3_path_style: bool,
    /// Deploy even when nothing changed (`--force`).
    pub force: bool,
    /// Pause between two polls of CloudFormation.
    pub poll_interval: Duration,
    /// Give up waiting (CloudFormation keeps going) after this long.
    pub wait_timeout: Duration,
}

impl Default for AwsOptions {
    fn default() -> Self {
        AwsOptions {
            s3_path_style: false,
            force: false,
            poll_interval: Duration::from_secs(2),
            wait_timeout: Duration::from_secs(3600),
        }
    }
}

/// What `deploy` did.
#[derive(Debug, Clone)]
pub enum DeployOutcome {
    /// The stack was created or updated (or CloudFormation found nothing to update).
    Deployed { info: ServiceInfo },
    /// Same template and artifacts as the last deployment: nothing was uploaded or changed.
    Skipped { info: ServiceInfo },
}

/// What `sls info` shows.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ServiceInfo {
    pub service: String,
    pub stage: String,
    pub region: String,
    pub stack: String,
    pub stack_status: String,
    /// (function key, deployed function name)
    pub functions: Vec<(String, String)>,
    /// (output key, value, description)
    pub outputs: Vec<(String, String, Option<String>)>,
    /// The API endpoints as v3's `info` lists them (`GET - https://…/dev/hello`).
    pub endpoints: Vec<String>,
}

/// What `remove` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RemoveOutcome {
    Removed {
        stack: String,
        objects_deleted: usize,
    },
    /// There was no stack: nothing to do.
    NotFound { stack: String },
}

/// What `deploy_function` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FunctionOutcome {
    Updated {
        name: String,
        code_sha256: String,
    },
    /// The deployed code already has this hash (configuration may still have been updated).
    CodeUnchanged {
        name: String,
        code_sha256: String,
    },
}

/// The SDK clients of one command, made from one `SdkConfig`.
struct Clients {
    cfn: aws_sdk_cloudformation::Client,
    s3: aws_sdk_s3::Client,
    lambda: aws_sdk_lambda::Client,
    apigw: aws_sdk_apigateway::Client,
    logs: aws_sdk_cloudwatchlogs::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
    ecr: aws_sdk_ecr::Client,
    /// The SDK configuration the clients were made from (its HTTP client fetches a function
    /// version's code in `rollback function`).
    sdk: SdkConfig,
    /// A custom endpoint (`AWS_ENDPOINT_URL`), named in connection errors.
    endpoint: Option<String>,
}

impl Clients {
    fn new(sdk: &SdkConfig, opts: &AwsOptions) -> Self {
        let s3 = aws_sdk_s3::config::Builder::from(sdk)
            .force_path_style(opts.s3_path_style)
            .build();
        Clients {
            cfn: aws_sdk_cloudformation::Client::new(sdk),
            s3: aws_sdk_s3::Client::from_conf(s3),
            lambda: aws_sdk_lambda::Client::new(sdk),
            apigw: aws_sdk_apigateway::Client::new(sdk),
            logs: aws_sdk_cloudwatchlogs::Client::new(sdk),
            cloudwatch: aws_sdk_cloudwatch::Client::new(sdk),
            ecr: aws_sdk_ecr::Client::new(sdk),
            sdk: sdk.clone(),
            endpoint: sdk.endpoint_url().map(str::to_string),
        }
    }

    /// Turns an SDK failure of `action` (as AWS names it, `cloudformation:CreateStack`) on
    /// `resource` into a [`DeployError::Aws`]: every AWS failure goes through sls-aws's
    /// classifier, so access denied, expired tokens or throttling read the same as anywhere
    /// else in sls, with a hint.
    fn fail<E, R>(
        &self,
        action: &'static str,
        resource: impl Into<String>,
    ) -> impl FnOnce(SdkError<E, R>) -> DeployError + '_
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        let resource = resource.into();
        move |e| {
            // The classifier names the action; naming the resource with it keeps one sentence.
            let doing = format!("{action} on {resource}");
            let error = sls_aws::explain_sdk_error(
                &e,
                &CallContext {
                    action: &doing,
                    identity: None,
                    endpoint: self.endpoint.as_deref(),
                },
            );
            aws_error(action, resource, error)
        }
    }
}

/// sls-aws's explanation of a failed `action` on `resource` as a [`DeployError::Aws`].
/// Access denied while deploying: the service's own least-privilege policy is one command
/// away (issue 13), so the hint says so.
fn aws_error(action: &'static str, resource: String, error: sls_aws::AwsError) -> DeployError {
    let hint = if error.kind() == sls_aws::ErrorKind::AccessDenied {
        Some(format!(
            "{} Run `sls credentials policy` to see every permission this service needs \
             (`--day-two` adds invoke, logs, rollback function and metrics).",
            error.hint().unwrap_or_default()
        ))
    } else {
        error.hint().map(|h| h.into_owned())
    };
    DeployError::Aws {
        action,
        resource,
        message: error.to_string(),
        hint,
    }
}

/// The one wait policy of the crate: pause `poll_interval` between polls, give up after
/// `wait_timeout`. Stack waits and Lambda update waits both poll through it.
struct Waiter {
    start: Instant,
    poll_interval: Duration,
    wait_timeout: Duration,
}

impl Waiter {
    fn new(opts: &AwsOptions) -> Self {
        Waiter {
            start: Instant::now(),
            poll_interval: opts.poll_interval,
            wait_timeout: opts.wait_timeout,
        }
    }

    /// Sleeps until the next poll; `false` (without sleeping) once the time is up.
    async fn next(&self) -> bool {
        if self.start.elapsed() > self.wait_timeout {
            return false;
        }
        tokio::time::sleep(self.poll_interval).await;
        true
    }
}
