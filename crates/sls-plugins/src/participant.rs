//! The host as a lifecycle participant.

use serde_json::Value;
use sls_lifecycle::{HookPoint, Participant};

use crate::{PluginError, PluginHost};

/// What the plugins see of a command's state and may change: the configuration
/// (`serverless.service`) and, while packaging, the templates.
pub trait HostState {
    /// The configuration as sls compiles it.
    fn config(&self) -> &Value;
    /// The plugins changed the configuration: adopt it (and what sls derives from it).
    fn set_config(&mut self, config: Value) -> Result<(), String>;
    /// `(compiledCloudFormationTemplate, coreCloudFormationTemplate)`, once they exist.
    fn templates(&self) -> Option<(&Value, &Value)>;
    fn templates_mut(&mut self) -> Option<(&mut Value, &mut Value)>;
}

/// The host in a lifecycle run whose participants fail with `E`. It goes last, as v3 runs
/// service plugins after its internal ones at each hook point.
pub struct Hosted<'h, E> {
    host: &'h mut PluginHost,
    /// Turns the host's error into the run's (the build's, the CLI's).
    error: fn(PluginError) -> E,
}

impl<'h, E> Hosted<'h, E> {
    pub fn new(host: &'h mut PluginHost, error: fn(PluginError) -> E) -> Self {
        Hosted { host, error }
    }
}

impl<S: HostState, E> Participant<S> for Hosted<'_, E> {
    type Error = E;
    fn name(&self) -> &'static str {
        "plugins"
    }
    fn hooks(&self) -> &[HookPoint] {
        self.host.hook_points()
    }
    fn run(&mut self, point: HookPoint, state: &mut S) -> Result<(), E> {
        self.host.run_hook(point, state).map_err(self.error)
    }
}
