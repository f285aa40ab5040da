//! What the parsers of several families share: the property path of an event's setting and the
//! checks of settings several families take, with the messages the compiler has always given.

use serde_json::{Map, Value};

use crate::model::ModelError;

pub(super) type Result<T> = std::result::Result<T, ModelError>;

/// `functions.<key>.events[<index>].<family>` (and `.<prop>` when given).
pub(super) fn path(function: &str, index: usize, family: &str, prop: &str) -> String {
    let base = format!("functions.{function}.events[{index}].{family}");
    if prop.is_empty() {
        base
    } else {
        format!("{base}.{prop}")
    }
}

pub(super) fn err(path: impl Into<String>, message: impl Into<String>) -> ModelError {
    ModelError::new(path, message)
}

/// The first property of `o` not in `known`, as an error naming it.
pub(super) fn unknown_key(
    o: &Map<String, Value>,
    known: &[&str],
    at: impl Fn(&str) -> String,
) -> Result<()> {
    match o.keys().find(|k| !known.contains(&k.as_str())) {
        Some(k) => Err(err(at(k), "unknown property; remove it")),
        None => Ok(()),
    }
}

/// A string as v3 places it between quotes in its JSON template text: the result is what
/// `JSON.parse` gives back, and text that would break that parse is refused.
pub(super) fn v3_quoted(s: &str, at: String) -> Result<String> {
    serde_json::from_str::<String>(&format!("\"{s}\"")).map_err(|_| {
        err(
            at,
            "contains characters v3 cannot place in its rule template (a backslash, a line break or a control character); remove them",
        )
    })
}

/// JS `s.replace(/\\n|\\r/g, '')`: drops a backslash followed by `n` or `r`.
pub fn drop_escaped_breaks(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && matches!(chars.peek(), Some('n') | Some('r')) {
            chars.next();
            continue;
        }
        out.push(c);
    }
    out
}

/// An integer property within `[min, max]`, naming its path when it is not.
pub(super) fn int_in(
    o: &Map<String, Value>,
    key: &str,
    min: i64,
    max: i64,
    at: impl Fn(&str) -> String,
) -> Result<Option<i64>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(err(
                at(key),
                format!("must be a whole number from {min} to {max}, got {v}"),
            )),
        },
    }
}

pub(super) fn bool_at(
    o: &Map<String, Value>,
    key: &str,
    at: impl Fn(&str) -> String,
) -> Result<Option<bool>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(v) => Err(err(at(key), format!("must be true or false, got {v}"))),
    }
}

/// An ARN: a string starting with `arn:` or a CloudFormation intrinsic (v3 `awsArn`).
pub(super) fn is_arn(v: &Value) -> bool {
    match v {
        Value::String(s) => s.starts_with("arn:"),
        Value::Object(o) => {
            o.len() == 1
                && o.keys().all(|k| {
                    matches!(
                        k.as_str(),
                        "Fn::ImportValue"
                            | "Fn::Join"
                            | "Fn::GetAtt"
                            | "Ref"
                            | "Fn::Sub"
                            | "Fn::Base64"
                            | "Fn::ToJsonString"
                    )
                })
        }
        _ => false,
    }
}

/// `startingPosition` of a stream, `kafka` or `msk` event: `LATEST`, `TRIM_HORIZON` (the
/// default) or `AT_TIMESTAMP`.
pub(super) fn starting_position(
    value: Option<&Value>,
    at: impl Fn(&str) -> String,
) -> Result<String> {
    match value {
        None | Some(Value::Null) => Ok("TRIM_HORIZON".to_string()),
        Some(Value::String(s))
            if matches!(s.as_str(), "LATEST" | "TRIM_HORIZON" | "AT_TIMESTAMP") =>
        {
            Ok(s.clone())
        }
        Some(v) => Err(err(
            at("startingPosition"),
            format!("must be LATEST, TRIM_HORIZON or AT_TIMESTAMP, got {v}"),
        )),
    }
}

/// `startingPosition: AT_TIMESTAMP` without `startingPositionTimestamp` (v3's message).
pub(super) fn timestamp_required(function: &str, at: impl Fn(&str) -> String) -> ModelError {
    err(
        at("startingPositionTimestamp"),
        format!("You must specify startingPositionTimestamp for function: {function} when startingPosition is AT_TIMESTAMP"),
    )
}

/// `consumerGroupId` of a `kafka`/`msk` event as v3 validates it: an empty value means none,
/// else a string of at most 200 characters.
pub(super) fn consumer_group(
    value: Option<&Value>,
    at: impl Fn(&str) -> String,
) -> Result<Option<String>> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(g)) if g.is_empty() => Ok(None),
        Some(Value::String(g)) if g.len() <= 200 => Ok(Some(g.clone())),
        Some(v) => Err(err(
            at("consumerGroupId"),
            format!("must be a string of at most 200 characters, got {v}"),
        )),
    }
}

/// `filterPatterns`: 1 to 10 filter objects.
pub(super) fn filter_patterns(
    patterns: Option<&Value>,
    at: impl Fn(&str) -> String,
) -> Result<Option<Vec<Value>>> {
    match patterns {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(a))
            if !a.is_empty() && a.len() <= 10 && a.iter().all(Value::is_object) =>
        {
            Ok(Some(a.clone()))
        }
        _ => Err(err(
            at("filterPatterns"),
            "must be a list of 1 to 10 filter objects",
        )),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn starting_position_defaults_and_names_its_path() {
        let at = |p: &str| format!("functions.f.events[0].kafka.{p}");
        assert_eq!(super::starting_position(None, at).unwrap(), "TRIM_HORIZON");
        assert_eq!(
            super::starting_position(Some(&json!("LATEST")), at).unwrap(),
            "LATEST"
        );
        let e = super::starting_position(Some(&json!("EARLIEST")), at).unwrap_err();
        assert_eq!(e.path, "functions.f.events[0].kafka.startingPosition");
    }
}
