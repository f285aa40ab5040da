//! The JavaScript plugin host for a command: which plugins go to it, the environment and
//! credentials node runs with, and the host as a participant of the command's lifecycle.

use std::time::Duration;

use std::cell::RefCell;

use serde_json::{json, Map, Value};
use sls_config::{ExternalSource, PluginSources};
use sls_credentials::{EnvExt, StaticKeys};
use sls_lifecycle::{HookPoint, Lifecycle, Participant};
use sls_plugins::{HostInit, HostState, PluginError, PluginHost};

use crate::error::{hinted, CliError, CliResult};
use crate::host::Host;
use crate::service::Loaded;

/// Options of a built-in command that only a plugin can declare (`sls deploy --my-flag`),
/// set aside by `main` when clap did not know them; checked once the plugins are loaded.
pub static EXTRA_OPTIONS: std::sync::OnceLock<Vec<(String, Value)>> = std::sync::OnceLock::new();

fn extra_options() -> &'static [(String, Value)] {
    EXTRA_OPTIONS.get().map(Vec::as_slice).unwrap_or(&[])
}

/// The extra options must be declared by a plugin for `command` (v3 rejects the others).
fn check_extra_options(command: &[&str], plugins: Option<&PluginHost>) -> CliResult {
    let words: Vec<String> = command.iter().map(|w| w.to_string()).collect();
    let declared = plugins.and_then(|p| p.command(&words));
    let unknown: Vec<String> = extra_options()
        .iter()
        .filter(|(name, _)| !declared.is_some_and(|c| c.options.iter().any(|o| &o.name == name)))
        .map(|(name, _)| format!("--{name}"))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(CliError::usage(format!(
        "Detected unrecognized CLI options: \"{}\".",
        unknown.join("\", \"")
    ))
    .with_hint("Run \"sls <command> --help\" for the options of a command."))
}

/// The commands sls has itself (a plugin may add options or subcommands to them).
pub const BUILT_IN_COMMANDS: &[&str] = &[
    "print",
    "config",
    "credentials",
    "sso",
    "package",
    "deploy",
    "info",
    "remove",
    "invoke",
    "logs",
    "metrics",
    "rollback",
    "sso",
];

/// How long one plugin hook may run by default (webpack builds of large services take
/// minutes); `SLS_PLUGIN_TIMEOUT=<seconds>` changes it.
const DEFAULT_HOOK_TIMEOUT: Duration = Duration::from_secs(600);

/// Starts the host for the plugins of `config` that sls neither builds in nor skips, or
/// returns `None` (no node started) when there are none. Prints the notice for skipped ones.
pub fn start(
    host: &Host,
    loaded: &Loaded,
    config: &Value,
    commands: &[&str],
    lifecycles: &[&Lifecycle],
    ignore: &[String],
    keys: Option<&StaticKeys>,
) -> CliResult<Option<PluginHost>> {
    let mut policy = sls_config::plugins::plugin_policy(config, ignore);
    if commands
        .first()
        .is_some_and(|c| !BUILT_IN_COMMANDS.contains(c))
    {
        // A plugin's own command: local-only plugins run too (`sls offline`, `sls export-env`),
        // in `plugins:` order.
        policy.hosted = sls_config::plugins::plugin_names(config)
            .into_iter()
            .filter(|n| policy.hosted.contains(n) || policy.skipped.iter().any(|(s, _)| s == n))
            .collect();
        policy.skipped.clear();
    }
    if let Some(notice) = policy.notice() {
        eprintln!("{notice}");
    }
    if policy.hosted.is_empty() {
        check_extra_options(commands, None)?;
        return Ok(None);
    }
    let path_var = host.env.get("PATH").map(String::as_str).unwrap_or("");
    let node = sls_plugins::find_node(path_var, &policy.hosted).map_err(from_plugin)?;
    let service_dir = loaded.service_dir(host);
    let file_name = loaded
        .file
        .as_ref()
        .and_then(|f| f.path.file_name())
        .and_then(|n| n.to_str())
        .unwrap_or("serverless.yml")
        .to_string();
    let commands: Vec<String> = commands.iter().map(|c| c.to_string()).collect();
    let options = cli_options(loaded);
    let timeout = hook_timeout(host)?;
    let plugins = PluginHost::start(HostInit {
        node: &node,
        service_dir: &service_dir,
        configuration_filename: &file_name,
        plugins: &policy.hosted,
        local_path: sls_config::plugins::local_path(config).map(|p| service_dir.join(p)),
        config,
        options: &options,
        commands: &commands,
        credentials: keys.map(|k| {
            json!({
                "accessKeyId": k.access_key_id,
                "secretAccessKey": k.secret_access_key.expose(),
                "sessionToken": k.session_token.as_ref().map(|t| t.expose()),
            })
        }),
        endpoints: endpoints(host),
        ca_certificates: crate::aws::trusted_ca_pems(host, loaded)?,
        env: node_env(host, keys),
        hook_timeout: timeout,
        instance_id: &loaded.instance_id,
        lifecycles,
    })
    .map_err(from_plugin)?;
    if BUILT_IN_COMMANDS.contains(&commands[0].as_str()) {
        let words: Vec<&str> = commands.iter().map(String::as_str).collect();
        check_extra_options(&words, Some(&plugins))?;
    }
    Ok(Some(plugins))
}

