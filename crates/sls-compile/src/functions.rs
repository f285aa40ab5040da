//! `AWS::Lambda::Function` and `AWS::Lambda::Version` resources (v3 `compileFunctions`), and
//! the function settings the compiler refuses.

use std::cmp::Ordering;

use serde_json::{json, Map, Value};

use super::{tag_list, FunctionArtifact};
use crate::error::{DeployError, Result};
use crate::image;
use crate::layers::LayerZip;
use crate::naming;
use crate::sha256_b64;
pub(super) use sls_config::is_truthy as truthy;
use sls_config::model::{
    CorsList, FileSystemConfig, Function, RuntimeManagement, Service, UrlCors, VpcSetting,
};

/// A function needs a handler or an image (v3's checks of both).
pub(super) fn check(service: &Service, f: &Function) -> Result<()> {
    let key = &f.key;
    event_invoke_config(service, f, &mut Vec::new())?;
    if f.settings.file_system.is_some() && vpc_config(service, f).is_none() {
        return Err(DeployError::config(
            format!("functions.{key}.fileSystemConfig"),
            format!("Function \"{key}\": when using fileSystemConfig, ensure that function has vpc configured on function or provider level"),
        ));
    }
    match (&f.handler, &f.image) {
        (None, None) => Err(DeployError::config(
            format!("functions.{key}.handler"),
            format!("Either \"handler\" or \"image\" property needs to be set on function \"{key}\""),
        )),
        (Some(_), Some(_)) => Err(DeployError::config(
            format!("functions.{key}"),
            format!("Either \"handler\" or \"image\" property (not both) needs to be set on function \"{key}\""),
        )),
        (None, Some(image)) => image::check(service, key, image),
        (Some(_), None) => Ok(()),
    }?;
    if f.provisioned_concurrency.is_some() && f.snap_start {
        return Err(DeployError::config(
            format!("functions.{key}.snapStart"),
            format!("Functions with enabled SnapStart does not support provisioned concurrency. Please remove at least one of the settings on function \"{key}\""),
        ));
    }
    Ok(())
}

/// A compiled resource with the statements it adds to the generated role.
pub(super) struct CompiledResource {
    pub logical_id: String,
    pub resource: Value,
    pub role_statements: Vec<RoleStatement>,
}

/// The `AWS::Lambda::Function` of `f` and the statements it adds to the generated role;
/// properties in v3's order (an image function's image comes resolved in `artifact`).
pub(super) fn compile_function(
    service: &Service,
    f: &Function,
    artifact_directory_name: &str,
    artifact: &FunctionArtifact,
) -> CompiledResource {
    let (s, defaults) = (&f.settings, &service.provider.function_defaults);
    let mut props = Map::new();
    match artifact.image.clone() {
        // v3: `Code` first, then `ImageConfig`, then `PackageType`; no handler or runtime.
        Some(img) => {
            props.insert("Code".into(), json!({"ImageUri": img.uri}));
            if let Some(c) = img.config {
                props.insert("ImageConfig".into(), c);
            }
            props.insert("PackageType".into(), json!("Image"));
        }
        None => {
            props.insert(
                "Code".into(),
                code(service, artifact_directory_name, artifact),
            );
            let modes = [&defaults.runtime_management, &s.runtime_management];
            if let Some(c) = runtime_management(modes.into_iter().flatten()) {
                props.insert("RuntimeManagementConfig".into(), c);
            }
            props.insert(
                "Handler".into(),
                json!(f.handler.as_deref().unwrap_or_default()),
            );
            props.insert("Runtime".into(), json!(service.runtime_of(f)));
        }
    }
    add_basic_settings(service, f, &mut props);
    let mut role_statements = add_settings_with_statements(service, f, &mut props);
    add_environment(service, f, &mut props);
    let mut depends_on = add_role(service, f, &mut props);
    if let Some(vpc) = vpc_config(service, f) {
        props.insert("VpcConfig".into(), vpc);
    }
    if let Some(fs) = &s.file_system {
        role_statements.push(add_file_system(fs, &mut props));
    }
    if let Some(reserved) = &s.reserved_concurrency {
        props.insert("ReservedConcurrentExecutions".into(), reserved.clone());
    }
    // v3: the function's layers, else the provider's (ARNs, or `{Ref: <Layer>LambdaLayer}`).
    if let Some(l) = s.layers.as_ref().or(defaults.layers.as_ref()) {
        props.insert("Layers".into(), l.clone());
    }
    depends_on.extend(s.depends_on.iter().cloned());
    // v3's key order: Type, Properties, Condition, DependsOn.
    let mut resource = json!({"Type": "AWS::Lambda::Function", "Properties": props});
    if let Some(c) = &s.condition {
        resource["Condition"] = c.clone();
    }
    if !depends_on.is_empty() {
        resource["DependsOn"] = Value::Array(depends_on);
    }
    CompiledResource {
        logical_id: naming::lambda_logical_id(&f.key),
        resource,
        role_statements,
    }
}

