//! `alb` settings: the listener, the rule's priority and conditions, the target group's
//! settings and the authorizer names; and `provider.alb` (target group prefix, authorizers).
//! Whether an authorizer name is registered, and whether `targetGroupName` may be used with
//! the provider's prefix, the compiler decides.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::check::{self, err, Result};
use crate::is_truthy as truthy;

const FAMILY: &str = "alb";
const KEYS: &[&str] = &[
    "authorizer",
    "conditions",
    "healthCheck",
    "listenerArn",
    "multiValueHeaders",
    "priority",
    "targetGroupName",
];

/// An `alb` event: `- alb: {listenerArn, priority, conditions, ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Alb {
    /// The listener's ARN string or `{Ref: <Listener>}`.
    pub listener_arn: Value,
    /// The load balancer's id in the ARN (the `Ref`'s name for a `Ref`).
    pub alb_id: String,
    /// The listener's id in the ARN (the `Ref`'s name for a `Ref`).
    pub listener_id: String,
    pub priority: i64,
    pub conditions: AlbConditions,
    /// `multiValueHeaders` (JavaScript-truthy).
    pub multi_value_headers: bool,
    pub target_group_name: Option<String>,
    /// `authorizer`: names of `provider.alb.authorizers`, in order.
    pub authorizers: Vec<String>,
    /// `healthCheck`, when set (an object, or any truthy value for v3's defaults).
    pub health_check: Option<AlbHealthCheck>,
}

/// `conditions`, each set when written (JavaScript-truthy); one value becomes a list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlbConditions {
    pub path: Option<Vec<Value>>,
    pub host: Option<Vec<Value>>,
    pub method: Option<Vec<Value>>,
    pub header: Option<Vec<AlbHeader>>,
    /// `query` as an object (other values make no condition, as in v3).
    pub query: Option<Map<String, Value>>,
    pub ip: Option<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AlbHeader {
    pub name: String,
    pub values: Vec<Value>,
}

/// `healthCheck`'s settings, each when written (not null); the check is enabled either way.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlbHealthCheck {
    pub interval_seconds: Option<Value>,
    pub path: Option<Value>,
    pub timeout_seconds: Option<Value>,
    pub healthy_threshold_count: Option<Value>,
    /// Only when JavaScript-truthy.
    pub unhealthy_threshold_count: Option<Value>,
    /// `matcher.httpCode`, when JavaScript-truthy.
    pub matcher_http_code: Option<Value>,
}

/// `provider.alb`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlbProvider {
    /// `targetGroupPrefix` (empty when not a string).
    pub target_group_prefix: String,
    /// `authorizers` by name; `None` when not an object.
    pub authorizers: Option<BTreeMap<String, AlbAuthorizer>>,
}

/// One `provider.alb.authorizers` entry, each setting when written (not null).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AlbAuthorizer {
    /// `type: cognito` (else OIDC).
    pub cognito: bool,
    pub user_pool_arn: Option<Value>,
    pub user_pool_client_id: Option<Value>,
    pub user_pool_domain: Option<Value>,
    pub authorization_endpoint: Option<Value>,
    pub client_id: Option<Value>,
    pub client_secret: Option<Value>,
    pub issuer: Option<Value>,
    pub token_endpoint: Option<Value>,
    pub user_info_endpoint: Option<Value>,
    pub on_unauthenticated_request: Option<Value>,
    pub request_extra_params: Option<Value>,
    pub scope: Option<Value>,
    pub session_cookie_name: Option<Value>,
    pub session_timeout: Option<Value>,
}

