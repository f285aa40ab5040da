//! Top-level `layers` through the built binary against moto: `sls package` asks CloudFormation
//! for the stack as v3 does (none yet: the plain package), `sls deploy` publishes the layers,
//! `sls info` lists them, and after the deploy `sls package` keeps the deployed layer S3 keys
//! (v3's `compareWithLastLayer`), and `sls deploy` uploads no layer zip again.

use crate::common;
use common::{copy_dir, deploy_fixture, Sls};
use sls_testkit::MotoServer;

fn template(sls: &Sls) -> serde_json::Value {
    let path = sls
        .cwd
        .join(".serverless/cloudformation-template-update-stack.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn layer_key(sls: &Sls) -> String {
    template(sls)["Outputs"]["CommonLambdaLayerS3Key"]["Value"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn package_deploy_info_and_the_reuse_of_an_unchanged_layer() {
    let moto = MotoServer::start();
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint())
        .env("AWS_ACCESS_KEY_ID", "AKIALAYERS")
        .env("AWS_SECRET_ACCESS_KEY", "layers-secret-not-shown");
    copy_dir(&deploy_fixture("layers/service"), &sls.cwd);
    // Without the layer of another stack the fixture names by ARN (moto checks that it exists).
    let yml = sls.cwd.join("serverless.yml");
    let text = std::fs::read_to_string(&yml).unwrap().replace(
        "      - arn:aws:lambda:us-east-1:123456789012:layer:external:3\n",
        "",
    );
    std::fs::write(&yml, text).unwrap();

    // No stack yet: the layers get this package's artifact directory.
    sls.run(&["package"]).ok();
    let first = layer_key(&sls);
    assert!(first.ends_with("/common.zip"), "{first}");

    let run = sls.run(&["deploy"]).ok();
    assert!(!run.all().contains("layers-secret-not-shown"));
    let run = sls.run(&["info"]).ok();
    assert!(run.stdout.contains("layers:\n  common: "), "{}", run.stdout);
    assert!(run.stdout.contains("\n  vendor-libs: "), "{}", run.stdout);

    // Deployed and unchanged: the package keeps the deployed key.
    sls.run(&["package"]).ok();
    let deployed_key = layer_key(&sls);
    let t = template(&sls);
    let function_key = t["Resources"]["HelloLambdaFunction"]["Properties"]["Code"]["S3Key"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(
        deployed_key.rsplit_once('/').unwrap().0,
        function_key.rsplit_once('/').unwrap().0,
        "the layer keeps an older artifact directory"
    );
    assert_eq!(
        t["Resources"]["CommonLambdaLayer"]["Properties"]["Content"]["S3Key"],
        deployed_key.as_str()
    );
}
