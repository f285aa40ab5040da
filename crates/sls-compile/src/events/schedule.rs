//! `schedule` events (v3 `compile/events/schedule.js`): an `AWS::Events::Rule` per rate with a
//! `AWS::Lambda::Permission` (`method: eventBus`, the default), or an `AWS::Scheduler::Schedule`
//! (`method: scheduler`) that invokes the function with its execution role; for the latter v3
//! lets `scheduler.amazonaws.com` assume the generated role and allows it to invoke the function.

use serde_json::{json, Value};

use super::common::{self, err, path};
use crate::error::Result;
use crate::naming;
use sls_config::model::{EventKind, Function, Service};

const FAMILY: &str = "schedule";

/// The settings of a `schedule` event written as an object key.
fn settings_of(kind: &EventKind) -> Option<&Value> {
    match kind {
        EventKind::Schedule(Some(s)) => Some(s),
        _ => None,
    }
}

#[derive(Debug)]
pub(super) struct Schedule {
    rates: Vec<Value>,
    enabled: bool,
    name: Option<String>,
    description: Option<String>,
    input: Option<Value>,
    input_path: Option<String>,
    input_transformer: Option<Value>,
    scheduler: bool,
    timezone: Option<String>,
}

/// v3's `rateSyntax|cronSyntax`.
fn valid_expression(s: &str) -> bool {
    if let Some(inner) = s.strip_prefix("rate(").and_then(|r| r.strip_suffix(')')) {
        let Some((n, unit)) = inner.split_once(' ') else {
            return false;
        };
        if !n.chars().all(|c| c.is_ascii_digit()) || n.is_empty() {
            return false;
        }
        if n == "1" {
            return matches!(unit, "minute" | "hour" | "day");
        }
        // `1\d+` or `[2-9]\d*`
        let ok_number =
            n.len() > 1 && n.starts_with('1') || n.starts_with(|c: char| ('2'..='9').contains(&c));
        return ok_number && matches!(unit, "minutes" | "hours" | "days");
    }
    if let Some(inner) = s.strip_prefix("cron(").and_then(|r| r.strip_suffix(')')) {
        let parts: Vec<&str> = inner.split(' ').collect();
        return parts.len() == 6
            && parts
                .iter()
                .all(|p| !p.is_empty() && !p.contains(char::is_whitespace));
    }
    false
}

const EXPRESSION_HINT: &str = "use `rate(<n> minute|minutes|hour|hours|day|days)` (`rate(1 hour)`, `rate(5 minutes)`) or `cron(<6 fields>)` (`cron(0 12 * * ? *)`)";

/// A string as v3 places it between quotes in its JSON template text: the result is what
/// `JSON.parse` gives back, and text that would break that parse is refused.
fn v3_quoted(s: &str, at: String) -> Result<String> {
    serde_json::from_str::<String>(&format!("\"{s}\"")).map_err(|_| {
        err(
            at,
            "contains characters v3 cannot place in its rule template (a backslash, a line break or a control character); remove them",
        )
    })
}

fn str_prop(
    o: &serde_json::Map<String, Value>,
    key: &str,
    max: usize,
    at: &impl Fn(&str) -> String,
) -> Result<Option<String>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= max => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(err(at(key), format!("must be at most {max} characters"))),
        Some(v) => Err(err(at(key), format!("must be a string, got {v}"))),
    }
}

