//! What earlier deployments left behind, and going back to them: `sls deploy list` (the
//! deployment directories in the bucket), `sls deploy list functions` (published versions),
//! `sls rollback -t` (the stack updated to an earlier deployment's template, through the same
//! change set and wait as `sls deploy`) and `sls rollback function` (a version's code put back).
//! v3: `deploy-list.js`, `rollback.js`, `rollback-function.js`.

use aws_config::SdkConfig;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use serde_json::Value;

use super::stack::{self, Method};
use super::{bucket, AwsOptions, Clients, DeployEvent};
use crate::error::{DeployError, Result};
use crate::naming;
use sls_config::model::Service;

/// One deployment directory (`<prefix>/<service>/<stage>/<ms>-<ISO date>/`) and its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    /// Epoch milliseconds, as in the directory name (what `sls rollback -t` takes).
    pub timestamp: String,
    /// The ISO date of the directory name (`2026-12-06T10:00:00.000Z`).
    pub date: String,
    /// File names in the directory, in the bucket's order.
    pub files: Vec<String>,
}

/// A function and its published versions (`$LATEST` first, as Lambda lists them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FunctionVersions {
    /// The deployed function name.
    pub name: String,
    pub versions: Vec<String>,
}

/// What `rollback` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackOutcome {
    RolledBack {
        directory: String,
    },
    /// The stack already runs that deployment's template.
    NoChanges {
        directory: String,
    },
}

/// The deployment bucket of a deployed service (`NotDeployed` without a stack).
async fn deployment_bucket(c: &Clients, service: &Service) -> Result<String> {
    let stack = stack::describe_stack(c, &service.stack_name)
        .await?
        .ok_or_else(|| DeployError::NotDeployed {
            what: format!("stack \"{}\"", service.stack_name),
        })?;
    bucket::bucket_name(c, service, &stack).await
}

/// Every deployment of this service and stage in its bucket, oldest first.
pub async fn deployments(
    sdk: &SdkConfig,
    service: &Service,
    opts: &AwsOptions,
) -> Result<Vec<Deployment>> {
    let c = Clients::new(sdk, opts);
    let bucket = deployment_bucket(&c, service).await?;
    Ok(list_deployments(&c, service, &bucket).await?.1)
}

/// The artifact prefix and the deployments under it.
async fn list_deployments(
    c: &Clients,
    service: &Service,
    bucket: &str,
) -> Result<(String, Vec<Deployment>)> {
    let prefix = service.artifact_prefix();
    let keys = bucket::list_keys(c, bucket, &prefix).await?;
    let deployments = bucket::deployment_dirs(&keys, &prefix)
        .into_iter()
        .map(|dir| {
            let name = &dir[prefix.len()..];
            let (timestamp, date) = name.split_once('-').unwrap_or((name, ""));
            let inside = format!("{dir}/");
            Deployment {
                timestamp: timestamp.to_string(),
                date: date.to_string(),
                files: keys
                    .iter()
                    .filter_map(|k| k.strip_prefix(&inside).map(str::to_string))
                    .collect(),
            }
        })
        .collect();
    Ok((prefix, deployments))
}

/// Each function of the service with its versions (GetFunction, then every page of
/// ListVersionsByFunction), in the order of `functions:`.
pub async fn function_versions(
    sdk: &SdkConfig,
    service: &Service,
    opts: &AwsOptions,
) -> Result<Vec<FunctionVersions>> {
    let c = Clients::new(sdk, opts);
    let mut out = Vec::new();
    for f in &service.functions {
        let not_deployed = || DeployError::NotDeployed {
            what: format!(
                "function \"{}\" of stack \"{}\"",
                f.name, service.stack_name
            ),
        };
        let resource = format!("function \"{}\"", f.name);
        let mut versions = Vec::new();
        let mut marker: Option<String> = None;
        loop {
            let page = c
                .lambda
                .list_versions_by_function()
                .function_name(&f.name)
                .set_marker(marker.take())
                .send()
                .await
                .map_err(|e| match e.code() {
                    Some("ResourceNotFoundException") => not_deployed(),
                    _ => c.fail("lambda:ListVersionsByFunction", resource.clone())(e),
                })?;
            versions.extend(
                page.versions()
                    .iter()
                    .filter_map(|v| v.version().map(str::to_string)),
            );
            match page.next_marker() {
                Some(m) if !m.is_empty() => marker = Some(m.to_string()),
                _ => break,
            }
        }
        out.push(FunctionVersions {
            name: f.name.clone(),
            versions,
        });
    }
    Ok(out)
}

