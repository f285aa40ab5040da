//! `sls credentials policy --create-user` / `--role`: an IAM user or role with the service's
//! generated policy, which a re-run replaces in place. A user or role that existed keeps
//! what else it had (its other policies are named for the user).
//!
//! A role gets it as an inline policy; its trust policy is set only on a role sls created
//! (known by its description), since others may depend on another role's. A user gets
//! it as a customer managed policy `/sls/<name>` attached to it, updated by a new default
//! version: IAM allows a user only 2,048 characters of inline policies in total, less than
//! the policy of a service with one `http` function (managed policies may hold 6,144, role
//! inline policies 10,240).
//!
//! Access keys sls creates are marked on the user the way the IAM console stores an access
//! key's description: a user tag whose key is the access key id (value [`KEY_TAG_VALUE`]).
//! That is how a re-run tells its own key from keys a person made, which it never touches.
//! The secret access key exists only inside [`NewKey`] (redacted `Debug`) and is handed to
//! the caller's writer; it is never part of an error.

use aws_config::SdkConfig;
use aws_sdk_iam::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_iam::Client;
use sls_aws::{AwsError, CallContext};

/// The value of the user tag that marks an access key as made by sls.
pub const KEY_TAG_VALUE: &str = "sls deployer key";

/// What IAM holds for a user, read before anything is changed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserState {
    /// The user's ARN; `None` when there is no such user.
    pub arn: Option<String>,
    /// Access key ids sls made (tagged), oldest first.
    pub sls_keys: Vec<String>,
    /// Other access key ids of the user (left alone).
    pub other_keys: Vec<String>,
    /// What else gives the user permissions (`inline policy "x"`, `managed policy ARN`,
    /// `group "g"`), left alone: with any, the user may do more than the service needs.
    pub other_permissions: Vec<String>,
}

/// What to do about the user's access key (decided by the caller from [`UserState`] and the
/// local profile).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPlan {
    /// The profile already holds this key: nothing to create.
    Keep { key_id: String },
    /// Create a key and write it.
    Create,
    /// Create a key, write it, then delete these (sls's previous keys).
    Rotate { old: Vec<String> },
}

/// A freshly created access key. `Debug` never shows the secret.
pub struct NewKey {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for NewKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewKey")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// IAM's size limits, in characters without whitespace.
pub const MANAGED_POLICY_MAX: usize = 6144;
pub const ROLE_INLINE_POLICY_MAX: usize = 10240;

/// A policy's size as IAM counts it (whitespace excluded).
pub fn policy_size(document: &str) -> usize {
    document.chars().filter(|c| !c.is_whitespace()).count()
}

/// Managed policies of sls live under this IAM path.
const POLICY_PATH: &str = "/sls/";
/// IAM keeps five versions of a managed policy.
const MAX_POLICY_VERSIONS: usize = 5;

/// What [`provision_user`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserOutcome {
    pub arn: String,
    pub created_user: bool,
    /// The managed policy holding the service's permissions, attached to the user.
    pub policy_arn: String,
    /// The key the profile now holds (new or kept).
    pub key_id: String,
    pub created_key: bool,
    /// Old sls keys deleted after the new one was written (`--rotate-key`).
    pub deleted_keys: Vec<String>,
}

/// What [`provision_role`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleOutcome {
    pub arn: String,
    pub created_role: bool,
    /// Whether the role has sls's trust policy: `false` for a role sls did not make, whose
    /// trust policy is left as it is.
    pub trust_policy_set: bool,
}

/// The description of the roles `--role` creates: how a re-run knows the role is sls's.
const ROLE_DESCRIPTION: &str = "Deploys with sls (sls credentials policy --role)";

/// An AWS failure, or the caller's writer refused or failed.
#[derive(Debug)]
pub enum ProvisionError<E> {
    Aws(AwsError),
    /// The writer failed; the new key was deleted again, unless `left_behind` names it (IAM
    /// refused to delete it).
    Write {
        error: E,
        left_behind: Option<String>,
    },
    /// The new key `written` is in the credentials file, but IAM refused to delete the old
    /// keys `kept`.
    OldKeys {
        written: String,
        kept: Vec<String>,
        error: AwsError,
    },
}

