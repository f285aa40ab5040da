//! The changes v3 makes to the configuration before `serverless print` shows it:
//! `provider.stage` (default `dev`; v3 does not write `--stage` here), `provider.region`
//! (`--region`, else as configured, else `us-east-1`), `provider.versionFunctions: true`,
//! array forms of `functions`/`resources` merged, every function's `events: []` and
//! `name: <service>-<stage>-<function>`, and, from its schema validation pass, every key whose
//! value is `null` moved to the end of its object.

use serde_json::{Map, Value};

use crate::jsval::{coerce_string, is_truthy, js_set};
use crate::CliOptions;

pub(crate) fn normalize(mut config: Value, opts: &CliOptions) -> Value {
    let Value::Object(root) = &mut config else {
        return config;
    };

    // Service.loadServiceFileParam: a string provider becomes `{ name }`.
    match root.get("provider") {
        Some(Value::Object(_)) => {}
        Some(p) if !p.is_null() => {
            let mut m = Map::new();
            m.insert("name".into(), p.clone());
            root.insert("provider".into(), Value::Object(m));
        }
        _ => {}
    }
    if let Some(Value::Object(provider)) = root.get_mut("provider") {
        if provider.get("stage").is_none_or(Value::is_null) {
            js_set(provider, "stage".into(), Value::String("dev".into()));
        }
        // AwsProvider constructor: options.region || provider.region || 'us-east-1'.
        let region = opts
            .region
            .clone()
            .filter(|r| !r.is_empty())
            .map(Value::String)
            .or_else(|| provider.get("region").filter(|r| is_truthy(r)).cloned())
            .unwrap_or_else(|| Value::String("us-east-1".into()));
        js_set(provider, "region".into(), region);
        if provider.get("versionFunctions").is_none_or(Value::is_null) {
            js_set(provider, "versionFunctions".into(), Value::Bool(true));
        }
    }

    // Service.mergeArrays.
    for key in ["resources", "functions"] {
        if let Some(Value::Array(items)) = root.get(key) {
            let mut merged = Value::Object(Map::new());
            for item in items {
                if item.is_object() || item.is_array() {
                    lodash_merge(&mut merged, item);
                }
            }
            root.insert(key.into(), merged);
        }
    }

    // Service.setFunctionNames.
    let stage = opts
        .stage
        .clone()
        .filter(|s| !s.is_empty())
        .or_else(|| {
            root.get("provider")
                .and_then(|p| p.get("stage"))
                .and_then(coerce_string)
        })
        .unwrap_or_else(|| "dev".into());
    let service = match root.get("service") {
        Some(Value::Object(_)) => "[object Object]".to_string(),
        Some(v) => coerce_string(v).unwrap_or_else(|| "null".into()),
        None => "undefined".into(),
    };
    if let Some(Value::Object(functions)) = root.get_mut("functions") {
        functions.retain(|_, f| !f.is_null());
        for (name, f) in functions.iter_mut() {
            let Value::Object(f) = f else { continue };
            if !f.get("events").is_some_and(is_truthy) {
                js_set(f, "events".into(), Value::Array(Vec::new()));
            }
            if !f.get("name").is_some_and(is_truthy) {
                js_set(
                    f,
                    "name".into(),
                    Value::String(format!("{service}-{stage}-{name}")),
                );
            }
        }
    }

    coerce_like_schema(&mut config);
    move_nulls_last(&mut config);
    config
}

/// v3 validates the configuration with AJV (`coerceTypes: 'array'`), which rewrites values in
/// place to the schema's types. We apply the coercions of the properties people commonly
/// write with the "wrong" type; the full schema is not replicated.
fn coerce_like_schema(config: &mut Value) {
    let Value::Object(root) = config else { return };
    if let Some(Value::Object(p)) = root.get_mut("provider") {
        for k in ["memorySize", "timeout", "logRetentionInDays"] {
            coerce_at(p, k, to_number);
        }
        coerce_at(p, "versionFunctions", to_bool);
        for k in ["environment", "tags", "stackTags"] {
            if let Some(Value::Object(m)) = p.get_mut(k) {
                m.values_mut().for_each(to_string);
            }
        }
    }
    if let Some(Value::Object(functions)) = root.get_mut("functions") {
        for f in functions.values_mut() {
            let Value::Object(f) = f else { continue };
            for k in [
                "memorySize",
                "timeout",
                "reservedConcurrency",
                "provisionedConcurrency",
                "maximumRetryAttempts",
                "maximumEventAge",
            ] {
                coerce_at(f, k, to_number);
            }
            for k in ["environment", "tags"] {
                if let Some(Value::Object(m)) = f.get_mut(k) {
                    m.values_mut().for_each(to_string);
                }
            }
            if let Some(v @ Value::String(_)) = f.get_mut("layers") {
                *v = Value::Array(vec![v.take()]);
            }
            if let Some(Value::Array(events)) = f.get_mut("events") {
                for e in events {
                    if let Some(Value::Object(http)) = e.get_mut("http") {
                        for k in ["cors", "private", "async"] {
                            coerce_at(http, k, to_bool);
                        }
                    }
                }
            }
        }
    }
}

