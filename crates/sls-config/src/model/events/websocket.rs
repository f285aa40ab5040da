//! `websocket` settings: the route, its route response and its authorizer; and the provider's
//! settings of the service's one WebSocket API (`provider.websockets*`, `logs.websocket`).
//! An authorizer naming a function keeps the name: the compiler resolves it.

use serde_json::{Map, Value};

use super::check::{self, err, Result};
use super::Parsed;
use crate::is_truthy as truthy;

const FAMILY: &str = "websocket";

/// A `websocket` event: `- websocket: <route>` or `- websocket: {route, ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Websocket {
    pub route: String,
    /// `routeResponseSelectionExpression` (only `$default`).
    pub route_response_selection_expression: Option<String>,
    pub authorizer: Option<WebsocketAuthorizer>,
}

/// An event's `authorizer`: an ARN, a function of this service, or `{name, arn, identitySource}`.
#[derive(Debug, Clone, PartialEq)]
pub struct WebsocketAuthorizer {
    pub target: WebsocketAuthorizerTarget,
    /// `identitySource` when written (a list), or its error: the compiler reports it after
    /// checking that a named function exists, as before.
    pub identity_source: Parsed<Option<Vec<Value>>>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum WebsocketAuthorizerTarget {
    /// A Lambda function by ARN (a string, or an intrinsic with `name`); `name` is the ARN's
    /// last part unless given.
    Arn { name: String, arn: Value },
    /// A function of this service by its key; `path` names where it is written, for the
    /// compiler's error when no such function exists.
    Function { name: String, path: String },
}

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<Websocket> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let o = match settings {
        Some(Value::String(route)) => {
            return Ok(Websocket {
                route: route.clone(),
                route_response_selection_expression: None,
                authorizer: None,
            })
        }
        Some(Value::Object(o)) => o,
        _ => return Err(err(at(""), "must be a route key or an object with `route`")),
    };
    if let Some(k) = o.keys().find(|k| {
        !["route", "routeResponseSelectionExpression", "authorizer"].contains(&k.as_str())
    }) {
        return Err(err(
            at(k),
            "unknown property; use route, routeResponseSelectionExpression, authorizer",
        ));
    }
    let route = match o.get("route") {
        Some(Value::String(r)) => r.clone(),
        _ => return Err(err(at("route"), "must be a string (the route key)")),
    };
    let route_response_selection_expression = match o.get("routeResponseSelectionExpression") {
        None | Some(Value::Null) => None,
        Some(v) if v == "$default" => Some("$default".to_string()),
        Some(_) => {
            return Err(err(
                at("routeResponseSelectionExpression"),
                "must be \"$default\"",
            ))
        }
    };
    let authorizer = match o.get("authorizer") {
        None | Some(Value::Null) => None,
        Some(a) => Some(parse_authorizer(a, &at("authorizer"))?),
    };
    Ok(Websocket {
        route,
        route_response_selection_expression,
        authorizer,
    })
}

/// The name v3 gives an authorizer given by ARN: the ARN's last part.
fn arn_name(arn: &str) -> String {
    arn.rsplit(':').next().unwrap_or(arn).to_string()
}

/// An event's `authorizer` (`at` is its path).
fn parse_authorizer(a: &Value, at: &str) -> Result<WebsocketAuthorizer> {
    let target = match a {
        Value::String(a) if a.contains(':') => WebsocketAuthorizerTarget::Arn {
            name: arn_name(a),
            arn: Value::String(a.clone()),
        },
        Value::String(a) => WebsocketAuthorizerTarget::Function {
            name: a.clone(),
            path: at.to_string(),
        },
        Value::Object(o) => return parse_authorizer_object(o, at),
        _ => {
            return Err(err(
                at,
                "must be a function name, an ARN or an object (name, arn, identitySource)",
            ))
        }
    };
    Ok(WebsocketAuthorizer {
        target,
        identity_source: Ok(None),
    })
}

fn parse_authorizer_object(a: &Map<String, Value>, at: &str) -> Result<WebsocketAuthorizer> {
    if let Some(k) = a
        .keys()
        .find(|k| !["name", "arn", "identitySource"].contains(&k.as_str()))
    {
        return Err(err(
            format!("{at}.{k}"),
            "unknown property; use name, arn, identitySource",
        ));
    }
    let name = a.get("name").and_then(Value::as_str);
    let target =
        match (a.get("arn"), name) {
            (Some(arn @ Value::String(s)), _) => WebsocketAuthorizerTarget::Arn {
                name: arn_name(s),
                arn: arn.clone(),
            },
            (Some(arn @ Value::Object(_)), Some(n)) => WebsocketAuthorizerTarget::Arn {
                name: n.to_string(),
                arn: arn.clone(),
            },
            (Some(Value::Object(_)), None) => return Err(err(
                format!("{at}.name"),
                "Websocket Authorizer: Non-string \"arn\" needs to be accompanied with \"name\"",
            )),
            (None, Some(n)) => WebsocketAuthorizerTarget::Function {
                name: n.to_string(),
                path: format!("{at}.name"),
            },
            _ => {
                return Err(err(
                    at,
                    "needs `name` (a function of this service) or `arn`",
                ))
            }
        };
    let identity_source = match a.get("identitySource") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(list)) => Ok(Some(list.clone())),
        Some(_) => Err(err(
            format!("{at}.identitySource"),
            "must be a list of strings",
        )),
    };
    Ok(WebsocketAuthorizer {
        target,
        identity_source,
    })
}

