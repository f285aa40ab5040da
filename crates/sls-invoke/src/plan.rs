//! Deciding what to run, before running anything: which function, runtime, interpreter,
//! handler, timeout, memory, context and child environment. No process is started here; the
//! only effect is looking up the interpreter on the snapshot's `PATH`.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{json, Map, Value};

use crate::{ids, InvokeError, InvokeRequest};

/// v3's `provider.getRuntime()` default (one constant, shared with deploy).
pub use sls_config::model::DEFAULT_RUNTIME;
/// Lambda's (and v3's) default timeout in seconds.
pub const DEFAULT_TIMEOUT_SECS: f64 = 6.0;
/// v3's default memory size for invoke local, in MB.
pub const DEFAULT_MEMORY_MB: u64 = 1024;
/// Serverless v3's Python context uses `serverless` where a real ARN has region and account;
/// sls keeps the real region and the same placeholder for the account, which it does not know
/// without calling STS.
pub const ARN_ACCOUNT_PLACEHOLDER: &str = "serverless";

/// The language family of a runtime that invoke local can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuntimeKind {
    Node,
    Python,
}

/// Where the handler lives, in the terms of the wrapper that loads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerTarget {
    /// `src/app.hello` → file `<service>/src/app` (tried with `.js`, `.mjs`, `.cjs`), export `hello`.
    Node { base: PathBuf, export: String },
    /// `src/app.hello` → module `src.app` (imported with the service dir first on `sys.path`),
    /// function `hello`.
    Python { module: String, function: String },
}

/// Everything [`crate::invoke_local`] needs to start the child. `Debug` shows environment
/// variable names only, never values (they hold credentials).
#[derive(Clone)]
pub struct InvocationPlan {
    /// The function's key under `functions`.
    pub function: String,
    /// The deployed function name (`name`, else `<service>-<stage>-<key>`).
    pub function_name: String,
    pub runtime: String,
    pub kind: RuntimeKind,
    /// The service folder as an absolute path: the child's working directory and
    /// `LAMBDA_TASK_ROOT`.
    pub task_root: PathBuf,
    /// The interpreter, found on the child's `PATH`.
    pub program: PathBuf,
    pub handler: HandlerTarget,
    pub timeout_secs: f64,
    pub memory_mb: u64,
    /// The Lambda-like context fields (functionName, awsRequestId, …) handed to the wrapper.
    pub context: Value,
    /// The complete environment of the child (the child starts from an empty one).
    pub env: BTreeMap<String, String>,
    pub warnings: Vec<String>,
}

impl fmt::Debug for InvocationPlan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InvocationPlan")
            .field("function", &self.function)
            .field("function_name", &self.function_name)
            .field("runtime", &self.runtime)
            .field("kind", &self.kind)
            .field("task_root", &self.task_root)
            .field("program", &self.program)
            .field("handler", &self.handler)
            .field("timeout_secs", &self.timeout_secs)
            .field("memory_mb", &self.memory_mb)
            .field("context", &self.context)
            .field("env (names only)", &self.env.keys().collect::<Vec<_>>())
            .field("warnings", &self.warnings)
            .finish()
    }
}

