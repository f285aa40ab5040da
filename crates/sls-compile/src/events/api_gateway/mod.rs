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
use sls_config::model::{ApiGateway, Event, EventKind, Function, Service};

pub(crate) use authorizers::Authorizer;
pub(crate) use cors::Cors;

const ALLOWED_METHODS: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE", "ANY",
];
const EVENT_KEYS: &[&str] = &[
    "async",
    "authorizer",
    "connectionId",
    "connectionType",
    "cors",
    "integration",
    "method",
    "operationId",
    "path",
    "private",
    "request",
    "response",
];
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
    pub cors: Option<Cors>,
    pub private: bool,
    pub operation_id: Option<Value>,
    pub authorizer: Option<Authorizer>,
    /// `request`, with `parameters` flattened to `method.request.<location>.<name>` keys.
    pub request: Option<Map<String, Value>>,
    /// `response`, with v3's default status codes filled in.
    pub response: Option<Map<String, Value>>,
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
    settings: Option<&Value>,
) -> Result<()> {
    parse_event(service, f, index, settings).map(|_| ())
}

fn parse_event(
    service: &Service,
    f: &Function,
    index: usize,
    settings: Option<&Value>,
) -> Result<HttpEvent> {
    let at = format!("functions.{}.events[{index}].http", f.key);
    let http = event_settings(settings, &at)?;
    let path = event_path(&http, &at)?;
    let method = event_method(&http, &at)?;
    let is_async = bool_at(&http, "async", &at)?;
    let private = bool_at(&http, "private", &at)?;
    let integration = integration_of(&http, is_async, &at)?;
    let mut ev = HttpEvent {
        function: f.key.clone(),
        at: at.clone(),
        path,
        method,
        integration,
        cors: None,
        private,
        operation_id: None,
        authorizer: None,
        request: None,
        response: None,
        is_async,
        connection_type: None,
        connection_id: http.get("connectionId").cloned(),
    };
    match http.get("operationId") {
        None | Some(Value::Null) => {}
        Some(v @ Value::String(_)) => ev.operation_id = Some(v.clone()),
        Some(_) => {
            return Err(DeployError::config(
                format!("{at}.operationId"),
                "must be a string",
            ))
        }
    }
    if let Some(a) = http.get("authorizer").filter(|v| truthy(v)) {
        ev.authorizer = Some(authorizers::parse(service, a, &ev.integration, &at)?);
    }
    if let Some(c) = http.get("cors").filter(|v| truthy(v)) {
        ev.cors = Some(cors::parse(c, &ev.method, &format!("{at}.cors"))?);
    }
    ev.connection_type = connection_type(&http, &ev)?;
    let request = optional_object(&http, "request", &at)?;
    let response = optional_object(&http, "response", &at)?;
    match ev.integration.as_str() {
        "MOCK" => mock_request_response(&mut ev, request, response)?,
        "AWS" | "HTTP" => integration_request_response(&mut ev, request, response)?,
        _ => proxy_request(&mut ev, request, response)?,
    }
    check_stage_name(service)?;
    Ok(ev)
}

/// The event as an object: `"<METHOD> <path>"` becomes `{method, path}`; keys are checked.
fn event_settings(settings: Option<&Value>, at: &str) -> Result<Map<String, Value>> {
    let http: Map<String, Value> = match settings {
        Some(Value::String(s)) => {
            let mut parts = s.split(' ');
            let (method, path) = (parts.next().unwrap_or(""), parts.next());
            let Some(path) = path.filter(|p| !p.is_empty()) else {
                return Err(DeployError::config(
                    at,
                    format!("\"{s}\" must be \"<METHOD> <path>\" (for example \"GET /users\"), or an object with `method` and `path`"),
                ));
            };
            let mut m = Map::new();
            m.insert("method".into(), json!(method));
            m.insert("path".into(), json!(path));
            m
        }
        Some(Value::Object(o)) => o.clone(),
        _ => {
            return Err(DeployError::config(
                at,
                "must be \"<METHOD> <path>\" or an object with `method` and `path`",
            ))
        }
    };
    for k in http.keys() {
        if !EVENT_KEYS.contains(&k.as_str()) {
            return Err(DeployError::config(
                format!("{at}.{k}"),
                format!(
                    "unknown property \"{k}\" (supported: {}); remove it",
                    EVENT_KEYS.join(", ")
                ),
            ));
        }
    }
    Ok(http)
}

