//! The node process and the channel to it.
//!
//! The channel is a loopback TCP connection, not node's stdin/stdout: plugins (and the tools
//! they spawn) write to the terminal freely, as under v3, and read stdin when they prompt.
//! node connects back to a port sls listens on (127.0.0.1 only), proves it is the child sls
//! started with a one-time token, and receives the host script; every message after that is one
//! line of JSON each way.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufRead, BufReader, ErrorKind, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};
use sls_lifecycle::{HookPoint, Lifecycle};

use crate::participant::HostState;
use crate::{scripts, PluginError};

/// What the host needs to start.
pub struct HostInit<'a> {
    /// node, as [`crate::find_node`] found it.
    pub node: &'a Path,
    /// The service folder: plugins resolve from here, as v3 resolves them.
    pub service_dir: &'a Path,
    /// `serverless.yml` (or the file `--config` names).
    pub configuration_filename: &'a str,
    /// The plugins to run, in `plugins:` order.
    pub plugins: &'a [String],
    /// `plugins.localPath` (v3's default: `<service>/.serverless_plugins`).
    pub local_path: Option<PathBuf>,
    /// The resolved configuration.
    pub config: &'a Value,
    /// The command's options as v3 gives them to plugins (`{stage, region, ...}`).
    pub options: &'a Value,
    /// The command's words (`["deploy"]`, `["prune"]`).
    pub commands: &'a [String],
    /// The credentials sls resolved for the stage (`{accessKeyId, secretAccessKey,
    /// sessionToken}`), for `provider.getCredentials()` and `provider.request`; `None` when the
    /// command resolved none.
    pub credentials: Option<Value>,
    /// Endpoint overrides for `provider.request` (`{"default": url, "<ServiceId>": url}`).
    pub endpoints: Value,
    /// Extra CA certificates (PEM) for `provider.request`.
    pub ca_certificates: Vec<String>,
    /// node's whole environment (the caller's snapshot, with the stage's credentials in the
    /// standard variables so a plugin's own AWS client uses them too).
    pub env: Vec<(String, String)>,
    /// How long one hook may run before it is an error.
    pub hook_timeout: Duration,
    /// `${sls:instanceId}`.
    pub instance_id: &'a str,
    /// The lifecycles the command runs: plugin hooks on their events become hook points.
    pub lifecycles: &'a [&'a Lifecycle],
}

/// A plugin the host loaded, and what it hooks.
#[derive(Debug, Clone)]
pub struct LoadedPlugin {
    pub name: String,
    /// Its hook names as it registered them (`before:package:finalize`, `prune:prune`, …).
    pub hooks: Vec<String>,
}

/// A command a plugin adds (`sls prune`), with its subcommands.
#[derive(Debug, Clone)]
pub struct PluginCommand {
    pub name: String,
    pub usage: String,
    pub plugin: String,
    pub lifecycle_events: Vec<String>,
    pub options: Vec<PluginOption>,
    pub commands: Vec<PluginCommand>,
}

/// An option of a plugin command.
#[derive(Debug, Clone)]
pub struct PluginOption {
    pub name: String,
    pub usage: String,
    pub shortcut: Option<String>,
    pub required: bool,
    /// v3's `type`: `string`, `boolean`, `multiple` (`None`: string).
    pub kind: Option<String>,
}

/// The running host.
pub struct PluginHost {
    child: Child,
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    timeout: Duration,
    pub plugins: Vec<LoadedPlugin>,
    pub commands: Vec<PluginCommand>,
    /// The hook points the plugins hook on the command's lifecycles, in no particular order.
    points: Vec<HookPoint>,
    /// Variable sources the plugins define (`configurationVariablesSources`).
    pub variable_sources: Vec<String>,
    /// What `configSchemaHandler` was given.
    pub schema: Value,
    /// Files of `./local` plugins, which v3 leaves out of the zips.
    pub local_plugin_patterns: Vec<String>,
    /// `serverless.addServiceOutputSection` sections, in the order they were added.
    pub output_sections: Map<String, Value>,
    /// The configuration as the plugins left it while loading, when they changed it.
    pub loaded_config: Option<Value>,
    /// `serverless.config.servicePath` when a plugin moved it from the service folder
    /// (serverless-webpack points it at its build before `invoke local` runs the handler).
    pub service_path: Option<PathBuf>,
    /// The state as node last saw it (serialised), to send only what changed.
    synced: Synced,
    /// The plugin and hook running now (for errors and timeouts).
    running: (String, String),
}

