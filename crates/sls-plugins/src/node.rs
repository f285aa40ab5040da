//! Finding node for the plugin host.

use std::path::PathBuf;
use std::process::Command;

use crate::PluginError;

/// The oldest Node.js the host (and Serverless v3.40.0 itself) runs on.
pub const MIN_NODE_MAJOR: u32 = 18;

/// node from `path_var` (the PATH the command runs with), checked to be new enough.
/// `plugins` are the plugins that need it, named in the error.
pub fn find_node(path_var: &str, plugins: &[String]) -> Result<PathBuf, PluginError> {
    let error = |message: String| PluginError::Node {
        message,
        plugins: plugins.to_vec(),
    };
    let who = format!(
        "The plugin{} {} {}",
        if plugins.len() == 1 { "" } else { "s" },
        plugins.join(", "),
        if plugins.len() == 1 { "needs" } else { "need" }
    );
    let node = sls_config::executables::which("node", path_var)
        .ok_or_else(|| error(format!("{who} Node.js, and no `node` was found on PATH.")))?;
    let output = Command::new(&node)
        .arg("--version")
        .output()
        .map_err(|e| error(format!("Could not run {}: {e}.", node.display())))?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    match parse_major(&version) {
        Some(major) if major >= MIN_NODE_MAJOR => Ok(node),
        _ => Err(error(format!(
            "{who} Node.js {MIN_NODE_MAJOR} or newer; {} is {}.",
            node.display(),
            if version.is_empty() {
                "of an unknown version"
            } else {
                &version
            }
        ))),
    }
}

/// `v20.11.1` → 20.
fn parse_major(version: &str) -> Option<u32> {
    version.strip_prefix('v')?.split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sls_hint::Hint;

    #[test]
    fn major_versions_parse_from_node_output() {
        assert_eq!(parse_major("v20.11.1"), Some(20));
        assert_eq!(parse_major("v8.0.0"), Some(8));
        assert_eq!(parse_major("20.1"), None);
        assert_eq!(parse_major(""), None);
    }

    #[test]
    fn missing_node_names_the_plugins() {
        let dir = tempfile::tempdir().unwrap();
        let err = find_node(
            dir.path().to_str().unwrap(),
            &["serverless-prune-plugin".to_string()],
        )
        .unwrap_err();
        assert!(err.to_string().contains("serverless-prune-plugin"), "{err}");
        assert!(err.hint().unwrap().contains("Node.js 18 or newer"));
    }
}