/// `path` without its leading and trailing `/`, checked part by part.
fn event_path(http: &Map<String, Value>, at: &str) -> Result<String> {
    let path = match http.get("path") {
        Some(Value::String(p)) => p.clone(),
        Some(_) => {
            return Err(DeployError::config(
                format!("{at}.path"),
                "must be a string",
            ))
        }
        None => {
            return Err(DeployError::config(
                at,
                "must have required property 'path'",
            ))
        }
    };
    let path = path.strip_prefix('/').unwrap_or(&path).to_string();
    let path = path.strip_suffix('/').unwrap_or(&path).to_string();
    check_path(&path, &format!("{at}.path"))?;
    Ok(path)
}

/// `method` in lower case.
fn event_method(http: &Map<String, Value>, at: &str) -> Result<String> {
    match http.get("method") {
        Some(Value::String(m)) if ALLOWED_METHODS.contains(&m.to_uppercase().as_str()) => {
            Ok(m.to_lowercase())
        }
        Some(Value::String(m)) => Err(DeployError::config(
            format!("{at}.method"),
            format!(
                "\"{m}\" is not an HTTP method API Gateway accepts; use one of {}",
                ALLOWED_METHODS.join(", ")
            ),
        )),
        Some(_) => Err(DeployError::config(
            format!("{at}.method"),
            "must be a string",
        )),
        None => Err(DeployError::config(
            at,
            "must have required property 'method'",
        )),
    }
}

/// The http and http-proxy integrations need `request.uri`, and may go through a VPC link
/// (`connectionType` with `connectionId`); the other integrations take neither connection key.
fn connection_type(http: &Map<String, Value>, ev: &HttpEvent) -> Result<Option<String>> {
    let at = &ev.at;
    if ev.integration != "HTTP" && ev.integration != "HTTP_PROXY" {
        if http.contains_key("connectionType") || http.contains_key("connectionId") {
            return Err(DeployError::config(
                format!("{at}.connectionType"),
                "connectionType/connectionId apply only to the http and http-proxy integrations; remove them",
            ));
        }
        return Ok(None);
    }
    let uri = http
        .get("request")
        .and_then(|r| r.get("uri"))
        .filter(|v| truthy(v));
    if uri.is_none() {
        return Err(DeployError::config(
            format!("{at}.request.uri"),
            format!(
                "You need to set the request uri when using the {} integration",
                ev.integration
            ),
        ));
    }
    let Some(ct) = http.get("connectionType") else {
        return Ok(None);
    };
    let ct = ct.as_str().map(|s| s.to_uppercase().replacen('-', "_", 1));
    if ct.as_deref() != Some("VPC_LINK") {
        return Err(DeployError::config(
            format!("{at}.connectionType"),
            "must be \"vpc-link\" or \"VPC_LINK\"",
        ));
    }
    if ev.connection_id.as_ref().is_none_or(|v| !truthy(v)) {
        return Err(DeployError::config(
            format!("{at}.connectionId"),
            "You need to set connectionId when using VPC_LINK connectionType",
        ));
    }
    Ok(Some("VPC_LINK".into()))
}

/// `request` or `response`: an object, or nothing.
fn optional_object(
    http: &Map<String, Value>,
    key: &str,
    at: &str,
) -> Result<Option<Map<String, Value>>> {
    match http.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(r)) => Ok(Some(r.clone())),
        Some(_) => Err(DeployError::config(
            format!("{at}.{key}"),
            "must be an object",
        )),
    }
}

/// A mock integration: v3 uses its `request` and `response` as written.
fn mock_request_response(
    ev: &mut HttpEvent,
    request: Option<Map<String, Value>>,
    response: Option<Map<String, Value>>,
) -> Result<()> {
    let at = ev.at.clone();
    if let Some(req) = request {
        check_request(&req, "MOCK", &at)?;
        for k in ["parameters", "uri", "method", "schemas"] {
            if req.contains_key(k) {
                return Err(DeployError::config(
                    format!("{at}.request.{k}"),
                    "is not supported with the mock integration; remove it",
                ));
            }
        }
        ev.request = Some(req);
    }
    if let Some(r) = response {
        methods::check_response(&r, &format!("{at}.response"))?;
        if !r.get("statusCodes").is_some_and(Value::is_object) {
            return Err(DeployError::config(
                format!("{at}.response.statusCodes"),
                "a mock integration's response needs statusCodes",
            ));
        }
        ev.response = Some(r);
    }
    Ok(())
}