/// `Code`: the artifact in the deployment bucket.
fn code(service: &Service, artifact_directory_name: &str, artifact: &FunctionArtifact) -> Value {
    let bucket = match &service.provider.deployment_bucket {
        Some(b) => json!(b),
        None => json!({"Ref": "ServerlessDeploymentBucket"}),
    };
    json!({"S3Bucket": bucket, "S3Key": format!("{artifact_directory_name}/{}", artifact.file_name)})
}

/// v3 `resolveFunctionRuntimeManagement`: `{mode: auto}`, then the provider's, then the
/// function's (a string is the mode); `auto` sets nothing.
fn runtime_management<'a>(settings: impl Iterator<Item = &'a RuntimeManagement>) -> Option<Value> {
    let mut mode = json!("auto");
    let mut arn = None;
    for s in settings {
        if let Some(m) = &s.mode {
            mode = m.clone();
        }
        if let Some(a) = &s.arn {
            arn = Some(a);
        }
    }
    match mode.as_str() {
        Some("auto") => None,
        Some("onFunctionUpdate") => Some(json!({"UpdateRuntimeOn": "FunctionUpdate"})),
        Some("manual") => Some(match arn.filter(|a| !a.is_null()) {
            Some(arn) => json!({"UpdateRuntimeOn": "Manual", "RuntimeVersionArn": arn}),
            None => json!({"UpdateRuntimeOn": "Manual"}),
        }),
        _ => Some(json!({})),
    }
}

/// Name, memory, timeout, architecture, description, tags, ephemeral storage.
fn add_basic_settings(service: &Service, f: &Function, props: &mut Map<String, Value>) {
    let p = &service.provider;
    props.insert("FunctionName".into(), json!(f.name));
    props.insert(
        "MemorySize".into(),
        first_truthy(&[&f.memory_size, &p.memory_size]).unwrap_or(json!(1024)),
    );
    props.insert(
        "Timeout".into(),
        first_truthy(&[&f.timeout, &p.timeout]).unwrap_or(json!(6)),
    );
    let architectures = [&f.settings.architecture, &p.function_defaults.architecture];
    if let Some(a) = architectures.into_iter().flatten().find(|a| truthy(a)) {
        props.insert("Architectures".into(), json!([a]));
    }
    if let Some(d) = f.description.as_ref().filter(|d| !d.is_empty()) {
        props.insert("Description".into(), json!(d));
    }
    if f.tags.is_some() || p.tags.is_some() {
        let mut tags = p.tags.clone().unwrap_or_default();
        for (k, v) in f.tags.iter().flatten() {
            tags.insert(k.clone(), v.clone());
        }
        props.insert("Tags".into(), tag_list(&tags));
    }
    if let Some(size) = &f.settings.ephemeral_storage_size {
        props.insert("EphemeralStorage".into(), json!({"Size": size}));
    }
}

