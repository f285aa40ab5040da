//! `http` events: the REST API (API Gateway v1), compiled as v3's
//! `package/compile/events/api-gateway` does, in its order of steps:
//! rest API → resources → CORS preflight methods → methods → authorizers → deployment (and the
//! `ServiceEndpoint` output) → API keys → usage plans → usage-plan keys → Lambda permissions.
//!
//! One REST API is shared by every function, so this is a service-level step: [`check_event`]
//! validates one event (called per function by the event dispatcher), [`compile`] compiles all
//! of them at once. What v3 does after deployment through API calls (stage tags, tracing,
//! access logs, metrics) and what is not implemented here is refused, naming the property.

mod api_keys;
mod authorizers;
mod cors;
mod methods;
mod resources;

use serde_json::{json, Map, Value};

use super::custom_resources as cr;
use crate::error::{DeployError, Result};
use crate::merge;
use crate::naming;
pub(crate) use sls_config::is_truthy as truthy;
use sls_config::model::events::{HttpCors, HttpParse, HttpRequest, HttpResponse};
use sls_config::model::{ApiGateway, Event, EventKind, Function, Service};

pub(crate) use authorizers::Authorizer;

/// One `http` event, normalised as v3's `validate()` leaves it.
#[derive(Debug, Clone)]
pub(crate) struct HttpEvent {
    /// The function's key.
    pub function: String,
    /// `functions.<key>.events[<i>].http`
    pub at: String,
    /// Without leading or trailing `/` (`""` is the root).
    pub path: String,
    /// Lower case.
    pub method: String,
    /// `AWS_PROXY`, `AWS`, `HTTP`, `HTTP_PROXY` or `MOCK`.
    pub integration: String,
    pub cors: Option<HttpCors>,
    pub private: bool,
    pub operation_id: Option<Value>,
    pub authorizer: Option<Authorizer>,
    pub request: Option<HttpRequest>,
    pub response: Option<HttpResponse>,
    pub is_async: bool,
    pub connection_type: Option<String>,
    pub connection_id: Option<Value>,
}

/// The provider settings this step reads.
pub(crate) struct Settings<'a> {
    pub service: &'a Service,
    /// `provider.apiGateway` (its defaults when absent).
    pub api_gateway: &'a ApiGateway,
    /// The other provider settings, from the raw configuration.
    pub provider: &'a Map<String, Value>,
}

impl<'a> Settings<'a> {
    pub fn new(service: &'a Service, config: &'a Value) -> Result<Self> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let provider = config
            .get("provider")
            .and_then(Value::as_object)
            .unwrap_or_else(|| EMPTY.get_or_init(Map::new));
        static DEFAULT: std::sync::OnceLock<ApiGateway> = std::sync::OnceLock::new();
        let api_gateway = match &service.provider.api_gateway {
            None => DEFAULT.get_or_init(ApiGateway::default),
            Some(Ok(ag)) => ag,
            Some(Err(e)) => return Err(e.clone().into()),
        };
        Ok(Settings {
            service,
            api_gateway,
            provider,
        })
    }

    /// v3 `getApiGatewayRestApiId`.
    pub fn rest_api_id(&self) -> Value {
        match &self.api_gateway.rest_api_id {
            Some(v) => v.clone(),
            None => json!({"Ref": naming::REST_API_LOGICAL_ID}),
        }
    }

    /// v3 `getApiGatewayRestApiRootResourceId`.
    pub fn root_resource_id(&self) -> Value {
        match &self.api_gateway.rest_api_root_resource_id {
            Some(v) => v.clone(),
            None => json!({"Fn::GetAtt": [naming::REST_API_LOGICAL_ID, "RootResourceId"]}),
        }
    }

    pub fn is_external(&self) -> bool {
        self.api_gateway.rest_api_id.is_some()
    }

    pub fn stage(&self) -> &str {
        &self.service.stage
    }
}

/// Validates one `http` event (its property path is `functions.<key>.events[<index>].http`).
pub(crate) fn check_event(
    service: &Service,
    f: &Function,
    index: usize,
    parsed: &HttpParse,
) -> Result<()> {
    parse_event(service, f, index, parsed).map(|_| ())
}

