//! `http` settings: one method of the REST API (API Gateway v1), normalised as v3's
//! `validate()` leaves it: path and method, integration, CORS, authorizer, request and
//! response. The authorizer may name a function of the service: sls-compile resolves it.

mod authorizer;
mod cors;

use serde_json::{json, Map, Value};

use super::check::{self, err, Result};
use crate::is_truthy as truthy;
pub use authorizer::{authorizer_name_from_arn, HttpAuthorizer};
pub use cors::HttpCors;

const FAMILY: &str = "http";

/// The methods API Gateway accepts (upper case).
pub const ALLOWED_METHODS: &[&str] = &[
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

/// An `http` event: `- http: "<METHOD> <path>"` or `- http: {method, path, ...}`.
#[derive(Debug, Clone, PartialEq)]
pub struct Http {
    /// Without leading or trailing `/` (`""` is the root).
    pub path: String,
    /// Lower case.
    pub method: String,
    /// `AWS_PROXY`, `AWS`, `HTTP`, `HTTP_PROXY` or `MOCK`.
    pub integration: String,
    pub cors: Option<HttpCors>,
    pub private: bool,
    pub operation_id: Option<Value>,
    pub authorizer: Option<HttpAuthorizer>,
    pub request: Option<HttpRequest>,
    /// `response` (lambda, http and mock integrations), with v3's default status codes.
    pub response: Option<HttpResponse>,
    pub is_async: bool,
    pub connection_type: Option<String>,
    pub connection_id: Option<Value>,
}

/// `request` of an `http` event, as the integration reads it (the keys an integration does
/// not take are refused by the parse).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpRequest {
    /// `parameters` flattened to `method.request.<location>.<name>` keys.
    pub parameters: Option<Map<String, Value>>,
    /// `schemas`: content type → model schema (when an object).
    pub schemas: Option<Map<String, Value>>,
    /// `template`: content type → mapping template.
    pub template: Option<Map<String, Value>>,
    /// `passThrough`, when not null (v3's `NEVER` default for the lambda integration).
    pub pass_through: Option<Value>,
    /// `contentHandling`, when not null.
    pub content_handling: Option<Value>,
    /// `uri` (http and http-proxy integrations), as written.
    pub uri: Option<Value>,
    /// `method` of the http integration, when a string.
    pub method: Option<String>,
}

impl HttpRequest {
    fn from_map(r: &Map<String, Value>) -> HttpRequest {
        let object = |k: &str| r.get(k).and_then(Value::as_object).cloned();
        let not_null = |k: &str| r.get(k).filter(|v| !v.is_null()).cloned();
        HttpRequest {
            parameters: object("parameters"),
            schemas: object("schemas"),
            template: object("template"),
            pass_through: not_null("passThrough"),
            content_handling: not_null("contentHandling"),
            uri: r.get("uri").cloned(),
            method: r.get("method").and_then(Value::as_str).map(str::to_string),
        }
    }
}

/// `response` of an `http` event.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpResponse {
    /// `headers`: header → value, for every status code.
    pub headers: Option<Map<String, Value>>,
    /// `template`, when not null: the `application/json` template of every status code.
    pub template: Option<Value>,
    /// `contentHandling`, when not null (applied to the 2xx codes).
    pub content_handling: Option<Value>,
    /// `statusCodes`, in order.
    pub status_codes: Vec<StatusCode>,
}

/// One of `response.statusCodes`.
#[derive(Debug, Clone, PartialEq)]
pub struct StatusCode {
    /// The three-digit code.
    pub code: String,
    /// `pattern`, when set (JavaScript-truthy): the selection pattern.
    pub pattern: Option<Value>,
    /// `headers`: header → value.
    pub headers: Option<Map<String, Value>>,
    /// `template`: a string (the `application/json` template) or content type → template.
    pub template: Option<Value>,
}