/// Decides everything about the invocation described by `req`.
pub fn plan(req: &InvokeRequest) -> Result<InvocationPlan, InvokeError> {
    let config = &req.config;
    let provider = config.get("provider").unwrap_or(&Value::Null);
    let function_def = find_function(config, &req.function)?;
    let mut warnings = Vec::new();

    if function_def.get("image").is_some_and(|v| !v.is_null()) {
        return Err(InvokeError::ImageFunction {
            function: req.function.clone(),
        });
    }

    let runtime = sls_config::model::runtime_of(
        function_def.get("runtime").and_then(Value::as_str),
        provider.get("runtime").and_then(Value::as_str),
    )
    .to_string();
    let kind = runtime_kind(&runtime).ok_or_else(|| InvokeError::UnsupportedRuntime {
        function: req.function.clone(),
        runtime: runtime.clone(),
    })?;

    let handler_str = function_def
        .get("handler")
        .and_then(Value::as_str)
        .filter(|h| !h.is_empty())
        .ok_or_else(|| InvokeError::MissingHandler {
            function: req.function.clone(),
        })?;
    // Relative handler paths must not depend on the child's working directory.
    let task_root =
        std::path::absolute(&req.service_dir).unwrap_or_else(|_| req.service_dir.clone());
    let handler = handler_target(kind, handler_str, &task_root).ok_or_else(|| {
        InvokeError::InvalidHandler {
            function: req.function.clone(),
            handler: handler_str.to_string(),
        }
    })?;

    let function_name = function_def
        .get("name")
        .and_then(Value::as_str)
        .map(str::to_string)
        .unwrap_or_else(|| {
            let service = sls_config::model::service_name(config).unwrap_or_default();
            sls_config::model::default_function_name(service, &req.stage, &req.function)
        });

    let timeout_secs = positive_number(function_def.get("timeout"))
        .or_else(|| positive_number(provider.get("timeout")))
        .unwrap_or(DEFAULT_TIMEOUT_SECS);
    let memory_mb = positive_number(function_def.get("memorySize"))
        .or_else(|| positive_number(provider.get("memorySize")))
        .map(|m| m as u64)
        .unwrap_or(DEFAULT_MEMORY_MB);

    let log_group_name = format!("/aws/lambda/{function_name}");
    let log_stream_name = ids::log_stream_name(SystemTime::now());
    let context = json!({
        "functionName": function_name,
        "functionVersion": "$LATEST",
        "invokedFunctionArn": format!(
            "arn:aws:lambda:{}:{}:function:{}",
            req.region, ARN_ACCOUNT_PLACEHOLDER, function_name
        ),
        "memoryLimitInMB": memory_mb.to_string(),
        "awsRequestId": ids::request_id(),
        "logGroupName": log_group_name,
        "logStreamName": log_stream_name,
        "timeout": if timeout_secs.fract() == 0.0 { json!(timeout_secs as u64) } else { json!(timeout_secs) },
    });

    let lambda = LambdaVars {
        region: &req.region,
        function_name: &function_name,
        memory_mb,
        log_group_name: &log_group_name,
        log_stream_name: &log_stream_name,
        runtime: &runtime,
        task_root: &task_root,
    };
    let env = child_env(req, provider, function_def, &lambda, &mut warnings);

    let program = find_program(kind, &runtime, &env, &req.function, &mut warnings)?;

    Ok(InvocationPlan {
        function: req.function.clone(),
        function_name,
        runtime,
        kind,
        task_root,
        program,
        handler,
        timeout_secs,
        memory_mb,
        context,
        env,
        warnings,
    })
}

fn find_function<'a>(config: &'a Value, function: &str) -> Result<&'a Value, InvokeError> {
    let functions = match config.get("functions") {
        None | Some(Value::Null) => None,
        Some(Value::Object(map)) => Some(map),
        Some(_) => return Err(InvokeError::InvalidFunctions),
    };
    match functions.and_then(|f| f.get(function)) {
        Some(def) if def.is_object() => Ok(def),
        // `functions: { hello: }` (empty definition): v3 treats it as an empty object too.
        Some(Value::Null) => Ok(&Value::Null),
        Some(_) => Err(InvokeError::InvalidFunctions),
        None => Err(InvokeError::UnknownFunction {
            function: function.to_string(),
            available: functions
                .map(|f| f.keys().cloned().collect())
                .unwrap_or_default(),
        }),
    }
}

/// `nodejs*` → Node, `python3.*` → Python, anything else is unsupported.
pub fn runtime_kind(runtime: &str) -> Option<RuntimeKind> {
    if runtime.starts_with("nodejs") {
        Some(RuntimeKind::Node)
    } else if runtime == "python3" || runtime.starts_with("python3.") {
        Some(RuntimeKind::Python)
    } else {
        None
    }
}

