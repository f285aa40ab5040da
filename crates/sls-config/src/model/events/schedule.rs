//! `schedule` settings: the rate expressions, the target's input and the method (an
//! EventBridge rule or an EventBridge Scheduler schedule).

use serde_json::{Map, Value};

use super::check::{self, err, v3_quoted, Result};
use super::InputTransformer;

const FAMILY: &str = "schedule";

/// A `schedule` event: `- schedule: <expression>` or an object with `rate` and options.
/// With `method: eventBus` (the default) `description`, `input` and `inputPath` hold the text
/// v3's rule template gives back (quotes in `input` escaped).
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// Schedule expressions (`rate(...)`, `cron(...)`) or intrinsics.
    pub rates: Vec<Value>,
    pub enabled: bool,
    pub name: Option<String>,
    pub description: Option<String>,
    /// `input` as JSON text (an object is stringified, its `body` parsed first).
    pub input: Option<String>,
    pub input_path: Option<String>,
    pub input_transformer: Option<InputTransformer>,
    /// `method: scheduler` (an `AWS::Scheduler::Schedule`), else an EventBridge rule.
    pub scheduler: bool,
    pub timezone: Option<String>,
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

/// `input`: a string, or an object as JSON text (its `body` parsed first).
fn input(o: &Map<String, Value>, at: &impl Fn(&str) -> String) -> Result<Option<String>> {
    let input = match o.get("input") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(Value::Object(i)) => {
            let mut i = i.clone();
            if let Some(Value::String(body)) = i.get("body") {
                let parsed: Value = serde_json::from_str(body)
                    .map_err(|e| err(at("input.body"), format!("must be JSON text: {e}")))?;
                i.insert("body".into(), parsed);
            }
            Some(Value::Object(i).to_string())
        }
        Some(v) => {
            return Err(err(
                at("input"),
                format!("must be a string or an object, got {v}"),
            ))
        }
    };
    Ok(input)
}

/// `inputTransformer`: `{inputTemplate, inputPathsMap}`.
fn input_transformer(
    o: &Map<String, Value>,
    at: &impl Fn(&str) -> String,
) -> Result<Option<InputTransformer>> {
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
            Some(InputTransformer {
                input_template: template,
                input_paths_map: t
                    .get("inputPathsMap")
                    .filter(|m| crate::is_truthy(m))
                    .cloned(),
            })
        }
        Some(v) => {
            return Err(err(
                at("inputTransformer"),
                format!("must be an object with `inputTemplate`, got {v}"),
            ))
        }
    };
    Ok(input_transformer)
}

const EXPRESSION_HINT: &str = "use `rate(<n> minute|minutes|hour|hours|day|days)` (`rate(1 hour)`, `rate(5 minutes)`) or `cron(<6 fields>)` (`cron(0 12 * * ? *)`)";

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

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<Schedule> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
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
                    Value::Object(_) if check::is_arn(r) => {}
                    _ => {
                        return Err(err(
                            format!("{}[{i}]", at("rate")),
                            format!("{r} is not a valid schedule expression; {EXPRESSION_HINT}"),
                        ))
                    }
                }
            }
            let enabled = check::bool_at(o, "enabled", at)? != Some(false);
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
            let input = input(o, &at)?;
            let input_path = str_prop(o, "inputPath", 256, &at)?;
            let input_transformer = input_transformer(o, &at)?;
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
                if let Some(i) = &s.input {
                    let escaped = i.replace('"', "\\\"");
                    s.input = Some(v3_quoted(&escaped, at("input"))?);
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