/// The event as the compiler uses it: its parsed settings with the authorizer's function
/// resolved, after the checks v3 makes in its `validate()`.
fn parse_event(
    service: &Service,
    f: &Function,
    index: usize,
    parsed: &HttpParse,
) -> Result<HttpEvent> {
    let at = format!("functions.{}.events[{index}].http", f.key);
    // v3 checks the authorizer's function before the settings that follow the authorizer.
    if let Some(name) = &parsed.authorizer_function {
        authorizers::check_function(service, name, &format!("{at}.authorizer"))?;
    }
    let http = parsed.settings.as_ref().map_err(|e| e.clone())?;
    check_stage_name(service)?;
    Ok(HttpEvent {
        function: f.key.clone(),
        at,
        path: http.path.clone(),
        method: http.method.clone(),
        integration: http.integration.clone(),
        cors: http.cors.clone(),
        private: http.private,
        operation_id: http.operation_id.clone(),
        authorizer: http
            .authorizer
            .as_ref()
            .map(|a| Authorizer::resolve(service, a)),
        request: http.request.clone(),
        response: http.response.clone(),
        is_async: http.is_async,
        connection_type: http.connection_type.clone(),
        connection_id: http.connection_id.clone(),
    })
}

/// API Gateway's limit on stage names, checked when the service has `http` events.
fn check_stage_name(service: &Service) -> Result<()> {
    if !service
        .stage
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        || service.stage.is_empty()
    {
        return Err(DeployError::config(
            "provider.stage",
            format!(
                "Invalid stage name {}: it should contains only [-_a-zA-Z0-9] for AWS provider if http event are present according to API Gateway limitation",
                service.stage
            ),
        ));
    }
    Ok(())
}

/// An `http` event the compiler reads: written with its settings (a bare `- http` is refused
/// by [`check_event`]) and not sharing its entry with another family.
fn is_http(event: &Event) -> Option<&HttpParse> {
    match &event.kind {
        EventKind::Http(parsed) if !event.shared && parsed.written => Some(parsed),
        _ => None,
    }
}

/// Provider-level refusals and checks (v3 `validate()`'s provider part).
fn check_provider(s: &Settings<'_>) -> Result<()> {
    s.api_gateway.check.clone()?;
    let p = s.provider;
    // `provider.tracing.apiGateway`, `provider.apiGateway.metrics`, the stage tags
    // (`provider.tags`/`stackTags`) and `provider.logs.restApi` are applied after the
    // deployment by `aws::api_gateway_stage`; the logs' group and account role are compiled by
    // `compile_stage`.
    check_rest_api_logs(p)?;
    if let Some(v) = p.get("vpcEndpointIds").filter(|v| !v.is_null()) {
        let private = p
            .get("endpointType")
            .and_then(Value::as_str)
            .is_some_and(|e| e.eq_ignore_ascii_case("PRIVATE"));
        if !private && v.as_array().is_some() {
            return Err(DeployError::config(
                "provider.vpcEndpointIds",
                "VPC endpoint IDs are only available for private APIs",
            ));
        }
    }
    Ok(())
}

