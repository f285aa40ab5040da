//! `sls info`: the deployed stack's status, functions and outputs.

use aws_config::SdkConfig;

use super::stack::{describe_stack, status_of};
use super::{AwsOptions, Clients, ServiceInfo};
use crate::error::{DeployError, Result};
use sls_config::model::{EventKind, Service};

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
        endpoints: Vec::new(),
    })
    .map(|mut i| {
        i.endpoints = endpoints(service, &i.outputs);
        i
    })
}

/// v3 `displayEndpoints`: for each output named `ServiceEndpoint…`/`HttpApiUrl…` (stack order),
/// the REST API's endpoints (`GET - https://…/dev/users/{id}`, paths as written), the HTTP API's
/// routes (`GET - https://…/users`, `ANY - https://…` for `*`), other URLs (`wss://…`) as they are.
pub(crate) fn endpoints(
    service: &Service,
    outputs: &[(String, String, Option<String>)],
) -> Vec<String> {
    let mut out = Vec::new();
    for (key, value, _) in outputs {
        if !(key.starts_with("ServiceEndpoint") || key.starts_with("HttpApiUrl")) {
            continue;
        }
        let http_api = key.starts_with("HttpApiUrl");
        if !http_api && value.starts_with("https://") {
            for f in &service.functions {
                // Events as sls-config parsed them (path without its outer `/`); an event
                // that does not parse was never deployed.
                for e in f.events.iter().filter_map(|e| match &e.kind {
                    EventKind::Http(parsed) => parsed.settings.as_ref().ok(),
                    _ => None,
                }) {
                    let method = &e.method;
                    let path = if e.path.is_empty() {
                        String::new()
                    } else {
                        format!("/{}", e.path)
                    };
                    out.push(format!("{} - {value}{path}", method.to_uppercase()));
                }
            }
        } else if http_api {
            for f in &service.functions {
                // Routes as sls-config parsed them (`*`, or `<METHOD> /<path>` with `ANY`
                // for `*`); a route that does not parse was never deployed.
                for route in f.events.iter().filter_map(|e| match &e.kind {
                    EventKind::HttpApi(Ok(route)) => Some(route),
                    _ => None,
                }) {
                    let path = match route.key.split_once(' ') {
                        Some((_, p)) if route.key != "*" => p,
                        _ => "",
                    };
                    out.push(format!("{} - {value}{path}", route.method));
                }
            }
        } else {
            out.push(value.clone());
        }
    }
    // v3: the CloudFront distribution of `cloudFront` events, after the APIs.
    let cloud_front = sls_compile::naming::CLOUDFRONT_DISTRIBUTION_DOMAIN_NAME_LOGICAL_ID;
    if let Some((_, domain, _)) = outputs.iter().find(|(k, _, _)| k == cloud_front) {
        out.push(format!("CloudFront - {domain}"));
    }
    out
}

/// `sls info`: the deployed stack's status, functions and outputs.
pub async fn info(sdk: &SdkConfig, service: &Service, opts: &AwsOptions) -> Result<ServiceInfo> {
    info_from(&Clients::new(sdk, opts), service).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_as_v3_prints_them() {
        let config = serde_json::json!({
            "service": "s",
            "functions": {
                "a": {"handler": "h.h", "events": [
                    {"http": "GET hello"},
                    {"http": {"path": "/users/{id}/", "method": "post"}},
                    {"http": {"path": "/", "method": "any"}},
                    {"httpApi": "*"},
                    {"httpApi": {"method": "get", "path": "/x/{id}"}}
                ]}
            }
        });
        let svc = Service::from_config(&config, "dev", "us-east-1").unwrap();
        let outputs = vec![
            (
                "HelloLambdaFunctionQualifiedArn".to_string(),
                "arn".to_string(),
                None,
            ),
            (
                "ServiceEndpoint".to_string(),
                "https://r.execute-api.us-east-1.amazonaws.com/dev".to_string(),
                None,
            ),
            (
                "HttpApiUrl".to_string(),
                "https://h.execute-api.us-east-1.amazonaws.com".to_string(),
                None,
            ),
            (
                "ServiceEndpointWebsocket".to_string(),
                "wss://w.execute-api.us-east-1.amazonaws.com/dev".to_string(),
                None,
            ),
            (
                "CloudFrontDistributionDomainName".to_string(),
                "d111111abcdef8.cloudfront.net".to_string(),
                None,
            ),
        ];
        assert_eq!(
            endpoints(&svc, &outputs),
            [
                "GET - https://r.execute-api.us-east-1.amazonaws.com/dev/hello",
                "POST - https://r.execute-api.us-east-1.amazonaws.com/dev/users/{id}",
                "ANY - https://r.execute-api.us-east-1.amazonaws.com/dev",
                "ANY - https://h.execute-api.us-east-1.amazonaws.com",
                "GET - https://h.execute-api.us-east-1.amazonaws.com/x/{id}",
                "wss://w.execute-api.us-east-1.amazonaws.com/dev",
                "CloudFront - d111111abcdef8.cloudfront.net",
            ]
        );
    }
}
