//! `sls-aws`: turns a credential [`Plan`] into live AWS credentials and builds
//! the one [`SdkConfig`] every AWS client of a command is made from.
//!
//! - [`sdk_config`]: region (always explicit: aws-config's region chain never
//!   runs), credentials from the plan, endpoint overrides from the snapshot
//!   (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`), retries, timeouts
//!   (`AWS_CLIENT_TIMEOUT`), TLS trust (`ca`, `cafile`, `AWS_CA_BUNDLE`, profile
//!   `ca_bundle`) and proxy (`proxy`, `HTTPS_PROXY`, …, `NO_PROXY`).
//! - [`resolve_credentials`]: the same credentials as plain keys (for
//!   `sls credentials export`, `invoke local`).
//! - [`caller_identity`]: STS GetCallerIdentity (`sls credentials show --verify`).
//! - [`explain_sdk_error`]: AWS failures as one paragraph plus a hint.
//! - [`sso_login`] / [`sso_logout`]: `sls sso login` (SSO OIDC device authorization,
//!   into the AWS CLI's token cache) and `sls sso logout`.
//!
//! Typical use (the deploy crate adds its own clients from the same config):
//!
//! ```text
//! let settings = AwsSettings::new(region, env_snapshot, home, cwd);
//! let config = sls_aws::sdk_config(&settings, &plan, mfa_prompt).await?;
//! let s3 = aws_sdk_s3::Client::from_conf(
//!     aws_sdk_s3::config::Builder::from(&config)
//!         .force_path_style(sls_aws::uses_local_endpoint(&settings.env, "S3"))
//!         .build(),
//! );
//! // on failure: sls_aws::explain_sdk_error(&err, &CallContext { action: "s3:PutObject", .. })
//! ```
//!
//! House rule: nothing here reads the process environment. Everything comes
//! from [`AwsSettings`] (an env snapshot, home, cwd). Two documented
//! exceptions live inside the AWS SDK: the system trust store (rustls-native-certs
//! honours `SSL_CERT_FILE`/`SSL_CERT_DIR`) and the SDK's container/instance-metadata
//! providers, which read their variables from the process (in the CLI the
//! snapshot *is* the process environment).

mod cache;
mod ctx;
mod error;
mod net;
mod process;
mod resolve;
mod sso;
mod sso_login;
pub mod time;
pub mod variables;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::rt::sleep::{SharedAsyncSleep, TokioSleep};
use aws_smithy_async::time::SystemTimeSource;
use aws_smithy_types::retry::{RetryConfig, RetryMode};
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::service_config::{LoadServiceConfig, ServiceConfigKey};
use sls_credentials::plan::{Plan, StaticKeys};

pub use cache::{cache_key, cli_cache_dir, AssumeRoleArgs, EXPIRY_WINDOW};
pub use error::{explain_code, explain_sdk_error, AwsError, CallContext, ErrorKind};
pub use net::{endpoint_for, uses_local_endpoint};
pub use process::split_command;
pub use sso_login::{
    login_command, registration_cache_key, sso_cache_dir, sso_login, sso_logout, sso_token_file,
    sso_token_status, DeviceAuthorization, LoginClock, LoginPrompt, SsoLoginOutcome,
    SsoLogoutOutcome, SsoTokenStatus,
};
pub use variables::{AwsVariableSource, CfVariable, S3Variable, SsmVariable};

/// The environment snapshot (taken once by the CLI), shared by every crate.
pub use sls_credentials::Env;
use sls_credentials::EnvExt;

/// Everything `sls-aws` needs to know about the machine, passed in.
/// `Debug` lists the variable names of the snapshot, never their values.
#[derive(Clone)]
pub struct AwsSettings {
    /// The deploy region (sls decides it: `--region` → `provider.region` → `us-east-1`).
    pub region: String,
    /// The environment snapshot.
    pub env: Env,
    /// The home directory (`~/.aws/cli/cache`, `~/.aws/sso/cache`).
    pub home: PathBuf,
    /// The working directory (relative CA paths, `credential_process`).
    pub cwd: PathBuf,
    /// `ca_bundle` of the active profile, if any.
    pub profile_ca_bundle: Option<String>,
    /// `max_attempts` and `retry_mode` of the active profile, if any (the environment's
    /// `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE` win, as for the AWS CLI).
    pub profile_max_attempts: Option<String>,
    pub profile_retry_mode: Option<String>,
    /// Disables the assumed-role session cache (`SLS_NO_CREDENTIAL_CACHE=1` or a flag).
    pub no_cache: bool,
}