/// Compiles every `http` event of the service into `t` (v3's `package:compileEvents` hook of
/// `AwsCompileApigEvents`). `instance_id` is the deployment's timestamp (milliseconds).
pub(crate) fn compile(ctx: &cr::Context<'_>, instance_id: &str, t: &mut Value) -> Result<()> {
    let (service, config) = (ctx.service, ctx.config);
    let mut events = Vec::new();
    for f in &service.functions {
        for e in &f.events {
            if let Some(parsed) = is_http(e) {
                events.push(parse_event(service, f, e.index, parsed)?);
            }
        }
    }
    if events.is_empty() {
        return Ok(());
    }
    let s = Settings::new(service, config)?;
    check_provider(&s)?;
    let mut out = Output::default();
    compile_rest_api(&s, &mut out)?;
    let tree = resources::compile(&s, &events, &mut out)?;
    cors::compile(&s, &events, &tree, &mut out);
    let permissions = methods::compile(&s, &events, &tree, &mut out)?;
    methods::compile_request_validators(&s, &events, &tree, &mut out)?;
    authorizers::compile(&s, &events, &mut out);
    let deployment_id = naming::api_gateway_deployment_logical_id(instance_id);
    let mut deployment_props = Map::new();
    deployment_props.insert("RestApiId".into(), s.rest_api_id());
    deployment_props.insert("StageName".into(), json!(s.stage()));
    if let Some(d) = &s.api_gateway.description {
        deployment_props.insert("Description".into(), d.clone());
    }
    out.add(
        &deployment_id,
        json!({
            "Type": "AWS::ApiGateway::Deployment",
            "Properties": deployment_props,
            "DependsOn": out.method_ids.clone(),
        }),
    );
    t["Outputs"][naming::SERVICE_ENDPOINT_OUTPUT] = json!({
        "Description": "URL of the service endpoint",
        "Value": {"Fn::Join": ["", [
            "https://",
            s.rest_api_id(),
            ".execute-api.",
            {"Ref": "AWS::Region"},
            ".",
            {"Ref": "AWS::URLSuffix"},
            format!("/{}", s.stage()),
        ]]}
    });
    api_keys::compile(&s, &deployment_id, &mut out)?;
    methods::compile_permissions(&s, &events, &permissions, &mut out);
    for (id, res) in out.resources {
        let slot = &mut t["Resources"][&id];
        if slot.is_null() {
            *slot = res;
        } else {
            merge(slot, &res);
        }
    }
    compile_stage(ctx, t);
    Ok(())
}

/// The keys of `provider.logs.restApi` (v3's schema), all booleans but these.
const REST_API_LOGS_KEYS: &[&str] = &[
    "accessLogging",
    "executionLogging",
    "format",
    "fullExecutionData",
    "level",
    "role",
    "roleManagedExternally",
];

/// v3's schema of `provider.logs.restApi`: `true`/`false` or an object of known settings.
fn check_rest_api_logs(p: &Map<String, Value>) -> Result<()> {
    let at = |k: &str| format!("provider.logs.restApi.{k}");
    let o = match p.get("logs").and_then(|l| l.get("restApi")) {
        None | Some(Value::Null) | Some(Value::Bool(_)) => return Ok(()),
        Some(Value::Object(o)) => o,
        Some(v) => {
            return Err(DeployError::config(
                "provider.logs.restApi",
                format!("must be true, false or an object of settings, got {v}"),
            ))
        }
    };
    for (k, v) in o {
        let ok = match k.as_str() {
            "format" => v.is_string(),
            "level" => v == "INFO" || v == "ERROR",
            "role" => v.as_str().is_some_and(|s| s.starts_with("arn:")) || v.is_object(),
            k if REST_API_LOGS_KEYS.contains(&k) => v.is_boolean(),
            _ => {
                return Err(DeployError::config(
                    at(k),
                    format!(
                        "is not a setting of REST API logs; use one of {}",
                        REST_API_LOGS_KEYS.join(", ")
                    ),
                ))
            }
        };
        if !ok && !v.is_null() {
            let expected = match k.as_str() {
                "format" => "a log format string",
                "level" => "INFO or ERROR",
                "role" => "an IAM role ARN",
                _ => "true or false",
            };
            return Err(DeployError::config(
                at(k),
                format!("must be {expected}, got {v}"),
            ));
        }
    }
    Ok(())
}

/// v3 `compileStage`: with `provider.logs.restApi` (and access logging not turned off) the
/// access log group `ApiGatewayLogGroup` and the account's CloudWatch role; the stage itself is
/// updated after the deployment.
fn compile_stage(ctx: &cr::Context<'_>, t: &mut Value) {
    let provider = &ctx.config["provider"];
    let logs = &provider["logs"]["restApi"];
    if !truthy(logs)
        || logs
            .get("accessLogging")
            .is_some_and(|a| !a.is_null() && !truthy(a))
    {
        return;
    }
    let service = ctx.service;
    let mut props = Map::new();
    props.insert(
        "LogGroupName".into(),
        json!(format!(
            "/aws/api-gateway/{}-{}",
            service.name, service.stage
        )),
    );
    for (key, from) in [
        ("RetentionInDays", "logRetentionInDays"),
        ("DataProtectionPolicy", "logDataProtectionPolicy"),
    ] {
        if let Some(v) = provider.get(from).filter(|v| truthy(v)) {
            props.insert(key.into(), v.clone());
        }
    }
    let group = json!({"Type": "AWS::Logs::LogGroup", "Properties": props});
    match t["Resources"].get_mut(LOG_GROUP_LOGICAL_ID) {
        Some(existing) => merge(existing, &group),
        None => t["Resources"][LOG_GROUP_LOGICAL_ID] = group,
    }
    cr::ensure_api_gateway_cloud_watch_role(ctx, t);
}

