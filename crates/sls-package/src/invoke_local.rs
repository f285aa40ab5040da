//! What the built-in packaging plugins change for `sls invoke local`: the one hook the CLI calls
//! before running a handler. Each plugin that builds code (serverless-esbuild,
//! serverless-plugin-typescript) says here where the handler runs from, as the plugin's
//! `before:invoke:local:invoke` hook does in v3; plugins that do not are left alone.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::build_host::BuildHost;
use crate::error::Result;

/// Where `sls invoke local` runs one function after a built-in plugin built it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvokeTarget {
    /// The folder to use as the service folder: the handler path is relative to it, the child
    /// runs in it (`LAMBDA_TASK_ROOT`).
    pub service_dir: PathBuf,
    /// Notice lines for the user (`Using sls's built-in …`).
    pub notices: Vec<String>,
}

/// Prepares `function` for `sls invoke local` with the service's built-in plugins. `Ok(None)`:
/// no built-in plugin builds this function; run it from the service folder as usual. The
/// configuration's `functions.<function>` must exist (the caller checks, with its own message).
pub fn prepare_invoke_local(
    service_dir: &Path,
    config: &Value,
    function: &str,
    host: &BuildHost,
) -> Result<Option<InvokeTarget>> {
    // Both TypeScript builders listed: refused before either builds.
    crate::typescript_build::check(config)?;
    if let Some((dir, notices)) =
        crate::esbuild::prepare_invoke(service_dir, config, function, host)?
    {
        return Ok(Some(InvokeTarget {
            service_dir: dir,
            notices,
        }));
    }
    // serverless-plugin-typescript compiles the function's handler (and the tsconfig files)
    // into `.build`, links node_modules and package.json there, and runs the handler from it;
    // `.build` stays, as with the plugin. Functions of other runtimes run as usual.
    let is_node = config
        .pointer(&format!(
            "/functions/{}/runtime",
            function.replace('~', "~0").replace('/', "~1")
        ))
        .or_else(|| config.pointer("/provider/runtime"))
        .and_then(Value::as_str)
        .unwrap_or(crate::DEFAULT_RUNTIME)
        .contains("nodejs");
    if is_node {
        if let Some(mut build) = crate::typescript_build::build(
            service_dir,
            config,
            host,
            crate::typescript_build::Purpose::Invoke { function },
        )? {
            let mut notices = vec![build.notice.clone()];
            notices.append(&mut build.warnings);
            return Ok(Some(InvokeTarget {
                service_dir: build.dir.clone(),
                notices,
            }));
        }
    }
    Ok(None)
}