#[derive(Default)]
struct Synced {
    config: String,
    compiled: String,
    core: String,
}

/// The loader node runs (`node -e`): it connects, proves itself, and runs the host script it
/// receives. Small, so it fits any command line.
const LOADER: &str = r#"const s=require('net').connect(Number(process.env.SLS_PLUGIN_HOST_PORT),'127.0.0.1');
s.setEncoding('utf8');s.setNoDelay(true);let b='';
s.write(process.env.SLS_PLUGIN_HOST_TOKEN+'\n');
const on=(c)=>{b+=c;const i=b.indexOf('\n');if(i<0)return;s.removeListener('data',on);
const boot=JSON.parse(b.slice(0,i));
const load=(src,f)=>{const m={exports:{}};require('vm').runInThisContext('(function(module,exports,require){'+src+'\n})',{filename:f})(m,m.exports,require);return m.exports;};
load(boot.host,'sls-plugin-host.js')(s,b.slice(i+1),load(boot.naming,'sls-plugin-naming.js'));};
s.on('data',on);s.on('error',(e)=>{process.stderr.write('sls plugin host: '+e.message+'\n');process.exit(1);});"#;

/// How long node may take to start and connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

impl PluginHost {
    /// Starts node, loads the plugins (their constructors and `initialize` hooks run) and
    /// returns the host ready for the lifecycle.
    pub fn start(init: HostInit<'_>) -> Result<PluginHost, PluginError> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .map_err(|e| PluginError::Host(format!("could not listen on loopback: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| PluginError::Host(e.to_string()))?
            .port();
        let token = one_time_token();
        let mut child = Command::new(init.node)
            .arg("-e")
            .arg(LOADER)
            .current_dir(init.service_dir)
            .env_clear()
            .envs(init.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("SLS_PLUGIN_HOST_PORT", port.to_string())
            .env("SLS_PLUGIN_HOST_TOKEN", &token)
            .stdin(Stdio::inherit())
            .spawn()
            .map_err(|e| {
                PluginError::Host(format!("could not start {}: {e}", init.node.display()))
            })?;
        let stream = match accept(&listener, &token, &mut child) {
            Ok(s) => s,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(e);
            }
        };
        let writer = stream
            .try_clone()
            .map_err(|e| PluginError::Host(e.to_string()))?;
        let mut host = PluginHost {
            child,
            reader: BufReader::new(stream),
            writer,
            timeout: init.hook_timeout,
            plugins: Vec::new(),
            commands: Vec::new(),
            points: Vec::new(),
            variable_sources: Vec::new(),
            schema: Value::Null,
            local_plugin_patterns: Vec::new(),
            output_sections: Map::new(),
            loaded_config: None,
            service_path: None,
            synced: Synced::default(),
            running: (String::new(), "load".into()),
        };
        host.send(&json!({"host": scripts::HOST, "naming": scripts::NAMING}))?;
        host.synced.config = init.config.to_string();
        host.send(&json!({
            "type": "init",
            "serviceDir": init.service_dir,
            "configurationFilename": init.configuration_filename,
            "plugins": init.plugins,
            "localPath": init.local_path.clone().unwrap_or_else(|| init.service_dir.join(".serverless_plugins")),
            "config": init.config,
            "options": init.options,
            "commands": init.commands,
            "credentials": init.credentials,
            "endpoints": init.endpoints,
            "caCertificates": init.ca_certificates,
            "instanceId": init.instance_id,
        }))?;
        let ready = host.wait_done()?;
        host.describe(&ready, init.lifecycles);
        host.loaded_config = host.take_changes(&ready, None);
        Ok(host)
    }

    /// The hook points the plugins hook on the command's lifecycles.
    pub fn hook_points(&self) -> &[HookPoint] {
        &self.points
    }

