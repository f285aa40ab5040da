//! `alb` events (v3 `compile/events/alb`): per event an
//! `AWS::ElasticLoadBalancingV2::TargetGroup` for the function (health check, multi-value
//! headers), an `AWS::ElasticLoadBalancingV2::ListenerRule` (conditions, `provider.alb`
//! authorizers) and the invoke and register-target permissions.

use serde_json::{json, Map, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::events::{
    Alb as Settings, AlbAuthorizer, AlbConditions, AlbHealthCheck, AlbProvider, Parsed,
};
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "alb";

/// The parsed settings of an `alb` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Parsed<Settings>> {
    match kind {
        EventKind::Alb(Some(parsed)) => Some(parsed),
        _ => None,
    }
}

/// An event with its function, checked against `provider.alb`.
pub(super) struct Alb<'a> {
    function: &'a Function,
    index: usize,
    settings: &'a Settings,
}

/// The event's settings, then what they must agree with in `provider.alb`: `targetGroupName`
/// is exclusive with `targetGroupPrefix`, and each authorizer is registered.
fn resolve<'a>(
    f: &'a Function,
    index: usize,
    parsed: &'a Parsed<Settings>,
    provider: &AlbProvider,
) -> Result<Alb<'a>> {
    let settings = common::parsed(parsed)?;
    let at = |p: &str| path(f, index, FAMILY, p);
    if settings.target_group_name.is_some() && !provider.target_group_prefix.is_empty() {
        return Err(err(at("targetGroupName"), "ALB \"targetGroupName\" setting is exclusive with \"provider.alb.targetGroupPrefix\": Please specify only one"));
    }
    for name in &settings.authorizers {
        if !provider
            .authorizers
            .as_ref()
            .is_some_and(|r| r.contains_key(name))
        {
            return Err(err(at("authorizer"), format!("No match for \"{name}\" in function \"{}\" found in registered ALB authorizers (`provider.alb.authorizers`)", f.key)));
        }
    }
    Ok(Alb {
        function: f,
        index,
        settings,
    })
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    let provider = &service.provider.alb;
    let mut events = Vec::new();
    for f in &service.functions {
        for (index, parsed) in common::events_of(f, settings_of) {
            events.push(resolve(f, index, parsed, provider)?);
        }
    }
    if events.is_empty() {
        return Ok(());
    }
    validate_priorities(&events)?;
    for e in &events {
        common::assign_resource(
            template,
            &target_group_id(e),
            target_group(service, &provider.target_group_prefix, e),
        );
    }
    for e in &events {
        common::assign_resource(
            template,
            &naming::alb_listener_rule_logical_id(&e.function.key, e.settings.priority),
            listener_rule(e, provider),
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
            let (priority, listener_id) = (e.settings.priority, &e.settings.listener_id);
            if prev.settings.priority != priority {
                continue;
            }
            let same_fn = prev.function.key == e.function.key;
            let same_listener = &prev.settings.listener_id == listener_id;
            if same_fn && !same_listener {
                return Err(err(path(e.function, e.index, FAMILY, "priority"), format!("ALB event in function \"{}\" cannot use priority \"{}\" because it is already in use. Events in the same function cannot use the same priority even if they have a different listenerArn (a v3 limitation kept for compatible ids)", e.function.key, priority)));
            }
            if !same_fn && same_listener {
                return Err(err(path(e.function, e.index, FAMILY, "priority"), format!("ALB event in function \"{}\" cannot use priority \"{}\" because it is already in use", e.function.key, priority)));
            }
        }
    }
    Ok(())
}

fn target_group_id(e: &Alb<'_>) -> String {
    naming::alb_target_group_logical_id(
        &e.function.key,
        &e.settings.alb_id,
        e.settings.multi_value_headers,
    )
}

