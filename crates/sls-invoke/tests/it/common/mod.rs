//! Helpers for the end-to-end tests: a service folder with handler files, and a request whose
//! environment snapshot is the test's own (for PATH, HOME, pyenv).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{json, Value};
use sls_invoke::{invoke_local_with, InvokeOutcome, InvokeRequest, Logs};
use sls_testkit::{runtime_env, write_file};
use tempfile::TempDir;

pub struct Service {
    pub dir: TempDir,
}

impl Service {
    pub fn new() -> Self {
        Service {
            dir: tempfile::Builder::new()
                .prefix("sls-invoke-test-")
                .tempdir()
                .expect("temp dir"),
        }
    }

    pub fn file(&self, rel: &str, text: &str) -> &Self {
        write_file(&self.dir.path().join(rel), text);
        self
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// A request for `function` with `config` (service "svc"), stage dev, region eu-west-1.
    pub fn request(&self, config: Value, function: &str) -> InvokeRequest {
        InvokeRequest {
            service_dir: self.dir.path().to_path_buf(),
            config,
            function: function.to_string(),
            stage: "dev".into(),
            region: "eu-west-1".into(),
            event: json!({}),
            context_override: None,
            env_overrides: Vec::new(),
            process_env: test_env(),
            credentials: None,
        }
    }
}

/// The variables the child needs from this machine (PATH, HOME, pyenv's), nothing AWS.
pub fn test_env() -> BTreeMap<String, String> {
    runtime_env()
}

/// One function `fn` with this runtime and handler.
pub fn config(runtime: &str, handler: &str) -> Value {
    json!({
        "service": "svc",
        "provider": { "name": "aws", "runtime": runtime },
        "functions": { "fn": { "handler": handler } }
    })
}

pub fn run(req: &InvokeRequest) -> InvokeOutcome {
    match invoke_local_with(req, Logs::Capture) {
        Ok(o) => o,
        Err(e) => panic!("invoke failed: {e}"),
    }
}

/// The outcome's stdout as JSON.
pub fn result(o: &InvokeOutcome) -> Value {
    match serde_json::from_str(&o.stdout) {
        Ok(v) => v,
        Err(e) => panic!(
            "stdout is not JSON ({e}): {:?}\nlogs: {:?}",
            o.stdout, o.logs
        ),
    }
}
