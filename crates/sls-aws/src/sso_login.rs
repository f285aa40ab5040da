//! `sls sso login` and `sls sso logout`: the OAuth 2.0 device authorization
//! grant (RFC 8628) against IAM Identity Center's SSO OIDC, as the AWS CLI's
//! `aws sso login --use-device-code` does it, into the AWS CLI's own caches so
//! the AWS CLI and every SDK use the token too.
//!
//! Login: RegisterClient (public client, the session's
//! `sso_registration_scopes`; reused from the AWS CLI's registration cache
//! while it is valid), StartDeviceAuthorization, then CreateToken polled at the
//! interval the service gives: `authorization_pending` polls again,
//! `slow_down` adds 5 seconds to the interval (RFC 8628 §3.5),
//! `access_denied` and `expired_token` (or the device code's own expiry)
//! end the login with an error and no token written.
//!
//! Files, in `~/.aws/sso/cache/` (folder 0700, files 0600, each written to a
//! temporary file, fsynced and renamed):
//! - `<sha1 of the sso-session name, or of the start URL>.json`: the token, as
//!   the AWS CLI writes it (`startUrl`, `region`, `accessToken`, `expiresAt` in
//!   UTC `Z` form, `clientId`, `clientSecret`, `registrationExpiresAt`,
//!   `refreshToken`).
//! - `<sha1 of the registration key>.json`: the client registration
//!   (`clientId`, `clientSecret`, `expiresAt`, `scopes`), named as the AWS CLI
//!   names it (`BaseSSOTokenFetcher._registration_cache_key`: the SHA-1 of
//!   Python's `json.dumps({"tool": "botocore", "startUrl", "region", "scopes",
//!   "session_name"}, sort_keys=True)`), so either tool reuses it.
//!
//! Logout (`aws sso logout`): every token file in `~/.aws/sso/cache` (a JSON
//! file with an `accessToken`) is revoked at the SSO portal (Logout; failures
//! are ignored, as the AWS CLI does) and removed; registrations stay. Role
//! credentials cached from SSO in `~/.aws/cli/cache` (`"ProviderType": "sso"`)
//! are removed too.
//!
//! Nothing here reads the process environment or the clock directly: the
//! settings carry the env snapshot and home, [`LoginClock`] the time and the
//! sleep, and the caller decides (through [`LoginPrompt`]) how the user is
//! told the code and whether a browser opens. No token, client secret or
//! device code is ever part of a message.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_smithy_async::rt::sleep::{AsyncSleep, SharedAsyncSleep, TokioSleep};
use aws_smithy_async::time::{SharedTimeSource, SystemTimeSource};
use aws_smithy_types::retry::RetryConfig;
use sha1::{Digest, Sha1};
use sls_credentials::SsoLoginTarget;

use crate::cache::{create_private_dir, write_private_atomic};
use crate::error::{explain_sdk_error, AwsError, CallContext, ErrorKind};
use crate::time::{format_rfc3339, parse_iso8601};
use crate::AwsSettings;

/// RFC 8628 §3.5: `slow_down` adds 5 seconds to the polling interval.
const SLOW_DOWN_DELAY: Duration = Duration::from_secs(5);
/// RFC 8628 §3.2: the interval when the service names none.
const DEFAULT_INTERVAL: Duration = Duration::from_secs(5);
/// A cached registration is renewed within 15 minutes of its expiry (botocore's window).
const REGISTRATION_WINDOW: Duration = Duration::from_secs(15 * 60);

/// The time and the sleep a login uses (the system's, or a test's).
#[derive(Clone, Debug)]
pub struct LoginClock {
    pub time: SharedTimeSource,
    pub sleep: SharedAsyncSleep,
}

impl LoginClock {
    /// The system clock and tokio's sleep.
    pub fn system() -> LoginClock {
        LoginClock {
            time: SharedTimeSource::new(SystemTimeSource::new()),
            sleep: SharedAsyncSleep::new(TokioSleep::new()),
        }
    }
}

/// What the user must do to approve the login (no secret: the user code is
/// meant to be read and typed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeviceAuthorization {
    /// The code to enter on the verification page.
    pub user_code: String,
    pub verification_uri: String,
    /// The verification page with the code filled in (what a browser opens).
    pub verification_uri_complete: String,
    /// How long the code can be approved.
    pub expires_in: Duration,
    /// The polling interval the service asked for.
    pub interval: Duration,
}

