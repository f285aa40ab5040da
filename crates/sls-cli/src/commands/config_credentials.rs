//! `sls config credentials`: add or update a profile in the credentials file,
//! touching nothing else in it. Works outside any service folder and never
//! reads serverless.yml (v3 failed when the service file did not resolve).
//! With `--role-arn` it writes an assume-role profile into the config file.

use crate::cli::ConfigCredentialsArgs;
use crate::error::{from_error, CliError, CliResult};
use crate::host::Host;

pub fn run(args: &ConfigCredentialsArgs, host: &Host) -> CliResult {
    let provider = args.provider.to_lowercase();
    if provider != "aws" {
        return Err(CliError::new(format!(
            "Provider \"{provider}\" is not supported. Supported providers are: \"aws\"."
        )));
    }
    if let Some(role_arn) = &args.role_arn {
        let role = sls_credentials::RoleProfile {
            role_arn: role_arn.clone(),
            source_profile: args.source_profile.clone(),
            mfa_serial: args.mfa_serial.clone(),
            external_id: args.external_id.clone(),
            duration_seconds: args.duration_seconds,
        };
        let target = sls_credentials::config_target(&host.env, &host.home, &host.cwd);
        sls_credentials::configure_role_profile(target, &args.profile, &role, args.overwrite)
            .map_err(|e| from_error(&e))?;
        eprintln!("✔ Profile \"{}\" has been configured", args.profile);
        return Ok(());
    }
    let (Some(key), Some(secret)) = (non_empty(&args.key), non_empty(&args.secret)) else {
        return Err(CliError::new(
            "Please include --key and --secret options for AWS.",
        ));
    };
    let target = sls_credentials::credentials_target(&host.env, &host.home, &host.cwd);
    sls_credentials::configure_credentials(target, &args.profile, key, secret, args.overwrite)
        .map_err(|e| from_error(&e))?;
    eprintln!("✔ Profile \"{}\" has been configured", args.profile);
    Ok(())
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().filter(|v| !v.is_empty())
}
