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

use crate::error::{CliError, EXIT_USAGE};

fn main() {
    let cli = match cli::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => std::process::exit(usage_error(err)),
    };
    let result = host::Host::from_process().and_then(|host| commands::run(cli.command, &host));
    match result {
        Ok(code) => std::process::exit(code),
        Err(err) => {
            eprintln!("Error:\n{err}");
            std::process::exit(err.exit_code);
        }
    }
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