/// Tells the user the code (and, where the caller decided so, opens a browser).
pub trait LoginPrompt: Send + Sync {
    fn show(&self, authorization: &DeviceAuthorization);
}

/// What a login did.
#[derive(Clone, Debug)]
pub struct SsoLoginOutcome {
    /// The token file written.
    pub token_file: PathBuf,
    pub expires_at: SystemTime,
    /// Whether the service issued a refresh token (sessions with `sso:account:access`).
    pub refreshable: bool,
    /// Whether a cached client registration was reused (no RegisterClient call).
    pub registration_reused: bool,
    /// CreateToken calls made.
    pub polls: u32,
    /// Time spent sleeping between polls (the service's interval).
    pub waited: Duration,
}

/// The token cache folder under `home`.
pub fn sso_cache_dir(home: &Path) -> PathBuf {
    home.join(".aws").join("sso").join("cache")
}

/// The AWS CLI's token file for a session name (or legacy start URL).
pub fn sso_token_file(home: &Path, session_or_start_url: &str) -> PathBuf {
    sso_cache_dir(home).join(format!("{}.json", sha1_hex(session_or_start_url)))
}

fn sha1_hex(s: &str) -> String {
    Sha1::digest(s.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The AWS CLI's registration cache key: SHA-1 of Python's
/// `json.dumps(args, sort_keys=True)` (separators `", "` and `": "`).
pub fn registration_cache_key(target: &SsoLoginTarget) -> String {
    let py = crate::cache::py_json_str;
    let scopes = if target.scopes_configured {
        let items: Vec<String> = target.scopes.iter().map(|s| py(s)).collect();
        format!("[{}]", items.join(", "))
    } else {
        "null".to_string()
    };
    let session = target
        .session_name
        .as_deref()
        .map_or("null".to_string(), py);
    let json = format!(
        "{{\"region\": {}, \"scopes\": {scopes}, \"session_name\": {session}, \"startUrl\": {}, \"tool\": \"botocore\"}}",
        py(&target.region),
        py(&target.start_url)
    );
    sha1_hex(&json)
}

/// A client registration (`clientId`, `clientSecret`, `expiresAt`).
#[derive(Clone)]
struct Registration {
    client_id: String,
    client_secret: String,
    expires_at: SystemTime,
}

impl std::fmt::Debug for Registration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registration")
            .field("client_id", &self.client_id)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

fn load_registration(path: &Path, now: SystemTime) -> Option<Registration> {
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()?;
    let s = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|s| !s.is_empty());
    let expires_at = parse_iso8601(s("expiresAt")?)?;
    (expires_at > now + REGISTRATION_WINDOW).then(|| Registration {
        client_id: s("clientId").unwrap_or_default().to_string(),
        client_secret: s("clientSecret").unwrap_or_default().to_string(),
        expires_at,
    })
}

fn oidc_client(settings: &AwsSettings, region: &str) -> Result<aws_sdk_ssooidc::Client, AwsError> {
    let (base, _) = crate::base_config(settings)?;
    // The endpoint comes from the snapshot's AWS_ENDPOINT_URL_SSO_OIDC through the
    // base configuration's service config, which clients built from it read.
    let conf = aws_sdk_ssooidc::config::Builder::from(&base)
        .region(aws_config::Region::new(region.to_string()))
        .build();
    Ok(aws_sdk_ssooidc::Client::from_conf(conf))
}

fn call_context<'a>(action: &'a str, endpoint: Option<&'a str>) -> CallContext<'a> {
    CallContext {
        action,
        identity: None,
        endpoint,
    }
}

/// Signs in to the session (or legacy start URL) of `target` with the device
/// authorization grant and writes the token where the AWS CLI keeps it.
pub async fn sso_login(
    settings: &AwsSettings,
    target: &SsoLoginTarget,
    prompt: &dyn LoginPrompt,
    clock: &LoginClock,
) -> Result<SsoLoginOutcome, AwsError> {
    let client = oidc_client(settings, &target.region)?;
    let endpoint = crate::net::endpoint_for(&settings.env, "SSO_OIDC");
    let endpoint = endpoint.as_deref();
    let dir = sso_cache_dir(&settings.home);
    let registration_file = dir.join(format!("{}.json", registration_cache_key(target)));

    let cached = load_registration(&registration_file, clock.time.now());
    let registration_reused = cached.is_some();
    let mut registration = match cached {
        Some(r) => r,
        None => register(&client, target, clock, endpoint, &registration_file).await?,
    };

    let start = |reg: &Registration| {
        client
            .start_device_authorization()
            .client_id(&reg.client_id)
            .client_secret(&reg.client_secret)
            .start_url(&target.start_url)
            .send()
    };
    let authorization = match start(&registration).await {
        Ok(out) => out,
        // A cached registration the service no longer knows: register again, once.
        Err(e)
            if registration_reused
                && e.as_service_error()
                    .is_some_and(|s| s.is_invalid_client_exception()) =>
        {
            registration = register(&client, target, clock, endpoint, &registration_file).await?;
            start(&registration).await.map_err(|e| {
                explain_sdk_error(
                    &e,
                    &call_context("sso-oauth:StartDeviceAuthorization", endpoint),
                )
            })?
        }
        Err(e) => {
            return Err(explain_sdk_error(
                &e,
                &call_context("sso-oauth:StartDeviceAuthorization", endpoint),
            ))
        }
    };
    let device_code = authorization.device_code().unwrap_or_default().to_string();
    let mut interval = match authorization.interval() {
        n if n > 0 => Duration::from_secs(n as u64),
        _ => DEFAULT_INTERVAL,
    };
    let expires_in = Duration::from_secs(authorization.expires_in().max(0) as u64);
    let shown = DeviceAuthorization {
        user_code: authorization.user_code().unwrap_or_default().to_string(),
        verification_uri: authorization
            .verification_uri()
            .unwrap_or_default()
            .to_string(),
        verification_uri_complete: authorization
            .verification_uri_complete()
            .or(authorization.verification_uri())
            .unwrap_or_default()
            .to_string(),
        expires_in,
        interval,
    };
    prompt.show(&shown);
    let deadline = clock.time.now() + expires_in;

    let mut polls = 0u32;
    let mut waited = Duration::ZERO;
    let token = loop {
        polls += 1;
        let attempt = client
            .create_token()
            .client_id(&registration.client_id)
            .client_secret(&registration.client_secret)
            .grant_type("urn:ietf:params:oauth:grant-type:device_code")
            .device_code(&device_code)
            .send()
            .await;
        match attempt {
            Ok(out) => break out,
            Err(e) => match e.as_service_error() {
                Some(s) if s.is_authorization_pending_exception() => {}
                Some(s) if s.is_slow_down_exception() => interval += SLOW_DOWN_DELAY,
                Some(s) if s.is_access_denied_exception() => return Err(denied(target)),
                Some(s) if s.is_expired_token_exception() => {
                    return Err(code_expired(target, expires_in))
                }
                _ => {
                    return Err(explain_sdk_error(
                        &e,
                        &call_context("sso-oauth:CreateToken", endpoint),
                    ))
                }
            },
        }
        // The code cannot be approved past its expiry: stop rather than poll in vain.
        if !expires_in.is_zero() && clock.time.now() + interval > deadline {
            return Err(code_expired(target, expires_in));
        }
        clock.sleep.sleep(interval).await;
        waited += interval;
    };

    let access_token = token
        .access_token()
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AwsError::new(
                ErrorKind::Sso,
                "SSO OIDC CreateToken answered without an access token.",
            )
        })?;
    let expires_at = clock.time.now() + Duration::from_secs(token.expires_in().max(0) as u64);
    let mut entry = serde_json::Map::new();
    entry.insert("startUrl".into(), target.start_url.clone().into());
    entry.insert("region".into(), target.region.clone().into());
    entry.insert("accessToken".into(), access_token.into());
    entry.insert("expiresAt".into(), format_rfc3339(expires_at).into());
    entry.insert("clientId".into(), registration.client_id.clone().into());
    entry.insert(
        "clientSecret".into(),
        registration.client_secret.clone().into(),
    );
    entry.insert(
        "registrationExpiresAt".into(),
        format_rfc3339(registration.expires_at).into(),
    );
    let refreshable = match token.refresh_token().filter(|t| !t.is_empty()) {
        Some(r) => {
            entry.insert("refreshToken".into(), r.into());
            true
        }
        None => false,
    };
    let token_file = sso_token_file(&settings.home, target.cache_key());
    write_json(&token_file, &serde_json::Value::Object(entry))?;
    Ok(SsoLoginOutcome {
        token_file,
        expires_at,
        refreshable,
        registration_reused,
        polls,
        waited,
    })
}