impl HttpResponse {
    fn from_map(r: &Map<String, Value>) -> HttpResponse {
        let codes = r.get("statusCodes").and_then(Value::as_object);
        HttpResponse {
            headers: r.get("headers").and_then(Value::as_object).cloned(),
            template: r.get("template").filter(|t| !t.is_null()).cloned(),
            content_handling: r.get("contentHandling").filter(|c| !c.is_null()).cloned(),
            status_codes: codes
                .into_iter()
                .flatten()
                .map(|(code, c)| StatusCode {
                    code: code.clone(),
                    pattern: c.get("pattern").filter(|p| truthy(p)).cloned(),
                    headers: c.get("headers").and_then(Value::as_object).cloned(),
                    template: c
                        .get("template")
                        .filter(|t| t.is_string() || t.is_object())
                        .cloned(),
                })
                .collect(),
        }
    }
}

/// An `http` event as parsed: its settings, or the first error in v3's order of checks.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpParse {
    /// Settings were written (not a bare `- http`, which the parse refuses).
    pub written: bool,
    /// The function the authorizer names, when the parse got that far (also on a later
    /// error): sls-compile checks it is a function of the service before it reports a later
    /// error, where v3 checks it.
    pub authorizer_function: Option<String>,
    pub settings: super::Parsed<Http>,
}

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> HttpParse {
    let mut authorizer_function = None;
    let parsed = parse_settings(function, index, settings, &mut authorizer_function);
    HttpParse {
        written: settings.is_some(),
        authorizer_function,
        settings: parsed,
    }
}

fn parse_settings(
    function: &str,
    index: usize,
    settings: Option<&Value>,
    authorizer_function: &mut Option<String>,
) -> Result<Http> {
    let at = check::path(function, index, FAMILY, "");
    let http = event_settings(settings, &at)?;
    let path = event_path(&http, &at)?;
    let method = event_method(&http, &at)?;
    let is_async = bool_at(&http, "async", &at)?;
    let private = bool_at(&http, "private", &at)?;
    let integration = integration_of(&http, is_async, &at)?;
    let mut ev = Http {
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
        Some(_) => return Err(err(format!("{at}.operationId"), "must be a string")),
    }
    if let Some(a) = http.get("authorizer").filter(|v| truthy(v)) {
        let at = format!("{at}.authorizer");
        ev.authorizer = Some(authorizer::parse(
            a,
            &ev.integration,
            &at,
            authorizer_function,
        )?);
    }
    if let Some(c) = http.get("cors").filter(|v| truthy(v)) {
        ev.cors = Some(cors::parse(c, &ev.method, &format!("{at}.cors"))?);
    }
    ev.connection_type = connection_type(&http, &ev, &at)?;
    let request = optional_object(&http, "request", &at)?;
    let response = optional_object(&http, "response", &at)?;
    match ev.integration.as_str() {
        "MOCK" => mock_request_response(&mut ev, &at, request, response)?,
        "AWS" | "HTTP" => integration_request_response(&mut ev, &at, request, response)?,
        _ => proxy_request(&mut ev, &at, request, response)?,
    }
    Ok(ev)
}

