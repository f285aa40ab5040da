//! `websocket` events: one WebSocket API (API Gateway v2) for the service, compiled as v3's
//! `package/compile/events/websockets` does: API (and the execution role's
//! `execute-api:ManageConnections` statement), integrations, route responses, authorizers,
//! permissions, routes, stage, and a deployment whose logical id carries the hash of the
//! websocket part of the template; output `ServiceEndpointWebsocket`. `provider.logs.websocket`
//! adds the stage's log settings, the `/aws/websocket/<service>-<stage>` log group and the
//! account's CloudWatch role (v3's custom resource, shared with REST API logs).

use base64::Engine;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};

use super::common;
use super::custom_resources as cr;
use crate::error::{DeployError, Result};
use crate::naming;
use sls_config::is_truthy as truthy;
use sls_config::model::{self, EventKind, Function, Service};

const API_ID: &str = "WebsocketsApi";
const STAGE_ID: &str = "WebsocketsDeploymentStage";
/// v3 `getWebsocketsLogGroupLogicalId`.
const LOG_GROUP_ID: &str = "WebsocketsLogGroup";
/// v3's access log format for websockets.
const DEFAULT_LOG_FORMAT: &str = "$context.identity.sourceIp $context.identity.caller $context.identity.user [$context.requestTime] \"$context.eventType $context.routeKey $context.connectionId\" $context.requestId";

struct Event {
    function: String,
    /// The function's ARN, through its alias when it has one (v3 `resolveLambdaTarget`).
    target: Value,
    /// The function's alias, if any.
    alias: Option<String>,
    route: String,
    route_response: Option<Value>,
    authorizer: Option<Authorizer>,
}

struct Authorizer {
    name: String,
    uri: Value,
    identity_source: Value,
    /// An ARN (string or intrinsic) or the authorizer function's logical id.
    permission: Value,
    local: bool,
    /// The local authorizer function's ARN (through its alias) and alias.
    target: Value,
    alias: Option<String>,
}

fn err(at: impl Into<String>, m: impl Into<String>) -> DeployError {
    DeployError::config(at, m)
}

fn invocation_uri(target: Value) -> Value {
    json!({"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"}, ":apigateway:", {"Ref": "AWS::Region"},
        ":lambda:path/2015-03-31/functions/", target, "/invocations"
    ]]})
}

/// `head` (its `Type`), then `DependsOn` on the alias when there is one, then `Properties`.
fn with_dep(mut head: Value, alias: Option<&String>, props: Value) -> Value {
    if let Some(a) = alias {
        head["DependsOn"] = json!(a);
    }
    head["Properties"] = props;
    head
}

fn is_websocket(event: &model::Event) -> Option<&Value> {
    match &event.kind {
        EventKind::Websocket(Some(settings)) if !event.shared => Some(settings),
        _ => None,
    }
}

fn parse(service: &Service, f: &Function, index: usize, v: &Value) -> Result<Event> {
    let at = format!("functions.{}.events[{index}].websocket", f.key);
    let o = match v {
        Value::String(route) => {
            return Ok(Event {
                function: f.key.clone(),
                target: common::lambda_target(f),
                alias: naming::target_alias_id(f),
                route: route.clone(),
                route_response: None,
                authorizer: None,
            })
        }
        Value::Object(o) => o,
        _ => return Err(err(&at, "must be a route key or an object with `route`")),
    };
    for k in o.keys() {
        if !["route", "routeResponseSelectionExpression", "authorizer"].contains(&k.as_str()) {
            return Err(err(
                format!("{at}.{k}"),
                "unknown property; use route, routeResponseSelectionExpression, authorizer",
            ));
        }
    }
    let route = match o.get("route") {
        Some(Value::String(r)) => r.clone(),
        _ => {
            return Err(err(
                format!("{at}.route"),
                "must be a string (the route key)",
            ))
        }
    };
    let route_response = match o.get("routeResponseSelectionExpression") {
        None | Some(Value::Null) => None,
        Some(v) if v == "$default" => Some(v.clone()),
        Some(_) => {
            return Err(err(
                format!("{at}.routeResponseSelectionExpression"),
                "must be \"$default\"",
            ))
        }
    };
    let authorizer = match o.get("authorizer") {
        None | Some(Value::Null) => None,
        Some(a) => Some(parse_authorizer(service, a, &format!("{at}.authorizer"))?),
    };
    Ok(Event {
        function: f.key.clone(),
        target: common::lambda_target(f),
        alias: naming::target_alias_id(f),
        route,
        route_response,
        authorizer,
    })
}

