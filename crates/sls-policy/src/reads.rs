//! Statements for the AWS values a service's variables read while sls resolves
//! serverless.yml: `${ssm:}` parameters, `${cf:}` stack outputs and `${s3:}` objects
//! (and the listing of their bucket when one is missing, so that its fallback applies).
//! (`${aws:accountId}` needs `sts:GetCallerIdentity`, which every policy has.)

use serde_json::{json, Value};

use super::statement;

/// One AWS read made by a variable of the service, with its region already decided
/// (the variable's own region parameter, else the deploy region).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum VariableRead {
    /// `${ssm:name}`: SSM GetParameter. `decrypt` when sls reads it decrypted and it is a
    /// SecureString (or the variable asks for decryption with the pre-v3 `~true`), so KMS is
    /// involved.
    SsmParameter {
        region: String,
        name: String,
        decrypt: bool,
    },
    /// `${cf:stack.Output}`: CloudFormation DescribeStacks on `stack`.
    Stack { region: String, name: String },
    /// `${s3:bucket/key}`: S3 GetObject.
    S3Object { bucket: String, key: String },
    /// An `${s3:}` object that was missing (its fallback applied): S3 tells a missing key
    /// (404) from a forbidden one (403) only to a caller with `s3:ListBucket` on `bucket`.
    S3Bucket { bucket: String },
}

/// Secrets Manager secrets read through Parameter Store (`/aws/reference/secretsmanager/…`).
const SECRETS_PREFIX: &str = "/aws/reference/secretsmanager/";

/// `VariableParameters`, `VariableSecrets`, `VariableDecrypt`, `VariableStacks` and
/// `VariableObjects`, each only when some variable needs it.
/// `account` is the account id, or `*`; `partition` is the deploy region's (`aws`, `aws-cn`, …).
pub(super) fn statements(reads: &[VariableRead], partition: &str, account: &str) -> Vec<Value> {
    let (mut params, mut secrets) = (Vec::new(), Vec::new());
    let (mut kms_keys, mut kms_services) = (Vec::new(), Vec::new());
    let (mut stacks, mut objects, mut buckets) = (Vec::new(), Vec::new(), Vec::new());
    for read in reads {
        match read {
            VariableRead::SsmParameter {
                region,
                name,
                decrypt,
            } => {
                params.push(parameter_arn(partition, region, account, name));
                if let Some(secret) = name.strip_prefix(SECRETS_PREFIX) {
                    // A secret's ARN ends in `-` and six random characters; one given by ARN
                    // may carry them already, or not.
                    if secret.starts_with("arn:") {
                        secrets.push(secret.to_string());
                        secrets.push(format!("{secret}-??????"));
                    } else {
                        secrets.push(format!(
                            "arn:{partition}:secretsmanager:{region}:{account}:secret:{secret}-??????"
                        ));
                    }
                    kms_services.push(format!("secretsmanager.{region}.amazonaws.com"));
                    kms_keys.push(format!("arn:{partition}:kms:{region}:{account}:key/*"));
                }
                if *decrypt {
                    kms_services.push(format!("ssm.{region}.amazonaws.com"));
                    kms_keys.push(format!("arn:{partition}:kms:{region}:{account}:key/*"));
                }
            }
            VariableRead::Stack { region, name } => {
                stacks.push(format!(
                    "arn:{partition}:cloudformation:{region}:{account}:stack/{name}/*"
                ));
            }
            VariableRead::S3Object { bucket, key } => {
                objects.push(format!("arn:{partition}:s3:::{bucket}/{key}"));
            }
            VariableRead::S3Bucket { bucket } => {
                buckets.push(format!("arn:{partition}:s3:::{bucket}"))
            }
        }
    }
    let mut out = Vec::new();
    if !params.is_empty() {
        out.push(statement(
            "VariableParameters",
            &["ssm:GetParameter"],
            params,
            None,
        ));
    }
    if !secrets.is_empty() {
        out.push(statement(
            "VariableSecrets",
            &["secretsmanager:GetSecretValue"],
            secrets,
            None,
        ));
    }
    if !kms_services.is_empty() {
        kms_services.sort();
        kms_services.dedup();
        // The key is whichever the parameter was encrypted with; the condition limits the
        // grant to decrypting through SSM (or Secrets Manager) in those regions.
        let via = if kms_services.len() == 1 {
            Value::String(kms_services.remove(0))
        } else {
            json!(kms_services)
        };
        out.push(statement(
            "VariableDecrypt",
            &["kms:Decrypt"],
            kms_keys,
            Some(json!({"StringEquals": {"kms:ViaService": via}})),
        ));
    }
    if !stacks.is_empty() {
        out.push(statement(
            "VariableStacks",
            &["cloudformation:DescribeStacks"],
            stacks,
            None,
        ));
    }
    if !objects.is_empty() {
        out.push(statement(
            "VariableObjects",
            &["s3:GetObject"],
            objects,
            None,
        ));
    }
    if !buckets.is_empty() {
        out.push(statement(
            "VariableBuckets",
            &["s3:ListBucket"],
            buckets,
            None,
        ));
    }
    out
}

