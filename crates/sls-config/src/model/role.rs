//! The settings of the execution role v3 generates (`IamRoleLambdaExecution`): `iam.role` as an
//! object, else the older provider keys.

use serde_json::{Map, Value};

/// What the generated role is made of, each with v3's fallback already applied.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ExecutionRole {
    /// `iam.role.path` (default `/`).
    pub path: Option<Value>,
    /// `iam.role.name` (default `<service>-<stage>-<region>-lambdaRole`).
    pub name: Option<Value>,
    /// `iam.role.tags`, when an object.
    pub tags: Option<Map<String, Value>>,
    /// `iam.role.permissionsBoundary` (or `permissionBoundary`), else
    /// `provider.rolePermissionsBoundary`.
    pub permissions_boundary: Option<Value>,
    /// `iam.role.statements`, else `provider.iamRoleStatements`.
    pub statements: Option<Vec<Value>>,
    /// `iam.role.managedPolicies`, else `provider.iamManagedPolicies`.
    pub managed_policies: Option<Vec<Value>>,
}

impl ExecutionRole {
    /// `role`: `iam.role` when it is an object of settings (not an ARN); `provider`: the
    /// provider block, for the older keys.
    pub(super) fn from_json(
        role: Option<&Map<String, Value>>,
        provider: &Map<String, Value>,
        statements: Option<&Vec<Value>>,
        managed_policies: Option<&Vec<Value>>,
    ) -> Self {
        let at = |k: &str| role.and_then(|r| r.get(k));
        let list = |k: &str, fallback: Option<&Vec<Value>>| match at(k) {
            Some(Value::Array(a)) => Some(a.clone()),
            _ => fallback.cloned(),
        };
        ExecutionRole {
            path: at("path").cloned(),
            name: at("name").cloned(),
            tags: at("tags").and_then(Value::as_object).cloned(),
            permissions_boundary: at("permissionsBoundary")
                .or_else(|| at("permissionBoundary"))
                .or_else(|| provider.get("rolePermissionsBoundary"))
                .cloned(),
            statements: list("statements", statements),
            managed_policies: list("managedPolicies", managed_policies),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::Service;
    use serde_json::json;

    fn role(provider: serde_json::Value) -> super::ExecutionRole {
        let config = json!({"service": "s", "provider": provider});
        Service::from_config(&config, "dev", "r")
            .unwrap()
            .provider
            .execution_role
    }

    #[test]
    fn iam_role_object_wins_over_the_older_keys() {
        let older = json!({
            "iamRoleStatements": [{"Effect": "Allow"}],
            "iamManagedPolicies": ["arn:a"],
            "rolePermissionsBoundary": "arn:b"
        });
        let r = role(older.clone());
        assert_eq!(r.statements, Some(vec![json!({"Effect": "Allow"})]));
        assert_eq!(r.managed_policies, Some(vec![json!("arn:a")]));
        assert_eq!(r.permissions_boundary, Some(json!("arn:b")));
        let mut both = older;
        both["iam"] =
            json!({"role": {"statements": [], "permissionBoundary": "arn:c", "name": "n"}});
        let r = role(both);
        assert_eq!(r.statements, Some(vec![]));
        assert_eq!(r.managed_policies, Some(vec![json!("arn:a")]));
        assert_eq!(r.permissions_boundary, Some(json!("arn:c")));
        assert_eq!(r.name, Some(json!("n")));
        // An ARN is an existing role: no settings for a generated one.
        let r = role(json!({"iam": {"role": "arn:aws:iam::1:role/x"}}));
        assert_eq!(r.name, None);
    }
}
