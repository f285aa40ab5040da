//! `sns` settings: the topic (by name, created by the stack, or by ARN), the subscription's
//! filter policy and its dead-letter queue.

use serde_json::{Map, Value};

use super::check::{self, err, Result};

const FAMILY: &str = "sns";
const KEYS: &[&str] = &[
    "arn",
    "topicName",
    "displayName",
    "filterPolicy",
    "filterPolicyScope",
    "redrivePolicy",
];

/// An `sns` event: a topic name (the stack creates the topic), a topic ARN, or an object.
#[derive(Debug, Clone, PartialEq)]
pub struct Sns {
    /// An existing topic (`arn`, or the string form when it is an ARN).
    pub topic_arn: Option<Value>,
    /// The name in the logical ids (and of the created topic).
    pub topic_name: String,
    /// The ARN's region, for a string ARN in the object form.
    pub arn_region: Option<String>,
    pub display_name: Option<String>,
    pub filter_policy: Option<Value>,
    pub filter_policy_scope: Option<Value>,
    pub redrive: Option<DeadLetterTarget>,
}

/// `redrivePolicy`: the dead-letter queue of the subscription.
#[derive(Debug, Clone, PartialEq)]
pub enum DeadLetterTarget {
    /// `deadLetterTargetArn`: `arn:aws:sqs:<region>:<account>:<queue>`.
    Arn {
        arn: String,
        region: String,
        account: String,
        queue: String,
    },
    /// `deadLetterTargetRef`: the logical id of a queue in `resources`.
    Ref(String),
    /// `deadLetterTargetImport`: the export names of the queue's ARN and URL.
    Import { arn: Value, url: Value },
}

fn valid_topic_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 256
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<Sns> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let mut out = Sns {
        topic_arn: None,
        topic_name: String::new(),
        arn_region: None,
        display_name: None,
        filter_policy: None,
        filter_policy_scope: None,
        redrive: None,
    };
    match settings {
        Some(Value::String(s)) if s.starts_with("arn:") => {
            out.topic_arn = Some(Value::String(s.clone()));
            out.topic_name = s.rsplit(':').next().unwrap_or("").to_string();
        }
        Some(Value::String(s)) => {
            if !valid_topic_name(s) {
                return Err(err(
                    at(""),
                    format!("\"{s}\" is neither a topic ARN nor a topic name (letters, digits, `-` and `_`, at most 256)"),
                ));
            }
            out.topic_name = s.clone();
        }
        Some(Value::Object(o)) => {
            check::unknown_key(o, KEYS, at)?;
            let topic_name = match o.get("topicName") {
                None | Some(Value::Null) => None,
                Some(Value::String(t)) if valid_topic_name(t) => Some(t.clone()),
                Some(v) => {
                    return Err(err(
                        at("topicName"),
                        format!(
                        "must be a topic name (letters, digits, `-` and `_`, at most 256), got {v}"
                    ),
                    ))
                }
            };
            match o.get("arn") {
                Some(a) if crate::is_truthy(a) => {
                    if !check::is_arn(a) {
                        return Err(err(at("arn"), format!("{a} is not a topic ARN (`arn:aws:sns:<region>:<account>:<topic>`) or an intrinsic")));
                    }
                    let mut name = None;
                    if let Value::String(s) = a {
                        // v3 splits on single colons only (`::` stays inside a field).
                        let parts: Vec<String> = s
                            .replace("::", "@@")
                            .split(':')
                            .map(|p| p.replace("@@", "::"))
                            .collect();
                        name = parts.last().cloned();
                        out.arn_region = parts.get(3).cloned();
                    }
                    out.topic_arn = Some(a.clone());
                    out.topic_name = match topic_name.or(name).filter(|n| !n.is_empty()) {
                        Some(n) => n,
                        None => {
                            return Err(err(
                                at("topicName"),
                                "Missing \"sns.topicName\" setting (it needs to be provided if \"sns.arn\" is not provided as plain ARN string)",
                            ))
                        }
                    };
                }
                _ => match topic_name {
                    Some(n) => out.topic_name = n,
                    None => {
                        return Err(err(
                            at(""),
                            "needs `arn` (an existing topic) or `topicName` (a topic the stack creates)",
                        ))
                    }
                },
            }
            match o.get("displayName") {
                None | Some(Value::Null) => {}
                Some(Value::String(d)) if !d.is_empty() => out.display_name = Some(d.clone()),
                Some(v) => {
                    return Err(err(
                        at("displayName"),
                        format!("must be a non-empty string, got {v}"),
                    ))
                }
            }
            match o.get("filterPolicy") {
                None | Some(Value::Null) => {}
                Some(v @ Value::Object(_)) => out.filter_policy = Some(v.clone()),
                Some(v) => {
                    return Err(err(
                        at("filterPolicy"),
                        format!("must be an object, got {v}"),
                    ))
                }
            }
            match o.get("filterPolicyScope") {
                None | Some(Value::Null) => {}
                Some(v @ Value::String(_)) => out.filter_policy_scope = Some(v.clone()),
                Some(v) => {
                    return Err(err(
                        at("filterPolicyScope"),
                        format!("must be a string (`MessageAttributes` or `MessageBody`), got {v}"),
                    ))
                }
            }
            match o.get("redrivePolicy") {
                None | Some(Value::Null) => {}
                Some(Value::Object(r)) => out.redrive = Some(redrive(r, &at)?),
                Some(v) => {
                    return Err(err(
                        at("redrivePolicy"),
                        format!("must be an object, got {v}"),
                    ))
                }
            }
        }
        _ => {
            return Err(err(
                at(""),
                "must be a topic name, a topic ARN, or an object with `arn` or `topicName`",
            ))
        }
    }
    Ok(out)
}

