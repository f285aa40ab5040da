//! One module per command; `run` dispatches.

mod config_credentials;
mod credentials;
mod invoke;
mod print;

use crate::cli::{Command, ConfigCommand, CredentialsCommand, InvokeCommand};
use crate::error::CliResult;
use crate::host::Host;

/// Runs a command; returns the exit code for commands whose success is not
/// all-or-nothing (`invoke local` passes the handler's outcome on).
pub fn run(command: Command, host: &Host) -> CliResult<i32> {
    let done = |r: CliResult| r.map(|()| 0);
    match command {
        Command::Invoke(args) => match args.command {
            InvokeCommand::Local(args) => invoke::local(&args, host),
        },
        Command::Print(args) => done(print::run(&args, host)),
        Command::Config(args) => match args.command {
            ConfigCommand::Credentials(args) => done(config_credentials::run(&args, host)),
        },
        Command::Credentials(args) => match args.command {
            CredentialsCommand::Show(args) => done(credentials::show(&args, host)),
            CredentialsCommand::Export(args) => done(credentials::export(&args, host)),
        },
        Command::Package(_)
        | Command::Deploy(_)
        | Command::Info(_)
        | Command::Remove(_) => Err(crate::error::CliError::new(
            "This command is not available in this build of sls yet.",
        )),
    }
}
