//! The typed service model: a view of the resolved configuration (`serde_json::Value`, shaped
//! like `serverless print`) with v3's defaults and naming rules applied, shared by packaging,
//! deployment and `invoke local`. It reads what is written; what a command supports (events,
//! container images) is decided by that command. CloudFormation intrinsics (`{"Ref": ..}`,
//! `{"Fn::GetAtt": ..}`) stay as JSON values.

use serde_json::{Map, Value};

mod api_gateway;
pub mod events;
mod http_api_provider;
mod plugins;
mod role;
mod settings;
pub use api_gateway::{
    ApiGateway, ApiKey, ApiKeyEntry, ApiKeys, NamedPlan, RestApiResource, UsagePlan,
};
pub use events::{Event, EventKind};
pub use http_api_provider::{
    to_set as js_set, HttpApiAuthorizer, HttpApiLogs, HttpApiProvider, HttpApiSettings,
    DEFAULT_CORS_HEADERS,
};
pub use plugins::FunctionPluginOptions;
pub use role::ExecutionRole;
pub use settings::{
    CorsList, Destinations, FileSystemConfig, FunctionDefaults, FunctionSettings,
    FunctionUrlConfig, RuntimeManagement, UrlCors, VpcSetting,
};

/// A property with a value of the wrong shape, named by its path (`functions.hello.handler`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Invalid configuration at \"{path}\": {message}.")]
pub struct ModelError {
    pub path: String,
    pub message: String,
}

impl ModelError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        ModelError {
            path: path.into(),
            message: message.into(),
        }
    }
}

type Result<T, E = ModelError> = std::result::Result<T, E>;

/// v3's default runtime (`provider.getRuntime` in 3.40).
pub const DEFAULT_RUNTIME: &str = "nodejs16.x";

/// v3's service-name rule: `service: <name>`, or the older `service: { name: <name> }`.
pub fn service_name(config: &Value) -> Option<&str> {
    match config.get("service")? {
        Value::String(s) if !s.is_empty() => Some(s),
        Value::Object(o) => o
            .get("name")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty()),
        _ => None,
    }
}

/// v3's deployed function name when `name` is not set: `<service>-<stage>-<key>`.
pub fn default_function_name(service: &str, stage: &str, key: &str) -> String {
    format!("{service}-{stage}-{key}")
}

/// The runtime a function runs with: its own, the provider's, else [`DEFAULT_RUNTIME`].
pub fn runtime_of<'a>(function: Option<&'a str>, provider: Option<&'a str>) -> &'a str {
    function.or(provider).unwrap_or(DEFAULT_RUNTIME)
}

/// The parts of a service that packaging and deployment need.
#[derive(Debug, Clone)]
pub struct Service {
    /// `service` (the service name).
    pub name: String,
    pub stage: String,
    pub region: String,
    /// `provider.stackName` or `<service>-<stage>`.
    pub stack_name: String,
    pub provider: Provider,
    pub functions: Vec<Function>,
    pub package: Package,
    /// `resources` as written (`Resources`, `Outputs`, `Conditions`, ...).
    pub resources: Option<Map<String, Value>>,
}

