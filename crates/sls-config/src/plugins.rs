//! The plugin policy: which plugins sls builds in, which it skips, and which run through the
//! JavaScript plugin host (sls-plugins).
//!
//! Plugins that only matter on a developer's machine (local emulators, local helpers) are
//! skipped with one notice, unless the user runs one of their commands. The most used
//! packaging plugins are built in (no node). Every other plugin runs through the plugin host,
//! unless the user names it with `--ignore-plugin NAME`. `print` does not look at plugins (it
//! only resolves variables), and validation leaves `custom` alone, as v3 does.

use serde_json::Value;

/// Plugins that change nothing sls deploys, with the reason they are safe to skip. The one
/// place this list lives.
pub const LOCAL_ONLY_PLUGINS: &[(&str, &str)] = &[
    (
        "serverless-offline",
        "emulates API Gateway and Lambda locally",
    ),
    (
        "serverless-offline-sqs",
        "emulates SQS events for serverless-offline",
    ),
    (
        "serverless-offline-sns",
        "emulates SNS events for serverless-offline",
    ),
    (
        "serverless-offline-kinesis",
        "emulates Kinesis events for serverless-offline",
    ),
    (
        "serverless-offline-scheduler",
        "runs schedule events locally",
    ),
    (
        "serverless-offline-ssm",
        "answers ssm variables locally for serverless-offline",
    ),
    (
        "serverless-offline-dynamodb-streams",
        "emulates DynamoDB stream events locally",
    ),
    (
        "serverless-offline-aws-eventbridge",
        "emulates EventBridge locally",
    ),
    (
        "serverless-offline-watcher",
        "reloads serverless-offline on file changes",
    ),
    (
        "serverless-dynamodb-local",
        "runs DynamoDB Local on this machine",
    ),
    ("serverless-dynamodb", "runs DynamoDB Local on this machine"),
    ("serverless-s3-local", "runs a local S3 server"),
    (
        "serverless-export-env",
        "writes the environment to a local .env file",
    ),
    (
        "serverless-stack-output",
        "writes stack outputs to a local file after deploy",
    ),
    ("serverless-mocha-plugin", "runs tests locally"),
    ("serverless-jest-plugin", "runs tests locally"),
];

/// Packaging plugins that sls replaces with a built-in equivalent, with what it does. The
/// options of each are checked (honoured or refused by name) when packaging.
pub const BUILT_IN_PLUGINS: &[(&str, &str)] = &[
    (
        "serverless-python-requirements",
        "installs requirements.txt with pip into the function zips",
    ),
    (
        "serverless-esbuild",
        "bundles Node.js handlers with the project's esbuild into the function zips",
    ),
    (
        "serverless-plugin-typescript",
        "compiles the handlers with the project's tsc into .build and packages from there",
    ),
    (
        "serverless-plugin-include-dependencies",
        "leaves node_modules out of the zips except the files the handlers require",
    ),
];

/// What sls does with the plugins of one service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginPolicy {
    /// Local-only plugins, skipped, with the reason.
    pub skipped: Vec<(String, &'static str)>,
    /// Plugins with a built-in equivalent in sls (see [`BUILT_IN_PLUGINS`]).
    pub built_in: Vec<String>,
    /// Plugins the user named with `--ignore-plugin`.
    pub ignored: Vec<String>,
    /// Plugins that run through the plugin host, in `plugins:` order.
    pub hosted: Vec<String>,
}

/// The plugin names of a service: `plugins: [a, b]` or `plugins: { modules: [a, b] }`.
pub fn plugin_names(config: &Value) -> Vec<String> {
    let list = match config.get("plugins") {
        Some(Value::Object(m)) => m.get("modules"),
        other => other,
    };
    match list {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|p| crate::jsval::coerce_string(p).filter(|s| !s.is_empty()))
            .collect(),
        Some(Value::String(s)) if !s.is_empty() => vec![s.clone()],
        _ => Vec::new(),
    }
}

