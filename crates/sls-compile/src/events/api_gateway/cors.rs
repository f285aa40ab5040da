//! `cors: true` and the object form: v3's `getCors` per event, merged per path, and one
//! `OPTIONS` MOCK method per path (v3 `compileCors`).

use serde_json::{json, Map, Value};

use super::resources::Tree;
use super::{HttpEvent, Output, Settings, ALLOWED_METHODS};
use crate::error::{DeployError, Result};
use crate::naming;

const DEFAULT_HEADERS: &[&str] = &[
    "Content-Type",
    "X-Amz-Date",
    "Authorization",
    "X-Api-Key",
    "X-Amz-Security-Token",
    "X-Amz-User-Agent",
    "X-Amzn-Trace-Id",
];
const KEYS: &[&str] = &[
    "allowCredentials",
    "cacheControl",
    "headers",
    "maxAge",
    "methods",
    "origin",
    "origins",
];

#[derive(Debug, Clone, Default)]
pub(crate) struct Cors {
    pub origin: Option<String>,
    pub origins: Option<Vec<String>>,
    pub methods: Vec<String>,
    pub headers: Vec<String>,
    pub allow_credentials: bool,
    pub max_age: Option<Value>,
    pub cache_control: Option<String>,
}

fn strings(v: &Value, at: &str) -> Result<Vec<String>> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(a) => a
            .iter()
            .map(|x| {
                x.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| DeployError::config(at, "must be a list of strings"))
            })
            .collect(),
        _ => Err(DeployError::config(at, "must be a list of strings")),
    }
}

/// v3 `getCors`; `at` is `functions.<fn>.events[<i>].http.cors`.
pub(crate) fn parse(v: &Value, method: &str, at: &str) -> Result<Cors> {
    let method = method.to_uppercase();
    let mut cors = Cors {
        origin: Some("*".into()),
        methods: vec!["OPTIONS".into()],
        headers: DEFAULT_HEADERS.iter().map(|s| s.to_string()).collect(),
        ..Cors::default()
    };
    match v {
        Value::Bool(true) => {
            cors.methods.push(method);
        }
        Value::Object(o) => {
            for k in o.keys() {
                if !KEYS.contains(&k.as_str()) {
                    return Err(DeployError::config(
                        format!("{at}.{k}"),
                        format!("unknown CORS property \"{k}\" (supported: {}); remove it", KEYS.join(", ")),
                    ));
                }
            }
            if o.contains_key("origins") {
                cors.origin = None;
            }
            if let Some(x) = o.get("origin").filter(|x| !x.is_null()) {
                cors.origin = Some(
                    x.as_str()
                        .ok_or_else(|| DeployError::config(format!("{at}.origin"), "must be a string"))?
                        .to_string(),
                );
            }
            if let Some(x) = o.get("origins").filter(|x| !x.is_null()) {
                cors.origins = Some(strings(x, &format!("{at}.origins"))?);
            }
            if let Some(x) = o.get("methods").filter(|x| !x.is_null()) {
                let m = strings(x, &format!("{at}.methods"))?;
                for one in &m {
                    if !ALLOWED_METHODS.contains(&one.as_str()) {
                        return Err(DeployError::config(
                            format!("{at}.methods"),
                            format!("\"{one}\" is not one of {}", ALLOWED_METHODS.join(", ")),
                        ));
                    }
                }
                cors.methods = m;
            }
            if let Some(x) = o.get("headers").filter(|x| !x.is_null()) {
                cors.headers = strings(x, &format!("{at}.headers"))?;
            }
            match o.get("allowCredentials") {
                None | Some(Value::Null) => {}
                Some(Value::Bool(b)) => cors.allow_credentials = *b,
                Some(_) => {
                    return Err(DeployError::config(
                        format!("{at}.allowCredentials"),
                        "must be true or false",
                    ))
                }
            }
            match o.get("maxAge") {
                None | Some(Value::Null) => {}
                Some(n @ Value::Number(x)) if x.as_u64().is_some_and(|x| x >= 1) => {
                    cors.max_age = Some(n.clone())
                }
                Some(_) => {
                    return Err(DeployError::config(
                        format!("{at}.maxAge"),
                        "must be a whole number of seconds, at least 1",
                    ))
                }
            }
            match o.get("cacheControl") {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => cors.cache_control = Some(s.clone()),
                Some(_) => {
                    return Err(DeployError::config(
                        format!("{at}.cacheControl"),
                        "must be a string",
                    ))
                }
            }
            if !cors.methods.iter().any(|m| m == "OPTIONS") {
                cors.methods.push("OPTIONS".into());
            }
            if !cors.methods.contains(&method) {
                cors.methods.push(method);
            }
        }
        _ => {
            return Err(DeployError::config(
                at,
                "must be true or an object (origin, origins, headers, methods, allowCredentials, maxAge, cacheControl)",
            ))
        }
    }
    Ok(cors)
}

/// lodash `_.union`: unique values in order of first appearance.
fn union(a: &[String], b: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for x in a.iter().chain(b) {
        if !out.contains(x) {
            out.push(x.clone());
        }
    }
    out
}

