//! `cognitoUserPool` settings: the pool, the trigger and, for custom sender triggers, the KMS
//! key.

use serde_json::Value;

use super::check::{self, err, Result};

const FAMILY: &str = "cognitoUserPool";
const CUSTOM_SENDERS: &[&str] = &["CustomSMSSender", "CustomEmailSender"];
const TRIGGERS: &[&str] = &[
    "PreSignUp",
    "PostConfirmation",
    "PreAuthentication",
    "PostAuthentication",
    "PreTokenGeneration",
    "CustomMessage",
    "DefineAuthChallenge",
    "CreateAuthChallenge",
    "VerifyAuthChallengeResponse",
    "UserMigration",
    "CustomSMSSender",
    "CustomEmailSender",
];

/// A `cognitoUserPool` event: a trigger of a pool.
#[derive(Debug, Clone, PartialEq)]
pub struct CognitoUserPool {
    /// The pool's name.
    pub pool: String,
    /// One of v3's triggers (`PreSignUp`, `CustomSMSSender`, ...).
    pub trigger: String,
    /// The KMS key of a custom sender trigger (an ARN or an intrinsic).
    pub kms_key_id: Option<Value>,
    pub lambda_version: Option<Value>,
    /// `existing: true`: the pool is not the stack's.
    pub existing: bool,
    pub force_deploy: bool,
}

impl CognitoUserPool {
    /// `CustomSMSSender` or `CustomEmailSender`.
    pub fn is_custom_sender(&self) -> bool {
        CUSTOM_SENDERS.contains(&self.trigger.as_str())
    }
}

pub(super) fn parse(
    function: &str,
    index: usize,
    settings: Option<&Value>,
) -> Result<CognitoUserPool> {
    let at = |p: &str| check::path(function, index, FAMILY, p);
    let Some(Value::Object(o)) = settings else {
        return Err(err(at(""), "must be an object with `pool` and `trigger`"));
    };
    check::unknown_key(
        o,
        &[
            "pool",
            "trigger",
            "existing",
            "forceDeploy",
            "kmsKeyId",
            "lambdaVersion",
        ],
        at,
    )?;
    check::bool_at(o, "existing", at)?;
    check::bool_at(o, "forceDeploy", at)?;
    let pool = match o.get("pool") {
        Some(Value::String(p))
            if !p.is_empty()
                && p.chars().count() <= 128
                && p.chars().all(|c| {
                    c.is_alphanumeric() || c == '_' || c.is_whitespace() || "+=,.@-".contains(c)
                }) =>
        {
            p.clone()
        }
        Some(v) => {
            return Err(err(
                at("pool"),
                format!(
                "must be a pool name (letters, digits, spaces and `_+=,.@-`, at most 128), got {v}"
            ),
            ))
        }
        None => {
            return Err(err(
                at("pool"),
                "is required: the name of the pool the stack creates",
            ))
        }
    };
    let trigger = match o.get("trigger") {
        Some(Value::String(t)) if TRIGGERS.contains(&t.as_str()) => t.clone(),
        v => {
            return Err(err(
                at("trigger"),
                format!(
                    "must be one of {}, got {}",
                    TRIGGERS.join(", "),
                    v.unwrap_or(&Value::Null)
                ),
            ))
        }
    };
    let kms_key_id = o.get("kmsKeyId").filter(|v| !v.is_null()).cloned();
    if let Some(k) = &kms_key_id {
        let ok = match k {
            Value::String(s) => s.starts_with("arn:aws") && s.contains(":kms"),
            other => check::is_arn(other),
        };
        if !ok {
            return Err(err(
                at("kmsKeyId"),
                format!("must be a KMS key ARN or an intrinsic, got {k}"),
            ));
        }
    }
    if CUSTOM_SENDERS.contains(&trigger.as_str()) && kms_key_id.is_none() {
        return Err(err(
            at("kmsKeyId"),
            format!("KMS Key must be set when using a Custom Sender Source Trigger (CustomSMSSender and/or CustomEmailSender). Affected Cognito User Pool: \"{pool}\""),
        ));
    }
    Ok(CognitoUserPool {
        pool,
        trigger,
        kms_key_id,
        lambda_version: o.get("lambdaVersion").filter(|v| !v.is_null()).cloned(),
        existing: o.get("existing").is_some_and(crate::is_truthy),
        force_deploy: o.get("forceDeploy").is_some_and(crate::is_truthy),
    })
}
