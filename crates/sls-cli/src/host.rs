//! The only place that reads the process: environment, home directory,
//! working directory and whether stdin is a terminal. Everything below the
//! CLI receives this snapshot as plain data.

use std::io::IsTerminal;
use std::path::PathBuf;

use crate::error::{CliError, CliResult};

pub use sls_credentials::Env;
use sls_credentials::EnvExt;

pub struct Host {
    pub env: Env,
    pub home: PathBuf,
    pub cwd: PathBuf,
    pub stdin_is_terminal: bool,
    pub stderr_is_terminal: bool,
}

impl Host {
    pub fn from_process() -> CliResult<Host> {
        // Non-UTF-8 variables cannot hold anything sls reads; skip them rather than fail.
        let env: Env = std::env::vars_os()
            .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
            .collect();
        let cwd = std::env::current_dir().map_err(|e| {
            CliError::new(format!("Cannot read the current working directory: {e}"))
        })?;
        let home = env.non_empty("HOME").map(PathBuf::from).ok_or_else(|| {
            CliError::new("The HOME environment variable is not set.")
                .with_hint("Set HOME to your home directory; sls looks for ~/.aws there.")
        })?;
        Ok(Host {
            env,
            home,
            cwd,
            stdin_is_terminal: std::io::stdin().is_terminal(),
            stderr_is_terminal: std::io::stderr().is_terminal(),
        })
    }
}
