//! IAM Identity Center (SSO): reads the AWS CLI's token cache
//! (`~/.aws/sso/cache/<sha1 of the sso-session name, or of the start URL>.json`,
//! written by `sls sso login` or `aws sso login`) and calls the portal's GetRoleCredentials.
//! A token of an `sso-session` that is about to expire is refreshed as the AWS
//! CLI does (SSO OIDC CreateToken with its refresh token, written back to the
//! same cache file); a missing token, a legacy one that expired, or a refused
//! refresh asks the user to run `sls sso login --aws-profile NAME`.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use sls_credentials::plan::Plan;

use crate::ctx::Ctx;
use crate::error::{explain_sdk_error, AwsError, CallContext, ErrorKind};

pub(crate) async fn resolve(ctx: &Ctx, plan: &Plan) -> Result<Credentials, AwsError> {
    let Plan::Sso {
        profile,
        session_name,
        start_url,
        sso_region,
        account_id,
        role_name,
    } = plan
    else {
        return Err(AwsError::new(ErrorKind::Other, "internal: not an SSO plan"));
    };
    let login = || {
        AwsError::new(
            ErrorKind::Sso,
            format!("The SSO session for profile \"{profile}\" is missing or has expired."),
        )
        .with_hint(format!(
            "Run `sls sso login --aws-profile {profile}` and try again."
        ))
    };
    let key = session_name.as_deref().unwrap_or(start_url);
    let path = crate::sso_login::sso_token_file(&ctx.settings.home, key);
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|_| login())?;
    let mut json: serde_json::Value = serde_json::from_str(&text).map_err(|_| login())?;
    let now = SystemTime::now();
    let expires = expires_at(&json).ok_or_else(login)?;
    if session_name.is_some() && expires < now + REFRESH_WINDOW {
        match refresh(ctx, &json, sso_region).await {
            Some(fresh) => {
                // Shared with the AWS CLI: same file, same fields; private and atomic.
                // If it cannot be written, the fresh token still serves this command.
                if let Ok(text) = serde_json::to_string_pretty(&fresh) {
                    let _ = crate::cache::write_private_atomic(&path, text.as_bytes());
                }
                json = fresh;
            }
            // A refused refresh is fine while the old token still works (as botocore).
            None if expires > now => {}
            None => return Err(login()),
        }
    } else if expires <= now {
        return Err(login());
    }
    let token = json
        .get("accessToken")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(login)?;

    let conf = aws_sdk_sso::config::Builder::from(&ctx.base)
        .region(aws_config::Region::new(sso_region.clone()))
        .build();
    let client = aws_sdk_sso::Client::from_conf(conf);
    let endpoint = crate::net::endpoint_for(&ctx.settings.env, "SSO");
    let identity = format!("SSO session of profile \"{profile}\"");
    let out = client
        .get_role_credentials()
        .role_name(role_name)
        .account_id(account_id)
        .access_token(token)
        .send()
        .await
        .map_err(|e| {
            if e.as_service_error()
                .is_some_and(|s| s.is_unauthorized_exception())
            {
                return login();
            }
            explain_sdk_error(
                &e,
                &CallContext {
                    action: "sso:GetRoleCredentials",
                    identity: Some(&identity),
                    endpoint: endpoint.as_deref(),
                },
            )
        })?;
    let rc = out.role_credentials().ok_or_else(|| {
        AwsError::new(
            ErrorKind::Sso,
            format!("The SSO portal returned no credentials for {role_name} in {account_id}."),
        )
    })?;
    let (Some(id), Some(secret)) = (rc.access_key_id(), rc.secret_access_key()) else {
        return Err(AwsError::new(
            ErrorKind::Sso,
            format!(
                "The SSO portal returned incomplete credentials for {role_name} in {account_id}."
            ),
        ));
    };
    let expiry = (rc.expiration() > 0)
        .then(|| SystemTime::UNIX_EPOCH + std::time::Duration::from_millis(rc.expiration() as u64));
    Ok(Credentials::new(
        id,
        secret,
        rc.session_token().map(str::to_string),
        expiry,
        "sls-sso",
    ))
}

/// botocore refreshes an SSO token within 15 minutes of its expiry.
const REFRESH_WINDOW: Duration = Duration::from_secs(15 * 60);

fn expires_at(token: &serde_json::Value) -> Option<SystemTime> {
    token
        .get("expiresAt")
        .and_then(|v| v.as_str())
        .and_then(crate::time::parse_iso8601)
}

/// SSO OIDC CreateToken with the cached refresh token and client registration.
/// Returns the cache entry with the new token, or `None` when the entry cannot
/// be refreshed (no refresh token, registration expired, refused by AWS).
async fn refresh(
    ctx: &Ctx,
    token: &serde_json::Value,
    sso_region: &str,
) -> Option<serde_json::Value> {
    let field = |name: &str| {
        token
            .get(name)
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    let (client_id, client_secret, refresh_token) = (
        field("clientId")?,
        field("clientSecret")?,
        field("refreshToken")?,
    );
    let registration_expires = field("registrationExpiresAt").and_then(crate::time::parse_iso8601);
    if registration_expires.is_some_and(|t| t <= SystemTime::now()) {
        return None;
    }
    let region = field("region").unwrap_or(sso_region).to_string();
    let conf = aws_sdk_ssooidc::config::Builder::from(&ctx.base)
        .region(aws_config::Region::new(region))
        .build();
    let out = aws_sdk_ssooidc::Client::from_conf(conf)
        .create_token()
        .client_id(client_id)
        .client_secret(client_secret)
        .grant_type("refresh_token")
        .refresh_token(refresh_token)
        .send()
        .await
        .ok()?;
    let access_token = out.access_token()?;
    let lifetime = Duration::from_secs(u64::try_from(out.expires_in()).ok()?);
    let mut fresh = token.clone();
    let entry = fresh.as_object_mut()?;
    entry.insert("accessToken".into(), access_token.into());
    entry.insert(
        "expiresAt".into(),
        crate::time::format_rfc3339(SystemTime::now() + lifetime).into(),
    );
    if let Some(next) = out.refresh_token() {
        entry.insert("refreshToken".into(), next.into());
    }
    Some(fresh)
}