/// Sorts the service's plugins into skipped, built in, ignored (by `--ignore-plugin`) and
/// hosted.
pub fn plugin_policy(config: &Value, ignore: &[String]) -> PluginPolicy {
    let mut policy = PluginPolicy::default();
    for name in plugin_names(config) {
        if let Some((_, reason)) = LOCAL_ONLY_PLUGINS.iter().find(|(n, _)| *n == name) {
            policy.skipped.push((name, reason));
        } else if BUILT_IN_PLUGINS.iter().any(|(n, _)| *n == name) {
            policy.built_in.push(name);
        } else if ignore.contains(&name) {
            policy.ignored.push(name);
        } else {
            policy.hosted.push(name);
        }
    }
    policy
}

impl PluginPolicy {
    /// The one notice line for skipped and ignored plugins, if any. (Built-in equivalents say
    /// what they did when packaging: `Using sls's built-in …: pip X, python3.Y`.)
    pub fn notice(&self) -> Option<String> {
        let mut parts: Vec<String> = self
            .skipped
            .iter()
            .map(|(n, why)| format!("{n} ({why})"))
            .collect();
        parts.extend(
            self.ignored
                .iter()
                .map(|n| format!("{n} (--ignore-plugin)")),
        );
        (!parts.is_empty()).then(|| format!("Plugins skipped: {}", parts.join(", ")))
    }
}

/// `plugins.localPath` when it is given (v3's default is `<service>/.serverless_plugins`).
pub fn local_path(config: &Value) -> Option<&str> {
    config.get("plugins")?.get("localPath")?.as_str()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_plugins() {
        let c = json!({"plugins": ["serverless-offline", "serverless-step-functions", "./local-plugin", "serverless-dynamodb-local", "serverless-webpack"]});
        let p = plugin_policy(&c, &["./local-plugin".to_string()]);
        assert_eq!(
            p.hosted,
            vec!["serverless-step-functions", "serverless-webpack"]
        );
        assert_eq!(p.ignored, vec!["./local-plugin"]);
        assert_eq!(p.skipped.len(), 2);
        let notice = p.notice().unwrap();
        assert!(notice.contains("serverless-offline (emulates API Gateway and Lambda locally)"));
        assert!(notice.contains("./local-plugin (--ignore-plugin)"));
        assert!(!notice.contains('\n'));
    }

    #[test]
    fn python_requirements_is_built_in() {
        let c = json!({"plugins": ["serverless-python-requirements", "serverless-offline"]});
        let p = plugin_policy(&c, &[]);
        assert_eq!(p.built_in, vec!["serverless-python-requirements"]);
        assert!(p.hosted.is_empty());
        assert!(!p.notice().unwrap().contains("python-requirements"));
    }

    #[test]
    fn typescript_and_include_dependencies_are_built_in() {
        let c = json!({"plugins": ["serverless-plugin-typescript", "serverless-plugin-include-dependencies"]});
        let p = plugin_policy(&c, &[]);
        assert_eq!(p.built_in.len(), 2);
        assert!(p.hosted.is_empty());
    }

    #[test]
    fn esbuild_is_built_in() {
        let c = json!({"plugins": ["serverless-esbuild"]});
        let p = plugin_policy(&c, &[]);
        assert_eq!(p.built_in, vec!["serverless-esbuild"]);
        assert!(p.hosted.is_empty() && p.notice().is_none());
    }

    #[test]
    fn modules_form_and_none() {
        let c = json!({"plugins": {"localPath": "./p", "modules": ["serverless-offline"]}});
        assert_eq!(plugin_names(&c), vec!["serverless-offline"]);
        let p = plugin_policy(&json!({"service": "x"}), &[]);
        assert_eq!(p, PluginPolicy::default());
        assert!(p.notice().is_none() && p.hosted.is_empty());
        assert_eq!(local_path(&c), Some("./p"));
    }
}
