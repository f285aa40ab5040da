//! Phase-2 variable sources for `sls-config`: `${ssm:…}`, `${cf:…}`, `${s3:…}`
//! and `${aws:accountId}`, answered from AWS with the credentials of the stage.
//!
//! Semantics follow Serverless v3 (`lib/configuration/variables/sources/instance-dependent/`):
//!
//! - `${ssm:/path}` calls SSM GetParameter with `WithDecryption: true`.
//!   `String` → the string; `StringList` → an array (split on `,`);
//!   `SecureString` → the decrypted string, parsed as JSON when it starts with `{`
//!   (this is how Secrets Manager references, `/aws/reference/secretsmanager/…`,
//!   come back as objects; a value that is not valid JSON stays a string).
//!   Parameters: `raw` (no splitting, no JSON parsing), `noDecrypt`
//!   (`WithDecryption: false`), and the first other one is the region:
//!   `${ssm(eu-west-1, raw):/path}`. The pre-v3 postfixes `~true` and `~split`
//!   are accepted and dropped (decryption and splitting are automatic).
//! - `${cf:stack.OutputKey}` / `${cf(region):stack.OutputKey}`: CloudFormation
//!   DescribeStacks; the output's value.
//! - `${s3:bucket/key}`: S3 GetObject; the body as a (UTF-8, lossy) string.
//! - `${aws:accountId}`: STS GetCallerIdentity; `${aws:region}` is the deploy region
//!   (sls-config answers that one itself).
//!
//! A missing parameter, stack, output or key is `Ok(None)`, so a fallback
//! (`${ssm:/x, 'default'}`) applies, as in v3. Any other AWS failure is an
//! `Err` with [`explain_sdk_error`]'s paragraph (never a value or a secret).
//! Answers are cached per source for the life of the [`AwsVariableSource`]
//! (v3's `useCache: true`): a value used twice is fetched once. Variables known
//! before resolution are fetched concurrently ([`ExternalSource::prefetch`]).

use sls_hint::Hint;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use aws_config::{Region, SdkConfig};
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures_util::StreamExt;
use serde_json::Value;
use sls_config::{ExternalRequest, ExternalSource, SourceError};
use tokio::runtime::{Handle, RuntimeFlavor};

use crate::{explain_sdk_error, service_endpoint, AwsError, CallContext};

/// Resolves `ssm`, `cf`, `s3` and `aws` variables against AWS.
///
/// [`ExternalSource::resolve`] is synchronous: it runs each AWS call to completion
/// with [`Handle::block_on`]. Call it from a thread that is **not** inside the Tokio
/// runtime (the CLI resolves the service file on its main thread), and give it the
/// handle of a **multi-thread** runtime (on a current-thread runtime nothing would
/// drive the I/O). Both mistakes are reported as an `Err`, not a panic or a hang.
pub struct AwsVariableSource {
    config: SdkConfig,
    handle: Handle,
    region: String,
    s3_path_style: bool,
    cache: Mutex<HashMap<ExternalRequest, Answer>>,
    /// (region, name) of every SecureString read decrypted: `sls credentials policy`
    /// grants `kms:Decrypt` for those only.
    decrypted: Mutex<Vec<(String, String)>>,
}

/// What a `${ssm:…}` variable asks SSM for: the parameter name (a pre-v3 `~true` /
/// `~split` postfix dropped), the region parameter if any, and the `raw` / `noDecrypt`
/// flags: `${ssm(eu-west-1, raw):/path}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsmVariable<'a> {
    pub name: &'a str,
    pub region: Option<&'a str>,
    pub raw: bool,
    pub no_decrypt: bool,
}

impl<'a> SsmVariable<'a> {
    /// Parses the address and parameters of an `ssm` variable.
    pub fn parse(address: &'a str, params: &'a [String]) -> SsmVariable<'a> {
        SsmVariable {
            name: strip_legacy_instruction(address),
            region: params
                .iter()
                .find(|p| !matches!(p.as_str(), "raw" | "noDecrypt") && !p.is_empty())
                .map(String::as_str),
            raw: params.iter().any(|p| p == "raw"),
            no_decrypt: params.iter().any(|p| p == "noDecrypt"),
        }
    }
}

