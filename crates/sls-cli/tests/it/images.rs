//! Container images through the built binary against moto: an image given by tag is deployed
//! by the digest ECR gives it, `sls remove` deletes the service's ECR repository, and an image
//! to build is refused, naming it, when there is no docker (a `PATH` without docker, so the
//! test does not depend on the machine), while `sls credentials policy` scopes its repository.

use crate::common;
use common::Sls;
use serde_json::{json, Value};
use sls_testkit::MotoServer;

fn template(sls: &Sls) -> Value {
    let path = sls
        .cwd
        .join(".serverless/cloudformation-template-update-stack.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_tag_deploys_by_digest_remove_deletes_the_repository_and_a_build_needs_docker() {
    let moto = MotoServer::start();
    moto.ecr_call("CreateRepository", &json!({"repositoryName": "team/app"}))
        .unwrap();
    // moto's digest is that of the layers' digests.
    let manifest = json!({"schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                    "size": 1, "digest": format!("sha256:{}", "c".repeat(64))}]});
    let put = moto
        .ecr_call(
            "PutImage",
            &json!({"repositoryName": "team/app", "imageTag": "v1",
                    "imageManifest": manifest.to_string()}),
        )
        .unwrap();
    let put: Value = serde_json::from_str(&put).unwrap();
    let digest = put["image"]["imageId"]["imageDigest"]
        .as_str()
        .unwrap()
        .to_string();

    let mut sls = Sls::new();
    let no_docker = tempfile::tempdir().unwrap();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIAIMAGES")
        .env("AWS_SECRET_ACCESS_KEY", "images-secret-not-shown")
        .env("PATH", &no_docker.path().display().to_string());
    sls.file(
        "serverless.yml",
        "service: tagged\nprovider:\n  name: aws\n  region: us-east-1\nfunctions:\n  app:\n    image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app:v1\n",
    );
    let run = sls.run(&["deploy"]).ok();
    assert!(!run.all().contains("images-secret-not-shown"));
    let uri =
        template(&sls)["Resources"]["AppLambdaFunction"]["Properties"]["Code"]["ImageUri"].clone();
    assert_eq!(
        uri,
        json!(format!(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/team/app@{digest}"
        ))
    );

    // A repository of images sls built for the service goes with `sls remove`.
    moto.ecr_call(
        "CreateRepository",
        &json!({"repositoryName": "serverless-tagged-dev"}),
    )
    .unwrap();
    let run = sls.run(&["remove"]).ok();
    assert!(
        run.stderr
            .contains("ECR repository serverless-tagged-dev removed"),
        "{}",
        run.stderr
    );
    let left = moto
        .ecr_call(
            "DescribeRepositories",
            &json!({"repositoryNames": ["serverless-tagged-dev"]}),
        )
        .unwrap_err();
    assert!(left.contains("RepositoryNotFoundException"), "{left}");
    // `team/app` is not the service's: it stays.
    moto.ecr_call(
        "DescribeRepositories",
        &json!({"repositoryNames": ["team/app"]}),
    )
    .unwrap();

    // An image to build, and no docker: refused before anything is created.
    sls.file("app/Dockerfile", "FROM scratch\n");
    sls.file(
        "serverless.yml",
        "service: built\nprovider:\n  name: aws\n  region: us-east-1\n  ecr:\n    images:\n      appimage:\n        path: ./app\nfunctions:\n  app:\n    image:\n      name: appimage\n",
    );
    let run = sls.run(&["package"]).failed(1);
    assert!(
        run.stderr.contains("provider.ecr.images.appimage")
            && run.stderr.contains("\"appimage\"")
            && run.stderr.contains("Could not find Docker installation"),
        "{}",
        run.stderr
    );
    let repos = moto.ecr_call("DescribeRepositories", &json!({})).unwrap();
    assert!(!repos.contains("serverless-built-dev"), "{repos}");
    // The least-privilege policy needs neither docker nor ECR: it names the repository sls
    // would push to.
    let run = sls.run(&["credentials", "policy"]).ok();
    assert!(
        run.stdout.contains("repository/serverless-built-dev")
            && run.stdout.contains("ecr:GetAuthorizationToken"),
        "{}",
        run.stdout
    );
}