/// Splits `path/to/file.export` at its last dot (both runtimes, as v3 does).
fn handler_target(kind: RuntimeKind, handler: &str, service_dir: &Path) -> Option<HandlerTarget> {
    let (path, export) = handler.rsplit_once('.')?;
    if path.is_empty() || export.is_empty() {
        return None;
    }
    Some(match kind {
        RuntimeKind::Node => HandlerTarget::Node {
            base: service_dir.join(path),
            export: export.to_string(),
        },
        RuntimeKind::Python => HandlerTarget::Python {
            module: path.trim_start_matches("./").replace(['/', '\\'], "."),
            function: export.to_string(),
        },
    })
}

/// v3's `Number(x) || fallback`: numbers and numeric strings above zero count.
fn positive_number(value: Option<&Value>) -> Option<f64> {
    let n = match value? {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => s.trim().parse::<f64>().ok()?,
        _ => return None,
    };
    (n.is_finite() && n > 0.0).then_some(n)
}

struct LambdaVars<'a> {
    region: &'a str,
    function_name: &'a str,
    memory_mb: u64,
    log_group_name: &'a str,
    log_stream_name: &'a str,
    runtime: &'a str,
    task_root: &'a Path,
}

/// The child's environment, lowest precedence first:
/// 1. the parent's environment snapshot;
/// 2. the Lambda variables;
/// 3. the credentials (when given), replacing any other identity in the environment;
/// 4. `provider.environment`, then the function's `environment` (CloudFormation expressions
///    cannot be known locally: warned about and left unset);
/// 5. `IS_LOCAL=true` (v3 sets it after the configured variables);
/// 6. `--env KEY=VALUE` options.
fn child_env(
    req: &InvokeRequest,
    provider: &Value,
    function_def: &Value,
    lambda: &LambdaVars<'_>,
    warnings: &mut Vec<String>,
) -> BTreeMap<String, String> {
    let mut env = req.process_env.clone();

    let task_root = lambda.task_root.to_string_lossy().into_owned();
    let lambda_vars: [(&str, String); 11] = [
        ("LANG", "en_US.UTF-8".into()),
        ("LAMBDA_TASK_ROOT", task_root),
        ("LAMBDA_RUNTIME_DIR", "/var/runtime".into()),
        ("AWS_REGION", lambda.region.into()),
        ("AWS_DEFAULT_REGION", lambda.region.into()),
        ("AWS_LAMBDA_FUNCTION_NAME", lambda.function_name.into()),
        (
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
            lambda.memory_mb.to_string(),
        ),
        ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST".into()),
        ("AWS_LAMBDA_LOG_GROUP_NAME", lambda.log_group_name.into()),
        ("AWS_LAMBDA_LOG_STREAM_NAME", lambda.log_stream_name.into()),
        (
            "AWS_EXECUTION_ENV",
            format!("AWS_Lambda_{}", lambda.runtime),
        ),
    ];
    for (k, v) in lambda_vars {
        env.insert(k.to_string(), v);
    }

    if let Some((key_id, secret, token)) = &req.credentials {
        env.insert("AWS_ACCESS_KEY_ID".into(), key_id.clone());
        env.insert("AWS_SECRET_ACCESS_KEY".into(), secret.clone());
        match token {
            Some(token) => {
                env.insert("AWS_SESSION_TOKEN".into(), token.clone());
            }
            None => {
                // A token left over from other keys would make every request fail to sign.
                env.remove("AWS_SESSION_TOKEN");
            }
        }
        // Leftovers of another identity. The JavaScript SDK v3 prefers AWS_PROFILE over
        // AWS_ACCESS_KEY_ID, so a profile left in the environment would win over the keys the
        // chain chose; with it gone every SDK in the child uses the same keys.
        for stale in [
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_SECURITY_TOKEN",
            "AWS_CREDENTIAL_EXPIRATION",
        ] {
            env.remove(stale);
        }
    }

    // provider.environment then functions.<fn>.environment, key by key.
    let mut configured: BTreeMap<String, (String, &Value)> = BTreeMap::new();
    for (origin, source) in [
        (
            "provider.environment".to_string(),
            provider.get("environment"),
        ),
        (
            format!("functions.{}.environment", req.function),
            function_def.get("environment"),
        ),
    ] {
        if let Some(Value::Object(vars)) = source {
            for (k, v) in vars {
                configured.insert(k.clone(), (origin.clone(), v));
            }
        }
    }
    for (name, (origin, value)) in configured {
        match value {
            Value::Null => {}
            Value::String(s) => {
                env.insert(name, s.clone());
            }
            Value::Bool(b) => {
                env.insert(name, b.to_string());
            }
            Value::Number(n) => {
                env.insert(name, n.to_string());
            }
            Value::Object(_) | Value::Array(_) => {
                warnings.push(format!(
                    "{origin}.{name} is {} whose value is only known in AWS; it is left unset locally (pass it with --env {name}=VALUE)",
                    describe_expression(value)
                ));
                env.remove(&name);
            }
        }
    }
    env.insert("IS_LOCAL".into(), "true".into());

    for (k, v) in &req.env_overrides {
        env.insert(k.clone(), v.clone());
    }

    // v3: an active virtualenv's interpreter comes first.
    if lambda_kind_is_python(lambda.runtime) {
        if let Some(venv) = env.get("VIRTUAL_ENV").filter(|v| !v.is_empty()) {
            let bin = Path::new(venv).join("bin");
            let path = match env.get("PATH") {
                Some(p) if !p.is_empty() => format!("{}:{p}", bin.display()),
                _ => bin.display().to_string(),
            };
            env.insert("PATH".into(), path);
        }
    }
    env
}