/// What a `${cf:stack.OutputKey}` / `${cf(region):stack.OutputKey}` variable asks
/// CloudFormation for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CfVariable<'a> {
    pub stack: &'a str,
    pub output: &'a str,
    pub region: Option<&'a str>,
}

impl<'a> CfVariable<'a> {
    /// Parses the address and parameters of a `cf` variable, or says what is wrong (v3's
    /// wording).
    pub fn parse(address: &'a str, params: &'a [String]) -> Result<CfVariable<'a>, String> {
        let Some((stack, output)) = address.split_once('.') else {
            return Err(format!(
                "Unsupported \"{address}\" address argument in variable \"cf\" source. \
                 Expected \"<stack-name>.<output-id>\" format"
            ));
        };
        Ok(CfVariable {
            stack,
            output,
            region: params.first().map(String::as_str).filter(|r| !r.is_empty()),
        })
    }
}

/// What a `${s3:bucket/key}` variable asks S3 for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Variable<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
}

impl<'a> S3Variable<'a> {
    /// Parses the address of an `s3` variable, or says what is wrong (v3's wording).
    pub fn parse(address: &'a str) -> Result<S3Variable<'a>, String> {
        let Some((bucket, key)) = address.split_once('/') else {
            return Err(format!(
                "Unsupported \"{address}\" address argument in variable \"s3\" source. \
                 Expected \"<bucket-name>/<key>\" format"
            ));
        };
        Ok(S3Variable { bucket, key })
    }
}

/// What AWS answered for one variable: a value, nothing (a fallback applies) or an error.
type Answer = Result<Option<Value>, SourceError>;

/// Concurrent AWS calls while prefetching: v3 sends all at once; a bound keeps
/// a service with hundreds of parameters clear of SSM's request-rate limits.
const CONCURRENT_CALLS: usize = 8;

impl AwsVariableSource {
    /// `config` comes from [`crate::sdk_config`] (credentials of the stage, endpoint
    /// overrides from the snapshot); `region` is the deploy region (used when a
    /// variable names none); `s3_path_style` should be
    /// `uses_local_endpoint(&settings.env, "S3")`.
    pub fn new(
        config: &SdkConfig,
        handle: Handle,
        region: impl Into<String>,
        s3_path_style: bool,
    ) -> Self {
        let region = region.into();
        let config = config
            .to_builder()
            .region(Region::new(region.clone()))
            .build();
        AwsVariableSource {
            config,
            handle,
            region,
            s3_path_style,
            cache: Mutex::new(HashMap::new()),
            decrypted: Mutex::new(Vec::new()),
        }
    }

    /// (region, name) of the SecureString parameters read decrypted so far.
    pub fn decrypted_parameters(&self) -> Vec<(String, String)> {
        self.decrypted.lock().map(|d| d.clone()).unwrap_or_default()
    }

    /// The deploy region.
    pub fn region(&self) -> &str {
        &self.region
    }

    fn run<F: Future>(&self, fut: F) -> Result<F::Output, String> {
        if Handle::try_current().is_ok() {
            return Err(
                "internal error: AWS variables were resolved from inside the async runtime \
                 (they must be resolved from a plain thread)"
                    .into(),
            );
        }
        if self.handle.runtime_flavor() == RuntimeFlavor::CurrentThread {
            return Err(
                "internal error: AWS variables need a multi-thread async runtime to run their calls"
                    .into(),
            );
        }
        Ok(self.handle.block_on(fut))
    }

    fn region_for(&self, region: Option<&str>) -> Region {
        Region::new(region.unwrap_or(&self.region).to_string())
    }

