//! sls-package, the build: what `sls package` does between the resolved configuration and the
//! `.serverless/` folder, exactly where and how Serverless Framework v3 writes it.
//!
//! - [`package()`] / [`package_with()`]: file selection (`files`), deterministic zips compressed
//!   in parallel (`zipper`), the templates from `sls-compile`, `serverless-state.json`;
//! - the built-in equivalents of the most used packaging plugins, run by the build:
//!   [`esbuild`] (serverless-esbuild), [`python_requirements`] (serverless-python-requirements),
//!   [`typescript_build`] (serverless-plugin-typescript) and [`include_dependencies`]
//!   (serverless-plugin-include-dependencies); build tools are found through [`BuildHost`];
//! - [`invoke_local`]: the same builds, for `sls invoke local`.
//!
//! No AWS SDK and no process environment: the caller passes the service folder, the resolved
//! configuration and a [`BuildHost`] (PATH and the environment the tools run with).

mod build_host;
pub mod custom_resources;
mod devdeps;
pub mod esbuild;
mod files;
pub mod include_dependencies;
pub mod invoke_local;
pub mod layers;
pub mod package;
pub mod python_requirements;
pub mod typescript_build;
mod typescript_cache;
pub mod zipper;

// The compiler's error type and naming, under the paths this crate's modules use.
pub use sls_compile::{error, naming};

pub use build_host::BuildHost;
pub use invoke_local::{prepare_invoke_local, InvokeTarget};
pub use package::{
    artifact_directory_name, package, package_with, package_with_deployed, package_with_plugins,
    plugin_error, AwsAnswers, PackageInput, PackageResult,
};
pub use sls_compile::{
    DeployError, Function, Provider, ResourceFailure, Result, Service, DEFAULT_RUNTIME,
};
pub use zipper::{sha256_file, Artifact};
