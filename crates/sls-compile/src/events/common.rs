//! What several event families share: the property path of an event, the numbered events of a
//! family, the function's ARN as a target and the permission to invoke it, the role dependency
//! and role statements v3 adds to `IamRoleLambdaExecution`, and the checks of settings several
//! families take (`startingPosition`, `consumerGroupId`, `filterPatterns`, ...).

use serde_json::{json, Map, Value};

use crate::error::{DeployError, Result};
use crate::naming;
use sls_config::model::events::{InputTransformer, Parsed};
use sls_config::model::{EventKind, Function, Service};

/// `functions.<key>.events[<index>].<family>` (and `.<prop>` when given).
pub(super) fn path(f: &Function, index: usize, family: &str, prop: &str) -> String {
    let base = format!("functions.{}.events[{index}].{family}", f.key);
    if prop.is_empty() {
        base
    } else {
        format!("{base}.{prop}")
    }
}

/// Settings parsed with the model, or the error the parse found (reported here, when the
/// event is checked, as v3 does).
pub(super) fn parsed<T>(p: &Parsed<T>) -> Result<&T> {
    p.as_ref().map_err(|e| DeployError::from(e.clone()))
}

pub(super) fn err(path: String, message: impl Into<String>) -> DeployError {
    DeployError::config(path, message)
}

/// One event of a family, numbered among the function's events of that family (from 1), as
/// v3 numbers the logical ids of rules and permissions.
pub(super) struct NumberedEvent<'a, T> {
    pub function: &'a Function,
    pub number: usize,
    pub settings: &'a T,
}

/// The settings of one family's events of `f` with their index, picked by `select` (which
/// returns the settings of an event of that family).
pub(super) fn events_of<'a, T: 'a>(
    f: &'a Function,
    select: impl Fn(&'a EventKind) -> Option<&'a T> + 'a,
) -> impl Iterator<Item = (usize, &'a T)> + 'a {
    f.events
        .iter()
        .filter_map(move |e| Some((e.index, select(&e.kind)?)))
}

/// Every event of one family (see [`events_of`]) of the service, function by function.
pub(super) fn numbered_events<'a, T: 'a>(
    service: &'a Service,
    select: impl Fn(&'a EventKind) -> Option<&'a T> + Copy + 'a,
) -> impl Iterator<Item = NumberedEvent<'a, T>> + 'a {
    service.functions.iter().flat_map(move |function| {
        events_of(function, select)
            .enumerate()
            .map(move |(i, (_, settings))| NumberedEvent {
                function,
                number: i + 1,
                settings,
            })
    })
}

/// v3 `resolveLambdaTarget`: the function's ARN, qualified by its alias when it has one
/// (`provisionedConcurrency`, `snapStart`).
pub(crate) fn lambda_target(f: &Function) -> Value {
    let arn = json!({"Fn::GetAtt": [naming::lambda_logical_id(&f.key), "Arn"]});
    match naming::target_alias(f) {
        Some(a) => json!({"Fn::Join": [":", [arn, a.name]]}),
        None => arn,
    }
}

/// The function of `key`, if the service has one.
pub(super) fn function<'a>(service: &'a Service, key: &str) -> Option<&'a Function> {
    service.functions.iter().find(|f| f.key == key)
}

/// `lambda_target` of the function named `key` (a plain ARN when there is no such function).
pub(super) fn lambda_target_of(service: &Service, key: &str) -> Value {
    match function(service, key) {
        Some(f) => lambda_target(f),
        None => json!({"Fn::GetAtt": [naming::lambda_logical_id(key), "Arn"]}),
    }
}

/// `res` with v3's `DependsOn: _.get(functionObj.targetAlias, 'logicalId')` right after its
/// `Type` (JSON leaves out an undefined `DependsOn`).
pub(super) fn alias_dep(f: &Function, res: Value) -> Value {
    let Some(alias) = naming::target_alias_id(f) else {
        return res;
    };
    let Value::Object(o) = res else {
        return res;
    };
    let mut out = Map::new();
    for (k, v) in o {
        let is_type = k == "Type";
        out.insert(k, v);
        if is_type {
            out.insert("DependsOn".into(), json!(alias));
        }
    }
    Value::Object(out)
}

/// The role the function runs with, then its alias: what v3's event source mappings depend on.
pub(super) fn role_and_alias(service: &Service, f: &Function) -> Vec<String> {
    role_resource_name(service, f)
        .into_iter()
        .chain(naming::target_alias_id(f))
        .collect()
}

/// v3 `resolveFunctionIamRoleResourceName`: the in-stack role the function runs with, if any.
pub(super) fn role_resource_name(service: &Service, f: &Function) -> Option<String> {
    let Some(role) = service.custom_execution_role(f) else {
        return Some(naming::ROLE_LOGICAL_ID.to_string());
    };
    match &role {
        Value::String(s) if s.contains(':') => None,
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::String(_) | Value::Null | Value::Bool(false) => {
            Some(naming::ROLE_LOGICAL_ID.to_string())
        }
        Value::Object(o) => {
            if let Some(Value::Array(a)) = o.get("Fn::GetAtt") {
                if let [Value::String(id), Value::String(attr)] = a.as_slice() {
                    if attr == "Arn" {
                        return Some(id.clone());
                    }
                }
            }
            let truthy = |k: &str| o.get(k).is_some_and(js_truthy);
            if truthy("Fn::ImportValue") || truthy("Ref") || truthy("Fn::Sub") {
                return None;
            }
            Some(naming::ROLE_LOGICAL_ID.to_string())
        }
        _ => Some(naming::ROLE_LOGICAL_ID.to_string()),
    }
}

pub(super) fn js_truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(|x| x != 0.0 && !x.is_nan()),
        Value::String(s) => !s.is_empty(),
        _ => true,
    }
}