/// The plugin host for a command (`None` when no plugin needs it), with the configuration as
/// the plugins' constructors and `initialize` hooks left it.
pub fn start_for(
    host: &Host,
    loaded: &Loaded,
    service: &mut sls_config::Service,
    command: &str,
    ignore: &[String],
    keys: Option<&sls_credentials::StaticKeys>,
) -> CliResult<Option<PluginHost>> {
    let words: Vec<&str> = command.split(' ').collect();
    let mut plugins = start(
        host,
        loaded,
        &service.config,
        &words,
        sls_lifecycle::ALL,
        ignore,
        keys,
    )?;
    if let Some(config) = plugins.as_mut().and_then(|p| p.loaded_config.take()) {
        service.config = config;
    }
    if let Some(p) = &plugins {
        let warnings = std::mem::take(&mut service.warnings);
        service.warnings = sls_config::schema::without_plugin_definitions(
            warnings,
            &plugin_schema(&p.schema),
            &service.config,
        );
    }
    Ok(plugins)
}

/// Resolves the service's variables, the plugins' own sources included, and starts the host
/// when a plugin needs it. As in v3, plugins are constructed with the configuration resolved
/// as far as sls's sources go (a `${construct:…}` still as written); their sources are then
/// resolved into the configuration as the constructors left it.
pub fn resolve_and_start(
    host: &Host,
    loaded: &Loaded,
    aws: &dyn ExternalSource,
    command: &str,
    ignore: &[String],
    keys: Option<&StaticKeys>,
) -> CliResult<(sls_config::Service, Option<PluginHost>)> {
    let file = loaded
        .file
        .as_ref()
        .ok_or_else(|| CliError::new("This command can only be run in a service folder."))?;
    let ctx = loaded.context(host);
    let mode = if sls_config::plugins::plugin_names(&file.raw).is_empty() {
        PluginSources::None
    } else {
        PluginSources::Leave
    };
    let mut service = sls_config::resolve_service_with(file, &ctx, &loaded.phase1, Some(aws), mode)
        .map_err(|e| hinted(&e))?;
    let left_as_written = service.config.clone();
    let mut plugins = start_for(host, loaded, &mut service, command, ignore, keys)?;
    if !service.pending_sources.is_empty() {
        resolve_plugin_sources(
            file,
            &ctx,
            loaded,
            aws,
            &mut service,
            &left_as_written,
            plugins.as_mut(),
        )?;
    }
    if let Some(p) = plugins.as_mut() {
        p.initialize(&mut service.config).map_err(from_plugin)?;
    }
    Ok((service, plugins))
}

