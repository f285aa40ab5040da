//! Settings that change what is deployed but that sls does not compile yet: refused at
//! package/deploy time, before anything is written, with the property path (design: "Honour or
//! refuse"). One table per level; each entry is (key, what v3 would have done with it).
//!
//! Keys not listed here are either compiled as v3 compiles them (see the other compile modules
//! and the event families) or purely local (`name`, `stage`, `region`, `profile`, ...).

use serde_json::Value;

use crate::error::{DeployError, Result};

/// Top-level keys.
const TOP_LEVEL: &[(&str, &str)] = &[];

/// `vpc.*` keys, at provider and function level.
const PROVIDER_VPC: &[(&str, &str)] = &[(
    "ipv6AllowedForDualStack",
    "v3 (3.40.0) does not compile it either",
)];

/// `functions.<name>.*` keys.
const FUNCTION: &[(&str, &str)] = &[(
    "awsKmsKeyArn",
    "v3 accepts it but sets nothing; use kmsKeyArn",
)];

/// Set as JavaScript sees it: `null`, `false`, `0` and `""` change nothing in v3 either.
fn set(v: Option<&Value>) -> bool {
    v.is_some_and(super::functions::truthy)
}

fn refuse(path: String, reason: &str) -> DeployError {
    DeployError::config(
        path.clone(),
        format!(
            "{path} is not supported yet by sls ({reason}); remove it or deploy with the Serverless Framework v3"
        ),
    )
}

fn check_table(obj: &Value, prefix: &str, table: &[(&str, &str)]) -> Result<()> {
    for (key, reason) in table {
        if set(obj.get(key)) {
            return Err(refuse(format!("{prefix}{key}"), reason));
        }
    }
    Ok(())
}

/// Refuses the first listed setting found, in the order: top level, provider, functions.
pub(super) fn check(config: &Value) -> Result<()> {
    check_table(config, "", TOP_LEVEL)?;
    if let Some(p) = config.get("provider").filter(|p| p.is_object()) {
        if let Some(v) = p.get("vpc") {
            check_table(v, "provider.vpc.", PROVIDER_VPC)?;
        }
    }
    if let Some(Value::Object(fns)) = config.get("functions") {
        for (key, f) in fns {
            check_table(f, &format!("functions.{key}."), FUNCTION)?;
            if let Some(v) = f.get("vpc") {
                check_table(v, &format!("functions.{key}.vpc."), PROVIDER_VPC)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_the_property_path() {
        let err =
            check(&json!({"provider": {"vpc": {"ipv6AllowedForDualStack": true}}})).unwrap_err();
        assert!(
            err.to_string()
                .contains("provider.vpc.ipv6AllowedForDualStack"),
            "{err}"
        );
        let err = check(&json!({"functions": {"a": {"awsKmsKeyArn": "k"}}})).unwrap_err();
        assert!(
            err.to_string().contains("functions.a.awsKmsKeyArn"),
            "{err}"
        );
        // `false` changes nothing in v3 either.
        assert!(check(&json!({"functions": {"a": {"awsKmsKeyArn": false}}})).is_ok());
    }
}
