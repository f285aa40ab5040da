//! Container image functions (v3 `resolveImageUriAndSha` in `lib/plugins/aws/provider.js`):
//! `functions.<key>.image` as an ECR URI, as `{uri | name, command, entryPoint,
//! workingDirectory}`, or as the name of an entry of `provider.ecr.images`.
//!
//! An image pinned by digest (`<repository uri>@sha256:<digest>`) is compiled as written, as v3
//! does. The others need AWS or docker, which this crate does not touch: [`image_requests`]
//! lists them (a tag to look up with ECR's DescribeImages, an image to build with docker and
//! push), the caller answers with [`ResolvedImages`], and [`resolve_image`] reads the answers.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::error::{DeployError, Result};
use sls_config::model::Service;

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

/// What an image needs from outside before it can be compiled.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ImageRequest {
    /// An ECR URI by tag (`<registry>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>`): v3
    /// asks ECR's DescribeImages for the tag's digest.
    Tag(ImageTag),
    /// An entry of `provider.ecr.images` with a `path`: v3 builds it with docker and pushes it
    /// to the service's repository (created when missing).
    Build(ImageBuild),
}

/// A tag to look up (v3 `resolveImageUriAndShaFromUri`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImageTag {
    /// The URI as written.
    pub uri: String,
    /// Where it is written (`functions.<key>.image`, `provider.ecr.images.<name>.uri`).
    pub path: String,
    pub registry_id: String,
    pub repository: String,
    pub tag: String,
}

/// An image to build (v3 `resolveImageUriAndShaFromPath`'s arguments).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ImageBuild {
    /// The key under `provider.ecr.images` (also the pushed tag).
    pub name: String,
    /// The build context, relative to the service directory.
    pub path: String,
    /// The Dockerfile, relative to `path` (default `Dockerfile`).
    pub file: String,
    /// `buildArgs` as `KEY=value`, in the order written.
    pub build_args: Vec<String>,
    pub cache_from: Vec<String>,
    /// `platform` (empty: docker's default).
    pub platform: String,
    /// `provider.ecr.scanOnPush`, for a repository sls creates.
    pub scan_on_push: bool,
}

/// The answers to [`image_requests`]: each tag's digest and each built image's repository and
/// digest (digests as `sha256:<hex>`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResolvedImages {
    /// By the tag URI as written.
    pub tags: BTreeMap<String, String>,
    /// By the `provider.ecr.images` key.
    pub built: BTreeMap<String, BuiltImage>,
}

impl ResolvedImages {
    /// Stand-ins for the answers, where none is asked (`sls credentials policy` packages
    /// without AWS or docker): a zero digest for each tag, and each image to build in the
    /// service's repository (v3's name) of account `*`.
    pub fn placeholders(service: &Service) -> Self {
        let zero = format!("sha256:{}", "0".repeat(64));
        let repository_uri = format!(
            "*.dkr.ecr.{}.amazonaws.com/{}",
            service.region,
            ecr_repository_name(&service.name, &service.stage)
        );
        let mut answers = ResolvedImages::default();
        for request in image_requests(service) {
            match request {
                ImageRequest::Tag(t) => {
                    answers.tags.insert(t.uri, zero.clone());
                }
                ImageRequest::Build(b) => {
                    let built = BuiltImage {
                        repository_uri: repository_uri.clone(),
                        digest: zero.clone(),
                    };
                    answers.built.insert(b.name, built);
                }
            }
        }
        answers
    }
}

/// An image sls built and pushed.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltImage {
    pub repository_uri: String,
    pub digest: String,
}

/// v3 `getEcrRepositoryName`: the repository images built for the service are pushed to.
pub fn ecr_repository_name(service: &str, stage: &str) -> String {
    let name = format!("serverless-{service}-{stage}").to_lowercase();
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if !(c == '-' && out.ends_with('-')) {
            out.push(c);
        }
    }
    out.trim_end_matches('-').to_string()
}

