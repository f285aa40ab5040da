//! The host with real node and real plugin files in a temporary service folder: loading as
//! v3 loads (`./local` plugins, `.serverless_plugins`), hooks in `plugins:` order at the
//! lifecycle's points, the state going both ways, plugin commands, errors and timeouts.

use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};
use sls_lifecycle::{HookPoint, ALL};
use sls_plugins::{HostInit, HostState, PluginError, PluginHost};

struct State {
    config: Value,
    compiled: Value,
    core: Value,
}

impl HostState for State {
    fn config(&self) -> &Value {
        &self.config
    }
    fn set_config(&mut self, config: Value) -> Result<(), String> {
        self.config = config;
        Ok(())
    }
    fn templates(&self) -> Option<(&Value, &Value)> {
        Some((&self.compiled, &self.core))
    }
    fn templates_mut(&mut self) -> Option<(&mut Value, &mut Value)> {
        Some((&mut self.compiled, &mut self.core))
    }
}

fn node() -> std::path::PathBuf {
    sls_plugins::find_node(&std::env::var("PATH").unwrap(), &["test".into()]).unwrap()
}

fn start(dir: &Path, config: &Value, timeout: Duration) -> Result<PluginHost, PluginError> {
    let plugins: Vec<String> = config["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    let env: Vec<(String, String)> = std::env::vars().collect();
    PluginHost::start(HostInit {
        node: &node(),
        service_dir: dir,
        configuration_filename: "serverless.yml",
        plugins: &plugins,
        local_path: None,
        config,
        options: &json!({"stage": "prod"}),
        commands: &["package".to_string()],
        credentials: None,
        endpoints: json!({}),
        ca_certificates: Vec::new(),
        env,
        hook_timeout: timeout,
        instance_id: "1",
        lifecycles: ALL,
    })
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const FIRST: &str = r#"
class First {
  constructor(serverless, options, { log }) {
    this.serverless = serverless;
    serverless.service.custom.fromConstructor = options.stage;
    this.hooks = {
      'before:package:finalize': () => {
        const t = serverless.service.provider.compiledCloudFormationTemplate;
        const naming = serverless.getProvider('aws').naming;
        t.Resources.Queue = { Type: 'AWS::SQS::Queue', Properties: { QueueName: naming.getStackName() } };
        t.Order = (t.Order || []).concat('first');
        serverless.service.functions.hello.timeout = 9;
      },
      'package:compileEvents': () => {},
    };
    this.commands = { greet: { usage: 'Says hello', lifecycleEvents: ['run'], options: { name: { usage: 'who', shortcut: 'n', required: true, type: 'string' } } } };
  }
}
module.exports = First;
"#;

const SECOND: &str = r#"
module.exports = class Second {
  constructor(serverless, options) {
    this.hooks = {
      'before:package:finalize': () => {
        const t = serverless.service.provider.compiledCloudFormationTemplate;
        t.Order.push('second');
      },
      'greet:run': () => { require('fs').writeFileSync('greeted.txt', `hello ${options.stage}`); },
    };
  }
};
"#;

#[test]
fn plugins_hook_in_order_and_their_changes_come_back() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "first.js", FIRST);
    // Found in v3's local plugins folder by its bare name.
    write(dir.path(), ".serverless_plugins/second.js", SECOND);
    let config = json!({
        "service": "svc",
        "provider": {"name": "aws"},
        "custom": {},
        "plugins": ["./first", "second"],
        "functions": {"hello": {"handler": "h.hello"}}
    });
    let mut host = start(dir.path(), &config, Duration::from_secs(30)).unwrap();
    // The constructor's change, with v3's normalisation (function names and events).
    let loaded = host
        .loaded_config
        .take()
        .expect("the constructor changed custom");
    assert_eq!(loaded["custom"]["fromConstructor"], "prod");
    assert_eq!(loaded["functions"]["hello"]["name"], "svc-prod-hello");
    assert_eq!(host.local_plugin_patterns, vec!["first.js"]);
    assert!(host
        .hook_points()
        .contains(&HookPoint::before("package:finalize")));
    assert_eq!(
        host.command(&["greet".into()]).unwrap().options[0]
            .shortcut
            .as_deref(),
        Some("n")
    );

    let mut state = State {
        config: loaded,
        compiled: json!({"Resources": {}}),
        core: json!({"Resources": {}}),
    };
    host.run_hook(HookPoint::before("package:finalize"), &mut state)
        .unwrap();
    assert_eq!(
        state.compiled["Resources"]["Queue"]["Properties"]["QueueName"],
        "svc-prod"
    );
    assert_eq!(state.compiled["Order"], json!(["first", "second"]));
    assert_eq!(state.config["functions"]["hello"]["timeout"], 9);

    // sls's own changes reach the plugins (the template is replaced on sls's side).
    state.compiled["Order"] = json!(["sls"]);
    host.run_hook(HookPoint::before("package:finalize"), &mut state)
        .unwrap();
    assert_eq!(state.compiled["Order"], json!(["sls", "first", "second"]));

    // A plugin's own command runs its lifecycle, in the service folder, with the options.
    drop(host);
    let mut with_options = start(dir.path(), &config, Duration::from_secs(30)).unwrap();
    with_options
        .run_command(&["greet".into()], &json!({"name": "x"}))
        .unwrap();
    let greeted = std::fs::read_to_string(dir.path().join("greeted.txt")).unwrap();
    assert_eq!(greeted, "hello prod");
}

