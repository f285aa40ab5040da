//! What the build steps of the built-in plugin equivalents (pip, esbuild, tsc, npm) need from
//! the machine. Libraries never read the process environment, so the CLI fills this in.

use std::collections::BTreeMap;
use std::path::PathBuf;

/// The first executable `name` on a `PATH` list (shared with `sls invoke local`).
pub(crate) use sls_config::executables::which;

/// The child processes' `PATH`, a user cache folder and extra environment.
#[derive(Debug, Clone, Default)]
pub struct BuildHost {
    /// `PATH` used to find `pythonX.Y` / `python3`, `strip`, `pipenv`, `poetry`, `node`, `npm`;
    /// `None` means none can be found.
    pub path_var: Option<String>,
    /// Default cache folder when `cacheLocation` is not set; `None` means
    /// `<service>/.serverless/requirements-cache`.
    pub cache_dir: Option<PathBuf>,
    /// Extra environment for the tools (e.g. `HOME`); they run with exactly `PATH` plus these.
    pub env: BTreeMap<String, String>,
}

impl BuildHost {
    /// The host for the build tools of a command: `PATH` and the environment snapshot (proxies,
    /// `PIP_*`, `npm_config_*`, pyenv, `HOME`), as a plugin's child process inherits it, minus
    /// `AWS_*` (credentials), which no build tool needs; the default cache folder.
    pub fn from_env(env: &BTreeMap<String, String>) -> Self {
        BuildHost {
            path_var: env.get("PATH").cloned(),
            cache_dir: None,
            env: env
                .iter()
                .filter(|(k, _)| !k.starts_with("AWS_"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
        }
    }

    /// The first executable `name` on this host's `PATH`.
    pub fn which(&self, name: &str) -> Option<PathBuf> {
        which(name, self.path_var.as_deref().unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_env_keeps_path_and_leaves_aws_credentials_out() {
        let env: BTreeMap<String, String> = [
            ("PATH", "/bin"),
            ("HOME", "/h"),
            ("AWS_SECRET_ACCESS_KEY", "s"),
            ("AWS_SESSION_TOKEN", "t"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let host = BuildHost::from_env(&env);
        assert_eq!(host.path_var.as_deref(), Some("/bin"));
        assert_eq!(host.env.keys().collect::<Vec<_>>(), ["HOME", "PATH"]);
    }
}