fn redrive(r: &Map<String, Value>, at: &impl Fn(&str) -> String) -> Result<DeadLetterTarget> {
    let keys = [
        "deadLetterTargetArn",
        "deadLetterTargetRef",
        "deadLetterTargetImport",
    ];
    if let Some(k) = r.keys().find(|k| !keys.contains(&k.as_str())) {
        return Err(err(
            at(&format!("redrivePolicy.{k}")),
            "unknown property; remove it",
        ));
    }
    let given: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| r.contains_key(*k))
        .collect();
    if given.len() != 1 {
        return Err(err(
            at("redrivePolicy"),
            "needs exactly one of `deadLetterTargetArn`, `deadLetterTargetRef` or `deadLetterTargetImport`",
        ));
    }
    match given[0] {
        "deadLetterTargetArn" => match r.get("deadLetterTargetArn") {
            Some(Value::String(a)) if a.starts_with("arn:") => {
                let mut rev = a.split(':').rev().map(str::to_string);
                Ok(DeadLetterTarget::Arn {
                    arn: a.clone(),
                    queue: rev.next().unwrap_or_default(),
                    account: rev.next().unwrap_or_default(),
                    region: rev.next().unwrap_or_default(),
                })
            }
            _ => Err(err(
                at("redrivePolicy.deadLetterTargetArn"),
                "must be an SQS queue ARN (`arn:aws:sqs:<region>:<account>:<queue>`)",
            )),
        },
        "deadLetterTargetRef" => match r.get("deadLetterTargetRef") {
            Some(Value::String(id)) if !id.is_empty() => Ok(DeadLetterTarget::Ref(id.clone())),
            _ => Err(err(
                at("redrivePolicy.deadLetterTargetRef"),
                "must be the logical id of an SQS queue in `resources`",
            )),
        },
        _ => match r.get("deadLetterTargetImport") {
            Some(Value::Object(i))
                if i.get("arn").and_then(Value::as_str).is_some_and(|a| a.starts_with("arn:"))
                    && i.get("url").and_then(Value::as_str).is_some_and(|u| !u.is_empty())
                    && i.len() == 2 =>
            {
                Ok(DeadLetterTarget::Import {
                    arn: i["arn"].clone(),
                    url: i["url"].clone(),
                })
            }
            _ => Err(err(
                at("redrivePolicy.deadLetterTargetImport"),
                "must be `{arn: <export name of the queue ARN>, url: <export name of the queue URL>}`",
            )),
        },
    }
}
