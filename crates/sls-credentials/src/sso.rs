//! What `sls sso login` signs in to, from the profile files (no network):
//! an `[sso-session NAME]` section (its start URL, region and
//! `sso_registration_scopes`) or a legacy profile's `sso_start_url` and
//! `sso_region`, chosen as the AWS CLI's `aws sso login` chooses
//! (`awscli/customizations/sso/utils.py`, `BaseSSOCommand._get_sso_config`):
//! `--sso-session` wins; else the profile's `sso_session`; else its legacy keys.
//! A profile needs neither `sso_account_id` nor `sso_role_name` to log in.
//!
//! [`selected_profile`] picks the profile as every command does:
//! `--aws-profile`, `AWS_<STAGE>_PROFILE`, `AWS_PROFILE`, `provider.profile`,
//! `AWS_DEFAULT_PROFILE`, `default` (the chain's layers, last one first).

use std::path::PathBuf;

use crate::env::{Env, EnvExt};
use crate::profiles::ProfileSet;

/// What to log in to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SsoLoginTarget {
    /// The profile it came from (`None` with `--sso-session`).
    pub profile: Option<String>,
    /// The `[sso-session]` name; `None` for a legacy profile.
    pub session_name: Option<String>,
    pub start_url: String,
    pub region: String,
    /// `sso_registration_scopes`, comma-split and trimmed (sessions only; the AWS
    /// CLI registers legacy profiles without scopes).
    pub scopes: Vec<String>,
    /// Whether `sso_registration_scopes` is present at all (the AWS CLI's
    /// registration cache key tells "absent" from "empty").
    pub scopes_configured: bool,
}

impl SsoLoginTarget {
    /// The key of the token cache file: the session name, else the start URL.
    pub fn cache_key(&self) -> &str {
        self.session_name.as_deref().unwrap_or(&self.start_url)
    }
}

/// Why there is nothing to log in to. Says what, where and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsoConfigError {
    #[error("AWS profile \"{profile}\" is not configured in {} or {}.", config_file.display(), credentials_file.display())]
    ProfileMissing {
        profile: String,
        config_file: PathBuf,
        credentials_file: PathBuf,
    },
    #[error("AWS profile \"{profile}\" in {} is not an SSO profile: it needs sso_session = NAME (with an [sso-session NAME] section), or sso_start_url and sso_region.", file.display())]
    NotSso { profile: String, file: PathBuf },
    #[error("There is no [sso-session {session}] section in {}{}.", config_file.display(), profile.as_ref().map(|p| format!(" (profile \"{p}\" names it)")).unwrap_or_default())]
    SessionMissing {
        session: String,
        profile: Option<String>,
        config_file: PathBuf,
    },
    #[error("{section} in {} is missing {}.", file.display(), missing.join(" and "))]
    Incomplete {
        /// `[sso-session NAME]` or `AWS profile "NAME"`.
        section: String,
        file: PathBuf,
        missing: Vec<&'static str>,
    },
}

impl sls_hint::Hint for SsoConfigError {
    fn hint(&self) -> Option<std::borrow::Cow<'_, str>> {
        Some(std::borrow::Cow::Borrowed(match self {
            SsoConfigError::ProfileMissing { .. } | SsoConfigError::NotSso { .. } => {
                "Name an SSO profile with --aws-profile (or AWS_PROFILE), or an [sso-session] section with --sso-session."
            }
            SsoConfigError::SessionMissing { .. } | SsoConfigError::Incomplete { .. } => {
                "An [sso-session NAME] section needs sso_start_url and sso_region (see `aws configure sso-session`)."
            }
        }))
    }
}

/// Where the profile name came from, for messages (`--aws-profile`, `AWS_PROFILE`…).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SelectedProfile {
    pub name: String,
    pub from: String,
}

/// The profile a command uses, in the chain's order of precedence.
pub fn selected_profile(
    env: &Env,
    stage: &str,
    aws_profile_option: Option<&str>,
    provider_profile: Option<&str>,
) -> SelectedProfile {
    let stage_var = format!("AWS_{}_PROFILE", stage.to_uppercase());
    let pick = |name: &str, from: &str| SelectedProfile {
        name: name.to_string(),
        from: from.to_string(),
    };
    if let Some(p) = aws_profile_option.filter(|s| !s.is_empty()) {
        return pick(p, "--aws-profile");
    }
    if let Some(p) = env.value(&stage_var) {
        return pick(p, &stage_var);
    }
    if let Some(p) = env.value("AWS_PROFILE") {
        return pick(p, "AWS_PROFILE");
    }
    if let Some(p) = provider_profile.filter(|s| !s.is_empty()) {
        return pick(p, "provider.profile");
    }
    if let Some(p) = env.value("AWS_DEFAULT_PROFILE") {
        return pick(p, "AWS_DEFAULT_PROFILE");
    }
    pick("default", "the default profile")
}

/// The session or legacy profile to log in to.
pub fn sso_login_target(
    set: &ProfileSet,
    profile: &str,
    sso_session: Option<&str>,
) -> Result<SsoLoginTarget, SsoConfigError> {
    if let Some(session) = sso_session.filter(|s| !s.is_empty()) {
        return session_target(set, session, None);
    }
    let Some(p) = set.get(profile) else {
        return Err(SsoConfigError::ProfileMissing {
            profile: profile.to_string(),
            config_file: set.config.path.clone(),
            credentials_file: set.credentials.path.clone(),
        });
    };
    if let Some(session) = p.get("sso_session") {
        return session_target(set, session, Some(profile));
    }
    let (url, region) = (p.get("sso_start_url"), p.get("sso_region"));
    if url.is_none() && region.is_none() {
        return Err(SsoConfigError::NotSso {
            profile: profile.to_string(),
            file: p.file_for(None).to_path_buf(),
        });
    }
    let (Some(url), Some(region)) = (url, region) else {
        let missing = if url.is_none() {
            "sso_start_url"
        } else {
            "sso_region"
        };
        return Err(SsoConfigError::Incomplete {
            section: format!("AWS profile \"{profile}\""),
            file: p.file_for(Some("sso_start_url")).to_path_buf(),
            missing: vec![missing],
        });
    };
    Ok(SsoLoginTarget {
        profile: Some(profile.to_string()),
        session_name: None,
        start_url: url.to_string(),
        region: region.to_string(),
        scopes: Vec::new(),
        scopes_configured: false,
    })
}