/// The dead-letter target, the KMS key and tracing, with what each lets the generated role do.
fn add_settings_with_statements(
    service: &Service,
    f: &Function,
    props: &mut Map<String, Value>,
) -> Vec<RoleStatement> {
    let (s, defaults) = (&f.settings, &service.provider.function_defaults);
    let mut role_statements = Vec::new();
    // v3: `onError` (a string ARN also lets the default role publish to it).
    if let Some(on_error) = &s.on_error {
        props.insert("DeadLetterConfig".into(), json!({"TargetArn": on_error}));
        if on_error.is_string() {
            role_statements.push(RoleStatement {
                statement: json!({"Effect": "Allow", "Action": ["sns:Publish"], "Resource": [on_error]}),
                union: false,
            });
        }
    }
    // v3: the function's `kmsKeyArn`, else the provider's (a string ARN also lets the default
    // role decrypt with it).
    if let Some(k) = s.kms_key_arn.as_ref().or(defaults.kms_key_arn.as_ref()) {
        props.insert("KmsKeyArn".into(), k.clone());
        if k.is_string() {
            role_statements.push(RoleStatement {
                statement: json!({"Effect": "Allow", "Action": ["kms:Decrypt"], "Resource": [k]}),
                union: true,
            });
        }
    }
    // v3: `functionObject.tracing || provider.tracing.lambda`; `true` is `Active`.
    if let Some(t) = s.tracing.as_ref().or(defaults.tracing.as_ref()) {
        let mode = if t.is_boolean() {
            json!("Active")
        } else {
            t.clone()
        };
        props.insert("TracingConfig".into(), json!({"Mode": mode}));
        role_statements.push(RoleStatement {
            statement: json!({
                "Effect": "Allow",
                "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
                "Resource": ["*"]
            }),
            union: true,
        });
    }
    role_statements
}

/// The provider's environment variables, overridden by the function's.
fn add_environment(service: &Service, f: &Function, props: &mut Map<String, Value>) {
    let p = &service.provider;
    if f.environment.is_some() || p.environment.is_some() {
        let mut vars = p.environment.clone().unwrap_or_default();
        for (k, v) in f.environment.iter().flatten() {
            vars.insert(k.clone(), v.clone());
        }
        props.insert("Environment".into(), json!({"Variables": vars}));
    }
}

/// v3 `compileRole`: the `Role` property; returns what the function then depends on (its log
/// group unless `disableLogs`, and an in-stack role other than the generated one).
fn add_role(service: &Service, f: &Function, props: &mut Map<String, Value>) -> Vec<Value> {
    let role = service
        .custom_execution_role(f)
        .unwrap_or_else(|| json!(naming::ROLE_LOGICAL_ID));
    let mut depends_on = Vec::new();
    if !f.settings.disable_logs {
        depends_on.push(json!(naming::log_group_logical_id(&f.key)));
    }
    match &role {
        Value::String(s) if s.starts_with("arn:aws") => {
            props.insert("Role".into(), role.clone());
        }
        Value::String(s) => {
            props.insert("Role".into(), json!({"Fn::GetAtt": [s, "Arn"]}));
            if s != naming::ROLE_LOGICAL_ID {
                depends_on.push(json!(s));
            }
        }
        Value::Object(o) if o.contains_key("Fn::GetAtt") => {
            props.insert("Role".into(), role.clone());
            if let Some(first) = o["Fn::GetAtt"].get(0) {
                depends_on.push(first.clone());
            }
        }
        _ => {
            props.insert("Role".into(), role.clone());
        }
    }
    depends_on
}

