//! `alb` events (v3 `compile/events/alb`): per event an
//! `AWS::ElasticLoadBalancingV2::TargetGroup` for the function (health check, multi-value
//! headers), an `AWS::ElasticLoadBalancingV2::ListenerRule` (conditions, `provider.alb`
//! authorizers) and the invoke and register-target permissions.

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "alb";

/// The settings of an `alb` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Value> {
    match kind {
        EventKind::Alb(Some(s)) => Some(s),
        _ => None,
    }
}
const KEYS: &[&str] = &[
    "authorizer",
    "conditions",
    "healthCheck",
    "listenerArn",
    "multiValueHeaders",
    "priority",
    "targetGroupName",
];

pub(super) struct Alb<'a> {
    function: &'a Function,
    index: usize,
    alb_id: String,
    listener_id: String,
    listener_arn: Value,
    priority: i64,
    conditions: Map<String, Value>,
    multi_value: bool,
    target_group_name: Option<String>,
    authorizers: Vec<String>,
    health_check: Option<Map<String, Value>>,
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

pub(super) fn parse<'a>(
    f: &'a Function,
    index: usize,
    settings: Option<&Value>,
    config: &Value,
) -> Result<Alb<'a>> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(
            at(""),
            "must be an object with `listenerArn`, `priority` and `conditions`",
        ));
    };
    if let Some(k) = o.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(err(at(k), "unknown property; remove it"));
    }
    let listener_arn = o.get("listenerArn").cloned().unwrap_or(Value::Null);
    let (alb_id, listener_id) = match &listener_arn {
        Value::Object(r) if r.get("Ref").and_then(Value::as_str).is_some() => {
            let id = r["Ref"].as_str().unwrap_or_default().to_string();
            (id.clone(), id)
        }
        Value::String(s) => listener_ids(s).ok_or_else(|| {
            err(at("listenerArn"), format!("Invalid ALB listenerArn in function \"{}\": use `arn:aws:elasticloadbalancing:<region>:<account>:listener/app/<name>/<alb id>/<listener id>` or `Ref: <Listener>`", f.key))
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
    let conditions = parse_conditions(f, o, &at)?;
    let multi_value = o.get("multiValueHeaders").is_some_and(common::js_truthy);
    let target_group_name = target_group_name(o, config, &at)?;
    let authorizers = parse_authorizers(f, o, config, &at)?;
    let health_check = health_check(o);
    Ok(Alb {
        function: f,
        index,
        alb_id,
        listener_id,
        listener_arn,
        priority,
        conditions,
        multi_value,
        target_group_name,
        authorizers,
        health_check,
    })
}

/// `conditions`: at least one; lists where v3 takes one value or a list.
fn parse_conditions(
    f: &Function,
    o: &Map<String, Value>,
    at: &impl Fn(&str) -> String,
) -> Result<Map<String, Value>> {
    let Some(Value::Object(c)) = o.get("conditions") else {
        return Err(err(
            at("conditions"),
            "is required: at least one of path, host, method, header, query, ip",
        ));
    };
    if c.is_empty() {
        return Err(err(at("conditions"), format!("Cannot setup \"alb\" event in \"{}\" function: At least one condition must be defined", f.key)));
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
    let mut conditions = Map::new();
    for k in ["path", "host", "method", "header"] {
        if let Some(v) = c.get(k).filter(|v| common::js_truthy(v)) {
            conditions.insert(k.into(), Value::Array(as_list(v)));
        }
    }
    if let Some(v) = c.get("query").filter(|v| common::js_truthy(v)) {
        conditions.insert("query".into(), v.clone());
    }
    if let Some(v) = c.get("ip").filter(|v| common::js_truthy(v)) {
        conditions.insert("ip".into(), Value::Array(as_list(v)));
    }
    for (i, h) in conditions
        .get("header")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let ok = h.get("name").is_some_and(Value::is_string)
            && h.get("values").is_some_and(Value::is_array);
        if !ok {
            return Err(err(
                format!("{}[{i}]", at("conditions.header")),
                "must be `{name: <header>, values: [...]}`",
            ));
        }
    }
    Ok(conditions)
}

/// `targetGroupName`: 1 to 32 letters, digits and `-`, exclusive with
/// `provider.alb.targetGroupPrefix`.
fn target_group_name(
    o: &Map<String, Value>,
    config: &Value,
    at: &impl Fn(&str) -> String,
) -> Result<Option<String>> {
    match o.get("targetGroupName") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(n)) if n.is_empty() => Ok(None),
        Some(Value::String(n))
            if n.len() <= 32 && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
        {
            if !target_group_prefix(config).is_empty() {
                return Err(err(at("targetGroupName"), "ALB \"targetGroupName\" setting is exclusive with \"provider.alb.targetGroupPrefix\": Please specify only one"));
            }
            Ok(Some(n.clone()))
        }
        Some(v) => Err(err(
            at("targetGroupName"),
            format!("must be 1 to 32 letters, digits and `-`, got {v}"),
        )),
    }
}

