//! Container image functions (v3 `resolveImageUriAndSha` in `lib/plugins/aws/provider.js`):
//! `functions.<key>.image` as an ECR URI, as `{uri | name, command, entryPoint,
//! workingDirectory}`, or as the name of an entry of `provider.ecr.images`.
//!
//! sls compiles images pinned by digest (`<repository uri>@sha256:<digest>`), as v3 does
//! without asking AWS. It refuses, naming the property, what would need more: a tag-only URI
//! (v3 asks ECR's DescribeImages for the tag's digest) and an image built from a Dockerfile
//! (v3 runs `docker build`, creates the ECR repository and pushes).

use serde_json::{json, Map, Value};

use crate::error::{DeployError, Result};

/// An image function's code: what `Code.ImageUri`, `ImageConfig` and the version's
/// `CodeSha256` hold.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolvedImage {
    /// `<repository uri>@sha256:<digest>`.
    pub uri: String,
    /// The digest without `sha256:` (v3 `functionImageSha`).
    pub sha: String,
    /// `ImageConfig` from the function's `command`, `entryPoint`, `workingDirectory`.
    pub config: Option<Value>,
}

/// v3 `isEcrUri`: an ECR repository URI, or anything pinned by a sha256 digest.
fn is_ecr_uri(s: &str) -> bool {
    let ecr_host = s.split_once('/').is_some_and(|(host, rest)| {
        let parts: Vec<&str> = host.split('.').collect();
        parts.len() >= 6
            && !parts[0].is_empty()
            && parts[0].bytes().all(|b| b.is_ascii_digit())
            && parts[1] == "dkr"
            && parts[2] == "ecr"
            && host.ends_with("amazonaws.com")
            && !rest.is_empty()
            && !rest.starts_with('@')
    });
    let pinned = s.rsplit_once("@sha256:").is_some_and(|(name, digest)| {
        !name.is_empty()
            && !name.contains(['@', ':'])
            && digest.len() == 64
            && digest
                .bytes()
                .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    });
    ecr_host || pinned
}

/// The image of function `key` (`image` as written), resolved as v3 resolves it, or v3's
/// error, or a refusal of what sls cannot do without AWS or docker.
pub(crate) fn resolve(config: &Value, key: &str, image: &Value) -> Result<ResolvedImage> {
    let path = format!("functions.{key}.image");
    let mut resolved = match image {
        Value::Object(o) => {
            let uri = o.get("uri").filter(|v| sls_config::is_truthy(v));
            let name = o.get("name").filter(|v| sls_config::is_truthy(v));
            match (uri, name) {
                (None, None) => return Err(DeployError::config(path, format!("Either \"uri\" or \"name\" property needs to be set on image for function: {key}"))),
                (Some(_), Some(_)) => return Err(DeployError::config(path, format!("Either \"uri\" or \"name\" property (not both) needs to be set on image for function: {key}"))),
                (Some(u), None) => from_uri(config, &path, as_str(u, &format!("{path}.uri"))?)?,
                (None, Some(n)) => from_provider(config, as_str(n, &format!("{path}.name"))?)?,
            }
        }
        Value::String(s) if is_ecr_uri(s) => from_uri(config, &path, s)?,
        Value::String(s) => from_provider(config, s)?,
        _ => {
            return Err(DeployError::config(
                path,
                "must be an image URI, an image name or an object",
            ))
        }
    };
    resolved.config = image_config(image);
    Ok(resolved)
}

fn as_str<'a>(v: &'a Value, path: &str) -> Result<&'a str> {
    v.as_str()
        .ok_or_else(|| DeployError::config(path, "must be a string"))
}

/// v3 `resolveImageUriAndShaFromUri`: a digest is taken as written; a tag needs ECR.
fn from_uri(config: &Value, path: &str, uri: &str) -> Result<ResolvedImage> {
    if let Some((_, digest)) = uri.split_once('@') {
        return Ok(ResolvedImage {
            uri: uri.to_string(),
            sha: digest
                .get("sha256:".len()..)
                .unwrap_or_default()
                .to_string(),
            config: None,
        });
    }
    // v3 checks the region before asking ECR.
    let region = uri.split('.').nth(3).unwrap_or_default();
    let service_region = config["provider"]["region"].as_str().unwrap_or("us-east-1");
    if region != service_region {
        return Err(DeployError::config(
            path,
            format!("The region \"{region}\" of the ECR image \"{uri}\" must match provider region \"{service_region}\""),
        ));
    }
    Err(DeployError::config(
        path,
        format!(
            "the image \"{uri}\" is given by tag, which sls does not resolve yet (v3 asks ECR's DescribeImages for the tag's digest); pin it by digest instead: \"<repository uri>@sha256:<digest>\" (`aws ecr describe-images` shows it), or deploy with the Serverless Framework v3"
        ),
    ))
}

