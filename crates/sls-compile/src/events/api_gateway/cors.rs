//! `cors: true` and the object form: v3's `getCors` per event, merged per path, and one
//! `OPTIONS` MOCK method per path (v3 `compileCors`).

use serde_json::{json, Map};

use super::resources::Tree;
use super::{HttpEvent, Output, Settings};
use crate::naming;
use sls_config::model::events::HttpCors as Cors;

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