/// `authorizer`: one name or a list, each registered in `provider.alb.authorizers`.
fn parse_authorizers(
    f: &Function,
    o: &Map<String, Value>,
    config: &Value,
    at: &impl Fn(&str) -> String,
) -> Result<Vec<String>> {
    let registered = config
        .pointer("/provider/alb/authorizers")
        .and_then(Value::as_object);
    let mut authorizers = Vec::new();
    if let Some(a) = o.get("authorizer").filter(|a| common::js_truthy(a)) {
        for name in as_list(a) {
            let name = name.as_str().unwrap_or_default().to_string();
            if !registered.is_some_and(|r| r.contains_key(&name)) {
                return Err(err(at("authorizer"), format!("No match for \"{name}\" in function \"{}\" found in registered ALB authorizers (`provider.alb.authorizers`)", f.key)));
            }
            authorizers.push(name);
        }
    }
    Ok(authorizers)
}

/// `healthCheck`: an object, or any truthy value for v3's defaults; enabled either way.
fn health_check(o: &Map<String, Value>) -> Option<Map<String, Value>> {
    match o.get("healthCheck") {
        Some(Value::Object(h)) => {
            let mut h = h.clone();
            h.insert("enabled".into(), json!(true));
            Some(h)
        }
        Some(v) if common::js_truthy(v) => {
            let mut h = Map::new();
            h.insert("enabled".into(), json!(true));
            Some(h)
        }
        _ => None,
    }
}