/// A function of this service, named at `at`.
fn check_function(service: &Service, name: &str, at: &str) -> Result<()> {
    if service.functions.iter().any(|x| x.key == name) {
        Ok(())
    } else {
        Err(err(
            at,
            format!("Function \"{name}\" doesn't exist in this Service; name a function of this service, or give the authorizer's ARN"),
        ))
    }
}

/// The name v3 gives an authorizer given by ARN: the ARN's last part.
fn arn_name(arn: &str) -> String {
    arn.rsplit(':').next().unwrap_or(arn).to_string()
}

/// An event's `authorizer` (`at` is its path): an ARN, a function of this service, or
/// `{name, arn, identitySource}`.
fn parse_authorizer(service: &Service, a: &Value, at: &str) -> Result<Authorizer> {
    let default_source = json!(["route.request.header.Auth"]);
    match a {
        Value::String(a) if a.contains(':') => Ok(Authorizer {
            name: arn_name(a),
            uri: invocation_uri(json!(a)),
            identity_source: default_source,
            permission: json!(a),
            local: false,
            target: Value::Null,
            alias: None,
        }),
        Value::String(a) => {
            check_function(service, a, at)?;
            Ok(local_authorizer(service, a, default_source))
        }
        Value::Object(o) => parse_authorizer_object(service, o, at, default_source),
        _ => Err(err(
            at,
            "must be a function name, an ARN or an object (name, arn, identitySource)",
        )),
    }
}

/// The authorizer function `name` of this service.
fn local_authorizer(service: &Service, name: &str, identity_source: Value) -> Authorizer {
    let target = common::lambda_target_of(service, name);
    Authorizer {
        name: name.to_string(),
        uri: invocation_uri(target.clone()),
        identity_source,
        permission: json!(naming::lambda_logical_id(name)),
        local: true,
        target,
        alias: common::function(service, name).and_then(naming::target_alias_id),
    }
}

fn parse_authorizer_object(
    service: &Service,
    a: &Map<String, Value>,
    at: &str,
    default_source: Value,
) -> Result<Authorizer> {
    for k in a.keys() {
        if !["name", "arn", "identitySource"].contains(&k.as_str()) {
            return Err(err(
                format!("{at}.{k}"),
                "unknown property; use name, arn, identitySource",
            ));
        }
    }
    let name = a.get("name").and_then(Value::as_str);
    let by_arn = |name: String, arn: &Value| Authorizer {
        name,
        uri: invocation_uri(arn.clone()),
        identity_source: Value::Null,
        permission: arn.clone(),
        local: false,
        target: Value::Null,
        alias: None,
    };
    let mut authorizer =
        match (a.get("arn"), name) {
            (Some(arn @ Value::String(s)), _) => by_arn(arn_name(s), arn),
            (Some(arn @ Value::Object(_)), Some(n)) => by_arn(n.to_string(), arn),
            (Some(Value::Object(_)), None) => return Err(err(
                format!("{at}.name"),
                "Websocket Authorizer: Non-string \"arn\" needs to be accompanied with \"name\"",
            )),
            (None, Some(n)) => {
                check_function(service, n, &format!("{at}.name"))?;
                local_authorizer(service, n, Value::Null)
            }
            _ => {
                return Err(err(
                    at,
                    "needs `name` (a function of this service) or `arn`",
                ))
            }
        };
    authorizer.identity_source = match a.get("identitySource") {
        None | Some(Value::Null) => default_source,
        Some(v @ Value::Array(_)) => v.clone(),
        Some(_) => {
            return Err(err(
                format!("{at}.identitySource"),
                "must be a list of strings",
            ))
        }
    };
    Ok(authorizer)
}

pub(crate) fn check_event(
    service: &Service,
    f: &Function,
    index: usize,
    settings: Option<&Value>,
) -> Result<()> {
    parse(service, f, index, settings.unwrap_or(&Value::Null)).map(drop)
}

/// v3 `getNormalizedWebsocketsRouteKey` + `WebsocketsRoute`.
fn route_id(route: &str) -> String {
    let k = route
        .replace('$', "S")
        .replace('/', "Slash")
        .replace('-', "Dash")
        .replace('_', "Underscore")
        .replace('.', "Period");
    format!("{k}WebsocketsRoute")
}

/// lodash `_.merge` into `resources[id]`, or insert.
fn merge_into(resources: &mut Map<String, Value>, id: &str, v: Value) {
    match resources.get_mut(id) {
        Some(existing) => crate::merge(existing, &v),
        None => {
            resources.insert(id.to_string(), v);
        }
    }
}

