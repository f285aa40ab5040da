//! `httpApi` events: one HTTP API (API Gateway v2) shared by the service, compiled as v3's
//! `package/compile/events/http-api.js` does: API (CORS, tags), access-log group, `$default`
//! stage, authorizers (JWT, request/Lambda) with their permissions, then per route the
//! function's permission and integration (once per function) and the route; outputs
//! `HttpApiId` and `HttpApiUrl`. A service-level step: [`check_event`] validates one event,
//! [`compile`] compiles them all.

use serde_json::{json, Map, Value};
use sls_config::is_truthy as truthy;

use super::common;
use crate::error::{DeployError, Result};
use crate::naming;
use sls_config::model::events::{HttpApi, Parsed, RouteAuthorizer};
use sls_config::model::{
    js_set, Event, EventKind, HttpApiAuthorizer, HttpApiLogs, HttpApiSettings, Service,
};

const METHODS: &[&str] = &[
    "ANY", "GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE",
];
/// One route of an `httpApi` event.
#[derive(Debug, Clone)]
pub(crate) struct Route {
    pub function: String,
    /// `GET /users/{id}`, or `*` (the `$default` route).
    pub key: String,
    /// `ANY` for `*`.
    pub method: String,
    pub authorizer: Option<RouteAuthorizer>,
}

fn err(at: impl Into<String>, m: impl Into<String>) -> DeployError {
    DeployError::config(at, m)
}

fn is_http_api(event: &Event) -> Option<&Parsed<HttpApi>> {
    match &event.kind {
        EventKind::HttpApi(parsed) if !event.shared => Some(parsed),
        _ => None,
    }
}

/// An authorizer of `provider.httpApi.authorizers` with the alias of its function.
struct Authorizer<'a> {
    spec: &'a HttpApiAuthorizer,
    /// The alias of the authorizer function (`functionName`), if it has one.
    alias: Option<naming::TargetAlias>,
}

impl Authorizer<'_> {
    /// The function a request authorizer invokes: `functionArn`, or the service's function.
    fn target(&self) -> Value {
        match (&self.spec.function_arn, &self.spec.function_name) {
            (Some(arn), _) => arn.clone(),
            (None, Some(f)) => {
                let arn = json!({"Fn::GetAtt": [naming::lambda_logical_id(f), "Arn"]});
                match &self.alias {
                    Some(a) => json!({"Fn::Join": [":", [arn, a.name]]}),
                    None => arn,
                }
            }
            (None, None) => Value::Null,
        }
    }
}

/// `provider.httpApi.authorizers`, each reported in order: its own checks, then (a request
/// authorizer) that the service has its function, then its caching check.
fn authorizers<'a>(
    service: &Service,
    list: &'a Parsed<Vec<Parsed<HttpApiAuthorizer>>>,
) -> Result<Vec<Authorizer<'a>>> {
    let mut out = Vec::new();
    for a in common::parsed(list)? {
        let a = common::parsed(a)?;
        if let Some(f) = a.function_name.as_deref() {
            if a.type_.as_deref() == Some("request")
                && !service.functions.iter().any(|x| x.key == f)
            {
                return Err(err(
                    format!("{}.functionName", a.path),
                    format!(
                        "Function \"{f}\" for HTTP API authorizer \"{}\" not found in service",
                        a.key
                    ),
                ));
            }
        }
        common::parsed(&a.cache_check)?;
        out.push(Authorizer {
            alias: a
                .function_name
                .as_deref()
                .and_then(|f| common::function(service, f))
                .and_then(naming::target_alias),
            spec: a,
        });
    }
    Ok(out)
}

/// What the resources of the one HTTP API share.
struct Api<'a> {
    /// `{Ref: HttpApi}`, or the id of the externally configured API (`provider.httpApi.id`).
    id: Value,
    /// The API's `execute-api` ARN (`…:<api id>/*`), which the permissions allow.
    source_arn: Value,
    authorizers: &'a [Authorizer<'a>],
}

/// The access-log group of `provider.logs.httpApi` and the format the stage logs with.
struct AccessLogs {
    group: Value,
    format: Value,
}