    /// Runs every plugin hook at `point`, in `plugins:` order, with the state in sync.
    pub fn run_hook(
        &mut self,
        point: HookPoint,
        state: &mut dyn HostState,
    ) -> Result<(), PluginError> {
        let mut message = json!({"type": "hook", "point": point.to_string()});
        self.attach_changes(&mut message, state);
        self.running = (String::new(), point.to_string());
        self.send(&message)?;
        let done = self.wait_done()?;
        if let Some(config) = self.take_changes(&done, Some(state)) {
            state
                .set_config(config)
                .map_err(|message| PluginError::Plugin {
                    plugin: None,
                    point: Some(point.to_string()),
                    message: format!("After the plugins' \"{point}\" hooks: {message}"),
                    code: None,
                    stack: None,
                })?;
        }
        Ok(())
    }

    /// Runs a plugin's own command (`prune`, `step-functions invoke`…): its lifecycle events
    /// with the hooks on them.
    /// `options` (by long name) join the options the plugins see.
    pub fn run_command(&mut self, words: &[String], options: &Value) -> Result<(), PluginError> {
        self.running = (String::new(), words.join(":"));
        self.send(&json!({"type": "command", "name": words.join(" "), "options": options}))?;
        self.wait_done().map(|_| ())
    }

    /// v3's `initialize` hooks, once the configuration is resolved (the plugins' variable
    /// sources included); `config` becomes what the hooks leave.
    pub fn initialize(&mut self, config: &mut Value) -> Result<(), PluginError> {
        if !self
            .plugins
            .iter()
            .any(|p| p.hooks.iter().any(|h| h == "initialize"))
        {
            return Ok(());
        }
        struct ConfigOnly<'c>(&'c mut Value);
        impl HostState for ConfigOnly<'_> {
            fn config(&self) -> &Value {
                self.0
            }
            fn set_config(&mut self, config: Value) -> Result<(), String> {
                *self.0 = config;
                Ok(())
            }
            fn templates(&self) -> Option<(&Value, &Value)> {
                None
            }
            fn templates_mut(&mut self) -> Option<(&mut Value, &mut Value)> {
                None
            }
        }
        let mut message = json!({"type": "hook", "point": "initialize"});
        let mut state = ConfigOnly(config);
        self.attach_changes(&mut message, &state);
        self.running = (String::new(), "initialize".into());
        self.send(&message)?;
        let done = self.wait_done()?;
        if let Some(changed) = self.take_changes(&done, Some(&mut state)) {
            *state.0 = changed;
        }
        Ok(())
    }

    /// `${source:address}` for a variable source a plugin defines.
    pub fn resolve_variable(
        &mut self,
        source: &str,
        address: &str,
        params: &[String],
    ) -> Result<Value, PluginError> {
        self.running = (String::new(), format!("${{{source}:{address}}}"));
        self.send(
            &json!({"type": "variable", "source": source, "address": address, "params": params}),
        )?;
        let done = self.wait_done()?;
        Ok(done.get("value").cloned().unwrap_or(Value::Null))
    }

    /// v3's `finalize` hooks, after the command succeeded.
    pub fn finalize(&mut self) -> Result<(), PluginError> {
        if !self
            .plugins
            .iter()
            .any(|p| p.hooks.iter().any(|h| h == "finalize"))
        {
            return Ok(());
        }
        self.running = (String::new(), "finalize".into());
        self.send(&json!({"type": "finalize"}))?;
        self.wait_done().map(|_| ())
    }

    /// v3's `error` hooks, after the command failed with `message`: each hook gets a
    /// `ServerlessError` with it. The caller reports the command's own error afterwards.
    pub fn error_hooks(&mut self, message: &str) -> Result<(), PluginError> {
        if !self
            .plugins
            .iter()
            .any(|p| p.hooks.iter().any(|h| h == "error"))
        {
            return Ok(());
        }
        self.running = (String::new(), "error".into());
        self.send(&json!({"type": "error", "message": message}))?;
        self.wait_done().map(|_| ())
    }

    /// The command a plugin adds under these words, if any.
    pub fn command(&self, words: &[String]) -> Option<&PluginCommand> {
        let (first, rest) = words.split_first()?;
        let mut found = self.commands.iter().find(|c| &c.name == first)?;
        for w in rest {
            found = found.commands.iter().find(|c| &c.name == w)?;
        }
        Some(found)
    }

    fn send(&mut self, message: &Value) -> Result<(), PluginError> {
        let mut line = message.to_string();
        line.push('\n');
        self.writer
            .write_all(line.as_bytes())
            .map_err(|e| self.gone(format!("could not write to the plugin host: {e}")))
    }

    /// Reads until the host says `done`/`ready` (or fails), answering its requests on the way.
    fn wait_done(&mut self) -> Result<Value, PluginError> {
        loop {
            let message = self.receive()?;
            match message["type"].as_str() {
                Some("done") | Some("ready") => {
                    if let Some(sections) = message["outputSections"].as_object() {
                        self.output_sections = sections.clone();
                    }
                    return Ok(message);
                }
                Some("running") => {
                    let text = |k: &str| message[k].as_str().unwrap_or_default().to_string();
                    self.running = (text("plugin"), text("point"));
                }
                Some("module") => {
                    let source = match message["name"].as_str() {
                        Some("aws-request") => scripts::AWS_REQUEST,
                        other => {
                            return Err(PluginError::Host(format!(
                                "the plugin host asked for an unknown module {other:?}"
                            )))
                        }
                    };
                    self.send(&json!({"type": "module", "name": "aws-request", "source": source}))?;
                }
                Some("error") => return Err(plugin_error(&message, &self.running)),
                _ => {
                    return Err(PluginError::Host(format!(
                        "unexpected message from the plugin host: {message}"
                    )))
                }
            }
        }
    }

    fn receive(&mut self) -> Result<Value, PluginError> {
        let mut line = String::new();
        self.reader
            .get_ref()
            .set_read_timeout(Some(self.timeout))
            .map_err(|e| PluginError::Host(e.to_string()))?;
        match self.reader.read_line(&mut line) {
            Ok(0) => Err(self.gone("the plugin host (node) exited".into())),
            Ok(_) => serde_json::from_str(&line).map_err(|e| {
                PluginError::Host(format!("the plugin host sent something unreadable: {e}"))
            }),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                Err(PluginError::Timeout {
                    plugin: self.running.0.clone(),
                    point: self.running.1.clone(),
                    seconds: self.timeout.as_secs(),
                })
            }
            Err(e) => Err(self.gone(format!("could not read from the plugin host: {e}"))),
        }
    }

    /// The error for a host that went away, with what it was running and how it ended.
    fn gone(&mut self, what: String) -> PluginError {
        let status = match self.child.wait() {
            Ok(s) => format!(" ({s})"),
            Err(_) => String::new(),
        };
        let (plugin, point) = &self.running;
        let during = match (plugin.is_empty(), point.is_empty()) {
            (false, _) => format!(" while plugin {plugin} ran \"{point}\""),
            (true, false) => format!(" during \"{point}\""),
            _ => String::new(),
        };
        PluginError::Plugin {
            plugin: (!plugin.is_empty()).then(|| plugin.clone()),
            point: (!point.is_empty()).then(|| point.clone()),
            message: format!("{what}{during}{status}."),
            code: None,
            stack: None,
        }
    }

    fn describe(&mut self, ready: &Value, lifecycles: &[&Lifecycle]) {
        for p in ready["plugins"].as_array().into_iter().flatten() {
            let hooks: Vec<String> = strings(&p["hooks"]);
            for h in &hooks {
                if let Some(point) = sls_lifecycle::parse_hook_point(h, lifecycles) {
                    if !self.points.contains(&point) {
                        self.points.push(point);
                    }
                }
            }
            self.plugins.push(LoadedPlugin {
                name: p["name"].as_str().unwrap_or_default().to_string(),
                hooks,
            });
        }
        self.commands = commands(&ready["commands"]);
        self.variable_sources = strings(&ready["variableSources"]);
        self.schema = ready["schema"].clone();
        self.local_plugin_patterns = strings(&ready["localPluginPatterns"]);
    }

    /// Adds to `message` the parts of `state` node has not seen.
    fn attach_changes(&mut self, message: &mut Value, state: &dyn HostState) {
        let config = state.config().to_string();
        if config != self.synced.config {
            message["config"] = state.config().clone();
            self.synced.config = config;
        }
        if let Some((compiled, core)) = state.templates() {
            let (c, k) = (compiled.to_string(), core.to_string());
            if c != self.synced.compiled {
                message["compiled"] = compiled.clone();
                self.synced.compiled = c;
            }
            if k != self.synced.core {
                message["core"] = core.clone();
                self.synced.core = k;
            }
        }
    }

    /// Applies the templates node changed to `state` and returns the changed configuration.
    fn take_changes(&mut self, done: &Value, state: Option<&mut dyn HostState>) -> Option<Value> {
        self.service_path = done
            .get("servicePath")
            .and_then(Value::as_str)
            .map(PathBuf::from);
        if let Some(state) = state {
            if let Some((compiled, core)) = state.templates_mut() {
                if let Some(c) = done.get("compiled") {
                    *compiled = c.clone();
                    self.synced.compiled = c.to_string();
                }
                if let Some(k) = done.get("core") {
                    *core = k.clone();
                    self.synced.core = k.to_string();
                }
            }
        }
        let config = done.get("config")?.clone();
        self.synced.config = config.to_string();
        Some(config)
    }
}

