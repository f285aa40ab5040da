//! Container images that need AWS or docker before packaging, against moto on loopback: a tag
//! looked up in ECR (DescribeImages), deployed, then redeployed by `deploy function` after the
//! tag moved; an image built and pushed to the service's repository, which `remove` deletes.
//!
//! No docker daemon can run here, so the build uses a scripted docker (`ScriptedDocker`, a
//! mock that records the command lines and answers as docker does); the ECR side of the build
//! (repository, scan setting, login token) is moto's. The refusal without docker runs the
//! real `DockerCli` with a `PATH` that has no docker.
#![cfg(feature = "aws")]

use std::path::Path;
use std::sync::Mutex;

use crate::common::{opts, sdk};
use crate::corpus::pack_answered;
use serde_json::{json, Value};
use sls_deploy::{
    deploy, deploy_function, image_requests, remove_repository, resolve_images, AwsAnswers,
    BuildHost, ContainerTool, DeployOutcome, DockerCli, FunctionOutcome, ImageSite, PackageResult,
    RepositoryRemoval, ResolvedImages,
};
use sls_testkit::MotoServer;

fn pack_with(dir: &Path, config: &Value, images: ResolvedImages) -> PackageResult {
    let answers = AwsAnswers {
        stack_outputs: None,
        images,
    };
    pack_answered(dir, config, answers)
}

/// What the service's images need from ECR or docker.
fn requests_of(config: &Value) -> Vec<sls_deploy::ImageRequest> {
    image_requests(&sls_deploy::Service::from_config(config, "dev", "us-east-1").unwrap())
}

/// Pushes a manifest under `tag` to moto's repository; the digest ECR gives it.
async fn push_manifest(ecr: &aws_sdk_ecr::Client, repository: &str, tag: &str, n: u32) -> String {
    // moto's digest is that of the layers' digests.
    let layer = format!("sha256:{}", format!("{n:x}").repeat(64));
    let manifest = json!({"schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": n, "digest": &layer[..71]}]});
    let out = ecr
        .put_image()
        .repository_name(repository)
        .image_tag(tag)
        .image_manifest(manifest.to_string())
        .send()
        .await
        .unwrap();
    out.image()
        .and_then(|i| i.image_id())
        .and_then(|i| i.image_digest())
        .unwrap()
        .to_string()
}