/// v3 `ALB_LISTENER_REGEXP`: `(alb id, listener id)` of a listener ARN.
fn listener_ids(arn: &str) -> Option<(String, String)> {
    if !arn.starts_with("arn:aws") {
        return None;
    }
    let rest = &arn[arn.find(":elasticloadbalancing:")? + ":elasticloadbalancing:".len()..];
    let idx = rest.find(":listener/app/")?;
    if idx == 0 {
        return None;
    }
    let parts: Vec<&str> = rest[idx + ":listener/app/".len()..].split('/').collect();
    let word = |s: &str| {
        !s.is_empty()
            && s.chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
    };
    match parts.as_slice() {
        [name, alb, listener] if word(name) && word(alb) && word(listener) => {
            Some((alb.to_string(), listener.to_string()))
        }
        _ => None,
    }
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<Alb> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(
            at(""),
            "must be an object with `listenerArn`, `priority` and `conditions`",
        ));
    };
    check::unknown_key(o, KEYS, at)?;
    let listener_arn = o.get("listenerArn").cloned().unwrap_or(Value::Null);
    let (alb_id, listener_id) = match &listener_arn {
        Value::Object(r) if r.get("Ref").and_then(Value::as_str).is_some() => {
            let id = r["Ref"].as_str().unwrap_or_default().to_string();
            (id.clone(), id)
        }
        Value::String(s) => listener_ids(s).ok_or_else(|| {
            err(at("listenerArn"), format!("Invalid ALB listenerArn in function \"{function}\": use `arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<alb id>/<listener id>` or `Ref: <Listener>`"))
        })?,
        _ => return Err(err(at("listenerArn"), "is required: the listener's ARN or `Ref: <Listener>`")),
    };
    let priority = match o.get("priority").and_then(Value::as_i64) {
        Some(p) if (1..=50000).contains(&p) => p,
        _ => {
            return Err(err(
                at("priority"),
                "is required: a whole number from 1 to 50000",
            ))
        }
    };
    let conditions = parse_conditions(function, o, &at)?;
    let target_group_name = target_group_name(o, &at)?;
    let authorizers = match o.get("authorizer").filter(|a| truthy(a)) {
        // A name that is not a string matches no registered authorizer (the compiler's error).
        Some(a) => as_list(a)
            .iter()
            .map(|n| n.as_str().unwrap_or_default().to_string())
            .collect(),
        None => Vec::new(),
    };
    Ok(Alb {
        listener_arn,
        alb_id,
        listener_id,
        priority,
        conditions,
        multi_value_headers: o.get("multiValueHeaders").is_some_and(truthy),
        target_group_name,
        authorizers,
        health_check: health_check(o.get("healthCheck")),
    })
}

/// `conditions`: at least one; lists where v3 takes one value or a list.
fn parse_conditions(
    function: &str,
    o: &Map<String, Value>,
    at: &impl Fn(&str) -> String,
) -> Result<AlbConditions> {
    let Some(Value::Object(c)) = o.get("conditions") else {
        return Err(err(
            at("conditions"),
            "is required: at least one of path, host, method, header, query, ip",
        ));
    };
    if c.is_empty() {
        return Err(err(at("conditions"), format!("Cannot setup \"alb\" event in \"{function}\" function: At least one condition must be defined")));
    }
    if let Some(k) = c.keys().find(|k| {
        !matches!(
            k.as_str(),
            "header" | "host" | "ip" | "method" | "path" | "query"
        )
    }) {
        return Err(err(
            at(&format!("conditions.{k}")),
            "unknown condition; use path, host, method, header, query or ip",
        ));
    }
    let list = |k: &str| c.get(k).filter(|v| truthy(v)).map(as_list);
    let header = match list("header") {
        None => None,
        Some(headers) => Some(
            headers
                .iter()
                .enumerate()
                .map(|(i, h)| header_condition(h, format!("{}[{i}]", at("conditions.header"))))
                .collect::<Result<Vec<_>>>()?,
        ),
    };
    Ok(AlbConditions {
        path: list("path"),
        host: list("host"),
        method: list("method"),
        header,
        query: match c.get("query") {
            Some(Value::Object(q)) => Some(q.clone()),
            _ => None,
        },
        ip: list("ip"),
    })
}

/// One `conditions.header` entry: `{name, values}`.
fn header_condition(h: &Value, at: String) -> Result<AlbHeader> {
    match (h.get("name"), h.get("values")) {
        (Some(Value::String(name)), Some(Value::Array(values))) => Ok(AlbHeader {
            name: name.clone(),
            values: values.clone(),
        }),
        _ => Err(err(at, "must be `{name: <header>, values: [...]}`")),
    }
}