/// The statements of the generated role's first policy, when the stack has that role.
pub(super) fn role_statements(template: &mut Value) -> Option<&mut Vec<Value>> {
    template
        .get_mut("Resources")?
        .get_mut(naming::ROLE_LOGICAL_ID)?
        .get_mut("Properties")?
        .get_mut("Policies")?
        .get_mut(0)?
        .get_mut("PolicyDocument")?
        .get_mut("Statement")?
        .as_array_mut()
}

/// An `AWS::Lambda::Permission` letting `principal` invoke `function` from `source_arn`.
pub(super) fn invoke_permission(function: Value, principal: &str, source_arn: Value) -> Value {
    json!({
        "Type": "AWS::Lambda::Permission",
        "Properties": {
            "FunctionName": function,
            "Action": "lambda:InvokeFunction",
            "Principal": principal,
            "SourceArn": source_arn,
        }
    })
}

/// `{Effect: Allow, Action: [...], Resource: [...]}` in v3's key order.
pub(super) fn statement(actions: &[&str], resources: Vec<Value>) -> Value {
    json!({"Effect": "Allow", "Action": actions, "Resource": resources})
}

/// Inserts (or lodash-merges into) a resource, keeping the insertion order of new ids last.
pub(super) fn merge_resource(template: &mut Value, id: &str, resource: Value) {
    let resources = &mut template["Resources"];
    match resources.get_mut(id) {
        Some(existing) => crate::merge(existing, &resource),
        None => resources[id] = resource,
    }
}

/// `Object.assign`: a new resource replaces any old one with the same id.
pub(super) fn assign_resource(template: &mut Value, id: &str, resource: Value) {
    template["Resources"][id] = resource;
}

/// JS `s.replace(/\\n|\\r/g, '')` (sls-config's, where the events are read).
pub(super) use sls_config::model::events::drop_escaped_breaks;

/// MD5 as lower-case hex, only for v3's names: ALB target group names, and EventBridge rule
/// names and target ids longer than 64 characters (v3 `event-bridge/utils.js` `hashName`).
pub(super) fn md5_hex(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A rule target's `InputTransformer`.
pub(super) fn input_transformer(t: &InputTransformer) -> Value {
    let mut out = json!({"InputTemplate": t.input_template});
    if let Some(m) = &t.input_paths_map {
        out["InputPathsMap"] = m.clone();
    }
    out
}

/// `FilterCriteria` from checked `filterPatterns` (each pattern `JSON.stringify`-ed).
pub(super) fn filter_criteria(patterns: &[Value]) -> Value {
    json!({
        "Filters": patterns.iter().map(|p| json!({"Pattern": p.to_string()})).collect::<Vec<_>>()
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use sls_config::model::Service;

    #[test]
    fn md5_rfc1321_vectors() {
        assert_eq!(super::md5_hex(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(super::md5_hex(b"abc"), "900150983cd24fb0d6963f7d28e17f72");
        assert_eq!(
            super::md5_hex(
                b"12345678901234567890123456789012345678901234567890123456789012345678901234567890"
            ),
            "57edf4a22be3c955ac49da2e2107b67a"
        );
    }

    #[test]
    fn events_are_numbered_per_function_and_family() {
        let config = json!({
            "service": "svc",
            "provider": {"name": "aws"},
            "functions": {
                "a": {"handler": "h.a", "events": [{"iot": {"sql": "1"}}, {"sqs": "arn:aws:sqs:r:1:q"}, {"iot": {"sql": "2"}}]},
                "b": {"handler": "h.b", "events": [{"iot": {"sql": "3"}}]}
            }
        });
        let service = Service::from_config(&config, "dev", "us-east-1").unwrap();
        let seen: Vec<(String, usize, String)> = super::numbered_events(&service, |k| match k {
            super::EventKind::Iot(s) => Some(s),
            _ => None,
        })
        .map(|e| {
            let sql = e
                .settings
                .as_ref()
                .map(|s| s.sql.clone())
                .unwrap_or_default();
            (e.function.key.clone(), e.number, sql)
        })
        .collect();
        assert_eq!(
            seen,
            [
                ("a".into(), 1, "1".into()),
                ("a".into(), 2, "2".into()),
                ("b".into(), 1, "3".into())
            ]
        );
    }
}
