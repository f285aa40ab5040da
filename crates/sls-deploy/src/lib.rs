//! sls-deploy: the AWS operations of sls, and the one entry point to the crates below it.
//!
//! - [`deploy()`], [`info()`], [`remove()`], [`deploy_function()`]: the AWS side (`aws/`, one
//!   module per job), reporting progress as [`DeployEvent`]s for the CLI to render; AWS access
//!   comes in as an `aws_config::SdkConfig` built by the caller;
//! - [`invoke()`], [`filter_log_events()`], [`deployments()`], [`function_versions()`],
//!   [`rollback()`], [`rollback_function()`], [`metrics()`]: the day-two commands' AWS calls;
//! - [`iam`]: puts the least-privilege policy on an IAM user or role.
//!
//! Re-exported, so that the CLI has one door: the template compiler (`sls-compile`: [`naming`],
//! [`DeployError`]), the build (`sls-package`: [`package()`], the built-in plugins) and the
//! policy (`sls-policy`, as [`policy`]). The crate never reads the process environment.

#[cfg(feature = "aws")]
mod aws;
pub mod time_spec;

// What the AWS modules use of the build and the compiler, under the paths they use.
pub use sls_compile::{error, naming};
#[cfg(feature = "aws")]
use sls_package::zipper;
pub use sls_package::{
    esbuild, include_dependencies, invoke_local, python_requirements, typescript_build,
};
pub use sls_policy as policy;

#[cfg(feature = "aws")]
pub use aws::{
    deploy, deploy_function, deployments, filter_log_events, function_versions, iam, info, invoke,
    metrics, remove, remove_repository, resolve_images, rollback, rollback_function, stack_outputs,
    AwsOptions, ContainerTool, DeployEvent, DeployOutcome, Deployment, DockerCli, FunctionOutcome,
    FunctionVersions, ImageSite, InvokeReply, InvokeRequest, LogEvent, LogQuery, MetricsQuery,
    MetricsSummary, RemoveOutcome, RepositoryRemoval, RollbackOutcome, ServiceInfo, StackDeploy,
};
pub use sls_compile::{
    ecr_repository_name, image_requests, DeployError, Function, ImageRequest, Provider,
    ResolvedImages, ResourceFailure, Result, Service, DEFAULT_RUNTIME,
};
pub use sls_package::{
    artifact_directory_name, layers, package, package_with, package_with_deployed,
    package_with_plugins, plugin_error, prepare_invoke_local, sha256_file, Artifact, AwsAnswers,
    BuildHost, InvokeTarget, PackageInput, PackageResult,
};
