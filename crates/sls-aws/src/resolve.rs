//! Executing a [`Plan`]: static keys, STS AssumeRole (chains, external id,
//! session name, duration, MFA, the shared session cache), web identity,
//! `credential_process`, SSO, container and instance metadata.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_credential_types::provider::{self, error::CredentialsError, ProvideCredentials};
use aws_credential_types::Credentials;
use sls_credentials::plan::{Plan, Secret, StaticKeys};
use sls_credentials::EnvExt;

use crate::cache::{self, AssumeRoleArgs, CachedCredentials};
use crate::ctx::Ctx;
use crate::error::{explain_sdk_error, AwsError, CallContext, ErrorKind};
use crate::{process, sso};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Resolves a plan to credentials (recursively for role chains).
pub(crate) fn resolve<'a>(
    plan: &'a Plan,
    ctx: &'a Ctx,
) -> BoxFuture<'a, Result<Credentials, AwsError>> {
    Box::pin(async move {
        match plan {
            Plan::Static { keys, .. } => Ok(from_static(keys)),
            Plan::AssumeRole { .. } => assume_role(plan, ctx).await,
            Plan::WebIdentity {
                profile,
                role_arn,
                token_file,
                session_name,
            } => {
                web_identity(
                    ctx,
                    profile.as_deref(),
                    role_arn,
                    token_file,
                    session_name.as_deref(),
                )
                .await
            }
            Plan::Process { profile, command } => process::run(ctx, profile, command).await,
            Plan::Sso { .. } => sso::resolve(ctx, plan).await,
            Plan::Container => container(ctx).await,
            Plan::InstanceMetadata => instance_metadata(ctx).await,
        }
    })
}

fn from_static(keys: &StaticKeys) -> Credentials {
    let expiry = keys
        .expiration
        .as_deref()
        .and_then(crate::time::parse_iso8601);
    Credentials::new(
        keys.access_key_id.clone(),
        keys.secret_access_key.expose().to_string(),
        keys.session_token.as_ref().map(|t| t.expose().to_string()),
        expiry,
        "sls-static",
    )
}