/// Compiles every `httpApi` event of the service into `t`: checks first (routes, provider
/// settings, authorizers), then the API, the access logs, the stage with the outputs, the
/// authorizers and the routes, in v3's order.
pub(crate) fn compile(service: &Service, t: &mut Value) -> Result<()> {
    let routes = collect_routes(service)?;
    let provider = &service.provider.http_api;
    let http = common::parsed(&provider.settings)?;
    let external = http.id.is_some();
    let authorizers = authorizers(service, &http.authorizers)?;
    check_route_authorizers(&routes, &authorizers, external)?;
    if routes.is_empty() {
        return Ok(());
    }
    let cors = cors_configuration(http, &routes)?;
    let id = http
        .id
        .clone()
        .unwrap_or_else(|| json!({"Ref": naming::HTTP_API_LOGICAL_ID}));
    let api = Api {
        source_arn: json!({"Fn::Join": ["", [
            "arn:", {"Ref": "AWS::Partition"}, ":execute-api:", {"Ref": "AWS::Region"}, ":",
            {"Ref": "AWS::AccountId"}, ":", id, "/*"
        ]]}),
        id,
        authorizers: &authorizers,
    };
    let mut resources = Map::new();
    let tags = service.provider.tags.clone().map(Value::Object);
    if !external {
        resources.insert(
            naming::HTTP_API_LOGICAL_ID.into(),
            api_resource(service, http, tags.as_ref(), cors.as_ref()),
        );
    }
    let access_logs = match &provider.logs {
        Some(l) => Some(access_logs(service, l, external)?),
        None => None,
    };
    if let Some(l) = &access_logs {
        resources.insert(
            naming::HTTP_API_LOG_GROUP_LOGICAL_ID.into(),
            l.group.clone(),
        );
    }
    if !external {
        let format = access_logs.map(|l| l.format);
        resources.insert(
            naming::HTTP_API_STAGE_LOGICAL_ID.into(),
            stage_resource(http, tags.as_ref(), format),
        );
        add_outputs(t);
    }
    for a in &authorizers {
        add_authorizer(&api, a, &mut resources);
    }
    add_routes(service, http, &api, &routes, &mut resources);
    for (k, v) in resources {
        t["Resources"][k] = v;
    }
    Ok(())
}

/// Every `httpApi` route of the service, in order: a later `*` route replaces an earlier one;
/// any other route key may be used once.
fn collect_routes(service: &Service) -> Result<Vec<Route>> {
    let mut routes: Vec<Route> = Vec::new();
    for f in &service.functions {
        for e in &f.events {
            let Some(parsed) = is_http_api(e) else {
                continue;
            };
            let i = e.index;
            let route = common::parsed(parsed)?;
            let r = Route {
                function: f.key.clone(),
                key: route.key.clone(),
                method: route.method.clone(),
                authorizer: route.authorizer.clone(),
            };
            match routes.iter().position(|x| x.key == r.key) {
                Some(_) if r.key != "*" => {
                    return Err(err(
                        format!("functions.{}.events[{i}].httpApi", f.key),
                        format!("Duplicate route '{}' configuration in function {} for httpApi event in serverless.yml", r.key, f.key),
                    ))
                }
                Some(pos) => routes[pos] = r,
                None => routes.push(r),
            }
        }
    }
    Ok(routes)
}

/// An event's authorizer must be one of `provider.httpApi.authorizers`, or an external id when
/// the API itself is external.
fn check_route_authorizers(
    routes: &[Route],
    authorizers: &[Authorizer],
    external: bool,
) -> Result<()> {
    for r in routes {
        let Some(a) = &r.authorizer else { continue };
        if a.id.is_some() {
            if !external {
                return Err(err(
                    format!("functions.{}.events", r.function),
                    format!("Event references external authorizer '{}', but httpApi is part of the current stack", a.id.as_ref().map(Value::to_string).unwrap_or_default()),
                ));
            }
        } else if a.type_.as_deref() != Some("aws_iam") {
            let name = a.name.as_deref().unwrap_or_default();
            if !authorizers.iter().any(|x| x.spec.key == name) {
                return Err(err(
                    format!("functions.{}.events", r.function),
                    format!("Event references not configured authorizer '{name}'; define it in provider.httpApi.authorizers"),
                ));
            }
        }
    }
    Ok(())
}

/// The API's `CorsConfiguration` from `provider.httpApi.cors`; without `allowedMethods`,
/// `OPTIONS` and the methods of the routes.
fn cors_configuration(
    http: &HttpApiSettings,
    routes: &[Route],
) -> Result<Option<Map<String, Value>>> {
    let Some(mut m) = common::parsed(&http.cors)?.clone() else {
        return Ok(None);
    };
    if !m.contains_key("AllowMethods") {
        m.insert("AllowMethods".into(), json!(route_methods(routes)));
    }
    Ok(Some(m))
}

