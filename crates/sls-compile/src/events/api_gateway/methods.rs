//! `AWS::ApiGateway::Method` per event (v3 `compileMethods` with `getMethodIntegration` and
//! `getMethodResponses`), request validators and models (v3 `compileRequestValidators`), and
//! the functions' `<Fn>LambdaPermissionApiGateway` (v3 `compilePermissions`).

use serde_json::{json, Map, Value};

use super::resources::Tree;
use super::{authorizers, truthy, HttpEvent, Output, Settings};
use crate::error::Result;
use crate::merge;
use crate::naming;
use sls_config::model::events::HttpResponse;

/// v3's default request templates for the `lambda` integration (recorded from 3.40.0).
const JSON_TEMPLATE: &str = include_str!("request-template-json.vtl");
const FORM_TEMPLATE: &str = include_str!("request-template-form.vtl");

/// What a permission needs: the function and the event.
pub(crate) struct PermissionMapping {
    pub event: usize,
}

/// The integration URI of `function`, through its alias (`alias`) when it has one.
fn lambda_uri(function: &str, alias: Option<&naming::TargetAlias>) -> Value {
    let mut parts = vec![
        json!("arn:"),
        json!({"Ref": "AWS::Partition"}),
        json!(":apigateway:"),
        json!({"Ref": "AWS::Region"}),
        json!(":lambda:path/2015-03-31/functions/"),
        json!({"Fn::GetAtt": [naming::lambda_logical_id(function), "Arn"]}),
    ];
    if let Some(a) = alias {
        parts.extend([json!(":"), json!(a.name)]);
    }
    parts.push(json!("/invocations"));
    json!({"Fn::Join": ["", parts]})
}

/// The alias v3 routes the function `key`'s events through, if any.
fn alias_of(s: &Settings<'_>, key: &str) -> Option<naming::TargetAlias> {
    crate::events::common::function(s.service, key).and_then(naming::target_alias)
}

fn parameters(http: &HttpEvent) -> Option<&Map<String, Value>> {
    http.request.as_ref()?.parameters.as_ref()
}

/// `required` of one request parameter (`true`, or `{required, mappedValue}`).
fn required(v: &Value) -> Value {
    match v {
        Value::Object(o) => o
            .get("required")
            .filter(|x| !x.is_null())
            .cloned()
            .unwrap_or(json!(true)),
        other => other.clone(),
    }
}

fn cors_headers(http: &HttpEvent, value_for_credentials: &str) -> Map<String, Value> {
    let mut h = Map::new();
    if let Some(c) = &http.cors {
        let mut origin = c.origin.clone().unwrap_or_else(|| "undefined".into());
        if let Some(o) = c.origins.as_ref().filter(|o| !o.is_empty()) {
            origin = o.join(",");
        }
        h.insert(
            "Access-Control-Allow-Origin".into(),
            json!(format!("'{origin}'")),
        );
        if c.allow_credentials {
            h.insert(
                "Access-Control-Allow-Credentials".into(),
                json!(value_for_credentials),
            );
        }
    }
    h
}

