//! `sls credentials show` (with the SSO session, start URL and token expiry of an SSO
//! profile), `sls credentials export` and `sls credentials policy`.

use serde_json::json;
use sls_credentials::{mask_key_id, Plan};

use crate::aws::Chain;
use crate::cli::{CredentialsExportArgs, CredentialsPolicyArgs, CredentialsShowArgs, ExportFormat};
use crate::error::CliResult;
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
    let chain = Chain::resolve(host, &loaded)?;
    let service_name = service_name(&loaded);
    // --verify: STS GetCallerIdentity with the resolved credentials.
    let (resolution, identity) = if args.verify {
        let aws = chain.connect(host, &loaded)?;
        let identity = aws.identity()?;
        (aws.resolution, Some(identity))
    } else {
        (chain.resolution, None)
    };
    let source = resolution.plan.as_ref().map(Plan::to_string);
    let key_id = resolution.plan.as_ref().and_then(static_key_id);
    // After --verify, which may have refreshed the SSO token.
    let sso = resolution
        .plan
        .as_ref()
        .and_then(|p| super::sso::SsoShow::of(p, host));
    let now = std::time::SystemTime::now();
    if args.json {
        let value = json!({
            "service": service_name,
            "stage": loaded.phase1.stage,
            "region": loaded.phase1.region,
            "source": source,
            "profile": resolution.profile,
            "accessKeyId": key_id.as_deref().map(mask_key_id),
            "sso": sso.as_ref().map(|s| s.json(now)),
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
    if let Some(sso) = &sso {
        out.push_str(&sso.lines(now));
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
    let keys = Chain::resolve(host, &loaded)?.keys(host, &loaded)?;
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

/// `sls credentials policy`: packages the service into a temporary folder (never the user's
/// `.serverless/`) and prints the least-privilege policy for it (`sls_deploy::policy`).
pub fn policy(args: &CredentialsPolicyArgs, host: &Host) -> CliResult {
    let loaded = service::load(
        host,
        &args.service,
        args.config.config.as_deref(),
        CommandOptions::default(),
        true,
    )?;
    // AWS variables (ssm, cf, s3, aws:accountId) are resolved only if the service uses them;
    // what they read is recorded, for the statements that allow those reads.
    let lazy = crate::aws_vars::LazyAwsSource::new(host, &loaded);
    let recording = crate::aws_vars::Recording::new(&lazy);
    // The plugins' resources need permissions too: they run as for `sls package`.
    let (service, mut plugins) = crate::plugins::resolve_and_start(
        host,
        &loaded,
        &recording,
        "package",
        &args.ignore_plugins,
        None,
    )?;
    let reads = recording.reads(&loaded.phase1.region, &lazy.decrypted_parameters());
    drop(recording);
    let tmp = TempDir::new(host)?;
    crate::policy::show_warnings(&service);
    let file_name = loaded
        .file
        .as_ref()
        .and_then(|f| f.path.file_name())
        .and_then(|n| n.to_str())
        .map(str::to_string);
    // Images are neither looked up nor built: the policy needs their repositories only.
    let model = sls_deploy::Service::from_config(&service.config, &service.stage, &service.region)
        .map_err(|e| crate::error::hinted(&sls_deploy::DeployError::from(e)))?;
    let images = sls_deploy::ResolvedImages::placeholders(&model);
    let pkg = sls_deploy::package_with_deployed(
        &sls_deploy::PackageInput {
            service_dir: &loaded.service_dir(host),
            config: &service.config,
            stage: &service.stage,
            region: &service.region,
            out_dir: &tmp.0,
            config_file_name: file_name.as_deref(),
            timestamp: None,
        },
        &sls_deploy::BuildHost::from_env(&host.env),
        plugins.as_mut(),
        sls_deploy::AwsAnswers {
            stack_outputs: None,
            images,
        },
    )
    .map_err(|e| crate::error::hinted(&e))?;
    drop(plugins);
    drop(tmp);
    let provisioning = args.create_user.is_some() || args.role.is_some();
    // AWS access: the one set up for the variables, or (to create the deployer) the identity
    // the usual chain finds. Either way STS names the account, which then replaces `*`.
    let aws = match lazy.into_aws() {
        Some(aws) => Some(aws),
        None if provisioning => Some(crate::aws::Aws::connect(host, &loaded)?),
        None => None,
    };
    let account = aws
        .as_ref()
        .and_then(|aws| aws.identity().ok())
        .map(|identity| identity.account);
    let mut policies = sls_deploy::policy::generate(&pkg, &reads, account.as_deref());
    if args.day_two {
        let extra = sls_deploy::policy::day_two_statements(&pkg.service, account.as_deref());
        if let Some(statements) = policies.caller["Statement"].as_array_mut() {
            statements.extend(extra);
        }
    }
    if !policies.unmapped_types.is_empty() {
        eprintln!(
            "Warning: sls has no least-privilege mapping for {}; the policy allows every action \
             of their services on \"*\" (statements \"Unmapped…\"): narrow them by hand.",
            policies.unmapped_types.join(", ")
        );
    }
    if let Some(aws) = aws.as_ref().filter(|_| provisioning) {
        return super::deployer::run(args, host, aws, &pkg.service, &policies);
    }
    if !args.json {
        let s = &pkg.service;
        eprintln!(
            "Least-privilege IAM policy for deploy, deploy function, info and remove of stack \
             \"{}\" in {} ({}).",
            s.stack_name,
            s.region,
            account
                .as_deref()
                .map_or("any account".to_string(), |a| format!("account {a}"))
        );
        if s.provider.deployment_role.is_some() {
            eprintln!(
                "\"caller\" is for the identity running sls; \"deploymentRole\" for the role \
                 CloudFormation uses (provider.iam.deploymentRole)."
            );
        }
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&policies.to_json()).unwrap_or_default()
    );
    Ok(())
}

/// A private folder for the throw-away package, removed on drop.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(host: &Host) -> CliResult<TempDir> {
        let base = host
            .env
            .get("TMPDIR")
            .filter(|t| !t.is_empty())
            .map(std::path::PathBuf::from)
            .unwrap_or_else(|| std::path::PathBuf::from("/tmp"));
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let dir = base.join(format!("sls-policy-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| {
            crate::error::CliError::new(format!(
                "Could not create the temporary folder {}: {e}.",
                dir.display()
            ))
        })?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn service_name(loaded: &Loaded) -> Option<String> {
    let raw = &loaded.file.as_ref()?.raw;
    match raw.get("service")? {
        serde_json::Value::String(s) => Some(s.clone()),
        serde_json::Value::Object(o) => o.get("name")?.as_str().map(str::to_string),
        _ => None,
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
