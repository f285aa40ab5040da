//! One module per command; `run` dispatches.

mod config_credentials;
mod credentials;
mod deploy;
mod deployer;
mod history;
mod invoke;
mod logs;
mod metrics;
pub mod plugin;
mod print;
mod sso;

use crate::cli::{
    Command, ConfigCommand, CredentialsCommand, DeployListSubcommand, DeploySubcommand,
    InvokeCommand, RollbackSubcommand, SsoCommand,
};
use crate::error::CliResult;
use crate::host::Host;

/// Runs a command; returns the exit code for commands whose success is not
/// all-or-nothing (`invoke local` passes the handler's outcome on).
pub fn run(command: Command, host: &Host) -> CliResult<i32> {
    let done = |r: CliResult| r.map(|()| 0);
    // useDotenv: `.env` joins the environment before the service is read.
    let dotenv_host = crate::policy::with_dotenv(host, &command)?;
    let host = dotenv_host.as_ref().unwrap_or(host);
    match command {
        Command::Invoke(args) => match args.command {
            Some(InvokeCommand::Local(local)) => invoke::local(&local, host),
            None => done(invoke::remote(&args.remote, host)),
        },
        Command::Logs(args) => done(logs::logs(&args, host)),
        Command::Rollback(args) => match &args.command {
            Some(RollbackSubcommand::Function(f)) => done(history::rollback_function(f, host)),
            None => done(history::rollback(&args, host)),
        },
        Command::Metrics(args) => done(metrics::metrics(&args, host)),
        Command::Print(args) => done(print::run(&args, host)),
        Command::Config(args) => match args.command {
            ConfigCommand::Credentials(args) => done(config_credentials::run(&args, host)),
        },
        Command::Credentials(args) => match args.command {
            CredentialsCommand::Show(args) => done(credentials::show(&args, host)),
            CredentialsCommand::Export(args) => done(credentials::export(&args, host)),
            CredentialsCommand::Policy(args) => done(credentials::policy(&args, host)),
        },
        Command::Sso(args) => match args.command {
            SsoCommand::Login(args) => done(sso::login(&args, host)),
            SsoCommand::Logout(args) => done(sso::logout(&args, host)),
        },
        Command::Package(args) => done(deploy::package(&args, host)),
        Command::Deploy(args) => match &args.command {
            Some(DeploySubcommand::Function(f)) => done(deploy::deploy_function(f, host)),
            Some(DeploySubcommand::List(list)) => match &list.command {
                Some(DeployListSubcommand::Functions(f)) => {
                    done(history::deploy_list_functions(f, host))
                }
                None => done(history::deploy_list(list, host)),
            },
            None => done(deploy::deploy(&args, host)),
        },
        Command::Info(args) => done(deploy::info(&args, host)),
        Command::Remove(args) => done(deploy::remove(&args, host)),
    }
}