/// `targetGroupName`: 1 to 32 letters, digits and `-`.
fn target_group_name(
    o: &Map<String, Value>,
    at: &impl Fn(&str) -> String,
) -> Result<Option<String>> {
    match o.get("targetGroupName") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(n)) if n.is_empty() => Ok(None),
        Some(Value::String(n))
            if n.len() <= 32 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            Ok(Some(n.clone()))
        }
        Some(v) => Err(err(
            at("targetGroupName"),
            format!("must be 1 to 32 letters, digits and `-`, got {v}"),
        )),
    }
}

/// `healthCheck`: an object, or any truthy value for v3's defaults.
fn health_check(h: Option<&Value>) -> Option<AlbHealthCheck> {
    let o = match h {
        Some(Value::Object(o)) => o,
        Some(v) if truthy(v) => return Some(AlbHealthCheck::default()),
        _ => return None,
    };
    let set = |k: &str| o.get(k).filter(|v| !v.is_null()).cloned();
    Some(AlbHealthCheck {
        interval_seconds: set("intervalSeconds"),
        path: set("path"),
        timeout_seconds: set("timeoutSeconds"),
        healthy_threshold_count: set("healthyThresholdCount"),
        unhealthy_threshold_count: set("unhealthyThresholdCount").filter(truthy),
        matcher_http_code: o
            .get("matcher")
            .and_then(|m| m.get("httpCode"))
            .filter(|c| truthy(c))
            .cloned(),
    })
}

impl AlbProvider {
    pub(crate) fn from_json(p: &Map<String, Value>) -> Self {
        let alb = p.get("alb");
        let authorizers = alb
            .and_then(|a| a.get("authorizers"))
            .and_then(Value::as_object)
            .map(|list| {
                list.iter()
                    .map(|(name, a)| (name.clone(), AlbAuthorizer::from_json(a)))
                    .collect()
            });
        AlbProvider {
            target_group_prefix: alb
                .and_then(|a| a.get("targetGroupPrefix"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            authorizers,
        }
    }
}

impl AlbAuthorizer {
    /// An entry as v3 reads it: an entry that is not an object has no settings.
    fn from_json(a: &Value) -> Self {
        let set = |k: &str| a.get(k).filter(|v| !v.is_null()).cloned();
        AlbAuthorizer {
            cognito: a.get("type").and_then(Value::as_str) == Some("cognito"),
            user_pool_arn: set("userPoolArn"),
            user_pool_client_id: set("userPoolClientId"),
            user_pool_domain: set("userPoolDomain"),
            authorization_endpoint: set("authorizationEndpoint"),
            client_id: set("clientId"),
            client_secret: set("clientSecret"),
            issuer: set("issuer"),
            token_endpoint: set("tokenEndpoint"),
            user_info_endpoint: set("userInfoEndpoint"),
            on_unauthenticated_request: set("onUnauthenticatedRequest"),
            request_extra_params: set("requestExtraParams"),
            scope: set("scope"),
            session_cookie_name: set("sessionCookieName"),
            session_timeout: set("sessionTimeout"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn listener_arns() {
        assert_eq!(
            listener_ids("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/my-lb/50dc6c495c0c9188/f2f7dc8efc522ab2"),
            Some(("50dc6c495c0c9188".into(), "f2f7dc8efc522ab2".into()))
        );
        assert_eq!(
            listener_ids("arn:aws:elasticloadbalancing:us-east-1:1:listener/net/x/y/z"),
            None
        );
    }

    #[test]
    fn conditions_become_lists_and_headers_are_checked() {
        let alb = parse(
            "f",
            0,
            Some(&json!({"listenerArn": {"Ref": "L"}, "priority": 1, "conditions": {"path": "/a", "method": ["GET"]}, "authorizer": "a"})),
        )
        .unwrap();
        assert_eq!(alb.conditions.path, Some(vec![json!("/a")]));
        assert_eq!(alb.conditions.method, Some(vec![json!("GET")]));
        assert_eq!(
            (alb.alb_id.as_str(), alb.authorizers),
            ("L", vec!["a".to_string()])
        );
        let e = parse(
            "f",
            2,
            Some(&json!({"listenerArn": {"Ref": "L"}, "priority": 1, "conditions": {"header": [{"name": "x"}]}})),
        )
        .unwrap_err();
        assert_eq!(e.path, "functions.f.events[2].alb.conditions.header[0]");
    }
}
