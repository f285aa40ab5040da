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