/// Where an image stands after reading the configuration alone.
enum Planned {
    Ready(ResolvedImage),
    Needs(ImageRequest),
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

/// Every image of the service that needs AWS or docker, each once, in function order. An image
/// with an error in its settings is left out: the compiler's check reports it at v3's point.
pub fn image_requests(service: &Service) -> Vec<ImageRequest> {
    let mut out = Vec::new();
    for f in &service.functions {
        let Some(image) = f.image.as_ref().filter(|i| sls_config::is_truthy(i)) else {
            continue;
        };
        if let Ok(Planned::Needs(r)) = plan(service, &f.key, image) {
            let asked = out.iter().any(|o| match (o, &r) {
                (ImageRequest::Tag(a), ImageRequest::Tag(b)) => a.uri == b.uri,
                (ImageRequest::Build(a), ImageRequest::Build(b)) => a.name == b.name,
                _ => false,
            });
            if !asked {
                out.push(r);
            }
        }
    }
    out
}

/// Checks the image of function `key` (`image` as written): v3's errors, before any AWS call.
pub(crate) fn check(service: &Service, key: &str, image: &Value) -> Result<()> {
    plan(service, key, image).map(drop)
}

/// The image of function `key` (`image` as written), resolved as v3 resolves it, with the
/// caller's answers for tags and builds; or v3's error, or a refusal when the answer is missing.
pub fn resolve_image(
    service: &Service,
    key: &str,
    image: &Value,
    answers: &ResolvedImages,
) -> Result<ResolvedImage> {
    let mut resolved = match plan(service, key, image)? {
        Planned::Ready(r) => r,
        Planned::Needs(ImageRequest::Tag(t)) => match answers.tags.get(&t.uri) {
            // v3: the URI up to its first `:`, then `@` and the digest.
            Some(digest) => pinned(t.uri.split(':').next().unwrap_or_default(), digest),
            None => {
                return Err(DeployError::config(
                    format!("functions.{key}.image"),
                    format!("the digest of the image \"{}\" (given by tag) was not looked up: sls asks ECR's DescribeImages for it when it packages or deploys; pin it by digest instead (\"<repository uri>@sha256:<digest>\")", t.uri),
                ))
            }
        },
        Planned::Needs(ImageRequest::Build(b)) => match answers.built.get(&b.name) {
            Some(built) => pinned(&built.repository_uri, &built.digest),
            None => {
                return Err(DeployError::config(
                    format!("provider.ecr.images.{}", b.name),
                    format!("the container image \"{}\" was not built: sls builds it with docker when it packages or deploys; or build and push it yourself and set `uri: <repository uri>@sha256:<digest>`", b.name),
                ))
            }
        },
    };
    resolved.config = image_config(image);
    Ok(resolved)
}

/// Every image function's image resolves with `answers`: checked before packaging, so an
/// image nobody looked up or built is refused before anything is written.
pub fn check_images(service: &Service, answers: &ResolvedImages) -> Result<()> {
    for f in &service.functions {
        if let Some(image) = &f.image {
            resolve_image(service, &f.key, image, answers)?;
        }
    }
    Ok(())
}

/// `<repository>@<digest>` and the digest's hex part.
fn pinned(repository: &str, digest: &str) -> ResolvedImage {
    ResolvedImage {
        uri: format!("{repository}@{digest}"),
        sha: digest.strip_prefix("sha256:").unwrap_or(digest).to_string(),
        config: None,
    }
}

fn plan(service: &Service, key: &str, image: &Value) -> Result<Planned> {
    let path = format!("functions.{key}.image");
    match image {
        Value::Object(o) => {
            let uri = o.get("uri").filter(|v| sls_config::is_truthy(v));
            let name = o.get("name").filter(|v| sls_config::is_truthy(v));
            match (uri, name) {
                (None, None) => Err(DeployError::config(path, format!("Either \"uri\" or \"name\" property needs to be set on image for function: {key}"))),
                (Some(_), Some(_)) => Err(DeployError::config(path, format!("Either \"uri\" or \"name\" property (not both) needs to be set on image for function: {key}"))),
                (Some(u), None) => from_uri(service, &path, as_str(u, &format!("{path}.uri"))?),
                (None, Some(n)) => from_provider(service, as_str(n, &format!("{path}.name"))?),
            }
        }
        Value::String(s) if is_ecr_uri(s) => from_uri(service, &path, s),
        Value::String(s) => from_provider(service, s),
        _ => Err(DeployError::config(
            path,
            "must be an image URI, an image name or an object",
        )),
    }
}

fn as_str<'a>(v: &'a Value, path: &str) -> Result<&'a str> {
    v.as_str()
        .ok_or_else(|| DeployError::config(path, "must be a string"))
}

