//! Credentials for a command: the chain (pure, in sls-credentials) and, when
//! the plan needs STS, SSO or a process, its execution (sls-aws).

use std::io::{BufRead, Write};
use std::sync::Arc;

use sls_credentials::{ChainInput, Plan, Resolution, StaticKeys};

use crate::error::{from_error, CliError, CliResult};
use crate::host::Host;
use crate::service::Loaded;

/// Runs the chain and prints its notice and warnings (stderr, one line each).
pub fn resolve_chain(host: &Host, loaded: &Loaded) -> CliResult<Resolution> {
    let input = ChainInput {
        env: &host.env,
        home: &host.home,
        cwd: &host.cwd,
        stage: &loaded.phase1.stage,
        aws_profile_option: loaded.options.aws_profile.as_deref(),
        provider_profile: loaded.phase1.profile.as_deref(),
        provider_profile_expression: loaded.phase1.profile_expression.as_deref(),
    };
    let resolution = match sls_credentials::resolve_chain(&input) {
        Ok(resolution) => resolution,
        Err(err) => {
            for warning in &err.warnings {
                eprintln!("Warning: {warning}");
            }
            return Err(from_error(&err).with_hint(err.help()));
        }
    };
    for warning in &resolution.warnings {
        eprintln!("Warning: {warning}");
    }
    if let Some(notice) = &resolution.notice {
        eprintln!("{notice}");
    }
    Ok(resolution)
}

/// The AWS settings for a command (region, env snapshot, trust store inputs).
pub fn aws_settings(host: &Host, loaded: &Loaded, resolution: &Resolution) -> sls_aws::AwsSettings {
    let profile_ca_bundle = resolution.profile.as_deref().and_then(|name| {
        sls_credentials::load_profiles(&host.env, &host.home, &host.cwd)
            .get(name)
            .and_then(|p| p.get("ca_bundle").map(str::to_string))
    });
    let mut settings = sls_aws::AwsSettings::new(
        loaded.phase1.region.clone(),
        host.env.clone(),
        host.home.clone(),
        host.cwd.clone(),
    );
    settings.profile_ca_bundle = profile_ca_bundle;
    settings
}

/// Static keys for the plan: directly for static plans, through AWS otherwise.
pub fn live_keys(
    host: &Host,
    loaded: &Loaded,
    resolution: &Resolution,
    plan: &Plan,
) -> CliResult<StaticKeys> {
    if let Plan::Static { keys, .. } = plan {
        return Ok(keys.clone());
    }
    let settings = aws_settings(host, loaded, resolution);
    let runtime = runtime()?;
    runtime
        .block_on(sls_aws::resolve_credentials(
            &settings,
            plan,
            mfa_prompt(host),
        ))
        .map_err(|e| crate::error::from_aws(&e))
}

/// A command's live AWS access: the chain's answer, the SDK configuration
/// with its credentials, and the runtime that drives its calls.
pub struct LiveAws {
    pub resolution: Resolution,
    pub sdk: aws_config::SdkConfig,
    pub runtime: tokio::runtime::Runtime,
}

/// The chain, then the SDK configuration with its credentials: what every
/// command that talks to AWS needs.
pub fn live_sdk(host: &Host, loaded: &Loaded) -> CliResult<LiveAws> {
    let resolution = resolve_chain(host, loaded)?;
    let Some(plan) = resolution.plan.clone() else {
        return Err(crate::commands::credentials::no_credentials(&resolution));
    };
    let settings = aws_settings(host, loaded, &resolution);
    let runtime = runtime()?;
    let sdk = runtime
        .block_on(sls_aws::sdk_config(&settings, &plan, mfa_prompt(host)))
        .map_err(|e| crate::error::from_aws(&e))?;
    Ok(LiveAws {
        resolution,
        sdk,
        runtime,
    })
}

pub fn runtime() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("Cannot start the async runtime: {e}")))
}

pub fn mfa_prompt(host: &Host) -> Arc<dyn sls_aws::MfaPrompt> {
    Arc::new(StdinMfaPrompt {
        interactive: host.stdin_is_terminal,
    })
}

/// Asks for the MFA code on the terminal, or reads one line from stdin when
/// stdin is not a terminal (how v3 behaves, and how scripts and tests answer).
struct StdinMfaPrompt {
    interactive: bool,
}

impl sls_aws::MfaPrompt for StdinMfaPrompt {
    fn ask(&self, serial: &str) -> Result<String, sls_aws::AwsError> {
        if self.interactive {
            eprint!("Enter MFA code for {serial}: ");
            let _ = std::io::stderr().flush();
        }
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line);
        let code = line.trim().to_string();
        match read {
            Ok(_) if !code.is_empty() => Ok(code),
            _ => Err(sls_aws::AwsError::new(
                sls_aws::ErrorKind::Mfa,
                format!("No MFA code for {serial} was entered."),
            )
            .with_hint("Enter the 6-digit code of your MFA device, or pipe it on stdin.")),
        }
    }
}
