//! `iot` settings: the topic rule's SQL and options.

use serde_json::{Map, Value};

use super::check::{self, err, Result};

const FAMILY: &str = "iot";

/// An `iot` event. Strings have their line breaks removed, as v3 does.
#[derive(Debug, Clone, PartialEq)]
pub struct Iot {
    pub sql: String,
    /// `2015-10-08`, `2016-03-23` or `beta`.
    pub sql_version: Option<String>,
    pub name: Option<String>,
    pub description: Option<String>,
    /// `enabled: false`.
    pub disabled: bool,
}

fn one_line(s: &str) -> String {
    s.replace("\r\n", "").replace('\n', "")
}

fn opt_str(
    o: &Map<String, Value>,
    key: &str,
    at: &impl Fn(&str) -> String,
) -> Result<Option<String>> {
    match o.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(one_line(s))),
        Some(v) => Err(err(at(key), format!("must be a string, got {v}"))),
    }
}

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<Iot> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(at(""), "must be an object with `sql`"));
    };
    check::unknown_key(
        o,
        &["sql", "sqlVersion", "name", "enabled", "description"],
        at,
    )?;
    let sql = match o.get("sql") {
        Some(Value::String(s)) => one_line(s),
        _ => return Err(err(at("sql"), "is required: the rule's SQL statement")),
    };
    let sql_version = opt_str(o, "sqlVersion", &at)?;
    if let Some(v) = &sql_version {
        if !matches!(v.as_str(), "2015-10-08" | "2016-03-23" | "beta") {
            return Err(err(
                at("sqlVersion"),
                format!("must be 2015-10-08, 2016-03-23 or beta, got \"{v}\""),
            ));
        }
    }
    let disabled = check::bool_at(o, "enabled", at)? == Some(false);
    let name = opt_str(o, "name", &at)?;
    let description = opt_str(o, "description", &at)?;
    Ok(Iot {
        sql,
        sql_version,
        name,
        description,
        disabled,
    })
}