async fn register(
    client: &aws_sdk_ssooidc::Client,
    target: &SsoLoginTarget,
    clock: &LoginClock,
    endpoint: Option<&str>,
    file: &Path,
) -> Result<Registration, AwsError> {
    let now = clock.time.now();
    // The name the user sees on the consent page ("Allow sls-client-NAME …").
    let name = match &target.session_name {
        Some(s) => format!("sls-client-{s}"),
        None => format!(
            "sls-client-{}",
            now.duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
        ),
    };
    let mut req = client
        .register_client()
        .client_name(name)
        .client_type("public");
    for scope in &target.scopes {
        req = req.scopes(scope);
    }
    let out = req
        .send()
        .await
        .map_err(|e| explain_sdk_error(&e, &call_context("sso-oauth:RegisterClient", endpoint)))?;
    let (Some(id), Some(secret)) = (out.client_id(), out.client_secret()) else {
        return Err(AwsError::new(
            ErrorKind::Sso,
            "SSO OIDC RegisterClient answered without a client id and secret.",
        ));
    };
    let expires_at = UNIX_EPOCH + Duration::from_secs(out.client_secret_expires_at().max(0) as u64);
    let registration = Registration {
        client_id: id.to_string(),
        client_secret: secret.to_string(),
        expires_at,
    };
    let mut doc = serde_json::Map::new();
    doc.insert("clientId".into(), id.into());
    doc.insert("clientSecret".into(), secret.into());
    doc.insert("expiresAt".into(), format_rfc3339(expires_at).into());
    if !target.scopes.is_empty() {
        doc.insert("scopes".into(), target.scopes.clone().into());
    }
    // The registration only saves a call next time: a failure to cache it is not fatal.
    let _ = write_json(file, &serde_json::Value::Object(doc));
    Ok(registration)
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<(), AwsError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let text = serde_json::to_string(value).unwrap_or_default();
    create_private_dir(dir)
        .and_then(|()| write_private_atomic(path, text.as_bytes()))
        .map_err(|e| {
            AwsError::new(
                ErrorKind::Other,
                format!("Could not write {}: {e}.", path.display()),
            )
        })
}

