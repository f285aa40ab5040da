//! One named profile → a [`Plan`] (no network), following the AWS SDK for
//! Rust (`aws-config`, `profile/credentials/repr.rs`) order:
//!
//! 1. `source_profile` or `credential_source` (both need `role_arn`) → AssumeRole.
//!    The source profile is used through its static keys when it has complete
//!    ones (even if it also has `role_arn`); otherwise it is resolved again
//!    (role chains), with cycle detection. `source_profile` = itself means "my
//!    own static keys, then assume my role".
//! 2. `web_identity_token_file` (+ `role_arn`) → WebIdentity.
//! 3. `sso_session` / legacy `sso_*` keys → Sso.
//! 4. `credential_process` → Process.
//! 5. `aws_access_key_id` + `aws_secret_access_key` [+ `aws_session_token`] → Static.
//!
//! A profile that has some of these keys but not all they need is an error
//! naming the profile, the file, the line and the missing key (compat.md §2.5).

use std::path::PathBuf;

use crate::env::{Env, EnvExt};
use crate::plan::{Origin, Plan, Secret, StaticKeys};
use crate::profiles::{Profile, ProfileSet};

/// Why a profile could not become a plan. Says what, where and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProfileError {
    #[error("AWS profile \"{profile}\" in {} is incomplete: it has {has} but no {missing}. Add `{missing} = ...` to that profile (or run `sls config credentials --provider aws --key KEY --secret SECRET --profile {profile} --overwrite`).", file.display())]
    Incomplete {
        profile: String,
        file: PathBuf,
        has: String,
        missing: String,
    },
    #[error("AWS profile \"{profile}\" in {} has no credentials: it needs aws_access_key_id and aws_secret_access_key, or role_arn with source_profile/credential_source, web_identity_token_file, sso_session or credential_process.", file.display())]
    NoCredentials { profile: String, file: PathBuf },
    #[error("AWS profile \"{profile}\": {key} = {value:?} in {} line {line} is not a valid number{range}.", file.display())]
    InvalidNumber {
        profile: String,
        key: &'static str,
        value: String,
        file: PathBuf,
        line: usize,
        range: &'static str,
    },
    #[error("AWS profile \"{profile}\" in {} has source_profile = \"{source_profile}\", but no profile \"{source_profile}\" is configured in the credentials or config file.", file.display())]
    SourceProfileMissing {
        profile: String,
        source_profile: String,
        file: PathBuf,
    },
    #[error("AWS profiles form a cycle through source_profile: {}. Point one of them at a profile with static keys.", chain.join(" -> "))]
    SourceProfileCycle { chain: Vec<String> },
    #[error("AWS profile \"{profile}\" in {} has both source_profile and credential_source; keep only one.", file.display())]
    BothSources { profile: String, file: PathBuf },
    #[error("AWS profile \"{profile}\" in {} has an invalid credential_source {value:?}: use Environment, EcsContainer or Ec2InstanceMetadata.", file.display())]
    InvalidCredentialSource {
        profile: String,
        value: String,
        file: PathBuf,
    },
    #[error("AWS profile \"{profile}\" uses credential_source = Environment, but {missing} is not set in the environment.")]
    EnvironmentSourceMissing { profile: String, missing: String },
    #[error("AWS profile \"{profile}\" in {} names sso_session = \"{session}\", but there is no [sso-session {session}] section in {}.", file.display(), config_file.display())]
    SsoSessionMissing {
        profile: String,
        session: String,
        file: PathBuf,
        config_file: PathBuf,
    },
}

/// The keys that make a profile a credential source at all.
const CREDENTIAL_KEYS: &[&str] = &[
    "aws_access_key_id",
    "aws_secret_access_key",
    "aws_session_token",
    "role_arn",
    "source_profile",
    "credential_source",
    "web_identity_token_file",
    "sso_session",
    "sso_start_url",
    "sso_region",
    "sso_account_id",
    "sso_role_name",
    "credential_process",
];

/// True when the profile has at least one credential-related key. A profile
/// with only `region`/`output` is not a credential source (and, in layer 1,
/// not worth a warning).
pub fn has_credential_keys(p: &Profile) -> bool {
    CREDENTIAL_KEYS.iter().any(|k| p.get(k).is_some())
}

/// Resolves `profile` (already looked up) into a plan.
pub fn profile_plan(set: &ProfileSet, env: &Env, profile: &Profile) -> Result<Plan, ProfileError> {
    let mut visited = Vec::new();
    plan_for(set, env, profile, &mut visited)
}

