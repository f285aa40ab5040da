//! The changes v3 makes to the configuration before `serverless print` shows it:
//! `provider.stage` (default `dev`; v3 does not write `--stage` here), `provider.region`
//! (`--region`, else as configured, else `us-east-1`), `provider.versionFunctions: true`,
//! array forms of `functions`/`resources` merged, every function's `events: []` and
//! `name: <service>-<stage>-<function>`, and, from its schema validation pass, every key whose
//! value is `null` moved to the end of its object.

use serde_json::{Map, Value};

use crate::jsval::{coerce_string, is_truthy, js_set};
use crate::{CliOptions, ConfigError};

/// Returns the configuration as v3's `print` shows it, and the warnings v3 shows on the way
/// (each without v3's `Warning: ` prefix).
pub(crate) fn normalize(
    mut config: Value,
    opts: &CliOptions,
    file_name: &str,
) -> Result<(Value, Vec<String>), ConfigError> {
    let mut warnings = Vec::new();
    warnings.extend(crate::framework_version::check(&config, file_name)?);
    let Value::Object(root) = &mut config else {
        return Ok((config, warnings));
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

    // ConfigSchemaHandler.validateConfig: nulls out, validate (coercing), nulls back at the end.
    let removed = take_nulls(&mut config);
    let messages = crate::schema::validate(&mut config)?;
    if !messages.is_empty() {
        warnings.push(crate::schema::warning_text(&messages));
    }
    put_nulls_back(&mut config, removed);

    initialize_hooks(&mut config, opts, &stage, &service);
    Ok((config, warnings))
}

/// What v3's AWS plugins do in their `initialize` hooks, which `print` shows too.
fn initialize_hooks(config: &mut Value, opts: &CliOptions, stage: &str, service: &str) {
    let Value::Object(root) = config else { return };
    let mut prefix = "serverless".to_string();
    if let Some(Value::Object(provider)) = root.get_mut("provider") {
        // AwsProvider: `deploymentBucket` given as an object is kept as
        // `deploymentBucketObject`, and `deploymentBucket` becomes its name.
        if let Some(bucket @ Value::Object(_)) = provider.get("deploymentBucket").cloned() {
            let name = bucket
                .get("name")
                .filter(|n| is_truthy(n))
                .cloned()
                .unwrap_or(Value::Null);
            js_set(provider, "deploymentBucketObject".into(), bucket);
            js_set(provider, "deploymentBucket".into(), name);
        }
        if let Some(p) = provider.get("deploymentPrefix").filter(|p| !p.is_null()) {
            prefix = coerce_string(p).unwrap_or_else(|| "[object Object]".into());
        }
    }
    // AwsPackage: the S3 folder of code artifacts, set on the service's `package` section.
    let stage = opts
        .stage
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| stage.to_string());
    if let Some(Value::Object(package)) = root.get_mut("package") {
        js_set(
            package,
            "artifactsS3KeyDirname".into(),
            Value::String(format!("{prefix}/{service}/{stage}/code-artifacts")),
        );
    }
}

/// v3's schema validation deletes `null`-valued keys (depth-first, in encounter order) and
/// sets them back afterwards, which moves them to the end of their object.
fn take_nulls(config: &mut Value) -> Vec<Vec<String>> {
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
    removed
}

fn put_nulls_back(config: &mut Value, removed: Vec<Vec<String>>) {
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
        let (out, _) = normalize(
            c,
            &CliOptions {
                stage: Some("prod".into()),
                ..Default::default()
            },
            "serverless.yml",
        )
        .unwrap();
        assert_eq!(
            serde_json::to_string(&out).unwrap(),
            r#"{"service":"s","provider":{"name":"aws","y":1,"stage":"dev","region":"us-east-1","versionFunctions":true,"x":null},"functions":{"a":{"handler":"h","events":[],"name":"s-prod-a"},"c":{"name":"n","events":[{"http":"GET /"}]}}}"#
        );
    }
}