fn target_group_prefix(config: &Value) -> String {
    config
        .pointer("/provider/alb/targetGroupPrefix")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

pub(super) fn compile_all(service: &Service, config: &Value, template: &mut Value) -> Result<()> {
    let mut events = Vec::new();
    for f in &service.functions {
        for (index, settings) in common::events_of(f, settings_of) {
            events.push(parse(f, index, Some(settings), config)?);
        }
    }
    if events.is_empty() {
        return Ok(());
    }
    validate_priorities(&events)?;
    let prefix = target_group_prefix(config);
    for e in &events {
        common::assign_resource(
            template,
            &target_group_id(e),
            target_group(service, &prefix, e),
        );
    }
    let registered = config
        .pointer("/provider/alb/authorizers")
        .and_then(Value::as_object);
    for e in &events {
        common::assign_resource(
            template,
            &naming::alb_listener_rule_logical_id(&e.function.key, e.priority),
            listener_rule(e, registered),
        );
    }
    for e in &events {
        add_permissions(e, template);
    }
    Ok(())
}

/// v3 `validatePriorities`: a priority is used once per listener, and once per function.
fn validate_priorities(events: &[Alb<'_>]) -> Result<()> {
    for (i, e) in events.iter().enumerate() {
        for prev in &events[..i] {
            if prev.priority != e.priority {
                continue;
            }
            let same_fn = prev.function.key == e.function.key;
            let same_listener = prev.listener_id == e.listener_id;
            if same_fn && !same_listener {
                return Err(err(path(e.function, e.index, FAMILY, "priority"), format!("ALB event in function \"{}\" cannot use priority \"{}\" because it is already in use. Events in the same function cannot use the same priority even if they have a different listenerArn (a v3 limitation kept for compatible ids)", e.function.key, e.priority)));
            }
            if !same_fn && same_listener {
                return Err(err(path(e.function, e.index, FAMILY, "priority"), format!("ALB event in function \"{}\" cannot use priority \"{}\" because it is already in use", e.function.key, e.priority)));
            }
        }
    }
    Ok(())
}

fn target_group_id(e: &Alb<'_>) -> String {
    naming::alb_target_group_logical_id(&e.function.key, &e.alb_id, e.multi_value)
}

/// The `AWS::ElasticLoadBalancingV2::TargetGroup` of an event: `targetGroupName`, else the
/// prefix and the MD5 of v3's tag value.
fn target_group(service: &Service, prefix: &str, e: &Alb<'_>) -> Value {
    let tag_value = |multi: bool| {
        format!(
            "{}-{}-{}-{}{}",
            service.name,
            e.function.key,
            e.alb_id,
            if multi { "multi-value-" } else { "" },
            service.stage
        )
    };
    let mut props = json!({
        "TargetType": "lambda",
        "Targets": [{"Id": common::lambda_target(e.function)}],
        "Name": e.target_group_name.clone().unwrap_or_else(|| {
            let name = format!("{prefix}{}", common::md5_hex(tag_value(e.multi_value).as_bytes()));
            name.chars().take(32).collect()
        }),
        "Tags": [{"Key": "Name", "Value": tag_value(false)}],
        "TargetGroupAttributes": [{"Key": "lambda.multi_value_headers.enabled", "Value": e.multi_value}],
        "HealthCheckEnabled": false
    });
    if let Some(h) = &e.health_check {
        set_health_check(h, &mut props);
    }
    json!({
        "Type": "AWS::ElasticLoadBalancingV2::TargetGroup",
        "Properties": props,
        "DependsOn": std::iter::once(naming::lambda_register_target_permission_logical_id(&e.function.key))
            .chain(naming::target_alias_id(e.function))
            .collect::<Vec<_>>()
    })
}

/// `healthCheck`: v3's defaults, then the event's settings.
fn set_health_check(h: &Map<String, Value>, props: &mut Value) {
    let defaults = [
        ("HealthCheckPath", json!("/")),
        ("HealthCheckIntervalSeconds", json!(35)),
        ("HealthCheckTimeoutSeconds", json!(30)),
        ("HealthyThresholdCount", json!(5)),
        ("UnhealthyThresholdCount", json!(5)),
        ("Matcher", json!({"HttpCode": "200"})),
    ];
    for (k, v) in defaults {
        props[k] = v;
    }
    // (setting, property, only when truthy)
    for (key, prop, truthy_only) in [
        ("enabled", "HealthCheckEnabled", false),
        ("intervalSeconds", "HealthCheckIntervalSeconds", false),
        ("path", "HealthCheckPath", false),
        ("timeoutSeconds", "HealthCheckTimeoutSeconds", false),
        ("healthyThresholdCount", "HealthyThresholdCount", false),
        ("unhealthyThresholdCount", "UnhealthyThresholdCount", true),
    ] {
        if let Some(v) = h
            .get(key)
            .filter(|v| !v.is_null() && (!truthy_only || common::js_truthy(v)))
        {
            props[prop] = v.clone();
        }
    }
    if let Some(code) = h
        .get("matcher")
        .and_then(|m| m.get("httpCode"))
        .filter(|c| common::js_truthy(c))
    {
        props["Matcher"] = json!({"HttpCode": code});
    }
}

/// The `AWS::ElasticLoadBalancingV2::ListenerRule`: the authorizers' authenticate actions in
/// order, then the forward to the target group.
fn listener_rule(e: &Alb<'_>, registered: Option<&Map<String, Value>>) -> Value {
    let mut actions = Vec::new();
    for name in &e.authorizers {
        let auth = registered
            .and_then(|r| r.get(name))
            .cloned()
            .unwrap_or(Value::Null);
        actions.push(authenticate_action(&auth, actions.len() + 1));
    }
    let mut forward = json!({"Type": "forward", "TargetGroupArn": {"Ref": target_group_id(e)}});
    if !actions.is_empty() {
        forward["Order"] = json!(actions.len() + 1);
    }
    actions.push(forward);
    json!({
        "Type": "AWS::ElasticLoadBalancingV2::ListenerRule",
        "Properties": {
            "Actions": actions,
            "Conditions": rule_conditions(&e.conditions),
            "ListenerArn": e.listener_arn,
            "Priority": e.priority
        }
    })
}

/// The `authenticate-cognito` or `authenticate-oidc` action of a `provider.alb.authorizers`
/// entry, `order`-th in the rule.
fn authenticate_action(auth: &Value, order: usize) -> Value {
    let get = |k: &str| auth.get(k).filter(|v| !v.is_null()).cloned();
    let on_unauth = get("onUnauthenticatedRequest")
        .filter(common::js_truthy)
        .unwrap_or(json!("deny"));
    let cognito = auth.get("type").and_then(Value::as_str) == Some("cognito");
    let keys: &[(&str, &str)] = if cognito {
        &[
            ("UserPoolArn", "userPoolArn"),
            ("UserPoolClientId", "userPoolClientId"),
            ("UserPoolDomain", "userPoolDomain"),
        ]
    } else {
        &[
            ("AuthorizationEndpoint", "authorizationEndpoint"),
            ("ClientId", "clientId"),
            ("Issuer", "issuer"),
            ("TokenEndpoint", "tokenEndpoint"),
            ("UserInfoEndpoint", "userInfoEndpoint"),
        ]
    };
    let mut cfg = Map::new();
    for (prop, key) in keys {
        if let Some(v) = get(key) {
            cfg.insert((*prop).into(), v);
        }
    }
    cfg.insert("OnUnauthenticatedRequest".into(), on_unauth);
    for (prop, key) in [
        ("AuthenticationRequestExtraParams", "requestExtraParams"),
        ("Scope", "scope"),
        ("SessionCookieName", "sessionCookieName"),
        ("SessionTimeout", "sessionTimeout"),
    ] {
        if let Some(v) = get(key) {
            cfg.insert(prop.into(), v);
        }
    }
    if cognito {
        return json!({"Type": "authenticate-cognito", "Order": order, "AuthenticateCognitoConfig": cfg});
    }
    match get("clientSecret").filter(common::js_truthy) {
        Some(s) => cfg.insert("ClientSecret".into(), s),
        None => cfg.insert("UseExistingClientSecret".into(), json!(true)),
    };
    json!({"Type": "authenticate-oidc", "Order": order, "AuthenticateOidcConfig": cfg})
}

/// The rule's conditions, in v3's order: path, host, method, headers, query, source IP.
fn rule_conditions(c: &Map<String, Value>) -> Vec<Value> {
    let mut conditions = Vec::new();
    if let Some(v) = c.get("path") {
        conditions.push(json!({"Field": "path-pattern", "Values": v}));
    }
    if let Some(v) = c.get("host") {
        conditions.push(json!({"Field": "host-header", "HostHeaderConfig": {"Values": v}}));
    }
    if let Some(v) = c.get("method") {
        conditions.push(
            json!({"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": v}}),
        );
    }
    for h in c
        .get("header")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        conditions.push(json!({"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": h["name"], "Values": h["values"]}}));
    }
    if let Some(Value::Object(q)) = c.get("query") {
        let values: Vec<Value> = q
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        conditions.push(json!({"Field": "query-string", "QueryStringConfig": {"Values": values}}));
    }
    if let Some(v) = c.get("ip") {
        conditions.push(json!({"Field": "source-ip", "SourceIpConfig": {"Values": v}}));
    }
    conditions
}

