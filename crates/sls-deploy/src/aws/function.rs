//! `sls deploy function`: update one function's code (and, with `--update-config`, its
//! configuration) through Lambda directly, without CloudFormation.

use aws_config::SdkConfig;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use serde_json::Value;

use super::{AwsOptions, Clients, DeployEvent, FunctionOutcome, Waiter};
use crate::error::{DeployError, Result};
use crate::naming;
use crate::package::PackageResult;

/// `sls deploy function -f NAME [--update-config]`: update code (and configuration) through
/// Lambda directly. `pkg` is a fresh package of the service.
pub async fn deploy_function(
    sdk: &SdkConfig,
    pkg: &PackageResult,
    function: &str,
    update_config: bool,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<FunctionOutcome> {
    let c = Clients::new(sdk, opts);
    let lambda = &c.lambda;
    let f = pkg
        .service
        .functions
        .iter()
        .find(|f| f.key == function)
        .ok_or_else(|| {
            DeployError::config(
                "functions",
                format!("function \"{function}\" is not defined in this service"),
            )
        })?;
    // An image function's code is its image (v3 updates `ImageUri`), a zip function's its zip.
    let image = pkg.update_template["Resources"][naming::lambda_logical_id(&f.key)]["Properties"]
        ["Code"]["ImageUri"]
        .as_str();
    let artifact = match image {
        Some(_) => None,
        None => Some(pkg.artifact_of(function).ok_or_else(|| {
            DeployError::config(
                format!("functions.{function}"),
                "the function has no artifact",
            )
        })?),
    };
    let resource = format!("function \"{}\"", f.name);
    let current = lambda
        .get_function_configuration()
        .function_name(&f.name)
        .send()
        .await
        .map_err(|e| {
            if e.code() == Some("ResourceNotFoundException") {
                DeployError::NotDeployed {
                    what: format!("function \"{}\"", f.name),
                }
            } else {
                c.fail("lambda:GetFunctionConfiguration", resource.clone())(e)
            }
        })?;

    if update_config {
        on_event(DeployEvent::Step(format!(
            "Updating configuration of {}",
            f.name
        )));
        let res =
            &pkg.update_template["Resources"][naming::lambda_logical_id(&f.key)]["Properties"];
        let mut req = lambda
            .update_function_configuration()
            .function_name(&f.name)
            .set_handler(f.handler.clone())
            .set_runtime(res["Runtime"].as_str().map(Into::into))
            .set_memory_size(res["MemorySize"].as_i64().map(|n| n as i32))
            .set_timeout(res["Timeout"].as_i64().map(|n| n as i32))
            .description(f.description.clone().unwrap_or_default());
        if let Value::String(role) = &res["Role"] {
            req = req.role(role);
        }
        // What v3's deploy-function.js also sends: KMS key, layers, dead-letter target and VPC,
        // each only when it is plain text (an intrinsic needs a full `sls deploy`, as in v3).
        if let Value::String(key) = &res["KmsKeyArn"] {
            req = req.kms_key_arn(key);
        }
        if let Some(layers) = plain_strings(&res["Layers"]) {
            req = req.set_layers(Some(layers));
        } else if res["Layers"].is_null() {
            // v3 sends an empty list so that removed layers are detached.
            req = req.set_layers(Some(Vec::new()));
        }
        if let Value::String(target) = &res["DeadLetterConfig"]["TargetArn"] {
            req = req.dead_letter_config(
                aws_sdk_lambda::types::DeadLetterConfig::builder()
                    .target_arn(target)
                    .build(),
            );
        }
        let vpc = &res["VpcConfig"];
        if let (Some(groups), Some(subnets)) = (
            plain_strings(&vpc["SecurityGroupIds"]),
            plain_strings(&vpc["SubnetIds"]),
        ) {
            req = req.vpc_config(
                aws_sdk_lambda::types::VpcConfig::builder()
                    .set_security_group_ids(Some(groups))
                    .set_subnet_ids(Some(subnets))
                    .build(),
            );
        }
        if let Some(vars) = res["Environment"]["Variables"].as_object() {
            let mut map = std::collections::HashMap::new();
            for (k, v) in vars {
                let v = match v {
                    Value::String(s) => s.clone(),
                    Value::Number(_) | Value::Bool(_) => v.to_string(),
                    _ => return Err(DeployError::config(
                        format!("functions.{function}.environment.{k}"),
                        "uses a CloudFormation intrinsic that only a full `sls deploy` can resolve",
                    )),
                };
                map.insert(k.clone(), v);
            }
            req = req.environment(
                aws_sdk_lambda::types::Environment::builder()
                    .set_variables(Some(map))
                    .build(),
            );
        }
        req.send()
            .await
            .map_err(c.fail("lambda:UpdateFunctionConfiguration", resource.clone()))?;
        wait_function_ready(&c, &f.name, opts).await?;
    }

    let Some(artifact) = artifact else {
        let uri = image.unwrap_or_default();
        return update_image(&c, f, &current, uri, opts, on_event).await;
    };
    if !opts.force && current.code_sha256() == Some(artifact.sha256.as_str()) {
        on_event(DeployEvent::Step(
            "Code not changed. Skipping function deployment.".into(),
        ));
        return Ok(FunctionOutcome::CodeUnchanged {
            name: f.name.clone(),
            code_sha256: artifact.sha256.clone(),
        });
    }
    on_event(DeployEvent::Upload {
        file: artifact.file_name.clone(),
        bytes: std::fs::metadata(&artifact.path)
            .map(|m| m.len())
            .unwrap_or(0),
    });
    let bytes = std::fs::read(&artifact.path)
        .map_err(|e| DeployError::io("could not read", &artifact.path, e))?;
    let out = lambda
        .update_function_code()
        .function_name(&f.name)
        .zip_file(Blob::new(bytes))
        .send()
        .await
        .map_err(c.fail("lambda:UpdateFunctionCode", resource))?;
    Ok(FunctionOutcome::Updated {
        name: f.name.clone(),
        code_sha256: out.code_sha256().unwrap_or(&artifact.sha256).to_string(),
    })
}

/// v3 `deployFunction` for an image function: the image's digest against the deployed
/// `CodeSha256`, then `UpdateFunctionCode` with the `ImageUri`.
async fn update_image(
    c: &Clients,
    f: &sls_config::model::Function,
    current: &aws_sdk_lambda::operation::get_function_configuration::GetFunctionConfigurationOutput,
    uri: &str,
    opts: &AwsOptions,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<FunctionOutcome> {
    let sha = uri
        .rsplit_once("@sha256:")
        .map(|(_, h)| h)
        .unwrap_or_default();
    if !opts.force && current.code_sha256() == Some(sha) {
        on_event(DeployEvent::Step(
            "Image did not change. Skipping function deployment.".into(),
        ));
        return Ok(FunctionOutcome::CodeUnchanged {
            name: f.name.clone(),
            code_sha256: sha.to_string(),
        });
    }
    on_event(DeployEvent::Step(format!("Updating image of {}", f.name)));
    let out = c
        .lambda
        .update_function_code()
        .function_name(&f.name)
        .image_uri(uri)
        .send()
        .await
        .map_err(c.fail(
            "lambda:UpdateFunctionCode",
            format!("function \"{}\"", f.name),
        ))?;
    Ok(FunctionOutcome::Updated {
        name: f.name.clone(),
        code_sha256: out.code_sha256().unwrap_or(sha).to_string(),
    })
}

/// The values of a JSON list of plain strings; `None` for anything else (e.g. an intrinsic).
fn plain_strings(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|x| x.as_str().map(str::to_string))
        .collect()
}

/// Lambda rejects a code update while a configuration update is still being applied. Past
/// the wait timeout the code update is tried anyway (Lambda then says what is wrong).
async fn wait_function_ready(c: &Clients, name: &str, opts: &AwsOptions) -> Result<()> {
    let waiter = Waiter::new(opts);
    loop {
        let cfg = c
            .lambda
            .get_function_configuration()
            .function_name(name)
            .send()
            .await
            .map_err(c.fail(
                "lambda:GetFunctionConfiguration",
                format!("function \"{name}\""),
            ))?;
        let busy = cfg
            .last_update_status()
            .is_some_and(|s| s.as_str() == "InProgress");
        if !busy || !waiter.next().await {
            return Ok(());
        }
    }
}
