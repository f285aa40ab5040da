//! Container images that need AWS or docker before the compiler can place them (v3
//! `provider.js`): a tag's digest from ECR's DescribeImages (`resolveImageUriAndShaFromUri`),
//! and an image built with docker, tagged and pushed to the service's ECR repository, created
//! when missing (`resolveImageUriAndShaFromPath`). `sls remove` deletes that repository
//! ([`remove_repository`], v3 `remove/lib/ecr.js`).
//!
//! docker is reached through [`ContainerTool`], so the steps (and their errors) are tested
//! without a docker daemon; [`DockerCli`] is the real one.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use aws_config::SdkConfig;
use aws_sdk_ecr::error::ProvideErrorMetadata;
use aws_sdk_ecr::types::{ImageIdentifier, ImageScanningConfiguration};
use sls_compile::{BuiltImage, ImageBuild, ImageRequest, ImageTag, ResolvedImages};
use sls_package::BuildHost;

use super::{AwsOptions, Clients, DeployEvent};
use crate::error::{DeployError, Result};

/// A docker command line: `run` gives the command's output (stdout then stderr), or that
/// output as the error when it exits with a failure.
pub trait ContainerTool {
    /// Runs `docker <args>`, writing `stdin` to its input when given.
    fn run(&self, args: &[String], stdin: Option<&str>) -> std::result::Result<String, String>;
}

/// The `docker` found on the build host's `PATH`, run in the service directory with the
/// build host's environment (`DOCKER_HOST`, `HOME` for its config; no AWS keys).
pub struct DockerCli {
    pub host: BuildHost,
    pub service_dir: PathBuf,
}

impl ContainerTool for DockerCli {
    fn run(&self, args: &[String], stdin: Option<&str>) -> std::result::Result<String, String> {
        use std::io::Write;
        let program = self
            .host
            .which("docker")
            .ok_or_else(|| "docker: command not found on PATH".to_string())?;
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(&self.service_dir)
            .env_clear()
            .envs(&self.host.env)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(path) = &self.host.path_var {
            cmd.env("PATH", path);
        }
        let mut child = cmd.spawn().map_err(|e| format!("docker: {e}"))?;
        if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
            input
                .write_all(text.as_bytes())
                .map_err(|e| format!("docker: {e}"))?;
        }
        let out = child
            .wait_with_output()
            .map_err(|e| format!("docker: {e}"))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if out.status.success() {
            Ok(text)
        } else {
            Err(text)
        }
    }
}

/// Where the images are built and pushed.
pub struct ImageSite<'a> {
    /// The service directory (build contexts are relative to it).
    pub service_dir: &'a Path,
    /// v3 `getEcrRepositoryName` ([`sls_compile::ecr_repository_name`]).
    pub repository: &'a str,
}

