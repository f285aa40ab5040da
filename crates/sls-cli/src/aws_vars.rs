//! `${ssm:…}`, `${cf:…}`, `${s3:…}` and `${aws:accountId}` for commands that
//! resolve the whole service.
//!
//! Commands that talk to AWS anyway (deploy, info, remove) hand their own SDK
//! configuration to [`sls_aws::AwsVariableSource`]. Commands that do not
//! (print, package, invoke local) use [`LazyAwsSource`]: it resolves the
//! credentials of the stage and builds the SDK configuration only when the
//! service really holds an AWS variable, so a service without one stays
//! offline, fast, and works with no credentials at all (as in v3).

use std::cell::OnceCell;

use serde_json::Value;
use sls_config::{ExternalRequest, ExternalSource};

use crate::aws::Aws;
use crate::error::{CliError, CliResult};
use crate::host::Host;
use crate::service::{self, Loaded};

/// Resolves the whole service (phase 2) for a command that does not talk to
/// AWS otherwise: AWS is set up only if the service holds an AWS variable.
pub fn resolve_full_lazily(host: &Host, loaded: &Loaded) -> CliResult<sls_config::Service> {
    service::resolve_full(host, loaded, &LazyAwsSource::new(host, loaded))
}

/// Sets up AWS on the first AWS variable, then answers every one of them.
pub struct LazyAwsSource<'a> {
    host: &'a Host,
    loaded: &'a Loaded,
    ready: OnceCell<Result<Ready, String>>,
}

struct Ready {
    aws: Aws,
    source: sls_aws::AwsVariableSource,
}

impl<'a> LazyAwsSource<'a> {
    pub fn new(host: &'a Host, loaded: &'a Loaded) -> Self {
        LazyAwsSource {
            host,
            loaded,
            ready: OnceCell::new(),
        }
    }

    fn set_up(&self) -> Result<Ready, CliError> {
        let (host, loaded) = (self.host, self.loaded);
        let aws = Aws::connect(host, loaded)?;
        let source = for_sdk(host, loaded, &aws.sdk, aws.runtime.handle().clone());
        Ok(Ready { aws, source })
    }

    /// (region, name) of the SecureString parameters the variables read decrypted.
    pub fn decrypted_parameters(&self) -> Vec<(String, String)> {
        match self.ready.get() {
            Some(Ok(ready)) => ready.source.decrypted_parameters(),
            _ => Vec::new(),
        }
    }

    /// The AWS access set up for the variables, if any was: a command that
    /// needs credentials afterwards reuses it (no second chain, STS call or MFA prompt).
    pub fn into_aws(self) -> Option<Aws> {
        self.ready.into_inner()?.ok().map(|ready| ready.aws)
    }
}

impl LazyAwsSource<'_> {
    /// A set-up failure (no credentials, bad CA bundle, MFA not entered) is
    /// kept, so every AWS variable reports the same cause without retrying.
    fn ready(&self) -> Result<&sls_aws::AwsVariableSource, String> {
        match self
            .ready
            .get_or_init(|| self.set_up().map_err(|e| e.to_string()))
        {
            Ok(ready) => Ok(&ready.source),
            Err(message) => Err(message.clone()),
        }
    }
}

impl ExternalSource for LazyAwsSource<'_> {
    fn resolve(
        &self,
        source: &str,
        address: &str,
        params: &[String],
    ) -> Result<Option<Value>, sls_config::SourceError> {
        self.ready()?.resolve(source, address, params)
    }

    fn prefetch(&self, requests: &[ExternalRequest]) {
        // On a set-up failure, `resolve` reports it at each variable.
        if let Ok(source) = self.ready() {
            source.prefetch(requests);
        }
    }
}

/// The AWS variable source for a command that already has its SDK configuration.
pub fn for_sdk(
    host: &Host,
    loaded: &Loaded,
    sdk: &aws_config::SdkConfig,
    handle: tokio::runtime::Handle,
) -> sls_aws::AwsVariableSource {
    sls_aws::AwsVariableSource::new(
        sdk,
        handle,
        loaded.phase1.region.clone(),
        sls_aws::uses_local_endpoint(&host.env, "S3"),
    )
}

/// Passes every AWS variable to `inner` and remembers what resolution asked for:
/// `sls credentials policy` grants exactly those reads.
pub struct Recording<'a> {
    inner: &'a dyn ExternalSource,
    requests: std::cell::RefCell<Vec<ExternalRequest>>,
    /// The `${s3:}` requests whose object was missing.
    missing_objects: std::cell::RefCell<Vec<ExternalRequest>>,
}

impl<'a> Recording<'a> {
    pub fn new(inner: &'a dyn ExternalSource) -> Self {
        Recording {
            inner,
            requests: Default::default(),
            missing_objects: Default::default(),
        }
    }

    /// The reads as the policy generator takes them. `region` is the deploy region (used
    /// when a variable names none); `decrypted` lists the SecureStrings read decrypted.
    pub fn reads(
        &self,
        region: &str,
        decrypted: &[(String, String)],
    ) -> Vec<sls_deploy::policy::VariableRead> {
        use sls_deploy::policy::VariableRead;
        let mut out = Vec::new();
        for r in self.requests.borrow().iter() {
            match r.source.as_str() {
                "ssm" => {
                    let v = sls_aws::SsmVariable::parse(&r.address, &r.params);
                    let region = v.region.unwrap_or(region).to_string();
                    let secure = decrypted.iter().any(|(g, n)| *g == region && n == v.name);
                    out.push(VariableRead::SsmParameter {
                        name: v.name.to_string(),
                        // The pre-v3 `~true` asks for decryption explicitly.
                        decrypt: !v.no_decrypt && (secure || r.address.ends_with("~true")),
                        region,
                    });
                }
                "cf" => {
                    if let Ok(v) = sls_aws::CfVariable::parse(&r.address, &r.params) {
                        out.push(VariableRead::Stack {
                            region: v.region.unwrap_or(region).to_string(),
                            name: v.stack.to_string(),
                        });
                    }
                }
                "s3" => {
                    if let Ok(v) = sls_aws::S3Variable::parse(&r.address) {
                        out.push(VariableRead::S3Object {
                            bucket: v.bucket.to_string(),
                            key: v.key.to_string(),
                        });
                        if self.missing_objects.borrow().contains(r) {
                            out.push(VariableRead::S3Bucket {
                                bucket: v.bucket.to_string(),
                            });
                        }
                    }
                }
                // `${aws:accountId}`: sts:GetCallerIdentity is in every policy.
                _ => {}
            }
        }
        out.sort();
        out.dedup();
        out
    }
}

impl ExternalSource for Recording<'_> {
    fn resolve(
        &self,
        source: &str,
        address: &str,
        params: &[String],
    ) -> Result<Option<Value>, sls_config::SourceError> {
        let request = ExternalRequest {
            source: source.into(),
            address: address.into(),
            params: params.to_vec(),
        };
        let answer = self.inner.resolve(source, address, params);
        if source == "s3" && matches!(answer, Ok(None)) {
            self.missing_objects.borrow_mut().push(request.clone());
        }
        let mut requests = self.requests.borrow_mut();
        if !requests.contains(&request) {
            requests.push(request);
        }
        answer
    }

    fn prefetch(&self, requests: &[ExternalRequest]) {
        self.inner.prefetch(requests);
    }
}