/// The event as an object: `"<METHOD> <path>"` becomes `{method, path}`; keys are checked.
fn event_settings(settings: Option<&Value>, at: &str) -> Result<Map<String, Value>> {
    let http: Map<String, Value> = match settings {
        Some(Value::String(s)) => {
            let mut parts = s.split(' ');
            let (method, path) = (parts.next().unwrap_or(""), parts.next());
            let Some(path) = path.filter(|p| !p.is_empty()) else {
                return Err(err(
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
            return Err(err(
                at,
                "must be \"<METHOD> <path>\" or an object with `method` and `path`",
            ))
        }
    };
    for k in http.keys() {
        if !EVENT_KEYS.contains(&k.as_str()) {
            return Err(err(
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
        Some(_) => return Err(err(format!("{at}.path"), "must be a string")),
        None => return Err(err(at, "must have required property 'path'")),
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
        Some(Value::String(m)) => Err(err(
            format!("{at}.method"),
            format!(
                "\"{m}\" is not an HTTP method API Gateway accepts; use one of {}",
                ALLOWED_METHODS.join(", ")
            ),
        )),
        Some(_) => Err(err(format!("{at}.method"), "must be a string")),
        None => Err(err(at, "must have required property 'method'")),
    }
}

/// The http and http-proxy integrations need `request.uri`, and may go through a VPC link
/// (`connectionType` with `connectionId`); the other integrations take neither connection key.
fn connection_type(http: &Map<String, Value>, ev: &Http, at: &str) -> Result<Option<String>> {
    if ev.integration != "HTTP" && ev.integration != "HTTP_PROXY" {
        if http.contains_key("connectionType") || http.contains_key("connectionId") {
            return Err(err(
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
        return Err(err(
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
        return Err(err(
            format!("{at}.connectionType"),
            "must be \"vpc-link\" or \"VPC_LINK\"",
        ));
    }
    if ev.connection_id.as_ref().is_none_or(|v| !truthy(v)) {
        return Err(err(
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
        Some(_) => Err(err(format!("{at}.{key}"), "must be an object")),
    }
}

/// A mock integration: v3 uses its `request` and `response` as written.
fn mock_request_response(
    ev: &mut Http,
    at: &str,
    request: Option<Map<String, Value>>,
    response: Option<Map<String, Value>>,
) -> Result<()> {
    if let Some(req) = request {
        check_request(&req, "MOCK", at)?;
        for k in ["parameters", "uri", "method", "schemas"] {
            if req.contains_key(k) {
                return Err(err(
                    format!("{at}.request.{k}"),
                    "is not supported with the mock integration; remove it",
                ));
            }
        }
        ev.request = Some(HttpRequest::from_map(&req));
    }
    if let Some(r) = response {
        check_response(&r, &format!("{at}.response"))?;
        if !r.get("statusCodes").is_some_and(Value::is_object) {
            return Err(err(
                format!("{at}.response.statusCodes"),
                "a mock integration's response needs statusCodes",
            ));
        }
        ev.response = Some(HttpResponse::from_map(&r));
    }
    Ok(())
}

/// The lambda (`AWS`) and http integrations: request parameters flattened, v3's pass-through
/// default, and the response's status codes with v3's defaults.
fn integration_request_response(
    ev: &mut Http,
    at: &str,
    request: Option<Map<String, Value>>,
    response: Option<Map<String, Value>>,
) -> Result<()> {
    if ev.integration == "HTTP" && response.is_none() {
        return Err(err(
            format!("{at}.response"),
            "the http integration needs a response (statusCodes with their patterns)",
        ));
    }
    let mut req = request.unwrap_or_default();
    check_request(&req, &ev.integration, at)?;
    if let Some(p) = req.get("parameters").cloned() {
        req.insert("parameters".into(), request_parameters(&p, at)?);
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
            check_response(&r, &format!("{at}.response"))?;
            with_status_codes(r)
        }
        None => Map::new(),
    };
    if ev.integration == "AWS" && resp.is_empty() {
        resp.insert("statusCodes".into(), default_status_codes());
    }
    ev.request = Some(HttpRequest::from_map(&req));
    ev.response = Some(HttpResponse::from_map(&resp));
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
    ev: &mut Http,
    at: &str,
    request: Option<Map<String, Value>>,
    response: Option<Map<String, Value>>,
) -> Result<()> {
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
                return Err(err(format!("{at}.request.{k}"), hint));
            }
        }
        if let Some(p) = req.get("parameters").cloned() {
            req.insert("parameters".into(), request_parameters(&p, at)?);
        }
        if !req.is_empty() {
            ev.request = Some(HttpRequest::from_map(&req));
        }
    }
    if response.is_some() {
        return Err(err(
            format!("{at}.response"),
            format!(
                "is not used with the {} integration (v3 removes it); remove it, or use `integration: lambda`",
                ev.integration
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
            return Err(err(
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
        Some(_) => Err(err(format!("{at}.{k}"), "must be true or false")),
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
                _ => Err(err(
                    format!("{at}.integration"),
                    format!("\"{s}\" is not an integration type; use lambda-proxy (the default), lambda, http, http-proxy or mock"),
                )),
            }
        }
        Some(_) => Err(err(format!("{at}.integration"), "must be a string")),
    }
}

fn check_request(req: &Map<String, Value>, integration: &str, at: &str) -> Result<()> {
    for k in req.keys() {
        match k.as_str() {
            "parameters" | "template" | "passThrough" | "contentHandling" | "uri" | "method"
            | "schemas" => {}
            "schema" => {
                return Err(err(
                    format!("{at}.request.{k}"),
                    "v3 does not compile `request.schema`; use `request.schemas` (content type → schema)",
                ))
            }
            _ => {
                return Err(err(
                    format!("{at}.request.{k}"),
                    format!("unknown property \"{k}\" for the {integration} integration; remove it"),
                ))
            }
        }
    }
    if let Some(t) = req.get("template") {
        if !t.is_object() {
            return Err(err(
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
        return Err(err(
            format!("{at}.request.parameters"),
            "must be an object with querystrings, paths and/or headers",
        ));
    };
    for k in p.keys() {
        if !["querystrings", "paths", "headers"].contains(&k.as_str()) {
            return Err(err(
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
                return Err(err(
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

const RESPONSE_KEYS: &[&str] = &["contentHandling", "headers", "template", "statusCodes"];

/// Checks `response` of a lambda/http/mock integration.
fn check_response(r: &Map<String, Value>, at: &str) -> Result<()> {
    for k in r.keys() {
        if !RESPONSE_KEYS.contains(&k.as_str()) {
            return Err(err(
                format!("{at}.{k}"),
                format!(
                    "unknown property \"{k}\" (supported: {}); remove it",
                    RESPONSE_KEYS.join(", ")
                ),
            ));
        }
    }
    if let Some(codes) = r.get("statusCodes") {
        let Some(codes) = codes.as_object() else {
            return Err(err(
                format!("{at}.statusCodes"),
                "must be an object of status code → {pattern, template, headers}",
            ));
        };
        for (code, c) in codes {
            if code.len() != 3 || !code.chars().all(|c| c.is_ascii_digit()) || !c.is_object() {
                return Err(err(
                    format!("{at}.statusCodes.{code}"),
                    "must be a three-digit status code with an object of pattern, template, headers",
                ));
            }
        }
    }
    if let Some(h) = r.get("headers") {
        if !h.is_object() {
            return Err(err(format!("{at}.headers"), "must be an object"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(settings: Value) -> HttpParse {
        parse("hello", 0, Some(&settings))
    }

    #[test]
    fn settings_are_typed() {
        let p = read(json!({
            "path": "/users/{id}/",
            "method": "GET",
            "integration": "lambda",
            "cors": true,
            "authorizer": {"name": "auth", "resultTtlInSeconds": 0, "type": "request"},
            "request": {"parameters": {"paths": {"id": true}}}
        }));
        assert_eq!(p.authorizer_function.as_deref(), Some("auth"));
        let http = p.settings.expect("valid");
        assert_eq!(
            (http.path.as_str(), http.method.as_str()),
            ("users/{id}", "get")
        );
        assert_eq!(http.integration, "AWS");
        let cors = http.cors.expect("cors");
        assert_eq!(cors.methods, ["OPTIONS", "GET"]);
        let a = http.authorizer.expect("authorizer");
        assert_eq!(a.function.as_deref(), Some("auth"));
        assert_eq!(a.identity_source, None);
        let request = http.request.expect("request");
        let parameters = json!({"method.request.path.id": true});
        assert_eq!(request.parameters.as_ref(), parameters.as_object());
        assert_eq!(request.pass_through, Some(json!("NEVER")));
        let short = read(json!("POST /")).settings.expect("valid");
        assert_eq!((short.path.as_str(), short.method.as_str()), ("", "post"));
        assert_eq!(short.integration, "AWS_PROXY");
    }

    /// The authorizer's function is kept when a later check fails: the compiler checks it
    /// first, as v3 does; an error before the authorizer leaves it unset.
    #[test]
    fn errors_keep_their_path_and_the_authorizer_function() {
        let later = read(json!({"path": "a", "method": "get", "authorizer": "auth", "cors": 5}));
        assert_eq!(later.authorizer_function.as_deref(), Some("auth"));
        let e = later.settings.expect_err("an error");
        assert_eq!(e.path, "functions.hello.events[0].http.cors");
        let earlier = read(json!({"path": "a", "method": "fetch", "authorizer": "auth"}));
        assert_eq!(earlier.authorizer_function, None);
        let e = earlier.settings.expect_err("an error");
        assert_eq!(e.path, "functions.hello.events[0].http.method");
        let bare = parse("hello", 0, None);
        assert!(!bare.written);
        assert_eq!(
            bare.settings.expect_err("an error").path,
            "functions.hello.events[0].http"
        );
    }
}
