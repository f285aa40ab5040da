//! sls-plugins: the JavaScript plugin host. When serverless.yml lists a plugin sls does not
//! build in, sls runs the plugin's own code: one node process per command, started only then,
//! running a host script embedded here (`host/host.js`) that gives plugins Serverless v3's
//! `serverless` object (service, templates, `provider.naming`, `request`, schema handler, log).
//!
//! The host joins a command's lifecycle (`sls_lifecycle`) as one more participant, after sls's
//! own steps, as v3 runs service plugins after its internal ones. At each hook point a plugin
//! hooks, the state (configuration, compiled and core templates) goes to node when sls changed
//! it and comes back when a plugin changed it; what the plugins changed is what sls packages
//! and deploys.
//!
//! The library reads no environment: the caller gives node's path, the environment node runs
//! with, the credentials plugins may use, and the timeout.

mod host;
mod node;
mod participant;

pub use host::{HostInit, LoadedPlugin, PluginCommand, PluginHost, PluginOption};
pub use node::{find_node, MIN_NODE_MAJOR};
pub use participant::{HostState, Hosted};

/// A plugin host failure, as sls shows it.
#[derive(Debug, thiserror::Error)]
pub enum PluginError {
    /// node is missing or too old for the plugins that need it.
    #[error("{message}")]
    Node {
        message: String,
        plugins: Vec<String>,
    },
    /// A plugin failed (its error, which plugin, at which hook).
    #[error("{message}")]
    Plugin {
        plugin: Option<String>,
        point: Option<String>,
        message: String,
        code: Option<String>,
        stack: Option<String>,
    },
    /// A plugin's hook did not settle in time.
    #[error("plugin {plugin} did not finish \"{point}\" within {seconds} s")]
    Timeout {
        plugin: String,
        point: String,
        seconds: u64,
    },
    /// The host process or its channel failed.
    #[error("{0}")]
    Host(String),
}

impl sls_hint::Hint for PluginError {
    fn hint(&self) -> Option<std::borrow::Cow<'_, str>> {
        self.hint_text().map(std::borrow::Cow::Owned)
    }
}

impl PluginError {
    /// What to do about it (see [`sls_hint::Hint`]).
    fn hint_text(&self) -> Option<String> {
        match self {
            PluginError::Node { plugins, .. } => Some(format!(
                "Install Node.js {MIN_NODE_MAJOR} or newer (https://nodejs.org) and make sure `node` is on PATH: {} {} run through it.",
                plugins.join(", "),
                if plugins.len() == 1 { "is a JavaScript plugin sls must" } else { "are JavaScript plugins sls must" },
            )),
            PluginError::Timeout { .. } => Some(
                "A hook that never settles is a bug in the plugin or a wait on something that never comes; raise the limit with SLS_PLUGIN_TIMEOUT=<seconds> if it is only slow.".into(),
            ),
            _ => None,
        }
    }

    /// Where in the plugin's code a programming error happened: the first frame of its
    /// stack (v3 shows the stack of errors that are not its own user-facing ones).
    pub fn location(&self) -> Option<&str> {
        match self {
            PluginError::Plugin {
                stack: Some(stack), ..
            } => stack.lines().map(str::trim).find(|l| l.starts_with("at ")),
            _ => None,
        }
    }

    /// The plugin it concerns, when one does.
    pub fn plugin(&self) -> Option<&str> {
        match self {
            PluginError::Plugin { plugin, .. } => plugin.as_deref(),
            PluginError::Timeout { plugin, .. } => Some(plugin),
            _ => None,
        }
    }
}

/// The host script and what it loads, embedded in the binary.
pub(crate) mod scripts {
    pub const HOST: &str = include_str!("../host/host.js");
    pub const NAMING: &str = include_str!("../host/naming.js");
    pub const AWS_REQUEST: &str = include_str!("../host/aws-request.js");
}