#[test]
fn a_failing_hook_names_the_plugin_and_the_hook() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "bad.js",
        "module.exports = class { constructor(sls) { this.hooks = { 'package:compileEvents': () => { throw new sls.classes.Error('no events for you'); } }; } };",
    );
    let config = json!({"service": "svc", "provider": {"name": "aws"}, "plugins": ["./bad"]});
    let mut host = start(dir.path(), &config, Duration::from_secs(30)).unwrap();
    let mut state = State {
        config,
        compiled: json!({}),
        core: json!({}),
    };
    let err = host
        .run_hook(HookPoint::at("package:compileEvents"), &mut state)
        .unwrap_err();
    match err {
        PluginError::Plugin {
            plugin,
            point,
            message,
            ..
        } => {
            assert_eq!(plugin.as_deref(), Some("./bad"));
            assert_eq!(point.as_deref(), Some("package:compileEvents"));
            assert_eq!(message, "no events for you");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_hook_that_never_settles_times_out_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "stuck.js",
        "module.exports = class { constructor() { this.hooks = { 'after:package:initialize': () => new Promise(() => {}) }; } };",
    );
    let config = json!({"service": "svc", "provider": {"name": "aws"}, "plugins": ["./stuck"]});
    let mut host = start(dir.path(), &config, Duration::from_secs(1)).unwrap();
    let mut state = State {
        config,
        compiled: json!({}),
        core: json!({}),
    };
    let err = host
        .run_hook(HookPoint::after("package:initialize"), &mut state)
        .unwrap_err();
    assert!(
        matches!(&err, PluginError::Timeout { plugin, point, .. } if plugin == "./stuck" && point == "after:package:initialize"),
        "{err:?}"
    );
}

#[test]
fn a_missing_plugin_is_named_with_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let config = json!({"service": "svc", "provider": {"name": "aws"}, "plugins": ["serverless-not-installed-anywhere"]});
    let err = match start(dir.path(), &config, Duration::from_secs(30)) {
        Err(e) => e.to_string(),
        Ok(_) => panic!("a missing plugin loaded"),
    };
    assert!(
        err.contains("\"serverless-not-installed-anywhere\" not found"),
        "{err}"
    );
    assert!(
        err.contains("npm install --save-dev serverless-not-installed-anywhere"),
        "{err}"
    );
}