/// v3 `validate()`'s per-path merge: later events add headers, methods and origins; the last
/// origin, maxAge and cacheControl win.
fn preflight(events: &[HttpEvent]) -> Vec<(String, Cors)> {
    let mut out: Vec<(String, Cors)> = Vec::new();
    for e in events {
        let Some(c) = &e.cors else { continue };
        let pos = match out.iter().position(|(p, _)| *p == e.path) {
            Some(p) => p,
            None => {
                out.push((e.path.clone(), Cors::default()));
                out.len() - 1
            }
        };
        let merged = &mut out[pos].1;
        merged.headers = union(&c.headers, &merged.headers);
        merged.methods = union(&c.methods, &merged.methods);
        merged.origins = Some(union(
            c.origins.as_deref().unwrap_or_default(),
            merged.origins.as_deref().unwrap_or_default(),
        ));
        merged.origin = c.origin.clone();
        merged.allow_credentials = merged.allow_credentials || c.allow_credentials;
        if c.max_age.is_some() {
            merged.max_age = c.max_age.clone();
        }
        if c.cache_control.is_some() {
            merged.cache_control = c.cache_control.clone();
        }
    }
    out
}

pub(crate) fn compile(s: &Settings<'_>, events: &[HttpEvent], tree: &Tree, out: &mut Output) {
    for (path, config) in preflight(events) {
        let resource_name = tree.resource_name(&path);
        let Ok(resource_ref) = tree.resource_id(&path, "") else {
            continue;
        };
        let id = naming::api_gateway_method_logical_id(&resource_name, "options");
        let mut origin = config.origin.clone();
        let mut origins = config.origins.clone();
        if let Some(o) = origin.as_deref().filter(|o| o.contains(',')) {
            origins = Some(o.split(',').map(|x| x.trim().to_string()).collect());
        }
        if let Some(first) = origins.as_ref().and_then(|o| o.first()) {
            origin = Some(first.clone());
        }
        let mut headers: Vec<(&str, String)> = vec![
            (
                "Access-Control-Allow-Origin",
                format!("'{}'", origin.as_deref().unwrap_or("undefined")),
            ),
            (
                "Access-Control-Allow-Headers",
                format!("'{}'", config.headers.join(",")),
            ),
            (
                "Access-Control-Allow-Methods",
                format!("'{}'", config.methods.join(",")),
            ),
        ];
        if config.allow_credentials {
            headers.push(("Access-Control-Allow-Credentials", "'true'".into()));
        }
        if let Some(m) = &config.max_age {
            headers.push(("Access-Control-Max-Age", format!("'{m}'")));
        }
        if let Some(c) = &config.cache_control {
            headers.push(("Cache-Control", format!("'{c}'")));
        }
        if config.methods.iter().any(|m| m == "ANY") {
            headers[2].1 = headers[2]
                .1
                .replacen("ANY", "DELETE,GET,HEAD,PATCH,POST,PUT", 1);
        }
        let mut method_params = Map::new();
        let mut integration_params = Map::new();
        for (h, v) in &headers {
            method_params.insert(format!("method.response.header.{h}"), json!(true));
            integration_params.insert(format!("method.response.header.{h}"), json!(v));
        }
        let template = match origins.as_ref().filter(|o| !o.is_empty()) {
            Some(o) => response_template(o),
            None => String::new(),
        };
        out.method_ids.push(id.clone());
        out.add(
            &id,
            json!({
                "Type": "AWS::ApiGateway::Method",
                "Properties": {
                    "AuthorizationType": "NONE",
                    "HttpMethod": "OPTIONS",
                    "MethodResponses": [{
                        "StatusCode": "200",
                        "ResponseParameters": method_params,
                        "ResponseModels": {}
                    }],
                    "RequestParameters": {},
                    "Integration": {
                        "Type": "MOCK",
                        "RequestTemplates": {"application/json": "{statusCode:200}"},
                        "ContentHandling": "CONVERT_TO_TEXT",
                        "IntegrationResponses": [{
                            "StatusCode": "200",
                            "ResponseParameters": integration_params,
                            "ResponseTemplates": {"application/json": template}
                        }]
                    },
                    "ResourceId": resource_ref,
                    "RestApiId": s.rest_api_id(),
                }
            }),
        );
    }
}

/// v3 `generateCorsResponseTemplate`: echoes the request's origin when it matches one of the
/// allowed ones (globs: `.` literal, the first `*` any run).
fn response_template(origins: &[String]) -> String {
    let conditions: Vec<String> = origins
        .iter()
        .map(|o| {
            format!(
                "$origin.matches(\"{}\")",
                o.replace('.', "[.]").replacen('*', ".+", 1)
            )
        })
        .collect();
    format!(
        "#set($origin = $input.params(\"Origin\"))\n#if($origin == \"\") #set($origin = $input.params(\"origin\")) #end\n#if({}) #set($context.responseOverride.header.Access-Control-Allow-Origin = $origin) #end",
        conditions.join(" || ")
    )
}