fn lambda_kind_is_python(runtime: &str) -> bool {
    runtime_kind(runtime) == Some(RuntimeKind::Python)
}

/// `a CloudFormation expression (Ref)` / `an object` — names the function, never the value.
fn describe_expression(value: &Value) -> String {
    match value {
        Value::Object(o) if o.len() == 1 => {
            let key = o.keys().next().map(String::as_str).unwrap_or_default();
            if key == "Ref" || key.starts_with("Fn::") {
                format!("a CloudFormation expression ({key})")
            } else {
                "an object".to_string()
            }
        }
        Value::Array(_) => "a list".to_string(),
        _ => "an object".to_string(),
    }
}

/// Finds the interpreter on the child's `PATH`: `node`; `python3.X` for runtime `python3.X` when
/// present, else `python3` (with a warning, since the version may differ).
fn find_program(
    kind: RuntimeKind,
    runtime: &str,
    env: &BTreeMap<String, String>,
    function: &str,
    warnings: &mut Vec<String>,
) -> Result<PathBuf, InvokeError> {
    let path_var = env.get("PATH").map(String::as_str).unwrap_or_default();
    let not_found = |program: &str| InvokeError::RuntimeNotFound {
        program: program.to_string(),
        runtime: runtime.to_string(),
        function: function.to_string(),
    };
    match kind {
        RuntimeKind::Node => which("node", path_var).ok_or_else(|| not_found("node")),
        RuntimeKind::Python => {
            let exact = runtime.split(['-', '_']).next().unwrap_or(runtime);
            if exact != "python3" {
                if let Some(p) = which(exact, path_var) {
                    return Ok(p);
                }
            }
            let p = which("python3", path_var).ok_or_else(|| not_found("python3"))?;
            if exact != "python3" {
                warnings.push(format!(
                    "`{exact}` is not on PATH; running function \"{function}\" with `python3` instead, whose version may differ from its runtime {runtime}"
                ));
            }
            Ok(p)
        }
    }
}

