//! sls-deploy: packaging, CloudFormation template compilation and the deploy engine of sls.
//!
//! Input is the resolved service configuration (`serde_json::Value`, shaped like
//! `serverless print`) plus stage, region and the service folder; AWS access comes in as an
//! `aws_config::SdkConfig` built by the caller. The crate never reads the process environment.
//!
//! - [`package()`]: zips (deterministic, compressed in parallel) and templates in `.serverless/`,
//!   exactly where and how Serverless Framework v3 writes them.
//! - [`deploy()`], [`info()`], [`remove()`], [`deploy_function()`]: the AWS side, reporting
//!   progress as [`DeployEvent`]s for the CLI to render.
//!
//! Where things live: `compile/` turns the typed [`Service`] (from `sls_config::model`) into
//! templates, one module per concern and per event family, with ids from [`naming`];
//! `package` zips and writes `.serverless/`; `aws/` holds every AWS effect, one module per job.
//! Every error is a [`DeployError`]: a sentence, plus [`DeployError::hint`] on what to do.

#[cfg(feature = "aws")]
mod aws;
mod build_host;
mod compile;
mod devdeps;
mod error;
pub mod esbuild;
mod files;
pub mod include_dependencies;
pub mod invoke_local;
pub mod naming;
mod package;
pub mod policy;
pub mod python_requirements;
pub mod typescript_build;
mod typescript_cache;
mod zipper;

#[cfg(feature = "aws")]
pub use aws::{
    deploy, deploy_function, info, remove, AwsOptions, DeployEvent, DeployOutcome, FunctionOutcome,
    RemoveOutcome, ServiceInfo,
};
pub use build_host::BuildHost;
pub use error::{DeployError, ResourceFailure, Result};
pub use invoke_local::{prepare_invoke_local, InvokeTarget};
pub use package::{artifact_directory_name, package, package_with, PackageInput, PackageResult};
pub use sls_config::model::{Function, Provider, Service, DEFAULT_RUNTIME};
pub use zipper::{sha256_file, Artifact};