/// The variables of the plugins' own sources, resolved through the host into the
/// configuration as the constructors left it.
fn resolve_plugin_sources(
    file: &sls_config::ServiceFile,
    ctx: &sls_config::Context<'_>,
    loaded: &Loaded,
    aws: &dyn ExternalSource,
    service: &mut sls_config::Service,
    left_as_written: &Value,
    plugins: Option<&mut PluginHost>,
) -> CliResult {
    let defined = plugins
        .as_ref()
        .map(|p| p.variable_sources.clone())
        .unwrap_or_default();
    let missing: Vec<String> = service
        .pending_sources
        .iter()
        .filter(|s| !defined.contains(s))
        .cloned()
        .collect();
    let Some(ph) = plugins.filter(|_| missing.is_empty()) else {
        let e = sls_config::ConfigError::UnrecognizedSources { sources: missing };
        return Err(hinted(&e));
    };
    let sources = WithPluginSources {
        aws,
        host: RefCell::new(ph),
        names: &defined,
    };
    let resolved = sls_config::resolve_service_with(
        file,
        ctx,
        &loaded.phase1,
        Some(&sources),
        PluginSources::Resolve(&defined),
    )
    .map_err(|e| hinted(&e))?;
    apply_resolved(&mut service.config, left_as_written, &resolved.config);
    service.pending_sources.clear();
    Ok(())
}

/// sls's AWS sources, and the plugins' sources through the host.
struct WithPluginSources<'a, 'h> {
    aws: &'a dyn ExternalSource,
    host: RefCell<&'a mut PluginHost>,
    names: &'h [String],
}

impl ExternalSource for WithPluginSources<'_, '_> {
    fn resolve(
        &self,
        source: &str,
        address: &str,
        params: &[String],
    ) -> Result<Option<Value>, sls_config::SourceError> {
        if self.names.iter().any(|n| n == source) {
            let mut host = self.host.borrow_mut();
            return host
                .resolve_variable(source, address, params)
                .map(Some)
                .map_err(|e| sls_config::SourceError {
                    message: e.to_string(),
                    hint: sls_hint::Hint::hint(&e).map(|h| h.into_owned()),
                });
        }
        self.aws.resolve(source, address, params)
    }

    fn prefetch(&self, requests: &[sls_config::ExternalRequest]) {
        let aws: Vec<_> = requests
            .iter()
            .filter(|r| !self.names.contains(&r.source))
            .cloned()
            .collect();
        self.aws.prefetch(&aws);
    }
}

/// Puts into `current` (the configuration as the plugins' constructors left it) the values the
/// plugins' sources gave: wherever `after` differs from `before` (the configuration with
/// those variables as written) and `current` still holds what `before` held.
fn apply_resolved(current: &mut Value, before: &Value, after: &Value) {
    match (current, before, after) {
        (Value::Object(c), Value::Object(b), Value::Object(a)) => {
            for (k, av) in a {
                if let (Some(cv), Some(bv)) = (c.get_mut(k), b.get(k)) {
                    apply_resolved(cv, bv, av);
                }
            }
        }
        (Value::Array(c), Value::Array(b), Value::Array(a)) if b.len() == a.len() => {
            for ((cv, bv), av) in c.iter_mut().zip(b).zip(a) {
                apply_resolved(cv, bv, av);
            }
        }
        (c, b, a) => {
            if b != a && *c == *b {
                *c = a.clone();
            }
        }
    }
}

/// What the plugins gave `configSchemaHandler`, by name.
fn plugin_schema(schema: &Value) -> sls_config::schema::PluginSchema {
    let keys = |v: &Value| -> Vec<String> {
        v.as_object()
            .map(|o| o.keys().cloned().collect())
            .unwrap_or_default()
    };
    sls_config::schema::PluginSchema {
        top_level: keys(&schema["topLevel"]),
        function_properties: schema["functionProperties"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|part| keys(&part["properties"]))
            .collect(),
        function_events: keys(&schema["functionEvents"]),
    }
}

/// v3's `cliOptions` as plugins read them: the options given, by long name.
fn cli_options(loaded: &Loaded) -> Value {
    let o = &loaded.options;
    let mut out = Map::new();
    if let Some(s) = &o.stage {
        out.insert("stage".into(), s.clone().into());
    }
    if let Some(r) = &o.region {
        out.insert("region".into(), r.clone().into());
    }
    if let Some(p) = &o.aws_profile {
        out.insert("aws-profile".into(), p.clone().into());
    }
    for (k, v) in o
        .other
        .iter()
        .chain(extra_options().iter().map(|(k, v)| (k, v)))
    {
        out.insert(k.clone(), v.clone());
    }
    Value::Object(out)
}