/// The first executable file called `name` in the `PATH` list.
pub use sls_config::executables::which;

/// The wrapper input for this plan (without the paths that only exist at run time).
pub(crate) fn wrapper_input(
    plan: &InvocationPlan,
    event: &Value,
    custom_context: Option<&Value>,
) -> Map<String, Value> {
    let task_root = &plan.task_root;
    let mut input = Map::new();
    match &plan.handler {
        HandlerTarget::Node { base, export } => {
            input.insert("handlerBase".into(), base.to_string_lossy().into());
            input.insert("handlerName".into(), export.clone().into());
        }
        HandlerTarget::Python { module, function } => {
            input.insert("handlerModule".into(), module.clone().into());
            input.insert("handlerName".into(), function.clone().into());
        }
    }
    input.insert("taskRoot".into(), task_root.to_string_lossy().into());
    input.insert("event".into(), event.clone());
    input.insert("context".into(), plan.context.clone());
    input.insert(
        "customContext".into(),
        custom_context.cloned().unwrap_or(Value::Null),
    );
    input
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtimes() {
        assert_eq!(runtime_kind("nodejs20.x"), Some(RuntimeKind::Node));
        assert_eq!(runtime_kind("nodejs"), Some(RuntimeKind::Node));
        assert_eq!(runtime_kind("python3.12"), Some(RuntimeKind::Python));
        assert_eq!(runtime_kind("python3"), Some(RuntimeKind::Python));
        assert_eq!(runtime_kind("python2.7"), None);
        assert_eq!(runtime_kind("python30"), None);
        assert_eq!(runtime_kind("provided.al2023"), None);
    }

    #[test]
    fn handlers_split_at_the_last_dot() {
        let dir = Path::new("/svc");
        assert_eq!(
            handler_target(RuntimeKind::Node, "src/my.app.main", dir),
            Some(HandlerTarget::Node {
                base: PathBuf::from("/svc/src/my.app"),
                export: "main".into()
            })
        );
        assert_eq!(
            handler_target(RuntimeKind::Python, "./src/handlers/app.main", dir),
            Some(HandlerTarget::Python {
                module: "src.handlers.app".into(),
                function: "main".into()
            })
        );
        assert_eq!(handler_target(RuntimeKind::Node, "nodot", dir), None);
        assert_eq!(handler_target(RuntimeKind::Node, "file.", dir), None);
        assert_eq!(handler_target(RuntimeKind::Node, ".fn", dir), None);
    }

    #[test]
    fn numbers_like_v3() {
        assert_eq!(positive_number(Some(&json!(10))), Some(10.0));
        assert_eq!(positive_number(Some(&json!("30"))), Some(30.0));
        assert_eq!(positive_number(Some(&json!(0))), None);
        assert_eq!(positive_number(Some(&json!("abc"))), None);
        assert_eq!(positive_number(Some(&json!({"Ref": "X"}))), None);
        assert_eq!(positive_number(None), None);
    }

    #[test]
    fn expressions_are_named_not_shown() {
        assert_eq!(
            describe_expression(&json!({"Fn::GetAtt": ["T", "Arn"]})),
            "a CloudFormation expression (Fn::GetAtt)"
        );
        assert_eq!(describe_expression(&json!({"a": 1, "b": 2})), "an object");
        assert_eq!(describe_expression(&json!([1])), "a list");
    }

    #[test]
    fn which_finds_executables_only() {
        let dir = tempfile::tempdir().expect("tmp");
        let plain = dir.path().join("tool");
        std::fs::write(&plain, "").expect("write");
        let path = dir.path().to_string_lossy().into_owned();
        #[cfg(unix)]
        {
            assert_eq!(which("tool", &path), None);
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&plain, std::fs::Permissions::from_mode(0o755))
                .expect("chmod");
        }
        assert_eq!(which("tool", &format!("::{path}")), Some(plain));
    }
}