impl<E> From<AwsError> for ProvisionError<E> {
    fn from(e: AwsError) -> Self {
        ProvisionError::Aws(e)
    }
}

/// Reads the user, its access keys, the tags that mark sls's keys, and its permissions other
/// than sls's managed policy `policy_name`.
pub async fn user_state(
    sdk: &SdkConfig,
    user: &str,
    policy_name: &str,
) -> Result<UserState, AwsError> {
    let iam = Iam::new(sdk);
    let arn = match iam.client.get_user().user_name(user).send().await {
        Ok(out) => out.user().map(|u| u.arn().to_string()).unwrap_or_default(),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            return Ok(UserState::default())
        }
        Err(e) => return Err(iam.fail("iam:GetUser", e)),
    };
    let keys = iam
        .client
        .list_access_keys()
        .user_name(user)
        .send()
        .await
        .map_err(|e| iam.fail("iam:ListAccessKeys", e))?;
    let tags = iam
        .client
        .list_user_tags()
        .user_name(user)
        .send()
        .await
        .map_err(|e| iam.fail("iam:ListUserTags", e))?;
    let mut keys: Vec<_> = keys.access_key_metadata().to_vec();
    keys.sort_by_key(|k| k.create_date().map(|d| d.secs()));
    let (mut sls_keys, mut other_keys) = (Vec::new(), Vec::new());
    for key in keys {
        let Some(id) = key.access_key_id() else {
            continue;
        };
        let ours = tags
            .tags()
            .iter()
            .any(|t| t.key() == id && t.value() == KEY_TAG_VALUE);
        if ours {
            sls_keys.push(id.to_string());
        } else {
            other_keys.push(id.to_string());
        }
    }
    Ok(UserState {
        arn: Some(arn),
        sls_keys,
        other_keys,
        other_permissions: iam.other_permissions(user, policy_name).await?,
    })
}

/// Creates the user if `state` says it is missing, attaches the managed policy
/// `/sls/<policy_name>` holding `policy` (a new default version when it exists), then carries
/// out `key`: a new key goes to `write` before any old key is deleted; if `write` fails, the
/// new key is deleted again.
pub async fn provision_user<E>(
    sdk: &SdkConfig,
    user: &str,
    state: &UserState,
    policy_name: &str,
    policy: &str,
    key: &KeyPlan,
    write: impl FnOnce(&NewKey) -> Result<(), E>,
) -> Result<UserOutcome, ProvisionError<E>> {
    let iam = Iam::new(sdk);
    let c = &iam.client;
    let arn = match &state.arn {
        Some(arn) => arn.clone(),
        None => {
            let out = c
                .create_user()
                .user_name(user)
                .send()
                .await
                .map_err(|e| iam.fail("iam:CreateUser", e))?;
            out.user().map(|u| u.arn().to_string()).unwrap_or_default()
        }
    };
    let policy_arn = iam.put_managed_policy(&arn, policy_name, policy).await?;
    c.attach_user_policy()
        .user_name(user)
        .policy_arn(&policy_arn)
        .send()
        .await
        .map_err(|e| iam.fail("iam:AttachUserPolicy", e))?;

    let old = match key {
        KeyPlan::Keep { key_id } => {
            return Ok(UserOutcome {
                arn,
                created_user: state.arn.is_none(),
                policy_arn,
                key_id: key_id.clone(),
                created_key: false,
                deleted_keys: Vec::new(),
            })
        }
        KeyPlan::Create => &[][..],
        KeyPlan::Rotate { old } => old.as_slice(),
    };
    let new = iam.create_key(user).await?;
    if let Err(error) = write(&new) {
        // The secret was never stored: a key nobody can use must not stay behind.
        // A tag left behind is harmless; the key is what matters.
        let kept = iam
            .delete_access_key(user, &new.access_key_id)
            .await
            .is_err();
        if !kept {
            let _ = iam.untag_key(user, &new.access_key_id).await;
        }
        return Err(ProvisionError::Write {
            error,
            left_behind: kept.then(|| new.access_key_id.clone()),
        });
    }
    for (i, id) in old.iter().enumerate() {
        if let Err(error) = iam.delete_key(user, id).await {
            return Err(ProvisionError::OldKeys {
                written: new.access_key_id,
                kept: old[i..].to_vec(),
                error,
            });
        }
    }
    Ok(UserOutcome {
        arn,
        created_user: state.arn.is_none(),
        policy_arn,
        key_id: new.access_key_id,
        created_key: true,
        deleted_keys: old.to_vec(),
    })
}

