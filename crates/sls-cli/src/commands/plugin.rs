//! Commands the service's plugins add (`sls prune -n 2`, `sls step-functions …`): options read
//! as v3 reads them (`--name value`, `--name=value`, `-n value`, `--flag`, `--no-flag`, typed
//! by the plugin's declaration), run through the plugin host.

use serde_json::{Map, Value};
use sls_plugins::{PluginCommand, PluginHost};

use crate::cli::ServiceOptions;
use crate::error::{CliError, CliResult};
use crate::host::Host;
use crate::plugins::{self, from_plugin};
use crate::service::{self, CommandOptions};

/// One option as written: `--name`/`-n`, and the value that follows, if any.
#[derive(Debug, Clone, PartialEq)]
struct RawOption {
    name: String,
    short: bool,
    value: Option<String>,
}

/// The command line of a plugin command, split.
#[derive(Debug, Default, PartialEq)]
struct Parsed {
    words: Vec<String>,
    service: ServiceOptionsRaw,
    options: Vec<RawOption>,
    help: bool,
}

#[derive(Debug, Default, PartialEq)]
struct ServiceOptionsRaw {
    stage: Option<String>,
    region: Option<String>,
    aws_profile: Option<String>,
    config: Option<String>,
    params: Vec<String>,
    verbose: bool,
    ignore_plugins: Vec<String>,
}

/// Runs `argv` (without the program name) as a plugin command; `Ok(None)` when the service
/// has no plugin with that command (the caller reports the unknown command as before).
pub fn run(argv: &[String], host: &Host) -> CliResult<Option<i32>> {
    let parsed = parse(argv)?;
    let opts = ServiceOptions {
        stage: parsed.service.stage.clone(),
        region: parsed.service.region.clone(),
        aws_profile: parsed.service.aws_profile.clone(),
        params: parsed.service.params.clone(),
        verbose: parsed.service.verbose,
    };
    let config_path = parsed.service.config.as_deref().map(std::path::Path::new);
    let loaded = service::load(host, &opts, config_path, CommandOptions::default(), false)?;
    if loaded.file.is_none() {
        return Ok(None);
    }
    let names = loaded
        .file
        .as_ref()
        .map(|f| sls_config::plugins::plugin_names(&f.raw))
        .unwrap_or_default();
    if names.is_empty() {
        return Ok(None);
    }
    // Plugin commands often call AWS (prune, export-env): the stage's credentials when sls
    // finds some; without, a plugin's AWS call fails with its own error.
    let keys = crate::aws::Chain::resolve(host, &loaded)
        .ok()
        .and_then(|chain| chain.keys(host, &loaded).ok());
    let command_name = parsed.words.join(" ");
    let aws_vars = crate::aws_vars::LazyAwsSource::new(host, &loaded);
    let (_, mut plugin_host) = plugins::resolve_and_start(
        host,
        &loaded,
        &aws_vars,
        &command_name,
        &parsed.service.ignore_plugins,
        keys.as_ref(),
    )?;
    let Some(ph) = plugin_host.as_mut() else {
        return Ok(None);
    };
    let Some(command) = ph.command(&parsed.words).cloned() else {
        return Ok(None);
    };
    if parsed.help {
        print_command_help(&command_name, &command);
        return Ok(Some(0));
    }
    let options = typed_options(&parsed.options, &command)?;
    let result = ph
        .run_command(&parsed.words, &Value::Object(options))
        .map_err(from_plugin);
    crate::plugins::with_error_hooks(Some(&mut *ph), result)?;
    ph.finalize().map_err(from_plugin)?;
    Ok(Some(0))
}

