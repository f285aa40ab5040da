//! Top-level `layers` deployed to moto: the layer versions exist (checked through Lambda's own
//! API, as moto publishes them; it ignores `LayerName`), the zips are in the deployment bucket,
//! and a second deploy with the layers unchanged (the deployed stack's outputs given to
//! packaging, as the CLI does) keeps their deployed S3 keys and uploads no layer zip.

use crate::common::{opts, sdk};
use crate::corpus::{copy_dir, fixtures, read_json};

use sls_deploy::PackageResult;
use sls_deploy::{deploy, stack_outputs, DeployOutcome};
use sls_testkit::MotoServer;

fn pack(dir: &std::path::Path, deployed: Option<Vec<(String, String)>>) -> PackageResult {
    let config = read_json(&fixtures().join("layers/config.json"));
    let answers = sls_deploy::AwsAnswers {
        stack_outputs: deployed,
        ..Default::default()
    };
    crate::corpus::pack_answered(dir, &config, answers)
}

fn output(outputs: &[(String, String)], key: &str) -> String {
    outputs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no output {key} in {outputs:?}"))
}

/// Every key in the deployment bucket.
async fn bucket_keys(cfg: &aws_config::SdkConfig, bucket: &str) -> Vec<String> {
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(cfg)
            .force_path_style(true)
            .build(),
    );
    let out = s3.list_objects_v2().bucket(bucket).send().await.unwrap();
    out.contents()
        .iter()
        .filter_map(|o| o.key().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn layers_deploy_and_an_unchanged_layer_is_not_uploaded_again() {
    let moto = MotoServer::start();
    let cfg = sdk(&moto.endpoint());
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("svc");
    copy_dir(&fixtures().join("layers/service"), &dir);

    // The layer of another stack that two functions name by ARN (`external:3`): moto checks
    // that it exists.
    let lambda = aws_sdk_lambda::Client::new(&cfg);
    let zip = std::fs::read(fixtures().join("layers/v3-zips/common.zip")).unwrap();
    for _ in 0..3 {
        lambda
            .publish_layer_version()
            .layer_name("external")
            .content(
                aws_sdk_lambda::types::LayerVersionContentInput::builder()
                    .zip_file(aws_sdk_lambda::primitives::Blob::new(zip.clone()))
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }

    // First deploy: no stack yet, so nothing to reuse (what v3 does when DescribeStacks says
    // the stack does not exist).
    assert_eq!(
        stack_outputs(&cfg, &opts(), "layers-dev").await.unwrap(),
        None
    );
    let first = pack(&dir, None);
    let out = deploy(&cfg, &first, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    let outputs = stack_outputs(&cfg, &opts(), "layers-dev")
        .await
        .unwrap()
        .expect("the stack exists");
    let common_key = output(&outputs, "CommonLambdaLayerS3Key");
    assert_eq!(
        common_key,
        format!("{}/common.zip", first.artifact_directory_name)
    );
    let bucket = output(&outputs, "ServerlessDeploymentBucketName");
    let keys = bucket_keys(&cfg, &bucket).await;
    for zip in ["common.zip", "vendor-libs.zip", "layers.zip"] {
        let key = format!("{}/{zip}", first.artifact_directory_name);
        assert!(keys.contains(&key), "{key} not in {keys:?}");
    }
    // moto publishes one layer per LayerVersion resource (it names them itself).
    let ours = |l: &aws_sdk_lambda::operation::list_layers::ListLayersOutput| -> Vec<String> {
        let mut v: Vec<String> = l
            .layers()
            .iter()
            .filter_map(|l| l.layer_name().map(str::to_string))
            .filter(|n| n != "external")
            .collect();
        v.sort();
        v
    };
    let layers = lambda.list_layers().send().await.unwrap();
    let first_layers = ours(&layers);
    assert_eq!(first_layers.len(), 2, "{layers:?}");
    // (moto 5.2.5 reports no layers for a function CloudFormation created, even one named by
    // an existing ARN, and its `Ref` of a LayerVersion is an object repr: the functions'
    // `Layers` are checked in the templates, compared with v3's in `layers.rs`.)

    // Nothing changed: skipped, as v3 skips it (its change check counts the reused layers'
    // zips, which the last deployment holds).
    std::thread::sleep(std::time::Duration::from_millis(5));
    let same = pack(&dir, Some(outputs.clone()));
    assert_eq!(same.reused_layers.len(), 2);
    let out = deploy(&cfg, &same, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Skipped { .. }), "{out:?}");

    // Second deploy with new function code and the same layers.
    std::fs::write(
        dir.join("handler.js"),
        "module.exports.hello = async () => 2;\n",
    )
    .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5)); // a new artifact directory
    let second = pack(&dir, Some(outputs.clone()));
    assert_eq!(second.reused_layers.len(), 2, "{:?}", second.reused_layers);
    assert!(second.artifacts.iter().all(|a| !a.functions.is_empty()));
    let out = deploy(&cfg, &second, &opts(), &|_| {}).await.unwrap();
    assert!(matches!(out, DeployOutcome::Deployed { .. }), "{out:?}");
    let after = stack_outputs(&cfg, &opts(), "layers-dev")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(output(&after, "CommonLambdaLayerS3Key"), common_key);
    let keys = bucket_keys(&cfg, &bucket).await;
    let second_dir: Vec<&String> = keys
        .iter()
        .filter(|k| k.starts_with(&format!("{}/", second.artifact_directory_name)))
        .collect();
    assert!(
        second_dir.iter().any(|k| k.ends_with("/layers.zip")),
        "{second_dir:?}"
    );
    assert!(
        !second_dir
            .iter()
            .any(|k| k.ends_with("/common.zip") || k.ends_with("/vendor-libs.zip")),
        "an unchanged layer was uploaded again: {second_dir:?}"
    );
    // The first deployment's layer zips, which the stack still names, are kept.
    assert!(keys.contains(&common_key));
    // No new layer was published.
    let layers = lambda.list_layers().send().await.unwrap();
    assert_eq!(ours(&layers), first_layers, "{layers:?}");
}