/// Creates the role with `trust_policy` (or updates the trust policy of a role sls made; any
/// other role keeps its own, which others may depend on), then puts `policy` as its inline
/// policy `policy_name`.
pub async fn provision_role(
    sdk: &SdkConfig,
    role: &str,
    trust_policy: &str,
    policy_name: &str,
    policy: &str,
) -> Result<RoleOutcome, AwsError> {
    let iam = Iam::new(sdk);
    let c = &iam.client;
    let (arn, created_role, trust_policy_set) = match c.get_role().role_name(role).send().await {
        Ok(out) => {
            let ours = out.role().and_then(|r| r.description()) == Some(ROLE_DESCRIPTION);
            if ours {
                c.update_assume_role_policy()
                    .role_name(role)
                    .policy_document(trust_policy)
                    .send()
                    .await
                    .map_err(|e| iam.fail("iam:UpdateAssumeRolePolicy", e))?;
            }
            (out.role().map(|r| r.arn().to_string()), false, ours)
        }
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_no_such_entity_exception()) =>
        {
            let out = c
                .create_role()
                .role_name(role)
                .assume_role_policy_document(trust_policy)
                .description(ROLE_DESCRIPTION)
                .send()
                .await
                .map_err(|e| iam.fail("iam:CreateRole", e))?;
            (out.role().map(|r| r.arn().to_string()), true, true)
        }
        Err(e) => return Err(iam.fail("iam:GetRole", e)),
    };
    c.put_role_policy()
        .role_name(role)
        .policy_name(policy_name)
        .policy_document(policy)
        .send()
        .await
        .map_err(|e| iam.fail("iam:PutRolePolicy", e))?;
    Ok(RoleOutcome {
        arn: arn.unwrap_or_default(),
        created_role,
        trust_policy_set,
    })
}

struct Iam {
    client: Client,
    endpoint: Option<String>,
}

impl Iam {
    fn new(sdk: &SdkConfig) -> Iam {
        Iam {
            client: Client::new(sdk),
            endpoint: sdk.endpoint_url().map(str::to_string),
        }
    }

    /// sls-aws's explanation of a failed `action`: what happened, and a hint.
    fn fail<E, R>(&self, action: &str, e: SdkError<E, R>) -> AwsError
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: std::fmt::Debug + 'static,
    {
        sls_aws::explain_sdk_error(
            &e,
            &CallContext {
                action,
                identity: None,
                endpoint: self.endpoint.as_deref(),
            },
        )
    }