    async fn ssm(&self, address: &str, params: &[String]) -> Result<Option<Value>, SourceError> {
        let SsmVariable {
            name,
            region,
            raw,
            no_decrypt,
        } = SsmVariable::parse(address, params);
        let conf = aws_sdk_ssm::config::Builder::from(&self.config)
            .region(self.region_for(region))
            .build();
        let client = aws_sdk_ssm::Client::from_conf(conf);
        let out = client
            .get_parameter()
            .name(name)
            .with_decryption(!no_decrypt)
            .send()
            .await;
        let out = match out {
            Ok(out) => out,
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_parameter_not_found()) =>
            {
                return Ok(None)
            }
            Err(e) => {
                // The parameter is named, as deploy errors name their resource.
                let doing = format!("ssm:GetParameter on parameter \"{name}\"");
                return Err(self.explain(&e, &doing, "SSM"));
            }
        };
        let Some(param) = out.parameter() else {
            return Ok(None);
        };
        let value = param.value().unwrap_or_default();
        use aws_sdk_ssm::types::ParameterType;
        if param.r#type() == Some(&ParameterType::SecureString) && !no_decrypt {
            if let Ok(mut d) = self.decrypted.lock() {
                d.push((self.region_for(region).to_string(), name.to_string()));
            }
        }
        Ok(Some(match param.r#type() {
            Some(ParameterType::StringList) if !raw => Value::Array(
                value
                    .split(',')
                    .map(|s| Value::String(s.to_string()))
                    .collect(),
            ),
            Some(ParameterType::SecureString) if !raw && value.starts_with('{') => {
                serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()))
            }
            Some(ParameterType::String)
            | Some(ParameterType::StringList)
            | Some(ParameterType::SecureString)
            | None => Value::String(value.to_string()),
            Some(other) => {
                return Err(format!("Unexpected parameter type: \"{}\"", other.as_str()).into())
            }
        }))
    }

    async fn cf(&self, address: &str, params: &[String]) -> Result<Option<Value>, SourceError> {
        let CfVariable {
            stack,
            output,
            region,
        } = CfVariable::parse(address, params)?;
        let conf = aws_sdk_cloudformation::config::Builder::from(&self.config)
            .region(self.region_for(region))
            .build();
        let client = aws_sdk_cloudformation::Client::from_conf(conf);
        let out = client.describe_stacks().stack_name(stack).send().await;
        let out = match out {
            Ok(out) => out,
            Err(e)
                if e.as_service_error().is_some_and(|s| {
                    s.code() == Some("ValidationError")
                        && s.message().is_some_and(|m| m.contains("does not exist"))
                }) =>
            {
                return Ok(None)
            }
            Err(e) => {
                let doing = format!("cloudformation:DescribeStacks on stack \"{stack}\"");
                return Err(self.explain(&e, &doing, "CloudFormation"));
            }
        };
        Ok(out
            .stacks()
            .first()
            .and_then(|s| s.outputs().iter().find(|o| o.output_key() == Some(output)))
            .and_then(|o| o.output_value())
            .map(|v| Value::String(v.to_string())))
    }

    async fn s3(&self, address: &str) -> Result<Option<Value>, SourceError> {
        let S3Variable { bucket, key } = S3Variable::parse(address)?;
        let conf = aws_sdk_s3::config::Builder::from(&self.config)
            .force_path_style(self.s3_path_style)
            .build();
        let client = aws_sdk_s3::Client::from_conf(conf);
        let body = match client.get_object().bucket(bucket).key(key).send().await {
            Ok(out) => out
                .body
                .collect()
                .await
                .map(|b| Some(b.into_bytes()))
                .map_err(|e| format!("Could not read s3://{bucket}/{key}: {e}"))?,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => None,
            Err(e) => {
                let doing = format!("s3:GetObject on s3://{bucket}/{key}");
                return Err(self.explain(&e, &doing, "S3"));
            }
        };
        Ok(body.map(|b| Value::String(String::from_utf8_lossy(&b).into_owned())))
    }

    async fn account_id(&self) -> Result<Option<Value>, SourceError> {
        let who = crate::caller_identity(&self.config)
            .await
            .map_err(|e| render(&e))?;
        Ok(Some(Value::String(who.account)))
    }

    fn explain<E, R>(&self, err: &SdkError<E, R>, action: &str, service_id: &str) -> SourceError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        let endpoint = service_endpoint(&self.config, service_id);
        render(&explain_sdk_error(
            err,
            &CallContext {
                action,
                identity: None,
                endpoint: endpoint.as_deref(),
            },
        ))
    }
}

impl std::fmt::Debug for AwsVariableSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsVariableSource")
            .field("region", &self.region)
            .field("s3_path_style", &self.s3_path_style)
            .finish_non_exhaustive()
    }
}

