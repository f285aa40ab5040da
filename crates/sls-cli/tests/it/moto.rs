//! The built binary against moto server on loopback, with signature and IAM
//! checking on: `credentials show --verify` proves which identity each source
//! really is, assume-role with MFA is asked once and then cached, and a
//! service deploys, shows info and is removed.

use crate::common;
use common::Sls;
use sls_testkit::MotoServer;

fn sls_for(moto: &MotoServer) -> Sls {
    let mut sls = Sls::new();
    sls.env("AWS_ENDPOINT_URL", &moto.endpoint());
    sls
}

fn verified_arn(sls: &Sls, args: &[&str]) -> String {
    let mut full = vec!["credentials", "show", "--verify", "--json"];
    full.extend_from_slice(args);
    let run = sls.run(&full).ok();
    run.json()["identity"]["arn"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[test]
fn identities_mfa_cache_and_a_full_deploy() {
    let moto = MotoServer::start();
    let alice_user = moto.create_admin_user("alice");
    let (alice_key, alice_secret) = (alice_user.access_key_id, alice_user.secret_access_key);
    let bob_user = moto.create_admin_user("bob");
    let (bob_key, bob_secret) = (bob_user.access_key_id, bob_user.secret_access_key);
    let role_arn = moto.create_open_role("team-access");
    let deployer = moto.create_open_role("deployer");
    moto.enable_auth();

    let mut sls = sls_for(&moto);
    // Keys written by `config credentials` are the ones used.
    sls.run(&[
        "config",
        "credentials",
        "--provider",
        "aws",
        "--key",
        &alice_key,
        "--secret",
        &alice_secret,
        "-n",
        "alice",
    ])
    .ok();
    sls.run(&[
        "config",
        "credentials",
        "--provider",
        "aws",
        "--key",
        &bob_key,
        "--secret",
        &bob_secret,
    ])
    .ok();
    assert!(verified_arn(&sls, &[]).ends_with(":user/bob"));
    assert!(verified_arn(&sls, &["--aws-profile", "alice"]).ends_with(":user/alice"));

    // A wrong secret is a clear error without the secret.
    sls.env("AWS_ACCESS_KEY_ID", &alice_key)
        .env("AWS_SECRET_ACCESS_KEY", "wrong-secret-value");
    let run = sls.run(&["credentials", "show", "--verify"]).failed(1);
    assert!(!run.all().contains("wrong-secret-value"), "{}", run.all());
    assert!(
        run.stderr.to_lowercase().contains("secret"),
        "{}",
        run.stderr
    );
    sls.remove_env("AWS_ACCESS_KEY_ID")
        .remove_env("AWS_SECRET_ACCESS_KEY");

    // An assume-role profile with MFA: the code is read from stdin once, then cached.
    sls.run(&[
        "config",
        "credentials",
        "--provider",
        "aws",
        "--role-arn",
        &role_arn,
        "--source-profile",
        "alice",
        "--mfa-serial",
        "arn:aws:iam::123456789012:mfa/alice",
        "-n",
        "team",
    ])
    .ok();
    sls.stdin("123456\n");
    let arn = verified_arn(&sls, &["--aws-profile", "team"]);
    assert!(arn.contains(":assumed-role/team-access/"), "{arn}");
    sls.stdin = None;
    let arn = verified_arn(&sls, &["--aws-profile", "team"]);
    assert!(
        arn.contains(":assumed-role/team-access/"),
        "second run must use the cache: {arn}"
    );
    assert!(
        std::fs::read_dir(sls.home.join(".aws/cli/cache"))
            .unwrap()
            .count()
            >= 1
    );

    // credential_source = Environment: the role is assumed with the keys of the environment.
    sls.config(&format!(
        "{}\n[profile env-role]\nrole_arn = {role_arn}\ncredential_source = Environment\n",
        sls.read_home(".aws/config")
    ));
    sls.env("AWS_ACCESS_KEY_ID", &bob_key)
        .env("AWS_SECRET_ACCESS_KEY", &bob_secret);
    let arn = verified_arn(&sls, &["--aws-profile", "env-role"]);
    assert!(arn.contains(":assumed-role/team-access/"), "{arn}");
    sls.remove_env("AWS_ACCESS_KEY_ID")
        .remove_env("AWS_SECRET_ACCESS_KEY");

    // Deploy a service with a deployment role, as profile "alice" from provider.profile.
    moto.disable_auth(); // moto fails Lambda GET/DELETE signature checks (local-aws.md)
                         // An SSM parameter the service reads at deploy time.
    let (status, text) = moto
        .request(
            "POST",
            "/",
            &[
                ("Content-Type", "application/x-amz-json-1.1"),
                ("X-Amz-Target", "AmazonSSM.PutParameter"),
                (
                    "Authorization",
                    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/ssm/aws4_request, SignedHeaders=host, Signature=00",
                ),
            ],
            r#"{"Name":"/demo/greeting","Type":"String","Value":"hello from ssm"}"#,
        )
        .unwrap();
    assert_eq!(status, 200, "{text}");
    sls.file(
        "serverless.yml",
        &format!(
            "service: demo\nprovider:\n  name: aws\n  runtime: nodejs20.x\n  profile: alice\n  memorySize: 256\n  environment:\n    GREETING: ${{ssm:/demo/greeting}}\n  iam:\n    deploymentRole: {deployer}\nfunctions:\n  hello:\n    handler: handler.hello\n    timeout: 7\n"
        ),
    );
    sls.file(
        "handler.js",
        "module.exports.hello = async () => ({ ok: true });\n",
    );
    let run = sls.run(&["deploy"]).ok();
    assert!(run.stdout.contains("demo-dev-hello"), "{}", run.all());
    assert!(run.stdout.contains("stack: demo-dev"), "{}", run.stdout);
    assert!(!run.all().contains(&alice_secret));
    let template = std::fs::read_to_string(
        sls.cwd
            .join(".serverless/cloudformation-template-update-stack.json"),
    )
    .unwrap();
    assert!(
        template.contains("\"GREETING\": \"hello from ssm\""),
        "{template}"
    );
    let run = sls.run(&["deploy"]).ok();
    assert!(
        run.stderr.contains("No changes to deploy"),
        "{}",
        run.stderr
    );
    let run = sls.run(&["info", "--verbose"]).ok();
    assert!(
        run.stdout.contains("hello: demo-dev-hello"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("HelloLambdaFunctionQualifiedArn"),
        "{}",
        run.stdout
    );
    sls.run(&["remove"]).ok();
    let run = sls.run(&["remove"]).ok();
    assert!(run.stderr.contains("nothing to remove"), "{}", run.stderr);
}
