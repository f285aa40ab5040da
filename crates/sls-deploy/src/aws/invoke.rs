//! `sls invoke -f`: one Lambda Invoke call with v3's parameters (`lib/plugins/aws/invoke.js`).

use aws_config::SdkConfig;
use aws_sdk_lambda::error::ProvideErrorMetadata;
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{InvocationType, LogType};

use super::{AwsOptions, Clients};
use crate::error::{DeployError, Result};

/// What `sls invoke -f` sends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeRequest {
    /// The deployed function name (`<service>-<stage>-<key>` unless `name:` says otherwise).
    pub function_name: String,
    /// The stack the function belongs to, named when the function is not there.
    pub stack_name: String,
    /// `RequestResponse` (v3's default), `Event` or `DryRun`.
    pub invocation_type: String,
    /// `--log`: ask for the tail of the execution log (only with `RequestResponse`, as v3).
    pub log_tail: bool,
    /// The JSON payload, as bytes.
    pub payload: Vec<u8>,
    /// `--context`/`--contextPath`, already JSON text; sent base64-encoded as `ClientContext`.
    pub client_context: Option<String>,
    /// `--qualifier`: a version or alias.
    pub qualifier: Option<String>,
}

/// Lambda's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeReply {
    pub status_code: i32,
    pub payload: Vec<u8>,
    /// `X-Amz-Function-Error` (`Unhandled`, `Handled`): the function failed.
    pub function_error: Option<String>,
    /// The decoded `LogResult` (the last 4 KB of the execution log), when asked for.
    pub log: Option<String>,
}

/// Invokes the function once. A function that is not deployed is [`DeployError::NotDeployed`]
/// naming it and its stack; a function error is not an error here (the reply carries it).
pub async fn invoke(
    sdk: &SdkConfig,
    req: &InvokeRequest,
    opts: &AwsOptions,
) -> Result<InvokeReply> {
    let c = Clients::new(sdk, opts);
    let request_response = req.invocation_type == "RequestResponse";
    let log_type = if req.log_tail && request_response {
        LogType::Tail
    } else {
        LogType::None
    };
    let out = c
        .lambda
        .invoke()
        .function_name(&req.function_name)
        .invocation_type(InvocationType::from(req.invocation_type.as_str()))
        .log_type(log_type)
        .payload(Blob::new(req.payload.clone()))
        .set_client_context(req.client_context.as_deref().map(base64_encode))
        .set_qualifier(req.qualifier.clone())
        .send()
        .await
        .map_err(|e| {
            if e.code() == Some("ResourceNotFoundException") {
                DeployError::NotDeployed {
                    what: not_found_name(req),
                }
            } else {
                c.fail(
                    "lambda:InvokeFunction",
                    format!("function \"{}\"", req.function_name),
                )(e)
            }
        })?;
    Ok(InvokeReply {
        status_code: out.status_code(),
        payload: out
            .payload()
            .map(|b| b.as_ref().to_vec())
            .unwrap_or_default(),
        function_error: out.function_error().map(str::to_string),
        log: out.log_result().map(decode_log),
    })
}

fn not_found_name(req: &InvokeRequest) -> String {
    let qualifier = req
        .qualifier
        .as_deref()
        .map(|q| format!(" (qualifier \"{q}\")"))
        .unwrap_or_default();
    format!(
        "function \"{}\"{qualifier} of stack \"{}\"",
        req.function_name, req.stack_name
    )
}

fn base64_encode(text: &str) -> String {
    aws_smithy_types::base64::encode(text.as_bytes())
}

/// `LogResult` is base64 text; an undecodable one is shown as sent rather than dropped.
fn decode_log(encoded: &str) -> String {
    match aws_smithy_types::base64::decode(encoded) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(_) => encoded.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_results_are_decoded() {
        let encoded = base64_encode("START RequestId: 1\nEND RequestId: 1\n");
        assert_eq!(
            decode_log(&encoded),
            "START RequestId: 1\nEND RequestId: 1\n"
        );
        assert_eq!(decode_log("%%"), "%%");
    }
}