/// The `AWS::ElasticLoadBalancingV2::TargetGroup` of an event: `targetGroupName`, else the
/// prefix and the MD5 of v3's tag value.
fn target_group(service: &Service, prefix: &str, e: &Alb<'_>) -> Value {
    let tag_value = |multi: bool| {
        format!(
            "{}-{}-{}-{}{}",
            service.name,
            e.function.key,
            e.settings.alb_id,
            if multi { "multi-value-" } else { "" },
            service.stage
        )
    };
    let mut props = json!({
        "TargetType": "lambda",
        "Targets": [{"Id": common::lambda_target(e.function)}],
        "Name": e.settings.target_group_name.clone().unwrap_or_else(|| {
            let name = format!("{prefix}{}", common::md5_hex(tag_value(e.settings.multi_value_headers).as_bytes()));
            name.chars().take(32).collect()
        }),
        "Tags": [{"Key": "Name", "Value": tag_value(false)}],
        "TargetGroupAttributes": [{"Key": "lambda.multi_value_headers.enabled", "Value": e.settings.multi_value_headers}],
        "HealthCheckEnabled": false
    });
    if let Some(h) = &e.settings.health_check {
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
fn set_health_check(h: &AlbHealthCheck, props: &mut Value) {
    props["HealthCheckEnabled"] = json!(true);
    let settings = [
        ("HealthCheckPath", json!("/"), &h.path),
        ("HealthCheckIntervalSeconds", json!(35), &h.interval_seconds),
        ("HealthCheckTimeoutSeconds", json!(30), &h.timeout_seconds),
        (
            "HealthyThresholdCount",
            json!(5),
            &h.healthy_threshold_count,
        ),
        (
            "UnhealthyThresholdCount",
            json!(5),
            &h.unhealthy_threshold_count,
        ),
    ];
    for (prop, default, setting) in settings {
        props[prop] = setting.clone().unwrap_or(default);
    }
    props["Matcher"] = match &h.matcher_http_code {
        Some(code) => json!({"HttpCode": code}),
        None => json!({"HttpCode": "200"}),
    };
}

/// The `AWS::ElasticLoadBalancingV2::ListenerRule`: the authorizers' authenticate actions in
/// order, then the forward to the target group.
fn listener_rule(e: &Alb<'_>, provider: &AlbProvider) -> Value {
    let mut actions = Vec::new();
    for name in &e.settings.authorizers {
        // Every name is registered: `resolve` checked it.
        if let Some(auth) = provider.authorizers.as_ref().and_then(|r| r.get(name)) {
            actions.push(authenticate_action(auth, actions.len() + 1));
        }
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
            "Conditions": rule_conditions(&e.settings.conditions),
            "ListenerArn": e.settings.listener_arn,
            "Priority": e.settings.priority
        }
    })
}

/// The `authenticate-cognito` or `authenticate-oidc` action of a `provider.alb.authorizers`
/// entry, `order`-th in the rule.
fn authenticate_action(auth: &AlbAuthorizer, order: usize) -> Value {
    let on_unauth = auth
        .on_unauthenticated_request
        .clone()
        .filter(common::js_truthy)
        .unwrap_or(json!("deny"));
    let endpoint: &[(&str, &Option<Value>)] = if auth.cognito {
        &[
            ("UserPoolArn", &auth.user_pool_arn),
            ("UserPoolClientId", &auth.user_pool_client_id),
            ("UserPoolDomain", &auth.user_pool_domain),
        ]
    } else {
        &[
            ("AuthorizationEndpoint", &auth.authorization_endpoint),
            ("ClientId", &auth.client_id),
            ("Issuer", &auth.issuer),
            ("TokenEndpoint", &auth.token_endpoint),
            ("UserInfoEndpoint", &auth.user_info_endpoint),
        ]
    };
    let mut cfg = Map::new();
    let put = |cfg: &mut Map<String, Value>, settings: &[(&str, &Option<Value>)]| {
        for (prop, value) in settings {
            if let Some(v) = value {
                cfg.insert((*prop).into(), v.clone());
            }
        }
    };
    put(&mut cfg, endpoint);
    cfg.insert("OnUnauthenticatedRequest".into(), on_unauth);
    put(
        &mut cfg,
        &[
            (
                "AuthenticationRequestExtraParams",
                &auth.request_extra_params,
            ),
            ("Scope", &auth.scope),
            ("SessionCookieName", &auth.session_cookie_name),
            ("SessionTimeout", &auth.session_timeout),
        ],
    );
    if auth.cognito {
        return json!({"Type": "authenticate-cognito", "Order": order, "AuthenticateCognitoConfig": cfg});
    }
    match auth.client_secret.clone().filter(common::js_truthy) {
        Some(s) => cfg.insert("ClientSecret".into(), s),
        None => cfg.insert("UseExistingClientSecret".into(), json!(true)),
    };
    json!({"Type": "authenticate-oidc", "Order": order, "AuthenticateOidcConfig": cfg})
}

/// The rule's conditions, in v3's order: path, host, method, headers, query, source IP.
fn rule_conditions(c: &AlbConditions) -> Vec<Value> {
    let mut conditions = Vec::new();
    if let Some(v) = &c.path {
        conditions.push(json!({"Field": "path-pattern", "Values": v}));
    }
    if let Some(v) = &c.host {
        conditions.push(json!({"Field": "host-header", "HostHeaderConfig": {"Values": v}}));
    }
    if let Some(v) = &c.method {
        conditions.push(
            json!({"Field": "http-request-method", "HttpRequestMethodConfig": {"Values": v}}),
        );
    }
    for h in c.header.iter().flatten() {
        conditions.push(json!({"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": h.name, "Values": h.values}}));
    }
    if let Some(q) = &c.query {
        let values: Vec<Value> = q
            .iter()
            .map(|(k, v)| json!({"Key": k, "Value": v}))
            .collect();
        conditions.push(json!({"Field": "query-string", "QueryStringConfig": {"Values": values}}));
    }
    if let Some(v) = &c.ip {
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