fn plan_for(
    set: &ProfileSet,
    env: &Env,
    p: &Profile,
    visited: &mut Vec<String>,
) -> Result<Plan, ProfileError> {
    if visited.iter().any(|v| v == &p.name) {
        let mut chain = visited.clone();
        chain.push(p.name.clone());
        return Err(ProfileError::SourceProfileCycle { chain });
    }
    // After the first profile, complete static keys end the chain (SDK rule).
    if !visited.is_empty() {
        if let Some(keys) = static_keys(p)? {
            return Ok(keys);
        }
    }
    visited.push(p.name.clone());
    let file = |key: &str| p.file_for(Some(key)).to_path_buf();

    let source_profile = p.get("source_profile");
    let credential_source = p.get("credential_source");
    if source_profile.is_some() || credential_source.is_some() {
        let has = if source_profile.is_some() {
            "source_profile"
        } else {
            "credential_source"
        };
        let Some(role_arn) = p.get("role_arn") else {
            return Err(incomplete(p, has, "role_arn"));
        };
        let source = match (source_profile, credential_source) {
            (Some(_), Some(_)) => {
                return Err(ProfileError::BothSources {
                    profile: p.name.clone(),
                    file: file("credential_source"),
                })
            }
            (Some(sp), None) if sp == p.name => match static_keys(p)? {
                Some(keys) => keys,
                None => {
                    return Err(incomplete(
                        p,
                        "source_profile (itself)",
                        "aws_access_key_id",
                    ))
                }
            },
            (Some(sp), None) => {
                let Some(sp_profile) = set.get(sp) else {
                    return Err(ProfileError::SourceProfileMissing {
                        profile: p.name.clone(),
                        source_profile: sp.to_string(),
                        file: file("source_profile"),
                    });
                };
                plan_for(set, env, &sp_profile, visited)?
            }
            (None, cs) => named_source(env, p, cs.unwrap_or_default())?,
        };
        return Ok(Plan::AssumeRole {
            profile: p.name.clone(),
            role_arn: role_arn.to_string(),
            source: Box::new(source),
            mfa_serial: p.get("mfa_serial").map(str::to_string),
            external_id: p.get("external_id").map(str::to_string),
            session_name: p.get("role_session_name").map(str::to_string),
            duration_seconds: duration(p)?,
        });
    }

    if let Some(token_file) = p.get("web_identity_token_file") {
        let Some(role_arn) = p.get("role_arn") else {
            return Err(incomplete(p, "web_identity_token_file", "role_arn"));
        };
        return Ok(Plan::WebIdentity {
            profile: Some(p.name.clone()),
            role_arn: role_arn.to_string(),
            token_file: PathBuf::from(token_file),
            session_name: p.get("role_session_name").map(str::to_string),
        });
    }

    if let Some(plan) = sso(set, p)? {
        return Ok(plan);
    }

    if let Some(command) = p.get("credential_process") {
        return Ok(Plan::Process {
            profile: p.name.clone(),
            command: command.to_string(),
        });
    }

    if let Some(keys) = static_keys(p)? {
        return Ok(keys);
    }
    if p.get("role_arn").is_some() {
        return Err(incomplete(
            p,
            "role_arn",
            "source_profile or credential_source",
        ));
    }
    Err(ProfileError::NoCredentials {
        profile: p.name.clone(),
        file: p.file_for(None).to_path_buf(),
    })
}

fn incomplete(p: &Profile, has: &str, missing: &str) -> ProfileError {
    let key = has.split_whitespace().next().unwrap_or(has);
    ProfileError::Incomplete {
        profile: p.name.clone(),
        file: p.file_for(Some(key)).to_path_buf(),
        has: has.to_string(),
        missing: missing.to_string(),
    }
}

/// Complete static keys → `Some(Static)`; none of the keys → `None`; a key
/// without its secret (or a lone session token) → error.
fn static_keys(p: &Profile) -> Result<Option<Plan>, ProfileError> {
    let id = p.get("aws_access_key_id");
    let secret = p.get("aws_secret_access_key");
    let token = p.get("aws_session_token");
    match (id, secret) {
        (Some(id), Some(secret)) => {
            let file = p.file_for(Some("aws_access_key_id")).to_path_buf();
            Ok(Some(Plan::Static {
                keys: StaticKeys {
                    access_key_id: id.to_string(),
                    secret_access_key: Secret::new(secret),
                    session_token: token.map(Secret::new),
                    expiration: None,
                },
                origin: Origin::Profile {
                    name: p.name.clone(),
                    file,
                },
            }))
        }
        (Some(_), None) => Err(incomplete(p, "aws_access_key_id", "aws_secret_access_key")),
        (None, Some(_)) => Err(incomplete(p, "aws_secret_access_key", "aws_access_key_id")),
        (None, None) if token.is_some() => Err(incomplete(
            p,
            "aws_session_token",
            "aws_access_key_id and aws_secret_access_key",
        )),
        (None, None) => Ok(None),
    }
}

