//! What every step of executing a plan shares: the settings, the base SDK
//! configuration (no credentials) with its HTTP client, and the MFA prompt.
//! Its own module so the executors (`resolve`, `process`, `sso`) depend on
//! it, not on each other.

use std::sync::Arc;

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use crate::error::AwsError;
use crate::{net, AwsSettings, MfaPrompt};

/// What every step of a resolution shares.
pub(crate) struct Ctx {
    pub settings: AwsSettings,
    pub base: SdkConfig,
    pub http: SharedHttpClient,
    pub mfa: Arc<dyn MfaPrompt>,
}

impl Ctx {
    pub fn new(settings: &AwsSettings, mfa: Arc<dyn MfaPrompt>) -> Result<Ctx, AwsError> {
        let (base, http) = crate::base_config(settings)?;
        Ok(Ctx {
            settings: settings.clone(),
            base,
            http,
            mfa,
        })
    }

    pub fn sts(&self, creds: Option<Credentials>) -> aws_sdk_sts::Client {
        let mut b = aws_sdk_sts::config::Builder::from(&self.base);
        if let Some(c) = creds {
            b = b.credentials_provider(c);
        }
        aws_sdk_sts::Client::from_conf(b.build())
    }

    pub fn sts_endpoint(&self) -> Option<String> {
        net::endpoint_for(&self.settings.env, "STS")
    }
}