fn session_target(
    set: &ProfileSet,
    session: &str,
    profile: Option<&str>,
) -> Result<SsoLoginTarget, SsoConfigError> {
    let Some(sec) = set.sso_session(session) else {
        return Err(SsoConfigError::SessionMissing {
            session: session.to_string(),
            profile: profile.map(str::to_string),
            config_file: set.config.path.clone(),
        });
    };
    let missing: Vec<&'static str> = ["sso_start_url", "sso_region"]
        .into_iter()
        .filter(|k| sec.get(k).is_none())
        .collect();
    if !missing.is_empty() {
        return Err(SsoConfigError::Incomplete {
            section: format!("[sso-session {session}]"),
            file: set.config.path.clone(),
            missing,
        });
    }
    let raw_scopes = sec.entry("sso_registration_scopes");
    Ok(SsoLoginTarget {
        profile: profile.map(str::to_string),
        session_name: Some(session.to_string()),
        start_url: sec.get("sso_start_url").unwrap_or_default().to_string(),
        region: sec.get("sso_region").unwrap_or_default().to_string(),
        scopes: raw_scopes
            .map(|e| {
                e.value
                    .split(',')
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default(),
        scopes_configured: raw_scopes.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profiles::{FileKind, ProfileFile};

    fn set(config: &str) -> ProfileSet {
        ProfileSet::new(
            ProfileFile::from_text("/h/.aws/credentials".into(), FileKind::Credentials, None),
            ProfileFile::from_text(
                "/h/.aws/config".into(),
                FileKind::Config,
                Some(config.to_string()),
            ),
        )
    }

    const CONFIG: &str = "\
[profile dev]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Developer

[profile login-only]
sso_session = corp

[profile legacy]
sso_start_url = https://legacy.awsapps.com/start
sso_region = us-east-2

[profile half]
sso_start_url = https://half.awsapps.com/start

[profile keys]
region = eu-west-1

[profile dangling]
sso_session = nowhere

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access , ,extra:scope

[sso-session broken]
sso_region = eu-west-1
";

    #[test]
    fn session_profiles_and_login_only_profiles() {
        let s = set(CONFIG);
        for profile in ["dev", "login-only"] {
            let t = sso_login_target(&s, profile, None).unwrap();
            assert_eq!(t.session_name.as_deref(), Some("corp"));
            assert_eq!(t.start_url, "https://corp.awsapps.com/start");
            assert_eq!(t.region, "eu-west-1");
            assert_eq!(t.scopes, ["sso:account:access", "extra:scope"]);
            assert!(t.scopes_configured);
            assert_eq!(t.cache_key(), "corp");
        }
        // --sso-session needs no profile at all.
        let t = sso_login_target(&s, "absent", Some("corp")).unwrap();
        assert_eq!(t.profile, None);
        assert_eq!(t.session_name.as_deref(), Some("corp"));
    }

    #[test]
    fn legacy_profiles_key_by_start_url_without_scopes() {
        let t = sso_login_target(&set(CONFIG), "legacy", None).unwrap();
        assert_eq!(t.session_name, None);
        assert_eq!(t.cache_key(), "https://legacy.awsapps.com/start");
        assert_eq!(t.region, "us-east-2");
        assert!(t.scopes.is_empty() && !t.scopes_configured);
    }

    #[test]
    fn errors_say_what_is_missing() {
        let s = set(CONFIG);
        let e = sso_login_target(&s, "absent", None).unwrap_err();
        assert!(matches!(e, SsoConfigError::ProfileMissing { .. }), "{e}");
        let e = sso_login_target(&s, "keys", None).unwrap_err();
        assert!(e.to_string().contains("is not an SSO profile"), "{e}");
        let e = sso_login_target(&s, "half", None).unwrap_err().to_string();
        assert!(
            e.contains("AWS profile \"half\"") && e.contains("sso_region"),
            "{e}"
        );
        let e = sso_login_target(&s, "dangling", None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("[sso-session nowhere]") && e.contains("profile \"dangling\""),
            "{e}"
        );
        let e = sso_login_target(&s, "x", Some("broken"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("[sso-session broken]") && e.contains("missing sso_start_url"),
            "{e}"
        );
    }

    #[test]
    fn profile_precedence_follows_the_chain() {
        let mut env = Env::new();
        let sel = |env: &Env, opt, prov| selected_profile(env, "prod", opt, prov);
        assert_eq!(sel(&env, None, None).name, "default");
        env.insert("AWS_DEFAULT_PROFILE".into(), "d".into());
        assert_eq!(sel(&env, None, None).name, "d");
        assert_eq!(sel(&env, None, Some("p")).from, "provider.profile");
        env.insert("AWS_PROFILE".into(), "e".into());
        assert_eq!(sel(&env, None, Some("p")).name, "e");
        env.insert("AWS_PROD_PROFILE".into(), "s".into());
        assert_eq!(sel(&env, None, Some("p")).from, "AWS_PROD_PROFILE");
        let o = sel(&env, Some("o"), Some("p"));
        assert_eq!((o.name.as_str(), o.from.as_str()), ("o", "--aws-profile"));
    }
}