fn coerce_at(m: &mut Map<String, Value>, key: &str, f: fn(&mut Value)) {
    if let Some(v) = m.get_mut(key) {
        f(v);
    }
}

/// AJV: a numeric string or a boolean becomes a number.
fn to_number(v: &mut Value) {
    let n = match v {
        Value::String(s) if !s.is_empty() => crate::jsval::js_number(s).filter(|n| n.is_finite()),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    };
    if let Some(n) = n {
        *v = crate::jsval::number_value(n);
    }
}

/// AJV: `"true"`/`"false"` and `1`/`0` become booleans.
fn to_bool(v: &mut Value) {
    let b = match v {
        Value::String(s) if s == "true" => Some(true),
        Value::String(s) if s == "false" => Some(false),
        Value::Number(n) if n.as_f64() == Some(1.0) => Some(true),
        Value::Number(n) if n.as_f64() == Some(0.0) => Some(false),
        _ => None,
    };
    if let Some(b) = b {
        *v = Value::Bool(b);
    }
}

/// AJV: numbers and booleans become strings.
fn to_string(v: &mut Value) {
    if matches!(v, Value::Number(_) | Value::Bool(_)) {
        if let Some(s) = coerce_string(v) {
            *v = Value::String(s);
        }
    }
}

/// v3's schema validation deletes `null`-valued keys and sets them back afterwards, which
/// moves them to the end of their object (depth-first, in encounter order).
fn move_nulls_last(config: &mut Value) {
    fn collect(v: &mut Value, path: &mut Vec<String>, removed: &mut Vec<Vec<String>>) {
        match v {
            Value::Object(m) => {
                let keys: Vec<String> = m.keys().cloned().collect();
                for k in keys {
                    let is_null = m.get(&k).is_some_and(Value::is_null);
                    if is_null {
                        m.shift_remove(&k);
                        let mut p = path.clone();
                        p.push(k);
                        removed.push(p);
                    } else if let Some(c) = m.get_mut(&k) {
                        path.push(k);
                        collect(c, path, removed);
                        path.pop();
                    }
                }
            }
            Value::Array(a) => {
                for (i, c) in a.iter_mut().enumerate() {
                    if c.is_object() || c.is_array() {
                        path.push(i.to_string());
                        collect(c, path, removed);
                        path.pop();
                    }
                }
            }
            _ => {}
        }
    }
    let mut removed = Vec::new();
    collect(config, &mut Vec::new(), &mut removed);
    for p in removed {
        let Some((last, parents)) = p.split_last() else {
            continue;
        };
        if let Some(Value::Object(m)) = get_path_mut(config, parents) {
            js_set(m, last.clone(), Value::Null);
        }
    }
}

fn get_path_mut<'a>(v: &'a mut Value, keys: &[String]) -> Option<&'a mut Value> {
    let Some((first, rest)) = keys.split_first() else {
        return Some(v);
    };
    let next = match v {
        Value::Object(m) => m.get_mut(first),
        Value::Array(a) => first.parse::<usize>().ok().and_then(|i| a.get_mut(i)),
        _ => None,
    }?;
    get_path_mut(next, rest)
}

/// `_.merge`: objects merge recursively, arrays merge by index, other values replace
/// (`undefined` never replaces; JSON has none).
fn lodash_merge(target: &mut Value, src: &Value) {
    match (target, src) {
        (Value::Object(t), Value::Object(s)) => {
            for (k, v) in s {
                match t.get_mut(k) {
                    Some(existing)
                        if (existing.is_object() && v.is_object())
                            || (existing.is_array() && v.is_array()) =>
                    {
                        lodash_merge(existing, v)
                    }
                    _ => js_set(t, k.clone(), v.clone()),
                }
            }
        }
        (Value::Array(t), Value::Array(s)) => {
            for (i, v) in s.iter().enumerate() {
                match t.get_mut(i) {
                    Some(existing)
                        if (existing.is_object() && v.is_object())
                            || (existing.is_array() && v.is_array()) =>
                    {
                        lodash_merge(existing, v)
                    }
                    Some(existing) => *existing = v.clone(),
                    None => t.push(v.clone()),
                }
            }
        }
        (t, s) => *t = s.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn fills_in_like_v3() {
        let c = json!({"service": "s", "provider": {"name": "aws", "x": null, "y": 1},
                       "functions": {"a": {"handler": "h"}, "b": null, "c": {"name": "n", "events": [{"http": "GET /"}]}}});
        let out = normalize(
            c,
            &CliOptions {
                stage: Some("prod".into()),
                ..Default::default()
            },
        );
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"service":"s","provider":{"name":"aws","y":1,"stage":"dev","region":"us-east-1","versionFunctions":true,"x":null},"functions":{"a":{"handler":"h","events":[],"name":"s-prod-a"},"c":{"name":"n","events":[{"http":"GET /"}]}}}"#
        );
    }
}
