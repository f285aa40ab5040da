//! `s3` settings: the bucket (one the stack creates, or an existing one), the event type and
//! the key rules.

use serde_json::Value;

use super::check::{self, err, Result};

const FAMILY: &str = "s3";

/// An `s3` event: `- s3: <bucket>` or `{bucket, event, rules, existing, forceDeploy}`.
#[derive(Debug, Clone, PartialEq)]
pub struct S3 {
    /// The bucket's name (empty for an intrinsic on an existing bucket).
    pub bucket: String,
    /// `s3:ObjectCreated:*` unless set.
    pub event: String,
    /// `rules`, when written (a list, possibly empty).
    pub rules: Option<Vec<KeyRule>>,
    /// `existing: true`: the bucket is not the stack's.
    pub existing: Option<ExistingBucket>,
}

/// One `rules` entry: `prefix: <text>` or `suffix: <text>`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyRule {
    /// `true` for `prefix`, `false` for `suffix`.
    pub prefix: bool,
    pub value: Value,
}

/// An event on an existing bucket, as v3's custom resource takes it.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingBucket {
    /// A name or an intrinsic.
    pub bucket: Value,
    pub force_deploy: bool,
}

fn key_rule(rule: &Value, rule_at: String) -> Result<KeyRule> {
    match rule.as_object().map(|r| r.iter().collect::<Vec<_>>()) {
        Some(entries)
            if entries.len() == 1 && matches!(entries[0].0.as_str(), "prefix" | "suffix") =>
        {
            Ok(KeyRule {
                prefix: entries[0].0 == "prefix",
                value: entries[0].1.clone(),
            })
        }
        _ => Err(err(
            rule_at,
            "must be `prefix: <text>` or `suffix: <text>` (one per rule)",
        )),
    }
}

pub(super) fn parse(function: &str, index: usize, settings: Option<&Value>) -> Result<S3> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    match settings {
        Some(Value::String(b)) => Ok(S3 {
            bucket: b.clone(),
            event: "s3:ObjectCreated:*".into(),
            rules: None,
            existing: None,
        }),
        Some(Value::Object(o)) => {
            check::unknown_key(
                o,
                &["bucket", "event", "existing", "forceDeploy", "rules"],
                at,
            )?;
            let existing = o.get("existing").is_some_and(crate::is_truthy);
            check::bool_at(o, "existing", at)?;
            check::bool_at(o, "forceDeploy", at)?;
            let bucket = match o.get("bucket") {
                Some(Value::String(b)) => b.clone(),
                Some(Value::Object(_)) if existing => String::new(),
                Some(Value::Object(_)) => {
                    return Err(err(
                        at("bucket"),
                        "When specifying \"s3.bucket\" with CloudFormation intrinsic function, you need to specify that the bucket is existing via \"existing: true\" property",
                    ))
                }
                _ => return Err(err(at("bucket"), "is required: the name of the bucket the stack creates")),
            };
            let event = match o.get("event") {
                None | Some(Value::Null) => "s3:ObjectCreated:*".to_string(),
                Some(Value::String(e)) if e.starts_with("s3:") && e.len() > 3 => e.clone(),
                Some(v) => {
                    return Err(err(
                        at("event"),
                        format!("must be an S3 event type such as `s3:ObjectCreated:*`, got {v}"),
                    ))
                }
            };
            let rules = match o.get("rules") {
                None | Some(Value::Null) => None,
                Some(Value::Array(rules)) => Some(
                    rules
                        .iter()
                        .enumerate()
                        .map(|(i, rule)| key_rule(rule, format!("{}[{i}]", at("rules"))))
                        .collect::<Result<Vec<_>>>()?,
                ),
                Some(v) => {
                    return Err(err(
                        at("rules"),
                        format!("must be a list of `prefix`/`suffix` rules, got {v}"),
                    ))
                }
            };
            let existing = existing.then(|| ExistingBucket {
                bucket: o.get("bucket").cloned().unwrap_or_default(),
                force_deploy: o.get("forceDeploy").is_some_and(crate::is_truthy),
            });
            Ok(S3 {
                bucket,
                event,
                rules,
                existing,
            })
        }
        _ => Err(err(
            at(""),
            "must be a bucket name or an object with `bucket`",
        )),
    }
}