/// Answers every request: each tag's digest, each image built and pushed.
pub async fn resolve_images(
    sdk: &SdkConfig,
    opts: &AwsOptions,
    requests: &[ImageRequest],
    site: &ImageSite<'_>,
    docker: &dyn ContainerTool,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<ResolvedImages> {
    let c = Clients::new(sdk, opts);
    let mut answers = ResolvedImages::default();
    let mut repository: Option<Repository> = None;
    for request in requests {
        match request {
            ImageRequest::Tag(t) if answers.tags.contains_key(&t.uri) => {}
            ImageRequest::Tag(t) => {
                let digest = tag_digest(&c, t).await?;
                answers.tags.insert(t.uri.clone(), digest);
            }
            ImageRequest::Build(b) => {
                // Docker is checked once, before the first build (v3 memoizes its check).
                if repository.is_none() {
                    check_docker(docker, b)?;
                }
                check_dockerfile(site.service_dir, b)?;
                let repo = match &mut repository {
                    Some(r) => &*r,
                    None => {
                        &*repository.insert(get_or_create_repository(&c, site.repository, b).await?)
                    }
                };
                let digest = build_and_push(&c, docker, repo, site, b, on_event).await?;
                answers.built.insert(
                    b.name.clone(),
                    BuiltImage {
                        repository_uri: repo.uri.clone(),
                        digest,
                    },
                );
            }
        }
    }
    Ok(answers)
}

/// v3: DescribeImages of the tag; the first image's digest (`sha256:<hex>`).
async fn tag_digest(c: &Clients, t: &ImageTag) -> Result<String> {
    let out = c
        .ecr
        .describe_images()
        .registry_id(&t.registry_id)
        .repository_name(&t.repository)
        .image_ids(ImageIdentifier::builder().image_tag(&t.tag).build())
        .send()
        .await
        .map_err(c.fail("ecr:DescribeImages", &t.uri))?;
    out.image_details()
        .first()
        .and_then(|d| d.image_digest())
        .map(str::to_string)
        .ok_or_else(|| {
            DeployError::config(
                &t.path,
                format!(
                    "ECR knows no image tagged \"{}\" in repository \"{}\" (image \"{}\"): push it, or fix the tag",
                    t.tag, t.repository, t.uri
                ),
            )
        })
}

/// The refusal of a build when docker cannot run: it names the image and what is missing.
fn docker_missing(b: &ImageBuild, what: &str) -> DeployError {
    DeployError::config(
        format!("provider.ecr.images.{}", b.name),
        format!(
            "{what}: the container image \"{}\" is built from \"{}\" with docker. Install or start docker, or build and push the image yourself and set `uri: <repository uri>@sha256:<digest>`",
            b.name, b.path
        ),
    )
}

/// v3 `ensureDockerIsAvailable` checks `docker --version`; sls also asks the daemon
/// (`docker version`), so a stopped daemon is named before the ECR repository is created.
fn check_docker(docker: &dyn ContainerTool, b: &ImageBuild) -> Result<()> {
    docker.run(&args(&["--version"]), None).map_err(|_| {
        docker_missing(
            b,
            "Could not find Docker installation (`docker` is not on PATH, or does not run)",
        )
    })?;
    docker
        .run(&args(&["version", "--format", "{{.Server.Version}}"]), None)
        .map_err(|out| {
            docker_missing(
                b,
                &format!(
                    "The docker daemon does not answer (`docker version`: {})",
                    out.trim()
                ),
            )
        })?;
    Ok(())
}

/// v3: the Dockerfile must be a file under the build context.
fn check_dockerfile(service_dir: &Path, b: &ImageBuild) -> Result<()> {
    let file = dockerfile(service_dir, b);
    if file.is_file() {
        return Ok(());
    }
    Err(DeployError::config(
        format!("provider.ecr.images.{}", b.name),
        format!(
            "Could not access Dockerfile under path: \"{}\"",
            file.display()
        ),
    ))
}

/// v3 `path.resolve(serviceDir, path, file)` (without `.` parts).
fn dockerfile(service_dir: &Path, b: &ImageBuild) -> PathBuf {
    let joined = service_dir.join(&b.path).join(&b.file);
    joined
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .collect()
}

fn args(a: &[&str]) -> Vec<String> {
    a.iter().map(|s| s.to_string()).collect()
}

/// The service's ECR repository.
struct Repository {
    name: String,
    uri: String,
}

type DescribeRepositoriesError = aws_sdk_ecr::error::SdkError<
    aws_sdk_ecr::operation::describe_repositories::DescribeRepositoriesError,
>;

/// The repository `name` of the caller's registry; `None` when there is none.
async fn describe_repository(
    c: &Clients,
    name: &str,
) -> std::result::Result<Option<aws_sdk_ecr::types::Repository>, DescribeRepositoriesError> {
    match c
        .ecr
        .describe_repositories()
        .repository_names(name)
        .send()
        .await
    {
        Ok(out) => Ok(out.repositories().first().cloned()),
        Err(e) if e.code() == Some("RepositoryNotFoundException") => Ok(None),
        Err(e) => Err(e),
    }
}

/// v3 `getOrCreateEcrRepository`: the repository named for the service and stage, created
/// (with `provider.ecr.scanOnPush`) when missing.
async fn get_or_create_repository(c: &Clients, name: &str, b: &ImageBuild) -> Result<Repository> {
    let repo = describe_repository(c, name)
        .await
        .map_err(c.fail("ecr:DescribeRepositories", name))?;
    let repo = match repo {
        Some(r) => r,
        None => c
            .ecr
            .create_repository()
            .repository_name(name)
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(b.scan_on_push)
                    .build(),
            )
            .send()
            .await
            .map_err(c.fail("ecr:CreateRepository", name))?
            .repository()
            .cloned()
            .ok_or_else(|| {
                DeployError::config(
                    format!("provider.ecr.images.{}", b.name),
                    format!("ECR created no repository \"{name}\""),
                )
            })?,
    };
    Ok(Repository {
        name: name.to_string(),
        uri: repo.repository_uri().unwrap_or_default().to_string(),
    })
}

/// v3's `docker build`, `docker tag`, `docker push` (logging in to ECR and pushing again when
/// docker has no valid login); the pushed digest.
async fn build_and_push(
    c: &Clients,
    docker: &dyn ContainerTool,
    repo: &Repository,
    site: &ImageSite<'_>,
    b: &ImageBuild,
    on_event: &(dyn Fn(DeployEvent) + Sync),
) -> Result<String> {
    let local = format!("{}:{}", repo.name, b.name);
    let remote = format!("{}:{}", repo.uri, b.name);
    on_event(DeployEvent::Step(format!("Building image \"{}\"", b.name)));
    let mut build = args(&["build", "-t", &local, "-f"]);
    // v3 names the Dockerfile by its absolute path; the context as written.
    build.push(dockerfile(site.service_dir, b).display().to_string());
    for a in &b.build_args {
        build.extend(["--build-arg".to_string(), a.clone()]);
    }
    for from in &b.cache_from {
        build.extend(["--cache-from".to_string(), from.clone()]);
    }
    build.push(b.path.clone());
    if !b.platform.is_empty() {
        build.push(format!("--platform={}", b.platform));
    }
    run_docker(docker, &build, None, b)?;
    on_event(DeployEvent::Step(format!("Tagging image \"{}\"", b.name)));
    run_docker(docker, &args(&["tag", &local, &remote]), None, b)?;
    on_event(DeployEvent::Step(format!("Uploading image \"{}\"", b.name)));
    let push = args(&["push", &remote]);
    let output = match docker.run(&push, None) {
        Ok(out) => out,
        Err(out)
            if out.contains("no basic auth credentials")
                || out.contains("authorization token has expired") =>
        {
            login(c, docker, repo, b).await?;
            run_docker(docker, &push, None, b)?
        }
        Err(out) => return Err(docker_failed(&push, &out, b)),
    };
    push_digest(&output).ok_or_else(|| {
        DeployError::config(
            format!("provider.ecr.images.{}", b.name),
            format!(
                "`docker push {remote}` printed no image digest (sha256:…); its output:\n{output}"
            ),
        )
    })
}