impl Drop for PluginHost {
    fn drop(&mut self) {
        // Ask node to end; if it is stuck in a plugin, end it.
        let _ = self.writer.write_all(b"{\"type\":\"exit\"}\n");
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Waits for node to connect and prove it is the child sls started.
fn accept(
    listener: &TcpListener,
    token: &str,
    child: &mut Child,
) -> Result<TcpStream, PluginError> {
    listener
        .set_nonblocking(true)
        .map_err(|e| PluginError::Host(e.to_string()))?;
    let deadline = Instant::now() + CONNECT_TIMEOUT;
    loop {
        match listener.accept() {
            Ok((stream, _)) => {
                stream
                    .set_nonblocking(false)
                    .map_err(|e| PluginError::Host(e.to_string()))?;
                stream
                    .set_read_timeout(Some(CONNECT_TIMEOUT))
                    .map_err(|e| PluginError::Host(e.to_string()))?;
                let mut line = String::new();
                let mut reader = BufReader::new(&stream);
                if reader.read_line(&mut line).is_ok() && line.trim_end() == token {
                    let _ = stream.set_nodelay(true);
                    return Ok(stream);
                }
                // Someone else on this machine: not ours, keep waiting.
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => {}
            Err(e) => return Err(PluginError::Host(format!("loopback accept failed: {e}"))),
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(PluginError::Host(format!(
                "the plugin host (node) exited before it started ({status})"
            )));
        }
        if Instant::now() > deadline {
            return Err(PluginError::Host(format!(
                "node did not start the plugin host within {} s",
                CONNECT_TIMEOUT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// 128 random bits, hex (the standard library's hasher keys come from the OS's randomness).
fn one_time_token() -> String {
    let part = || RandomState::new().build_hasher().finish();
    format!("{:016x}{:016x}", part(), part())
}

fn plugin_error(message: &Value, running: &(String, String)) -> PluginError {
    let text = |k: &str| message[k].as_str().map(str::to_string);
    PluginError::Plugin {
        plugin: text("plugin").or_else(|| (!running.0.is_empty()).then(|| running.0.clone())),
        point: text("point").or_else(|| (!running.1.is_empty()).then(|| running.1.clone())),
        message: text("message").unwrap_or_else(|| "the plugin failed".into()),
        code: text("code"),
        stack: text("stack"),
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_string))
        .collect()
}

fn commands(v: &Value) -> Vec<PluginCommand> {
    let Some(map) = v.as_object() else {
        return Vec::new();
    };
    map.iter()
        .map(|(name, c)| PluginCommand {
            name: name.clone(),
            usage: c["usage"].as_str().unwrap_or_default().to_string(),
            plugin: c["plugin"].as_str().unwrap_or_default().to_string(),
            lifecycle_events: strings(&c["lifecycleEvents"]),
            options: c["options"]
                .as_object()
                .into_iter()
                .flatten()
                .map(|(o, d)| PluginOption {
                    name: o.clone(),
                    usage: d["usage"].as_str().unwrap_or_default().to_string(),
                    shortcut: d["shortcut"].as_str().map(str::to_string),
                    required: d["required"].as_bool().unwrap_or(false),
                    kind: d["type"].as_str().map(str::to_string),
                })
                .collect(),
            commands: commands(&c["commands"]),
        })
        .collect()
}