fn integration(http: &HttpEvent, alias: Option<&naming::TargetAlias>) -> Value {
    let t = http.integration.as_str();
    let req = http.request.as_ref();
    let mut i = Map::new();
    i.insert("IntegrationHttpMethod".into(), json!("POST"));
    i.insert("Type".into(), json!(t));
    match t {
        "AWS" | "AWS_PROXY" => {
            i.insert("Uri".into(), lambda_uri(&http.function, alias));
        }
        "HTTP" | "HTTP_PROXY" => {
            if let Some(uri) = req.and_then(|r| r.uri.as_ref()) {
                i.insert("Uri".into(), uri.clone());
            }
            let m = req
                .and_then(|r| r.method.as_deref())
                .unwrap_or(&http.method);
            i.insert("IntegrationHttpMethod".into(), json!(m.to_uppercase()));
            if let Some(ct) = &http.connection_type {
                i.insert("ConnectionType".into(), json!(ct));
                if let Some(id) = &http.connection_id {
                    i.insert("ConnectionId".into(), id.clone());
                }
            }
        }
        _ => {}
    }
    if matches!(t, "AWS" | "HTTP" | "MOCK") {
        if let Some(p) = req.and_then(|r| r.pass_through.as_ref()) {
            i.insert("PassthroughBehavior".into(), p.clone());
        }
        if let Some(c) = req.and_then(|r| r.content_handling.as_ref()) {
            i.insert("ContentHandling".into(), c.clone());
        }
        let mut templates = Map::new();
        if t == "AWS" {
            templates.insert("application/json".into(), json!(JSON_TEMPLATE));
            templates.insert(
                "application/x-www-form-urlencoded".into(),
                json!(FORM_TEMPLATE),
            );
        }
        if let Some(custom) = req.and_then(|r| r.template.as_ref()) {
            for (ct, tpl) in custom {
                if tpl.is_null() {
                    templates.remove(ct);
                } else {
                    templates.insert(ct.clone(), tpl.clone());
                }
            }
        }
        if !templates.is_empty() {
            i.insert("RequestTemplates".into(), Value::Object(templates));
        }
        i.insert("IntegrationResponses".into(), integration_responses(http));
    }
    let has_params = parameters(http).is_some_and(|p| !p.is_empty());
    if (matches!(t, "AWS" | "HTTP" | "HTTP_PROXY") && has_params) || http.is_async {
        let mut p = Map::new();
        if let Some(params) = parameters(http) {
            for (k, v) in params {
                let key = format!("integration.{}", k.strip_prefix("method.").unwrap_or(k));
                let mapped = v
                    .get("mappedValue")
                    .filter(|m| truthy(m))
                    .cloned()
                    .unwrap_or_else(|| json!(k));
                p.insert(key, mapped);
            }
        }
        if http.is_async {
            p.insert(
                "integration.request.header.X-Amz-Invocation-Type".into(),
                json!("'Event'"),
            );
        }
        i.insert("RequestParameters".into(), Value::Object(p));
    }
    json!({"Properties": {"Integration": i}})
}

fn prefixed(headers: &Map<String, Value>, value: impl Fn(&Value) -> Value) -> Map<String, Value> {
    headers
        .iter()
        .map(|(h, v)| (format!("method.response.header.{h}"), value(v)))
        .collect()
}

/// The headers of every status code: CORS's, then `response.headers`.
fn response_headers(http: &HttpEvent, r: &HttpResponse) -> Map<String, Value> {
    let mut headers = cors_headers(http, "true");
    for (k, v) in r.headers.iter().flatten() {
        headers.insert(k.clone(), v.clone());
    }
    headers
}

fn integration_responses(http: &HttpEvent) -> Value {
    let mut out = Vec::new();
    if let Some(r) = &http.response {
        let headers = response_headers(http, r);
        for c in &r.status_codes {
            let mut params = prefixed(&headers, Value::clone);
            for (k, v) in prefixed(c.headers.as_ref().unwrap_or(&Map::new()), Value::clone) {
                params.insert(k, v);
            }
            let mut templates = Map::new();
            if let Some(t) = &r.template {
                templates.insert("application/json".into(), t.clone());
            }
            match &c.template {
                Some(Value::String(s)) => {
                    templates.insert("application/json".into(), json!(s));
                }
                Some(Value::Object(o)) => {
                    for (k, v) in o {
                        templates.insert(k.clone(), v.clone());
                    }
                }
                _ => {}
            }
            let mut ir = Map::new();
            ir.insert("StatusCode".into(), json!(c.code));
            ir.insert(
                "SelectionPattern".into(),
                c.pattern.clone().unwrap_or(json!("")),
            );
            ir.insert("ResponseParameters".into(), Value::Object(params));
            ir.insert("ResponseTemplates".into(), Value::Object(templates));
            if c.code.starts_with('2') {
                if let Some(ch) = &r.content_handling {
                    ir.insert("ContentHandling".into(), ch.clone());
                }
            }
            out.push(Value::Object(ir));
        }
    }
    Value::Array(out)
}

