//! `sls invoke local`: run a handler here with the service's environment and
//! the credentials the chain resolved for this stage (never printed).

use std::io::Read;

use sls_credentials::{LayerState, Origin, Plan, Resolution};
use sls_invoke::InvokeRequest;

use crate::cli::InvokeLocalArgs;
use crate::error::{from_invoke, CliResult};
use crate::host::Host;
use crate::service::{self, CommandOptions};

pub fn local(args: &InvokeLocalArgs, host: &Host) -> CliResult<i32> {
    let command = CommandOptions::default()
        .text("function", Some(&args.function))
        .text("data", args.data.as_ref())
        .text("path", args.path.as_ref().map(|p| p.display()))
        .text("context", args.context.as_ref())
        .text(
            "contextPath",
            args.context_path.as_ref().map(|p| p.display()),
        )
        .list("env", &args.env)
        .flag("raw", args.raw);
    let loaded = service::load(host, &args.service, args.config.as_deref(), command, true)?;
    let aws_vars = crate::aws_vars::LazyAwsSource::new(host, &loaded);
    let service = service::resolve_full(host, &loaded, &aws_vars)?;
    let service_dir = loaded.service_dir(host);

    let stdin_text = if args.data.is_none() && args.path.is_none() && !host.stdin_is_terminal {
        let mut text = String::new();
        // Unreadable stdin (closed, not UTF-8) is treated as no event, like an empty one.
        let _ = std::io::stdin().read_to_string(&mut text);
        Some(text)
    } else {
        None
    };
    let event = sls_invoke::parse_event_input(
        args.data.as_deref(),
        args.path.as_deref(),
        stdin_text,
        args.raw,
        &host.cwd,
    )
    .map_err(|e| from_invoke(&e))?;
    let context_override = sls_invoke::parse_context_input(
        args.context.as_deref(),
        args.context_path.as_deref(),
        args.raw,
        &host.cwd,
    )
    .map_err(|e| from_invoke(&e))?;

    // AWS variables already set AWS up: the handler gets those same credentials.
    let (resolution, keys) = match aws_vars.into_aws() {
        Some(aws) => {
            let keys = aws.keys()?;
            (aws.resolution, Some(keys))
        }
        None => {
            let chain = crate::aws::Chain::resolve(host, &loaded)?;
            let keys = match &chain.resolution.plan {
                Some(_) => Some(chain.keys(host, &loaded)?),
                None => None,
            };
            (chain.resolution, keys)
        }
    };
    let credentials = keys.map(|keys| {
        (
            keys.access_key_id.clone(),
            keys.secret_access_key.expose().to_string(),
            keys.session_token.as_ref().map(|t| t.expose().to_string()),
        )
    });
    eprintln!("{}", sls_invoke::identity_notice(&identity(&resolution)));

    // Built-in packaging plugins (serverless-esbuild, …) build the function first and say where
    // it runs from, as their `before:invoke:local:invoke` hooks do in v3.
    let config = service.config;
    let mut service_dir = service_dir;
    let known = config
        .get("functions")
        .and_then(|f| f.get(&args.function))
        .is_some();
    if known {
        let build_host = sls_deploy::BuildHost::from_env(&host.env);
        let target =
            sls_deploy::prepare_invoke_local(&service_dir, &config, &args.function, &build_host)
                .map_err(|e| crate::error::from_deploy(&e))?;
        if let Some(target) = target {
            for n in &target.notices {
                eprintln!("{n}");
            }
            service_dir = target.service_dir;
        }
    }

    let request = InvokeRequest {
        service_dir,
        config,
        function: args.function.clone(),
        stage: service.stage,
        region: service.region,
        event,
        context_override,
        env_overrides: args
            .env
            .iter()
            .map(|e| sls_invoke::parse_env_option(e))
            .collect(),
        process_env: host.env.clone(),
        credentials,
    };
    let outcome = sls_invoke::invoke_local(&request).map_err(|e| from_invoke(&e))?;
    for warning in &outcome.warnings {
        eprintln!("Warning: {warning}");
    }
    if !outcome.stdout.is_empty() {
        println!("{}", outcome.stdout);
    }
    if let Some(message) = outcome.status.message(&args.function) {
        eprintln!("Error:\n{message}");
    }
    Ok(outcome.exit_code)
}

/// Names the identity for the notice line: `profile "team" (provider.profile)`.
fn identity(resolution: &Resolution) -> String {
    let layer = resolution
        .layers
        .iter()
        .find(|l| l.state == LayerState::Used)
        .map(|l| l.layer.clone());
    let what = match &resolution.plan {
        None => return "no AWS credentials (none were found)".into(),
        Some(Plan::Static {
            origin: Origin::EnvVars { key_id_var },
            ..
        }) => format!("credentials from {key_id_var}"),
        Some(Plan::Static {
            origin: Origin::Profile { name, .. },
            ..
        }) => format!("profile \"{name}\""),
        Some(plan) => match &resolution.profile {
            Some(name) => format!("profile \"{name}\""),
            None => plan.to_string(),
        },
    };
    match layer {
        Some(layer) if !what.contains(&layer) => format!("{what} ({layer})"),
        _ => what,
    }
}