/// v3: `fileSystemConfig` (checked to come with a VPC); the default role may mount it.
fn add_file_system(fs: &FileSystemConfig, props: &mut Map<String, Value>) -> RoleStatement {
    let mut c = Map::new();
    for (value, to) in [(&fs.arn, "Arn"), (&fs.local_mount_path, "LocalMountPath")] {
        if let Some(v) = value {
            c.insert(to.into(), v.clone());
        }
    }
    props.insert("FileSystemConfigs".into(), json!([c]));
    RoleStatement {
        statement: json!({
            "Effect": "Allow",
            "Action": ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            "Resource": [fs.arn.clone().unwrap_or(Value::Null)]
        }),
        union: false,
    }
}

/// v3's `VpcConfig` of a function: its `vpc` keys, else the provider's; none unless both ids
/// are set, and none at all when the function sets `vpc: null` or `vpc: false`.
pub(super) fn vpc_config(service: &Service, f: &Function) -> Option<Value> {
    let fn_vpc = &f.settings.vpc;
    if *fn_vpc == VpcSetting::Off {
        return None;
    }
    let provider_vpc = service.provider.function_defaults.vpc.as_ref();
    let pick = |k: &str| {
        fn_vpc
            .get(k)
            .or_else(|| provider_vpc.and_then(|v| v.get(k)).filter(|v| truthy(v)))
            .cloned()
    };
    let (sg, sn) = (pick("securityGroupIds")?, pick("subnetIds")?);
    Some(json!({"SecurityGroupIds": sg, "SubnetIds": sn}))
}

/// A statement a function adds to the default role's policy, if that role exists: pushed, or
/// merged with lodash `unionWith(isEqual)` (the statements then end up without duplicates).
pub(super) struct RoleStatement {
    statement: Value,
    union: bool,
}

/// Adds a function's statements to `IamRoleLambdaExecution`, in v3's order.
pub(super) fn add_role_statements(t: &mut Value, add: Vec<RoleStatement>) {
    let statements = t
        .get_mut("Resources")
        .and_then(|r| r.get_mut(naming::ROLE_LOGICAL_ID))
        .and_then(|r| r.pointer_mut("/Properties/Policies/0/PolicyDocument/Statement"));
    let Some(Value::Array(list)) = statements else {
        return;
    };
    for RoleStatement { statement, union } in add {
        if !union {
            list.push(statement);
            continue;
        }
        let mut out: Vec<Value> = Vec::with_capacity(list.len() + 1);
        for s in list.drain(..).chain([statement]) {
            if !out.contains(&s) {
                out.push(s);
            }
        }
        *list = out;
    }
}

/// What v3 `compileFunctionUrl` adds for a function's `url`: resources (the URL, then the public
/// permission when there is no IAM auth) and the output.
pub(super) struct FunctionUrl {
    pub resources: Vec<(String, Value)>,
    pub output: (String, Value),
}

pub(super) fn function_url(f: &Function) -> Option<FunctionUrl> {
    let url = f.settings.url.as_ref()?;
    let norm = naming::normalized_function_name(&f.key);
    let target = crate::events::lambda_target(f);
    let alias_id = naming::target_alias_id(f);
    let auth = if url.aws_iam { "AWS_IAM" } else { "NONE" };
    let mut props = json!({"AuthType": auth, "TargetFunctionArn": target});
    if let Some(c) = &url.cors {
        props["Cors"] = Value::Object(url_cors(c));
    }
    if url.response_stream {
        props["InvokeMode"] = json!("RESPONSE_STREAM");
    }
    let url_id = format!("{norm}LambdaFunctionUrl");
    let mut url_res = json!({"Type": "AWS::Lambda::Url", "Properties": props});
    if let Some(a) = &alias_id {
        url_res["DependsOn"] = json!(a);
    }
    let mut resources = vec![(url_id.clone(), url_res)];
    if auth == "NONE" {
        let mut permission = json!({
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": target,
                "Action": "lambda:InvokeFunctionUrl",
                "Principal": "*",
                "FunctionUrlAuthType": auth
            }
        });
        if let Some(a) = alias_id {
            permission["DependsOn"] = json!(a);
        }
        resources.push((format!("{norm}LambdaPermissionFnUrl"), permission));
    }
    let output = json!({
        "Description": "Lambda Function URL",
        "Value": {"Fn::GetAtt": [url_id, "FunctionUrl"]}
    });
    Some(FunctionUrl {
        resources,
        output: (format!("{norm}LambdaFunctionUrl"), output),
    })
}