/// `OPTIONS`, then each method the routes use (`ANY` stands for all of them), once each.
fn route_methods(routes: &[Route]) -> Vec<String> {
    let mut methods: Vec<String> = vec!["OPTIONS".into()];
    for r in routes {
        let add: Vec<&str> = if r.method == "ANY" {
            METHODS.iter().copied().filter(|m| *m != "ANY").collect()
        } else {
            vec![r.method.as_str()]
        };
        for m in add {
            if !methods.iter().any(|x| x == m) {
                methods.push(m.to_string());
            }
        }
    }
    methods
}

/// The `AWS::ApiGatewayV2::Api` (only when the API is not external).
fn api_resource(
    service: &Service,
    http: &HttpApiSettings,
    tags: Option<&Value>,
    cors: Option<&Map<String, Value>>,
) -> Value {
    let mut props = Map::new();
    props.insert(
        "Name".into(),
        json!(naming::http_api_name(
            http.name.as_deref(),
            http.should_start_name_with_service,
            &service.name,
            &service.stage,
        )),
    );
    props.insert("ProtocolType".into(), json!("HTTP"));
    if let Some(d) = &http.disable_default_endpoint {
        props.insert("DisableExecuteApiEndpoint".into(), d.clone());
    }
    if let Some(t) = tags {
        props.insert("Tags".into(), t.clone());
    }
    if let Some(c) = cors {
        // v3's key order: credentials, headers, methods, origins, exposed, max age.
        let mut ordered = Map::new();
        for k in [
            "AllowCredentials",
            "AllowHeaders",
            "AllowMethods",
            "AllowOrigins",
            "ExposeHeaders",
            "MaxAge",
        ] {
            if let Some(v) = c.get(k) {
                ordered.insert(k.into(), v.clone());
            }
        }
        props.insert("CorsConfiguration".into(), Value::Object(ordered));
    }
    json!({"Type": "AWS::ApiGatewayV2::Api", "Properties": props})
}