    /// The user's inline policies, managed policies other than sls's `/sls/<policy_name>`,
    /// and groups, as [`UserState::other_permissions`] words them.
    async fn other_permissions(
        &self,
        user: &str,
        policy_name: &str,
    ) -> Result<Vec<String>, AwsError> {
        let c = &self.client;
        let inline = c.list_user_policies().user_name(user).into_paginator();
        let inline = inline.items().send().try_collect().await;
        let attached = c
            .list_attached_user_policies()
            .user_name(user)
            .into_paginator();
        let attached = attached.items().send().try_collect().await;
        let groups = c.list_groups_for_user().user_name(user).into_paginator();
        let groups = groups.items().send().try_collect().await;
        let ours = format!(":policy{POLICY_PATH}{policy_name}");
        let mut out: Vec<String> = inline
            .map_err(|e| self.fail("iam:ListUserPolicies", e))?
            .into_iter()
            .map(|name| format!("inline policy \"{name}\""))
            .collect();
        let attached = attached.map_err(|e| self.fail("iam:ListAttachedUserPolicies", e))?;
        out.extend(
            attached
                .iter()
                .filter_map(|p| p.policy_arn())
                .filter(|arn| !arn.ends_with(&ours))
                .map(|arn| format!("managed policy {arn}")),
        );
        let groups = groups.map_err(|e| self.fail("iam:ListGroupsForUser", e))?;
        out.extend(
            groups
                .iter()
                .map(|g| format!("group \"{}\"", g.group_name())),
        );
        Ok(out)
    }

    /// Creates the managed policy `/sls/<name>` in the account of `user_arn`, or makes
    /// `document` its new default version (deleting the oldest other version when IAM's five
    /// are taken). Returns its ARN.
    async fn put_managed_policy(
        &self,
        user_arn: &str,
        name: &str,
        document: &str,
    ) -> Result<String, AwsError> {
        // arn:PARTITION:iam::ACCOUNT:user/NAME
        let parts: Vec<&str> = user_arn.split(':').collect();
        let (partition, account) = (parts.get(1).unwrap_or(&"aws"), parts.get(4).unwrap_or(&""));
        let arn = format!("arn:{partition}:iam::{account}:policy{POLICY_PATH}{name}");
        match self.client.get_policy().policy_arn(&arn).send().await {
            Ok(out) => {
                let default = out.policy().and_then(|p| p.default_version_id());
                if let Some(version) = default {
                    if self.version_is(&arn, version, document).await? {
                        return Ok(arn);
                    }
                }
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_no_such_entity_exception()) =>
            {
                let out = self
                    .client
                    .create_policy()
                    .policy_name(name)
                    .path(POLICY_PATH)
                    .policy_document(document)
                    .description("Least privilege for one service (sls credentials policy)")
                    .send()
                    .await
                    .map_err(|e| self.fail("iam:CreatePolicy", e))?;
                return Ok(out
                    .policy()
                    .and_then(|p| p.arn())
                    .map_or(arn, str::to_string));
            }
            Err(e) => return Err(self.fail("iam:GetPolicy", e)),
        }
        let versions = self
            .client
            .list_policy_versions()
            .policy_arn(&arn)
            .send()
            .await
            .map_err(|e| self.fail("iam:ListPolicyVersions", e))?;
        let mut old: Vec<_> = versions
            .versions()
            .iter()
            .filter(|v| !v.is_default_version())
            .collect();
        if versions.versions().len() >= MAX_POLICY_VERSIONS {
            old.sort_by_key(|v| v.create_date().map(|d| d.secs()));
            if let Some(id) = old.first().and_then(|v| v.version_id()) {
                self.client
                    .delete_policy_version()
                    .policy_arn(&arn)
                    .version_id(id)
                    .send()
                    .await
                    .map_err(|e| self.fail("iam:DeletePolicyVersion", e))?;
            }
        }
        self.client
            .create_policy_version()
            .policy_arn(&arn)
            .policy_document(document)
            .set_as_default(true)
            .send()
            .await
            .map_err(|e| self.fail("iam:CreatePolicyVersion", e))?;
        Ok(arn)
    }