/// v3 `getApiGatewayLogGroupLogicalId`.
const LOG_GROUP_LOGICAL_ID: &str = "ApiGatewayLogGroup";

/// Resources in v3's order; a second write to an id merges into the first (lodash `_.merge`).
#[derive(Default)]
pub(crate) struct Output {
    pub resources: Map<String, Value>,
    /// Every method's logical id, in order (the deployment depends on them).
    pub method_ids: Vec<String>,
}

impl Output {
    pub fn add(&mut self, id: &str, res: Value) {
        match self.resources.get_mut(id) {
            Some(existing) => merge(existing, &res),
            None => {
                self.resources.insert(id.to_string(), res);
            }
        }
    }

    /// `Object.assign`: replaces the value, keeping the first position.
    pub fn assign(&mut self, id: &str, res: Value) {
        self.resources.insert(id.to_string(), res);
    }
}

/// v3 `compileRestApi`.
fn compile_rest_api(s: &Settings<'_>, out: &mut Output) -> Result<()> {
    if s.is_external() {
        return Ok(());
    }
    let ag = &s.api_gateway;
    let p = s.provider;
    let api_name = match p.get("apiName") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) if !n.is_empty() => Some(n.clone()),
        Some(Value::String(_)) => None,
        Some(_) => return Err(DeployError::config("provider.apiName", "must be a string")),
    };
    let name = naming::api_gateway_name(
        api_name.as_deref(),
        ag.should_start_name_with_service,
        &s.service.name,
        s.stage(),
    );
    let endpoint_type = match p.get("endpointType") {
        None | Some(Value::Null) => "EDGE".to_string(),
        Some(Value::String(e)) => {
            let e = e.to_uppercase();
            if !["EDGE", "REGIONAL", "PRIVATE"].contains(&e.as_str()) {
                return Err(DeployError::config(
                    "provider.endpointType",
                    "must be REGIONAL, EDGE or PRIVATE",
                ));
            }
            e
        }
        Some(_) => {
            return Err(DeployError::config(
                "provider.endpointType",
                "must be a string",
            ))
        }
    };
    let mut props = Map::new();
    props.insert("Name".into(), json!(name));
    if let Some(b) = &ag.binary_media_types {
        props.insert("BinaryMediaTypes".into(), b.clone());
    }
    if let Some(d) = &ag.disable_default_endpoint {
        props.insert("DisableExecuteApiEndpoint".into(), d.clone());
    }
    let mut endpoint = json!({"Types": [endpoint_type]});
    if let Some(ids) = p.get("vpcEndpointIds").filter(|v| truthy(v)) {
        if endpoint_type != "PRIVATE" {
            return Err(DeployError::config(
                "provider.vpcEndpointIds",
                "VPC endpoint IDs are only available for private APIs",
            ));
        }
        endpoint["VpcEndpointIds"] = ids.clone();
    }
    props.insert("EndpointConfiguration".into(), endpoint);
    let policy = match &ag.resource_policy {
        Some(policy) => json!({"Version": "2012-10-17", "Statement": policy}),
        None => json!(""),
    };
    props.insert("Policy".into(), policy);
    if let Some(t) = ag.api_key_source_type.clone()? {
        props.insert("ApiKeySourceType".into(), json!(t));
    }
    if let Some(m) = &ag.minimum_compression_size {
        props.insert("MinimumCompressionSize".into(), m.clone());
    }
    if let Some(d) = &ag.description {
        props.insert("Description".into(), d.clone());
    }
    out.add(
        naming::REST_API_LOGICAL_ID,
        json!({"Type": "AWS::ApiGateway::RestApi", "Properties": props}),
    );
    Ok(())
}