/// `sls sso login` with the options that reach the same target again.
pub fn login_command(target: &SsoLoginTarget) -> String {
    match (&target.profile, &target.session_name) {
        (Some(p), _) => format!("sls sso login --aws-profile {p}"),
        (None, Some(s)) => format!("sls sso login --sso-session {s}"),
        (None, None) => "sls sso login".to_string(),
    }
}

fn denied(target: &SsoLoginTarget) -> AwsError {
    AwsError::new(
        ErrorKind::Sso,
        format!(
            "The sign-in to {} was denied (access_denied); no token was saved.",
            target.start_url
        ),
    )
    .with_hint(format!(
        "Run `{}` again and choose Allow on the verification page, or ask your IAM Identity Center administrator for access.",
        login_command(target)
    ))
}

fn code_expired(target: &SsoLoginTarget, expires_in: Duration) -> AwsError {
    let minutes = expires_in.as_secs().div_ceil(60);
    let within = if minutes > 0 {
        format!(
            " within {minutes} minute{}",
            if minutes == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    AwsError::new(
        ErrorKind::Sso,
        format!(
            "The sign-in code for {} expired before it was approved (expired_token); no token was saved.",
            target.start_url
        ),
    )
    .with_hint(format!(
        "Run `{}` again and approve the code{within}.",
        login_command(target)
    ))
}

/// What a logout removed.
#[derive(Clone, Debug, Default)]
pub struct SsoLogoutOutcome {
    /// Token files removed from `~/.aws/sso/cache`.
    pub tokens_removed: Vec<PathBuf>,
    /// Tokens the SSO portal confirmed revoked (Logout answered 2xx).
    pub revoked: usize,
    /// Role credential files (`"ProviderType": "sso"`) removed from `~/.aws/cli/cache`.
    pub credentials_removed: Vec<PathBuf>,
}

/// Revokes and removes every cached SSO token, and the role credentials cached from them.
pub async fn sso_logout(settings: &AwsSettings) -> Result<SsoLogoutOutcome, AwsError> {
    let mut outcome = SsoLogoutOutcome::default();
    let (base, _) = crate::base_config(settings)?;
    for (path, doc) in json_files(&sso_cache_dir(&settings.home)) {
        let Some(token) = doc.get("accessToken").and_then(|t| t.as_str()) else {
            continue; // registrations and other files stay
        };
        let region = doc
            .get("region")
            .and_then(|r| r.as_str())
            .filter(|r| !r.is_empty())
            .unwrap_or(&settings.region);
        let conf = aws_sdk_sso::config::Builder::from(&base)
            .region(aws_config::Region::new(region.to_string()))
            .retry_config(RetryConfig::standard().with_max_attempts(2))
            .build();
        // As `aws sso logout`: a failed revocation does not keep the token on disk.
        let revoked = aws_sdk_sso::Client::from_conf(conf)
            .logout()
            .access_token(token)
            .send()
            .await
            .is_ok();
        outcome.revoked += usize::from(revoked);
        remove(&path)?;
        outcome.tokens_removed.push(path);
    }
    for (path, doc) in json_files(&crate::cache::cli_cache_dir(&settings.home)) {
        if doc.get("ProviderType").and_then(|p| p.as_str()) == Some("sso") {
            remove(&path)?;
            outcome.credentials_removed.push(path);
        }
    }
    Ok(outcome)
}

fn remove(path: &Path) -> Result<(), AwsError> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(AwsError::new(
            ErrorKind::Other,
            format!("Could not remove {}: {e}.", path.display()),
        )),
    }
}

