//! The one way into AWS for a command (as cargo-lambda's `RemoteConfig`).
//!
//! [`Chain::resolve`] runs the credential chain once per command (pure, in
//! sls-credentials) over the profile files it parses once, and prints the
//! chain's notice and warnings. From it:
//! - [`Chain::connect`] gives an [`Aws`]: the SDK configuration with the
//!   plan's credentials (STS, SSO, process, MFA prompt: sls-aws) and the
//!   runtime that drives its calls. deploy, info, remove, `credentials show
//!   --verify` and the AWS variables use it.
//! - [`Chain::keys`] gives plain keys (static plans without any network).
//!
//! The settings (region, env snapshot, TLS trust with the profile's
//! `ca_bundle`), the runtime and the MFA prompt are made here and nowhere else
//! ([`settings_without_plan`] for `sls sso login`/`logout`, which sign in
//! rather than use credentials).

use std::io::{BufRead, Write};
use std::sync::Arc;

use sls_credentials::{ChainInput, Plan, ProfileSet, Resolution, StaticKeys};

use crate::error::{hinted, CliError, CliResult};
use crate::host::Host;
use crate::service::Loaded;

/// The chain's answer for a command, with the profile files it read.
pub struct Chain {
    pub resolution: Resolution,
    profiles: ProfileSet,
}

/// A command's live AWS access: the chain's answer, the SDK configuration
/// with its credentials, and the runtime that drives its calls.
pub struct Aws {
    pub resolution: Resolution,
    pub sdk: aws_config::SdkConfig,
    pub runtime: tokio::runtime::Runtime,
}

impl Chain {
    /// Runs the chain and prints its notice and warnings (stderr, one line each).
    pub fn resolve(host: &Host, loaded: &Loaded) -> CliResult<Chain> {
        let input = ChainInput {
            env: &host.env,
            home: &host.home,
            cwd: &host.cwd,
            stage: &loaded.phase1.stage,
            aws_profile_option: loaded.options.aws_profile.as_deref(),
            provider_profile: loaded.phase1.profile.as_deref(),
            provider_profile_expression: loaded.phase1.profile_expression.as_deref(),
        };
        let profiles = sls_credentials::load_profiles(&host.env, &host.home, &host.cwd);
        let resolution = match sls_credentials::resolve_chain_with(&input, &profiles) {
            Ok(resolution) => resolution,
            Err(err) => {
                for warning in &err.warnings {
                    eprintln!("Warning: {warning}");
                }
                return Err(hinted(&err));
            }
        };
        for warning in &resolution.warnings {
            eprintln!("Warning: {warning}");
        }
        if let Some(notice) = &resolution.notice {
            eprintln!("{notice}");
        }
        Ok(Chain {
            resolution,
            profiles,
        })
    }

    /// The plan, or the error listing where sls looked.
    pub fn plan(&self) -> CliResult<&Plan> {
        self.resolution
            .plan
            .as_ref()
            .ok_or_else(|| no_credentials(&self.resolution))
    }

    /// The SDK configuration with the plan's credentials.
    pub fn connect(self, host: &Host, loaded: &Loaded) -> CliResult<Aws> {
        let plan = self.plan()?;
        let settings = self.settings(host, loaded);
        let runtime = runtime()?;
        let sdk = runtime
            .block_on(sls_aws::sdk_config(&settings, plan, mfa_prompt(host)))
            .map_err(|e| hinted(&e))?;
        Ok(Aws {
            resolution: self.resolution,
            sdk,
            runtime,
        })
    }

    /// Static keys for the plan: directly for static plans (no network, no
    /// SDK set-up), through AWS otherwise.
    pub fn keys(&self, host: &Host, loaded: &Loaded) -> CliResult<StaticKeys> {
        let plan = self.plan()?;
        if let Plan::Static { keys, .. } = plan {
            return Ok(keys.clone());
        }
        let settings = self.settings(host, loaded);
        runtime()?
            .block_on(sls_aws::resolve_credentials(
                &settings,
                plan,
                mfa_prompt(host),
            ))
            .map_err(|e| hinted(&e))
    }

