//! `cors` of an `http` event: `true` or the object form (v3 `getCors`).

use serde_json::Value;

use super::super::check::{err, Result};
use super::ALLOWED_METHODS;

/// v3 allows the same headers by default on REST and HTTP APIs.
use crate::model::http_api_provider::DEFAULT_CORS_HEADERS as DEFAULT_HEADERS;
const KEYS: &[&str] = &[
    "allowCredentials",
    "cacheControl",
    "headers",
    "maxAge",
    "methods",
    "origin",
    "origins",
];

#[derive(Debug, Clone, Default, PartialEq)]
pub struct HttpCors {
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
                    .ok_or_else(|| err(at, "must be a list of strings"))
            })
            .collect(),
        _ => Err(err(at, "must be a list of strings")),
    }
}

/// v3 `getCors`; `at` is `functions.<fn>.events[<i>].http.cors`.
pub(super) fn parse(v: &Value, method: &str, at: &str) -> Result<HttpCors> {
    let method = method.to_uppercase();
    let mut cors = HttpCors {
        origin: Some("*".into()),
        methods: vec!["OPTIONS".into()],
        headers: DEFAULT_HEADERS.iter().map(|s| s.to_string()).collect(),
        ..HttpCors::default()
    };
    match v {
        Value::Bool(true) => {
            cors.methods.push(method);
        }
        Value::Object(o) => {
            for k in o.keys() {
                if !KEYS.contains(&k.as_str()) {
                    return Err(err(
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
                        .ok_or_else(|| err(format!("{at}.origin"), "must be a string"))?
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
                        return Err(err(
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
                    return Err(err(
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
                    return Err(err(
                        format!("{at}.maxAge"),
                        "must be a whole number of seconds, at least 1",
                    ))
                }
            }
            match o.get("cacheControl") {
                None | Some(Value::Null) => {}
                Some(Value::String(s)) => cors.cache_control = Some(s.clone()),
                Some(_) => {
                    return Err(err(
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
            return Err(err(
                at,
                "must be true or an object (origin, origins, headers, methods, allowCredentials, maxAge, cacheControl)",
            ))
        }
    }
    Ok(cors)
}