/// `provider.logs.httpApi`: the log group and the format (v3's default when none is given).
fn access_logs(service: &Service, logs: &HttpApiLogs, external: bool) -> Result<AccessLogs> {
    if external {
        return Err(err(
            "provider.logs.httpApi",
            "Cannot setup access logs for externally configured HTTP API",
        ));
    }
    let format = logs.format.clone().unwrap_or_else(|| {
        json!(r#"{"requestId":"$context.requestId","ip":"$context.identity.sourceIp","requestTime":"$context.requestTime","httpMethod":"$context.httpMethod","routeKey":"$context.routeKey","status":"$context.status","protocol":"$context.protocol","responseLength":"$context.responseLength"}"#)
    });
    let mut props = Map::new();
    props.insert(
        "LogGroupName".into(),
        json!(naming::http_api_log_group_name(&service.stack_name)),
    );
    if let Some(r) = service
        .provider
        .log_retention_in_days
        .as_ref()
        .filter(|v| truthy(v))
    {
        props.insert("RetentionInDays".into(), r.clone());
    }
    if let Some(p) = &service.provider.http_api.log_data_protection_policy {
        props.insert("DataProtectionPolicy".into(), p.clone());
    }
    Ok(AccessLogs {
        group: json!({"Type": "AWS::Logs::LogGroup", "Properties": props}),
        format,
    })
}

/// The `$default` stage, logging to the access-log group when there is one.
fn stage_resource(
    http: &HttpApiSettings,
    tags: Option<&Value>,
    log_format: Option<Value>,
) -> Value {
    let mut props = Map::new();
    props.insert("ApiId".into(), json!({"Ref": naming::HTTP_API_LOGICAL_ID}));
    props.insert("StageName".into(), json!("$default"));
    props.insert("AutoDeploy".into(), json!(true));
    props.insert(
        "DefaultRouteSettings".into(),
        json!({"DetailedMetricsEnabled": http.metrics.clone().unwrap_or(json!(false))}),
    );
    if let Some(t) = tags {
        props.insert("Tags".into(), t.clone());
    }
    let mut stage = json!({"Type": "AWS::ApiGatewayV2::Stage", "Properties": props});
    if let Some(f) = log_format {
        stage["Properties"]["AccessLogSettings"] = json!({
            "DestinationArn": {"Fn::GetAtt": [naming::HTTP_API_LOG_GROUP_LOGICAL_ID, "Arn"]},
            "Format": f,
        });
        stage["DependsOn"] = json!(naming::HTTP_API_LOG_GROUP_LOGICAL_ID);
    }
    stage
}

/// The `HttpApiId` and `HttpApiUrl` outputs.
fn add_outputs(t: &mut Value) {
    t["Outputs"][naming::HTTP_API_ID_OUTPUT] = json!({
        "Description": "Id of the HTTP API",
        "Value": {"Ref": naming::HTTP_API_LOGICAL_ID},
    });
    t["Outputs"][naming::HTTP_API_URL_OUTPUT] = json!({
        "Description": "URL of the HTTP API",
        "Value": {"Fn::Join": ["", [
            "https://", {"Ref": naming::HTTP_API_LOGICAL_ID}, ".execute-api.",
            {"Ref": "AWS::Region"}, ".", {"Ref": "AWS::URLSuffix"}
        ]]},
    });
}

/// One `AWS::ApiGatewayV2::Authorizer`; a request (Lambda) authorizer is preceded by the
/// permission to invoke its function, unless that is managed externally.
fn add_authorizer(api: &Api<'_>, a: &Authorizer, resources: &mut Map<String, Value>) {
    let mut props = Map::new();
    props.insert("ApiId".into(), api.id.clone());
    props.insert("Name".into(), json!(a.spec.name));
    props.insert(
        "IdentitySource".into(),
        match &a.spec.identity_source {
            Value::Array(x) => Value::Array(x.clone()),
            other => json!([other]),
        },
    );
    if a.spec.type_.as_deref() == Some("request") {
        let target = a.target();
        add_request_authorizer_props(a, &target, &mut props);
        if !a.spec.managed_externally {
            let mut permission = common::invoke_permission(
                target,
                "apigateway.amazonaws.com",
                api.source_arn.clone(),
            );
            if let Some(alias) = &a.alias {
                permission["DependsOn"] = json!(alias.logical_id);
            }
            resources.insert(
                naming::lambda_authorizer_http_api_permission_logical_id(&a.spec.name),
                permission,
            );
        }
    } else {
        props.insert("AuthorizerType".into(), json!("JWT"));
        let mut jwt = Map::new();
        jwt.insert("Audience".into(), Value::Array(a.spec.audience.clone()));
        if let Some(i) = a.spec.issuer_url.as_ref().filter(|v| !v.is_null()) {
            jwt.insert("Issuer".into(), i.clone());
        }
        props.insert("JwtConfiguration".into(), Value::Object(jwt));
    }
    let mut res = json!({"Type": "AWS::ApiGatewayV2::Authorizer", "Properties": props});
    if let Some(alias) = &a.alias {
        res["DependsOn"] = json!(alias.logical_id);
    }
    resources.insert(naming::http_api_authorizer_logical_id(&a.spec.name), res);
}

/// The properties of a request (Lambda) authorizer invoking `target`.
fn add_request_authorizer_props(a: &Authorizer, target: &Value, props: &mut Map<String, Value>) {
    props.insert("AuthorizerType".into(), json!("REQUEST"));
    if let Some(v) = &a.spec.enable_simple_responses {
        props.insert("EnableSimpleResponses".into(), v.clone());
    }
    if let Some(v) = &a.spec.result_ttl {
        props.insert("AuthorizerResultTtlInSeconds".into(), v.clone());
    }
    props.insert(
        "AuthorizerPayloadFormatVersion".into(),
        a.spec.payload_version.clone(),
    );
    props.insert(
        "AuthorizerUri".into(),
        json!({"Fn::Join": ["", [
            "arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
            ":lambda:path/2015-03-31/functions/", target, "/invocations"
        ]]}),
    );
}

/// The routes, each function's permission and integration before its first route.
fn add_routes(
    service: &Service,
    http: &HttpApiSettings,
    api: &Api<'_>,
    routes: &[Route],
    resources: &mut Map<String, Value>,
) {
    let provider_payload = http.payload.as_ref();
    let mut integrated: Vec<&str> = Vec::new();
    for r in routes {
        if !integrated.contains(&r.function.as_str()) {
            integrated.push(&r.function);
            let payload = payload_format_version(service, &r.function, provider_payload);
            let alias = common::function(service, &r.function).and_then(naming::target_alias);
            add_integration(api, &r.function, alias, payload, resources);
        }
        resources.insert(
            naming::http_api_route_logical_id(&r.key),
            route_resource(api, r),
        );
    }
}

/// `functions.<key>.httpApi.payload`, else `provider.httpApi.payload`, else `2.0`.
fn payload_format_version(
    service: &Service,
    function: &str,
    provider_payload: Option<&Value>,
) -> Value {
    common::function(service, function)
        .and_then(|f| f.settings.http_api_payload.as_ref())
        .or(provider_payload)
        .cloned()
        .unwrap_or(json!("2.0"))
}

/// A function's permission for the API and its `AWS_PROXY` integration.
fn add_integration(
    api: &Api<'_>,
    function: &str,
    alias: Option<naming::TargetAlias>,
    payload_format_version: Value,
    resources: &mut Map<String, Value>,
) {
    let arn = json!({"Fn::GetAtt": [naming::lambda_logical_id(function), "Arn"]});
    let target = match &alias {
        Some(a) => json!({"Fn::Join": [":", [arn, a.name]]}),
        None => arn,
    };
    let mut permission = common::invoke_permission(
        target.clone(),
        "apigateway.amazonaws.com",
        api.source_arn.clone(),
    );
    let mut integration = json!({"Type": "AWS::ApiGatewayV2::Integration"});
    if let Some(a) = alias {
        permission["DependsOn"] = json!(a.logical_id);
        integration["DependsOn"] = json!(a.logical_id);
    }
    integration["Properties"] = json!({
        "ApiId": api.id,
        "IntegrationType": "AWS_PROXY",
        "IntegrationUri": target,
        "PayloadFormatVersion": payload_format_version,
        "TimeoutInMillis": 30000,
    });
    resources.insert(
        naming::lambda_http_api_permission_logical_id(function),
        permission,
    );
    resources.insert(
        naming::http_api_integration_logical_id(function),
        integration,
    );
}

/// The `AWS::ApiGatewayV2::Route` of one route.
fn route_resource(api: &Api<'_>, r: &Route) -> Value {
    let integration_id = naming::http_api_integration_logical_id(&r.function);
    let mut props = Map::new();
    props.insert("ApiId".into(), api.id.clone());
    props.insert(
        "RouteKey".into(),
        json!(if r.key == "*" {
            "$default"
        } else {
            r.key.as_str()
        }),
    );
    props.insert(
        "Target".into(),
        json!({"Fn::Join": ["/", ["integrations", {"Ref": integration_id}]]}),
    );
    if let Some(a) = &r.authorizer {
        add_route_authorization(api, a, &mut props);
    }
    json!({"Type": "AWS::ApiGatewayV2::Route", "Properties": props, "DependsOn": integration_id})
}

/// A route's `AuthorizationType` and, unless it is IAM, its authorizer id and scopes.
fn add_route_authorization(api: &Api<'_>, a: &RouteAuthorizer, props: &mut Map<String, Value>) {
    let configured = |n: &String| api.authorizers.iter().find(|x| &x.spec.key == n);
    // v3: an external id keeps the event's type; otherwise the configured authorizer's.
    let t = if a.id.is_some() || a.type_.as_deref() == Some("aws_iam") {
        a.type_.clone().unwrap_or_default()
    } else {
        a.name
            .as_ref()
            .and_then(configured)
            .and_then(|x| x.spec.type_.clone())
            .unwrap_or_default()
    };
    let auth_type = match t.as_str() {
        "request" => "CUSTOM",
        "aws_iam" => "AWS_IAM",
        _ => "JWT",
    };
    props.insert("AuthorizationType".into(), json!(auth_type));
    if t == "aws_iam" {
        return;
    }
    let id = match (&a.id, &a.name) {
        (Some(id), _) => id.clone(),
        (None, Some(n)) => {
            let name = configured(n)
                .map(|x| x.spec.name.clone())
                .unwrap_or_else(|| n.clone());
            json!({"Ref": naming::http_api_authorizer_logical_id(&name)})
        }
        (None, None) => Value::Null,
    };
    props.insert("AuthorizerId".into(), id);
    if let Some(s) = &a.scopes {
        props.insert(
            "AuthorizationScopes".into(),
            Value::Array(js_set(&json!(s))),
        );
    }
}