impl AwsVariableSource {
    /// One AWS call for one variable (no cache).
    async fn fetch(&self, request: &ExternalRequest) -> Result<Option<Value>, SourceError> {
        let (address, params) = (request.address.as_str(), request.params.as_slice());
        match request.source.as_str() {
            "ssm" => self.ssm(address, params).await,
            "cf" => self.cf(address, params).await,
            "s3" => self.s3(address).await,
            "aws" => match address {
                "accountId" => self.account_id().await,
                "region" => Ok(Some(Value::String(self.region.clone()))),
                other => Err(format!(
                    "Unsupported \"{other}\" address argument in variable \"aws\" source"
                )
                .into()),
            },
            other => Err(format!("Unsupported variable source \"{other}\"").into()),
        }
    }

    fn cached(&self, request: &ExternalRequest) -> Option<Answer> {
        self.cache.lock().ok()?.get(request).cloned()
    }

    fn remember(&self, request: ExternalRequest, answer: Answer) {
        if let Ok(mut cache) = self.cache.lock() {
            cache.insert(request, answer);
        }
    }
}

impl ExternalSource for AwsVariableSource {
    fn resolve(
        &self,
        source: &str,
        address: &str,
        params: &[String],
    ) -> Result<Option<Value>, SourceError> {
        let request = ExternalRequest {
            source: source.to_string(),
            address: address.to_string(),
            params: params.to_vec(),
        };
        if let Some(answer) = self.cached(&request) {
            return answer;
        }
        let answer = self.run(self.fetch(&request))?;
        self.remember(request, answer.clone());
        answer
    }

    /// Fetches up to [`CONCURRENT_CALLS`] variables at a time; answers (values
    /// and failures alike) go to the cache that `resolve` reads.
    fn prefetch(&self, requests: &[ExternalRequest]) {
        let todo: Vec<&ExternalRequest> = requests
            .iter()
            .filter(|r| self.cached(r).is_none())
            .collect();
        if todo.is_empty() {
            return;
        }
        let fetched = self.run(
            futures_util::stream::iter(todo)
                .map(|r| async move { (r, self.fetch(r).await) })
                .buffer_unordered(CONCURRENT_CALLS)
                .collect::<Vec<_>>(),
        );
        // If the calls cannot run at all, `resolve` reports why, one by one.
        for (request, answer) in fetched.unwrap_or_default() {
            self.remember(request.clone(), answer);
        }
    }
}

/// What happened, and apart from it what to do: the CLI shows the hint as every error's.
fn render(e: &AwsError) -> SourceError {
    SourceError {
        message: e.what().trim_end().to_string(),
        hint: e.hint().map(|h| h.into_owned()),
    }
}

/// Drops the pre-v3 `~true` / `~split` postfix (SSM names cannot contain `~`).
fn strip_legacy_instruction(address: &str) -> &str {
    match address.rsplit_once('~') {
        Some((name, "true" | "split")) => name,
        _ => address,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_postfixes_are_dropped() {
        assert_eq!(strip_legacy_instruction("/a/b~true"), "/a/b");
        assert_eq!(strip_legacy_instruction("/a/b~split"), "/a/b");
        assert_eq!(strip_legacy_instruction("/a/b"), "/a/b");
        assert_eq!(strip_legacy_instruction("/a/b~x"), "/a/b~x");
    }

    #[test]
    fn cf_and_s3_addresses() {
        let region = ["eu-west-1".to_string()];
        assert_eq!(
            CfVariable::parse("net-prod.VpcId", &region),
            Ok(CfVariable {
                stack: "net-prod",
                output: "VpcId",
                region: Some("eu-west-1"),
            })
        );
        assert_eq!(
            CfVariable::parse("net.VpcId", &[String::new()]).map(|v| v.region),
            Ok(None)
        );
        assert!(CfVariable::parse("no-output", &[]).is_err());
        assert_eq!(
            S3Variable::parse("bucket/a/b.json"),
            Ok(S3Variable {
                bucket: "bucket",
                key: "a/b.json",
            })
        );
        assert!(S3Variable::parse("bucket-only").is_err());
    }
}