pub(crate) fn to_static_keys(c: &Credentials) -> StaticKeys {
    StaticKeys {
        access_key_id: c.access_key_id().to_string(),
        secret_access_key: Secret::new(c.secret_access_key()),
        session_token: c.session_token().map(Secret::new),
        expiration: c.expiry().map(crate::time::format_rfc3339),
    }
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

async fn assume_role(plan: &Plan, ctx: &Ctx) -> Result<Credentials, AwsError> {
    let Plan::AssumeRole {
        profile,
        role_arn,
        source,
        mfa_serial,
        external_id,
        session_name,
        duration_seconds,
    } = plan
    else {
        return Err(AwsError::new(
            ErrorKind::Other,
            "internal: not an AssumeRole plan",
        ));
    };
    let args = AssumeRoleArgs {
        role_arn,
        role_session_name: session_name.as_deref(),
        external_id: external_id.as_deref(),
        serial_number: mfa_serial.as_deref(),
        duration_seconds: *duration_seconds,
    };
    let cache_dir = cache::cli_cache_dir(&ctx.settings.home);
    let key = cache::cache_key(&args);
    if !ctx.settings.no_cache {
        if let Some(hit) = cache::load(&cache_dir, &key, SystemTime::now()) {
            return Ok(Credentials::new(
                hit.access_key_id,
                hit.secret_access_key,
                Some(hit.session_token),
                Some(hit.expiration),
                "sls-assume-role-cache",
            ));
        }
    }

    // Only on a cache miss: the source (which may itself be a cached role).
    let source_creds = resolve(source, ctx).await?;
    let identity = source.to_string();
    let session = session_name
        .clone()
        .unwrap_or_else(|| format!("sls-{}", unix_now()));
    let mut req = ctx
        .sts(Some(source_creds))
        .assume_role()
        .role_arn(role_arn)
        .role_session_name(&session);
    if let Some(x) = external_id {
        req = req.external_id(x);
    }
    if let Some(d) = duration_seconds {
        req = req.duration_seconds(i32::try_from(*d).unwrap_or(i32::MAX));
    }
    if let Some(serial) = mfa_serial {
        let code = ask_mfa(ctx, serial, profile).await?;
        req = req.serial_number(serial).token_code(code);
    }
    let endpoint = ctx.sts_endpoint();
    let out = req.send().await.map_err(|e| {
        let mut err = explain_sdk_error(
            &e,
            &CallContext {
                action: "sts:AssumeRole",
                identity: Some(&identity),
                endpoint: endpoint.as_deref(),
            },
        );
        if err.kind() == ErrorKind::AccessDenied {
            let said = err
                .what()
                .split_once(" AWS said: ")
                .map(|(_, m)| format!(" AWS said: {m}"))
                .unwrap_or_default();
            err = AwsError::new(
                ErrorKind::AccessDenied,
                format!(
                    "Access denied: {identity} may not assume the role {role_arn} (sts:AssumeRole, profile \"{profile}\").{said}"
                ),
            )
            .with_hint(
                "The role's trust policy must allow the source identity (and, with external_id or \
                 mfa_serial, their conditions), and the source identity needs sts:AssumeRole on the role.",
            )
            .with_code(err.code());
        }
        err
    })?;
    let c = out.credentials().ok_or_else(|| {
        AwsError::new(
            ErrorKind::Service,
            format!("sts:AssumeRole for {role_arn} returned no credentials."),
        )
    })?;
    let expiration = SystemTime::try_from(*c.expiration())
        .unwrap_or_else(|_| SystemTime::now() + Duration::from_secs(900));
    let cached = CachedCredentials {
        access_key_id: c.access_key_id().to_string(),
        secret_access_key: c.secret_access_key().to_string(),
        session_token: c.session_token().to_string(),
        expiration,
        assumed_role_arn: out.assumed_role_user().map(|u| u.arn().to_string()),
    };
    if !ctx.settings.no_cache {
        // A cache that cannot be written only costs a later STS call (and MFA prompt).
        let _ = cache::store(&cache_dir, &key, &cached);
    }
    Ok(Credentials::new(
        cached.access_key_id,
        cached.secret_access_key,
        Some(cached.session_token),
        Some(expiration),
        "sls-assume-role",
    ))
}

async fn ask_mfa(ctx: &Ctx, serial: &str, profile: &str) -> Result<String, AwsError> {
    let mfa = ctx.mfa.clone();
    let s = serial.to_string();
    let code = tokio::task::spawn_blocking(move || mfa.ask(&s))
        .await
        .map_err(|e| AwsError::new(ErrorKind::Mfa, format!("The MFA prompt failed: {e}")))??;
    let code = code.trim().to_string();
    if code.is_empty() {
        return Err(AwsError::new(
            ErrorKind::Mfa,
            format!("No MFA code was entered for {serial} (profile \"{profile}\")."),
        )
        .with_hint("Enter the current 6-digit code of the MFA device, or pipe it on stdin."));
    }
    Ok(code)
}

async fn web_identity(
    ctx: &Ctx,
    profile: Option<&str>,
    role_arn: &str,
    token_file: &std::path::Path,
    session_name: Option<&str>,
) -> Result<Credentials, AwsError> {
    let origin = match profile {
        Some(p) => format!("web_identity_token_file of profile \"{p}\""),
        None => "AWS_WEB_IDENTITY_TOKEN_FILE".to_string(),
    };
    let path = if token_file.is_absolute() {
        token_file.to_path_buf()
    } else {
        ctx.settings.cwd.join(token_file)
    };
    // Re-read on every resolution: these tokens rotate (EKS, GitHub OIDC).
    let token = tokio::fs::read_to_string(&path).await.map_err(|e| {
        AwsError::new(
            ErrorKind::WebIdentity,
            format!(
                "The web identity token file {} ({origin}) cannot be read: {e}.",
                path.display()
            ),
        )
        .with_hint(
            "Check that the file exists and is readable, or unset the web identity settings.",
        )
    })?;
    let token = token.trim();
    if token.is_empty() {
        return Err(AwsError::new(
            ErrorKind::WebIdentity,
            format!(
                "The web identity token file {} ({origin}) is empty.",
                path.display()
            ),
        ));
    }
    let session = session_name
        .map(str::to_string)
        .unwrap_or_else(|| format!("sls-web-identity-{}", unix_now()));
    let endpoint = ctx.sts_endpoint();
    // No credentials: AssumeRoleWithWebIdentity is an unsigned call.
    let out = ctx
        .sts(None)
        .assume_role_with_web_identity()
        .role_arn(role_arn)
        .role_session_name(session)
        .web_identity_token(token)
        .send()
        .await
        .map_err(|e| {
            explain_sdk_error(
                &e,
                &CallContext {
                    action: "sts:AssumeRoleWithWebIdentity",
                    identity: Some(&origin),
                    endpoint: endpoint.as_deref(),
                },
            )
        })?;
    let c = out.credentials().ok_or_else(|| {
        AwsError::new(
            ErrorKind::Service,
            format!("sts:AssumeRoleWithWebIdentity for {role_arn} returned no credentials."),
        )
    })?;
    Ok(Credentials::new(
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token().to_string()),
        SystemTime::try_from(*c.expiration()).ok(),
        "sls-web-identity",
    ))
}

