//! `sls invoke local`: run a handler here with the service's environment and
//! the credentials the chain resolved for this stage (never printed).
//! `sls invoke -f NAME`: invoke the deployed function through Lambda, as v3's `invoke.js`.

use std::io::Read;

use sls_credentials::{LayerState, Origin, Plan, Resolution};
use sls_invoke::InvokeRequest;
use sls_lifecycle::{self as lifecycle, HookPoint, Participant};

use super::deploy::{run_aws_command, Hooks, Run};
use crate::cli::{InvokeLocalArgs, InvokeRemoteArgs};
use crate::error::{hinted, CliError, CliResult};
use crate::host::Host;
use crate::service::{self, CommandOptions};

/// v3's separator between the payload and the log tail of `--log`.
const LOG_SEPARATOR: &str = "--------------------------------------------------------------------";

pub fn remote(args: &InvokeRemoteArgs, host: &Host) -> CliResult {
    let function = args.function.clone().unwrap_or_default();
    let command = CommandOptions::default()
        .text("function", Some(&function))
        .text("data", args.data.as_ref())
        .text("path", args.path.as_ref().map(|p| p.display()))
        .text("type", Some(&args.invocation_type))
        .flag("log", args.log)
        .text("qualifier", args.qualifier.as_ref())
        .text("context", args.context.as_ref())
        .text(
            "contextPath",
            args.context_path.as_ref().map(|p| p.display()),
        )
        .flag("raw", args.raw);
    let mut step = InvokeFunction { args, function };
    run_aws_command(
        host,
        &args.service,
        args.config.config.as_deref(),
        command,
        &lifecycle::INVOKE,
        &mut step,
    )
}

/// v3's AwsInvoke at `invoke:invoke`: validate, read the event, invoke, print.
struct InvokeFunction<'a> {
    args: &'a InvokeRemoteArgs,
    function: String,
}

impl<'h> Participant<Run<'h>> for InvokeFunction<'_> {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:invoke"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("invoke:invoke")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, run: &mut Run<'h>) -> CliResult {
        let name = run.function_name(&self.function)?;
        let request = self.request(run, name)?;
        let s = &run.s;
        let reply = s
            .runtime
            .block_on(sls_deploy::invoke(&s.sdk, &request, &s.options))
            .map_err(|e| hinted(&e))?;
        print_reply(&reply);
        match reply.function_error {
            Some(kind) => Err(CliError::new("Invoked function failed").with_hint(format!(
                "Lambda reported a function error ({kind}): the payload above is the error."
            ))),
            None => Ok(()),
        }
    }
}

impl InvokeFunction<'_> {
    /// The event (`--data`, else `--path`, else stdin when piped) and the client context, read
    /// as v3 reads them: files relative to the service, JSON parsed unless `--raw`.
    fn request(&self, run: &Run, function_name: String) -> CliResult<sls_deploy::InvokeRequest> {
        let args = self.args;
        let service_dir = run.s.loaded.service_dir(run.host);
        let event = sls_invoke::parse_event_input(
            args.data.as_deref(),
            args.path.as_deref(),
            read_stdin(run.host, args.data.is_none() && args.path.is_none()),
            args.raw,
            &service_dir,
        )
        .map_err(|e| hinted(&e))?;
        let context = sls_invoke::parse_context_input(
            args.context.as_deref(),
            args.context_path.as_deref(),
            args.raw,
            &service_dir,
        )
        .map_err(|e| hinted(&e))?;
        Ok(sls_deploy::InvokeRequest {
            function_name,
            stack_name: run.service()?.stack_name,
            invocation_type: args.invocation_type.clone(),
            log_tail: args.log,
            payload: serde_json::to_vec(&event).unwrap_or_default(),
            client_context: context.map(|c| c.to_string()),
            qualifier: args.qualifier.clone(),
        })
    }
}

/// The payload as v3 prints it (JSON with four-space indents; other text as it is), then with
/// `--log` the separator and the log tail, line by line, formatted as `sls logs` does.
fn print_reply(reply: &sls_deploy::InvokeReply) {
    if !reply.payload.is_empty() {
        match serde_json::from_slice::<serde_json::Value>(&reply.payload) {
            Ok(value) => println!("{}", pretty4(&value)),
            Err(_) => println!("{}", String::from_utf8_lossy(&reply.payload)),
        }
    }
    if let Some(log) = &reply.log {
        println!("{LOG_SEPARATOR}");
        for line in log.split('\n') {
            println!("{}", super::logs::format_log_event(line));
        }
    }
}

