//! Shared by this crate's moto end-to-end tests: an SDK configuration pointed at a loopback
//! endpoint with fake keys, fast polling, and packaging into the service's `.serverless/`.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::Path;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_s3::config::{Credentials, SharedCredentialsProvider};
use serde_json::Value;
use sls_deploy::{AwsOptions, PackageResult};

/// An SDK configuration for `endpoint` (moto or a proxy in front of it) with these fake keys.
pub fn sdk_as(endpoint: &str, key: &str, secret: &str) -> SdkConfig {
    SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .credentials_provider(SharedCredentialsProvider::new(Credentials::new(
            key, secret, None, None, "test",
        )))
        .http_client(aws_smithy_http_client::Builder::new().build_http())
        .build()
}

/// [`sdk_as`] with moto's default fake keys.
pub fn sdk(endpoint: &str) -> SdkConfig {
    sdk_as(endpoint, "AKIAEXAMPLE", "secret")
}

/// Path-style S3 (an IP endpoint) and quick polling of CloudFormation.
pub fn opts() -> AwsOptions {
    AwsOptions {
        s3_path_style: true,
        poll_interval: Duration::from_millis(200),
        wait_timeout: Duration::from_secs(120),
        ..AwsOptions::default()
    }
}

/// `sls package` of `config` for stage `dev` in us-east-1, into `dir/.serverless`.
pub fn pack(dir: &Path, config: &Value) -> PackageResult {
    crate::corpus::pack_answered(dir, config, sls_deploy::AwsAnswers::default())
}
