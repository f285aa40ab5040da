//! `cloudwatchLog` settings: the log group and the subscription filter's pattern.

use serde_json::Value;

use super::check::{self, err, Result};

const FAMILY: &str = "cloudwatchLog";

/// A `cloudwatchLog` event: `- cloudwatchLog: <group>` or `{logGroup, filter}`.
#[derive(Debug, Clone, PartialEq)]
pub struct CloudwatchLog {
    pub log_group: String,
    /// The filter pattern as v3 deploys it (line breaks removed, quotes unescaped once).
    pub filter: String,
}

fn valid_log_group(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '#' | '-' | '_' | '.'))
}

fn strip_newlines(s: &str) -> String {
    s.replace("\r\n", "").replace('\n', "")
}

pub(super) fn parse(
    function: &str,
    index: usize,
    settings: Option<&Value>,
) -> Result<CloudwatchLog> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let (group, group_at, filter) = match settings {
        Some(Value::String(g)) => (g.clone(), at(""), String::new()),
        Some(Value::Object(o)) => {
            check::unknown_key(o, &["logGroup", "filter"], at)?;
            let group = match o.get("logGroup") {
                Some(Value::String(g)) => g.clone(),
                _ => return Err(err(at("logGroup"), "is required: the log group's name")),
            };
            let filter = match o.get("filter") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => strip_newlines(s),
                Some(v) => return Err(err(at("filter"), format!("must be a string, got {v}"))),
            };
            (group, at("logGroup"), filter)
        }
        _ => {
            return Err(err(
                at(""),
                "must be a log group name or an object with `logGroup`",
            ))
        }
    };
    let log_group = strip_newlines(&group);
    if !valid_log_group(&log_group) {
        return Err(err(
            group_at,
            format!("\"{log_group}\" is not a log group name (letters, digits and `/#-_.`)"),
        ));
    }
    Ok(CloudwatchLog {
        log_group,
        filter: unescape_quotes(filter),
    })
}

/// v3 unescapes quotes once when the first quote is preceded by a backslash.
fn unescape_quotes(filter: String) -> String {
    let (Some(slash), Some(quote)) = (filter.find('\\'), filter.find('"')) else {
        return filter;
    };
    if quote <= slash {
        return filter;
    }
    let mut out = String::new();
    let mut chars = filter.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' && matches!(chars.peek(), Some('"') | Some('\\') | Some('\'')) {
            out.push(chars.next().unwrap_or_default());
        } else {
            out.push(c);
        }
    }
    out
}