/// The lambda (`AWS`) and http integrations: request parameters flattened, v3's pass-through
/// default, and the response's status codes with v3's defaults.
fn integration_request_response(
    ev: &mut HttpEvent,
    request: Option<Map<String, Value>>,
    response: Option<Map<String, Value>>,
) -> Result<()> {
    let at = ev.at.clone();
    if ev.integration == "HTTP" && response.is_none() {
        return Err(DeployError::config(
            format!("{at}.response"),
            "the http integration needs a response (statusCodes with their patterns)",
        ));
    }
    let mut req = request.unwrap_or_default();
    check_request(&req, &ev.integration, &at)?;
    if let Some(p) = req.get("parameters").cloned() {
        req.insert("parameters".into(), request_parameters(&p, &at)?);
    }
    // v3 `getRequestPassThrough`
    if !req.get("passThrough").is_some_and(truthy) {
        match ev.integration.as_str() {
            "AWS" => {
                req.insert("passThrough".into(), json!("NEVER"));
            }
            _ => {
                req.remove("passThrough");
            }
        }
    }
    let mut resp = match response {
        Some(r) => {
            methods::check_response(&r, &format!("{at}.response"))?;
            with_status_codes(r)
        }
        None => Map::new(),
    };
    if ev.integration == "AWS" && resp.is_empty() {
        resp.insert("statusCodes".into(), default_status_codes());
    }
    ev.request = Some(req);
    ev.response = Some(resp);
    Ok(())
}

/// A response's `statusCodes`: v3's defaults when absent, else with a default `200` (pattern
/// `""`) unless one of them has that pattern.
fn with_status_codes(mut r: Map<String, Value>) -> Map<String, Value> {
    match r.get("statusCodes").and_then(Value::as_object) {
        Some(codes) => {
            let mut codes = codes.clone();
            if !codes.values().any(|c| c.get("pattern") == Some(&json!(""))) {
                codes.insert("200".into(), json!({"pattern": ""}));
            }
            r.insert("statusCodes".into(), Value::Object(codes));
        }
        None => {
            r.insert("statusCodes".into(), default_status_codes());
        }
    }
    r
}

/// AWS_PROXY / HTTP_PROXY: v3 drops any other request key and the response with a warning;
/// refused here so nothing the user wrote is silently ignored.
fn proxy_request(
    ev: &mut HttpEvent,
    request: Option<Map<String, Value>>,
    response: Option<Map<String, Value>>,
) -> Result<()> {
    let at = ev.at.clone();
    if let Some(mut req) = request {
        let allowed: &[&str] = if ev.integration == "AWS_PROXY" {
            &["parameters", "schemas"]
        } else {
            &["parameters", "uri", "schemas"]
        };
        for k in req.keys() {
            if !allowed.contains(&k.as_str()) {
                let hint = if k == "schema" {
                    "v3 does not compile `request.schema`; use `request.schemas` (content type → schema)".to_string()
                } else {
                    format!(
                        "is not used with the {} integration (v3 removes it); remove it",
                        ev.integration
                    )
                };
                return Err(DeployError::config(format!("{at}.request.{k}"), hint));
            }
        }
        if let Some(p) = req.get("parameters").cloned() {
            req.insert("parameters".into(), request_parameters(&p, &at)?);
        }
        if !req.is_empty() {
            ev.request = Some(req);
        }
    }
    if response.is_some() {
        return Err(DeployError::config(
            format!("{at}.response"),
            format!(
                "is not used with the {} integration (v3 removes it); remove it, or use `integration: lambda`",
                ev.integration
            ),
        ));
    }
    Ok(())
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

/// API Gateway path parts: `[A-Za-z0-9._~-]` (plus `:@!$&'()*+,;=`), or a whole-part
/// `{param}` / `{proxy+}`.
fn check_path(path: &str, at: &str) -> Result<()> {
    if path.is_empty() {
        return Ok(());
    }
    for part in path.split('/') {
        let ok = if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            let name = inner.strip_suffix('+').unwrap_or(inner);
            !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        } else {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._~-:@!$&'()*+,;=".contains(c))
        };
        if !ok {
            return Err(DeployError::config(
                at,
                format!(
                    "invalid path part \"{part}\" in \"{path}\": API Gateway path parts may hold letters, digits and ._~- (or be a whole {{param}} / {{proxy+}}); fix the path"
                ),
            ));
        }
    }
    Ok(())
}

fn bool_at(o: &Map<String, Value>, k: &str, at: &str) -> Result<bool> {
    match o.get(k) {
        None | Some(Value::Null) => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(_) => Err(DeployError::config(
            format!("{at}.{k}"),
            "must be true or false",
        )),
    }
}

