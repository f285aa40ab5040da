//! The policies of two templates, pinned in `tests/fixtures/<template>.<variant>.json`:
//! `every-row` has a resource of every type the table knows, the special cases of each (named,
//! unnamed, literal and computed names, the deployment bucket, custom resources of every
//! kind) and types it does not know; `one-source-each` has, alone, each source of a statement
//! that several sources share. Each is generated for a caller alone (any account) and with a
//! deployment role, a named bucket and a known account.
//!
//! After an intended change, `UPDATE_EXPECTED=1 cargo test -p sls-policy` rewrites the files:
//! read their diff.

use std::path::{Path, PathBuf};

use serde_json::{json, Value};
use sls_package::Service;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn service(provider: Value) -> Service {
    Service::from_config(
        &json!({"service": "svc", "provider": provider}),
        "dev",
        "eu-west-1",
    )
    .unwrap()
}

fn check(template: &str) {
    let path = fixtures().join(format!("{template}.template.json"));
    let template_json: Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let variants = [
        ("caller", service(json!({"name": "aws"})), None),
        (
            "deployment-role",
            service(json!({
                "name": "aws",
                "deploymentBucket": {"name": "my-artifacts"},
                "iam": {"deploymentRole": "arn:aws:iam::123456789012:role/cfn"}
            })),
            Some("123456789012"),
        ),
    ];
    for (variant, service, account) in variants {
        let p = sls_policy::generate_for(&service, &template_json, &[], account);
        let got = serde_json::to_string_pretty(&json!({
            "policies": p.to_json(),
            "unmappedTypes": p.unmapped_types,
        }))
        .unwrap()
            + "\n";
        let file = fixtures().join(format!("{template}.{variant}.json"));
        if std::env::var_os("UPDATE_EXPECTED").is_some() {
            std::fs::write(&file, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&file).unwrap_or_default();
        assert!(
            got == want,
            "{} differs from the generated policy (UPDATE_EXPECTED=1 rewrites it):\n{got}",
            file.display()
        );
    }
}

#[test]
fn every_row() {
    check("every-row");
}

#[test]
fn one_source_each() {
    check("one-source-each");
}