fn method_responses(http: &HttpEvent) -> Value {
    let mut out = Vec::new();
    if matches!(http.integration.as_str(), "AWS" | "HTTP" | "MOCK") {
        if let Some(r) = &http.response {
            let headers = response_headers(http, r);
            for c in &r.status_codes {
                let mut params = prefixed(&headers, |_| json!(true));
                for (k, v) in prefixed(c.headers.as_ref().unwrap_or(&Map::new()), |_| json!(true)) {
                    params.insert(k, v);
                }
                out.push(json!({
                    "ResponseParameters": params,
                    "ResponseModels": {},
                    "StatusCode": c.code,
                }));
            }
        }
    }
    json!({"Properties": {"MethodResponses": out}})
}

/// v3 `compileMethods`; returns the permission mapping (one entry per event, in order).
pub(crate) fn compile(
    s: &Settings<'_>,
    events: &[HttpEvent],
    tree: &Tree,
    out: &mut Output,
) -> Result<Vec<PermissionMapping>> {
    let mut mapping = Vec::new();
    for (n, e) in events.iter().enumerate() {
        let resource_id = tree.resource_id(&e.path, &format!("{}.path", e.at))?;
        let resource_name = tree.resource_name(&e.path);
        let mut request_parameters = Map::new();
        if let Some(p) = parameters(e) {
            for (k, v) in p {
                request_parameters.insert(k.clone(), required(v));
            }
        }
        let mut props = Map::new();
        props.insert("HttpMethod".into(), json!(e.method.to_uppercase()));
        props.insert(
            "RequestParameters".into(),
            Value::Object(request_parameters),
        );
        props.insert("ResourceId".into(), resource_id);
        props.insert("RestApiId".into(), s.rest_api_id());
        if let Some(op) = &e.operation_id {
            props.insert("OperationName".into(), op.clone());
        }
        props.insert("ApiKeyRequired".into(), json!(e.private));
        let alias = alias_of(s, &e.function);
        let mut depends_on = vec![json!(naming::lambda_api_gateway_permission_logical_id(
            &e.function
        ))];
        depends_on.extend(alias.as_ref().map(|a| json!(a.logical_id)));
        let mut template = json!({
            "Type": "AWS::ApiGateway::Method",
            "Properties": props,
            "DependsOn": depends_on,
        });
        mapping.push(PermissionMapping { event: n });
        merge(&mut template, &authorizers::method_authorization(e));
        merge(&mut template, &integration(e, alias.as_ref()));
        merge(&mut template, &method_responses(e));
        // Cognito claims into the default lambda templates (v3 `extraCognitoPoolClaims`).
        let claims: Vec<String> = e
            .authorizer
            .as_ref()
            .map(|a| {
                a.claims
                    .iter()
                    .map(|c| match c.as_str() {
                        Some(s) if s.contains(':') => {
                            let sub = &s[s.find(':').unwrap_or(0) + 1..];
                            format!("\"{sub}\": \"$context.authorizer.claims['{s}']\"")
                        }
                        Some(s) => format!("\"{s}\": \"$context.authorizer.claims.{s}\""),
                        None => format!("\"{c}\": \"$context.authorizer.claims.{c}\""),
                    })
                    .collect()
            })
            .unwrap_or_default();
        if let Some(t) = template["Properties"]["Integration"]["RequestTemplates"].as_object_mut() {
            let claims_string = if claims.is_empty() {
                String::new()
            } else {
                format!("{},", claims.join(","))
            };
            for v in t.values_mut() {
                if let Some(s) = v.as_str() {
                    *v = json!(s.replacen("extraCognitoPoolClaims", &claims_string, 1));
                }
            }
        }
        let id = naming::api_gateway_method_logical_id(&resource_name, &e.method);
        out.method_ids.push(id.clone());
        out.add(&id, template);
    }
    Ok(mapping)
}

