//! What v3 does around loading a service that is not a command of its own: `useDotenv`
//! (`.env` files join the environment snapshot before anything resolves), the warnings v3
//! shows for a configuration, and the plugin policy (sls runs no plugins; see
//! `sls_config::plugins`).

use std::path::Path;

use crate::cli::{
    Command, DeployListSubcommand, DeploySubcommand, InvokeCommand, RollbackSubcommand,
    ServiceOptions,
};
use crate::error::{hinted, CliResult};
use crate::host::Host;

/// With `useDotenv: true`, the host with `.env.<stage>` (or `.env`) from the working
/// directory added to its environment; `None` when nothing changes.
pub fn with_dotenv(host: &Host, command: &Command) -> CliResult<Option<Host>> {
    let (opts, config): (&ServiceOptions, Option<&Path>) = match command {
        Command::Print(a) => (&a.service, a.config.config.as_deref()),
        Command::Package(a) => (&a.service, a.config.config.as_deref()),
        Command::Deploy(a) => match &a.command {
            Some(DeploySubcommand::Function(f)) => (&f.service, f.config.config.as_deref()),
            Some(DeploySubcommand::List(l)) => match &l.command {
                Some(DeployListSubcommand::Functions(f)) => {
                    (&f.service, f.config.config.as_deref())
                }
                None => (&l.service, l.config.config.as_deref()),
            },
            None => (&a.service, a.config.config.as_deref()),
        },
        Command::Info(a) => (&a.service, a.config.config.as_deref()),
        Command::Remove(a) => (&a.service, a.config.config.as_deref()),
        Command::Invoke(a) => match &a.command {
            Some(InvokeCommand::Local(l)) => (&l.service, l.config.as_deref()),
            None => (&a.remote.service, a.remote.config.config.as_deref()),
        },
        Command::Logs(a) => (&a.service, a.config.config.as_deref()),
        Command::Metrics(a) => (&a.service, a.config.config.as_deref()),
        Command::Rollback(a) => match &a.command {
            Some(RollbackSubcommand::Function(f)) => (&f.service, f.config.config.as_deref()),
            None => (&a.service, a.config.config.as_deref()),
        },
        Command::Credentials(a) => match &a.command {
            crate::cli::CredentialsCommand::Policy(p) => (&p.service, p.config.config.as_deref()),
            _ => return Ok(None),
        },
        Command::Config(_) | Command::Sso(_) => return Ok(None),
    };
    let Ok(Some(path)) = sls_config::find_service_file(&host.cwd, config) else {
        return Ok(None);
    };
    // Most services do not use it: skip parsing them twice.
    match std::fs::read_to_string(&path) {
        Ok(text) if text.contains("useDotenv") => {}
        _ => return Ok(None),
    }
    let file = sls_config::read_service_file(&path).map_err(|e| hinted(&e))?;
    if !sls_config::wants_dotenv(&file).map_err(|e| hinted(&e))? {
        return Ok(None);
    }
    let options = crate::service::cli_options(opts)?;
    let ctx = sls_config::Context {
        options: &options,
        env: &host.env,
        instance_id: String::new(),
    };
    let stage = sls_config::dotenv_stage(&file, &ctx).map_err(|e| hinted(&e))?;
    let env = sls_config::load_dotenv(&host.cwd, &stage, &host.env).map_err(|e| hinted(&e))?;
    Ok(Some(Host {
        env,
        home: host.home.clone(),
        cwd: host.cwd.clone(),
        stdin_is_terminal: host.stdin_is_terminal,
        stderr_is_terminal: host.stderr_is_terminal,
    }))
}

/// v3's warnings for the configuration (schema validation, `frameworkVersion`), on stderr.
pub fn show_warnings(service: &sls_config::Service) {
    for w in &service.warnings {
        eprintln!("\nWarning: {w}");
    }
}
