//! What the credential chain decided: a [`Plan`] is pure data that says how to
//! obtain credentials. `sls-aws` executes it (STS, SSO, processes); nothing here
//! touches the network.

use std::fmt;
use std::path::PathBuf;

/// A secret string (secret access key, session token). `Debug` and `Display`
/// never show the value; call [`Secret::expose`] where the value is really needed.
#[derive(Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// Masks an access key id for human output: `AKIAIOSFODNN7EXAMPLE` → `AKIA…MPLE`.
pub fn mask_key_id(key_id: &str) -> String {
    let chars: Vec<char> = key_id.chars().collect();
    if chars.len() <= 8 {
        return "…".to_string();
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}

/// Static (possibly temporary) AWS keys.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticKeys {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
    /// RFC 3339 expiration, when known (temporary credentials).
    pub expiration: Option<String>,
}

impl fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticKeys")
            .field("access_key_id", &mask_key_id(&self.access_key_id))
            .field("secret_access_key", &self.secret_access_key)
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "<redacted>"),
            )
            .field("expiration", &self.expiration)
            .finish()
    }
}

/// Serialized for `--json` reports: the key id is masked and secrets are never
/// written (only whether a session token is present). There is deliberately no
/// `Serialize` for [`Secret`] so a cache writer cannot leak or lose one by accident.
impl serde::Serialize for StaticKeys {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("StaticKeys", 3)?;
        s.serialize_field("access_key_id", &mask_key_id(&self.access_key_id))?;
        s.serialize_field("has_session_token", &self.session_token.is_some())?;
        s.serialize_field("expiration", &self.expiration)?;
        s.end()
    }
}

/// Where a plan's credentials come from, for humans (`sls credentials show`,
/// notices, `invoke local`'s identity line).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Origin {
    /// `AWS_ACCESS_KEY_ID` / `AWS_<STAGE>_ACCESS_KEY_ID` … (the variable holding the key id).
    EnvVars { key_id_var: String },
    /// A profile in the credentials/config files.
    Profile { name: String, file: PathBuf },
}

/// How to obtain credentials. Produced by the chain, executed by `sls-aws`.
/// `Serialize` (for `--json`) redacts like `Debug`: masked key id, no secrets.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Plan {
    Static {
        keys: StaticKeys,
        origin: Origin,
    },
    /// STS AssumeRole using the credentials of `source` (which may itself be a role: chains).
    AssumeRole {
        /// The profile that has `role_arn` (for the MFA prompt, the cache key and messages).
        profile: String,
        role_arn: String,
        source: Box<Plan>,
        mfa_serial: Option<String>,
        external_id: Option<String>,
        session_name: Option<String>,
        duration_seconds: Option<u32>,
    },
    /// STS AssumeRoleWithWebIdentity (unsigned). The token file is re-read on every refresh.
    WebIdentity {
        /// `None` when it came from `AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`.
        profile: Option<String>,
        role_arn: String,
        token_file: PathBuf,
        session_name: Option<String>,
    },
    /// `credential_process` of a profile: run without a shell.
    Process {
        profile: String,
        command: String,
    },
    /// IAM Identity Center (SSO) through the AWS CLI's token cache.
    Sso {
        profile: String,
        /// `sso_session` name when the profile uses an `[sso-session NAME]` section.
        session_name: Option<String>,
        start_url: String,
        sso_region: String,
        account_id: String,
        role_name: String,
    },
    /// ECS/EKS container credentials (`AWS_CONTAINER_CREDENTIALS_*`).
    Container,
    /// EC2 instance metadata (never contacted when `AWS_EC2_METADATA_DISABLED=true`).
    InstanceMetadata,
}

/// `from AWS_ACCESS_KEY_ID` / `of profile "NAME" in FILE`.
impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::EnvVars { key_id_var } => write!(f, "from {key_id_var}"),
            Origin::Profile { name, file } => {
                write!(f, "of profile \"{name}\" in {}", file.display())
            }
        }
    }
}

/// One line, secret-free (key ids masked), naming where the credentials come
/// from: `key AKIA…MPLE of profile "team" in ~/.aws/credentials`,
/// `role ARN assumed through profile "deploy" using key …`.
impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Plan::Static { keys, origin } => {
                write!(f, "key {}", mask_key_id(&keys.access_key_id))?;
                if keys.session_token.is_some() {
                    f.write_str(" with session token")?;
                }
                write!(f, " {origin}")
            }
            Plan::AssumeRole {
                profile,
                role_arn,
                source,
                mfa_serial,
                ..
            } => {
                write!(f, "role {role_arn} assumed through profile \"{profile}\"")?;
                if let Some(mfa) = mfa_serial {
                    write!(f, " with MFA {mfa}")?;
                }
                write!(f, " using {source}")
            }
            Plan::WebIdentity {
                profile,
                role_arn,
                token_file,
                ..
            } => {
                let token = token_file.display();
                match profile {
                    Some(p) => write!(
                        f,
                        "web identity token {token} for role {role_arn} (profile \"{p}\")"
                    ),
                    None => write!(
                        f,
                        "web identity token {token} for role {role_arn} (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)"
                    ),
                }
            }
            Plan::Process { profile, .. } => {
                write!(f, "credential_process of profile \"{profile}\"")
            }
            Plan::Sso {
                profile,
                account_id,
                role_name,
                start_url,
                ..
            } => write!(
                f,
                "SSO role {role_name} in account {account_id} (profile \"{profile}\", {start_url})"
            ),
            Plan::Container => f.write_str("container credentials (AWS_CONTAINER_CREDENTIALS_*)"),
            Plan::InstanceMetadata => f.write_str("EC2 instance metadata"),
        }
    }
}