#[derive(Debug, Clone, Default)]
pub struct Provider {
    pub runtime: Option<String>,
    pub memory_size: Option<Value>,
    pub timeout: Option<Value>,
    pub environment: Option<Map<String, Value>>,
    pub tags: Option<Map<String, Value>>,
    pub stack_tags: Option<Map<String, Value>>,
    /// `deploymentBucket` (string) or `deploymentBucket.name`: an existing bucket to use.
    pub deployment_bucket: Option<String>,
    /// `deploymentBucket.serverSideEncryption` (e.g. `AES256`, `aws:kms`), sent on uploads.
    pub bucket_sse: Option<String>,
    /// `deploymentBucket.sseKMSKeyId`.
    pub bucket_sse_kms_key_id: Option<String>,
    pub bucket_block_public_access: bool,
    pub bucket_versioning: bool,
    pub bucket_tags: Option<Map<String, Value>>,
    pub bucket_skip_policy_setup: bool,
    pub max_previous_deployment_artifacts: usize,
    /// `deploymentPrefix`, default `serverless`.
    pub deployment_prefix: String,
    /// `iam.role` as written (an ARN string, an intrinsic, or an object with statements).
    pub iam_role: Option<Value>,
    /// Legacy `provider.role`.
    pub role: Option<Value>,
    pub iam_role_statements: Option<Vec<Value>>,
    pub iam_managed_policies: Option<Vec<Value>>,
    /// `iam.deploymentRole`, else the old `cfnRole`.
    pub deployment_role: Option<String>,
    pub version_functions: bool,
    pub log_retention_in_days: Option<Value>,
    /// The provider's defaults for the functions' [`FunctionSettings`].
    pub function_defaults: FunctionDefaults,
    /// The generated execution role's settings.
    pub execution_role: ExecutionRole,
    /// The settings of the service's WebSocket API.
    pub websocket: events::WebsocketProvider,
    /// `provider.alb`.
    pub alb: events::AlbProvider,
    /// `provider.cloudFront`.
    pub cloud_front: events::CloudFrontProvider,
    /// `provider.ecr`.
    pub ecr: EcrSettings,
    /// `provider.apiGateway` (`None` when absent): read by the REST API compiler, which
    /// reports an error kept here at the step v3 checks it.
    pub api_gateway: Option<events::Parsed<ApiGateway>>,
    /// `provider.httpApi` and `provider.logs.httpApi`: read by the HTTP API compiler, which
    /// reports their errors at the steps v3 checks them.
    pub http_api: HttpApiProvider,
    /// `provider.s3` when an object: bucket key → the bucket's settings (`name`, and
    /// properties passed to CloudFormation as written).
    pub s3_buckets: Map<String, Value>,
    /// `provider.kinesis.consumerNamingMode` is set (JavaScript-truthy): v3 then names
    /// stream consumers with the service and the stage.
    pub kinesis_consumer_naming_mode: bool,
    /// v3 `shouldUseCloudFormation` is false: `provider.eventBridge` is given without
    /// `useCloudFormation: true`, so rules are configured through the custom resource.
    pub event_bridge_custom_resource: bool,
}

/// `provider.ecr`: the images functions name (`images.<name>`: an image URI, a build path, or
/// an object; sls-compile's image module reads each with v3's rules) and `scanOnPush`.
#[derive(Debug, Clone, Default)]
pub struct EcrSettings {
    pub images: Map<String, Value>,
    pub scan_on_push: bool,
}