/// `name` as SSM writes its ARN: `parameter/a/b` for `/a/b` and for `a/b`; an ARN as given
/// (shared parameters are read by ARN). A version or label selector (`/a/b:3`,
/// `/a/b:prod`) is dropped: IAM checks the parameter's own ARN.
fn parameter_arn(partition: &str, region: &str, account: &str, name: &str) -> String {
    if name.starts_with("arn:") {
        // arn:PARTITION:ssm:REGION:ACCOUNT:parameter/NAME[:SELECTOR]
        let fields: Vec<&str> = name.splitn(7, ':').collect();
        return fields[..fields.len().min(6)].join(":");
    }
    // Parameter names hold no `:`, so what follows one is a selector; a secret's reference
    // may name the secret by ARN, and is kept whole.
    let name = if name.starts_with(SECRETS_PREFIX) {
        name
    } else {
        name.split(':').next().unwrap_or(name)
    };
    format!(
        "arn:{partition}:ssm:{region}:{account}:parameter/{}",
        name.trim_start_matches('/')
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ssm(region: &str, name: &str, decrypt: bool) -> VariableRead {
        VariableRead::SsmParameter {
            region: region.into(),
            name: name.into(),
            decrypt,
        }
    }

    fn sids(v: &[Value]) -> Vec<&str> {
        v.iter().map(|s| s["Sid"].as_str().unwrap()).collect()
    }

    #[test]
    fn no_reads_no_statements() {
        assert!(statements(&[], "aws", "*").is_empty());
    }

    #[test]
    fn plain_parameters_need_no_kms() {
        let out = statements(
            &[
                ssm("eu-west-1", "/app/url", false),
                ssm("us-east-1", "flat", false),
            ],
            "aws",
            "*",
        );
        assert_eq!(sids(&out), ["VariableParameters"]);
        assert_eq!(
            out[0]["Resource"],
            json!([
                "arn:aws:ssm:eu-west-1:*:parameter/app/url",
                "arn:aws:ssm:us-east-1:*:parameter/flat"
            ])
        );
    }

    #[test]
    fn secure_strings_and_secrets_get_kms_through_their_service_only() {
        let out = statements(
            &[
                ssm("eu-west-1", "/app/db-password", true),
                ssm("eu-west-1", "/aws/reference/secretsmanager/prod/api", true),
            ],
            "aws",
            "*",
        );
        assert_eq!(
            sids(&out),
            ["VariableParameters", "VariableSecrets", "VariableDecrypt"]
        );
        assert_eq!(
            out[1]["Resource"],
            json!("arn:aws:secretsmanager:eu-west-1:*:secret:prod/api-??????")
        );
        assert_eq!(out[2]["Resource"], json!("arn:aws:kms:eu-west-1:*:key/*"));
        assert_eq!(
            out[2]["Condition"]["StringEquals"]["kms:ViaService"],
            json!([
                "secretsmanager.eu-west-1.amazonaws.com",
                "ssm.eu-west-1.amazonaws.com"
            ])
        );
    }

    #[test]
    fn a_version_selector_is_not_part_of_the_parameter_arn() {
        // `${ssm:/app/url:3}` reads version 3; IAM checks the parameter's own ARN.
        let out = statements(
            &[
                ssm("eu-west-1", "/app/url:3", false),
                ssm("eu-west-1", "flat:prod-label", false),
                ssm(
                    "us-east-1",
                    "arn:aws:ssm:us-east-1:111122223333:parameter/shared:2",
                    false,
                ),
            ],
            "aws",
            "*",
        );
        assert_eq!(
            out[0]["Resource"],
            json!([
                "arn:aws:ssm:eu-west-1:*:parameter/app/url",
                "arn:aws:ssm:eu-west-1:*:parameter/flat",
                "arn:aws:ssm:us-east-1:111122223333:parameter/shared"
            ])
        );
    }

    #[test]
    fn a_secret_referenced_by_arn() {
        let arn = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:prod/api";
        let out = statements(
            &[ssm(
                "eu-west-1",
                &format!("/aws/reference/secretsmanager/{arn}"),
                true,
            )],
            "aws",
            "*",
        );
        // The ARN may be complete (with its random suffix) or partial.
        assert_eq!(out[1]["Resource"], json!([arn, format!("{arn}-??????")]));
        assert_eq!(
            out[0]["Resource"],
            json!(format!(
                "arn:aws:ssm:eu-west-1:*:parameter/aws/reference/secretsmanager/{arn}"
            ))
        );
    }

    #[test]
    fn stacks_and_objects() {
        let out = statements(
            &[
                VariableRead::Stack {
                    region: "eu-central-1".into(),
                    name: "network-prod".into(),
                },
                VariableRead::S3Object {
                    bucket: "config-bucket".into(),
                    key: "app/settings.json".into(),
                },
                ssm(
                    "us-east-1",
                    "arn:aws:ssm:us-east-1:111122223333:parameter/shared",
                    false,
                ),
            ],
            "aws",
            "*",
        );
        assert_eq!(
            sids(&out),
            ["VariableParameters", "VariableStacks", "VariableObjects"]
        );
        assert_eq!(
            out[0]["Resource"],
            json!("arn:aws:ssm:us-east-1:111122223333:parameter/shared")
        );
        assert_eq!(
            out[1]["Resource"],
            json!("arn:aws:cloudformation:eu-central-1:*:stack/network-prod/*")
        );
        assert_eq!(
            out[2]["Resource"],
            json!("arn:aws:s3:::config-bucket/app/settings.json")
        );
    }

    #[test]
    fn arns_carry_the_partition() {
        let out = statements(
            &[
                ssm("cn-north-1", "/app/url", true),
                VariableRead::S3Object {
                    bucket: "b".into(),
                    key: "k".into(),
                },
            ],
            "aws-cn",
            "*",
        );
        let text = serde_json::to_string(&out).unwrap();
        assert!(
            text.contains("arn:aws-cn:ssm:cn-north-1:*:parameter/app/url"),
            "{text}"
        );
        assert!(text.contains("arn:aws-cn:kms:cn-north-1:*:key/*"), "{text}");
        assert!(text.contains("arn:aws-cn:s3:::b/k"), "{text}");
        assert!(!text.contains("arn:aws:"), "{text}");
    }
}