/// v3's `Cors` of a function URL: each list as given, else its default.
fn url_cors(c: &UrlCors) -> Map<String, Value> {
    let mut cors = Map::new();
    if c.allow_credentials {
        cors.insert("AllowCredentials".into(), json!(true));
    }
    let headers = json!([
        "Content-Type",
        "X-Amz-Date",
        "Authorization",
        "X-Api-Key",
        "X-Amz-Security-Token",
        "X-Amzn-Trace-Id"
    ]);
    for (list, cf, default) in [
        (&c.allowed_headers, "AllowHeaders", Some(headers)),
        (&c.allowed_methods, "AllowMethods", Some(json!(["*"]))),
        (&c.allowed_origins, "AllowOrigins", Some(json!(["*"]))),
        (&c.exposed_response_headers, "ExposeHeaders", None),
    ] {
        let value = match list {
            CorsList::Given(v) => Some(v.clone()),
            CorsList::Removed => None,
            CorsList::Default => default,
        };
        if let Some(v) = value {
            cors.insert(cf.into(), v);
        }
    }
    if let Some(m) = &c.max_age {
        cors.insert("MaxAge".into(), m.clone());
    }
    cors
}

/// v3 `compileFunctionEventInvokeConfig`: `destinations`, `maximumEventAge` and
/// `maximumRetryAttempts` make an `AWS::Lambda::EventInvokeConfig` (`<Fn>LambdaEvConf`); each
/// destination also lets the default role reach it unless the function has its own role
/// (v3 memoizes that per destination string: `seen`).
pub(super) fn event_invoke_config(
    service: &Service,
    f: &Function,
    seen: &mut Vec<String>,
) -> Result<Option<CompiledResource>> {
    let s = &f.settings;
    let (max_age, max_retry) = (&s.maximum_event_age, &s.maximum_retry_attempts);
    if s.destinations.is_none() && max_age.is_none() && max_retry.is_none() {
        return Ok(None);
    }
    let mut statements = Vec::new();
    let mut dest_config = Map::new();
    let external = service.custom_execution_role(f).is_some();
    let destinations = s.destinations.clone().unwrap_or_default();
    for (d, key, cf_key) in [
        (&destinations.on_success, "onSuccess", "OnSuccess"),
        (&destinations.on_failure, "onFailure", "OnFailure"),
    ] {
        let Some(d) = d else {
            continue;
        };
        let path = format!("functions.{}.destinations.{key}", f.key);
        let unknown_fn = |name: &str| {
            DeployError::config(
                path.clone(),
                format!("Unrecognized function address {name}"),
            )
        };
        let arn = match d {
            Value::Object(o) => o.get("arn").cloned().unwrap_or(Value::Null),
            Value::String(s) if s.starts_with("arn:") => json!(s),
            Value::String(s) => {
                if !service.functions.iter().any(|g| &g.key == s) {
                    return Err(unknown_fn(s));
                }
                // v3 `resolveFunctionArn`: through the target's alias when it has one.
                service
                    .functions
                    .iter()
                    .find(|g| &g.key == s)
                    .map(crate::events::lambda_target)
                    .unwrap_or(Value::Null)
            }
            _ => Value::Null,
        };
        dest_config.insert(cf_key.into(), json!({"Destination": arn}));
        if external {
            continue;
        }
        if let Value::String(s) = d {
            if seen.contains(s) {
                continue;
            }
            seen.push(s.clone());
        }
        let kind = d.get("type").and_then(Value::as_str);
        let text = d.as_str();
        let action = match (kind, text) {
            (Some("function"), _) => "lambda:InvokeFunction",
            (Some("sqs"), _) => "sqs:SendMessage",
            (Some("sns"), _) => "sns:Publish",
            (Some("eventBus"), _) => "events:PutEvents",
            (_, Some(s)) if !s.starts_with("arn:") || s.contains(":function:") => {
                "lambda:InvokeFunction"
            }
            (_, Some(s)) if s.contains(":sqs:") => "sqs:SendMessage",
            (_, Some(s)) if s.contains(":sns:") => "sns:Publish",
            (_, Some(s)) if s.contains(":event-bus/") => "events:PutEvents",
            _ => {
                return Err(DeployError::config(
                    path,
                    format!(
                        "Unsupported destination target {}",
                        text.map(str::to_string)
                            .unwrap_or_else(|| "[object Object]".into())
                    ),
                ))
            }
        };
        let resource = match d {
            Value::String(s) if !s.starts_with("arn:") => {
                let name = service
                    .functions
                    .iter()
                    .find(|g| &g.key == s)
                    .map(|g| g.name.clone())
                    .ok_or_else(|| unknown_fn(s))?;
                json!({"Fn::Sub": format!("arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{name}")})
            }
            Value::String(s) => json!(s),
            _ => d.get("arn").cloned().unwrap_or(Value::Null),
        };
        statements.push(RoleStatement {
            statement: json!({"Effect": "Allow", "Action": action, "Resource": resource}),
            union: false,
        });
    }
    let mut props = json!({
        "FunctionName": {"Ref": naming::lambda_logical_id(&f.key)},
        "DestinationConfig": dest_config,
        "Qualifier": naming::target_alias(f).map_or("$LATEST", |a| a.name),
    });
    if let Some(age) = max_age {
        props["MaximumEventAgeInSeconds"] = age.clone();
    }
    if let Some(retry) = max_retry {
        props["MaximumRetryAttempts"] = retry.clone();
    }
    let mut resource = json!({"Type": "AWS::Lambda::EventInvokeConfig", "Properties": props});
    if let Some(a) = naming::target_alias_id(f) {
        resource["DependsOn"] = json!(a);
    }
    Ok(Some(CompiledResource {
        logical_id: format!("{}LambdaEvConf", naming::normalized_function_name(&f.key)),
        resource,
        role_statements: statements,
    }))
}