/// `JSON.stringify(value, null, 4)`: serde's two-space layout with each indent doubled (JSON
/// strings hold no raw newline, so leading spaces are only ever indentation).
fn pretty4(value: &serde_json::Value) -> String {
    let two = serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string());
    two.lines()
        .map(|line| {
            let text = line.trim_start_matches(' ');
            format!("{}{text}", " ".repeat(2 * (line.len() - text.len())))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// stdin's text when `wanted` and stdin is not a terminal (v3's `get-stdin`).
fn read_stdin(host: &Host, wanted: bool) -> Option<String> {
    if !wanted || host.stdin_is_terminal {
        return None;
    }
    let mut text = String::new();
    // Unreadable stdin (closed, not UTF-8) is treated as no event, like an empty one.
    let _ = std::io::stdin().read_to_string(&mut text);
    Some(text)
}

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
    // The stage's credentials, resolved once: node gets them before the plugins load, the
    // handler gets the same ones (none when none resolve).
    let chain_keys = || -> CliResult<_> {
        let chain = crate::aws::Chain::resolve(host, &loaded)?;
        let keys = match &chain.resolution.plan {
            Some(_) => Some(chain.keys(host, &loaded)?),
            None => None,
        };
        Ok((chain.resolution, keys))
    };
    let mut resolved = None;
    let (service, plugins) = if loaded.lists_plugins() {
        let (resolution, keys) = chain_keys()?;
        let started = crate::plugins::resolve_and_start(
            host,
            &loaded,
            &aws_vars,
            "invoke local",
            &[],
            keys.as_ref(),
        )?;
        resolved = Some((resolution, keys));
        started
    } else {
        (service::resolve_full(host, &loaded, &aws_vars)?, None)
    };
    let service_dir = loaded.service_dir(host);

    let stdin_text = read_stdin(host, args.data.is_none() && args.path.is_none());
    let event = sls_invoke::parse_event_input(
        args.data.as_deref(),
        args.path.as_deref(),
        stdin_text,
        args.raw,
        &host.cwd,
    )
    .map_err(|e| hinted(&e))?;
    let context_override = sls_invoke::parse_context_input(
        args.context.as_deref(),
        args.context_path.as_deref(),
        args.raw,
        &host.cwd,
    )
    .map_err(|e| hinted(&e))?;

    // AWS variables already set AWS up: the handler gets those same credentials.
    let (resolution, keys) = match (aws_vars.into_aws(), resolved) {
        (Some(aws), _) => {
            let keys = aws.keys()?;
            (aws.resolution, Some(keys))
        }
        (None, Some(resolved)) => resolved,
        (None, None) => chain_keys()?,
    };
    let credentials = keys.map(|keys| {
        (
            keys.access_key_id.clone(),
            keys.secret_access_key.expose().to_string(),
            keys.session_token.as_ref().map(|t| t.expose().to_string()),
        )
    });
    eprintln!("{}", sls_invoke::identity_notice(&identity(&resolution)));

    let mut step = InvokeLocal {
        request: InvokeRequest {
            service_dir,
            config: serde_json::Value::Null,
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
        },
        host,
        exit_code: 0,
    };
    let mut state = LocalRun {
        config: service.config,
        plugins,
    };
    let mut hosted = crate::plugins::Plugins::new(state.plugins.as_ref());
    let result = lifecycle::run(
        &lifecycle::INVOKE_LOCAL,
        &mut [&mut step, &mut hosted],
        &mut state,
    );
    crate::plugins::with_error_hooks(state.plugins.as_mut(), result)?;
    if let Some(p) = state.plugins.as_mut() {
        p.finalize().map_err(crate::plugins::from_plugin)?;
    }
    Ok(step.exit_code)
}

/// What `sls invoke local`'s lifecycle carries: the configuration plugins see and change,
/// and the plugin host (a plugin may move the folder the handler runs from).
struct LocalRun {
    config: serde_json::Value,
    plugins: Option<sls_plugins::PluginHost>,
}

impl sls_plugins::HostState for LocalRun {
    fn config(&self) -> &serde_json::Value {
        &self.config
    }
    fn set_config(&mut self, config: serde_json::Value) -> Result<(), String> {
        self.config = config;
        Ok(())
    }
    fn templates(&self) -> Option<(&serde_json::Value, &serde_json::Value)> {
        None
    }
    fn templates_mut(&mut self) -> Option<(&mut serde_json::Value, &mut serde_json::Value)> {
        None
    }
}

impl crate::plugins::WithPlugins for LocalRun {
    fn plugins(&mut self) -> &mut Option<sls_plugins::PluginHost> {
        &mut self.plugins
    }
}

/// v3's AwsInvokeLocal at `invoke:local:invoke`: runs the handler with the configuration as
/// the plugins left it, from the folder they point at (serverless-webpack's build), after the
/// built-in packaging plugins (serverless-esbuild, …) built it.
struct InvokeLocal<'h> {
    request: InvokeRequest,
    host: &'h Host,
    exit_code: i32,
}

impl Participant<LocalRun> for InvokeLocal<'_> {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "sls:invoke-local"
    }
    fn hooks(&self) -> Hooks {
        const HOOKS: Hooks = &[HookPoint::at("invoke:local:invoke")];
        HOOKS
    }
    fn run(&mut self, _: HookPoint, state: &mut LocalRun) -> CliResult {
        let request = &mut self.request;
        request.config = state.config.clone();
        if let Some(dir) = state.plugins.as_ref().and_then(|p| p.service_path.clone()) {
            request.service_dir = dir;
        }
        let known = request
            .config
            .get("functions")
            .and_then(|f| f.get(&request.function))
            .is_some();
        if known {
            let build_host = sls_deploy::BuildHost::from_env(&self.host.env);
            let target = sls_deploy::prepare_invoke_local(
                &request.service_dir,
                &request.config,
                &request.function,
                &build_host,
            )
            .map_err(|e| hinted(&e))?;
            if let Some(target) = target {
                for n in &target.notices {
                    eprintln!("{n}");
                }
                request.service_dir = target.service_dir;
            }
        }
        let outcome = sls_invoke::invoke_local(request).map_err(|e| hinted(&e))?;
        for warning in &outcome.warnings {
            eprintln!("Warning: {warning}");
        }
        if !outcome.stdout.is_empty() {
            println!("{}", outcome.stdout);
        }
        if let Some(message) = outcome.status.message(&request.function) {
            eprintln!("Error:\n{message}");
        }
        self.exit_code = outcome.exit_code;
        Ok(())
    }
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