/// An image named in `provider.ecr.images`: a URI there is resolved as above; a Dockerfile to
/// build is refused (v3 builds it with docker and pushes it to a repository it creates).
fn from_provider(config: &Value, name: &str) -> Result<ResolvedImage> {
    let path = format!("provider.ecr.images.{name}");
    let defined = &config["provider"]["ecr"]["images"][name];
    if !sls_config::is_truthy(defined) {
        return Err(DeployError::config(
            path,
            format!("Referenced \"{name}\" not defined in \"provider.ecr.images\""),
        ));
    }
    let build_path = match defined {
        Value::Object(o) => {
            let uri = o.get("uri").filter(|v| sls_config::is_truthy(v));
            let dir = o.get("path").filter(|v| sls_config::is_truthy(v));
            match (uri, dir) {
                (None, None) => return Err(DeployError::config(path, format!("Either \"uri\" or \"path\" property needs to be set on image \"{name}\""))),
                (Some(_), Some(_)) => return Err(DeployError::config(path, format!("Either \"uri\" or \"path\" property (not both) needs to be set on image \"{name}\""))),
                (Some(u), None) => {
                    for key in ["buildArgs", "cacheFrom", "platform"] {
                        if o.get(key).is_some_and(sls_config::is_truthy) {
                            return Err(DeployError::config(path, format!("The \"{key}\" property cannot be used with \"uri\" property \"{name}\"")));
                        }
                    }
                    return from_uri(config, &format!("{path}.uri"), as_str(u, &path)?);
                }
                (None, Some(d)) => d.as_str().unwrap_or_default().to_string(),
            }
        }
        Value::String(s) if is_ecr_uri(s) => return from_uri(config, &path, s),
        Value::String(s) => s.clone(),
        _ => {
            return Err(DeployError::config(
                path,
                "must be an image URI, a path or an object",
            ))
        }
    };
    Err(DeployError::config(
        path.clone(),
        format!(
            "building the container image \"{name}\" from \"{build_path}\" is not supported yet by sls (v3 builds it with docker, creates an ECR repository and pushes the image); build and push it yourself and set `uri: <repository uri>@sha256:<digest>`, or deploy with the Serverless Framework v3"
        ),
    ))
}

/// v3: `ImageConfig` from an object image's `command`, `entryPoint`, `workingDirectory`.
fn image_config(image: &Value) -> Option<Value> {
    let o = image.as_object()?;
    let mut c = Map::new();
    for (from, to) in [
        ("command", "Command"),
        ("entryPoint", "EntryPoint"),
        ("workingDirectory", "WorkingDirectory"),
    ] {
        if let Some(v) = o.get(from).filter(|v| sls_config::is_truthy(v)) {
            c.insert(to.into(), v.clone());
        }
    }
    (!c.is_empty()).then(|| json!(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "6bb600b4d6e1d7cf521097177dd0c4e9ea373edb91984a505333be8ac9455d38";

    fn cfg() -> Value {
        json!({"provider": {"region": "us-east-1", "ecr": {"images": {
            "pinned": {"uri": format!("1.dkr.ecr.us-east-1.amazonaws.com/a@sha256:{DIGEST}")},
            "built": {"path": "./app"},
            "short": "./other",
        }}}})
    }

    #[test]
    fn a_digest_uri_is_taken_as_written() {
        let uri = format!("123.dkr.ecr.us-east-1.amazonaws.com/app@sha256:{DIGEST}");
        let r = resolve(&cfg(), "f", &json!(uri)).unwrap();
        assert_eq!(
            (r.uri.as_str(), r.sha.as_str(), r.config),
            (uri.as_str(), DIGEST, None)
        );
        let r = resolve(
            &cfg(),
            "f",
            &json!({"uri": uri, "command": ["h"], "workingDirectory": "/w"}),
        )
        .unwrap();
        assert_eq!(
            r.config,
            Some(json!({"Command": ["h"], "WorkingDirectory": "/w"}))
        );
        let r = resolve(&cfg(), "f", &json!({"name": "pinned", "entryPoint": ["e"]})).unwrap();
        assert_eq!(
            (r.sha.as_str(), r.config),
            (DIGEST, Some(json!({"EntryPoint": ["e"]})))
        );
        assert_eq!(resolve(&cfg(), "f", &json!("pinned")).unwrap().sha, DIGEST);
    }

    #[test]
    fn v3s_errors_and_sls_refusals_name_the_property() {
        let err = |image: Value| resolve(&cfg(), "f", &image).unwrap_err().to_string();
        assert!(err(json!({"command": ["x"]})).contains(
            "Either \"uri\" or \"name\" property needs to be set on image for function: f"
        ));
        assert!(err(json!({"uri": "u", "name": "n"})).contains("(not both)"));
        assert!(err(json!("missing"))
            .contains("Referenced \"missing\" not defined in \"provider.ecr.images\""));
        let e = err(json!("123.dkr.ecr.eu-west-1.amazonaws.com/app:latest"));
        assert!(
            e.contains("The region \"eu-west-1\" of the ECR image"),
            "{e}"
        );
        let e = err(json!("123.dkr.ecr.us-east-1.amazonaws.com/app:latest"));
        assert!(
            e.contains("functions.f.image") && e.contains("DescribeImages"),
            "{e}"
        );
        let e = err(json!("built"));
        assert!(
            e.contains("provider.ecr.images.built") && e.contains("docker"),
            "{e}"
        );
        let e = err(json!({"name": "short"}));
        assert!(
            e.contains("provider.ecr.images.short") && e.contains("\"./other\""),
            "{e}"
        );
    }
}