impl AwsSettings {
    /// Settings with the cache on and no profile `ca_bundle`; `no_cache` is
    /// taken from `SLS_NO_CREDENTIAL_CACHE` in the snapshot.
    pub fn new(
        region: impl Into<String>,
        env: Env,
        home: impl Into<PathBuf>,
        cwd: impl Into<PathBuf>,
    ) -> Self {
        let no_cache = env
            .non_empty("SLS_NO_CREDENTIAL_CACHE")
            .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false"));
        AwsSettings {
            region: region.into(),
            env,
            home: home.into(),
            cwd: cwd.into(),
            profile_ca_bundle: None,
            profile_max_attempts: None,
            profile_retry_mode: None,
            no_cache,
        }
    }
}

impl std::fmt::Debug for AwsSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwsSettings")
            .field("region", &self.region)
            .field("env", &self.env.keys().collect::<Vec<_>>())
            .field("home", &self.home)
            .field("cwd", &self.cwd)
            .field("profile_ca_bundle", &self.profile_ca_bundle)
            .field("profile_max_attempts", &self.profile_max_attempts)
            .field("profile_retry_mode", &self.profile_retry_mode)
            .field("no_cache", &self.no_cache)
            .finish()
    }
}

/// Asks for an MFA code. The CLI shows `Enter MFA code for <serial>: ` on a
/// terminal, or reads one line from stdin when it is not a terminal.
pub trait MfaPrompt: Send + Sync {
    fn ask(&self, serial: &str) -> Result<String, AwsError>;
}

/// An [`MfaPrompt`] that always fails: for commands that must not prompt.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoMfaPrompt;

impl MfaPrompt for NoMfaPrompt {
    fn ask(&self, serial: &str) -> Result<String, AwsError> {
        Err(AwsError::new(
            ErrorKind::Mfa,
            format!("An MFA code for {serial} is needed, but no code can be asked for here."),
        )
        .with_hint("Run the command in a terminal, or pipe the code on stdin."))
    }
}

/// Builds the SDK configuration for a command and resolves its credentials
/// once, up front (so a bad profile, a refused MFA code or a failing
/// `credential_process` is reported as an [`AwsError`] before any client runs).
/// Temporary credentials are refreshed through the same plan when they near expiry.
pub async fn sdk_config(
    settings: &AwsSettings,
    plan: &Plan,
    mfa: Arc<dyn MfaPrompt>,
) -> Result<SdkConfig, AwsError> {
    let ctx = Arc::new(ctx::Ctx::new(settings, mfa)?);
    let first = resolve::resolve(plan, &ctx).await?;
    let provider = resolve::PlanProvider::new(plan.clone(), ctx.clone(), first);
    Ok(ctx
        .base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .identity_cache(aws_config::identity::IdentityCache::lazy().build())
        .build())
}

/// Resolves the plan to plain keys (temporary ones carry their expiration).
pub async fn resolve_credentials(
    settings: &AwsSettings,
    plan: &Plan,
    mfa: Arc<dyn MfaPrompt>,
) -> Result<StaticKeys, AwsError> {
    let ctx = ctx::Ctx::new(settings, mfa)?;
    let creds = resolve::resolve(plan, &ctx).await?;
    Ok(resolve::to_static_keys(&creds))
}

/// The keys a configuration from [`sdk_config`] signs with: the ones it
/// resolved up front while they are fresh, so no further AWS call or MFA prompt.
pub async fn config_keys(config: &SdkConfig) -> Result<StaticKeys, AwsError> {
    use aws_credential_types::provider::ProvideCredentials;
    let provider = config.credentials_provider().ok_or_else(|| {
        AwsError::new(
            ErrorKind::Other,
            "internal: the AWS configuration has no credentials",
        )
    })?;
    let creds = provider.provide_credentials().await.map_err(|e| {
        AwsError::new(
            ErrorKind::Other,
            format!("Could not get the AWS credentials: {e}"),
        )
    })?;
    Ok(resolve::to_static_keys(&creds))
}

/// The identity behind a configuration (STS GetCallerIdentity).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallerIdentity {
    pub account: String,
    pub arn: String,
    pub user_id: String,
}

/// Calls STS GetCallerIdentity with the configuration's credentials.
pub async fn caller_identity(config: &SdkConfig) -> Result<CallerIdentity, AwsError> {
    let client = aws_sdk_sts::Client::new(config);
    let endpoint = service_endpoint(config, "STS");
    let out = client.get_caller_identity().send().await.map_err(|e| {
        explain_sdk_error(
            &e,
            &CallContext {
                action: "sts:GetCallerIdentity",
                identity: None,
                endpoint: endpoint.as_deref(),
            },
        )
    })?;
    Ok(CallerIdentity {
        account: out.account().unwrap_or_default().to_string(),
        arn: out.arn().unwrap_or_default().to_string(),
        user_id: out.user_id().unwrap_or_default().to_string(),
    })
}

