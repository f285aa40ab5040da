//! IAM Identity Center (SSO): reads the AWS CLI's token cache
//! (`~/.aws/sso/cache/<sha1 of the sso-session name, or of the start URL>.json`,
//! written by `aws sso login`) and calls the portal's GetRoleCredentials.
//! Tokens are not refreshed here: an expired or missing token asks the user to
//! run `aws sso login --profile NAME`.

use std::time::SystemTime;

use aws_credential_types::Credentials;
use sha1::{Digest, Sha1};
use sls_credentials::plan::Plan;

use crate::error::{explain_sdk_error, AwsError, CallContext, ErrorKind};
use crate::resolve::Ctx;

/// The token cache file for a session name (or legacy start URL).
pub(crate) fn token_file(home: &std::path::Path, session_or_start_url: &str) -> std::path::PathBuf {
    let digest = Sha1::digest(session_or_start_url.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    home.join(".aws")
        .join("sso")
        .join("cache")
        .join(format!("{hex}.json"))
}

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
            "Run `aws sso login --profile {profile}` and try again."
        ))
    };
    let key = session_name.as_deref().unwrap_or(start_url);
    let path = token_file(&ctx.settings.home, key);
    let text = tokio::fs::read_to_string(&path)
        .await
        .map_err(|_| login())?;
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|_| login())?;
    let token = json
        .get("accessToken")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or_else(login)?;
    let expires = json
        .get("expiresAt")
        .and_then(|v| v.as_str())
        .and_then(crate::time::parse_iso8601)
        .ok_or_else(login)?;
    if expires <= SystemTime::now() {
        return Err(login());
    }

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

#[cfg(test)]
mod tests {
    #[test]
    fn token_file_name_is_sha1() {
        let p = super::token_file(std::path::Path::new("/h"), "my-sso");
        assert_eq!(
            p,
            std::path::Path::new("/h/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json")
        );
    }
}