/// v3 `resolveImageUriAndShaFromUri`: a digest is taken as written; a tag needs ECR.
fn from_uri(service: &Service, path: &str, uri: &str) -> Result<Planned> {
    if let Some((_, digest)) = uri.split_once('@') {
        return Ok(Planned::Ready(ResolvedImage {
            uri: uri.to_string(),
            sha: digest
                .get("sha256:".len()..)
                .unwrap_or_default()
                .to_string(),
            config: None,
        }));
    }
    // v3 checks the region before asking ECR.
    let region = uri.split('.').nth(3).unwrap_or_default();
    let service_region = service.region.as_str();
    if region != service_region {
        return Err(DeployError::config(
            path,
            format!("The region \"{region}\" of the ECR image \"{uri}\" must match provider region \"{service_region}\""),
        ));
    }
    // v3: the repository and tag follow the first `/`; the registry is the host's first label.
    let after_host = uri.split_once('/').map(|(_, r)| r).unwrap_or_default();
    let (repository, tag) = after_host.split_once(':').unwrap_or((after_host, ""));
    if repository.is_empty() || tag.is_empty() || tag.contains(':') {
        return Err(DeployError::config(
            path,
            format!("the image \"{uri}\" names neither a tag nor a digest: write \"<repository uri>:<tag>\" or \"<repository uri>@sha256:<digest>\""),
        ));
    }
    Ok(Planned::Needs(ImageRequest::Tag(ImageTag {
        uri: uri.to_string(),
        path: path.to_string(),
        registry_id: uri.split('.').next().unwrap_or_default().to_string(),
        repository: repository.to_string(),
        tag: tag.to_string(),
    })))
}

/// An image named in `provider.ecr.images`: a URI there is resolved as above; a path is an
/// image to build.
fn from_provider(service: &Service, name: &str) -> Result<Planned> {
    let path = format!("provider.ecr.images.{name}");
    let defined = service
        .provider
        .ecr
        .images
        .get(name)
        .unwrap_or(&Value::Null);
    if !sls_config::is_truthy(defined) {
        return Err(DeployError::config(
            path,
            format!("Referenced \"{name}\" not defined in \"provider.ecr.images\""),
        ));
    }
    let o = match defined {
        Value::Object(o) => o,
        Value::String(s) if is_ecr_uri(s) => return from_uri(service, &path, s),
        // v3: a string that is no ECR URI is the build context, with every default.
        Value::String(s) => return Ok(build(service, name, s, &Map::new())),
        _ => {
            return Err(DeployError::config(
                path,
                "must be an image URI, a path or an object",
            ))
        }
    };
    let uri = o.get("uri").filter(|v| sls_config::is_truthy(v));
    let dir = o.get("path").filter(|v| sls_config::is_truthy(v));
    match (uri, dir) {
        (None, None) => Err(DeployError::config(path, format!("Either \"uri\" or \"path\" property needs to be set on image \"{name}\""))),
        (Some(_), Some(_)) => Err(DeployError::config(path, format!("Either \"uri\" or \"path\" property (not both) needs to be set on image \"{name}\""))),
        (Some(u), None) => {
            for key in ["buildArgs", "cacheFrom", "platform"] {
                if o.get(key).is_some_and(sls_config::is_truthy) {
                    return Err(DeployError::config(path, format!("The \"{key}\" property cannot be used with \"uri\" property \"{name}\"")));
                }
            }
            from_uri(service, &format!("{path}.uri"), as_str(u, &path)?)
        }
        (None, Some(d)) => Ok(build(service, name, as_str(d, &format!("{path}.path"))?, o)),
    }
}