/// The endpoint override a client built from `config` will use for a service
/// (by SDK service id: `STS`, `S3`, `CloudFormation`…), if any; for messages.
pub fn service_endpoint(config: &SdkConfig, service_id: &str) -> Option<String> {
    let key = ServiceConfigKey::builder()
        .service_id(service_id)
        .env("AWS_ENDPOINT_URL")
        .profile("endpoint_url")
        .build()
        .ok()?;
    config
        .service_config()
        .and_then(|sc| sc.load_config(key))
        .or_else(|| config.endpoint_url().map(str::to_string))
}

/// Attempts per AWS call (the first and five retries) unless `AWS_MAX_ATTEMPTS` says otherwise.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 6;

/// Builds the credential-less part of the configuration.
/// The extra certificate authorities sls trusts (`ca`, `cafile`, `AWS_CA_BUNDLE`, the
/// profile's `ca_bundle`), as PEM text: what the plugin host's `request` trusts too.
pub fn extra_ca_pems(settings: &AwsSettings) -> Result<Vec<String>, AwsError> {
    let cas = net::extra_cas(
        &settings.env,
        &settings.cwd,
        settings.profile_ca_bundle.as_deref(),
    )?;
    Ok(cas
        .into_iter()
        .map(|c| String::from_utf8_lossy(&c.pem).into_owned())
        .collect())
}

pub(crate) fn base_config(
    settings: &AwsSettings,
) -> Result<
    (
        SdkConfig,
        aws_smithy_runtime_api::client::http::SharedHttpClient,
    ),
    AwsError,
> {
    let env = &settings.env;
    let cas = net::extra_cas(env, &settings.cwd, settings.profile_ca_bundle.as_deref())?;
    let proxy = net::proxy_config(env)?.map(|(_, p)| p);
    let http = net::http_client(&cas, proxy)?;

    // Standard mode (exponential backoff with full jitter, the SDK's), 6 attempts by default:
    // a deploy makes many calls and one transient 5xx or throttle must not fail it.
    // `AWS_MAX_ATTEMPTS` / `AWS_RETRY_MODE`, else the profile's `max_attempts` / `retry_mode`,
    // override, as for the AWS CLI.
    let mut retry = RetryConfig::standard().with_max_attempts(DEFAULT_MAX_ATTEMPTS);
    let attempts = env
        .non_empty("AWS_MAX_ATTEMPTS")
        .map(|v| ("AWS_MAX_ATTEMPTS", v.to_string()))
        .or_else(|| {
            settings
                .profile_max_attempts
                .clone()
                .map(|v| ("max_attempts in the AWS profile", v))
        });
    if let Some((name, v)) = attempts {
        let n: u32 = v.trim().parse().ok().filter(|n| *n >= 1).ok_or_else(|| {
            AwsError::settings(format!(
                "{name} must be a whole number of at least 1, not {v:?}."
            ))
        })?;
        retry = retry.with_max_attempts(n);
    }
    let mode = env
        .non_empty("AWS_RETRY_MODE")
        .map(str::to_string)
        .or_else(|| settings.profile_retry_mode.clone());
    if mode.is_some_and(|m| m.trim().eq_ignore_ascii_case("adaptive")) {
        retry = retry.with_retry_mode(RetryMode::Adaptive);
    }

    let mut timeouts = TimeoutConfig::builder().connect_timeout(Duration::from_millis(3100));
    if let Some((name, v)) = ["AWS_CLIENT_TIMEOUT", "aws_client_timeout"]
        .iter()
        .find_map(|n| env.non_empty(n).map(|v| (*n, v)))
    {
        let ms: u64 = v.trim().parse().ok().filter(|ms| *ms > 0).ok_or_else(|| {
            AwsError::settings(format!(
                "{name} must be a timeout in milliseconds, not {v:?}."
            ))
        })?;
        // v3 used it as the socket (read) timeout; an attempt timeout would cut long uploads.
        timeouts = timeouts.read_timeout(Duration::from_millis(ms));
    }

    let config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(settings.region.clone()))
        .http_client(http.clone())
        .retry_config(retry)
        .timeout_config(timeouts.build())
        .sleep_impl(SharedAsyncSleep::new(TokioSleep::new()))
        .time_source(SystemTimeSource::new())
        .service_config(SnapshotServiceConfig { env: env.clone() })
        .build();
    Ok((config, http))
}