/// `sls rollback -t TIMESTAMP`: the stack updated to that deployment's template (and so its
/// artifacts), with the service's current `provider` settings (`deploymentMethod`, stack
/// policy, role, tags), waited for and reported as `sls deploy` is.
pub async fn rollback(
    sdk: &SdkConfig,
    service: &Service,
    provider: &Value,
    timestamp: &str,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<RollbackOutcome> {
    let c = Clients::new(sdk, opts);
    let name = service.stack_name.as_str();
    let stack = stack::settle(&c, name, false, opts, on_event)
        .await?
        .ok_or_else(|| DeployError::NotDeployed {
            what: format!("stack \"{name}\""),
        })?;
    let bucket = bucket::bucket_name(&c, service, &stack).await?;
    let (prefix, deployments) = list_deployments(&c, service, &bucket).await?;
    let directory = chosen_directory(&deployments, timestamp)?;
    let url = format!(
        "https://{}/{bucket}/{prefix}{directory}/{}",
        naming::s3_endpoint_for_region(&service.region),
        naming::COMPILED_TEMPLATE_S3_FILE
    );
    let id = stack.stack_id().unwrap_or(name);
    let method = Method::from_provider(provider);
    let changed = stack::update(&c, service, id, &url, &method, opts, on_event).await?;
    Ok(if changed {
        RollbackOutcome::RolledBack { directory }
    } else {
        RollbackOutcome::NoChanges { directory }
    })
}

/// The directory of the deployment `timestamp` names (epoch milliseconds, or a date as v3's
/// `new Date(..)` reads it), which must hold a compiled template.
fn chosen_directory(deployments: &[Deployment], timestamp: &str) -> Result<String> {
    if deployments.is_empty() {
        return Err(DeployError::Missing {
            message: "Couldn't find any existing deployments.".into(),
            hint: Some("Please verify that stage and region are correct.".into()),
        });
    }
    let not_found = || DeployError::Missing {
        message: format!("Couldn't find a deployment for the timestamp: {timestamp}."),
        hint: Some(
            "Please verify that the timestamp, stage and region are correct \
             (`sls deploy list` shows the deployments and their timestamps)."
                .into(),
        ),
    };
    let ms = crate::time_spec::timestamp_ms(timestamp).ok_or_else(not_found)?;
    deployments
        .iter()
        .find(|d| {
            d.timestamp == ms.to_string()
                && crate::time_spec::timestamp_ms(&d.date) == Some(ms)
                && d.files
                    .iter()
                    .any(|f| f == naming::COMPILED_TEMPLATE_S3_FILE)
        })
        .map(|d| format!("{}-{}", d.timestamp, d.date))
        .ok_or_else(not_found)
}

/// `sls rollback function -f NAME --function-version N`: that version's code (GetFunction's
/// `Code.Location`, a presigned URL fetched through the SDK's own HTTP client, so proxy and
/// trust settings apply) put back with UpdateFunctionCode.
pub async fn rollback_function(
    sdk: &SdkConfig,
    function_key: &str,
    function_name: &str,
    version: &str,
    opts: &AwsOptions,
) -> Result<()> {
    let c = Clients::new(sdk, opts);
    let resource = format!("function \"{function_name}\"");
    let found = c
        .lambda
        .get_function()
        .function_name(function_name)
        .qualifier(version)
        .send()
        .await
        .map_err(|e| match e.code() {
            Some("ResourceNotFoundException") => DeployError::Missing {
                message: format!(
                    "Function \"{function_key}\" with version \"{version}\" not found."
                ),
                hint: Some(format!(
                    "Check that \"{function_key}\" is deployed ({function_name}) and that version \
                     \"{version}\" exists: `sls deploy list functions` lists its versions."
                )),
            },
            _ => c.fail("lambda:GetFunction", resource.clone())(e),
        })?;
    let location = found
        .code()
        .and_then(|code| code.location())
        .ok_or_else(|| DeployError::Missing {
            message: format!(
                "Lambda gave no code location for version \"{version}\" of {resource}."
            ),
            hint: Some("Only zip functions can be rolled back; an image function has none.".into()),
        })?;
    let zip = super::download::get(&c.sdk, location)
        .await
        .map_err(|message| DeployError::Missing {
            message: format!(
                "Could not download the code of version \"{version}\" of {resource}: {message}."
            ),
            hint: Some("Check the network (proxy, firewall) and run again.".into()),
        })?;
    c.lambda
        .update_function_code()
        .function_name(function_name)
        .zip_file(Blob::new(zip))
        .send()
        .await
        .map_err(c.fail("lambda:UpdateFunctionCode", resource))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn deployment(timestamp: &str, date: &str, files: &[&str]) -> Deployment {
        Deployment {
            timestamp: timestamp.into(),
            date: date.into(),
            files: files.iter().map(|f| f.to_string()).collect(),
        }
    }

    #[test]
    fn a_timestamp_or_its_date_picks_the_directory() {
        let list = vec![
            deployment(
                "1700000000001",
                "2023-11-14T22:13:20.001Z",
                &["compiled-cloudformation-template.json", "s.zip"],
            ),
            deployment("1700000000002", "2023-11-14T22:13:20.002Z", &["s.zip"]),
        ];
        let dir = "1700000000001-2023-11-14T22:13:20.001Z";
        assert_eq!(chosen_directory(&list, "1700000000001").unwrap(), dir);
        assert_eq!(
            chosen_directory(&list, "2023-11-14T22:13:20.001Z").unwrap(),
            dir
        );
        // No template in it, or no such deployment: v3's message.
        let e = chosen_directory(&list, "1700000000002").unwrap_err();
        assert_eq!(
            e.to_string(),
            "Couldn't find a deployment for the timestamp: 1700000000002."
        );
        assert!(chosen_directory(&list, "yesterday").is_err());
        let e = chosen_directory(&[], "1").unwrap_err();
        assert_eq!(e.to_string(), "Couldn't find any existing deployments.");
    }
}
