//! `sls credentials policy --create-user NAME --profile P` and `--role NAME
//! --trust-principal ARN`: put the service's generated policy on an IAM user (whose key
//! goes into the credentials file through `sls config credentials`'s writer) or on a role.
//!
//! Everything that could refuse is decided before IAM is changed: the profile name, the
//! profile already in the credentials file, the key the user already has
//! (`sls_deploy::iam::plan_key`). The secret access key goes from IAM's answer straight to
//! the credentials file; it is never printed, logged or put in an error.

use serde_json::json;
use sls_credentials::mask_key_id;
use sls_deploy::iam::{self, KeyRefusal, ProvisionError};
use sls_deploy::policy::Policies;
use sls_deploy::Service;

use crate::aws::Aws;
use crate::cli::CredentialsPolicyArgs;
use crate::error::{from_error, hinted, CliError, CliResult};
use crate::host::Host;

pub fn run(
    args: &CredentialsPolicyArgs,
    host: &Host,
    aws: &Aws,
    service: &Service,
    policies: &Policies,
) -> CliResult {
    let policy_name = sls_deploy::policy::deployer_policy_name(service);
    // Compact: IAM counts a policy's size without whitespace, and stores it as sent.
    let document = policies.caller.to_string();
    if let Some(role) = &policies.deployment_role {
        let role_arn = service
            .provider
            .deployment_role
            .as_deref()
            .unwrap_or_default();
        eprintln!(
            "Note: only the caller's document is applied. The deployment role {role_arn} needs \
             the \"deploymentRole\" document of `sls credentials policy` ({} statements): \
             attach it to that role yourself.",
            role["Statement"].as_array().map_or(0, Vec::len)
        );
    }
    match (&args.create_user, &args.role) {
        (Some(user), _) => create_user(args, host, aws, user, &policy_name, &document),
        (None, Some(role)) => {
            let principal = args.trust_principal.as_deref().unwrap_or_default();
            create_role(
                args,
                aws,
                role,
                principal,
                &service.region,
                &policy_name,
                &document,
            )
        }
        (None, None) => Ok(()),
    }
}