/// The `*.json` files of a folder that parse as JSON objects, sorted by name.
fn json_files(dir: &Path) -> Vec<(PathBuf, serde_json::Map<String, serde_json::Value>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json") && p.is_file())
        .filter_map(|p| {
            let text = std::fs::read_to_string(&p).ok()?;
            match serde_json::from_str(&text).ok()? {
                serde_json::Value::Object(doc) => Some((p, doc)),
                _ => None,
            }
        })
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

/// What the token cache holds for a session (or legacy start URL); no secret.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoTokenStatus {
    pub file: PathBuf,
    /// `None` when there is no readable token.
    pub expires_at: Option<SystemTime>,
    /// A refresh token and client registration are cached with it.
    pub refreshable: bool,
}

/// Reads the token file's expiry (no network, nothing refreshed).
pub fn sso_token_status(home: &Path, session_or_start_url: &str) -> SsoTokenStatus {
    let file = sso_token_file(home, session_or_start_url);
    let doc: Option<serde_json::Value> = std::fs::read_to_string(&file)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok());
    let field = |k: &str| {
        doc.as_ref()
            .and_then(|d| d.get(k))
            .and_then(|v| v.as_str())
            .filter(|s| !s.is_empty())
    };
    let expires_at = field("accessToken")
        .and(field("expiresAt"))
        .and_then(parse_iso8601);
    let refreshable = ["refreshToken", "clientId", "clientSecret"]
        .iter()
        .all(|k| field(k).is_some());
    SsoTokenStatus {
        file,
        expires_at,
        refreshable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(session: Option<&str>, scopes: Option<&[&str]>) -> SsoLoginTarget {
        SsoLoginTarget {
            profile: Some("dev".into()),
            session_name: session.map(str::to_string),
            start_url: "https://corp.awsapps.com/start".into(),
            region: "eu-west-1".into(),
            scopes: scopes
                .unwrap_or_default()
                .iter()
                .map(|s| s.to_string())
                .collect(),
            scopes_configured: scopes.is_some(),
        }
    }

    // Expected values computed with CPython:
    // hashlib.sha1(json.dumps({'tool': 'botocore', 'startUrl': ..., 'region': ...,
    //   'scopes': ..., 'session_name': ...}, sort_keys=True).encode()).hexdigest()
    #[test]
    fn registration_key_matches_the_aws_cli() {
        assert_eq!(
            registration_cache_key(&target(Some("corp"), Some(&["sso:account:access"]))),
            "787ef34d0a944c01385765faa28b5e67d1c08f33"
        );
        assert_eq!(
            registration_cache_key(&target(None, None)),
            "3a62fc7fd3ab838419eccab5b58d0124a95b510d"
        );
    }

    #[test]
    fn token_file_is_sha1_of_the_session_or_start_url() {
        let home = Path::new("/h");
        assert_eq!(
            sso_token_file(home, "my-sso"),
            Path::new("/h/.aws/sso/cache/0ad374308c5a4e22f723adf10145eafad7c4031c.json")
        );
    }

    #[test]
    fn login_command_names_the_profile_or_session() {
        let mut t = target(Some("corp"), None);
        assert_eq!(login_command(&t), "sls sso login --aws-profile dev");
        t.profile = None;
        assert_eq!(login_command(&t), "sls sso login --sso-session corp");
    }
}
