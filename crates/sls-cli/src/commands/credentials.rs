//! `sls credentials show` and `sls credentials export`.

use serde_json::json;
use sls_credentials::{mask_key_id, Origin, Plan, Resolution};

use crate::cli::{CredentialsExportArgs, CredentialsShowArgs, ExportFormat};
use crate::error::{CliError, CliResult};
use crate::host::Host;
use crate::service::{self, CommandOptions, Loaded};

pub fn show(args: &CredentialsShowArgs, host: &Host) -> CliResult {
    let loaded = service::load(
        host,
        &args.service,
        args.config.config.as_deref(),
        CommandOptions::default(),
        false,
    )?;
    let resolution = crate::creds::resolve_chain(host, &loaded)?;
    let service_name = service_name(&loaded);
    let source = resolution.plan.as_ref().map(describe_plan);
    let key_id = resolution.plan.as_ref().and_then(static_key_id);
    let identity = match (&resolution.plan, args.verify) {
        (Some(plan), true) => Some(verify(host, &loaded, &resolution, plan)?),
        (None, true) => return Err(no_credentials(&resolution)),
        _ => None,
    };
    if args.json {
        let value = json!({
            "service": service_name,
            "stage": loaded.phase1.stage,
            "region": loaded.phase1.region,
            "source": source,
            "profile": resolution.profile,
            "accessKeyId": key_id.as_deref().map(mask_key_id),
            "credentialsFile": resolution.credentials_file,
            "configFile": resolution.config_file,
            "chain": resolution.layers,
            "warnings": resolution.warnings,
            "identity": identity.as_ref().map(|i| json!({
                "account": i.account,
                "arn": i.arn,
                "userId": i.user_id,
            })),
        });
        println!(
            "{}",
            serde_json::to_string_pretty(&value).unwrap_or_default()
        );
        return Ok(());
    }
    let mut out = String::new();
    if let Some(name) = &service_name {
        out.push_str(&format!("Service:      {name}\n"));
    }
    out.push_str(&format!("Stage:        {}\n", loaded.phase1.stage));
    out.push_str(&format!("Region:       {}\n", loaded.phase1.region));
    match &source {
        Some(source) => out.push_str(&format!("Source:       {source}\n")),
        None => out.push_str("Source:       none (no credentials found)\n"),
    }
    if let Some(id) = &key_id {
        out.push_str(&format!("Access key:   {}\n", mask_key_id(id)));
    }
    if let Some(identity) = &identity {
        out.push_str(&format!("Account:      {}\n", identity.account));
        out.push_str(&format!("ARN:          {}\n", identity.arn));
        out.push_str(&format!("User id:      {}\n", identity.user_id));
    }
    out.push_str(&format!(
        "Files:        {} (credentials), {} (config)\n",
        resolution.credentials_file.display(),
        resolution.config_file.display()
    ));
    out.push_str("\nCredential sources, in order (the last one found wins):\n");
    for layer in &resolution.layers {
        let state = serde_json::to_value(layer.state)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        out.push_str(&format!(
            "  {:<28} {:<11} {}\n",
            layer.layer, state, layer.detail
        ));
    }
    print!("{out}");
    Ok(())
}

pub fn export(args: &CredentialsExportArgs, host: &Host) -> CliResult {
    let loaded = service::load(
        host,
        &args.service,
        args.config.config.as_deref(),
        CommandOptions::default(),
        false,
    )?;
    let resolution = crate::creds::resolve_chain(host, &loaded)?;
    let Some(plan) = &resolution.plan else {
        return Err(no_credentials(&resolution));
    };
    let keys = crate::creds::live_keys(host, &loaded, &resolution, plan)?;
    match args.format {
        ExportFormat::Json => {
            let mut obj = serde_json::Map::new();
            obj.insert("Version".into(), json!(1));
            obj.insert("AccessKeyId".into(), json!(keys.access_key_id));
            obj.insert(
                "SecretAccessKey".into(),
                json!(keys.secret_access_key.expose()),
            );
            if let Some(token) = &keys.session_token {
                obj.insert("SessionToken".into(), json!(token.expose()));
            }
            if let Some(exp) = &keys.expiration {
                obj.insert("Expiration".into(), json!(exp));
            }
            println!(
                "{}",
                serde_json::to_string_pretty(&serde_json::Value::Object(obj)).unwrap_or_default()
            );
        }
        ExportFormat::Env => {
            println!(
                "export AWS_ACCESS_KEY_ID={}",
                shell_quote(&keys.access_key_id)
            );
            println!(
                "export AWS_SECRET_ACCESS_KEY={}",
                shell_quote(keys.secret_access_key.expose())
            );
            if let Some(token) = &keys.session_token {
                println!("export AWS_SESSION_TOKEN={}", shell_quote(token.expose()));
            }
        }
    }
    Ok(())
}

/// Calls STS GetCallerIdentity with the resolved credentials.
fn verify(
    host: &Host,
    loaded: &Loaded,
    resolution: &Resolution,
    plan: &Plan,
) -> CliResult<sls_aws::CallerIdentity> {
    let settings = crate::creds::aws_settings(host, loaded, resolution);
    let runtime = crate::creds::runtime()?;
    runtime
        .block_on(async {
            let sdk = sls_aws::sdk_config(&settings, plan, crate::creds::mfa_prompt(host)).await?;
            sls_aws::caller_identity(&sdk).await
        })
        .map_err(|e| crate::error::from_aws(&e))
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

fn service_name(loaded: &Loaded) -> Option<String> {
    let raw = &loaded.file.as_ref()?.raw;
    match raw.get("service")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(o) => o.get("name")?.as_str().map(str::to_string),
        _ => None,
    }
}

/// One line naming where the credentials come from.
pub fn describe_plan(plan: &Plan) -> String {
    match plan {
        Plan::Static { origin, .. } => describe_origin(origin),
        Plan::AssumeRole {
            profile, role_arn, ..
        } => format!("role {role_arn} assumed through profile \"{profile}\""),
        Plan::WebIdentity {
            profile, role_arn, ..
        } => match profile {
            Some(p) => format!("web identity token for role {role_arn} (profile \"{p}\")"),
            None => format!(
                "web identity token for role {role_arn} (AWS_WEB_IDENTITY_TOKEN_FILE, AWS_ROLE_ARN)"
            ),
        },
        Plan::Process { profile, .. } => format!("credential_process of profile \"{profile}\""),
        Plan::Sso {
            profile,
            account_id,
            role_name,
            ..
        } => format!("SSO role {role_name} in account {account_id} (profile \"{profile}\")"),
        Plan::Container => "container credentials (AWS_CONTAINER_CREDENTIALS_*)".into(),
        Plan::InstanceMetadata => "EC2 instance metadata".into(),
    }
}

fn describe_origin(origin: &Origin) -> String {
    match origin {
        Origin::EnvVars { key_id_var } => format!("environment variables ({key_id_var})"),
        Origin::Profile { name, file } => format!("profile \"{name}\" in {}", file.display()),
    }
}

fn static_key_id(plan: &Plan) -> Option<String> {
    match plan {
        Plan::Static { keys, .. } => Some(keys.access_key_id.clone()),
        _ => None,
    }
}

/// Single-quotes a value for POSIX shells (keys rarely need it; secrets may hold `/` and `+`).
fn shell_quote(value: &str) -> String {
    if value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "/+=._-:".contains(c))
    {
        value.to_string()
    } else {
        format!("'{}'", value.replace('\'', "'\\''"))
    }
}