fn named_source(env: &Env, p: &Profile, source: &str) -> Result<Plan, ProfileError> {
    match source {
        "Environment" => {
            let id = env.value("AWS_ACCESS_KEY_ID");
            let secret = env.value("AWS_SECRET_ACCESS_KEY");
            match (id, secret) {
                (Some(id), Some(secret)) => Ok(Plan::Static {
                    keys: StaticKeys {
                        access_key_id: id.to_string(),
                        secret_access_key: Secret::new(secret),
                        session_token: env.value("AWS_SESSION_TOKEN").map(Secret::new),
                        expiration: None,
                    },
                    origin: Origin::EnvVars {
                        key_id_var: "AWS_ACCESS_KEY_ID".to_string(),
                    },
                }),
                (None, _) => Err(ProfileError::EnvironmentSourceMissing {
                    profile: p.name.clone(),
                    missing: "AWS_ACCESS_KEY_ID".into(),
                }),
                (_, None) => Err(ProfileError::EnvironmentSourceMissing {
                    profile: p.name.clone(),
                    missing: "AWS_SECRET_ACCESS_KEY".into(),
                }),
            }
        }
        "EcsContainer" => Ok(Plan::Container),
        "Ec2InstanceMetadata" => Ok(Plan::InstanceMetadata),
        other => Err(ProfileError::InvalidCredentialSource {
            profile: p.name.clone(),
            value: other.to_string(),
            file: p.file_for(Some("credential_source")).to_path_buf(),
        }),
    }
}

fn duration(p: &Profile) -> Result<Option<u32>, ProfileError> {
    let Some(entry) = p.entry("duration_seconds") else {
        return Ok(None);
    };
    let bad = |range: &'static str| ProfileError::InvalidNumber {
        profile: p.name.clone(),
        key: "duration_seconds",
        value: entry.value.clone(),
        file: p.path_of(entry.file).to_path_buf(),
        line: entry.line,
        range,
    };
    let n: u32 = entry.value.parse().map_err(|_| bad(""))?;
    // STS accepts 900 s .. 12 h; say so now rather than after an MFA prompt.
    if !(900..=43200).contains(&n) {
        return Err(bad(" between 900 and 43200 seconds"));
    }
    Ok(Some(n))
}

fn sso(set: &ProfileSet, p: &Profile) -> Result<Option<Plan>, ProfileError> {
    let session = p.get("sso_session");
    let legacy = [
        "sso_start_url",
        "sso_region",
        "sso_account_id",
        "sso_role_name",
    ]
    .iter()
    .any(|k| p.get(k).is_some());
    if session.is_none() && !legacy {
        return Ok(None);
    }
    let need = |k: &str, has: &str| p.get(k).ok_or_else(|| incomplete(p, has, k));
    let has = if session.is_some() {
        "sso_session"
    } else {
        "sso_start_url"
    };
    let (start_url, region) = match session {
        Some(s) => {
            let Some(sec) = set.sso_session(s) else {
                return Err(ProfileError::SsoSessionMissing {
                    profile: p.name.clone(),
                    session: s.to_string(),
                    file: p.file_for(Some("sso_session")).to_path_buf(),
                    config_file: set.config.path.clone(),
                });
            };
            let get = |k: &str| {
                sec.get(k)
                    .map(str::to_string)
                    .ok_or_else(|| ProfileError::Incomplete {
                        profile: format!("sso-session {s}"),
                        file: set.config.path.clone(),
                        has: "an [sso-session] section".into(),
                        missing: k.to_string(),
                    })
            };
            (get("sso_start_url")?, get("sso_region")?)
        }
        None => (
            need("sso_start_url", has)?.to_string(),
            need("sso_region", has)?.to_string(),
        ),
    };
    Ok(Some(Plan::Sso {
        profile: p.name.clone(),
        session_name: session.map(str::to_string),
        start_url,
        sso_region: region,
        account_id: need("sso_account_id", has)?.to_string(),
        role_name: need("sso_role_name", has)?.to_string(),
    }))
}