/// Never run: a tag needs no docker.
struct NoDocker;
impl ContainerTool for NoDocker {
    fn run(&self, args: &[String], _: Option<&str>) -> Result<String, String> {
        panic!("docker was run: {args:?}")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tag_is_looked_up_in_ecr_deployed_and_redeployed_when_it_moves() {
    let moto = MotoServer::start();
    let cfg = sdk(&moto.endpoint());
    let ecr = aws_sdk_ecr::Client::new(&cfg);
    ecr.create_repository()
        .repository_name("team/app")
        .send()
        .await
        .unwrap();
    let first = push_manifest(&ecr, "team/app", "v1", 1).await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("serverless.yml"), "service: tagged\n").unwrap();
    let tag = "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1";
    let config = json!({
        "service": "tagged",
        "provider": {"name": "aws", "stage": "dev", "region": "us-east-1"},
        "functions": {"app": {"image": {"uri": tag, "command": ["app.handler"]}},
                      "other": {"image": tag}}
    });
    let site = ImageSite {
        service_dir: d,
        repository: "serverless-tagged-dev",
    };
    let resolve = || async {
        let requests = requests_of(&config);
        assert_eq!(requests.len(), 1, "one lookup for one tag: {requests:?}");
        resolve_images(&cfg, &opts(), &requests, &site, &NoDocker, &|_| {})
            .await
            .unwrap()
    };
    let answers = resolve().await;
    assert_eq!(answers.tags.get(tag), Some(&first));
    let pkg = pack_with(d, &config, answers);
    let pinned = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app@{first}");
    let t = &pkg.update_template;
    assert_eq!(
        t["Resources"]["AppLambdaFunction"]["Properties"]["Code"]["ImageUri"],
        json!(pinned)
    );
    let version = t["Resources"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(k, _)| k.starts_with("AppLambdaVersion"))
        .map(|(_, v)| v["Properties"]["CodeSha256"].clone())
        .unwrap();
    assert_eq!(version, json!(first.trim_start_matches("sha256:")));
    let out = deploy(&cfg, &pkg, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    let lambda = aws_sdk_lambda::Client::new(&cfg);
    let code = |name: &'static str| {
        let lambda = lambda.clone();
        async move {
            let f = lambda
                .get_function()
                .function_name(name)
                .send()
                .await
                .unwrap();
            f.code().unwrap().image_uri().unwrap().to_string()
        }
    };
    assert_eq!(code("tagged-dev-app").await, pinned);

    // The tag moves: `deploy function` looks it up again and updates the image.
    let second = push_manifest(&ecr, "team/app", "v1", 2).await;
    assert_ne!(first, second);
    let pkg = pack_with(d, &config, resolve().await);
    let out = deploy_function(&cfg, &pkg, "app", false, &opts(), &|_| {})
        .await
        .unwrap();
    assert!(matches!(out, FunctionOutcome::Updated { .. }), "{out:?}");
    let moved = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app@{second}");
    assert_eq!(code("tagged-dev-app").await, moved);

    // A tag ECR does not know: the error names the property and the tag.
    let missing = json!({"service": "tagged", "provider": {"name": "aws", "region": "us-east-1"},
        "functions": {"app": {"image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:nope"}}});
    let e = resolve_images(
        &cfg,
        &opts(),
        &requests_of(&missing),
        &site,
        &NoDocker,
        &|_| {},
    )
    .await
    .unwrap_err()
    .to_string();
    assert!(e.contains("team/app") && e.contains("nope"), "{e}");
}

/// Records docker's command lines and answers as docker does (see the module comment): the
/// first push has no login, the login takes the password on standard input.
struct ScriptedDocker {
    calls: Mutex<Vec<(Vec<String>, Option<String>)>>,
    daemon: Result<(), String>,
    digest: String,
}

impl ContainerTool for ScriptedDocker {
    fn run(&self, args: &[String], stdin: Option<&str>) -> Result<String, String> {
        let mut calls = self.calls.lock().unwrap();
        calls.push((args.to_vec(), stdin.map(str::to_string)));
        let logged_in = calls.iter().any(|(a, _)| a[0] == "login");
        match args[0].as_str() {
            "--version" => Ok("Docker version 27.3.1, build ce12230\n".into()),
            "version" => self.daemon.clone().map(|_| "27.3.1\n".into()),
            "push" if !logged_in => Err("denied: no basic auth credentials\n".into()),
            "push" => Ok(format!(
                "The push refers to repository [x]\nappimage: digest: {} size: 529\n",
                self.digest
            )),
            _ => Ok(String::new()),
        }
    }
}

fn build_service(d: &Path) -> Value {
    std::fs::create_dir_all(d.join("app")).unwrap();
    std::fs::write(d.join("app/Dockerfile.dev"), "FROM scratch\n").unwrap();
    json!({
        "service": "ImgSvc",
        "provider": {"name": "aws", "stage": "dev", "region": "us-east-1",
            "ecr": {"scanOnPush": true, "images": {"appimage": {
                "path": "./app", "file": "Dockerfile.dev", "buildArgs": {"A": 1},
                "cacheFrom": ["c:1"], "platform": "linux/amd64"}}}},
        "functions": {"app": {"image": {"name": "appimage"}}}
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_is_built_pushed_to_the_service_repository_and_removed_with_it() {
    let moto = MotoServer::start();
    let cfg = sdk(&moto.endpoint());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = build_service(d);
    let repo = sls_deploy::ecr_repository_name("ImgSvc", "dev");
    assert_eq!(repo, "serverless-imgsvc-dev");
    let site = ImageSite {
        service_dir: d,
        repository: &repo,
    };
    let digest = format!("sha256:{}", "b".repeat(64));
    let docker = ScriptedDocker {
        calls: Mutex::default(),
        daemon: Ok(()),
        digest: digest.clone(),
    };
    let answers = resolve_images(
        &cfg,
        &opts(),
        &requests_of(&config),
        &site,
        &docker,
        &|_| {},
    )
    .await
    .unwrap();
    let repo_uri = format!("123456789012.dkr.ecr.us-east-1.amazonaws.com/{repo}");
    let built = &answers.built["appimage"];
    assert_eq!(
        (built.repository_uri.as_str(), built.digest.as_str()),
        (repo_uri.as_str(), digest.as_str())
    );

    // The repository moto now has, with `provider.ecr.scanOnPush`.
    let ecr = aws_sdk_ecr::Client::new(&cfg);
    let repos = ecr
        .describe_repositories()
        .repository_names(&repo)
        .send()
        .await
        .unwrap();
    let scan = repos.repositories()[0]
        .image_scanning_configuration()
        .unwrap();
    assert!(scan.scan_on_push());

    // v3's command lines; the login password only on standard input.
    let calls = docker.calls.lock().unwrap().clone();
    let lines: Vec<String> = calls.iter().map(|(a, _)| a.join(" ")).collect();
    let dockerfile = d.join("app/Dockerfile.dev");
    assert_eq!(
        lines[..4],
        [
            "--version".to_string(),
            "version --format {{.Server.Version}}".to_string(),
            format!(
                "build -t {repo}:appimage -f {} --build-arg A=1 --cache-from c:1 ./app --platform=linux/amd64",
                dockerfile.display()
            ),
            format!("tag {repo}:appimage {repo_uri}:appimage"),
        ]
    );
    assert_eq!(lines[4], format!("push {repo_uri}:appimage"));
    let (login, password) = &calls[5];
    assert_eq!(
        &login[..4],
        ["login", "--username", "AWS", "--password-stdin"]
    );
    let password = password.clone().expect("the password on standard input");
    assert!(!password.is_empty() && !lines.iter().any(|l| l.contains(&password)));
    assert_eq!(lines[6], format!("push {repo_uri}:appimage"));

    let pkg = pack_with(d, &config, answers);
    assert_eq!(
        pkg.update_template["Resources"]["AppLambdaFunction"]["Properties"]["Code"]["ImageUri"],
        json!(format!("{repo_uri}@{digest}"))
    );

    // `remove`: the repository goes with its images; then there is none.
    let gone = remove_repository(&cfg, &opts(), &repo).await.unwrap();
    assert_eq!(gone, RepositoryRemoval::Removed);
    let again = remove_repository(&cfg, &opts(), &repo).await.unwrap();
    assert_eq!(again, RepositoryRemoval::Absent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_docker_the_build_is_refused_naming_the_image_and_nothing_is_created() {
    let moto = MotoServer::start();
    let cfg = sdk(&moto.endpoint());
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let config = build_service(d);
    let site = ImageSite {
        service_dir: d,
        repository: "serverless-imgsvc-dev",
    };
    let requests = requests_of(&config);
    // The real docker runner, with a PATH that has no docker.
    let empty = tempfile::tempdir().unwrap();
    let mut env = std::collections::BTreeMap::new();
    env.insert("PATH".to_string(), empty.path().display().to_string());
    let no_docker = DockerCli {
        host: BuildHost::from_env(&env),
        service_dir: d.to_path_buf(),
    };
    let e = resolve_images(&cfg, &opts(), &requests, &site, &no_docker, &|_| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("provider.ecr.images.appimage")
            && e.contains("\"appimage\"")
            && e.contains("Could not find Docker installation"),
        "{e}"
    );
    // A daemon that does not answer is named with what docker said.
    let stopped = ScriptedDocker {
        calls: Mutex::default(),
        daemon: Err("Cannot connect to the Docker daemon at unix:///var/run/docker.sock.".into()),
        digest: String::new(),
    };
    let e = resolve_images(&cfg, &opts(), &requests, &site, &stopped, &|_| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("does not answer") && e.contains("Cannot connect to the Docker daemon"),
        "{e}"
    );
    // A missing Dockerfile: v3's error.
    std::fs::remove_file(d.join("app/Dockerfile.dev")).unwrap();
    let docker = ScriptedDocker {
        calls: Mutex::default(),
        daemon: Ok(()),
        digest: String::new(),
    };
    let e = resolve_images(&cfg, &opts(), &requests, &site, &docker, &|_| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("Could not access Dockerfile under path"), "{e}");
    // Nothing was created in ECR.
    let ecr = aws_sdk_ecr::Client::new(&cfg);
    let repos = ecr.describe_repositories().send().await.unwrap();
    assert!(repos.repositories().is_empty());
}