/// v3's build arguments for `provider.ecr.images.<name>` (defaults as v3's).
fn build(service: &Service, name: &str, path: &str, o: &Map<String, Value>) -> Planned {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let build_args = o
        .get("buildArgs")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .map(|(k, v)| format!("{k}={}", text(v)))
        .collect();
    let cache_from = o
        .get("cacheFrom")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(text)
        .collect();
    let string_or = |key: &str, default: &str| {
        o.get(key)
            .filter(|v| sls_config::is_truthy(v))
            .map(text)
            .unwrap_or_else(|| default.to_string())
    };
    Planned::Needs(ImageRequest::Build(ImageBuild {
        name: name.to_string(),
        path: path.to_string(),
        file: string_or("file", "Dockerfile"),
        build_args,
        cache_from,
        platform: string_or("platform", ""),
        scan_on_push: service.provider.ecr.scan_on_push,
    }))
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
        json!({"service": "s", "provider": {"region": "us-east-1", "ecr": {"scanOnPush": true, "images": {
            "pinned": {"uri": format!("1.dkr.ecr.us-east-1.amazonaws.com/a@sha256:{DIGEST}")},
            "built": {"path": "./app", "file": "Dockerfile.dev", "buildArgs": {"A": "x", "N": 2},
                      "cacheFrom": ["c:1"], "platform": "linux/arm64"},
            "short": "./other",
        }}}})
    }

    /// The model of `config`, in us-east-1.
    fn svc(config: &Value) -> Service {
        Service::from_config(config, "dev", "us-east-1").unwrap()
    }

    fn resolve(config: &Value, key: &str, image: &Value) -> Result<ResolvedImage> {
        resolve_image(&svc(config), key, image, &ResolvedImages::default())
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
    fn tags_and_builds_are_requested_once_and_read_from_the_answers() {
        let tag = "123.dkr.ecr.us-east-1.amazonaws.com/team/app:v1";
        let mut config = cfg();
        config["functions"] = json!({
            "a": {"image": tag}, "b": {"image": {"uri": tag, "command": ["c"]}},
            "c": {"image": "built"}, "d": {"image": {"name": "short"}},
            "e": {"image": "pinned"}, "f": {"handler": "h.h"}, "g": {"image": "missing"},
        });
        let requests = image_requests(&svc(&config));
        assert_eq!(
            requests,
            vec![
                ImageRequest::Tag(ImageTag {
                    uri: tag.into(),
                    path: "functions.a.image".into(),
                    registry_id: "123".into(),
                    repository: "team/app".into(),
                    tag: "v1".into(),
                }),
                ImageRequest::Build(ImageBuild {
                    name: "built".into(),
                    path: "./app".into(),
                    file: "Dockerfile.dev".into(),
                    build_args: vec!["A=x".into(), "N=2".into()],
                    cache_from: vec!["c:1".into()],
                    platform: "linux/arm64".into(),
                    scan_on_push: true,
                }),
                ImageRequest::Build(ImageBuild {
                    name: "short".into(),
                    path: "./other".into(),
                    file: "Dockerfile".into(),
                    build_args: vec![],
                    cache_from: vec![],
                    platform: String::new(),
                    scan_on_push: true,
                }),
            ]
        );
        let digest = format!("sha256:{DIGEST}");
        let mut answers = ResolvedImages::default();
        answers.tags.insert(tag.into(), digest.clone());
        answers.built.insert(
            "built".into(),
            BuiltImage {
                repository_uri: "123.dkr.ecr.us-east-1.amazonaws.com/serverless-s-dev".into(),
                digest: digest.clone(),
            },
        );
        // v3: the tag URI up to its first `:`, then the digest.
        let r = resolve_image(
            &svc(&config),
            "b",
            &json!({"uri": tag, "command": ["c"]}),
            &answers,
        )
        .unwrap();
        assert_eq!(
            (r.uri, r.sha.as_str(), r.config),
            (
                format!("123.dkr.ecr.us-east-1.amazonaws.com/team/app@{digest}"),
                DIGEST,
                Some(json!({"Command": ["c"]}))
            )
        );
        let r = resolve_image(&svc(&config), "c", &json!("built"), &answers).unwrap();
        assert_eq!(
            r.uri,
            format!("123.dkr.ecr.us-east-1.amazonaws.com/serverless-s-dev@{digest}")
        );
        // Without an answer: a refusal naming the property.
        let e = resolve_image(&svc(&config), "d", &json!({"name": "short"}), &answers)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("provider.ecr.images.short") && e.contains("was not built"),
            "{e}"
        );
        let e = resolve(&config, "a", &json!(tag)).unwrap_err().to_string();
        assert!(
            e.contains("functions.a.image") && e.contains("DescribeImages"),
            "{e}"
        );
    }

    #[test]
    fn the_repository_name_is_v3s() {
        assert_eq!(
            ecr_repository_name("My--Svc-", "dev"),
            "serverless-my-svc-dev"
        );
        assert_eq!(ecr_repository_name("svc", "Prod-"), "serverless-svc-prod");
    }

    #[test]
    fn v3s_errors_name_the_property() {
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
        let e = err(json!("123.dkr.ecr.us-east-1.amazonaws.com/app"));
        assert!(e.contains("names neither a tag nor a digest"), "{e}");
        let mut c = cfg();
        c["provider"]["ecr"]["images"]["both"] = json!({"uri": "x", "platform": "p"});
        let e = resolve(&c, "f", &json!("both")).unwrap_err().to_string();
        assert!(
            e.contains("The \"platform\" property cannot be used with \"uri\" property \"both\""),
            "{e}"
        );
    }
}