/// The provider's settings of the service's WebSocket API.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WebsocketProvider {
    /// `websocketsApiName`, when a non-empty string.
    pub api_name: Option<String>,
    /// `websocketsApiRouteSelectionExpression`, when set (JavaScript-truthy).
    pub route_selection_expression: Option<Value>,
    /// `websocketsDescription`, when set (JavaScript-truthy).
    pub description: Option<Value>,
    /// `apiGateway.websocketApiId`, when set (JavaScript-truthy): an existing API to use.
    pub api_id: Option<Value>,
    /// `websocket.useProviderTags`: the API carries `provider.tags`.
    pub use_provider_tags: bool,
    /// `logs.websocket`, when set (JavaScript-truthy); a bad value is kept as its error, which
    /// the compiler reports only when the service has websocket events.
    pub logs: Option<std::result::Result<WebsocketLogs, crate::model::ModelError>>,
    /// `logDataProtectionPolicy`, when set (JavaScript-truthy), for the log group.
    pub log_data_protection_policy: Option<Value>,
}

/// `provider.logs.websocket` (`true` or an object) with v3's defaults applied.
#[derive(Debug, Clone, PartialEq)]
pub struct WebsocketLogs {
    /// `fullExecutionData` (default on).
    pub full_execution_data: bool,
    /// `OFF` when `executionLogging: false`, else `level`: `INFO` (the default) or `ERROR`.
    pub level: String,
    /// `accessLogging` (default on).
    pub access_logging: bool,
    /// `format`, when set (JavaScript-truthy).
    pub format: Option<Value>,
}

impl WebsocketProvider {
    pub(crate) fn from_json(p: &Map<String, Value>) -> Self {
        let set = |v: Option<&Value>| v.filter(|v| truthy(v)).cloned();
        WebsocketProvider {
            api_name: match p.get("websocketsApiName") {
                Some(Value::String(n)) if !n.is_empty() => Some(n.clone()),
                _ => None,
            },
            route_selection_expression: set(p.get("websocketsApiRouteSelectionExpression")),
            description: set(p.get("websocketsDescription")),
            api_id: set(p.get("apiGateway").and_then(|a| a.get("websocketApiId"))),
            use_provider_tags: p
                .get("websocket")
                .and_then(|w| w.get("useProviderTags"))
                .is_some_and(truthy),
            logs: p
                .get("logs")
                .and_then(|l| l.get("websocket"))
                .filter(|l| truthy(l))
                .map(parse_logs),
            log_data_protection_policy: set(p.get("logDataProtectionPolicy")),
        }
    }
}

/// v3 `compileStage`'s reading of `provider.logs.websocket`.
fn parse_logs(logs: &Value) -> Result<WebsocketLogs> {
    // JavaScript reads properties of `true` as undefined: every default.
    let get = |k: &str| logs.get(k).filter(|v| !v.is_null());
    let on = |k: &str| get(k).is_none_or(truthy);
    let level = if !on("executionLogging") {
        "OFF".to_string()
    } else {
        match get("level").filter(|l| truthy(l)) {
            None => "INFO".to_string(),
            Some(Value::String(l)) if l == "INFO" || l == "ERROR" => l.clone(),
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
    Ok(WebsocketLogs {
        full_execution_data: on("fullExecutionData"),
        level,
        access_logging: on("accessLogging"),
        format: get("format").filter(|f| truthy(f)).cloned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn authorizers_keep_function_names_and_paths() {
        let ws = parse(
            "f",
            0,
            Some(&json!({"route": "$connect", "authorizer": {"name": "auth", "identitySource": ["route.request.querystring.token"]}})),
        )
        .unwrap();
        assert_eq!(
            ws.authorizer,
            Some(WebsocketAuthorizer {
                target: WebsocketAuthorizerTarget::Function {
                    name: "auth".into(),
                    path: "functions.f.events[0].websocket.authorizer.name".into()
                },
                identity_source: Ok(Some(vec![json!("route.request.querystring.token")])),
            })
        );
        let ws = parse(
            "f",
            1,
            Some(&json!({"route": "r", "authorizer": "arn:aws:lambda:r:1:function:a"})),
        )
        .unwrap();
        assert!(matches!(
            ws.authorizer.map(|a| a.target),
            Some(WebsocketAuthorizerTarget::Arn { name, .. }) if name == "a"
        ));
    }

    #[test]
    fn provider_logs_level_error_is_kept() {
        let p = json!({"logs": {"websocket": {"level": "DEBUG"}}});
        let settings = WebsocketProvider::from_json(p.as_object().unwrap());
        let e = settings.logs.unwrap().unwrap_err();
        assert_eq!(e.path, "provider.logs.websocket.level");
        let p = json!({"logs": {"websocket": true}, "websocketsApiName": ""});
        let settings = WebsocketProvider::from_json(p.as_object().unwrap());
        assert_eq!(settings.api_name, None);
        let logs = settings.logs.unwrap().unwrap();
        assert_eq!(
            (
                logs.level.as_str(),
                logs.full_execution_data,
                logs.access_logging
            ),
            ("INFO", true, true)
        );
    }
}
