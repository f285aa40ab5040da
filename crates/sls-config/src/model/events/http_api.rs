//! `httpApi` settings: the route (`"*"`, `"<METHOD> /<path>"` or `{method, path,
//! authorizer}`) and its authorizer reference.

use serde_json::{Map, Value};

use super::check::{self, err, Result};

const FAMILY: &str = "httpApi";
const METHODS: &[&str] = &[
    "ANY", "GET", "POST", "PUT", "PATCH", "OPTIONS", "HEAD", "DELETE",
];

/// An `httpApi` event: one route of the service's HTTP API.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpApi {
    /// `GET /users/{id}`, or `*` (the `$default` route).
    pub key: String,
    /// `ANY` for `*`.
    pub method: String,
    pub authorizer: Option<RouteAuthorizer>,
}

/// The route's `authorizer`: a name, or `{name | id, scopes, type}`.
#[derive(Debug, Clone, PartialEq)]
pub struct RouteAuthorizer {
    pub name: Option<String>,
    pub id: Option<Value>,
    /// `request`, `jwt` or `aws_iam`.
    pub type_: Option<String>,
    pub scopes: Option<Vec<Value>>,
}

/// An event's route as written: `"*"`, `"<METHOD> /<path>"` or `{method, path, authorizer}`.
struct RouteSpec<'a> {
    method: Option<String>,
    path: String,
    authorizer: Option<&'a Value>,
}

/// Parses one event (`functions.<fn>.events[<i>].httpApi`).
pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<HttpApi> {
    let at = check::path(function, index, FAMILY, "");
    let spec = route_spec(&at, settings.unwrap_or(&Value::Null))?;
    let method = route_method(function, &at, &spec)?;
    let key = if spec.path == "*" {
        "*".to_string()
    } else {
        format!("{method} {}", spec.path)
    };
    let authorizer = match spec.authorizer {
        None => None,
        Some(a) => Some(parse_route_authorizer(&format!("{at}.authorizer"), a)?),
    };
    Ok(HttpApi {
        key,
        method,
        authorizer,
    })
}

fn route_spec<'a>(at: &str, v: &'a Value) -> Result<RouteSpec<'a>> {
    match v {
        Value::String(s) if s == "*" => Ok(RouteSpec {
            method: None,
            path: "*".to_string(),
            authorizer: None,
        }),
        Value::String(s) => {
            let (m, p) = s.split_once(' ').unwrap_or((s, ""));
            if !METHODS.contains(&m.to_uppercase().as_str())
                || !p.starts_with('/')
                || p.chars().any(char::is_whitespace)
            {
                return Err(err(
                    at,
                    format!("\"{s}\" must be \"*\" or \"<METHOD> /<path>\" (for example \"GET /users\")"),
                ));
            }
            Ok(RouteSpec {
                method: Some(m.to_string()),
                path: p.to_string(),
                authorizer: None,
            })
        }
        Value::Object(o) => route_spec_object(at, o),
        _ => Err(err(
            at,
            "must be \"*\", \"<METHOD> /<path>\" or an object with method and path",
        )),
    }
}

fn route_spec_object<'a>(at: &str, o: &'a Map<String, Value>) -> Result<RouteSpec<'a>> {
    for k in o.keys() {
        if !["authorizer", "method", "path"].contains(&k.as_str()) {
            return Err(err(
                format!("{at}.{k}"),
                format!(
                    "unknown property \"{k}\" (supported: method, path, authorizer); remove it"
                ),
            ));
        }
    }
    let path = match o.get("path") {
        Some(Value::String(p)) => p.clone(),
        Some(_) => return Err(err(format!("{at}.path"), "must be a string")),
        None => return Err(err(at, "must have required property 'path'")),
    };
    if path != "*" && (!path.starts_with('/') || path.chars().any(char::is_whitespace)) {
        return Err(err(
            format!("{at}.path"),
            format!("\"{path}\" must be \"*\" or start with \"/\" and hold no spaces"),
        ));
    }
    let method = match o.get("method") {
        None | Some(Value::Null) => None,
        Some(Value::String(m)) => Some(m.clone()),
        Some(_) => return Err(err(format!("{at}.method"), "must be a string")),
    };
    Ok(RouteSpec {
        method,
        path,
        authorizer: o.get("authorizer").filter(|a| !a.is_null()),
    })
}

/// The route's method in upper case: `ANY` for `*` (as a method or as the whole route).
fn route_method(function: &str, at: &str, spec: &RouteSpec<'_>) -> Result<String> {
    if spec.path == "*" {
        if spec.method.as_deref().is_some_and(|m| m != "*") {
            return Err(err(
                format!("{at}.path"),
                format!(
                    "Invalid \"path\" property in function {function} for httpApi event in serverless.yml"
                ),
            ));
        }
        return Ok("ANY".to_string());
    }
    let Some(m) = &spec.method else {
        return Err(err(
            format!("{at}.method"),
            format!(
                "Missing \"method\" property in function {function} for httpApi event in serverless.yml"
            ),
        ));
    };
    let m = m.to_uppercase();
    if m == "*" {
        Ok("ANY".into())
    } else if !METHODS.contains(&m.as_str()) {
        Err(err(
            format!("{at}.method"),
            format!(
                "Invalid \"method\" property in function {function} for httpApi event in serverless.yml"
            ),
        ))
    } else {
        Ok(m)
    }
}

/// An event's `authorizer` (`at` is its path): a name, or `{name | id, scopes, type}`.
fn parse_route_authorizer(at: &str, a: &Value) -> Result<RouteAuthorizer> {
    let o = match a {
        Value::String(n) => {
            return Ok(RouteAuthorizer {
                name: Some(n.clone()),
                id: None,
                type_: None,
                scopes: None,
            })
        }
        Value::Object(o) => o,
        _ => {
            return Err(err(
                at,
                "must be an authorizer name or an object (name, id, scopes, type)",
            ))
        }
    };
    for k in o.keys() {
        if !["id", "name", "scopes", "type"].contains(&k.as_str()) {
            return Err(err(
                format!("{at}.{k}"),
                "unknown property; use name, id, scopes or type",
            ));
        }
    }
    let type_ = match o.get("type") {
        None | Some(Value::Null) => None,
        Some(Value::String(t)) if ["request", "jwt", "aws_iam"].contains(&t.as_str()) => {
            Some(t.clone())
        }
        Some(_) => return Err(err(format!("{at}.type"), "must be request, jwt or aws_iam")),
    };
    let name = match o.get("name") {
        None | Some(Value::Null) => None,
        Some(Value::String(n)) => Some(n.clone()),
        Some(_) => return Err(err(format!("{at}.name"), "must be a string")),
    };
    let scopes = match o.get("scopes") {
        None | Some(Value::Null) => None,
        Some(Value::Array(s)) => Some(s.clone()),
        Some(_) => return Err(err(format!("{at}.scopes"), "must be a list of strings")),
    };
    let id = o.get("id").filter(|v| !v.is_null()).cloned();
    if type_.as_deref() != Some("aws_iam") && id.is_none() && name.is_none() {
        return Err(err(
            at,
            format!(
                "When configuring an authorizer with type: \"{}\", property \"id\" or \"name\" has to be specified",
                type_.as_deref().unwrap_or("jwt")
            ),
        ));
    }
    if type_.as_deref() == Some("aws_iam") && (name.is_some() || id.is_some() || scopes.is_some()) {
        return Err(err(
            at,
            "When configuring authorizer with type: \"aws_iam\", all other properties are not supported",
        ));
    }
    Ok(RouteAuthorizer {
        name,
        id,
        type_,
        scopes,
    })
}