/// v3 `getIntegration`.
fn integration_of(http: &Map<String, Value>, is_async: bool, at: &str) -> Result<String> {
    match http.get("integration") {
        None | Some(Value::Null) => Ok(if is_async { "AWS" } else { "AWS_PROXY" }.into()),
        Some(Value::String(s)) => {
            let n = s.to_uppercase().replacen('-', "_", 1);
            match n.as_str() {
                "LAMBDA" | "AWS" => Ok("AWS".into()),
                "LAMBDA_PROXY" | "AWS_PROXY" => Ok("AWS_PROXY".into()),
                "HTTP" | "HTTP_PROXY" | "MOCK" => Ok(n),
                _ => Err(DeployError::config(
                    format!("{at}.integration"),
                    format!("\"{s}\" is not an integration type; use lambda-proxy (the default), lambda, http, http-proxy or mock"),
                )),
            }
        }
        Some(_) => Err(DeployError::config(
            format!("{at}.integration"),
            "must be a string",
        )),
    }
}

fn check_request(req: &Map<String, Value>, integration: &str, at: &str) -> Result<()> {
    for k in req.keys() {
        match k.as_str() {
            "parameters" | "template" | "passThrough" | "contentHandling" | "uri" | "method"
            | "schemas" => {}
            "schema" => {
                return Err(DeployError::config(
                    format!("{at}.request.{k}"),
                    "v3 does not compile `request.schema`; use `request.schemas` (content type → schema)",
                ))
            }
            _ => {
                return Err(DeployError::config(
                    format!("{at}.request.{k}"),
                    format!("unknown property \"{k}\" for the {integration} integration; remove it"),
                ))
            }
        }
    }
    if let Some(t) = req.get("template") {
        if !t.is_object() {
            return Err(DeployError::config(
                format!("{at}.request.template"),
                "must be an object of content type → template",
            ));
        }
    }
    Ok(())
}

/// v3 `getRequestParameters`: `{querystrings: {q: true}}` → `{"method.request.querystring.q": true}`.
fn request_parameters(p: &Value, at: &str) -> Result<Value> {
    let Some(p) = p.as_object() else {
        return Err(DeployError::config(
            format!("{at}.request.parameters"),
            "must be an object with querystrings, paths and/or headers",
        ));
    };
    for k in p.keys() {
        if !["querystrings", "paths", "headers"].contains(&k.as_str()) {
            return Err(DeployError::config(
                format!("{at}.request.parameters.{k}"),
                "unknown location; use querystrings, paths or headers",
            ));
        }
    }
    let mut out = Map::new();
    for location in ["querystrings", "paths", "headers"] {
        let singular = &location[..location.len() - 1];
        if let Some(params) = p.get(location).filter(|v| truthy(v)) {
            let Some(params) = params.as_object() else {
                return Err(DeployError::config(
                    format!("{at}.request.parameters.{location}"),
                    "must be an object of name → true/false or {required, mappedValue}",
                ));
            };
            for (k, v) in params {
                out.insert(format!("method.request.{singular}.{k}"), v.clone());
            }
        }
    }
    Ok(Value::Object(out))
}

fn default_status_codes() -> Value {
    json!({
        "200": {"pattern": ""},
        "400": {"pattern": "[\\s\\S]*\\[400\\][\\s\\S]*"},
        "401": {"pattern": "[\\s\\S]*\\[401\\][\\s\\S]*"},
        "403": {"pattern": "[\\s\\S]*\\[403\\][\\s\\S]*"},
        "404": {"pattern": "[\\s\\S]*\\[404\\][\\s\\S]*"},
        "422": {"pattern": "[\\s\\S]*\\[422\\][\\s\\S]*"},
        "500": {"pattern": "[\\s\\S]*(Process\\s?exited\\s?before\\s?completing\\s?request|\\[500\\])[\\s\\S]*"},
        "502": {"pattern": "[\\s\\S]*\\[502\\][\\s\\S]*"},
        "504": {"pattern": "([\\s\\S]*\\[504\\][\\s\\S]*)|(.*Task timed out after \\d+\\.\\d+ seconds$)"}
    })
}

fn is_http(event: &Event) -> Option<&Value> {
    match &event.kind {
        EventKind::Http(Some(settings)) if !event.shared => Some(settings),
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
            if let Some(settings) = is_http(e) {
                events.push(parse_event(service, f, e.index, Some(settings))?);
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