impl EcrSettings {
    fn from_json(p: &Map<String, Value>) -> Self {
        let ecr = p.get("ecr");
        EcrSettings {
            images: ecr
                .and_then(|e| e.get("images"))
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            scan_on_push: ecr
                .and_then(|e| e.get("scanOnPush"))
                .is_some_and(crate::is_truthy),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Function {
    /// The key under `functions:`.
    pub key: String,
    /// Deployed name: `name` or `<service>-<stage>-<key>`.
    pub name: String,
    /// `handler` (`path/to/file.export`); `None` for image functions or when missing.
    pub handler: Option<String>,
    /// `image`, as written (container image functions).
    pub image: Option<Value>,
    /// `events`: each entry's family with its settings (see [`events`]).
    pub events: Vec<Event>,
    pub runtime: Option<String>,
    pub memory_size: Option<Value>,
    pub timeout: Option<Value>,
    pub description: Option<String>,
    pub environment: Option<Map<String, Value>>,
    pub role: Option<Value>,
    pub tags: Option<Map<String, Value>>,
    pub log_retention_in_days: Option<Value>,
    pub version_function: Option<bool>,
    /// `provisionedConcurrency`, when set (JavaScript-truthy): v3 then deploys a `provisioned`
    /// alias that every event targets.
    pub provisioned_concurrency: Option<Value>,
    /// `snapStart` is set (JavaScript-truthy): v3 then deploys a `snapstart` alias.
    pub snap_start: bool,
    pub package: FunctionPackage,
    /// The settings compiled into the function's resources (VPC, tracing, URL, ...).
    pub settings: FunctionSettings,
    /// What the built-in packaging plugins read on the function.
    pub plugin_options: FunctionPluginOptions,
}

#[derive(Debug, Clone, Default)]
pub struct FunctionPackage {
    pub patterns: Vec<String>,
    pub individually: bool,
    pub artifact: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Package {
    pub patterns: Vec<String>,
    pub individually: bool,
    pub artifact: Option<String>,
    pub exclude_dev_dependencies: bool,
}

impl Service {
    /// Reads the resolved configuration. `stage` and `region` are the ones the CLI decided
    /// (`--stage` → `provider.stage` → `dev`; same for region).
    pub fn from_config(config: &Value, stage: &str, region: &str) -> Result<Self> {
        let root = config
            .as_object()
            .ok_or_else(|| ModelError::new("", "the configuration must be an object"))?;
        let name = match root.get("service") {
            Some(Value::Object(_)) => service_name(config)
                .ok_or_else(|| ModelError::new("service.name", "missing service name"))?,
            _ => service_name(config).ok_or_else(|| {
                ModelError::new(
                    "service",
                    "missing service name; add `service: <name>` to serverless.yml",
                )
            })?,
        }
        .to_string();
        let empty = Map::new();
        let p = obj_at(root, "provider", "provider")?.unwrap_or(&empty);
        if let Some(n) = p.get("name").and_then(Value::as_str) {
            if n != "aws" {
                return Err(ModelError::new(
                    "provider.name",
                    format!("provider \"{n}\" is not supported; only \"aws\" is"),
                ));
            }
        }
        let provider = Provider::from_json(p)?;
        let stack_name = match str_at(p, "stackName", "provider.stackName")? {
            Some(s) => s,
            None => format!("{name}-{stage}"),
        };
        let package = Package::from_json(obj_at(root, "package", "package")?.unwrap_or(&empty))?;
        let mut functions = Vec::new();
        if let Some(fns) = obj_at(root, "functions", "functions")? {
            for (key, f) in fns {
                functions.push(Function::from_json(key, f, &name, stage)?);
            }
        }
        let resources = obj_at(root, "resources", "resources")?.cloned();
        Ok(Service {
            name,
            stage: stage.to_string(),
            region: region.to_string(),
            stack_name,
            provider,
            functions,
            package,
            resources,
        })
    }

    /// The runtime `f` runs with (its own, the provider's, else [`DEFAULT_RUNTIME`]).
    pub fn runtime_of<'a>(&'a self, f: &'a Function) -> &'a str {
        runtime_of(f.runtime.as_deref(), self.provider.runtime.as_deref())
    }

    /// True when a bucket is named in the config, so no core stack with its own bucket is made.
    pub fn uses_custom_bucket(&self) -> bool {
        self.provider.deployment_bucket.is_some()
    }

    /// v3 `getCustomExecutionRole`: the role a function runs with when it is not the generated one.
    pub fn custom_execution_role(&self, f: &Function) -> Option<Value> {
        if let Some(r) = &f.role {
            return Some(r.clone());
        }
        if let Some(r) = &self.provider.iam_role {
            if is_existing_role(r) {
                return Some(r.clone());
            }
        }
        self.provider.role.clone()
    }

    /// Prefix of every artifact directory of this service and stage in the bucket.
    pub fn artifact_prefix(&self) -> String {
        format!(
            "{}/{}/{}/",
            self.provider.deployment_prefix, self.name, self.stage
        )
    }
}

/// v3 `isExistingRoleProvided`: an ARN string or an intrinsic (`{"Fn::GetAtt": ..}`, ...).
pub fn is_existing_role(role: &Value) -> bool {
    match role {
        Value::String(_) => true,
        Value::Object(o) => o.keys().any(|k| k.contains("::")),
        _ => false,
    }
}

impl Provider {
    fn from_json(p: &Map<String, Value>) -> Result<Self> {
        let mut out = Provider {
            runtime: str_at(p, "runtime", "provider.runtime")?,
            memory_size: p.get("memorySize").cloned(),
            timeout: p.get("timeout").cloned(),
            environment: obj_at(p, "environment", "provider.environment")?.cloned(),
            tags: obj_at(p, "tags", "provider.tags")?.cloned(),
            stack_tags: obj_at(p, "stackTags", "provider.stackTags")?.cloned(),
            deployment_prefix: str_at(p, "deploymentPrefix", "provider.deploymentPrefix")?
                .unwrap_or_else(|| "serverless".into()),
            role: p.get("role").cloned(),
            iam_role_statements: arr_at(p, "iamRoleStatements", "provider.iamRoleStatements")?,
            iam_managed_policies: arr_at(p, "iamManagedPolicies", "provider.iamManagedPolicies")?,
            deployment_role: str_at(p, "cfnRole", "provider.cfnRole")?,
            version_functions: match p.get("versionFunctions") {
                None | Some(Value::Null) => true,
                Some(Value::Bool(b)) => *b,
                Some(_) => {
                    return Err(ModelError::new(
                        "provider.versionFunctions",
                        "must be true or false",
                    ))
                }
            },
            log_retention_in_days: p.get("logRetentionInDays").cloned(),
            function_defaults: FunctionDefaults::from_json(p),
            websocket: events::WebsocketProvider::from_json(p),
            alb: events::AlbProvider::from_json(p),
            cloud_front: events::CloudFrontProvider::from_json(p),
            ecr: EcrSettings::from_json(p),
            max_previous_deployment_artifacts: 5,
            api_gateway: api_gateway::parse(p),
            http_api: HttpApiProvider::from_json(p),
            s3_buckets: p
                .get("s3")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default(),
            kinesis_consumer_naming_mode: p
                .get("kinesis")
                .and_then(|k| k.get("consumerNamingMode"))
                .is_some_and(crate::is_truthy),
            event_bridge_custom_resource: match p.get("eventBridge") {
                None | Some(Value::Null) => false,
                Some(o) => !o.get("useCloudFormation").is_some_and(crate::is_truthy),
            },
            ..Provider::default()
        };
        // `serverless print` shows the normalised form: `deploymentBucket` (name or null) plus
        // `deploymentBucketObject` (the settings); the raw form has one or the other.
        let bucket_object = match (p.get("deploymentBucket"), p.get("deploymentBucketObject")) {
            (_, Some(Value::Object(o))) => Some(Value::Object(o.clone())),
            (Some(v), _) => Some(v.clone()),
            _ => None,
        };
        match bucket_object.as_ref() {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) => out.deployment_bucket = Some(s.clone()),
            Some(Value::Object(b)) => {
                let path = "provider.deploymentBucket";
                out.deployment_bucket = match p.get("deploymentBucket") {
                    Some(Value::String(s)) => Some(s.clone()),
                    _ => str_at(b, "name", "provider.deploymentBucket.name")?,
                };
                out.bucket_sse = str_at(b, "serverSideEncryption", path)?;
                out.bucket_sse_kms_key_id = str_at(b, "sseKMSKeyId", path)?;
                out.bucket_block_public_access = bool_at(b, "blockPublicAccess", path)?;
                out.bucket_versioning = bool_at(b, "versioning", path)?;
                out.bucket_skip_policy_setup = bool_at(b, "skipPolicySetup", path)?;
                out.bucket_tags = obj_at(b, "tags", "provider.deploymentBucket.tags")?.cloned();
                if let Some(n) = b.get("maxPreviousDeploymentArtifacts") {
                    out.max_previous_deployment_artifacts =
                        n.as_u64().map(|n| n as usize).ok_or_else(|| {
                            ModelError::new(
                                "provider.deploymentBucket.maxPreviousDeploymentArtifacts",
                                "must be a whole number",
                            )
                        })?;
                }
            }
            Some(_) => {
                return Err(ModelError::new(
                    "provider.deploymentBucket",
                    "must be a bucket name or an object with `name`",
                ))
            }
        }
        if let Some(iam) = obj_at(p, "iam", "provider.iam")? {
            out.iam_role = iam.get("role").cloned();
            if let Some(r) = str_at(iam, "deploymentRole", "provider.iam.deploymentRole")? {
                out.deployment_role = Some(r);
            }
        }
        out.execution_role = ExecutionRole::from_json(
            out.iam_role_object(),
            p,
            out.iam_role_statements.as_ref(),
            out.iam_managed_policies.as_ref(),
        );
        Ok(out)
    }

    /// `iam.role` when it is an object with `statements`/`managedPolicies`/... (not an ARN).
    pub fn iam_role_object(&self) -> Option<&Map<String, Value>> {
        match &self.iam_role {
            Some(v @ Value::Object(o)) if !is_existing_role(v) => Some(o),
            _ => None,
        }
    }
}

impl Function {
    /// One entry of `functions:` (`key: f`), as [`Service::from_config`] reads it: for a command
    /// that needs one function without the whole service (`invoke local`).
    pub fn from_json(key: &str, f: &Value, service: &str, stage: &str) -> Result<Self> {
        let at = |k: &str| format!("functions.{key}.{k}");
        // `functions: { hello: }` (an empty definition): v3 treats it as an empty object.
        let empty = Map::new();
        let f = match f {
            Value::Null => &empty,
            Value::Object(o) => o,
            _ => {
                return Err(ModelError::new(
                    format!("functions.{key}"),
                    "must be an object",
                ))
            }
        };
        let events = match f.get("events") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(list)) => events::read(key, list),
            Some(_) => return Err(ModelError::new(at("events"), "must be a list")),
        };
        let package = match obj_at(f, "package", &at("package"))? {
            None => FunctionPackage::default(),
            Some(p) => FunctionPackage {
                patterns: str_list(p, "patterns", &at("package.patterns"))?,
                individually: bool_at(p, "individually", &at("package"))?,
                artifact: str_at(p, "artifact", &at("package.artifact"))?,
            },
        };
        Ok(Function {
            key: key.to_string(),
            name: str_at(f, "name", &at("name"))?
                .unwrap_or_else(|| default_function_name(service, stage, key)),
            handler: str_at(f, "handler", &at("handler"))?.filter(|h| !h.is_empty()),
            image: f.get("image").filter(|v| !v.is_null()).cloned(),
            events,
            runtime: str_at(f, "runtime", &at("runtime"))?,
            memory_size: f.get("memorySize").cloned(),
            timeout: f.get("timeout").cloned(),
            description: str_at(f, "description", &at("description"))?,
            environment: obj_at(f, "environment", &at("environment"))?.cloned(),
            role: f.get("role").cloned(),
            tags: obj_at(f, "tags", &at("tags"))?.cloned(),
            log_retention_in_days: f.get("logRetentionInDays").cloned(),
            version_function: match f.get("versionFunction") {
                Some(Value::Bool(b)) => Some(*b),
                _ => None,
            },
            provisioned_concurrency: f
                .get("provisionedConcurrency")
                .filter(|v| crate::is_truthy(v))
                .cloned(),
            snap_start: f.get("snapStart").is_some_and(crate::is_truthy),
            package,
            settings: FunctionSettings::from_json(f),
            plugin_options: FunctionPluginOptions::from_json(f),
        })
    }
}

impl Package {
    fn from_json(p: &Map<String, Value>) -> Result<Self> {
        Ok(Package {
            patterns: str_list(p, "patterns", "package.patterns")?,
            individually: bool_at(p, "individually", "package")?,
            artifact: str_at(p, "artifact", "package.artifact")?,
            exclude_dev_dependencies: match p.get("excludeDevDependencies") {
                Some(Value::Bool(b)) => *b,
                _ => true,
            },
        })
    }
}

fn str_at(o: &Map<String, Value>, key: &str, path: &str) -> Result<Option<String>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        // Numbers in YAML (`name: 123`) are fine where a string is expected.
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(_) => Err(ModelError::new(path, format!("\"{key}\" must be a string"))),
    }
}

