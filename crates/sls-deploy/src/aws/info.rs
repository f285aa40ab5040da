//! `sls info`: the deployed stack's status, functions and outputs.

use aws_config::SdkConfig;

use super::stack::{describe_stack, status_of};
use super::{AwsOptions, Clients, ServiceInfo};
use crate::error::{DeployError, Result};
use sls_config::model::Service;

pub(super) async fn info_from(c: &Clients, service: &Service) -> Result<ServiceInfo> {
    let stack = describe_stack(c, &service.stack_name)
        .await?
        .ok_or_else(|| DeployError::NotDeployed {
            what: format!("stack \"{}\"", service.stack_name),
        })?;
    Ok(ServiceInfo {
        service: service.name.clone(),
        stage: service.stage.clone(),
        region: service.region.clone(),
        stack: service.stack_name.clone(),
        stack_status: status_of(&stack),
        functions: service
            .functions
            .iter()
            .map(|f| (f.key.clone(), f.name.clone()))
            .collect(),
        outputs: stack
            .outputs()
            .iter()
            .map(|o| {
                (
                    o.output_key().unwrap_or_default().to_string(),
                    o.output_value().unwrap_or_default().to_string(),
                    o.description().map(str::to_string),
                )
            })
            .collect(),
    })
}

/// `sls info`: the deployed stack's status, functions and outputs.
pub async fn info(sdk: &SdkConfig, service: &Service, opts: &AwsOptions) -> Result<ServiceInfo> {
    info_from(&Clients::new(sdk, opts), service).await
}