/// The plugin commands of the service in the working directory, for `sls --help`: starts the
/// host only when the service lists plugins it runs. Errors only mean there is nothing to add.
pub fn help_lines(host: &Host) -> Vec<String> {
    let listed = || -> CliResult<Option<PluginHost>> {
        let loaded = service::load(
            host,
            &ServiceOptions::default(),
            None,
            CommandOptions::default(),
            false,
        )?;
        let Some(file) = &loaded.file else {
            return Ok(None);
        };
        if sls_config::plugins::plugin_policy(&file.raw, &[])
            .hosted
            .is_empty()
        {
            return Ok(None);
        }
        let aws_vars = crate::aws_vars::LazyAwsSource::new(host, &loaded);
        let (_, plugins) = plugins::resolve_and_start(host, &loaded, &aws_vars, "help", &[], None)?;
        Ok(plugins)
    };
    let Ok(Some(ph)) = listed() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    fn walk(prefix: &str, commands: &[PluginCommand], lines: &mut Vec<String>) {
        for c in commands {
            let name = format!("{prefix}{}", c.name);
            if !c.lifecycle_events.is_empty() || !c.usage.is_empty() {
                lines.push(format!("  {name:<28} {} ({})", c.usage, c.plugin));
            }
            walk(&format!("{name} "), &c.commands, lines);
        }
    }
    walk("", &ph.commands, &mut lines);
    lines
}

fn print_command_help(name: &str, command: &PluginCommand) {
    // v3's layout: the command and each option in a 32-column field, then the text.
    let mut out = format!("{:<32}{}\n", name, command.usage);
    let mut line = |flag: String, usage: &str| out.push_str(&format!("{flag:<32}{usage}\n"));
    for o in &command.options {
        let short = o
            .shortcut
            .as_deref()
            .map(|s| format!(" / -{s}"))
            .unwrap_or_default();
        let required = if o.required { " (required)" } else { "" };
        line(format!("--{}{short}{required}", o.name), &o.usage);
    }
    for (flag, usage) in [
        ("--region / -r", "Region of the service"),
        ("--aws-profile", "AWS profile to use with the command"),
        ("--config / -c", "Path to serverless config file"),
        ("--stage / -s", "Stage of the service"),
        ("--param", "Pass custom parameter values for \"param\" variable source (usage: --param=\"key=value\")"),
        ("--help / -h", "Show this message"),
        ("--verbose", "Show verbose logs"),
    ] {
        if !command.options.iter().any(|o| flag.starts_with(&format!("--{} ", o.name)) || flag == format!("--{}", o.name)) {
            line(flag.to_string(), usage);
        }
    }
    print!("{out}");
}

/// Splits the command line: command words, sls's service options, the plugin's options.
fn parse(argv: &[String]) -> CliResult<Parsed> {
    let mut p = Parsed::default();
    let mut i = 0;
    while i < argv.len() && !argv[i].starts_with('-') {
        p.words.push(argv[i].clone());
        i += 1;
    }
    while i < argv.len() {
        let token = &argv[i];
        i += 1;
        let (name, short, inline) = if let Some(long) = token.strip_prefix("--") {
            match long.split_once('=') {
                Some((n, v)) => (n.to_string(), false, Some(v.to_string())),
                None => (long.to_string(), false, None),
            }
        } else if let Some(short) = token.strip_prefix('-').filter(|s| !s.is_empty()) {
            (short.to_string(), true, None)
        } else {
            return Err(CliError::usage(format!(
                "Unexpected argument \"{token}\" after the options of \"{}\".",
                p.words.join(" ")
            )));
        };
        let mut value = || take_value(argv, &mut i, &inline);
        let needs = |what: &str| CliError::usage(format!("Option \"{token}\" needs {what}."));
        match (name.as_str(), short) {
            ("stage", false) | ("s", true) => {
                p.service.stage = Some(value().ok_or_else(|| needs("a stage"))?)
            }
            ("region", false) | ("r", true) => {
                p.service.region = Some(value().ok_or_else(|| needs("a region"))?)
            }
            ("aws-profile", false) => {
                p.service.aws_profile = Some(value().ok_or_else(|| needs("a profile name"))?)
            }
            ("config", false) | ("c", true) => {
                p.service.config = Some(value().ok_or_else(|| needs("a file"))?)
            }
            ("param", false) => p
                .service
                .params
                .push(value().ok_or_else(|| needs("key=value"))?),
            ("ignore-plugin", false) => p
                .service
                .ignore_plugins
                .push(value().ok_or_else(|| needs("a plugin name"))?),
            ("verbose", false) => p.service.verbose = true,
            ("help", false) | ("h", true) => p.help = true,
            _ => {
                // Whether it takes a value is known only from the plugin's declaration.
                let value = value();
                p.options.push(RawOption { name, short, value });
            }
        }
    }
    Ok(p)
}