/// v3 `compileRequestValidators`: a validator when a request parameter is required or a
/// schema is given, and one model per schema.
pub(crate) fn compile_request_validators(
    s: &Settings<'_>,
    events: &[HttpEvent],
    tree: &Tree,
    out: &mut Output,
) -> Result<()> {
    let validator_id = format!(
        "ApiGateway{}RequestValidator",
        naming::normalize_name_alphanumeric(&s.service.name)
    );
    let provider_schemas = &s.api_gateway.request_schemas;
    for e in events {
        let resource_name = tree.resource_name(&e.path);
        let method_id = naming::api_gateway_method_logical_id(&resource_name, &e.method);
        let mut has_validator = false;
        let add_validator = |out: &mut Output| {
            out.assign(
                &validator_id,
                json!({
                    "Type": "AWS::ApiGateway::RequestValidator",
                    "Properties": {
                        "RestApiId": s.rest_api_id(),
                        "ValidateRequestBody": true,
                        "ValidateRequestParameters": true,
                        "Name": format!("{}-{} | Validate request body and querystring parameters", s.service.name, s.stage()),
                    }
                }),
            );
        };
        if parameters(e).is_some_and(|p| p.values().any(|v| truthy(&required(v)))) {
            add_validator(out);
            has_validator = true;
            out.resources[&method_id]["Properties"]["RequestValidatorId"] =
                json!({"Ref": validator_id});
        }
        let Some(schemas) = e.request.as_ref().and_then(|r| r.schemas.as_ref()) else {
            continue;
        };
        for (content_type, schema) in schemas {
            if !has_validator {
                add_validator(out);
                has_validator = true;
            }
            let referenced = schema.as_str().and_then(|name| {
                provider_schemas
                    .get(name)
                    .filter(|v| truthy(v))
                    .map(|c| (name, c))
            });
            let model_id = match referenced {
                Some((name, config)) => {
                    let id = format!("ApiGateway{}Model", upper_camel(name));
                    let definition = config.get("schema").filter(|v| truthy(v)).unwrap_or(config);
                    let mut props = Map::new();
                    props.insert(
                        "RestApiId".into(),
                        json!({"Ref": naming::REST_API_LOGICAL_ID}),
                    );
                    props.insert("Schema".into(), definition.clone());
                    props.insert("ContentType".into(), json!("application/json"));
                    if let Some(n) = config.get("name").filter(|v| truthy(v)) {
                        props.insert("Name".into(), n.clone());
                    }
                    if let Some(d) = config.get("description").filter(|v| truthy(v)) {
                        props.insert("Description".into(), d.clone());
                    }
                    out.assign(
                        &id,
                        json!({"Type": "AWS::ApiGateway::Model", "Properties": props}),
                    );
                    id
                }
                None => {
                    let (name, description, definition) = match schema {
                        Value::Object(o) if o.get("schema").is_some_and(truthy) => (
                            o.get("name").cloned(),
                            o.get("description").cloned(),
                            o["schema"].clone(),
                        ),
                        other => (None, None, other.clone()),
                    };
                    let id = format!(
                        "{method_id}{}Model",
                        start_case(content_type).replace(' ', "")
                    );
                    let mut props = Map::new();
                    props.insert("RestApiId".into(), s.rest_api_id());
                    props.insert("ContentType".into(), json!(content_type));
                    props.insert("Schema".into(), definition);
                    if let Some(n) = name.filter(|v| !v.is_null()) {
                        props.insert("Name".into(), n);
                    }
                    if let Some(d) = description.filter(|v| !v.is_null()) {
                        props.insert("Description".into(), d);
                    }
                    out.assign(
                        &id,
                        json!({"Type": "AWS::ApiGateway::Model", "Properties": props}),
                    );
                    id
                }
            };
            let props = &mut out.resources[&method_id]["Properties"];
            props["RequestValidatorId"] = json!({"Ref": validator_id});
            if !props["RequestModels"].is_object() {
                props["RequestModels"] = json!({});
            }
            props["RequestModels"][content_type] = json!({"Ref": model_id});
        }
    }
    Ok(())
}