/// A function's `AWS::Lambda::Version` (its id carries v3's digest), the output naming it, and
/// the alias v3 adds for `provisionedConcurrency` or `snapStart`.
pub(super) struct Version {
    pub id: String,
    pub resource: Value,
    pub output_id: String,
    pub output: Value,
    pub alias: Option<(String, Value)>,
}

/// Whether v3 publishes a version of `f`: `versionFunction(s)`, or an alias needs one.
pub(super) fn is_versioned(service: &Service, f: &Function) -> bool {
    f.version_function
        .unwrap_or(service.provider.version_functions)
        || naming::target_alias(f).is_some()
}

/// The version of the function `fn_id` (compiled as `fn_res`) with code `artifact` (or its
/// image) and the stack's `layers` it references (`layers::layer_configurations`), and its
/// alias. Adds `SnapStart` to `fn_res` after hashing, as v3 does.
pub(super) fn version(
    service: &Service,
    f: &Function,
    fn_id: &str,
    fn_res: &mut Value,
    artifact: &FunctionArtifact,
    layers: &[(Value, &LayerZip)],
) -> Version {
    let image = artifact.image.as_ref();
    // v3 (lambdaHashingVersion 20201221, the default): sha256(base64 zip hash + each referenced
    // layer zip's base64 hash, by artifact path + JSON.stringify(deepSort(properties without
    // Code and Tags, + layerConfigurations))); an image function hashes its properties only,
    // `Code` (the image digest) included.
    let mut props = fn_res["Properties"].clone();
    if let Some(o) = props.as_object_mut() {
        if image.is_none() {
            o.remove("Code");
        }
        o.remove("Tags");
        o.remove("ReservedConcurrentExecutions");
        let configs: Vec<Value> = layers.iter().map(|(c, _)| c.clone()).collect();
        o.insert("layerConfigurations".into(), Value::Array(configs));
    }
    let (code_sha, mut input) = match &image {
        Some(img) => (img.sha.clone(), Vec::new()),
        None => {
            let mut input = artifact.sha256.clone().into_bytes();
            let mut zips: Vec<&LayerZip> = layers.iter().map(|(_, z)| *z).collect();
            zips.sort_by(|a, b| a.sort_key.cmp(&b.sort_key));
            for z in zips {
                input.extend(z.sha256.as_bytes());
            }
            (artifact.sha256.clone(), input)
        }
    };
    input.extend(
        serde_json::to_string(&deep_sort(&props))
            .unwrap_or_default()
            .into_bytes(),
    );
    let digest = sha256_b64(&input);
    let id = naming::lambda_version_logical_id(&f.key, &digest);
    let mut vprops = json!({"FunctionName": {"Ref": fn_id}, "CodeSha256": code_sha});
    if let Some(d) = f.description.as_ref().filter(|d| !d.is_empty()) {
        vprops["Description"] = json!(d);
    }
    let mut resource =
        json!({"Type": "AWS::Lambda::Version", "DeletionPolicy": "Retain", "Properties": vprops});
    let alias = naming::target_alias(f).map(|a| {
        // An alias of a function that is not versioned otherwise keeps no old versions.
        if !f
            .version_function
            .unwrap_or(service.provider.version_functions)
        {
            if let Some(o) = resource.as_object_mut() {
                o.remove("DeletionPolicy");
            }
        }
        let mut props = json!({
            "FunctionName": {"Ref": fn_id},
            "FunctionVersion": {"Fn::GetAtt": [id, "Version"]},
            "Name": a.name,
        });
        if let Some(n) = &f.provisioned_concurrency {
            props["ProvisionedConcurrencyConfig"] = json!({"ProvisionedConcurrentExecutions": n});
        }
        if f.snap_start {
            fn_res["Properties"]["SnapStart"] = json!({"ApplyOn": "PublishedVersions"});
        }
        (
            a.logical_id,
            json!({"Type": "AWS::Lambda::Alias", "Properties": props, "DependsOn": fn_id}),
        )
    });
    Version {
        resource,
        output: json!({"Description": "Current Lambda function version", "Value": {"Ref": id}}),
        output_id: naming::lambda_version_output_logical_id(&f.key),
        id,
        alias,
    }
}

fn first_truthy(values: &[&Option<Value>]) -> Option<Value> {
    values
        .iter()
        .find_map(|v| v.as_ref().filter(|v| truthy(v)).cloned())
}

/// Key order of JavaScript's `localeCompare` for ASCII keys, closely enough: letters compare
/// case-insensitively first, lower case before upper case on ties.
fn locale_cmp(a: &str, b: &str) -> Ordering {
    a.to_lowercase()
        .cmp(&b.to_lowercase())
        .then_with(|| b.cmp(a))
}

fn deep_sort(v: &Value) -> Value {
    match v {
        Value::Array(a) => Value::Array(a.iter().map(deep_sort).collect()),
        Value::Object(o) => {
            let mut keys: Vec<&String> = o.keys().collect();
            keys.sort_by(|a, b| locale_cmp(a, b));
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), deep_sort(&o[k])))
                    .collect(),
            )
        }
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_sort_orders_like_locale_compare() {
        let v = deep_sort(
            &json!({"Timeout": 1, "layerConfigurations": [], "Handler": "h", "MemorySize": 1}),
        );
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(
            keys,
            ["Handler", "layerConfigurations", "MemorySize", "Timeout"]
        );
    }
}
