//! Loading the service for a command: find the file, resolve stage, region and
//! profile (phase 1), then the whole configuration when the command needs it.

use std::path::{Path, PathBuf};

use sls_config::{CliOptions, Context, ExternalSource, Phase1, ServiceFile};

use crate::cli::ServiceOptions;
use crate::error::{hinted, CliError, CliResult};
use crate::host::Host;

/// A service file read and resolved as far as phase 1, or only the
/// command-line stage/region when the command runs outside a service.
pub struct Loaded {
    pub file: Option<ServiceFile>,
    pub options: CliOptions,
    pub phase1: Phase1,
    pub instance_id: String,
}

impl Loaded {
    /// True when the service's `plugins:` lists any plugin (built in, skipped or hosted).
    pub fn lists_plugins(&self) -> bool {
        self.file
            .as_ref()
            .is_some_and(|f| !sls_config::plugins::plugin_names(&f.raw).is_empty())
    }

    pub fn context<'a>(&'a self, host: &'a Host) -> Context<'a> {
        Context {
            options: &self.options,
            env: &host.env,
            instance_id: self.instance_id.clone(),
        }
    }

    /// The folder of the service file (or the working directory outside a service).
    pub fn service_dir(&self, host: &Host) -> PathBuf {
        self.file
            .as_ref()
            .and_then(|f| f.path.parent().map(Path::to_path_buf))
            .unwrap_or_else(|| host.cwd.clone())
    }
}

/// The options of the command itself (`--function`, `--force`, `--data`…),
/// which `${opt:…}` sees too, as in v3: by long name, only when given.
#[derive(Debug, Default)]
pub struct CommandOptions(serde_json::Map<String, serde_json::Value>);

impl CommandOptions {
    pub fn text(mut self, name: &str, value: Option<impl ToString>) -> Self {
        if let Some(v) = value {
            self.0
                .insert(name.into(), serde_json::Value::String(v.to_string()));
        }
        self
    }

    pub fn flag(mut self, name: &str, given: bool) -> Self {
        if given {
            self.0.insert(name.into(), serde_json::Value::Bool(true));
        }
        self
    }

    /// A repeatable option (v3 `type: 'multiple'`): a list.
    pub fn list(mut self, name: &str, values: &[String]) -> Self {
        if !values.is_empty() {
            let list = values.iter().cloned().map(serde_json::Value::String);
            self.0.insert(name.into(), list.collect());
        }
        self
    }
}

/// Turns the shared service options into the variable engine's `opt:` source.
pub fn cli_options(opts: &ServiceOptions) -> CliResult<CliOptions> {
    let mut params = Vec::new();
    for p in &opts.params {
        let Some((key, value)) = p.split_once('=') else {
            return Err(CliError::usage(format!(
                "Invalid --param \"{p}\": expected \"key=value\"."
            )));
        };
        if key.is_empty() {
            return Err(CliError::usage(format!(
                "Invalid --param \"{p}\": the key before \"=\" is empty."
            )));
        }
        params.push((key.to_string(), value.to_string()));
    }
    let mut other = serde_json::Map::new();
    if opts.verbose {
        other.insert("verbose".into(), serde_json::Value::Bool(true));
    }
    Ok(CliOptions {
        // v3 treats an empty option value as not given.
        stage: opts.stage.clone().filter(|s| !s.is_empty()),
        region: opts.region.clone().filter(|s| !s.is_empty()),
        aws_profile: opts.aws_profile.clone().filter(|s| !s.is_empty()),
        params,
        other,
    })
}

/// Reads the service file and resolves phase 1. `required` makes a missing
/// service file an error; otherwise the command runs with defaults.
pub fn load(
    host: &Host,
    opts: &ServiceOptions,
    config: Option<&Path>,
    command: CommandOptions,
    required: bool,
) -> CliResult<Loaded> {
    let mut options = cli_options(opts)?;
    options.other.extend(command.0);
    if let Some(path) = config {
        options
            .other
            .insert("config".into(), path.display().to_string().into());
    }
    let instance_id = instance_id();
    let path = sls_config::find_service_file(&host.cwd, config).map_err(|e| hinted(&e))?;
    let Some(path) = path else {
        if required {
            return Err(CliError::new(format!(
                "This command can only be run in a service folder: no serverless.yml, serverless.yaml or serverless.json in {}.",
                host.cwd.display()
            ))
            .with_hint("Run it in the folder of your service, or name the file with --config."));
        }
        let phase1 = Phase1::without_file(&options);
        return Ok(Loaded {
            file: None,
            options,
            phase1,
            instance_id,
        });
    };
    let file = sls_config::read_service_file(&path).map_err(|e| hinted(&e))?;
    let ctx = Context {
        options: &options,
        env: &host.env,
        instance_id: instance_id.clone(),
    };
    let phase1 = sls_config::resolve_phase1(&file, &ctx).map_err(|e| hinted(&e))?;
    if let Some(notice) = dashboard_notice(&file.name, &phase1.dashboard_keys()) {
        eprintln!("{notice}");
    }
    Ok(Loaded {
        file: Some(file),
        options,
        phase1,
        instance_id,
    })
}

/// Said once per command when the service names a Serverless Dashboard `org`/`app`: v3 would
/// need a Dashboard login and wrap the handlers; sls packages the service as if the keys were
/// absent, and says so rather than nothing.
fn dashboard_notice(file_name: &str, keys: &[&str]) -> Option<String> {
    if keys.is_empty() {
        return None;
    }
    let named = keys
        .iter()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    Some(format!(
        "Notice: {file_name} sets {named} (Serverless Dashboard). sls does not use the Dashboard: \
         the handlers are not wrapped with the Dashboard's instrumentation, and no Dashboard \
         parameters, outputs or credentials are read; the service is packaged and deployed as if \
         {} absent.",
        if keys.len() > 1 {
            "these keys were"
        } else {
            "this key was"
        }
    ))
}

/// `${sls:instanceId}`: unique per run, like v3 (time-based, not random, so no RNG dependency).
fn instance_id() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("{now}{}", std::process::id())
}

/// Resolves the whole configuration (phase 2). Variables from AWS sources
/// (`ssm:`, `cf:`, `s3:`, `aws:accountId`) are answered by `aws` (the
/// command's AWS variable source). Continues from phase 1 (it does not run again).
pub fn resolve_full(
    host: &Host,
    loaded: &Loaded,
    aws: &dyn ExternalSource,
) -> CliResult<sls_config::Service> {
    let file = loaded
        .file
        .as_ref()
        .ok_or_else(|| CliError::new("This command can only be run in a service folder."))?;
    let ctx = loaded.context(host);
    sls_config::resolve_service(file, &ctx, &loaded.phase1, Some(aws)).map_err(|e| hinted(&e))
}