    /// Region, env snapshot and trust-store inputs, with the winning
    /// profile's `ca_bundle` from the files the chain already read.
    pub fn settings(&self, host: &Host, loaded: &Loaded) -> sls_aws::AwsSettings {
        let mut settings = sls_aws::AwsSettings::new(
            loaded.phase1.region.clone(),
            host.env.clone(),
            host.home.clone(),
            host.cwd.clone(),
        );
        let profile_value = |key: &str| {
            self.resolution.profile.as_deref().and_then(|name| {
                self.profiles
                    .get(name)
                    .and_then(|p| p.get(key).map(str::to_string))
            })
        };
        settings.profile_ca_bundle = profile_value("ca_bundle");
        settings.profile_max_attempts = profile_value("max_attempts");
        settings.profile_retry_mode = profile_value("retry_mode");
        settings
    }
}

impl Aws {
    /// The chain, then the SDK configuration: what every command that talks
    /// to AWS needs.
    pub fn connect(host: &Host, loaded: &Loaded) -> CliResult<Aws> {
        Chain::resolve(host, loaded)?.connect(host, loaded)
    }

    /// The keys the SDK configuration holds (no second chain, STS call or MFA prompt).
    pub fn keys(&self) -> CliResult<StaticKeys> {
        self.runtime
            .block_on(sls_aws::config_keys(&self.sdk))
            .map_err(|e| hinted(&e))
    }

    /// STS GetCallerIdentity with these credentials.
    pub fn identity(&self) -> CliResult<sls_aws::CallerIdentity> {
        self.runtime
            .block_on(sls_aws::caller_identity(&self.sdk))
            .map_err(|e| hinted(&e))
    }
}

/// The error when no layer and no fallback yields credentials: lists where sls looked.
pub fn no_credentials(resolution: &Resolution) -> CliError {
    let mut msg = String::from("No AWS credentials found. sls looked at:\n");
    for layer in &resolution.layers {
        msg.push_str(&format!("  - {}: {}\n", layer.layer, layer.detail));
    }
    CliError::new(msg.trim_end().to_string()).with_hint(
        "Run \"sls config credentials --provider aws --key <KEY> --secret <SECRET>\", set AWS_PROFILE, or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.",
    )
}

/// Settings for AWS calls that are not made with a credential plan (`sls sso login`,
/// `sls sso logout`): the env snapshot, home, and the named profile's `ca_bundle`,
/// `max_attempts` and `retry_mode` when it has them.
pub fn settings_without_plan(
    host: &Host,
    region: &str,
    profiles: &ProfileSet,
    profile: Option<&str>,
) -> sls_aws::AwsSettings {
    let mut settings = sls_aws::AwsSettings::new(
        region.to_string(),
        host.env.clone(),
        host.home.clone(),
        host.cwd.clone(),
    );
    let value = |key: &str| {
        profile
            .and_then(|name| profiles.get(name))
            .and_then(|p| p.get(key).map(str::to_string))
    };
    settings.profile_ca_bundle = value("ca_bundle");
    settings.profile_max_attempts = value("max_attempts");
    settings.profile_retry_mode = value("retry_mode");
    settings
}

/// The async runtime that drives a command's AWS calls.
pub fn runtime() -> CliResult<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| CliError::new(format!("Cannot start the async runtime: {e}")))
}

fn mfa_prompt(host: &Host) -> Arc<dyn sls_aws::MfaPrompt> {
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

/// The certificate authorities sls trusts beyond the system's, as PEM text, for the plugin
/// host's `request`. The profile's `ca_bundle` counts when the chain resolves; a chain that
/// does not resolve is reported by the command that needs credentials, not here.
pub fn trusted_ca_pems(host: &Host, loaded: &Loaded) -> CliResult<Vec<String>> {
    let settings = match Chain::resolve(host, loaded) {
        Ok(chain) => chain.settings(host, loaded),
        Err(_) => sls_aws::AwsSettings::new(
            loaded.phase1.region.clone(),
            host.env.clone(),
            host.home.clone(),
            host.cwd.clone(),
        ),
    };
    sls_aws::extra_ca_pems(&settings).map_err(|e| hinted(&e))
}

/// Keys the chain holds as they are (environment, stage keys, a profile's static keys), without
/// any call or prompt: what `sls package` gives plugins, which v3 lets call AWS while packaging.
/// Keys that need a call (assume-role, SSO, a process) are left to the commands that talk to
/// AWS anyway, so packaging never asks for an MFA code.
pub fn static_keys(host: &Host, loaded: &Loaded) -> Option<StaticKeys> {
    let chain = Chain::resolve(host, loaded).ok()?;
    match chain.resolution.plan.as_ref()? {
        Plan::Static { keys, .. } => Some(keys.clone()),
        _ => None,
    }
}