/// What the resources of the one WebSocket API share.
struct Api {
    /// `{Ref: WebsocketsApi}`, or `provider.apiGateway.websocketApiId`.
    id: Value,
    /// The API is `provider.apiGateway.websocketApiId`: neither it nor its stage is created.
    external: bool,
    /// `provider.websocketsDescription`, for the API, the stage and the deployment.
    description: Value,
}

/// Compiles every `websocket` event of the service into `t`, in v3's order of steps.
pub(crate) fn compile(ctx: &cr::Context<'_>, t: &mut Value) -> Result<()> {
    let (service, config) = (ctx.service, ctx.config);
    let events = collect_events(service)?;
    if events.is_empty() {
        return Ok(());
    }
    let empty = Map::new();
    let p = config
        .get("provider")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let logs = stage_logs(p)?;
    let external = p
        .get("apiGateway")
        .and_then(|a| a.get("websocketApiId"))
        .filter(|v| truthy(v))
        .cloned();
    let api = Api {
        external: external.is_some(),
        id: external.unwrap_or_else(|| json!({"Ref": API_ID})),
        description: p
            .get("websocketsDescription")
            .filter(|v| truthy(v))
            .cloned()
            .unwrap_or(json!("Serverless Websockets")),
    };
    let Some(resources) = t["Resources"].as_object_mut() else {
        return Ok(());
    };
    if !api.external {
        add_api(service, p, &api, resources);
    }
    add_integrations(&api, &events, resources);
    add_route_responses(&api, &events, resources);
    add_authorizers(&api, &events, resources);
    add_permissions(&api, &events, resources);
    add_routes(&api, &events, resources);
    if !api.external {
        let mut stage = json!({
            "Type": "AWS::ApiGatewayV2::Stage",
            "Properties": {"ApiId": api.id, "StageName": service.stage, "Description": api.description}
        });
        if let Some(settings) = &logs {
            for (k, v) in settings {
                stage["Properties"][k] = v.clone();
            }
        }
        resources.insert(STAGE_ID.into(), stage);
        if logs.is_some() {
            resources.insert(LOG_GROUP_ID.into(), log_group(service, p));
            cr::ensure_api_gateway_cloud_watch_role(ctx, t);
        }
    }
    let Some(resources) = t["Resources"].as_object_mut() else {
        return Ok(());
    };
    add_deployment(service, &api, &events, resources);
    t["Outputs"]["ServiceEndpointWebsocket"] = json!({
        "Description": "URL of the service endpoint",
        "Value": {"Fn::Join": ["", [
            "wss://", api.id, ".execute-api.", {"Ref": "AWS::Region"}, ".",
            {"Ref": "AWS::URLSuffix"}, format!("/{}", service.stage)
        ]]}
    });
    Ok(())
}

/// v3 `compileStage`'s log settings for `provider.logs.websocket` (`true` or an object):
/// `DefaultRouteSettings` (data trace, level) and, unless `accessLogging: false`, the
/// `AccessLogSettings` into the log group. `None` without the setting.
fn stage_logs(p: &Map<String, Value>) -> Result<Option<Map<String, Value>>> {
    let logs = &p
        .get("logs")
        .map(|l| &l["websocket"])
        .unwrap_or(&Value::Null);
    if !truthy(logs) {
        return Ok(None);
    }
    // JavaScript reads properties of `true` as undefined: every default.
    let get = |k: &str| logs.get(k).filter(|v| !v.is_null());
    let on = |k: &str| get(k).is_none_or(truthy);
    let level = if !on("executionLogging") {
        json!("OFF")
    } else {
        match get("level").filter(|l| truthy(l)) {
            None => json!("INFO"),
            Some(l) if l == "INFO" || l == "ERROR" => l.clone(),
            Some(l) => {
                let shown = l
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| l.to_string());
                return Err(err(
                    "provider.logs.websocket.level",
                    format!("provider.logs.websocket.level is set to an invalid value. Support values are INFO, ERROR, got {shown}."),
                ));
            }
        }
    };
    let mut out = Map::new();
    out.insert(
        "DefaultRouteSettings".into(),
        json!({"DataTraceEnabled": on("fullExecutionData"), "LoggingLevel": level}),
    );
    if on("accessLogging") {
        let format = get("format")
            .filter(|f| truthy(f))
            .cloned()
            .unwrap_or(json!(DEFAULT_LOG_FORMAT));
        out.insert(
            "AccessLogSettings".into(),
            json!({
                "DestinationArn": {"Fn::Sub": format!("arn:${{AWS::Partition}}:logs:${{AWS::Region}}:${{AWS::AccountId}}:log-group:${{{LOG_GROUP_ID}}}")},
                "Format": format,
            }),
        );
    }
    Ok(Some(out))
}