    /// Whether `version` of the policy holds `document` already (then a re-run adds no
    /// version). IAM returns documents URL-encoded.
    async fn version_is(&self, arn: &str, version: &str, document: &str) -> Result<bool, AwsError> {
        let out = self
            .client
            .get_policy_version()
            .policy_arn(arn)
            .version_id(version)
            .send()
            .await
            .map_err(|e| self.fail("iam:GetPolicyVersion", e))?;
        let stored = out
            .policy_version()
            .and_then(|v| v.document())
            .unwrap_or_default();
        let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).ok();
        Ok(parse(&percent_decode(stored)).is_some_and(|v| Some(v) == parse(document)))
    }

    /// A new access key, marked as sls's by a user tag.
    async fn create_key(&self, user: &str) -> Result<NewKey, AwsError> {
        let out = self
            .client
            .create_access_key()
            .user_name(user)
            .send()
            .await
            .map_err(|e| self.fail("iam:CreateAccessKey", e))?;
        let Some(k) = out.access_key() else {
            return Err(AwsError::new(
                sls_aws::ErrorKind::Other,
                format!("IAM created an access key for user \"{user}\" but returned none."),
            ));
        };
        let new = NewKey {
            access_key_id: k.access_key_id().to_string(),
            secret_access_key: k.secret_access_key().to_string(),
        };
        let tag = aws_sdk_iam::types::Tag::builder()
            .key(&new.access_key_id)
            .value(KEY_TAG_VALUE)
            .build()
            .map_err(|e| AwsError::new(sls_aws::ErrorKind::Other, e.to_string()))?;
        if let Err(e) = self
            .client
            .tag_user()
            .user_name(user)
            .tags(tag)
            .send()
            .await
        {
            let _ = self.delete_key(user, &new.access_key_id).await;
            return Err(self.fail("iam:TagUser", e));
        }
        Ok(new)
    }

    /// Deletes an access key and the tag that marked it.
    async fn delete_key(&self, user: &str, key_id: &str) -> Result<(), AwsError> {
        self.delete_access_key(user, key_id).await?;
        self.untag_key(user, key_id).await
    }

    async fn delete_access_key(&self, user: &str, key_id: &str) -> Result<(), AwsError> {
        self.client
            .delete_access_key()
            .user_name(user)
            .access_key_id(key_id)
            .send()
            .await
            .map_err(|e| self.fail("iam:DeleteAccessKey", e))?;
        Ok(())
    }

    async fn untag_key(&self, user: &str, key_id: &str) -> Result<(), AwsError> {
        self.client
            .untag_user()
            .user_name(user)
            .tag_keys(key_id)
            .send()
            .await
            .map_err(|e| self.fail("iam:UntagUser", e))?;
        Ok(())
    }
}