/// Words as lodash splits them (lower→upper boundaries, non-alphanumerics, digits).
fn words(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            continue;
        }
        if let Some(&prev) = cur.chars().last().as_ref() {
            let boundary = (prev.is_ascii_lowercase() && c.is_ascii_uppercase())
                || (prev.is_ascii_digit() != c.is_ascii_digit())
                || (prev.is_ascii_uppercase()
                    && c.is_ascii_uppercase()
                    && chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase()));
            if boundary {
                out.push(std::mem::take(&mut cur));
            }
        }
        cur.push(c);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn capitalize(w: &str) -> String {
    let lower = w.to_lowercase();
    let mut c = lower.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// lodash `_.upperFirst(_.camelCase(s))`.
fn upper_camel(s: &str) -> String {
    words(s).iter().map(|w| capitalize(w)).collect()
}

/// lodash `_.startCase(s)`: words, each with its first letter upper-cased, joined by spaces.
fn start_case(s: &str) -> String {
    words(s)
        .iter()
        .map(|w| {
            let mut c = w.chars();
            match c.next() {
                Some(f) => f.to_uppercase().chain(c).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// v3 `compilePermissions`: one permission per function with `http` events, and one per
/// Lambda authorizer given by ARN or function (not Cognito, not managed externally).
pub(crate) fn compile_permissions(
    s: &Settings<'_>,
    events: &[HttpEvent],
    mapping: &[PermissionMapping],
    out: &mut Output,
) {
    let source_arn = json!({"Fn::Join": ["", [
        "arn:", {"Ref": "AWS::Partition"}, ":execute-api:", {"Ref": "AWS::Region"}, ":",
        {"Ref": "AWS::AccountId"}, ":", s.rest_api_id(), "/*/*"
    ]]});
    for m in mapping {
        let e = &events[m.event];
        let arn = json!({"Fn::GetAtt": [naming::lambda_logical_id(&e.function), "Arn"]});
        let alias = alias_of(s, &e.function);
        let mut permission = json!({
            "Type": "AWS::Lambda::Permission",
            "Properties": {
                "FunctionName": match &alias {
                    Some(a) => json!({"Fn::Join": [":", [arn, a.name]]}),
                    None => arn,
                },
                "Action": "lambda:InvokeFunction",
                "Principal": "apigateway.amazonaws.com",
                "SourceArn": source_arn,
            }
        });
        if let Some(a) = alias {
            permission["DependsOn"] = json!(a.logical_id);
        }
        out.assign(
            &naming::lambda_api_gateway_permission_logical_id(&e.function),
            permission,
        );
        let Some(a) = &e.authorizer else { continue };
        let Some(arn) = &a.arn else { continue };
        let id = naming::lambda_api_gateway_permission_logical_id(a.name.as_deref().unwrap_or(""));
        if a.is_cognito() || out.resources.contains_key(&id) || a.managed_externally {
            continue;
        }
        out.assign(
            &id,
            json!({
                "Type": "AWS::Lambda::Permission",
                "Properties": {
                    "FunctionName": match &a.logical_id {
                        Some(id) => json!({"Ref": id}),
                        None => arn.clone(),
                    },
                    "Action": "lambda:InvokeFunction",
                    "Principal": "apigateway.amazonaws.com",
                    "SourceArn": source_arn,
                }
            }),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lodash_cases() {
        assert_eq!(
            start_case("application/json").replace(' ', ""),
            "ApplicationJson"
        );
        assert_eq!(upper_camel("post-create_model"), "PostCreateModel");
    }
}