fn bool_at(o: &Map<String, Value>, key: &str, path: &str) -> Result<bool> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(ModelError::new(
            format!("{path}.{key}"),
            "must be true or false",
        )),
    }
}

fn obj_at<'a>(
    o: &'a Map<String, Value>,
    key: &str,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => Ok(Some(m)),
        Some(_) => Err(ModelError::new(path, "must be an object (a map)")),
    }
}

fn arr_at(o: &Map<String, Value>, key: &str, path: &str) -> Result<Option<Vec<Value>>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a)) => Ok(Some(a.clone())),
        Some(_) => Err(ModelError::new(path, "must be a list")),
    }
}

fn str_list(o: &Map<String, Value>, key: &str, path: &str) -> Result<Vec<String>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| ModelError::new(path, "every entry must be a string"))
            })
            .collect(),
        Some(_) => Err(ModelError::new(path, "must be a list of strings")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_runtime_and_defaults() {
        let cfg = json!({
            "service": "svc",
            "provider": {"name": "aws", "runtime": "python3.12"},
            "functions": {"a": {"handler": "h.a"}, "b": {"handler": "h.b", "runtime": "nodejs20.x", "name": "custom"}, "c": null}
        });
        let s = Service::from_config(&cfg, "dev", "eu-west-1").unwrap();
        assert_eq!(s.stack_name, "svc-dev");
        assert_eq!(s.functions[0].name, "svc-dev-a");
        assert_eq!(s.runtime_of(&s.functions[0]), "python3.12");
        assert_eq!(s.functions[1].name, "custom");
        assert_eq!(s.runtime_of(&s.functions[1]), "nodejs20.x");
        assert_eq!(s.functions[2].handler, None);
        assert_eq!(runtime_of(None, None), DEFAULT_RUNTIME);
        assert_eq!(
            service_name(&json!({"service": {"name": "old"}})),
            Some("old")
        );
        assert_eq!(service_name(&json!({"service": ""})), None);
    }

    #[test]
    fn errors_name_the_property() {
        let e = Service::from_config(
            &json!({"service": "s", "functions": {"f": {"events": {}}}}),
            "dev",
            "r",
        )
        .unwrap_err();
        assert_eq!(e.path, "functions.f.events");
        assert_eq!(
            e.to_string(),
            "Invalid configuration at \"functions.f.events\": must be a list."
        );
    }
}
