//! The plugin policy: sls does not run JavaScript plugins, and says so.
//!
//! Plugins that only matter on a developer's machine (local emulators, local helpers) are
//! skipped with one notice. Any other plugin may change what is deployed (resources,
//! functions, packaging), so `package` and `deploy` stop and name it, unless the user has
//! checked it is safe to skip and names it with `--ignore-plugin NAME`. `print` does not look
//! at plugins (it only resolves variables), and validation leaves `custom` alone, as v3 does.

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
        "serverless-prune-plugin",
        "deletes old function versions after deploy (`sls prune`); old versions are kept",
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

/// Packaging plugins whose build is defined by JavaScript that sls cannot run, with what stands
/// in the way. They are refused like any other plugin, with this reason and the way out.
pub const JS_BUILD_PLUGINS: &[(&str, &str)] = &[
    (
        "serverless-webpack",
        "serverless-webpack builds each function with webpack as its JavaScript configuration file says",
    ),
    (
        "serverless-bundle",
        "serverless-bundle builds each function with its own webpack configuration (a JavaScript preset inside the plugin, adjusted by custom.bundle)",
    ),
];

/// Why a refused plugin cannot be run without JavaScript, when it is one of
/// [`JS_BUILD_PLUGINS`]: the obstacle (for serverless-webpack, its configuration file, from
/// `custom.webpack.webpackConfig`) and what to do instead.
fn js_build_reason(config: &Value, name: &str) -> Option<String> {
    let (_, what) = JS_BUILD_PLUGINS.iter().find(|(n, _)| *n == name)?;
    let obstacle = if name == "serverless-webpack" {
        let file = config
            .pointer("/custom/webpack/webpackConfig")
            .and_then(Value::as_str)
            .unwrap_or("webpack.config.js");
        format!(
            "{what} ({file}, from custom.webpack.webpackConfig); a webpack configuration is a JavaScript program, which sls cannot run"
        )
    } else {
        format!("{what}, which sls cannot reproduce without running JavaScript")
    };
    Some(format!(
        "{obstacle}. Switch to serverless-esbuild (built into sls: list it in plugins, with custom.esbuild for its options), or, if the service folder already holds the code to deploy (built beforehand), run again with --ignore-plugin {name}"
    ))
}

