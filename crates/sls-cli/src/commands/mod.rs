//! One module per command; `run` dispatches.

mod config_credentials;
mod credentials;
mod print;

use crate::cli::{Command, ConfigCommand, CredentialsCommand};
use crate::error::CliResult;
use crate::host::Host;

pub fn run(command: Command, host: &Host) -> CliResult {
    match command {
        Command::Print(args) => print::run(&args, host),
        Command::Config(args) => match args.command {
            ConfigCommand::Credentials(args) => config_credentials::run(&args, host),
        },
        Command::Credentials(args) => match args.command {
            CredentialsCommand::Show(args) => credentials::show(&args, host),
            CredentialsCommand::Export(args) => credentials::export(&args, host),
        },
        Command::Package(_)
        | Command::Deploy(_)
        | Command::Info(_)
        | Command::Remove(_)
        | Command::Invoke(_) => Err(crate::error::CliError::new(
            "This command is not available in this build of sls yet.",
        )),
    }
}
