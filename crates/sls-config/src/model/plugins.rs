//! The keys the built-in packaging plugins (serverless-python-requirements, serverless-esbuild)
//! read on a function, parsed with the rest of the function; each plugin checks its own.

use serde_json::{Map, Value};

use crate::is_truthy;

/// A function's options for the built-in packaging plugins.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FunctionPluginOptions {
    /// serverless-python-requirements `module` (the function's folder), as written: the plugin
    /// checks that it is a folder name.
    pub module: Option<Value>,
    /// serverless-python-requirements `vendor` on a function (sls refuses it).
    pub vendor: bool,
    /// serverless-esbuild `skipEsbuild`.
    pub skip_esbuild: bool,
    /// serverless-esbuild `esbuildEntrypoint`, when a non-empty string.
    pub esbuild_entrypoint: Option<String>,
}

impl FunctionPluginOptions {
    pub(super) fn from_json(f: &Map<String, Value>) -> Self {
        FunctionPluginOptions {
            module: f.get("module").filter(|m| !m.is_null()).cloned(),
            vendor: f.get("vendor").is_some_and(is_truthy),
            skip_esbuild: f.get("skipEsbuild").is_some_and(is_truthy),
            esbuild_entrypoint: f
                .get("esbuildEntrypoint")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
        }
    }

    /// `module` when a non-empty string (`None`: the service folder).
    pub fn python_module(&self) -> Option<&str> {
        self.module
            .as_ref()
            .and_then(Value::as_str)
            .filter(|m| !m.is_empty())
    }
}