/// v3 `dockerLoginToEcr`: ECR's authorization token (valid for every registry the caller can
/// reach), given to `docker login`. The password goes through standard input (v3 puts it on
/// the command line, where `ps` shows it).
async fn login(
    c: &Clients,
    docker: &dyn ContainerTool,
    repo: &Repository,
    b: &ImageBuild,
) -> Result<()> {
    let out = c
        .ecr
        .get_authorization_token()
        .send()
        .await
        .map_err(c.fail("ecr:GetAuthorizationToken", &repo.uri))?;
    let data = out.authorization_data().first();
    let token = data.and_then(|d| d.authorization_token()).unwrap_or("");
    let endpoint = data.and_then(|d| d.proxy_endpoint()).unwrap_or("");
    // The token is base64 of `AWS:<password>`.
    let decoded = aws_smithy_types::base64::decode(token)
        .ok()
        .and_then(|d| String::from_utf8(d).ok())
        .unwrap_or_default();
    let password = decoded.split_once(':').map(|(_, p)| p).unwrap_or_default();
    let login = args(&["login", "--username", "AWS", "--password-stdin", endpoint]);
    run_docker(docker, &login, Some(password), b).map(drop)
}

fn run_docker(
    docker: &dyn ContainerTool,
    args: &[String],
    stdin: Option<&str>,
    b: &ImageBuild,
) -> Result<String> {
    docker
        .run(args, stdin)
        .map_err(|out| docker_failed(args, &out, b))
}

/// v3's message for a failed docker command (its arguments hold no secret: the login password
/// goes through standard input).
fn docker_failed(args: &[String], output: &str, b: &ImageBuild) -> DeployError {
    DeployError::config(
        format!("provider.ecr.images.{}", b.name),
        format!(
            "Encountered error during executing: docker {}\nOutput of the command:\n{}",
            args.join(" "),
            output.trim_end()
        ),
    )
}

/// v3: the first `sha256:<64 hex>` in `docker push`'s output.
fn push_digest(output: &str) -> Option<String> {
    output.match_indices("sha256:").find_map(|(i, _)| {
        let hex = output.get(i + 7..i + 7 + 64)?;
        hex.bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
            .then(|| format!("sha256:{hex}"))
    })
}

/// What [`remove_repository`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RepositoryRemoval {
    Removed,
    /// There was no repository.
    Absent,
    /// The lookup was denied: v3 skips the removal (and warns when the service builds images).
    Denied,
}

/// v3 `sls remove`: the service's ECR repository (images sls built) is deleted with its images
/// once the stack is gone.
pub async fn remove_repository(
    sdk: &SdkConfig,
    opts: &AwsOptions,
    name: &str,
) -> Result<RepositoryRemoval> {
    let c = Clients::new(sdk, opts);
    match describe_repository(&c, name).await {
        Ok(Some(_)) => {}
        Ok(None) => return Ok(RepositoryRemoval::Absent),
        Err(e) => {
            let denied = sls_aws::explain_sdk_error(
                &e,
                &sls_aws::CallContext {
                    action: "ecr:DescribeRepositories",
                    identity: None,
                    endpoint: None,
                },
            )
            .kind()
                == sls_aws::ErrorKind::AccessDenied;
            if denied {
                return Ok(RepositoryRemoval::Denied);
            }
            return Err(c.fail("ecr:DescribeRepositories", name)(e));
        }
    }
    c.ecr
        .delete_repository()
        .repository_name(name)
        .force(true)
        .send()
        .await
        .map_err(c.fail("ecr:DeleteRepository", name))?;
    Ok(RepositoryRemoval::Removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pushed_digest_is_the_first_sha256_in_the_output() {
        let hex = "a".repeat(64);
        let out =
            format!("The push refers to repository [x]\nv1: digest: sha256:{hex} size: 529\n");
        assert_eq!(push_digest(&out), Some(format!("sha256:{hex}")));
        assert_eq!(push_digest("digest: sha256:abc size: 1"), None);
    }
}