/// What sls does with the plugins of one service.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PluginPolicy {
    /// Local-only plugins, skipped, with the reason.
    pub skipped: Vec<(String, &'static str)>,
    /// Plugins with a built-in equivalent in sls (see [`BUILT_IN_PLUGINS`]).
    pub built_in: Vec<String>,
    /// Plugins the user named with `--ignore-plugin`.
    pub ignored: Vec<String>,
    /// Plugins that may change what is deployed: `package`/`deploy` must stop.
    pub refused: Vec<String>,
    /// For refused build plugins sls cannot run without JavaScript: what stands in the way.
    pub reasons: Vec<String>,
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

/// Sorts the service's plugins into skipped, ignored (by `--ignore-plugin`) and refused.
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
            if let Some(reason) = js_build_reason(config, &name) {
                policy.reasons.push(reason);
            }
            policy.refused.push(name);
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
        (!parts.is_empty())
            .then(|| format!("sls does not run plugins; skipped: {}", parts.join(", ")))
    }

    /// The error for refused plugins: what, why, and what to do.
    pub fn refusal(&self) -> Option<(String, String)> {
        if self.refused.is_empty() {
            return None;
        }
        let list = self.refused.join(", ");
        let (noun, pronoun) = if self.refused.len() == 1 {
            ("plugin", "it")
        } else {
            ("plugins", "them")
        };
        let mut message = format!(
            "This service uses the {noun} {list}, which sls does not run (sls runs no JavaScript plugins). A plugin may change what is deployed (resources, functions, packaging), so deploying without {pronoun} could deploy something different from what the Serverless Framework would."
        );
        for reason in &self.reasons {
            message.push(' ');
            message.push_str(reason);
            message.push('.');
        }
        let flags: Vec<String> = self
            .refused
            .iter()
            .map(|n| format!("--ignore-plugin {n}"))
            .collect();
        let hint = format!(
            "Check that the service is correct without {pronoun} (compare `sls package` output with the Serverless Framework's), then run again with {}. Or deploy this service with the Serverless Framework.",
            flags.join(" ")
        );
        Some((message, hint))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_plugins() {
        let c = json!({"plugins": ["serverless-offline", "serverless-step-functions", "./local-plugin", "serverless-dynamodb-local"]});
        let p = plugin_policy(&c, &["./local-plugin".to_string()]);
        assert_eq!(p.refused, vec!["serverless-step-functions"]);
        assert_eq!(p.ignored, vec!["./local-plugin"]);
        assert_eq!(p.skipped.len(), 2);
        let notice = p.notice().unwrap();
        assert!(notice.contains("serverless-offline (emulates API Gateway and Lambda locally)"));
        assert!(!notice.contains('\n'));
        let (msg, hint) = p.refusal().unwrap();
        assert!(msg.contains("serverless-step-functions"));
        assert!(hint.contains("--ignore-plugin serverless-step-functions"));
    }

    #[test]
    fn python_requirements_is_built_in() {
        let c = json!({"plugins": ["serverless-python-requirements", "serverless-offline"]});
        let p = plugin_policy(&c, &[]);
        assert_eq!(p.built_in, vec!["serverless-python-requirements"]);
        assert!(p.refused.is_empty() && p.refusal().is_none());
        assert!(!p.notice().unwrap().contains("python-requirements"));
    }

    #[test]
    fn webpack_and_bundle_are_refused_with_their_obstacle() {
        let c = json!({"plugins": ["serverless-webpack"], "custom": {"webpack": {"webpackConfig": "./build/webpack.prod.js"}}});
        let p = plugin_policy(&c, &[]);
        let (msg, hint) = p.refusal().unwrap();
        assert!(
            msg.contains("./build/webpack.prod.js, from custom.webpack.webpackConfig"),
            "{msg}"
        );
        assert!(
            msg.contains("serverless-esbuild")
                && hint.contains("--ignore-plugin serverless-webpack"),
            "{msg}"
        );
        let p = plugin_policy(&json!({"plugins": ["serverless-bundle"]}), &[]);
        let (msg, _) = p.refusal().unwrap();
        assert!(
            msg.contains("webpack configuration") && msg.contains("custom.bundle"),
            "{msg}"
        );
        // Ignored by name, they are skipped like any plugin.
        let p = plugin_policy(
            &json!({"plugins": ["serverless-bundle"]}),
            &["serverless-bundle".to_string()],
        );
        assert!(p.refusal().is_none());
    }

    #[test]
    fn typescript_and_include_dependencies_are_built_in() {
        let c = json!({"plugins": ["serverless-plugin-typescript", "serverless-plugin-include-dependencies"]});
        let p = plugin_policy(&c, &[]);
        assert_eq!(p.built_in.len(), 2);
        assert!(p.refusal().is_none());
    }

    #[test]
    fn esbuild_is_built_in() {
        let c = json!({"plugins": ["serverless-esbuild"]});
        let p = plugin_policy(&c, &[]);
        assert_eq!(p.built_in, vec!["serverless-esbuild"]);
        assert!(p.refusal().is_none() && p.notice().is_none());
    }

    #[test]
    fn modules_form_and_none() {
        let c = json!({"plugins": {"localPath": "./p", "modules": ["serverless-offline"]}});
        assert_eq!(plugin_names(&c), vec!["serverless-offline"]);
        let p = plugin_policy(&json!({"service": "x"}), &[]);
        assert_eq!(p, PluginPolicy::default());
        assert!(p.notice().is_none() && p.refusal().is_none());
    }
}