/// The load balancer may invoke the function (from the target group) and register it.
fn add_permissions(e: &Alb<'_>, template: &mut Value) {
    let mut base = json!({
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "FunctionName": common::lambda_target(e.function),
            "Action": "lambda:InvokeFunction",
            "Principal": "elasticloadbalancing.amazonaws.com"
        }
    });
    if let Some(a) = naming::target_alias_id(e.function) {
        base["DependsOn"] = json!([a]);
    }
    let mut invoke = base.clone();
    invoke["Properties"]["SourceArn"] = json!({"Ref": target_group_id(e)});
    common::merge_resource(
        template,
        &naming::lambda_alb_permission_logical_id(&e.function.key),
        invoke,
    );
    common::merge_resource(
        template,
        &naming::lambda_register_target_permission_logical_id(&e.function.key),
        base,
    );
}

#[cfg(test)]
mod tests {
    #[test]
    fn listener_arns() {
        assert_eq!(
            super::listener_ids("arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/my-lb/50dc6c495c0c9188/f2f7dc8efc522ab2"),
            Some(("50dc6c495c0c9188".into(), "f2f7dc8efc522ab2".into()))
        );
        assert_eq!(
            super::listener_ids("arn:aws:elasticloadbalancing:us-east-1:1:listener/net/x/y/z"),
            None
        );
    }
}