pub(super) fn parse(f: &Function, index: usize, settings: Option<&Value>) -> Result<Schedule> {
    let at = |p: &str| path(f, index, FAMILY, p);
    let settings = settings.unwrap_or(&Value::Null);
    match settings {
        Value::String(s) => {
            if !valid_expression(s) {
                return Err(err(
                    at(""),
                    format!("\"{s}\" is not a valid schedule expression; {EXPRESSION_HINT}"),
                ));
            }
            Ok(Schedule {
                rates: vec![Value::String(s.clone())],
                enabled: true,
                name: None,
                description: None,
                input: None,
                input_path: None,
                input_transformer: None,
                scheduler: false,
                timezone: None,
            })
        }
        Value::Object(o) => {
            for k in o.keys() {
                if !matches!(
                    k.as_str(),
                    "rate"
                        | "enabled"
                        | "name"
                        | "description"
                        | "input"
                        | "inputPath"
                        | "inputTransformer"
                        | "method"
                        | "timezone"
                ) {
                    return Err(err(at(k), "unknown property; remove it"));
                }
            }
            let rates = match o.get("rate") {
                Some(Value::String(s)) => vec![Value::String(s.clone())],
                Some(Value::Array(a)) if !a.is_empty() => a.clone(),
                None | Some(Value::Null) => {
                    return Err(err(at("rate"), format!("is required; {EXPRESSION_HINT}")))
                }
                Some(v) => {
                    return Err(err(
                        at("rate"),
                        format!("must be a schedule expression or a list of them, got {v}"),
                    ))
                }
            };
            for (i, r) in rates.iter().enumerate() {
                match r {
                    Value::String(s) if valid_expression(s) => {}
                    Value::Object(_) if common::is_arn(r) => {}
                    _ => {
                        return Err(err(
                            format!("{}[{i}]", at("rate")),
                            format!("{r} is not a valid schedule expression; {EXPRESSION_HINT}"),
                        ))
                    }
                }
            }
            let enabled = common::bool_at(o, "enabled", at)? != Some(false);
            let name = str_prop(o, "name", 64, &at)?;
            if let Some(n) = &name {
                if n.is_empty()
                    || !n
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
                {
                    return Err(err(
                        at("name"),
                        "must be 1 to 64 characters of letters, digits, `.`, `-` and `_`",
                    ));
                }
            }
            let description = str_prop(o, "description", 512, &at)?;
            let scheduler = match o.get("method") {
                None | Some(Value::Null) => false,
                Some(Value::String(m)) if m == "eventBus" => false,
                Some(Value::String(m)) if m == "scheduler" => true,
                Some(v) => {
                    return Err(err(
                        at("method"),
                        format!("must be `eventBus` or `scheduler`, got {v}"),
                    ))
                }
            };
            if rates.len() > 1 && name.is_some() {
                return Err(err(
                    at("name"),
                    "You cannot specify a name when defining more than one rate expression; remove `name` or keep one rate",
                ));
            }
            let input = match o.get("input") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) => Some(Value::String(s.clone())),
                Some(Value::Object(i)) => {
                    let mut i = i.clone();
                    if let Some(Value::String(body)) = i.get("body") {
                        let parsed: Value = serde_json::from_str(body).map_err(|e| {
                            err(at("input.body"), format!("must be JSON text: {e}"))
                        })?;
                        i.insert("body".into(), parsed);
                    }
                    Some(Value::String(Value::Object(i).to_string()))
                }
                Some(v) => {
                    return Err(err(
                        at("input"),
                        format!("must be a string or an object, got {v}"),
                    ))
                }
            };
            let input_path = str_prop(o, "inputPath", 256, &at)?;
            let input_transformer = match o.get("inputTransformer") {
                None | Some(Value::Null) => None,
                Some(Value::Object(t)) => {
                    let template = match t.get("inputTemplate") {
                        Some(Value::String(s)) if !s.is_empty() => s.clone(),
                        _ => {
                            return Err(err(
                                at("inputTransformer.inputTemplate"),
                                "is required (a non-empty string)",
                            ))
                        }
                    };
                    if let Some(k) = t
                        .keys()
                        .find(|k| *k != "inputTemplate" && *k != "inputPathsMap")
                    {
                        return Err(err(
                            at(&format!("inputTransformer.{k}")),
                            "unknown property; remove it",
                        ));
                    }
                    let mut out = json!({"InputTemplate": template});
                    if let Some(m) = t.get("inputPathsMap").filter(|m| common::js_truthy(m)) {
                        out["InputPathsMap"] = m.clone();
                    }
                    Some(out)
                }
                Some(v) => {
                    return Err(err(
                        at("inputTransformer"),
                        format!("must be an object with `inputTemplate`, got {v}"),
                    ))
                }
            };
            let timezone = str_prop(o, "timezone", usize::MAX, &at)?;
            if scheduler && input_transformer.is_some() {
                return Err(err(at("inputTransformer"), "Cannot setup \"schedule\" event: \"inputTransformer\" is not supported with \"scheduler\" mode"));
            }
            if scheduler && input_path.is_some() {
                return Err(err(at("inputPath"), "Cannot setup \"schedule\" event: \"inputPath\" is not supported with \"scheduler\" mode"));
            }
            if !scheduler && timezone.is_some() {
                return Err(err(at("timezone"), "Cannot setup \"schedule\" event: \"timezone\" is only supported with \"scheduler\" mode; add `method: scheduler`"));
            }
            let mut s = Schedule {
                rates,
                enabled,
                name,
                description,
                input,
                input_path,
                input_transformer,
                scheduler,
                timezone,
            };
            if !s.scheduler {
                // v3 builds the rule as JSON text: it escapes quotes in `input` and places
                // strings between quotes as they are.
                if let Some(Value::String(i)) = &s.input {
                    let escaped = i.replace('"', "\\\"");
                    s.input = Some(Value::String(v3_quoted(&escaped, at("input"))?));
                }
                if let Some(d) = &s.description {
                    s.description = Some(v3_quoted(d, at("description"))?);
                }
                if let Some(p) = &s.input_path {
                    s.input_path = Some(v3_quoted(p, at("inputPath"))?);
                }
            }
            Ok(s)
        }
        other => Err(err(
            at(""),
            format!("must be a schedule expression or an object with `rate`, got {other}"),
        )),
    }
}