/// v3's `/aws/websocket/<service>-<stage>` log group, with the provider's retention and data
/// protection policy.
fn log_group(service: &Service, p: &Map<String, Value>) -> Value {
    let mut props = Map::new();
    props.insert(
        "LogGroupName".into(),
        json!(format!("/aws/websocket/{}-{}", service.name, service.stage)),
    );
    for (key, from) in [
        ("RetentionInDays", "logRetentionInDays"),
        ("DataProtectionPolicy", "logDataProtectionPolicy"),
    ] {
        if let Some(v) = p.get(from).filter(|v| truthy(v)) {
            props.insert(key.into(), v.clone());
        }
    }
    json!({"Type": "AWS::Logs::LogGroup", "Properties": props})
}

fn collect_events(service: &Service) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    for f in &service.functions {
        for e in &f.events {
            if let Some(v) = is_websocket(e) {
                events.push(parse(service, f, e.index, v)?);
            }
        }
    }
    Ok(events)
}

/// The `AWS::ApiGatewayV2::Api`, and the execution role's right to post to its connections.
fn add_api(
    service: &Service,
    p: &Map<String, Value>,
    api: &Api,
    resources: &mut Map<String, Value>,
) {
    let name = match p.get("websocketsApiName") {
        Some(Value::String(n)) if !n.is_empty() => n.clone(),
        _ => format!("{}-{}-websockets", service.stage, service.name),
    };
    let mut props = Map::new();
    props.insert("Name".into(), json!(name));
    props.insert(
        "RouteSelectionExpression".into(),
        p.get("websocketsApiRouteSelectionExpression")
            .filter(|v| truthy(v))
            .cloned()
            .unwrap_or(json!("$request.body.action")),
    );
    props.insert("Description".into(), api.description.clone());
    props.insert("ProtocolType".into(), json!("WEBSOCKET"));
    let use_tags = p
        .get("websocket")
        .and_then(|w| w.get("useProviderTags"))
        .is_some_and(truthy);
    if let Some(tags) = p.get("tags").filter(|v| truthy(v)) {
        if use_tags {
            props.insert("Tags".into(), tags.clone());
        }
    }
    merge_into(
        resources,
        API_ID,
        json!({"Type": "AWS::ApiGatewayV2::Api", "Properties": props}),
    );
    if let Some(statements) = resources
        .get_mut(naming::ROLE_LOGICAL_ID)
        .and_then(|r| r["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].as_array_mut())
    {
        statements.push(json!({
            "Effect": "Allow",
            "Action": ["execute-api:ManageConnections"],
            "Resource": [{"Fn::Sub": "arn:${AWS::Partition}:execute-api:*:*:*/@connections/*"}]
        }));
    }
}

fn integration_id(function: &str) -> String {
    format!(
        "{}WebsocketsIntegration",
        naming::normalized_function_name(function)
    )
}

fn authorizer_id(name: &str) -> String {
    format!(
        "{}WebsocketsAuthorizer",
        naming::normalized_function_name(name)
    )
}

fn permission_id(function: &str) -> String {
    format!(
        "{}LambdaPermissionWebsockets",
        naming::normalized_function_name(function)
    )
}

/// One `AWS_PROXY` integration per function.
fn add_integrations(api: &Api, events: &[Event], resources: &mut Map<String, Value>) {
    for e in events {
        merge_into(
            resources,
            &integration_id(&e.function),
            with_dep(
                json!({"Type": "AWS::ApiGatewayV2::Integration"}),
                e.alias.as_ref(),
                json!({
                    "ApiId": api.id,
                    "IntegrationType": "AWS_PROXY",
                    "IntegrationUri": invocation_uri(e.target.clone()),
                }),
            ),
        );
    }
}

/// A `$default` route response for each route with `routeResponseSelectionExpression`.
fn add_route_responses(api: &Api, events: &[Event], resources: &mut Map<String, Value>) {
    for e in events.iter().filter(|e| e.route_response.is_some()) {
        let rid = route_id(&e.route);
        resources.insert(
            format!("{rid}Response"),
            json!({
                "Type": "AWS::ApiGatewayV2::RouteResponse",
                "Properties": {"ApiId": api.id, "RouteId": {"Ref": rid}, "RouteResponseKey": "$default"}
            }),
        );
    }
}

fn add_authorizers(api: &Api, events: &[Event], resources: &mut Map<String, Value>) {
    for e in events {
        let Some(a) = &e.authorizer else { continue };
        merge_into(
            resources,
            &authorizer_id(&a.name),
            with_dep(
                json!({"Type": "AWS::ApiGatewayV2::Authorizer"}),
                a.alias.as_ref(),
                json!({
                    "ApiId": api.id,
                    "Name": a.name,
                    "AuthorizerType": "REQUEST",
                    "AuthorizerUri": a.uri,
                    "IdentitySource": a.identity_source,
                }),
            ),
        );
    }
}

/// API Gateway may invoke each route's function, then its authorizer's.
fn add_permissions(api: &Api, events: &[Event], resources: &mut Map<String, Value>) {
    let api_ref: Vec<Value> = if api.external {
        Vec::new()
    } else {
        vec![json!(API_ID)]
    };
    for e in events {
        let mut depends = api_ref.clone();
        depends.push(json!(e
            .alias
            .clone()
            .unwrap_or_else(|| naming::lambda_logical_id(&e.function))));
        merge_into(
            resources,
            &permission_id(&e.function),
            json!({
                "Type": "AWS::Lambda::Permission",
                "DependsOn": depends,
                "Properties": {
                    "FunctionName": e.target,
                    "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                }
            }),
        );
        let Some(a) = &e.authorizer else { continue };
        let mut depends = api_ref.clone();
        let function_name = if a.local {
            depends.push(a.permission.clone());
            depends.extend(a.alias.iter().map(|id| json!(id)));
            a.target.clone()
        } else {
            a.permission.clone()
        };
        merge_into(
            resources,
            &permission_id(&a.name),
            json!({
                "Type": "AWS::Lambda::Permission",
                "DependsOn": depends,
                "Properties": {
                    "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                    "FunctionName": function_name,
                }
            }),
        );
    }
}

fn add_routes(api: &Api, events: &[Event], resources: &mut Map<String, Value>) {
    for e in events {
        let mut props = Map::new();
        props.insert("ApiId".into(), api.id.clone());
        props.insert("RouteKey".into(), json!(e.route));
        props.insert("AuthorizationType".into(), json!("NONE"));
        props.insert(
            "Target".into(),
            json!({"Fn::Join": ["/", ["integrations", {"Ref": integration_id(&e.function)}]]}),
        );
        if let Some(r) = &e.route_response {
            props.insert("RouteResponseSelectionExpression".into(), r.clone());
        }
        if let Some(a) = &e.authorizer {
            props.insert("AuthorizationType".into(), json!("CUSTOM"));
            props.insert(
                "AuthorizerId".into(),
                json!({"Ref": authorizer_id(&a.name)}),
            );
        }
        merge_into(
            resources,
            &route_id(&e.route),
            json!({"Type": "AWS::ApiGatewayV2::Route", "Properties": props}),
        );
    }
}

/// The deployment, after every route (and route response), and the stage pointing at it.
fn add_deployment(
    service: &Service,
    api: &Api,
    events: &[Event],
    resources: &mut Map<String, Value>,
) {
    let mut depends = Vec::new();
    for e in events {
        if e.route_response.is_some() {
            depends.push(json!(format!("{}Response", route_id(&e.route))));
        }
        depends.push(json!(route_id(&e.route)));
    }
    let deployment_id = deployment_id(resources);
    let mut props = Map::new();
    props.insert("ApiId".into(), api.id.clone());
    props.insert("Description".into(), api.description.clone());
    if api.external {
        props.insert("StageName".into(), json!(service.stage));
    }
    merge_into(
        resources,
        &deployment_id,
        json!({"Type": "AWS::ApiGatewayV2::Deployment", "DependsOn": depends, "Properties": props}),
    );
    if let Some(stage) = resources.get_mut(STAGE_ID) {
        stage["Properties"]["DeploymentId"] = json!({"Ref": deployment_id});
    }
}

/// `WebsocketsDeployment<hash>`: the hash of the websocket part of the template (the API and
/// what refers to it), so a change to it makes a new deployment.
fn deployment_id(resources: &Map<String, Value>) -> String {
    let part: Map<String, Value> = resources
        .iter()
        .filter(|(k, r)| {
            k.as_str() == API_ID
                || r["Properties"]["ApiId"]["Ref"] == API_ID
                || r["DependsOn"]
                    .as_array()
                    .is_some_and(|d| d.iter().any(|x| x == API_ID))
        })
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let text = serde_json::to_string(&part).unwrap_or_default();
    let hash = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()));
    let clean: String = hash.chars().filter(char::is_ascii_alphanumeric).collect();
    format!("WebsocketsDeployment{clean}")
}