/// `AWS_ENDPOINT_URL` and `AWS_ENDPOINT_URL_<SERVICE>` for `provider.request`.
fn endpoints(host: &Host) -> Value {
    let mut out = Map::new();
    for (k, v) in &host.env {
        if k == "AWS_ENDPOINT_URL" && !v.is_empty() {
            out.insert("default".into(), v.clone().into());
        } else if let Some(service) = k.strip_prefix("AWS_ENDPOINT_URL_") {
            if !v.is_empty() {
                out.insert(service.to_string(), v.clone().into());
            }
        }
    }
    Value::Object(out)
}

/// node's environment: the command's, with the stage's credentials in the standard variables
/// (so a plugin's own AWS client uses what sls resolved) and no profile to pull it elsewhere.
fn node_env(host: &Host, keys: Option<&StaticKeys>) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = host
        .env
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if let Some(k) = keys {
        const REPLACED: &[&str] = &[
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
        ];
        env.retain(|(name, _)| !REPLACED.contains(&name.as_str()));
        env.push(("AWS_ACCESS_KEY_ID".into(), k.access_key_id.clone()));
        env.push((
            "AWS_SECRET_ACCESS_KEY".into(),
            k.secret_access_key.expose().to_string(),
        ));
        if let Some(t) = &k.session_token {
            env.push(("AWS_SESSION_TOKEN".into(), t.expose().to_string()));
        }
    }
    // aws-sdk v2 (which many plugins bundle) warns about its end of support on every load.
    env.push((
        "AWS_SDK_JS_SUPPRESS_MAINTENANCE_MODE_MESSAGE".into(),
        "1".into(),
    ));
    env
}

fn hook_timeout(host: &Host) -> CliResult<Duration> {
    match host.env.non_empty("SLS_PLUGIN_TIMEOUT") {
        None => Ok(DEFAULT_HOOK_TIMEOUT),
        Some(s) => s
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .map(Duration::from_secs)
            .ok_or_else(|| {
                CliError::usage(format!(
                    "SLS_PLUGIN_TIMEOUT is \"{s}\": expected a whole number of seconds."
                ))
            }),
    }
}

/// A plugin's failure as the CLI shows it: the plugin and its hook, its message.
pub fn from_plugin(e: PluginError) -> CliError {
    crate::error::hinted(&sls_deploy::plugin_error(e))
}

/// v3's `error` hooks when `result` is a failure: the plugins see the error, then the command
/// fails with it. A hook that fails itself is a warning (v3: `The "error" hook crashed`).
pub fn with_error_hooks<T>(plugins: Option<&mut PluginHost>, result: CliResult<T>) -> CliResult<T> {
    if let (Err(e), Some(p)) = (&result, plugins) {
        if let Err(crash) = p.error_hooks(&e.message) {
            eprintln!(
                "Warning: The \"error\" hook crashed with:\n{}",
                from_plugin(crash).message
            );
        }
    }
    result
}

/// A state that holds the host while a lifecycle runs (the CLI's `Run`).
pub trait WithPlugins: HostState {
    fn plugins(&mut self) -> &mut Option<PluginHost>;
}

/// The host in a CLI lifecycle: it lives in the state (sls's own participants pass it on to
/// `sls package`'s lifecycle), so it is taken out for the hook and put back.
pub struct Plugins {
    points: Vec<HookPoint>,
}

impl Plugins {
    pub fn new(host: Option<&PluginHost>) -> Self {
        Plugins {
            points: host.map(|h| h.hook_points().to_vec()).unwrap_or_default(),
        }
    }
}

impl<S: WithPlugins> Participant<S> for Plugins {
    type Error = CliError;
    fn name(&self) -> &'static str {
        "plugins"
    }
    fn hooks(&self) -> &[HookPoint] {
        &self.points
    }
    fn run(&mut self, point: HookPoint, state: &mut S) -> CliResult {
        let Some(mut host) = state.plugins().take() else {
            return Ok(());
        };
        let result = host.run_hook(point, state);
        *state.plugins() = Some(host);
        result.map_err(from_plugin)
    }
}
