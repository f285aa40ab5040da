//! `sls`: wires the command line to the library crates and renders results
//! and errors. Nothing here decides anything the libraries could decide.

mod aws;
mod aws_vars;
mod cli;
mod commands;
mod error;
mod host;
mod plugins;
mod policy;
mod progress;
mod service;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::Parser;

use crate::error::{CliError, CliResult, EXIT_USAGE};

fn main() {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => std::process::exit(not_built_in(err)),
    };
    let result = host::Host::from_process().and_then(|host| commands::run(cli.command, &host));
    exit(result)
}

fn exit(result: CliResult<i32>) -> ! {
    match result {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("Error:\n{err}");
            std::process::exit(err.exit_code);
        }
    }
}

/// A command line sls's own commands do not take: a command a plugin of the service adds runs
/// through the plugin host; `--help` lists those commands too; anything else is a usage error.
fn not_built_in(err: clap::Error) -> i32 {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let unknown_command = err.kind() == ErrorKind::InvalidSubcommand
        || (err.kind() == ErrorKind::UnknownArgument
            && argv.first().is_some_and(|a| !a.starts_with('-'))
            && !plugins::BUILT_IN_COMMANDS.contains(&argv[0].as_str()));
    if unknown_command {
        let result =
            host::Host::from_process().and_then(|host| commands::plugin::run(&argv, &host));
        match result {
            Ok(Some(code)) => std::process::exit(code),
            Ok(None) => {}
            Err(e) => exit(Err(e)),
        }
    }
    // Only the commands that run the plugins can check the options plugins declare.
    if err.kind() == ErrorKind::UnknownArgument
        && argv
            .first()
            .is_some_and(|a| ["package", "deploy", "info", "remove"].contains(&a.as_str()))
    {
        if let Some((cli, extra)) = without_unknown_options(&argv) {
            let _ = plugins::EXTRA_OPTIONS.set(extra);
            exit(host::Host::from_process().and_then(|host| commands::run(cli.command, &host)));
        }
    }
    let top_level_help =
        err.kind() == ErrorKind::DisplayHelp && argv.iter().all(|a| a.starts_with('-'));
    let code = usage_error(err);
    if top_level_help {
        if let Ok(host) = host::Host::from_process() {
            let lines = commands::plugin::help_lines(&host);
            if !lines.is_empty() {
                println!("\nPlugin commands (from this service's plugins):");
                for l in lines {
                    println!("{l}");
                }
            }
        }
    }
    code
}

/// The command line without the options clap does not know (`--name`, `--name=value`,
/// `--name value`), which a plugin may declare for a built-in command; `None` when it still
/// does not parse.
fn without_unknown_options(
    argv: &[String],
) -> Option<(cli::Cli, Vec<(String, serde_json::Value)>)> {
    let mut args = argv.to_vec();
    let mut extra = Vec::new();
    for _ in 0..32 {
        let full = std::iter::once("sls".to_string()).chain(args.iter().cloned());
        let err = match cli::Cli::try_parse_from(full) {
            Ok(cli) => return Some((cli, extra)),
            Err(e) if e.kind() == ErrorKind::UnknownArgument => e,
            Err(_) => return None,
        };
        let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) else {
            return None;
        };
        let i = args.iter().position(|a| a == arg)?;
        let token = args.remove(i);
        let name = token.strip_prefix("--")?.to_string();
        let (name, value) = match name.split_once('=') {
            Some((n, v)) => (n.to_string(), serde_json::Value::String(v.to_string())),
            None if args.get(i).is_some_and(|n| !n.starts_with('-')) => {
                (name, serde_json::Value::String(args.remove(i)))
            }
            None => (name, serde_json::Value::Bool(true)),
        };
        extra.push((name, value));
    }
    None
}

/// Prints clap's help/version as usual; rephrases unknown options like
/// Serverless v3 does (`Detected unrecognized CLI options: "--x".`).
fn usage_error(err: clap::Error) -> i32 {
    match err.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = err.print();
            if err.kind() == ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand {
                EXIT_USAGE
            } else {
                0
            }
        }
        ErrorKind::UnknownArgument => {
            let arg = match err.get(ContextKind::InvalidArg) {
                Some(ContextValue::String(s)) => s.clone(),
                _ => String::from("?"),
            };
            // clap reports `--x=value` whole; Serverless names only the option.
            let name = arg.split('=').next().unwrap_or(&arg).to_string();
            let e = CliError::usage(format!("Detected unrecognized CLI options: \"{name}\"."))
                .with_hint("Run \"sls <command> --help\" for the options of a command.");
            eprintln!("Error:\n{e}");
            EXIT_USAGE
        }
        ErrorKind::InvalidSubcommand => {
            let name = match err.get(ContextKind::InvalidSubcommand) {
                Some(ContextValue::String(s)) => s.clone(),
                _ => String::from("?"),
            };
            let e = CliError::usage(format!("Serverless command \"{name}\" not found."))
                .with_hint("Run \"sls --help\" for a list of all available commands.");
            eprintln!("Error:\n{e}");
            EXIT_USAGE
        }
        _ => {
            let _ = err.print();
            EXIT_USAGE
        }
    }
}