fn create_user(
    args: &CredentialsPolicyArgs,
    host: &Host,
    aws: &Aws,
    user: &str,
    policy_name: &str,
    document: &str,
) -> CliResult {
    let profile = args.profile.as_deref().unwrap_or_default();
    sls_credentials::validate_profile_name(profile).map_err(|e| from_error(&e))?;
    check_size(document, iam::MANAGED_POLICY_MAX, "a managed policy")?;
    let target = sls_credentials::credentials_target(&host.env, &host.home, &host.cwd);
    let profile_key = local_key_id(host, profile);

    let state = aws
        .runtime
        .block_on(iam::user_state(&aws.sdk, user, policy_name))
        .map_err(|e| hinted(&e))?;
    let plan = iam::plan_key(
        &state,
        profile_key.as_deref(),
        args.rotate_key,
        args.overwrite,
    )
    .map_err(|r| refusal(r, user, profile, &target.shown))?;
    // The profile exists only when the plan may replace it (its own key, or --overwrite).
    let replace = profile_key.is_some();
    let outcome = aws
        .runtime
        .block_on(iam::provision_user(
            &aws.sdk,
            user,
            &state,
            policy_name,
            document,
            &plan,
            |key| {
                sls_credentials::configure_credentials(
                    target.clone(),
                    profile,
                    &key.access_key_id,
                    &key.secret_access_key,
                    replace,
                )
                .map(|_| ())
            },
        ))
        .map_err(|e| match e {
            ProvisionError::Aws(e) => hinted(&e),
            ProvisionError::Write {
                error,
                left_behind: None,
            } => from_error(&error).with_hint(
                "The new access key was deleted again and the credentials file was not changed \
                 (the user and its policy stay); run again once the file can be written.",
            ),
            ProvisionError::Write {
                error,
                left_behind: Some(key_id),
            } => from_error(&error).with_hint(format!(
                "The credentials file was not changed, but IAM refused to delete the new \
                 access key {} again, and its secret is gone: delete it with `aws iam \
                 delete-access-key --user-name {user} --access-key-id <its id>` (`aws iam \
                 list-access-keys --user-name {user}` shows it), then run again once the file \
                 can be written.",
                mask_key_id(&key_id)
            )),
            ProvisionError::OldKeys {
                written,
                kept,
                error,
            } => hinted(&error).with_hint(format!(
                "The new access key {} was written to profile \"{profile}\" in {}, but the old \
                 key(s) {} were not deleted: delete them with `aws iam delete-access-key \
                 --user-name {user} --access-key-id <id>` once allowed.",
                mask_key_id(&written),
                target.shown,
                kept.iter()
                    .map(|k| mask_key_id(k))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        })?;

    if args.json {
        let value = json!({
            "user": user,
            "arn": outcome.arn,
            "createdUser": outcome.created_user,
            "policyArn": outcome.policy_arn,
            "profile": profile,
            "credentialsFile": target.path,
            "accessKeyId": mask_key_id(&outcome.key_id),
            "createdKey": outcome.created_key,
            "deletedKeys": outcome.deleted_keys.iter().map(|k| mask_key_id(k)).collect::<Vec<_>>(),
            "otherPermissions": state.other_permissions,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return Ok(());
    }
    let verb = if outcome.created_user {
        "Created"
    } else {
        "Updated"
    };
    println!("{verb} IAM user \"{user}\" ({})", outcome.arn);
    println!(
        "  managed policy {} attached: the least-privilege policy of this service",
        outcome.policy_arn
    );
    let key = mask_key_id(&outcome.key_id);
    if outcome.created_key {
        println!(
            "  access key {key} written to profile \"{profile}\" in {}",
            target.shown
        );
    } else {
        println!(
            "  access key {key} unchanged (profile \"{profile}\" in {} already holds it)",
            target.shown
        );
    }
    for old in &outcome.deleted_keys {
        println!("  old access key {} deleted", mask_key_id(old));
    }
    if outcome.created_key {
        // IAM is eventually consistent: AWS may refuse a new key at first.
        println!(
            "  a new key can take a few seconds to work: if AWS answers that the security \
             token is invalid, wait and run the command again"
        );
    }
    if !state.other_permissions.is_empty() {
        println!(
            "  note: the user also has {}, left alone: it may do more than this service needs",
            state.other_permissions.join(", ")
        );
    }
    if !state.other_keys.is_empty() {
        let others: Vec<String> = state.other_keys.iter().map(|k| mask_key_id(k)).collect();
        println!(
            "  left alone: access key(s) {} not made by sls",
            others.join(", ")
        );
    }
    println!(
        "\nDeploy with it: set `provider.profile: {profile}` in serverless.yml, or run \
         `sls deploy --aws-profile {profile}`."
    );
    Ok(())
}

/// The access key id the credentials file holds for `profile`: `None` when the file has no
/// such profile, `Some("")` when it has one without a key.
fn local_key_id(host: &Host, profile: &str) -> Option<String> {
    let set = sls_credentials::load_profiles(&host.env, &host.home, &host.cwd);
    let p = set.get(profile).filter(|p| p.in_credentials_file())?;
    Some(p.get("aws_access_key_id").unwrap_or_default().to_string())
}

fn refusal(r: KeyRefusal, user: &str, profile: &str, file: &str) -> CliError {
    match r {
        // v3's wording of `config credentials`, which this mirrors.
        KeyRefusal::ProfileExists => CliError::new(format!(
            "Profile \"{profile}\" is already configured in {file}. Use the overwrite flag \
             (\"-o\" or \"--overwrite\") to force the update."
        ))
        .with_hint("Or choose another --profile. IAM was not changed."),
        KeyRefusal::KeyNotLocal { key_id } => CliError::new(format!(
            "IAM user \"{user}\" already has access key {} made by sls, but profile \
             \"{profile}\" in {file} does not hold it, and AWS shows a secret key only when the \
             key is created.",
            mask_key_id(&key_id)
        ))
        .with_hint(
            "Run again with --rotate-key: sls creates a new key, writes it to the profile, \
             then deletes the old one. IAM was not changed.",
        ),
        KeyRefusal::KeyLimit { keys } => CliError::new(format!(
            "IAM user \"{user}\" already has {} access keys ({}), the most IAM allows, so sls \
             cannot create another.",
            keys.len(),
            keys.iter()
                .map(|k| mask_key_id(k))
                .collect::<Vec<_>>()
                .join(", ")
        ))
        .with_hint(
            "Delete one of them (aws iam delete-access-key), then run again. IAM was not changed.",
        ),
    }
}

/// Refuses, before IAM is touched, a policy IAM would refuse for its size.
fn check_size(document: &str, max: usize, what: &str) -> CliResult {
    let size = iam::policy_size(document);
    if size <= max {
        return Ok(());
    }
    Err(CliError::new(format!(
        "The generated policy has {size} characters; IAM allows {max} for {what}."
    ))
    .with_hint(
        "Split the service, or apply the documents of `sls credentials policy` yourself \
         (e.g. as several managed policies). IAM was not changed.",
    ))
}

fn create_role(
    args: &CredentialsPolicyArgs,
    aws: &Aws,
    role: &str,
    principal: &str,
    region: &str,
    policy_name: &str,
    document: &str,
) -> CliResult {
    let partition = sls_deploy::policy::partition_of(region);
    let trust = sls_deploy::policy::trust_policy(principal, partition).map_err(CliError::new)?;
    check_size(
        document,
        iam::ROLE_INLINE_POLICY_MAX,
        "a role's inline policies",
    )?;
    let outcome = aws
        .runtime
        .block_on(iam::provision_role(
            &aws.sdk,
            role,
            &trust.to_string(),
            policy_name,
            document,
        ))
        .map_err(|e| hinted(&e))?;
    if args.json {
        let value = json!({
            "role": role,
            "arn": outcome.arn,
            "createdRole": outcome.created_role,
            "policyName": policy_name,
            "trustPolicy": trust,
            "trustPolicySet": outcome.trust_policy_set,
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return Ok(());
    }
    let verb = if outcome.created_role {
        "Created"
    } else {
        "Updated"
    };
    println!("{verb} IAM role \"{role}\" ({})", outcome.arn);
    println!("  inline policy \"{policy_name}\": the least-privilege policy of this service");
    if outcome.trust_policy_set {
        println!("  trust policy: {principal} may assume it");
    } else {
        println!(
            "  trust policy left as it is (role not made by sls): add {principal} to it \
             yourself if it should assume the role"
        );
    }
    println!(
        "\nDeploy with it: assume {} from {principal} (in CI, or with a profile in \
         ~/.aws/config holding `role_arn = {}` and a `source_profile`), then run `sls deploy`.",
        outcome.arn, outcome.arn
    );
    Ok(())
}