/// A policy document as IAM returns it (URL-encoded: `%7B%22Version%22…`) as JSON text;
/// `%XX` escapes are decoded, anything else is kept.
pub fn percent_decode(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    let mut rest = s.as_bytes();
    while let Some((&b, tail)) = rest.split_first() {
        let hex = tail
            .get(..2)
            .filter(|_| b == b'%')
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match hex {
            Some(byte) => {
                out.push(byte);
                rest = &tail[2..];
            }
            None => {
                out.push(b);
                rest = tail;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Why [`plan_key`] will not go on (the CLI words these with paths and flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyRefusal {
    /// The local profile exists and does not hold one of this user's sls keys.
    ProfileExists,
    /// The user has sls key `key_id`, but the local profile does not hold it, and AWS shows a
    /// secret only when a key is created.
    KeyNotLocal { key_id: String },
    /// A new key would exceed IAM's two access keys per user.
    KeyLimit { keys: Vec<String> },
}

/// IAM allows two access keys per user.
const MAX_KEYS: usize = 2;

/// Decides what to do about the access key. `profile_key` is the key id the local profile
/// holds: `None` when there is no such profile, `Some("")` for a profile without one.
pub fn plan_key(
    state: &UserState,
    profile_key: Option<&str>,
    rotate: bool,
    overwrite: bool,
) -> Result<KeyPlan, KeyRefusal> {
    let holds_ours = profile_key.is_some_and(|k| state.sls_keys.iter().any(|s| s == k));
    if profile_key.is_some() && !holds_ours && !overwrite {
        return Err(KeyRefusal::ProfileExists);
    }
    if !rotate && !state.sls_keys.is_empty() {
        return match profile_key {
            Some(k) if holds_ours => Ok(KeyPlan::Keep {
                key_id: k.to_string(),
            }),
            _ => Err(KeyRefusal::KeyNotLocal {
                key_id: state.sls_keys.last().cloned().unwrap_or_default(),
            }),
        };
    }
    // The new key is created before the old ones are deleted.
    let keys: Vec<String> = state
        .sls_keys
        .iter()
        .chain(&state.other_keys)
        .cloned()
        .collect();
    if keys.len() >= MAX_KEYS {
        return Err(KeyRefusal::KeyLimit { keys });
    }
    Ok(if state.sls_keys.is_empty() {
        KeyPlan::Create
    } else {
        KeyPlan::Rotate {
            old: state.sls_keys.clone(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(sls: &[&str], other: &[&str]) -> UserState {
        UserState {
            arn: Some("arn:aws:iam::123456789012:user/u".into()),
            sls_keys: sls.iter().map(|s| s.to_string()).collect(),
            other_keys: other.iter().map(|s| s.to_string()).collect(),
            other_permissions: Vec::new(),
        }
    }

    #[test]
    fn a_new_user_gets_a_key() {
        assert_eq!(
            plan_key(&UserState::default(), None, false, false),
            Ok(KeyPlan::Create)
        );
        // Keys a person made are not sls's: they are kept and do not stop a new one.
        assert_eq!(
            plan_key(&state(&[], &["AKIAHUMAN"]), None, false, false),
            Ok(KeyPlan::Create)
        );
    }

    #[test]
    fn a_rerun_keeps_the_key_the_profile_holds() {
        assert_eq!(
            plan_key(&state(&["AKIA1"], &[]), Some("AKIA1"), false, false),
            Ok(KeyPlan::Keep {
                key_id: "AKIA1".into()
            })
        );
    }

    #[test]
    fn a_key_whose_secret_is_not_here_needs_rotation() {
        assert_eq!(
            plan_key(&state(&["AKIA1"], &[]), None, false, false),
            Err(KeyRefusal::KeyNotLocal {
                key_id: "AKIA1".into()
            })
        );
        assert_eq!(
            plan_key(&state(&["AKIA1"], &[]), None, true, false),
            Ok(KeyPlan::Rotate {
                old: vec!["AKIA1".into()]
            })
        );
        // The profile holding this user's key is rotated without --overwrite.
        assert_eq!(
            plan_key(&state(&["AKIA1"], &[]), Some("AKIA1"), true, false),
            Ok(KeyPlan::Rotate {
                old: vec!["AKIA1".into()]
            })
        );
    }

    #[test]
    fn another_profile_is_not_replaced_without_overwrite() {
        assert_eq!(
            plan_key(&UserState::default(), Some("AKIAOTHER"), false, false),
            Err(KeyRefusal::ProfileExists)
        );
        assert_eq!(
            plan_key(&UserState::default(), Some(""), false, false),
            Err(KeyRefusal::ProfileExists)
        );
        assert_eq!(
            plan_key(&UserState::default(), Some("AKIAOTHER"), false, true),
            Ok(KeyPlan::Create)
        );
    }

    #[test]
    fn iam_allows_two_keys() {
        assert_eq!(
            plan_key(&state(&["AKIA1"], &["AKIAHUMAN"]), None, true, false),
            Err(KeyRefusal::KeyLimit {
                keys: vec!["AKIA1".into(), "AKIAHUMAN".into()]
            })
        );
    }

    #[test]
    fn url_encoded_documents_are_decoded() {
        assert_eq!(
            percent_decode("%7B%22Version%22%3A%222012-10-17%22%7D"),
            r#"{"Version":"2012-10-17"}"#
        );
        assert_eq!(percent_decode("{\"a\": \"100%\"}"), "{\"a\": \"100%\"}");
    }

    #[test]
    fn the_secret_is_not_in_debug() {
        let k = NewKey {
            access_key_id: "AKIA1".into(),
            secret_access_key: "very-secret".into(),
        };
        assert!(!format!("{k:?}").contains("very-secret"));
    }
}