/// An option's value: after `=`, or the next argument unless that is another option.
fn take_value(argv: &[String], i: &mut usize, inline: &Option<String>) -> Option<String> {
    if inline.is_some() {
        return inline.clone();
    }
    let next = argv.get(*i).filter(|n| !n.starts_with('-'))?.clone();
    *i += 1;
    Some(next)
}

/// The options by long name, typed as the command declares them; unknown or missing required
/// options are errors, as in v3.
fn typed_options(raw: &[RawOption], command: &PluginCommand) -> CliResult<Map<String, Value>> {
    let mut out = Map::new();
    let mut unknown = Vec::new();
    for r in raw {
        let (negated, name) = match r.name.strip_prefix("no-") {
            Some(n) if !r.short => (true, n),
            _ => (false, r.name.as_str()),
        };
        let declared = command.options.iter().find(|o| {
            if r.short {
                o.shortcut.as_deref() == Some(name)
            } else {
                o.name == name
            }
        });
        let Some(o) = declared else {
            unknown.push(if r.short {
                format!("-{}", r.name)
            } else {
                format!("--{}", r.name)
            });
            continue;
        };
        let value = match (o.kind.as_deref(), &r.value) {
            (Some("boolean"), None) => Value::Bool(!negated),
            (Some("boolean"), Some(v)) => Value::Bool(v != "false" && !negated),
            (Some("multiple"), v) => {
                let mut list = out
                    .get(&o.name)
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                list.push(v.clone().map(Value::String).unwrap_or(Value::Bool(true)));
                Value::Array(list)
            }
            (_, Some(v)) => Value::String(v.clone()),
            (_, None) => Value::Bool(!negated),
        };
        out.insert(o.name.clone(), value);
    }
    if !unknown.is_empty() {
        let list = unknown.join("\", \"");
        return Err(
            CliError::usage(format!("Detected unrecognized CLI options: \"{list}\".")).with_hint(
                format!(
                    "Run \"sls {} --help\" for the options of the command.",
                    command.name
                ),
            ),
        );
    }
    for o in command.options.iter().filter(|o| o.required) {
        if !out.contains_key(&o.name) {
            return Err(CliError::usage(format!(
                "Missing option \"--{}\" for \"{}\": {}",
                o.name, command.name, o.usage
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sls_plugins::PluginOption;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_string).collect()
    }

    fn prune() -> PluginCommand {
        let option = |name: &str, shortcut: Option<&str>, kind: Option<&str>| PluginOption {
            name: name.into(),
            usage: String::new(),
            shortcut: shortcut.map(str::to_string),
            required: false,
            kind: kind.map(str::to_string),
        };
        PluginCommand {
            name: "prune".into(),
            usage: "Cleans up previously deployed function versions".into(),
            plugin: "Prune".into(),
            lifecycle_events: vec!["prune".into()],
            options: vec![
                option("number", Some("n"), Some("string")),
                option("dryRun", Some("d"), Some("boolean")),
                option("includeLayers", Some("i"), Some("boolean")),
            ],
            commands: vec![],
        }
    }

    #[test]
    fn service_options_and_plugin_options_split() {
        let p = parse(&args(
            "prune -n 2 --stage prod -d --region=eu-west-1 --param a=b",
        ))
        .unwrap();
        assert_eq!(p.words, ["prune"]);
        assert_eq!(p.service.stage.as_deref(), Some("prod"));
        assert_eq!(p.service.region.as_deref(), Some("eu-west-1"));
        assert_eq!(p.service.params, ["a=b"]);
        let typed = typed_options(&p.options, &prune()).unwrap();
        assert_eq!(typed["number"], "2");
        assert_eq!(typed["dryRun"], true);
    }

    #[test]
    fn unknown_options_are_named_as_v3_names_them() {
        let p = parse(&args("prune --numbr 2")).unwrap();
        let err = typed_options(&p.options, &prune()).unwrap_err();
        assert_eq!(
            err.message,
            "Detected unrecognized CLI options: \"--numbr\"."
        );
    }

    #[test]
    fn sub_command_words_and_negated_booleans() {
        let p = parse(&args("step-functions invoke --no-includeLayers")).unwrap();
        assert_eq!(p.words, ["step-functions", "invoke"]);
        let typed = typed_options(&p.options, &prune()).unwrap();
        assert_eq!(typed["includeLayers"], false);
    }
}