fn provider_config(ctx: &Ctx) -> aws_config::provider_config::ProviderConfig {
    aws_config::provider_config::ProviderConfig::empty()
        .with_http_client(ctx.http.clone())
        .with_sleep_impl(aws_smithy_async::rt::sleep::TokioSleep::new())
        .with_region(Some(aws_config::Region::new(ctx.settings.region.clone())))
}

async fn container(ctx: &Ctx) -> Result<Credentials, AwsError> {
    let env = &ctx.settings.env;
    if env
        .value("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .is_none()
        && env.value("AWS_CONTAINER_CREDENTIALS_FULL_URI").is_none()
    {
        return Err(AwsError::new(
            ErrorKind::Provider,
            "Container credentials were selected, but neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor \
             AWS_CONTAINER_CREDENTIALS_FULL_URI is set.",
        ));
    }
    // The SDK's own provider (it reads those variables from the process environment).
    let p = aws_config::ecs::EcsCredentialsProvider::builder()
        .configure(&provider_config(ctx))
        .build();
    p.provide_credentials().await.map_err(|e| {
        AwsError::new(
            ErrorKind::Provider,
            format!(
                "Could not get container credentials: {}",
                crate::error::chain_text(&e)
            ),
        )
        .with_hint("Check the task role / pod identity configuration of the container.")
    })
}

async fn instance_metadata(ctx: &Ctx) -> Result<Credentials, AwsError> {
    if ctx
        .settings
        .env
        .value("AWS_EC2_METADATA_DISABLED")
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
    {
        return Err(AwsError::new(
            ErrorKind::Provider,
            "No AWS credentials were found, and EC2 instance metadata is disabled (AWS_EC2_METADATA_DISABLED=true).",
        )
        .with_hint(
            "Configure credentials: `sls config credentials --provider aws --key … --secret …`, \
             AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or --aws-profile.",
        ));
    }
    let p = aws_config::imds::credentials::ImdsCredentialsProvider::builder()
        .configure(&provider_config(ctx))
        .build();
    p.provide_credentials().await.map_err(|e| {
        AwsError::new(
            ErrorKind::Provider,
            format!(
                "No AWS credentials were found, and EC2 instance metadata gave none: {}",
                crate::error::chain_text(&e)
            ),
        )
        .with_hint("Configure credentials with `sls config credentials`, environment variables or --aws-profile.")
    })
}

/// The credentials provider installed in the `SdkConfig`: remembers the
/// current credentials and re-runs the plan when they are about to expire.
pub(crate) struct PlanProvider {
    plan: Plan,
    ctx: Arc<Ctx>,
    current: Mutex<Option<Credentials>>,
}

impl PlanProvider {
    pub fn new(plan: Plan, ctx: Arc<Ctx>, first: Credentials) -> Self {
        PlanProvider {
            plan,
            ctx,
            current: Mutex::new(Some(first)),
        }
    }

    async fn get(&self) -> provider::Result {
        let fresh = self
            .current
            .lock()
            .ok()
            .and_then(|g| g.clone())
            .filter(|c| match c.expiry() {
                None => true,
                Some(t) => t > SystemTime::now() + Duration::from_secs(300),
            });
        if let Some(c) = fresh {
            return Ok(c);
        }
        let creds = resolve(&self.plan, &self.ctx)
            .await
            .map_err(CredentialsError::provider_error)?;
        if let Ok(mut g) = self.current.lock() {
            *g = Some(creds.clone());
        }
        Ok(creds)
    }
}

impl std::fmt::Debug for PlanProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanProvider")
            .field("plan", &self.plan.to_string())
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for PlanProvider {
    fn provide_credentials<'a>(&'a self) -> provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        provider::future::ProvideCredentials::new(self.get())
    }
}