/// Per-service settings (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL`)
/// from the snapshot, in place of the SDK's reading of the process environment.
#[derive(Debug)]
struct SnapshotServiceConfig {
    env: Env,
}

impl LoadServiceConfig for SnapshotServiceConfig {
    fn load_config(&self, key: ServiceConfigKey<'_>) -> Option<String> {
        let suffix = key
            .service_id()
            .to_ascii_uppercase()
            .replace([' ', '-'], "_");
        if key.env() == "AWS_ENDPOINT_URL" {
            return endpoint_for(&self.env, &suffix);
        }
        self.env
            .non_empty(&format!("{}_{suffix}", key.env()))
            .or_else(|| self.env.non_empty(key.env()))
            .map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn retry_of(settings: &AwsSettings) -> Result<(u32, RetryMode), AwsError> {
        let (config, _) = base_config(settings)?;
        let retry = config.retry_config().expect("retry config set");
        Ok((retry.max_attempts(), retry.mode()))
    }

    #[test]
    fn retries_default_then_profile_then_environment() {
        let mut s = AwsSettings::new("us-east-1", Env::new(), "/nonexistent", "/");
        assert_eq!(
            retry_of(&s).unwrap(),
            (DEFAULT_MAX_ATTEMPTS, RetryMode::Standard)
        );
        s.profile_max_attempts = Some("3".into());
        s.profile_retry_mode = Some("adaptive".into());
        assert_eq!(retry_of(&s).unwrap(), (3, RetryMode::Adaptive));
        s.env.insert("AWS_MAX_ATTEMPTS".into(), "8".into());
        s.env.insert("AWS_RETRY_MODE".into(), "standard".into());
        assert_eq!(retry_of(&s).unwrap(), (8, RetryMode::Standard));
        s.env.remove("AWS_MAX_ATTEMPTS");
        s.profile_max_attempts = Some("many".into());
        let err = retry_of(&s).unwrap_err().to_string();
        assert!(err.contains("max_attempts in the AWS profile"), "{err}");
    }

    #[test]
    fn service_config_reads_snapshot() {
        let mut env = Env::new();
        env.insert("AWS_ENDPOINT_URL".into(), "http://127.0.0.1:1".into());
        env.insert(
            "AWS_ENDPOINT_URL_CLOUDFORMATION".into(),
            "http://127.0.0.1:2".into(),
        );
        let sc = SnapshotServiceConfig { env };
        let key = |id| {
            ServiceConfigKey::builder()
                .service_id(id)
                .env("AWS_ENDPOINT_URL")
                .profile("endpoint_url")
                .build()
                .unwrap()
        };
        assert_eq!(
            sc.load_config(key("CloudFormation")).as_deref(),
            Some("http://127.0.0.1:2")
        );
        assert_eq!(
            sc.load_config(key("STS")).as_deref(),
            Some("http://127.0.0.1:1")
        );
        // aws-sdk-ssooidc asks for service id "SSO OIDC": AWS_ENDPOINT_URL_SSO_OIDC.
        let mut env = Env::new();
        env.insert(
            "AWS_ENDPOINT_URL_SSO_OIDC".into(),
            "http://127.0.0.1:3".into(),
        );
        env.insert("AWS_ENDPOINT_URL_SSO".into(), "http://127.0.0.1:4".into());
        let sc = SnapshotServiceConfig { env };
        assert_eq!(
            sc.load_config(key("SSO OIDC")).as_deref(),
            Some("http://127.0.0.1:3")
        );
        assert_eq!(
            sc.load_config(key("SSO")).as_deref(),
            Some("http://127.0.0.1:4")
        );
    }

    #[test]
    fn settings_debug_shows_no_values() {
        let mut env = Env::new();
        env.insert("AWS_SECRET_ACCESS_KEY".into(), "TOPSECRETVALUE".into());
        let s = AwsSettings::new("us-east-1", env, "/h", "/c");
        let dbg = format!("{s:?}");
        assert!(
            dbg.contains("AWS_SECRET_ACCESS_KEY") && !dbg.contains("TOPSECRETVALUE"),
            "{dbg}"
        );
    }

    #[test]
    fn settings_from_env() {
        let mut env = Env::new();
        env.insert("SLS_NO_CREDENTIAL_CACHE".into(), "1".into());
        assert!(AwsSettings::new("us-east-1", env, "/h", "/c").no_cache);
        assert!(!AwsSettings::new("us-east-1", Env::new(), "/h", "/c").no_cache);
    }
}
