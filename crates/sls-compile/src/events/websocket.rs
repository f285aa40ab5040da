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
use sls_config::model::events::{
    Parsed, Websocket, WebsocketAuthorizer, WebsocketAuthorizerTarget, WebsocketProvider,
};
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

fn is_websocket(event: &model::Event) -> Option<&Parsed<Websocket>> {
    match &event.kind {
        EventKind::Websocket(parsed) if !event.shared => Some(parsed),
        _ => None,
    }
}

/// The parsed event of `f`, with its function and authorizer resolved in this service.
fn resolve(service: &Service, f: &Function, ws: &Websocket) -> Result<Event> {
    let authorizer = match &ws.authorizer {
        None => None,
        Some(a) => Some(resolve_authorizer(service, a)?),
    };
    Ok(Event {
        function: f.key.clone(),
        target: common::lambda_target(f),
        alias: naming::target_alias_id(f),
        route: ws.route.clone(),
        route_response: ws
            .route_response_selection_expression
            .as_ref()
            .map(|r| json!(r)),
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

/// An event's authorizer: by ARN, or a function of this service (which must exist).
fn resolve_authorizer(service: &Service, a: &WebsocketAuthorizer) -> Result<Authorizer> {
    let mut authorizer = match &a.target {
        WebsocketAuthorizerTarget::Arn { name, arn } => Authorizer {
            name: name.clone(),
            uri: invocation_uri(arn.clone()),
            identity_source: Value::Null,
            permission: arn.clone(),
            local: false,
            target: Value::Null,
            alias: None,
        },
        WebsocketAuthorizerTarget::Function { name, path } => {
            check_function(service, name, path)?;
            local_authorizer(service, name)
        }
    };
    authorizer.identity_source = match common::parsed(&a.identity_source)? {
        Some(list) => json!(list),
        None => json!(["route.request.header.Auth"]),
    };
    Ok(authorizer)
}

/// The authorizer function `name` of this service.
fn local_authorizer(service: &Service, name: &str) -> Authorizer {
    let target = common::lambda_target_of(service, name);
    Authorizer {
        name: name.to_string(),
        uri: invocation_uri(target.clone()),
        identity_source: Value::Null,
        permission: json!(naming::lambda_logical_id(name)),
        local: true,
        target,
        alias: common::function(service, name).and_then(naming::target_alias_id),
    }
}

/// Checks one event of `f` as the compiler reads it (its authorizer's function included).
pub(crate) fn check_event(
    service: &Service,
    f: &Function,
    parsed: &Parsed<Websocket>,
) -> Result<()> {
    resolve(service, f, common::parsed(parsed)?).map(drop)
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
    let service = ctx.service;
    let events = collect_events(service)?;
    if events.is_empty() {
        return Ok(());
    }
    let p = &service.provider.websocket;
    let logs = stage_logs(p)?;
    let api = Api {
        external: p.api_id.is_some(),
        id: p.api_id.clone().unwrap_or_else(|| json!({"Ref": API_ID})),
        description: p
            .description
            .clone()
            .unwrap_or(json!("Serverless Websockets")),
    };
    let Some(resources) = t["Resources"].as_object_mut() else {
        return Ok(());
    };
    if !api.external {
        add_api(service, &api, resources);
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
            resources.insert(LOG_GROUP_ID.into(), log_group(service));
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
fn stage_logs(p: &WebsocketProvider) -> Result<Option<Map<String, Value>>> {
    let Some(logs) = &p.logs else {
        return Ok(None);
    };
    let logs = common::parsed(logs)?;
    let mut out = Map::new();
    out.insert(
        "DefaultRouteSettings".into(),
        json!({"DataTraceEnabled": logs.full_execution_data, "LoggingLevel": logs.level}),
    );
    if logs.access_logging {
        let format = logs.format.clone().unwrap_or(json!(DEFAULT_LOG_FORMAT));
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
fn log_group(service: &Service) -> Value {
    let mut props = Map::new();
    props.insert(
        "LogGroupName".into(),
        json!(format!("/aws/websocket/{}-{}", service.name, service.stage)),
    );
    let p = &service.provider;
    for (key, value) in [
        ("RetentionInDays", &p.log_retention_in_days),
        (
            "DataProtectionPolicy",
            &p.websocket.log_data_protection_policy,
        ),
    ] {
        if let Some(v) = value.as_ref().filter(|v| truthy(v)) {
            props.insert(key.into(), v.clone());
        }
    }
    json!({"Type": "AWS::Logs::LogGroup", "Properties": props})
}

fn collect_events(service: &Service) -> Result<Vec<Event>> {
    let mut events = Vec::new();
    for f in &service.functions {
        for e in &f.events {
            if let Some(parsed) = is_websocket(e) {
                events.push(resolve(service, f, common::parsed(parsed)?)?);
            }
        }
    }
    Ok(events)
}

/// The `AWS::ApiGatewayV2::Api`, and the execution role's right to post to its connections.
fn add_api(service: &Service, api: &Api, resources: &mut Map<String, Value>) {
    let p = &service.provider.websocket;
    let name = p
        .api_name
        .clone()
        .unwrap_or_else(|| format!("{}-{}-websockets", service.stage, service.name));
    let mut props = Map::new();
    props.insert("Name".into(), json!(name));
    props.insert(
        "RouteSelectionExpression".into(),
        p.route_selection_expression
            .clone()
            .unwrap_or(json!("$request.body.action")),
    );
    props.insert("Description".into(), api.description.clone());
    props.insert("ProtocolType".into(), json!("WEBSOCKET"));
    if let Some(tags) = &service.provider.tags {
        if p.use_provider_tags {
            props.insert("Tags".into(), Value::Object(tags.clone()));
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