pub(super) fn compile_all(service: &Service, template: &mut Value) -> Result<()> {
    let mut scheduler_resources = Vec::new();
    let mut has_scheduler = false;
    for f in &service.functions {
        let mut number = 0;
        let mut function_has_scheduler = false;
        for (index, settings) in common::events_of(f, settings_of) {
            let s = parse(f, index, Some(settings))?;
            let target = common::lambda_target(f);
            let role_arn = template["Resources"][naming::lambda_logical_id(&f.key)]["Properties"]
                ["Role"]
                .clone();
            for rate in &s.rates {
                number += 1;
                if s.scheduler {
                    has_scheduler = true;
                    function_has_scheduler = true;
                    let mut target_obj = json!({"Arn": target});
                    if !role_arn.is_null() {
                        target_obj["RoleArn"] = role_arn.clone();
                    }
                    if let Some(i) = &s.input {
                        target_obj["Input"] = i.clone();
                    }
                    let mut props = json!({
                        "ScheduleExpression": rate,
                        "State": if s.enabled { "ENABLED" } else { "DISABLED" },
                        "Target": target_obj,
                        "FlexibleTimeWindow": {"Mode": "OFF"},
                    });
                    if let Some(n) = &s.name {
                        props["Name"] = json!(n);
                    }
                    if let Some(d) = &s.description {
                        props["Description"] = json!(d);
                    }
                    if let Some(t) = &s.timezone {
                        props["ScheduleExpressionTimezone"] = json!(t);
                    }
                    common::assign_resource(
                        template,
                        &naming::scheduler_schedule_logical_id(&f.key, number),
                        common::alias_dep(
                            f,
                            json!({"Type": "AWS::Scheduler::Schedule", "Properties": props}),
                        ),
                    );
                } else {
                    let rule_id = naming::schedule_logical_id(&f.key, number);
                    let expression = match rate {
                        Value::String(r) => {
                            Value::String(v3_quoted(r, path(f, index, FAMILY, "rate"))?)
                        }
                        other => other.clone(),
                    };
                    let mut props = json!({
                        "ScheduleExpression": expression,
                        "State": if s.enabled { "ENABLED" } else { "DISABLED" },
                    });
                    if let Some(n) = &s.name {
                        props["Name"] = json!(n);
                    }
                    if let Some(d) = s.description.as_ref().filter(|d| !d.is_empty()) {
                        props["Description"] = json!(d);
                    }
                    let mut t = serde_json::Map::new();
                    if let Some(i) = s.input.as_ref().filter(|i| common::js_truthy(i)) {
                        t.insert("Input".into(), i.clone());
                    }
                    if let Some(p) = s.input_path.as_ref().filter(|p| !p.is_empty()) {
                        t.insert("InputPath".into(), json!(p));
                    }
                    if let Some(x) = &s.input_transformer {
                        t.insert("InputTransformer".into(), x.clone());
                    }
                    t.insert("Arn".into(), target.clone());
                    t.insert("Id".into(), json!(naming::schedule_id(&f.key)));
                    props["Targets"] = json!([t]);
                    common::assign_resource(
                        template,
                        &rule_id,
                        common::alias_dep(
                            f,
                            json!({"Type": "AWS::Events::Rule", "Properties": props}),
                        ),
                    );
                    common::assign_resource(
                        template,
                        &naming::lambda_schedule_permission_logical_id(&f.key, number),
                        common::alias_dep(
                            f,
                            common::invoke_permission(
                                target.clone(),
                                "events.amazonaws.com",
                                json!({"Fn::GetAtt": [rule_id, "Arn"]}),
                            ),
                        ),
                    );
                }
            }
        }
        if function_has_scheduler {
            let arn = format!(
                "arn:${{AWS::Partition}}:lambda:${{AWS::Region}}:${{AWS::AccountId}}:function:{}",
                f.name
            );
            scheduler_resources.push(json!({"Fn::Sub": arn}));
            scheduler_resources.push(json!({"Fn::Sub": format!("{arn}:*")}));
        }
    }
    // v3 only logs that a user-provided role needs the EventBridge Scheduler permissions.
    if has_scheduler && template["Resources"].get(naming::ROLE_LOGICAL_ID).is_some() {
        let role = &mut template["Resources"][naming::ROLE_LOGICAL_ID];
        if let Some(statements) =
            role["Properties"]["AssumeRolePolicyDocument"]["Statement"].as_array_mut()
        {
            if let Some(services) = statements.iter_mut().find_map(|st| {
                let list = st
                    .get_mut("Principal")?
                    .get_mut("Service")?
                    .as_array_mut()?;
                list.iter()
                    .any(|s| s == "lambda.amazonaws.com")
                    .then_some(list)
            }) {
                services.push(json!("scheduler.amazonaws.com"));
            }
        }
        if let Some(st) = common::role_statements(template) {
            st.push(common::statement(
                &["lambda:InvokeFunction"],
                scheduler_resources,
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::valid_expression;

    #[test]
    fn expressions_as_v3_accepts_them() {
        for ok in [
            "rate(1 minute)",
            "rate(10 minutes)",
            "rate(2 days)",
            "rate(1 hour)",
            "cron(0 12 * * ? *)",
        ] {
            assert!(valid_expression(ok), "{ok}");
        }
        for bad in [
            "rate(1 minutes)",
            "rate(0 minutes)",
            "rate(5 minute)",
            "rate(5 weeks)",
            "rate(five minutes)",
            "cron(0 12 * * ?)",
            "every 5 minutes",
        ] {
            assert!(!valid_expression(bad), "{bad}");
        }
    }
}
